"""Second-stage endpoints (授予合同, seed 000 三(二)(6)) under /api/v1/framework/, for orders from other systems.

``orders/``: the orders the caller sees (the purchaser its own, a supplier those it won or was invited to bid on,
the center those of its projects); a budget unit opens one (``POST``: 直接选定 with a listing and its reason,
二次竞价 with the closing time, 顺序轮候 on the lot), awards a 二次竞价 after the closing time and cancels.
``bids/``: a supplier's 二次竞价 invitations and its sealed bid. The services of ``framework.services.orders``
refuse what the pages refuse, with the same Chinese ``detail``; bid prices are sealed until the closing time.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from framework.api.common import SUPPLIERS, WRITE_ERRORS
from framework.models import Order, OrderBid, ProductListing, SecondStageMethod
from framework.selectors import orders as selectors
from framework.services import orders as services
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.views import FORBIDDEN, LIST_ERRORS, NOT_FOUND, UNAUTHENTICATED, ReadOnlyViewSet, id_parameter
from procurement.models import Lot, Organization

ORDER_ID = id_parameter("框架协议订单")
BID_ID = id_parameter("二次竞价邀请")
BUYERS = (Organization.Kind.BUDGET_UNIT,)
READERS = (Organization.Kind.BUDGET_UNIT, Organization.Kind.SUPPLIER, Organization.Kind.CENTER,
           Organization.Kind.AGENCY, Organization.Kind.FINANCE)
TAG_ORDERS = "框架协议订单"
TAG_BIDS = "框架协议二次竞价"


# --- representations ----------------------------------------------------------------------------------------

class BidSerializer(serializers.Serializer):
    """二次竞价的一家受邀供应商及其报价（截止前密封：除报价供应商本身外不显示报价）。"""

    id = serializers.IntegerField(label="邀请内部编号")
    supplier = serializers.CharField(label="供应商", source="agreement.supplier.name")
    agreement_price_yuan = serializers.DecimalField(label="协议单价（元）", max_digits=14, decimal_places=2,
                                                    source="agreement.price_yuan")
    unit_price_yuan = serializers.SerializerMethodField(label="报价单价（元）",
                                                        help_text="截止前密封：为null（报价供应商本身除外）")
    submitted = serializers.SerializerMethodField(label="是否已报价")

    def get_unit_price_yuan(self, bid: OrderBid) -> str | None:
        price = selectors.bid_price_shown(bid, self.context["request"].user)
        return None if price is None else f"{price:.2f}"

    def get_submitted(self, bid: OrderBid) -> bool:
        return bid.submitted_at is not None


class OrderSerializer(serializers.ModelSerializer):
    """框架协议第二阶段订单：采购人、采购包、确定成交供应商方式、成交供应商、金额、状态及合同。"""

    project = serializers.IntegerField(label="框架协议采购项目内部编号", source="lot.project_id")
    project_code = serializers.CharField(label="项目编号", source="lot.project.code")
    lot_name = serializers.CharField(label="采购包", source="lot.name")
    purchaser_name = serializers.CharField(label="采购人", source="purchaser.name")
    supplier = serializers.CharField(label="成交供应商", source="agreement.supplier.name", allow_null=True,
                                     default=None)
    contract_code = serializers.CharField(label="合同编号", source="contract.code", allow_null=True, default=None)
    bids = serializers.SerializerMethodField(label="二次竞价报价")

    class Meta:
        model = Order
        extra_kwargs = {"id": {"label": "订单内部编号"}}
        fields = ["id", "code", "project", "project_code", "lot", "lot_name", "purchaser", "purchaser_name",
                  "method", "plan_filing_ref", "description", "quantity", "budget_yuan", "needs_imported",
                  "import_approval_ref", "listing", "selection_reason", "bidding_closes_at", "status", "supplier",
                  "unit_price_yuan", "amount_yuan", "awarded_at", "contract", "contract_code", "award_notice",
                  "created_at", "bids"]
        read_only_fields = fields

    @extend_schema_field(BidSerializer(many=True))
    def get_bids(self, order: Order) -> list[dict]:
        rows = order.bids.select_related("agreement", "agreement__supplier")
        return BidSerializer(rows, many=True, context=self.context).data


class OrderCreateSerializer(serializers.Serializer):
    """第二阶段立项下单：直接选定须给出上架商品及选定理由；二次竞价须给出报价截止时间；顺序轮候给出采购包。"""

    purchaser = serializers.CharField(label="采购人单位代码", required=False, allow_blank=True, default="",
                                      help_text="代表多家预算单位时必填")
    lot = serializers.IntegerField(label="采购包内部编号", required=False, allow_null=True, default=None)
    listing = serializers.IntegerField(label="上架商品内部编号（直接选定）", required=False, allow_null=True,
                                       default=None)
    method = serializers.ChoiceField(label="确定成交供应商方式", choices=SecondStageMethod.choices, required=False,
                                     help_text="须与采购方案第十部分一致；不填按方案")
    plan_filing_ref = serializers.CharField(label="采购计划备案编号", max_length=64, allow_blank=True)
    description = serializers.CharField(label="采购内容", max_length=200, allow_blank=True)
    quantity = serializers.CharField(label="数量")
    budget_yuan = serializers.CharField(label="预算金额（元）")
    needs_imported = serializers.BooleanField(label="采购进口产品", required=False, default=False)
    import_approval_ref = serializers.CharField(label="进口产品核准文号", max_length=64, required=False,
                                                allow_blank=True, default="")
    selection_reason = serializers.CharField(label="选定理由（直接选定）", required=False, allow_blank=True,
                                             default="")
    bidding_closes_at = serializers.DateTimeField(label="报价截止时间（二次竞价）", required=False, allow_null=True,
                                                  default=None)


class CancelSerializer(serializers.Serializer):
    """取消订单，须说明原因。"""

    reason = serializers.CharField(label="取消原因", allow_blank=True)


class BidInvitationSerializer(serializers.Serializer):
    """本单位受邀参与的二次竞价及本单位报价。"""

    id = serializers.IntegerField(label="邀请内部编号")
    order = serializers.IntegerField(label="订单内部编号", source="order_id")
    order_code = serializers.CharField(label="订单编号", source="order.code")
    description = serializers.CharField(label="采购内容", source="order.description")
    quantity = serializers.DecimalField(label="数量", max_digits=14, decimal_places=2, source="order.quantity")
    purchaser = serializers.CharField(label="采购人", source="order.purchaser.name")
    bidding_closes_at = serializers.DateTimeField(label="报价截止时间", source="order.bidding_closes_at")
    order_status = serializers.CharField(label="订单状态", source="order.status")
    agreement_price_yuan = serializers.DecimalField(label="协议单价（元）", max_digits=14, decimal_places=2,
                                                    source="agreement.price_yuan")
    unit_price_yuan = serializers.DecimalField(label="本单位报价单价（元）", max_digits=14, decimal_places=2,
                                               allow_null=True)
    submitted_at = serializers.DateTimeField(label="报价时间", allow_null=True)


class BidWriteSerializer(serializers.Serializer):
    """报价：不高于本单位协议单价，截止前可修改。"""

    price = serializers.CharField(label="报价单价（元）")


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="订单状态", choices=Order.Status.choices)
    method = django_filters.ChoiceFilter(label="确定成交供应商方式", choices=SecondStageMethod.choices)
    lot = django_filters.NumberFilter(label="采购包内部编号", field_name="lot_id")

    class Meta:
        model = Order
        fields = ["status", "method", "lot"]


# --- helpers --------------------------------------------------------------------------------------------------

def _purchaser(user, code: str) -> Organization:
    units = selectors.buyer_units(user)
    if code:
        found = [unit for unit in units if unit.unit_code == code.strip()]
        if not found:
            raise ValidationError({"purchaser": [f"单位代码「{code}」不是您可以代表的预算单位"]})
        return found[0]
    if len(units) != 1:
        raise ValidationError({"purchaser": ["您代表多家预算单位，请填写采购人单位代码"]})
    return units[0]


def _target(user, lot_id: int | None, listing_id: int | None) -> tuple[Lot, ProductListing | None]:
    if listing_id:
        listing = selectors.catalog_listings(user).filter(pk=listing_id).first()
        if listing is None:
            raise ValidationError({"listing": ["上架商品不存在或不在本单位可采购的框架协议范围内"]})
        return listing.agreement.lot, listing
    lot = selectors.catalog_lots(user).filter(pk=lot_id or 0).first()
    if lot is None:
        raise ValidationError({"lot": ["采购包不存在或不在本单位可采购的框架协议范围内"]})
    return lot, None


# --- orders ---------------------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="框架协议订单列表", tags=[TAG_ORDERS],
                       responses={200: OrderSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="框架协议订单详情", tags=[TAG_ORDERS], parameters=[ORDER_ID],
                           responses={200: OrderSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}),
)
class FrameworkOrderViewSet(ReadOnlyViewSet):
    """框架协议第二阶段订单（授予合同）：采购人立项下单（直接选定、二次竞价或顺序轮候），二次竞价截止后确定成交供应商；
    成交后生成采购合同，按合同接口签订、公告、备案、验收、支付。"""

    noun = TAG_ORDERS
    serializer_class = OrderSerializer
    search_fields = ["code", "description"]
    ordering_fields = ["created_at", "awarded_at", "code"]
    ordering = ["-created_at", "-pk"]
    filterset_class = OrderFilter
    permission_classes = [SeatRequired]
    default_seats_required = Seats(READERS)
    seats_required = {
        "create": Seats(BUYERS, "只有预算单位可以下单"),
        "award": Seats(BUYERS, "只有采购人可以确定成交供应商"),
        "cancel": Seats(BUYERS, "只有采购人可以取消订单"),
    }

    def get_queryset(self):
        return selectors.visible_orders(self.request.user)

    def _answer(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(OrderSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="第二阶段立项下单", tags=[TAG_ORDERS], request=OrderCreateSerializer,
                   description="预算单位在框架协议适用范围内、执行通知发布后且在有效期内下单（seed 三(二)(6)）："
                               "填写采购计划备案编号、采购内容、数量、预算；单笔不超过采购限额，累计不超过采购包和供应商的成交金额上限。"
                               "直接选定须给出上架商品及选定理由，立即成交；二次竞价须给出报价截止时间（留足方案规定的响应"
                               "时间），邀请全部入围供应商；顺序轮候按轮候顺序立即成交。进口产品须说明并填写核准文号"
                               "（附件8第十二部分；财库〔2022〕17号 五）。",
                   responses={201: OpenApiResponse(OrderSerializer, description="下单后的订单"), **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchaser = _purchaser(request.user, data["purchaser"])
        lot, listing = _target(request.user, data["lot"], data["listing"])
        order = services.order_open(
            purchaser=purchaser, lot=lot, method=data.get("method", ""), plan_filing_ref=data["plan_filing_ref"],
            description=data["description"], quantity=data["quantity"], budget=data["budget_yuan"],
            needs_imported=data["needs_imported"], import_approval_ref=data["import_approval_ref"], listing=listing,
            selection_reason=data["selection_reason"], bidding_closes_at=data["bidding_closes_at"],
            actor=request.user)
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(summary="确定成交供应商（二次竞价）", tags=[TAG_ORDERS], parameters=[ORDER_ID], request=None,
                   description="报价截止后，报价最低者成交；报价相同按采购方案规定的规则确定（附件8第十部分）。"
                               "截止前拒绝；无人报价拒绝并通知采购人。成交后生成采购合同并发布成交结果单笔公告。",
                   responses={200: OpenApiResponse(OrderSerializer, description="成交后的订单"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def award(self, request, *args, **kwargs):
        return self._answer(services.order_award(order=self.get_object(), actor=request.user))

    @extend_schema(summary="取消订单", tags=[TAG_ORDERS], parameters=[ORDER_ID], request=CancelSerializer,
                   description="尚未生成合同的订单可由采购人取消，须说明原因；取消后不再计入成交金额上限。",
                   responses={200: OpenApiResponse(OrderSerializer, description="取消后的订单"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(services.order_cancel(order=order, actor=request.user,
                                                  reason=serializer.validated_data["reason"]))


# --- bids -----------------------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="二次竞价邀请列表", tags=[TAG_BIDS],
                       responses={200: BidInvitationSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="二次竞价邀请详情", tags=[TAG_BIDS], parameters=[BID_ID],
                           responses={200: BidInvitationSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class FrameworkBidViewSet(ReadOnlyViewSet):
    """框架协议二次竞价：供应商查看受邀的二次竞价，截止前报价（不高于协议单价，截止前密封）。"""

    noun = TAG_BIDS
    serializer_class = BidInvitationSerializer
    ordering_fields = ["invited_at"]
    ordering = ["-invited_at", "-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats(SUPPLIERS, "只有供应商可以参与二次竞价")

    def get_queryset(self):
        return selectors.supplier_bids(self.request.user)

    @extend_schema(summary="报价", tags=[TAG_BIDS], parameters=[BID_ID], request=BidWriteSerializer,
                   description="报价截止前提交或修改报价，不得高于本单位的协议单价（附件8第十部分）。",
                   responses={200: OpenApiResponse(BidInvitationSerializer, description="报价后的邀请"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        bid = self.get_object()
        serializer = BidWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.bid_submit(bid=bid, price=serializer.validated_data["price"], actor=request.user)
        fresh = self.get_queryset().get(pk=bid.pk)
        return Response(BidInvitationSerializer(fresh).data)


routes = [
    ("orders", FrameworkOrderViewSet, "framework-order"),
    ("bids", FrameworkBidViewSet, "framework-bid"),
]

"""Framework endpoints of the agreements stage under ``/api/v1/framework/`` (seed 000 三(二)(4)(5); Order 110 Art. 19):

- ``agreements/``: list and retrieve (the center its projects', a supplier its own; another's: 404); ``POST …/sign/``
  (multipart: date and PDF), ``…/publish/``, ``…/file/``, ``…/remove/`` (multipart: ground, evidence, file);
- ``listings/``: list, retrieve, create (a supplier, under its signed agreement), ``…/approve/``, ``…/reject/``,
  ``…/delist/``;
- ``executions/<project id>/``: the execution notice of a project; ``POST …/issue/``.

The same doors as the pages; ``framework.services.agreements`` checks the right (403), the state (409) and the rules
(400) again, with a Chinese ``detail``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from framework.models import Agreement, FrameworkDetails, ProductListing, Removal
from framework.selectors import agreements as selectors
from framework.services import agreements as services
from procurement import access
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import OrganizationRefSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ApiViewSetMixin,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Organization

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER
AGREEMENT_ID = id_parameter("框架协议")
LISTING_ID = id_parameter("上架商品")
PROJECT_ID = id_parameter("框架协议采购项目")
REFUSED = OpenApiResponse(ValidationErrorSerializer, description="请求不符合规定：detail 说明原因并注明依据")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作（如已签订、已公开、已备案、已清退）")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
CENTER_ONLY = Seats((CENTER,), "只有组织框架协议采购的集中采购机构可以执行该操作")
SUPPLIER_ONLY = Seats((SUPPLIER,), "只有入围供应商可以上架商品")
TAG_AGREEMENTS = "框架协议"
TAG_LISTINGS = "框架协议上架商品"
TAG_EXECUTION = "框架协议执行通知"


# --- representations --------------------------------------------------------------------------------

class FrameworkAgreementSerializer(ReadSerializer):
    """框架协议：入围供应商在一个采购包的位置，签订、公开、备案的期限和日期，是否逾期。"""

    supplier = OrganizationRefSerializer(read_only=True, label="入围供应商")
    project = serializers.CharField(source="lot.project.code", read_only=True, label="项目编号")
    lot = serializers.CharField(source="lot.__str__", read_only=True, label="采购包")
    overdue = serializers.SerializerMethodField(label="逾期提示")

    class Meta:
        model = Agreement
        fields = ["id", "code", "project", "lot", "supplier", "price_yuan", "rank", "status", "letter_sent_on",
                  "sign_due", "signed_on", "publish_due", "published_on", "filing_due", "filed_on", "valid_until",
                  "ended_on", "end_reason", "overdue"]
        read_only_fields = fields

    def get_overdue(self, agreement: Agreement) -> list[str]:
        return services.overdue_steps(agreement)


class AgreementSignSerializer(serializers.Serializer):
    """登记签订的框架协议：签订日期和签字盖章的协议PDF。"""

    signed_on = serializers.DateField(label="签订日期")
    signed_file = serializers.FileField(label="签订的框架协议（PDF）")


class AgreementFileSerializer(serializers.Serializer):
    """框架协议副本备案的备注。"""

    note = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_TEXT, label="备注")


class AgreementRemoveSerializer(serializers.Serializer):
    """清退：财政部令第110号第十九条第一款规定的情形、事实和证据。"""

    ground = serializers.ChoiceField(choices=Removal.Ground.choices, label="清退情形")
    evidence = serializers.CharField(max_length=services.MAX_TEXT, label="事实和证据")
    evidence_file = serializers.FileField(required=False, label="证据材料")


class AgreementRemovalSerializer(ReadSerializer):
    """清退记录。"""

    class Meta:
        model = Removal
        fields = ["id", "agreement", "ground", "evidence", "effect", "decided_on"]
        read_only_fields = fields


class FrameworkListingSerializer(ReadSerializer):
    """上架商品：单价不高于框架协议单价，经集中采购机构审核上架。"""

    agreement_code = serializers.CharField(source="agreement.code", read_only=True, label="协议编号")
    supplier = OrganizationRefSerializer(source="agreement.supplier", read_only=True, label="供应商")

    class Meta:
        model = ProductListing
        fields = ["id", "agreement", "agreement_code", "supplier", "name", "brand", "model_number", "specification",
                  "unit_price_yuan", "is_imported", "status", "review_note", "reviewed_at", "created_at"]
        read_only_fields = fields


class FrameworkListingCreateSerializer(serializers.Serializer):
    """申请上架商品。"""

    agreement = serializers.IntegerField(min_value=1, label="框架协议内部编号")
    name = serializers.CharField(max_length=200, label="商品名称")
    brand = serializers.CharField(max_length=100, label="品牌")
    model_number = serializers.CharField(max_length=100, label="型号")
    specification = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_TEXT,
                                          label="规格参数")
    unit_price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, label="单价（元）")
    is_imported = serializers.BooleanField(required=False, default=False, label="进口产品")


class FrameworkReasonSerializer(serializers.Serializer):
    """理由。"""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_TEXT, label="理由")


class FrameworkExecutionSerializer(ReadSerializer):
    """框架协议执行通知：执行范围、期限和第二阶段执行程序。"""

    notice = serializers.IntegerField(source="execution_notice_id", read_only=True, allow_null=True,
                                      label="执行通知公告内部编号")

    class Meta:
        model = FrameworkDetails
        fields = ["id", "project", "notice", "execution_scope", "execution_procedure", "executing_from"]
        read_only_fields = fields


class FrameworkExecutionIssueSerializer(serializers.Serializer):
    """印发框架协议执行通知。"""

    scope = serializers.CharField(max_length=services.MAX_TEXT, label="执行范围")
    procedure = serializers.CharField(max_length=services.MAX_TEXT, label="第二阶段执行程序")
    executing_from = serializers.DateField(label="执行期限起始日期")


def _center_of(request, agreement: Agreement) -> None:
    if not selectors.is_center_of(request.user, agreement.lot.project):
        raise PermissionDenied("只有组织该框架协议采购的集中采购机构可以执行该操作")


# --- viewsets ---------------------------------------------------------------------------------------------

@read_schema(lookup=AGREEMENT_ID)
class AgreementViewSet(ReadOnlyViewSet):
    """框架协议：集中采购机构看其组织项目的，供应商看本单位的。集中采购机构登记签订（入围通知书发出之日起30日内）、
    公开入围信息（签订后3个工作日内）、将协议副本报财政部门备案（7个工作日内），并可依财政部令第110号第十九条清退。"""

    noun = "框架协议"
    serializer_class = FrameworkAgreementSerializer
    search_fields = ["code", "supplier__name", "lot__project__code", "lot__project__title"]
    ordering_fields = ["sign_due", "signed_on", "created_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {"sign": CENTER_ONLY, "publish": CENTER_ONLY, "file": CENTER_ONLY, "remove": CENTER_ONLY}

    def get_queryset(self):
        return selectors.visible_agreements(self.request.user)

    @extend_schema(summary="登记签订的框架协议", tags=[TAG_AGREEMENTS], parameters=[AGREEMENT_ID],
                   request={"multipart/form-data": AgreementSignSerializer},
                   description="签订日期不得早于入围通知书发出日期、不得晚于今天；超过30日签订的照常登记并标记逾期。"
                               "同时确定公开入围信息（3个工作日）和备案（7个工作日）的截止日"
                               "（吉财采购意见 三(二)(4)）。",
                   responses={200: FrameworkAgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser])
    def sign(self, request, *args, **kwargs):
        agreement = self.get_object()
        _center_of(request, agreement)
        body = AgreementSignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signed = services.agreement_sign(agreement=agreement, actor=request.user, **body.validated_data)
        return Response(FrameworkAgreementSerializer(signed).data)

    @extend_schema(summary="公开入围信息", tags=[TAG_AGREEMENTS], parameters=[AGREEMENT_ID], request=None,
                   description="框架协议签订后3个工作日内公开入围信息（吉财采购意见 三(二)(4)）。",
                   responses={200: FrameworkAgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        agreement = self.get_object()
        _center_of(request, agreement)
        published = services.agreement_publish(agreement=agreement, actor=request.user)
        return Response(FrameworkAgreementSerializer(published).data)

    @extend_schema(summary="框架协议副本备案", tags=[TAG_AGREEMENTS], parameters=[AGREEMENT_ID],
                   request=AgreementFileSerializer,
                   description="框架协议签订后7个工作日内将协议副本报财政部门备案（吉财采购意见 三(二)(4)）。",
                   responses={200: FrameworkAgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def file(self, request, *args, **kwargs):
        agreement = self.get_object()
        _center_of(request, agreement)
        body = AgreementFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.agreement_file(agreement=agreement, actor=request.user, note=body.validated_data.get("note", ""))
        agreement.refresh_from_db()
        return Response(FrameworkAgreementSerializer(agreement).data)

    @extend_schema(summary="清退入围供应商", tags=[TAG_AGREEMENTS], parameters=[AGREEMENT_ID],
                   request={"multipart/form-data": AgreementRemoveSerializer},
                   description="财政部令第110号第十九条第一款：尚未签订的取消入围资格，已签订的解除框架协议；其上架商品"
                               "同时下架，被清退的供应商不得再次入围。开放式框架协议不适用。",
                   responses={201: OpenApiResponse(AgreementRemovalSerializer, description="清退记录"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser,
                                                            parsers.JSONParser])
    def remove(self, request, *args, **kwargs):
        agreement = self.get_object()
        _center_of(request, agreement)
        body = AgreementRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        removal = services.agreement_remove(agreement=agreement, actor=request.user, **body.validated_data)
        return Response(AgreementRemovalSerializer(removal).data, status=status.HTTP_201_CREATED)


@read_schema(lookup=LISTING_ID)
class ListingViewSet(ReadOnlyViewSet):
    """框架协议上架商品：供应商在已签订的框架协议下申请上架（单价不高于协议单价），集中采购机构审核上架或退回，
    供应商可以下架。"""

    noun = "框架协议上架商品"
    serializer_class = FrameworkListingSerializer
    search_fields = ["name", "brand", "model_number", "agreement__code"]
    ordering_fields = ["created_at", "unit_price_yuan"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {"create": SUPPLIER_ONLY, "approve": CENTER_ONLY, "reject": CENTER_ONLY,
                      "delist": Seats((SUPPLIER, CENTER), "只有入围供应商或集中采购机构可以下架商品")}

    def get_queryset(self):
        return selectors.visible_listings(self.request.user)

    @extend_schema(summary="申请上架商品", tags=[TAG_LISTINGS], request=FrameworkListingCreateSerializer,
                   description="单价高于框架协议单价的拒绝并写明协议单价；采购包未允许进口产品的不能上架进口产品。",
                   responses={201: OpenApiResponse(FrameworkListingSerializer, description="已提交的上架申请"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        if not (access.is_superuser(request.user) or selectors.supplier_agreements(request.user).filter(
                status=Agreement.Status.SIGNED).exists()):
            raise PermissionDenied("只有已签订框架协议的入围供应商可以上架商品")
        body = FrameworkListingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        agreement = selectors.supplier_agreements(request.user).filter(pk=values.pop("agreement")).first()
        if agreement is None:
            raise Http404("框架协议不存在")
        listing = services.listing_create(agreement=agreement, actor=request.user, **values)
        return Response(FrameworkListingSerializer(listing).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="审核上架", tags=[TAG_LISTINGS], parameters=[LISTING_ID], request=None,
                   responses={200: FrameworkListingSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        listing = self.get_object()
        return Response(FrameworkListingSerializer(services.listing_approve(listing=listing, actor=request.user)).data)

    @extend_schema(summary="退回上架申请", tags=[TAG_LISTINGS], parameters=[LISTING_ID],
                   request=FrameworkReasonSerializer,
                   description="退回须写明理由。", responses={200: FrameworkListingSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        listing = self.get_object()
        if not selectors.is_center_of(request.user, listing.agreement.lot.project):
            raise PermissionDenied("只有组织该框架协议采购的集中采购机构可以审核上架商品")
        body = FrameworkReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(FrameworkListingSerializer(services.listing_reject(
            listing=listing, reason=body.validated_data.get("reason", ""), actor=request.user)).data)

    @extend_schema(summary="下架商品", tags=[TAG_LISTINGS], parameters=[LISTING_ID], request=FrameworkReasonSerializer,
                   responses={200: FrameworkListingSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def delist(self, request, *args, **kwargs):
        listing = self.get_object()
        body = FrameworkReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(FrameworkListingSerializer(services.listing_delist(
            listing=listing, reason=body.validated_data.get("reason", ""), actor=request.user)).data)


class ExecutionViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """框架协议执行通知（按项目）：集中采购机构在每个采购包均有已签订框架协议且有已上架商品的供应商后印发。"""

    noun = "框架协议执行通知"
    serializer_class = FrameworkExecutionSerializer
    filter_backends: list = []
    pagination_class = None
    permission_classes = [SeatRequired]
    default_seats_required = CENTER_ONLY

    def get_view_name(self) -> str:
        return self.noun

    def get_queryset(self):
        return selectors.center_projects(self.request.user)

    @extend_schema(summary="框架协议执行通知", tags=[TAG_EXECUTION], parameters=[PROJECT_ID],
                   description="已印发的执行通知；尚未印发时返回 404。",
                   responses={200: FrameworkExecutionSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        details = selectors.details_of(project)
        if details is None or details.execution_notice_id is None:
            raise Http404("该项目尚未印发框架协议执行通知")
        return Response(FrameworkExecutionSerializer(details).data)

    @extend_schema(summary="印发框架协议执行通知", tags=[TAG_EXECUTION], parameters=[PROJECT_ID],
                   request=FrameworkExecutionIssueSerializer,
                   description="明确执行范围、期限和第二阶段执行程序，以公告形式公开；印发后采购人方可下单"
                               "（吉财采购意见 三(二)(5)）。",
                   responses={201: OpenApiResponse(FrameworkExecutionSerializer, description="已印发的执行通知"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        project = self.get_object()
        if not selectors.is_center_of(request.user, project):
            raise PermissionDenied("只有组织该框架协议采购的集中采购机构可以印发框架协议执行通知")
        body = FrameworkExecutionIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        details = services.execution_notice_issue(project=project, actor=request.user, **body.validated_data)
        return Response(FrameworkExecutionSerializer(details).data, status=status.HTTP_201_CREATED)


routes = [("agreements", AgreementViewSet, "framework-agreement"),
          ("listings", ListingViewSet, "framework-listing"),
          ("executions", ExecutionViewSet, "framework-execution")]

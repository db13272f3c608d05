"""Framework endpoints of open agreements and of the end of an agreement under ``/api/v1/framework/``
(开放式框架协议, MoF Order No. 110; 协议到期与成交结果汇总公告):

- ``join-requests/``: list and retrieve (a supplier its own, the center those of its projects; another's: 404);
  ``POST join-requests/`` (a supplier, multipart: lot, acceptance of the published terms and price, qualification
  PDF); ``…/approve/`` and ``…/reject/`` (the center, within the period the plan declares);
- ``open-agreements/``: a supplier's agreements on open framework projects; ``POST …/leave/``;
- ``summaries/``: the center's framework projects after their solicitation notice, the second-stage totals per lot
  and supplier; ``POST …/publish/`` the 成交结果汇总公告 after the agreement has ended.

The same doors as the pages (``framework.views.open_agreements``); the services check the right (403), the state
(409) and the rules (400) again, with a Chinese ``detail``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from framework.api.agreements import CONFLICT, FORBIDDEN, REFUSED, FrameworkAgreementSerializer
from framework.models import FrameworkDetails, JoinRequest
from framework.selectors import open_agreements as selectors
from framework.selectors.solicitation import acting_supplier
from framework.services import expiry
from framework.services import open_agreements as services
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import OrganizationRefSerializer, ReadSerializer
from procurement.api.views import NOT_FOUND, UNAUTHENTICATED, ReadOnlyViewSet, id_parameter, read_schema
from procurement.models import Organization, Project

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER
JOIN_ID = id_parameter("加入申请")
AGREEMENT_ID = id_parameter("框架协议")
PROJECT_ID = id_parameter("框架协议采购项目")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
CENTER_ONLY = Seats((CENTER,), "只有组织该框架协议采购的集中采购机构可以审核加入申请")
SUPPLIER_ONLY = Seats((SUPPLIER,), "只有供应商可以申请加入或退出开放式框架协议")
TAG_OPEN = "开放式框架协议"
TAG_SUMMARY = "协议到期与成交结果汇总公告"


# --- representations --------------------------------------------------------------------------------

class JoinRequestSerializer(ReadSerializer):
    """加入申请：供应商接受征集公告公布的协议条件和价格，征集人在采购方案声明的期限内审核。"""

    supplier = OrganizationRefSerializer(read_only=True, label="供应商")
    project = serializers.CharField(source="lot.project.code", read_only=True, label="项目编号")
    lot_name = serializers.CharField(source="lot.__str__", read_only=True, label="采购包")
    agreement_code = serializers.CharField(source="agreement.code", read_only=True, allow_null=True,
                                           default=None, label="加入后的协议编号")
    overdue = serializers.SerializerMethodField(label="审核是否逾期")

    class Meta:
        model = JoinRequest
        fields = ["id", "project", "lot", "lot_name", "supplier", "accepts_terms", "status", "review_due",
                  "review_note", "reviewed_at", "agreement", "agreement_code", "overdue", "created_at"]
        read_only_fields = fields

    def get_overdue(self, join: JoinRequest) -> bool:
        return services.review_overdue(join)


class JoinRequestCreateSerializer(serializers.Serializer):
    """申请加入开放式框架协议的一个采购包。"""

    lot = serializers.IntegerField(min_value=1, label="采购包内部编号")
    accepts_terms = serializers.BooleanField(required=False, default=False,
                                             label="接受征集公告公布的框架协议条件和价格")
    qualification_file = serializers.FileField(label="资格证明文件（PDF）")


class ReasonSerializer(serializers.Serializer):
    """理由。"""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_TEXT, label="理由")


class SummaryProjectSerializer(ReadSerializer):
    """框架协议采购项目的协议到期情况与成交结果汇总公告。"""

    expired_at = serializers.DateTimeField(source="framework.expired_at", read_only=True, allow_null=True,
                                           default=None, label="协议到期时间")
    summary_due = serializers.DateField(source="framework.summary_due", read_only=True, allow_null=True,
                                        default=None, label="汇总公告截止日")
    summary_notice = serializers.IntegerField(source="framework.summary_notice_id", read_only=True, allow_null=True,
                                              default=None, label="成交结果汇总公告内部编号")
    overdue = serializers.SerializerMethodField(label="汇总公告是否逾期")
    lots = serializers.SerializerMethodField(label="各采购包第二阶段成交汇总")

    class Meta:
        model = Project
        fields = ["id", "code", "title", "expired_at", "summary_due", "summary_notice", "overdue", "lots"]
        read_only_fields = fields

    def get_overdue(self, project: Project) -> bool:
        return expiry.summary_overdue(getattr(project, "framework", None))

    def get_lots(self, project: Project) -> list[dict]:
        return [{"lot": str(row["lot"]), "count": row["count"], "amount_yuan": str(row["amount"]),
                 "suppliers": [{"name": s["supplier"], "count": s["count"], "amount_yuan": str(s["amount"])}
                               for s in row["suppliers"]]}
                for row in expiry.summary_rows(project)]


# --- viewsets ---------------------------------------------------------------------------------------------

@read_schema(lookup=JOIN_ID)
class JoinRequestViewSet(ReadOnlyViewSet):
    """开放式框架协议的加入申请：供应商在协议有效期内随时申请加入（接受公布的条件和价格），集中采购机构在采购方案
    声明的期限内审核；同意即按公布的价格签订框架协议。"""

    noun = "加入申请"
    serializer_class = JoinRequestSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    search_fields = ["supplier__name", "lot__name", "lot__project__code", "lot__project__title"]
    ordering_fields = ["review_due", "created_at"]
    ordering = ["review_due", "pk"]
    permission_classes = [SeatRequired]
    seats_required = {"create": SUPPLIER_ONLY, "approve": CENTER_ONLY, "reject": CENTER_ONLY}

    def get_queryset(self):
        return selectors.visible_requests(self.request.user)

    @extend_schema(summary="申请加入开放式框架协议", tags=[TAG_OPEN],
                   request={"multipart/form-data": JoinRequestCreateSerializer},
                   description="征集公告发布后、协议有效期内，供应商接受公布的协议条件和价格并上传资格证明文件（PDF）；"
                               "已在该采购包有协议或有待审核申请的拒绝。审核截止日为申请日加采购方案声明的工作日数"
                               "（财政部令第110号）。",
                   responses={201: OpenApiResponse(JoinRequestSerializer, description="已提交的加入申请"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        body = JoinRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        lot = selectors.joinable_lots(request.user).filter(pk=values.pop("lot")).first()
        if lot is None:
            raise NotFound("采购包不存在，或不属于可申请加入的开放式框架协议")
        supplier = acting_supplier(request.user)
        if supplier is None:
            raise NotFound("您不代表任何供应商")
        join = services.join_request_create(lot=lot, supplier=supplier, actor=request.user, **values)
        return Response(JoinRequestSerializer(join).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="同意加入", tags=[TAG_OPEN], parameters=[JOIN_ID], request=None,
                   description="同意后按该采购包公布的价格签订框架协议，有效期至采购方案的截止日。",
                   responses={200: JoinRequestSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        join = services.join_request_approve(join=self.get_object(), actor=request.user)
        return Response(JoinRequestSerializer(join).data)

    @extend_schema(summary="不同意加入", tags=[TAG_OPEN], parameters=[JOIN_ID], request=ReasonSerializer,
                   description="须写明理由，理由通知申请的供应商。",
                   responses={200: JoinRequestSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        join = services.join_request_reject(join=self.get_object(), actor=request.user,
                                            reason=body.validated_data.get("reason", ""))
        return Response(JoinRequestSerializer(join).data)


@read_schema(lookup=AGREEMENT_ID, forbidden=FORBIDDEN)
class OpenAgreementViewSet(ReadOnlyViewSet):
    """本单位在开放式框架协议中的协议：供应商可以随时退出，其上架商品同时下架。"""

    noun = "开放式框架协议"
    serializer_class = FrameworkAgreementSerializer
    ordering_fields = ["signed_on", "created_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = SUPPLIER_ONLY

    def get_queryset(self):
        return selectors.supplier_open_agreements(self.request.user)

    @extend_schema(summary="退出开放式框架协议", tags=[TAG_OPEN], parameters=[AGREEMENT_ID], request=ReasonSerializer,
                   description="入围供应商可以随时退出开放式框架协议（财政部令第110号）；退出后上架商品下架，"
                               "已成交的订单照常履行。",
                   responses={200: FrameworkAgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def leave(self, request, *args, **kwargs):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        left = services.agreement_leave(agreement=self.get_object(), actor=request.user,
                                        reason=body.validated_data.get("reason", ""))
        return Response(FrameworkAgreementSerializer(left).data)


@read_schema(lookup=PROJECT_ID, forbidden=FORBIDDEN)
class SummaryViewSet(ReadOnlyViewSet):
    """协议到期与成交结果汇总公告：集中采购机构组织的框架协议采购项目，各采购包第二阶段成交的供应商、笔数和金额；
    协议到期后发布成交结果汇总公告。"""

    noun = "框架协议采购项目"
    serializer_class = SummaryProjectSerializer
    search_fields = ["code", "title"]
    ordering = ["-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats((CENTER,), "只有组织框架协议采购的集中采购机构可以查看和发布成交结果汇总公告")

    def get_queryset(self):
        return selectors.center_framework_projects(self.request.user)

    @extend_schema(summary="发布成交结果汇总公告", tags=[TAG_SUMMARY], parameters=[PROJECT_ID], request=None,
                   description="框架协议到期后，在规定期限内发布成交结果汇总公告（财政部令第110号）；协议未到期或已发布的"
                               "拒绝。",
                   responses={200: SummaryProjectSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        project = self.get_object()
        expiry.summary_notice_publish(project=project, actor=request.user)
        project.framework = FrameworkDetails.objects.get(project_id=project.pk)
        return Response(SummaryProjectSerializer(project).data)


routes = [
    ("join-requests", JoinRequestViewSet, "framework-join-request"),
    ("open-agreements", OpenAgreementViewSet, "framework-open-agreement"),
    ("summaries", SummaryViewSet, "framework-summary"),
]

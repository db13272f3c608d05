"""Framework plans (框架协议采购方案, annex 8) under ``/api/v1/framework/plans/``.

Reads start from ``framework.selectors.plans.plans_readable`` (the center's own plans; finance's submitted plans of
its level; anyone else's → 404). Writes are explicit POSTs with the right of the pages: submitting and filing for
the center's members (the plan looked up among their centers' own, else 404), the review for the finance bureau
(among the plans it reviews, else 404). The services check the right again (403), the state (409) and the rules
(400, a submit refused lists every broken rule in ``problems``). The PDF is the annex 8 layout.
"""

from __future__ import annotations

from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from framework.models import FrameworkLot, FrameworkPlan, PlanReview, SurveyParticipant
from framework.plan_pdf import pdf_disposition, plan_pdf
from framework.selectors import plans as selectors
from framework.services import plans as services
from procurement.api.filters import IntegerFilter
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.renderers import PdfRenderer
from procurement.api.serializers import CategoryRefSerializer, OrganizationRefSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Lot, Organization

CENTER = Organization.Kind.CENTER
FINANCE = Organization.Kind.FINANCE
PLAN_ID = id_parameter("框架协议采购方案")
TAG = "框架协议采购方案"
REFUSED = OpenApiResponse(ValidationErrorSerializer, description="请求不符合业务规则：detail 说明原因")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="方案当前状态不允许该操作")
WRITE_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
CENTER_ONLY = "只有集中采购机构的经办人员可以提交和备案框架协议采购方案"
FINANCE_ONLY = "只有财政部门可以审核框架协议采购方案"


# --- representations ------------------------------------------------------------------------------------------

class SurveyParticipantSerializer(ReadSerializer):
    """需求调查对象（附件8第六部分（一））。"""

    class Meta:
        model = SurveyParticipant
        fields = ["id", "kind", "name", "opinion"]
        read_only_fields = fields


class FrameworkLotSerializer(ReadSerializer):
    class Meta:
        model = FrameworkLot
        fields = ["price_basis", "price_basis_note", "is_lab_instrument", "evaluation_method",
                  "elimination_rate_percent", "allows_imported", "ceiling_yuan"]
        read_only_fields = fields


class PlanLotSerializer(ReadSerializer):
    """采购包（附件8第七至九部分）：底级品目、计量单位、最高限制单价及其确定方式、评审方法、淘汰率。"""

    category = CategoryRefSerializer(read_only=True, label="采购品目")
    framework = FrameworkLotSerializer(read_only=True, label="框架协议采购包信息")

    class Meta:
        model = Lot
        fields = ["id", "number", "name", "category", "specification", "unit_of_measure", "max_unit_price_yuan",
                  "framework"]
        read_only_fields = fields


class PlanReviewSerializer(ReadSerializer):
    """财政部门对某一版本的审核意见，及该版本的方案内容。"""

    finance_bureau = OrganizationRefSerializer(read_only=True, label="审核财政部门")
    snapshot = serializers.JSONField(read_only=True, label="该版本的方案内容（各部分、调查对象、采购包）")

    class Meta:
        model = PlanReview
        fields = ["id", "version", "decision", "opinion", "finance_bureau", "reviewed_at", "snapshot"]
        read_only_fields = fields


SECTION_FIELDS = [name for _, names in services.SECTIONS.values() for name in names]


class FrameworkPlanSerializer(ReadSerializer):
    """框架协议采购方案（附件8）：十三部分内容、需求调查对象、采购包、各版本的审核记录。"""

    project_code = serializers.CharField(source="project.code", read_only=True, label="项目编号")
    title = serializers.CharField(source="project.title", read_only=True, label="项目名称")
    center = OrganizationRefSerializer(source="project.organizer", read_only=True, label="集中采购机构（征集人）")
    survey_participants = SurveyParticipantSerializer(many=True, read_only=True, label="需求调查对象")
    lots = serializers.SerializerMethodField(label="采购包")
    reviews = PlanReviewSerializer(many=True, read_only=True, label="审核记录")

    class Meta:
        model = FrameworkPlan
        fields = ["id", "project", "project_code", "title", "center", "task", "status", "version", "subject_kind",
                  *SECTION_FIELDS, "survey_participants", "lots", "reviews", "submitted_at", "approved_at",
                  "filed_at", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(PlanLotSerializer(many=True))
    def get_lots(self, plan: FrameworkPlan) -> list[dict]:
        return PlanLotSerializer(services.plan_lots(plan), many=True).data


class PlanReviewRequestSerializer(serializers.Serializer):
    """审核意见：审核通过或退回修改（退回时必须填写意见）。"""

    decision = serializers.ChoiceField(choices=PlanReview.Decision.choices, label="审核结论")
    opinion = serializers.CharField(label="审核意见", max_length=services.TEXT_MAX, required=False,
                                    allow_blank=True, default="")


class SubmitRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField(label="说明")
    problems = serializers.ListField(child=serializers.CharField(), label="不符合的规则（每条注明方案的部分）")


class FilingAnswerSerializer(serializers.Serializer):
    filing_id = serializers.IntegerField(label="备案记录内部编号")
    plan = FrameworkPlanSerializer(label="备案后的方案")


# --- the viewset --------------------------------------------------------------------------------------------

class PlanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FrameworkPlan.Status.choices, label="状态")
    agreement_type = filters.ChoiceFilter(choices=FrameworkPlan._meta.get_field("agreement_type").choices,
                                          label="框架协议采购类型")
    center = IntegerFilter(field_name="project__organizer_id", label="集中采购机构内部编号")

    class Meta:
        model = FrameworkPlan
        fields: list[str] = []


CENTER_STEPS = ("submit", "file")


@read_schema(lookup=PLAN_ID)
class FrameworkPlanViewSet(ReadOnlyViewSet):
    """框架协议采购方案：集中采购机构看本机构的方案，财政部门看同级集中采购机构已提交的方案。

    集中采购机构提交审核、审核通过后备案；财政部门审核（通过或退回修改）；方案可下载为附件8版式的PDF。
    """

    noun = "框架协议采购方案"
    serializer_class = FrameworkPlanSerializer
    filterset_class = PlanFilter
    search_fields = ["project__title", "project__code"]
    ordering_fields = ["created_at", "submitted_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {
        **dict.fromkeys(CENTER_STEPS, Seats((CENTER,), CENTER_ONLY)),
        "review": Seats((FINANCE,), FINANCE_ONLY),
    }

    def get_queryset(self):
        if self.action in CENTER_STEPS:
            return selectors.plans_of_centers(self.request.user)
        if self.action == "review":
            return selectors.plans_for_review(self.request.user)
        return selectors.plans_readable(self.request.user)

    def _plan(self, plan: FrameworkPlan) -> dict:
        fresh = selectors.plans_readable(self.request.user).get(pk=plan.pk)
        return FrameworkPlanSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="提交财政部门审核", tags=[TAG], parameters=[PLAN_ID], request=None,
                   description="检查附件8的全部规则，一并返回不符合的各条（problems，每条注明方案的部分）；"
                               "退回修改后再次提交为新版本。",
                   responses={200: OpenApiResponse(FrameworkPlanSerializer, description="提交后的方案"),
                              400: OpenApiResponse(SubmitRefusedSerializer, description="方案不符合附件8的规则"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        plan = self.get_object()
        try:
            submitted = services.plan_submit(plan=plan, actor=request.user)
        except services.PlanIncomplete as incomplete:
            return Response({"detail": incomplete.message, "problems": incomplete.problems},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(self._plan(submitted))

    @extend_schema(summary="审核", tags=[TAG], parameters=[PLAN_ID], request=PlanReviewRequestSerializer,
                   description="同级财政部门审核通过，或退回修改（须填写意见）；每次审核保留所审版本的全部内容。",
                   responses={201: OpenApiResponse(PlanReviewSerializer, description="审核记录"), 400: REFUSED,
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        plan = self.get_object()
        payload = PlanReviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        review = services.plan_review(plan=plan, decision=payload.validated_data["decision"],
                                      opinion=payload.validated_data["opinion"], actor=request.user)
        return Response(PlanReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="方案备案", tags=[TAG], parameters=[PLAN_ID], request=None,
                   description="审核通过的方案向审核的财政部门备案（实施方案第三部分（二）3）。",
                   responses={201: OpenApiResponse(FilingAnswerSerializer, description="备案记录和方案"),
                              400: REFUSED, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def file(self, request, *args, **kwargs):
        plan = self.get_object()
        filing = services.plan_file(plan=plan, actor=request.user)
        return Response({"filing_id": filing.pk, "plan": self._plan(plan)}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="采购方案PDF", tags=[TAG],
        parameters=[PLAN_ID, OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["json", "pdf"],
                                              description="返回格式：不填或 pdf 返回文件；json 仅用于错误说明")],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="按附件8版式生成的PDF"),
                   (401, "application/json"): UNAUTHENTICATED, (404, "application/json"): NOT_FOUND},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, *args, **kwargs):
        plan = self.get_object()
        response = HttpResponse(plan_pdf(plan=plan), content_type="application/pdf")
        response["Content-Disposition"] = pdf_disposition(plan)
        return response


routes = [("plans", FrameworkPlanViewSet, "framework-plan")]

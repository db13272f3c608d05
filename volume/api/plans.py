"""Volume endpoints of 753号 steps 3 and 4 under ``/api/v1/volume/plans/<project id>/`` for the budget system.

- ``GET …/aggregate/``: the aggregate (归集汇总) as JSON: per item, per participant, per funding source, the grand
  total, who declined and who never answered; ``GET …/aggregate/export/``: the same Excel workbook as the page;
- ``POST …/file/``: the lead files the implementation plan (备案采购实施计划) and names the entrusted agency;
- ``GET …/``: the filed plan with its filing (404 until it is filed).

The same doors as the pages (``volume.views.plans``): reads for the lead, the entrusted agency and finance of the
region (``aggregate_projects``; a participant or anyone else hears 404, another kind of organization 403); the
filing for the lead only (``plan_projects``). ``volume.services.plans`` then checks the right again (403), the state
(409) and the rules (400), with a Chinese ``detail``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement.api.collection import FORMAT_PARAMETER
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.renderers import XlsxRenderer
from procurement.api.serializers import (
    FundingLineSerializer,
    LotRefSerializer,
    OrganizationRefSerializer,
    ProjectRefSerializer,
    ReadSerializer,
)
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ApiViewSetMixin,
    ErrorSerializer,
    ValidationErrorSerializer,
    id_parameter,
)
from procurement.models import Filing, FundingLine, Organization, ProcurementMethod, Project
from volume.aggregate_export import XLSX_TYPE, aggregate_file_name, aggregate_workbook
from volume.models import ImplementationPlan
from volume.selectors.aggregate import (
    READERS,
    READERS_REFUSAL,
    aggregate,
    aggregate_projects,
    declined_responses,
    participant_rows,
    participants,
    plan_projects,
    unanswered_units,
)
from volume.services.plans import NOTE_MAX_LENGTH, implementation_plan_file

TAG = "集中带量采购：归集汇总与采购实施计划"
PROJECT_ID = id_parameter("集中带量采购项目")
LEAD = (Organization.Kind.BUDGET_UNIT,)
LEAD_REFUSAL = "只有牵头单位可以备案采购实施计划"
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description=LEAD_REFUSAL)
FORBIDDEN_READ = OpenApiResponse(ErrorSerializer, description=READERS_REFUSAL)
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许执行该操作（尚未截止汇总，或已备案）")
READ_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN_READ, 404: NOT_FOUND}


# --- representations ------------------------------------------------------------------------------

class SourceAmountSerializer(serializers.Serializer):
    """一种资金来源的金额。"""

    source = serializers.ChoiceField(choices=FundingLine.Source.choices, label="资金来源")
    label = serializers.CharField(label="资金来源名称")
    amount_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="金额（元）")


class ItemTotalSerializer(serializers.Serializer):
    """一项采购内容的汇总：已响应单位的采购数量、预算金额、单位数和资金构成。"""

    lot = LotRefSerializer(label="采购内容")
    unit_of_measure = serializers.CharField(source="lot.unit_of_measure", label="计量单位")
    quantity = serializers.DecimalField(max_digits=20, decimal_places=2, label="采购数量合计")
    budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额合计（元）")
    unit_count = serializers.IntegerField(label="参与单位数")
    funding = SourceAmountSerializer(many=True, label="按资金来源")


class ParticipantItemSerializer(serializers.Serializer):
    """参与单位响应的一项采购内容。"""

    lot = LotRefSerializer(label="采购内容")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, label="采购数量")
    budget_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, label="预算金额（元）")
    funding_lines = FundingLineSerializer(many=True, source="funding_lines.all", label="资金构成")


class ParticipantSerializer(serializers.Serializer):
    """一个参与单位的响应汇总。"""

    unit = OrganizationRefSerializer(label="参与单位")
    item_count = serializers.IntegerField(label="响应的采购内容数")
    budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额合计（元）")
    funding_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="资金构成合计（元）")
    items = ParticipantItemSerializer(many=True, source="sub_plans", label="采购内容")


class DeclinedSerializer(serializers.Serializer):
    """不参与的单位及理由。"""

    unit = OrganizationRefSerializer(label="单位")
    decline_reason = serializers.CharField(label="不参与理由")


class AggregateSerializer(serializers.Serializer):
    """集中带量采购汇总（吉财采购〔2024〕753号 三、3）：计入已提交响应的单位。"""

    project = ProjectRefSerializer(label="采购项目")
    status = serializers.ChoiceField(source="project.status", choices=Project.Status.choices, label="项目状态")
    budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额合计（元）")
    funding_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="资金构成合计（元）")
    sub_plan_count = serializers.IntegerField(label="计入的响应条目数")
    participant_count = serializers.IntegerField(label="已响应单位数")
    eligible_count = serializers.IntegerField(label="邀请单位数")
    declined_count = serializers.IntegerField(label="不参与单位数")
    unanswered_count = serializers.IntegerField(label="未响应单位数")
    items = ItemTotalSerializer(many=True, label="按采购内容")
    sources = SourceAmountSerializer(many=True, label="按资金来源")
    participants = ParticipantSerializer(many=True, label="按参与单位")
    declined = DeclinedSerializer(many=True, label="不参与的单位")
    unanswered = OrganizationRefSerializer(many=True, label="未响应的单位")


class FilingSerializer(ReadSerializer):
    """备案记录。"""

    finance_bureau = OrganizationRefSerializer(read_only=True, allow_null=True, label="受理财政部门")
    kind = serializers.CharField(source="get_kind_display", read_only=True, label="备案类型")
    status = serializers.CharField(source="get_status_display", read_only=True, label="状态")

    class Meta:
        model = Filing
        fields = ["id", "kind", "status", "finance_bureau", "filed_at"]
        read_only_fields = fields


class PlanSerializer(ReadSerializer):
    """已备案的采购实施计划：备案时的汇总、采购方式、时间安排、受托代理机构和备案记录。"""

    agency = OrganizationRefSerializer(read_only=True, label="受托采购代理机构")
    filing = FilingSerializer(read_only=True, allow_null=True, label="备案记录")

    class Meta:
        model = ImplementationPlan
        fields = ["id", "method", "agency", "documents_planned_on", "opening_planned_on", "award_planned_on",
                  "contracts_planned_on", "budget_yuan", "snapshot", "note", "filing", "filed_at"]
        read_only_fields = fields


PLAN_FILED = OpenApiResponse(PlanSerializer, description="已备案的采购实施计划")


class PlanFileSerializer(serializers.Serializer):
    """备案采购实施计划：采购方式、受托代理机构、时间安排和说明（采购内容、数量、预算和资金构成取汇总）。"""

    # Every method's value (the shared enum); the mode's own list (not the framework solicitation) is the service's.
    method = serializers.ChoiceField(choices=ProcurementMethod.choices, label="采购方式（框架协议公开征集除外）")
    agency = serializers.IntegerField(min_value=1, label="受托采购代理机构内部编号")
    documents_planned_on = serializers.DateField(label="计划发布采购文件日期")
    opening_planned_on = serializers.DateField(label="计划开标（响应截止）日期")
    award_planned_on = serializers.DateField(label="计划确定结果日期")
    contracts_planned_on = serializers.DateField(label="计划签订合同日期")
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, label="说明")


# --- the viewset ---------------------------------------------------------------------------------------

class VolumePlanViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """集中带量采购：归集汇总、导出和采购实施计划备案（按项目）。"""

    noun = "集中带量采购汇总与采购实施计划"
    serializer_class = PlanSerializer
    filter_backends: list = []
    pagination_class = None
    permission_classes = [SeatRequired]
    default_seats_required = Seats(READERS, READERS_REFUSAL)
    seats_required = {"file": Seats(LEAD, LEAD_REFUSAL)}

    def get_view_name(self) -> str:
        return self.noun

    def get_queryset(self):
        if self.action == "file":
            return plan_projects(self.request.user)
        return aggregate_projects(self.request.user)

    @extend_schema(summary="采购实施计划", tags=[TAG], parameters=[PROJECT_ID],
                   description="已备案的采购实施计划及备案记录；尚未备案时返回 404。",
                   responses={200: PlanSerializer, **READ_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        plan = (ImplementationPlan.objects.filter(project_id=project.pk)
                .select_related("agency", "filing", "filing__finance_bureau").first())
        if plan is None:
            raise Http404("该项目尚未备案采购实施计划")
        return Response(PlanSerializer(plan).data)

    @extend_schema(summary="归集汇总", tags=[TAG], parameters=[PROJECT_ID],
                   description="按采购内容、按参与单位、按资金来源的汇总和总计，以及不参与和未响应的单位。"
                               "计入已提交响应的单位；金额以元为单位、保留两位小数。",
                   responses={200: AggregateSerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def aggregate(self, request, *args, **kwargs):
        project = self.get_object()
        summary = aggregate(project)
        data = {
            "project": project, "budget_yuan": summary.budget_yuan, "funding_yuan": summary.funding_yuan,
            "sub_plan_count": summary.sub_plan_count, "participant_count": summary.participant_count,
            "eligible_count": summary.eligible_count, "declined_count": summary.declined_count,
            "unanswered_count": summary.unanswered_count, "items": summary.items, "sources": summary.sources,
            "participants": participant_rows(project, participants(project)),
            "declined": declined_responses(project), "unanswered": unanswered_units(project),
        }
        return Response(AggregateSerializer(data).data)

    @extend_schema(summary="导出汇总表（Excel）", tags=[TAG], parameters=[PROJECT_ID, FORMAT_PARAMETER],
                   description="与页面相同的工作簿：按采购内容、按参与单位（含资金构成）、按资金来源三张工作表。",
                   responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 工作簿"),
                              (401, "application/json"): UNAUTHENTICATED,
                              (403, "application/json"): FORBIDDEN_READ, (404, "application/json"): NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="aggregate/export",
            renderer_classes=[renderers.JSONRenderer, XlsxRenderer])
    def aggregate_export(self, request, *args, **kwargs):
        project = self.get_object()
        response = HttpResponse(aggregate_workbook(project=project), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, aggregate_file_name(project))
        return response

    @extend_schema(summary="备案采购实施计划", tags=[TAG], parameters=[PROJECT_ID], request=PlanFileSerializer,
                   description="需求响应截止、归集汇总后，牵头单位备案采购实施计划并确定受托采购代理机构；"
                               "备案同时确认总计划、锁定各单位响应，并通知代理机构和财政部门。只能备案一次。",
                   responses={201: PLAN_FILED, 400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                              404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def file(self, request, *args, **kwargs):
        project = self.get_object()
        body = PlanFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = implementation_plan_file(project=project, actor=request.user, **body.validated_data)
        return Response(PlanSerializer(plan).data, status=201)


routes = [("plans", VolumePlanViewSet, "volume-plan")]

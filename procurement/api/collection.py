"""``/api/v1/collections/<id>/``: a project's collection and master plan, whatever its mode (seed 000 三(一)(4)).

The steps and reads of the organizer's collection pages (``procurement.views.collection``), from the same
declaration of who may (``procurement.selectors.collection``): closing the window and confirming the master plan
are for the center, lead unit or agency running the project (``MANAGERS``; another organization hears 403, a project it
does not run 404, before anything else); the master plan, its drill-down and its export are for the organizer
and finance (``may_read_master_plan``), from the projects the user may see. The services of
``procurement.services.collection`` then check the right again (403), the state (409) and the rules (400),
with a Chinese ``detail``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from procurement import access
from procurement.api import selectors
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.renderers import XlsxRenderer
from procurement.api.serializers import LotRefSerializer, ProjectRefSerializer, ProjectSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    NOT_FOUND_OR_PAGE,
    UNAUTHENTICATED,
    ApiViewSetMixin,
    ErrorSerializer,
    ValidationErrorSerializer,
    id_parameter,
)
from procurement.master_plan_export import master_plan_file_name, master_plan_workbook
from procurement.models import Lot, Organization, Project, SubPlan
from procurement.selectors.collection import (
    MANAGERS,
    MASTER_PLAN_READERS_REFUSAL,
    collection_projects,
    managed_projects,
    may_read_master_plan,
)
from procurement.selectors.plans import master_plan, master_plan_drilldown
from procurement.services import collection as collection_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TAG = "需求征集与总计划"
PROJECT_ID = id_parameter("采购项目")
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description=f"无权执行该操作（{access.RUNNER_REFUSAL}）")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许执行该操作")
FORBIDDEN_READ = OpenApiResponse(ErrorSerializer, description=MASTER_PLAN_READERS_REFUSAL)
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
PROJECT_NOW = OpenApiResponse(ProjectSerializer, description="操作后的项目")
FORMAT_PARAMETER = OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["xlsx", "json"],
                                    description="可不填：成功时返回 Excel 工作簿，出错时以 JSON 说明原因")
LOT_PARAMETER = OpenApiParameter("lot", int, OpenApiParameter.QUERY, description="只列该采购包（内部编号）的分计划")


# --- representations ------------------------------------------------------------------------------

class MasterPlanLineSerializer(serializers.Serializer):
    """总计划中一个采购包的汇总：已提交（含已锁定）分计划的数量、预算金额和单位数。"""

    lot = LotRefSerializer(label="采购包")
    unit_of_measure = serializers.CharField(source="lot.unit_of_measure", label="计量单位")
    total_quantity = serializers.DecimalField(max_digits=20, decimal_places=2, label="采购数量合计")
    total_budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额合计（元）")
    unit_count = serializers.IntegerField(label="参与单位数")


class MasterPlanSerializer(serializers.Serializer):
    """总计划：各采购包已提交分计划的实时汇总。"""

    project = ProjectRefSerializer(label="采购项目")
    status = serializers.ChoiceField(source="project.status", choices=Project.Status.choices, label="项目状态")
    eligible_count = serializers.IntegerField(label="可响应单位数")
    answered_count = serializers.IntegerField(label="已提交分计划的单位数")
    total_quantity = serializers.DecimalField(max_digits=20, decimal_places=2, label="采购数量合计")
    total_budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额合计（元）")
    lines = MasterPlanLineSerializer(many=True, label="各采购包汇总")


class UnitRefSerializer(ReadSerializer):
    """预算单位。"""

    region = serializers.CharField(source="region.name", read_only=True, label="所属区划")

    class Meta:
        model = Organization
        fields = ["id", "name", "unit_code", "region"]
        read_only_fields = fields


class MasterPlanRowSerializer(ReadSerializer):
    """总计划明细：一个单位对一个采购包的已提交（或已锁定）分计划。"""

    unit = UnitRefSerializer(read_only=True, label="预算单位")
    lot = LotRefSerializer(read_only=True, label="采购包")

    class Meta:
        model = SubPlan
        fields = ["id", "unit", "lot", "quantity", "budget_yuan", "contact_name", "contact_phone", "status",
                  "submitted_at"]
        read_only_fields = fields


# --- the viewset ---------------------------------------------------------------------------------------

# The steps the center (or agency) running the project takes on its pages.
STEPS = ("close", "confirm")


def _master_plan_reader(user, project: Project) -> None:
    if not may_read_master_plan(user, project):
        raise PermissionDenied(MASTER_PLAN_READERS_REFUSAL)


class CollectionViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """需求征集与总计划（各类采购项目通用）：截止汇总、确认总计划，总计划汇总、明细和导出。"""

    noun = "需求征集与总计划"
    serializer_class = ProjectSerializer
    filter_backends: list = []
    permission_classes = [SeatRequired]
    seats_required = dict.fromkeys(STEPS, Seats(MANAGERS, access.RUNNER_REFUSAL))

    def get_view_name(self) -> str:
        return self.noun

    def get_queryset(self):
        if self.action in STEPS:  # the center's pages look the project up here: another one's is a 404
            return managed_projects(self.request.user)
        return collection_projects(self.request.user)

    def _project(self, project: Project) -> dict:
        fresh = selectors.project_list(user=self.request.user).get(pk=project.pk)
        return ProjectSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="截止汇总", tags=[TAG], parameters=[PROJECT_ID], request=None,
                   description="需求响应截止后关闭填报、形成总计划。系统会在截止时自动执行，此接口供提前到点时手工执行。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        project = collection_services.collection_close(project=self.get_object(), actor=request.user)
        return Response(self._project(project))

    @extend_schema(summary="确认总计划", tags=[TAG], parameters=[PROJECT_ID], request=None,
                   description="确认总计划，已提交的分计划随之锁定，不能再修改。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        project = collection_services.master_plan_confirm(project=self.get_object(), actor=request.user)
        return Response(self._project(project))

    @extend_schema(summary="总计划", tags=[TAG], parameters=[PROJECT_ID],
                   description="各采购包已提交（含已锁定）分计划的实时汇总：采购数量、预算金额和参与单位数。",
                   responses={200: MasterPlanSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN_READ, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="master-plan", pagination_class=None)
    def master_plan(self, request, *args, **kwargs):
        project = self.get_object()
        _master_plan_reader(request.user, project)
        plan = master_plan(project=project)
        data = {
            "project": project,
            "eligible_count": project.eligible_count,
            "answered_count": project.answered_count,
            "total_quantity": plan.total_quantity,
            "total_budget_yuan": plan.total_budget_yuan,
            "lines": plan.lines,
        }
        return Response(MasterPlanSerializer(data).data)

    @extend_schema(summary="总计划明细（按单位）", tags=[TAG], parameters=[PROJECT_ID, LOT_PARAMETER],
                   description="总计划下钻：各单位已提交（含已锁定）的分计划（限您有权查看的），分页。",
                   responses={200: MasterPlanRowSerializer(many=True), 400: REFUSED, 401: UNAUTHENTICATED,
                              403: FORBIDDEN_READ, 404: NOT_FOUND_OR_PAGE})
    @action(detail=True, methods=["get"], url_path="master-plan/units")
    def master_plan_units(self, request, *args, **kwargs):
        project = self.get_object()
        _master_plan_reader(request.user, project)
        lot = None
        if request.query_params.get("lot"):
            lot_id = request.query_params["lot"]
            lot = Lot.objects.filter(project=project, pk=lot_id).first() if lot_id.isdigit() else None
            if lot is None:
                raise ValidationError({"lot": ["该项目没有这个采购包"]})
        rows = master_plan_drilldown(project=project, lot=lot).filter(
            pk__in=access.visible_sub_plans(request.user).values("pk"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MasterPlanRowSerializer(page, many=True).data)

    @extend_schema(summary="导出总计划（Excel）", tags=[TAG], parameters=[PROJECT_ID, FORMAT_PARAMETER],
                   description="工作表「总计划」为各采购包汇总，「分计划明细」为计入总计划的每一份分计划。",
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 工作簿"),
                              (401, "application/json"): UNAUTHENTICATED, (403, "application/json"): FORBIDDEN_READ,
                              (404, "application/json"): NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="master-plan/export",
            renderer_classes=[renderers.JSONRenderer, XlsxRenderer])
    def master_plan_export(self, request, *args, **kwargs):
        project = self.get_object()
        _master_plan_reader(request.user, project)
        workbook = master_plan_workbook(project=project, visible=access.visible_sub_plans(request.user))
        response = HttpResponse(workbook, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, master_plan_file_name(project))
        return response


routes = [("collections", CollectionViewSet, "collection")]

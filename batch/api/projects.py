"""Batch projects under ``/api/v1/batch/projects/``: opening and solicitation (seed 000 三(一)(3)(4)).

Closing the window, confirming the master plan and reading it (totals, drill-down, export) are the core's,
for every mode: ``/api/v1/collections/<id>/…`` (``procurement.api.collection``).

Reads start from ``access.projects_readable`` (another center's project → 404). Writes are explicit POSTs with
the right of the center's pages (``batch.views.projects``), from the same declaration in ``batch.projects``:
opening is for a center (``OPENERS``), every other step for the center or agency running the project
(``MANAGERS``, ``managed_batch_projects``); another organization hears 403 and a project it does not run 404,
before the body is read. The services of ``batch.projects`` then check the right again (403), the state (409)
and the rules (400), with a Chinese ``detail``.
"""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from batch import projects as project_services
from batch.models import BatchDetails, BatchProject, ConfigurationTable, TaskNotice
from notices.models import Notice
from procurement import access
from procurement.api.filters import IntegerFilter
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import (
    CategoryRefSerializer,
    OrganizationRefSerializer,
    ReadSerializer,
    RegionRefSerializer,
)
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Lot, Project, Region
from procurement.services.collection import REASON_MAX_LENGTH, response_deadline_extend

PROJECT_ID = id_parameter("批量集中采购项目")
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作（只有组织项目的采购中心可以办理）")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许执行该操作")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


# --- representations ------------------------------------------------------------------------------

class TaskRefSerializer(ReadSerializer):
    """据以立项的批量集中采购任务通知单。"""

    category = CategoryRefSerializer(read_only=True, label="采购品目")

    class Meta:
        model = TaskNotice
        fields = ["id", "document_number", "year", "category"]
        read_only_fields = fields


class ConfigurationTableRefSerializer(ReadSerializer):
    """划分采购包所依据的产品配置表。"""

    class Meta:
        model = ConfigurationTable
        fields = ["id", "title", "filled_on"]
        read_only_fields = fields


class BatchDetailsSerializer(ReadSerializer):
    """批量集中采购项目的任务、配置表、可响应单位确定方式和执行程序。"""

    task = TaskRefSerializer(read_only=True, label="任务通知单")
    configuration_table = ConfigurationTableRefSerializer(read_only=True, allow_null=True, label="产品配置表")
    # Kept in the batch answer where clients found it; the core project holds it since issue 9.
    master_plan_confirmed_at = serializers.DateTimeField(source="project.master_plan_confirmed_at", read_only=True,
                                                         allow_null=True, label="总计划确认时间")

    class Meta:
        model = BatchDetails
        fields = ["task", "configuration_table", "eligibility", "procedure", "master_plan_confirmed_at"]
        read_only_fields = fields


class BatchLotSerializer(ReadSerializer):
    """采购包：每种产品配置分型一个包。"""

    category = CategoryRefSerializer(read_only=True, allow_null=True, label="采购品目")
    configuration_type = serializers.SerializerMethodField(label="产品配置分型内部编号")

    class Meta:
        model = Lot
        fields = ["id", "number", "name", "category", "specification", "unit_of_measure", "reference_price_yuan",
                  "max_unit_price_yuan",
                  "configuration_type"]
        read_only_fields = fields

    def get_configuration_type(self, lot: Lot) -> int | None:
        link = getattr(lot, "batch", None)
        return link.configuration_type_id if link is not None else None


class BatchProjectSerializer(ReadSerializer):
    """批量集中采购项目：采购包、可响应单位数和已提交分计划的单位数。"""

    organizer = OrganizationRefSerializer(read_only=True, label="组织单位（采购中心）")
    category = CategoryRefSerializer(read_only=True, allow_null=True, label="采购品目")
    scope_region = RegionRefSerializer(read_only=True, label="适用范围")
    eligible_count = serializers.IntegerField(read_only=True, label="可响应单位数")
    answered_count = serializers.IntegerField(read_only=True, label="已提交分计划的单位数")
    batch = serializers.SerializerMethodField(label="批量集中采购信息")
    lots = BatchLotSerializer(many=True, read_only=True, label="采购包")

    class Meta:
        model = Project
        fields = ["id", "code", "title", "year", "status", "organizer", "category", "scope_region", "scope_note",
                  "description", "response_opens_at", "response_deadline", "eligible_count", "answered_count",
                  "batch", "lots", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(BatchDetailsSerializer(allow_null=True))
    def get_batch(self, project: Project) -> dict | None:
        details = getattr(project, "batch", None)  # a project made outside ``batch.projects`` has none
        return BatchDetailsSerializer(details).data if details is not None else None


class BatchProjectOpenSerializer(serializers.Serializer):
    """从已签收的任务通知单立项并开放需求响应：按产品配置表的配置分型划分采购包，确定可响应单位范围。"""

    task = serializers.IntegerField(label="任务通知单内部编号", min_value=1)
    configuration_table = serializers.IntegerField(label="产品配置表内部编号", min_value=1)
    title = serializers.CharField(label="项目名称", max_length=200)
    eligibility = serializers.ChoiceField(choices=BatchDetails.Eligibility.choices, label="可响应单位确定方式")
    regions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, default=list,
                                    label="地区代码", help_text="按地区确定时必填：所选地区及其下级区划的预算单位")
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Region.Level.choices), required=False,
                                   default=list, label="级次", help_text="按级次确定时必填")
    units = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                  label="预算单位内部编号", help_text="指定名单时必填")
    response_opens_at = serializers.DateTimeField(label="需求响应开始时间", required=False, allow_null=True,
                                                  default=None, help_text="不填则立即开始")
    response_deadline = serializers.DateTimeField(label="需求响应截止时间")
    procedure = serializers.CharField(label="需求征集和采购执行程序", required=False, allow_blank=True, default="")


class DeadlineExtendSerializer(serializers.Serializer):
    """延长需求响应截止时间：只能延长，须说明原因（写入更正公告，并随通知发给各可响应单位）。"""

    new_deadline = serializers.DateTimeField(label="新的需求响应截止时间",
                                             help_text="须晚于原截止时间和当前时间（只能延长）")
    reason = serializers.CharField(label="延长原因", max_length=REASON_MAX_LENGTH,
                                   help_text="写入更正公告，并随通知发给各可响应单位")


class NoticeRefSerializer(ReadSerializer):
    """已发布的公告。"""

    url = serializers.SerializerMethodField(label="公告页面地址")

    class Meta:
        model = Notice
        fields = ["id", "type", "title", "published_at", "url"]
        read_only_fields = fields

    def get_url(self, notice: Notice) -> str:
        from django.urls import reverse

        return reverse("notices:detail", args=[notice.pk])


# --- the viewset ---------------------------------------------------------------------------------------

class BatchProjectFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Project.Status.choices, label="状态")
    year = IntegerFilter(label="年度")
    task = IntegerFilter(field_name="batch__task_id", label="任务通知单内部编号")

    class Meta:
        model = BatchProject
        fields: list[str] = []


def _visible_task(user, pk: int) -> TaskNotice:
    tasks = TaskNotice.objects.filter(pk=pk)
    if not access.is_superuser(user):
        orgs = access.org_ids(user)
        tasks = tasks.filter(Q(center_id__in=orgs) | Q(finance_bureau_id__in=orgs))
    found = tasks.first()
    if found is None:
        raise ValidationError({"task": ["任务通知单不存在或无权查看"]})
    return found


def _visible_table(user, pk: int) -> ConfigurationTable:
    tables = ConfigurationTable.objects.filter(pk=pk)
    if not access.is_superuser(user):
        tables = tables.filter(center_id__in=access.org_ids(user))
    found = tables.first()
    if found is None:
        raise ValidationError({"configuration_table": ["产品配置表不存在或无权查看"]})
    return found


def _regions(codes: list[str]) -> list[Region]:
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({"regions": [f"区划代码不存在：{'、'.join(unknown)}"]})
    return [found[code] for code in dict.fromkeys(codes)]


# The steps the center (or agency) running the project takes on its pages.
STEPS = ("publish_solicitation", "extend_deadline")


@read_schema(lookup=PROJECT_ID)
class BatchProjectViewSet(ReadOnlyViewSet):
    """批量集中采购项目：采购中心看本中心组织的项目，预算单位看可响应的项目，财政部门看本区划及下级。

    采购中心据已签收的任务通知单立项、发布征集公告、延长需求响应截止时间（发布更正公告）；截止汇总、确认总计划和
    总计划的查看、导出见“需求征集与总计划”接口（/api/v1/collections/）。
    """

    noun = "批量集中采购项目"
    serializer_class = BatchProjectSerializer
    filterset_class = BatchProjectFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "year", "created_at", "response_deadline"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {
        "create": Seats(project_services.OPENERS, "只有采购中心可以立项"),
        **dict.fromkeys(STEPS, Seats(project_services.MANAGERS, "只有组织该项目的采购中心或受托代理机构可以办理")),
    }

    def get_queryset(self):
        if self.action in STEPS:  # the center's pages look the project up here: another one's is a 404
            return project_services.with_lots(project_services.managed_batch_projects(self.request.user))
        return project_services.batch_projects_with_lots(self.request.user)

    def _project(self, project: Project) -> dict:
        fresh = self.get_queryset().get(pk=project.pk)
        return BatchProjectSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="立项并开放需求响应", tags=["批量集中采购项目"], request=BatchProjectOpenSerializer,
                   description="从本中心已签收的任务通知单立项：按产品配置表中该品目的配置分型划分采购包，"
                               "按地区、级次或指定名单确定可响应单位，设定需求响应时间，立即进入需求征集。",
                   responses={201: OpenApiResponse(BatchProjectSerializer, description="已立项的项目"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = BatchProjectOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = project_services.batch_project_open(
            task=_visible_task(request.user, data["task"]),
            configuration_table=_visible_table(request.user, data["configuration_table"]),
            title=data["title"],
            eligibility=data["eligibility"],
            regions=_regions(data["regions"]),
            levels=data["levels"],
            unit_ids=data["units"],
            response_opens_at=data["response_opens_at"],
            response_deadline=data["response_deadline"],
            procedure=data["procedure"],
            actor=request.user,
        )
        return Response(self._project(project), status=status.HTTP_201_CREATED)

    @extend_schema(summary="发布征集公告", tags=["批量集中采购项目"], parameters=[PROJECT_ID], request=None,
                   description="发布征集计划通知（需求征集公告）：可响应单位范围、时间安排、采购包及基本配置参数、程序。",
                   responses={201: OpenApiResponse(NoticeRefSerializer, description="已发布的公告"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="publish-solicitation")
    def publish_solicitation(self, request, *args, **kwargs):
        notice = project_services.batch_solicitation_publish(project=self.get_object(), actor=request.user)
        return Response(NoticeRefSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="延长需求响应截止时间", tags=["批量集中采购项目"], parameters=[PROJECT_ID],
                   request=DeadlineExtendSerializer,
                   description="需求征集中、截止前，组织项目的采购中心可延长截止时间（只能延长，须说明原因）："
                               "系统记录操作，征集公告已发布的发布更正公告，通知全部可响应单位，"
                               "截止前提醒按新的截止时间发送，并在新的截止时间自动关闭填报。",
                   responses={200: OpenApiResponse(BatchProjectSerializer, description="延长后的项目"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="extend-deadline")
    def extend_deadline(self, request, *args, **kwargs):
        project = self.get_object()  # first: a project the caller does not run is a 404, whatever the body
        serializer = DeadlineExtendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = response_deadline_extend(
            project=project, new_deadline=serializer.validated_data["new_deadline"],
            reason=serializer.validated_data["reason"], actor=request.user)
        return Response(self._project(project))


routes = [("projects", BatchProjectViewSet, "batch-project")]

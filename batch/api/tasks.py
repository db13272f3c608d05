"""Task notices (annex 5) and product configuration tables (annex 6) under ``/api/v1/batch/``.

Reads start from the same scoped querysets as the pages (another bureau's or center's object → 404);
each transition is one POST action with the right of the page that offers it, from the same declaration
(``procurement.selectors.tasks.DRAFTERS`` / ``RECEIVERS``, ``configuration.COMPILERS``) and the same selector:
another kind of organization hears 403 and an object outside the page's selector 404, whatever the body and the
state (issue 8 point 4). The service then checks the right again (403), the state (409) and the rules (400), all
with a Chinese ``detail``. Task notices are the core's (``procurement.services.tasks``); this API serves the batch
ones (annex 5): ``BatchTaskNoticeViewSet`` is the core's (``procurement.api.task_notices``, every mode's) with
batch's item, 采购周期.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from batch import configuration as configuration_services
from batch.imports import configuration_import_queue
from batch.models import ConfigurationTable, ConfigurationType
from procurement import access
from procurement.api.filters import IntegerFilter
from procurement.api.imports import ACCEPTED, accepted
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.renderers import XlsxRenderer
from procurement.api.serializers import CategoryRefSerializer, OrganizationRefSerializer, ReadSerializer
from procurement.api.task_notices import (
    COMMON_FIELDS,
    STATE_FIELDS,
    TaskNoticeBaseSerializer,
    TaskNoticeFilter,
    TaskNoticeViewSet,
    format_parameter,
    task_notice_schema,
)
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    id_parameter,
    read_schema,
)
from procurement.models import Cycle, Mode, Organization
from procurement.selectors import tasks as task_selectors
from procurement.services.errors import ServiceError

BATCH = Mode.BATCH

REFUSED = OpenApiResponse(ErrorSerializer, description="请求不符合业务规则（detail 说明原因）")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")


FILE_RENDERERS = {"xlsx": [renderers.JSONRenderer, XlsxRenderer]}


# --- serializers ---------------------------------------------------------------------------------

class TaskNoticeSerializer(TaskNoticeBaseSerializer):
    """批量集中采购任务通知单：采购品目、采购限额、适用范围、采购周期，由财政部门下达集中采购机构。"""

    class Meta(TaskNoticeBaseSerializer.Meta):
        fields = [*COMMON_FIELDS, "cycle", *STATE_FIELDS]
        read_only_fields = fields


class ConfigurationTypeSerializer(ReadSerializer):
    """产品配置分型：某一采购标的品目的配置N及其技术参数。"""

    category = CategoryRefSerializer(read_only=True, label="采购标的品目")

    class Meta:
        model = ConfigurationType
        fields = ["id", "row_number", "category", "number", "name", "parameters", "unit_of_measure",
                  "reference_price_yuan"]
        read_only_fields = fields


class ConfigurationTableSerializer(ReadSerializer):
    """批量集中采购产品配置表：集中采购机构按品目设计的配置分型。"""

    center = OrganizationRefSerializer(read_only=True, label="集中采购机构")
    task = serializers.PrimaryKeyRelatedField(read_only=True, label="任务通知单内部编号")
    types = ConfigurationTypeSerializer(many=True, read_only=True, label="产品配置分型")

    class Meta:
        model = ConfigurationTable
        fields = ["id", "center", "task", "title", "filled_on", "created_at", "types"]
        read_only_fields = fields


class ImportIntoRequestSerializer(serializers.Serializer):
    """导入产品配置表（附件6格式的 .xlsx 文件）。"""

    file = serializers.FileField(label="产品配置表文件（.xlsx）")


class ImportNewRequestSerializer(ImportIntoRequestSerializer):
    """从 .xlsx 文件新建产品配置表。"""

    center = serializers.IntegerField(required=False, label="集中采购机构内部编号",
                                      help_text="用户只在一个集中采购机构任职时可不填")
    task = serializers.IntegerField(required=False, allow_null=True, label="任务通知单内部编号",
                                    help_text="须为本机构已签收的任务通知单；可不填")


# --- filters -------------------------------------------------------------------------------------

class BatchTaskNoticeFilter(TaskNoticeFilter):
    cycle = filters.ChoiceFilter(choices=Cycle.choices, label="采购周期")


class ConfigurationTableFilter(filters.FilterSet):
    task = IntegerFilter(field_name="task_id", label="任务通知单内部编号")
    center = IntegerFilter(field_name="center_id", label="集中采购机构内部编号")

    class Meta:
        model = ConfigurationTable
        fields: list[str] = []


# --- viewsets ------------------------------------------------------------------------------------

@task_notice_schema
class BatchTaskNoticeViewSet(TaskNoticeViewSet):
    """批量集中采购任务通知单：财政部门看本部门起草和下达的，集中采购机构看下达给本机构的（不含草稿）。"""

    mode = BATCH
    noun = "批量集中采购任务通知单"
    annex = "附件5"
    serializer_class = TaskNoticeSerializer
    filterset_class = BatchTaskNoticeFilter


@read_schema(lookup=id_parameter("产品配置表"))
class ConfigurationTableViewSet(ReadOnlyViewSet):
    """批量集中采购产品配置表（含配置分型）：集中采购机构看本机构的，财政部门看本部门任务通知单对应的。"""

    noun = "产品配置表"
    serializer_class = ConfigurationTableSerializer
    filterset_class = ConfigurationTableFilter
    search_fields = ["title"]
    ordering_fields = ["filled_on", "created_at"]
    ordering = ["-filled_on", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = dict.fromkeys(("import_new", "import_into"), Seats(
        configuration_services.COMPILERS, "只有集中采购机构可以导入产品配置表"))

    def get_queryset(self):
        user = self.request.user
        if self.action == "import_into":  # the center pages' tables
            tables = configuration_services.configuration_tables_of_centers(user)
        else:
            tables = configuration_services.configuration_tables_visible(user)
        return tables.prefetch_related("types__category")

    def _own_center(self, center_id: int | None) -> Organization:
        user = self.request.user
        centers = Organization.objects.filter(kind=Organization.Kind.CENTER)
        if not access.is_superuser(user):
            centers = centers.filter(pk__in=access.org_ids(user, kind=Organization.Kind.CENTER, write=True))
        if center_id is None:
            found = list(centers[:2])
            if len(found) != 1:
                raise ServiceError("请指定集中采购机构（center）", field="center")
            return found[0]
        center = centers.filter(pk=center_id).first()
        if center is None:
            raise ServiceError(f"集中采购机构（编号{center_id}）不存在或您不是其经办人员", field="center")
        return center

    @extend_schema(
        summary="从Excel新建产品配置表", tags=["产品配置表"], operation_id="batch_configuration_tables_import_new",
        request={"multipart/form-data": ImportNewRequestSerializer},
        description="受理后返回202和导入任务，文件在后台导入；导入任务成功时 result_url 为新建的产品配置表，"
                    "失败时列出文件中的全部错误（工作表、行和列）。",
        responses={202: ACCEPTED, 400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_new(self, request):
        payload = ImportNewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        center = self._own_center(data.get("center"))
        task = None
        if data.get("task") is not None:
            task = task_selectors.task_notices_received(request.user, mode=BATCH).filter(pk=data["task"]).first()
            if task is None:
                raise ServiceError(f"任务通知单（编号{data['task']}）不存在或未下达给本机构", field="task")
        job = configuration_import_queue(center=center, task=task, file=data["file"], file_name=data["file"].name,
                                         actor=request.user)
        return accepted(job, request)

    @extend_schema(
        summary="导入Excel覆盖产品配置表", tags=["产品配置表"], operation_id="batch_configuration_tables_import_into",
        parameters=[id_parameter("产品配置表")],
        request={"multipart/form-data": ImportIntoRequestSerializer},
        description="受理后返回202和导入任务，文件在后台导入；导入文件中的品目和配置替换本表现有配置，"
                    "文件有任何错误时不做任何更改（导入任务列出全部错误）。",
        responses={202: ACCEPTED, 400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_into(self, request, pk=None):
        table = self.get_object()
        payload = ImportIntoRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        job = configuration_import_queue(table=table, file=upload, file_name=upload.name, actor=request.user)
        return accepted(job, request)

    @extend_schema(
        summary="导出产品配置表Excel", tags=["产品配置表"],
        parameters=[id_parameter("产品配置表"), format_parameter("xlsx")],
        responses={
            (200, configuration_services.XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="附件6版式的 .xlsx 文件"),
            (401, "application/json"): UNAUTHENTICATED, (404, "application/json"): NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS["xlsx"])
    def export(self, request, pk=None):
        table = self.get_object()
        response = HttpResponse(configuration_services.configuration_table_export(table=table),
                                content_type=configuration_services.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            True, configuration_services.configuration_table_filename(table))
        return response


routes = [
    ("task-notices", BatchTaskNoticeViewSet, "task-notice"),
    ("configuration-tables", ConfigurationTableViewSet, "configuration-table"),
]

"""``/api/v1/import-jobs/``: the import jobs a client polls after an import answered 202 (issue 8 point 2).

An import action (e.g. ``POST /api/v1/batch/arrangements/import/``) stores the file and answers 202 with
the job below; the client reads ``url`` until ``status`` is ``succeeded`` (``result_url`` is what the
import made) or ``failed`` (``summary`` and ``errors``, each with its sheet, row and column). A job is its
uploader's and their organization's colleagues': anyone else gets 404, as for one that does not exist.
"""

from __future__ import annotations

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from procurement.api.serializers import OrganizationRefSerializer, ReadSerializer
from procurement.api.views import ReadOnlyViewSet, id_parameter, read_schema
from procurement.imports import import_kind
from procurement.models import ImportJob
from procurement.selectors.imports import import_jobs_visible

NOUN = "导入任务"


class ImportErrorItemSerializer(serializers.Serializer):
    """导入文件中的一处错误：所在工作表、行、列和说明；文件整体的问题（如不是Excel文件）工作表、行、列为空。"""

    sheet = serializers.CharField(label="工作表", help_text="错误所在工作表的名称；不涉及具体工作表时为空")
    row = serializers.IntegerField(label="行号", allow_null=True, help_text="Excel中的行号；不涉及具体行时为空")
    column = serializers.CharField(label="列", help_text="列的表头或列号；不涉及具体列时为空")
    message = serializers.CharField(label="错误说明", help_text="完整的中文说明（含工作表、行和列），与页面显示一致")


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class ImportJobSerializer(ReadSerializer):
    """导入任务：上传的Excel文件在后台导入（全部导入或全部不导入），此处为其进度和结果。"""

    kind = serializers.CharField(read_only=True, label="导入类型",
                                 help_text="arrangement：安排情况表；configuration_new：新建产品配置表；"
                                           "configuration_into：导入覆盖产品配置表")
    kind_label = serializers.SerializerMethodField(label="导入内容")
    organization = OrganizationRefSerializer(read_only=True, label="所属机构")
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, label="导入人用户名",
                                        help_text="导入人账号已删除时为空")
    stalled = serializers.SerializerMethodField(
        label="已中断", help_text="排队或导入中但长时间没有进展（后台程序已停止），可在导入任务页面重新提交")
    errors = ImportErrorItemSerializer(many=True, read_only=True, label="错误列表",
                                       help_text="导入失败时文件中的错误（最多列出200处）；其他情况为空")
    result_url = serializers.SerializerMethodField(label="导入结果的接口地址",
                                                   help_text="导入成功时为所生成对象（如安排情况表）的接口地址；否则为空")
    result_page_url = serializers.SerializerMethodField(label="导入结果的页面地址")
    url = serializers.SerializerMethodField(label="本导入任务的接口地址", help_text="轮询此地址查看进度和结果")
    page_url = serializers.SerializerMethodField(label="本导入任务的页面地址")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "kind_label", "status", "stalled", "file_name", "file_size", "organization", "user",
                  "rows_read", "rows_total", "created_at", "started_at", "progress_at", "finished_at", "summary",
                  "errors", "result_id", "result_url", "result_page_url", "url", "page_url"]
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "queued 排队中、running 正在导入，直至 succeeded 导入成功或 failed 未导入"},
            "rows_total": {"help_text": "已知时为总行数；读取结束前可能为空"},
            "summary": {"help_text": "导入结束后的中文说明：成功时为导入的行数和金额等，失败时为原因"},
            "result_id": {"help_text": "导入成功时所生成对象的内部编号"},
            "started_at": {"help_text": "尚未开始时为空"},
            "progress_at": {"help_text": "后台程序最近一次报告进度的时间"},
            "finished_at": {"help_text": "尚未结束时为空"},
        }

    def get_kind_label(self, job: ImportJob) -> str:
        kind = import_kind(job.kind)
        return kind.label if kind else ""

    def get_stalled(self, job: ImportJob) -> bool:
        return job.is_stalled()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_result_url(self, job: ImportJob) -> str | None:
        kind = import_kind(job.kind)
        if job.status != ImportJob.Status.SUCCEEDED or job.result_id is None or kind is None or not kind.result_api_url:
            return None
        return _absolute(self.context.get("request"), kind.result_api_url(job.result_id))

    @extend_schema_field({"type": "string", "nullable": True})
    def get_result_page_url(self, job: ImportJob) -> str | None:
        if job.status != ImportJob.Status.SUCCEEDED or not job.result_url:
            return None
        return _absolute(self.context.get("request"), job.result_url)

    def get_url(self, job: ImportJob) -> str:
        return _absolute(self.context.get("request"), reverse("api-v1:import-job-detail", args=[job.pk]))

    def get_page_url(self, job: ImportJob) -> str:
        return _absolute(self.context.get("request"), reverse("import-job-detail", args=[job.pk]))


def accepted(job: ImportJob, request) -> Response:
    """An import action's answer: 202, the job, and where to poll it (``Location``). Documented by ``ACCEPTED``."""
    body = ImportJobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


ACCEPTED = OpenApiResponse(ImportJobSerializer, description="已受理：文件已保存并排队在后台导入；"
                                                            "轮询返回的 url 查看进度和结果（响应头 Location 同此地址）")


class ImportJobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImportJob.Status.choices, label="状态")
    kind = filters.CharFilter(label="导入类型")

    class Meta:
        model = ImportJob
        fields: list[str] = []


@read_schema(lookup=id_parameter(NOUN))
class ImportJobViewSet(ReadOnlyViewSet):
    """导入任务：本人和本机构同事上传的文件的导入进度和结果。导入接口受理后返回202和导入任务，据此轮询。"""

    noun = NOUN
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    search_fields = ["file_name"]
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return import_jobs_visible(self.request.user)

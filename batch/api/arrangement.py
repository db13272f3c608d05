"""``/api/v1/batch/arrangements/``: the budget arrangement tables, their import, analysis and export.

Reads start from ``batch.analysis.arrangement_list`` (finance staff: their region and below), so a
table outside it answers 404. The upload has the page's door (``analysis.import_bureaus_required``): whoever
may import for no bureau hears 403 before the file is read. The upload is then stored and imported by a Celery
worker (``batch.imports.arrangement_import_queue``): it answers 202 with the import job to poll
(``/api/v1/import-jobs/<id>/``), whose errors list every problem of a bad file; a bureau the user does
not act for answers 403 and a year with a current table 409 until replace=true, before anything is stored.
"""

from __future__ import annotations

from django.http import FileResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from batch import analysis
from batch.arrangement import YEAR_RANGE, ArrangementReplaceRequired
from batch.excel_export import XLSX, analysis_export_response
from batch.imports import arrangement_import_queue
from batch.models import Arrangement, ArrangementLine
from procurement.api.filters import IntegerFilter
from procurement.api.imports import ACCEPTED, accepted
from procurement.api.renderers import XlsxRenderer
from procurement.api.serializers import CategoryRefSerializer, OrganizationRefSerializer, ReadSerializer
from procurement.api.views import (
    LIST_ERRORS,
    NOT_FOUND,
    NOT_FOUND_OR_PAGE,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    id_parameter,
)
from procurement.models import Organization, Region

NOUN = "安排情况表"
WAN_DIGITS = {"max_digits": 18, "decimal_places": 4}
FORBIDDEN = OpenApiResponse(ErrorSerializer,
                            description="无权导入安排情况表：不是财政部门经办人，或无权为所选财政部门导入")


# --- representations -----------------------------------------------------------------------------

class ArrangementSerializer(ReadSerializer):
    """部门预算政府采购项目安排情况表（一次导入）：金额单位为万元。"""

    finance_bureau = OrganizationRefSerializer(read_only=True, label="财政部门")
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True, label="导入人用户名")

    class Meta:
        model = Arrangement
        fields = ["id", "year", "finance_bureau", "title", "file_name", "file_sha256", "row_count",
                  "total_quantity", "total_amount_wan", "is_current", "imported_by", "imported_at",
                  "replaced_by", "replaced_at"]
        read_only_fields = fields
        extra_kwargs = {"replaced_by": {"label": "替换为（安排情况表内部编号）",
                                        "help_text": "现行表为空；已被替换的表为替换它的表"},
                        "replaced_at": {"label": "替换时间", "help_text": "现行表为空"}}


class ArrangementLineSerializer(ReadSerializer):
    """安排情况表的一行：某预算单位某品目的采购数量和采购金额（万元）。"""

    unit = OrganizationRefSerializer(read_only=True, label="预算单位")
    category = CategoryRefSerializer(read_only=True, label="采购品目")

    class Meta:
        model = ArrangementLine
        fields = ["id", "row_number", "serial", "unit", "category", "quantity", "amount_wan"]
        read_only_fields = fields


class ArrangementUploadSerializer(serializers.Serializer):
    """导入安排情况表：上传Excel文件（.xlsx），全部导入或全部不导入。"""

    file = serializers.FileField(label="安排情况表文件",
                                 help_text="Excel文件（.xlsx），格式见《部门预算政府采购项目安排情况表》")
    year = serializers.IntegerField(label="年度", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])
    finance_bureau = serializers.IntegerField(
        label="财政部门内部编号", required=False,
        help_text="导入到哪个财政部门；用户只在一个财政部门任职时可省略",
    )
    replace = serializers.BooleanField(
        label="确认替换现行表", required=False, default=False,
        help_text="该财政部门该年度已有现行表时须为true才导入（未确认时返回409，列出依据现行表的品目建议和任务通知单）；"
                  "原表标记为已被替换，仍可查看",
    )


class DependentCategorySerializer(serializers.Serializer):
    """依据现行表报送的一个建议品目。"""

    code = serializers.CharField(label="品目编码")
    name = serializers.CharField(label="品目名称")
    status = serializers.CharField(label="论证结果", help_text="待论证、已采纳或不予采纳")
    task = serializers.CharField(label="据此起草的任务通知单", help_text="文号和状态；未起草为空")


class ReplaceRequiredSerializer(serializers.Serializer):
    """该年度已有现行表，未确认替换：未导入，数据库未作任何修改。"""

    detail = serializers.CharField(label="说明",
                                   help_text="将被替换的现行表、依据它的品目建议和任务通知单，以及如何确认")
    current = serializers.IntegerField(label="现行表内部编号")
    proposal_count = serializers.IntegerField(label="依据现行表的品目建议份数")
    categories = DependentCategorySerializer(many=True, label="依据现行表的建议品目")
    confirm = serializers.CharField(label="确认方式", help_text="固定为 replace=true")


class AmountBandSerializer(serializers.Serializer):
    """单位金额分档（万元，含下限、不含上限）。"""

    key = serializers.CharField(label="分档代码")
    label = serializers.CharField(label="分档名称")
    low_wan = serializers.IntegerField(label="下限（万元）", allow_null=True)
    high_wan = serializers.IntegerField(label="上限（万元）", allow_null=True)


class OverviewSerializer(serializers.Serializer):
    """全表概况。"""

    line_count = serializers.IntegerField(label="条数")
    unit_count = serializers.IntegerField(label="单位数")
    category_count = serializers.IntegerField(label="品目数")
    total_quantity = serializers.DecimalField(label="采购数量合计", **WAN_DIGITS)
    total_amount_wan = serializers.DecimalField(label="采购金额合计（万元）", **WAN_DIGITS)
    catalog_amount_wan = serializers.DecimalField(label="其中集中采购目录内（万元）", **WAN_DIGITS)
    catalog_category_count = serializers.IntegerField(label="集中采购目录内品目数")
    catalog_share = serializers.DecimalField(label="目录内金额占比（%）", max_digits=5, decimal_places=1)


class CategoryStatsSerializer(serializers.Serializer):
    """按品目：金额、数量、单位数、条数、单位平均与中位数、各金额分档的单位数。"""

    code = serializers.CharField(label="品目编码")
    name = serializers.CharField(label="品目名称")
    in_centralized_catalog = serializers.BooleanField(label="纳入政府集中采购目录")
    line_count = serializers.IntegerField(label="条数")
    unit_count = serializers.IntegerField(label="单位数")
    total_quantity = serializers.DecimalField(label="采购数量", **WAN_DIGITS)
    total_amount_wan = serializers.DecimalField(label="采购金额（万元）", **WAN_DIGITS)
    share = serializers.DecimalField(label="占全表金额（%）", max_digits=5, decimal_places=1)
    average_per_unit_wan = serializers.DecimalField(label="单位平均（万元）", **WAN_DIGITS)
    median_per_unit_wan = serializers.DecimalField(label="单位中位数（万元）", **WAN_DIGITS)
    min_per_unit_wan = serializers.DecimalField(label="单位最低（万元）", **WAN_DIGITS)
    max_per_unit_wan = serializers.DecimalField(label="单位最高（万元）", **WAN_DIGITS)
    band_units = serializers.SerializerMethodField(label="各金额分档的单位数", help_text="键为分档代码，值为单位数")
    level_units = serializers.SerializerMethodField(
        label="各行政级次的单位数",
        help_text="键为级次（province省级、prefecture市（州）级、county县（市、区）级），值为单位数")

    def get_band_units(self, stats) -> dict[str, int]:
        return {band.key: count for band, count in zip(analysis.AMOUNT_BANDS, stats.band_units, strict=True)}

    def get_level_units(self, stats) -> dict[str, int]:
        return {str(level): count for level, count in zip(analysis.LEVELS, stats.level_units, strict=True)}


class RegionStatsSerializer(serializers.Serializer):
    """按地区（财政部门下一级区划；本级单位单列）。"""

    region_code = serializers.SerializerMethodField(label="区划代码", help_text="本级单位为空")
    name = serializers.CharField(label="地区")
    unit_count = serializers.IntegerField(label="单位数")
    line_count = serializers.IntegerField(label="条数")
    category_count = serializers.IntegerField(label="品目数")
    total_quantity = serializers.DecimalField(label="采购数量", **WAN_DIGITS)
    total_amount_wan = serializers.DecimalField(label="采购金额（万元）", **WAN_DIGITS)
    catalog_amount_wan = serializers.DecimalField(label="其中集中采购目录内（万元）", **WAN_DIGITS)
    share = serializers.DecimalField(label="占全表金额（%）", max_digits=5, decimal_places=1)

    def get_region_code(self, stats) -> str | None:
        return self.context.get("region_codes", {}).get(stats.region_id)


class LargeBuyerSerializer(serializers.Serializer):
    """金额在20万元及以上的采购单位（以大带小）。"""

    name = serializers.CharField(label="预算单位")
    amount_wan = serializers.DecimalField(label="该品目采购金额（万元）", **WAN_DIGITS)


class CandidateSerializer(serializers.Serializer):
    """批量集中采购品目建议：得分、各项得分和分析理由（与分析页面、导出的Excel一致）。"""

    rank = serializers.IntegerField(label="排名")
    code = serializers.CharField(source="stats.code", label="品目编码")
    name = serializers.CharField(source="stats.name", label="品目名称")
    score = serializers.DecimalField(label="得分", max_digits=4, decimal_places=1,
                                     help_text="单位覆盖、大额带动、级次覆盖、金额占比按权重相加，0–100")
    gather = serializers.DecimalField(label="单位覆盖（以少汇多）", max_digits=4, decimal_places=1,
                                      help_text="采购该品目的单位数 ÷ 全表单位数 × 100")
    carry = serializers.DecimalField(label="大额带动（以大带小）", max_digits=4, decimal_places=1,
                                     help_text="同时有20万元及以上和20万元以下的单位时为100，否则为0")
    levels = serializers.DecimalField(label="级次覆盖（以上领下）", max_digits=4, decimal_places=1,
                                      help_text="采购单位涉及的行政级次数减1，除以全表涉及的级次数减1，× 100")
    share = serializers.DecimalField(label="金额占比（%）", max_digits=4, decimal_places=1)
    unit_count = serializers.IntegerField(source="stats.unit_count", label="单位数")
    table_unit_count = serializers.IntegerField(label="全表单位数")
    total_amount_wan = serializers.DecimalField(source="stats.total_amount_wan", label="采购金额（万元）",
                                                **WAN_DIGITS)
    large_buyers = LargeBuyerSerializer(many=True, label="大额单位（金额最高的5家）")
    recommended = serializers.BooleanField(label="建议批量集中采购")
    reasoning = serializers.CharField(label="分析理由")


class AnalysisSerializer(serializers.Serializer):
    """安排情况表的三维度分析（品目、预算金额、采购单位）与批量集中采购品目建议。"""

    arrangement = ArrangementSerializer(label="安排情况表")
    overview = OverviewSerializer(label="全表概况")
    amount_bands = AmountBandSerializer(many=True, label="单位金额分档")
    by_category = CategoryStatsSerializer(many=True, label="按品目")
    by_region = RegionStatsSerializer(many=True, label="按地区")
    candidates = CandidateSerializer(many=True, label="批量集中采购品目建议")
    candidate_rule = serializers.CharField(label="得分和建议规则")


class UnitTotalsSerializer(serializers.Serializer):
    """按采购单位：条数、品目数、采购数量和金额。"""

    unit_id = serializers.IntegerField(label="预算单位内部编号")
    unit_code = serializers.CharField(source="unit__unit_code", label="单位代码")
    unit_name = serializers.CharField(source="unit__name", label="预算单位")
    region_name = serializers.CharField(source="unit__region__name", label="所属区划")
    line_count = serializers.IntegerField(label="条数")
    category_count = serializers.IntegerField(label="品目数")
    total_quantity = serializers.DecimalField(label="采购数量", **WAN_DIGITS)
    total_amount_wan = serializers.DecimalField(label="采购金额（万元）", **WAN_DIGITS)
    catalog_amount_wan = serializers.DecimalField(label="其中集中采购目录内（万元）", **WAN_DIGITS)


class ArrangementFilter(filters.FilterSet):
    year = IntegerFilter(label="年度")
    finance_bureau = IntegerFilter(field_name="finance_bureau_id", label="财政部门内部编号")
    is_current = filters.BooleanFilter(label="当前有效",
                                       help_text="当前有效。true：各财政部门各年度的现行表；false：已被替换的表")

    class Meta:
        model = Arrangement
        fields: list[str] = []


# --- the endpoints ---------------------------------------------------------------------------------

ID = id_parameter(NOUN)
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="页码，从1开始"),
    OpenApiParameter("page_size", int, description="每页条数，最多500"),
]


@extend_schema_view(
    list=extend_schema(summary=f"{NOUN}列表", tags=[NOUN],
                       responses={200: ArrangementSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=f"{NOUN}详情", tags=[NOUN], parameters=[ID],
                           responses={200: ArrangementSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}),
)
class ArrangementViewSet(ReadOnlyViewSet):
    """部门预算政府采购项目安排情况表：财政部门看本区划及下级财政部门导入的表。可导入、分析、导出。"""

    noun = NOUN
    serializer_class = ArrangementSerializer
    filterset_class = ArrangementFilter
    search_fields = ["title", "file_name", "finance_bureau__name"]
    ordering_fields = ["year", "imported_at", "row_count", "total_amount_wan"]
    ordering = ["-year", "-imported_at", "-pk"]

    def get_queryset(self):
        return analysis.arrangement_list(user=self.request.user)

    @extend_schema(
        summary=f"导入{NOUN}", tags=[NOUN], request={"multipart/form-data": ArrangementUploadSerializer},
        description="上传Excel文件（.xlsx），受理后返回202和导入任务，文件在后台导入；"
                    "轮询导入任务的 url 查看进度和结果。全部导入或全部不导入：任何一行有误即不导入，"
                    "导入任务列出全部错误（工作表、行、列和原因）。只读取可见的工作表。"
                    "同一财政部门同一年度已有现行表时，须以 replace=true 确认才替换（未确认时返回409，不保存文件）；"
                    "原表标记为已被替换，其明细和分析仍可查看。",
        responses={202: ACCEPTED,
                   400: OpenApiResponse(OpenApiTypes.OBJECT,
                                        description="请求有误（年度、财政部门或文件过大），未受理："
                                                    "detail 为原因；字段错误以字段名为键，值为错误说明列表"),
                   401: UNAUTHENTICATED, 403: FORBIDDEN,
                   409: OpenApiResponse(ReplaceRequiredSerializer,
                                        description="该年度已有现行表，未确认替换：未导入，返回依据现行表的品目建议")},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        bureaus = analysis.import_bureaus_required(user=request.user)  # the page's door, before the file is read
        form = ArrangementUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        bureau = self._bureau(form.validated_data.get("finance_bureau"), bureaus)
        upload = form.validated_data["file"]
        try:
            job = arrangement_import_queue(file=upload, year=form.validated_data["year"], finance_bureau=bureau,
                                           actor=request.user, file_name=upload.name,
                                           replace=form.validated_data["replace"])
        except ArrangementReplaceRequired as error:
            body = {"detail": f"{error.message}如确需替换，请在请求中加上 replace=true 重新提交。",
                    **error.impact.as_data(), "confirm": "replace=true"}
            return Response(ReplaceRequiredSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return accepted(job, request)

    def _bureau(self, pk: int | None, bureaus) -> Organization:
        if pk is not None:
            found = Organization.objects.filter(pk=pk, kind=Organization.Kind.FINANCE).first()
            if found is None:
                raise serializers.ValidationError({"finance_bureau": [f"没有内部编号为{pk}的财政部门"]})
            return found  # the service decides whether the user may import for it (403 if not)
        choices = list(bureaus[:2])
        if len(choices) == 1:
            return choices[0]
        raise serializers.ValidationError({"finance_bureau": ["您在多个财政部门任职，请填写财政部门内部编号"]})

    @extend_schema(summary=f"{NOUN}分析", tags=[NOUN], parameters=[ID],
                   description="按品目、按地区的汇总（金额、数量、单位数、单位金额分档、单位平均与中位数），"
                               "以及集中采购目录内品目的批量集中采购建议（得分和分析理由）。按单位的汇总见 units。",
                   responses={200: AnalysisSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def analysis(self, request: Request, pk=None) -> Response:
        arrangement = self.get_object()
        categories = analysis.category_analysis(arrangement=arrangement)
        regions = analysis.region_analysis(arrangement=arrangement)
        overview = analysis.arrangement_overview(arrangement=arrangement)
        region_codes = dict(
            Region.objects.filter(pk__in=[r.region_id for r in regions if r.region_id]).values_list("pk", "code"))
        return Response(AnalysisSerializer({
            "arrangement": arrangement,
            "overview": overview,
            "amount_bands": analysis.AMOUNT_BANDS,
            "by_category": categories,
            "by_region": regions,
            "candidates": analysis.batch_candidates(arrangement=arrangement, categories=categories,
                                                    table_unit_count=overview.unit_count),
            "candidate_rule": analysis.candidate_rule_text(),
        }, context={"region_codes": region_codes}).data)

    @extend_schema(summary=f"{NOUN}按单位汇总", tags=[NOUN], parameters=[ID, *PAGE_PARAMETERS],
                   responses={200: UnitTotalsSerializer(many=True), 401: UNAUTHENTICATED, 404: NOT_FOUND_OR_PAGE})
    @action(detail=True, methods=["get"], filter_backends=[])
    def units(self, request: Request, pk=None) -> Response:
        page = self.paginate_queryset(analysis.unit_totals(arrangement=self.get_object()))
        return self.get_paginated_response(UnitTotalsSerializer(page, many=True).data)

    @extend_schema(summary=f"{NOUN}明细", tags=[NOUN],
                   parameters=[ID, *PAGE_PARAMETERS,
                               OpenApiParameter("q", str, description="按单位代码、单位名称、品目编码或品目名称查找")],
                   responses={200: ArrangementLineSerializer(many=True), 401: UNAUTHENTICATED,
                              404: NOT_FOUND_OR_PAGE})
    @action(detail=True, methods=["get"], filter_backends=[])
    def lines(self, request: Request, pk=None) -> Response:
        lines = analysis.arrangement_line_list(arrangement=self.get_object(), q=request.query_params.get("q", ""))
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(ArrangementLineSerializer(page, many=True).data)

    @extend_schema(summary=f"导出{NOUN}分析（Excel）", tags=[NOUN],
                   parameters=[ID, OpenApiParameter("format", str, enum=["json", "xlsx"],
                                                    description="可不填；无论取值均返回Excel文件，出错时返回JSON错误说明")],
                   description="Excel工作簿（.xlsx），工作表：按品目、按单位、按地区、批量采购建议。",
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="分析结果Excel文件"),
                              (401, "application/json"): UNAUTHENTICATED, (404, "application/json"): NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[],
            renderer_classes=[renderers.JSONRenderer, XlsxRenderer])
    def export(self, request: Request, pk=None) -> FileResponse:
        return analysis_export_response(self.get_object())


routes = [("arrangements", ArrangementViewSet, "arrangement")]

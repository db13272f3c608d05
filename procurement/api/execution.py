"""``/api/v1/awards/``: 实施采购, 定标, 统采分签 and 终止 of a project of any mode, for other systems.

Each action has the right of its page (``procurement.views.execution``), from the same declaration in
``procurement.selectors.execution``:
reading (the list, a project, the savings, the signing board) is for the center, lead unit or agency running
the project and for finance staff of its region (``READERS``, ``award_projects_readable``); every step is for the
center, lead unit or agency running it (``MANAGERS``, ``award_projects_managed``). Another organization hears 403, a
project outside the selector 404, both before the body is read; then a service in
``procurement.services.execution`` checks the caller's right
again (403), the project's state (409) and the rules (400).
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from procurement import access
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import (
    ContractLineSerializer,
    LotRefSerializer,
    OrganizationRefSerializer,
    ReadSerializer,
)
from procurement.api.views import (
    LIST_ERRORS,
    NOT_FOUND,
    UNAUTHENTICATED,
    ApiViewSetMixin,
    ErrorSerializer,
    ValidationErrorSerializer,
)
from procurement.models import Award, Contract, Lot, Organization, ProcurementMethod, Project, ProjectDocument
from procurement.selectors import execution as selectors
from procurement.services import execution as services
from procurement.services.signing_deadlines import signing_due

NOUN = "采购实施、定标与合同"
TAGS = [NOUN]


# --- serializers ----------------------------------------------------------------------------------

class AwardSerializer(ReadSerializer):
    """一个采购包的中标（成交）结果。"""

    lot = LotRefSerializer(read_only=True, label="采购包")
    supplier = OrganizationRefSerializer(read_only=True, label="中标（成交）供应商")

    class Meta:
        model = Award
        fields = ["id", "lot", "supplier", "unit_price_yuan", "awarded_on", "notice_published_at"]
        read_only_fields = fields


class AwardProjectSerializer(ReadSerializer):
    """采购项目的采购实施与定标情况：采购方式、采购日期、各包中标（成交）结果和结果公告。"""

    documents_issued_on = serializers.DateField(read_only=True, allow_null=True, label="采购文件发布日期")
    bid_opening_at = serializers.DateTimeField(read_only=True, allow_null=True, label="开标（响应截止）时间")
    award_notice_id = serializers.IntegerField(read_only=True, allow_null=True, label="结果公告编号",
                                               help_text="中标（成交）结果公告的内部编号；定标后才有")
    awards = AwardSerializer(many=True, read_only=True, label="中标（成交）结果")

    class Meta:
        model = Project
        fields = ["id", "code", "title", "status", "procurement_method", "termination_reason",
                  "documents_issued_on", "bid_opening_at", "award_notice_id", "awards"]
        read_only_fields = fields


class ProcurementStartSerializer(serializers.Serializer):
    """开始实施采购：采购方式（须为该类采购适用的方式）以及采购文件发布日期和开标时间。"""

    method = serializers.ChoiceField(choices=ProcurementMethod.choices, label="采购方式",
                                     help_text="根据采购计划数量和项目特点选择，须为项目所属采购方式类别适用的采购方式（批量集中采购不适用框架协议公开征集）")
    documents_issued_on = serializers.DateField(required=False, allow_null=True, label="采购文件发布日期")
    bid_opening_at = serializers.DateTimeField(required=False, allow_null=True, label="开标（响应截止）时间",
                                               help_text="招标方式下与采购文件发布日期相隔不得少于二十日")


class LotAwardInputSerializer(serializers.Serializer):
    """录入（或在定标前变更）一个采购包的中标（成交）结果。"""

    lot = serializers.IntegerField(min_value=1, label="采购包内部编号")
    supplier = serializers.IntegerField(min_value=1, label="中标（成交）供应商内部编号")
    unit_price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, label="中标单价（元）",
                                               help_text="大于0，不超过该包采购文件设定的最高限制单价，"
                                                         "且中标金额不超过该包采购预算")
    awarded_on = serializers.DateField(label="定标日期")


class ProjectDocumentInputSerializer(serializers.Serializer):
    """上传一份采购文件（multipart/form-data）：采购文件随中标（成交）结果公告同时公告，评审报告留档。"""

    kind = serializers.ChoiceField(choices=ProjectDocument.Kind.choices, label="文件类别")
    title = serializers.CharField(max_length=200, label="文件名称")
    file = serializers.FileField(label="文件", help_text="PDF、OFD、Word、Excel、压缩包或图片，不超过50MB")


class ProjectDocumentSerializer(ReadSerializer):
    """已留存的一份采购文件。"""

    class Meta:
        model = ProjectDocument
        fields = ["id", "kind", "title", "uploaded_at"]
        read_only_fields = fields


class EvaluationInputSerializer(serializers.Serializer):
    """评审情况：评审日期和评审专家名单（列入中标（成交）结果公告）。"""

    evaluation_on = serializers.DateField(label="评审日期", help_text="不早于开标日期，不晚于今天")
    experts = serializers.CharField(max_length=2000, label="评审专家名单", help_text="用顿号、逗号或换行分隔")


class LotMaxPriceInputSerializer(serializers.Serializer):
    """采购文件设定的一个采购包的最高限制单价；为空表示采购文件未设定。"""

    lot = serializers.IntegerField(min_value=1, label="采购包内部编号")
    max_unit_price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                                   label="最高限制单价（元）",
                                                   help_text="不得超过本包采购预算÷采购数量（在采购预算额度内设定）")


class ProjectTerminateSerializer(serializers.Serializer):
    """终止项目：终止原因必填，将在终止公告中公开。"""

    reason = serializers.CharField(max_length=2000, label="终止原因")


class ContractRowSerializer(ReadSerializer):
    """一个预算单位一个采购包的分签合同（含合同明细）及其法定期限。"""

    buyer = OrganizationRefSerializer(read_only=True, label="采购人")
    lines = ContractLineSerializer(many=True, read_only=True, label="合同明细")
    signing_due = serializers.SerializerMethodField(label="签订截止日",
                                                    help_text="中标（成交）之日起30日（《政府采购法》第四十六条）")
    signing_overdue = serializers.SerializerMethodField(label="签订逾期", help_text="超过签订截止日仍未签订")
    publish_overdue = serializers.SerializerMethodField(label="公告逾期", help_text="已签订但超过公告截止日仍未公告")
    filing_overdue = serializers.SerializerMethodField(label="备案逾期",
                                                       help_text="已签订或已公告但超过备案截止日仍未备案")

    class Meta:
        model = Contract
        fields = ["id", "code", "buyer", "lines", "status", "amount_yuan", "signed_on",
                  "signing_due", "publish_due", "filing_due", "published_on", "filed_on", "accepted_on", "paid_on",
                  "signing_overdue", "publish_overdue", "filing_overdue"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))  # no award yet: no deadline
    def get_signing_due(self, contract: Contract) -> str | None:
        if contract.award_id is None:
            return None
        return signing_due(contract.award.awarded_on).isoformat()

    def get_signing_overdue(self, contract: Contract) -> bool:
        return bool(getattr(contract, "is_signing_overdue", False))

    def get_publish_overdue(self, contract: Contract) -> bool:
        return bool(getattr(contract, "is_publish_overdue", False))

    def get_filing_overdue(self, contract: Contract) -> bool:
        return bool(getattr(contract, "is_filing_overdue", False))


class ContractsGeneratedSerializer(serializers.Serializer):
    """本次生成的分签合同（再次生成时为空）。"""

    created = serializers.IntegerField(label="本次生成份数")
    contracts = ContractRowSerializer(many=True, label="本次生成的合同")


class SavingsLineSerializer(serializers.Serializer):
    """一个采购包的节约情况。"""

    lot = LotRefSerializer(label="采购包")
    unit_count = serializers.IntegerField(label="参与单位数")
    total_quantity = serializers.DecimalField(max_digits=20, decimal_places=2, label="采购数量",
                                              help_text="已锁定分计划的数量之和")
    budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="预算金额（元）",
                                           help_text="已锁定分计划的预算金额之和")
    supplier = OrganizationRefSerializer(source="award.supplier", allow_null=True, label="中标（成交）供应商")
    unit_price_yuan = serializers.DecimalField(source="award.unit_price_yuan", max_digits=14, decimal_places=2,
                                               allow_null=True, label="中标单价（元）")
    awarded_amount_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True,
                                                   label="中标金额（元）", help_text="采购数量 × 中标单价；未定标为空")
    saving_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, label="节约金额（元）",
                                           help_text="预算金额 − 中标金额；未定标为空")
    saving_rate = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, label="节约率（%）",
                                           help_text="节约金额 ÷ 预算金额 × 100；未定标或预算为0时为空")


class SavingsSerializer(serializers.Serializer):
    """节约率：各采购包及项目合计（项目合计只统计已定标的采购包）。"""

    lines = SavingsLineSerializer(many=True, label="各采购包")
    budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="全部采购包预算金额（元）")
    awarded_budget_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="已定标采购包预算金额（元）")
    awarded_amount_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="中标金额合计（元）")
    saving_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="节约金额合计（元）")
    saving_rate = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, label="项目节约率（%）")
    all_awarded = serializers.BooleanField(label="全部定标", help_text="每个有采购需求的采购包都已有中标结果")


class UnsignedUnitSerializer(serializers.Serializer):
    """尚未签订合同的预算单位。"""

    unit_id = serializers.IntegerField(label="预算单位内部编号")
    name = serializers.CharField(label="预算单位名称")
    unit_code = serializers.CharField(label="单位代码")
    contract_count = serializers.IntegerField(label="未签订合同数")
    amount_yuan = serializers.DecimalField(max_digits=20, decimal_places=2, label="未签订合同金额（元）")
    signing_due = serializers.DateField(allow_null=True, label="签订截止日")
    overdue = serializers.BooleanField(label="签订逾期")


class SigningBoardSerializer(serializers.Serializer):
    """统采分签合同签订情况：未签订单位、各合同状态及逾期标记。"""

    today = serializers.DateField(label="统计日期")
    total = serializers.IntegerField(label="合同总数")
    signing_overdue_count = serializers.IntegerField(label="签订逾期合同数")
    publish_overdue_count = serializers.IntegerField(label="公告逾期合同数")
    filing_overdue_count = serializers.IntegerField(label="备案逾期合同数")
    without_contract_count = serializers.IntegerField(label="未生成合同的分计划数")
    unsigned_units = UnsignedUnitSerializer(many=True, label="未签订合同的单位")
    contracts = ContractRowSerializer(many=True, label="合同", help_text="未签订的在前")


# --- the viewset ----------------------------------------------------------------------------------

PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="采购项目的内部编号")
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求被拒绝：数据不合规则。detail 为原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer,
                            description=f"无权执行该操作（{access.RUNNER_REFUSAL}）")
FORBIDDEN_READ = OpenApiResponse(ErrorSerializer,
                                 description="无权查看（只有采购中心、牵头单位、受托代理机构和财政部门可以查看；"
                                             "其他预算单位和供应商在本单位的页面查看本单位的合同）")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作（例如定标后再终止）")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
READ_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN_READ, 404: NOT_FOUND}
PROJECT_NOW = OpenApiResponse(AwardProjectSerializer, description="操作后的项目")


# What finance staff may read of a project they do not run; every other action is a step of the procurement.
READ_ACTIONS = ("list", "retrieve", "savings", "signing_board")


class AwardProjectFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Project.Status.choices, label="状态")

    class Meta:
        model = Project
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="采购项目定标情况列表", tags=TAGS,
                       responses={200: AwardProjectSerializer(many=True), **LIST_ERRORS,
                                  403: FORBIDDEN_READ}),
    retrieve=extend_schema(summary="采购项目定标情况", tags=TAGS, parameters=[PROJECT_ID],
                           responses={200: AwardProjectSerializer, **READ_ERRORS}),
)
class AwardViewSet(ApiViewSetMixin, ListModelMixin, RetrieveModelMixin, viewsets.GenericViewSet):
    """采购项目的实施采购、定标、统采分签合同生成和项目终止：由组织项目的采购中心（集中带量采购为牵头单位）或受托代理机构办理；财政部门可查看本地区项目。"""

    serializer_class = AwardProjectSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = AwardProjectFilter
    search_fields = ["code", "title"]
    permission_classes = [SeatRequired]
    seats_required = dict.fromkeys(READ_ACTIONS, Seats(
        selectors.READERS, "只有采购中心、牵头单位、受托代理机构和财政部门可以查看定标情况、节约率和合同签订情况"))
    default_seats_required = Seats(selectors.MANAGERS, access.RUNNER_REFUSAL)

    def get_view_name(self) -> str:
        return NOUN

    def get_queryset(self):
        # The page's selector: readers (finance too) for the reads, the running center for the steps.
        if self.action in READ_ACTIONS:
            projects = selectors.execution_projects_readable(self.request.user)
        else:
            projects = selectors.execution_projects_managed(self.request.user)
        return (
            projects
            .prefetch_related("awards__lot", "awards__supplier")
            .order_by("-created_at", "-pk")
        )

    def filter_queryset(self, queryset):
        # The list's filters only: the detail actions read their own query parameters (e.g. ``status``).
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _project_response(self, project: Project) -> Response:
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(AwardProjectSerializer(fresh, context=self.get_serializer_context()).data)

    def _valid(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(summary="开始实施采购", tags=TAGS, parameters=[PROJECT_ID], request=ProcurementStartSerializer,
                   description="总计划已确认的项目：记录采购方式和采购日期，进入采购实施阶段。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="start-procurement")
    def start_procurement(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(ProcurementStartSerializer, request.data)
        started = services.procurement_start(
            project=project, actor=request.user, method=data["method"],
            documents_issued_on=data.get("documents_issued_on"), bid_opening_at=data.get("bid_opening_at"),
        )
        return self._project_response(started)

    @extend_schema(summary="上传采购文件", tags=TAGS, parameters=[PROJECT_ID],
                   request={"multipart/form-data": ProjectDocumentInputSerializer},
                   description="总计划确认后至定标：留存采购文件、评审报告等。定标须已有采购文件和评审报告。",
                   responses={201: OpenApiResponse(ProjectDocumentSerializer, description="已留存的文件"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(ProjectDocumentInputSerializer, request.data)
        document = services.document_add(project=project, actor=request.user, kind=data["kind"],
                                                     title=data["title"], file=data["file"])
        return Response(ProjectDocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="录入评审情况", tags=TAGS, parameters=[PROJECT_ID], request=EvaluationInputSerializer,
                   description="采购实施中的项目：评审日期和评审专家名单；专家名单在结果公告中列明。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def evaluation(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(EvaluationInputSerializer, request.data)
        services.evaluation_record(project=project, actor=request.user, **data)
        return self._project_response(project)

    @extend_schema(summary="设定采购包最高限制单价", tags=TAGS, parameters=[PROJECT_ID],
                   request=LotMaxPriceInputSerializer,
                   description="总计划确认后、该包定标前：记录采购文件设定的最高限价（在采购预算额度内）。"
                               "参考单价仅供参考，不作为限价。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="lot-max-price")
    def lot_max_price(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(LotMaxPriceInputSerializer, request.data)
        services.lot_max_price_set(
            project=project, actor=request.user, lot=Lot.objects.filter(pk=data["lot"], project=project).first(),
            max_unit_price_yuan=data["max_unit_price_yuan"])
        return self._project_response(project)

    @extend_schema(summary="录入采购包中标（成交）结果", tags=TAGS, parameters=[PROJECT_ID],
                   request=LotAwardInputSerializer,
                   description="采购实施中的项目：录入一个采购包的中标（成交）供应商和单价；定标前再次录入即替换原结果。"
                               "单价不得超过采购文件设定的最高限制单价，中标金额不得超过本包采购预算；"
                               "无采购需求的采购包不能定标。",
                   responses={200: OpenApiResponse(AwardSerializer, description="保存后的中标（成交）结果"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="award-lot")
    def award_lot(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(LotAwardInputSerializer, request.data)
        award = services.lot_award(
            project=project, actor=request.user,
            lot=Lot.objects.filter(pk=data["lot"], project=project).first(),
            supplier=Organization.objects.filter(pk=data["supplier"]).first(),
            unit_price_yuan=data["unit_price_yuan"], awarded_on=data["awarded_on"],
        )
        award = Award.objects.select_related("lot", "supplier").get(pk=award.pk)
        return Response(AwardSerializer(award, context=self.get_serializer_context()).data)

    @extend_schema(summary="确认定标并发布结果公告", tags=TAGS, parameters=[PROJECT_ID], request=None,
                   description="每个有采购需求的采购包都已录入结果、采购文件和评审报告已上传、评审专家已录入后定标："
                               "发布中标（成交）结果公告（采购文件随公告同时公告），并将采购结果报财政部门备案。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def finalize(self, request, *args, **kwargs):
        return self._project_response(services.award_finalize(project=self.get_object(), actor=request.user))

    @extend_schema(summary="生成分签合同", tags=TAGS, parameters=[PROJECT_ID], request=None,
                   description="已定标的项目：每个已锁定的分计划生成一份合同（数量取自分计划，单价取自中标结果）。"
                               "再次调用不会重复生成。",
                   responses={201: OpenApiResponse(ContractsGeneratedSerializer, description="本次生成的合同"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="generate-contracts")
    def generate_contracts(self, request, *args, **kwargs):
        created = services.contracts_generate(project=self.get_object(), actor=request.user)
        rows = (Contract.objects.filter(pk__in=[c.pk for c in created]).select_related("buyer", "award")
                .prefetch_related("lines__lot"))
        data = {"created": len(created), "contracts": list(rows.order_by("code"))}
        return Response(ContractsGeneratedSerializer(data, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="终止项目", tags=TAGS, parameters=[PROJECT_ID], request=ProjectTerminateSerializer,
                   description="定标前的任一阶段终止项目并发布终止公告；终止原因必填。",
                   responses={200: PROJECT_NOW, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def terminate(self, request, *args, **kwargs):
        project = self.get_object()
        data = self._valid(ProjectTerminateSerializer, request.data)
        return self._project_response(services.project_terminate(
            project=project, actor=request.user, reason=data["reason"]))

    @extend_schema(summary="节约率", tags=TAGS, parameters=[PROJECT_ID],
                   responses={200: SavingsSerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def savings(self, request, *args, **kwargs):
        savings = selectors.project_savings(self.get_object())
        return Response(SavingsSerializer(savings, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="统采分签合同签订情况", tags=TAGS,
        parameters=[
            PROJECT_ID,
            OpenApiParameter("status", str, description="合同状态；unsigned 为未签订，overdue 为有逾期事项"),
            OpenApiParameter("lot", int, description="采购包内部编号"),
            OpenApiParameter("q", str, description="单位名称、单位代码或合同编号"),
        ],
        responses={200: SigningBoardSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="signing-board")
    def signing_board(self, request, *args, **kwargs):
        project = self.get_object()
        lot = request.query_params.get("lot", "")
        board = selectors.signing_board(
            project, status=request.query_params.get("status", ""), lot_id=int(lot) if lot.isdigit() else None,
            q=request.query_params.get("q", ""),
        )
        data = {**board.__dict__, "contracts": list(board.contracts)}
        return Response(SigningBoardSerializer(data, context=self.get_serializer_context()).data)



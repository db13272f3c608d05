"""Volume endpoints: 753号 steps 5–6 (under /api/v1/volume/, see volume/api/urls.py).

- ``executions/<id>/``: the award per item and the signing board of a volume project (JSON), for the lead and the
  entrusted agency (every row) and finance of a participant's region (its region's rows), as ``volume:execution``;
- ``executions/<id>/confirm/``: the lead confirms the result (753号 第5–6步), as the page's button;
- ``contracts/<id>/sign|publish|file|accept|pay/``: a participant takes the steps of its own volume contract
  (统采分签: signing, the contract notice within 2 working days, filing, acceptance, payment), as on its contract
  pages (``unit-contract-step``), through the core's ``procurement.services.contracts``.

The procurement itself (method, documents, the award, 定标) and the contract generation are the core's
``/api/v1/awards/`` steps, which the lead and the agency pass for their own project.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from procurement import access
from procurement.api import selectors as api_selectors
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import ContractSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ApiViewSetMixin,
    ErrorSerializer,
    ValidationErrorSerializer,
    id_parameter,
)
from procurement.models import Contract, Mode, Organization
from procurement.selectors.buyer import own_contracts
from procurement.services import contracts as contract_services
from volume import board as boards
from volume.services.execution import result_confirm

UNIT, AGENCY, FINANCE = Organization.Kind.BUDGET_UNIT, Organization.Kind.AGENCY, Organization.Kind.FINANCE
TAGS = ["集中带量采购：结果确认与分签合同"]
PROJECT_ID = id_parameter("集中带量采购项目")
CONTRACT_ID = id_parameter("采购合同")
REFUSED = OpenApiResponse(ValidationErrorSerializer, description="请求不符合业务规则：detail 说明原因")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
READ_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}


class AwardLineSerializer(serializers.Serializer):
    number = serializers.IntegerField(label="品目序号")
    name = serializers.CharField(label="品目名称")
    supplier = serializers.CharField(label="中标（成交）供应商")
    unit_price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, label="中标单价（元）")
    quantity = serializers.DecimalField(max_digits=16, decimal_places=2, label="数量（各参与单位合计）")
    unit_of_measure = serializers.CharField(label="计量单位")
    amount_yuan = serializers.DecimalField(max_digits=18, decimal_places=2, label="金额（元）", allow_null=True)


class BoardRowSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField(source="contract.pk", label="合同编号（内部）")
    code = serializers.CharField(source="contract.code", label="合同编号")
    buyer = serializers.CharField(source="contract.buyer.name", label="参与单位")
    buyer_unit_code = serializers.CharField(source="contract.buyer.unit_code", label="单位代码")
    supplier = serializers.CharField(source="contract.supplier.name", label="供应商")
    items = serializers.CharField(label="品目及数量")
    amount_yuan = serializers.DecimalField(source="contract.amount_yuan", max_digits=16, decimal_places=2,
                                           label="合同金额（元）")
    status = serializers.ChoiceField(source="contract.status", choices=Contract.Status.choices, label="合同状态")
    signed_on = serializers.DateField(source="contract.signed_on", allow_null=True, label="签订日期")
    published_on = serializers.DateField(source="contract.published_on", allow_null=True, label="公告日期")
    filed_on = serializers.DateField(source="contract.filed_on", allow_null=True, label="备案日期")
    accepted_on = serializers.DateField(source="contract.accepted_on", allow_null=True, label="验收日期")
    paid_on = serializers.DateField(source="contract.paid_on", allow_null=True, label="支付日期")
    since = serializers.DateField(allow_null=True, label="结果公告（中标通知）日期")
    days_elapsed = serializers.IntegerField(allow_null=True, label="未签订已过天数",
                                            help_text="未签订的合同自结果公告之日起已过的日历天数；已签订为空")
    signing_due = serializers.DateField(allow_null=True, label="签订截止日")
    signing_overdue = serializers.BooleanField(label="签订逾期")
    publish_overdue = serializers.BooleanField(label="公告逾期")
    filing_overdue = serializers.BooleanField(label="备案逾期")


class ExecutionSerializer(serializers.Serializer):
    """集中带量采购项目的中标（成交）结果、牵头单位确认情况和分签合同执行情况。"""

    project_id = serializers.IntegerField(source="project.pk", label="采购项目")
    code = serializers.CharField(source="project.code", label="项目编号")
    status = serializers.CharField(source="project.status", label="项目状态")
    result_confirmed_at = serializers.DateTimeField(allow_null=True, label="牵头单位确认结果时间")
    awards = AwardLineSerializer(many=True, label="中标（成交）结果")
    contracts = BoardRowSerializer(many=True, label="分签合同")
    unsigned = serializers.IntegerField(label="未签订")
    unpublished = serializers.IntegerField(label="未公告")
    unfiled = serializers.IntegerField(label="未备案")
    unaccepted = serializers.IntegerField(label="未验收")
    unpaid = serializers.IntegerField(label="未支付")
    overdue = serializers.IntegerField(label="逾期")


def _execution_data(project, user) -> dict:
    from volume.models import VolumeDetails

    board = boards.board(project, user)
    confirmed = VolumeDetails.objects.filter(project=project).values_list("result_confirmed_at", flat=True).first()
    return {"project": project, "result_confirmed_at": confirmed, "awards": boards.award_lines(project),
            "contracts": board.rows, "unsigned": board.unsigned, "unpublished": board.unpublished,
            "unfiled": board.unfiled, "unaccepted": board.unaccepted, "unpaid": board.unpaid,
            "overdue": board.overdue}


class VolumeExecutionViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """集中带量采购结果确认与分签合同执行情况：牵头单位、受托代理机构查看全部，财政部门查看本地区参与单位的
    合同；牵头单位确认采购结果。"""

    serializer_class = ExecutionSerializer
    permission_classes = [SeatRequired]
    seats_required = {
        "retrieve": Seats((UNIT, AGENCY, FINANCE),
                          "只有牵头单位、受托代理机构和财政部门可以查看分签合同执行情况"),
        "confirm": Seats((UNIT,), "只有牵头单位可以确认采购结果"),
    }

    def get_view_name(self) -> str:
        return "集中带量采购结果确认与分签合同"

    def get_queryset(self):
        if self.action == "confirm":
            return access.projects_run_by(self.request.user).filter(mode=Mode.VOLUME)
        return boards.board_projects(self.request.user).select_related("organizer", "agency", "award_notice")

    @extend_schema(summary="集中带量采购分签合同执行情况", tags=TAGS, parameters=[PROJECT_ID],
                   responses={200: ExecutionSerializer, **READ_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        return Response(ExecutionSerializer(_execution_data(project, request.user)).data)

    @extend_schema(summary="牵头单位确认采购结果", tags=TAGS, parameters=[PROJECT_ID], request=None,
                   description="已定标的集中带量采购项目：牵头单位确认中标（成交）结果，之后方可生成分签合同（吉财采购〔2024〕753号）。",
                   responses={200: ExecutionSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        project = self.get_object()
        result_confirm(project=project, actor=request.user)
        project.refresh_from_db()
        return Response(ExecutionSerializer(_execution_data(project, request.user)).data)


class SignSerializer(serializers.Serializer):
    signed_on = serializers.DateField(label="签订日期")
    signed_file = serializers.FileField(label="签订的合同文本（PDF）")
    public_file = serializers.FileField(label="合同公开版本（PDF）", required=False)
    withheld_note = serializers.CharField(label="不予公开的内容及理由", required=False, allow_blank=True, default="")


class PublishSerializer(serializers.Serializer):
    published_on = serializers.DateField(label="公告日期", required=False)


class FileSerializer(serializers.Serializer):
    filed_on = serializers.DateField(label="备案日期")


class AcceptSerializer(serializers.Serializer):
    accepted_on = serializers.DateField(label="验收日期")
    note = serializers.CharField(label="验收意见", required=False, allow_blank=True, default="")


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(label="支付日期")
    amount_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, label="支付金额（元）")


CONTRACT_STEPS = {
    "sign": (SignSerializer, "签订合同",
             "上传双方签字盖章的合同文本；签订后按工作日计算公告（2个工作日）和备案截止日。"),
    "publish": (PublishSerializer, "合同公告",
                "自签订之日起2个工作日内发布合同公告（《政府采购法实施条例》第五十条）。"),
    "file": (FileSerializer, "合同备案", "报本单位所在地财政部门备案。"),
    "accept": (AcceptSerializer, "履约验收", "按合同约定组织履约验收。"),
    "pay": (PaySerializer, "资金支付", "验收合格后按合同约定及时支付资金。"),
}


class VolumeContractViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """集中带量采购分签合同：参与单位签订、公告、备案、验收和支付本单位的合同（统采分签）。"""

    serializer_class = ContractSerializer
    permission_classes = [SeatRequired]
    default_seats_required = Seats((UNIT,), "只有参与单位可以办理本单位的分签合同")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_view_name(self) -> str:
        return "集中带量采购分签合同"

    def get_queryset(self):
        return own_contracts(self.request.user).filter(project__mode=Mode.VOLUME)

    def _step(self, request, name: str, **fixed):
        contract = self.get_object()
        serializer = CONTRACT_STEPS[name][0](data=request.data)
        serializer.is_valid(raise_exception=True)
        getattr(contract_services, f"contract_{name}")(contract=contract, actor=request.user,
                                                       **{**serializer.validated_data, **fixed})
        fresh = api_selectors.contract_list(user=request.user, today=timezone.localdate()).get(pk=contract.pk)
        return Response(ContractSerializer(fresh, context=self.get_serializer_context()).data)

    def _schema(name):  # a decorator factory used in the class body
        serializer, summary, description = CONTRACT_STEPS[name]
        return extend_schema(summary=summary, tags=TAGS, parameters=[CONTRACT_ID], request=serializer,
                             description=description, responses={200: ContractSerializer, **WRITE_ERRORS})

    @_schema("sign")
    @action(detail=True, methods=["post"])
    def sign(self, request, *args, **kwargs):
        return self._step(request, "sign")

    @_schema("publish")
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        return self._step(request, "publish")

    @_schema("file")
    @action(detail=True, methods=["post"], url_path="file", url_name="file")
    def file_contract(self, request, *args, **kwargs):
        return self._step(request, "file")

    @_schema("accept")
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._step(request, "accept")

    @_schema("pay")
    @action(detail=True, methods=["post"])
    def pay(self, request, *args, **kwargs):
        return self._step(request, "pay")

    del _schema


# (prefix, viewset, basename) triples registered by volume.api.urls.
routes: list = [
    ("executions", VolumeExecutionViewSet, "volume-execution"),
    ("contracts", VolumeContractViewSet, "volume-contract"),
]

"""Framework endpoints: the solicitation and the shortlist (seed 000 三(二)(3)(4); annex 8 §七–§九).

- ``/api/v1/framework/responses/``: a supplier's own responses (price included), respond to a lot (multipart:
  save a draft, submit, revise), withdraw; another supplier's response is 404.
- ``/api/v1/framework/solicitations/``: the framework projects the caller reads (the center, its agency, finance,
  a superuser) with each lot's response count and the responses, whose prices are null until the response
  deadline (sealed); the center publishes the notice, records the evaluation, confirms each lot's shortlist and
  publishes the shortlist notice. The services refuse what the pages refuse, with the same Chinese ``detail``.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response as ApiResponse

from framework import rules
from framework.api.common import SUPPLIERS, WRITE_ERRORS
from framework.models import FrameworkPlan, SolicitationResponse
from framework.selectors import solicitation as selectors
from framework.services import solicitation as services
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.views import FORBIDDEN, LIST_ERRORS, NOT_FOUND, UNAUTHENTICATED, ReadOnlyViewSet, id_parameter
from procurement.models import Lot, Organization, Project

READERS = (Organization.Kind.CENTER, Organization.Kind.AGENCY, Organization.Kind.FINANCE)
TAG_SUPPLIER = "框架协议征集响应"
TAG_CENTER = "框架协议征集与入围"


# --- the supplier's responses -----------------------------------------------------------------------------------

class OwnResponseSerializer(serializers.ModelSerializer):
    """本单位对一个采购包的征集响应（含报价：报价是本单位自己的）。"""

    id = serializers.IntegerField(read_only=True, label="响应内部编号")
    project_code = serializers.CharField(source="lot.project.code", read_only=True, label="项目编号")
    lot_number = serializers.IntegerField(source="lot.number", read_only=True, label="包号")
    status = serializers.ChoiceField(choices=SolicitationResponse.Status.choices, read_only=True, label="状态")
    qualification_file = serializers.SerializerMethodField(label="是否已上传资格证明文件")

    class Meta:
        model = SolicitationResponse
        fields = ["id", "project_code", "lot", "lot_number", "status", "price_yuan", "sme_size", "is_green",
                  "quality_statement", "qualification_file", "submitted_at"]
        read_only_fields = fields

    def get_qualification_file(self, obj) -> bool:
        return bool(obj.qualification_file)


class ResponseDataSerializer(serializers.Serializer):
    """What a supplier answers in either round (the first solicitation, a 补充征集: the same conditions, annex 8
    §十一). A round's serializer lists its round field first: ``class X(RoundField, ResponseDataSerializer)``."""

    price_yuan = serializers.CharField(label="响应单价（元）")
    sme_size = serializers.ChoiceField(choices=[("", "未声明"), *Organization.SmeSize.choices], required=False,
                                       default="", label="中小企业声明（企业规模）")
    is_green = serializers.BooleanField(required=False, default=False, label="符合绿色采购要求")
    quality_statement = serializers.CharField(required=False, allow_blank=True, default="",
                                              label="质量（技术）响应说明")
    qualification_file = serializers.FileField(required=False, allow_null=True, default=None,
                                               label="资格证明文件（PDF）")
    submit = serializers.BooleanField(required=False, default=False, label="是否提交（否则保存为草稿）")


class _LotField(serializers.Serializer):
    lot = serializers.IntegerField(label="采购包内部编号", min_value=1)


class SolicitationRespondSerializer(_LotField, ResponseDataSerializer):
    """保存或提交本单位对一个采购包的响应：不得高于最高限制单价；提交须上传资格证明文件（PDF）并作出中小企业声明。"""


class RoundResponsesViewSet(ReadOnlyViewSet):
    # A supplier's own responses in one round (the first solicitation, a 补充征集: the same conditions, annex 8
    # §十一), with ``respond`` and ``withdraw``: a round's viewset names its selectors and services below and declares
    # the two actions with their schema, calling ``respond_answer`` and ``withdraw_answer``. ``round_field`` of
    # ``respond_serializer_class`` is the round's id and the keyword its save service takes it by.
    # (No docstring: the schema shows a viewset's own, in Chinese.)
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["submitted_at", "created_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    respond_serializer_class: type[serializers.Serializer]
    round_field: str
    round_missing: str
    own_responses = staticmethod(selectors.own_responses)  # (user) -> the user's suppliers' responses
    own_response = staticmethod(selectors.own_response)  # (user, round) -> one of them, or None
    respondable = staticmethod(selectors.respondable_lot)  # (pk) -> the round a supplier may respond to, or None
    response_save = staticmethod(services.response_save)
    response_withdraw = staticmethod(services.response_withdraw)

    def get_queryset(self):
        return self.own_responses(self.request.user)

    def respond_answer(self, request) -> ApiResponse:
        serializer = self.respond_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        round_ = self.respondable(data.pop(self.round_field))
        if round_ is None:
            raise NotFound(self.round_missing)
        own = self.own_response(request.user, round_)
        supplier = own.supplier if own else selectors.acting_supplier(request.user)
        if supplier is None:
            raise NotFound("您不代表任何供应商")
        saved = self.response_save(**{self.round_field: round_}, supplier=supplier, actor=request.user, **data)
        return ApiResponse(self.serializer_class(saved).data)

    def withdraw_answer(self, request) -> ApiResponse:
        response = self.response_withdraw(response=self.get_object(), actor=request.user)
        return ApiResponse(self.serializer_class(response).data)


@extend_schema_view(
    list=extend_schema(summary="本单位的框架协议征集响应", tags=[TAG_SUPPLIER],
                       responses={200: OwnResponseSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="框架协议征集响应详情", tags=[TAG_SUPPLIER],
                           parameters=[id_parameter("征集响应")],
                           responses={200: OwnResponseSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class SupplierResponseViewSet(RoundResponsesViewSet):
    """框架协议征集响应：供应商对各采购包的响应（报价不得高于最高限制单价），截止前保存、提交、修改或撤回；
    截止前报价密封，只有本单位可见。"""

    noun = "框架协议征集响应"
    serializer_class = OwnResponseSerializer
    default_seats_required = Seats(SUPPLIERS, "只有供应商可以响应框架协议征集")
    respond_serializer_class = SolicitationRespondSerializer
    round_field = "lot"
    round_missing = "采购包不存在，或其征集公告尚未发布"

    @extend_schema(summary="保存或提交响应", tags=[TAG_SUPPLIER], request=SolicitationRespondSerializer,
                   description="对一个采购包保存草稿、提交或修改已提交的响应（每个采购包一份）。截止后拒绝。",
                   responses={200: OpenApiResponse(OwnResponseSerializer, description="保存后的响应"),
                              **WRITE_ERRORS})
    @action(detail=False, methods=["post"])
    def respond(self, request, *args, **kwargs):
        return self.respond_answer(request)

    @extend_schema(summary="撤回响应", tags=[TAG_SUPPLIER], parameters=[id_parameter("征集响应")], request=None,
                   description="截止前撤回本单位的响应；撤回后不能再对该采购包响应。",
                   responses={200: OpenApiResponse(OwnResponseSerializer, description="撤回后的响应"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self.withdraw_answer(request)


# --- the center's view: sealed until the deadline ------------------------------------------------------------

class SolicitationLotCountSerializer(serializers.Serializer):
    lot = serializers.IntegerField(label="采购包内部编号")
    number = serializers.IntegerField(label="包号")
    name = serializers.CharField(label="采购包名称")
    max_unit_price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                                   label="最高限制单价（元）")
    submitted = serializers.IntegerField(label="已提交响应数")
    withdrawn = serializers.IntegerField(label="已撤回响应数")


class SealedRowSerializer(serializers.Serializer):
    # A response as a reader other than its supplier sees it, in either round (``selectors.ResponseRow``): the
    # price null while sealed. (No docstring: each round's serializer has its schema name; none has a description.)
    id = serializers.IntegerField(label="响应内部编号")
    supplier = serializers.CharField(label="供应商")
    status = serializers.ChoiceField(choices=SolicitationResponse.Status.choices, label="状态")
    sealed = serializers.BooleanField(label="是否密封（截止前）")
    price_yuan = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                          label="响应单价（元）", help_text="截止前密封，为 null")
    sme_size = serializers.ChoiceField(choices=[("", "未声明"), *Organization.SmeSize.choices],
                                       label="中小企业声明（企业规模）", help_text="小型、微型企业享受价格扣除")
    evaluated_price_yuan = serializers.CharField(
        allow_null=True, label="评审价格（元）",
        help_text="价格优先法排名所用的价格：小型、微型企业的响应单价扣除采购方案第十二部分规定的比例后的价格，"
                  "其他企业为响应单价（财库〔2022〕17号第五项）；截止前密封，为 null")
    qualification = serializers.ChoiceField(choices=SolicitationResponse.Qualification.choices,
                                            label="资格审查结果")
    quality_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True,
                                             label="质量（技术）得分")


def _exact(price: Decimal) -> str:
    """A price to the cent when exact (94.50), else every digit it has (104.9325): nothing rounded."""
    return f"{price:.2f}" if price == price.quantize(Decimal("0.01")) else f"{price:f}"


def sealed_row_data(row: selectors.ResponseRow, *, deduction_percent: int | None) -> dict:
    """``SealedRowSerializer``'s fields after ``id`` for ``row``: no price while sealed; the evaluated price under
    the lot's small and micro enterprise deduction (``selectors.lot_deductions``)."""
    response = row.response
    evaluated = None if row.price_yuan is None else rules.evaluated_price(
        row.price_yuan, sme_size=response.sme_size, deduction_percent=deduction_percent)
    return {"supplier": response.supplier.name, "status": response.status, "sealed": row.sealed,
            "price_yuan": None if row.price_yuan is None else f"{row.price_yuan:.2f}",
            "sme_size": response.sme_size, "evaluated_price_yuan": None if evaluated is None else _exact(evaluated),
            "qualification": response.qualification,
            "quality_score": None if response.quality_score is None else f"{response.quality_score:.2f}"}


class _ResponseLotKey(serializers.Serializer):
    id = serializers.IntegerField(label="响应内部编号")
    lot = serializers.IntegerField(label="采购包内部编号")


class SolicitationSealedResponseSerializer(_ResponseLotKey, SealedRowSerializer):
    pass


class SolicitationSerializer(serializers.Serializer):
    """框架协议征集：采购包的响应数量；截止后才有各响应的报价。"""

    id = serializers.IntegerField(label="项目内部编号")
    code = serializers.CharField(label="项目编号")
    title = serializers.CharField(label="项目名称")
    response_deadline = serializers.DateTimeField(allow_null=True, label="提交响应文件截止时间")
    sealed = serializers.BooleanField(label="是否密封（截止前）")
    lots = SolicitationLotCountSerializer(many=True, label="采购包")
    responses = SolicitationSealedResponseSerializer(many=True, label="响应（截止前为空）")

    def to_representation(self, project: Project) -> dict:
        user = self.context["request"].user
        sealed = selectors.is_sealed(project)
        rows = [] if sealed else selectors.response_rows(user, project)
        deductions = selectors.lot_deductions(project) if rows else {}
        return {
            "id": project.pk, "code": project.code, "title": project.title,
            "response_deadline": serializers.DateTimeField().to_representation(project.response_deadline)
            if project.response_deadline else None,
            "sealed": sealed,
            "lots": [{"lot": c.lot.pk, "number": c.lot.number, "name": c.lot.name,
                      "max_unit_price_yuan": None if c.lot.max_unit_price_yuan is None
                      else f"{c.lot.max_unit_price_yuan:.2f}", "submitted": c.submitted, "withdrawn": c.withdrawn}
                     for c in selectors.lot_counts(project)],
            "responses": [{"id": r.response.pk, "lot": r.response.lot_id,
                           **sealed_row_data(r, deduction_percent=deductions.get(r.response.lot_id))}
                          for r in rows],
        }


class SolicitationPublishSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200, label="公告标题")
    response_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                                  label="提交响应文件截止时间",
                                                  help_text="封闭式必填；开放式框架协议不设截止时间，填写的也不采用")
    body = serializers.CharField(label="公告正文")


class SolicitationEvaluateSerializer(serializers.Serializer):
    response = serializers.IntegerField(label="响应内部编号", min_value=1)
    qualified = serializers.BooleanField(label="是否符合资格条件和实质性要求")
    note = serializers.CharField(required=False, allow_blank=True, default="", label="审查意见（不符合须说明理由）")
    quality_score = serializers.CharField(required=False, allow_blank=True, default="", label="质量（技术）得分")


class SolicitationShortlistSerializer(serializers.Serializer):
    lot = serializers.IntegerField(label="采购包内部编号", min_value=1)


class SolicitationShortlistResultSerializer(serializers.Serializer):
    summary = serializers.CharField(label="入围计算")
    agreements = serializers.ListField(child=serializers.CharField(), label="入围供应商（协议编号 供应商）")


PROJECT_ID = id_parameter("框架协议采购项目")


@extend_schema_view(
    list=extend_schema(summary="框架协议征集列表", tags=[TAG_CENTER],
                       responses={200: SolicitationSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="框架协议征集详情", tags=[TAG_CENTER], parameters=[PROJECT_ID],
                           responses={200: SolicitationSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class SolicitationViewSet(ReadOnlyViewSet):
    """框架协议征集与入围：采购中心发布征集公告，截止后录入资格审查结果、确定各采购包入围供应商并发布入围结果公告；
    截止前响应密封，任何人（含采购中心、财政部门和超级管理员）都看不到报价。"""

    noun = "框架协议征集"
    serializer_class = SolicitationSerializer
    search_fields = ["code", "title"]
    ordering_fields = ["response_deadline", "created_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats(READERS, "只有采购中心、代理机构和财政部门可以查看框架协议征集")

    def get_queryset(self):
        return (selectors.readable_framework_projects(self.request.user)
                .filter(framework_plan__status=FrameworkPlan.Status.FILED).select_related("organizer"))

    def _answer(self, project: Project) -> ApiResponse:
        project.refresh_from_db()
        return ApiResponse(SolicitationSerializer(project, context={"request": self.request}).data)

    @extend_schema(summary="发布框架协议征集公告", tags=[TAG_CENTER], parameters=[PROJECT_ID],
                   request=SolicitationPublishSerializer,
                   description="采购方案备案后发布征集公告。封闭式框架协议设置提交响应文件截止时间（不少于20日）；"
                               "开放式框架协议不设截止时间，有效期内供应商随时申请加入（附件8注1）。",
                   responses={200: SolicitationSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = SolicitationPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.solicitation_publish(project=project, actor=request.user, **serializer.validated_data)
        return self._answer(project)

    @extend_schema(summary="录入资格审查结果", tags=[TAG_CENTER], parameters=[PROJECT_ID],
                   request=SolicitationEvaluateSerializer,
                   description="截止后录入一份响应的资格审查结果（不符合须说明理由；质量优先法须录入质量得分）。",
                   responses={200: SolicitationSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = SolicitationEvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        response = (selectors.visible_responses(request.user)
                    .filter(pk=data.pop("response"), lot__project=project).first())
        if response is None:
            raise NotFound("响应不存在")
        services.response_evaluate(response=response, actor=request.user, **data)
        return self._answer(project)

    @extend_schema(summary="确定采购包入围供应商", tags=[TAG_CENTER], parameters=[PROJECT_ID],
                   request=SolicitationShortlistSerializer,
                   description="按采购方案的评审方法、淘汰率和并列规则确定一个采购包的入围供应商（附件8第九部分）。",
                   responses={200: SolicitationShortlistResultSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def shortlist(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = SolicitationShortlistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lot = Lot.objects.filter(pk=serializer.validated_data["lot"], project=project).first()
        if lot is None:
            raise NotFound("采购包不存在")
        agreements = services.shortlist_confirm(lot=lot, actor=request.user)
        summary = selectors.shortlist_computation(lot).summary
        return ApiResponse({"summary": summary,
                            "agreements": [f"{a.code} {a.supplier.name}" for a in agreements]})

    @extend_schema(summary="发布入围结果公告", tags=[TAG_CENTER], parameters=[PROJECT_ID], request=None,
                   description="各采购包确定入围供应商后发布入围结果公告、发出入围通知书（30日内签订框架协议）。",
                   responses={200: SolicitationSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="shortlist-notice")
    def shortlist_notice(self, request, *args, **kwargs):
        project = self.get_object()
        services.shortlist_publish(project=project, actor=request.user)
        return self._answer(project)


routes = [
    ("responses", SupplierResponseViewSet, "framework-response"),
    ("solicitations", SolicitationViewSet, "framework-solicitation"),
]

"""Framework endpoints: 补充征集 (annex 8 §十一).

- ``/api/v1/framework/supplements/``: the center's supplements (open one for a lot, evaluate its responses after the
  deadline, confirm its shortlist with the 补充征集入围结果公告); each with its response count and its responses,
  whose prices are null until the supplement's deadline (sealed).
- ``/api/v1/framework/open-supplements/``: the supplements a supplier may respond to (notice out, deadline ahead).
- ``/api/v1/framework/supplement-responses/``: a supplier's own supplement responses (price included), respond
  (multipart: draft, submit, revise) and withdraw; another supplier's response 404.
The services refuse what the pages refuse, with the same Chinese ``detail``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response as ApiResponse

from framework.api.common import SUPPLIERS, WRITE_ERRORS
from framework.api.solicitation import (
    OwnResponseSerializer,
    ResponseDataSerializer,
    RoundResponsesViewSet,
    SealedRowSerializer,
    SolicitationEvaluateSerializer,
    sealed_row_data,
)
from framework.models import SolicitationResponse, Supplement
from framework.selectors import solicitation as solicitation_selectors
from framework.selectors import supplement as selectors
from framework.services import supplement as services
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.views import FORBIDDEN, LIST_ERRORS, NOT_FOUND, UNAUTHENTICATED, ReadOnlyViewSet, id_parameter
from procurement.models import Organization

CENTERS = (Organization.Kind.CENTER,)
TAG_CENTER = "补充征集"
TAG_SUPPLIER = "补充征集响应"
SUPPLEMENT_ID = id_parameter("补充征集")


# --- the center ------------------------------------------------------------------------------------------------

class SupplementResponseRowSerializer(SealedRowSerializer):
    pass


class SupplementSerializer(serializers.Serializer):
    """补充征集：原入围和剩余供应商数、影响执行的情况、响应截止时间；截止后才有各响应的报价和入围计算。"""

    id = serializers.IntegerField(label="补充征集内部编号")
    project_code = serializers.CharField(label="项目编号")
    lot = serializers.IntegerField(label="采购包内部编号")
    lot_number = serializers.IntegerField(label="包号")
    status = serializers.ChoiceField(choices=Supplement.Status.choices, label="状态")
    reason = serializers.CharField(label="影响框架协议执行的情况")
    shortlisted_count = serializers.IntegerField(label="原入围供应商数")
    remaining_count = serializers.IntegerField(label="剩余入围供应商数")
    response_deadline = serializers.DateTimeField(label="响应截止时间")
    sealed = serializers.BooleanField(label="是否密封（截止前）")
    submitted = serializers.IntegerField(label="已提交响应数")
    computation = serializers.CharField(allow_null=True, label="入围计算（截止后）")
    responses = SupplementResponseRowSerializer(many=True, label="响应（截止前为空）")

    def to_representation(self, supplement: Supplement) -> dict:
        sealed = selectors.is_sealed(supplement)
        rows = [] if sealed else selectors.response_rows(supplement)
        deductions = solicitation_selectors.lot_deductions(supplement.lot.project) if rows else {}
        deduction = deductions.get(supplement.lot_id)
        return {
            "id": supplement.pk, "project_code": supplement.lot.project.code, "lot": supplement.lot_id,
            "lot_number": supplement.lot.number, "status": supplement.status, "reason": supplement.reason,
            "shortlisted_count": supplement.shortlisted_count, "remaining_count": supplement.remaining_count,
            "response_deadline": serializers.DateTimeField().to_representation(supplement.response_deadline),
            "sealed": sealed, "submitted": selectors.response_counts(supplement)["submitted"],
            "computation": None if sealed else selectors.supplement_computation(supplement).summary,
            "responses": [{"id": r.response.pk, **sealed_row_data(r, deduction_percent=deduction)} for r in rows],
        }


class SupplementStartSerializer(serializers.Serializer):
    lot = serializers.IntegerField(label="采购包内部编号", min_value=1)
    reason = serializers.CharField(allow_blank=True, label="影响框架协议执行的情况")
    response_deadline = serializers.DateTimeField(label="补充征集响应截止时间")


class SupplementEvaluateSerializer(SolicitationEvaluateSerializer):
    pass


class SupplementShortlistResultSerializer(serializers.Serializer):
    summary = serializers.CharField(label="入围计算")
    agreements = serializers.ListField(child=serializers.CharField(), label="补充入围供应商（协议编号 供应商）")


@extend_schema_view(
    list=extend_schema(summary="补充征集列表", tags=[TAG_CENTER],
                       responses={200: SupplementSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="补充征集详情", tags=[TAG_CENTER], parameters=[SUPPLEMENT_ID],
                           responses={200: SupplementSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class SupplementViewSet(ReadOnlyViewSet):
    """补充征集（附件8第十一部分）：剩余入围供应商不足入围供应商总数70%且影响框架协议执行的，集中采购机构在框架协议
    有效期内发起；条件、程序、评审方法和淘汰比例与初次征集相同；截止前响应密封。"""

    noun = "补充征集"
    serializer_class = SupplementSerializer
    ordering_fields = ["response_deadline", "created_at"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats(CENTERS, "只有集中采购机构可以办理补充征集")

    def get_queryset(self):
        return selectors.center_supplements(self.request.user)

    def _answer(self, supplement: Supplement) -> ApiResponse:
        supplement.refresh_from_db()
        return ApiResponse(SupplementSerializer(supplement, context={"request": self.request}).data)

    @extend_schema(summary="发起补充征集", tags=[TAG_CENTER], request=SupplementStartSerializer,
                   description="剩余入围供应商不足70%且影响框架协议执行时发起补充征集并发布公告；截止时间与初次征集"
                               "相同不少于20日，且在原框架协议有效期内。",
                   responses={200: SupplementSerializer, **WRITE_ERRORS})
    @action(detail=False, methods=["post"])
    def start(self, request, *args, **kwargs):
        serializer = SupplementStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lot = selectors.center_lot(request.user, data.pop("lot"))
        if lot is None:
            raise NotFound("采购包不存在，或不是本中心组织的框架协议采购包")
        return self._answer(services.supplement_start(lot=lot, actor=request.user, **data))

    @extend_schema(summary="录入补充征集资格审查结果", tags=[TAG_CENTER], parameters=[SUPPLEMENT_ID],
                   request=SupplementEvaluateSerializer,
                   description="截止后录入一份补充征集响应的资格审查结果（不符合须说明理由；质量优先法须录入质量得分）。",
                   responses={200: SupplementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, *args, **kwargs):
        supplement = self.get_object()
        serializer = SupplementEvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        response = SolicitationResponse.objects.filter(pk=data.pop("response"), supplement=supplement).first()
        if response is None:
            raise NotFound("响应不存在")
        services.supplement_response_evaluate(response=response, actor=request.user, **data)
        return self._answer(supplement)

    @extend_schema(summary="确定补充入围供应商", tags=[TAG_CENTER], parameters=[SUPPLEMENT_ID], request=None,
                   description="按初次征集的评审方法、淘汰率和并列规则确定补充入围供应商，发布补充征集入围结果公告、"
                               "发出入围通知书；协议有效期与原框架协议相同。",
                   responses={200: SupplementShortlistResultSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def shortlist(self, request, *args, **kwargs):
        supplement = self.get_object()
        agreements = services.supplement_shortlist(supplement=supplement, actor=request.user)
        supplement.refresh_from_db()
        return ApiResponse({"summary": selectors.supplement_computation(supplement).summary,
                            "agreements": [f"{a.code} {a.supplier.name}" for a in agreements]})


# --- the supplier ------------------------------------------------------------------------------------------------

class OwnSupplementResponseSerializer(OwnResponseSerializer):
    """本单位对一次补充征集的响应（含报价：报价是本单位自己的）。"""

    class Meta(OwnResponseSerializer.Meta):
        fields = ["id", "supplement", "project_code", "lot", "lot_number", "status", "price_yuan", "sme_size",
                  "is_green", "quality_statement", "qualification_file", "submitted_at"]
        read_only_fields = fields


class OpenSupplementSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="补充征集内部编号")
    project_code = serializers.CharField(source="lot.project.code", label="项目编号")
    project_title = serializers.CharField(source="lot.project.title", label="项目名称")
    lot = serializers.IntegerField(source="lot_id", label="采购包内部编号")
    lot_number = serializers.IntegerField(source="lot.number", label="包号")
    max_unit_price_yuan = serializers.DecimalField(source="lot.max_unit_price_yuan", max_digits=14, decimal_places=2,
                                                   allow_null=True, label="最高限制单价（元）")
    response_deadline = serializers.DateTimeField(label="响应截止时间")


@extend_schema_view(
    list=extend_schema(summary="正在进行的补充征集", tags=[TAG_SUPPLIER],
                       responses={200: OpenSupplementSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="补充征集（供应商查看）", tags=[TAG_SUPPLIER], parameters=[SUPPLEMENT_ID],
                           responses={200: OpenSupplementSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class OpenSupplementViewSet(ReadOnlyViewSet):
    """正在进行的补充征集：公告已发布、响应截止时间未到的采购包，供应商可以响应（条件与初次征集相同）。"""

    noun = "正在进行的补充征集"
    serializer_class = OpenSupplementSerializer
    ordering_fields = ["response_deadline", "created_at"]
    ordering = ["response_deadline", "pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats(SUPPLIERS, "只有供应商可以查看和响应补充征集")

    def get_queryset(self):
        return selectors.open_supplements()


class _SupplementField(serializers.Serializer):
    supplement = serializers.IntegerField(label="补充征集内部编号", min_value=1)


class SupplementRespondSerializer(_SupplementField, ResponseDataSerializer):
    """保存或提交本单位对一次补充征集的响应：条件与初次征集相同。"""


@extend_schema_view(
    list=extend_schema(summary="本单位的补充征集响应", tags=[TAG_SUPPLIER],
                       responses={200: OwnSupplementResponseSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="补充征集响应详情", tags=[TAG_SUPPLIER], parameters=[id_parameter("补充征集响应")],
                           responses={200: OwnSupplementResponseSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class SupplierSupplementResponseViewSet(RoundResponsesViewSet):
    """补充征集响应：供应商对正在补充征集的采购包响应（条件与初次征集相同），截止前保存、提交、修改或撤回；
    截止前报价密封，只有本单位可见；被清退的供应商不得参加。"""

    noun = "补充征集响应"
    serializer_class = OwnSupplementResponseSerializer
    default_seats_required = Seats(SUPPLIERS, "只有供应商可以响应补充征集")
    respond_serializer_class = SupplementRespondSerializer
    round_field = "supplement"
    round_missing = "补充征集不存在，或其公告尚未发布"
    own_responses = staticmethod(selectors.own_responses)
    own_response = staticmethod(selectors.own_response)
    respondable = staticmethod(selectors.respondable_supplement)
    response_save = staticmethod(services.supplement_response_save)
    response_withdraw = staticmethod(services.supplement_response_withdraw)

    @extend_schema(summary="保存或提交补充征集响应", tags=[TAG_SUPPLIER], request=SupplementRespondSerializer,
                   description="对一次补充征集保存草稿、提交或修改已提交的响应。截止后、被清退或已在该采购包入围的拒绝。",
                   responses={200: OpenApiResponse(OwnSupplementResponseSerializer, description="保存后的响应"),
                              **WRITE_ERRORS})
    @action(detail=False, methods=["post"])
    def respond(self, request, *args, **kwargs):
        return self.respond_answer(request)

    @extend_schema(summary="撤回补充征集响应", tags=[TAG_SUPPLIER], parameters=[id_parameter("补充征集响应")],
                   request=None, description="截止前撤回本单位的响应；撤回后不能再响应该补充征集。",
                   responses={200: OpenApiResponse(OwnSupplementResponseSerializer, description="撤回后的响应"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self.withdraw_answer(request)


routes = [
    ("supplements", SupplementViewSet, "framework-supplement"),
    ("supplement-responses", SupplierSupplementResponseViewSet, "framework-supplement-response"),
    ("open-supplements", OpenSupplementViewSet, "framework-open-supplement"),
]

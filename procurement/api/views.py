"""Endpoints under ``/api/v1/``. Every queryset starts from the access policy (procurement.access).

An object outside the user's visible set answers 404, exactly like one that does not exist. Writes
are one explicit POST action per transition on these same viewsets, e.g.
``@action(detail=True, methods=["post"]) def submit`` → ``POST /api/v1/sub-plans/{id}/submit/``, which
looks the object up through ``get_object()`` (so invisible → 404) and calls the service, which runs it
through ``procurement.services.transitions.transition_run`` (no right → 403, wrong state → 409, a rule
refused → 400). Here a unit's sub-plans are written (filed, revised, submitted, withdrawn); a project's
collection is closed and its master plan confirmed in ``procurement.api.collection``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from procurement import access
from procurement.api import filters, selectors
from procurement.api import schema as _schema  # noqa: F401  registers the Chinese auth scheme descriptions
from procurement.api.filters import StableOrderingFilter
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import (
    CategorySerializer,
    ContractSerializer,
    OrganizationSerializer,
    ProjectSerializer,
    RegionSerializer,
    SubPlanCreateSerializer,
    SubPlanSerializer,
    SubPlanUpdateSerializer,
)
from procurement.models import FundingLine, Lot, Organization, SubPlan
from procurement.selectors import buyer
from procurement.services import sub_plans as sub_plan_services


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(label="错误说明")


class ValidationErrorSerializer(serializers.Serializer):
    """请求被拒绝：detail 用中文说明原因（逐一列出有误的参数或字段）；有误的字段另以字段名为键，值为错误说明列表。"""

    detail = serializers.CharField(label="错误说明")


UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="未找到该对象或无权查看")
# DRF answers a page number that is not a page (0, past the last page, not a number) with 404.
PAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="页码无效：page 须为从 1 到总页数的整数")
NOT_FOUND_OR_PAGE = OpenApiResponse(ErrorSerializer, description="未找到该对象或无权查看，或页码（page）无效")
BAD_QUERY = OpenApiResponse(ValidationErrorSerializer,
                            description="查询参数不合法：detail 说明哪个参数有误；另以参数名为键列出错误说明")
REFUSED = OpenApiResponse(
    ValidationErrorSerializer,
    description="请求被拒绝：数据不合规则、不在可响应单位范围内或不在需求响应时间内。"
                "detail 为原因；字段错误以字段名为键，值为错误说明列表",
)
LIST_ERRORS = {400: BAD_QUERY, 401: UNAUTHENTICATED, 404: PAGE_NOT_FOUND}
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ErrorSerializer, description="请求体的媒体类型不受支持：请按本接口的请求体说明提交（JSON 或 multipart/form-data）")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作（只读账号，或不是本单位的事项）")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作（例如撤回尚未提交的分计划）")


def read_schema(*, lookup: OpenApiParameter, forbidden: OpenApiResponse | None = None):
    """Chinese summaries, tag and answers (the page of results, the object, the errors) of a read-only viewset;
    ``forbidden``: the 403 of a viewset whose reads are kept to some kinds of organization (``default_seats_required``).
    """

    def decorate(viewset: type[ReadOnlyViewSet]) -> type[ReadOnlyViewSet]:
        noun, serializer = viewset.noun, viewset.serializer_class
        refused = {403: forbidden} if forbidden else {}
        return extend_schema_view(
            list=extend_schema(summary=f"{noun}列表", tags=[noun],
                               responses={200: serializer(many=True), **LIST_ERRORS, **refused}),
            retrieve=extend_schema(summary=f"{noun}详情", tags=[noun], parameters=[lookup],
                                   responses={200: serializer, 401: UNAUTHENTICATED, **refused, 404: NOT_FOUND}),
        )(viewset)

    return decorate


VIEW_SUFFIXES = {"List": "列表", "Instance": "详情"}


def id_parameter(noun: str) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"{noun}的内部编号")


def code_parameter(label: str) -> OpenApiParameter:
    return OpenApiParameter("code", str, OpenApiParameter.PATH, description=label)


class ApiViewSetMixin:
    # What every viewset of the API shares. (No docstring: the browsable API shows it to users.)
    # An id in a path is a whole number, as the schema says: anything else matches no route, and the project's
    # 404 handler answers it in JSON (procurement.views.errors).
    lookup_value_regex = "[0-9]+"

    def finalize_response(self, request, response, *args, **kwargs):
        """An error is JSON even when the client asked a file endpoint for its file (``?format=xlsx``, ``Accept``).

        Content negotiation ran before the error: it chose the file's renderer, which would label the error's
        JSON as a workbook or a PDF.
        """
        response = super().finalize_response(request, response, *args, **kwargs)
        if (isinstance(response, Response) and response.status_code >= 400
                and getattr(response.accepted_renderer, "render_style", "text") == "binary"):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
        return response


class ReadOnlyViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    # List (filtered, searched, ordered, paginated) and retrieve, nothing else. (No docstring: the
    # browsable API and the schema show a viewset's docstring to users, so each has its own in Chinese.)
    filter_backends = [DjangoFilterBackend, SearchFilter, StableOrderingFilter]
    noun: str = ""  # what the resource is called: page titles, schema tags and summaries

    def get_view_name(self) -> str:
        return f"{self.noun}{VIEW_SUFFIXES.get(self.suffix, '')}"


@read_schema(lookup=code_parameter("区划代码"))
class RegionViewSet(ReadOnlyViewSet):
    """行政区划：吉林省 → 市（州）→ 县（市、区）。所有已登录用户可查看。"""

    noun = "行政区划"
    serializer_class = RegionSerializer
    filterset_class = filters.RegionFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "level", "sort_order"]
    ordering = ["path", "pk"]

    def get_queryset(self):
        return selectors.region_list()


@read_schema(lookup=code_parameter("品目编码"))
class CategoryViewSet(ReadOnlyViewSet):
    """政府采购品目分类目录（财库〔2022〕31号）。所有已登录用户可查看。"""

    noun = "采购品目"
    serializer_class = CategorySerializer
    filterset_class = filters.CategoryFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "level"]
    ordering = ["code", "pk"]

    def get_queryset(self):
        return selectors.category_list()


@read_schema(lookup=id_parameter("机构"))
class OrganizationViewSet(ReadOnlyViewSet):
    """机构：财政部门、集中采购机构看本区划及下级；其他机构只看本机构及其主管的单位。"""

    noun = "机构"
    serializer_class = OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    search_fields = ["name", "short_name", "unit_code", "credit_code"]
    ordering_fields = ["name", "kind", "unit_code", "created_at"]
    ordering = ["region__path", "kind", "name", "pk"]

    def get_queryset(self):
        return selectors.organization_list(user=self.request.user)


@read_schema(lookup=id_parameter("采购项目"))
class ProjectViewSet(ReadOnlyViewSet):
    """采购项目（含采购包）：采购中心看本中心组织的项目，预算单位看可响应的项目，财政部门看本区划及下级。"""

    noun = "采购项目"
    serializer_class = ProjectSerializer
    filterset_class = filters.ProjectFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "year", "created_at", "response_deadline"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return selectors.project_list(user=self.request.user)


SUB_PLAN_ID = id_parameter("分计划")
SUB_PLAN_SAVED = OpenApiResponse(SubPlanSerializer, description="已保存的分计划（submit 为 true 时已提交）")
SUB_PLAN_NOW = OpenApiResponse(SubPlanSerializer, description="操作后的分计划")
SUB_PLAN_WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


NO_SUCH_UNIT = "预算单位不存在"


def _requested_unit_id(data) -> int | None:
    value = data.get("unit") if hasattr(data, "get") else None
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None  # not a number: the serializer says so


def _filing_unit(user, unit_id: int | None) -> int:
    """The id of the budget unit a sub-plan is filed for: the caller's own, or the one named when it acts for several.

    Asked before the body is validated: whoever may not file for the unit hears 403, whatever they sent. The
    unit itself is read with the lot (``selectors.filing_target``): a unit the caller acts for exists.
    """
    own = access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
    if unit_id is None:
        if len(own) > 1 or (not own and access.is_superuser(user)):
            raise ValidationError({"unit": ["您代表多个预算单位，请用 unit 指定填报单位"]})
        if not own:
            raise PermissionDenied("只有预算单位可以填报分计划")
        unit_id = own[0]
    if not access.is_superuser(user) and unit_id not in access.org_ids(
            user, kind=Organization.Kind.BUDGET_UNIT, write=True):
        raise PermissionDenied("您无权为该单位填报分计划（非本单位或只读账号）")
    if access.is_superuser(user) and not Organization.objects.filter(pk=unit_id).exists():
        raise ValidationError({"unit": [NO_SUCH_UNIT]})
    return unit_id


def _no_funding_lines():
    """No funding lines, known without a query: a new sub-plan filed without any (listing ``none()`` compiles one)."""
    lines = FundingLine.objects.none()
    lines._result_cache, lines._prefetch_done = [], True  # read, as Django's prefetch leaves the querysets it fills
    return lines


def _funding_values(lines: list[dict] | None) -> list[dict] | None:
    return None if lines is None else [dict(line) for line in lines]


WRITES = ("create", "partial_update", "submit", "withdraw")


@read_schema(lookup=SUB_PLAN_ID)
class SubPlanViewSet(ReadOnlyViewSet):
    """分计划（含资金构成）：预算单位只看本单位的分计划，组织单位看本项目的，财政部门看本区划及下级单位的。

    预算单位（或代其填报的外部系统）在需求响应截止前填报、修改、提交和撤回本单位的分计划。
    """

    noun = "分计划"
    serializer_class = SubPlanSerializer
    filterset_class = filters.SubPlanFilter
    search_fields = ["project__code", "unit__name", "unit__unit_code"]
    ordering_fields = ["created_at", "updated_at", "submitted_at", "quantity", "budget_yuan"]
    ordering = ["project_id", "lot__number", "unit__name", "pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # The unit pages' door and selector for every write (issue 8 point 4): another kind of organization hears 403
    # and another unit's sub-plan is a 404, before the body is read or the state checked.
    permission_classes = [SeatRequired]
    seats_required = dict.fromkeys(WRITES, Seats(buyer.BUYERS, "只有预算单位可以填报、修改、提交和撤回本单位的分计划"))

    def get_queryset(self):
        return selectors.sub_plan_list(user=self.request.user, own=self.action in WRITES)

    def get_serializer_class(self):
        return {"create": SubPlanCreateSerializer, "partial_update": SubPlanUpdateSerializer}.get(
            self.action, SubPlanSerializer
        )

    def _valid(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _represent(self, sub_plan: SubPlan, *, lot: Lot, unit: Organization, funding_lines=None) -> dict:
        # The service hands back the saved row; its project, lot, unit (and, when unchanged, funding lines)
        # are the ones already loaded: nothing is read again.
        sub_plan.project, sub_plan.lot, sub_plan.unit = lot.project, lot, unit
        if funding_lines is not None:
            sub_plan._prefetched_objects_cache = {"funding_lines": funding_lines}
        else:
            prefetch_related_objects([sub_plan], Prefetch("funding_lines", FundingLine.objects.order_by("pk")))
        return SubPlanSerializer(sub_plan, context=self.get_serializer_context()).data

    @extend_schema(summary="填报分计划", tags=["分计划"], request=SubPlanCreateSerializer,
                   description="为所选采购包新建本单位的分计划；submit 为 true 时在同一事务中保存并提交。"
                               "截止后、非可响应单位或同一采购包重复填报均被拒绝，且不保存任何数据。",
                   responses={201: SUB_PLAN_SAVED, **SUB_PLAN_WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        unit_id = _filing_unit(request.user, _requested_unit_id(request.data))
        data = self._valid(SubPlanCreateSerializer, request.data)
        lot, unit = selectors.filing_target(user=request.user, unit_id=unit_id, lot_id=data["lot"])
        if lot is None:
            raise ValidationError({"lot": ["采购包不存在，或您所在的预算单位不在该项目的可响应单位范围内"]})
        if unit is None:  # gone since the caller's seats were read
            raise ValidationError({"unit": [NO_SUCH_UNIT]})
        # One service call, one transaction: with submit the sub-plan is filed as submitted in one step.
        sub_plan = sub_plan_services.sub_plan_save(
            lot=lot, unit=unit, actor=request.user,
            quantity=data["quantity"], budget_yuan=data["budget_yuan"], contact_name=data["contact_name"],
            contact_phone=data["contact_phone"], note=data["note"],
            funding_lines=_funding_values(data.get("funding_lines")), submit=data["submit"],
        )
        none = _no_funding_lines() if data.get("funding_lines") is None else None
        return Response(self._represent(sub_plan, lot=lot, unit=unit, funding_lines=none),
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改分计划", tags=["分计划"], parameters=[SUB_PLAN_ID], request=SubPlanUpdateSerializer,
                   description="截止前修改本单位的分计划，只需提交要修改的字段；已提交的分计划修改后仍为已提交。"
                               "修改预算金额而不提供资金构成时，原资金构成须与新的预算金额一致。",
                   responses={200: SUB_PLAN_SAVED, **SUB_PLAN_WRITE_ERRORS})
    def partial_update(self, request, *args, **kwargs):
        sub_plan = self.get_object()
        data = self._valid(SubPlanUpdateSerializer, request.data)
        # Only the fields sent: the service merges the others on the locked row, never from this early read.
        changes = {name: data[name] for name in sub_plan_services.EDITABLE_FIELDS if name in data}
        lines = _funding_values(data.get("funding_lines"))
        saved = sub_plan_services.sub_plan_revise(sub_plan=sub_plan, actor=request.user, changes=changes,
                                                  funding_lines=lines, submit=bool(data.get("submit")))
        return Response(self._represent(saved, lot=saved.lot, unit=saved.unit))

    @extend_schema(summary="提交分计划", tags=["分计划"], parameters=[SUB_PLAN_ID], request=None,
                   description="提交草稿或已撤回的分计划，提交后计入总计划；截止前可再次修改。",
                   responses={200: SUB_PLAN_NOW, **SUB_PLAN_WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        sub_plan = self.get_object()
        submitted = sub_plan_services.sub_plan_submit(sub_plan=sub_plan, actor=request.user)
        return Response(self._represent(submitted, lot=sub_plan.lot, unit=sub_plan.unit,
                                        funding_lines=sub_plan.funding_lines.all()))

    @extend_schema(summary="撤回分计划", tags=["分计划"], parameters=[SUB_PLAN_ID], request=None,
                   description="撤回已提交的分计划，不再计入总计划；截止前可修改后重新提交。",
                   responses={200: SUB_PLAN_NOW, **SUB_PLAN_WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        sub_plan = self.get_object()
        withdrawn = sub_plan_services.sub_plan_withdraw(sub_plan=sub_plan, actor=request.user)
        return Response(self._represent(withdrawn, lot=sub_plan.lot, unit=sub_plan.unit,
                                        funding_lines=sub_plan.funding_lines.all()))


@read_schema(lookup=id_parameter("采购合同"))
class ContractViewSet(ReadOnlyViewSet):
    """采购合同（统采分签）：采购人只看本单位的合同，供应商只看本企业的，财政部门看本区划及下级采购人的。"""

    noun = "采购合同"
    serializer_class = ContractSerializer
    filterset_class = filters.ContractFilter
    search_fields = ["code", "title", "project__code"]
    ordering_fields = ["code", "created_at", "signed_on", "amount_yuan", "publish_due", "filing_due"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user, today=timezone.localdate())

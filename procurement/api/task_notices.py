"""The task notice (采购任务通知单) API, once for every mode: each mode routes a subclass of ``TaskNoticeViewSet``
under its own prefix (``/api/v1/batch/task-notices/``, ``/api/v1/framework/task-notices/``) and names its mode, its
representation (the mode's items: batch 采购周期, framework 框架协议有效期) and, when it offers drafting through the
API, ``TaskNoticeDraftingMixin`` with its request; ``task_notice_schema`` words the schema with the mode's noun.

Reads start from the same scoped querysets as the pages (``procurement.selectors.tasks`` with the mode: another
bureau's or center's notice → 404); each write is one POST with the right of the page that offers it, from the same
declaration (``DRAFTERS`` / ``RECEIVERS``): another kind of organization hears 403 and a notice outside the page's
selector 404, whatever the body and the state. The core's services then check the right again (403), the state
(409) and the rules (400: the core's and the mode's), all with a Chinese ``detail``. The PDF and the scope's wording
are the mode's (``ModePlugin.task_notice_pages``), as on the pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from procurement import access
from procurement.api.filters import IntegerFilter
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.renderers import PdfRenderer
from procurement.api.serializers import CategoryRefSerializer, OrganizationRefSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Category, Organization, Region, TaskNotice
from procurement.selectors import tasks as task_selectors
from procurement.services import tasks as task_services
from procurement.views.task_pages import pages_of

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许执行该操作")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


def format_parameter(kind: str) -> OpenApiParameter:
    return OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["json", kind],
                            description=f"返回格式：不填或 {kind} 返回文件；json 仅用于错误说明")


# --- representations ------------------------------------------------------------------------------

COMMON_FIELDS = ["id", "document_number", "year", "finance_bureau", "center", "category", "purchase_limit",
                 "purchase_limit_yuan", "scope", "scope_regions", "scope_text"]
STATE_FIELDS = ["basis", "status", "issued_on", "acknowledged_at", "created_at"]


class TaskNoticeBaseSerializer(ReadSerializer):
    """What every mode's notice shows; a mode's subclass adds its items between ``COMMON_FIELDS`` and
    ``STATE_FIELDS``."""

    finance_bureau = OrganizationRefSerializer(read_only=True, label="下达财政部门")
    center = OrganizationRefSerializer(read_only=True, label="执行集中采购机构")
    category = CategoryRefSerializer(read_only=True, label="采购品目")
    scope_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                                 label="适用地区区划代码")
    scope_text = serializers.SerializerMethodField(label="适用范围（通知书表述）")

    class Meta:
        model = TaskNotice
        fields = [*COMMON_FIELDS, *STATE_FIELDS]
        read_only_fields = fields

    def get_scope_text(self, task: TaskNotice) -> str:
        return pages_of(task.mode).scope_text(task)


class TaskNoticeCreateBaseSerializer(serializers.Serializer):
    """Drafting a notice: what every mode asks; a mode's subclass adds its own items."""

    finance_bureau = serializers.IntegerField(required=False, label="下达财政部门内部编号",
                                              help_text="经办人只任职一个财政部门时可不填")
    center = serializers.IntegerField(label="执行集中采购机构内部编号")
    category = serializers.CharField(label="采购品目编码", max_length=16)
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
    purchase_limit = serializers.CharField(label="采购限额", max_length=200)
    purchase_limit_yuan = serializers.DecimalField(label="采购限额金额（元）", max_digits=14, decimal_places=2,
                                                   required=False, allow_null=True, min_value=0)
    scope = serializers.ChoiceField(choices=TaskNotice.Scope.choices, label="适用范围",
                                    default=TaskNotice.Scope.PROVINCE)
    scope_regions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, default=list,
                                          label="适用地区区划代码", help_text="适用范围为分地区时必填")
    basis = serializers.CharField(required=False, allow_blank=True, default="", label="论证情况")
    document_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                            label="文号")


class IssueRequestSerializer(serializers.Serializer):
    """下达任务通知单的请求。"""

    issued_on = serializers.DateField(required=False, allow_null=True, label="下达日期",
                                      help_text="不填则为今天；不能晚于今天")


class WithdrawRequestSerializer(serializers.Serializer):
    """撤回任务通知单的请求。"""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, label="撤回原因")


class TaskNoticeFilter(filters.FilterSet):
    year = IntegerFilter(label="年度")
    status = filters.ChoiceFilter(choices=TaskNotice.Status.choices, label="状态")
    scope = filters.ChoiceFilter(choices=TaskNotice.Scope.choices, label="适用范围")
    category = filters.CharFilter(field_name="category__code", lookup_expr="startswith",
                                  label="采购品目编码（含下级品目）")
    finance_bureau = IntegerFilter(field_name="finance_bureau_id", label="下达财政部门内部编号")
    center = IntegerFilter(field_name="center_id", label="集中采购机构内部编号")

    class Meta:
        model = TaskNotice
        fields: list[str] = []


# --- the viewset ---------------------------------------------------------------------------------

class TaskNoticeViewSet(ReadOnlyViewSet):
    """采购任务通知单：财政部门看本部门起草和下达的，集中采购机构看下达给本机构的（不含草稿）。"""

    #: The mode's ``Mode`` value, its noun (schema tag), the short noun of its summaries and refusals, and the
    #: annex its PDF follows.
    mode: str = ""
    noun = "采购任务通知单"
    short_noun = "任务通知单"
    annex = ""

    serializer_class = TaskNoticeBaseSerializer
    filterset_class = TaskNoticeFilter
    search_fields = ["category__code", "category__name", "document_number"]
    ordering_fields = ["year", "created_at", "issued_on"]
    ordering = ["-year", "-created_at", "-pk"]
    permission_classes = [SeatRequired]

    @property
    def seats_required(self) -> dict[str, Seats]:
        return {
            **dict.fromkeys(("create", "issue", "withdraw"), Seats(task_selectors.DRAFTERS, self.drafters_only)),
            "acknowledge": Seats(task_selectors.RECEIVERS, "只有收到任务通知单的集中采购机构可以签收"),
        }

    @property
    def drafters_only(self) -> str:
        drafting = "起草、" if isinstance(self, TaskNoticeDraftingMixin) else ""
        return f"只有财政部门可以{drafting}下达和撤回{self.short_noun}"

    def get_queryset(self):
        user = self.request.user
        if self.action in ("issue", "withdraw"):  # the finance pages' notices
            return task_selectors.task_notices_drafted(user, mode=self.mode)
        if self.action == "acknowledge":  # the center pages' notices
            return task_selectors.task_notices_received(user, mode=self.mode)
        return task_selectors.task_notices_visible(user, mode=self.mode)

    def _answer(self, task: TaskNotice, *, code: int = status.HTTP_200_OK) -> Response:
        visible = task_selectors.task_notices_visible(self.request.user, mode=self.mode)
        return Response(self.serializer_class(visible.get(pk=task.pk)).data, status=code)

    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        task = self.get_object()
        payload = IssueRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(task_services.task_notice_issue(
            task=task, actor=request.user, issued_on=payload.validated_data.get("issued_on")))

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(task_services.task_notice_acknowledge(task=self.get_object(), actor=request.user))

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        task = self.get_object()
        payload = WithdrawRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(task_services.task_notice_withdraw(
            task=task, actor=request.user, reason=payload.validated_data.get("reason", "")))

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        task = self.get_object()
        pages = pages_of(self.mode)
        response = HttpResponse(pages.pdf(task), content_type="application/pdf")
        response["Content-Disposition"] = pages.pdf_disposition(task)
        return response


class TaskNoticeDraftingMixin:
    """Drafting through the API (POST to the list), for a mode that offers it: ``create_serializer_class`` is its
    request (``TaskNoticeCreateBaseSerializer`` and the mode's items), ``create_description`` its schema's words."""

    create_serializer_class: type[serializers.Serializer] = TaskNoticeCreateBaseSerializer
    create_description = ""

    def _bureau(self, bureau_id: int | None) -> Organization:
        user = self.request.user
        bureaus = Organization.objects.filter(kind=FINANCE)
        if not access.is_superuser(user):
            bureaus = bureaus.filter(pk__in=access.org_ids(user, kind=FINANCE, write=True))
        if bureau_id is None:
            found = list(bureaus[:2])
            if len(found) != 1:
                refusal = "请指定下达财政部门" if found else self.drafters_only
                raise ValidationError({"finance_bureau": [refusal]})
            return found[0]
        bureau = bureaus.filter(pk=bureau_id).first()
        if bureau is None:
            raise PermissionDenied(f"财政部门（编号{bureau_id}）不存在或您不是其经办人员")
        return bureau

    def create(self, request, *args, **kwargs):
        payload = self.create_serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        bureau = self._bureau(data.pop("finance_bureau", None))
        center = Organization.objects.filter(pk=data.pop("center"), kind=CENTER).first()
        if center is None:
            raise ValidationError({"center": ["集中采购机构不存在"]})
        code = data.pop("category").strip()
        category = Category.objects.filter(code=code).first()
        if category is None:
            raise ValidationError({"category": [f"品目编码「{code}」不存在"]})
        codes = data.pop("scope_regions")
        regions = list(Region.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {region.code for region in regions})
        if missing:
            raise ValidationError({"scope_regions": [f"区划代码「{'、'.join(missing)}」不存在"]})
        task = task_services.task_notice_create(mode=self.mode, finance_bureau=bureau, center=center,
                                                category=category, scope_regions=regions, actor=request.user,
                                                **data)
        return self._answer(task, code=status.HTTP_201_CREATED)


def task_notice_schema(viewset: type[TaskNoticeViewSet]) -> type[TaskNoticeViewSet]:
    """The schema of a mode's task notice viewset, worded with its noun (and its drafting, if it offers it)."""
    noun, short, answer = viewset.noun, viewset.short_noun, viewset.serializer_class
    task_id = id_parameter(noun)

    def transition(summary: str, request=None):
        return extend_schema(summary=summary, tags=[noun], parameters=[task_id], request=request,
                             responses={200: answer, **WRITE_ERRORS})

    schemas = {
        "issue": transition(f"下达{short}", IssueRequestSerializer),
        "acknowledge": transition(f"签收{short}", None),
        "withdraw": transition(f"撤回{short}", WithdrawRequestSerializer),
        "pdf": extend_schema(
            summary=f"{short.removesuffix('单')}书PDF", tags=[noun], parameters=[task_id, format_parameter("pdf")],
            responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                 description=f"按{viewset.annex}版式生成的PDF"),
                       (401, "application/json"): UNAUTHENTICATED, (404, "application/json"): NOT_FOUND}),
    }
    if issubclass(viewset, TaskNoticeDraftingMixin):
        schemas["create"] = extend_schema(
            summary=f"起草{short}", tags=[noun], request=viewset.create_serializer_class,
            description=viewset.create_description,
            responses={201: OpenApiResponse(answer, description="任务通知单草稿"), **WRITE_ERRORS})
    return read_schema(lookup=task_id)(extend_schema_view(**schemas)(viewset))

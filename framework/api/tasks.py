"""Framework task notices (框架协议采购任务通知单, seed 000 annex 7) under ``/api/v1/framework/task-notices/``.

Reads start from the same scoped querysets as the pages (``framework.selectors.tasks``: another bureau's or
center's notice → 404); each write is one POST with the right of the page that offers it, from the same
declaration (``DRAFTERS`` / ``RECEIVERS``): another kind of organization hears 403 and a notice outside the page's
selector 404, whatever the body and the state. The services then check the right again (403), the state (409) and
the rules (400: the core's and annex 7's), all with a Chinese ``detail``.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from framework.selectors import tasks as selectors
from framework.services import tasks as services
from procurement import access
from procurement.api.filters import IntegerFilter
from procurement.api.permissions import SeatRequired, Seats
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

NOUN = "框架协议采购任务通知单"
TASK_ID = id_parameter(NOUN)
FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
DRAFTERS_ONLY = "只有财政部门可以起草、下达和撤回框架协议采购任务通知单"
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许执行该操作")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


class PdfRenderer(renderers.BaseRenderer):
    """Passes PDF bytes through; an error body (a dict) is written as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


# --- representations ------------------------------------------------------------------------------

class FrameworkTaskSerializer(ReadSerializer):
    """框架协议采购任务通知单（附件7）：采购品目、采购限额、适用范围、框架协议有效期，由财政部门下达集中采购机构。"""

    finance_bureau = OrganizationRefSerializer(read_only=True, label="下达财政部门")
    center = OrganizationRefSerializer(read_only=True, label="执行集中采购机构")
    category = CategoryRefSerializer(read_only=True, label="采购品目")
    scope_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                                 label="适用地区区划代码")
    scope_text = serializers.SerializerMethodField(label="适用范围（通知书表述）")
    validity_text = serializers.SerializerMethodField(label="框架协议有效期（通知书表述）")

    class Meta:
        model = TaskNotice
        fields = ["id", "document_number", "year", "finance_bureau", "center", "category", "purchase_limit",
                  "purchase_limit_yuan", "scope", "scope_regions", "scope_text", "valid_from", "valid_until",
                  "validity_months", "validity_text", "basis", "status", "issued_on", "acknowledged_at",
                  "created_at"]
        read_only_fields = fields

    def get_scope_text(self, task: TaskNotice) -> str:
        return services.task_scope_text(task)

    def get_validity_text(self, task: TaskNotice) -> str:
        return services.task_validity_text(task)


class FrameworkTaskCreateSerializer(serializers.Serializer):
    """起草框架协议采购任务通知单（附件7）：有效期填写起止日期，或期限（月）。"""

    finance_bureau = serializers.IntegerField(required=False, label="下达财政部门内部编号",
                                              help_text="经办人只任职一个财政部门时可不填")
    center = serializers.IntegerField(label="执行集中采购机构内部编号")
    category = serializers.CharField(label="采购品目编码", max_length=16, help_text="货物类（A）或服务类（C）品目")
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
    purchase_limit = serializers.CharField(label="采购限额", max_length=200, help_text="小额零星项目的限额说明")
    purchase_limit_yuan = serializers.DecimalField(label="采购限额金额（元）", max_digits=14, decimal_places=2,
                                                   required=False, allow_null=True, min_value=0)
    scope = serializers.ChoiceField(choices=TaskNotice.Scope.choices, label="适用范围",
                                    default=TaskNotice.Scope.PROVINCE)
    scope_regions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, default=list,
                                          label="适用地区区划代码", help_text="适用范围为分地区时必填")
    valid_from = serializers.DateField(required=False, allow_null=True, label="有效期起")
    valid_until = serializers.DateField(required=False, allow_null=True, label="有效期止")
    validity_months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=120,
                                               label="有效期（月）", help_text="货物类不超过12个月，服务类不超过24个月")
    basis = serializers.CharField(required=False, allow_blank=True, default="", label="论证情况")
    document_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                            label="文号")


class FrameworkTaskIssueSerializer(serializers.Serializer):
    """下达框架协议采购任务通知单的请求。"""

    issued_on = serializers.DateField(required=False, allow_null=True, label="下达日期",
                                      help_text="不填则为今天；不能晚于今天")


class FrameworkTaskWithdrawSerializer(serializers.Serializer):
    """撤回框架协议采购任务通知单的请求。"""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, label="撤回原因")


class FrameworkTaskFilter(filters.FilterSet):
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

def _transition_schema(summary: str, request=None):
    return extend_schema(summary=summary, tags=[NOUN], parameters=[TASK_ID], request=request,
                         responses={200: FrameworkTaskSerializer, **WRITE_ERRORS})


@read_schema(lookup=TASK_ID)
class FrameworkTaskViewSet(ReadOnlyViewSet):
    """框架协议采购任务通知单：财政部门看本部门起草和下达的，集中采购机构看下达给本机构的（不含草稿）。"""

    noun = NOUN
    serializer_class = FrameworkTaskSerializer
    filterset_class = FrameworkTaskFilter
    search_fields = ["category__code", "category__name", "document_number"]
    ordering_fields = ["year", "created_at", "issued_on"]
    ordering = ["-year", "-created_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {
        **dict.fromkeys(("create", "issue", "withdraw"), Seats(selectors.DRAFTERS, DRAFTERS_ONLY)),
        "acknowledge": Seats(selectors.RECEIVERS, "只有收到任务通知单的集中采购机构可以签收"),
    }

    def get_queryset(self):
        user = self.request.user
        if self.action in ("issue", "withdraw"):  # the finance pages' notices
            return selectors.tasks_drafted(user)
        if self.action == "acknowledge":  # the center pages' notices
            return selectors.tasks_received(user)
        return selectors.tasks_visible(user)

    def _answer(self, task: TaskNotice, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(FrameworkTaskSerializer(selectors.tasks_visible(self.request.user).get(pk=task.pk)).data,
                        status=code)

    def _bureau(self, bureau_id: int | None) -> Organization:
        user = self.request.user
        bureaus = Organization.objects.filter(kind=FINANCE)
        if not access.is_superuser(user):
            bureaus = bureaus.filter(pk__in=access.org_ids(user, kind=FINANCE, write=True))
        if bureau_id is None:
            found = list(bureaus[:2])
            if len(found) != 1:
                raise ValidationError({"finance_bureau": ["请指定下达财政部门" if found else DRAFTERS_ONLY]})
            return found[0]
        bureau = bureaus.filter(pk=bureau_id).first()
        if bureau is None:
            raise PermissionDenied(f"财政部门（编号{bureau_id}）不存在或您不是其经办人员")
        return bureau

    @extend_schema(summary="起草框架协议采购任务通知单", tags=[NOUN], request=FrameworkTaskCreateSerializer,
                   description="财政部门起草任务通知单草稿（附件7）：品目须为货物类或服务类；框架协议有效期必填，"
                               "货物类不超过1年、服务类不超过2年。",
                   responses={201: OpenApiResponse(FrameworkTaskSerializer, description="任务通知单草稿"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        payload = FrameworkTaskCreateSerializer(data=request.data)
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
        task = services.framework_task_create(finance_bureau=bureau, center=center, category=category,
                                              scope_regions=regions, actor=request.user, **data)
        return self._answer(task, code=status.HTTP_201_CREATED)

    @_transition_schema("下达框架协议采购任务通知单", request=FrameworkTaskIssueSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        task = self.get_object()
        payload = FrameworkTaskIssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.framework_task_issue(
            task=task, actor=request.user, issued_on=payload.validated_data.get("issued_on")))

    @_transition_schema("签收框架协议采购任务通知单", request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(services.framework_task_acknowledge(task=self.get_object(), actor=request.user))

    @_transition_schema("撤回框架协议采购任务通知单", request=FrameworkTaskWithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        task = self.get_object()
        payload = FrameworkTaskWithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.framework_task_withdraw(
            task=task, actor=request.user, reason=payload.validated_data.get("reason", "")))

    @extend_schema(
        summary="框架协议采购任务通知书PDF", tags=[NOUN],
        parameters=[TASK_ID, OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["json", "pdf"],
                                              description="返回格式：不填或 pdf 返回文件；json 仅用于错误说明")],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="按附件7版式生成的PDF"),
                   (401, "application/json"): UNAUTHENTICATED, (404, "application/json"): NOT_FOUND},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        task = self.get_object()
        response = HttpResponse(services.task_pdf(task=task), content_type="application/pdf")
        response["Content-Disposition"] = services.task_pdf_disposition(task)
        return response


routes = [
    ("task-notices", FrameworkTaskViewSet, "task-notice"),
]

"""Read endpoints under ``/api/v1/``. Every queryset starts from the access policy (procurement.access).

An object outside the user's visible set answers 404, exactly like one that does not exist. Writes
come later as one explicit POST action per transition on these same viewsets, e.g.
``@action(detail=True, methods=["post"]) def sign`` → ``POST /api/v1/contracts/{id}/sign/``, which
looks the object up through ``get_object()`` (so invisible → 404) and runs it through
``procurement.services.transitions.transition_run`` (no right → 403, wrong state → 409).
"""

from __future__ import annotations

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.filters import SearchFilter

from procurement.api import filters, selectors
from procurement.api import schema as _schema  # noqa: F401  registers the Chinese auth scheme descriptions
from procurement.api.filters import StableOrderingFilter
from procurement.api.serializers import (
    CategorySerializer,
    ContractSerializer,
    OrganizationSerializer,
    ProjectSerializer,
    RegionSerializer,
    SubPlanSerializer,
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(label="错误说明")


UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="未找到该对象或无权查看")
BAD_QUERY = OpenApiResponse(OpenApiTypes.OBJECT, description="查询参数不合法：键为参数名，值为错误说明列表")


def read_schema(*, lookup: OpenApiParameter):
    """Chinese summaries, tag and answers (the page of results, the object, the errors) of a read-only viewset."""

    def decorate(viewset: type[ReadOnlyViewSet]) -> type[ReadOnlyViewSet]:
        noun, serializer = viewset.noun, viewset.serializer_class
        return extend_schema_view(
            list=extend_schema(summary=f"{noun}列表", tags=[noun],
                               responses={200: serializer(many=True), 400: BAD_QUERY, 401: UNAUTHENTICATED}),
            retrieve=extend_schema(summary=f"{noun}详情", tags=[noun], parameters=[lookup],
                                   responses={200: serializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}),
        )(viewset)

    return decorate


VIEW_SUFFIXES = {"List": "列表", "Instance": "详情"}


def id_parameter(noun: str) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"{noun}的内部编号")


def code_parameter(label: str) -> OpenApiParameter:
    return OpenApiParameter("code", str, OpenApiParameter.PATH, description=label)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
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


@read_schema(lookup=id_parameter("分计划"))
class SubPlanViewSet(ReadOnlyViewSet):
    """分计划（含资金构成）：预算单位只看本单位的分计划，组织单位看本项目的，财政部门看本区划及下级单位的。"""

    noun = "分计划"
    serializer_class = SubPlanSerializer
    filterset_class = filters.SubPlanFilter
    search_fields = ["project__code", "unit__name", "unit__unit_code"]
    ordering_fields = ["created_at", "updated_at", "submitted_at", "quantity", "budget_yuan"]
    ordering = ["project_id", "lot__number", "unit__name", "pk"]

    def get_queryset(self):
        return selectors.sub_plan_list(user=self.request.user)


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

"""Query-string filters of the API lists, with Chinese labels for the schema and the browsable API."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from procurement import access
from procurement.models import (
    Category,
    Contract,
    ContractLine,
    Mode,
    Organization,
    ProcurementMethod,
    Project,
    Region,
    SubPlan,
)


class IntegerFilter(filters.NumberFilter):
    """A whole number (an id, a year, a level): validated as one and documented as one.

    drf-spectacular would call a NumberFilter a "number"; the override keeps the Chinese label. The value must
    fit the database's 64-bit integer: a larger one is refused as a bad query (400, in Chinese) before it reaches
    the database, which would otherwise fail on it (SQLite raises OverflowError) instead of finding nothing.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
        extend_schema_field({"type": "integer", "format": "int64",
                             "description": self.extra.get("help_text") or self.label})(self)


class StableOrderingFilter(OrderingFilter):
    """Ordering that always ends on the primary key, so that pages never overlap or skip rows."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in {"pk", "id"} for field in ordering):
            ordering.append("pk")
        return ordering


def region_and_below(path_field: str, code: str) -> Q:
    """Rows whose region (``path_field`` holds its path like ``220000/220100/``) is ``code`` or below it."""
    return Q(**{f"{path_field}__startswith": f"{code}/"}) | Q(**{f"{path_field}__contains": f"/{code}/"})


class RegionFilter(filters.FilterSet):
    code = filters.CharFilter(label="区划代码")
    level = filters.ChoiceFilter(choices=Region.Level.choices, label="级次")
    parent = filters.CharFilter(field_name="parent__code", label="上级区划代码")
    within = filters.CharFilter(method="filter_within", label="区划代码（含下级区划）")

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_and_below("path", value))


class CategoryFilter(filters.FilterSet):
    code_prefix = filters.CharFilter(field_name="code", lookup_expr="startswith", label="品目编码前缀",
                                     help_text="品目编码前缀，例如 A02 返回全部 A02 开头的品目")
    level = IntegerFilter(label="层级")
    parent = filters.CharFilter(field_name="parent__code", label="上级品目编码")
    in_centralized_catalog = filters.BooleanFilter(label="纳入政府集中采购目录")

    class Meta:
        model = Category
        fields: list[str] = []


class OrganizationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices, label="机构类型")
    region = filters.CharFilter(method="filter_region", label="所属区划代码（含下级区划）")
    unit_code = filters.CharFilter(label="单位代码")
    credit_code = filters.CharFilter(label="统一社会信用代码")
    supervising_unit = IntegerFilter(field_name="supervising_unit_id", label="主管预算单位内部编号")
    is_active = filters.BooleanFilter(label="启用")

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_and_below("region__path", value))


class ProjectFilter(filters.FilterSet):
    mode = filters.ChoiceFilter(choices=Mode.choices, label="采购方式类别")
    status = filters.ChoiceFilter(choices=Project.Status.choices, label="状态")
    year = IntegerFilter(label="年度")
    organizer = IntegerFilter(field_name="organizer_id", label="组织单位内部编号")
    procurement_method = filters.ChoiceFilter(choices=ProcurementMethod.choices, label="采购方式")
    category = filters.CharFilter(field_name="category__code", lookup_expr="startswith",
                                  label="采购品目编码（含下级品目）")
    region = filters.CharFilter(method="filter_region", label="适用范围区划代码（含下级区划）")
    open_to_me = filters.BooleanFilter(method="filter_open_to_me", label="向本单位开放填报",
                                       help_text="true：正在征集需求、且您所在的预算单位可响应、当前可填报分计划的项目；"
                                                 "false：其余项目")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_and_below("scope_region__path", value))

    def filter_open_to_me(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        units = access.org_ids(self.request.user, kind=Organization.Kind.BUDGET_UNIT)
        now = timezone.now()
        open_ids = (
            Project.objects.filter(status=Project.Status.COLLECTING, response_deadline__gt=now,
                                   eligible_units__unit_id__in=units)
            .filter(Q(response_opens_at__isnull=True) | Q(response_opens_at__lte=now))
            .values("pk")
        )
        return queryset.filter(pk__in=open_ids) if value else queryset.exclude(pk__in=open_ids)


class SubPlanFilter(filters.FilterSet):
    project = IntegerFilter(field_name="project_id", label="采购项目内部编号")
    project_code = filters.CharFilter(field_name="project__code", label="项目编号")
    lot = IntegerFilter(field_name="lot_id", label="采购包内部编号")
    unit = IntegerFilter(field_name="unit_id", label="预算单位内部编号")
    unit_code = filters.CharFilter(field_name="unit__unit_code", label="预算单位代码")
    status = filters.ChoiceFilter(choices=SubPlan.Status.choices, label="状态")

    class Meta:
        model = SubPlan
        fields: list[str] = []


class ContractFilter(filters.FilterSet):
    project = IntegerFilter(field_name="project_id", label="采购项目内部编号")
    project_code = filters.CharFilter(field_name="project__code", label="项目编号")
    lot = IntegerFilter(method="filter_lot", label="采购包内部编号", help_text="合同明细中含该采购包的合同")
    buyer = IntegerFilter(field_name="buyer_id", label="采购人内部编号")
    buyer_unit_code = filters.CharFilter(field_name="buyer__unit_code", label="采购人单位代码")
    supplier = IntegerFilter(field_name="supplier_id", label="供应商内部编号")
    supplier_credit_code = filters.CharFilter(field_name="supplier__credit_code", label="供应商统一社会信用代码")
    status = filters.ChoiceFilter(choices=Contract.Status.choices, label="状态")
    publish_overdue = filters.BooleanFilter(method="filter_publish_overdue", label="公告逾期",
                                            help_text="公告逾期。true：已签订但超过公告截止日仍未公告；false：其余合同")
    filing_overdue = filters.BooleanFilter(method="filter_filing_overdue", label="备案逾期",
                                           help_text="备案逾期。true：已签订或已公告但超过备案截止日仍未备案；false：其余合同")

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_lot(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(pk__in=ContractLine.objects.filter(lot_id=value).values("contract_id"))

    def filter_publish_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = Contract.objects.publish_overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_filing_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = Contract.objects.filing_overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

"""Reads about plans: which projects a unit may answer, and the master plan (总计划).

The master plan is not stored: it is the sum of the counted sub-plans, one aggregate query
whose cost does not depend on how many units filed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from procurement.models import Lot, Organization, Project, SubPlan

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=2))


def projects_open_to(unit: Organization) -> QuerySet[Project]:
    """Projects collecting sub-plans right now for which ``unit`` is eligible."""
    now = timezone.now()
    return (
        Project.objects.filter(status=Project.Status.COLLECTING, eligible_units__unit=unit,
                               response_deadline__gt=now)
        .filter(Q(response_opens_at__isnull=True) | Q(response_opens_at__lte=now))
        .select_related("organizer", "category", "scope_region")
        .order_by("response_deadline", "pk")
    )


@dataclass(frozen=True)
class MasterPlanLine:
    lot: Lot
    total_quantity: Decimal
    total_budget_yuan: Decimal
    unit_count: int


@dataclass(frozen=True)
class MasterPlan:
    project: Project
    lines: list[MasterPlanLine] = field(default_factory=list)

    @property
    def total_quantity(self) -> Decimal:
        return sum((line.total_quantity for line in self.lines), Decimal(0))

    @property
    def total_budget_yuan(self) -> Decimal:
        return sum((line.total_budget_yuan for line in self.lines), Decimal(0))

    @property
    def sub_plan_count(self) -> int:
        return sum(line.unit_count for line in self.lines)


def master_plan(*, project: Project) -> MasterPlan:
    """总计划: per lot, the total quantity, total budget and number of units of counted sub-plans."""
    counted = Q(sub_plans__status__in=SubPlan.COUNTED)
    lots = (
        Lot.objects.filter(project=project)
        .annotate(
            total_quantity=Coalesce(Sum("sub_plans__quantity", filter=counted), ZERO),
            total_budget_yuan=Coalesce(Sum("sub_plans__budget_yuan", filter=counted), ZERO),
            unit_count=Count("sub_plans__unit", filter=counted, distinct=True),
        )
        .order_by("number")
    )
    return MasterPlan(
        project=project,
        lines=[MasterPlanLine(lot, lot.total_quantity, lot.total_budget_yuan, lot.unit_count) for lot in lots],
    )


def master_plan_drilldown(*, project: Project, lot: Lot | None = None) -> QuerySet[SubPlan]:
    """The counted sub-plans behind the master plan, for the drill-down to each unit."""
    qs = SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED)
    if lot is not None:
        qs = qs.filter(lot=lot)
    return qs.select_related("unit", "unit__region", "lot").order_by("lot__number", "unit__name")

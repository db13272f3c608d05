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
from procurement.plan_checks import Flag, budget_flags, flagged_q, sub_plan_flags, with_unit_totals

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
    # Counted sub-plans with a value that looks wrong (procurement.plan_checks), for the center to check.
    flagged_count: int = 0


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

    @property
    def flagged_count(self) -> int:
        return sum(line.flagged_count for line in self.lines)


def master_plan(*, project: Project) -> MasterPlan:
    """总计划: per lot, the total quantity, total budget and number of units of counted sub-plans, and how
    many of them carry a flag (two aggregate queries, whatever the number of units)."""
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
    flagged = dict(
        flagged_sub_plans(project=project).order_by().values_list("lot_id").annotate(n=Count("pk"))
    )
    return MasterPlan(
        project=project,
        lines=[MasterPlanLine(lot, lot.total_quantity, lot.total_budget_yuan, lot.unit_count, flagged.get(lot.pk, 0))
               for lot in lots],
    )


def master_plan_drilldown(*, project: Project, lot: Lot | None = None, flagged_only: bool = False) -> QuerySet[SubPlan]:
    """The counted sub-plans behind the master plan, for the drill-down to each unit, each with the unit's
    total over the project (``unit_total_yuan``) for its flags (``procurement.plan_checks.sub_plan_flags``)."""
    qs = with_unit_totals(SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED),
                          counted_statuses=SubPlan.COUNTED)
    if lot is not None:
        qs = qs.filter(lot=lot)
    if flagged_only:
        qs = qs.filter(flagged_q())
    return qs.select_related("unit", "unit__region", "lot", "project").order_by("lot__number", "unit__name")


def flagged_sub_plans(*, project: Project) -> QuerySet[SubPlan]:
    """The counted sub-plans of ``project`` with a value that looks wrong."""
    counted = SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED)
    return with_unit_totals(counted, counted_statuses=SubPlan.COUNTED).filter(flagged_q())


def unit_counted_total(*, project_id: int, unit_id: int, exclude_pk: int | None = None) -> Decimal:
    """What ``unit`` has counted in the project so far (budget, 元), leaving out the sub-plan ``exclude_pk``."""
    rows = SubPlan.objects.filter(project_id=project_id, unit_id=unit_id, status__in=SubPlan.COUNTED)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.aggregate(total=Coalesce(Sum("budget_yuan"), ZERO))["total"]


def flags_for_values(*, lot: Lot, unit_id: int, quantity: Decimal, budget_yuan: Decimal,
                     exclude_pk: int | None = None) -> list[Flag]:
    """What would be flagged (``procurement.plan_checks``) if these values of ``unit`` counted, before they are
    saved (the unit's form; ``exclude_pk``: the sub-plan they would replace). The unit's total is read only when
    the project has a 采购限额."""
    project = lot.project
    total = None
    if project.purchase_limit_yuan is not None:
        total = unit_counted_total(project_id=project.pk, unit_id=unit_id, exclude_pk=exclude_pk) + budget_yuan
    return budget_flags(quantity=quantity, budget_yuan=budget_yuan, reference_price_yuan=lot.reference_price_yuan,
                        unit_total_yuan=total, purchase_limit_yuan=project.purchase_limit_yuan)


def flags_for_sub_plan(sub_plan: SubPlan) -> list[Flag]:
    """The flags of a saved sub-plan, its project and lot loaded. The unit's total is read once and kept on the
    instance as ``with_unit_totals`` annotates it (an annotated row, or a second call, reads nothing)."""
    if sub_plan.project.purchase_limit_yuan is not None and getattr(sub_plan, "unit_total_yuan", None) is None:
        sub_plan.unit_total_yuan = unit_counted_total(project_id=sub_plan.project_id, unit_id=sub_plan.unit_id,
                                                      exclude_pk=sub_plan.pk) + sub_plan.budget_yuan
    return sub_plan_flags(sub_plan)

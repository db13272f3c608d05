"""Sub-plan values that look wrong: shown to the unit before it submits and flagged to the center, not refused.

Issue 7 point 4. Two checks, each declared once here with its reason:

1. **The budget per unit far from the lot's reference price (参考单价).** The budget per unit is the
   sub-plan's budget divided by its quantity. It is flagged below ``PRICE_BAND_LOW`` (70%) or above
   ``PRICE_BAND_HIGH`` (150%) of the reference price. Why this band: the reference price is the center's
   market survey for exactly this configuration (the product configuration table, seed 000 三(一)(2)), and a
   batch purchase is expected to land at or somewhat below it. A budget under 70% of it will most likely not
   cover the award price, and the lot's budget is the sum of the units' budgets: a price above the budget
   makes a bid invalid (《政府采购货物和服务招标投标管理办法》第六十三条), so one short budget can sink the lot. A
   budget over 150% ties up money far beyond what the configuration costs, and in practice mostly comes
   from a slip: 元 entered as 万元, the amount typed into the quantity, a total taken for a unit price. The
   band is wide enough that honest differences (a delivery to a remote county, a higher service level)
   pass without a flag.
2. **A unit's total beyond the project's 采购限额** (the task notice's limit: batch procurement covers
   the 小额零星 purchases of the centralized catalog, seed 000 annex 5). The unit's counted sub-plans in
   the project together exceed it.

``budget_flags`` decides for one sub-plan's values (the unit's form, before anything is saved);
``price_flag_q`` and ``flagged_q`` say the same in SQL, for the master plan's counts and filters over
thousands of sub-plans. ``tests/procurement/test_plan_checks.py`` checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from procurement.formats import yuan_text

PRICE_BAND_LOW = Decimal("0.70")
PRICE_BAND_HIGH = Decimal("1.50")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=20, decimal_places=2)



class FlagKind(models.TextChoices):
    PRICE_LOW = "price_low", "预算单价偏低"
    PRICE_HIGH = "price_high", "预算单价偏高"
    OVER_LIMIT = "over_limit", "超过采购限额"


PRICE_LOW, PRICE_HIGH, OVER_LIMIT = FlagKind.PRICE_LOW, FlagKind.PRICE_HIGH, FlagKind.OVER_LIMIT


@dataclass(frozen=True)
class Flag:
    kind: str
    message: str

    @property
    def label(self) -> str:
        return FlagKind(self.kind).label


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def budget_flags(
    *,
    quantity: Decimal,
    budget_yuan: Decimal,
    reference_price_yuan: Decimal | None,
    unit_total_yuan: Decimal | None = None,
    purchase_limit_yuan: Decimal | None = None,
) -> list[Flag]:
    """What looks wrong in these values, each with its reason in Chinese (empty: nothing).

    ``unit_total_yuan`` is the unit's total in the project counting these values as submitted: its other
    counted sub-plans of the project plus this budget.
    """
    flags: list[Flag] = []
    if reference_price_yuan and quantity and quantity > 0:
        per_unit = (budget_yuan / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        reference = f"参考单价{yuan_text(reference_price_yuan)}"
        if budget_yuan < quantity * reference_price_yuan * PRICE_BAND_LOW:
            flags.append(Flag(PRICE_LOW, (
                f"预算单价{yuan_text(per_unit)}（预算金额÷采购数量）低于{reference}的{_percent(PRICE_BAND_LOW)}："
                "预算可能不足以支付中标（成交）价，而报价超过采购预算的投标无效"
                "（《政府采购货物和服务招标投标管理办法》第六十三条）。请核实采购数量和预算金额。"
            )))
        elif budget_yuan > quantity * reference_price_yuan * PRICE_BAND_HIGH:
            flags.append(Flag(PRICE_HIGH, (
                f"预算单价{yuan_text(per_unit)}（预算金额÷采购数量）高于{reference}的{_percent(PRICE_BAND_HIGH)}："
                "请核实采购数量与预算金额是否填反、金额单位（元/万元）是否有误。"
            )))
    if purchase_limit_yuan is not None and unit_total_yuan is not None and unit_total_yuan > purchase_limit_yuan:
        flags.append(Flag(OVER_LIMIT, (
            f"本单位在本项目的分计划预算合计{yuan_text(unit_total_yuan)}，超过本项目的采购限额"
            f"{yuan_text(purchase_limit_yuan)}：超过限额的需求一般应另行组织采购，请核实或与集中采购机构联系。"
        )))
    return flags


# --- the same rules in SQL, over sub-plans (a SubPlan queryset) ------------------------------------

def price_flag_q() -> Q:
    """Sub-plans whose budget per unit lies outside the band around their lot's reference price."""
    reference = F("quantity") * F("lot__reference_price_yuan")
    return Q(lot__reference_price_yuan__gt=0) & (
        Q(budget_yuan__lt=reference * PRICE_BAND_LOW) | Q(budget_yuan__gt=reference * PRICE_BAND_HIGH)
    )


def with_unit_totals(sub_plans: QuerySet, *, counted_statuses) -> QuerySet:
    """Annotate ``unit_total_yuan``: the unit's total budget in the project counting this sub-plan as
    submitted (its other counted sub-plans of the same project, plus this one's budget)."""
    from procurement.models import SubPlan

    others = (
        SubPlan.objects.filter(project_id=OuterRef("project_id"), unit_id=OuterRef("unit_id"),
                               status__in=counted_statuses)
        .exclude(pk=OuterRef("pk"))
        .order_by().values("unit_id").annotate(total=Sum("budget_yuan")).values("total")
    )
    return sub_plans.annotate(
        unit_total_yuan=Coalesce(Subquery(others, output_field=MONEY), Decimal(0), output_field=MONEY)
        + F("budget_yuan")
    )


def flagged_q() -> Q:
    """Sub-plans with any flag; the queryset must carry ``with_unit_totals``."""
    limit = F("project__purchase_limit_yuan")
    over_limit = Q(project__purchase_limit_yuan__isnull=False) & Q(unit_total_yuan__gt=limit)
    return price_flag_q() | over_limit


def sub_plan_flags(sub_plan) -> list[Flag]:
    """The flags of a saved sub-plan annotated by ``with_unit_totals`` (its lot and project loaded)."""
    return budget_flags(
        quantity=sub_plan.quantity,
        budget_yuan=sub_plan.budget_yuan,
        reference_price_yuan=sub_plan.lot.reference_price_yuan,
        unit_total_yuan=getattr(sub_plan, "unit_total_yuan", None),
        purchase_limit_yuan=sub_plan.project.purchase_limit_yuan,
    )

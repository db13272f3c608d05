"""Values a sub-plan cannot have, and values that look wrong (issue 7 point 4).

A unit saved and submitted 1.5 台 with a budget of 2,000,000 元 against a 5,200 元 reference price. Countable
units of measure take whole numbers only (refused); a budget per unit outside 70%–150% of the lot's
reference price, or a unit's total beyond the project's 采购限额, is flagged (not refused): the band and its
reasons are declared in ``procurement/plan_checks.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from procurement.models import EligibleUnit, SubPlan
from procurement.plan_checks import (
    OVER_LIMIT,
    PRICE_BAND_HIGH,
    PRICE_BAND_LOW,
    PRICE_HIGH,
    PRICE_LOW,
    budget_flags,
    flagged_q,
    sub_plan_flags,
    with_unit_totals,
)
from procurement.services.errors import ServiceError
from procurement.services.sub_plans import sub_plan_save
from procurement.units import is_countable, whole_number_refusal
from tests.factories import BudgetUnitFactory, LotFactory, ProjectFactory, SubPlanFactory, member_of

D = Decimal


# --- whole numbers for countable units ----------------------------------------------------------

@pytest.mark.parametrize("unit_of_measure", ["台", "套", "个", "辆", "把", "次"])
def test_countable_units_take_whole_numbers_only(unit_of_measure):
    assert is_countable(unit_of_measure)
    assert whole_number_refusal(D("1.5"), unit_of_measure) == (
        f"计量单位为「{unit_of_measure}」的采购数量须为整数，不能填写1.5{unit_of_measure}")
    assert whole_number_refusal(D("2.00"), unit_of_measure) is None


@pytest.mark.parametrize("unit_of_measure", ["吨", "米", "千克", "平方米", "小时"])
def test_measured_units_take_decimals(unit_of_measure):
    assert not is_countable(unit_of_measure)
    assert whole_number_refusal(D("1.5"), unit_of_measure) is None


@pytest.mark.django_db
def test_the_service_refuses_one_and_a_half_computers_and_saves_nothing():
    """Issue 7 point 4: 1.5 台 was saved and submitted; now refused on the quantity field, nothing saved."""
    lot = LotFactory(unit_of_measure="台", reference_price_yuan=D("5200"))
    unit = BudgetUnitFactory()
    EligibleUnit.objects.create(project=lot.project, unit=unit)
    clerk = member_of(unit)
    with pytest.raises(ServiceError) as refused:
        sub_plan_save(lot=lot, unit=unit, actor=clerk, quantity="1.5", budget_yuan="2000000", submit=True)
    assert refused.value.field == "quantity"
    assert "须为整数" in refused.value.message
    assert not SubPlan.objects.exists()
    # A measured unit of another lot keeps its decimals.
    steel = LotFactory(project=lot.project, unit_of_measure="吨")
    saved = sub_plan_save(lot=steel, unit=unit, actor=clerk, quantity="1.5", budget_yuan="6000")
    assert saved.quantity == D("1.5")


# --- the band around the reference price ----------------------------------------------------------

def flags_of(quantity, budget, reference="5200", total=None, limit=None):
    return [flag.kind for flag in budget_flags(
        quantity=D(quantity), budget_yuan=D(budget), reference_price_yuan=D(reference) if reference else None,
        unit_total_yuan=D(total) if total else None, purchase_limit_yuan=D(limit) if limit else None)]


def test_the_band_is_seventy_to_one_hundred_and_fifty_percent():
    assert (D("0.70"), D("1.50")) == (PRICE_BAND_LOW, PRICE_BAND_HIGH)


def test_the_issues_example_is_flagged_as_a_budget_per_unit_far_above_the_reference():
    """2 台 with a budget of 2,000,000 元 against 5,200 元: 1,000,000 元 per unit, 192 times the price."""
    flags = budget_flags(quantity=D(2), budget_yuan=D("2000000"), reference_price_yuan=D("5200"))
    assert [flag.kind for flag in flags] == [PRICE_HIGH]
    assert "预算单价1,000,000.00元" in flags[0].message and "参考单价5,200.00元的150%" in flags[0].message


@pytest.mark.parametrize(("budget", "expected"), [
    ("3640.00", []),  # exactly 70% of 5,200: inside
    ("3639.99", [PRICE_LOW]),
    ("7800.00", []),  # exactly 150%: inside
    ("7800.01", [PRICE_HIGH]),
    ("5200.00", []),
])
def test_the_band_edges(budget, expected):
    assert flags_of("1", budget) == expected


def test_a_low_budget_names_the_rule_that_makes_a_price_above_the_budget_invalid():
    [flag] = budget_flags(quantity=D(10), budget_yuan=D("30000"), reference_price_yuan=D("5200"))
    assert flag.kind == PRICE_LOW
    assert "《政府采购货物和服务招标投标管理办法》第六十三条" in flag.message


def test_no_reference_price_no_price_flag():
    assert flags_of("1", "999999", reference=None) == []


def test_a_unit_total_beyond_the_limit_is_flagged():
    assert flags_of("1", "5200", total="400000.01", limit="400000") == [OVER_LIMIT]
    assert flags_of("1", "5200", total="400000", limit="400000") == []


# --- the SQL twin says the same as the Python rule ---------------------------------------------------

@pytest.mark.django_db
def test_the_sql_rule_agrees_with_the_python_rule_on_every_sub_plan():
    project = ProjectFactory(purchase_limit_yuan=D("100000"))
    priced = LotFactory(project=project, unit_of_measure="台", reference_price_yuan=D("5200"))
    unpriced = LotFactory(project=project, unit_of_measure="台")
    cases = [("1", "5200"), ("2", "7000"), ("3", "50000"), ("10", "30000"), ("4", "99000"), ("1", "3000"),
             ("7", "36400"), ("5", "39000.01")]
    for quantity, budget in cases:
        for lot in (priced, unpriced):
            SubPlanFactory(lot=lot, quantity=D(quantity), budget_yuan=D(budget))
    # One unit with two sub-plans that together exceed the limit, each alone within it.
    big = BudgetUnitFactory()
    SubPlanFactory(lot=priced, unit=big, quantity=D(12), budget_yuan=D("60000"))
    SubPlanFactory(lot=unpriced, unit=big, quantity=D(1), budget_yuan=D("50000"))
    # A draft does not count in its unit's total.
    SubPlanFactory(lot=LotFactory(project=project, unit_of_measure="台"), unit=big, quantity=D(1),
                   budget_yuan=D("90000"), status=SubPlan.Status.DRAFT)

    annotated = with_unit_totals(SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED),
                                 counted_statuses=SubPlan.COUNTED).select_related("lot", "project")
    by_python = {plan.pk for plan in annotated if sub_plan_flags(plan)}
    by_sql = set(annotated.filter(flagged_q()).values_list("pk", flat=True))
    assert by_python == by_sql
    assert len(by_python) >= 5  # the cases above do flag, in both directions and over the limit
    totals = {plan.unit_id: plan.unit_total_yuan for plan in annotated if plan.unit_id == big.pk}
    assert totals == {big.pk: D("110000")}

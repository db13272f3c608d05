"""节约率: savings against budget per lot and for the project (issue 3 point 8).

Budget = the frozen sub-plans' budgets (the confirmed master plan, seed 000 三(一)(4)); awarded
amount = their total quantity × the award's unit price; saving = budget − awarded amount;
rate = saving ÷ budget, in percent with two decimals, none when the budget is zero.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from procurement.models import Award, SubPlan
from procurement.selectors.execution import project_savings, saving_rate
from tests.factories import AwardFactory, FinanceFactory, LotFactory, SubPlanFactory, county, member_of, prefecture
from tests.procurement.test_award import award_world, awarded_world

pytestmark = pytest.mark.usefixtures("calendar_loaded")


def test_savings_per_lot_and_for_the_project():
    """3 units × 10 each at 50,000 元 budget: 150,000 元; at 4,500 元 the lot costs 135,000 元 → 10.00%."""
    world = awarded_world(units=3, lots=2)
    Award.objects.filter(lot=world.lots[1]).update(unit_price_yuan=Decimal("4800.00"))

    savings = project_savings(world.project)

    first, second = savings.lines
    assert (first.total_quantity, first.budget_yuan, first.unit_count) == (Decimal("30"), Decimal("150000"), 3)
    assert (first.awarded_amount_yuan, first.saving_yuan, first.saving_rate) == (
        Decimal("135000.00"), Decimal("15000.00"), Decimal("10.00"))
    assert (second.awarded_amount_yuan, second.saving_yuan, second.saving_rate) == (
        Decimal("144000.00"), Decimal("6000.00"), Decimal("4.00"))
    assert savings.awarded_budget_yuan == savings.budget_yuan == Decimal("300000")
    assert savings.awarded_amount_yuan == Decimal("279000.00")
    assert savings.saving_yuan == Decimal("21000.00")
    assert savings.saving_rate == Decimal("7.00")
    assert savings.unit_count == 3 and savings.all_awarded


def test_the_rate_is_rounded_half_up_to_two_decimals():
    """节约率 to two decimals: 1 ÷ 3 = 33.333…% → 33.33; 2 ÷ 3 → 66.67."""
    assert saving_rate(Decimal("1"), Decimal("3")) == Decimal("33.33")
    assert saving_rate(Decimal("2"), Decimal("3")) == Decimal("66.67")
    assert saving_rate(Decimal("0.125"), Decimal("1000")) == Decimal("0.01")  # 0.0125% half up


def test_no_rate_when_the_budget_is_zero():
    """A rate against nothing is undefined: None, not a division error or 0%."""
    world = awarded_world(units=2, lots=1, budget_yuan="0")
    [line] = project_savings(world.project).lines
    assert line.budget_yuan == 0 and line.saving_rate is None
    assert line.saving_yuan == -line.awarded_amount_yuan
    assert project_savings(world.project).saving_rate is None


def test_an_award_above_budget_shows_a_negative_saving():
    world = awarded_world(units=1, lots=1, price="5500.00")
    [line] = project_savings(world.project).lines
    assert (line.saving_yuan, line.saving_rate) == (Decimal("-5000.00"), Decimal("-10.00"))


def test_only_frozen_sub_plans_count_in_the_budget():
    """The master plan executed is the frozen one; a withdrawn or still-draft sub-plan does not count."""
    world = awarded_world(units=2, lots=1)
    SubPlanFactory(lot=world.lots[0], quantity=Decimal("99"), budget_yuan=Decimal("999999"),
                   status=SubPlan.Status.WITHDRAWN)
    SubPlanFactory(lot=world.lots[0], quantity=Decimal("99"), budget_yuan=Decimal("999999"),
                   status=SubPlan.Status.DRAFT)
    [line] = project_savings(world.project).lines
    assert (line.total_quantity, line.budget_yuan, line.unit_count) == (Decimal("20"), Decimal("100000"), 2)


def test_unawarded_and_empty_lots_stay_out_of_the_project_totals():
    """The project's rate compares like with like: only the awarded lots' budget against their amount."""
    world = award_world(units=2, lots=2)
    AwardFactory(lot=world.lots[0], supplier=world.supplier, unit_price_yuan=Decimal("4000.00"))
    LotFactory(project=world.project, number=3, name="无人响应的配置")

    savings = project_savings(world.project)

    awarded, pending, empty = savings.lines
    assert awarded.saving_rate == Decimal("20.00")
    assert (pending.award, pending.awarded_amount_yuan, pending.saving_rate, pending.has_demand) == (
        None, None, None, True)
    assert (empty.has_demand, empty.budget_yuan) == (False, 0)
    assert savings.budget_yuan == Decimal("200000")
    assert savings.awarded_budget_yuan == Decimal("100000")
    assert savings.saving_rate == Decimal("20.00")
    assert savings.all_awarded is False


def test_savings_take_two_queries_whatever_the_number_of_lots_and_units(django_assert_num_queries):
    """One aggregate query over the lots (with their awards) and one count of the units."""
    world = awarded_world(units=15, lots=4)
    with django_assert_num_queries(2):
        savings = project_savings(world.project)
        [(line.lot.name, line.award.supplier.name) for line in savings.lines]
    assert len(savings.lines) == 4


def test_the_api_answers_the_savings_to_the_center_and_the_regions_finance_bureau():
    """Issue 3 point 8 (shown per lot and project); finance staff read their region's projects."""
    world = awarded_world(units=3, lots=1)
    api = APIClient()
    url = reverse("api-v1:award-savings", args=[world.project.pk])
    for reader in (world.operator, member_of(world.finance)):
        api.force_authenticate(reader)
        body = api.get(url).json()
        assert body["lines"][0]["saving_rate"] == "10.00"
        assert body["lines"][0]["supplier"]["name"] == "吉林测试电脑有限公司"
        assert (body["awarded_amount_yuan"], body["saving_yuan"], body["saving_rate"]) == (
            "135000.00", "15000.00", "10.00")
    api.force_authenticate(member_of(FinanceFactory(region=county(parent=prefecture()))))
    assert api.get(url).status_code == 404

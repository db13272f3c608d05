"""The master plan (总计划) is the sum of the submitted sub-plans (seed 000 三(一)4: 系统自动汇总)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import Project, SubPlan
from procurement.selectors.plans import master_plan, master_plan_drilldown
from tests.factories import LotFactory, ProjectFactory, SubPlanFactory

pytestmark = pytest.mark.django_db


def build(units: int) -> Project:
    project = ProjectFactory()
    lots = [LotFactory(project=project, number=n) for n in (1, 2)]
    for i in range(units):
        SubPlanFactory(lot=lots[i % 2], quantity=Decimal(i + 1), budget_yuan=Decimal(1000 * (i + 1)))
    return project


def test_master_plan_is_the_sum_of_submitted_sub_plans():
    project = build(units=30)
    SubPlanFactory(lot=project.lots.get(number=1), quantity=Decimal(500), status=SubPlan.Status.DRAFT)
    SubPlanFactory(lot=project.lots.get(number=2), quantity=Decimal(700), status=SubPlan.Status.WITHDRAWN)
    plan = master_plan(project=project)
    counted = SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED)
    assert plan.total_quantity == sum(p.quantity for p in counted) == Decimal(sum(range(1, 31)))
    assert plan.total_budget_yuan == sum(p.budget_yuan for p in counted)
    assert [line.unit_count for line in plan.lines] == [15, 15]
    assert plan.lines[0].total_quantity == sum(p.quantity for p in counted if p.lot.number == 1)


def test_a_lot_nobody_chose_shows_zero():
    project = ProjectFactory()
    LotFactory(project=project, number=1)
    plan = master_plan(project=project)
    assert plan.lines[0].total_quantity == Decimal(0)
    assert plan.lines[0].unit_count == 0


def test_master_plan_costs_the_same_queries_at_10_and_at_200_units():
    small, large = build(units=10), build(units=200)
    with CaptureQueriesContext(connection) as at_small:
        master_plan(project=small)
    with CaptureQueriesContext(connection) as at_large:
        master_plan(project=large)
    # One aggregate of the totals per lot, one of the flagged sub-plans per lot (issue 7 point 4).
    assert len(at_small) == len(at_large) == 2


def test_drilldown_lists_each_counted_unit():
    project = build(units=6)
    rows = list(master_plan_drilldown(project=project, lot=project.lots.get(number=2)))
    assert len(rows) == 3
    assert all(r.lot.number == 2 and r.status in SubPlan.COUNTED for r in rows)

"""Deadline day (issue 7 point 16): a filing over the API reads its lot, project, unit and the unit's eligibility
in one statement (``procurement.api.selectors.filing_target``), and the service does not ask again. What it
reads equals what the ORM reads; every refusal still happens."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from procurement.api.selectors import filing_target
from procurement.models import EligibleUnit, Lot, Membership, Organization, SubPlan
from procurement.services.errors import ServiceError
from procurement.services.sub_plans import sub_plan_save
from tests.batch.test_sub_plan_api import SUB_PLANS, client_for
from tests.factories import AgencyFactory, BudgetUnitFactory, LotFactory, ProjectFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return BudgetUnitFactory(name="长春市第一中学", unit_code="JL220100001")


@pytest.fixture
def clerk(unit):
    return member_of(unit, username="clerk_changchun")


@pytest.fixture
def lot(unit):
    """A lot with every kind of value a filing reads: decimals, dates, nullable keys, text."""
    project = ProjectFactory(title="2026年台式计算机批量集中采购", agency=None, description="说明")
    EligibleUnit.objects.create(project=project, unit=unit)
    return LotFactory(project=project, number=1, name="配置一", reference_price_yuan=Decimal("5200.00"),
                      unit_of_measure="台", specification="i5/16G/512G")


def lean_body(lot, **overrides) -> dict:
    # 3 台 at 15,600 元: 5,200 元 a unit, the reference price: nothing is flagged.
    return {"lot": lot.pk, "quantity": "3", "budget_yuan": "15600.00", "contact_name": "王老师",
            "contact_phone": "0431-85550001", "submit": True, **overrides}


def tables(sql: str) -> set[str]:
    """The tables a statement reads or writes."""
    return set(re.findall(r'(?:FROM|JOIN|INTO) "?(\w+)"?', sql))


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_filing_reads_its_unit_lot_and_eligibility_in_one_statement(clerk, lot):
    """Issue 7 point 16: token, seats, one read for unit, lot, project and eligibility, the sub-plan, its audit row.
    (Before: the unit, the lot and the eligibility were three statements, and building them cost more CPU than
    all the database did; the test's transaction adds a savepoint and its release.)"""
    api = client_for(clerk)
    with CaptureQueriesContext(connection) as queries:
        response = api.post(SUB_PLANS, lean_body(lot), format="json")
    assert response.status_code == 201, response.content
    statements = [tables(q["sql"]) for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == [
        {"authtoken_token", "auth_user"},
        {"procurement_membership", "procurement_organization", "procurement_region"},  # the caller's seats
        {"procurement_lot", "procurement_project", "procurement_organization", "procurement_eligibleunit"},
        {"procurement_subplan"},
        {"procurement_projectevent"},
    ], statements
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED


def test_a_filing_builds_no_select(clerk, lot, monkeypatch):
    """Building a query cost more CPU than running it: the token lookup (``procurement.api.authentication``) and the
    seats (``access.seats``) are statements built once per process, the filing's read is one hand-written statement,
    and the answer's empty funding lines are known without one."""
    api = client_for(clerk)
    assert api.post(SUB_PLANS, lean_body(lot), format="json").status_code == 201  # the first of the day
    second = LotFactory(project=lot.project, number=2, name="配置二", unit_of_measure="台")
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self.query.model) or original(
        self, *a, **k))
    response = api.post(SUB_PLANS, lean_body(second, budget_yuan="5200.00", quantity="1"), format="json")
    assert response.status_code == 201 and response.json()["funding_lines"] == []
    assert [model.__name__ for model in compiled] == []


def test_the_filing_read_equals_what_the_orm_reads(clerk, unit, lot):
    """The one statement builds the same lot, project and unit as ``select_related`` and a lookup by key would."""
    type(lot.project).objects.filter(pk=lot.project_id).update(purchase_limit_yuan=Decimal("500000.00"))
    target = filing_target(user=clerk, unit_id=unit.pk, lot_id=lot.pk)

    expected_lot = Lot.objects.select_related("project").get(pk=lot.pk)
    assert field_values(target.lot) == field_values(expected_lot)
    assert field_values(target.lot.project) == field_values(expected_lot.project)
    assert field_values(target.unit) == field_values(Organization.objects.get(pk=unit.pk))
    assert target.lot.project.agency_id is None and target.lot.reference_price_yuan == Decimal("5200.00")
    assert target.lot.project.purchase_limit_yuan == Decimal("500000.00")
    assert target.lot.eligible_unit_ids == {unit.pk}
    with CaptureQueriesContext(connection) as queries:
        assert target.lot.project.title == "2026年台式计算机批量集中采购"
    assert not queries.captured_queries  # the project came with the lot


def test_a_lot_none_of_the_users_units_may_answer_is_not_found(lot):
    """Seed 000 三(一)(4): only an eligible unit answers; to anyone else the lot does not exist."""
    outsider = BudgetUnitFactory(name="省外某单位")
    target = filing_target(user=member_of(outsider), unit_id=outsider.pk, lot_id=lot.pk)
    assert target.lot is None
    assert filing_target(user=member_of(outsider), unit_id=outsider.pk, lot_id=lot.pk + 1000).lot is None


def test_a_unit_acting_also_for_an_eligible_unit_sees_the_lot_but_carries_no_eligibility(unit, lot):
    """The lot is visible through the eligible unit; the unit filed for is not eligible, and the service says so."""
    outsider = BudgetUnitFactory(name="省外某单位")
    clerk = member_of(outsider)
    Membership.objects.create(user=clerk, organization=unit)
    target = filing_target(user=clerk, unit_id=outsider.pk, lot_id=lot.pk)
    assert target.lot is not None and target.unit == outsider
    assert outsider.pk not in getattr(target.lot, "eligible_unit_ids", ())
    with pytest.raises(ServiceError, match="省外某单位不在项目"):
        sub_plan_save(lot=target.lot, unit=target.unit, actor=clerk, quantity=1, budget_yuan=5200)
    assert not SubPlan.objects.exists()


def test_the_service_checks_eligibility_itself_unless_the_lot_says_so_for_that_very_unit(unit, lot):
    """A lot that vouches for another unit does not let an ineligible one file (the proof is per unit)."""
    outsider = BudgetUnitFactory(name="省外某单位")
    clerk = member_of(outsider)
    vouched = Lot.objects.select_related("project").get(pk=lot.pk)
    vouched.eligible_unit_ids = frozenset({unit.pk})
    with pytest.raises(ServiceError, match="不在项目"):
        sub_plan_save(lot=vouched, unit=outsider, actor=clerk, quantity=1, budget_yuan=5200)
    plain = Lot.objects.select_related("project").get(pk=lot.pk)  # read by any other path: the service asks
    saved = sub_plan_save(lot=plain, unit=unit, actor=member_of(unit), quantity=1, budget_yuan=5200)
    assert saved.unit == unit and SubPlan.objects.count() == 1


def test_a_superuser_sees_every_lot_and_naming_a_missing_unit_is_refused_before_the_body_is_read(lot, unit):
    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "x")
    target = filing_target(user=admin, unit_id=unit.pk, lot_id=lot.pk)
    assert target.lot == lot and target.unit == unit and target.lot.eligible_unit_ids == {unit.pk}
    assert filing_target(user=admin, unit_id=AgencyFactory().pk, lot_id=lot.pk).lot == lot

    api = client_for(admin)
    response = api.post(SUB_PLANS, {"unit": unit.pk + 1000, "lot": lot.pk, "quantity": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "提交的数据有误：「unit」预算单位不存在。", "unit": ["预算单位不存在"]}
    assert not SubPlan.objects.exists()

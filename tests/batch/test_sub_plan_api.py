"""Sub-plans over the API (issue 3 point 6; seed 000 三(一)(4) 需求响应): a unit files, revises, submits and
withdraws its own sub-plans until the deadline; the server refuses the rest and keeps nothing of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch.models import BatchProject
from procurement.models import EligibleUnit, FundingLine, Membership, ProjectEvent, SubPlan
from tests.batch.test_projects import batch_world, open_project
from tests.factories import BudgetUnitFactory, SubPlanFactory, member_of

pytestmark = pytest.mark.django_db

SUB_PLANS = "/api/v1/sub-plans/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def world(world):
    return batch_world(world)


@pytest.fixture
def project(world) -> BatchProject:
    return open_project(world)


@pytest.fixture
def lot(project):
    return project.lots.get(number=1)


@pytest.fixture
def api(world) -> APIClient:
    return client_for(world.clerks["changchun"])


def body(lot, **overrides) -> dict:
    data = {
        "lot": lot.pk,
        "quantity": "36",
        "budget_yuan": "172800.00",
        "contact_name": "王老师",
        "contact_phone": "0431-85550001",
        "note": "教学楼机房更新",
        "funding_lines": [
            {"source": "general_budget", "amount_yuan": "150000", "budget_index_code": "ZB2026-0451"},
            {"source": "own_funds", "amount_yuan": "22800"},
        ],
        "submit": True,
    }
    data.update(overrides)
    return data


def close_window(project) -> None:
    """The deadline has passed (the sweep has not run yet): the window is shut by time alone."""
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=3),
                                                      response_deadline=timezone.now() - timedelta(seconds=1))


# --- filing ------------------------------------------------------------------------------------

def test_one_post_files_and_submits_a_sub_plan_for_the_callers_unit(world, lot, api):
    """Issue 3 point 6: pick a lot, enter quantity, budget, funding and contact, submit — in one request."""
    response = api.post(SUB_PLANS, body(lot), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["unit"]["id"] == world.units["changchun"].pk
    assert data["lot"]["id"] == lot.pk and data["project"]["code"] == lot.project.code
    assert data["quantity"] == "36.00" and data["budget_yuan"] == "172800.00"
    assert [(f["source"], f["amount_yuan"]) for f in data["funding_lines"]] == [
        ("general_budget", "150000.00"), ("own_funds", "22800.00"),
    ]
    sub_plan = SubPlan.objects.get(pk=data["id"])
    assert (sub_plan.status, sub_plan.unit, sub_plan.contact_name) == ("submitted", world.units["changchun"], "王老师")
    assert sub_plan.submitted_at is not None
    assert (sub_plan.revision, sub_plan.funding_lines.count()) == (1, 2)
    event = ProjectEvent.objects.get(subject_type="sub_plan", subject_id=sub_plan.pk)
    assert (event.action, event.target, event.actor) == ("submit", "submitted", world.clerks["changchun"])


def test_without_submit_the_sub_plan_stays_a_draft(lot, api):
    """Seed 000 三(一)(4): a draft does not count in the master plan until it is submitted."""
    response = api.post(SUB_PLANS, body(lot, submit=False), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    sub_plan = SubPlan.objects.get()
    submitted = api.post(f"{SUB_PLANS}{sub_plan.pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED


def test_one_create_and_submit_costs_a_fixed_small_number_of_queries(world, project, api):
    """Issue 3 benchmark (5,000 units filing at 150 submissions/s): the queries of one create-and-submit POST do
    not grow with the sub-plans already filed, and stay few: token, seats, unit, lot, eligibility, the sub-plan,
    its audit row (7 statements and the commit in production; here the test's transaction adds a savepoint)."""
    lean = {k: v for k, v in body(project.lots.get(number=1)).items() if k != "funding_lines"}
    with CaptureQueriesContext(connection) as first:
        assert api.post(SUB_PLANS, lean, format="json").status_code == 201
    for lot in project.lots.all():
        for _ in range(40):
            unit = BudgetUnitFactory(region=world.changchun)
            EligibleUnit.objects.create(project=project, unit=unit)
            SubPlanFactory(lot=lot, unit=unit)
    # Lot 2's reference price is 7,600 元: its budget keeps the budget per unit inside the band, so no flag
    # (and no message to the center) is part of this count.
    again = {**lean, "lot": project.lots.get(number=2).pk, "budget_yuan": "273600.00"}
    with CaptureQueriesContext(connection) as second:
        assert api.post(SUB_PLANS, again, format="json").status_code == 201
    assert len(first) == len(second) <= 9, [q["sql"][:80] for q in second.captured_queries]


def test_a_unit_acting_for_several_units_must_name_the_unit(world, lot):
    """Issue 3 point 6: the unit is the caller's budget unit; a caller acting for several must say which."""
    clerk = world.clerks["changchun"]
    Membership.objects.create(user=clerk, organization=world.units["nanguan"])
    api = client_for(clerk)

    response = api.post(SUB_PLANS, body(lot), format="json")
    assert response.status_code == 400 and "unit" in response.json()
    response = api.post(SUB_PLANS, body(lot, unit=world.units["nanguan"].pk), format="json")
    assert response.status_code == 201
    assert SubPlan.objects.get().unit == world.units["nanguan"]


def test_filing_for_a_unit_the_caller_does_not_act_for_is_forbidden(world, lot, api):
    """Access policy: only the unit itself files its sub-plan."""
    response = api.post(SUB_PLANS, body(lot, unit=world.units["nanguan"].pk), format="json")
    assert response.status_code == 403
    assert not SubPlan.objects.exists()


def test_the_same_lot_twice_is_refused(lot, api):
    """Seed 000 三(一)(4): one sub-plan per unit and lot; the unit revises the one it has."""
    assert api.post(SUB_PLANS, body(lot), format="json").status_code == 201
    again = api.post(SUB_PLANS, body(lot), format="json")
    assert again.status_code == 400 and "请修改原分计划" in again.json()["detail"]
    assert SubPlan.objects.count() == 1


# --- revising, withdrawing ----------------------------------------------------------------------

def test_a_submitted_sub_plan_is_revised_until_the_deadline_and_stays_submitted(lot, api):
    """Issue 3 point 6: the unit revises until the deadline."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    response = api.patch(f"{SUB_PLANS}{created['id']}/", {"quantity": "40", "contact_phone": "13900000000"},
                         format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["quantity"], data["contact_phone"], data["status"]) == ("40.00", "13900000000", "submitted")
    assert data["budget_yuan"] == "172800.00" and data["contact_name"] == "王老师"  # untouched fields kept
    assert data["revision"] == 2
    assert SubPlan.objects.get().quantity == Decimal("40")


def test_revising_the_budget_checks_the_funding_lines_against_it(lot, api):
    """Issue 3 point 6 (资金来源): the funding composition must add up to the budget."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    url = f"{SUB_PLANS}{created['id']}/"
    refused = api.patch(url, {"budget_yuan": "180000"}, format="json")
    assert refused.status_code == 400 and "funding_lines" in refused.json()
    assert SubPlan.objects.get().budget_yuan == Decimal("172800")
    lines = [{"source": "general_budget", "amount_yuan": "180000"}]
    accepted = api.patch(url, {"budget_yuan": "180000", "funding_lines": lines}, format="json")
    assert accepted.status_code == 200
    assert list(FundingLine.objects.values_list("amount_yuan", flat=True)) == [Decimal("180000")]


def test_a_sub_plan_is_withdrawn_and_submitted_again(lot, api):
    """Issue 3 point 6 (and SubPlan.withdraw): withdrawn, it no longer counts until submitted again."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    withdrawn = api.post(f"{SUB_PLANS}{created['id']}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = api.post(f"{SUB_PLANS}{created['id']}/withdraw/")
    assert again.status_code == 409 and "不能执行「撤回分计划」" in again.json()["detail"]
    resubmitted = api.post(f"{SUB_PLANS}{created['id']}/submit/")
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"


# --- refusals -----------------------------------------------------------------------------------

def test_after_the_deadline_filing_is_refused_and_nothing_is_saved(project, lot, api):
    """Issue 3 point 6: the server refuses anything after the deadline."""
    close_window(project)
    response = api.post(SUB_PLANS, body(lot), format="json")
    assert response.status_code == 400
    assert "截止" in response.json()["detail"]
    assert not SubPlan.objects.exists() and not FundingLine.objects.exists()
    assert not ProjectEvent.objects.filter(subject_type="sub_plan").exists()


def test_after_the_deadline_revising_submitting_and_withdrawing_are_refused(project, lot, api):
    """Issue 3 point 6: revisions only until the deadline."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    close_window(project)
    url = f"{SUB_PLANS}{created['id']}/"
    assert api.patch(url, {"quantity": "99"}, format="json").status_code == 400
    assert api.post(f"{url}submit/").status_code == 400
    assert api.post(f"{url}withdraw/").status_code == 409
    sub_plan = SubPlan.objects.get()
    assert (sub_plan.quantity, sub_plan.status, sub_plan.revision) == (Decimal("36"), "submitted", 1)


def test_a_unit_not_eligible_is_refused(world, lot):
    """Issue 3 point 6: the server refuses a unit that is not eligible for the project."""
    outsider = BudgetUnitFactory(name="省外某单位", region=world.changchun)
    project = open_project(world, eligibility="list", levels=(), unit_ids=[world.units["nanguan"].pk])
    api = client_for(world.clerks["changchun"])
    response = api.post(SUB_PLANS, body(project.lots.get(number=1)), format="json")
    assert response.status_code == 400 and "lot" in response.json()
    # A user acting for an eligible and an ineligible unit: the lot is visible, the unit still refused.
    clerk = member_of(outsider)
    Membership.objects.create(user=clerk, organization=world.units["nanguan"])
    refused = client_for(clerk).post(SUB_PLANS, body(project.lots.get(number=1), unit=outsider.pk), format="json")
    assert refused.status_code == 400 and "不在项目" in refused.json()["detail"]
    assert not SubPlan.objects.exists()


def test_another_units_sub_plan_answers_404_with_none_of_its_data(world, lot, api):
    """Access policy: another unit's sub-plan is not found, whatever the verb."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    other = client_for(world.clerks["nanguan"])
    url = f"{SUB_PLANS}{created['id']}/"
    for response in (other.get(url), other.patch(url, {"quantity": "1"}, format="json"),
                     other.post(f"{url}submit/"), other.post(f"{url}withdraw/")):
        assert response.status_code == 404
        assert "长春市第一中学" not in response.content.decode() and "172800" not in response.content.decode()
    assert SubPlan.objects.get().quantity == Decimal("36")


def test_a_negative_quantity_is_refused_naming_the_field(lot, api):
    """SubPlan rule 采购数量必须大于0: 400 with the field name and a Chinese message."""
    response = api.post(SUB_PLANS, body(lot, quantity="-3"), format="json")
    assert response.status_code == 400
    assert response.json()["quantity"] == ["采购数量必须大于0"]
    budget = api.post(SUB_PLANS, body(lot, budget_yuan="-1"), format="json")
    assert budget.status_code == 400 and budget.json()["budget_yuan"] == ["预算金额不能为负数"]
    assert not SubPlan.objects.exists()


def test_a_read_only_member_of_the_unit_is_forbidden(world, lot):
    """Membership role 只读查看: reads, never writes (403)."""
    viewer = member_of(world.units["changchun"], role=Membership.Role.VIEWER)
    api = client_for(viewer)
    response = api.post(SUB_PLANS, body(lot), format="json")
    assert response.status_code == 403 and "无权" in response.json()["detail"]
    assert not SubPlan.objects.exists()
    clerk = client_for(world.clerks["changchun"])
    created = clerk.post(SUB_PLANS, body(lot), format="json").json()
    assert api.get(f"{SUB_PLANS}{created['id']}/").status_code == 200
    assert api.patch(f"{SUB_PLANS}{created['id']}/", {"quantity": "1"}, format="json").status_code == 403
    assert api.post(f"{SUB_PLANS}{created['id']}/withdraw/").status_code == 403


def test_the_center_sees_a_sub_plan_but_cannot_change_it(world, lot, api):
    """Access policy: the organizer sees its project's sub-plans; only the unit changes them (403, not 404)."""
    created = api.post(SUB_PLANS, body(lot), format="json").json()
    center = client_for(world.center_user)
    assert center.get(f"{SUB_PLANS}{created['id']}/").status_code == 200
    assert center.patch(f"{SUB_PLANS}{created['id']}/", {"quantity": "1"}, format="json").status_code == 403
    assert center.post(SUB_PLANS, body(lot), format="json").status_code == 403


# --- the projects open to a unit ------------------------------------------------------------------

def test_a_unit_lists_the_projects_open_to_it(world, project, api):
    """Issue 3 point 6: a unit sees the projects open to it (?open_to_me=true)."""
    closed = open_project(world, title="已截止的项目")
    close_window(closed)
    not_mine = open_project(world, title="仅南关区的项目", eligibility="list", levels=(),
                            unit_ids=[world.units["nanguan"].pk])
    rows = api.get("/api/v1/projects/", {"open_to_me": "true"}).json()["results"]
    assert [row["code"] for row in rows] == [project.code]
    assert [lot["name"] for lot in rows[0]["lots"]] == ["台式计算机（基础办公型）", "台式计算机（高性能型）"]
    others = {row["code"] for row in api.get("/api/v1/projects/", {"open_to_me": "false"}).json()["results"]}
    assert project.code not in others and closed.code in others and not_mine.code not in others

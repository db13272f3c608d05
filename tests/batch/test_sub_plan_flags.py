"""A unit is shown what looks wrong before it submits; the center sees it flagged and is told (issue 7 points
4, 8 and 11); and every page says what the center now sees and what the unit must still do (point 8).

The lots of the batch world have reference prices of 4,800 and 7,600 元 (the configuration table); the
task's 采购限额 becomes the project's.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from batch.models import BatchProject
from procurement.models import Notification, SubPlan
from procurement.selectors.plans import master_plan
from procurement.services.sub_plans import sub_plan_revise, sub_plan_save, sub_plan_withdraw
from tests.batch.test_projects import batch_world, make_table, make_task, open_project
from tests.batch.test_sub_plan_api import SUB_PLANS, body, client_for

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world(world):
    return batch_world(world)


@pytest.fixture
def project(world) -> BatchProject:
    # A task with a 采购限额 of 200,000 元; the project carries it.
    task = make_task(center=world.center, finance=world.finance, purchase_limit_yuan=D("200000"),
                     document_number="吉财采购〔2026〕31号")
    table, _ = make_table(task)
    return open_project(world, task=task, configuration_table=table)


@pytest.fixture
def lot(project):
    return project.lots.get(number=1)  # 台式计算机（基础办公型）, 参考单价 4,800 元, 台


@pytest.fixture
def clerk(world):
    return world.clerks["changchun"]


@pytest.fixture
def unit_page(client, clerk):
    client.force_login(clerk)
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def file_form(lot, **overrides) -> dict:
    unit = lot.project.eligible_units.get(unit__name="长春市第一中学").unit
    data = {"unit": unit.pk, "lot": lot.pk, "quantity": "10", "budget_yuan": "48000", "contact_name": "王老师",
            "contact_phone": "0431-85550001", "note": "", "action": "submit",
            "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0"}
    data.update(overrides)
    return data


def center_messages(world) -> list[Notification]:
    return list(Notification.objects.filter(recipient=world.center_user).order_by("pk"))


def test_the_project_carries_its_tasks_purchase_limit(project):
    assert project.purchase_limit_yuan == D("200000")


# --- before the unit submits (point 4) ---------------------------------------------------------------

def test_a_flagged_submission_from_the_page_is_shown_first_and_saved_only_when_confirmed(world, project, lot,
                                                                                         unit_page):
    url = reverse("unit-sub-plan-file", args=[project.pk])
    shown = html(unit_page.post(url, file_form(lot, quantity="2", budget_yuan="2000000")))
    assert "预算单价偏高" in shown and "预算单价1,000,000.00元" in shown
    assert "我已核对以上核查提示，确认按此填报" in shown
    assert not SubPlan.objects.exists()  # nothing saved until the unit confirms

    confirmed = unit_page.post(url, file_form(lot, quantity="2", budget_yuan="2000000", confirm_flags="on"))
    assert confirmed.status_code == 302
    saved = SubPlan.objects.get()
    assert saved.status == SubPlan.Status.SUBMITTED and saved.budget_yuan == D("2000000")


def test_an_unflagged_submission_needs_no_confirmation(project, lot, unit_page):
    response = unit_page.post(reverse("unit-sub-plan-file", args=[project.pk]), file_form(lot))
    assert response.status_code == 302
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED


def test_the_filing_page_states_the_band_and_the_whole_number_rule(project, lot, unit_page):
    page = html(unit_page.get(reverse("unit-sub-plan-file", args=[project.pk])))
    assert "预算单价（预算金额÷采购数量）在 3,360.00 元–7,200.00 元 之间为正常范围" in page
    assert "计量单位：台（数量须为整数）" in page


def test_a_fractional_quantity_of_computers_is_refused_on_the_page(project, lot, unit_page):
    response = unit_page.post(reverse("unit-sub-plan-file", args=[project.pk]), file_form(lot, quantity="1.5"))
    assert "计量单位为「台」的采购数量须为整数" in html(response)
    assert not SubPlan.objects.exists()


def test_a_flagged_draft_shows_its_flags_and_submitting_it_takes_the_tick(world, project, lot, clerk, unit_page):
    draft = sub_plan_save(lot=lot, unit=world.units["changchun"], actor=clerk, quantity="10", budget_yuan="20000")
    detail = html(unit_page.get(reverse("unit-sub-plan-detail", args=[draft.pk])))
    assert "提交前请核对" in detail and "预算单价偏低" in detail and "预算单价2,000.00元" in detail
    assert 'name="confirm_flags"' in detail

    unit_page.post(reverse("unit-sub-plan-submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == SubPlan.Status.DRAFT
    unit_page.post(reverse("unit-sub-plan-submit", args=[draft.pk]), {"confirm_flags": "1"})
    draft.refresh_from_db()
    assert draft.status == SubPlan.Status.SUBMITTED


def test_over_the_limit_is_shown_with_the_units_total(world, project, clerk, unit_page):
    first, second = project.lots.order_by("number")
    sub_plan_save(lot=first, unit=world.units["changchun"], actor=clerk, quantity="30", budget_yuan="144000",
                  submit=True)
    url = reverse("unit-sub-plan-file", args=[project.pk])
    shown = html(unit_page.post(url, file_form(second, quantity="10", budget_yuan="76000")))
    assert "超过采购限额" in shown
    assert "本单位在本项目的分计划预算合计220,000.00元，超过本项目的采购限额200,000.00元" in shown


# --- the center sees them flagged, with the reason (point 4) -----------------------------------------

def flagged_world(world, project):
    """Two units: one normal, one 2 台 at 2,000,000 元 (the issue's example, made whole)."""
    lot = project.lots.get(number=1)
    sub_plan_save(lot=lot, unit=world.units["province"], actor=world.clerks["province"], quantity="10",
                  budget_yuan="48000", submit=True)
    sub_plan_save(lot=lot, unit=world.units["changchun"], actor=world.clerks["changchun"], quantity="2",
                  budget_yuan="2000000", submit=True)
    return lot


def test_the_master_plan_counts_the_flagged_sub_plans_and_the_drilldown_says_why(world, project, client):
    lot = flagged_world(world, project)
    line = next(line for line in master_plan(project=project).lines if line.lot == lot)
    assert (line.unit_count, line.flagged_count) == (2, 1)

    client.force_login(world.center_user)
    page = html(client.get(reverse("batch:project-detail", args=[project.pk])))
    assert "待核查 1" in page
    drilldown = html(client.get(reverse("collection-lot", args=[project.pk, lot.pk]) + "?flagged=1"))
    assert "长春市第一中学" in drilldown and "吉林省教育厅" not in drilldown
    assert "预算单价1,000,000.00元（预算金额÷采购数量）高于参考单价4,800.00元的150%" in drilldown


def test_the_export_carries_the_flags(world, project, client):
    flagged_world(world, project)
    client.force_login(world.center_user)
    response = client.get(reverse("collection-export", args=[project.pk]))
    book = load_workbook(BytesIO(response.content), read_only=True)
    totals = list(book["总计划"].iter_rows(values_only=True))
    assert totals[2][-1] == "待核查分计划数" and totals[3][-1] == 1
    detail = {row[1]: row for row in book["分计划明细"].iter_rows(min_row=4, values_only=True)}
    assert detail["长春市第一中学"][-1].startswith("预算单价偏高：预算单价1,000,000.00元")
    assert not detail["吉林省教育厅"][-1]


def test_the_api_returns_the_warnings_with_the_sub_plan(world, lot):
    api = client_for(world.clerks["changchun"])
    data = body(lot, quantity="2", budget_yuan="2000000", funding_lines=[])
    created = api.post(SUB_PLANS, data, format="json")
    assert created.status_code == 201, created.content
    # 1,000,000 元 per 台 against 4,800; and 2,000,000 元 beyond the project's 采购限额 of 200,000.
    assert [w["kind"] for w in created.json()["warnings"]] == ["price_high", "over_limit"]
    listed = api.get(SUB_PLANS).json()["results"]
    assert [w["kind"] for w in listed[0]["warnings"]] == ["price_high", "over_limit"]


# --- the center is told (point 11) ----------------------------------------------------------------------

def test_the_center_is_told_once_of_a_flagged_submission(world, project):
    flagged_world(world, project)
    [told] = center_messages(world)
    assert told.title == "分计划数值待核查：长春市第一中学"
    assert "预算单价1,000,000.00元" in told.body
    assert told.url == reverse("collection-lot", args=[project.pk, project.lots.get(number=1).pk])
    # Revising the same values again (a new revision, still flagged) tells again; an unflagged one does not.
    changchun = SubPlan.objects.get(unit=world.units["changchun"])
    sub_plan_revise(sub_plan=changchun, actor=world.clerks["changchun"], changes={"note": "已核实"})
    assert len(center_messages(world)) == 2
    sub_plan_revise(sub_plan=changchun, actor=world.clerks["changchun"], changes={"budget_yuan": "9600"})
    assert len(center_messages(world)) == 2


def move_deadline(project, *, hours: int) -> None:
    BatchProject.objects.filter(pk=project.pk).update(response_deadline=timezone.now() + timedelta(hours=hours))


def test_a_late_change_to_a_submitted_sub_plan_is_told_to_the_center(world, project, lot, clerk):
    submitted = sub_plan_save(lot=lot, unit=world.units["changchun"], actor=clerk, quantity="10",
                              budget_yuan="48000", submit=True)
    sub_plan_revise(sub_plan=submitted, actor=clerk, changes={"quantity": "11", "budget_yuan": "52800"})
    assert center_messages(world) == []  # ten days before the deadline: not late

    move_deadline(project, hours=2)
    sub_plan_revise(sub_plan=submitted, actor=clerk, changes={"quantity": "12", "budget_yuan": "57600"})
    [told] = center_messages(world)
    assert told.title == "截止前修改分计划：长春市第一中学"
    assert "采购数量11→12台" in told.body and "预算金额52,800.00元→57,600.00元" in told.body

    sub_plan_withdraw(sub_plan=SubPlan.objects.get(pk=submitted.pk), actor=clerk)
    last = center_messages(world)[-1]
    assert last.title == "截止前撤回分计划：长春市第一中学"
    assert "总计划已减去采购数量12台、预算金额57,600.00元" in last.body


# --- what the page says after a revision (point 8) ------------------------------------------------------

def test_revising_a_submitted_sub_plan_says_it_counts_at_once_and_asks_for_nothing_more(world, project, lot,
                                                                                     clerk, unit_page):
    submitted = sub_plan_save(lot=lot, unit=world.units["changchun"], actor=clerk, quantity="10",
                              budget_yuan="48000", submit=True)
    form = html(unit_page.get(reverse("unit-sub-plan-edit", args=[submitted.pk])))
    assert "保存修改后立即生效" in form and "重新提交" not in form

    response = unit_page.post(reverse("unit-sub-plan-edit", args=[submitted.pk]), {
        "quantity": "12", "budget_yuan": "57600", "contact_name": "王老师", "contact_phone": "0431-85550001",
        "note": "", "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0"}, follow=True)
    page = html(response)
    assert ("修改已保存并立即生效：总计划已按本单位第1包的采购数量12台、预算金额57,600.00元计算。"
            "集中采购机构在总计划中看到的就是这些数字") in page
    assert "已提交并计入总计划（第2版）" in page and "重新提交" not in page
    line = next(line for line in master_plan(project=project).lines if line.lot == lot)
    assert (line.total_quantity, line.total_budget_yuan) == (D("12"), D("57600"))


def test_a_draft_says_it_does_not_count_yet(world, lot, clerk, unit_page):
    draft = sub_plan_save(lot=lot, unit=world.units["changchun"], actor=clerk, quantity="10", budget_yuan="48000")
    page = html(unit_page.get(reverse("unit-sub-plan-detail", args=[draft.pk])))
    assert "尚未计入总计划" in page and "集中采购机构看不到" in page


def test_a_filing_under_a_purchase_limit_reads_the_units_total_once(world, lot):
    """The total the center's message needs is the one the API's warnings show: read once per filing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(world.clerks["changchun"])
    with CaptureQueriesContext(connection) as queries:
        created = api.post(SUB_PLANS, body(lot, quantity="2", budget_yuan="2000000", funding_lines=[]), format="json")
    assert created.status_code == 201
    totals = [q["sql"] for q in queries.captured_queries if 'SUM("procurement_subplan"."budget_yuan")' in q["sql"]]
    assert len(totals) == 1, totals

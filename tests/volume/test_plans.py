"""753号 steps 3 and 4: the aggregate (归集汇总) equals the sum of the responses, and the lead files the
implementation plan (备案采购实施计划) naming the entrusted agency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from procurement import access
from procurement.models import Filing, FundingLine, Notification, Organization, Project, ProjectEvent, SubPlan
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.reminders import sweep_due_deadlines
from tests.volume.factories_plans import close_window, decline, opened_volume_project, plan_values, respond
from volume.aggregate_export import ITEMS_SHEET, SOURCES_SHEET, UNITS_SHEET, aggregate_workbook
from volume.models import ImplementationPlan
from volume.plugin import PLAN_FILE
from volume.selectors.aggregate import aggregate, participant_rows, participants
from volume.services.plans import implementation_plan_file

pytestmark = pytest.mark.django_db

S = FundingLine.Source


@pytest.fixture
def setup(world):
    """A volume project led by the provincial department: four units invited, two items.

    - the lead itself: item 1 (10 台, 48,000.00) with three funding lines, item 2 (5 台, 12,500.50) with one;
    - Changchun's school: item 1 (3 台, 14,400.00) with two funding lines;
    - Nanguan's hospital declined;
    - Jilin city's school never answered (a draft response with a sub-plan that must not count).
    """
    units = world.budget_units
    project = opened_volume_project(world)
    item1, item2 = project.lots.order_by("number")
    respond(project, units["province"], [
        (item1, "10", "48000.00", [(S.GENERAL_BUDGET, "30000.00", "JL2026-001"), (S.GOVERNMENT_FUND, "10000.00",
                                                                                  "JL2026-002"),
                                   (S.OWN_FUNDS, "8000.00", "")]),
        (item2, "5", "12500.50", [(S.GENERAL_BUDGET, "12500.50", "JL2026-003")]),
    ])
    respond(project, units["changchun"], [
        (item1, "3", "14400.00", [(S.GENERAL_BUDGET, "10000.00", "CC2026-101"), (S.SPECIAL_ACCOUNT, "4400.00",
                                                                                 "CC2026-102")]),
    ])
    decline(project, units["nanguan"])
    respond(project, units["jilin_city"], [(item2, "99", "99999.00", [(S.OTHER, "99999.00", "X")])],
            status="draft", sub_plan_status=SubPlan.Status.DRAFT)
    return project


def _python_sums(project):
    """The responses summed in Python, from the rows themselves (what the aggregate must equal)."""
    counted = [sp for sp in SubPlan.objects.filter(project=project).select_related("lot")
               if sp.status in SubPlan.COUNTED
               and project.volume_responses.filter(unit=sp.unit, status="submitted").exists()]
    lines = [line for sp in counted for line in sp.funding_lines.all()]
    return counted, lines


# --- the aggregate --------------------------------------------------------------------------------------

def test_aggregate_equals_the_sum_of_the_responses(setup):
    """753号 三、3: the lead aggregates; per item, per participant, per source and in all, the aggregate is the sum
    of the submitted responses (several units, items and funding lines; the declined and the draft count nothing)."""
    project = setup
    summary = aggregate(project)
    counted, lines = _python_sums(project)
    assert summary.budget_yuan == sum(sp.budget_yuan for sp in counted) == Decimal("74900.50")
    assert summary.funding_yuan == sum(line.amount_yuan for line in lines) == Decimal("74900.50")
    assert summary.sub_plan_count == 3 and summary.participant_count == 2
    item1, item2 = summary.items
    assert (item1.quantity, item1.budget_yuan, item1.unit_count) == (Decimal("13"), Decimal("62400.00"), 2)
    assert (item2.quantity, item2.budget_yuan, item2.unit_count) == (Decimal("5"), Decimal("12500.50"), 1)
    for item in summary.items:
        assert item.budget_yuan == sum(sp.budget_yuan for sp in counted if sp.lot_id == item.lot.pk)
        assert item.funding_yuan == item.budget_yuan
    by_source = {line.source: line.amount_yuan for line in summary.sources}
    assert by_source == {S.GENERAL_BUDGET: Decimal("52500.50"), S.GOVERNMENT_FUND: Decimal("10000.00"),
                         S.SPECIAL_ACCOUNT: Decimal("4400.00"), S.OWN_FUNDS: Decimal("8000.00")}
    assert {line.source: line.amount_yuan for line in item1.funding}[S.GENERAL_BUDGET] == Decimal("40000.00")
    assert all(isinstance(value, Decimal) for value in (summary.budget_yuan, item1.quantity, item1.budget_yuan))
    rows = participant_rows(project, participants(project))
    assert [(row.unit.unit_code, row.item_count, row.budget_yuan, row.funding_yuan) for row in rows] == sorted(
        [(project.organizer.unit_code, 2, Decimal("60500.50"), Decimal("60500.50")),
         (setup.eligible_units.get(unit__name="长春市第一中学").unit.unit_code, 1, Decimal("14400.00"),
          Decimal("14400.00"))])
    assert (summary.declined_count, summary.unanswered_count, summary.eligible_count) == (1, 1, 4)


def test_the_sweep_closes_a_volume_projects_window_at_the_deadline(world):
    """753号 三、3 and 四(三): at the response deadline the core's sweep closes collection for a volume project
    (COLLECTING → AGGREGATED): the plugin's collection scope takes in projects with VolumeDetails."""
    project = opened_volume_project(world)
    respond(project, world.province_unit, [(project.lots.first(), "1", "4800.00", [(S.GENERAL_BUDGET, "4800.00",
                                                                                     "A1")])])
    Project.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=10),
                                                 response_deadline=timezone.now() - timedelta(minutes=5))
    project.refresh_from_db()
    COLLECTION_DEADLINES.reschedule(project)
    sweep_due_deadlines()
    project.refresh_from_db()
    assert project.status == Project.Status.AGGREGATED


def test_export_opens_and_its_totals_equal_the_selectors(setup):
    """The workbook a finance clerk files: three sheets with a title row naming the project, its totals rows equal
    to the aggregate, amounts with two decimals, a frozen header."""
    project = close_window(setup)
    summary = aggregate(project)
    book = load_workbook(BytesIO(aggregate_workbook(project=project)))
    assert book.sheetnames == [ITEMS_SHEET, UNITS_SHEET, SOURCES_SHEET]
    items = book[ITEMS_SHEET]
    assert project.code in items["A1"].value and project.title in items["A1"].value
    assert project.organizer.name in items["A2"].value
    assert items.freeze_panes == "A4"
    rows = list(items.iter_rows(min_row=4, values_only=True))
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][6])) == summary.budget_yuan
    assert [Decimal(str(row[6])) for row in rows[:-1]] == [item.budget_yuan for item in summary.items]
    assert items.cell(row=4, column=7).number_format == "#,##0.00"

    units = book[UNITS_SHEET]
    assert [cell.value for cell in units[3]] == ["单位代码", "单位名称", "采购内容", "采购数量", "计量单位",
                                               "预算金额（元）", "资金来源", "预算指标编号", "资金金额（元）"]
    data = list(units.iter_rows(min_row=4, values_only=True))
    total = data[-1]
    assert total[0] == "合计"
    assert Decimal(str(total[5])) == summary.budget_yuan and Decimal(str(total[8])) == summary.funding_yuan
    lines = [row for row in data[:-1] if row[6]]
    submitted = FundingLine.objects.filter(sub_plan__project=project, sub_plan__status="submitted")
    assert len(lines) == submitted.count() == 6
    assert sum(Decimal(str(row[8])) for row in lines) == summary.funding_yuan
    assert sum(Decimal(str(row[5])) for row in lines if row[5] is not None) == summary.budget_yuan
    assert "JL2026-002" in [row[7] for row in lines]

    sources = book[SOURCES_SHEET]
    data = list(sources.iter_rows(min_row=4, values_only=True))
    assert data[-1][0] == "合计" and Decimal(str(data[-1][2])) == summary.funding_yuan
    per_source = {row[0]: Decimal(str(row[2])) for row in data[:-1] if row[0]}
    assert per_source == {line.label: line.amount_yuan for line in summary.sources}


def test_export_keeps_a_formula_as_text(world):
    """A unit name typed as a formula is written as text (procurement/excel_write.py), never evaluated."""
    [unit] = world.units(1, name="=HYPERLINK(\"http://x\",\"点此\"){}")
    project = opened_volume_project(world, participants=[unit])
    respond(project, unit, [(project.lots.first(), "1", "100.00", [(S.GENERAL_BUDGET, "100.00", "+1")])])
    book = load_workbook(BytesIO(aggregate_workbook(project=project)))
    cells = [cell for row in book[UNITS_SHEET].iter_rows(min_row=4) for cell in row
             if isinstance(cell.value, str) and cell.value.startswith(("=", "+"))]
    assert cells and all(cell.data_type == "s" for cell in cells)


# --- the implementation plan ----------------------------------------------------------------------------

def _file(project, world, actor=None, **overrides):
    values = plan_values(**overrides)
    values.setdefault("agency", world.agency)
    return implementation_plan_file(project=project, actor=actor or world.user(project.organizer), **values)


def test_filing_the_plan_records_the_filing_names_the_agency_and_confirms_the_master_plan(setup, world):
    """753号 三、4: the lead files the 采购实施计划 and names the entrusted agency; the filing (备案) goes to the
    finance bureau of the lead's region, the master plan is confirmed and the sub-plans frozen, the agency and finance
    told, and the agency's own account now reads and runs the project (its procurement pages)."""
    project = close_window(setup)
    agency_user = world.user(world.agency)
    assert not access.projects_readable(agency_user).filter(pk=project.pk).exists()
    plan = _file(project, world)
    project.refresh_from_db()

    assert project.status == Project.Status.CONFIRMED and project.master_plan_confirmed_at is not None
    assert project.agency == world.agency and project.procurement_method == "open_tender"
    counted = SubPlan.objects.filter(project=project, unit__in=[world.province_unit, world.prefecture_unit])
    assert set(counted.values_list("status", flat=True)) == {SubPlan.Status.FROZEN}
    assert SubPlan.objects.get(project=project, unit=world.other_prefecture_unit).status == SubPlan.Status.DRAFT

    filing = Filing.objects.get(project=project, kind=Filing.Kind.IMPLEMENTATION_PLAN)
    assert plan.filing == filing and Filing.objects.about(plan).get() == filing
    assert filing.filed_by == project.organizer and filing.finance_bureau == world.finance
    assert plan.budget_yuan == Decimal("74900.50") and plan.filed_at is not None
    assert [item["budget_yuan"] for item in plan.snapshot["items"]] == ["62400.00", "12500.50"]
    assert {line["source"]: line["amount_yuan"] for line in plan.snapshot["funding"]}[S.GENERAL_BUDGET] == "52500.50"
    assert ProjectEvent.objects.filter(project=project, action=PLAN_FILE).count() == 1
    assert ProjectEvent.objects.filter(project=project, action="confirm_master_plan").count() == 1

    assert Notification.objects.filter(recipient=agency_user, title__contains=project.title).exists()
    assert Notification.objects.filter(recipient=world.user(world.finance), title__contains="采购实施计划备案").exists()
    assert access.projects_readable(agency_user).filter(pk=project.pk).exists()
    assert access.projects_run_by(agency_user, step=access.Step.PROCUREMENT_START).filter(pk=project.pk).exists()
    assert world.client_for(world.agency).get(reverse("award-project", args=[project.pk])).status_code == 200
    assert world.client_for(world.agency).get(reverse("volume:aggregate", args=[project.pk])).status_code == 200


def test_filing_before_the_deadline_is_refused(setup, world):
    """753号 三、3–4: the plan follows the aggregation, after the response deadline (四(三): no change after it)."""
    with pytest.raises(TransitionRefused, match="归集汇总后"):
        _file(setup, world)
    assert not ImplementationPlan.objects.exists() and not Filing.objects.exists()


def test_only_the_lead_files_the_plan(setup, world):
    """753号 二: the lead unit files the implementation plan; a participant may not."""
    project = close_window(setup)
    with pytest.raises(PermissionDenied):
        _file(project, world, actor=world.user(world.prefecture_unit))
    with pytest.raises(PermissionDenied):
        _file(project, world, actor=world.user(project.organizer, role="viewer"))
    project.refresh_from_db()
    assert project.status == Project.Status.AGGREGATED and not ImplementationPlan.objects.exists()


def test_the_entrusted_agency_must_be_an_agency(setup, world):
    """《政府采购法》第十九条: the lead entrusts a procurement agency (代理机构), not any organization."""
    project = close_window(setup)
    with pytest.raises(ServiceError, match="不是采购代理机构") as refused:
        _file(project, world, agency=world.center)
    assert refused.value.field == "agency"
    Organization.objects.filter(pk=world.agency.pk).update(is_active=False)
    world.agency.refresh_from_db()
    with pytest.raises(ServiceError, match="已停用"):
        _file(project, world)
    project.refresh_from_db()
    assert project.agency is None and not Filing.objects.exists()


def test_the_method_must_be_statutory(setup, world):
    """《政府采购法》第二十六条: the statutory methods; the framework solicitation is not volume's."""
    project = close_window(setup)
    with pytest.raises(ServiceError) as refused:
        _file(project, world, method="framework_solicitation")
    assert refused.value.field == "method"


def test_timetable_dates_out_of_order_or_past_are_refused(setup, world):
    project = close_window(setup)
    today = timezone.localdate()
    with pytest.raises(ServiceError, match="依次排列") as refused:
        _file(project, world, award_planned_on=today + timedelta(days=10))
    assert refused.value.field == "award_planned_on"
    with pytest.raises(ServiceError, match="早于今天") as refused:
        _file(project, world, documents_planned_on=today - timedelta(days=1))
    assert refused.value.field == "documents_planned_on"
    assert not ImplementationPlan.objects.exists()


def test_a_plan_without_any_counted_item_is_refused(world):
    project = close_window(opened_volume_project(world))
    decline(project, world.prefecture_unit)
    with pytest.raises(ServiceError, match="没有参与单位提交响应"):
        _file(project, world)


def test_filing_twice_is_refused(setup, world):
    project = close_window(setup)
    _file(project, world)
    with pytest.raises(TransitionRefused, match="已备案"):
        _file(project, world)
    assert Filing.objects.filter(kind=Filing.Kind.IMPLEMENTATION_PLAN).count() == 1


def test_the_entrusted_agency_starts_the_procurement_through_the_core(setup, world):
    """753号 三、5 follows the filing: the agency named in the plan runs the core's execution step for the project
    (access.ENTRUSTED_STEPS), which it could not before."""
    from procurement.services.execution import procurement_start

    project = close_window(setup)
    agency_user = world.user(world.agency)
    plan = _file(project, world)
    project.refresh_from_db()
    started = procurement_start(project=project, method=plan.method, actor=agency_user)
    assert started.status == Project.Status.PROCURING

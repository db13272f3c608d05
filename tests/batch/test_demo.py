"""The batch part of seed_demo (batch/demo.py): a walk through the procedure that the demo logins can see
and continue — the arrangement table and its analysis, the task notices, the configuration tables, the
project collecting sub-plans and the awarded project with its batch details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from batch.analysis import batch_candidates, category_analysis
from batch.demo import collecting_project
from batch.models import Arrangement, BatchDetails, CategoryProposal, ConfigurationTable, ProposedCategory, TaskNotice
from batch.projects import managed_batch_projects, solicitation_notice
from notices.models import Notice
from procurement import deadlines
from procurement.models import Contract, Organization, Project, ProjectEvent, Region, SubPlan
from procurement.selectors.plans import master_plan, projects_open_to
from procurement.selectors.tasks import task_notices_received
from procurement.services.demo import (
    FINANCE_NAME,
    UNIT2_CODE,
    UNIT_CODE,
    batch_awarded_project,
    demo_seed,
)
from procurement.services.events import subject_type_of
from procurement.services.sub_plans import sub_plan_save

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@Test-2026"


@pytest.fixture
def seeded():
    return demo_seed(password=PASSWORD)


def user(username: str):
    return get_user_model().objects.get(username=username)


def events(subject, action: str):
    return ProjectEvent.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk, action=action)


def provincial_units():
    return Organization.objects.budget_units().filter(region__level=Region.Level.PROVINCE, is_active=True)


def test_finance_has_imported_an_arrangement_table_with_batch_candidates_and_others(seeded):
    arrangement = Arrangement.objects.get(finance_bureau__name=FINANCE_NAME, year=2026, is_current=True)

    assert arrangement.title == "2026年度部门预算政府采购项目安排情况表"
    assert arrangement.row_count == arrangement.lines.count() >= 300
    assert set(arrangement.lines.values_list("unit_id", flat=True)) <= set(provincial_units().values_list(
        "pk", flat=True))
    assert arrangement.lines.values("unit_id").distinct().count() >= 100
    # Imported through the service (its audit row), not written directly.
    assert events(arrangement, "arrangement_import").filter(actor__username="finance").exists()

    candidates = {c.stats.code: c for c in batch_candidates(arrangement=arrangement)}
    desktop = candidates["A02010105"]
    assert desktop.rank == 1 and desktop.recommended
    assert desktop.stats.small_units > desktop.stats.unit_count / 2 and desktop.stats.large_units > 0
    assert {"A05040101", "A02021003", "A02061804"} <= {code for code, c in candidates.items() if c.recommended}
    assert not candidates["A02010104"].recommended  # servers: two units
    assert not candidates["A02030501"].recommended  # cars: neither small nor large amounts
    outside = {s.code for s in category_analysis(arrangement=arrangement) if not s.in_centralized_catalog}
    assert outside and not outside & candidates.keys()


def test_finance_issued_the_desktop_task_which_the_center_acknowledged_and_keeps_a_draft(seeded):
    finance, center = user("finance"), user("center")
    desktop = TaskNotice.objects.get(category__code="A02010105", year=2026)
    arrangement = Arrangement.objects.get(year=2026, is_current=True)

    assert desktop.status == TaskNotice.Status.ACKNOWLEDGED
    assert desktop.finance_bureau.name == FINANCE_NAME and desktop.center.name == "吉林省政府采购中心"
    assert desktop.document_number and desktop.purchase_limit and "建议纳入批量集中采购" in desktop.basis
    assert events(desktop, "issue").get().actor == finance
    assert events(desktop, "acknowledge").get().actor == center
    # A believable timeline: import, draft, issue, acknowledgement, all in the past.
    assert arrangement.imported_at < desktop.created_at
    assert timezone.localdate(desktop.created_at) <= desktop.issued_on <= timezone.localdate(desktop.acknowledged_at)
    assert desktop.acknowledged_at < timezone.now()

    draft = TaskNotice.objects.get(status=TaskNotice.Status.DRAFT)
    assert draft.category.code == "A02021003" and draft.issued_on is None
    received = task_notices_received(center)
    assert desktop in received and draft not in received


def test_the_tasks_came_from_the_centers_proposals_and_finance_has_categories_left_to_decide(seeded):
    """Seed 000 三(一)1(1): the center proposes categories (拟定品目报财政部门), finance deliberates."""
    proposals = list(CategoryProposal.objects.order_by("submitted_at"))
    assert len(proposals) == 2 and all(p.center.name == "吉林省政府采购中心" for p in proposals)
    decided = {item.category.code: item for item in ProposedCategory.objects.select_related("category", "task")}
    for code in ("A02010105", "A02021003", "A02061804"):  # desktops, printers, air conditioners
        assert decided[code].status == "adopted"
        assert decided[code].task == TaskNotice.objects.get(category__code=code, year=2026)
        assert "品目建议" in decided[code].task.basis
    assert decided["A05040101"].status == "declined" and "国采中心" in decided["A05040101"].decision_note
    pending = [code for code, item in decided.items() if item.status == "pending"]
    assert sorted(pending) == ["A02010108", "A05010301"]  # laptops and office chairs await finance
    # In order: import, proposal, decision, draft.
    arrangement = Arrangement.objects.get(year=2026, is_current=True)
    desktop = decided["A02010105"]
    assert arrangement.imported_at < desktop.proposal.submitted_at < desktop.decided_at <= desktop.task.created_at


def test_the_center_opened_the_desktop_project_from_the_task_and_units_are_filing(seeded):
    project = collecting_project()
    details = BatchDetails.objects.get(project=project)
    table = ConfigurationTable.objects.get(task=details.task)
    now = timezone.now()

    assert details.task.category.code == "A02010105" and details.configuration_table == table
    assert events(project, "open_collection").filter(actor__username="center").exists()
    # One lot per configuration type, with its name and reference price.
    types = list(table.types.order_by("number"))
    lots = list(project.lots.select_related("batch__configuration_type").order_by("number"))
    assert len(types) == len(lots) == 3
    assert [lot.batch.configuration_type for lot in lots] == types
    assert [(lot.name, lot.reference_price_yuan) for lot in lots] == [(t.name, t.reference_price_yuan) for t in types]
    # Open to every provincial budget unit, opened days ago, about two weeks left, swept for reminders.
    assert set(project.eligible_units.values_list("unit_id", flat=True)) == set(provincial_units().values_list(
        "pk", flat=True))
    assert project.window_open(now)
    assert project.response_opens_at < now - timedelta(days=2)
    assert project.response_deadline > now + timedelta(days=13)
    assert project.next_check is not None
    assert project.response_opens_at > deadlines.start_of_day(details.task.issued_on)
    notice = solicitation_notice(project)
    assert notice is not None and Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION).count() == 1
    assert project.response_opens_at <= notice.published_at < now

    submitted = project.sub_plans.filter(status=SubPlan.Status.SUBMITTED)
    assert submitted.count() >= 7 and project.sub_plans.filter(status=SubPlan.Status.DRAFT).count() == 1
    assert all(project.response_opens_at <= p.submitted_at < now for p in submitted)
    plan = master_plan(project=project)
    assert plan.total_quantity == sum(p.quantity for p in submitted)
    assert plan.total_budget_yuan == sum(p.budget_yuan for p in submitted)
    # Each unit filed what the arrangement table planned for it.
    arrangement = Arrangement.objects.get(year=2026, is_current=True)
    for unit_id in submitted.values_list("unit_id", flat=True).distinct():
        filed = sum(p.quantity for p in project.sub_plans.filter(unit_id=unit_id))
        assert arrangement.lines.get(unit_id=unit_id, category__code="A02010105").quantity == filed


def test_the_unit_login_can_still_file_a_sub_plan(seeded):
    project = collecting_project()
    unit_user = user("unit")
    unit = Organization.objects.get(unit_code=UNIT_CODE)
    assert not project.sub_plans.filter(unit__unit_code__in=[UNIT_CODE, UNIT2_CODE]).exists()
    assert project in projects_open_to(unit)

    filed = sub_plan_save(lot=project.lots.get(number=1), unit=unit, actor=unit_user, quantity=5,
                          budget_yuan="25000", contact_name="张老师", contact_phone="0431-88101001", submit=True)

    assert filed.status == SubPlan.Status.SUBMITTED
    assert master_plan(project=project).lines[0].unit_count == 4


def test_the_awarded_project_came_from_a_task_and_a_configuration_table(seeded):
    project = batch_awarded_project()
    details = BatchDetails.objects.select_related("task", "configuration_table").get(project=project)

    assert project.status == Project.Status.AWARDED
    assert details.task.status == TaskNotice.Status.ACKNOWLEDGED and details.task.category_id == project.category_id
    assert deadlines.start_of_day(details.task.issued_on) < project.response_opens_at
    lots = list(project.lots.select_related("batch__configuration_type").order_by("number"))
    assert [lot.batch.configuration_type.table for lot in lots] == [details.configuration_table] * len(lots)
    assert [lot.batch.configuration_type.name for lot in lots] == [lot.name for lot in lots]
    # 实施采购: documents after the window, tender period kept, opening before the award.
    assert project.documents_issued_on > timezone.localdate(project.response_deadline)
    opening = timezone.localdate(project.bid_opening_at)
    assert opening >= deadlines.due_date(project.documents_issued_on, deadlines.TENDER_PERIOD)
    assert all(opening <= award.awarded_on for award in project.awards.all())
    assert project.award_notice_id == Notice.objects.get(project=project, type=Notice.Type.AWARD).pk
    assert solicitation_notice(project) is not None
    # The unsigned contract is reminded of its signing limit.
    draft = Contract.objects.get(project=project, status=Contract.Status.DRAFT)
    assert draft.next_check is not None


def test_the_demo_logins_see_the_batch_pages_filled(seeded, client):
    arrangement = Arrangement.objects.get(year=2026, is_current=True)
    collecting, awarded = collecting_project(), batch_awarded_project()
    center = user("center")
    assert {collecting, awarded} <= set(managed_batch_projects(center))

    def page(username: str, url: str) -> str:
        client.force_login(user(username))
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    analysis = page("finance", reverse("batch:arrangement-analysis", args=[arrangement.pk]))
    assert "建议纳入批量集中采购" in analysis and "暂不建议" in analysis
    assert "已签收" in page("finance", reverse("batch:task-list"))
    assert "待论证 2 个" in page("finance", reverse("batch:proposal-list"))
    assert "台式计算机" in page("center", reverse("batch:received-list"))
    assert "台式计算机批量集中采购产品配置表" in page("center", reverse("batch:configuration-list"))
    projects = page("center", reverse("batch:project-list"))
    assert collecting.code in projects and awarded.code in projects
    detail = page("center", reverse("batch:project-detail", args=[collecting.pk]))
    assert collecting.batch.task.document_number in detail and collecting.batch.configuration_table.title in detail
    assert awarded.code in page("center", reverse("award-project-list"))
    assert collecting.title in page("unit", reverse("unit-sub-plan-file", args=[collecting.pk]))


def test_a_second_seed_creates_no_batch_rows(seeded):
    models = [m for m in apps.get_models() if m._meta.app_label in {"procurement", "notices", "batch"}]
    before = {m._meta.label: m._default_manager.count() for m in models}

    again = demo_seed(password=PASSWORD)

    assert {m._meta.label: m._default_manager.count() for m in models} == before
    assert again.created_total == 0
    assert again.counts["任务通知单"] == (3, 0) and again.counts["安排情况表"] == (1, 0)


def test_the_finance_login_finds_the_proposal_to_decide_among_its_messages(seeded, client):
    from procurement.models import Notification

    finance = user("finance")
    unread = Notification.objects.filter(recipient=finance, read_at__isnull=True)
    # Of batch's messages only the proposal is unread (the volume and framework demos leave finance their own things
    # to act on: catalogs, a complaint, a framework plan to review).
    batch = [n for n in unread if "集中带量采购" not in n.title and "部门集中采购目录" not in n.title
             and "投诉" not in n.title and "框架协议采购方案" not in n.title]
    assert [n.title for n in batch] == ["吉林省政府采购中心报送了批量集中采购品目建议，待论证"]
    assert "便携式计算机、办公椅" in batch[0].body
    # The rest of what the seed sent tells of things long done: read (but for framework's request to join its open
    # agreement, the center's to review).
    center_unread = Notification.objects.filter(recipient=user("center"), read_at__isnull=True)
    assert [n.title for n in center_unread if "开放式框架协议加入申请" not in n.title] == []
    assert Notification.objects.filter(recipient=user("center")).exists()

"""Filing sub-plans (seed 000 三(一)4 需求响应): eligibility, window, one per unit and lot, atomicity."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement.models import EligibleUnit, Project, ProjectEvent, SubPlan
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit, sub_plan_withdraw
from tests.factories import BudgetUnitFactory, LotFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot():
    return LotFactory()


@pytest.fixture
def unit(lot):
    unit = BudgetUnitFactory()
    EligibleUnit.objects.create(project=lot.project, unit=unit)
    return unit


@pytest.fixture
def clerk(unit):
    return member_of(unit)


def file(lot, unit, clerk, **overrides):
    values = {"quantity": "12", "budget_yuan": "60000", "contact_name": "张敏", "contact_phone": "0431-88886666"}
    values.update(overrides)
    return sub_plan_save(lot=lot, unit=unit, actor=clerk, **values)


def test_an_eligible_unit_files_a_draft_and_submits_it(lot, unit, clerk):
    draft = file(lot, unit, clerk)
    assert draft.status == SubPlan.Status.DRAFT
    assert draft.project == lot.project
    submitted = sub_plan_submit(sub_plan=draft, actor=clerk)
    assert submitted.status == SubPlan.Status.SUBMITTED
    assert submitted.submitted_at is not None
    actions = list(ProjectEvent.objects.filter(subject_type="sub_plan", subject_id=draft.pk)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["create", "submit"]


def test_a_unit_revises_a_submitted_sub_plan_before_the_deadline(lot, unit, clerk):
    plan = sub_plan_submit(sub_plan=file(lot, unit, clerk), actor=clerk)
    revised = file(lot, unit, clerk, quantity="15", sub_plan=plan)
    assert revised.status == SubPlan.Status.SUBMITTED
    assert revised.quantity == Decimal("15")
    event = ProjectEvent.objects.filter(subject_type="sub_plan", subject_id=plan.pk, action="revise").get()
    assert event.changes["quantity"] == ["12.00", "15"]


def test_a_unit_not_eligible_for_the_project_is_refused(lot):
    outsider = BudgetUnitFactory()
    with pytest.raises(ServiceError, match=r"不在项目.*可响应单位范围内"):
        file(lot, outsider, member_of(outsider))
    assert not SubPlan.objects.exists()


def test_filing_after_the_deadline_is_refused_and_changes_nothing(lot, unit, clerk):
    plan = sub_plan_submit(sub_plan=file(lot, unit, clerk), actor=clerk)
    Project.objects.filter(pk=lot.project_id).update(response_deadline=timezone.now() - timedelta(minutes=1))
    lot.project.refresh_from_db()
    with pytest.raises(ServiceError, match=r"需求响应已于.*截止"):
        file(lot, unit, clerk, quantity="99", sub_plan=plan)
    plan.refresh_from_db()
    assert plan.quantity == Decimal("12")


def test_submitting_after_the_deadline_is_refused(lot, unit, clerk):
    draft = file(lot, unit, clerk)
    Project.objects.filter(pk=lot.project_id).update(response_deadline=timezone.now() - timedelta(seconds=1))
    draft.refresh_from_db()
    with pytest.raises(ServiceError, match="截止"):
        sub_plan_submit(sub_plan=draft, actor=clerk)
    draft.refresh_from_db()
    assert draft.status == SubPlan.Status.DRAFT


@pytest.mark.parametrize(("field", "value", "message"), [
    ("quantity", "-3", "采购数量必须大于0"),
    ("quantity", "0", "采购数量必须大于0"),
    ("quantity", "十二", "采购数量「十二」不是有效的数字"),
    ("budget_yuan", "-1", "预算金额不能为负数"),
    ("budget_yuan", "1.234", "预算金额最多保留两位小数"),
])
def test_bad_numbers_are_refused_with_the_field_named(lot, unit, clerk, field, value, message):
    with pytest.raises(ServiceError) as refused:
        file(lot, unit, clerk, **{field: value})
    assert message in refused.value.message
    assert refused.value.field == field
    assert not SubPlan.objects.exists()


def test_funding_lines_must_add_up_to_the_budget(lot, unit, clerk):
    lines = [{"source": "general_budget", "amount_yuan": "40000"}, {"source": "own_funds", "amount_yuan": "10000"}]
    with pytest.raises(ServiceError, match="资金构成合计50000元与预算金额60000元不一致"):
        file(lot, unit, clerk, funding_lines=lines)
    assert not SubPlan.objects.exists()
    lines[1]["amount_yuan"] = "20000"
    plan = file(lot, unit, clerk, funding_lines=lines)
    assert sorted(plan.funding_lines.values_list("source", flat=True)) == ["general_budget", "own_funds"]


def test_one_sub_plan_per_unit_and_lot(lot, unit, clerk):
    file(lot, unit, clerk)
    with pytest.raises(ServiceError, match="已填报"):
        file(lot, unit, clerk)
    assert SubPlan.objects.count() == 1


def test_another_units_clerk_cannot_file_or_change_a_units_sub_plan(lot, unit, clerk):
    plan = file(lot, unit, clerk)
    other = BudgetUnitFactory()
    EligibleUnit.objects.create(project=lot.project, unit=other)
    intruder = member_of(other)
    with pytest.raises(PermissionDenied):
        file(lot, unit, intruder, quantity="1", sub_plan=plan)
    with pytest.raises(PermissionDenied):
        sub_plan_submit(sub_plan=plan, actor=intruder)
    plan.refresh_from_db()
    assert (plan.quantity, plan.status) == (Decimal("12"), SubPlan.Status.DRAFT)


def test_a_read_only_member_cannot_file(lot, unit):
    viewer = member_of(unit, role="viewer")
    with pytest.raises(PermissionDenied):
        file(lot, unit, viewer)


def test_withdraw_then_submit_again(lot, unit, clerk):
    plan = sub_plan_submit(sub_plan=file(lot, unit, clerk), actor=clerk)
    plan = sub_plan_withdraw(sub_plan=plan, actor=clerk)
    assert plan.status == SubPlan.Status.WITHDRAWN
    plan = sub_plan_submit(sub_plan=plan, actor=clerk)
    assert plan.status == SubPlan.Status.SUBMITTED


def test_a_frozen_sub_plan_cannot_be_withdrawn(lot, unit, clerk):
    plan = sub_plan_submit(sub_plan=file(lot, unit, clerk), actor=clerk)
    SubPlan.objects.filter(pk=plan.pk).update(status=SubPlan.Status.FROZEN)
    plan.refresh_from_db()
    with pytest.raises(TransitionRefused, match="当前状态为「已锁定」"):
        sub_plan_withdraw(sub_plan=plan, actor=clerk)


def test_filing_and_submitting_in_one_step_counts_at_once(lot, unit, clerk):
    plan = file(lot, unit, clerk, submit=True,
                funding_lines=[{"source": "general_budget", "amount_yuan": "60000"}])
    assert plan.status == SubPlan.Status.SUBMITTED and plan.submitted_at is not None and plan.revision == 1
    event = ProjectEvent.objects.get(subject_type="sub_plan", subject_id=plan.pk)
    assert (event.action, event.target) == ("submit", SubPlan.Status.SUBMITTED)
    assert plan.funding_lines.count() == 1


def test_filing_and_submitting_after_the_deadline_is_refused(lot, unit, clerk):
    Project.objects.filter(pk=lot.project_id).update(response_opens_at=timezone.now() - timedelta(days=2),
                                                     response_deadline=timezone.now() - timedelta(seconds=1))
    lot.project.refresh_from_db()
    with pytest.raises(ServiceError, match="截止"):
        file(lot, unit, clerk, submit=True)
    assert not SubPlan.objects.exists()

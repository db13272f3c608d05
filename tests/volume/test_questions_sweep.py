"""The deadline sweep tracks 753号 四(二)'s deadlines: the handler is reminded the working day before an answer is
due and told when it is overdue; finance likewise for a complaint's decision (《政府采购法》第五十三条、第五十六条)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from procurement import deadlines
from procurement.models import Notification, Reminder
from procurement.services.reminders import deadline_sources, sweep_due_deadlines
from tests.volume.factories_questions import now_at, public_volume_project
from volume.models import Complaint, SupplierQuestion
from volume.question_deadlines import COMPLAINT_DEADLINES, QUESTION_DEADLINES
from volume.services import questions as services

pytestmark = pytest.mark.usefixtures("calendar_loaded")


def notices(organization, word: str) -> list[Notification]:
    return list(Notification.objects.filter(organization=organization, title__contains=word))


@pytest.fixture
def challenge(world):
    project = public_volume_project(world)
    return services.question_submit(project=project, supplier=world.supplier, kind=SupplierQuestion.Kind.CHALLENGE,
                                    subject=SupplierQuestion.Subject.DOCUMENTS, content="参数指向特定品牌",
                                    knew_on=deadlines.today(), actor=world.user(world.supplier))


def test_the_volume_sources_are_registered_with_the_sweep():
    """The plugin's deadline_sources join the sweep (procurement.modes.register_mode)."""
    assert QUESTION_DEADLINES in deadline_sources() and COMPLAINT_DEADLINES in deadline_sources()


def test_the_handler_is_reminded_the_working_day_before_the_answer_is_due_and_told_when_overdue(world, challenge):
    """《政府采购法》第五十三条: 七个工作日内作出答复 — reminded once before, flagged once after."""
    due = challenge.reply_due_on
    before = deadlines.subtract_working_days(due, 1)
    assert challenge.next_check == deadlines.start_of_day(before)

    early = sweep_due_deadlines(now=now_at(before) - timedelta(days=1))
    assert not notices(world.province_unit, "即将到期")
    assert early["reminders"] == 0

    sweep_due_deadlines(now=now_at(before))
    sweep_due_deadlines(now=now_at(before, hour=15))  # a second run the same day sends nothing again
    soon = notices(world.province_unit, "答复质疑即将到期")
    assert len(soon) == 1 and "第五十三条" in soon[0].body

    sweep_due_deadlines(now=now_at(due + timedelta(days=1)))
    overdue = notices(world.province_unit, "答复质疑已逾期")
    assert len(overdue) == 1
    challenge.refresh_from_db()
    assert challenge.next_check is None


def test_an_answered_question_is_no_longer_tracked(world, challenge):
    """Once answered, nothing more is due: no reminder, no overdue flag."""
    services.question_answer(question=challenge, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    challenge.refresh_from_db()
    assert challenge.next_check is None
    sweep_due_deadlines(now=now_at(challenge.reply_due_on + timedelta(days=3)))
    assert not notices(world.province_unit, "即将到期") and not notices(world.province_unit, "已逾期")


def test_finance_is_reminded_before_a_complaint_decision_is_due_and_told_when_overdue(world, challenge):
    """《政府采购法》第五十六条: 收到投诉后三十个工作日内作出处理决定."""
    services.question_answer(question=challenge, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    complaint = services.complaint_submit(challenge=challenge, content="不服", actor=world.user(world.supplier))
    due = complaint.decision_due_on
    assert complaint.next_check == deadlines.start_of_day(deadlines.subtract_working_days(due, 1))

    sweep_due_deadlines(now=now_at(deadlines.subtract_working_days(due, 1)))
    soon = notices(world.finance, "作出投诉处理决定即将到期")
    assert len(soon) == 1 and "第五十六条" in soon[0].body
    sweep_due_deadlines(now=now_at(due + timedelta(days=1)))
    assert len(notices(world.finance, "作出投诉处理决定已逾期")) == 1
    assert Reminder.objects.filter(subject_type="volume_complaint", subject_id=complaint.pk).count() == 2


def test_a_decided_complaint_is_no_longer_tracked(world, challenge):
    services.question_answer(question=challenge, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    complaint = services.complaint_submit(challenge=challenge, content="不服", actor=world.user(world.supplier))
    services.complaint_decide(complaint=complaint, outcome=Complaint.Outcome.UPHELD, decision="成立",
                              actor=world.user(world.finance))
    complaint.refresh_from_db()
    assert complaint.next_check is None
    sweep_due_deadlines(now=now_at(complaint.decision_due_on + timedelta(days=2)))
    assert not notices(world.finance, "已逾期")

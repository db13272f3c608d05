"""Test data of the questions slice (753号 四(二)): a public volume project with its ``VolumeDetails`` (the lead
answers, by default), and questions moved back in time the way the calendar would have them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from procurement import deadlines
from procurement.models import Organization, Project
from tests.volume.factories import volume_project
from tests.world import World
from volume.models import SupplierQuestion, VolumeDetails
from volume.services.questions import reply_duration


def public_volume_project(world: World, *, lead: Organization | None = None, handler: Organization | None = None,
                          status: str = Project.Status.PROCURING, **fields) -> Project:
    """A cross-department volume project in procurement (so public), every world unit participating, answered by
    ``handler`` (the lead by default, 753号 四(二))."""
    project = volume_project(world, lead=lead, status=status, **fields)
    VolumeDetails.objects.create(project=project, kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
                                 question_handler=handler or project.organizer)
    return project


def backdate(question: SupplierQuestion, *, working_days: int) -> SupplierQuestion:
    """Move ``question`` as if received ``working_days`` working days ago: its submission and its reply due date
    (computed from that day, as the service does) move with it."""
    received_on = deadlines.subtract_working_days(deadlines.today(), working_days)
    submitted_at = deadlines.start_of_day(received_on) + timedelta(hours=10)
    due = deadlines.due_date(received_on, reply_duration(question.kind))
    SupplierQuestion.objects.filter(pk=question.pk).update(submitted_at=submitted_at, reply_due_on=due)
    question.refresh_from_db()
    return question


def answered_days_ago(question: SupplierQuestion, *, working_days: int) -> SupplierQuestion:
    """Move the answer of ``question`` back ``working_days`` working days, given on the last day of its period (the
    due date moves with it: 答复期满 that day)."""
    day = deadlines.subtract_working_days(deadlines.today(), working_days)
    SupplierQuestion.objects.filter(pk=question.pk).update(
        answered_at=deadlines.start_of_day(day) + timedelta(hours=15), reply_due_on=day)
    question.refresh_from_db()
    return question


def now_at(day, hour: int = 9):
    return timezone.localtime(deadlines.start_of_day(day) + timedelta(hours=hour))


def parity_questions(world: World, *, supplier: Organization, participants: list[Organization]) -> dict:
    """For the API/page parity table (tests/procurement/test_api_page_parity.py): a public volume project led by the
    world's provincial department with ``participants``, and ``supplier``'s three challenges: one open (the
    handler's answer form), one answered (the supplier's complaint form), one answered and complained about to the
    provincial finance department (its decision form)."""
    from volume.services import questions as services

    project = public_volume_project(world, participants=participants, title="2026年度教育系统台式计算机集中带量采购")
    lead = world.user(project.organizer)
    made = []
    for content in ("参数指向特定品牌", "评分标准不合理", "交货期过短"):
        made.append(services.question_submit(
            project=project, supplier=supplier, kind=SupplierQuestion.Kind.CHALLENGE,
            subject=SupplierQuestion.Subject.DOCUMENTS, content=content, knew_on=deadlines.today(),
            actor=world.user(supplier)))
    for question in made[1:]:
        services.question_answer(question=question, answer="质疑不成立", changes_result=False, actor=lead)
    complaint = services.complaint_submit(challenge=made[2], content="答复未回应实质问题", actor=world.user(supplier))
    return {"volume_project": project, "volume_question": made[0], "volume_answered": made[1],
            "volume_complaint": complaint}

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
    """Move the answer of ``question`` back ``working_days`` working days."""
    day = deadlines.subtract_working_days(deadlines.today(), working_days)
    SupplierQuestion.objects.filter(pk=question.pk).update(
        answered_at=deadlines.start_of_day(day) + timedelta(hours=15))
    question.refresh_from_db()
    return question


def now_at(day, hour: int = 9):
    return timezone.localtime(deadlines.start_of_day(day) + timedelta(hours=hour))

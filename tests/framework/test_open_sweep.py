"""The sweep reminds the center before a request to join is due for review and flags it overdue after (MoF Order
No. 110, open agreements: the center reviews within the period its plan declares)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from framework.services import open_agreements as services
from procurement import deadlines
from procurement.models import Reminder
from procurement.services.reminders import sweep_due_deadlines
from tests.framework.open_data import join, lot_of, open_project, supplier_with_user

pytestmark = pytest.mark.django_db


def test_order110_open_review_reminded_before_due_and_flagged_overdue_once(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    key = f"framework_join:{request.pk}"
    sweep_due_deadlines(now=deadlines.start_of_day(deadlines.subtract_working_days(request.review_due, 1)))
    assert Reminder.objects.filter(key__startswith=f"{key}:due_soon").count() == 1
    after = deadlines.start_of_day(request.review_due + timedelta(days=1))
    sweep_due_deadlines(now=after)
    sweep_due_deadlines(now=after + timedelta(hours=2))
    assert Reminder.objects.filter(key__startswith=f"{key}:overdue").count() == 1
    request.refresh_from_db()
    assert request.next_check is None
    assert services.review_overdue(request, today=request.review_due + timedelta(days=1))


def test_order110_open_reviewed_request_is_no_longer_reminded(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    services.join_request_reject(join=request, reason="资格不符", actor=world.user(world.center))
    request.refresh_from_db()
    assert request.next_check is None
    sweep_due_deadlines(now=deadlines.start_of_day(request.review_due + timedelta(days=1)))
    assert not Reminder.objects.filter(key__startswith=f"framework_join:{request.pk}").exists()

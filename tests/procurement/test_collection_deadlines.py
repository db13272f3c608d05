"""The deadlines of a project in 需求征集, the core's schedule (``collection_deadlines``) run on a batch project
(issue 3 points 6–7; seed 000 三(一)(4) 在规定时间内):
reminders 3 and 1 working days before the response deadline to the units that have not answered, each
sent once, and the window closed by the sweep at the deadline. The message of the opening itself
(issue 7 point 11) and of an extension are tested in test_collection_messages.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from batch.models import BatchProject
from procurement import deadlines
from procurement.models import Notification, Project, ProjectEvent, Reminder, SubPlan
from procurement.services.collection_deadlines import COLLECTION_DEADLINES, reminder_stages
from procurement.services.reminders import sweep_due_deadlines
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit, sub_plan_withdraw
from tests.batch.test_projects import batch_world, open_project
from tests.factories import member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

# The 2026 National Day holiday (10月1日–7日, with the weekend inside it): a deadline on Thursday 8 October.
OPENS = timezone.make_aware(datetime(2026, 9, 1, 9, 0))
DEADLINE = timezone.make_aware(datetime(2026, 10, 8, 17, 0))
THREE_DAYS_BEFORE = timezone.make_aware(datetime(2026, 9, 28))  # Mon: 9-30, 9-29, 9-28 (10-1…10-7 are off)
ONE_DAY_BEFORE = timezone.make_aware(datetime(2026, 9, 30))  # Wed: the last working day before the holiday


@pytest.fixture
def world(world):
    return batch_world(world)


def travel(project: Project, *, opens: datetime, deadline: datetime, now: datetime) -> BatchProject:
    """Move the project's window (the test's clock): as if it had been opened at ``now`` with these dates."""
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=opens, response_deadline=deadline)
    moved = BatchProject.objects.get(pk=project.pk)
    COLLECTION_DEADLINES.store_next_check(moved, COLLECTION_DEADLINES.first_check(moved, now=now))
    return moved


def file(project: Project, world, key: str, *, submit: bool = True) -> SubPlan:
    clerk = world.clerks[key]
    plan = sub_plan_save(lot=project.lots.get(number=1), unit=world.units[key], actor=clerk, quantity="5",
                         budget_yuan="24000")
    return sub_plan_submit(sub_plan=plan, actor=clerk) if submit else plan


@pytest.fixture
def answered(world):
    """A project where 长春市第一中学 submitted, 南关区人民医院 keeps a draft, 吉林市第二实验小学 withdrew and
    吉林省教育厅 did nothing; then moved onto the National Day calendar."""
    project = open_project(world)
    file(project, world, "changchun")
    file(project, world, "nanguan", submit=False)
    sub_plan_withdraw(sub_plan=file(project, world, "jilin_city"), actor=world.clerks["jilin_city"])
    return travel(project, opens=OPENS, deadline=DEADLINE, now=OPENS)


def reminded(days: int) -> set[str]:
    keys = Reminder.objects.filter(kind=f"sub_plan_due_in_{days}")
    return set(Notification.objects.filter(reminder__in=keys).values_list("organization__name", flat=True))


def test_the_reminder_days_count_working_days_across_the_holiday_and_weekend(answered):
    """procurement.deadlines.SUB_PLAN_REMINDER_DAYS = (3, 1) working days, from the start of that day
    (Asia/Shanghai); the National Day holiday and its weekend do not count."""
    stages = reminder_stages(answered)
    assert [(s.days_before, s.at, s.until) for s in stages] == [
        (3, THREE_DAYS_BEFORE, ONE_DAY_BEFORE),
        (1, ONE_DAY_BEFORE, DEADLINE),
    ]
    assert THREE_DAYS_BEFORE.tzinfo is not None and str(timezone.get_current_timezone()) == "Asia/Shanghai"
    # The first check is the opening (every unit is told then: issue 7 point 11), then the first round.
    assert answered.next_check == OPENS
    sweep_due_deadlines(now=OPENS)
    assert BatchProject.objects.get(pk=answered.pk).next_check == THREE_DAYS_BEFORE


def test_reminders_go_out_3_and_1_working_days_before_only_to_units_without_a_submitted_sub_plan(
        world, answered, django_capture_on_commit_callbacks):
    """Issue 3 point 6: units that have not answered get reminders 3 and 1 working days before the deadline;
    a draft or a withdrawn sub-plan is not an answer."""
    sweep_due_deadlines(now=OPENS)  # the opening's message to every unit (test_collection_messages.py)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_due_deadlines(now=THREE_DAYS_BEFORE - timedelta(minutes=1))["reminders"] == 0
        counts = sweep_due_deadlines(now=THREE_DAYS_BEFORE + timedelta(hours=9))

    waiting = {"吉林省教育厅", "南关区人民医院", "吉林市第二实验小学"}
    assert counts["reminders"] == 3
    assert reminded(3) == waiting and reminded(1) == set()
    unit = world.units["province"]
    reminder = Reminder.objects.get(key=f"batch:{answered.pk}:unit:{unit.pk}:reminder:3:2026-10-08")
    assert reminder.due_on == DEADLINE.date() and reminder.recipients == 1
    notice = Notification.objects.get(reminder=reminder)
    assert notice.recipient == world.clerks["province"] and notice.level == Notification.Level.WARNING
    assert "还有3个工作日截止" in notice.title and "2026年10月08日 17:00" in notice.body
    assert notice.url == f"/unit/projects/{answered.pk}/file/"
    assert sorted(m.to[0] for m in mail.outbox) == ["jilin_city@example.gov.cn", "nanguan@example.gov.cn",
                                                    "province@example.gov.cn"]
    assert "分计划填报提醒" in mail.outbox[0].subject
    assert BatchProject.objects.get(pk=answered.pk).next_check == ONE_DAY_BEFORE

    # Between the two rounds the province's unit submits (its window is open again for that moment).
    reopened = travel(answered, opens=timezone.now() - timedelta(days=1), deadline=timezone.now() + timedelta(days=3),
                      now=timezone.now())
    file(reopened, world, "province")
    travel(answered, opens=OPENS, deadline=DEADLINE, now=THREE_DAYS_BEFORE + timedelta(hours=9))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due_deadlines(now=ONE_DAY_BEFORE + timedelta(hours=8))
    assert reminded(1) == {"南关区人民医院", "吉林市第二实验小学"}
    assert reminded(3) == waiting  # nothing resent
    assert BatchProject.objects.get(pk=answered.pk).next_check == DEADLINE


def test_a_sweep_run_twice_sends_each_reminder_once(answered, django_capture_on_commit_callbacks):
    """Architecture: each reminder is recorded under a unique key, so a doubled or retried sweep never resends."""
    moment = THREE_DAYS_BEFORE + timedelta(hours=9)
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep_due_deadlines(now=moment)
        second = sweep_due_deadlines(now=moment)
    # A second worker that read the project before the first one moved next_check on.
    BatchProject.objects.filter(pk=answered.pk).update(next_check=THREE_DAYS_BEFORE)
    with django_capture_on_commit_callbacks(execute=True):
        doubled = sweep_due_deadlines(now=moment)

    assert (first["reminders"], second["checked"]) == (3, 0)
    assert (doubled["checked"], doubled["reminders"], doubled["duplicates"]) == (1, 0, 3)
    assert Reminder.objects.count() == 3
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_a_window_opened_late_tells_the_deadline_once_at_the_opening(world):
    """A project opened one working day before its deadline: the opening's message tells every unit the
    deadline; the 3- and 1-day rounds, which would start at that same moment, are not sent on top of it."""
    opened = timezone.make_aware(datetime(2026, 9, 30, 10, 0))
    project = travel(open_project(world), opens=opened, deadline=DEADLINE, now=opened)
    assert reminder_stages(project) == []
    assert project.next_check == opened
    sweep_due_deadlines(now=opened)
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"collection_opened"}
    assert Reminder.objects.count() == 4  # every unit: nobody has answered


def test_a_window_opened_between_the_rounds_keeps_the_later_round(world):
    """Opened two working days before the deadline: the opening's message, then the 1-day reminder."""
    opened = timezone.make_aware(datetime(2026, 9, 29, 10, 0))
    project = travel(open_project(world), opens=opened, deadline=DEADLINE, now=opened)
    assert [(s.days_before, s.at, s.until) for s in reminder_stages(project)] == [(1, ONE_DAY_BEFORE, DEADLINE)]
    sweep_due_deadlines(now=opened)
    assert BatchProject.objects.get(pk=project.pk).next_check == ONE_DAY_BEFORE
    sweep_due_deadlines(now=ONE_DAY_BEFORE)
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"collection_opened", "sub_plan_due_in_1"}


# --- the deadline closes the window ---------------------------------------------------------------

def test_the_sweep_closes_the_window_at_the_deadline_and_not_before(world, django_capture_on_commit_callbacks):
    """Issue 3 point 7: at the deadline the sweep closes the window (close_collection, by the system)."""
    project = open_project(world, response_deadline=timezone.now() + timedelta(days=7))
    file(project, world, "changchun")
    sweep_due_deadlines(now=timezone.now())
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.COLLECTING

    deadline = timezone.now() - timedelta(seconds=5)
    project = travel(project, opens=deadline - timedelta(days=10), deadline=deadline, now=deadline)
    sweep_due_deadlines(now=deadline - timedelta(seconds=1))
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.COLLECTING

    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_due_deadlines(now=timezone.now())
    closed = BatchProject.objects.get(pk=project.pk)
    assert closed.status == Project.Status.AGGREGATED
    event = ProjectEvent.objects.get(project=project, action="close_collection")
    assert event.actor is None and (event.source, event.target) == ("collecting", "aggregated")
    notice = Notification.objects.get(reminder__kind="collection_closed")
    assert notice.recipient == world.center_user and "待确认总计划" in notice.title
    assert "已提交分计划1家" in notice.body and counts["reminders"] == 1
    assert closed.next_check is None
    assert sweep_due_deadlines(now=timezone.now())["checked"] == 0


def test_a_window_still_open_by_the_clock_is_looked_at_again(world):
    """A sweep whose moment is past the deadline while the portal clock is not yet (a skewed worker) closes
    nothing and keeps the project due, so the next sweep closes it."""
    project = open_project(world, response_deadline=timezone.now() + timedelta(days=2))
    BatchProject.objects.filter(pk=project.pk).update(next_check=timezone.now())
    sweep_due_deadlines(now=project.response_deadline + timedelta(minutes=1))
    kept = BatchProject.objects.get(pk=project.pk)
    assert kept.status == Project.Status.COLLECTING
    assert kept.next_check == project.response_deadline


def test_a_project_made_outside_the_batch_services_is_left_to_its_own_source(world):
    """Only projects opened through batch.projects carry a batch schedule (other sources may use next_check):
    batch's ``collection_scope``."""
    from tests.factories import ProjectFactory

    other = ProjectFactory(organizer=world.center)
    member_of(world.center)
    Project.objects.filter(pk=other.pk).update(next_check=timezone.now() - timedelta(minutes=1))
    assert sweep_due_deadlines(now=timezone.now())["checked"] == 0
    assert Project.objects.get(pk=other.pk).next_check is not None


def test_next_check_is_set_on_opening(world):
    """Architecture: each object with a pending deadline carries next_check, set when the project opens:
    the opening itself (its message to every unit), then the first reminder round."""
    deadline = timezone.now() + timedelta(days=30)
    project = open_project(world, response_deadline=deadline)
    assert BatchProject.objects.get(pk=project.pk).next_check == project.response_opens_at
    sweep_due_deadlines(now=timezone.now())
    first_round = deadlines.start_of_day(deadlines.subtract_working_days(timezone.localdate(deadline), 3))
    assert BatchProject.objects.get(pk=project.pk).next_check == first_round

"""When a collection opens, every eligible unit is told (issue 7 point 11, first part).

Seed 000 三(一)(3)(4): the center solicits the plans of the eligible units, which answer 在规定时间内. The
message (in-app and e-mail) carries the deadline and a link to file; it goes out when the window opens —
at once, or at the later moment the center chose — through the core's deadline source
(``procurement.services.collection_deadlines``), one message per unit under a unique key, so a repeated sweep
never sends it twice.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batch.models import BatchProject
from procurement.models import Notification, OutboundMail, Reminder
from procurement.services.reminders import deadline_sources, sweep_due_deadlines
from tests.batch.test_projects import batch_world, open_project
from tests.factories import BudgetUnitFactory, member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

UNITS = {"吉林省教育厅", "长春市第一中学", "南关区人民医院", "吉林市第二实验小学"}


@pytest.fixture
def world(world):
    return batch_world(world)


def told(kind: str = "collection_opened") -> set[str]:
    return set(Notification.objects.filter(reminder__kind=kind).values_list("organization__name", flat=True))


def when(moment) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


def test_a_window_opened_at_once_tells_every_eligible_unit_at_once(world, django_capture_on_commit_callbacks):
    """Immediate opening: once the opening commits, each eligible unit's people have the message and the e-mail,
    with the deadline and the link to file; the inactive unit of the scope is not eligible, so not told."""
    with django_capture_on_commit_callbacks(execute=True):
        project = open_project(world)

    assert told() == UNITS
    unit = world.units["changchun"]
    notice = Notification.objects.get(reminder__kind="collection_opened", organization=unit)
    assert notice.recipient == world.clerks["changchun"]
    assert notice.reminder.key == f"batch:{project.pk}:unit:{unit.pk}:opened"
    assert notice.url == reverse("unit-sub-plan-file", args=[project.pk])
    assert notice.title == f"需求征集开始：「{project.title}」请于{when(project.response_deadline)}前提交分计划"
    assert project.code in notice.body and "吉林省政府采购中心" in notice.body
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"{key}@example.gov.cn" for key in world.units)
    # Told once: the schedule moves on to the first reminder round.
    assert BatchProject.objects.get(pk=project.pk).next_check > timezone.now()


def test_a_window_opening_later_tells_nobody_before_and_everybody_at_the_moment(
        world, django_capture_on_commit_callbacks):
    """Future opening: the message waits for response_opens_at; next_check covers that moment."""
    opens = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        project = open_project(world, response_opens_at=opens, response_deadline=opens + timedelta(days=10))

    assert project.next_check == opens
    assert told() == set() and mail.outbox == []
    assert sweep_due_deadlines(now=opens - timedelta(seconds=1))["checked"] == 0
    assert told() == set()

    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_due_deadlines(now=opens)

    assert told() == UNITS and counts["reminders"] == 4 and len(mail.outbox) == 4
    body = Notification.objects.filter(reminder__kind="collection_opened").first().body
    assert f"已于{when(opens)}开放需求响应" in body and f"截止时间为{when(project.response_deadline)}" in body


def test_the_opening_message_goes_once_under_a_repeated_sweep(world, django_capture_on_commit_callbacks):
    """Exactly once: a second sweep at the same moment, and a worker that read the row before the first one moved
    next_check on, send nothing again (the unique key)."""
    opens = timezone.now() + timedelta(hours=3)
    project = open_project(world, response_opens_at=opens, response_deadline=opens + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep_due_deadlines(now=opens)
        second = sweep_due_deadlines(now=opens)
    BatchProject.objects.filter(pk=project.pk).update(next_check=opens)
    with django_capture_on_commit_callbacks(execute=True):
        doubled = sweep_due_deadlines(now=opens + timedelta(minutes=1))

    assert (first["reminders"], second["checked"]) == (4, 0)
    assert (doubled["checked"], doubled["reminders"], doubled["duplicates"]) == (1, 0, 4)
    assert Reminder.objects.filter(kind="collection_opened").count() == 4
    assert Notification.objects.count() == 4 and len(mail.outbox) == 4


def test_the_e_mail_links_to_the_filing_page_on_the_portal_address(world, settings,
                                                                   django_capture_on_commit_callbacks):
    """The e-mail's link is absolute, on PORTAL_BASE_URL (the address users reach the portal at)."""
    settings.PORTAL_BASE_URL = "https://zfcg.jl.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        project = open_project(world)

    message = next(m for m in mail.outbox if m.to == ["changchun@example.gov.cn"])
    assert message.subject.startswith("【") and "需求征集开始" in message.subject
    assert f"办理地址：https://zfcg.jl.gov.cn/unit/projects/{project.pk}/file/" in message.body
    assert when(project.response_deadline) in message.body


def _extra_batches(model, rows: int) -> int:
    """How many more INSERT statements than one ``bulk_create(batch_size=1000)`` of ``rows`` rows takes here."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    size = min(1000, connection.ops.bulk_batch_size(fields, [None] * rows) or rows)
    return math.ceil(rows / size) - 1


def test_thousands_of_units_are_told_in_a_few_queries(world):
    """The opening's messages are recorded and delivered in bulk: the sweep's queries do not grow with the units."""
    def sweep_queries(extra_units: int) -> tuple[int, int]:
        for index in range(extra_units):
            unit = BudgetUnitFactory(name=f"长春市测试单位{index:04d}", region=world.changchun)
            member_of(unit, username=f"tester_{extra_units}_{index}", email=f"t{extra_units}_{index}@example.gov.cn")
        opens = timezone.now() + timedelta(hours=1)
        project = open_project(world, response_opens_at=opens, response_deadline=opens + timedelta(days=10))
        with CaptureQueriesContext(connection) as queries:
            counts = sweep_due_deadlines(now=opens)
        Reminder.objects.all().delete()
        BatchProject.objects.filter(pk=project.pk).update(next_check=None)
        return len(queries), counts["notifications"]

    small, small_told = sweep_queries(0)
    large, large_told = sweep_queries(300)

    assert (small_told, large_told) == (4, 304)
    # The same statements for 4 units and for 304. A database with a limit of bound variables (SQLite, a fresh
    # clone's default) splits each bulk insert into batches: 304 units' reminders, notifications and mails take as
    # many more statements as Django's own batch size makes them, never one per unit.
    allowed = sum(_extra_batches(model, large_told) for model in (Reminder, Notification, OutboundMail))
    assert small <= large <= small + allowed, (small, large)
    # A few queries, whatever the number of units: this project's row, and one look per registered deadline source
    # that finds nothing due (each mode adds its own sources).
    assert large - allowed <= 20 + len(deadline_sources())

"""The deadline sweep tracks seed 000 三(二)(4)'s deadlines for the center: signing within 30 days of the letter,
publishing the shortlist information within 3 working days of signing, filing a copy within 7 working days; each
reminded once before and flagged once after, through the real sweep (framework.agreement_deadlines)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from framework.agreement_deadlines import AGREEMENT_DEADLINES, REMINDER_WORKING_DAYS
from framework.services import agreements as services
from procurement import deadlines
from procurement.models import Notification
from procurement.services.reminders import deadline_sources, sweep_due_deadlines
from tests.framework.agreements_data import agreement_of, framework_with_agreements, pdf
from tests.volume.factories_questions import now_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


def told(organization, word: str) -> list[Notification]:
    return list(Notification.objects.filter(organization=organization, title__contains=word))


def test_the_agreements_source_is_registered_with_the_sweep():
    """The plugin's deadline_sources join the sweep (procurement.modes.register_mode)."""
    assert AGREEMENT_DEADLINES in deadline_sources()


def test_seed_3_2_4_signing_is_reminded_before_30_days_and_flagged_after_once(world):
    """Seed 三(二)(4): 入围通知书发出之日起30日内签订框架协议 — the center is reminded once, then told once when
    overdue."""
    project = framework_with_agreements(world, suppliers=1)
    agreement = agreement_of(project, world.supplier)
    due = agreement.sign_due
    before = deadlines.subtract_working_days(due, REMINDER_WORKING_DAYS["sign"])
    assert agreement.next_check == deadlines.start_of_day(before)

    assert sweep_due_deadlines(now=now_at(before) - timedelta(days=1))["reminders"] == 0
    sweep_due_deadlines(now=now_at(before))
    sweep_due_deadlines(now=now_at(before, hour=15))  # a second run sends nothing again
    soon = told(world.center, "签订框架协议即将到期")
    assert len(soon) == 1 and "30日内签订框架协议" in soon[0].body and agreement.code in soon[0].body

    sweep_due_deadlines(now=now_at(due + timedelta(days=1)))
    sweep_due_deadlines(now=now_at(due + timedelta(days=2)))
    overdue = told(world.center, "签订框架协议已逾期")
    assert len(overdue) == 1 and overdue[0].level == Notification.Level.DANGER
    agreement.refresh_from_db()
    assert agreement.next_check is None


def test_seed_3_2_4_publication_and_filing_are_reminded_and_flagged_after_signing(world):
    """Seed 三(二)(4): 3 working days to publish, 7 to file; each reminded once before and flagged once after; done
    steps are no longer tracked."""
    project = framework_with_agreements(world, suppliers=1)
    agreement = services.agreement_sign(agreement=agreement_of(project, world.supplier), signed_on=deadlines.today(),
                                        signed_file=pdf(), actor=world.user(world.center))
    publish_soon = deadlines.subtract_working_days(agreement.publish_due, REMINDER_WORKING_DAYS["publish"])
    assert agreement.next_check == deadlines.start_of_day(publish_soon)

    sweep_due_deadlines(now=now_at(agreement.publish_due + timedelta(days=1)))
    sweep_due_deadlines(now=now_at(agreement.publish_due + timedelta(days=1), hour=16))
    assert len(told(world.center, "公开入围信息已逾期")) == 1
    assert not told(world.center, "公开入围信息即将到期")  # pointless once passed: only the overdue flag

    filing_soon = deadlines.subtract_working_days(agreement.filing_due, REMINDER_WORKING_DAYS["file"])
    sweep_due_deadlines(now=now_at(filing_soon))
    soon = told(world.center, "备案即将到期")
    assert len(soon) == 1 and "7个工作日内报财政部门备案" in soon[0].body

    services.agreement_publish(agreement=agreement, actor=world.user(world.center))
    services.agreement_file(agreement=agreement, actor=world.user(world.center))
    agreement.refresh_from_db()
    assert agreement.next_check is None  # both done: nothing left to track
    sweep_due_deadlines(now=now_at(agreement.filing_due + timedelta(days=3)))
    assert not told(world.center, "备案已逾期")

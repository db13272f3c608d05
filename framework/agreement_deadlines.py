"""The deadlines of seed 000 三(二)(4) tracked by the sweep (``procurement.services.reminders``), registered through
``FrameworkPlugin.deadline_sources``:

- a shortlisted supplier's framework agreement is signed within 30 days of the shortlist letter
  (``deadlines.FRAMEWORK_AGREEMENT_SIGNING``);
- once signed, the shortlist information is published within 3 working days (``FRAMEWORK_SHORTLIST_PUBLICATION``)
  and a copy is filed with finance within 7 working days (``FRAMEWORK_AGREEMENT_FILING``).

The center (the project's organizer) is reminded a few working days before each due day and told once when it
has passed (overdue). Each message goes out once: its key names the agreement, the step, the kind and the due day.
Whoever changes an agreement's dates calls ``agreement_next_check_refresh`` so that the sweep finds it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.urls import reverse

from framework.models import Agreement
from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Notification
from procurement.services.reminders import DeadlineSource, Milestone

# Working days before each due day on which the center is reminded (not a legal period: the portal's choice).
REMINDER_WORKING_DAYS = {"sign": 3, "publish": 1, "file": 2}


def _steps(agreement: Agreement) -> list[tuple[str, date, str, str]]:
    """(step, due day, what is to be done, its rule) still pending for ``agreement``."""
    steps = []
    if agreement.status == Agreement.Status.SHORTLISTED and agreement.sign_due:
        steps.append(("sign", agreement.sign_due, "签订框架协议", deadlines.FRAMEWORK_AGREEMENT_SIGNING.rule))
    if agreement.status == Agreement.Status.SIGNED:
        if agreement.published_on is None and agreement.publish_due:
            steps.append(("publish", agreement.publish_due, "公开入围信息",
                          deadlines.FRAMEWORK_SHORTLIST_PUBLICATION.rule))
        if agreement.filed_on is None and agreement.filing_due:
            steps.append(("file", agreement.filing_due, "将框架协议副本报财政部门备案",
                          deadlines.FRAMEWORK_AGREEMENT_FILING.rule))
    return steps


class AgreementDeadlines(DeadlineSource):
    """A framework agreement awaiting signing, publication or filing (seed 000 三(二)(4))."""

    name = "framework_agreement"
    model = Agreement

    def queryset(self) -> models.QuerySet:
        return Agreement.objects.filter(status__in=[Agreement.Status.SHORTLISTED, Agreement.Status.SIGNED])

    def milestones(self, agreement: Agreement) -> list[Milestone]:
        steps = _steps(agreement)
        if not steps:
            return []
        project = agreement.lot.project
        subject = (f"框架协议采购项目「{project.code} {project.title}」{agreement.lot}的入围供应商"
                   f"{agreement.supplier.name}（协议编号{agreement.code}）")
        url = reverse("framework:agreement-detail", args=[agreement.pk])
        found: list[Milestone] = []
        for step, due, action, rule in steps:
            passed = deadlines.start_of_day(due + timedelta(days=1))
            before = deadlines.subtract_working_days(due, REMINDER_WORKING_DAYS[step])
            key = f"framework_agreement:{agreement.pk}:{step}"
            common = {"due_on": due, "organization": project.organizer, "url": url}
            found += [
                Milestone(key=f"{key}:due_soon:{due.isoformat()}", kind=f"{step}_due_soon",
                          at=deadlines.start_of_day(before), until=passed, level=Notification.Level.WARNING,
                          title=f"{action}即将到期"[:200],
                          body=f"{subject}应于{chinese_date(due)}前{action}，请及时办理（依据{rule}）。", **common),
                Milestone(key=f"{key}:overdue:{due.isoformat()}", kind=f"{step}_overdue", at=passed, until=None,
                          level=Notification.Level.DANGER, title=f"{action}已逾期"[:200],
                          body=f"{subject}{action}的期限为{chinese_date(due)}，至今尚未办理，已逾期，请立即办理"
                               f"（依据{rule}）。", **common),
            ]
        return found


AGREEMENT_DEADLINES = AgreementDeadlines()


def agreement_next_check_refresh(agreement: Agreement) -> None:
    """Store when the sweep must next look at ``agreement`` (None: nothing pending). Call after every change of its
    status or dates (the shortlist's letters included)."""
    AGREEMENT_DEADLINES.store_next_check(agreement, AGREEMENT_DEADLINES.next_check(agreement))

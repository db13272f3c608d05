"""The end of a framework agreement and its summary result notice, tracked by the sweep
(``procurement.services.reminders``) and registered through ``FrameworkPlugin.deadline_sources``:

- at the start of the day after the plan's ``valid_until`` the project's agreements expire
  (``framework.services.expiry.project_expire``): found by the plan's date itself, so nobody has to arm it;
- the center then publishes the 成交结果汇总公告 within ``deadlines.FRAMEWORK_SUMMARY_NOTICE`` of the end: reminded a
  few working days before ``FrameworkDetails.summary_due`` and told once when it has passed (overdue).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from framework.models import FrameworkDetails, FrameworkPlan
from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Mode, Notification
from procurement.services.reminders import DeadlineSource, Milestone

# Working days before the summary notice's due day on which the center is reminded (the portal's choice).
REMINDER_WORKING_DAYS = 3


class ExpiryDeadlines(DeadlineSource):
    """A framework project whose agreement ends, then whose summary notice is due."""

    name = "framework_expiry"
    model = FrameworkDetails

    def queryset(self) -> models.QuerySet:
        return FrameworkDetails.objects.filter(project__mode=Mode.FRAMEWORK)

    def due(self, now: datetime) -> models.QuerySet:
        from framework.services.expiry import expiring_projects

        return self.queryset().filter(
            models.Q(next_check__isnull=False, next_check__lte=now)
            | expiring_projects(today=timezone.localdate(now)))

    def act(self, details: FrameworkDetails, *, now: datetime) -> FrameworkDetails:
        from framework.services.expiry import project_expire

        plan = FrameworkPlan.objects.filter(project_id=details.project_id).first()
        if details.expired_at is None and plan is not None and plan.valid_until \
                and timezone.localdate(now) > plan.valid_until:
            with transaction.atomic():
                return project_expire(project=details.project, now=now)
        return details

    def milestones(self, details: FrameworkDetails) -> list[Milestone]:
        if details.expired_at is None or details.summary_notice_id or details.summary_due is None:
            return []
        due = details.summary_due
        project = details.project
        rule = deadlines.FRAMEWORK_SUMMARY_NOTICE.rule
        subject = f"框架协议采购项目「{project.code} {project.title}」"
        passed = deadlines.start_of_day(due + timedelta(days=1))
        before = deadlines.subtract_working_days(due, REMINDER_WORKING_DAYS)
        key = f"framework_summary:{details.pk}"
        common = {"due_on": due, "organization": project.organizer,
                  "url": reverse("framework:summary", args=[project.pk])}
        return [
            Milestone(key=f"{key}:due_soon:{due.isoformat()}", kind="summary_due_soon",
                      at=deadlines.start_of_day(before), until=passed, level=Notification.Level.WARNING,
                      title="成交结果汇总公告即将到期",
                      body=f"{subject}的框架协议已到期，应于{chinese_date(due)}前发布成交结果汇总公告（依据{rule}）。",
                      **common),
            Milestone(key=f"{key}:overdue:{due.isoformat()}", kind="summary_overdue", at=passed, until=None,
                      level=Notification.Level.DANGER, title="成交结果汇总公告已逾期",
                      body=f"{subject}的成交结果汇总公告应于{chinese_date(due)}前发布，至今尚未发布，已逾期，请立即发布"
                           f"（依据{rule}）。", **common),
        ]


EXPIRY_DEADLINES = ExpiryDeadlines()


def expiry_next_check_refresh(details: FrameworkDetails) -> None:
    EXPIRY_DEADLINES.store_next_check(details, EXPIRY_DEADLINES.next_check(details))

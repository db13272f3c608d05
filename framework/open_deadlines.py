"""The center's review of a request to join an open framework agreement (开放式框架协议; MoF Order No. 110), tracked
by the sweep (``procurement.services.reminders``) and registered through ``FrameworkPlugin.deadline_sources``:
the center reviews each request within the working days its plan declares (``JoinRequest.review_due``). It is
reminded a working day before the due day and told once when it has passed (overdue). Each message goes out once:
its key names the request, the kind and the due day. Whoever changes a request calls
``join_request_next_check_refresh`` so that the sweep finds it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.urls import reverse

from framework.models import JoinRequest
from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Notification
from procurement.services.reminders import DeadlineSource, Milestone

# Working days before the review's due day on which the center is reminded (the portal's choice, not a legal period).
REMINDER_WORKING_DAYS = 1
RULE = "财政部令第110号（开放式框架协议）；采购方案声明的加入申请审核期限"


class JoinReviewDeadlines(DeadlineSource):
    """A request to join an open agreement awaiting the center's review."""

    name = "framework_join_review"
    model = JoinRequest

    def queryset(self) -> models.QuerySet:
        return JoinRequest.objects.filter(status=JoinRequest.Status.PENDING)

    def milestones(self, join: JoinRequest) -> list[Milestone]:
        if join.status != JoinRequest.Status.PENDING:
            return []
        due = join.review_due
        project = join.lot.project
        subject = (f"{join.supplier.name}加入框架协议采购项目「{project.code} {project.title}」{join.lot}的申请"
                   f"（{chinese_date(join.created_at.date())}提交）")
        passed = deadlines.start_of_day(due + timedelta(days=1))
        before = deadlines.subtract_working_days(due, REMINDER_WORKING_DAYS)
        key = f"framework_join:{join.pk}"
        common = {"due_on": due, "organization": project.organizer, "url": reverse("framework:open-request-list")}
        return [
            Milestone(key=f"{key}:due_soon:{due.isoformat()}", kind="join_review_due_soon",
                      at=deadlines.start_of_day(before), until=passed, level=Notification.Level.WARNING,
                      title="开放式框架协议加入申请审核即将到期",
                      body=f"{subject}应于{chinese_date(due)}前审核，请及时办理（依据{RULE}）。", **common),
            Milestone(key=f"{key}:overdue:{due.isoformat()}", kind="join_review_overdue", at=passed, until=None,
                      level=Notification.Level.DANGER, title="开放式框架协议加入申请审核已逾期",
                      body=f"{subject}的审核期限为{chinese_date(due)}，至今尚未审核，已逾期，请立即办理（依据{RULE}）。",
                      **common),
        ]


JOIN_REVIEW_DEADLINES = JoinReviewDeadlines()


def join_request_next_check_refresh(join: JoinRequest) -> None:
    """Store when the sweep must next look at ``join`` (None: nothing pending)."""
    JOIN_REVIEW_DEADLINES.store_next_check(join, JOIN_REVIEW_DEADLINES.next_check(join))

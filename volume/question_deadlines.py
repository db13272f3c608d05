"""The deadlines of 753号 四(二) tracked by the sweep (``procurement.services.reminders``), registered through
``VolumePlugin.deadline_sources``:

- an open 询问 or 质疑: its handler is reminded one working day before the answer is due (实施条例第五十二条: 3
  working days; 《政府采购法》第五十三条: 7 working days) and told once more when the due date has passed;
- a complaint being handled: the finance bureau is reminded one working day before its decision is due
  (《政府采购法》第五十六条: 30 working days) and told once more when it has passed.

Each message goes out once (its key names the row, the kind and the due day).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.urls import reverse

from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Notification
from procurement.services.reminders import DeadlineSource, Milestone
from volume.models import Complaint, SupplierQuestion


def _soon_and_overdue(*, key: str, due, organization, url: str, subject: str, action: str, rule: str,
                      ) -> list[Milestone]:
    passed = deadlines.start_of_day(due + timedelta(days=1))
    before = deadlines.subtract_working_days(due, deadlines.QUESTION_REMINDER_WORKING_DAYS)
    common = {"due_on": due, "organization": organization, "url": url}
    return [
        Milestone(key=f"{key}:due_soon:{due.isoformat()}", kind="due_soon", at=deadlines.start_of_day(before),
                  until=passed, level=Notification.Level.WARNING, title=f"{action}即将到期",
                  body=f"{subject}应于{chinese_date(due)}前{action}，请及时办理（依据{rule}）。", **common),
        Milestone(key=f"{key}:overdue:{due.isoformat()}", kind="overdue", at=passed, until=None,
                  level=Notification.Level.DANGER, title=f"{action}已逾期",
                  body=f"{subject}的{action}期限为{chinese_date(due)}，至今尚未办理，已逾期，请立即办理"
                       f"（依据{rule}）。", **common),
    ]


class QuestionDeadlines(DeadlineSource):
    """An open inquiry or challenge: the handler's answer is due on ``reply_due_on``."""

    name = "volume_question"
    model = SupplierQuestion

    def queryset(self) -> models.QuerySet:
        return SupplierQuestion.objects.filter(status=SupplierQuestion.Status.OPEN)

    def milestones(self, question: SupplierQuestion) -> list[Milestone]:
        if question.status != SupplierQuestion.Status.OPEN:
            return []
        rule = (deadlines.CHALLENGE_REPLY if question.kind == SupplierQuestion.Kind.CHALLENGE
                else deadlines.INQUIRY_REPLY).rule
        label = question.get_kind_display()
        return _soon_and_overdue(
            key=f"volume_question:{question.pk}", due=question.reply_due_on, organization=question.handler,
            url=reverse("volume:question-detail", args=[question.pk]),
            subject=f"{question.supplier.name}就项目「{question.project.code} {question.project.title}」提出的{label}",
            action=f"答复{label}", rule=rule)


class ComplaintDeadlines(DeadlineSource):
    """A complaint being handled: finance's decision is due on ``decision_due_on``."""

    name = "volume_complaint"
    model = Complaint

    def queryset(self) -> models.QuerySet:
        return Complaint.objects.filter(status=Complaint.Status.RECEIVED)

    def milestones(self, complaint: Complaint) -> list[Milestone]:
        if complaint.status != Complaint.Status.RECEIVED:
            return []
        project = complaint.challenge.project
        return _soon_and_overdue(
            key=f"volume_complaint:{complaint.pk}", due=complaint.decision_due_on,
            organization=complaint.finance_bureau, url=reverse("volume:complaint-detail", args=[complaint.pk]),
            subject=f"{complaint.supplier.name}就项目「{project.code} {project.title}」的投诉",
            action="作出投诉处理决定", rule=deadlines.COMPLAINT_DECISION.rule)


QUESTION_DEADLINES = QuestionDeadlines()
COMPLAINT_DEADLINES = ComplaintDeadlines()

"""The deadlines of a batch project in 需求征集 (seed 000 三(一)(4): units answer "在规定时间内").

- 3 and 1 working days before the response deadline (``procurement.deadlines.SUB_PLAN_REMINDER_DAYS``,
  from the start of that day in the portal's time zone), every eligible unit that has not submitted a
  sub-plan is reminded, in-app and by e-mail, once per project, unit and reminder
  (key ``batch:{project}:unit:{unit}:reminder:{days}``);
- at the deadline the sweep closes the window (``close_collection``, by the system) and tells the
  center the master plan awaits its confirmation.

Registered with the deadline sweep (``procurement.services.reminders``) from ``BatchConfig.ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone

from batch.models import BatchProject
from procurement import deadlines
from procurement.access import SYSTEM
from procurement.models import Notification, Project
from procurement.services.reminders import DeadlineSource, Milestone, register_deadline_source

RULE = "《关于进一步加强集中采购工作机制建设的意见》三（一）4：有意向参与的预算单位应当在规定时间内填报分计划"


@dataclass(frozen=True)
class ReminderStage:
    """One reminder round: ``days_before`` working days before the deadline, due from ``at`` until ``until``."""

    days_before: int
    at: datetime
    until: datetime


def reminder_stages(project: Project) -> list[ReminderStage]:
    """The reminder rounds of ``project``, earliest first.

    A round never starts before the window opens; a round overtaken by the next one (a window opened
    late) is dropped, so a unit is not told "3 days left" and "1 day left" at the same moment.
    """
    deadline = project.response_deadline
    if deadline is None:
        return []
    last_day = timezone.localdate(deadline)
    starts = []
    for days in sorted(set(deadlines.SUB_PLAN_REMINDER_DAYS), reverse=True):
        at = deadlines.start_of_day(deadlines.subtract_working_days(last_day, days))
        if project.response_opens_at and at < project.response_opens_at:
            at = project.response_opens_at
        starts.append((days, at))
    stages = []
    for index, (days, at) in enumerate(starts):
        until = starts[index + 1][1] if index + 1 < len(starts) else deadline
        if at < until:
            stages.append(ReminderStage(days, at, until))
    return stages


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


class BatchProjectDeadlines(DeadlineSource):
    name = "batch_project"
    model = BatchProject
    fan_out = True  # every eligible unit of the project: thousands of reminders in one go

    def queryset(self) -> models.QuerySet:
        # Only projects opened through ``batch.projects`` carry a batch schedule.
        return BatchProject.objects.filter(batch__isnull=False)

    # --- what the deadline does ----------------------------------------------------------------
    def act(self, project: BatchProject, *, now: datetime) -> BatchProject:
        if (project.status == Project.Status.COLLECTING and project.response_deadline is not None
                and now >= project.response_deadline and project.window_closed()):
            from batch.projects import batch_collection_close

            return batch_collection_close(project=project, actor=SYSTEM)
        return project

    # --- who is reminded of what ------------------------------------------------------------------
    def milestones(self, project: BatchProject) -> list[Milestone]:
        if project.status == Project.Status.COLLECTING:
            return self._unit_reminders(project)
        if project.status == Project.Status.AGGREGATED and project.response_deadline is not None:
            return [self._closed_notice(project)]
        return []

    def _unit_reminders(self, project: BatchProject) -> list[Milestone]:
        stages = reminder_stages(project)
        if not stages:
            return []
        from batch.projects import unanswered_units

        units = list(unanswered_units(project).only("pk", "name").order_by("pk"))
        url = reverse("unit-sub-plan-file", args=[project.pk])
        due_on = timezone.localdate(project.response_deadline)
        found = []
        for stage in stages:
            title = f"分计划填报提醒：「{project.title}」还有{stage.days_before}个工作日截止"[:200]
            body = (
                f"贵单位是采购项目「{project.code} {project.title}」的可响应单位，目前尚未提交分计划"
                f"（草稿不计入总计划）。需求响应将于{_when(project.response_deadline)}截止，"
                f"截止后不能再填报或修改。如需参加，请及时登录平台选择采购包，填报并提交分计划。依据{RULE}。"
            )
            found += [
                Milestone(
                    key=f"batch:{project.pk}:unit:{unit.pk}:reminder:{stage.days_before}",
                    kind=f"sub_plan_due_in_{stage.days_before}",
                    at=stage.at,
                    until=stage.until,
                    due_on=due_on,
                    organization=unit,
                    level=Notification.Level.WARNING,
                    title=title,
                    body=body,
                    url=url,
                )
                for unit in units
            ]
        return found

    def _closed_notice(self, project: BatchProject) -> Milestone:
        from batch.projects import response_of

        response = response_of(project)
        return Milestone(
            key=f"batch:{project.pk}:collection_closed",
            kind="collection_closed",
            at=project.response_deadline,
            until=None,
            due_on=timezone.localdate(project.response_deadline),
            organization=project.organizer,
            level=Notification.Level.INFO,
            title=f"需求响应已截止：「{project.title}」待确认总计划"[:200],
            body=(
                f"采购项目「{project.code} {project.title}」的需求响应已于{_when(project.response_deadline)}截止，"
                f"可响应单位{response.eligible}家，已提交分计划{response.answered}家。请核对总计划后予以确认，"
                "确认后各单位分计划锁定。"
            ),
            url=reverse("batch:project-detail", args=[project.pk]),
        )

    # --- when to look again ---------------------------------------------------------------------
    def _moments(self, project: BatchProject) -> list[tuple[datetime, datetime | None]]:
        """(from, until) of everything still ahead for ``project``, whoever it concerns."""
        if project.response_deadline is None:
            return []
        if project.status == Project.Status.COLLECTING:
            # The window still has to be closed, even after the deadline (a sweep that ran too early).
            return [(s.at, s.until) for s in reminder_stages(project)] + [(project.response_deadline, None)]
        if project.status == Project.Status.AGGREGATED:
            return [(project.response_deadline, None)]
        return []

    def first_check(self, project: BatchProject, *, now: datetime | None = None) -> datetime | None:
        """When the sweep must first look at ``project`` (in the past when something is due already):
        on opening the window and on closing it."""
        now = now or timezone.now()
        return min((at for at, until in self._moments(project) if until is None or now < until), default=None)

    def next_check(self, project: BatchProject, *, now: datetime | None = None) -> datetime | None:
        """After a sweep at ``now`` has handled everything due: the next moment something falls due.

        Reminders go to thousands of units, so this looks at the schedule, not at each unit's key: a
        sweep sends every round due at ``now`` (its keys guard against a second sending). A window
        that is still open after its deadline is looked at again at once.
        """
        now = now or timezone.now()
        ahead = [at for at, until in self._moments(project) if at > now and (until is None or now < until)]
        if project.status == Project.Status.COLLECTING and project.response_deadline <= now:
            ahead.append(project.response_deadline)
        return min(ahead, default=None)


BATCH_PROJECT_DEADLINES = register_deadline_source(BatchProjectDeadlines())

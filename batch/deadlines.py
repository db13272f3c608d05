"""The deadlines of a batch project in 需求征集 (seed 000 三(一)(4): units answer "在规定时间内").

Every eligible unit is told, in-app and by e-mail with a link to its filing page, in rounds. Each round
is due from its moment until the next round starts (or the deadline), so a late sweep never sends two
rounds at once, and each message is recorded under a unique key, so it goes out exactly once:

- when the window opens (``response_opens_at``: at once, or at a later moment the center chose): every
  eligible unit, with the deadline (key ``batch:{project}:unit:{unit}:opened``);
- when the center extends the deadline (``batch.projects.batch_response_deadline_extend``): every
  eligible unit, with the new deadline and the reason (key ``batch:{project}:unit:{unit}:extended:{event}``);
- 3 and 1 working days before the response deadline (``procurement.deadlines.SUB_PLAN_REMINDER_DAYS``,
  from the start of that day in the portal's time zone): every eligible unit that has not submitted a
  sub-plan (key ``batch:{project}:unit:{unit}:reminder:{days}:{deadline day}``). A reminder round that
  would start no later than the last message telling the deadline (the opening, or the latest extension)
  is dropped: that message has just told it.

After an extension the reminders count down to the new deadline. The rule is 3 and 1 working days before
*the* response deadline, and the 更正公告 makes the new one the deadline: a unit reminded before the old
day is reminded again before the new day (the key carries the deadline's day). An extension within the
same day sends no second reminder of a round already sent (the extension message tells the new time).

At the deadline the sweep closes the window (``close_collection``, by the system) and tells the center
the master plan awaits its confirmation.

Declared by the batch plugin (``batch.plugin``); the core adds it to the deadline sweep
(``procurement.services.reminders``) when ``BatchConfig.ready()`` registers the plugin.
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
from procurement.formats import chinese_datetime as chinese_moment
from procurement.models import Notification, Organization, Project, ProjectEvent
from procurement.services.reminders import DeadlineSource, Milestone

RULE = "《关于进一步加强集中采购工作机制建设的意见》三（一）4：有意向参与的预算单位应当在规定时间内填报分计划"

# The audit action of a deadline extension (written by batch.projects; the units' message is read from it).
EXTEND_DEADLINE = "extend_response_deadline"

OPENED, EXTENDED, REMINDER = "opened", "extended", "reminder"


@dataclass(frozen=True)
class Extension:
    """A deadline extension as the audit log keeps it."""

    event_id: int
    at: datetime
    old_deadline: datetime | None
    reason: str
    corrected: bool  # a 更正公告 was published


@dataclass(frozen=True)
class Round:
    """One round of messages to the units: due from ``at`` until ``until``."""

    kind: str  # OPENED, EXTENDED or REMINDER
    at: datetime
    until: datetime
    days_before: int | None = None  # a reminder: working days before the deadline
    extension: Extension | None = None


def extensions(project: Project) -> list[Extension]:
    rows = (ProjectEvent.objects.filter(project_id=project.pk, action=EXTEND_DEADLINE)
            .order_by("created_at", "pk").values_list("pk", "created_at", "changes"))
    found = []
    for pk, at, changes in rows:
        old = (changes.get("response_deadline") or [None])[0]
        found.append(Extension(pk, at, datetime.fromisoformat(old) if old else None, changes.get("reason", ""),
                               bool(changes.get("correction_notice_id"))))
    return found


def message_rounds(project: Project, extended: list[Extension] | None = None) -> list[Round]:
    """The rounds of messages of ``project``'s window, earliest first (see the module's docstring)."""
    deadline = project.response_deadline
    if deadline is None:
        return []
    extended = extensions(project) if extended is None else extended
    starts: list[tuple[datetime, str, int | None, Extension | None]] = []
    if project.response_opens_at is not None:
        starts.append((project.response_opens_at, OPENED, None, None))
    starts += [(extension.at, EXTENDED, None, extension) for extension in extended]
    told = max((at for at, *_ in starts), default=None)
    last_day = timezone.localdate(deadline)
    for days in sorted(set(deadlines.SUB_PLAN_REMINDER_DAYS), reverse=True):
        at = deadlines.start_of_day(deadlines.subtract_working_days(last_day, days))
        if told is None or at > told:
            starts.append((at, REMINDER, days, None))
    starts.sort(key=lambda start: start[0])
    rounds = []
    for index, (at, kind, days, extension) in enumerate(starts):
        until = starts[index + 1][0] if index + 1 < len(starts) else deadline
        if at < until:
            rounds.append(Round(kind, at, until, days, extension))
    return rounds


def reminder_stages(project: Project) -> list[Round]:
    """The reminder rounds of ``project`` (3 and 1 working days before the deadline), earliest first."""
    return [r for r in message_rounds(project) if r.kind == REMINDER]


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
            return self._unit_messages(project)
        if project.status == Project.Status.AGGREGATED and project.response_deadline is not None:
            return [self._closed_notice(project)]
        return []

    def _unit_messages(self, project: BatchProject) -> list[Milestone]:
        rounds = message_rounds(project)
        if not rounds:
            return []
        from batch.projects import unanswered_units

        def units(queryset) -> list[Organization]:
            return list(queryset.only("pk", "name").order_by("pk"))

        everyone = units(Organization.objects.filter(eligibilities__project=project)) if any(
            r.kind != REMINDER for r in rounds) else []
        waiting = units(unanswered_units(project)) if any(r.kind == REMINDER for r in rounds) else []
        url = reverse("unit-sub-plan-file", args=[project.pk])
        due_on = timezone.localdate(project.response_deadline)
        found = []
        for step in rounds:
            key, title, body, level = self._message(project, step, due_on)
            found += [
                Milestone(
                    key=f"batch:{project.pk}:unit:{unit.pk}:{key}",
                    kind=f"sub_plan_due_in_{step.days_before}" if step.kind == REMINDER else f"collection_{step.kind}",
                    at=step.at,
                    until=step.until,
                    due_on=due_on,
                    organization=unit,
                    level=level,
                    title=title[:200],
                    body=body,
                    url=url,
                )
                for unit in (waiting if step.kind == REMINDER else everyone)
            ]
        return found

    def _message(self, project: BatchProject, step: Round, due_on) -> tuple[str, str, str, str]:
        """(key suffix, title, body, level) of one round's message."""
        subject = f"采购项目「{project.code} {project.title}」"
        deadline = chinese_moment(project.response_deadline)
        if step.kind == OPENED:
            return (
                "opened",
                f"需求征集开始：「{project.title}」请于{deadline}前提交分计划",
                f"贵单位是{subject}的可响应单位。{project.organizer.name}已于{chinese_moment(step.at)}开放需求响应，"
                f"截止时间为{deadline}。如需参加，请在截止前登录平台，对照产品配置分型选择采购包，填报并提交分计划"
                f"（只有已提交的分计划计入总计划，截止后不能再填报或修改）。依据{RULE}。",
                Notification.Level.INFO,
            )
        if step.kind == EXTENDED:
            extension = step.extension
            before = f"由{chinese_moment(extension.old_deadline)}" if extension.old_deadline else ""
            notice = f"{project.organizer.name}已发布更正公告。" if extension.corrected else ""
            return (
                f"extended:{extension.event_id}",
                f"需求响应截止时间延长：「{project.title}」延长至{deadline}",
                f"{subject}的需求响应截止时间已{before}延长至{deadline}，延长原因：{extension.reason}。{notice}"
                "已提交的分计划继续有效，截止前仍可修改，或撤回后重新提交；尚未提交分计划的，如需参加，"
                "请在新的截止时间前登录平台填报并提交。",
                Notification.Level.INFO,
            )
        return (
            f"reminder:{step.days_before}:{due_on.isoformat()}",
            f"分计划填报提醒：「{project.title}」还有{step.days_before}个工作日截止",
            f"贵单位是{subject}的可响应单位，目前尚未提交分计划（草稿不计入总计划）。需求响应将于{deadline}截止，"
            f"截止后不能再填报或修改。如需参加，请及时登录平台选择采购包，填报并提交分计划。依据{RULE}。",
            Notification.Level.WARNING,
        )

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
                f"采购项目「{project.code} {project.title}」的需求响应已于"
                f"{chinese_moment(project.response_deadline)}截止，"
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
            return [(r.at, r.until) for r in message_rounds(project)] + [(project.response_deadline, None)]
        if project.status == Project.Status.AGGREGATED:
            return [(project.response_deadline, None)]
        return []

    def first_check(self, project: BatchProject, *, now: datetime | None = None) -> datetime | None:
        """When the sweep must first look at ``project`` (in the past when something is due already): the
        opening (or an extension) told to the units, a reminder round, the closing of the window."""
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


# Joins the deadline sweep through the batch plugin (batch.plugin.BatchPlugin.deadline_sources).
BATCH_PROJECT_DEADLINES = BatchProjectDeadlines()

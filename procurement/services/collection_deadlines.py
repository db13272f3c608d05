"""The deadlines of a project in 需求征集, whatever its mode (seed 000 三(一)(4): units answer "在规定时间内").

Every eligible unit is told, in-app and by e-mail with a link to its filing page (its mode's
``ModePlugin.unit_response_page``, or the core's), in rounds. Each round
is due from its moment until the next round starts (or the deadline), so a late sweep never sends two
rounds at once, and each message is recorded under a unique key, so it goes out exactly once (the key
starts with the project's mode, as it did when batch alone had a window: ``batch:{project}:…``):

- when the window opens (``response_opens_at``: at once, or at a later moment the organizer chose): every
  eligible unit, with the deadline (key ``{mode}:{project}:unit:{unit}:opened``);
- when the organizer extends the deadline (an event ``EXTEND_DEADLINE`` in the audit log, written by
  ``procurement.services.collection.response_deadline_extend``): every eligible unit,
  with the new deadline and the reason (key ``{mode}:{project}:unit:{unit}:extended:{event}``);
- 3 and 1 working days before the response deadline (``procurement.deadlines.SUB_PLAN_REMINDER_DAYS``,
  from the start of that day in the portal's time zone): every eligible unit that has not answered
  (``selectors.collection.unanswered_units``: no counted sub-plan, or as its mode says), key
  ``{mode}:{project}:unit:{unit}:reminder:{days}:{deadline day}``. A reminder round that
  would start no later than the last message telling the deadline (the opening, or the latest extension)
  is dropped: that message has just told it.

After an extension the reminders count down to the new deadline. The rule is 3 and 1 working days before
*the* response deadline, and the 更正公告 makes the new one the deadline: a unit reminded before the old
day is reminded again before the new day (the key carries the deadline's day). An extension within the
same day sends no second reminder of a round already sent (the extension message tells the new time).

At the deadline the sweep closes the window (``close_collection``, by the system) and tells the organizer
the master plan awaits its confirmation.

The wording is templates (``collection/messages/<kind>.txt``: the title on the first line, the body after
it), which a mode overrides through ``ModePlugin.templates``; which projects of a mode the schedule runs is
``ModePlugin.collection_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from procurement import deadlines
from procurement.access import SYSTEM
from procurement.formats import chinese_datetime as chinese_moment
from procurement.models import Notification, Organization, Project, ProjectEvent
from procurement.modes import message_render, mode_plugin, registered_plugins
from procurement.services.reminders import DeadlineSource, Milestone, register_deadline_source

# The audit action of a deadline extension (written by the mode's extension service; the units' message is
# read from it).
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


def message(name: str, project: Project, **context) -> tuple[str, str]:
    """(title, body) of the message ``collection/messages/{name}.txt``, in the project's mode's wording."""
    return message_render(project.mode, f"collection/messages/{name}.txt", {"project": project, **context})


def organizer_project_page(project: Project) -> str:
    """The organizer's page of ``project``: its mode's, or the core's master-plan page."""
    return (mode_plugin(project.mode).organizer_project_page(project)
            or reverse("collection-master-plan", args=[project.pk]))


class CollectionDeadlines(DeadlineSource):
    name = "collection"
    model = Project
    fan_out = True  # every eligible unit of the project: thousands of reminders in one go

    def queryset(self) -> models.QuerySet:
        # Each mode says which of its projects carry the schedule (batch: those opened through its services).
        registered = registered_plugins()
        scope = ~Q(mode__in=[plugin.mode for plugin in registered])
        for plugin in registered:
            scope |= Q(mode=plugin.mode) & plugin.collection_scope()
        return Project._base_manager.filter(scope)

    # --- what the deadline does ----------------------------------------------------------------
    def act(self, project: Project, *, now: datetime) -> Project:
        if (project.status == Project.Status.COLLECTING and project.response_deadline is not None
                and now >= project.response_deadline and project.window_closed()):
            from procurement.services.collection import collection_close

            return collection_close(project=project, actor=SYSTEM)
        return project

    # --- who is reminded of what ------------------------------------------------------------------
    def milestones(self, project: Project) -> list[Milestone]:
        if project.status == Project.Status.COLLECTING:
            return self._unit_messages(project)
        if project.status == Project.Status.AGGREGATED and project.response_deadline is not None:
            return [self._closed_notice(project)]
        return []

    def _unit_messages(self, project: Project) -> list[Milestone]:
        rounds = message_rounds(project)
        if not rounds:
            return []
        from procurement.selectors.collection import unanswered_units

        def units(queryset) -> list[Organization]:
            return list(queryset.only("pk", "name").order_by("pk"))

        everyone = units(Organization.objects.filter(eligibilities__project=project)) if any(
            r.kind != REMINDER for r in rounds) else []
        waiting = units(unanswered_units(project)) if any(r.kind == REMINDER for r in rounds) else []
        url = mode_plugin(project.mode).unit_response_page(project) or reverse("unit-sub-plan-file", args=[project.pk])
        due_on = timezone.localdate(project.response_deadline)
        found = []
        for step in rounds:
            key, title, body, level = self._message(project, step, due_on)
            found += [
                Milestone(
                    key=f"{project.mode}:{project.pk}:unit:{unit.pk}:{key}",
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

    def _message(self, project: Project, step: Round, due_on) -> tuple[str, str, str, str]:
        """(key suffix, title, body, level) of one round's message."""
        context = {"subject": f"采购项目「{project.code} {project.title}」",
                   "deadline": chinese_moment(project.response_deadline)}
        if step.kind == OPENED:
            title, body = message("opened", project, opened_at=chinese_moment(step.at), **context)
            return "opened", title, body, Notification.Level.INFO
        if step.kind == EXTENDED:
            extension = step.extension
            title, body = message(
                "extended", project, extension=extension,
                old_deadline=chinese_moment(extension.old_deadline) if extension.old_deadline else "", **context)
            return f"extended:{extension.event_id}", title, body, Notification.Level.INFO
        title, body = message("reminder", project, days_before=step.days_before, **context)
        return f"reminder:{step.days_before}:{due_on.isoformat()}", title, body, Notification.Level.WARNING

    def _closed_notice(self, project: Project) -> Milestone:
        from procurement.selectors.collection import response_of

        title, body = message("closed", project, response=response_of(project),
                              deadline=chinese_moment(project.response_deadline))
        return Milestone(
            key=f"{project.mode}:{project.pk}:collection_closed",
            kind="collection_closed",
            at=project.response_deadline,
            until=None,
            due_on=timezone.localdate(project.response_deadline),
            organization=project.organizer,
            level=Notification.Level.INFO,
            title=title[:200],
            body=body,
            url=organizer_project_page(project),
        )

    # --- when to look again ---------------------------------------------------------------------
    def _moments(self, project: Project) -> list[tuple[datetime, datetime | None]]:
        """(from, until) of everything still ahead for ``project``, whoever it concerns."""
        if project.response_deadline is None:
            return []
        if project.status == Project.Status.COLLECTING:
            # The window still has to be closed, even after the deadline (a sweep that ran too early).
            return [(r.at, r.until) for r in message_rounds(project)] + [(project.response_deadline, None)]
        if project.status == Project.Status.AGGREGATED:
            return [(project.response_deadline, None)]
        return []

    def first_check(self, project: Project, *, now: datetime | None = None) -> datetime | None:
        """When the sweep must first look at ``project`` (in the past when something is due already): the
        opening (or an extension) told to the units, a reminder round, the closing of the window."""
        now = now or timezone.now()
        return min((at for at, until in self._moments(project) if until is None or now < until), default=None)

    def reschedule(self, project: Project, *, sweep_now: bool = False) -> None:
        """Look at ``project`` again from its first due moment (after it opened, closed or its deadline moved);
        ``sweep_now``: what is due already (the opening or extension message) goes out as soon as the transaction
        commits, through the sweep, the beat's next run being the fallback."""
        self.store_next_check(project, self.first_check(project))
        if sweep_now:
            from procurement import tasks

            transaction.on_commit(tasks.sweep_due_deadlines.delay, robust=True)

    def next_check(self, project: Project, *, now: datetime | None = None) -> datetime | None:
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


COLLECTION_DEADLINES = register_deadline_source(CollectionDeadlines())

"""Closing a response window and confirming the master plan, whatever the mode (seed 000 三(一)(4)).

需求响应: eligible units file sub-plans until the deadline (``procurement.services.sub_plans``); the master
plan (总计划) is their sum. At the deadline the sweep closes the window (``collection_deadlines``), or the
organizer does it from its page (截止汇总); the organizer then confirms the master plan (确认总计划), which
freezes the submitted sub-plans. Before the deadline the organizer may extend it (later only, with a reason).
How a mode opens its window (batch: from a task notice, with a solicitation notice) is the mode's own; what a
mode publishes when the deadline moves (batch: a 更正公告 correcting its solicitation notice) is its
``ModePlugin.response_deadline_extended`` hook. The confirmation's time is the project's own
(``Project.master_plan_confirmed_at``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from procurement import access
from procurement.access import SYSTEM
from procurement.formats import chinese_datetime as chinese_moment
from procurement.models import Project, SubPlan
from procurement.modes import mode_plugin
from procurement.services.collection_deadlines import COLLECTION_DEADLINES, EXTEND_DEADLINE
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.transitions import transition_run, transition_run_many

REASON_MAX_LENGTH = 500


@transaction.atomic
def collection_close(*, project: Project, actor=SYSTEM) -> Project:
    """截止汇总: the response deadline has passed; by default the deadline sweep does it."""
    closed = transition_run(instance=project, name="close_collection", actor=actor)
    COLLECTION_DEADLINES.reschedule(closed)
    return closed


@transaction.atomic
def master_plan_confirm(*, project: Project, actor) -> Project:
    """确认总计划: the project moves on and every submitted sub-plan is frozen, all or nothing.

    Drafts and withdrawn sub-plans were never counted: they stay as they are (the window is closed).
    """
    now = timezone.now()

    def prepare(locked: Project) -> dict:
        locked.master_plan_confirmed_at = now
        return {"master_plan_confirmed_at": now.isoformat()}

    confirmed = transition_run(instance=project, name="confirm_master_plan", actor=actor, prepare=prepare)
    # Thousands of sub-plans: the one door's bulk form (one lock, one audit row each, written in bulk).
    submitted = SubPlan.objects.filter(project_id=confirmed.pk, status=SubPlan.Status.SUBMITTED)
    transition_run_many(queryset=submitted.select_related("project"), name="freeze", actor=actor)
    return confirmed


# --- extending the response deadline ------------------------------------------------------------------

def response_deadline_extension_refusal(project: Project, user, now: datetime | None = None) -> str | None:
    """Why ``user`` cannot extend ``project``'s deadline now (None: the form is offered). For the pages only:
    ``response_deadline_extend`` checks the same rules again, and the new date and the reason too."""
    now = now or timezone.now()
    if not access.runs_project(user, project, step=access.Step.COLLECTION):
        return "只有组织该项目的采购中心可以延长需求响应截止时间。"
    if project.status != Project.Status.COLLECTING:
        return f"项目当前状态为「{project.get_status_display()}」，只有需求征集中的项目可以延长需求响应截止时间。"
    if project.response_deadline is None or now >= project.response_deadline:
        return "需求响应已截止，截止后不能再延长。"
    return None


@transaction.atomic
def response_deadline_extend(*, project: Project, new_deadline: datetime | None, reason: str, actor) -> Project:
    """延长需求响应截止时间: only while collecting and before the deadline, only later, with a reason.

    Writes the event (old and new deadline, the reason, the notices the mode published: batch publishes a
    更正公告 correcting its solicitation notice when one was published) and moves ``next_check``: the units
    are told at once (every eligible unit, in-app and by e-mail, through ``collection_deadlines``), the
    reminders count down to the new deadline, and the sweep closes the window then.
    """
    locked = (type(project).objects.select_related("organizer", "scope_region").select_for_update(of=("self",))
              .get(pk=project.pk))
    if not access.runs_project(actor, locked, step=access.Step.COLLECTION):
        raise PermissionDenied("只有组织该项目的采购中心可以延长需求响应截止时间")
    if locked.status != Project.Status.COLLECTING:
        raise TransitionRefused(f"项目当前状态为「{locked.get_status_display()}」，"
                                "只有需求征集中的项目可以延长需求响应截止时间")
    now = timezone.now()
    old_deadline = locked.response_deadline
    if old_deadline is None or now >= old_deadline:
        raise TransitionRefused(f"需求响应已于{chinese_moment(old_deadline or now)}截止，截止后不能再延长")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写延长截止时间的原因（将写入更正公告）", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(f"延长原因不能超过{REASON_MAX_LENGTH}字（现有{len(reason)}字）", field="reason")
    if new_deadline is None:
        raise ServiceError("请填写新的需求响应截止时间", field="new_deadline")
    if new_deadline <= now:
        raise ServiceError("新的截止时间必须晚于当前时间", field="new_deadline")
    if new_deadline <= old_deadline:
        raise ServiceError(f"只能延长截止时间：新的截止时间必须晚于原截止时间{chinese_moment(old_deadline)}",
                           field="new_deadline")

    Project.objects.filter(pk=locked.pk).update(response_deadline=new_deadline, updated_at=now)
    locked.response_deadline = new_deadline
    published = mode_plugin(locked.mode).response_deadline_extended(
        locked, old_deadline=old_deadline, new_deadline=new_deadline, reason=reason, at=now, actor=actor)
    event_record(subject=locked, action=EXTEND_DEADLINE, action_label="延长需求响应截止时间", actor=actor,
                 source=locked.status, target=locked.status, note=reason, changes={
                     "response_deadline": [old_deadline.isoformat(), new_deadline.isoformat()],
                     "reason": reason,
                     "corrected_notice_id": published.get("corrected_notice_id"),
                     "correction_notice_id": published.get("correction_notice_id"),
                 })
    # After the event: the units' message is the extension's (collection_deadlines reads it), due now.
    COLLECTION_DEADLINES.reschedule(locked, sweep_now=True)
    return locked

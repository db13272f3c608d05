"""Closing a response window and confirming the master plan, whatever the mode (seed 000 三(一)(4)).

需求响应: eligible units file sub-plans until the deadline (``procurement.services.sub_plans``); the master
plan (总计划) is their sum. At the deadline the sweep closes the window (``collection_deadlines``), or the
organizer does it from its page (截止汇总); the organizer then confirms the master plan (确认总计划), which
freezes the submitted sub-plans. How a mode opens its window (batch: from a task notice, with a solicitation
notice) is the mode's own; what a mode records on its own data at confirmation is its
``ModePlugin.master_plan_confirmed`` hook.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from procurement.access import SYSTEM
from procurement.models import Project, SubPlan
from procurement.modes import mode_plugin
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.transitions import transition_run, transition_run_many


@transaction.atomic
def collection_close(*, project: Project, actor=SYSTEM) -> Project:
    """截止汇总: the response deadline has passed; by default the deadline sweep does it."""
    closed = transition_run(instance=project, name="close_collection", actor=actor)
    COLLECTION_DEADLINES.store_next_check(closed, COLLECTION_DEADLINES.first_check(closed))
    return closed


@transaction.atomic
def master_plan_confirm(*, project: Project, actor) -> Project:
    """确认总计划: the project moves on and every submitted sub-plan is frozen, all or nothing.

    Drafts and withdrawn sub-plans were never counted: they stay as they are (the window is closed).
    """
    now = timezone.now()

    def prepare(locked: Project) -> dict:
        changes = {"master_plan_confirmed_at": now.isoformat()}
        changes.update(mode_plugin(locked.mode).master_plan_confirmed(locked, at=now))
        return changes

    confirmed = transition_run(instance=project, name="confirm_master_plan", actor=actor, prepare=prepare)
    # Thousands of sub-plans: the one door's bulk form (one lock, one audit row each, written in bulk).
    submitted = SubPlan.objects.filter(project_id=confirmed.pk, status=SubPlan.Status.SUBMITTED)
    transition_run_many(queryset=submitted.select_related("project"), name="freeze", actor=actor)
    return confirmed

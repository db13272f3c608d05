"""Reads of framework task notices (框架协议采购任务通知单, seed 000 annex 7): the core's selectors with the mode
filled in, and what the other framework stages ask of them.

``acknowledged_tasks(center)`` is the one the plan stage uses: the tasks a center may draft a framework plan
(annex 8) from.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from framework.models import FrameworkPlan
from procurement.models import Mode, Organization, TaskNotice
from procurement.selectors import tasks as core

FRAMEWORK = Mode.FRAMEWORK
DRAFTERS = core.DRAFTERS
RECEIVERS = core.RECEIVERS


def tasks_drafted(user) -> QuerySet:
    """The framework notices of the finance bureaus ``user`` acts for (every status): finance's pages."""
    return core.task_notices_drafted(user, mode=FRAMEWORK)


def tasks_received(user) -> QuerySet:
    """The framework notices issued to the centers ``user`` acts for (never a draft): the center's pages."""
    return core.task_notices_received(user, mode=FRAMEWORK)


def tasks_visible(user) -> QuerySet:
    """Drafted by the user's bureaus or received by the user's centers (the API)."""
    return core.task_notices_visible(user, mode=FRAMEWORK)


def task_history(task: TaskNotice) -> QuerySet:
    return core.task_notice_history(task)


def acknowledged_tasks(center: Organization | int | Iterable[Organization | int]) -> QuerySet:
    """The framework tasks ``center`` (one center, or several: a user's centers) has acknowledged (签收) and no
    framework plan (``FrameworkPlan.task``) uses yet: what the center may draft a plan from, oldest first."""
    if isinstance(center, Organization | int):
        center_ids = [getattr(center, "pk", center)]
    else:
        center_ids = [getattr(c, "pk", c) for c in center]
    used = FrameworkPlan.objects.filter(task=OuterRef("pk"))
    return (TaskNotice.objects
            .filter(mode=FRAMEWORK, center_id__in=center_ids, status=TaskNotice.Status.ACKNOWLEDGED)
            .exclude(Exists(used))
            .select_related("finance_bureau__region", "center", "category")
            .order_by("acknowledged_at", "pk"))


def task_plans(task: TaskNotice) -> QuerySet:
    """The framework plans drafted from ``task`` (what makes it impossible to withdraw)."""
    return FrameworkPlan.objects.filter(task=task).select_related("project").order_by("-created_at")

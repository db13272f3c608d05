"""Reads of task notices (采购任务通知单), for every mode: who drafted them, who received them, their history.

Each lookup takes an optional ``mode``: a mode's pages pass their own (batch's list shows batch notices only).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from procurement import access
from procurement.models import Organization, ProjectEvent, Region, TaskNotice

# Who drafts, issues and withdraws a notice, and who receives and acknowledges it: the one declaration for the
# pages (``kind_required``) and the API (``seats_required``) alike (issue 8 point 4).
DRAFTERS = (Organization.Kind.FINANCE,)
RECEIVERS = (Organization.Kind.CENTER,)


def _with_joins(qs: QuerySet, mode: str | None) -> QuerySet:
    if mode:
        qs = qs.filter(mode=mode)
    return qs.select_related("finance_bureau__region", "center", "category").prefetch_related("scope_regions")


def _ever_issued() -> Q:
    # A draft never reaches the center; a notice withdrawn after issue stays in its list, marked as such.
    return Q(status__in=[TaskNotice.Status.ISSUED, TaskNotice.Status.ACKNOWLEDGED]) | Q(
        status=TaskNotice.Status.WITHDRAWN, issued_on__isnull=False)


def task_notices_drafted(user, *, mode: str | None = None) -> QuerySet:
    """The notices of the finance bureaus the user acts for (every status): the finance pages."""
    qs = TaskNotice.objects.all()
    if not access.is_superuser(user):
        qs = qs.filter(finance_bureau_id__in=access.org_ids(user, kind=Organization.Kind.FINANCE))
    return _with_joins(qs, mode)


def task_notices_received(user, *, mode: str | None = None) -> QuerySet:
    """The notices issued to the centers the user acts for: the center pages."""
    qs = TaskNotice.objects.filter(_ever_issued())
    if not access.is_superuser(user):
        qs = qs.filter(center_id__in=access.org_ids(user, kind=Organization.Kind.CENTER))
    return _with_joins(qs, mode)


def task_notices_visible(user, *, mode: str | None = None) -> QuerySet:
    """Drafted by the user's bureaus or received by the user's centers (API and admin)."""
    if access.is_superuser(user):
        return _with_joins(TaskNotice.objects.all(), mode)
    bureaus = access.org_ids(user, kind=Organization.Kind.FINANCE)
    centers = access.org_ids(user, kind=Organization.Kind.CENTER)
    q = Q(finance_bureau_id__in=bureaus) | (Q(center_id__in=centers) & _ever_issued())
    return _with_joins(TaskNotice.objects.filter(q), mode)


def task_notice_history(task: TaskNotice) -> QuerySet:
    """The audit rows of ``task``, newest first."""
    return (ProjectEvent.objects.filter(subject_type="tasknotice", subject_id=task.pk)
            .select_related("actor", "actor_organization"))


def scope_text(task: TaskNotice) -> str:
    """适用范围 as the notice prints it: the whole area of the bureau, or the listed regions."""
    if task.scope == TaskNotice.Scope.REGIONS:
        names = "、".join(region.name for region in task.scope_regions.all())
        return f"分地区：{names}" if names else "分地区（未选择地区）"
    region = task.finance_bureau.region
    return "全省" if region.level == Region.Level.PROVINCE else f"{region.name}全域"

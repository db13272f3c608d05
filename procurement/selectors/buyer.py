"""Reads for a budget unit's own pages (我的分计划、我的合同).

Every queryset starts from the access policy (``access.visible_*``) and narrows it to the units
the user acts for, so another unit's sub-plan or contract is simply not found (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from procurement import access
from procurement.models import Contract, Lot, Organization, Project, ProjectEvent, SubPlan

# Who files, revises, submits and withdraws sub-plans (and signs its own contracts): the one declaration for the
# unit's pages (``kind_required``) and the API's writes (``seats_required``) alike (issue 8 point 4).
BUYERS = (Organization.Kind.BUDGET_UNIT,)


def buyer_unit_ids(user) -> list[int]:
    return access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)


def own_sub_plans(user) -> QuerySet[SubPlan]:
    return (
        access.visible_sub_plans(user)
        .filter(unit_id__in=buyer_unit_ids(user))
        .select_related("project", "lot", "unit")
    )


def own_sub_plan_list(user, *, status: str = "", project_id: int | None = None, q: str = "") -> QuerySet[SubPlan]:
    qs = own_sub_plans(user)
    if status:
        qs = qs.filter(status=status)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if q:
        qs = qs.filter(Q(project__code__icontains=q) | Q(project__title__icontains=q) | Q(lot__name__icontains=q))
    return qs.order_by("-updated_at", "-pk")


def own_sub_plan_projects(user) -> QuerySet[Project]:
    """The projects the user's units have filed sub-plans for: the project filter's choices."""
    return (
        Project.objects.filter(pk__in=own_sub_plans(user).values("project_id"))
        .only("pk", "code", "title")
        .order_by("-created_at")
    )


def own_contracts(user) -> QuerySet[Contract]:
    return (
        access.visible_contracts(user)
        .filter(buyer_id__in=buyer_unit_ids(user))
        .select_related("project", "buyer", "supplier")
        .prefetch_related("lines__lot")
    )


def own_contract_list(user, *, status: str = "", q: str = "") -> QuerySet[Contract]:
    qs = own_contracts(user)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(supplier__name__icontains=q)
                       | Q(project__code__icontains=q))
    return qs.order_by("-created_at", "-pk")


def projects_eligible_for(user) -> QuerySet[Project]:
    """Projects the user's units are eligible for (open or not): the file page looks them up here."""
    units = buyer_unit_ids(user)
    return (
        access.projects_readable(user)
        .filter(pk__in=Project.objects.filter(eligible_units__unit_id__in=units).values("pk"))
        .select_related("organizer", "category", "scope_region")
    )


def eligible_units_of(user, project: Project) -> QuerySet[Organization]:
    """The user's units that may answer ``project``."""
    return Organization.objects.filter(
        pk__in=buyer_unit_ids(user), eligibilities__project=project
    ).order_by("name")


def lots_for_filing(project: Project) -> QuerySet[Lot]:
    return project.lots.select_related("category").order_by("number")


def filed_lot_ids(project: Project, unit_ids: list[int]) -> dict[int, int]:
    """{lot id: sub-plan id} of the lots of ``project`` already filed by one of ``unit_ids``."""
    return dict(
        SubPlan.objects.filter(project=project, unit_id__in=unit_ids).values_list("lot_id", "pk")
    )


def history_of(subject_type: str, subject_id: int) -> QuerySet[ProjectEvent]:
    """The audit trail of one object (newest first), for its detail page."""
    return (
        ProjectEvent.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .select_related("actor", "actor_organization")
        .order_by("-created_at", "-id")
    )

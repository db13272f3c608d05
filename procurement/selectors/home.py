"""Reads for the home page of each role (工作台): finance, center/agency, budget unit, supplier.

Every figure starts from the access policy (``access.visible_*``), so a page can never count or
list what its user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from procurement import access
from procurement.models import (
    Award,
    Contract,
    EligibleUnit,
    Notification,
    Organization,
    Project,
    Region,
    SubPlan,
)
from procurement.selectors.buyer import buyer_unit_ids
from procurement.selectors.plans import projects_open_to

Kind = Organization.Kind


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int


def _status_counts(qs: QuerySet, choices) -> list[StatusCount]:
    found = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [StatusCount(value, label, found.get(value, 0)) for value, label in choices]


def _search_projects(qs: QuerySet[Project], q: str) -> QuerySet[Project]:
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q))
    return qs


def _count_of(model, *, project_field: str = "project", **filters) -> Coalesce:
    """A correlated COUNT over ``model`` rows of the outer project (no join fan-out)."""
    rows = (
        model.objects.filter(**{project_field: OuterRef("pk")}, **filters)
        .order_by()
        .values(project_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


# --- finance -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FinanceOverview:
    regions: list[Region]
    unit_count: int
    project_total: int
    projects_by_status: list[StatusCount]
    publish_overdue: QuerySet[Contract]
    filing_overdue_count: int


def finance_overview(user, *, today: date) -> FinanceOverview:
    """Finance staff: the numbers of their region and below (本级及下级)."""
    paths = access.region_paths(user, kind=Kind.FINANCE)
    projects = access.projects_readable(user)
    contracts = access.visible_contracts(user)
    return FinanceOverview(
        regions=list(Region.objects.filter(path__in=paths).order_by("path")),
        unit_count=access.visible_organizations(user).budget_units().filter(is_active=True).count(),
        project_total=projects.count(),
        projects_by_status=_status_counts(projects, Project.Status.choices),
        publish_overdue=(
            contracts.publish_overdue(today)
            .select_related("buyer", "buyer__region", "supplier", "project")
            .order_by("publish_due", "pk")
        ),
        filing_overdue_count=contracts.filing_overdue(today).count(),
    )


def finance_recent_projects(user, *, q: str = "") -> QuerySet[Project]:
    qs = access.projects_readable(user).select_related("organizer", "scope_region", "category")
    return _search_projects(qs, q).order_by("-created_at", "-pk")


# --- procurement center / entrusted agency -----------------------------------------------

# The seats the center's home counts (a lead unit's projects are on the unit's home).
CENTER_HOME_KINDS = (Kind.CENTER, Kind.AGENCY)


def center_run_projects(user) -> QuerySet[Project]:
    """The projects the user's center runs, or that its agency is entrusted with (the access policy's rule)."""
    return access.projects_run_by(user, kinds=CENTER_HOME_KINDS)


def center_projects(user, *, q: str = "", status: str = "") -> QuerySet[Project]:
    """The projects the user's center (or agency) runs, with eligible-unit and counted sub-plan numbers."""
    qs = (
        center_run_projects(user)
        .select_related("organizer", "agency", "scope_region", "category")
        .annotate(
            eligible_count=_count_of(EligibleUnit),
            submitted_count=_count_of(SubPlan, status__in=SubPlan.COUNTED),
        )
    )
    if status:
        qs = qs.filter(status=status)
    return _search_projects(qs, q).order_by("-created_at", "-pk")


def center_status_counts(user) -> list[StatusCount]:
    return _status_counts(center_run_projects(user), Project.Status.choices)


def center_unsigned_contracts(user) -> QuerySet[Contract]:
    """Contracts of the center's projects that the buying unit has not signed yet."""
    return (
        access.visible_contracts(user)
        .filter(project__in=center_run_projects(user).values("pk"), status=Contract.Status.DRAFT)
        .select_related("project", "buyer", "supplier")
        .order_by("created_at", "pk")
    )


# --- budget unit -------------------------------------------------------------------------

def unit_open_projects(user) -> QuerySet[Project]:
    """Projects collecting sub-plans now for which one of the user's units is eligible, soonest first,
    with how many lots the user's units have already filed."""
    units = Organization.objects.filter(pk__in=buyer_unit_ids(user))
    ids: set[int] = set()
    for unit in units:
        ids.update(projects_open_to(unit).values_list("pk", flat=True))
    unit_ids = [u.pk for u in units]
    return (
        access.projects_readable(user)
        .filter(pk__in=ids)
        .select_related("organizer", "category", "scope_region")
        .annotate(
            lot_count=Count("lots", distinct=True),
            filed_count=_count_of(SubPlan, unit_id__in=unit_ids),
        )
        .order_by("response_deadline", "pk")
    )


def unit_led_projects(user) -> QuerySet[Project]:
    """Joint projects (统采分签) the user's unit leads as 牵头单位."""
    return (
        access.projects_run_by(user, kinds=(Kind.BUDGET_UNIT,))
        .select_related("scope_region")
        .order_by("-created_at", "-pk")
    )


def notification_list(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own messages (站内消息), newest first."""
    messages = Notification.objects.filter(recipient=user).select_related("organization")
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-pk")


def unread_notifications(user) -> QuerySet[Notification]:
    return notification_list(user, unread_only=True)


# --- supplier ----------------------------------------------------------------------------

def supplier_org_ids(user) -> list[int]:
    return access.org_ids(user, kind=Kind.SUPPLIER)


def supplier_awards(user) -> QuerySet[Award]:
    """Every award that is the supplier's own, each its own row: several on one project, or on one lot, allowed."""
    return (
        Award.objects.filter(supplier_id__in=supplier_org_ids(user),
                             project_id__in=access.projects_readable(user).values("pk"))
        .select_related("project", "lot", "supplier")
        .order_by("-awarded_on", "-pk")
    )


def supplier_contracts(user, *, q: str = "") -> QuerySet[Contract]:
    qs = (
        access.visible_contracts(user)
        .filter(supplier_id__in=supplier_org_ids(user))
        .select_related("project", "buyer")
        .prefetch_related("lines__lot")
    )
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(buyer__name__icontains=q)
                       | Q(project__code__icontains=q))
    return qs.order_by("-created_at", "-pk")

"""Who may see and do what: the one access policy for pages, admin and API alike.

- A budget unit sees and changes only its own sub-plans and contracts, and the projects open to it.
- A supplier sees only its own awards and contracts.
- Finance staff see everything in their region and below.
- The procurement center (and an entrusted agency) sees the projects it runs, with their
  sub-plans and contracts; a lead unit likewise for the joint projects it leads.

Visibility is expressed as querysets (``visible_*``) so that every list, detail page, admin
changelist and API endpoint filters in the database; an object outside them answers 404.
Transition permissions are the predicates ``can_*`` that django-fsm calls with (instance, user).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.db import connections, router
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

CACHE_ATTR = "_procurement_access"


@dataclass(frozen=True)
class Seat:
    """One active membership: the organization a user acts for, and how."""

    organization_id: int
    kind: str
    region_path: str
    can_write: bool


def seats(user: AbstractBaseUser | None) -> tuple[Seat, ...]:
    """The user's active memberships, read once per user object."""
    if user is None or not user.is_authenticated:
        return ()
    cached = getattr(user, CACHE_ATTR, None)
    if cached is None:
        from procurement.models import Membership

        alias = router.db_for_read(Membership)
        sql, params, user_at = _seats_statement(alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [*params[:user_at], user.pk, *params[user_at + 1:]])
            rows = cursor.fetchall()
        cached = tuple(
            Seat(org_id, kind, path, role != Membership.Role.VIEWER) for org_id, kind, path, role in rows
        )
        setattr(user, CACHE_ATTR, cached)
    return cached


NO_USER = -1  # no user has this id: where it stands among the statement's parameters, each user's id goes


@cache
def _seats_statement(alias: str) -> tuple[str, tuple, int]:
    """The SQL of the seats query, built by the ORM once per process, and where the user's id goes.

    Every request of a signed-in user reads its seats; building the query each time cost several times what
    the database spends answering it (issue 7 point 16: the deadline-day filing).
    """
    from procurement.models import Membership

    rows = (
        Membership.objects.filter(user_id=NO_USER, is_active=True, organization__is_active=True)
        .values_list("organization_id", "organization__kind", "organization__region__path", "role")
        .order_by("id")
    )
    sql, params = rows.query.get_compiler(using=alias).as_sql()
    return sql, tuple(params), list(params).index(NO_USER)


def forget(user) -> None:
    if hasattr(user, CACHE_ATTR):
        delattr(user, CACHE_ATTR)


class SystemActor:
    """The portal itself acting on a schedule (the deadline sweep closing a window, say).

    It is not a user: it signs in nowhere and owns no seat; only services pass it, and the audit
    log records such events with no actor.
    """

    is_authenticated = False
    is_active = True
    is_superuser = False
    pk = None

    def __str__(self) -> str:
        return "系统"


SYSTEM = SystemActor()


def is_system(user) -> bool:
    return user is SYSTEM


def is_superuser(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def is_privileged(user) -> bool:
    """The system actor or a superuser: may run any transition its conditions allow."""
    return is_system(user) or is_superuser(user)


def org_ids(user, *, kind: str | None = None, write: bool = False) -> list[int]:
    return [
        s.organization_id for s in seats(user)
        if (kind is None or s.kind == kind) and (s.can_write or not write)
    ]


def region_paths(user, *, kind: str) -> list[str]:
    return [s.region_path for s in seats(user) if s.kind == kind]


def has_seat(user, *kinds: str) -> bool:
    """Does ``user`` act for an organization of one of ``kinds``? The door of every page (``kind_required``) and of
    the API action that does the same thing (``procurement.api.permissions.SeatRequired``): one check, not two."""
    return any(s.kind in kinds for s in seats(user))


def acts_for(user, organization_id: int | None, *, write: bool = True) -> bool:
    if organization_id is None:
        return False
    return any(s.organization_id == organization_id and (s.can_write or not write) for s in seats(user))


def under_regions(prefix_field: str, paths: list[str]) -> Q:
    """Q matching rows whose region path starts with any of ``paths`` (this region and below)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix_field}__startswith": path})
    return q


# --- transition permissions (django-fsm calls them with instance, user) -------------------

def can_manage_project(project, user) -> bool:
    """The organizer (center or lead unit) or the entrusted agency runs the project."""
    return is_privileged(user) or acts_for(user, project.organizer_id) or acts_for(user, project.agency_id)


def can_edit_sub_plan(sub_plan, user) -> bool:
    """Only the unit itself files, revises and withdraws its sub-plan."""
    return is_superuser(user) or acts_for(user, sub_plan.unit_id)


def can_manage_sub_plan_project(sub_plan, user) -> bool:
    return can_manage_project(sub_plan.project, user)


def can_act_as_buyer(contract, user) -> bool:
    """Each unit signs, publishes, files, accepts and pays its own contract (统采分签)."""
    return is_superuser(user) or acts_for(user, contract.buyer_id)


def can_file_sub_plan(project, unit_id: int, user) -> bool:
    """May ``user`` file a sub-plan for ``unit_id`` in ``project``? (eligibility is checked separately)."""
    return is_superuser(user) or acts_for(user, unit_id)


# --- visibility --------------------------------------------------------------------------

def _kinds():
    from procurement.models import Organization

    return Organization.Kind


def visible_projects(user) -> QuerySet:
    from procurement.models import Project

    qs = Project.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    q = Q(pk__in=[])
    managing = _managing_org_ids(user)
    if managing:
        q |= Q(organizer_id__in=managing) | Q(agency_id__in=managing)
    units = org_ids(user, kind=Kind.BUDGET_UNIT)
    if units:
        q |= Q(pk__in=_eligible_project_ids(units))
    suppliers = org_ids(user, kind=Kind.SUPPLIER)
    if suppliers:
        from procurement.models import Award

        q |= Q(pk__in=Award.objects.filter(supplier_id__in=suppliers).values("project_id"))
    finance = region_paths(user, kind=Kind.FINANCE)
    if finance:
        q |= under_regions("scope_region__path", finance) | under_regions("organizer__region__path", finance)
    return qs.filter(q)


def _eligible_project_ids(unit_ids: list[int]) -> QuerySet:
    from procurement.models import EligibleUnit

    return EligibleUnit.objects.filter(unit_id__in=unit_ids).values("project_id")


def _managing_org_ids(user) -> list[int]:
    """Organizations that may run a project: a center, an entrusted agency, a lead (budget) unit."""
    Kind = _kinds()
    return [s.organization_id for s in seats(user) if s.kind in (Kind.CENTER, Kind.AGENCY, Kind.BUDGET_UNIT)]


def _managed_project_ids(user) -> QuerySet | list:
    from procurement.models import Project

    managing = _managing_org_ids(user)
    if not managing:
        return []
    return Project.objects.filter(Q(organizer_id__in=managing) | Q(agency_id__in=managing)).values("pk")


def visible_sub_plans(user) -> QuerySet:
    from procurement.models import SubPlan

    qs = SubPlan.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    q = Q(unit_id__in=org_ids(user, kind=Kind.BUDGET_UNIT)) | Q(project_id__in=_managed_project_ids(user))
    finance = region_paths(user, kind=Kind.FINANCE)
    if finance:
        q |= under_regions("unit__region__path", finance)
    return qs.filter(q)


def visible_contracts(user) -> QuerySet:
    from procurement.models import Contract

    qs = Contract.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    q = (
        Q(buyer_id__in=org_ids(user, kind=Kind.BUDGET_UNIT))
        | Q(supplier_id__in=org_ids(user, kind=Kind.SUPPLIER))
        | Q(project_id__in=_managed_project_ids(user))
    )
    finance = region_paths(user, kind=Kind.FINANCE)
    if finance:
        q |= under_regions("buyer__region__path", finance)
    return qs.filter(q)


def visible_organizations(user) -> QuerySet:
    """The directory: finance and the center see their region and below; others see themselves
    and (a supervising department) the units it supervises."""
    from procurement.models import Organization

    qs = Organization.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    own = org_ids(user)
    q = Q(pk__in=own) | Q(supervising_unit_id__in=org_ids(user, kind=Kind.BUDGET_UNIT))
    wide = region_paths(user, kind=Kind.FINANCE) + region_paths(user, kind=Kind.CENTER)
    if wide:
        q |= under_regions("region__path", wide)
    return qs.filter(q)


def visible_filings(user) -> QuerySet:
    from procurement.models import Filing

    qs = Filing.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    q = (
        Q(filed_by_id__in=org_ids(user))
        | Q(finance_bureau_id__in=org_ids(user, kind=Kind.FINANCE))
        | Q(project_id__in=_managed_project_ids(user))
    )
    finance = region_paths(user, kind=Kind.FINANCE)
    if finance:
        q |= under_regions("filed_by__region__path", finance)
    return qs.filter(q)


def visible_events(user) -> QuerySet:
    from procurement.models import ProjectEvent

    qs = ProjectEvent.objects.all()
    if is_superuser(user):
        return qs
    return qs.filter(project_id__in=visible_projects(user).values("pk"))


def visible_outbound_mails(user) -> QuerySet:
    """The outbox (外发邮件): a superuser sees every mail; anyone else only the mails sent to the members of
    their own organizations (a mail's body is the recipient's business: a contract's deadlines, a decision)."""
    from procurement.models import OutboundMail

    qs = OutboundMail.objects.all()
    if is_superuser(user):
        return qs
    return qs.filter(organization_id__in=org_ids(user))


def primary_kind(user) -> str | None:
    """The organization kind of the user's first active membership: chooses the home page."""
    found = seats(user)
    return found[0].kind if found else None

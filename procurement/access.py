"""Who may see and do what: the one access policy for pages, admin and API alike.

Who runs a project is answered here once (issue 9 point 4): its organizer (the organizing center, or the lead unit
of a joint volume project) runs every step; the entrusted agency (``Project.agency``) the steps entrusted to it
(``ENTRUSTED_STEPS``: the procurement execution). ``runs_project`` is the permission, asked of one object;
``projects_run_by`` the workspace list; ``reads_project`` / ``projects_readable`` who reads a project.

- A budget unit sees and changes only its own sub-plans and contracts, and the projects open to it.
- A supplier sees its own contracts and the projects in which any award is its own.
- Finance staff see everything in their region and below.
- Whoever runs a project sees it with its sub-plans and contracts.
- A mode adds who else reads its own projects through ``procurement.modes.ModePlugin.readable_projects``.

Permission predicates and visibility querysets are separate functions. Visibility is expressed as querysets
(``projects_readable``, ``visible_*``) so that every list, detail page, admin changelist and API endpoint filters
in the database; an object outside them answers 404. Predicates (``runs_project``, ``can_*``) take an object and
answer from the user's cached seats; django-fsm calls the transition permissions with (instance, user).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.db import connections, models, router
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


# --- who runs a project: the one rule (issue 9 point 4) ------------------------------------------

# The kinds of organization whose seats reach the core's workspace pages and API steps (``kind_required``,
# ``seats_required``): the organizing center and its entrusted agency. Which projects, and which steps, each may
# run is ``runs_project`` / ``projects_run_by`` below.
WORKSPACE_KINDS = ("center", "agency")
# The kinds whose seats reach the core's collection and execution pages and API steps: the center and its agency,
# and a budget unit leading a joint volume project (牵头单位, 753号 steps 1–6). A door, not a right: which projects
# each seat runs is ``projects_run_by`` (a unit that leads nothing finds an empty list, another's project a 404).
RUNNER_KINDS = (*WORKSPACE_KINDS, "budget_unit")
RUNNER_REFUSAL = "只有组织该项目的采购中心、牵头单位或受托代理机构可以办理"

class Step(models.TextChoices):
    """A step of running a project, as far as it matters who may take it."""

    SETUP = "setup", "立项与项目信息"
    COLLECTION = "collection", "需求征集"  # open the window, the solicitation notice, extend it, close it
    MASTER_PLAN = "master_plan", "确认总计划"  # the master plan (总计划), the sub-plans frozen with it
    PROCUREMENT_START = "procurement_start", "实施采购"  # method, dates, experts, maximum prices
    DOCUMENTS = "documents", "采购文件"
    AWARD = "award", "定标"  # award per lot, 定标, the award notice and its filing
    CONTRACTS = "contracts", "生成合同"  # 统采分签: one contract per buying unit
    TERMINATION = "termination", "终止项目"
    COMPLETION = "completion", "项目完成"


# The steps an entrusted agency (``Project.agency``) takes for the organizer: procurement execution only.
# Why this split: the demand is the purchaser side's. 《政府采购需求管理办法》(财库〔2021〕22号) 第四条 gives the
# purchaser the main responsibility for the procurement need, so collecting the units' sub-plans and confirming
# the master plan stay with the organizer (the center in batch, the lead unit in volume: 753号 steps 1–4 are the
# lead's, the agency is named only in step 4's implementation plan and works from step 5). The agency runs what
# the entrustment agreement hands it (《政府采购法》第二十条): the procurement itself, from its start to the award
# and the contracts that follow from the award. Setting the project up, stopping it and closing it end or change
# the entrustment itself, so they stay with the organizer too.
ENTRUSTED_STEPS = frozenset({Step.PROCUREMENT_START, Step.DOCUMENTS, Step.AWARD, Step.CONTRACTS})


def _entrusted(step: str | None) -> bool:
    """Does the agency act for ``step``? ``None`` asks whether the user runs some step of the project."""
    return step is None or step in ENTRUSTED_STEPS


def runs_project(user, project, *, step: str | None = None) -> bool:
    """May ``user`` take ``step`` of ``project`` (``None``: some step of it)? A permission, asked of one object.

    The organizer (the organizing center, or the lead unit in volume) runs every step; the entrusted agency the
    steps entrusted to it (``ENTRUSTED_STEPS``); the system actor and a superuser any. Only a member who may write
    acts; the answer reads the user's seats (cached) and the project's two ids, nothing else.
    """
    if is_privileged(user):
        return True
    if acts_for(user, project.organizer_id):
        return True
    return _entrusted(step) and acts_for(user, project.agency_id)


def runs_step(step: str):
    """The django-fsm permission ``(project, user) -> bool`` of a transition that is ``step``."""

    def permission(project, user) -> bool:
        return runs_project(user, project, step=step)

    permission.__name__ = permission.__qualname__ = f"runs_{step}"
    permission.step = step  # type: ignore[attr-defined]
    return permission


def projects_run_by(user, *, step: str | None = None, kinds: tuple[str, ...] | None = None) -> QuerySet:
    """The projects ``user`` runs (``step``: takes that step of): the workspace lists, the admin, the API's steps.

    ``kinds`` narrows the seats counted (a center's home counts its center and agency seats, not a lead unit's):
    such a workspace is its seats' alone, so a superuser's holds only what its own seats run. A read-only member
    lists what its organization runs (it reads it); whether it may act is ``runs_project``.
    """
    from procurement.models import Project

    qs = Project.objects.all()
    if kinds is None and is_privileged(user):
        return qs
    return qs.filter(_run_by(user, step=step, kinds=kinds))


def _run_by(user, *, step: str | None = None, kinds: tuple[str, ...] | None = None) -> Q:
    """The rule of ``runs_project`` as a Q over ``Project``, counting every seat (read-only ones too)."""
    orgs = [s.organization_id for s in seats(user) if kinds is None or s.kind in kinds]
    if not orgs:
        return Q(pk__in=[])
    q = Q(organizer_id__in=orgs)
    if _entrusted(step):
        q |= Q(agency_id__in=orgs)
    return q


def reads_project(user, project) -> bool:
    """May ``user`` read ``project`` (its page, its notices, its lots)? A predicate; lists use ``projects_readable``.

    Answered without a query for whoever runs it; otherwise one EXISTS over ``projects_readable``, so the two can
    never disagree.
    """
    if is_privileged(user):
        return True
    if acts_for(user, project.organizer_id, write=False) or acts_for(user, project.agency_id, write=False):
        return True
    if not seats(user):
        return False
    return projects_readable(user).filter(pk=project.pk).exists()


def projects_readable(user) -> QuerySet:
    """The projects ``user`` may read, for every list, page, admin changelist and API endpoint.

    - whoever runs it (``projects_run_by``: the organizer, the entrusted agency);
    - a budget unit, the projects it is eligible for (a participant of a joint project likewise);
    - a supplier, the projects in which any award is its own (several awards per lot, or per project, allowed);
    - finance staff, the projects of their region and below (by scope or by the organizer's region);
    - what a mode adds for its own projects (``ModePlugin.readable_projects``: a shortlisted framework supplier).

    A superuser and the system actor (the sweep acting on any project) read every project.
    """
    from procurement.models import Project

    qs = Project.objects.all()
    if is_privileged(user):
        return qs
    if not seats(user):
        return qs.none()
    Kind = _kinds()
    q = _run_by(user)
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
    q |= _mode_readable(user)
    return qs.filter(q)


def _mode_readable(user) -> Q:
    """What each registered mode lets ``user`` read of its own projects, beyond the core's rule."""
    from procurement.modes import registered_plugins

    q = Q(pk__in=[])
    for plugin in registered_plugins():
        extra = plugin.readable_projects(user)
        if extra is not None:
            q |= Q(mode=plugin.mode) & extra
    return q


# --- other transition permissions (django-fsm calls them with instance, user) ----------------------

def can_edit_sub_plan(sub_plan, user) -> bool:
    """Only the unit itself files, revises and withdraws its sub-plan."""
    return is_superuser(user) or acts_for(user, sub_plan.unit_id)


def can_manage_sub_plan_project(sub_plan, user) -> bool:
    """Freezing a sub-plan is part of confirming the master plan: the organizer's step."""
    return runs_project(user, sub_plan.project, step=Step.MASTER_PLAN)


def can_act_as_buyer(contract, user) -> bool:
    """Each unit signs, publishes, files, accepts and pays its own contract (统采分签)."""
    return is_superuser(user) or acts_for(user, contract.buyer_id)


def can_file_sub_plan(project, unit_id: int, user) -> bool:
    """May ``user`` file a sub-plan for ``unit_id`` in ``project``? (eligibility is checked separately)."""
    return is_superuser(user) or acts_for(user, unit_id)


# --- visibility of what hangs off a project -------------------------------------------------------

def _kinds():
    from procurement.models import Organization

    return Organization.Kind


def _eligible_project_ids(unit_ids: list[int]) -> QuerySet:
    from procurement.models import EligibleUnit

    return EligibleUnit.objects.filter(unit_id__in=unit_ids).values("project_id")


def _run_project_ids(user) -> QuerySet:
    return projects_run_by(user).values("pk")


def visible_sub_plans(user) -> QuerySet:
    from procurement.models import SubPlan

    qs = SubPlan.objects.all()
    if is_superuser(user):
        return qs
    Kind = _kinds()
    q = Q(unit_id__in=org_ids(user, kind=Kind.BUDGET_UNIT)) | Q(project_id__in=_run_project_ids(user))
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
        | Q(project_id__in=_run_project_ids(user))
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
        | Q(project_id__in=_run_project_ids(user))
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
    return qs.filter(project_id__in=projects_readable(user).values("pk"))


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

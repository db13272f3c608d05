"""Reads of a project in collection (需求征集), whatever its mode: who answered, who has not, who runs it.

The master plan itself (totals, drill-down, flags) is ``procurement.selectors.plans``; this module says
which projects a user runs (the center's pages and the API's steps), who may read the master plan, and how
the eligible units answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from procurement import access
from procurement.models import EligibleUnit, Organization, Project, SubPlan
from procurement.modes import mode_plugin

# Who runs a project's collection and master plan, for the pages (``kind_required``) and the API
# (``seats_required``) alike (issue 8 point 4): the organizing center or its entrusted agency, or the lead unit of a
# volume project (``access.RUNNER_KINDS``; the projects each runs are ``managed_projects``).
MANAGERS = access.RUNNER_KINDS
MASTER_PLAN_READERS_REFUSAL = "只有组织单位和财政部门可以查看总计划"


def eligible_count() -> Coalesce:
    rows = (EligibleUnit.objects.filter(project=OuterRef("pk")).order_by().values("project")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def answered_count() -> Coalesce:
    """Units with at least one counted sub-plan (a correlated count: no join fan-out over thousands of rows)."""
    rows = (SubPlan.objects.filter(project=OuterRef("pk"), status__in=SubPlan.COUNTED).order_by().values("project")
            .annotate(n=Count("unit", distinct=True)).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_response_counts(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``eligible_count`` and ``answered_count`` on each project."""
    return projects.annotate(eligible_count=eligible_count(), answered_count=answered_count())


def collection_projects(user) -> QuerySet[Project]:
    """Projects of every mode the user may see, with their organizer and response counts."""
    return with_response_counts(
        Project.objects.filter(pk__in=access.projects_readable(user).values("pk"))
        .select_related("organizer", "category", "scope_region")
    )


def managed_project_filter(user) -> Q | None:
    """The projects the user's center (or agency) runs, as a filter; None for a superuser (every project)."""
    if access.is_superuser(user):
        return None
    return Q(pk__in=access.projects_run_by(user, kinds=MANAGERS).values("pk"))


def managed_projects(user, projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The projects (of ``projects``, by default every visible one) the user's center or agency runs."""
    projects = collection_projects(user) if projects is None else projects
    found = managed_project_filter(user)
    return projects if found is None else projects.filter(found)


def may_read_master_plan(user, project: Project) -> bool:
    """The master plan is the organizer's (and finance's) working figure, not a unit's: units see their own."""
    return access.runs_project(user, project) or bool(access.org_ids(user, kind=Organization.Kind.FINANCE))


def answered_unit_ids(project: Project) -> QuerySet:
    """The ids of the units that answered: with a counted sub-plan, or as the project's mode says
    (``ModePlugin.answered_units``: a volume unit that declined has answered too)."""
    answered = mode_plugin(project.mode).answered_units(project)
    if answered is not None:
        return answered
    return SubPlan.objects.filter(project=project, status__in=SubPlan.COUNTED).values("unit_id")


def unanswered_units(project: Project) -> QuerySet[Organization]:
    """Eligible units that have not answered ``project`` (``answered_unit_ids``)."""
    return Organization.objects.filter(eligibilities__project=project).exclude(pk__in=answered_unit_ids(project))


def pending_units(project: Project) -> QuerySet[Organization]:
    """The unanswered units with their region, flagged when they keep a draft or a withdrawn sub-plan."""
    drafts = SubPlan.objects.filter(project=project, unit=OuterRef("pk"),
                                    status__in=[SubPlan.Status.DRAFT, SubPlan.Status.WITHDRAWN])
    return (
        unanswered_units(project)
        .select_related("region")
        .annotate(has_draft=Exists(drafts))
        .order_by("unit_code", "pk")
    )


@dataclass(frozen=True)
class Response:
    """How the eligible units answered: how many may answer, how many submitted."""

    eligible: int
    answered: int

    @property
    def pending(self) -> int:
        return self.eligible - self.answered


def response_of(project: Project) -> Response:
    """The counts the project lists show (``with_response_counts``), for one project: one query (two for a mode
    that says itself who answered, ``ModePlugin.answered_units``)."""
    answered_ids = mode_plugin(project.mode).answered_units(project)
    if answered_ids is not None:
        invited = EligibleUnit.objects.filter(project=project)
        return Response(eligible=invited.count(), answered=invited.filter(unit_id__in=answered_ids).count())
    eligible, answered = with_response_counts(Project.objects.filter(pk=project.pk)).values_list(
        "eligible_count", "answered_count").get()
    return Response(eligible=eligible, answered=answered)

"""Reads of the framework plans (框架协议采购方案, annex 8): whose plans a user sees, and the review queue.

- the center's members see their center's plans, whatever the status (``plans_of_centers``);
- the finance bureau of the center's level and region sees the plans once submitted (``plans_for_review``): the
  provincial finance department the provincial center's, a city bureau its city center's;
- anyone else sees none (another center's or bureau's plan answers 404).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from framework.models import FrameworkLot, FrameworkPlan, PlanReview, SurveyParticipant
from procurement import access
from procurement.models import Organization

Kind = Organization.Kind


def _with_details(qs: QuerySet[FrameworkPlan]) -> QuerySet[FrameworkPlan]:
    reviews = PlanReview.objects.select_related("finance_bureau", "reviewer").order_by("version", "reviewed_at")
    participants = SurveyParticipant.objects.order_by("kind", "pk")
    return qs.select_related("project__organizer__region", "project__category", "task__category").prefetch_related(
        Prefetch("reviews", queryset=reviews), Prefetch("survey_participants", queryset=participants))


def plans_of_centers(user) -> QuerySet[FrameworkPlan]:
    """The plans of the centers ``user`` is a member of (read seats too)."""
    qs = FrameworkPlan.objects.all()
    if not access.is_privileged(user):
        qs = qs.filter(project__organizer_id__in=access.org_ids(user, kind=Kind.CENTER))
    return _with_details(qs)


def plans_for_review(user) -> QuerySet[FrameworkPlan]:
    """The plans ``user``'s finance bureaus review or have reviewed (submitted at least once): those of the centers
    of the bureau's own region (the same level)."""
    qs = FrameworkPlan.objects.exclude(submitted_at=None)
    if not access.is_privileged(user):
        bureaus = Organization.objects.filter(pk__in=access.org_ids(user, kind=Kind.FINANCE))
        qs = qs.filter(project__organizer__region_id__in=bureaus.values("region_id"))
    return _with_details(qs)


def plans_readable(user) -> QuerySet[FrameworkPlan]:
    """Either of the above."""
    if access.is_privileged(user):
        return _with_details(FrameworkPlan.objects.all())
    return _with_details(FrameworkPlan.objects.filter(
        Q(pk__in=plans_of_centers(user).values("pk")) | Q(pk__in=plans_for_review(user).values("pk"))))


def plan_lots_readable(user) -> QuerySet[FrameworkLot]:
    """The lots (§七–§九) of the plans ``user`` may read (``plans_readable``)."""
    rows = FrameworkLot.objects.select_related("lot", "lot__project")
    if access.is_privileged(user):
        return rows
    return rows.filter(lot__project_id__in=plans_readable(user).values("project_id"))

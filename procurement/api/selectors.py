"""Reads behind the API: each starts from the access policy and chooses its joins (no N+1)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from procurement import access
from procurement.models import Category, Contract, FundingLine, Lot, Organization, Region, SubPlan
from procurement.plan_checks import with_unit_totals


def region_list() -> QuerySet[Region]:
    """Administrative regions are reference data: every signed-in user reads them."""
    return Region.objects.select_related("parent")


def category_list() -> QuerySet[Category]:
    """The MoF catalog is reference data: every signed-in user reads it."""
    return Category.objects.select_related("parent")


def organization_list(*, user) -> QuerySet:
    return access.visible_organizations(user).select_related("region")


def project_list(*, user) -> QuerySet:
    # A lot's sub-plan count only counts what the user may see: a unit sees its own, the organizer all.
    visible_sub_plan_ids = access.visible_sub_plans(user).values("pk")
    lots = (
        Lot.objects.select_related("category")
        .annotate(sub_plan_count=Count("sub_plans", filter=Q(sub_plans__in=visible_sub_plan_ids)))
        .order_by("number", "pk")
    )
    return (
        access.visible_projects(user)
        .select_related("organizer", "agency", "category", "scope_region")
        .prefetch_related(Prefetch("lots", queryset=lots))
    )


def sub_plan_list(*, user) -> QuerySet:
    # Each with the unit's total in the project, for its warnings (procurement.plan_checks).
    return (
        with_unit_totals(access.visible_sub_plans(user), counted_statuses=SubPlan.COUNTED)
        .select_related("project", "lot", "unit")
        .prefetch_related(Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk")))
    )


def contract_list(*, user, today: date) -> QuerySet:
    """Contracts with their overdue flags, decided by the same rules as ``ContractQuerySet``."""
    same_row = {"pk": OuterRef("pk")}
    return (
        access.visible_contracts(user)
        .select_related("project", "lot", "buyer", "supplier")
        .annotate(
            is_publish_overdue=Exists(Contract.objects.publish_overdue(today).filter(**same_row)),
            is_filing_overdue=Exists(Contract.objects.filing_overdue(today).filter(**same_row)),
        )
    )


def filing_lot(*, user, lot_id: int) -> Lot | None:
    """The lot a sub-plan is filed for, with its project, if one of the user's units may answer the project.

    Deliberately narrower and cheaper than ``access.visible_projects``: it runs on every filing.
    """
    lots = Lot.objects.select_related("project").filter(pk=lot_id).order_by()
    if not access.is_superuser(user):
        units = access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
        lots = lots.filter(project__eligible_units__unit_id__in=units)
    return lots.first()

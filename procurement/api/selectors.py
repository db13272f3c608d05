"""Reads behind the API: each starts from the access policy and chooses its joins (no N+1)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import NamedTuple

from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from procurement import access, rows
from procurement.models import (
    Category,
    Contract,
    ContractLine,
    EligibleUnit,
    FundingLine,
    Lot,
    Organization,
    Project,
    Region,
    SubPlan,
)
from procurement.plan_checks import with_unit_totals
from procurement.selectors.buyer import own_sub_plans


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
        access.projects_readable(user)
        .select_related("organizer", "agency", "category", "scope_region")
        .prefetch_related(Prefetch("lots", queryset=lots))
    )


def sub_plan_list(*, user, own: bool = False) -> QuerySet:
    """Sub-plans the user may read; ``own``: only those of the user's units, the unit pages' (``own_sub_plans``),
    where a sub-plan is revised, submitted or withdrawn (a superuser's are all of them)."""
    sub_plans = own_sub_plans(user) if own and not access.is_superuser(user) else access.visible_sub_plans(user)
    # Each with the unit's total in the project, for its warnings (procurement.plan_checks).
    return (
        with_unit_totals(sub_plans, counted_statuses=SubPlan.COUNTED)
        .select_related("project", "lot", "unit")
        .prefetch_related(Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk")))
    )


def contract_list(*, user, today: date) -> QuerySet:
    """Contracts with their overdue flags, decided by the same rules as ``ContractQuerySet``."""
    same_row = {"pk": OuterRef("pk")}
    return (
        access.visible_contracts(user)
        .select_related("project", "buyer", "supplier")
        .prefetch_related(Prefetch("lines", queryset=ContractLine.objects.select_related("lot").order_by("number")))
        .annotate(
            is_publish_overdue=Exists(Contract.objects.publish_overdue(today).filter(**same_row)),
            is_filing_overdue=Exists(Contract.objects.filing_overdue(today).filter(**same_row)),
        )
    )


class FilingTarget(NamedTuple):
    lot: Lot | None  # None: no such lot, or none of the user's budget units may answer its project
    unit: Organization | None  # None: no such organization (or no such lot: then nothing is read)


def filing_target(*, user, unit_id: int, lot_id: int) -> FilingTarget:
    """The lot a sub-plan is filed for, with its project, and the unit, read in one statement: it runs on every filing.

    The lot is None unless it exists and, for anyone but a superuser, one of the user's budget units may answer its
    project (deliberately narrower and cheaper than ``access.projects_readable``). Whether ``unit_id`` itself may
    answer is read in the same statement; when it may, the lot carries it (``lot.eligible_unit_ids``) and the filing
    service (``_check_may_file``) does not ask again. One statement instead of the ORM's three (unit, lot, eligibility):
    on deadline day building those queries cost more than everything PostgreSQL did for the filing. It is written
    with ``procurement.rows``: the columns come from the models' fields, each value goes through Django's converters.
    """
    alias = router.db_for_read(Lot)
    units = None if access.is_superuser(user) else access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
    sql, models_read = _filing_statement(alias, None if units is None else len(units))
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id, *(units or ()), unit_id, lot_id])
        row = cursor.fetchone()
    if row is None:
        return FilingTarget(lot=None, unit=None)
    lot, project, unit = (rows.instance(connection, alias, row, part) for part in models_read)
    unit_eligible, visible = row[-2:]
    lot.project = project
    if unit_eligible:
        lot.eligible_unit_ids = frozenset({unit_id})
    return FilingTarget(lot=lot if visible else None, unit=unit)


@lru_cache(maxsize=16)
def _filing_statement(alias: str, user_units: int | None) -> tuple[str, tuple[rows.ModelColumns, ...]]:
    """The SQL of ``filing_target`` for a user acting for ``user_units`` budget units (None: a superuser)."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    selected: list[str] = []
    parts = []
    for model, table in ((Lot, "l"), (Project, "p"), (Organization, "o")):
        part, columns = rows.model_columns(connection, model, table, start=len(selected))
        parts.append(part)
        selected += columns
    lot_project = rows.column(connection, Lot, "project")
    lot_pk, project_pk, unit_pk = (qn(model._meta.pk.column) for model in (Lot, Project, Organization))
    eligible = (f"SELECT 1 FROM {qn(EligibleUnit._meta.db_table)} e "
                f"WHERE e.{rows.column(connection, EligibleUnit, 'project')} = l.{lot_project} "
                f"AND e.{rows.column(connection, EligibleUnit, 'unit')}")
    visible = "1" if user_units is None else f"EXISTS ({eligible} IN ({', '.join(['%s'] * user_units)}))"
    sql = (f"SELECT {', '.join(selected)}, EXISTS ({eligible} = %s), {visible} "
           f"FROM {qn(Lot._meta.db_table)} l JOIN {qn(Project._meta.db_table)} p ON p.{project_pk} = l.{lot_project} "
           f"LEFT JOIN {qn(Organization._meta.db_table)} o ON o.{unit_pk} = %s WHERE l.{lot_pk} = %s")
    return sql, tuple(parts)

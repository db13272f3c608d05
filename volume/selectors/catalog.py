"""Reads of the department centralized catalog (部门集中采购目录, seed 000 三(三)(1)).

The seed: 部门集中采购目录由省级主管预算单位印发并在本部门、本系统内执行 — a provincial department (a budget unit of
the provincial level that supervises itself: its 主管预算单位 is itself, or none) issues its catalog, and the catalog
binds the department's own units (those whose 主管预算单位 is the department, and the department). 对部门集中采购
目录内具体品目实施采购的，一般由省级部门或其授权单位作为牵头单位: ``may_lead``.

The projects slice calls ``department_of``, ``department_units``, ``issued_catalog``, ``catalog_item_for`` and
``may_lead`` to enforce department-internal projects; keep their names and signatures.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from procurement import access
from procurement.models import Category, Organization, Region
from volume.models import CatalogReview, DepartmentCatalog, DepartmentCatalogItem

Kind = Organization.Kind
Status = DepartmentCatalog.Status


# --- who is a department, and its tree ------------------------------------------------------------

def is_department(organization: Organization | None) -> bool:
    """A provincial budget unit that supervises itself (主管预算单位 is itself, or none): a 省级主管预算单位."""
    if organization is None or organization.kind != Kind.BUDGET_UNIT:
        return False
    if organization.supervising_unit_id not in (None, organization.pk):
        return False
    return organization.region.level == Region.Level.PROVINCE


def department_of(unit: Organization | None) -> Organization | None:
    """The department whose catalog binds ``unit``: the unit itself when it is a department, else its 主管预算单位
    when that is one; None for a unit outside every provincial department's tree (or not a budget unit)."""
    if unit is None or unit.kind != Kind.BUDGET_UNIT:
        return None
    if unit.supervising_unit_id in (None, unit.pk):
        return unit if is_department(unit) else None
    supervisor = unit.supervising_unit
    return supervisor if is_department(supervisor) else None


def department_units(department: Organization) -> QuerySet[Organization]:
    """The units a department's catalog binds (本部门、本系统): the department and the budget units it supervises."""
    return (
        Organization.objects.filter(Q(pk=department.pk) | Q(supervising_unit_id=department.pk),
                                    kind=Kind.BUDGET_UNIT)
        .select_related("region")
        .order_by("unit_code", "pk")
    )


def departments_acted_for(user, *, write: bool = True) -> QuerySet[Organization]:
    """The departments ``user`` acts for (write seats by default): who drafts, submits, issues and authorizes."""
    ids = access.org_ids(user, kind=Kind.BUDGET_UNIT, write=write)
    return (
        Organization.objects.filter(pk__in=ids, region__level=Region.Level.PROVINCE)
        .filter(Q(supervising_unit__isnull=True) | Q(supervising_unit_id=F("pk")))
        .select_related("region")
        .order_by("name")
    )


# --- the catalogs -----------------------------------------------------------------------------------

def _with_details(qs: QuerySet[DepartmentCatalog]) -> QuerySet[DepartmentCatalog]:
    items = DepartmentCatalogItem.objects.select_related("category").order_by("category__code")
    reviews = CatalogReview.objects.select_related("finance_bureau", "reviewer").order_by("version", "reviewed_at")
    return qs.select_related("department__region", "created_by").prefetch_related(
        Prefetch("items", queryset=items), Prefetch("reviews", queryset=reviews), "authorized_leads")


def catalogs_readable(user) -> QuerySet[DepartmentCatalog]:
    """The catalogs ``user`` may read:

    - the department's own members (read seats too), whatever the status;
    - finance staff of the province (the reviewing level) and above, every catalog once submitted;
    - the units of a department's tree, its issued catalogs (they bind them) and those that authorize them to lead.
    """
    qs = DepartmentCatalog.objects.all()
    if access.is_privileged(user):
        return _with_details(qs)
    if not access.seats(user):
        return qs.none()
    units = access.org_ids(user, kind=Kind.BUDGET_UNIT)
    q = Q(department_id__in=units)
    if units:
        bound = Organization.objects.filter(pk__in=units).values("supervising_unit_id")
        q |= Q(status=Status.ISSUED, department_id__in=bound)
        q |= Q(status=Status.ISSUED, authorized_leads__in=units)
    finance = access.region_paths(user, kind=Kind.FINANCE)
    if finance:
        q |= access.under_regions("department__region__path", finance) & ~Q(submitted_at=None)
    return _with_details(qs.filter(q).distinct())


def catalogs_of_departments(user) -> QuerySet[DepartmentCatalog]:
    """The catalogs of the departments ``user`` is a member of (the department's own list)."""
    qs = DepartmentCatalog.objects.all()
    if not access.is_privileged(user):
        qs = qs.filter(department_id__in=access.org_ids(user, kind=Kind.BUDGET_UNIT))
    return _with_details(qs)


def finance_bureaus_reviewing(department: Organization) -> QuerySet[Organization]:
    """The provincial finance bureau that reviews a department's catalog (省级财政部门): of kind finance, in the
    department's (provincial) region."""
    return Organization.objects.filter(kind=Kind.FINANCE, is_active=True, region_id=department.region_id,
                                       region__level=Region.Level.PROVINCE).order_by("pk")


def catalogs_for_review(user) -> QuerySet[DepartmentCatalog]:
    """The catalogs ``user`` reviews or has reviewed as a provincial finance bureau (submitted at least once)."""
    qs = DepartmentCatalog.objects.exclude(submitted_at=None)
    if not access.is_privileged(user):
        bureaus = Organization.objects.filter(pk__in=access.org_ids(user, kind=Kind.FINANCE),
                                              region__level=Region.Level.PROVINCE)
        qs = qs.filter(department__region_id__in=bureaus.values("region_id"))
    return _with_details(qs)


def reviewing_bureau_for(user, catalog: DepartmentCatalog) -> Organization | None:
    """The provincial finance bureau ``user`` acts for (write seat) that reviews ``catalog``, or None."""
    bureaus = finance_bureaus_reviewing(catalog.department)
    if access.is_superuser(user):
        return bureaus.first()
    return bureaus.filter(pk__in=access.org_ids(user, kind=Kind.FINANCE, write=True)).first()


def issued_catalog(department: Organization, year: int) -> DepartmentCatalog | None:
    """The department's catalog of ``year`` once issued (印发), or None: only an issued catalog binds."""
    return (
        DepartmentCatalog.objects.filter(department=department, year=year, status=Status.ISSUED)
        .select_related("department").first()
    )


def catalog_item_for(catalog: DepartmentCatalog, category: Category) -> DepartmentCatalogItem | None:
    """The item of ``catalog`` for ``category``, or None when the category is not in the catalog."""
    return catalog.items.filter(category=category).select_related("category").first()


def may_lead(unit: Organization, catalog: DepartmentCatalog) -> bool:
    """一般由省级部门或其授权单位作为牵头单位 (seed 000 三(三)(1)): the department itself or a unit it authorized."""
    if unit is None:
        return False
    if unit.pk == catalog.department_id:
        return True
    return catalog.authorized_leads.filter(pk=unit.pk).exists()


# --- categories a catalog may hold ----------------------------------------------------------------

def catalog_categories(*, query: str = "", limit: int = 30) -> QuerySet[Category]:
    """Categories a department catalog may hold: outside the government centralized catalog and at the lowest
    level (no child category); searched by code prefix or name."""
    qs = Category.objects.filter(in_centralized_catalog=False).filter(
        ~Exists(Category.objects.filter(parent_id=OuterRef("pk"))))
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(code__istartswith=query) | Q(name__icontains=query))
    return qs.order_by("code")[:limit]

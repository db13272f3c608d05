"""Reads of the agreements stage (seed 000 三(二)(4)(5)): who sees which agreement and listing, what is in force on a
day, whether a project's second stage is open, and the agreements the core asks about (753号 一).

Who sees what: the center that organizes the framework project sees its agreements and listings; a supplier sees
its own only (another supplier's agreement is not found: 404). Purchasers see approved listings of agreements in
force (``listings_on_offer``), for the orders stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from framework.models import Agreement, FrameworkDetails, FrameworkPlan, ProductListing, Removal
from procurement import access
from procurement.agreements import AgreementInForce
from procurement.models import Category, Lot, Mode, Organization, Project

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER


# --- who sees what --------------------------------------------------------------------------------------

def center_agreements(user) -> QuerySet[Agreement]:
    """The agreements of the framework projects the user's center organizes (every one for a superuser)."""
    rows = Agreement.objects.select_related("lot", "lot__project", "lot__project__organizer", "supplier")
    if access.is_superuser(user):
        return rows
    return rows.filter(lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))


def supplier_agreements(user) -> QuerySet[Agreement]:
    """The supplier's own agreements."""
    rows = Agreement.objects.select_related("lot", "lot__project", "lot__project__organizer", "supplier")
    return rows.filter(supplier_id__in=access.org_ids(user, kind=SUPPLIER))


def visible_agreements(user) -> QuerySet[Agreement]:
    """What the user may read: its center's agreements and its supplier's own (another supplier's: not found)."""
    rows = Agreement.objects.select_related("lot", "lot__project", "lot__project__organizer", "supplier")
    if access.is_superuser(user):
        return rows
    return rows.filter(Q(lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))
                       | Q(supplier_id__in=access.org_ids(user, kind=SUPPLIER)))


def visible_listings(user) -> QuerySet[ProductListing]:
    rows = ProductListing.objects.select_related("agreement", "agreement__supplier", "agreement__lot",
                                                 "agreement__lot__project")
    if access.is_superuser(user):
        return rows
    return rows.filter(Q(agreement__lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))
                       | Q(agreement__supplier_id__in=access.org_ids(user, kind=SUPPLIER)))


def visible_removals(user) -> QuerySet[Removal]:
    """The removals (清退) of the agreements the user may read (``visible_agreements``)."""
    return (Removal.objects.filter(agreement_id__in=visible_agreements(user).values("pk"))
            .select_related("agreement", "agreement__lot", "agreement__lot__project", "agreement__supplier",
                            "decided_by"))


def visible_details(user) -> QuerySet[FrameworkDetails]:
    """The execution details (notices, execution period, summary) of the framework projects the user may read
    (``procurement.access.projects_readable``; a superuser every one)."""
    rows = FrameworkDetails.objects.select_related("project", "execution_notice")
    if access.is_superuser(user):
        return rows
    readable = access.projects_readable(user).filter(mode=Mode.FRAMEWORK).values("pk")
    return rows.filter(project_id__in=readable)


def listings_to_review(user) -> QuerySet[ProductListing]:
    """The center's queue: listings awaiting its approval, oldest first."""
    rows = visible_listings(user).filter(status=ProductListing.Status.SUBMITTED).order_by("created_at", "pk")
    if access.is_superuser(user):
        return rows
    return rows.filter(agreement__lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))


def center_projects(user) -> QuerySet[Project]:
    """Framework projects the user's center organizes that have agreements."""
    rows = Project.objects.filter(mode=Mode.FRAMEWORK).filter(
        Exists(Agreement.objects.filter(lot__project=OuterRef("pk"))))
    if access.is_superuser(user):
        return rows
    return rows.filter(organizer_id__in=access.org_ids(user, kind=CENTER))


def supplier_rows(lot: Lot, supplier: Organization) -> QuerySet[Agreement]:
    """Every agreement ``supplier`` has held on ``lot``, oldest first: its place, and the open agreements it left
    before joining again (the history)."""
    return Agreement.objects.filter(lot_id=lot.pk, supplier_id=supplier.pk).order_by("pk")


def supplier_place(lot: Lot, supplier: Organization) -> Agreement | None:
    """``supplier``'s place on ``lot``: its one agreement there that it has not left (shortlisted, signed, removed
    or expired; the constraint ``framework_agreement_one_place_per_lot_supplier`` allows one), or None."""
    return supplier_rows(lot, supplier).exclude(status=Agreement.Status.LEFT).first()


def is_center_of(user, project: Project, *, write: bool = True) -> bool:
    return access.is_superuser(user) or access.acts_for(user, project.organizer_id, write=write)


# --- the plan, the details ------------------------------------------------------------------------------

def plan_of(project: Project) -> FrameworkPlan | None:
    return FrameworkPlan.objects.filter(project_id=project.pk).first()


def details_of(project: Project) -> FrameworkDetails | None:
    return FrameworkDetails.objects.filter(project_id=project.pk).select_related("execution_notice").first()


# --- in force -------------------------------------------------------------------------------------------

def in_force_filter(on: date) -> Q:
    """An agreement in force on ``on``: signed (on or before), not ended, and not past its validity."""
    return (Q(status=Agreement.Status.SIGNED, signed_on__lte=on, ended_on__isnull=True)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=on)))


def agreements_in_force(lot: Lot, on: date) -> QuerySet[Agreement]:
    """The agreements of ``lot`` in force on ``on`` (signed, not ended, valid): whom the second stage may award."""
    return Agreement.objects.filter(in_force_filter(on), lot=lot).select_related("supplier").order_by("rank", "pk")


def agreement_in_force(agreement: Agreement, on: date) -> bool:
    return (agreement.status == Agreement.Status.SIGNED and agreement.ended_on is None
            and agreement.signed_on is not None and agreement.signed_on <= on
            and (agreement.valid_until is None or agreement.valid_until >= on))


def orders_open_q(on: date) -> Q:
    """The framework projects on which purchasers may place second-stage orders on ``on``: the execution notice is
    issued (seed 000 三(二)(5): only then), the agreement has not expired (``FrameworkDetails.expired_at``), the day is
    not before its executing_from and within the plan's validity (annex 8 §五)."""
    return (Q(framework__execution_notice__isnull=False, framework__expired_at__isnull=True,
              framework_plan__valid_from__lte=on, framework_plan__valid_until__gte=on)
            & (Q(framework__executing_from__isnull=True) | Q(framework__executing_from__lte=on)))


def orders_open(project: Project, *, on: date) -> bool:
    """Whether purchasers may place second-stage orders on ``project`` on ``on`` (``orders_open_q``)."""
    return Project.objects.filter(pk=project.pk).filter(orders_open_q(on)).exists()


def listings_on_offer(on: date) -> QuerySet[ProductListing]:
    """Approved listings of agreements in force on ``on`` (what purchasers may pick by 直接选定)."""
    return (ProductListing.objects.filter(status=ProductListing.Status.APPROVED)
            .filter(agreement__status=Agreement.Status.SIGNED, agreement__ended_on__isnull=True,
                    agreement__signed_on__lte=on)
            .filter(Q(agreement__valid_until__isnull=True) | Q(agreement__valid_until__gte=on))
            .select_related("agreement", "agreement__supplier", "agreement__lot"))


# --- the execution notice's precondition (seed 000 三(二)(5)) ------------------------------------------

@dataclass(frozen=True)
class LotReadiness:
    lot: Lot
    signed: int
    with_listing: int

    @property
    def ready(self) -> bool:
        return self.with_listing > 0


def lot_readiness(project: Project) -> list[LotReadiness]:
    """Per lot: signed agreements, and signed agreements with at least one approved listing."""
    approved = ProductListing.objects.filter(agreement=OuterRef("pk"), status=ProductListing.Status.APPROVED)
    rows = []
    for lot in Lot.objects.filter(project_id=project.pk).order_by("number"):
        signed = Agreement.objects.filter(lot=lot, status=Agreement.Status.SIGNED)
        rows.append(LotReadiness(lot=lot, signed=signed.count(),
                                 with_listing=signed.filter(Exists(approved)).count()))
    return rows


# --- the core's question (753号 一; procurement.agreements) -------------------------------------------------

def _related_category_ids(category: Category) -> set[int]:
    """``category``, its ancestors (through ``parent``) and its descendants (through ``children``, level by level;
    the catalog has a handful of levels)."""
    ids = {category.pk}
    parent_id = category.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.add(parent_id)
        parent_id = Category.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    level = [category.pk]
    while level:
        level = list(Category.objects.filter(parent_id__in=level).exclude(pk__in=ids).values_list("pk", flat=True))
        ids.update(level)
    return ids


def framework_agreements_in_force(category: Category, *, on: date) -> list[AgreementInForce]:
    """The framework agreements covering ``category`` on ``on``, for the core (``register_agreements_source``).

    A framework project counts when its execution notice is issued, the day is within its plan's validity, at
    least one supplier's agreement is in force, and one of its lots' category is ``category`` itself, one of
    its ancestors (an agreement on 台式计算机 covers a narrower 品目 under it) or one of its descendants (a
    category above an agreement's lot is partly covered by it)."""
    if category is None:
        return []
    lots = Lot.objects.filter(category_id__in=_related_category_ids(category)).values("project_id")
    projects = (Project.objects.filter(mode=Mode.FRAMEWORK, pk__in=lots,
                                       framework__execution_notice__isnull=False,
                                       framework_plan__valid_from__lte=on, framework_plan__valid_until__gte=on)
                .annotate(suppliers=Count("lots__agreements__supplier", filter=Q(
                    lots__agreements__status=Agreement.Status.SIGNED, lots__agreements__signed_on__lte=on,
                    lots__agreements__ended_on__isnull=True) & (
                    Q(lots__agreements__valid_until__isnull=True) | Q(lots__agreements__valid_until__gte=on)),
                    distinct=True))
                .filter(suppliers__gt=0)
                .values("code", "title", "suppliers", "framework_plan__valid_until")
                .order_by("code"))
    return [AgreementInForce(code=row["code"], title=row["title"], supplier_count=row["suppliers"],
                             valid_until=row["framework_plan__valid_until"]) for row in projects]

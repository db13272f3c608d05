"""Reads of the second stage (授予合同, seed 000 三(二)(6); annex 8 §十): whether orders are open on a framework
project, the agreements in force on a lot, the purchaser's catalog of listed products, the orders and bids each
party sees, and the amounts the ceilings have used (always a sum over live orders, never a stored total).

Whether orders are open and which agreements are in force is one rule, the agreements stage's
(``framework.selectors.agreements.orders_open`` / ``agreements_in_force``); ``orders_open_refusal`` only says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from framework.models import Agreement, FrameworkDetails, FrameworkPlan, Order, OrderBid, ProductListing
from framework.selectors import agreements as agreement_selectors
from framework.selectors.solicitation import SEALED_TEXT
from procurement import access, deadlines
from procurement.models import EligibleUnit, Lot, Mode, Organization, Project

ZERO = Decimal("0")


# --- is the second stage open? ---------------------------------------------------------------------------

def orders_open_refusal(project: Project, *, today: date | None = None) -> str:
    """Why no order may be placed on ``project`` today (a Chinese sentence), or "": the one rule is
    ``framework.selectors.agreements.orders_open`` (the execution notice 框架协议执行通知 issued, seed 三(二)(5);
    today within its period and within the plan's validity, annex 8 §五); this only words its refusal."""
    today = today or deadlines.today()
    if project.mode != Mode.FRAMEWORK:
        return f"项目「{project.title}」不是框架协议采购项目"
    if agreement_selectors.orders_open(project, on=today):
        return ""
    plan = FrameworkPlan.objects.filter(project=project).first()
    if plan is None or plan.status != FrameworkPlan.Status.FILED:
        return "该框架协议采购方案尚未备案，不能下单（seed 三(二)(3)）"
    details = FrameworkDetails.objects.filter(project=project).first()
    if details is None or details.execution_notice_id is None:
        return "征集人尚未发布框架协议执行通知，不能下单（seed 三(二)(5)：发布执行通知后方可授予合同）"
    if details.expired_at is not None:
        return "框架协议已到期终止，不能再下单"
    start = details.executing_from or plan.valid_from
    if start is not None and today < start:
        return f"框架协议自{start:%Y年%m月%d日}起执行，尚未开始，不能下单"
    if plan.valid_from is not None and today < plan.valid_from:
        return f"框架协议自{plan.valid_from:%Y年%m月%d日}起执行，尚未开始，不能下单"
    if plan.valid_until is not None and today > plan.valid_until:
        return f"框架协议已于{plan.valid_until:%Y年%m月%d日}到期，不能再下单（附件8第五部分：框架协议有效期）"
    return "框架协议采购方案未载明有效期，不能下单（附件8第五部分：框架协议有效期）"


def agreements_in_force(lot: Lot, *, today: date | None = None) -> QuerySet[Agreement]:
    """The agreements of ``lot`` in force today (the one rule: ``framework.selectors.agreements``): removed
    (cancelled/terminated), left and expired ones are not."""
    return agreement_selectors.agreements_in_force(lot, today or deadlines.today())


# --- who may order ---------------------------------------------------------------------------------------

def unit_in_scope(unit: Organization, project: Project) -> bool:
    """A budget unit within the project's scope (适用主体范围): in its scope region or below, or named eligible."""
    if unit.kind != Organization.Kind.BUDGET_UNIT or not unit.is_active:
        return False
    path = project.scope_region.path if project.scope_region_id else None
    if path and unit.region_id and unit.region.path.startswith(path):
        return True
    return EligibleUnit.objects.filter(project=project, unit=unit).exists()


def scope_q(units: list[Organization], prefix: str = "") -> Q:
    """Projects (``prefix`` leading to one) whose scope holds one of ``units``."""
    q = Q(**{f"{prefix}pk__in": EligibleUnit.objects.filter(unit__in=units).values("project_id")})
    for unit in units:
        if unit.region_id:
            q |= Q(**{f"{prefix}scope_region__path__in": _path_prefixes(unit.region.path)})
    return q


def _path_prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def buyer_units(user) -> list[Organization]:
    ids = access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
    return list(Organization.objects.filter(pk__in=ids, is_active=True).select_related("region").order_by("name"))


def open_projects(user, *, today: date | None = None) -> list[Project]:
    """The framework projects whose orders are open to one of the user's budget units."""
    units = buyer_units(user)
    if not units:
        return []
    today = today or deadlines.today()
    return list(Project.objects.filter(mode=Mode.FRAMEWORK).filter(agreement_selectors.orders_open_q(today))
                .filter(scope_q(units)).select_related("scope_region").order_by("-pk"))


def catalog_listings(user, *, q: str = "", lot_id: int | None = None,
                     today: date | None = None) -> QuerySet[ProductListing]:
    """The purchaser's catalog: approved listings of agreements in force, on the framework projects open to it."""
    today = today or deadlines.today()
    projects = [project.pk for project in open_projects(user, today=today)]
    rows = (agreement_selectors.listings_on_offer(today).filter(agreement__lot__project_id__in=projects)
            .select_related("agreement__lot__project")
            .order_by("agreement__lot__project_id", "agreement__lot__number", "unit_price_yuan", "pk"))
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(brand__icontains=q) | Q(model_number__icontains=q))
    if lot_id:
        rows = rows.filter(agreement__lot_id=lot_id)
    return rows


def catalog_lots(user) -> QuerySet[Lot]:
    return (Lot.objects.filter(project__in=[p.pk for p in open_projects(user)]).select_related("project")
            .order_by("project_id", "number"))


# --- who sees which order ----------------------------------------------------------------------------------

def visible_orders(user) -> QuerySet[Order]:
    """The purchaser its own orders; a supplier the orders it won or was invited to bid on; whoever runs the
    framework project (the center) its orders; finance its region's."""
    qs = Order.objects.select_related("lot", "lot__project", "purchaser", "agreement", "agreement__supplier",
                                      "contract", "listing")
    if access.is_privileged(user):
        return qs
    suppliers = access.org_ids(user, kind=Organization.Kind.SUPPLIER)
    q = Q(purchaser_id__in=access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT))
    if suppliers:
        q |= Q(agreement__supplier_id__in=suppliers) | Q(bids__agreement__supplier_id__in=suppliers)
    q |= Q(lot__project_id__in=access.projects_run_by(user).values("pk"))
    finance = access.region_paths(user, kind=Organization.Kind.FINANCE)
    if finance:
        q |= access.under_regions("purchaser__region__path", finance)
    return qs.filter(q).distinct()


def admin_orders(user, *, q: str = "", lot_id: int | None = None, status: str = "",
                 method: str = "") -> QuerySet[Order]:
    """The orders the center (of the framework projects it runs) and finance (of the purchasers in its region)
    oversee: code, purchaser or supplier searched; filtered by lot, status and method; newest first."""
    rows = Order.objects.select_related("lot", "lot__project", "purchaser", "agreement", "agreement__supplier",
                                        "contract")
    if not access.is_privileged(user):
        scope = Q(lot__project_id__in=access.projects_run_by(user).values("pk"))
        finance = access.region_paths(user, kind=Organization.Kind.FINANCE)
        if finance:
            scope |= access.under_regions("purchaser__region__path", finance)
        rows = rows.filter(scope)
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(purchaser__name__icontains=q)
                           | Q(agreement__supplier__name__icontains=q))
    if lot_id:
        rows = rows.filter(lot_id=lot_id)
    if status:
        rows = rows.filter(status=status)
    if method:
        rows = rows.filter(method=method)
    return rows.order_by("-created_at", "-pk")


def admin_order_lots(user) -> QuerySet[Lot]:
    """The lots of the orders ``user`` oversees (the list's lot filter)."""
    return (Lot.objects.filter(pk__in=admin_orders(user).values("lot_id")).select_related("project")
            .order_by("project__code", "number"))


def purchaser_orders(user, *, status: str = "", q: str = "") -> QuerySet[Order]:
    rows = visible_orders(user).filter(purchaser_id__in=access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT))
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(description__icontains=q))
    return rows.order_by("-created_at", "-pk")


def supplier_orders(user) -> QuerySet[Order]:
    """Orders a supplier won."""
    suppliers = access.org_ids(user, kind=Organization.Kind.SUPPLIER)
    return visible_orders(user).filter(agreement__supplier_id__in=suppliers).order_by("-created_at", "-pk")


def supplier_bids(user) -> QuerySet[OrderBid]:
    """Invitations to 二次竞价 of the user's suppliers, with their own bids."""
    suppliers = access.org_ids(user, kind=Organization.Kind.SUPPLIER)
    return (OrderBid.objects.filter(agreement__supplier_id__in=suppliers)
            .select_related("order", "order__lot", "order__lot__project", "order__purchaser", "agreement",
                            "agreement__supplier").order_by("-order__created_at", "-pk"))


def bids_sealed(order: Order, *, now: datetime | None = None) -> bool:
    """二次竞价 bids are sealed until the closing time: nobody reads a price before it (annex 8 §十)."""
    now = now or timezone.now()
    return order.bidding_closes_at is None or now < order.bidding_closes_at


def visible_bids(user) -> QuerySet[OrderBid]:
    """The 二次竞价 invitations of the orders ``user`` sees (``visible_orders``): who was invited and when it answered.
    Their prices are read through ``bid_row`` only."""
    return (OrderBid.objects.filter(order_id__in=visible_orders(user).values("pk"))
            .select_related("order", "order__lot", "order__lot__project", "agreement", "agreement__supplier"))


@dataclass(frozen=True)
class BidRow:
    """One bid as a reader other than its supplier sees it: ``price_yuan`` is None while sealed."""

    bid: OrderBid
    sealed: bool
    price_yuan: Decimal | None

    @property
    def price_text(self) -> str:
        if self.sealed:
            return SEALED_TEXT
        return "未报价" if self.price_yuan is None else f"{self.price_yuan:,.2f}"


def bid_row(bid: OrderBid, *, user=None, now: datetime | None = None) -> BidRow:
    """``bid`` for ``user``: its price once the bidding has closed (the bidding supplier reads its own before). The
    price is read from the row only then, so a caller that deferred it never fetches it while sealed."""
    own = user is not None and access.acts_for(user, bid.agreement.supplier_id, write=False)
    sealed = bids_sealed(bid.order, now=now) and not own
    return BidRow(bid, sealed, None if sealed else bid.unit_price_yuan)


def bid_price_shown(bid: OrderBid, user, *, now: datetime | None = None) -> Decimal | None:
    """A bid's price as ``user`` may read it: after the closing time, or the bidding supplier its own."""
    return bid_row(bid, user=user, now=now).price_yuan


# --- what the ceilings have used: sums over live orders ------------------------------------------------------

def _used(rows: QuerySet[Order]) -> Decimal:
    """What live orders hold: the award amount once known, the budget reserved before."""
    total = rows.filter(status__in=Order.LIVE).aggregate(
        total=Sum(Coalesce("amount_yuan", "budget_yuan")))["total"]
    return total or ZERO


def lot_used_yuan(lot: Lot, *, excluding: int | None = None) -> Decimal:
    return _used(Order.objects.filter(lot=lot).exclude(pk=excluding))


def supplier_used_yuan(project: Project, supplier: Organization, *, excluding: int | None = None) -> Decimal:
    """What ``supplier`` holds in ``project``: its awarded live orders (and direct selections)."""
    return _used(Order.objects.filter(lot__project=project, agreement__supplier=supplier).exclude(pk=excluding))

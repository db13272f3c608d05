"""The second stage of framework agreement procurement (授予合同; seed 000 三(二)(6); annex 8 §十, §十二; MoF
Order No. 110; 财库〔2022〕17号 五).

A budget unit within the framework project's scope opens an order (立项 with its plan filing reference) on a lot
whose execution notice is issued, within the agreement's validity and within the task's limit per order
(小额零星). The supplier is chosen by the plan's second-stage method:

- 直接选定 (the main method): the purchaser picks an approved listing of an agreement in force, with its reason;
  the order is awarded at once at the listing price;
- 二次竞价: every supplier in force on the lot is invited and told; the closing time leaves the plan's response
  time; bids are sealed until then and none above the supplier's agreement price; after closing the lowest wins,
  ties by the plan's rule (``framework.rules.bidding_winner``);
- 顺序轮候: positions fixed when the agreement starts (``rotation_positions_fix``); each award goes to the next
  live position after the last rotation award on the lot (``framework.rules.rotation_next``).

Ceilings: the lot's (``FrameworkLot.ceiling_yuan``) and a supplier's in the project (``plan.supplier_ceiling_yuan``)
are recomputed as a sum over live orders after locking, in one fixed order, the lot's ``FrameworkLot`` row and
then the agreement row; never a running total. Imported products (annex 8 §十二; 财库〔2022〕17号 五) only when the
order states the need with its approval (核准) and the lot allows them.

After the award the core's contract is drafted (``contract_draft_create``: buyer the purchaser, one line) and the
order is contracted; the core's contract pages take it from there. A 二次竞价 or 顺序轮候 award publishes its
成交结果单笔公告 at once, from the center's side (due within 2 working days:
``deadlines.FRAMEWORK_SINGLE_AWARD_NOTICE``; published at award, so never late).
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from framework import rules
from framework.models import (
    Agreement,
    FrameworkLot,
    FrameworkPlan,
    Order,
    OrderBid,
    ProductListing,
    RotationOrderRule,
    SecondStageMethod,
    TieBreakRule,
)
from framework.selectors import orders as selectors
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.formats import chinese_datetime, yuan_text
from procurement.models import Lot, Notification, Organization
from procurement.models.contracts import line_amount
from procurement.services.contracts import ContractLineDraft, contract_draft_create
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run
from procurement.units import whole_number_refusal

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")
SOURCE_ORDER = "seed 三(二)(6)"
IMPORT_SOURCE = "附件8第十二部分；财库〔2022〕17号 五"


# --- small checks ------------------------------------------------------------------------------------------

def _decimal(value: Any, *, label: str, field: str, positive: bool = True) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field) from None
    if not number.is_finite():
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field)
    if number != number.quantize(CENT):
        raise ServiceError(f"{label}最多保留两位小数", field=field)
    if positive and number <= 0:
        raise ServiceError(f"{label}必须大于0", field=field)
    if number > MAX_AMOUNT:
        raise ServiceError(f"{label}超出允许范围", field=field)
    return number.quantize(CENT)


def _text(value: Any, *, label: str, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field=field)
    if len(text) > max_length:
        raise ServiceError(f"{label}不能超过{max_length}个字符", field=field)
    return text


def _acts_for(actor, organization_id: int, *, what: str) -> None:
    if access.is_privileged(actor) or access.acts_for(actor, organization_id):
        return
    raise PermissionDenied(f"您无权{what}（只读账号或非本单位事项）")


def _plan(lot: Lot) -> FrameworkPlan:
    plan = FrameworkPlan.objects.filter(project_id=lot.project_id).first()
    if plan is None:
        raise ServiceError("该框架协议采购项目没有采购方案", field="lot")
    return plan


def _framework_lot(lot: Lot, *, lock: bool) -> FrameworkLot:
    """The lot's ``FrameworkLot`` row: the first lock of every order on the lot (the fixed order)."""
    rows = FrameworkLot.objects.select_for_update() if lock else FrameworkLot.objects
    found = rows.filter(lot_id=lot.pk).first()
    if found is None:
        raise ServiceError(f"采购包「{lot.name}」缺少框架协议采购包信息，不能下单", field="lot")
    return found


def _locked_agreement(agreement_id: int) -> Agreement:
    """The agreement row: the second lock, always after the lot's."""
    return Agreement.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=agreement_id)


def _ceiling_refusal(what: str, ceiling: Decimal, used: Decimal, amount: Decimal) -> str:
    remaining = max(ceiling - used, Decimal(0))
    return (f"{what}成交金额上限为{yuan_text(ceiling)}，已使用{yuan_text(used)}，剩余{yuan_text(remaining)}，"
            f"本笔{yuan_text(amount)}超出上限，不能成交（框架协议采购方案约定的成交金额上限）")


def _check_limit(project, amount: Decimal, *, what: str) -> None:
    """小额零星: one order within the task's limit per order (annex 7; Order 110 Art. 3)."""
    limit = project.purchase_limit_yuan
    if limit is not None and amount > limit:
        raise ServiceError(f"{what}{yuan_text(amount)}超过框架协议采购任务的单笔采购限额{yuan_text(limit)}"
                           "（小额零星采购，财政部令第110号第三条；附件7 采购限额）", field="budget_yuan")


def _check_lot_ceiling(flot: FrameworkLot, amount: Decimal, *, excluding: int | None = None) -> None:
    if flot.ceiling_yuan is None:
        return
    used = selectors.lot_used_yuan(flot.lot, excluding=excluding)
    if used + amount > flot.ceiling_yuan:
        raise ServiceError(_ceiling_refusal(f"采购包「{flot.lot.name}」", flot.ceiling_yuan, used, amount),
                           field="budget_yuan")


def _check_supplier_ceiling(plan: FrameworkPlan, agreement: Agreement, amount: Decimal, *,
                            excluding: int | None = None) -> None:
    if plan.supplier_ceiling_yuan is None:
        return
    used = selectors.supplier_used_yuan(plan.project, agreement.supplier, excluding=excluding)
    if used + amount > plan.supplier_ceiling_yuan:
        raise ServiceError(_ceiling_refusal(f"供应商{agreement.supplier.name}在本框架协议的",
                                            plan.supplier_ceiling_yuan, used, amount), field="budget_yuan")


def _check_imported(flot: FrameworkLot, *, needs_imported: bool, approval: str) -> None:
    """Import rule at stage 2 (annex 8 §十二; 财库〔2022〕17号 五)."""
    if not needs_imported:
        return
    if not flot.allows_imported:
        raise ServiceError(f"采购包「{flot.lot.name}」不允许采购进口产品，不能以采购进口产品下单（{IMPORT_SOURCE}）",
                           field="needs_imported")
    if not approval:
        raise ServiceError(f"采购进口产品须经核准，请填写进口产品核准文号（{IMPORT_SOURCE}）",
                           field="import_approval_ref")


def _amount(price: Decimal, quantity: Decimal) -> Decimal:
    """数量 × 单价 to the cent, rounded as the contract line will be (``line_amount``)."""
    return line_amount(quantity, price)


def _order_code(lot: Lot) -> str:
    """Numbered per lot, under the lot's lock (so two orders on one lot never take the same number)."""
    count = Order.objects.filter(lot=lot).count()
    while True:
        count += 1
        code = f"{lot.project.code}-{lot.number:02d}-{count:05d}"
        if not Order.objects.filter(code=code).exists():
            return code


# --- opening an order --------------------------------------------------------------------------------------

@transaction.atomic
def order_open(*, purchaser: Organization, lot: Lot, plan_filing_ref: str, description: str, quantity: Any,
               budget: Any, actor, method: str = "", needs_imported: bool = False, import_approval_ref: str = "",
               listing: ProductListing | None = None, selection_reason: str = "",
               bidding_closes_at: datetime | None = None) -> Order:
    """立项 and an order on ``lot`` (seed 三(二)(6)). 直接选定 takes ``listing`` and ``selection_reason`` and is awarded
    at once; 二次竞价 takes ``bidding_closes_at`` and invites every supplier in force; 顺序轮候 is awarded at once to
    the supplier whose turn it is. Each award drafts the core's contract."""
    _acts_for(actor, purchaser.pk, what=f"代表{purchaser.name}下单")
    lot = Lot.objects.select_related("project", "project__scope_region").get(pk=lot.pk)
    project = lot.project
    refusal = selectors.orders_open_refusal(project)
    if refusal:
        raise ServiceError(refusal, field="lot")
    if not selectors.unit_in_scope(purchaser, project):
        raise ServiceError(f"{purchaser.name}不在该框架协议的适用主体范围内，不能下单（附件8第三部分：适用主体范围）",
                           field="purchaser")
    plan = _plan(lot)
    expected = plan.second_stage_method or SecondStageMethod.DIRECT
    method = method or expected
    if method != expected:
        raise ServiceError(f"该框架协议第二阶段确定成交供应商的方式为「{SecondStageMethod(expected).label}」，"
                           f"不能以「{dict(SecondStageMethod.choices).get(method, method)}」"
                           "下单（附件8第十部分）", field="method")
    filing = _text(plan_filing_ref, label="采购计划备案编号（第二阶段立项及采购计划备案，seed 三(二)(6)）",
                   field="plan_filing_ref", max_length=64)
    description = _text(description, label="采购内容", field="description", max_length=200)
    quantity = _decimal(quantity, label="数量", field="quantity")
    fractional = whole_number_refusal(quantity, lot.unit_of_measure)
    if fractional:
        raise ServiceError(fractional, field="quantity")
    budget = _decimal(budget, label="预算金额", field="budget_yuan")
    approval = _text(import_approval_ref, label="进口产品核准文号", field="import_approval_ref", max_length=64,
                     required=False)
    # Lock 1: the lot's FrameworkLot row (every order on the lot queues here).
    flot = _framework_lot(lot, lock=True)
    _check_imported(flot, needs_imported=bool(needs_imported), approval=approval)
    fields = {"lot": lot, "purchaser": purchaser, "method": method, "plan_filing_ref": filing,
              "description": description, "quantity": quantity, "budget_yuan": budget,
              "needs_imported": bool(needs_imported), "import_approval_ref": approval if needs_imported else "",
              "created_by": actor if getattr(actor, "pk", None) else None}
    if method == SecondStageMethod.DIRECT:
        order = _open_direct(flot, plan, fields, listing=listing, reason=selection_reason)
    elif method == SecondStageMethod.SECONDARY_BIDDING:
        order = _open_bidding(flot, plan, fields, closes_at=bidding_closes_at, actor=actor)
    else:
        order = _open_rotation(flot, plan, fields)
    event_record(subject=order, action="framework_order_open", action_label="第二阶段立项下单", actor=actor,
                 target=order.status,
                 changes={"code": order.code, "lot": lot.pk, "method": method, "budget_yuan": str(budget),
                          "quantity": str(quantity), "plan_filing_ref": filing,
                          "needs_imported": bool(needs_imported), "import_approval_ref": approval})
    if method != SecondStageMethod.SECONDARY_BIDDING:
        order = _award(order, flot=flot, plan=plan, actor=actor)
    return order


def _open_direct(flot: FrameworkLot, plan: FrameworkPlan, fields: dict, *, listing: ProductListing | None,
                 reason: str) -> Order:
    """直接选定 (annex 8 §十): an approved listing of an agreement in force on the lot, with the reason."""
    if listing is None:
        raise ServiceError("直接选定须选择一件已上架的商品", field="listing")
    reason = _text(reason, label="选定理由（直接选定须记录理由，附件8第十部分）", field="selection_reason",
                   max_length=1000)
    listing = ProductListing.objects.select_related("agreement").filter(pk=listing.pk).first()
    if listing is None or listing.agreement.lot_id != flot.lot_id:
        raise ServiceError("所选商品不属于该采购包", field="listing")
    if listing.status != ProductListing.Status.APPROVED:
        raise ServiceError(f"所选商品「{listing.name}」当前{listing.get_status_display()}，不能选定", field="listing")
    if not selectors.agreements_in_force(flot.lot).filter(pk=listing.agreement_id).exists():
        raise ServiceError("所选商品的供应商框架协议不在有效期内（未签订、已清退、已退出或已到期），不能选定",
                           field="listing")
    if listing.is_imported and not fields["needs_imported"]:
        raise ServiceError(f"「{listing.brand} {listing.name}」为进口产品：只有说明需要采购进口产品并填写核准文号的订单"
                           f"才能选定（{IMPORT_SOURCE}）", field="listing")
    amount = _amount(listing.unit_price_yuan, fields["quantity"])
    if amount > fields["budget_yuan"]:
        raise ServiceError(f"成交金额{yuan_text(amount)}（单价{yuan_text(listing.unit_price_yuan)} × 数量）超过预算金额"
                           f"{yuan_text(fields['budget_yuan'])}", field="budget_yuan")
    _check_limit(flot.lot.project, amount, what="本笔成交金额")
    _check_lot_ceiling(flot, amount)
    agreement = _locked_agreement(listing.agreement_id)  # lock 2
    _check_supplier_ceiling(plan, agreement, amount)
    return Order.objects.create(code=_order_code(flot.lot), listing=listing, selection_reason=reason,
                                agreement=agreement, unit_price_yuan=listing.unit_price_yuan, amount_yuan=amount,
                                **fields)


def _open_bidding(flot: FrameworkLot, plan: FrameworkPlan, fields: dict, *, closes_at: datetime | None,
                  actor) -> Order:
    """二次竞价 (annex 8 §十): every supplier in force invited; the closing time leaves the plan's response time."""
    if closes_at is None:
        raise ServiceError("请填写二次竞价的报价截止时间", field="bidding_closes_at")
    hours = plan.bidding_response_hours or 0
    earliest = timezone.now() + timedelta(hours=hours)
    if closes_at < earliest:
        raise ServiceError(f"报价截止时间须给供应商留出采购方案规定的{hours}小时响应时间，最早为"
                           f"{chinese_datetime(earliest)}（附件8第十部分）", field="bidding_closes_at")
    agreements = list(selectors.agreements_in_force(flot.lot).order_by("pk"))
    if not agreements:
        raise ServiceError("该采购包没有在有效期内的入围供应商，不能发起二次竞价", field="lot")
    _check_limit(flot.lot.project, fields["budget_yuan"], what="本笔预算金额")
    _check_lot_ceiling(flot, fields["budget_yuan"])
    order = Order.objects.create(code=_order_code(flot.lot), bidding_closes_at=closes_at, next_check=closes_at,
                                 **fields)
    order = transition_run(instance=order, name="open_bidding", actor=actor,
                           prepare=lambda locked: {"invited": [a.supplier.name for a in agreements],
                                                   "closes_at": closes_at.isoformat()})
    OrderBid.objects.bulk_create([OrderBid(order=order, agreement=agreement) for agreement in agreements])
    for agreement in agreements:
        organization_notify(
            organization=agreement.supplier, subject=order, kind="framework_bid_invited",
            level=Notification.Level.INFO, title=f"二次竞价邀请：{order.description}"[:200],
            body=(f"{order.purchaser.name}就框架协议「{flot.lot.project.title}」{flot.lot.name}发起二次竞价"
                  f"（订单{order.code}，数量{order.quantity.normalize():f}{flot.lot.unit_of_measure}），"
                  f"请于{chinese_datetime(closes_at)}前报价，报价不得高于贵单位的协议单价"
                  f"{yuan_text(agreement.price_yuan)}。"),
            url=reverse("framework:supplier-bids"))
    return order


def _open_rotation(flot: FrameworkLot, plan: FrameworkPlan, fields: dict) -> Order:
    """顺序轮候 (annex 8 §十): the award goes to whoever's turn it is, at its agreement price."""
    agreement = rotation_turn(flot.lot)
    agreement = _locked_agreement(agreement.pk)  # lock 2
    amount = _amount(agreement.price_yuan, fields["quantity"])
    if amount > fields["budget_yuan"]:
        raise ServiceError(f"轮候供应商{agreement.supplier.name}的成交金额{yuan_text(amount)}（协议单价"
                           f"{yuan_text(agreement.price_yuan)} × 数量）超过预算金额{yuan_text(fields['budget_yuan'])}",
                           field="budget_yuan")
    _check_limit(flot.lot.project, amount, what="本笔成交金额")
    _check_lot_ceiling(flot, amount)
    _check_supplier_ceiling(plan, agreement, amount)
    return Order.objects.create(code=_order_code(flot.lot), agreement=agreement, unit_price_yuan=agreement.price_yuan,
                                amount_yuan=amount, **fields)


# --- 顺序轮候: positions and turns ------------------------------------------------------------------------

@transaction.atomic
def rotation_positions_fix(*, lot: Lot, actor=None, seed: int | None = None) -> list[Agreement]:
    """Fix the rotation positions of the lot's signed agreements when the agreement starts (annex 8 §十), by the
    plan's rule: shortlist rank, or price ascending, or a draw (a seeded shuffle, its seed recorded in the audit).
    Agreements already placed keep their place; one signed later (an open agreement's joiner, a supplement) goes
    after the last."""
    plan = _plan(lot)
    _framework_lot(lot, lock=True)
    signed = list(Agreement.objects.select_for_update(of=("self",)).filter(lot=lot, status=Agreement.Status.SIGNED)
                  .order_by("pk"))
    unplaced = [a for a in signed if a.rotation_position is None]
    if not unplaced:
        return signed
    rule = plan.rotation_order_rule or RotationOrderRule.SHORTLIST_RANK
    if rule == RotationOrderRule.LOT_DRAW:
        seed = seed if seed is not None else secrets.randbits(63)
        random.Random(seed).shuffle(unplaced)
    elif rule == RotationOrderRule.PRICE_ASCENDING:
        unplaced.sort(key=lambda a: (a.price_yuan, a.rank if a.rank is not None else 10**9, a.pk))
    else:
        unplaced.sort(key=lambda a: (a.rank if a.rank is not None else 10**9, a.pk))
    last = Agreement.objects.filter(lot=lot).aggregate(top=Max("rotation_position"))["top"] or 0
    for offset, agreement in enumerate(unplaced, start=1):
        agreement.rotation_position = last + offset
        Agreement.objects.filter(pk=agreement.pk).update(rotation_position=agreement.rotation_position)
    event_record(subject=lot, action="framework_rotation_fix", action_label="确定轮候顺序", actor=actor,
                 changes={"rule": rule, "seed": seed if rule == RotationOrderRule.LOT_DRAW else None,
                          "positions": [[a.supplier_id, a.rotation_position] for a in unplaced]})
    return signed


def rotation_turn(lot: Lot) -> Agreement:
    """The agreement whose turn it is: the next live position after the last rotation award on the lot; removed,
    left or expired suppliers are skipped (``rules.rotation_next``)."""
    live = list(selectors.agreements_in_force(lot).exclude(rotation_position__isnull=True))
    if not live:
        if selectors.agreements_in_force(lot).exists():
            raise ServiceError("该采购包的轮候顺序尚未确定，请征集人先确定轮候顺序（附件8第十部分）", field="lot")
        raise ServiceError("该采购包没有可轮候的入围供应商（均已清退、退出或到期）", field="lot")
    last = (Order.objects.filter(lot=lot, method=SecondStageMethod.ROTATION, agreement__isnull=False,
                                 status__in=[Order.Status.AWARDED, Order.Status.CONTRACTED])
            .order_by("-awarded_at", "-pk").values_list("agreement__rotation_position", flat=True).first())
    try:
        position = rules.rotation_next([a.rotation_position for a in live], last)
    except rules.RuleBroken as broken:
        raise ServiceError(str(broken), field="lot") from None
    return next(a for a in live if a.rotation_position == position)


# --- 二次竞价: bids and the award -------------------------------------------------------------------------

@transaction.atomic
def bid_submit(*, bid: OrderBid, price: Any, actor, now: datetime | None = None) -> OrderBid:
    """An invited supplier's sealed bid (annex 8 §十): before the closing time, not above its agreement price;
    it may be revised until the closing time."""
    now = now or timezone.now()
    bid = OrderBid.objects.select_for_update(of=("self",)).select_related("order", "agreement",
                                                                         "agreement__supplier").get(pk=bid.pk)
    _acts_for(actor, bid.agreement.supplier_id, what=f"代表{bid.agreement.supplier.name}报价")
    order = bid.order
    if order.status != Order.Status.BIDDING:
        raise TransitionRefused(f"订单当前状态为「{order.get_status_display()}」，不能报价")
    if order.bidding_closes_at is not None and now >= order.bidding_closes_at:
        raise ServiceError(f"二次竞价已于{chinese_datetime(order.bidding_closes_at)}截止，不能再报价", field="price")
    if bid.agreement.status != Agreement.Status.SIGNED or bid.agreement.ended_on is not None:
        raise ServiceError("贵单位的框架协议已不在有效期内（已清退、退出或到期），不能报价", field="price")
    price = _decimal(price, label="报价单价", field="price")
    if price > bid.agreement.price_yuan:
        raise ServiceError(f"报价单价{yuan_text(price)}高于贵单位的协议单价{yuan_text(bid.agreement.price_yuan)}"
                           "（附件8第十部分：二次竞价报价不得高于入围价格）", field="price")
    bid.unit_price_yuan, bid.submitted_at = price, now
    bid.save(update_fields=["unit_price_yuan", "submitted_at"])
    # The price is sealed: the audit records that a bid came, not how much.
    event_record(subject=order, action="framework_bid_submit", action_label="二次竞价报价", actor=actor,
                 changes={"supplier": bid.agreement.supplier.name, "submitted_at": now.isoformat()})
    return bid


def _bidding_winner(order: Order, plan: FrameworkPlan) -> OrderBid:
    bids = [bid for bid in order.bids.select_related("agreement", "agreement__response", "agreement__supplier")
            if bid.unit_price_yuan is not None and bid.submitted_at is not None
            and bid.agreement.status == Agreement.Status.SIGNED and bid.agreement.ended_on is None]
    if not bids:
        raise NoBids(f"二次竞价截止时没有供应商报价，不能确定成交供应商（订单{order.code}）：请取消订单后重新发起"
                           "，或改以其他方式采购", order=order)
    candidates = [rules.Bid(key=bid.pk, price_yuan=bid.unit_price_yuan, submitted_at=bid.submitted_at,
                            rank=bid.agreement.rank,
                            quality_score=getattr(bid.agreement.response, "quality_score", None))
                  for bid in bids]
    winner = rules.bidding_winner(candidates, tie_break=plan.bidding_tie_break or TieBreakRule.EARLIER_SUBMISSION)
    return next(bid for bid in bids if bid.pk == winner.key)


def order_award(*, order: Order, actor, now: datetime | None = None) -> Order:
    """After the closing time the purchaser (or the sweep) awards a 二次竞价 order: lowest bid wins, ties by the
    plan's rule. No bid: refused, and the purchaser is told (the message outlives the refusal)."""
    try:
        return _order_award(order=order, actor=actor, now=now)
    except NoBids as refused:
        _tell_no_bids(refused.order)
        raise


class NoBids(ServiceError):
    def __init__(self, message: str, *, order: Order) -> None:
        super().__init__(message, field="bids")
        self.order = order


def _tell_no_bids(order: Order) -> None:
    organization_notify(
        organization=order.purchaser, subject=order, kind="framework_no_bids", level=Notification.Level.WARNING,
        title=f"二次竞价无人报价：{order.code}",
        body=(f"订单{order.code}（{order.description}）的二次竞价已于{chinese_datetime(order.bidding_closes_at)}截止，"
              "没有供应商报价，不能确定成交供应商。请取消该订单后重新发起。"),
        url=reverse("framework:order-detail", args=[order.pk]))


@transaction.atomic
def _order_award(*, order: Order, actor, now: datetime | None = None) -> Order:
    now = now or timezone.now()
    # The order itself first (the sweep holds it already), so that two awards of one order run one after the
    # other and the second finds it awarded; then the lot and the agreement, in the fixed order.
    order = Order.objects.select_for_update(of=("self",)).select_related("lot", "lot__project", "purchaser").get(
        pk=order.pk)
    _acts_for(actor, order.purchaser_id, what="确定成交供应商")
    if order.status != Order.Status.BIDDING:
        raise TransitionRefused(f"订单当前状态为「{order.get_status_display()}」，不能确定成交供应商")
    if order.bidding_closes_at is not None and now < order.bidding_closes_at:
        raise ServiceError(f"二次竞价将于{chinese_datetime(order.bidding_closes_at)}截止，截止前不能开启报价、确定成交"
                           "供应商（附件8第十部分：报价截止前密封）", field="order")
    flot = _framework_lot(order.lot, lock=True)  # lock 1
    plan = _plan(order.lot)
    winner = _bidding_winner(order, plan)
    agreement = _locked_agreement(winner.agreement_id)  # lock 2
    amount = _amount(winner.unit_price_yuan, order.quantity)
    _check_limit(order.lot.project, amount, what="本笔成交金额")
    _check_lot_ceiling(flot, amount, excluding=order.pk)
    _check_supplier_ceiling(plan, agreement, amount, excluding=order.pk)
    Order.objects.filter(pk=order.pk).update(agreement=agreement, unit_price_yuan=winner.unit_price_yuan,
                                             amount_yuan=amount, next_check=None)
    order.refresh_from_db()
    return _award(order, flot=flot, plan=plan, actor=actor)


def _award(order: Order, *, flot: FrameworkLot, plan: FrameworkPlan, actor) -> Order:
    """确定成交供应商, then the core's draft contract, then the single-award notice (二次竞价, 顺序轮候)."""
    now = timezone.now()

    def prepare(locked: Order) -> dict:
        locked.awarded_at = now
        if locked.method != SecondStageMethod.DIRECT:
            locked.award_notice_due = deadlines.due_date(timezone.localdate(now),
                                                         deadlines.FRAMEWORK_SINGLE_AWARD_NOTICE)
        return {"supplier": order.agreement.supplier.name, "unit_price_yuan": str(order.unit_price_yuan),
                "amount_yuan": str(order.amount_yuan)}

    order = transition_run(instance=order, name="award", actor=actor, prepare=prepare)
    order = Order.objects.select_related("lot", "lot__project", "purchaser", "agreement", "agreement__supplier",
                                         "listing").get(pk=order.pk)
    lot = order.lot
    what = (f"{order.listing.brand} {order.listing.name} {order.listing.model_number}" if order.listing
            else order.description)
    contract = contract_draft_create(
        actor=actor, code=f"{order.code}-HT", title=f"{order.description}采购合同（框架协议订单{order.code}）"[:200],
        project=lot.project, buyer=order.purchaser, supplier=order.agreement.supplier,
        lines=[ContractLineDraft(description=what[:200], quantity=order.quantity,
                                 unit_price_yuan=order.unit_price_yuan, unit_of_measure=lot.unit_of_measure,
                                 lot=lot)])

    def made(locked: Order) -> dict:
        locked.contract = contract
        return {"contract": contract.code}

    order = transition_run(instance=order, name="contract_made", actor=actor, prepare=made)
    if order.method != SecondStageMethod.DIRECT:
        _single_award_notice(order, actor=actor)
    organization_notify(
        organization=order.agreement.supplier, subject=order, kind="framework_order_awarded",
        level=Notification.Level.INFO,
        title=f"框架协议订单成交：{order.code}",
        body=(f"{order.purchaser.name}的订单{order.code}（{order.description}）已确定贵单位为成交供应商，成交金额"
              f"{yuan_text(order.amount_yuan)}，合同{contract.code}已生成，请与采购人签订合同。"),
        url=reverse("framework:supplier-orders"))
    return order


def _single_award_notice(order: Order, *, actor) -> Notice:
    """成交结果单笔公告 (Order 110): published at award by the center's side, within
    ``deadlines.FRAMEWORK_SINGLE_AWARD_NOTICE`` (2 working days) by construction."""
    lot, project = order.lot, order.lot.project
    body = "\n".join([
        f"框架协议采购项目：{project.title}（{project.code}）",
        f"采购包：{lot.name}",
        f"订单编号：{order.code}",
        f"采购人：{order.purchaser.name}",
        f"确定成交供应商方式：{order.get_method_display()}",
        f"成交供应商：{order.agreement.supplier.name}",
        f"采购内容：{order.description}，数量{order.quantity.normalize():f}{lot.unit_of_measure}",
        f"成交单价：{yuan_text(order.unit_price_yuan)}；成交金额：{yuan_text(order.amount_yuan)}",
        f"成交时间：{chinese_datetime(order.awarded_at)}",
    ])
    notice = notice_publish(type=Notice.Type.SINGLE_AWARD,
                            title=f"{project.title}{lot.name}成交结果公告（{order.code}）", body=body,
                            project=project, publisher=project.organizer, actor=access.SYSTEM)
    Order.objects.filter(pk=order.pk).update(award_notice=notice)
    order.award_notice = notice
    return notice


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str) -> Order:
    """The purchaser cancels an order not yet contracted (a 二次竞价 without bids, say); it no longer counts."""
    _acts_for(actor, order.purchaser_id, what="取消订单")
    reason = _text(reason, label="取消原因", field="reason", max_length=1000)
    return transition_run(instance=order, name="cancel", actor=actor, note=reason,
                          prepare=lambda locked: {"reason": reason})


def orders_sweep(*, now: datetime | None = None) -> list[Order]:
    """Award every 二次竞价 order whose closing time has passed (the purchaser is told when none can be)."""
    now = now or timezone.now()
    awarded = []
    for order in Order.objects.filter(status=Order.Status.BIDDING, bidding_closes_at__lte=now).order_by("pk"):
        try:
            awarded.append(order_award(order=order, actor=access.SYSTEM, now=now))
        except ServiceError:
            Order.objects.filter(pk=order.pk).update(next_check=None)
    return awarded

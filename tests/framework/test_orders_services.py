"""The second stage (授予合同): opening orders, the three methods, the import rule, the contract and the notice.

Each test names its source: seed 000 三(二)(6), annex 8 §五, §十, §十二, 财库〔2022〕17号 五, MoF Order No. 110.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from framework.models import (
    Agreement,
    FrameworkDetails,
    FrameworkPlan,
    Order,
    OrderBid,
    SecondStageMethod,
    TieBreakRule,
)
from framework.selectors.orders import catalog_listings, open_projects, orders_open_refusal
from framework.services import orders as services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Contract, Notification
from procurement.services.errors import ServiceError
from tests.framework.orders_data import executing, order_fields

pytestmark = pytest.mark.django_db
D = Decimal


def direct(world, run, listing=None, **overrides):
    return services.order_open(**order_fields(world, run, listing=listing or run.listings[0],
                                              selection_reason="价格最低，满足需求", **overrides))


# --- opening: seed 三(二)(6), annex 8 §三, §五 ----------------------------------------------------------------

def test_seed_3_2_6_direct_order_is_awarded_at_the_listing_price_and_contracted(world):
    """seed 三(二)(6), annex 8 §十 直接选定: the listing's price, the reason recorded, the core's contract drafted."""
    run = executing(world)
    order = direct(world, run, listing=run.listings[1])
    assert order.status == Order.Status.CONTRACTED
    assert order.agreement == run.agreement("B")
    assert order.unit_price_yuan == D("1100") and order.amount_yuan == D("2200")
    assert order.selection_reason == "价格最低，满足需求"
    contract = order.contract
    assert contract.project_id == run.project.pk and contract.buyer == world.prefecture_unit
    assert contract.supplier == run.suppliers[1] and contract.status == Contract.Status.DRAFT
    [line] = contract.lines.all()
    assert (line.quantity, line.unit_price_yuan, line.unit_of_measure) == (D("2"), D("1100"), "台")
    assert "品牌B" in line.description
    # 直接选定 has no single-award notice (Order 110: only 二次竞价 and 顺序轮候).
    assert order.award_notice is None


def test_annex8_s10_direct_selection_needs_its_reason(world):
    run = executing(world)
    with pytest.raises(ServiceError, match="选定理由"):
        services.order_open(**order_fields(world, run, listing=run.listings[0], selection_reason=" "))
    assert not Order.objects.exists()


def test_seed_3_2_6_plan_filing_reference_is_required(world):
    """seed 三(二)(6): 第二阶段立项及采购计划备案."""
    run = executing(world)
    with pytest.raises(ServiceError, match="采购计划备案编号") as refused:
        direct(world, run, plan_filing_ref="")
    assert refused.value.field == "plan_filing_ref"
    assert not Order.objects.exists()


def test_seed_3_2_5_no_order_before_the_execution_notice(world):
    """seed 三(二)(5): orders only after the execution notice."""
    run = executing(world, notice=False)
    with pytest.raises(ServiceError, match="执行通知"):
        direct(world, run)


def test_annex8_s5_no_order_after_the_agreement_expired(world):
    """annex 8 §五: the validity; expired → 框架协议已于…到期."""
    end = date.today() - timedelta(days=1)
    run = executing(world, valid_from=end - timedelta(days=300), valid_until=end)
    with pytest.raises(ServiceError, match=f"框架协议已于{end:%Y年%m月%d日}到期"):
        direct(world, run)
    assert not Order.objects.exists()


def test_annex8_s3_only_units_within_the_scope_order(world):
    """annex 8 §三 适用主体范围: a unit outside the scope region is refused."""
    run = executing(world)
    run.project.scope_region = world.changchun
    run.project.save(update_fields=["scope_region"])
    with pytest.raises(ServiceError, match="适用主体范围"):
        direct(world, run, purchaser=world.other_prefecture_unit, actor=world.user(world.other_prefecture_unit))
    assert direct(world, run, purchaser=world.county_unit, actor=world.user(world.county_unit)).pk


def test_another_units_operator_cannot_order_for_it(world):
    run = executing(world)
    with pytest.raises(PermissionDenied):
        direct(world, run, actor=world.user(world.county_unit))


def test_annex8_s10_method_is_the_plans(world):
    """annex 8 §十: the order uses the plan's second-stage method."""
    run = executing(world)
    with pytest.raises(ServiceError, match="直接选定"):
        direct(world, run, method=SecondStageMethod.ROTATION)


def test_order110_art3_one_order_within_the_task_limit(world):
    """小额零星 (Order 110 Art. 3; annex 7 采购限额): one order's amount within the task's limit per order."""
    run = executing(world, purchase_limit="2200")
    assert direct(world, run, listing=run.listings[1]).amount_yuan == D("2200")  # the limit's last yuan
    with pytest.raises(ServiceError, match=r"单笔采购限额2,200\.00元"):
        direct(world, run, listing=run.listings[2])  # 2400


def test_issue11_point6_lot_ceiling_last_yuan_succeeds_next_refused(world):
    """Issue 11 point 6 (the orders of seed 三(二)(6) under the lot's ceiling the plan states): the lot's ceiling,
    recomputed over live orders; its last yuan succeeds, the next is refused
    with the ceiling, used and remaining amounts; a cancelled order no longer counts."""
    run = executing(world, lot_ceiling="4000")
    first = direct(world, run)  # 2000
    direct(world, run)  # 4000: the last yuan
    with pytest.raises(ServiceError) as refused:
        direct(world, run)
    assert "上限为4,000.00元，已使用4,000.00元，剩余0.00元" in refused.value.message
    Order.objects.filter(pk=first.pk).update(status=Order.Status.CANCELLED)
    assert direct(world, run).status == Order.Status.CONTRACTED


def test_issue11_point6_supplier_ceiling_over_its_orders_in_the_project(world):
    """Issue 11 point 6 (a supplier's ceiling the plan states in §十三): over its live orders in the project."""
    run = executing(world, supplier_ceiling="3000")
    direct(world, run)  # A 2000
    with pytest.raises(ServiceError, match=r"供应商A有限公司.*剩余1,000.00元"):
        direct(world, run)
    assert direct(world, run, listing=run.listings[1]).agreement == run.agreement("B")


# --- import rule: annex 8 §十二, 财库〔2022〕17号 五 -------------------------------------------------------------

def test_annex8_s12_imported_listing_needs_the_stated_need_and_approval(world):
    """annex 8 §十二; 财库〔2022〕17号 五: an imported product only with the need stated and its approval (核准)."""
    run = executing(world, allows_imported=True, imported=("A",))
    with pytest.raises(ServiceError, match="进口产品"):
        direct(world, run)
    with pytest.raises(ServiceError, match="核准文号") as refused:
        direct(world, run, needs_imported=True)
    assert refused.value.field == "import_approval_ref"
    order = direct(world, run, needs_imported=True, import_approval_ref="吉财采购核〔2026〕1号")
    assert order.import_approval_ref == "吉财采购核〔2026〕1号"


def test_caiku_2022_17_s5_lot_not_allowing_imports_refuses_needs_imported(world):
    """财库〔2022〕17号 五; annex 8 §十二: a lot that does not allow imported products refuses needs_imported."""
    run = executing(world, allows_imported=False)
    with pytest.raises(ServiceError, match="不允许采购进口产品"):
        direct(world, run, needs_imported=True, import_approval_ref="核〔2026〕1号")


def test_annex8_s10_removed_suppliers_listing_cannot_be_chosen(world):
    run = executing(world)
    Agreement.objects.filter(pk=run.agreement("A").pk).update(status=Agreement.Status.TERMINATED)
    with pytest.raises(ServiceError, match="不在有效期内"):
        direct(world, run)


# --- 顺序轮候: annex 8 §十 ------------------------------------------------------------------------------------

def rotation_order(world, run):
    return services.order_open(**order_fields(world, run))


def test_annex8_s10_rotation_seven_orders_go_round(world):
    """annex 8 §十 顺序轮候: 3 suppliers, 7 orders: A B C A B C A; each with its single-award notice (Order 110)."""
    run = executing(world, method=SecondStageMethod.ROTATION)
    names = [rotation_order(world, run).agreement.supplier.name[3] for _ in range(7)]
    assert names == list("ABCABCA")
    assert Notice.objects.filter(type=Notice.Type.SINGLE_AWARD).count() == 7
    order = Order.objects.order_by("-pk").first()
    assert order.award_notice.type == Notice.Type.SINGLE_AWARD and order.award_notice_due is not None


def test_annex8_s10_rotation_skips_a_removed_supplier(world):
    """annex 8 §十: terminate B after the second order: A B | C A C A C."""
    run = executing(world, method=SecondStageMethod.ROTATION)
    names = [rotation_order(world, run).agreement.supplier.name[3] for _ in range(2)]
    Agreement.objects.filter(pk=run.agreement("B").pk).update(status=Agreement.Status.TERMINATED,
                                                              ended_on=date.today())
    names += [rotation_order(world, run).agreement.supplier.name[3] for _ in range(5)]
    assert names == list("ABCACAC")


def test_annex8_s10_rotation_positions_fixed_by_price_or_draw(world):
    """annex 8 §十: positions fixed when the agreement starts by the plan's rule; a draw's seed is in the audit."""
    run = executing(world, method=SecondStageMethod.ROTATION, prices=("1200", "1000", "1100"),
                    rotation_positions=False)
    with pytest.raises(ServiceError, match="轮候顺序尚未确定"):
        rotation_order(world, run)
    run.plan.rotation_order_rule = "price_ascending"
    run.plan.save(update_fields=["rotation_order_rule"])
    services.rotation_positions_fix(lot=run.lot, actor=world.user(world.center))
    positions = dict(Agreement.objects.values_list("supplier__name", "rotation_position"))
    assert positions == {"供应商B有限公司": 1, "供应商C有限公司": 2, "供应商A有限公司": 3}

    drawn = executing(world, method=SecondStageMethod.ROTATION, rotation_positions=False)
    drawn.plan.rotation_order_rule = "lot_draw"
    drawn.plan.save(update_fields=["rotation_order_rule"])
    services.rotation_positions_fix(lot=drawn.lot, seed=42)
    from procurement.models import ProjectEvent
    event = ProjectEvent.objects.get(action="framework_rotation_fix", subject_id=drawn.lot.pk)
    assert event.changes["seed"] == 42 and event.changes["rule"] == "lot_draw"
    assert sorted(Agreement.objects.filter(lot=drawn.lot).values_list("rotation_position", flat=True)) == [1, 2, 3]


# --- 二次竞价: annex 8 §十 ------------------------------------------------------------------------------------

def bidding(world, **kwargs):
    run = executing(world, method=SecondStageMethod.SECONDARY_BIDDING, **kwargs)
    closes = timezone.now() + timedelta(hours=25)
    order = services.order_open(**order_fields(world, run, bidding_closes_at=closes))
    return run, order


def test_annex8_s10_bidding_invites_every_signed_supplier_and_tells_each(world):
    run, order = bidding(world)
    assert order.status == Order.Status.BIDDING
    assert set(order.bids.values_list("agreement__supplier__name", flat=True)) == {s.name for s in run.suppliers}
    for user in run.supplier_users:
        assert Notification.objects.filter(recipient=user, title__startswith="二次竞价邀请").exists()


def test_annex8_s10_closing_time_leaves_the_response_hours(world):
    run = executing(world, method=SecondStageMethod.SECONDARY_BIDDING, response_hours=24)
    with pytest.raises(ServiceError, match="24小时响应时间") as refused:
        services.order_open(**order_fields(world, run, bidding_closes_at=timezone.now() + timedelta(hours=23)))
    assert refused.value.field == "bidding_closes_at"


def test_annex8_s10_bid_not_above_the_agreement_price(world):
    run, order = bidding(world)
    bid = order.bids.get(agreement=run.agreement("A"))
    with pytest.raises(ServiceError, match=r"高于贵单位的协议单价1,000\.00元"):
        services.bid_submit(bid=bid, price="1000.01", actor=run.supplier_users[0])
    with pytest.raises(PermissionDenied):
        services.bid_submit(bid=bid, price="900", actor=run.supplier_users[1])


def test_annex8_s10_bids_sealed_and_award_refused_before_closing(world):
    """annex 8 §十: sealed until closing; nobody (the purchaser included) reads a price, nobody awards."""
    from framework.selectors.orders import bid_price_shown
    run, order = bidding(world)
    bid = services.bid_submit(bid=order.bids.get(agreement=run.agreement("A")), price="900",
                              actor=run.supplier_users[0])
    purchaser = world.user(world.prefecture_unit)
    assert bid_price_shown(bid, purchaser) is None
    assert bid_price_shown(bid, run.supplier_users[1]) is None
    assert bid_price_shown(bid, run.supplier_users[0]) == D("900")  # its own
    with pytest.raises(ServiceError, match="截止前不能"):
        services.order_award(order=order, actor=purchaser)
    later = order.bidding_closes_at + timedelta(seconds=1)
    assert bid_price_shown(bid, purchaser, now=later) == D("900")


def test_annex8_s10_lowest_bid_wins_ties_by_the_plans_rule(world):
    """annex 8 §十: lowest wins; tie → the plan's rule (higher first-stage rank here); single-award notice."""
    run, order = bidding(world, tie_break=TieBreakRule.HIGHER_RANK)
    now = timezone.now()
    services.bid_submit(bid=order.bids.get(agreement=run.agreement("C")), price="950", actor=run.supplier_users[2],
                        now=now)
    services.bid_submit(bid=order.bids.get(agreement=run.agreement("B")), price="950", actor=run.supplier_users[1],
                        now=now + timedelta(seconds=5))
    services.bid_submit(bid=order.bids.get(agreement=run.agreement("A")), price="990", actor=run.supplier_users[0],
                        now=now)
    later = order.bidding_closes_at + timedelta(minutes=1)
    order = services.order_award(order=order, actor=world.user(world.prefecture_unit), now=later)
    assert order.agreement == run.agreement("B")  # rank 2 beats rank 3 at the same price
    assert order.amount_yuan == D("1900") and order.status == Order.Status.CONTRACTED
    assert order.award_notice.type == Notice.Type.SINGLE_AWARD


def test_annex8_s10_no_bids_refused_with_a_message(world):
    _run, order = bidding(world)
    later = order.bidding_closes_at + timedelta(minutes=1)
    with pytest.raises(ServiceError, match="没有供应商报价"):
        services.order_award(order=order, actor=world.user(world.prefecture_unit), now=later)
    assert Order.objects.get(pk=order.pk).status == Order.Status.BIDDING
    assert Notification.objects.filter(recipient=world.user(world.prefecture_unit),
                                       title__startswith="二次竞价无人报价").exists()


def test_annex8_s10_the_sweep_awards_after_closing(world):
    run, order = bidding(world)
    services.bid_submit(bid=order.bids.get(agreement=run.agreement("A")), price="800", actor=run.supplier_users[0])
    assert services.orders_sweep() == []
    [awarded] = services.orders_sweep(now=order.bidding_closes_at + timedelta(minutes=1))
    assert awarded.agreement == run.agreement("A") and awarded.status == Order.Status.CONTRACTED
    assert OrderBid.objects.filter(order=order).count() == 3


# --- the purchaser's catalog: only agreements open for orders today (seed 三(二)(5), annex 8 §五) ---------------

@pytest.mark.parametrize("change, shown", [
    ({}, True),
    ({"executing_from": 1}, False),          # the execution notice's period starts tomorrow
    ({"expired": True}, False),              # the agreement has ended (协议到期)
    ({"valid_until": -1}, False),            # the plan's validity ended yesterday
    ({"valid_from": 1}, False),              # the plan's validity starts tomorrow
    ({"notice": False}, False),              # no execution notice yet: no order before it (seed 三(二)(5))
])
def test_seed_3_2_5_catalog_offers_only_agreements_open_for_orders_today(world, change, shown):
    """The catalog and the order form list a project exactly when ``orders_open_refusal`` lets an order through."""
    today = deadlines.today()
    run = executing(world, notice=change.get("notice", True))
    details = FrameworkDetails.objects.filter(project=run.project)
    if "executing_from" in change:
        details.update(executing_from=today + timedelta(days=change["executing_from"]))
    if change.get("expired"):
        details.update(expired_at=timezone.now())
    if "valid_until" in change:
        FrameworkPlan.objects.filter(pk=run.plan.pk).update(valid_until=today + timedelta(days=change["valid_until"]))
    if "valid_from" in change:
        FrameworkPlan.objects.filter(pk=run.plan.pk).update(valid_from=today + timedelta(days=change["valid_from"]),
                                                             valid_until=today + timedelta(days=300))
    user = world.user(world.prefecture_unit)
    assert (run.project in open_projects(user)) is shown
    assert bool(set(catalog_listings(user)) & set(run.listings)) is shown
    assert (orders_open_refusal(run.project) == "") is shown

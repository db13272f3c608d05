"""Both stages of an OPEN framework agreement end to end (MoF Order No. 110, open agreements; annex 8 §四 and note 1;
seed 000 三(二)(2)–(6)): plan open (no §八–§十一) → finance approves → filed → solicitation notice (no response
deadline) → suppliers join the same day and are approved, one rejected → listings approved → execution notice → a
purchaser's direct order → its contract → a supplier leaves → expiry → summary notice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from framework.models import Agreement, FrameworkPlan, JoinRequest, Order, ProductListing
from framework.services import agreements as agreement_services
from framework.services import expiry
from framework.services import open_agreements as open_services
from framework.services import orders as order_services
from framework.services import plans as plan_services
from framework.services import solicitation as solicitation_services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Contract
from procurement.services.errors import ServiceError
from procurement.services.reminders import sweep_due_deadlines
from tests.framework.open_data import supplier_with_user
from tests.framework.plans_data import plan_approved
from tests.framework.solicitation_data import pdf

pytestmark = pytest.mark.django_db


def test_order110_open_agreement_both_stages_end_to_end(world):
    today = deadlines.today()
    center = world.user(world.center)
    # Stage 1: the open plan (no §八–§十一), approved by finance and filed (seed 三(二)(2)(3)).
    plan = plan_approved(world, open_type=True, s5={"valid_from": (today - timedelta(days=90)).isoformat(),
                                                    "valid_until": today.isoformat()})
    assert plan.is_open and plan.join_review_working_days == 5
    assert not plan.second_stage_method and not plan.removal_rules and not plan.supplement_rules
    plan_services.plan_file(plan=plan, actor=center)
    project = plan.project
    lot = project.lots.get()
    # The solicitation notice: no response deadline (no sealed responses, no evaluation: annex 8 note 1).
    details = solicitation_services.solicitation_publish(project=project, actor=center,
                                                         body="开放式框架协议征集，供应商可随时申请加入。")
    project.refresh_from_db()
    assert project.response_deadline is None and "5个工作日内完成审核" in details.solicitation_notice.body
    # Suppliers join the same day: two approved, one rejected.
    people = [supplier_with_user(f"开放式供应商{letter}") for letter in "ABC"]
    requests = [open_services.join_request_create(lot=lot, supplier=s, accepts_terms=True, qualification_file=pdf(),
                                                  actor=u) for s, u in people]
    assert {r.review_due for r in requests} == {deadlines.add_working_days(today, 5)}
    a = open_services.join_request_approve(join=requests[0], actor=center).agreement
    b = open_services.join_request_approve(join=requests[1], actor=center).agreement
    rejected = open_services.join_request_reject(join=requests[2], reason="资格证明文件不全", actor=center)
    assert rejected.status == JoinRequest.Status.REJECTED
    assert a.price_yuan == b.price_yuan == lot.max_unit_price_yuan
    # Listings, approved by the center.
    listings = []
    for agreement, (_, user), price in ((a, people[0], "4800"), (b, people[1], "4900")):
        listing = agreement_services.listing_create(agreement=agreement, name="台式计算机", brand="品牌", model_number=
                                                    f"M-{agreement.pk}", unit_price_yuan=Decimal(price), actor=user)
        listings.append(agreement_services.listing_approve(listing=listing, actor=center))
    # The execution notice (seed 三(二)(5)).
    agreement_services.execution_notice_issue(project=project, scope="全省各级预算单位", procedure="直接选定",
                                              executing_from=today, actor=center)
    # Stage 2: a purchaser's direct order and its contract (seed 三(二)(6)).
    buyer = world.user(world.prefecture_unit)
    order = order_services.order_open(purchaser=world.prefecture_unit, lot=lot, plan_filing_ref="BA-2026-0099",
                                      description="台式计算机", quantity="2", budget="10000", actor=buyer,
                                      listing=listings[0], selection_reason="价格最低")
    assert order.status == Order.Status.CONTRACTED and order.amount_yuan == Decimal("9600.00")
    assert order.contract.status == Contract.Status.DRAFT and order.contract.supplier == people[0][0]
    # Supplier B leaves: its listing delisted.
    left = open_services.agreement_leave(agreement=b, actor=people[1][1])
    assert left.status == Agreement.Status.LEFT
    assert ProductListing.objects.get(pk=listings[1].pk).status == ProductListing.Status.DELISTED
    # Expiry: the sweep at the start of the next day; no order after it.
    sweep_due_deadlines(now=deadlines.start_of_day(today + timedelta(days=1)))
    assert Agreement.objects.get(pk=a.pk).status == Agreement.Status.EXPIRED
    assert Agreement.objects.get(pk=b.pk).status == Agreement.Status.LEFT
    with pytest.raises(ServiceError, match="到期"):
        order_services.order_open(purchaser=world.prefecture_unit, lot=lot, plan_filing_ref="BA-2026-0100",
                                  description="台式计算机", quantity="1", budget="10000", actor=buyer,
                                  listing=listings[0], selection_reason="价格最低")
    # The summary notice.
    details = expiry.summary_notice_publish(project=project, actor=center)
    notice = details.summary_notice
    assert notice.type == Notice.Type.AWARD_SUMMARY
    assert "开放式供应商A" in notice.body and "合计：成交1笔" in notice.body
    assert FrameworkPlan.objects.get(pk=plan.pk).status == FrameworkPlan.Status.FILED

"""Issue 11: one closed framework project walked from the task notice (annex 7) to the second-stage contracts
through the services alone, the slices meeting where each hands over (tasks → plans → solicitation → agreements →
orders → the core's contracts), and the core project's status telling where the project is at each step:
草稿 (plan) → 采购实施中 (solicitation) → 已定标 (shortlist notice) → 已完成 (expiry)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from framework.models import (
    Agreement,
    FrameworkPlan,
    Order,
    OrderBid,
    ProductListing,
    RotationOrderRule,
    SecondStageMethod,
    SolicitationResponse,
)
from framework.selectors import agreements as agreement_selectors
from framework.selectors import tasks as task_selectors
from framework.services import agreements as agreement_services
from framework.services import orders as order_services
from framework.services import plans as plan_services
from framework.services import solicitation as solicitation_services
from procurement import deadlines
from procurement.models import Contract, Organization, Project, ProjectEvent
from procurement.services.contracts import contract_sign
from tests.factories import SupplierFactory, member_of
from tests.framework.tasks_data import task_acknowledged, task_world
from tests.framework.wiring_data import pdf, plan_fill, project_actions, status_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]
S = Project.Status


def test_issue11_a_closed_framework_project_runs_from_task_to_contracts_through_the_services(world):
    tw = task_world(world)
    center, finance = tw.center_user, tw.finance_user
    buyer = world.user(world.prefecture_unit)

    # 1. The task notice (annex 7): issued by finance, acknowledged by the center; the plan stage offers it.
    task = task_acknowledged(tw)
    assert list(task_selectors.acknowledged_tasks(world.center)) == [task]
    assert plan_services.acknowledged_tasks([world.center.pk]) == [task]

    # 2. The plan (annex 8) from the task: drafted, submitted, returned, revised, resubmitted, approved, filed.
    plan = plan_services.plan_create(center=world.center, title="台式计算机框架协议采购", task=task, actor=center)
    project = plan.project
    assert plan_services.acknowledged_tasks([world.center.pk]) == []  # the task is used
    assert status_of(project) == S.DRAFT
    plan = plan_fill(plan, actor=center, category_code=tw.goods.code)
    plan_services.plan_submit(plan=plan, actor=center)
    plan_services.plan_review(plan=plan, decision="return", opinion="请补充需求调查情况", actor=finance)
    plan.refresh_from_db()
    assert plan.status == FrameworkPlan.Status.RETURNED
    plan_services.plan_section_save(plan=plan, section="s6", actor=center, values={
        "survey_methods": "调查问卷、座谈论证、市场询价", "requirements": "技术要求见附件；评审标准为价格优先"})
    plan_services.plan_submit(plan=plan, actor=center)
    plan_services.plan_review(plan=plan, decision="approve", opinion="同意", actor=finance)
    plan_services.plan_file(plan=plan, actor=center)
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (FrameworkPlan.Status.FILED, 2)
    assert status_of(project) == S.DRAFT  # 草稿 while the plan is drafted, reviewed and filed

    # 3. The solicitation: published (at least 20 days), 5 suppliers respond, sealed until the deadline.
    lot = project.lots.get()
    solicitation_services.solicitation_publish(
        project=project, response_deadline=timezone.now() + timedelta(days=25), body="欢迎符合条件的供应商响应",
        actor=center)
    assert status_of(project) == S.PROCURING  # 采购实施中
    suppliers = [SupplierFactory(name=f"征集供应商{i}") for i in range(1, 6)]
    people = {supplier.pk: member_of(supplier) for supplier in suppliers}
    prices = ["4200", "4000", "4400", "4100", "4600"]
    for supplier, price in zip(suppliers, prices, strict=True):
        solicitation_services.response_save(
            lot=lot, supplier=supplier, actor=people[supplier.pk], price_yuan=price,
            sme_size=Organization.SmeSize.SMALL, qualification_file=pdf("资格证明文件.pdf"), submit=True)
    assert not ProjectEvent.objects.filter(project=project, subject_type="solicitationresponse").exists()
    Project.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=30),
                                                 response_deadline=timezone.now() - timedelta(minutes=1))

    # 4. Evaluation and the shortlist: 20% of 5 eliminated → 4 in, lowest prices first (annex 8 §九).
    for response in SolicitationResponse.objects.filter(lot=lot):
        solicitation_services.response_evaluate(response=response, qualified=True, actor=center)
    shortlisted = solicitation_services.shortlist_confirm(lot=lot, actor=center)
    assert [a.price_yuan for a in shortlisted] == [Decimal(p) for p in ("4000", "4100", "4200", "4400")]
    solicitation_services.shortlist_publish(project=project, actor=center)
    assert status_of(project) == S.AWARDED  # 已定标
    for agreement in Agreement.objects.filter(lot=lot):
        assert agreement.sign_due and agreement.next_check is not None  # the sweep tracks the signing

    # 5. Agreements signed, published, filed; a listing each, approved; the execution notice.
    today = deadlines.today()
    for agreement in Agreement.objects.filter(lot=lot).order_by("rank"):
        agreement = agreement_services.agreement_sign(agreement=agreement, signed_on=today,
                                                      signed_file=pdf("框架协议.pdf"), actor=center)
        agreement_services.agreement_publish(agreement=agreement, actor=center)
        agreement_services.agreement_file(agreement=agreement, actor=center)
        listing = agreement_services.listing_create(
            agreement=agreement, name="台式计算机", brand=f"品牌{agreement.rank}", model_number=f"M{agreement.rank}",
            unit_price_yuan=agreement.price_yuan, actor=people[agreement.supplier_id])
        agreement_services.listing_approve(listing=listing, actor=center)
    assert not agreement_selectors.orders_open(project, on=today)
    agreement_services.execution_notice_issue(project=project, scope="全省各级预算单位", procedure="按框架协议约定",
                                              executing_from=today, actor=center)
    assert agreement_selectors.orders_open(project, on=today)
    positions = dict(Agreement.objects.filter(lot=lot).values_list("rank", "rotation_position"))
    assert positions == {1: 1, 2: 2, 3: 3, 4: 4}  # fixed when the agreement starts (annex 8 §十)
    assert status_of(project) == S.AWARDED

    common = {"purchaser": world.prefecture_unit, "lot": lot, "plan_filing_ref": "BA-2026-0001",
              "description": "台式计算机", "quantity": "2", "actor": buyer}
    # 6a. 直接选定 (the main method): the purchaser picks a listing, with its reason.
    listing = ProductListing.objects.get(agreement__rank=2, agreement__lot=lot)
    direct = order_services.order_open(**common, budget="9000", listing=listing, selection_reason="性价比最高")
    assert (direct.status, direct.agreement.rank, direct.amount_yuan) == (Order.Status.CONTRACTED, 2, Decimal("8200"))

    # 6b. 顺序轮候: the first position's turn.
    FrameworkPlan.objects.filter(pk=plan.pk).update(second_stage_method=SecondStageMethod.ROTATION,
                                                    rotation_order_rule=RotationOrderRule.SHORTLIST_RANK)
    rotation = order_services.order_open(**common, budget="9000")
    assert (rotation.status, rotation.agreement.rotation_position) == (Order.Status.CONTRACTED, 1)

    # 6c. 二次竞价: every supplier in force invited; sealed bids; the lowest wins after the closing time.
    FrameworkPlan.objects.filter(pk=plan.pk).update(second_stage_method=SecondStageMethod.SECONDARY_BIDDING,
                                                    bidding_response_hours=24, bidding_tie_break="earlier_submission")
    closes = timezone.now() + timedelta(hours=25)
    bidding = order_services.order_open(**common, budget="9000", bidding_closes_at=closes)
    assert bidding.status == Order.Status.BIDDING and bidding.bids.count() == 4
    for bid, price in zip(OrderBid.objects.filter(order=bidding).order_by("agreement__rank"),
                          ["3990", "3950", "4100", "4300"], strict=True):
        order_services.bid_submit(bid=bid, price=price, actor=people[bid.agreement.supplier_id])
    bidding = order_services.order_award(order=bidding, actor=buyer, now=closes + timedelta(minutes=1))
    assert (bidding.status, bidding.agreement.rank, bidding.amount_yuan) == (
        Order.Status.CONTRACTED, 2, Decimal("7900"))

    # 7. The contracts, through the core's contract services: the purchaser signs each.
    for order in (direct, rotation, bidding):
        order.refresh_from_db()
        signed = contract_sign(contract=order.contract, actor=buyer, signed_on=today, signed_file=pdf("合同.pdf"))
        assert signed.status == Contract.Status.SIGNED
    assert Contract.objects.filter(framework_order__lot=lot).count() == 3

    # The project's log carries its orders, agreements and listings (their ``project``).
    actions = project_actions(project)
    for action in ("framework_solicit", "record_award", "sign", "framework_order_open", "contract_made",
                   "framework_response_evaluate"):
        assert action in actions

    # 8. Expiry: the project is 已完成, with its audit event.
    plan_services.framework_project_complete(project)
    assert status_of(project) == S.COMPLETED
    assert ProjectEvent.objects.filter(project=project, action="framework_complete").exists()

"""Open framework agreements (开放式框架协议): joining, the center's review, leaving, and the closed-agreement steps
that do not apply. Sources: MoF Order No. 110 (open agreements), annex 8 §四 and note 1, seed 000 三(二)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from framework.models import (
    Agreement,
    FrameworkPlan,
    JoinRequest,
    Order,
    ProductListing,
    Removal,
    SolicitationResponse,
)
from framework.selectors import solicitation as solicitation_selectors
from framework.services import agreements as agreement_services
from framework.services import expiry
from framework.services import open_agreements as services
from framework.services import orders as order_services
from framework.services import solicitation as solicitation_services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Project, ProjectEvent
from procurement.services.errors import ServiceError, TransitionRefused
from tests.framework.open_data import join, joined, lot_of, open_project, supplier_with_user
from tests.framework.solicitation_data import pdf, responses

pytestmark = pytest.mark.django_db


def test_order110_open_join_review_due_is_the_declared_working_days(world):
    """Order 110 (open agreements): the center reviews within the period the plan declares (5 working days)."""
    project = open_project(world, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    supplier, user = supplier_with_user()
    friday = date(2026, 12, 4)
    request = join(world, lot_of(project), supplier, user, today=friday)
    assert request.status == JoinRequest.Status.PENDING
    assert request.review_due == deadlines.add_working_days(friday, 5) == date(2026, 12, 11)
    assert request.accepts_terms and request.qualification_file.name.endswith(".pdf")
    assert request.next_check is not None


def test_order110_open_join_requires_accepting_the_published_terms_and_price(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    with pytest.raises(ServiceError, match="接受征集公告公布的协议条件和价格") as refused:
        join(world, lot_of(project), supplier, user, accepts_terms=False)
    assert refused.value.field == "accepts_terms"
    assert not JoinRequest.objects.exists()


def test_order110_open_join_requires_a_qualification_pdf(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    with pytest.raises(ServiceError, match="请上传资格证明文件"):
        join(world, lot_of(project), supplier, user, qualification_file=None)
    with pytest.raises(ServiceError, match="须为PDF"):
        join(world, lot_of(project), supplier, user,
             qualification_file=SimpleUploadedFile("资格.docx", b"x", content_type="application/msword"))
    assert not JoinRequest.objects.exists()


def test_order110_open_join_only_after_the_solicitation_notice(world):
    project = open_project(world, notice=False)
    supplier, user = supplier_with_user()
    with pytest.raises(TransitionRefused, match="征集公告发布后方可申请加入"):
        join(world, lot_of(project), supplier, user)


def test_order110_open_join_only_within_the_validity(world):
    """Order 110: suppliers may join at any time during the validity — on its last day, not the day after."""
    end = deadlines.today()
    project = open_project(world, valid_until=end)
    supplier, user = supplier_with_user()
    assert join(world, lot_of(project), supplier, user).status == JoinRequest.Status.PENDING
    other, other_user = supplier_with_user("另一供应商")
    with pytest.raises(TransitionRefused, match="到期，不能再申请加入"):
        join(world, lot_of(project), other, other_user, today=end + timedelta(days=1))


def test_annex8_note1_closed_agreements_take_no_join_requests(world):
    project = open_project(world, agreement_type="closed")
    supplier, user = supplier_with_user()
    with pytest.raises(TransitionRefused, match="不属于开放式框架协议"):
        join(world, lot_of(project), supplier, user)


def test_order110_open_approval_signs_the_agreement_at_the_published_price(world):
    """Approve → an agreement signed that day at the lot's published price (最高限制单价), valid to the plan's end."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    request = join(world, lot, supplier, user)
    approved = services.join_request_approve(join=request, actor=world.user(world.center))
    agreement = approved.agreement
    assert approved.status == JoinRequest.Status.APPROVED and approved.reviewed_at
    assert agreement.status == Agreement.Status.SIGNED and agreement.signed_on == deadlines.today()
    assert agreement.price_yuan == lot.max_unit_price_yuan == Decimal("5000")
    assert agreement.valid_until == FrameworkPlan.objects.get(project=project).valid_until
    assert agreement.supplier == supplier and agreement.code.startswith(f"{project.code}-XY")
    assert ProjectEvent.objects.filter(action="framework_join_agreement").exists()
    # In force: the supplier may list products at once.
    assert agreement_services.listing_refusal(agreement) == ""


def test_order110_open_review_is_the_organizing_centers(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    with pytest.raises(PermissionDenied):
        services.join_request_approve(join=request, actor=user)
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.PENDING and not Agreement.objects.exists()


def test_order110_open_rejection_needs_its_reason_and_the_supplier_may_ask_again(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    with pytest.raises(ServiceError, match="理由"):
        services.join_request_reject(join=request, reason=" ", actor=world.user(world.center))
    rejected = services.join_request_reject(join=request, reason="资格证明文件不全", actor=world.user(world.center))
    assert rejected.status == JoinRequest.Status.REJECTED and rejected.review_note == "资格证明文件不全"
    with pytest.raises(TransitionRefused, match="不能再审核"):
        services.join_request_approve(join=rejected, actor=world.user(world.center))
    again = join(world, lot_of(project), supplier, user)
    assert again.status == JoinRequest.Status.PENDING


def test_order110_open_no_second_request_while_one_awaits_review(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    join(world, lot_of(project), supplier, user)
    with pytest.raises(ServiceError, match="正在审核中"):
        join(world, lot_of(project), supplier, user)
    assert JoinRequest.objects.count() == 1


def test_order110_open_joined_supplier_cannot_request_again(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    joined(world, lot_of(project), supplier, user)
    with pytest.raises(ServiceError, match="已有入围记录"):
        join(world, lot_of(project), supplier, user)


def test_order110_art19_removed_supplier_cannot_request_to_join(world):
    """A removed supplier never rejoins the lot (Order 110 Art. 19; annex 8 §十一), open agreement or not."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    agreement = Agreement.objects.create(lot=lot, supplier=supplier, code="X-1", price_yuan=Decimal("5000"),
                                         status=Agreement.Status.TERMINATED, ended_on=deadlines.today())
    Removal.objects.create(agreement=agreement, ground=Removal.Ground.FALSE_MATERIALS, evidence="虚假材料",
                           effect=Removal.Effect.TERMINATED, decided_on=deadlines.today())
    with pytest.raises(ServiceError, match="清退"):
        join(world, lot, supplier, user)


def test_order110_open_supplier_leaves_at_any_time_and_its_listings_are_delisted(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    agreement = joined(world, lot_of(project), supplier, user)
    listing = agreement_services.listing_create(agreement=agreement, name="台式计算机", brand="联想", model_number="M1",
                                                unit_price_yuan=Decimal("4800"), actor=user)
    agreement_services.listing_approve(listing=listing, actor=world.user(world.center))
    with pytest.raises(PermissionDenied):
        services.agreement_leave(agreement=agreement, actor=world.user(world.center))
    left = services.agreement_leave(agreement=agreement, actor=user, reason="经营调整")
    assert left.status == Agreement.Status.LEFT and left.ended_on == deadlines.today()
    listing.refresh_from_db()
    assert listing.status == ProductListing.Status.DELISTED


# --- the solicitation notice of an open plan (Order 110, open agreements; annex 8 note 1) ----------------------

def test_order110_open_notice_published_without_a_response_deadline_and_a_supplier_joins_the_same_day(world):
    """Order 110, open agreements; annex 8 note 1 (no sealed responses, no evaluation): the notice of an open plan
    asks no response deadline — one given is ignored, not checked against the closed agreement's 20 days — and says
    that suppliers may ask to join at any time during the validity, reviewed within the declared working days; the
    project keeps no deadline and moves to 采购实施中; a supplier asks to join the very day."""
    project = open_project(world, notice=False)
    center = world.user(world.center)
    assert project.response_deadline is None
    details = solicitation_services.solicitation_publish(project=project, body="欢迎供应商申请加入。", actor=center)
    project.refresh_from_db()
    assert project.response_deadline is None and project.response_opens_at is None
    assert project.status == Project.Status.PROCURING
    body = details.solicitation_notice.body
    assert "不设提交响应文件截止时间" in body and "提交响应文件截止时间：" not in body
    assert "供应商可随时通过本平台申请加入" in body and "5个工作日内完成审核" in body
    assert "协议单价（最高限制单价）：5,000.00元" in body and "淘汰率" not in body
    event = ProjectEvent.objects.get(action=solicitation_services.PUBLISH_ACTION, project=project)
    assert event.changes["response_deadline"] is None
    # A response deadline given for an open plan is ignored (tomorrow: refused for a closed plan, 20 days).
    other = open_project(world, notice=False)
    solicitation_services.solicitation_publish(project=other, body="征集", actor=center,
                                               response_deadline=timezone.now() + timedelta(days=1))
    other.refresh_from_db()
    assert other.response_deadline is None
    # The same day: a supplier asks to join; the review falls due 5 working days later.
    supplier, user = supplier_with_user()
    today = deadlines.today()
    request = join(world, lot_of(project), supplier, user)
    assert request.status == JoinRequest.Status.PENDING
    assert request.review_due == deadlines.add_working_days(today, 5)


def test_annex8_note1_open_notice_needs_the_declared_review_period(world):
    """Annex 8 §四 (the open type declares the review period of requests to join): without it no notice."""
    project = open_project(world, notice=False, review_days=None)
    with pytest.raises(ServiceError, match="未声明加入申请的审核期限"):
        solicitation_services.solicitation_publish(project=project, body="征集", actor=world.user(world.center))
    assert not Notice.objects.filter(project=project).exists()


def test_annex8_note1_open_lot_takes_no_solicitation_response(world):
    """Annex 8 note 1: an open agreement has no sealed responses: a response (saved or submitted) is refused, the
    supplier is told to ask to join; the respond page does not offer the lot."""
    project = open_project(world)
    supplier, user = supplier_with_user()
    with pytest.raises(ServiceError, match="开放式框架协议不提交响应文件"):
        solicitation_services.response_save(lot=lot_of(project), supplier=supplier, actor=user, price_yuan="4000",
                                            sme_size="small", qualification_file=pdf(), submit=True)
    assert not SolicitationResponse.objects.exists()
    assert solicitation_selectors.respondable_lot(lot_of(project).pk) is None


# --- leaving and joining again (Order 110, open agreements; issue 11 point 8) -----------------------------------

def _listed(world, agreement: Agreement, user, price: str = "4800") -> ProductListing:
    listing = agreement_services.listing_create(agreement=agreement, name="台式计算机", brand="联想",
                                                model_number=f"M-{agreement.pk}", unit_price_yuan=Decimal(price),
                                                actor=user)
    return agreement_services.listing_approve(listing=listing, actor=world.user(world.center))


def test_order110_open_supplier_that_left_joins_again_with_a_new_agreement(world):
    """Order 110, open agreements (issue 11 point 8: suppliers may join at any time during the validity and may
    leave): a supplier that left asks again; approved, it signs a second agreement — a new code, signed that day at
    the lot's published price — and lists products under it; the agreement it left stays as it was (history), and
    takes no listing. It may leave and join a third time: left rows do not count as a place."""
    project = open_project(world)
    lot = lot_of(project)
    center = world.user(world.center)
    supplier, user = supplier_with_user()
    first = joined(world, lot, supplier, user)
    services.agreement_leave(agreement=first, actor=user, reason="经营调整")
    assert services.supplier_request_refusal(lot=lot, supplier=supplier) == ""
    again = join(world, lot, supplier, user)
    assert again.status == JoinRequest.Status.PENDING
    second = services.join_request_approve(join=again, actor=center).agreement
    first.refresh_from_db()
    assert first.status == Agreement.Status.LEFT and first.ended_on == deadlines.today()
    assert second.pk != first.pk and second.code != first.code and second.code.startswith(f"{project.code}-XY")
    assert second.status == Agreement.Status.SIGNED and second.signed_on == deadlines.today()
    assert second.price_yuan == lot.max_unit_price_yuan
    assert list(Agreement.objects.filter(lot=lot, supplier=supplier).order_by("pk")) == [first, second]
    event = ProjectEvent.objects.filter(action="framework_join_agreement", subject_id=second.pk).get()
    assert event.changes["left_before"] == [first.code]
    # Listings again, under the new agreement only.
    with pytest.raises(TransitionRefused, match="已退出"):
        _listed(world, first, user)
    assert _listed(world, second, user).status == ProductListing.Status.APPROVED
    # Leave again, join a third time: two left rows beside the place.
    services.agreement_leave(agreement=second, actor=user)
    third = joined(world, lot, supplier, user)
    rows = Agreement.objects.filter(lot=lot, supplier=supplier).order_by("pk")
    assert list(rows.values_list("status", flat=True)) == ["left", "left", "signed"]
    assert third.code not in {first.code, second.code}


def test_order110_open_supplier_that_left_is_refused_while_its_new_request_waits_or_once_joined(world):
    """Order 110, open agreements: having left is no refusal, but one request at a time (a pending one refuses a
    second) and one place per lot (the new agreement refuses a further request)."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    services.agreement_leave(agreement=joined(world, lot, supplier, user), actor=user)
    pending = join(world, lot, supplier, user)
    with pytest.raises(ServiceError, match="正在审核中"):
        join(world, lot, supplier, user)
    services.join_request_approve(join=pending, actor=world.user(world.center))
    with pytest.raises(ServiceError, match=r"已有入围记录.*已签订"):
        join(world, lot, supplier, user)
    assert JoinRequest.objects.filter(supplier=supplier).count() == 2
    assert Agreement.objects.filter(lot=lot, supplier=supplier).count() == 2


def test_order110_open_approval_refused_when_the_supplier_holds_a_place_again(world):
    """Order 110, open agreements: the approval checks again (the lot locked) that the supplier holds no place: two
    requests approved one after the other never give it two agreements in force."""
    project = open_project(world)
    lot = lot_of(project)
    center = world.user(world.center)
    supplier, user = supplier_with_user()
    services.agreement_leave(agreement=joined(world, lot, supplier, user), actor=user)
    pending = join(world, lot, supplier, user)
    # Meanwhile another path gave it a place on the lot (built directly: no service allows it while a request waits).
    Agreement.objects.create(lot=lot, supplier=supplier, code="X-2", price_yuan=Decimal("5000"),
                             status=Agreement.Status.SIGNED, signed_on=deadlines.today())
    with pytest.raises(TransitionRefused, match="已有入围记录"):
        services.join_request_approve(join=pending, actor=center)
    pending.refresh_from_db()
    assert pending.status == JoinRequest.Status.PENDING and pending.agreement is None


def test_order110_one_place_per_lot_and_supplier_is_held_by_the_database(world):
    """annex 8 §十一 / Order 110: at most one agreement per lot and supplier that is not left (the conditional
    constraint ``framework_agreement_one_place_per_lot_supplier``); left rows beside it are allowed."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, _ = supplier_with_user()

    def row(code: str, status: str) -> Agreement:
        return Agreement.objects.create(lot=lot, supplier=supplier, code=code, price_yuan=Decimal("5000"),
                                        status=status, signed_on=deadlines.today())

    row("L-1", Agreement.Status.LEFT)
    row("L-2", Agreement.Status.LEFT)
    row("S-1", Agreement.Status.SIGNED)
    for status in (Agreement.Status.SIGNED, Agreement.Status.TERMINATED, Agreement.Status.EXPIRED):
        with pytest.raises(IntegrityError), transaction.atomic():
            row(f"S-{status}", status)
    assert Agreement.objects.filter(lot=lot, supplier=supplier).count() == 3


def test_order110_open_rejoined_supplier_takes_orders_under_its_new_agreement(world):
    """Order 110, open agreements; seed 三(二)(6): after leaving and joining again, the supplier's new listing takes
    orders (直接选定) awarded under its new agreement; its old listing no longer does; the summary counts the
    supplier once with every order of both agreements (成交结果汇总公告: per supplier)."""
    project = open_project(world)
    lot = lot_of(project)
    center = world.user(world.center)
    supplier, user = supplier_with_user()
    first = joined(world, lot, supplier, user)
    old_listing = _listed(world, first, user, "4800")
    agreement_services.execution_notice_issue(project=project, scope="全省各级预算单位", procedure="直接选定",
                                              executing_from=deadlines.today(), actor=center)
    buyer = world.user(world.prefecture_unit)

    def order(listing, ref):
        return order_services.order_open(purchaser=world.prefecture_unit, lot=lot, plan_filing_ref=ref,
                                         description="台式计算机", quantity="1", budget="10000", actor=buyer,
                                         listing=listing, selection_reason="满足需求")

    assert order(old_listing, "BA-2026-0101").agreement == first
    services.agreement_leave(agreement=first, actor=user)
    with pytest.raises(ServiceError, match="已下架，不能选定"):
        order(old_listing, "BA-2026-0102")
    second = joined(world, lot, supplier, user)
    new_listing = _listed(world, second, user, "4700")
    placed = order(new_listing, "BA-2026-0103")
    assert placed.status == Order.Status.CONTRACTED and placed.agreement == second
    assert placed.amount_yuan == Decimal("4700.00") and placed.contract.supplier == supplier
    [row] = expiry.summary_rows(project)
    assert [(s["supplier"], s["count"], s["amount"]) for s in row["suppliers"]] == [
        (supplier.name, 2, Decimal("9500.00"))]


def test_order110_closed_agreement_supplier_cannot_leave(world):
    project = open_project(world, agreement_type="closed")
    supplier, user = supplier_with_user()
    agreement = Agreement.objects.create(lot=lot_of(project), supplier=supplier, code="C-1", rank=1,
                                         price_yuan=Decimal("4000"), status=Agreement.Status.SIGNED,
                                         signed_on=deadlines.today())
    with pytest.raises(TransitionRefused, match="封闭式框架协议"):
        services.agreement_leave(agreement=agreement, actor=user)


# --- annex 8 note 1: no evaluation, elimination, removal or supplement for an open lot ---------------------------

def test_annex8_note1_open_lot_has_no_evaluation_or_shortlist(world):
    project = open_project(world)
    lot = lot_of(project)
    [response] = responses(lot, ["4000"])
    center = world.user(world.center)
    with pytest.raises((ServiceError, TransitionRefused)):
        solicitation_services.response_evaluate(response=response, qualified=True, actor=center)
    with pytest.raises((ServiceError, TransitionRefused)):
        solicitation_services.shortlist_confirm(lot=lot, actor=center)
    with pytest.raises(ServiceError, match="开放式框架协议不确定入围供应商"):
        solicitation_services.shortlist_publish(project=project, actor=center)
    assert not Agreement.objects.exists()


def test_annex8_note1_open_lot_has_no_removal_or_supplement(world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    agreement = joined(world, lot_of(project), supplier, user)
    center = world.user(world.center)
    with pytest.raises(TransitionRefused, match="开放式框架协议不适用入围供应商清退"):
        agreement_services.agreement_remove(agreement=agreement, ground=Removal.Ground.COLLUSION, evidence="串通",
                                            actor=center)
    with pytest.raises(TransitionRefused, match="开放式框架协议不适用补充征集"):
        agreement_services.supplement_open(lot=lot_of(project), reason="供应商不足",
                                           response_deadline=timezone.now() + timedelta(days=20), actor=center)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SIGNED and not Removal.objects.exists()



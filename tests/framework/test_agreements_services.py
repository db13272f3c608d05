"""The agreements stage through its services: signing, publication and filing (seed 000 三(二)(4)), listings (上架),
the execution notice (seed 三(二)(5)), removal (Order 110 Art. 19(1); annex 8 §十一) and supplement (annex 8 §十一).
Each refusal is Chinese, names its source where it has one, and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from framework.models import Agreement, AgreementType, FrameworkDetails, ProductListing, Removal, Supplement
from framework.selectors.agreements import agreements_in_force, orders_open
from framework.services import agreements as services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Filing, ProjectEvent
from procurement.services.errors import ServiceError
from tests.factories import SupplierFactory
from tests.framework.agreements_data import PRICE, agreement_of, framework_with_agreements, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


@pytest.fixture
def project(world):
    return framework_with_agreements(world)


def center(world):
    return world.user(world.center)


def sign(world, agreement, on=None):
    return services.agreement_sign(agreement=agreement, signed_on=on or deadlines.today(), signed_file=pdf(),
                                   actor=center(world))


def listing(world, agreement, **values):
    fields = {"name": "台式计算机", "brand": "联想", "model_number": "M720", "specification": "i5/16G",
              "unit_price_yuan": PRICE, "is_imported": False}
    fields.update(values)
    return services.listing_create(agreement=agreement, actor=world.user(agreement.supplier), **fields)


# --- signing (seed 三(二)(4)) ---------------------------------------------------------------------------

def test_seed_3_2_4_signing_sets_the_publication_and_filing_due_days(world, project):
    """Seed 三(二)(4): signed within 30 days of the letter; publication within 3 working days, filing within 7."""
    agreement = agreement_of(project, world.supplier)
    today = deadlines.today()
    signed = sign(world, agreement)
    assert signed.status == Agreement.Status.SIGNED and signed.signed_on == today
    assert signed.publish_due == deadlines.add_working_days(today, 3)
    assert signed.filing_due == deadlines.add_working_days(today, 7)
    assert signed.valid_until == project.framework_plan.valid_until
    assert signed.signed_file.name.endswith(".pdf")
    assert not services.signed_late(signed) and services.overdue_steps(signed) == []
    assert ProjectEvent.objects.filter(action="sign", subject_id=signed.pk).exists()


def test_seed_3_2_4_signing_before_the_letter_or_in_the_future_is_refused(world, project):
    """Seed 三(二)(4): a signing date before the shortlist letter, or after today, cannot be; nothing changes."""
    agreement = agreement_of(project, world.supplier)
    with pytest.raises(ServiceError, match="不能早于入围通知书发出日期") as early:
        sign(world, agreement, on=agreement.letter_sent_on - timedelta(days=1))
    assert early.value.field == "signed_on"
    with pytest.raises(ServiceError, match="不能晚于今天"):
        sign(world, agreement, on=deadlines.today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="须为PDF文件"):
        services.agreement_sign(agreement=agreement, signed_on=deadlines.today(), actor=center(world),
                                signed_file=SimpleUploadedFile("a.docx", b"PK.."))
    with pytest.raises(ServiceError, match="不是有效的PDF文件"):
        services.agreement_sign(agreement=agreement, signed_on=deadlines.today(), actor=center(world),
                                signed_file=SimpleUploadedFile("a.pdf", b"hello"))
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SHORTLISTED and agreement.signed_on is None


def test_seed_3_2_4_signing_after_30_days_is_recorded_and_flagged_overdue(world):
    """Seed 三(二)(4): 30 days from the letter; a later signing is allowed, flagged 逾期签订."""
    letter = deadlines.today() - timedelta(days=40)
    project = framework_with_agreements(world, letter_on=letter)
    agreement = agreement_of(project, world.supplier)
    assert "签订框架协议已逾期" in services.overdue_steps(agreement)
    signed = sign(world, agreement)
    assert services.signed_late(signed) and "逾期签订" in services.overdue_steps(signed)
    assert signed.sign_due == letter + timedelta(days=30)


def test_only_the_organizing_center_signs(world, project):
    agreement = agreement_of(project, world.supplier)
    with pytest.raises(PermissionDenied):
        services.agreement_sign(agreement=agreement, signed_on=deadlines.today(), signed_file=pdf(),
                                actor=world.user(world.supplier))


def test_seed_3_2_4_publication_publishes_the_shortlist_information_once(world, project):
    """Seed 三(二)(4): 公开入围信息 after signing, once."""
    agreement = agreement_of(project, world.supplier)
    with pytest.raises(ServiceError, match="签订后才能公开入围信息"):
        services.agreement_publish(agreement=agreement, actor=center(world))
    sign(world, agreement)
    published = services.agreement_publish(agreement=agreement, actor=center(world))
    assert published.published_on == deadlines.today()
    notice = Notice.objects.get(project=project)
    assert "入围信息公开" in notice.title and world.supplier.name in notice.body and "4,500.00元" in notice.body
    with pytest.raises(ServiceError, match="不能重复公开"):
        services.agreement_publish(agreement=agreement, actor=center(world))


def test_seed_3_2_4_filing_records_a_framework_agreement_filing_with_finance(world, project):
    """Seed 三(二)(4): a copy filed with finance within 7 working days (the core's Filing, FRAMEWORK_AGREEMENT)."""
    agreement = agreement_of(project, world.supplier)
    sign(world, agreement)
    filing = services.agreement_file(agreement=agreement, actor=center(world))
    assert filing.kind == Filing.Kind.FRAMEWORK_AGREEMENT and filing.finance_bureau == world.finance
    assert filing.payload["agreement_code"] == agreement.code and filing.subject_id == agreement.pk
    agreement.refresh_from_db()
    assert agreement.filed_on == deadlines.today()
    with pytest.raises(ServiceError, match="不能重复备案"):
        services.agreement_file(agreement=agreement, actor=center(world))


# --- listings (上架) -------------------------------------------------------------------------------------

def test_seed_3_2_4_a_listing_above_the_agreement_price_is_refused_naming_it(world, project):
    """Listed at no more than the agreement price (seed 三(二)(4) 上架商品; the shortlisted price caps it)."""
    agreement = sign(world, agreement_of(project, world.supplier))
    with pytest.raises(ServiceError, match=r"高于框架协议单价4,500\.00元") as refused:
        listing(world, agreement, unit_price_yuan=Decimal("4500.01"))
    assert refused.value.field == "unit_price_yuan"
    assert not ProductListing.objects.exists()
    made = listing(world, agreement)
    assert made.status == ProductListing.Status.SUBMITTED and made.unit_price_yuan == PRICE


def test_a_listing_needs_a_signed_agreement_in_validity(world, project):
    agreement = agreement_of(project, world.supplier)
    with pytest.raises(ServiceError, match="签订框架协议后才能上架商品"):
        listing(world, agreement)
    agreement = sign(world, agreement)
    Agreement.objects.filter(pk=agreement.pk).update(valid_until=deadlines.today() - timedelta(days=1))
    agreement.refresh_from_db()
    with pytest.raises(ServiceError, match="到期"):
        listing(world, agreement)


def test_annex8_s12_imported_products_only_where_the_lot_allows_them(world, project):
    """Annex 8 §十二, 财库〔2022〕17号: import rules per lot (FrameworkLot.allows_imported)."""
    agreement = sign(world, agreement_of(project, world.supplier))
    with pytest.raises(ServiceError, match="未允许采购进口产品"):
        listing(world, agreement, is_imported=True)
    allowed = framework_with_agreements(world, allows_imported=True)
    imported = listing(world, sign(world, agreement_of(allowed, world.supplier)), is_imported=True)
    assert imported.is_imported


def test_another_supplier_cannot_list_under_an_agreement(world, project):
    agreement = sign(world, agreement_of(project, world.supplier))
    with pytest.raises(PermissionDenied):
        services.listing_create(agreement=agreement, actor=world.user(world.large_supplier), name="x", brand="y",
                                model_number="z", unit_price_yuan=PRICE)


def test_the_center_approves_or_rejects_with_a_reason_and_the_supplier_delists(world, project):
    agreement = sign(world, agreement_of(project, world.supplier))
    first, second = listing(world, agreement), listing(world, agreement, model_number="M920")
    approved = services.listing_approve(listing=first, actor=center(world))
    assert approved.status == ProductListing.Status.APPROVED and approved.reviewed_at
    with pytest.raises(ServiceError, match="请填写退回理由"):
        services.listing_reject(listing=second, reason=" ", actor=center(world))
    rejected = services.listing_reject(listing=second, reason="型号与响应文件不符", actor=center(world))
    assert rejected.status == ProductListing.Status.REJECTED and rejected.review_note == "型号与响应文件不符"
    with pytest.raises(PermissionDenied):
        services.listing_approve(listing=second, actor=world.user(world.supplier))
    delisted = services.listing_delist(listing=approved, actor=world.user(world.supplier))
    assert delisted.status == ProductListing.Status.DELISTED


# --- the execution notice (seed 三(二)(5)) -----------------------------------------------------------------

def _ready(world, project):
    for lot in project.lots.all():
        agreement = sign(world, agreement_of(project, world.supplier, lot_number=lot.number))
        services.listing_approve(listing=listing(world, agreement), actor=center(world))


def test_seed_3_2_5_the_execution_notice_waits_for_every_lot(world):
    """Seed 三(二)(5): after 供应商入驻和商品上架 — every lot with a signed agreement with an approved listing."""
    project = framework_with_agreements(world, lots=2)
    agreement = sign(world, agreement_of(project, world.supplier, lot_number=1))
    services.listing_approve(listing=listing(world, agreement), actor=center(world))
    with pytest.raises(ServiceError, match="第2包") as refused:
        services.execution_notice_issue(project=project, scope="全省预算单位", procedure="直接选定",
                                        executing_from=deadlines.today(), actor=center(world))
    assert "三(二)(5)" in refused.value.message
    assert not Notice.objects.filter(type=Notice.Type.FRAMEWORK_EXECUTION).exists()


def test_seed_3_2_5_the_execution_notice_is_published_and_opens_the_orders(world, project):
    """Seed 三(二)(5): scope, period and procedure; only then may orders be placed, within the validity."""
    today = deadlines.today()
    _ready(world, project)
    assert not orders_open(project, on=today)
    details = services.execution_notice_issue(project=project, scope="全省各级预算单位",
                                              procedure="直接选定，逐笔公开", executing_from=today,
                                              actor=center(world))
    assert isinstance(details, FrameworkDetails) and details.execution_scope == "全省各级预算单位"
    notice = details.execution_notice
    assert notice.type == Notice.Type.FRAMEWORK_EXECUTION and "直接选定，逐笔公开" in notice.body
    assert orders_open(project, on=today)
    assert not orders_open(project, on=project.framework_plan.valid_until + timedelta(days=1))
    assert not orders_open(project, on=today - timedelta(days=1))
    with pytest.raises(ServiceError, match="不能重复印发"):
        services.execution_notice_issue(project=project, scope="x", procedure="y", executing_from=today,
                                        actor=center(world))


def test_the_execution_start_must_lie_within_the_plan_validity(world, project):
    _ready(world, project)
    with pytest.raises(ServiceError, match="不能晚于框架协议有效期止") as refused:
        services.execution_notice_issue(project=project, scope="x", procedure="y", actor=center(world),
                                        executing_from=project.framework_plan.valid_until + timedelta(days=1))
    assert refused.value.field == "executing_from"


def test_agreements_in_force_are_signed_not_ended_and_valid(world, project):
    lot = project.lots.get()
    today = deadlines.today()
    signed = sign(world, agreement_of(project, world.supplier))
    assert list(agreements_in_force(lot, today)) == [signed]  # the other is only shortlisted
    assert not agreements_in_force(lot, signed.valid_until + timedelta(days=1)).exists()
    assert not agreements_in_force(lot, today - timedelta(days=1)).exists()


# --- removal (Order 110 Art. 19(1); annex 8 §十一) ---------------------------------------------------------

def test_order110_art19_removal_before_signing_cancels_the_place(world, project):
    """Order 110 Art. 19: 尚未签订框架协议的，取消其入围资格."""
    agreement = agreement_of(project, world.supplier)
    removal = services.agreement_remove(agreement=agreement, ground=Removal.Ground.FALSE_MATERIALS,
                                        evidence="资质证书系伪造", actor=center(world))
    assert removal.effect == Removal.Effect.CANCELLED
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.CANCELLED and agreement.ended_on == deadlines.today()


def test_order110_art19_removal_after_signing_terminates_and_delists(world, project):
    """Order 110 Art. 19: 已经签订框架协议的，解除与其签订的框架协议; its listings are delisted."""
    agreement = sign(world, agreement_of(project, world.supplier))
    approved = services.listing_approve(listing=listing(world, agreement), actor=center(world))
    pending = listing(world, agreement, model_number="M920")
    removal = services.agreement_remove(agreement=agreement, ground=Removal.Ground.NON_PERFORMANCE,
                                        evidence="经采购人催告仍未供货", actor=center(world))
    assert removal.effect == Removal.Effect.TERMINATED
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert set(ProductListing.objects.filter(pk__in=[approved.pk, pending.pk]).values_list("status", flat=True)) == {
        ProductListing.Status.DELISTED}


def test_order110_art19_removal_needs_a_ground_and_evidence(world, project):
    agreement = agreement_of(project, world.supplier)
    with pytest.raises(ServiceError, match="第十九条第一款"):
        services.agreement_remove(agreement=agreement, ground="dislike", evidence="x", actor=center(world))
    with pytest.raises(ServiceError, match="请填写清退的事实和证据"):
        services.agreement_remove(agreement=agreement, ground=Removal.Ground.COLLUSION, evidence="",
                                  actor=center(world))
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SHORTLISTED and not Removal.objects.exists()


def test_annex8_note1_open_agreements_have_no_removal(world):
    """Annex 8 note 1: 开放式框架协议不涉及第八至第十一项 (no removal)."""
    project = framework_with_agreements(world, agreement_type=AgreementType.OPEN)
    with pytest.raises(ServiceError, match="开放式框架协议不适用"):
        services.agreement_remove(agreement=agreement_of(project, world.supplier), ground=Removal.Ground.COLLUSION,
                                  evidence="x", actor=center(world))


def test_annex8_s11_a_removed_supplier_never_rejoins(world, project):
    """Annex 8 §十一 / Order 110 Art. 19: a removed supplier may not be shortlisted or join the lot again."""
    lot = project.lots.get()
    services.supplier_may_join(lot=lot, supplier=SupplierFactory())  # a newcomer may
    services.agreement_remove(agreement=agreement_of(project, world.supplier), ground=Removal.Ground.COLLUSION,
                              evidence="串通报价", actor=center(world))
    with pytest.raises(ServiceError, match=r"被清退出.*不得再次入围或加入该采购包（财政部令第110号第十九条"):
        services.supplier_may_join(lot=lot, supplier=world.supplier)
    assert "已有入围记录" in services.supplier_join_refusal(lot=lot, supplier=world.large_supplier)
    with pytest.raises(ServiceError, match="不能清退"):
        services.agreement_remove(agreement=agreement_of(project, world.supplier), ground=Removal.Ground.COLLUSION,
                                  evidence="again", actor=center(world))


# --- supplement (annex 8 §十一) -----------------------------------------------------------------------------

def test_annex8_s11_supplement_only_below_70_percent(world):
    """Annex 8 §十一: 10 shortlisted, 7 remaining is refused; 6 remaining is allowed (with the reason)."""
    project = framework_with_agreements(world, suppliers=10)
    lot = project.lots.get()
    agreements = list(Agreement.objects.filter(lot=lot).order_by("rank"))
    for agreement in agreements[:3]:
        services.agreement_remove(agreement=agreement, ground=Removal.Ground.REFUSED_AWARD, evidence="拒不接受授予",
                                  actor=center(world))
    deadline = timezone.now() + timedelta(days=10)
    with pytest.raises(ServiceError, match="剩余7家，不少于入围供应商总数的70%"):
        services.supplement_open(lot=lot, reason="供货不足", response_deadline=deadline, actor=center(world))
    services.agreement_remove(agreement=agreements[3], ground=Removal.Ground.REFUSED_AWARD, evidence="拒不接受授予",
                              actor=center(world))
    with pytest.raises(ServiceError, match="请填写影响框架协议执行的情况"):
        services.supplement_open(lot=lot, reason="", response_deadline=deadline, actor=center(world))
    supplement = services.supplement_open(lot=lot, reason="剩余供应商供货能力不足", response_deadline=deadline,
                                          actor=center(world))
    assert (supplement.shortlisted_count, supplement.remaining_count) == (10, 6)
    assert supplement.status == Supplement.Status.OPEN and "原框架协议继续履行" in supplement.notice.body

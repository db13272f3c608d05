"""补充征集 (annex 8 §十一): 除剩余入围供应商不足入围供应商总数70%且影响框架协议执行的情形外，框架协议有效期内，征集人
不得补充征集供应商。补充征集的条件、程序、评审方法和淘汰比例应当与初次征集相同。补充征集应当遵守原框架协议的有效期。
补充征集期间，原框架协议继续履行。"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from framework.models import Agreement, AgreementType, EvaluationMethod, Order, Supplement
from framework.services import supplement as services
from framework.services.orders import order_open
from notices.models import Notice
from procurement.models import Notification, ProjectEvent
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.reminders import sweep_due_deadlines
from tests.framework import supplement_data as data
from tests.framework.orders_data import order_fields
from tests.framework.solicitation_data import pdf


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _center(world):
    return world.user(world.center)


# --- 1. opening ---------------------------------------------------------------------------------------------

def test_annex8_s11_ten_shortlisted_seven_remaining_refused(world):
    run = data.ten_shortlisted(world, removed=3)
    with pytest.raises(TransitionRefused, match="原入围供应商10家，剩余7家，不少于入围供应商总数的70%"):
        data.opened(world, run)
    assert not Supplement.objects.exists()


def test_annex8_s11_ten_shortlisted_six_remaining_allowed(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    assert supplement.status == Supplement.Status.OPEN
    assert (supplement.shortlisted_count, supplement.remaining_count) == (10, 6)
    assert supplement.reason == data.REASON
    assert supplement.notice.type == Notice.Type.FRAMEWORK_SOLICITATION
    assert "补充征集" in supplement.notice.title and "原框架协议继续履行" in supplement.notice.body


def test_annex8_s11_reason_required_execution_suffers(world):
    run = data.ten_shortlisted(world, removed=4)
    with pytest.raises(ServiceError, match="影响框架协议执行") as caught:
        services.supplement_start(lot=run.lot, reason="  ", response_deadline=data.deadline(), actor=_center(world))
    assert caught.value.field == "reason"
    assert not Supplement.objects.exists()


def test_annex8_s11_same_period_as_first_solicitation(world):
    """The supplement's procedure is the first solicitation's: its deadline at least 20 days after the notice."""
    run = data.ten_shortlisted(world, removed=4)
    with pytest.raises(ServiceError, match="不得少于20日") as caught:
        data.opened(world, run, days=10)
    assert caught.value.field == "response_deadline"
    assert data.opened(world, run, days=21).pk


def test_annex8_s11_refused_for_open_agreements(world):
    run = data.ten_shortlisted(world, removed=4)
    run.plan.agreement_type = AgreementType.OPEN
    run.plan.save(update_fields=["agreement_type"])
    with pytest.raises(TransitionRefused, match="开放式框架协议不适用补充征集"):
        data.opened(world, run)


def test_annex8_s11_refused_after_validity(world):
    today = timezone.localdate()
    run = data.ten_shortlisted(world, removed=4, valid_from=today - timedelta(days=200),
                               valid_until=today - timedelta(days=1))
    with pytest.raises(TransitionRefused, match=r"有效期已于.*届满"):
        data.opened(world, run)


def test_annex8_s11_deadline_within_validity(world):
    today = timezone.localdate()
    run = data.ten_shortlisted(world, removed=4, valid_from=today - timedelta(days=300),
                               valid_until=today + timedelta(days=10))
    with pytest.raises(ServiceError, match="遵守原框架协议的有效期"):
        data.opened(world, run)


def test_annex8_s11_refused_while_another_supplement_runs(world):
    run = data.ten_shortlisted(world, removed=4)
    first = data.opened(world, run)
    with pytest.raises(TransitionRefused, match="已有尚未确定入围的补充征集"):
        data.opened(world, run)
    # Closed (deadline passed) but not yet shortlisted still counts as running.
    data.past_deadline(first)
    with pytest.raises(TransitionRefused, match="已有尚未确定入围的补充征集"):
        data.opened(world, run)


def test_only_the_center_opens_a_supplement(world):
    run = data.ten_shortlisted(world, removed=4)
    with pytest.raises(PermissionDenied):
        services.supplement_start(lot=run.lot, reason=data.REASON, response_deadline=data.deadline(),
                                  actor=world.user(world.prefecture_unit))


# --- 2. responses ---------------------------------------------------------------------------------------------

def _respond(world, supplement, supplier, **fields):
    values = {"price_yuan": "1500", "sme_size": "small", "qualification_file": pdf(), "submit": True}
    values.update(fields)
    return services.supplement_response_save(supplement=supplement, supplier=supplier, actor=world.user(supplier),
                                             **values)


def test_annex8_s11_response_same_conditions_as_first_solicitation(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    newcomer = world.supplier
    with pytest.raises(ServiceError, match="高于最高限制单价"):
        _respond(world, supplement, newcomer, price_yuan="5000.01")
    with pytest.raises(ServiceError, match="资格证明文件"):
        _respond(world, supplement, newcomer, qualification_file=None)
    with pytest.raises(ServiceError, match="中小企业声明"):
        _respond(world, supplement, newcomer, sme_size="")
    response = _respond(world, supplement, newcomer)
    assert response.supplement_id == supplement.pk and response.status == "submitted"
    assert response.price_yuan == Decimal("1500.00")


def test_annex8_s11_quality_priority_needs_quality_statement(world):
    run = data.ten_shortlisted(world, removed=4, method=EvaluationMethod.QUALITY_PRIORITY)
    supplement = data.opened(world, run)
    with pytest.raises(ServiceError, match="质量优先法"):
        _respond(world, supplement, world.supplier)
    assert _respond(world, supplement, world.supplier, quality_statement="整机三年质保").pk


def test_order110_art19_removed_supplier_never_responds_to_supplement(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    removed = run.suppliers[-1]
    with pytest.raises(ServiceError, match=r"已于.*被清退.*不得再次入围"):
        _respond(world, supplement, removed)
    assert not supplement.responses.exists()


def test_annex8_s11_supplier_in_force_on_the_lot_refused(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    with pytest.raises(ServiceError, match="已有入围记录"):
        _respond(world, supplement, run.suppliers[0])


def test_response_refused_after_deadline(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.past_deadline(data.opened(world, run))
    with pytest.raises(ServiceError, match=r"已于.*截止"):
        _respond(world, supplement, world.supplier)


def test_response_withdrawn_before_deadline_is_final(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    response = _respond(world, supplement, world.supplier)
    services.supplement_response_withdraw(response=response, actor=world.user(world.supplier))
    with pytest.raises(ServiceError, match="撤回后不能再修改"):
        _respond(world, supplement, world.supplier)


def test_annex8_s11_the_sweep_closes_a_supplement_at_its_deadline_and_tells_the_center_once(world):
    """Annex 8 §十一 (the same procedure as the first solicitation): before the deadline the sweep leaves the
    supplement open; at it, the supplement closes (征集中 → 已截止) and the organizing center is told once that the
    responses await its evaluation; a later sweep sends nothing more."""
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    assert supplement.next_check == supplement.response_deadline
    told = Notification.objects.filter(organization=world.center, title="补充征集响应已截止，请评审")

    sweep_due_deadlines(now=supplement.response_deadline - timedelta(seconds=1))
    supplement.refresh_from_db()
    assert supplement.status == Supplement.Status.OPEN and not told.exists()

    sweep_due_deadlines(now=supplement.response_deadline)
    supplement.refresh_from_db()
    assert supplement.status == Supplement.Status.CLOSED and supplement.next_check is None
    assert told.count() == len(world.center.memberships.filter(is_active=True)) >= 1
    assert f"{run.lot}的补充征集" in told.first().body
    assert ProjectEvent.objects.filter(subject_id=supplement.pk, action="close", target=Supplement.Status.CLOSED,
                                       actor=None).exists()

    sweep_due_deadlines(now=supplement.response_deadline + timedelta(days=1))
    assert told.count() == len(world.center.memberships.filter(is_active=True))


# --- 3. evaluation and shortlist ---------------------------------------------------------------------------

def test_evaluation_refused_while_sealed(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    [response] = data.answered(supplement, ["1500"], qualified=None)
    with pytest.raises(ServiceError, match="仍密封"):
        services.supplement_response_evaluate(response=response, qualified=True, actor=_center(world))
    with pytest.raises(ServiceError, match="仍密封"):
        services.supplement_shortlist(supplement=supplement, actor=_center(world))


def test_annex8_s11_same_elimination_rate_same_end_date_rank_and_rotation_after(world):
    """5 qualified at the first solicitation's 20% → at most 4 (annex 8 §九); the new agreements end on the original
    agreement's end date; ranks and rotation positions come after the existing ones; letters and a notice."""
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    responses = data.answered(supplement, ["1300", "1100", "1200", "1400", "1500"], qualified=None)
    data.past_deadline(supplement)
    for response in responses:
        services.supplement_response_evaluate(response=response, qualified=True, actor=_center(world))
    supplement.refresh_from_db()
    assert supplement.status == Supplement.Status.CLOSED
    agreements = services.supplement_shortlist(supplement=supplement, actor=_center(world))
    assert [a.price_yuan for a in agreements] == [Decimal(p) for p in ("1100", "1200", "1300", "1400")]
    original_end = run.agreements[0].valid_until
    assert {a.valid_until for a in agreements} == {original_end}
    assert [a.rank for a in agreements] == [11, 12, 13, 14]
    today = timezone.localdate()
    assert all(a.letter_sent_on == today and a.sign_due == today + timedelta(days=30) for a in agreements)
    assert all(a.status == Agreement.Status.SHORTLISTED and a.next_check is not None for a in agreements)
    supplement.refresh_from_db()
    assert supplement.status == Supplement.Status.SHORTLISTED
    notice = Notice.objects.filter(type=Notice.Type.SHORTLIST, project=run.project).get()
    assert "补充征集入围结果公告" in notice.title and "入围上限4家" in notice.body
    # Rotation: once a supplementary agreement is signed, it goes after the last existing position.
    from framework.services.agreements import agreement_sign
    from framework.services.orders import rotation_positions_fix

    signed = agreement_sign(agreement=agreements[1], signed_on=today, signed_file=pdf("框架协议.pdf"),
                            actor=_center(world))
    rotation_positions_fix(lot=run.lot, actor=_center(world))
    signed.refresh_from_db()
    assert signed.rotation_position == 11


def test_annex8_s9_supplement_with_one_qualified_refused(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    data.answered(supplement, ["1500"])
    data.answered(supplement, ["1200"], qualified=False, prefix="不合格")
    data.past_deadline(supplement)
    with pytest.raises(ServiceError, match="不足2家"):
        services.supplement_shortlist(supplement=supplement, actor=_center(world))
    assert not Agreement.objects.filter(response__supplement=supplement).exists()


def test_annex8_s11_removed_before_shortlist_never_placed(world):
    """A response made by a supplier later removed cannot turn into a place (checked again at the shortlist)."""
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    data.answered(supplement, ["1500", "1600", "1700"])
    from framework.models import SolicitationResponse
    SolicitationResponse.objects.create(
        lot=run.lot, supplement=supplement, supplier=run.suppliers[-1], price_yuan=Decimal("900"), sme_size="small",
        status="submitted", submitted_at=timezone.now() - timedelta(hours=2), qualification="qualified")
    data.past_deadline(supplement)
    with pytest.raises(ServiceError, match="被清退"):
        services.supplement_shortlist(supplement=supplement, actor=_center(world))


# --- 4. the original agreement keeps running ------------------------------------------------------------------

def test_annex8_s11_original_agreements_keep_running_during_supplement(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    assert supplement.status == Supplement.Status.OPEN
    order = order_open(**order_fields(world, run, listing=run.listings[0], selection_reason="价格最低、供货及时"))
    assert order.status in (Order.Status.AWARDED, Order.Status.CONTRACTED)
    assert order.agreement_id == run.agreements[0].pk
    assert date.today() <= run.agreements[0].valid_until


def test_annex8_s9_s11_tie_at_cut_off_settled_by_the_plans_rule(world):
    """Five qualified at 20% → 4; the 4th and 5th tie on price: the earlier submission goes in (the plan's rule)."""
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    responses = data.answered(supplement, ["1100", "1200", "1300", "1400", "1400"])
    data.past_deadline(supplement)
    agreements = services.supplement_shortlist(supplement=supplement, actor=_center(world))
    assert [a.response_id for a in agreements] == [r.pk for r in responses[:4]]


def test_annex8_s8_s11_quality_priority_ranks_by_score_and_needs_one(world):
    run = data.ten_shortlisted(world, removed=4, method=EvaluationMethod.QUALITY_PRIORITY)
    supplement = data.opened(world, run)
    responses = data.answered(supplement, ["1100", "1200", "1300"], qualified=None)
    data.past_deadline(supplement)
    with pytest.raises(ServiceError, match=r"须录入.*质量（技术）得分"):
        services.supplement_response_evaluate(response=responses[0], qualified=True, actor=_center(world))
    for response, score in zip(responses, ("70", "90", "80"), strict=True):
        services.supplement_response_evaluate(response=response, qualified=True, quality_score=score,
                                              actor=_center(world))
    agreements = services.supplement_shortlist(supplement=supplement, actor=_center(world))
    assert [a.response_id for a in agreements] == [responses[1].pk, responses[2].pk]

"""Framework solicitation and shortlist services (seed 000 三(二)(3)(4); annex 8 §七–§九; MoF Order No. 110)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from framework.models import (
    Agreement,
    AgreementType,
    EvaluationMethod,
    FrameworkDetails,
    FrameworkPlan,
    SolicitationResponse,
    TieBreakRule,
)
from framework.selectors.solicitation import shortlist_computation
from framework.services import solicitation as services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Notification, Organization, Project, ProjectEvent
from procurement.services.errors import ServiceError
from procurement.services.reminders import sweep_due_deadlines
from tests.framework import solicitation_data as data


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _operator(world):
    return world.user(world.center)


# --- 1. publishing the solicitation (seed 三(二)(3)) ----------------------------------------------------------

def test_seed_3_2_3_solicitation_published_once_plan_filed(world):
    plan = data.filed_plan(world, lots=2)
    deadline = timezone.now() + timedelta(days=25)
    details = services.solicitation_publish(project=plan.project, response_deadline=deadline, body="欢迎参与",
                                            actor=_operator(world))
    notice = details.solicitation_notice
    assert notice.type == Notice.Type.FRAMEWORK_SOLICITATION
    assert "第1包" in notice.body and "最高限制单价：5,000.00元" in notice.body.replace("5000.00", "5,000.00")
    plan.project.refresh_from_db()
    assert plan.project.response_deadline == deadline
    assert FrameworkDetails.objects.get(project=plan.project).solicitation_notice == notice
    with pytest.raises(ServiceError, match="已发布"):
        services.solicitation_publish(project=plan.project, response_deadline=deadline, body="再发",
                                      actor=_operator(world))


def test_seed_3_2_3_solicitation_refused_before_filing(world):
    """seed 三(二)(3): only the plan finance approved and that is filed is carried out."""
    plan = data.filed_plan(world)
    FrameworkPlan.objects.filter(pk=plan.pk).update(status=FrameworkPlan.Status.APPROVED)
    with pytest.raises(ServiceError, match="备案"):
        services.solicitation_publish(project=plan.project, response_deadline=timezone.now() + timedelta(days=30),
                                      body="征集", actor=_operator(world))
    assert not Notice.objects.filter(project=plan.project).exists()


def test_solicitation_deadline_future_and_20_days(world):
    """The deadline is in the future and leaves the 20 days of 《政府采购法》第三十五条 (deadlines.TENDER_PERIOD)."""
    plan = data.filed_plan(world)
    for deadline in (timezone.now() - timedelta(hours=1), timezone.now() + timedelta(days=10)):
        with pytest.raises(ServiceError) as refused:
            services.solicitation_publish(project=plan.project, response_deadline=deadline, body="征集",
                                          actor=_operator(world))
        assert refused.value.field == "response_deadline"
    earliest = deadlines.due_date(timezone.localdate(), deadlines.TENDER_PERIOD)
    assert services.earliest_deadline_day(timezone.localdate()) == earliest
    at = deadlines.start_of_day(earliest) + timedelta(hours=9)
    services.solicitation_publish(project=plan.project, response_deadline=at, body="征集", actor=_operator(world))


def test_solicitation_publish_only_by_the_center(world):
    plan = data.filed_plan(world)
    with pytest.raises(PermissionDenied):
        services.solicitation_publish(project=plan.project, response_deadline=timezone.now() + timedelta(days=30),
                                      body="征集", actor=world.user(world.supplier))


def test_seed_3_2_3_the_sweep_tells_the_center_once_when_the_solicitation_closes(world):
    """seed 三(二)(3): after the deadline the first-stage evaluation runs. At the response deadline the sweep tells the
    organizing center, once, that the responses are unsealed and await its review; not before; not again."""
    plan = data.filed_plan(world)
    today = deadlines.today()  # the agreement runs well past the deadline: the sweep's expiry is not the point here
    FrameworkPlan.objects.filter(pk=plan.pk).update(valid_from=today, valid_until=today + timedelta(days=300))
    deadline = timezone.now() + timedelta(days=25)
    services.solicitation_publish(project=plan.project, response_deadline=deadline, body="欢迎参与",
                                  actor=_operator(world))
    project = Project.objects.get(pk=plan.project.pk)
    assert project.next_check == deadline
    told = Notification.objects.filter(organization=world.center, title="框架协议征集响应已截止，请评审")

    sweep_due_deadlines(now=deadline - timedelta(seconds=1))
    assert not told.exists()
    sweep_due_deadlines(now=deadline)
    members = world.center.memberships.filter(is_active=True).count()
    assert told.count() == members >= 1
    assert project.code in told.first().body
    sweep_due_deadlines(now=deadline + timedelta(days=1))
    assert told.count() == members
    project.refresh_from_db()
    assert project.next_check is None


# --- 2. responses --------------------------------------------------------------------------------------------

def _respond(world, lot, supplier=None, **fields):
    supplier = supplier or world.supplier
    values = {"price_yuan": "4500", "sme_size": Organization.SmeSize.SMALL, "qualification_file": data.pdf(),
              **fields}
    return services.response_save(lot=lot, supplier=supplier, actor=world.user(supplier), **values)


def test_response_draft_submit_revise_withdraw(world):
    plan = data.filed_plan(world)
    project = data.published(plan)
    lot = project.lots.get()
    draft = _respond(world, lot, qualification_file=None, sme_size="")
    assert draft.status == SolicitationResponse.Status.DRAFT
    submitted = _respond(world, lot, submit=True)
    assert submitted.status == SolicitationResponse.Status.SUBMITTED and submitted.submitted_at
    revised = _respond(world, lot, price_yuan="4300", qualification_file=None, submit=True)
    assert revised.pk == draft.pk and revised.price_yuan == Decimal("4300")
    withdrawn = services.response_withdraw(response=revised, actor=world.user(world.supplier))
    assert withdrawn.status == SolicitationResponse.Status.WITHDRAWN
    with pytest.raises(ServiceError, match="撤回"):
        _respond(world, lot, submit=True)
    assert SolicitationResponse.objects.filter(lot=lot, supplier=world.supplier).count() == 1


def test_annex8_s7_price_above_maximum_refused_naming_lot_and_ceiling(world):
    """annex 8 §七: the lot's 最高限制单价 binds every response."""
    plan = data.filed_plan(world)
    lot = data.published(plan).lots.get()
    with pytest.raises(ServiceError) as refused:
        _respond(world, lot, price_yuan="5000.01", submit=True)
    assert "第1包「框架协议第1包」" in refused.value.message and "5,000.00元" in refused.value.message
    assert not SolicitationResponse.objects.exists()
    assert _respond(world, lot, price_yuan="5000", submit=True).price_yuan == Decimal("5000")


def test_response_submit_requires_pdf_sme_and_quality_statement(world):
    plan = data.filed_plan(world, method=EvaluationMethod.QUALITY_PRIORITY, rate="40", is_lab_instrument=True)
    lot = data.published(plan).lots.get()
    with pytest.raises(ServiceError, match="资格证明文件"):
        _respond(world, lot, qualification_file=None, submit=True)
    with pytest.raises(ServiceError, match="PDF"):
        from django.core.files.uploadedfile import SimpleUploadedFile
        _respond(world, lot, qualification_file=SimpleUploadedFile("a.pdf", b"not a pdf"), submit=True)
    with pytest.raises(ServiceError, match="中小企业声明"):
        _respond(world, lot, sme_size="", submit=True)
    with pytest.raises(ServiceError, match="质量优先法"):
        _respond(world, lot, submit=True)
    response = _respond(world, lot, quality_statement="检测精度0.01", is_green=True, submit=True)
    assert response.is_green and response.sme_size == Organization.SmeSize.SMALL


def test_response_refused_after_deadline(world):
    """Order 110: nothing is saved, submitted or withdrawn after the response deadline."""
    plan = data.filed_plan(world)
    project = data.published(plan)
    lot = project.lots.get()
    response = _respond(world, lot, submit=True)
    data.close(project)
    with pytest.raises(ServiceError, match="截止"):
        _respond(world, lot, price_yuan="100", submit=True)
    with pytest.raises(ServiceError, match="截止"):
        services.response_withdraw(response=response, actor=world.user(world.supplier))
    response.refresh_from_db()
    assert response.price_yuan == Decimal("4500") and response.status == SolicitationResponse.Status.SUBMITTED


def test_response_only_for_own_supplier(world):
    plan = data.filed_plan(world)
    lot = data.published(plan).lots.get()
    with pytest.raises(PermissionDenied):
        services.response_save(lot=lot, supplier=world.supplier, actor=world.user(world.large_supplier),
                               price_yuan="1", qualification_file=data.pdf())


def test_sealed_price_never_in_the_audit_log(world):
    """Sealing (Order 110): the audit log, which operators read, records a response's change, never its price."""
    plan = data.filed_plan(world)
    lot = data.published(plan).lots.get()
    response = _respond(world, lot, price_yuan="4321.99", submit=True)
    for event in ProjectEvent.objects.filter(subject_id=response.pk):
        assert "4321" not in str(event.changes) and "4321" not in event.note


# --- 4. evaluation -------------------------------------------------------------------------------------------

def test_evaluation_only_after_deadline_with_reason_and_score(world):
    plan = data.filed_plan(world, method=EvaluationMethod.QUALITY_PRIORITY, rate="40", is_lab_instrument=True)
    project = data.published(plan)
    [response] = data.responses(project.lots.get(), [4000])
    op = _operator(world)
    with pytest.raises(ServiceError, match="密封"):
        services.response_evaluate(response=response, qualified=True, quality_score="90", actor=op)
    data.close(project)
    with pytest.raises(ServiceError, match="理由"):
        services.response_evaluate(response=response, qualified=False, actor=op)
    with pytest.raises(ServiceError, match="质量（技术）得分"):
        services.response_evaluate(response=response, qualified=True, actor=op)
    with pytest.raises(ServiceError, match="0至100"):
        services.response_evaluate(response=response, qualified=True, quality_score="101", actor=op)
    done = services.response_evaluate(response=response, qualified=True, quality_score="88.5", actor=op)
    assert done.qualification == SolicitationResponse.Qualification.QUALIFIED
    assert done.quality_score == Decimal("88.5")
    with pytest.raises(PermissionDenied):
        services.response_evaluate(response=response, qualified=True, quality_score="1",
                                   actor=world.user(world.finance))


# --- 5. the shortlist (annex 8 §九) -------------------------------------------------------------------------------

def _closed_lot(world, count, rate="20", **plan_fields):
    plan = data.filed_plan(world, rate=rate, **plan_fields)
    project = data.published(plan)
    lot = project.lots.get()
    made = data.responses(lot, [1000 + i for i in range(count)], qualified=True)
    data.close(project)
    return plan, lot, made


@pytest.mark.parametrize(("count", "rate", "cap"), [(15, "20", 12), (15, "40", 9), (7, "20", 5), (6, "20", 4),
                                                    (2, "20", 1)])
def test_annex8_s9_shortlist_cap(world, count, rate, cap):
    """annex 8 §九: eliminate at least the rate and at least one (15@20% → 12, 15@40% → 9, 7@20% → 5, 6 → 4,
    2 → 1)."""
    _, lot, made = _closed_lot(world, count, rate)
    agreements = services.shortlist_confirm(lot=lot, actor=_operator(world))
    assert len(agreements) == cap
    # Price priority: the cheapest are in, ranked by price.
    assert [a.supplier_id for a in agreements] == [r.supplier_id for r in made[:cap]]
    assert [a.rank for a in agreements] == list(range(1, cap + 1))


def test_annex8_s9_one_qualified_refused(world):
    """annex 8 §九: at least 2 suppliers qualified, else no shortlist."""
    plan = data.filed_plan(world)
    project = data.published(plan)
    lot = project.lots.get()
    data.responses(lot, [1000], qualified=True)
    data.responses(lot, [900], qualified=False, prefix="不合格")
    data.close(project)
    with pytest.raises(ServiceError, match="不足2家"):
        services.shortlist_confirm(lot=lot, actor=_operator(world))
    assert not Agreement.objects.exists()


def test_annex8_s9_summary_shows_the_computation(world):
    _, lot, _ = _closed_lot(world, 15)
    computation = shortlist_computation(lot)
    assert computation.summary == "合格供应商15家，淘汰率20%，应至少淘汰3家，入围上限12家"
    assert [row.shortlisted for row in computation.rows] == [True] * 12 + [False] * 3


def test_annex8_s9_tie_at_cut_off_settled_by_plan_rule(world):
    """annex 8 §九: the plan's tie-break settles who of equal prices at the cut-off line goes in: earlier
    submission here (7 at 20% → 5; the 5th and 6th both quote 1500, the later one is out)."""
    plan = data.filed_plan(world, tie_break=TieBreakRule.EARLIER_SUBMISSION)
    project = data.published(plan)
    lot = project.lots.get()
    made = data.responses(lot, [1000, 1100, 1200, 1300, 1500, 1500, 1600], qualified=True)
    # The later submission of the tied pair is listed first: the rule, not the row order, decides.
    SolicitationResponse.objects.filter(pk=made[4].pk).update(submitted_at=made[6].submitted_at + timedelta(hours=1))
    data.close(project)
    computation = shortlist_computation(lot)
    cut = {row.response.pk: row for row in computation.rows}
    assert cut[made[5].pk].shortlisted and not cut[made[4].pk].shortlisted
    assert "入围线并列" in cut[made[4].pk].tie_note and "提交响应（报价）时间在先者优先" in cut[made[5].pk].tie_note
    agreements = services.shortlist_confirm(lot=lot, actor=_operator(world))
    assert made[5].supplier_id in {a.supplier_id for a in agreements}
    assert made[4].supplier_id not in {a.supplier_id for a in agreements}


def test_annex8_s9_tie_by_quality_score_rule(world):
    """annex 8 §九 with the plan's rule 质量（技术）得分高者优先: of two equal prices the higher score is in."""
    plan = data.filed_plan(world, tie_break=TieBreakRule.HIGHER_QUALITY)
    project = data.published(plan)
    lot = project.lots.get()
    made = data.responses(lot, [1000, 1200, 1200], qualified=True, scores=[50, 60, 90])
    data.close(project)
    agreements = services.shortlist_confirm(lot=lot, actor=_operator(world))
    assert [a.supplier_id for a in agreements] == [made[0].supplier_id, made[2].supplier_id]


def test_shortlist_agreements_carry_price_code_response_and_validity(world):
    plan, lot, made = _closed_lot(world, 6)
    agreements = services.shortlist_confirm(lot=lot, actor=_operator(world))
    first = agreements[0]
    assert first.status == Agreement.Status.SHORTLISTED
    assert first.price_yuan == made[0].price_yuan and first.response == made[0]
    assert first.valid_until == plan.valid_until
    assert [a.code for a in agreements] == [f"{plan.project.code}-XY{n:04d}" for n in range(1, 5)]
    with pytest.raises(ServiceError, match="已确定入围"):
        services.shortlist_confirm(lot=lot, actor=_operator(world))


def test_shortlist_refused_before_deadline_and_with_pending_evaluation(world):
    plan = data.filed_plan(world)
    project = data.published(plan)
    lot = project.lots.get()
    data.responses(lot, [1000, 1100, 1200], qualified=True)
    with pytest.raises(ServiceError, match="密封"):
        services.shortlist_confirm(lot=lot, actor=_operator(world))
    data.responses(lot, [1300], prefix="待审")
    data.close(project)
    with pytest.raises(ServiceError, match="未录入资格审查结果"):
        services.shortlist_confirm(lot=lot, actor=_operator(world))


def test_annex8_note1_open_agreement_has_no_evaluation_or_shortlist(world):
    """annex 8 note 1: an open agreement (开放式) has no evaluation and no elimination."""
    plan = data.filed_plan(world, agreement_type=AgreementType.OPEN)
    project = data.published(plan)
    lot = project.lots.get()
    [response] = data.responses(lot, [1000])
    data.close(project)
    with pytest.raises(ServiceError, match="开放式"):
        services.shortlist_confirm(lot=lot, actor=_operator(world))
    with pytest.raises(ServiceError, match="开放式"):
        services.response_evaluate(response=response, qualified=True, actor=_operator(world))


# --- 6. the shortlist notice and letters (seed 三(二)(4)) ---------------------------------------------------------

def test_seed_3_2_4_shortlist_notice_letters_and_messages(world):
    """seed 三(二)(4): the shortlist result notice, the letters, signing due 30 days after them."""
    plan, lot, made = _closed_lot(world, 6)
    op = _operator(world)
    with pytest.raises(ServiceError, match="尚未确定入围"):
        services.shortlist_publish(project=plan.project, actor=op)
    services.shortlist_confirm(lot=lot, actor=op)
    details = services.shortlist_publish(project=plan.project, actor=op)
    notice = details.shortlist_notice
    assert notice.type == Notice.Type.SHORTLIST
    assert made[0].supplier.name in notice.body and "1,000.00元" in notice.body
    assert made[5].supplier.name not in notice.body
    today = timezone.localdate()
    for agreement in Agreement.objects.filter(lot=lot):
        assert agreement.letter_sent_on == today
        assert agreement.sign_due == deadlines.due_date(today, deadlines.FRAMEWORK_AGREEMENT_SIGNING)
    with pytest.raises(ServiceError, match="重复"):
        services.shortlist_publish(project=plan.project, actor=op)


def test_seed_3_2_4_shortlisted_and_unsuccessful_suppliers_told(world):
    plan, lot, made = _closed_lot(world, 3)
    for response in made:
        world.user(response.supplier)
    op = _operator(world)
    services.shortlist_confirm(lot=lot, actor=op)
    services.shortlist_publish(project=plan.project, actor=op)
    told_in = Notification.objects.get(organization=made[0].supplier)
    assert told_in.title.startswith("入围通知书") and "签订框架协议" in told_in.body
    told_out = Notification.objects.get(organization=made[2].supplier)
    assert told_out.title.startswith("未入围通知")

"""The small and micro enterprise price deduction at stage 1 of a framework agreement (annex 8 §十二).

财库〔2022〕17号 五: 促进中小企业发展等采购政策原则上在框架协议采购的第一阶段落实…对符合条件的小微企业，应当按照
《政府采购促进中小企业发展管理办法》的规定给予价格扣除优惠政策. The 办法 (财库〔2020〕46号) 第九条 as amended by
财库〔2022〕19号: 10%–20% off small and micro enterprises' quoted prices, the deducted price used in the evaluation; the
agreement keeps the quoted price; medium and large enterprises get no deduction. A closed plan states the rate (§十二);
an open plan has no evaluation (annex 8 note 1) and is not asked for it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from framework.models import Agreement, FrameworkPlan, Supplement
from framework.plan_pdf import plan_pdf
from framework.selectors.solicitation import shortlist_computation
from framework.selectors.supplement import supplement_computation
from framework.services import plans as plan_services
from framework.services import solicitation as services
from framework.services import supplement as supplement_services
from framework.services.agreements import agreement_sign
from procurement.models import Organization
from tests.framework import plans_data, supplement_data
from tests.framework import solicitation_data as data

pytestmark = pytest.mark.django_db

SMALL, MICRO = Organization.SmeSize.SMALL, Organization.SmeSize.MICRO
MEDIUM, LARGE = Organization.SmeSize.MEDIUM, Organization.SmeSize.LARGE
S12 = {"sme_measures": "对小微企业报价给予价格扣除", "green_measures": "优先采购节能产品"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _center(world):
    return world.user(world.center)


def _s12(world, plan, rate) -> FrameworkPlan:
    return plan_services.plan_section_save(plan=plan, section="s12", actor=_center(world),
                                           values={**S12, "small_micro_deduction_percent": rate})


# --- the plan: the rate of a closed plan, none for an open one ----------------------------------------------------

@pytest.mark.parametrize(("rate", "allowed"), [("9", False), ("10", True), ("20", True), ("21", False)])
def test_caiku_2022_17_item5_closed_plan_submits_only_with_a_rate_between_10_and_20(world, rate, allowed):
    """财库〔2022〕17号 五; 《政府采购促进中小企业发展管理办法》第九条 (财库〔2022〕19号): 9 and 21 refused on submit
    naming 采购方案第十二部分 and the sources, 10 and 20 submitted; a refusal changes nothing."""
    plan = _s12(world, plans_data.plan_complete(world), rate)
    if allowed:
        submitted = plan_services.plan_submit(plan=plan, actor=_center(world))
        assert submitted.status == FrameworkPlan.Status.SUBMITTED
        assert submitted.small_micro_deduction_percent == int(rate)
        return
    with pytest.raises(plan_services.PlanIncomplete) as refused:
        plan_services.plan_submit(plan=plan, actor=_center(world))
    assert refused.value.problems == [
        f"小微企业价格扣除比例应为10%至20%，现为{rate}%（采购方案第十二部分；财库〔2022〕17号第五项；"
        "《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）第九条，财库〔2022〕19号）"]
    assert FrameworkPlan.objects.get(pk=plan.pk).status == FrameworkPlan.Status.DRAFT


def test_caiku_2022_17_item5_closed_plan_without_a_rate_is_refused(world):
    """财库〔2022〕17号 五: a closed plan states its small and micro enterprise deduction (采购方案第十二部分)."""
    plan = _s12(world, plans_data.plan_complete(world), "")
    assert plan.small_micro_deduction_percent is None
    with pytest.raises(plan_services.PlanIncomplete) as refused:
        plan_services.plan_submit(plan=plan, actor=_center(world))
    assert refused.value.problems == [
        "请填写对小微企业报价的价格扣除比例（10%至20%，采购方案第十二部分；财库〔2022〕17号第五项；"
        "《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）第九条，财库〔2022〕19号）"]


def test_annex8_note1_open_plan_is_not_asked_for_the_deduction_and_keeps_none(world):
    """Annex 8 note 1: an open agreement has no evaluation, so no price deduction: its §十二 form does not ask for the
    rate, the server ignores one sent, turning a closed plan open empties it, and one left in the row is refused."""
    plan = plans_data.plan_complete(world, open_type=True)  # its §十二 values carry a rate of 10: ignored
    assert plan.small_micro_deduction_percent is None
    assert plan_services.plan_problems(plan) == []
    plan = _s12(world, plan, "15")
    assert FrameworkPlan.objects.get(pk=plan.pk).small_micro_deduction_percent is None
    page = world.client_for(world.center).get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    assert 'name="s12-sme_measures"' in page and "s12-small_micro_deduction_percent" not in page
    assert "小微企业价格扣除比例" not in page
    FrameworkPlan.objects.filter(pk=plan.pk).update(small_micro_deduction_percent=10)
    with pytest.raises(plan_services.PlanIncomplete, match="开放式框架协议不进行评审，不适用小微企业价格扣除"):
        plan_services.plan_submit(plan=FrameworkPlan.objects.get(pk=plan.pk), actor=_center(world))

    closed = plans_data.plan_complete(world)
    assert closed.small_micro_deduction_percent == 10
    opened = plan_services.plan_section_save(plan=closed, section="s4", actor=_center(world),
                                             values={"agreement_type": "open", "join_review_working_days": "5"})
    assert opened.small_micro_deduction_percent is None
    assert plan_services.plan_problems(opened) == []


def test_caiku_2022_17_item5_plan_page_edits_the_rate_in_s12(world):
    """Annex 8 §十二: the center's plan page asks for the rate in §十二 and saves it; the pending problems say when it
    is out of bounds (财库〔2022〕17号 五)."""
    plan = plans_data.plan_complete(world)
    client = world.client_for(world.center)
    page = client.get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    assert 'name="s12-small_micro_deduction_percent"' in page and "小微企业价格扣除比例（%）" in page
    response = client.post(reverse("framework:plan-section", args=[plan.pk, "s12"]), {
        "s12-sme_measures": "价格扣除", "s12-green_measures": "", "s12-small_micro_deduction_percent": "25"})
    assert response.status_code == 302
    assert FrameworkPlan.objects.get(pk=plan.pk).small_micro_deduction_percent == 25
    page = client.get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    assert "小微企业价格扣除比例应为10%至20%，现为25%" in page


def test_caiku_2022_17_item5_rate_kept_in_the_reviewed_version_the_api_and_the_pdf(world):
    """The rate is part of §十二 wherever the plan is read: each review's snapshot, the plan API, the annex 8 PDF."""
    plan = _s12(world, plans_data.plan_complete(world), "15")
    plan = plan_services.plan_submit(plan=plan, actor=_center(world))
    review = plan_services.plan_review(plan=plan, decision="approve", opinion="同意", actor=world.user(world.finance))
    assert review.snapshot["small_micro_deduction_percent"] == 15
    answer = world.api_for(world.finance).get(f"/api/v1/framework/plans/{plan.pk}/").json()
    assert answer["small_micro_deduction_percent"] == 15
    assert answer["reviews"][0]["snapshot"]["small_micro_deduction_percent"] == 15
    reader = PdfReader(BytesIO(plan_pdf(plan=FrameworkPlan.objects.get(pk=plan.pk))))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert "小微企业价格扣除：对小型、微型企业的报价给予15%的扣除，用扣除后的价格参与第一阶段评审" in text


# --- the ranking: by evaluated price under 价格优先法 ----------------------------------------------------------------

def _lot(world, prices, sizes, *, rate="20", deduction=10):
    plan = data.filed_plan(world, rate=rate, deduction=deduction)
    project = data.published(plan)
    lot = project.lots.get()
    made = data.responses(lot, prices, sizes=sizes, qualified=True)
    data.close(project)
    return plan, lot, made


def test_caiku_2022_17_item5_small_enterprise_at_105_beats_large_at_95_and_signs_at_105(world):
    """财库〔2022〕17号 五, 《政府采购促进中小企业发展管理办法》第九条: at 10% the small enterprise's 105 is evaluated
    at 94.50, below the large one's 95 (which also submitted first); 2 qualified at 20% → 1 shortlisted: the small
    one, whose agreement is signed at its quoted 105, not at 94.50."""
    plan, lot, (large, small) = _lot(world, ["95", "105"], [LARGE, SMALL])
    computation = shortlist_computation(lot)
    assert [(row.response.pk, row.evaluated_price_yuan, row.shortlisted) for row in computation.rows] == [
        (small.pk, Decimal("94.50"), True), (large.pk, Decimal("95"), False)]
    [agreement] = services.shortlist_confirm(lot=lot, actor=_center(world))
    assert agreement.supplier_id == small.supplier_id and agreement.rank == 1
    assert agreement.price_yuan == Decimal("105.00")
    services.shortlist_publish(project=plan.project, actor=_center(world))
    FrameworkPlan.objects.filter(pk=plan.pk).update(valid_until=timezone.localdate() + timedelta(days=300))
    signed = agreement_sign(agreement=Agreement.objects.get(pk=agreement.pk), signed_on=timezone.localdate(),
                            signed_file=data.pdf("框架协议.pdf"), actor=_center(world))
    assert signed.status == Agreement.Status.SIGNED and signed.price_yuan == Decimal("105.00")


def test_caiku_2022_17_item5_medium_enterprise_gets_no_deduction(world):
    """《政府采购促进中小企业发展管理办法》第九条: only small and micro enterprises' prices are deducted; a medium one
    quoting 105 stays at 105 and ranks after the large one's 95."""
    _, lot, (medium, large) = _lot(world, ["105", "95"], [MEDIUM, LARGE])
    rows = shortlist_computation(lot).rows
    assert [(row.response.pk, row.evaluated_price_yuan, row.deduction_percent) for row in rows] == [
        (large.pk, Decimal("95.00"), None), (medium.pk, Decimal("105.00"), None)]
    assert [row.deduction_text for row in rows] == ["不扣除", "不扣除"]
    [agreement] = services.shortlist_confirm(lot=lot, actor=_center(world))
    assert agreement.supplier_id == large.supplier_id


def test_caiku_2022_17_item5_annex8_s9_cut_off_line_drawn_on_evaluated_prices(world):
    """6 qualified at 20% → 4 (annex 8 §九), drawn on evaluated prices (财库〔2022〕17号 五): the small enterprise's
    1100 (→ 990) ranks first and is in; the large 1030, which the quoted prices would have put in, is out; the micro
    enterprise's 1150 (→ 1035) stays out."""
    _, lot, made = _lot(world, ["1000", "1010", "1020", "1030", "1100", "1150"],
                        [LARGE, LARGE, MEDIUM, LARGE, SMALL, MICRO])
    computation = shortlist_computation(lot)
    assert computation.cap == 4
    assert [(row.response.price_yuan, row.evaluated_price_yuan, row.shortlisted) for row in computation.rows] == [
        (Decimal("1100.00"), Decimal("990.00"), True), (Decimal("1000.00"), Decimal("1000.00"), True),
        (Decimal("1010.00"), Decimal("1010.00"), True), (Decimal("1020.00"), Decimal("1020.00"), True),
        (Decimal("1030.00"), Decimal("1030.00"), False), (Decimal("1150.00"), Decimal("1035.00"), False)]
    agreements = services.shortlist_confirm(lot=lot, actor=_center(world))
    assert {a.supplier_id for a in agreements} == {r.supplier_id for r in [*made[:3], made[4]]}
    assert sorted(a.price_yuan for a in agreements) == [Decimal(p) for p in ("1000", "1010", "1020", "1100")]


def test_caiku_2022_17_item5_annex8_s9_a_tie_on_evaluated_prices_at_the_line_goes_by_the_plans_rule(world):
    """3 qualified at 20% → 2: the small enterprise's 1000 at 10% and the large one's 900 tie at 900 on the line; the
    small one submitted first, so the plan's rule (earlier submission) puts it in, and both rows say so."""
    _, lot, (first, small, large) = _lot(world, ["800", "1000", "900"], [LARGE, SMALL, LARGE])
    rows = {row.response.pk: row for row in shortlist_computation(lot).rows}
    assert rows[small.pk].evaluated_price_yuan == rows[large.pk].evaluated_price_yuan == Decimal("900")
    assert rows[small.pk].shortlisted and not rows[large.pk].shortlisted
    assert "入围线并列" in rows[small.pk].tie_note and "入围线并列" in rows[large.pk].tie_note
    assert rows[first.pk].tie_note == ""


def test_caiku_2022_17_item5_shortlist_page_shows_quoted_deduction_and_evaluated_price(world):
    """The center's shortlist page: per qualified response the quoted price, the deduction and the evaluated price,
    and the computation says the ranking is by evaluated price (财库〔2022〕17号 五)."""
    _, lot, _ = _lot(world, ["95", "105", "123.45"], [LARGE, SMALL, MICRO], deduction=15)
    page = world.client_for(world.center).get(reverse("framework:solicitation-shortlist", args=[lot.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<th>小微企业价格扣除</th><th>评审价格（元）</th>" in text
    # 105 small → 89.25; 123.45 micro → 104.9325 (every digit, nothing rounded); 95 large stays.
    for shown in ("105.00", "小型企业 扣除15%", "89.25", "123.45", "微型企业 扣除15%", "104.9325", "95.00", "不扣除"):
        assert shown in text, shown
    assert "按评审价格由低到高排名：小型、微型企业的响应报价扣除15%后作为评审价格" in text
    assert text.index("89.25") < text.index("95.00") < text.index("104.9325")


def test_caiku_2022_17_item5_the_api_gives_each_response_its_evaluated_price_after_the_deadline(world):
    """Other systems read what the page shows: per response its SME declaration and evaluated price (财库〔2022〕17号
    五), the quoted price unchanged."""
    _, lot, _ = _lot(world, ["95", "105", "123.45"], [LARGE, SMALL, MICRO], deduction=15)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=_center(world))[0].key}")
    response = client.get(f"/api/v1/framework/solicitations/{lot.project_id}/")
    assert response.status_code == 200, response.content
    rows = {row["supplier"]: row for row in response.json()["responses"]}
    assert {(r["sme_size"], r["price_yuan"], r["evaluated_price_yuan"]) for r in rows.values()} == {
        (LARGE, "95.00", "95.00"), (SMALL, "105.00", "89.25"), (MICRO, "123.45", "104.9325")}


def test_annex8_s8_quality_priority_ranks_by_score_without_deduction(world):
    """质量优先法 ranks by quality score (annex 8 §八); the price deduction does not enter it."""
    plan = data.filed_plan(world, method="quality_priority", is_lab_instrument=True, rate="40")
    project = data.published(plan)
    lot = project.lots.get()
    made = data.responses(lot, ["100", "200"], sizes=[SMALL, LARGE], scores=["80", "90"], qualified=True)
    data.close(project)
    computation = shortlist_computation(lot)
    assert computation.deduction_percent is None and computation.ranking_basis == "按质量（技术）得分由高到低排名"
    assert [row.response.pk for row in computation.rows] == [made[1].pk, made[0].pk]


# --- the supplement: same conditions, same deduction (annex 8 §十一) -------------------------------------------

def test_caiku_2022_17_item5_annex8_s11_supplement_ranks_with_the_same_deduction(world):
    """Annex 8 §十一 (same conditions as the first solicitation) with 财库〔2022〕17号 五: 5 qualified at 20% → 4; the
    small enterprise's 1500 (→ 1350 at the plan's 10%) goes in before the large 1400, and signs at 1500."""
    run = supplement_data.ten_shortlisted(world, removed=4)
    assert run.plan.small_micro_deduction_percent == 10
    supplement = supplement_data.opened(world, run)
    made = supplement_data.answered(supplement, ["1100", "1200", "1300", "1400", "1500"],
                                    sizes=[LARGE, LARGE, MEDIUM, LARGE, SMALL])
    supplement_data.past_deadline(supplement)
    computation = supplement_computation(supplement)
    assert [(row.response.pk, row.evaluated_price_yuan, row.shortlisted) for row in computation.rows] == [
        (made[0].pk, Decimal("1100.00"), True), (made[1].pk, Decimal("1200.00"), True),
        (made[2].pk, Decimal("1300.00"), True), (made[4].pk, Decimal("1350.00"), True),
        (made[3].pk, Decimal("1400.00"), False)]
    page = world.client_for(world.center).get(reverse("framework:supplement-detail", args=[supplement.pk]))
    text = page.content.decode()
    assert "小型企业 扣除10%" in text and "1,350.00" in text and "按评审价格由低到高排名" in text
    agreements = supplement_services.supplement_shortlist(supplement=supplement, actor=_center(world))
    assert Supplement.objects.get(pk=supplement.pk).status == Supplement.Status.SHORTLISTED
    placed = {a.response_id: a.price_yuan for a in agreements}
    assert placed == {made[0].pk: Decimal("1100.00"), made[1].pk: Decimal("1200.00"),
                      made[2].pk: Decimal("1300.00"), made[4].pk: Decimal("1500.00")}

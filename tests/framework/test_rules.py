"""The framework's counting rules (framework.rules), each test naming its source, with the edges the issue lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from framework.models import EvaluationMethod, FrameworkLot, SubjectKind, TieBreakRule
from framework.rules import (
    Bid,
    Candidate,
    RuleBroken,
    bidding_winner,
    evaluated_price,
    max_shortlisted,
    min_elimination_percent,
    quality_priority_allowed,
    rotation_next,
    shortlist_ranking,
    small_micro_deduction_check,
    small_micro_deduction_of,
    subject_kind_of,
    supplement_allowed,
    validity_check,
    validity_last_day,
)
from procurement.models import Organization

# --- annex 8 §五: goods at most 1 year, services at most 2, counted as the law counts periods ---------------

def test_annex8_s5_one_year_of_goods_runs_to_the_day_before_the_anniversary():
    validity_check(date(2026, 1, 1), date(2026, 12, 31), SubjectKind.GOODS)
    with pytest.raises(RuleBroken, match=r"货物项目框架协议有效期不得超过1年.*2026年12月31日"):
        validity_check(date(2026, 1, 1), date(2027, 1, 1), SubjectKind.GOODS)


def test_annex8_s5_two_years_of_services():
    validity_check(date(2026, 7, 1), date(2028, 6, 30), SubjectKind.SERVICES)
    with pytest.raises(RuleBroken, match="服务项目框架协议有效期不得超过2年"):
        validity_check(date(2026, 7, 1), date(2028, 7, 1), SubjectKind.SERVICES)


def test_annex8_s5_leap_years():
    # A leap year's 366 days are one year; a 29 February start runs to 28 February.
    validity_check(date(2028, 1, 1), date(2028, 12, 31), SubjectKind.GOODS)
    assert validity_last_day(date(2024, 2, 29), SubjectKind.GOODS) == date(2025, 2, 28)
    assert validity_last_day(date(2024, 2, 29), SubjectKind.SERVICES) == date(2026, 2, 28)
    assert validity_last_day(date(2023, 3, 1), SubjectKind.GOODS) == date(2024, 2, 29)


def test_annex8_s5_a_missing_or_reversed_validity_is_refused():
    with pytest.raises(RuleBroken, match="请填写框架协议有效期"):
        validity_check(None, date(2026, 12, 31), SubjectKind.GOODS)
    with pytest.raises(RuleBroken, match="截止日期早于起始日期"):
        validity_check(date(2026, 12, 31), date(2026, 1, 1), SubjectKind.GOODS)


def test_goods_and_services_are_told_by_the_catalog_code_and_works_are_no_framework_subject():
    assert subject_kind_of("A02010104") == SubjectKind.GOODS
    assert subject_kind_of("C23120300") == SubjectKind.SERVICES
    assert subject_kind_of("B01000000") is None


# --- annex 8 §八: quality priority only for priced items and lab instruments ------------------------------

@pytest.mark.parametrize(("basis", "lab", "allowed"), [
    (FrameworkLot.PriceBasis.GOVERNMENT_PRICE, False, True),
    (FrameworkLot.PriceBasis.GOVERNMENT_GUIDED, False, True),
    (FrameworkLot.PriceBasis.SURVEY, True, True),
    (FrameworkLot.PriceBasis.SURVEY, False, False),
])
def test_annex8_s8_quality_priority_only_for_government_priced_items_and_lab_instruments(basis, lab, allowed):
    assert quality_priority_allowed(price_basis=basis, is_lab_instrument=lab) is allowed


# --- annex 8 §九: at least 20% and at least one eliminated; 40% for quality-priority lab instruments --------

def test_annex8_s9_the_minimum_rate_is_40_percent_only_for_quality_priority_lab_instruments():
    q, p = EvaluationMethod.QUALITY_PRIORITY, EvaluationMethod.PRICE_PRIORITY
    assert min_elimination_percent(evaluation_method=q, is_lab_instrument=True) == Decimal("40")
    assert min_elimination_percent(evaluation_method=q, is_lab_instrument=False) == Decimal("20")
    assert min_elimination_percent(evaluation_method=p, is_lab_instrument=True) == Decimal("20")


@pytest.mark.parametrize(("qualified", "rate", "most"), [
    (15, "20", 12), (15, "40", 9), (7, "20", 5), (6, "20", 4), (2, "20", 1), (10, "20", 8), (10, "25", 7),
    (3, "20", 2), (100, "20", 80), (5, "20", 4), (5, "40", 3),
])
def test_annex8_s9_the_shortlist_cap_in_exact_integer_arithmetic(qualified, rate, most):
    assert max_shortlisted(qualified, Decimal(rate)) == most


def test_annex8_s9_fewer_than_two_qualified_is_refused():
    with pytest.raises(RuleBroken, match="只有1家，不足2家"):
        max_shortlisted(1, Decimal("20"))
    with pytest.raises(RuleBroken, match="只有0家"):
        max_shortlisted(0, Decimal("20"))


def test_annex8_s9_a_rate_that_would_eliminate_a_fraction_rounds_up_to_a_whole_supplier():
    # 33.33% of 3 is 0.9999: one supplier eliminated, not zero; 20% of 5 is exactly one.
    assert max_shortlisted(3, Decimal("33.33")) == 2
    assert max_shortlisted(5, Decimal("20")) == 4


def _at(minute: int) -> datetime:
    return datetime(2026, 3, 1, 9, 0) + timedelta(minutes=minute)


def test_annex8_s9_price_priority_ranks_lowest_first_and_a_tie_at_the_line_goes_by_the_stated_rule():
    a = Candidate("A", Decimal("100"), _at(5))
    b = Candidate("B", Decimal("90"), _at(9))
    c = Candidate("C", Decimal("100"), _at(1))
    ranked = shortlist_ranking([a, b, c], method=EvaluationMethod.PRICE_PRIORITY,
                               tie_break=TieBreakRule.EARLIER_SUBMISSION)
    assert [x.key for x in ranked] == ["B", "C", "A"]


def test_annex8_s9_quality_priority_ranks_highest_score_first():
    a = Candidate("A", Decimal("100"), _at(1), Decimal("88"))
    b = Candidate("B", Decimal("80"), _at(2), Decimal("92"))
    ranked = shortlist_ranking([a, b], method=EvaluationMethod.QUALITY_PRIORITY,
                               tie_break=TieBreakRule.EARLIER_SUBMISSION)
    assert [x.key for x in ranked] == ["B", "A"]


# --- annex 8 §十二, 财库〔2022〕17号 五: the small and micro enterprise price deduction at stage 1 ----------------

@pytest.mark.parametrize(("percent", "allowed"), [(9, False), (10, True), (15, True), (20, True), (21, False),
                                                  (0, False)])
def test_caiku_2022_17_item5_deduction_rate_between_10_and_20_percent(percent, allowed):
    """财库〔2022〕17号 五; 《政府采购促进中小企业发展管理办法》第九条 as amended by 财库〔2022〕19号: 10%–20%, both
    edges allowed."""
    if allowed:
        small_micro_deduction_check(percent)
        return
    with pytest.raises(RuleBroken, match=rf"小微企业价格扣除比例应为10%至20%，现为{percent}%（采购方案第十二部分；"
                                         r"财库〔2022〕17号第五项；.*第九条，财库〔2022〕19号）"):
        small_micro_deduction_check(percent)


def test_caiku_2022_17_item5_deduction_rate_missing_is_refused():
    with pytest.raises(RuleBroken, match="请填写对小微企业报价的价格扣除比例（10%至20%，采购方案第十二部分；"
                                         "财库〔2022〕17号第五项"):
        small_micro_deduction_check(None)


def test_caiku_2022_17_item5_only_small_and_micro_enterprises_get_the_deduction_in_exact_decimals():
    """《政府采购促进中小企业发展管理办法》第九条: small and micro enterprises' prices less the rate; medium and large
    enterprises keep their quoted price; exact Decimal arithmetic, nothing rounded."""
    size = Organization.SmeSize
    assert evaluated_price(Decimal("105.00"), sme_size=size.SMALL, deduction_percent=10) == Decimal("94.5")
    assert evaluated_price(Decimal("105.00"), sme_size=size.MICRO, deduction_percent=20) == Decimal("84")
    assert evaluated_price(Decimal("123.45"), sme_size=size.SMALL, deduction_percent=15) == Decimal("104.9325")
    assert evaluated_price(Decimal("105.00"), sme_size=size.MEDIUM, deduction_percent=10) == Decimal("105.00")
    assert evaluated_price(Decimal("105.00"), sme_size=size.LARGE, deduction_percent=10) == Decimal("105.00")
    assert evaluated_price(Decimal("105.00"), sme_size=size.SMALL, deduction_percent=None) == Decimal("105.00")
    assert small_micro_deduction_of(size.MEDIUM, 10) is None and small_micro_deduction_of(size.MICRO, 10) == 10


def test_caiku_2022_17_item5_price_priority_ranks_by_evaluated_price():
    """财库〔2022〕17号 五: a small enterprise quoting 105 at 10% (evaluated 94.5) ranks before a large one quoting 95;
    quality priority ranks by score whatever the evaluated prices."""
    small = Candidate("small", Decimal("105"), _at(5), Decimal("80"), evaluated_price_yuan=Decimal("94.5"))
    large = Candidate("large", Decimal("95"), _at(1), Decimal("90"), evaluated_price_yuan=Decimal("95"))
    ranked = shortlist_ranking([large, small], method=EvaluationMethod.PRICE_PRIORITY,
                               tie_break=TieBreakRule.EARLIER_SUBMISSION)
    assert [x.key for x in ranked] == ["small", "large"]
    ranked = shortlist_ranking([small, large], method=EvaluationMethod.QUALITY_PRIORITY,
                               tie_break=TieBreakRule.EARLIER_SUBMISSION)
    assert [x.key for x in ranked] == ["large", "small"]


# --- annex 8 §十一: supplement only below 70% of the shortlist ----------------------------------------------

@pytest.mark.parametrize(("shortlisted", "remaining", "allowed"), [
    (10, 7, False), (10, 6, True), (10, 10, False), (3, 2, True), (4, 3, False), (20, 13, True), (20, 14, False),
])
def test_annex8_s11_supplement_only_when_fewer_than_70_percent_remain(shortlisted, remaining, allowed):
    assert supplement_allowed(shortlisted=shortlisted, remaining=remaining) is allowed


# --- annex 8 §十: sequential rotation skips removed suppliers ---------------------------------------------

def _rotate(live: dict[str, int], orders: int, last: int | None = None) -> tuple[list[str], int | None]:
    by_position = {p: name for name, p in live.items()}
    awarded = []
    for _ in range(orders):
        last = rotation_next(list(live.values()), last)
        awarded.append(by_position[last])
    return awarded, last


def test_annex8_s10_rotation_three_suppliers_seven_orders():
    awarded, _ = _rotate({"A": 1, "B": 2, "C": 3}, 7)
    assert awarded == list("ABCABCA")


def test_annex8_s10_rotation_skips_a_supplier_removed_after_the_second_order():
    first, last = _rotate({"A": 1, "B": 2, "C": 3}, 2)
    rest, _ = _rotate({"A": 1, "C": 3}, 5, last)
    assert first + rest == list("ABCACAC")


def test_annex8_s10_rotation_without_anyone_in_force_is_refused():
    with pytest.raises(RuleBroken, match="没有可轮候的入围供应商"):
        rotation_next([], None)


# --- annex 8 §十: secondary bidding, lowest price wins, ties by the stated rule ---------------------------

def test_annex8_s10_secondary_bidding_lowest_wins_and_ties_go_by_the_plan():
    x = Bid("X", Decimal("95"), _at(3), rank=2, quality_score=Decimal("90"))
    y = Bid("Y", Decimal("95"), _at(7), rank=1, quality_score=Decimal("80"))
    z = Bid("Z", Decimal("99"), _at(1), rank=3)
    assert bidding_winner([x, y, z], tie_break=TieBreakRule.EARLIER_SUBMISSION).key == "X"
    assert bidding_winner([x, y, z], tie_break=TieBreakRule.HIGHER_RANK).key == "Y"
    assert bidding_winner([x, y, z], tie_break=TieBreakRule.HIGHER_QUALITY).key == "X"
    with pytest.raises(RuleBroken, match="没有供应商"):
        bidding_winner([], tie_break=TieBreakRule.EARLIER_SUBMISSION)

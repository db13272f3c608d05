"""The framework's counting rules, as pure functions, each with its source.

Services call these and turn a broken rule into a Chinese refusal; nothing here reads the database. Every number
is exact: rates are ``Decimal`` percentages and counts are integers, so 15 qualified suppliers at 20% leave at
most 12, never 12.000000001 or 11.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import ceil

from framework.models import EvaluationMethod, FrameworkLot, SubjectKind, TieBreakRule
from procurement.models import Organization


class RuleBroken(ValueError):
    """A rule of the documents refuses the numbers given; the message is the Chinese refusal."""


# --- 五、框架协议有效期 (annex 8 §五; annex 7) -----------------------------------------------------------
# 货物项目框架协议有效期一般不超过1年，服务项目框架协议有效期一般不超过2年.
VALIDITY_YEARS = {SubjectKind.GOODS: 1, SubjectKind.SERVICES: 2}


def anniversary(day: date, years: int) -> date:
    """The same month and day ``years`` later; a 29 February whose year has none falls on 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return date(day.year + years, 3, 1)


def validity_last_day(valid_from: date, kind: str) -> date:
    """The last day a validity starting on ``valid_from`` may run to: the day before the anniversary, the first
    day counting (2026-01-01 → 2026-12-31 is one year; 2024-02-29 → 2025-02-28)."""
    return anniversary(valid_from, VALIDITY_YEARS[kind]) - timedelta(days=1)


def subject_kind_of(category_code: str) -> str | None:
    """货物 (A…) or 服务 (C…) from the MoF catalog code; works (B…) are no framework subject (None)."""
    return {"A": SubjectKind.GOODS, "C": SubjectKind.SERVICES}.get(category_code[:1])


def validity_check(valid_from: date | None, valid_until: date | None, kind: str) -> None:
    """Refuse a validity that is missing, reversed or longer than the annex allows for ``kind``."""
    if valid_from is None or valid_until is None:
        raise RuleBroken("请填写框架协议有效期的起止日期（方案第五部分）")
    if valid_until < valid_from:
        raise RuleBroken("框架协议有效期的截止日期早于起始日期（方案第五部分）")
    last = validity_last_day(valid_from, kind)
    if valid_until > last:
        years = VALIDITY_YEARS[kind]
        raise RuleBroken(
            f"{SubjectKind(kind).label}项目框架协议有效期不得超过{years}年：自{valid_from:%Y年%m月%d日}起最迟至"
            f"{last:%Y年%m月%d日}（附件8第五部分）")


# --- 八、评审方法 and 九、淘汰率 (annex 8 §八, §九) ---------------------------------------------------------
MIN_QUALIFIED = 2
MIN_ELIMINATION_PERCENT = Decimal("20")
MIN_ELIMINATION_PERCENT_QUALITY_LAB = Decimal("40")
QUALITY_PRICE_BASES = (FrameworkLot.PriceBasis.GOVERNMENT_PRICE, FrameworkLot.PriceBasis.GOVERNMENT_GUIDED)


def quality_priority_allowed(*, price_basis: str, is_lab_instrument: bool) -> bool:
    """质量优先法 only for items with a government price or guided price, and for testing or laboratory
    instruments with special quality needs; every other item uses 价格优先法 (annex 8 §八)."""
    return price_basis in QUALITY_PRICE_BASES or is_lab_instrument


def min_elimination_percent(*, evaluation_method: str, is_lab_instrument: bool) -> Decimal:
    """At least 20%; at least 40% for testing or laboratory instruments evaluated by quality (annex 8 §九)."""
    if evaluation_method == EvaluationMethod.QUALITY_PRIORITY and is_lab_instrument:
        return MIN_ELIMINATION_PERCENT_QUALITY_LAB
    return MIN_ELIMINATION_PERCENT


def max_shortlisted(qualified: int, elimination_percent: Decimal) -> int:
    """The most suppliers a lot may shortlist: at least 2 qualified, and at least the rate **and** at least one
    eliminated (annex 8 §九), in exact arithmetic (15 at 20% → 12; 15 at 40% → 9; 7 at 20% → 5; 2 → 1)."""
    if qualified < MIN_QUALIFIED:
        raise RuleBroken(
            f"符合资格条件和实质性要求的供应商只有{qualified}家，不足{MIN_QUALIFIED}家，不能确定入围供应商（附件8第九部分）")
    eliminated = max(1, ceil(qualified * Fraction(elimination_percent) / 100))
    return qualified - eliminated


# --- 十二、落实政府采购政策: 小微企业价格扣除 (annex 8 §十二; 财库〔2022〕17号 五) --------------------------------
# 财库〔2022〕17号 五: 促进中小企业发展等采购政策原则上在框架协议采购的第一阶段落实…对符合条件的小微企业，应当
# 按照《政府采购促进中小企业发展管理办法》的规定给予价格扣除优惠政策. The 办法 (财库〔2020〕46号) 第九条, as
# 财库〔2022〕19号 raised it for goods and services not reserved for SMEs: 对小微企业报价给予10%—20%的扣除，
# 用扣除后的价格参加评审.
SMALL_MICRO_DEDUCTION_SOURCE = ("财库〔2022〕17号第五项；《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）"
                                "第九条，财库〔2022〕19号")
MIN_SMALL_MICRO_DEDUCTION_PERCENT = 10
MAX_SMALL_MICRO_DEDUCTION_PERCENT = 20
SMALL_MICRO_SIZES = (Organization.SmeSize.SMALL, Organization.SmeSize.MICRO)


def small_micro_deduction_check(percent: int | None) -> None:
    """A closed plan states the deduction it gives small and micro enterprises' prices at stage 1: between 10% and
    20% inclusive (财库〔2022〕17号 五; 《政府采购促进中小企业发展管理办法》第九条 as amended by 财库〔2022〕19号)."""
    low, high = MIN_SMALL_MICRO_DEDUCTION_PERCENT, MAX_SMALL_MICRO_DEDUCTION_PERCENT
    if percent is None:
        raise RuleBroken(f"请填写对小微企业报价的价格扣除比例（{low}%至{high}%，采购方案第十二部分；"
                         f"{SMALL_MICRO_DEDUCTION_SOURCE}）")
    if not low <= percent <= high:
        raise RuleBroken(f"小微企业价格扣除比例应为{low}%至{high}%，现为{percent}%（采购方案第十二部分；"
                         f"{SMALL_MICRO_DEDUCTION_SOURCE}）")


def small_micro_deduction_of(sme_size: str, deduction_percent: int | None) -> int | None:
    """The deduction a response's price gets: the plan's rate for a small or micro enterprise, None for a medium or
    large one (no deduction) or when the plan states none."""
    if deduction_percent is None or sme_size not in SMALL_MICRO_SIZES:
        return None
    return deduction_percent


def evaluated_price(price_yuan: Decimal, *, sme_size: str, deduction_percent: int | None) -> Decimal:
    """The price the evaluation ranks (评审价格): a small or micro enterprise's quoted price less the plan's deduction,
    exactly (105.00 at 10% → 94.50; 123.45 at 15% → 104.9325); any other's quoted price unchanged. The agreement
    keeps the quoted price (财库〔2020〕46号 第九条: 用扣除后的价格参加评审)."""
    deduction = small_micro_deduction_of(sme_size, deduction_percent)
    if deduction is None:
        return price_yuan
    return price_yuan * (100 - deduction) / 100


@dataclass(frozen=True)
class Candidate:
    """A qualified response as the shortlist ranks it; ``evaluated_price_yuan`` is its price after the small and
    micro enterprise deduction (``evaluated_price``), the quoted price when it is None."""

    key: object
    price_yuan: Decimal
    submitted_at: datetime
    quality_score: Decimal | None = None
    evaluated_price_yuan: Decimal | None = None

    @property
    def ranking_price_yuan(self) -> Decimal:
        return self.price_yuan if self.evaluated_price_yuan is None else self.evaluated_price_yuan


def _tie_key(candidate: Candidate, tie_break: str) -> tuple:
    if tie_break == TieBreakRule.HIGHER_QUALITY:
        return (-(candidate.quality_score or 0), candidate.submitted_at)
    return (candidate.submitted_at,)


def shortlist_ranking(candidates: Sequence[Candidate], *, method: str, tie_break: str) -> list[Candidate]:
    """Rank qualified responses: by evaluated price (the quoted price after the small and micro enterprise deduction),
    lowest first (价格优先法), or by quality score, highest first (质量优先法); equals are ordered by the plan's
    tie-break rule, so a tie at the cut-off line is settled by it."""
    if method == EvaluationMethod.QUALITY_PRIORITY:
        return sorted(candidates, key=lambda c: (-(c.quality_score or 0), *_tie_key(c, tie_break)))
    return sorted(candidates, key=lambda c: (c.ranking_price_yuan, *_tie_key(c, tie_break)))


# --- 十一、补充征集 (annex 8 §十一) ---------------------------------------------------------------------------
SUPPLEMENT_THRESHOLD = Fraction(7, 10)


def supplement_allowed(*, shortlisted: int, remaining: int) -> bool:
    """Only when the remaining suppliers are fewer than 70% of the shortlist (10 shortlisted: 7 remaining no,
    6 yes); that execution suffers is the center's statement, recorded with the supplement."""
    return remaining < shortlisted * SUPPLEMENT_THRESHOLD


# --- 十、顺序轮候 (annex 8 §十) -----------------------------------------------------------------------------

def rotation_next(live_positions: Sequence[int], last_awarded: int | None) -> int:
    """The rotation position whose turn it is: the first live position after the last one awarded, wrapping
    around; removed or suspended suppliers are not in ``live_positions`` and are skipped (3 suppliers, 7 orders:
    A B C A B C A; B removed after the second: A B | C A C A C)."""
    if not live_positions:
        raise RuleBroken("该采购包没有可轮候的入围供应商")
    ordered = sorted(live_positions)
    if last_awarded is None:
        return ordered[0]
    return next((p for p in ordered if p > last_awarded), ordered[0])


# --- 十、二次竞价 (annex 8 §十) -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bid:
    key: object
    price_yuan: Decimal
    submitted_at: datetime
    rank: int | None = None
    quality_score: Decimal | None = None


def bidding_winner(bids: Sequence[Bid], *, tie_break: str) -> Bid:
    """The lowest bid wins; equal bids are settled by the plan's rule (earlier bid, higher first-stage rank or
    higher quality score)."""
    if not bids:
        raise RuleBroken("没有供应商在竞价截止前报价")

    def key(bid: Bid) -> tuple:
        if tie_break == TieBreakRule.HIGHER_RANK:
            return (bid.price_yuan, bid.rank if bid.rank is not None else 10**9, bid.submitted_at)
        if tie_break == TieBreakRule.HIGHER_QUALITY:
            return (bid.price_yuan, -(bid.quality_score or 0), bid.submitted_at)
        return (bid.price_yuan, bid.submitted_at)

    return min(bids, key=key)

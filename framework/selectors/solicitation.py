"""Reading framework solicitation responses: sealed until the deadline (seed 000 三(二)(3); Order 110).

Before the response deadline nobody but the responding supplier reads a response's price, nor anything computed
from the prices: the center, its agency, finance, the admin and a superuser alike. Every reader other than the
supplier goes through ``ResponseRow`` (``response_rows``), whose ``price_yuan`` is None while sealed, or through
``lot_counts`` (how many responses, never a price). A supplier reads its own responses (``own_responses``) whole.

``shortlist_computation`` is what the shortlist page shows and what ``shortlist_confirm`` applies: the qualified
count, the plan's elimination rate, the cap (``framework.rules.max_shortlisted``) and the full ranking
(``framework.rules.shortlist_ranking`` with the plan's tie-break), who is in and who is out. Under 价格优先法 the
ranking is by evaluated price: a small or micro enterprise's quoted price less the plan's deduction
(``framework.rules.evaluated_price``, 财库〔2022〕17号 五); the agreement keeps the quoted price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from framework import rules
from framework.models import (
    Agreement,
    AgreementType,
    EvaluationMethod,
    FrameworkLot,
    FrameworkPlan,
    SolicitationResponse,
    TieBreakRule,
)
from procurement import access
from procurement.models import Lot, Mode, Organization, Project

SEALED_TEXT = "截止前密封"


def is_sealed(project: Project, *, now: datetime | None = None) -> bool:
    """Responses of ``project`` are sealed until its response deadline (and while none is set)."""
    return project.response_deadline is None or (now or timezone.now()) < project.response_deadline


# --- the supplier's own ------------------------------------------------------------------------------------

def acting_supplier(user) -> Organization | None:
    """The supplier ``user`` responds for (the first of its supplier seats), or None when it acts for none."""
    return Organization.objects.filter(pk__in=access.org_ids(user, kind=Organization.Kind.SUPPLIER)).order_by(
        "pk").first()


def own_responses(user) -> QuerySet[SolicitationResponse]:
    """The responses of the user's suppliers (prices included: they are theirs)."""
    suppliers = access.org_ids(user, kind=Organization.Kind.SUPPLIER)
    return (SolicitationResponse.objects.filter(supplier_id__in=suppliers, supplement__isnull=True)
            .select_related("lot", "lot__project", "supplier"))


def own_response(user, lot: Lot) -> SolicitationResponse | None:
    return own_responses(user).filter(lot=lot).order_by("supplier_id").first()


def open_solicitations(now: datetime | None = None) -> QuerySet[Project]:
    """Framework projects whose solicitation notice is published and whose deadline is ahead: any supplier may
    respond (the notice is public)."""
    return (Project.objects.filter(mode=Mode.FRAMEWORK, framework__solicitation_notice__isnull=False,
                                   response_deadline__gt=now or timezone.now())
            .select_related("organizer").order_by("response_deadline", "pk"))


def supplier_projects(user) -> QuerySet[Project]:
    """Open solicitations and those the user's suppliers responded to."""
    responded = own_responses(user).values("lot__project_id")
    return (Project.objects.filter(mode=Mode.FRAMEWORK, framework__solicitation_notice__isnull=False)
            .filter(Q(response_deadline__gt=timezone.now()) | Q(pk__in=responded))
            .select_related("organizer").order_by("-response_deadline", "pk"))


def respondable_lot(lot_pk: int) -> Lot | None:
    """A lot of a closed framework project whose solicitation is published (its notice is public). An open
    agreement's lot takes no responses: suppliers ask to join it (annex 8 note 1; ``framework:open-list``)."""
    return (Lot.objects.filter(pk=lot_pk, project__mode=Mode.FRAMEWORK,
                               project__framework__solicitation_notice__isnull=False)
            .exclude(project__framework_plan__agreement_type=AgreementType.OPEN)
            .select_related("project").first())


# --- everyone else: sealed until the deadline -------------------------------------------------------------

def readable_framework_projects(user) -> QuerySet[Project]:
    """The framework projects whose solicitation ``user`` may follow: who runs them and finance of the region
    (``procurement.access.projects_readable``), a superuser any."""
    return access.projects_readable(user).filter(mode=Mode.FRAMEWORK)


def visible_responses(user) -> QuerySet[SolicitationResponse]:
    """The responses ``user`` may know of (not their prices: see ``response_rows``): its suppliers' own, and those
    of the framework projects it reads (the center, its agency, finance of the region, a superuser)."""
    qs = SolicitationResponse.objects.all()
    if access.is_superuser(user):
        return qs
    suppliers = access.org_ids(user, kind=Organization.Kind.SUPPLIER)
    readable = access.projects_readable(user).filter(mode=Mode.FRAMEWORK).values("pk")
    return qs.filter(Q(supplier_id__in=suppliers) | Q(lot__project_id__in=readable))


@dataclass(frozen=True)
class ResponseRow:
    """One response as the center, finance, the admin and the API read it: ``price_yuan`` is None while sealed."""

    response: SolicitationResponse
    sealed: bool
    price_yuan: Decimal | None

    @property
    def price_text(self) -> str:
        return SEALED_TEXT if self.sealed else f"{self.price_yuan:,.2f}"


def response_row(response: SolicitationResponse, *, user=None, now: datetime | None = None) -> ResponseRow:
    """``response`` for ``user``: its price unless sealed (the responding supplier reads its own price)."""
    project = response.lot.project
    own = user is not None and access.acts_for(user, response.supplier_id, write=False)
    if response.supplement_id is not None:  # a supplement's response: sealed until the supplement's own deadline
        sealed = (now or timezone.now()) < response.supplement.response_deadline and not own
    else:
        sealed = is_sealed(project, now=now) and not own
    return ResponseRow(response, sealed, None if sealed else response.price_yuan)


def response_rows(user, project: Project, *, lot: Lot | None = None, now: datetime | None = None) -> list[ResponseRow]:
    """The submitted responses of ``project`` (of ``lot``) for a reader of the project. Before the deadline the
    prices are left out: the rows are not even fetched with them."""
    qs = (visible_responses(user).filter(lot__project=project, supplement__isnull=True)
          .exclude(status=SolicitationResponse.Status.DRAFT)
          .select_related("lot", "lot__project", "supplier").order_by("lot__number", "submitted_at", "pk"))
    if lot is not None:
        qs = qs.filter(lot=lot)
    return sealed_rows(qs, sealed=is_sealed(project, now=now))


def sealed_rows(qs: QuerySet[SolicitationResponse], *, sealed: bool) -> list[ResponseRow]:
    """The rows of ``qs`` for a reader other than the responding supplier, in either round: while ``sealed``, the
    prices (and quality statements) are not even fetched."""
    if sealed:
        return [ResponseRow(r, True, None) for r in qs.defer("price_yuan", "quality_statement")]
    return [ResponseRow(r, False, r.price_yuan) for r in qs]


@dataclass(frozen=True)
class LotCount:
    lot: Lot
    submitted: int
    withdrawn: int


def lot_counts(project: Project) -> list[LotCount]:
    """How many responses each lot has (submitted, withdrawn): shown before the deadline, never a price."""
    S = SolicitationResponse.Status
    lots = (Lot.objects.filter(project=project).order_by("number")
            .annotate(submitted=Count("solicitation_responses", filter=Q(
                solicitation_responses__status=S.SUBMITTED, solicitation_responses__supplement__isnull=True)),
                      withdrawn=Count("solicitation_responses", filter=Q(
                          solicitation_responses__status=S.WITHDRAWN,
                          solicitation_responses__supplement__isnull=True))))
    return [LotCount(lot, lot.submitted, lot.withdrawn) for lot in lots]


# --- the shortlist computation (annex 8 §九) ------------------------------------------------------------------

@dataclass
class RankedRow:
    rank: int
    response: SolicitationResponse
    shortlisted: bool
    tie_note: str = ""
    # 价格优先法: the price ranked (after the small and micro enterprise deduction) and the deduction applied.
    evaluated_price_yuan: Decimal | None = None
    deduction_percent: int | None = None

    @property
    def deduction_text(self) -> str:
        """小型企业 扣除10%; "不扣除" for a medium or large enterprise (or a plan stating no deduction)."""
        if self.deduction_percent is None:
            return "不扣除"
        return f"{self.response.get_sme_size_display()} 扣除{self.deduction_percent}%"

    @property
    def evaluated_price_text(self) -> str:
        """The evaluated price to the cent when exact (94.50), else every digit it has (104.9325)."""
        price = self.evaluated_price_yuan
        if price is None:
            return "—"
        return f"{price:,.2f}" if price == price.quantize(Decimal("0.01")) else f"{price:,f}"


@dataclass
class ShortlistComputation:
    lot: Lot
    method: str
    method_label: str
    tie_break: str
    tie_break_label: str
    elimination_percent: Decimal | None
    responded: int
    qualified: int
    disqualified: int
    pending: int
    cap: int | None = None
    eliminated_min: int | None = None
    refusal: str = ""
    rows: list[RankedRow] = field(default_factory=list)
    done: bool = False
    # The plan's small and micro enterprise deduction, applied under 价格优先法 only (annex 8 §十二).
    deduction_percent: int | None = None

    @property
    def ranking_basis(self) -> str:
        """What the ranking compares, as the page states it."""
        if self.method == EvaluationMethod.QUALITY_PRIORITY:
            return "按质量（技术）得分由高到低排名"
        if self.deduction_percent is None:
            return "按响应报价由低到高排名"
        return (f"按评审价格由低到高排名：小型、微型企业的响应报价扣除{self.deduction_percent}%后作为评审价格，"
                f"中型、大型企业以响应报价作为评审价格；入围单价仍为响应报价（{rules.SMALL_MICRO_DEDUCTION_SOURCE}）")

    @property
    def summary(self) -> str:
        """合格供应商15家，淘汰率20%，应至少淘汰3家，入围上限12家."""
        rate = f"{self.elimination_percent.normalize():f}%" if self.elimination_percent is not None else "—"
        if self.cap is None:
            return f"合格供应商{self.qualified}家，淘汰率{rate}：{self.refusal}"
        return (f"合格供应商{self.qualified}家，淘汰率{rate}，应至少淘汰{self.eliminated_min}家，"
                f"入围上限{self.cap}家")


def _tie_key(row: RankedRow, method: str) -> tuple:
    if method == EvaluationMethod.QUALITY_PRIORITY:
        return ("quality", row.response.quality_score or Decimal(0))
    return ("price", row.evaluated_price_yuan if row.evaluated_price_yuan is not None else row.response.price_yuan)


def deduction_for(plan: FrameworkPlan, method: str) -> int | None:
    """The small and micro enterprise deduction the ranking applies: the plan's, under 价格优先法 (财库〔2022〕17号 五);
    质量优先法 ranks by quality score, where no price is compared."""
    return plan.small_micro_deduction_percent if method == EvaluationMethod.PRICE_PRIORITY else None


def lot_deductions(project: Project) -> dict[int, int | None]:
    """Per lot of ``project`` (its id), the small and micro enterprise deduction its ranking applies
    (``deduction_for``): the plan's under 价格优先法, None under 质量优先法 or without a plan."""
    plan = FrameworkPlan.objects.filter(project_id=project.pk).first()
    if plan is None:
        return {}
    return {flot.lot_id: deduction_for(plan, flot.evaluation_method)
            for flot in FrameworkLot.objects.filter(lot__project_id=project.pk)}


def ranked_row(rank: int, response: SolicitationResponse, *, shortlisted: bool,
               deduction_percent: int | None) -> RankedRow:
    """A ranked response with its evaluated price and the deduction it got (none for a medium or large enterprise)."""
    return RankedRow(rank=rank, response=response, shortlisted=shortlisted,
                     evaluated_price_yuan=rules.evaluated_price(response.price_yuan, sme_size=response.sme_size,
                                                                deduction_percent=deduction_percent),
                     deduction_percent=rules.small_micro_deduction_of(response.sme_size, deduction_percent))


def candidate_of(response: SolicitationResponse, *, deduction_percent: int | None) -> rules.Candidate:
    """A qualified response as ``framework.rules.shortlist_ranking`` ranks it, its evaluated price included."""
    return rules.Candidate(key=response.pk, price_yuan=response.price_yuan,
                           submitted_at=response.submitted_at or response.created_at,
                           quality_score=response.quality_score,
                           evaluated_price_yuan=rules.evaluated_price(response.price_yuan, sme_size=response.sme_size,
                                                                     deduction_percent=deduction_percent))


def shortlist_computation(lot: Lot, *, plan: FrameworkPlan | None = None,
                          now: datetime | None = None) -> ShortlistComputation:
    """The shortlist of ``lot`` as the rules compute it. Call only after the deadline (it reads the prices):
    before it, the result carries only a refusal."""
    project = lot.project
    plan = plan or FrameworkPlan.objects.get(project=project)
    base = SolicitationResponse.objects.filter(lot=lot, supplement__isnull=True,
                                               status=SolicitationResponse.Status.SUBMITTED)
    computation = computation_counted(lot, plan=plan, base=base)
    if plan.is_open:
        computation.refusal = "开放式框架协议不进行评审和淘汰（附件8注1）"
        return computation
    if is_sealed(project, now=now):
        computation.refusal = "提交响应文件截止前响应密封，不能计算入围"
        return computation
    existing = Agreement.objects.filter(lot=lot, response__isnull=False).values_list("response_id", flat=True)
    return computation_ranked(computation, base=base, existing=existing)


def computation_counted(lot: Lot, *, plan: FrameworkPlan, base: QuerySet[SolicitationResponse]) -> ShortlistComputation:
    """The lot's method, tie-break, rate and deduction, and the counts of ``base`` (the round's submitted
    responses: the first solicitation's or a supplement's, evaluated the same way, annex 8 §十一). Reads no price."""
    fw = FrameworkLot.objects.filter(lot=lot).first()
    method = (fw.evaluation_method if fw and fw.evaluation_method else EvaluationMethod.PRICE_PRIORITY)
    tie_break = plan.shortlist_tie_break or TieBreakRule.EARLIER_SUBMISSION
    rate = fw.elimination_rate_percent if fw else None
    Q_ = SolicitationResponse.Qualification
    return ShortlistComputation(
        lot=lot, method=method, method_label=EvaluationMethod(method).label, tie_break=tie_break,
        tie_break_label=TieBreakRule(tie_break).label, elimination_percent=rate,
        responded=base.count(), qualified=base.filter(qualification=Q_.QUALIFIED).count(),
        disqualified=base.filter(qualification=Q_.DISQUALIFIED).count(),
        pending=base.filter(qualification=Q_.PENDING).count(), deduction_percent=deduction_for(plan, method))


def computation_ranked(computation: ShortlistComputation, *, base: QuerySet[SolicitationResponse],
                       existing: QuerySet, done: bool | None = None) -> ShortlistComputation:
    """The cap and the ranking of the round's qualified responses (``base``). Call only once the round is unsealed:
    it reads the prices. ``existing`` are the response ids already shortlisted; ``done`` (default: any exist) says
    the shortlist is confirmed, whose rows then show who is in rather than the cut at the cap."""
    rate, method, tie_break = computation.elimination_percent, computation.method, computation.tie_break
    if rate is None:
        computation.refusal = "采购方案未设置该采购包的淘汰率（附件8第九部分）"
        return computation
    try:
        computation.cap = rules.max_shortlisted(computation.qualified, rate)
    except rules.RuleBroken as broken:
        computation.refusal = str(broken)
        return computation
    computation.eliminated_min = computation.qualified - computation.cap
    qualified = list(base.filter(qualification=SolicitationResponse.Qualification.QUALIFIED)
                     .select_related("supplier"))
    by_pk = {r.pk: r for r in qualified}
    deduction = computation.deduction_percent
    candidates = [candidate_of(r, deduction_percent=deduction) for r in qualified]
    ranked = rules.shortlist_ranking(candidates, method=method, tie_break=tie_break)
    existing = set(existing)
    computation.done = bool(existing) if done is None else done
    rows = []
    for index, candidate in enumerate(ranked, start=1):
        response = by_pk[candidate.key]
        shortlisted = response.pk in existing if computation.done else index <= computation.cap
        rows.append(ranked_row(index, response, shortlisted=shortlisted, deduction_percent=deduction))
    # A tie at the cut-off line: the rows on either side of it with the same evaluated price (or score) were
    # separated by the plan's rule; say so on both.
    cap = computation.cap
    if 0 < cap < len(rows):
        inside, outside = rows[cap - 1], rows[cap]
        if _tie_key(inside, method) == _tie_key(outside, method):
            tied = _tie_key(inside, method)
            for row in rows:
                if _tie_key(row, method) == tied:
                    row.tie_note = f"入围线并列，按「{computation.tie_break_label}」确定"
    computation.rows = rows
    return computation

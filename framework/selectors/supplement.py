"""Reading 补充征集 (annex 8 §十一): which lots may be supplemented, the supplements each role sees, and their
responses, sealed until the supplement's own response deadline exactly as the first solicitation's are
(``framework.selectors.solicitation``): before it nobody but the responding supplier reads a price.

``supplement_computation`` is what the supplement's shortlist page shows and what
``framework.services.supplement.supplement_shortlist`` applies: the same method, tie-break and elimination rate as
the first solicitation (``framework.rules.max_shortlisted``, ``framework.rules.shortlist_ranking``), and the same
small and micro enterprise deduction (``framework.rules.evaluated_price``, 财库〔2022〕17号 五).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from framework import rules
from framework.models import (
    Agreement,
    AgreementType,
    FrameworkPlan,
    SolicitationResponse,
    Supplement,
)
from framework.selectors.solicitation import (
    ResponseRow,
    ShortlistComputation,
    computation_counted,
    computation_ranked,
    sealed_rows,
)
from procurement import access, deadlines
from procurement.models import Lot, Mode, Organization

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER
# Agreements still in force on the lot: not cancelled, terminated, left or expired (and not past their validity).
REMAINING_STATUSES = [Agreement.Status.SHORTLISTED, Agreement.Status.SIGNED]


def is_sealed(supplement: Supplement, *, now: datetime | None = None) -> bool:
    """A supplement's responses are sealed until its response deadline."""
    return (now or timezone.now()) < supplement.response_deadline


# --- the lot's numbers (annex 8 §十一) ------------------------------------------------------------------------

def original_shortlist(lot: Lot) -> QuerySet[Agreement]:
    """The lot's first shortlist: agreements ranked by the first solicitation (not by a supplement)."""
    return Agreement.objects.filter(lot=lot, rank__isnull=False).filter(
        Q(response__isnull=True) | Q(response__supplement__isnull=True))


def remaining(lot: Lot, *, on: date | None = None) -> QuerySet[Agreement]:
    """The lot's agreements still in force on ``on``: shortlisted or signed, not ended, not past their validity."""
    on = on or deadlines.today()
    return Agreement.objects.filter(lot=lot, status__in=REMAINING_STATUSES, ended_on__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on))


@dataclass(frozen=True)
class LotStanding:
    """A closed agreement's lot as the supplement rule sees it: 10 shortlisted, 6 remaining → allowed."""

    lot: Lot
    plan: FrameworkPlan
    shortlisted: int
    remaining: int
    allowed: bool
    open_supplement: Supplement | None

    @property
    def threshold_text(self) -> str:
        return (f"原入围{self.shortlisted}家，剩余{self.remaining}家"
                f"（{'不足' if self.allowed else '不少于'}入围供应商总数的70%）")


def lot_standing(lot: Lot, *, on: date | None = None) -> LotStanding:
    plan = FrameworkPlan.objects.get(project_id=lot.project_id)
    shortlisted = original_shortlist(lot).count()
    left = remaining(lot, on=on).count()
    allowed = shortlisted > 0 and rules.supplement_allowed(shortlisted=shortlisted, remaining=left)
    running = Supplement.objects.filter(lot=lot).exclude(status=Supplement.Status.SHORTLISTED).first()
    return LotStanding(lot=lot, plan=plan, shortlisted=shortlisted, remaining=left, allowed=allowed,
                       open_supplement=running)


# --- who sees what ------------------------------------------------------------------------------------------

def center_lots(user) -> QuerySet[Lot]:
    """The lots of closed framework agreements the user's center organizes that have a shortlist."""
    rows = (Lot.objects.filter(project__mode=Mode.FRAMEWORK,
                               project__framework_plan__agreement_type=AgreementType.CLOSED,
                               agreements__rank__isnull=False)
            .distinct().select_related("project", "project__organizer").order_by("-project__created_at", "number"))
    if access.is_superuser(user):
        return rows
    return rows.filter(project__organizer_id__in=access.org_ids(user, kind=CENTER))


def center_supplements(user) -> QuerySet[Supplement]:
    """The supplements of the lots the user's center organizes (every one for a superuser)."""
    rows = Supplement.objects.select_related("lot", "lot__project", "lot__project__organizer", "notice")
    if access.is_superuser(user):
        return rows
    return rows.filter(lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))


def center_lot(user, lot_pk: int) -> Lot | None:
    return center_lots(user).filter(pk=lot_pk).first()


def open_supplements(*, now: datetime | None = None) -> QuerySet[Supplement]:
    """Supplements whose notice is published and whose deadline is ahead: any supplier may respond."""
    return (Supplement.objects.filter(status=Supplement.Status.OPEN, notice__isnull=False,
                                      response_deadline__gt=now or timezone.now())
            .select_related("lot", "lot__project", "lot__project__organizer").order_by("response_deadline", "pk"))


def own_responses(user) -> QuerySet[SolicitationResponse]:
    """The user's suppliers' responses to supplements (prices included: they are theirs)."""
    suppliers = access.org_ids(user, kind=SUPPLIER)
    return (SolicitationResponse.objects.filter(supplier_id__in=suppliers, supplement__isnull=False)
            .select_related("lot", "lot__project", "supplier", "supplement"))


def own_response(user, supplement: Supplement) -> SolicitationResponse | None:
    return own_responses(user).filter(supplement=supplement).order_by("supplier_id").first()


def supplier_supplements(user, *, now: datetime | None = None) -> QuerySet[Supplement]:
    """Open supplements and those the user's suppliers responded to."""
    responded = own_responses(user).values("supplement_id")
    return (Supplement.objects.filter(notice__isnull=False)
            .filter(Q(status=Supplement.Status.OPEN, response_deadline__gt=now or timezone.now())
                    | Q(pk__in=responded))
            .select_related("lot", "lot__project", "lot__project__organizer").order_by("-response_deadline", "pk"))


def respondable_supplement(supplement_pk: int) -> Supplement | None:
    """A supplement whose notice is published (public): a supplier may open its response page."""
    return (Supplement.objects.filter(pk=supplement_pk, notice__isnull=False)
            .select_related("lot", "lot__project").first())


# --- the responses: sealed until the supplement's deadline -------------------------------------------------------

def response_rows(supplement: Supplement, *, now: datetime | None = None) -> list[ResponseRow]:
    """The supplement's submitted (and withdrawn) responses; before its deadline without their prices, which are
    not even fetched (``framework.selectors.solicitation.sealed_rows``, as the first solicitation's)."""
    qs = (SolicitationResponse.objects.filter(supplement=supplement)
          .exclude(status=SolicitationResponse.Status.DRAFT)
          .select_related("supplier").order_by("submitted_at", "pk"))
    return sealed_rows(qs, sealed=is_sealed(supplement, now=now))


def response_counts(supplement: Supplement) -> dict[str, int]:
    S = SolicitationResponse.Status
    qs = SolicitationResponse.objects.filter(supplement=supplement)
    return {"submitted": qs.filter(status=S.SUBMITTED).count(), "withdrawn": qs.filter(status=S.WITHDRAWN).count()}


# --- the computation: same method and rate as the first solicitation (annex 8 §十一, §九) ------------------------

def supplement_computation(supplement: Supplement, *, now: datetime | None = None) -> ShortlistComputation:
    """The supplement's shortlist: the first solicitation's method, tie-break, elimination rate and deduction
    (annex 8 §十一) applied to its own responses, once its deadline has passed."""
    lot = supplement.lot
    plan = FrameworkPlan.objects.get(project_id=lot.project_id)
    base = SolicitationResponse.objects.filter(supplement=supplement, status=SolicitationResponse.Status.SUBMITTED)
    computation = computation_counted(lot, plan=plan, base=base)
    if is_sealed(supplement, now=now):
        computation.refusal = "补充征集响应截止前响应密封，不能计算入围"
        return computation
    existing = Agreement.objects.filter(response__supplement=supplement).values_list("response_id", flat=True)
    return computation_ranked(computation, base=base, existing=existing,
                              done=supplement.status == Supplement.Status.SHORTLISTED)

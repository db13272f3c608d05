"""Test data of the supplement slice (补充征集, annex 8 §十一): a closed framework agreement in execution with ten
signed suppliers (``tests.framework.orders_data.executing``), the first solicitation's method and elimination rate on
its lot, some suppliers removed through the agreements service, and a supplement opened and answered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from framework.models import (
    Agreement,
    EvaluationMethod,
    ProductListing,
    Removal,
    SolicitationResponse,
    Supplement,
    TieBreakRule,
)
from framework.services.agreements import agreement_remove
from framework.services.supplement import supplement_start
from tests.factories import SupplierFactory, member_of
from tests.framework.orders_data import Executing, executing
from tests.framework.solicitation_data import pdf

TEN_PRICES = tuple(str(1000 + 10 * i) for i in range(10))
REASON = "已有4家入围供应商被清退，剩余供应商无法满足全省预算单位的供货需求，影响框架协议执行"


def ten_shortlisted(world, *, method: str = EvaluationMethod.PRICE_PRIORITY, rate: str = "20",
                    removed: int = 0, **fields) -> Executing:
    """A closed agreement in execution: 10 signed suppliers (A…J) on one lot evaluated by ``method`` at ``rate``;
    the last ``removed`` of them removed (清退, Order 110 Art. 19) by the center."""
    run = executing(world, prices=TEN_PRICES[:8], **fields)
    # orders_data names eight suppliers (A…H): the ninth and tenth are added the same way.
    for index, price in enumerate(TEN_PRICES[8:], start=8):
        letter = "IJ"[index - 8]
        supplier = SupplierFactory(name=f"供应商{letter}有限公司")
        agreement = Agreement.objects.create(
            lot=run.lot, supplier=supplier, code=f"{run.project.code}-XY{index + 1:02d}", price_yuan=Decimal(price),
            rank=index + 1, rotation_position=index + 1, status=Agreement.Status.SIGNED,
            signed_on=run.agreements[0].signed_on, valid_until=run.agreements[0].valid_until)
        run.suppliers.append(supplier)
        run.supplier_users.append(member_of(supplier))
        run.agreements.append(agreement)
        run.listings.append(ProductListing.objects.create(
            agreement=agreement, name=f"台式计算机{letter}", brand=f"品牌{letter}", model_number=f"M-{letter}",
            unit_price_yuan=Decimal(price), status=ProductListing.Status.APPROVED))
    run.flot.evaluation_method = method
    run.flot.elimination_rate_percent = Decimal(rate)
    run.flot.save(update_fields=["evaluation_method", "elimination_rate_percent"])
    run.plan.shortlist_tie_break = TieBreakRule.EARLIER_SUBMISSION
    run.plan.save(update_fields=["shortlist_tie_break"])
    for agreement in run.agreements[len(run.agreements) - removed:]:
        agreement_remove(agreement=agreement, ground=Removal.Ground.NON_PERFORMANCE,
                         evidence="经采购人请求履行后仍不履行合同义务", actor=world.user(world.center))
    for agreement in run.agreements:
        agreement.refresh_from_db()
    return run


def deadline(days: int = 21):
    return timezone.now() + timedelta(days=days)


def opened(world, run: Executing, *, days: int = 21) -> Supplement:
    return supplement_start(lot=run.lot, reason=REASON, response_deadline=deadline(days),
                            actor=world.user(world.center))


def answered(supplement: Supplement, prices: list, *, qualified: bool | None = True, scores: list | None = None,
             prefix: str = "补充供应商", sizes: list[str] | None = None) -> list[SolicitationResponse]:
    """Submitted responses of new suppliers to ``supplement`` (one minute apart), each declared a small enterprise
    unless ``sizes`` says otherwise, evaluated when ``qualified``."""
    start = timezone.now() - timedelta(hours=1)
    made = []
    for index, price in enumerate(prices):
        fields = {}
        if qualified is not None:
            fields["qualification"] = (SolicitationResponse.Qualification.QUALIFIED if qualified
                                       else SolicitationResponse.Qualification.DISQUALIFIED)
        if scores is not None:
            fields["quality_score"] = Decimal(str(scores[index]))
        made.append(SolicitationResponse.objects.create(
            lot=supplement.lot, supplement=supplement, supplier=SupplierFactory(name=f"{prefix}{index + 1:02d}"),
            price_yuan=Decimal(str(price)), sme_size=sizes[index] if sizes else "small",
            status=SolicitationResponse.Status.SUBMITTED,
            submitted_at=start + timedelta(minutes=index), qualification_file=pdf(), **fields))
    return made


def past_deadline(supplement: Supplement) -> Supplement:
    """Move the supplement's deadline into the past (its responses unsealed)."""
    Supplement.objects.filter(pk=supplement.pk).update(response_deadline=timezone.now() - timedelta(minutes=1))
    supplement.refresh_from_db()
    return supplement

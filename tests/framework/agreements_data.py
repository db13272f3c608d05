"""Test data of the agreements slice: a filed framework plan with its lots and shortlisted agreements (letters sent),
built directly with the models, as the shortlist stage leaves them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import Agreement, AgreementType, FrameworkLot, FrameworkPlan, SecondStageMethod, SubjectKind
from procurement import deadlines
from procurement.models import Project
from tests.factories import SupplierFactory
from tests.framework.factories import framework_project
from tests.world import World

PRICE = Decimal("4500.00")


def pdf(name: str = "框架协议.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% signed framework agreement\n", content_type="application/pdf")


def framework_with_agreements(world: World, *, lots: int = 1, suppliers: int = 2, letter_on: date | None = None,
                              agreement_type: str = AgreementType.CLOSED, allows_imported: bool = False,
                              valid_from: date | None = None, valid_until: date | None = None,
                              people: list | None = None) -> Project:
    """A framework project of the world's center with a filed plan, ``lots`` lots and ``suppliers`` shortlisted
    suppliers on each (world.supplier, world.large_supplier, then made ones), letters sent on ``letter_on``."""
    today = deadlines.today()
    project = framework_project(world, lots=lots)
    FrameworkPlan.objects.create(
        project=project, status=FrameworkPlan.Status.FILED, agreement_type=agreement_type,
        subject_kind=SubjectKind.GOODS, valid_from=valid_from or today - timedelta(days=60),
        valid_until=valid_until or today + timedelta(days=300), second_stage_method=SecondStageMethod.DIRECT,
        small_micro_deduction_percent=None if agreement_type == AgreementType.OPEN else 10)
    letter_on = letter_on or today - timedelta(days=5)
    if people is None:
        people = [world.supplier, world.large_supplier][:suppliers]
        people += [SupplierFactory(region=world.province) for _ in range(suppliers - len(people))]
    for lot in project.lots.order_by("number"):
        FrameworkLot.objects.create(lot=lot, price_basis=FrameworkLot.PriceBasis.SURVEY,
                                    allows_imported=allows_imported)
        for rank, supplier in enumerate(people, start=1):
            agreement = Agreement.objects.create(
                lot=lot, supplier=supplier, code=f"{project.code}-{lot.number}-{rank:02d}", price_yuan=PRICE,
                rank=rank, status=Agreement.Status.SHORTLISTED, letter_sent_on=letter_on,
                sign_due=deadlines.due_date(letter_on, deadlines.FRAMEWORK_AGREEMENT_SIGNING))
            agreement_next_check_refresh(agreement)
    return project


def agreement_of(project: Project, supplier, *, lot_number: int = 1) -> Agreement:
    return Agreement.objects.get(lot__project=project, lot__number=lot_number, supplier=supplier)


def parity_agreements(world: World, *, supplier) -> dict:
    """For the API/page parity table (tests/procurement/test_api_page_parity.py): a framework project of the world's
    center with two lots, ``supplier`` shortlisted on both: signed on lot 1 with a listing awaiting review, still
    shortlisted on lot 2."""
    from framework.services.agreements import agreement_sign, listing_create

    project = framework_with_agreements(world, lots=2, people=[supplier])
    signed = agreement_sign(agreement=agreement_of(project, supplier), signed_on=deadlines.today(), signed_file=pdf(),
                            actor=world.user(world.center))
    listing = listing_create(agreement=signed, name="台式计算机", brand="联想", model_number="PARITY-M1",
                             unit_price_yuan=PRICE, actor=world.user(supplier))
    return {"framework_project": project, "framework_agreement": signed, "framework_listing": listing,
            "framework_shortlisted": agreement_of(project, supplier, lot_number=2)}

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
                              valid_from: date | None = None, valid_until: date | None = None) -> Project:
    """A framework project of the world's center with a filed plan, ``lots`` lots and ``suppliers`` shortlisted
    suppliers on each (world.supplier, world.large_supplier, then made ones), letters sent on ``letter_on``."""
    today = deadlines.today()
    project = framework_project(world, lots=lots)
    FrameworkPlan.objects.create(
        project=project, status=FrameworkPlan.Status.FILED, agreement_type=agreement_type,
        subject_kind=SubjectKind.GOODS, valid_from=valid_from or today - timedelta(days=60),
        valid_until=valid_until or today + timedelta(days=300), second_stage_method=SecondStageMethod.DIRECT)
    letter_on = letter_on or today - timedelta(days=5)
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

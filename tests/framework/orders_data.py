"""Test data of the second stage (orders slice): a framework project in execution, built directly with the models.

``executing(world, ...)`` makes a framework project of the world's center with a purchase limit per order, its
filed plan (second-stage method and its rules), one ``FrameworkLot`` per lot, signed agreements of fresh suppliers
(A, B, C…) with prices and rotation positions, an approved listing per agreement, and the execution notice issued
(``FrameworkDetails.execution_notice`` and ``executing_from``). The signing, listing and execution services are
another slice's: nothing here goes through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from framework.models import (
    Agreement,
    AgreementType,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    ProductListing,
    RotationOrderRule,
    SecondStageMethod,
    SubjectKind,
    TieBreakRule,
)
from notices.models import Notice
from notices.services import notice_publish
from procurement.models import Lot, Project
from tests.factories import SupplierFactory, member_of
from tests.framework.factories import framework_project
from tests.world import World

D = Decimal


@dataclass
class Executing:
    project: Project
    plan: FrameworkPlan
    lot: Lot
    flot: FrameworkLot
    agreements: list[Agreement]
    listings: list[ProductListing]
    suppliers: list = field(default_factory=list)
    supplier_users: list = field(default_factory=list)

    def agreement(self, letter: str) -> Agreement:
        return self.agreements["ABCDEFGH".index(letter)]


def executing(world: World, *, method: str = SecondStageMethod.DIRECT, prices: tuple = ("1000", "1100", "1200"),
              purchase_limit: str | None = "2000000", lot_ceiling: str | None = None,
              supplier_ceiling: str | None = None, allows_imported: bool = False, imported: tuple = (),
              valid_from: date | None = None, valid_until: date | None = None, response_hours: int = 24,
              tie_break: str = TieBreakRule.EARLIER_SUBMISSION, rotation_positions: bool = True,
              notice: bool = True, suppliers: tuple = ()) -> Executing:
    today = date.today()
    valid_from = valid_from or today - timedelta(days=30)
    valid_until = valid_until or valid_from + timedelta(days=364)
    project = framework_project(world, purchase_limit_yuan=D(purchase_limit) if purchase_limit else None)
    lot = project.lots.get()
    plan = FrameworkPlan.objects.create(
        project=project, status=FrameworkPlan.Status.FILED, agreement_type=AgreementType.CLOSED,
        subject_kind=SubjectKind.GOODS, valid_from=valid_from, valid_until=valid_until,
        second_stage_method=method, bidding_response_hours=response_hours if method == "secondary_bidding" else None,
        bidding_tie_break=tie_break if method == "secondary_bidding" else "",
        rotation_order_rule=RotationOrderRule.SHORTLIST_RANK if method == "rotation" else "",
        supplier_ceiling_yuan=D(supplier_ceiling) if supplier_ceiling else None, small_micro_deduction_percent=10)
    flot = FrameworkLot.objects.create(lot=lot, price_basis=FrameworkLot.PriceBasis.SURVEY,
                                       allows_imported=allows_imported,
                                       ceiling_yuan=D(lot_ceiling) if lot_ceiling else None)
    given = list(suppliers)
    suppliers, users, agreements, listings = [], [], [], []
    for index, price in enumerate(prices):
        letter = "ABCDEFGH"[index]
        supplier = given[index] if index < len(given) else SupplierFactory(name=f"供应商{letter}有限公司")
        suppliers.append(supplier)
        users.append(member_of(supplier))
        agreement = Agreement.objects.create(
            lot=lot, supplier=supplier, code=f"{project.code}-XY{index + 1:02d}", price_yuan=D(price), rank=index + 1,
            rotation_position=index + 1 if rotation_positions else None, status=Agreement.Status.SIGNED,
            signed_on=valid_from, valid_until=valid_until)
        agreements.append(agreement)
        listings.append(ProductListing.objects.create(
            agreement=agreement, name=f"台式计算机{letter}", brand=f"品牌{letter}", model_number=f"M-{letter}",
            unit_price_yuan=D(price), is_imported=letter in imported, status=ProductListing.Status.APPROVED))
    details = FrameworkDetails.objects.create(project=project, executing_from=valid_from)
    if notice:
        details.execution_notice = notice_publish(
            type=Notice.Type.FRAMEWORK_EXECUTION, title=f"{project.title}框架协议执行通知",
            body="执行范围：全省预算单位",
            project=project, publisher=project.organizer)
        details.save(update_fields=["execution_notice"])
    return Executing(project=project, plan=plan, lot=lot, flot=flot, agreements=agreements, listings=listings,
                     suppliers=suppliers, supplier_users=users)


def order_fields(world: World, run: Executing, **overrides) -> dict:
    """What a purchaser (the world's prefecture unit) sends to open an order of 2 台."""
    fields = {"purchaser": world.prefecture_unit, "lot": run.lot, "plan_filing_ref": "BA-2026-0001",
              "description": "台式计算机", "quantity": "2", "budget": "5000",
              "actor": world.user(world.prefecture_unit)}
    fields.update(overrides)
    return fields


def parity_orders(world: World, *, purchaser, actor, supplier) -> dict:
    """For the API/page parity world: a 二次竞价 order of ``purchaser`` open for bids, ``supplier`` invited
    (``framework_order``) and its invitation (``framework_bid``)."""
    from django.utils import timezone

    from framework.services.orders import order_open

    run = executing(world, method=SecondStageMethod.SECONDARY_BIDDING, prices=("1000", "1100"), suppliers=(supplier,))
    order = order_open(**order_fields(world, run, purchaser=purchaser, actor=actor,
                                      bidding_closes_at=timezone.now() + timedelta(hours=30)))
    return {"framework_order": order, "framework_bid": order.bids.get(agreement__supplier=supplier)}

"""Volume test data for 753号 steps 5–6: a volume project at CONFIRMED (its responses frozen into the master plan,
the implementation plan's agency named on the project), set up directly, since the steps before it are built in
parallel; and the award the agency runs through the core's services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from procurement import deadlines
from procurement.models import Lot, Organization, ProcurementMethod, Project, SubPlan
from procurement.services.execution import award_finalize, lot_award, procurement_start
from tests.batch.factories import documents_on_file
from tests.volume.factories import volume_project
from tests.world import World
from volume.models import VolumeDetails


def volume_confirmed(world: World, *, participants: list[Organization] | None = None, lots: int = 2,
                     quantity: str = "10", budget_yuan: str = "48000.00", agency: bool = True,
                     responses: dict | None = None) -> Project:
    """A volume project led by the world's provincial department, CONFIRMED: each participant's items FROZEN (every
    item for every participant, or ``responses``: {unit: [(item number, quantity), …]}), the entrusted agency set,
    the procurement documents and evaluation report on file."""
    project = volume_project(world, participants=participants, lots=lots, status=Project.Status.CONFIRMED,
                             agency=world.agency if agency else None,
                             response_opens_at=timezone.now() - timedelta(days=20),
                             response_deadline=timezone.now() - timedelta(days=5),
                             master_plan_confirmed_at=timezone.now() - timedelta(days=4))
    VolumeDetails.objects.create(project=project, kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
                                 question_handler=project.organizer)
    items = {lot.number: lot for lot in project.lots.all()}
    if responses is None:
        responses = {eligible.unit: [(n, quantity) for n in sorted(items)]
                     for eligible in project.eligible_units.select_related("unit").order_by("pk")}
    for unit, wanted in responses.items():
        for number, amount in wanted:
            SubPlan.objects.create(project=project, lot=items[number], unit=unit, quantity=Decimal(amount),
                                   budget_yuan=Decimal(budget_yuan), status=SubPlan.Status.FROZEN)
    documents_on_file(project)
    return project


def volume_awarded(world: World, project: Project, *, suppliers: dict[int, tuple[Organization, str]],
                   actor=None) -> Project:
    """The agency runs the procurement through the core: starts it (inquiry), awards each item (``suppliers``:
    {item number: (supplier, unit price)}), 定标 (the award notice published and filed)."""
    actor = actor or world.user(world.agency)
    procurement_start(project=project, method=ProcurementMethod.INQUIRY, documents_issued_on=None,
                      bid_opening_at=None, actor=actor)
    for lot in Lot.objects.filter(project=project).order_by("number"):
        supplier, price = suppliers[lot.number]
        lot_award(project=project, lot=lot, supplier=supplier, unit_price_yuan=Decimal(price),
                  awarded_on=deadlines.today(), actor=actor)
    return award_finalize(project=project, actor=actor)

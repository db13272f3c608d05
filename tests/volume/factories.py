"""Volume's test data (集中带量采购, 统采分签): a volume-mode project built through the core models alone.

Volume's own tables do not exist yet; its project is the core ``Project`` with ``mode=volume``, organized by a
lead unit (牵头单位) with participating units (参与单位, the core's eligible units), so the core's tests can run
one body for batch and for volume.
"""

from __future__ import annotations

from decimal import Decimal

from procurement.models import EligibleUnit, Lot, Mode, Organization, Project, SubPlan
from tests.factories import LotFactory, ProjectFactory, SubPlanFactory
from tests.world import World


def volume_project(world: World, *, lead: Organization | None = None, participants: list[Organization] | None = None,
                   lots: int = 1, status: str = Project.Status.COLLECTING, **fields) -> Project:
    """A volume project led by ``lead`` (the world's provincial department), every world unit participating, with
    ``lots`` items (采购内容清单)."""
    lead = lead or world.province_unit
    project = ProjectFactory(mode=Mode.VOLUME, organizer=lead, scope_region=lead.region, status=status,
                             title=fields.pop("title", "2026年度教育系统台式计算机集中带量采购"), **fields)
    for number in range(1, lots + 1):
        LotFactory(project=project, number=number, name=f"采购内容{number}", unit_of_measure="台",
                   reference_price_yuan=Decimal("4800"))
    participants = list(world.budget_units.values()) if participants is None else participants
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=unit) for unit in participants])
    return project


def volume_responses(project: Project, *, quantity: str = "10", budget_yuan: str = "48000.00",
                     status: str = SubPlan.Status.SUBMITTED) -> list[SubPlan]:
    """Each participant's response (a sub-plan) for every item of ``project``."""
    lots: list[Lot] = list(project.lots.order_by("number"))
    return [SubPlanFactory(lot=lot, unit=eligible.unit, quantity=Decimal(quantity), budget_yuan=Decimal(budget_yuan),
                           status=status)
            for eligible in project.eligible_units.select_related("unit").order_by("pk") for lot in lots]

"""Framework's test data (框架协议采购): a framework-mode project built through the core models alone.

Its project is the core ``Project`` with ``mode=framework``, organized by the provincial center, solicited by
框架协议公开征集, with one lot per product category. A framework order has no sub-plans, so none are made.
"""

from __future__ import annotations

from decimal import Decimal

from procurement.models import Mode, ProcurementMethod, Project
from tests.factories import LotFactory, ProjectFactory
from tests.world import World


def framework_project(world: World, *, lots: int = 1, status: str = Project.Status.PROCURING, **fields) -> Project:
    """A framework project of the world's provincial center with ``lots`` lots, each with a maximum unit price."""
    project = ProjectFactory(mode=Mode.FRAMEWORK, organizer=world.center, scope_region=world.province, status=status,
                             procurement_method=ProcurementMethod.FRAMEWORK_SOLICITATION,
                             title=fields.pop("title", "2026—2027年度台式计算机框架协议采购"), **fields)
    for number in range(1, lots + 1):
        LotFactory(project=project, number=number, name=f"框架协议第{number}包", unit_of_measure="台",
                   max_unit_price_yuan=Decimal("5000"))
    return project

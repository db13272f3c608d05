"""Test data of the responses slice: a volume project opened through the core's ``project_open`` (753号 三、1: the
lead ticks its participants and sets the window and the item list), and the items of a response as the service
takes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from procurement.models import Mode, Organization, Project
from procurement.services.projects import LotSpec, project_open
from tests.world import World
from volume.models import VolumeDetails


def open_volume(world: World, *, participants: list[Organization] | None = None,
                deadline_in: timedelta = timedelta(days=10)) -> Project:
    """A cross-department volume project led by the provincial department, collecting: item 1 台式计算机, item 2
    激光打印机; the prefecture, county and other prefecture units are ticked (the lead itself is not)."""
    lead = world.province_unit
    participants = participants if participants is not None else [
        world.prefecture_unit, world.county_unit, world.other_prefecture_unit]
    project = project_open(
        mode=Mode.VOLUME, title="2026年度教育系统办公设备集中带量采购", year=2026, organizer=lead,
        scope_region=world.province, unit_ids=[unit.pk for unit in participants], actor=world.user(lead),
        lots=[LotSpec(name="台式计算机", unit_of_measure="台", reference_price_yuan=Decimal("4800.00")),
              LotSpec(name="激光打印机", unit_of_measure="台", reference_price_yuan=Decimal("2000.00"))],
        response_deadline=timezone.now() + deadline_in,
    )
    VolumeDetails.objects.create(project=project, kind=VolumeDetails.Kind.CROSS_DEPARTMENT, question_handler=lead)
    return project


def item(project: Project, number: int, *, quantity="10", budget="48000.00", funding=None) -> dict:
    """One item of a response: the project's item ``number`` with one funding line by default."""
    lot = project.lots.get(number=number)
    if funding is None:
        funding = [("general_budget", budget, "YS2026-0001")]
    return {"lot_id": lot.pk, "quantity": quantity, "budget_yuan": budget,
            "funding": [{"source": s, "amount_yuan": a, "budget_index_code": c} for s, a, c in funding]}


CONTACT = {"contact_name": "王芳", "contact_phone": "0431-88880000"}

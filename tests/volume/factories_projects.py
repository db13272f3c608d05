"""Test data of the projects slice (753号 step 1): categories at the lowest level and above, a lead's project."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from procurement.models import Category
from tests.world import World
from volume.models import VolumeDetails
from volume.services.projects import ItemSpec, volume_project_open

# Codes of their own, so that the reference catalog (if loaded) does not meet them.
PARENT, LEAF, CATALOG_LEAF = "A0299", "A029901", "A029902"


def categories() -> dict[str, Category]:
    """A parent category with two leaves: one outside the government centralized catalog, one inside."""
    parent, _ = Category.objects.get_or_create(code=PARENT, defaults={"name": "测试设备", "level": 3})
    leaf, _ = Category.objects.get_or_create(code=LEAF, defaults={"name": "测试台式计算机", "level": 4,
                                                                   "parent": parent})
    catalog_leaf, _ = Category.objects.get_or_create(
        code=CATALOG_LEAF, defaults={"name": "测试打印设备", "level": 4, "parent": parent,
                                     "in_centralized_catalog": True})
    return {"parent": parent, "leaf": leaf, "catalog_leaf": catalog_leaf}


def item(code: str = LEAF, **fields) -> ItemSpec:
    values = {"name": "台式计算机", "category_code": code, "unit_of_measure": "台",
              "specification": "i5/16G/512G SSD", "quantity_guidance": Decimal("200"),
              "reference_price_yuan": Decimal("4800")}
    values.update(fields)
    return ItemSpec(**values)


def deadline(days: int = 10):
    return timezone.now() + timedelta(days=days)


def open_volume(world: World, *, lead=None, units=None, items=None, kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
                actor=None, **fields):
    """A volume project opened through the service by ``lead`` (the provincial department by default) with every
    world unit participating."""
    categories()
    lead = lead or world.province_unit
    units = list(world.budget_units.values()) if units is None else units
    return volume_project_open(
        lead=lead, title=fields.pop("title", "2026年度台式计算机集中带量采购"), year=fields.pop("year", 2026),
        kind=kind, items=items or [item()], unit_ids=[unit.pk for unit in units],
        response_deadline=fields.pop("response_deadline", deadline()), actor=actor or world.user(lead), **fields)

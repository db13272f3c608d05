"""Test data of the department centralized catalog (部门集中采购目录, seed 000 三(三)(1)): a few categories of the
MoF catalog (outside the government centralized catalog, at its lowest level or not; one inside it) and catalogs
built through the services, as a department and the provincial finance bureau would."""

from __future__ import annotations

from dataclasses import dataclass

from procurement.models import Category, Organization
from tests.world import World
from volume.models import DepartmentCatalog
from volume.services import catalog as services


@dataclass
class Categories:
    parent: Category  # outside the government centralized catalog, not at the lowest level
    leaf: Category  # outside, lowest level
    other_leaf: Category  # outside, lowest level
    inside: Category  # inside the government centralized catalog (lowest level)


def catalog_categories() -> Categories:
    def make(code: str, name: str, level: int, parent: Category | None = None, inside: bool = False) -> Category:
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "in_centralized_catalog": inside})
        return category

    parent = make("A0232", "教学仪器", 3)
    return Categories(
        parent=parent,
        leaf=make("A023201", "教学实验仪器", 4, parent),
        other_leaf=make("A023202", "教学演示仪器", 4, parent),
        inside=make("A02010105", "台式计算机", 4, inside=True),
    )


def catalog_draft(world: World, *, department: Organization | None = None, year: int = 2026,
                  items: list[Category] | None = None) -> DepartmentCatalog:
    """A draft catalog of ``department`` (the world's provincial department) with ``items``."""
    department = department or world.province_unit
    actor = world.user(department)
    title = f"{department.name}{year}年度部门集中采购目录"
    catalog = services.catalog_create(department=department, year=year, title=title, actor=actor)
    for category in items or []:
        services.catalog_item_add(catalog=catalog, category=category, actor=actor,
                                  special_need=f"{category.name}须满足实验教学标准")
    return catalog


def catalog_submitted(world: World, **kwargs) -> DepartmentCatalog:
    catalog = catalog_draft(world, **kwargs)
    return services.catalog_submit(catalog=catalog, actor=world.user(catalog.department))


def catalog_issued(world: World, *, document_number: str = "吉教发〔2026〕12号", **kwargs) -> DepartmentCatalog:
    catalog = catalog_submitted(world, **kwargs)
    services.catalog_review(catalog=catalog, decision="approve", opinion="", actor=world.user(world.finance))
    return services.catalog_issue(catalog=catalog, document_number=document_number,
                                  actor=world.user(catalog.department))

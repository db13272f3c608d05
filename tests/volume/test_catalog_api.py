"""The department catalog over the API (/api/v1/volume/catalogs/) for the budget system: the same path and the
same refusals as the pages (seed 000 三(三)(1))."""

from __future__ import annotations

import pytest

from tests.volume.factories_catalog import catalog_categories, catalog_draft, catalog_submitted
from volume.models import DepartmentCatalog

pytestmark = pytest.mark.django_db
BASE = "/api/v1/volume/catalogs/"


@pytest.fixture
def categories():
    return catalog_categories()


def test_the_whole_path_over_the_api(world, categories):
    """Seed 000 三(三)(1): draft → items → submit → return → revise → resubmit → approve → issue, with the versions
    and the snapshots in the answer."""
    department, finance = world.api_for(world.province_unit), world.api_for(world.finance)
    created = department.post(BASE, {"year": 2026, "title": "吉林省教育厅2026年度部门集中采购目录"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["department"]["id"] == world.province_unit.pk

    item = department.post(f"{BASE}{pk}/items/",
                           {"category": categories.leaf.code, "special_need": "须满足实验教学标准"}, format="json")
    assert item.status_code == 201 and item.json()["category"]["code"] == categories.leaf.code
    assert department.post(f"{BASE}{pk}/submit/").json()["version"] == 1

    returned = finance.post(f"{BASE}{pk}/review/", {"decision": "return", "opinion": "请补充演示仪器"}, format="json")
    assert returned.status_code == 201 and returned.json()["items_snapshot"][0]["category_code"] == categories.leaf.code
    department.post(f"{BASE}{pk}/items/", {"category": categories.other_leaf.code, "special_need": "须适配多媒体教室"},
                    format="json")
    assert department.post(f"{BASE}{pk}/submit/").json()["version"] == 2
    approved = finance.post(f"{BASE}{pk}/review/", {"decision": "approve", "opinion": "同意"}, format="json")
    assert approved.status_code == 201 and len(approved.json()["items_snapshot"]) == 2

    issued = department.post(f"{BASE}{pk}/issue/", {"document_number": "吉教发〔2026〕12号"}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    body = finance.get(f"{BASE}{pk}/").json()
    assert [(r["version"], r["decision"]) for r in body["reviews"]] == [(1, "return"), (2, "approve")]
    assert body["document_number"] == "吉教发〔2026〕12号"


def test_refusals_over_the_api(world, categories):
    """Seed 000 三(三)(1): a category inside the government centralized catalog (400, naming its code), another
    department's catalog (404), a review by anyone but the provincial finance bureau (403), a return without an
    opinion (400), a draft by a unit that is no department (403)."""
    catalog = catalog_draft(world, items=[categories.leaf])
    department = world.api_for(world.province_unit)
    inside = department.post(f"{BASE}{catalog.pk}/items/", {"category": categories.inside.code, "special_need": "x"},
                             format="json")
    assert inside.status_code == 400 and categories.inside.code in inside.json()["detail"]

    [other_department] = world.units(1, name="吉林省卫生健康委员会{:02d}", people=True)
    other = world.api_for(other_department)
    assert other.get(f"{BASE}{catalog.pk}/").status_code == 404
    assert other.post(f"{BASE}{catalog.pk}/submit/").status_code == 404

    city_unit = world.api_for(world.prefecture_unit)
    assert city_unit.post(BASE, {"year": 2026, "title": "目录"}, format="json").status_code == 403

    submitted = catalog_submitted(world, year=2027, items=[categories.leaf])
    assert department.post(f"{BASE}{submitted.pk}/review/", {"decision": "approve"}, format="json").status_code == 403
    assert world.api_for(world.city_finance).post(f"{BASE}{submitted.pk}/review/", {"decision": "approve"},
                                                  format="json").status_code == 404
    no_opinion = world.api_for(world.finance).post(f"{BASE}{submitted.pk}/review/", {"decision": "return"},
                                                   format="json")
    assert no_opinion.status_code == 400 and "论证意见" in no_opinion.json()["detail"]
    submitted.refresh_from_db()
    assert submitted.status == DepartmentCatalog.Status.SUBMITTED

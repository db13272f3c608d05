"""The budget system creates and reads a lead's volume projects (``/api/v1/volume/projects/``), with the page's
rules: units by unit code, the same refusals with a Chinese ``detail``, another unit's project a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.agreements import AgreementInForce, register_agreements_source, unregister_agreements_source
from procurement.models import Project
from tests.volume.factories_projects import CATALOG_LEAF, LEAF, PARENT, categories, open_volume

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

URL = "/api/v1/volume/projects/"


def body(world, participants, **overrides) -> dict:
    data = {
        "title": "2026年度台式计算机集中带量采购", "year": 2026, "kind": "cross_department",
        "items": [{"name": "台式计算机", "category_code": LEAF, "unit_of_measure": "台", "specification": "i5/16G",
                   "quantity_guidance": "200", "reference_price_yuan": "4800"}],
        "units": [unit.unit_code for unit in participants],
        "response_deadline": (timezone.now() + timedelta(days=10)).isoformat(),
    }
    data.update(overrides)
    return data


def test_the_api_creates_a_project_from_unit_codes(world):
    """753号 三 1 through the budget system: items and participants by unit code; the intention is published."""
    categories()
    response = world.api_for(world.province_unit).post(
        URL, body(world, [world.prefecture_unit, world.county_unit]), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["organizer"]["name"] == "吉林省教育厅" and data["eligible_count"] == 2
    assert data["lots"][0]["quantity_guidance"] == "200.00"
    assert data["volume"]["intention_notice"] is not None
    assert data["volume"]["question_handler"]["name"] == "吉林省教育厅"


def test_the_api_refuses_an_unknown_unit_code(world):
    categories()
    response = world.api_for(world.province_unit).post(
        URL, body(world, [world.prefecture_unit], units=["99999999"]), format="json")
    assert response.status_code == 400 and "99999999" in str(response.json())
    assert not Project.objects.exists()


def test_the_api_refuses_a_county_lead_with_a_provincial_participant(world):
    """Seed 000 三(三)(2), 753号 二: the upper unit leads a cross-level project."""
    categories()
    response = world.api_for(world.county_unit).post(
        URL, body(world, [world.county_unit, world.province_unit]), format="json")
    assert response.status_code == 400
    assert "参与单位吉林省教育厅为省级单位" in str(response.json())
    assert not Project.objects.exists()


def test_the_api_refuses_a_category_above_the_lowest_level(world):
    """Issue 10 point 2: the lowest catalog level."""
    categories()
    items = [{"name": "设备", "category_code": PARENT, "unit_of_measure": "台"}]
    response = world.api_for(world.province_unit).post(
        URL, body(world, [world.prefecture_unit], items=items), format="json")
    assert response.status_code == 400 and "不是最末级品目" in str(response.json())


def test_the_api_refuses_a_catalog_category_with_an_agreement_in_force(world):
    """753号 一: the framework agreement first; the refusal names it."""
    categories()

    def source(category, *, on):
        if category.code != CATALOG_LEAF:
            return []
        return [AgreementInForce(code="JLKJ-2026-01", title="2026年打印设备框架协议")]

    register_agreements_source(source)
    try:
        items = [{"name": "打印机", "category_code": CATALOG_LEAF, "unit_of_measure": "台"}]
        response = world.api_for(world.province_unit).post(
            URL, body(world, [world.prefecture_unit], items=items), format="json")
    finally:
        unregister_agreements_source(source)
    assert response.status_code == 400 and "2026年打印设备框架协议" in str(response.json())
    assert not Project.objects.exists()


def test_the_api_lists_only_the_leads_projects_and_another_units_is_404(world):
    mine = open_volume(world)
    theirs = open_volume(world, lead=world.prefecture_unit, units=[world.county_unit], title="长春市联合采购")
    client = world.api_for(world.province_unit)
    listed = client.get(URL).json()
    assert [row["code"] for row in listed["results"]] == [mine.code]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    # A participant of the lead's project does not read it here (the responses slice's endpoints do).
    assert world.api_for(world.prefecture_unit).get(f"{URL}{mine.pk}/").status_code == 404


def test_the_api_refuses_other_kinds(world):
    response = world.api_for(world.center).post(URL, {}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == "只有预算单位可以牵头集中带量采购项目"

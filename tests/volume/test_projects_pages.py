"""The lead unit's pages (753号 step 1): the list, the creation form with the participant picker, the hub.

Issue 10 point 2: participants are ticked from the organization tree (search by name or unit code, filter by
region, level and supervising unit); a thousand units must be quick to tick ("勾选全部筛选结果").
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import EligibleUnit, Project
from tests.volume.factories_projects import LEAF, PARENT, categories, open_volume
from volume.models import VolumeDetails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


def when(days: int = 10) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def form_data(world, unit_ids, **overrides) -> dict:
    data = {
        "lead": world.province_unit.pk, "title": "2026年度台式计算机集中带量采购", "year": 2026,
        "kind": VolumeDetails.Kind.CROSS_DEPARTMENT, "catalog": "", "response_opens_at": "",
        "response_deadline": when(), "question_handler": "", "description": "",
        "unit_ids": ",".join(map(str, unit_ids)),
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-name": "台式计算机", "items-0-category_code": LEAF, "items-0-specification": "i5/16G",
        "items-0-unit_of_measure": "台", "items-0-quantity_guidance": "200", "items-0-reference_price_yuan": "4800",
    }
    data.update(overrides)
    return data


def matching_ids(html: str) -> list[int]:
    found = re.search(r'data-matching-ids="([0-9,]*)"', html)
    assert found, "the picker lists the ids of its matching units"
    return [int(pk) for pk in found.group(1).split(",") if pk]


def test_the_picker_with_a_thousand_units_renders_fast_and_all_matching_are_submitted(world):
    """Issue 10 point 2: a thousand units are quick to tick — the form renders one page of the filtered list with
    the count; "勾选全部筛选结果" takes every matching id; the POST of 1000 ids opens the project for them all."""
    categories()
    many = world.units(1000, name="测试中学{:04d}", region=world.changchun)
    client = world.client_for(world.province_unit)

    started = time.perf_counter()
    page = client.get(reverse("volume:project-new"))
    elapsed = time.perf_counter() - started
    assert page.status_code == 200
    html = page.content.decode()
    assert "勾选全部筛选结果（1004家）" in html  # the world's four units and the thousand
    assert html.count("data-picker-unit") == 100  # one page of rows, not a thousand
    assert elapsed < 2.0, f"the form with 1000 units took {elapsed:.2f}s"
    rendered = elapsed

    started = time.perf_counter()
    results = client.get(reverse("volume:project-units"), {"pq": "测试中学", "pregion": world.changchun.pk})
    elapsed = time.perf_counter() - started
    ids = matching_ids(results.content.decode())
    assert sorted(ids) == sorted(unit.pk for unit in many)
    assert elapsed < 1.0, f"filtering 1000 units took {elapsed:.2f}s"
    print(f"\npicker timings: form {rendered * 1000:.0f} ms, filtered list of 1000 in {elapsed * 1000:.0f} ms")

    response = client.post(reverse("volume:project-new"), form_data(world, ids))
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(title="2026年度台式计算机集中带量采购")
    assert response["Location"] == reverse("volume:project-detail", args=[project.pk])
    assert EligibleUnit.objects.filter(project=project).count() == 1000


def test_the_picker_filters_by_code_level_and_supervising_unit_and_keeps_the_ticked(world):
    """Issue 10 point 2: search by unit code, filter by level and supervising unit; ticked units are kept (the
    filter "只看已勾选" shows exactly them)."""
    own = world.units(3, name="教育厅直属单位{:03d}", supervising=world.province_unit)
    client = world.client_for(world.province_unit)
    url = reverse("volume:project-units")

    by_code = matching_ids(client.get(url, {"pq": own[0].unit_code}).content.decode())
    assert by_code == [own[0].pk]
    county = matching_ids(client.get(url, {"plevel": "county"}).content.decode())
    assert county == [world.county_unit.pk]
    supervised = matching_ids(client.get(url, {"psupervisor": world.province_unit.pk}).content.decode())
    assert set(supervised) == {world.province_unit.pk, *(unit.pk for unit in own)}
    kept = client.post(url, {"pselected": "on", "unit_ids": f"{own[1].pk},{world.county_unit.pk}"}).content.decode()
    assert set(matching_ids(kept)) == {own[1].pk, world.county_unit.pk}
    assert kept.count(" checked") == 2


def test_the_form_refusal_lands_on_the_page_and_keeps_the_ticked_units(world):
    """Seed 000 三(三)(2): a county lead with a provincial participant is refused on the form, naming it; the
    ticked units stay ticked."""
    categories()
    client = world.client_for(world.county_unit)
    data = form_data(world, [world.county_unit.pk, world.province_unit.pk], lead=world.county_unit.pk)
    response = client.post(reverse("volume:project-new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "参与单位吉林省教育厅为省级单位" in html
    assert f'value="{world.county_unit.pk},{world.province_unit.pk}"' in html
    assert not Project.objects.exists()


def test_an_item_above_the_lowest_level_is_refused_on_the_form(world):
    """Issue 10 point 2: the item's category is at the lowest catalog level."""
    categories()
    client = world.client_for(world.province_unit)
    response = client.post(reverse("volume:project-new"),
                           form_data(world, [world.prefecture_unit.pk], **{"items-0-category_code": PARENT}))
    assert "不是最末级品目" in response.content.decode()
    assert not Project.objects.exists()


def test_the_list_shows_the_leads_projects_with_search_and_an_empty_state(world):
    client = world.client_for(world.province_unit)
    assert "本单位尚未牵头集中带量采购项目" in client.get(reverse("volume:project-list")).content.decode()
    project = open_volume(world)
    other = open_volume(world, lead=world.prefecture_unit, units=[world.county_unit], title="长春市联合采购")
    html = client.get(reverse("volume:project-list")).content.decode()
    assert project.code in html and other.code not in html
    assert "没有符合条件的项目" in client.get(reverse("volume:project-list"), {"q": "不存在"}).content.decode()


def test_the_hub_shows_items_participants_and_the_intention_notice(world):
    project = open_volume(world)
    client = world.client_for(world.province_unit)
    html = client.get(reverse("volume:project-detail", args=[project.pk])).content.decode()
    assert "台式计算机" in html and "200" in html
    assert "共4家，已响应0家，不参与0家" in html
    assert reverse("notices:detail", args=[project.volume.intention_notice_id]) in html


def test_another_unit_cannot_see_the_leads_hub_even_a_participant(world):
    """Objects outside a user's reach answer 404: the hub is the lead's; a participant reads the project on the
    responses pages, not here."""
    project = open_volume(world)
    url = reverse("volume:project-detail", args=[project.pk])
    assert world.client_for(world.prefecture_unit).get(url).status_code == 404
    assert world.client_for(world.units(1, people=True)[0]).get(url).status_code == 404


def test_other_kinds_are_refused_the_lead_pages(world):
    """Wrong kind answers 403."""
    client = world.client_for(world.center)
    assert client.get(reverse("volume:project-list")).status_code == 403
    assert client.get(reverse("volume:project-new")).status_code == 403


def test_the_budget_units_navigation_links_the_lead_pages_and_the_plugin_names_the_hub(world):
    from procurement.modes import mode_plugin

    project = open_volume(world)
    html = world.client_for(world.province_unit).get(reverse("volume:project-list")).content.decode()
    assert "我牵头的带量采购" in html
    assert mode_plugin(project.mode).organizer_project_page(project) == reverse("volume:project-detail",
                                                                               args=[project.pk])

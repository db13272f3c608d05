"""In Chromium (issue 10 point 2): the lead unit opens a volume project from its form, ticking participants in the
picker — a search, "tick all matching", one more ticked on another search, one unticked — and the server keeps
exactly those units; the intention is published."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(transactional_db):
    from procurement.models import Category
    from tests.world import world_build

    world = world_build()
    hospitals = world.units(12, name="吉林省测试医院{:02d}", supervising=world.province_unit)
    schools = world.units(5, name="长春市测试中学{:02d}", region=world.prefecture)
    category = Category.objects.create(code="A02329901", name="测试医疗设备", level=4, in_centralized_catalog=False)
    return world, hospitals, schools, category


def test_the_lead_ticks_participants_in_the_picker_and_opens_the_project(browser_page, live_server, scene):
    from notices.models import Notice
    from procurement.models import Project

    world, hospitals, schools, category = scene
    page = browser_page
    login(page, live_server, world.user(world.province_unit).username)
    page.goto(f"{live_server.url}/volume/lead/projects/new/")

    page.locator('input[name="title"]').fill("2026年测试医院医疗设备集中带量采购")
    page.locator('input[name="items-0-name"]').fill("测试设备")
    page.locator('input[name="items-0-category_code"]').fill(category.code)
    page.locator('input[name="items-0-unit_of_measure"]').fill("台")
    page.locator('input[name="items-0-quantity_guidance"]').fill("20")
    page.locator('input[name="items-0-reference_price_yuan"]').fill("52000")

    # Every matching hospital at once, then one school found by another search, then one hospital unticked.
    page.locator('input[name="pq"]').fill("测试医院")
    expect(page.get_by_test_id("matching-count")).to_have_text("12")
    page.get_by_role("button", name=re.compile("^勾选全部筛选结果")).click()
    expect(page.get_by_test_id("picker-count")).to_have_text("12")
    page.locator('input[name="pq"]').fill(schools[2].unit_code)
    expect(page.get_by_test_id("matching-count")).to_have_text("1")
    page.get_by_label(f"勾选{schools[2].name}").check()
    expect(page.get_by_test_id("picker-count")).to_have_text("13")
    page.locator('input[name="pq"]').fill(hospitals[0].name)
    expect(page.get_by_test_id("matching-count")).to_have_text("1")
    page.get_by_label(f"勾选{hospitals[0].name}").uncheck()
    expect(page.get_by_test_id("picker-count")).to_have_text("12")

    deadline = timezone.localtime(timezone.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    page.locator('input[name="response_deadline"]').fill(deadline)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "volume_project_new")
    page.get_by_role("button", name="发起项目并公开采购意向").click()

    expect(page).to_have_url(re.compile(r"/volume/lead/projects/\d+/$"))
    project = Project.objects.get(title="2026年测试医院医疗设备集中带量采购")
    ticked = set(project.eligible_units.values_list("unit_id", flat=True))
    assert ticked == {h.pk for h in hospitals[1:]} | {schools[2].pk}
    assert Notice.objects.filter(project=project, type=Notice.Type.INTENTION).exists()
    expect(page.locator("main")).to_contain_text(project.code)
    screenshot(page, "volume_project_hub")

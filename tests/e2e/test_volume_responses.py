"""In Chromium (issue 10, how it is checked): a participant responds with two items and two funding lines on one of
them, watching each item's funding total against its budget, and submits; another participant opening the same
project sees only its own (empty) response; the lead, which did not tick itself (its response page is 404), sees
the aggregate with that response's items and funding lines."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invited(transactional_db):
    from tests.volume.factories_responses import open_volume
    from tests.world import world_build

    world = world_build()
    project = open_volume(world)
    for unit in (world.prefecture_unit, world.county_unit, world.province_unit):
        world.user(unit)
    return world, project


def test_a_participant_responds_with_two_items_the_lead_sees_the_aggregate_another_participant_does_not(
        browser_page, live_server, invited):
    from procurement.models import SubPlan
    from volume.models import Response

    world, project = invited
    page = browser_page
    login(page, live_server, world.user(world.prefecture_unit).username)
    page.get_by_role("link", name="带量采购响应").first.click()
    expect(page.get_by_test_id("invitation-list")).to_contain_text(project.code)
    page.get_by_test_id("invitation-list").get_by_role("link", name="填写响应").click()
    expect(page).to_have_url(re.compile(rf"/volume/responses/{project.pk}/$"))

    page.get_by_label("联系人").fill("王芳")
    page.get_by_label("联系电话").fill("0431-88880000")
    page.locator('select[name="item-1-lot"]').select_option(label="第1项 台式计算机（台）")
    page.locator('input[name="item-1-quantity"]').fill("12")
    page.locator('input[name="item-1-budget"]').fill("57600")
    page.locator('input[name="item-1-funding-1-amount"]').fill("50000")
    page.locator('input[name="item-1-funding-1-code"]').fill("YS2026-0101")
    first = page.get_by_test_id("response-item").first
    expect(first).to_contain_text("（不一致）")
    first.get_by_role("button", name="添加资金来源").click()
    page.locator('select[name="item-1-funding-2-source"]').select_option(label="单位资金")
    page.locator('input[name="item-1-funding-2-amount"]').fill("7600")
    page.locator('input[name="item-1-funding-2-code"]').fill("DW2026-0001")
    expect(first.locator("[data-sum]")).to_have_text("57,600.00")
    expect(first).to_contain_text("（一致）")

    page.get_by_role("button", name="添加采购内容").click()
    page.locator('select[name="item-2-lot"]').select_option(label="第2项 激光打印机（台）")
    page.locator('input[name="item-2-quantity"]').fill("3")
    page.locator('input[name="item-2-budget"]').fill("6000")
    page.locator('input[name="item-2-funding-1-amount"]').fill("6000")
    page.locator('input[name="item-2-funding-1-code"]').fill("YS2026-0102")
    screenshot(page, "volume_response_filled")
    page.get_by_role("button", name="提交响应").click()

    expect(page.get_by_role("alert").first).to_contain_text("响应已提交（第1版）")
    expect(page.get_by_test_id("response-state")).to_contain_text("已提交响应（第1版")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width
    response = Response.objects.get(project=project, unit=world.prefecture_unit)
    assert response.status == Response.Status.SUBMITTED
    plans = SubPlan.objects.filter(project=project, unit=world.prefecture_unit).order_by("lot__number")
    assert [(p.lot.number, p.funding_lines.count(), p.status) for p in plans] == [
        (1, 2, SubPlan.Status.SUBMITTED), (2, 1, SubPlan.Status.SUBMITTED)]

    # Another participant opens the same project: its own response, nothing of the first unit's.
    logout(page)
    login(page, live_server, world.user(world.county_unit).username)
    page.goto(f"{live_server.url}/volume/responses/{project.pk}/")
    expect(page.get_by_test_id("response-state")).to_contain_text("尚未响应")
    content = page.content()
    assert "YS2026-0101" not in content and "王芳" not in content and "57600" not in content
    screenshot(page, "volume_response_other_unit")

    # The lead (which did not tick itself: 404 on the response page) sees the aggregate from its project page.
    logout(page)
    login(page, live_server, world.user(world.province_unit).username)
    answer = page.goto(f"{live_server.url}/volume/responses/{project.pk}/")
    assert answer.status == 404
    page.goto(f"{live_server.url}/volume/lead/projects/{project.pk}/")
    page.get_by_role("link", name="查看汇总").click()
    expect(page).to_have_url(re.compile(rf"/volume/projects/{project.pk}/aggregate/$"))
    body = page.locator("main")
    expect(body).to_contain_text(world.prefecture_unit.name)
    expect(body).to_contain_text("63,600.00")  # 57,600.00 + 6,000.00: the grand total
    expect(body).to_contain_text("7,600.00")  # the unit-funds line of item 1
    expect(body).to_contain_text("DW2026-0001")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "volume_aggregate_lead")

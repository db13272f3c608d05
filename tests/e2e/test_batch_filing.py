"""A budget unit files on a BATCH project opened from a task (issue 3 point 6, in Chromium); another unit
of the same project cannot open that sub-plan (404, none of its data)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from procurement.models import SubPlan
from tests.e2e.conftest import login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def batch(transactional_db):
    """The center opened a batch project from its acknowledged task and published the solicitation."""
    from batch.projects import batch_solicitation_publish
    from tests.batch.test_projects import batch_world, open_project

    world = batch_world()
    project = open_project(world, title="2026年第四季度台式计算机批量集中采购")
    batch_solicitation_publish(project=project, actor=world.center_user)
    return world, project


def test_a_unit_files_a_sub_plan_on_a_batch_project_and_another_unit_gets_404(browser_page, live_server, batch):
    world, project = batch
    page = browser_page
    login(page, live_server, world.clerks["changchun"].username)

    # The open batch project is on the unit's home.
    card = page.get_by_test_id("open-projects").locator(".open-project", has_text=project.title)
    expect(card).to_contain_text("批量集中采购")
    expect(card).to_contain_text(project.code)
    card.get_by_role("link", name="填报分计划").click()

    # Its lots are the configuration types, with their base parameters.
    expect(page.get_by_role("heading", level=1)).to_have_text("填报分计划")
    expect(page.get_by_test_id("lots")).to_contain_text("第2包 台式计算机（高性能型）")
    expect(page.get_by_test_id("lots")).to_contain_text("处理器不低于12核")
    page.get_by_label("采购包").select_option(label="第2包 台式计算机（高性能型）")
    page.get_by_label("采购数量").fill("8")
    page.get_by_label("预算金额（元）").fill("60800")
    page.locator("[name=funding-0-source]").select_option("general_budget")
    page.locator("[name=funding-0-amount_yuan]").fill("60800")
    page.locator("[name=funding-0-budget_index_code]").fill("ZB2026-0907")
    screenshot(page, "batch_file_sub_plan")
    page.get_by_role("button", name="保存并提交").click()  # filed and submitted in one step

    expect(page).to_have_url(re.compile(r"/unit/sub-plans/\d+/$"))
    expect(page.get_by_role("alert").first).to_contain_text("分计划已提交")
    expect(page.locator("h1 .status-badge")).to_have_text("已提交")
    sub_plan_url = page.url

    page.get_by_role("link", name="我的分计划").first.click()
    row = page.get_by_test_id("sub-plan-list").locator("tr", has_text="台式计算机（高性能型）")
    expect(row).to_contain_text(project.code)
    expect(row).to_contain_text("已提交")
    expect(row).to_contain_text("60,800.00 元")
    screenshot(page, "batch_sub_plan_list")

    sub_plan = SubPlan.objects.get(project=project)
    assert (sub_plan.unit, sub_plan.lot.number, sub_plan.status) == (world.units["changchun"], 2, "submitted")

    # Another eligible unit of the same project types the URL: a Chinese 404 without the data.
    logout(page)
    login(page, live_server, world.clerks["nanguan"].username)
    response = page.goto(sub_plan_url)
    assert response.status == 404
    expect(page.get_by_test_id("error-404")).to_contain_text("页面不存在")
    content = page.content()
    for secret in ("60,800", "60800", "ZB2026-0907", "长春市第一中学"):
        assert secret not in content
    # Its own list does not show it either.
    page.goto(f"{live_server.url}/unit/sub-plans/")
    expect(page.get_by_text("本单位暂无分计划")).to_be_visible()

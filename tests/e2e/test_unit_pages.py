"""A budget unit files and submits a sub-plan through the pages; another unit cannot open it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from procurement.models import SubPlan
from tests.e2e.conftest import login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_unit_files_and_submits_a_sub_plan_and_another_unit_gets_404(browser_page, live_server, world):
    page = browser_page
    login(page, live_server, world.unit_user.username)

    # The open project is on the unit's home; file a sub-plan for its first lot.
    card = page.get_by_test_id("open-projects").locator(".open-project", has_text=world.open_project.title)
    card.get_by_role("link", name="填报分计划").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填报分计划")
    page.get_by_label("采购包").select_option(label="第1包 台式计算机（基础办公型）")
    page.get_by_label("采购数量").fill("36")
    page.get_by_label("预算金额（元）").fill("172800")
    page.locator("[name=funding-0-source]").select_option("general_budget")
    page.locator("[name=funding-0-amount_yuan]").fill("150000")
    page.locator("[name=funding-0-budget_index_code]").fill("ZB2026-0451")
    page.locator("[name=funding-1-source]").select_option("own_funds")
    page.locator("[name=funding-1-amount_yuan]").fill("22800")
    screenshot(page, "unit_file_sub_plan")
    page.get_by_role("button", name="保存为草稿").click()

    expect(page).to_have_url(re.compile(r"/unit/sub-plans/\d+/$"))
    expect(page.get_by_role("alert").first).to_contain_text("分计划已保存为草稿")
    expect(page.get_by_test_id("sub-plan-facts")).to_contain_text("172,800.00 元")
    expect(page.get_by_test_id("funding-lines")).to_contain_text("一般公共预算资金")
    sub_plan_url = page.url

    page.get_by_role("button", name="提交分计划").click()
    expect(page.get_by_role("alert").first).to_contain_text("分计划已提交")
    expect(page.locator("h1 .status-badge")).to_have_text("已提交")
    expect(page.get_by_test_id("history")).to_contain_text("提交分计划")
    screenshot(page, "unit_sub_plan_detail")

    page.get_by_role("link", name="我的分计划").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的分计划")
    row = page.get_by_test_id("sub-plan-list").locator("tr", has_text="台式计算机（基础办公型）")
    expect(row).to_contain_text("已提交")
    expect(row).to_contain_text("172,800.00 元")

    sub_plan = SubPlan.objects.get(unit=world.unit, lot__number=1, project=world.open_project)
    assert sub_plan.status == SubPlan.Status.SUBMITTED
    assert sub_plan.budget_yuan == 172800

    # Another unit of the same project types the first unit's URL: a Chinese 404, none of the data.
    logout(page)
    login(page, live_server, world.other_unit_user.username)
    response = page.goto(sub_plan_url)
    assert response.status == 404
    expect(page.get_by_test_id("error-404")).to_contain_text("页面不存在")
    content = page.content()
    for secret in ("172,800", "172800", "ZB2026-0451", "长春市第一中学", "台式计算机（基础办公型）"):
        assert secret not in content
    screenshot(page, "unit_404")

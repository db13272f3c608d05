"""In Chromium: a unit revises a submitted sub-plan and the page says exactly what the center now sees (issue 7
point 8); a value that looks wrong is shown to the unit before it submits and flagged to the center with the
reason (point 4)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def batch(transactional_db):
    """An open batch project (lot 1: 台式计算机（基础办公型）, reference price 4,800 元) with one unit's
    submitted sub-plan: 10 台, 48,000 元."""
    from procurement.services.sub_plans import sub_plan_save
    from tests.batch.test_projects import batch_world, open_project

    world = batch_world()
    project = open_project(world, title="2026年第四季度台式计算机批量集中采购")
    lot = project.lots.get(number=1)
    sub_plan = sub_plan_save(lot=lot, unit=world.units["changchun"], actor=world.clerks["changchun"], quantity=10,
                             budget_yuan=48000, contact_name="王老师", contact_phone="0431-85550001", submit=True)
    return world, project, sub_plan


def test_a_revision_counts_at_once_and_the_center_sees_what_the_unit_was_told(browser_page, live_server, batch):
    world, project, sub_plan = batch
    page = browser_page
    login(page, live_server, world.clerks["changchun"].username)
    page.goto(f"{live_server.url}/unit/sub-plans/{sub_plan.pk}/")
    state = page.get_by_test_id("sub-plan-state")
    expect(state).to_contain_text("已提交并计入总计划（第1版）")
    expect(state).to_contain_text("采购数量 10 台、预算金额 48,000.00 元")

    page.get_by_role("link", name="修改分计划").click()
    expect(page.get_by_test_id("edit-counts-at-once")).to_contain_text("保存修改后立即生效")
    page.get_by_label("采购数量").fill("12")
    page.get_by_label("预算金额（元）").fill("57600")
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/unit/sub-plans/{sub_plan.pk}/$"))
    told = page.get_by_role("alert").first
    expect(told).to_contain_text("修改已保存并立即生效：总计划已按本单位第1包的采购数量12台、预算金额57,600.00元计算")
    expect(told).to_contain_text("集中采购机构在总计划中看到的就是这些数字")
    expect(state).to_contain_text("已提交并计入总计划（第2版）")
    expect(page.get_by_test_id("sub-plan-actions")).not_to_contain_text("重新提交")
    screenshot(page, "unit_sub_plan_revised")

    # The center's master plan shows exactly those numbers for lot 1.
    logout(page)
    login(page, live_server, world.center_user.username)
    page.goto(f"{live_server.url}/batch/center/projects/{project.pk}/")
    row = page.get_by_test_id("master-plan").locator("tr[data-lot='1']")
    expect(row).to_contain_text("12 台")
    expect(row).to_contain_text("57,600.00 元")
    screenshot(page, "center_master_plan_after_revision")


def test_a_budget_far_from_the_reference_is_shown_before_submitting_and_flagged_to_the_center(
        browser_page, live_server, batch):
    world, project, _ = batch
    page = browser_page
    login(page, live_server, world.clerks["nanguan"].username)
    page.goto(f"{live_server.url}/unit/projects/{project.pk}/file/")
    expect(page.get_by_test_id("lots")).to_contain_text("计量单位：台（数量须为整数）")
    page.get_by_label("采购包").select_option(label="第1包 台式计算机（基础办公型）")
    page.get_by_label("采购数量").fill("2")
    page.get_by_label("预算金额（元）").fill("2000000")
    page.get_by_role("button", name="保存并提交").click()

    flags = page.get_by_test_id("sub-plan-flags")
    expect(flags).to_contain_text("预算单价偏高")
    expect(flags).to_contain_text("预算单价1,000,000.00元（预算金额÷采购数量）高于参考单价4,800.00元的150%")
    screenshot(page, "unit_flags_before_submit")
    page.get_by_label("我已核对以上核查提示，确认按此填报").check()
    page.get_by_role("button", name="保存并提交").click()
    expect(page.get_by_role("alert").first).to_contain_text("分计划已提交")

    logout(page)
    login(page, live_server, world.center_user.username)
    page.goto(f"{live_server.url}/batch/center/projects/{project.pk}/")
    page.get_by_test_id("flagged-count").click()
    row = page.get_by_test_id("lot-sub-plans").locator("tr", has_text="南关区人民医院")
    expect(row).to_contain_text("预算单价偏高")
    expect(page.get_by_test_id("lot-sub-plans")).not_to_contain_text("长春市第一中学")
    screenshot(page, "center_flagged_drilldown")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width

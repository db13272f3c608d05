"""In Chromium (issue 11, how it is checked): on the demo `make run` seeds, a purchaser ("unit", 吉林省教育厅) signs in,
opens 框架协议采购 from the top navigation, the framework home, the product catalog, picks a listed product
(直接选定) with quantity, reason and plan filing reference, submits, sees its order awarded with its contract, and
opens the contract page (seed 三(二)(6))."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@E2E-2026"


@pytest.fixture
def seeded(transactional_db):
    from procurement.services.demo import demo_seed

    return demo_seed(password=PASSWORD)


def test_a_purchaser_orders_a_listed_product_by_direct_selection_and_opens_its_contract(
        browser_page, live_server, seeded):
    from framework.models import Order
    from procurement.models import Contract
    from procurement.services.demo import UNIT_CODE

    page = browser_page
    login(page, live_server, "unit", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="框架协议采购").first.click()
    expect(page).to_have_url(re.compile(r"/framework/$"))
    expect(page.get_by_test_id("framework-links")).to_contain_text("框架协议商品")
    screenshot(page, "framework_home_unit")
    page.get_by_test_id("framework-links").get_by_role("link", name=re.compile("框架协议商品")).click()
    catalog = page.get_by_test_id("listing-catalog")
    expect(catalog).to_contain_text("吉林省新元电器有限公司")
    expect(catalog).to_contain_text("台式计算机（通用办公型）")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "framework_catalog_unit")

    row = catalog.locator("tr", has_text="M437")
    row.get_by_role("link", name="直接选定下单").click()
    expect(page.get_by_test_id("chosen-listing")).to_contain_text("M437")
    form = page.get_by_test_id("order-form")
    form.get_by_label("采购计划备案编号").fill("BA2026220000101001-0007")
    form.get_by_label("采购内容").fill("教育厅机关办公用台式计算机")
    form.get_by_label("数量").fill("5")
    form.get_by_label("预算金额（元）").fill("23000")
    form.get_by_label("选定理由").fill("配置满足日常办公需要，在同档次已上架商品中价格较低，三年上门保修")
    screenshot(page, "framework_order_filled")
    form.get_by_role("button", name="提交订单").click()

    expect(page.get_by_role("alert").first).to_contain_text("已成交，合同已生成")
    facts = page.get_by_test_id("order-facts")
    expect(facts).to_contain_text("吉林省新元电器有限公司")
    expect(facts).to_contain_text("4,450.00 元 / 22,250.00 元")  # unit price × 5 = the amount, with separators
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "framework_order_awarded")
    order = Order.objects.get(purchaser__unit_code=UNIT_CODE)
    assert order.status == Order.Status.CONTRACTED and order.amount_yuan == 22250
    assert order.contract.status == Contract.Status.DRAFT

    page.get_by_test_id("order-contract").get_by_role("link", name=order.contract.code).click()
    expect(page.locator("h1")).to_contain_text(order.contract.title[:10])
    expect(page.locator("main")).to_contain_text(re.compile(r"22,?250\.00"))
    screenshot(page, "framework_order_contract")

"""A signed-in unit mistypes a URL, then opens another unit's contract: the Chinese 404 both times.

Source: issue 7 point 14 — `make run` showed Django's English technical 404 with the URL list.
The suite runs with DEBUG off, as `make run` now does.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Contract
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TECHNICAL = ["Page not found", "Using the URLconf", "urlpatterns", "admin/", "Request URL", "DEBUG"]


def assert_chinese_404(page, response) -> None:
    assert response.status == 404
    card = page.get_by_test_id("error-404")
    expect(card.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(card.get_by_role("link", name="返回我的工作台")).to_be_visible()
    expect(page.locator("link[href*='css/portal.css']")).to_have_count(1)
    content = page.content()
    for text in TECHNICAL:
        assert text not in content, text


def test_a_unit_that_mistypes_a_url_or_opens_another_units_contract_sees_the_chinese_404(
    browser_page, live_server, world
):
    page = browser_page
    login(page, live_server, world.unit_user.username)
    expect(page.get_by_test_id("current-user")).to_contain_text(world.unit.name)

    # A mistyped address: "sub-plan" for "sub-plans".
    response = page.goto(f"{live_server.url}/unit/sub-plan/")
    assert_chinese_404(page, response)
    expect(page.get_by_test_id("current-user")).to_contain_text(world.unit.name)  # still signed in
    # The stylesheet applied: the error card is centred and the code is the portal's blue.
    assert page.locator(".error-page").evaluate("node => getComputedStyle(node).textAlign") == "center"
    screenshot(page, "error_404_mistyped_url")

    # Another unit's contract, its address typed by hand: the same page, none of its data.
    theirs = Contract.objects.get(code="HT-CC-2026-0042")
    response = page.goto(f"{live_server.url}/unit/contracts/{theirs.pk}/")
    assert_chinese_404(page, response)
    content = page.content()
    for secret in ("HT-CC-2026-0042", "长春市人民医院打印机采购合同", "41,400"):
        assert secret not in content
    screenshot(page, "error_404_other_units_contract")

    # The way back works.
    page.get_by_test_id("error-404").get_by_role("link", name="返回我的工作台").click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    assert "/unit/" in page.url

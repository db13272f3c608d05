"""Each demo role logs in through the login form in Chromium and lands on its own Chinese home."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = [
    # (world attribute, path of the home, heading, something only that home shows)
    ("finance_user", "/finance/", "财政部门工作台", "合同公告逾期"),
    ("center_user", "/center/", "采购中心工作台", "2026年第二季度台式计算机批量集中采购"),
    ("unit_user", "/unit/", "预算单位工作台", "正在征集需求的项目"),
    ("supplier_user", "/supplier/", "供应商工作台", "A4黑白激光打印机"),
]


@pytest.mark.parametrize(("who", "path", "heading", "content"), ROLES, ids=[r[0] for r in ROLES])
def test_each_role_logs_in_and_sees_its_home(browser_page, live_server, world, who, path, heading, content):
    page = browser_page
    user = getattr(world, who)
    login(page, live_server, user.username)

    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_test_id("current-user")).to_contain_text(user.memberships.get().organization.name)
    expect(page.get_by_text(content).first).to_be_visible()
    # The vendored stylesheet is applied (no CDN): the header is the portal's blue, not unstyled.
    assert page.evaluate("getComputedStyle(document.querySelector('.portal-header')).backgroundImage") != "none"
    screenshot(page, f"home_{who.removesuffix('_user')}")

    logout(page)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("login-button")).to_be_visible()


def test_a_wrong_password_is_refused_in_chinese(browser_page, live_server, world):
    page = browser_page
    login(page, live_server, world.unit_user.username, password="not-the-password")
    expect(page.get_by_test_id("form-errors")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(f"{live_server.url}/login/")


def test_the_public_landing_and_login_pages(browser_page, live_server, world):
    page = browser_page
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("latest-notices")).to_contain_text("需求征集公告")
    screenshot(page, "landing")
    page.get_by_test_id("login-button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("用户登录")
    screenshot(page, "login")

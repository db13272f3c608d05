"""Accounts in Chromium at 1366 px: the lockout pages.

Source: issue 8 point 7.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCKED = "登录失败次数过多，账户已暂时锁定，请于15分钟后再试"


def test_five_wrong_passwords_show_the_chinese_lockout_page(browser_page, live_server, world):
    page = browser_page
    for _ in range(4):
        login(page, live_server, world.unit_user.username, password="not-the-password")
        expect(page.get_by_test_id("form-errors")).to_contain_text("用户名或密码不正确")

    login(page, live_server, world.unit_user.username, password="not-the-password")

    expect(page.get_by_role("heading", level=1)).to_have_text("登录已暂时锁定")
    expect(page.get_by_test_id("lockout-message")).to_contain_text(LOCKED)
    screenshot(page, "login_locked_out")

    # The right password is refused until the lock ends.
    page.get_by_role("link", name="返回登录页").click()
    login(page, live_server, world.unit_user.username)
    expect(page.get_by_test_id("lockout-message")).to_contain_text(LOCKED)
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_the_admin_login_shows_the_lockout_in_the_admins_own_page(browser_page, live_server, world):
    page = browser_page
    world.center_user.is_staff = True
    world.center_user.save()
    for _ in range(5):
        page.goto(f"{live_server.url}/admin/login/")
        page.locator("#id_username").fill(world.center_user.username)
        page.locator("#id_password").fill("not-the-password")
        page.locator("input[type=submit]").click()
        page.wait_for_load_state("networkidle")

    expect(page.get_by_test_id("lockout-message")).to_contain_text(LOCKED)
    expect(page.locator("#site-name")).to_contain_text("管理后台")
    screenshot(page, "admin_login_locked_out")

"""Accounts in Chromium at 1366 px: the lockout pages, the password change, the demo password's forced change.

Source: issue 8 point 7.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from procurement.services.demo import DEFAULT_DEMO_PASSWORD
from tests.e2e.conftest import PASSWORD, login, logout, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Changchun#Spring-2026"
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

    # The administrator sees the lock among the sign-in records, in Chinese.
    get_user_model().objects.create_superuser("xitong", "xitong@example.gov.cn", PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill("xitong")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(f"{live_server.url}/admin/axes/accessattempt/")
    expect(page.locator("#content h1")).to_contain_text("登录失败记录")
    row = page.locator("#result_list tbody tr").filter(has_text=world.center_user.username)
    expect(row).to_contain_text("已锁定")
    screenshot(page, "admin_access_attempts")


def test_a_user_changes_their_password_from_the_top_bar(browser_page, live_server, world):
    page = browser_page
    login(page, live_server, world.unit_user.username)

    page.get_by_test_id("password-change-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill("12345678")
    page.locator("#id_new_password2").fill("12345678")
    page.get_by_test_id("password-change-submit").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("这个密码太常见了")
    screenshot(page, "password_change_refused")

    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_test_id("password-change-submit").click()

    expect(page).to_have_url(f"{live_server.url}/unit/")
    expect(page.get_by_role("alert").filter(has_text="密码已修改")).to_be_visible()
    screenshot(page, "password_changed")
    logout(page)
    login(page, live_server, world.unit_user.username, password=NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/unit/")


def test_the_demo_password_must_be_changed_before_anything_else(browser_page, live_server, world):
    page = browser_page
    world.unit_user.set_password(DEFAULT_DEMO_PASSWORD)
    world.unit_user.save()

    login(page, live_server, world.unit_user.username, password=DEFAULT_DEMO_PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")
    expect(page.get_by_test_id("demo-password-notice")).to_contain_text("演示账号的公共初始密码")
    screenshot(page, "password_change_demo_password")
    page.get_by_role("link", name="我的合同").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")

    page.locator("#id_old_password").fill(DEFAULT_DEMO_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_test_id("password-change-submit").click()

    # Back where the person was going.
    expect(page).to_have_url(f"{live_server.url}/unit/contracts/")
    expect(page.get_by_role("alert").filter(has_text="密码已修改")).to_be_visible()

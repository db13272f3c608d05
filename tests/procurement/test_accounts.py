"""Accounts: sign-in throttling, changing one's own password, and the demo's shared password.

Source: issue 8 point 7 — "Login throttling with lockout and a Chinese message, for the portal login and
the admin; every user can change their own password from their pages; the demo's shared password is
forced to change on first use outside `make run`'s demo mode."
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement.client_address import client_ip
from procurement.models import ProjectEvent
from procurement.services.demo import DEFAULT_DEMO_PASSWORD
from tests.factories import BudgetUnitFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "Test@12345"
NEW_PASSWORD = "Changchun#Spring-2026"
LOCKED = "登录失败次数过多，账户已暂时锁定，请于15分钟后再试"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clerk():
    return member_of(BudgetUnitFactory(name="长春市第一中学"), username="yizhong")


@pytest.fixture
def operator():
    """An operator of the admin (a superuser: the admin lets them in whatever their organization)."""
    return UserFactory(username="houtai", is_staff=True, is_superuser=True)


def sign_in(client: Client, username: str, password: str, *, path: str = "/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def fail(client: Client, username: str, times: int, *, path: str = "/login/", **extra):
    response = None
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", path=path, **extra)
    return response


def demo_password_clerk():
    return member_of(BudgetUnitFactory(name="吉林省实验中学"), username="unit", password=DEFAULT_DEMO_PASSWORD)


# --- throttling (django-axes) ---------------------------------------------------------------------------

def test_four_failures_still_answer_the_login_form_and_the_fifth_locks_with_a_chinese_message(client, clerk):
    response = fail(client, clerk.username, 4)
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()

    response = fail(client, clerk.username, 1)

    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "连续 5 次输入错误的密码后，将暂停登录 15 分钟" in page
    assert 'href="/login/"' in page  # back to the login page, not a dead end


def test_the_right_password_during_the_lockout_is_refused(client, clerk):
    fail(client, clerk.username, 5)

    response = sign_in(client, clerk.username, PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_lock_ends_after_the_cool_off(client, clerk):
    fail(client, clerk.username, 5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    response = sign_in(client, clerk.username, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("workbench")
    assert signed_in(client)


def test_tries_during_the_lock_do_not_prolong_it_and_the_page_counts_down(client, clerk):
    fail(client, clerk.username, 5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10))

    response = sign_in(client, clerk.username, PASSWORD)

    assert response.status_code == 429
    assert "请于5分钟后再试" in response.content.decode()
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_the_admin_login_locks_too_with_the_chinese_message_on_the_admin_page(client, operator):
    admin_login = reverse("admin:login")
    response = fail(client, operator.username, 5, path=admin_login)

    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "吉林省政府集中采购平台 · 管理后台" in page  # the admin's own page, not the portal's
    assert f'href="{admin_login}"' in page

    response = sign_in(client, operator.username, PASSWORD, path=admin_login)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lock_holds_one_username_at_one_address(client, clerk):
    """A bureau's clerks share one NAT address: one clerk's typos must not lock out the others."""
    colleague = member_of(clerk.memberships.get().organization, username="yizhong2")
    fail(client, clerk.username, 5, REMOTE_ADDR="10.1.1.1")

    assert sign_in(Client(), colleague.username, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 302
    assert sign_in(Client(), clerk.username, PASSWORD, REMOTE_ADDR="10.2.2.2").status_code == 302
    assert sign_in(Client(), clerk.username, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 429


def test_a_successful_sign_in_clears_the_failures(client, clerk):
    fail(client, clerk.username, 4)
    assert sign_in(client, clerk.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))

    response = fail(client, clerk.username, 4)

    assert response.status_code == 200
    assert not AccessAttempt.objects.filter(failures_since_start__gte=5).exists()


def test_a_forged_forwarded_for_header_is_ignored_by_default(client, clerk):
    """Any client can send X-Forwarded-For: a new address per try must not buy new tries."""
    for n in range(5):
        sign_in(client, clerk.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = sign_in(client, clerk.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_declared_proxies_the_address_the_outermost_proxy_saw_counts(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client put 203.0.113.9 in the header itself; the proxy appended the address it saw.
    fail(client, clerk.username, 5, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.20")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}
    through_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert sign_in(Client(), clerk.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20",
                   **through_proxy).status_code == 429
    assert sign_in(Client(), clerk.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.21",
                   **through_proxy).status_code == 302


@pytest.mark.parametrize(("count", "forwarded", "expected"), [
    (0, "198.51.100.20", "10.0.0.2"),
    (1, "", "10.0.0.2"),
    (1, "not-an-address", "10.0.0.2"),
    (1, "203.0.113.9, 198.51.100.20", "198.51.100.20"),
    (2, "203.0.113.9, 198.51.100.20, 10.0.0.1", "198.51.100.20"),
    (2, "198.51.100.20", "10.0.0.2"),
])
def test_client_ip_reads_forwarded_for_only_through_declared_proxies(rf, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_api_token_requests_are_not_throttled_while_the_password_sign_in_is_locked(client, clerk):
    fail(client, clerk.username, 5)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")

    response = api.get(reverse("api-v1:project-list"))

    assert response.status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_the_sign_in_records_appear_in_the_admin_in_chinese(admin_client, client, clerk):
    fail(client, clerk.username, 5)

    index = admin_client.get(reverse("admin:index")).content.decode()
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()

    assert "登录安全" in index and "登录失败记录" in index and "登录日志" in index
    assert "连续失败次数" in changelist and "IP 地址" in changelist and "已锁定" in changelist
    assert "<span>状态</span>" in changelist and "清理已过期的失败记录" in changelist
    assert "Failed Logins" not in changelist and "Access attempts" not in changelist and "Status" not in changelist


# --- changing one's own password ---------------------------------------------------------------------

def test_every_page_of_a_signed_in_user_links_to_the_password_change(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("unit-home")).content.decode()
    assert f'href="{reverse("password-change")}"' in page
    assert "修改密码" in page


def test_a_user_changes_their_password_stays_signed_in_and_the_change_is_audited(client, clerk):
    sign_in(client, clerk.username, PASSWORD)
    page = client.get(reverse("password-change"))
    assert page.status_code == 200
    assert "原密码" in page.content.decode() and "确认新密码" in page.content.decode()

    response = client.post(reverse("password-change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)

    assert response.redirect_chain[0] == (reverse("workbench"), 302)
    assert "密码已修改，下次登录请使用新密码。" in response.content.decode()
    assert signed_in(client)  # the session survived its password change
    assert client.get(reverse("unit-home")).status_code == 200
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    event = ProjectEvent.objects.get(subject_type="user", subject_id=clerk.pk)
    assert (event.action, event.action_label, event.actor) == ("password_change", "修改密码", clerk)
    assert NEW_PASSWORD not in str(event.changes) + event.note


@pytest.mark.parametrize(("old", "new1", "new2", "message"), [
    ("not-my-password", NEW_PASSWORD, NEW_PASSWORD, "原密码不正确，请重新输入。"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的新密码不一致，请重新输入。"),
    (PASSWORD, "Ab1!", "Ab1!", "密码长度太短"),
    (PASSWORD, "password123", "password123", "这个密码太常见了。"),
    (PASSWORD, "8402917365", "8402917365", "密码只包含数字。"),
    (PASSWORD, DEFAULT_DEMO_PASSWORD, DEFAULT_DEMO_PASSWORD, "新密码不能是演示账号的公共初始密码"),
])
def test_a_refused_password_change_says_why_in_chinese_and_changes_nothing(client, clerk, old, new1, new2, message):
    client.force_login(clerk)

    response = client.post(reverse("password-change"), {"old_password": old, "new_password1": new1,
                                                        "new_password2": new2})

    assert response.status_code == 200
    assert message in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert not ProjectEvent.objects.filter(subject_type="user").exists()


def test_the_password_change_page_needs_a_signed_in_user(client):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_password_change_returns_to_a_local_next_only(client, clerk):
    client.force_login(clerk)
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    response = client.post(reverse("password-change"), {**form, "next": "https://evil.example.com/"})
    assert response.url == reverse("workbench")

    form = {"old_password": NEW_PASSWORD, "new_password1": PASSWORD + "9", "new_password2": PASSWORD + "9"}
    response = client.post(reverse("password-change"), {**form, "next": reverse("message-list")})
    assert response.url == reverse("message-list")


def test_the_admin_password_change_is_the_portal_page_and_leads_back_to_the_admin(client, operator):
    client.force_login(operator)

    response = client.get(reverse("admin:password_change"))

    assert response.status_code == 302
    assert response.url == f"{reverse('password-change')}?next=%2Fadmin%2F"


# --- the demo's shared password ----------------------------------------------------------------------

def test_a_sign_in_with_the_demo_password_leads_every_page_to_the_password_change(client):
    demo_password_clerk()

    response = sign_in(client, "unit", DEFAULT_DEMO_PASSWORD, follow=True)

    change = reverse("password-change")
    assert response.redirect_chain[-1] == (f"{change}?next=%2Fworkbench%2F", 302)
    page = response.content.decode()
    assert "您当前使用的是演示账号的公共初始密码" in page
    assert 'data-testid="password-change-form"' in page
    for path in (reverse("unit-home"), reverse("message-list"), reverse("notices:list"), reverse("portal-home")):
        refused = client.get(path)
        assert refused.status_code == 302, path
        assert refused.url.startswith(change), path
    assert client.post(reverse("message-read-all")).url == change
    # htmx loads the page whole instead of swapping it into a fragment.
    htmx = client.get(reverse("unit-home"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith(change)
    # Still free to leave.
    assert client.post(reverse("logout")).status_code == 302


def test_the_session_api_refuses_until_the_demo_password_is_changed(client):
    demo_password_clerk()
    sign_in(client, "unit", DEFAULT_DEMO_PASSWORD)

    refused = client.get(reverse("api-v1:project-list"))

    assert refused.status_code == 403
    assert "演示账号的公共初始密码" in refused.json()["detail"]
    client.post(reverse("password-change"), {"old_password": DEFAULT_DEMO_PASSWORD, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    assert client.get(reverse("api-v1:project-list")).status_code == 200


def test_after_the_change_the_pages_open_and_the_user_returns_where_they_were_going(client):
    demo_password_clerk()
    sign_in(client, "unit", DEFAULT_DEMO_PASSWORD)
    client.get(reverse("message-list"))

    response = client.post(reverse("password-change"), {
        "old_password": DEFAULT_DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "next": reverse("message-list")})

    assert response.url == reverse("message-list")
    assert client.get(reverse("message-list")).status_code == 200
    assert client.get(reverse("unit-home")).status_code == 200


def test_the_admin_sign_in_with_the_demo_password_leads_to_the_password_change(client):
    get_user_model().objects.create_superuser("admin", "admin@example.gov.cn", DEFAULT_DEMO_PASSWORD)

    sign_in(client, "admin", DEFAULT_DEMO_PASSWORD, path=reverse("admin:login"))
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("password-change"))


def test_the_password_set_by_demo_password_env_counts_as_the_demo_password(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo@Changchun-1")
    member_of(BudgetUnitFactory(), username="unit2", password="Demo@Changchun-1")

    sign_in(client, "unit2", "Demo@Changchun-1")

    assert client.get(reverse("unit-home")).url.startswith(reverse("password-change"))


def test_an_own_password_or_a_token_is_not_asked_to_change(client, clerk):
    demo_user = demo_password_clerk()
    sign_in(client, clerk.username, PASSWORD)
    assert client.get(reverse("unit-home")).status_code == 200

    # The demo login signed in through the browser, its token used by another system at the same time.
    Client().post("/login/", {"username": "unit", "password": DEFAULT_DEMO_PASSWORD})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=demo_user).key}")
    assert api.get(reverse("api-v1:project-list")).status_code == 200


def test_in_the_demo_mode_the_demo_password_is_not_forced(client, settings):
    settings.DEMO_PASSWORD_CHANGE_REQUIRED = False
    demo_password_clerk()

    response = sign_in(client, "unit", DEFAULT_DEMO_PASSWORD, follow=True)

    assert response.redirect_chain[-1] == (reverse("unit-home"), 302)
    assert client.get(reverse("api-v1:project-list")).status_code == 200
    assert 'data-testid="demo-password-notice"' not in client.get(reverse("password-change")).content.decode()


@pytest.mark.parametrize(("local_run", "required"), [("1", "False"), ("0", "True")])
def test_only_make_runs_demo_mode_spares_the_demo_password(tmp_path, local_run, required):
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEMO_PASSWORD_CHANGE_REQUIRED)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "procurement.settings", "DEBUG": "0",
             "ALLOW_INSECURE_KEY": "1", "PORTAL_LOCAL_RUN": local_run, "PORTAL_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == required


def _po_entries(path: Path) -> list[tuple[str, str, str]]:
    """(msgid, msgid_plural, msgstr or msgstr[0]) of a .po file, its header left out."""
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if current.get("msgid"):
                entries.append((current["msgid"], current.get("msgid_plural", ""),
                                current.get("msgstr", current.get("msgstr[0]", ""))))
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += line[1:-1]
        else:
            key, _, text = line.partition(" ")
            current[key] = text[1:-1]
    return entries


def test_the_compiled_chinese_catalog_says_what_its_source_says():
    """locale/zh_Hans/LC_MESSAGES/django.mo is compiled from the .po beside it: an edit not compiled fails here."""
    from django.utils import translation

    entries = _po_entries(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 30
    with translation.override("zh-hans"):
        for msgid, plural, msgstr in entries:
            shown = translation.ngettext(msgid, plural, 2) if plural else translation.gettext(msgid)
            assert shown == msgstr, msgid

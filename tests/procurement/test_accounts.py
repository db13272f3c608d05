"""Accounts: sign-in throttling.

Source: issue 8 point 7 — "Login throttling with lockout and a Chinese message, for the portal login and
the admin; every user can change their own password from their pages; the demo's shared password is
forced to change on first use outside `make run`'s demo mode."
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement.client_address import client_ip
from tests.factories import BudgetUnitFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "Test@12345"
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
    assert "Failed Logins" not in changelist and "Access attempts" not in changelist


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

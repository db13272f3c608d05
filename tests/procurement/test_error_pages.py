"""Error pages with DEBUG off (as `make run` and production serve them): Chinese, no technical detail.

Source: issue 7 point 14 — a mistyped URL showed Django's English technical 404 with the URL list,
and errors must never show an exception class name to a user.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from procurement import urls as portal_urls
from tests.factories import BudgetUnitFactory, member_of

pytestmark = pytest.mark.django_db

# What Django's technical pages and default error pages say; none may reach a user.
TECHNICAL = ["Page not found", "Using the URLconf", "urlpatterns", "Traceback", "Server Error", "Bad Request",
             "Forbidden", "CSRF verification failed", "DEBUG = True", "Request Method"]


def refuse_in_chinese(request):
    raise PermissionDenied("您没有维护工作日历的权限，请联系系统管理员载入该年度日历。")


def explode(request):
    raise OSError("磁盘 /srv/secret 不可用")


def refuse(request):
    raise PermissionDenied("internal: view_secret_ledger")


# The portal's own URLs (the error pages link to them) plus two views that fail.
urlpatterns = [path("explode/", explode), path("refuse/", refuse), path("refuse-in-chinese/", refuse_in_chinese),
               path("api/explode/", explode), *portal_urls.urlpatterns]
handler403 = portal_urls.handler403
handler500 = portal_urls.handler500


def assert_plain_chinese(response, *, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert heading in body
    assert 'lang="zh-CN"' in body
    for text in TECHNICAL:
        assert text not in body, text
    return body


def test_debug_is_off_in_the_suite(settings):
    assert settings.DEBUG is False


def test_a_mistyped_url_is_a_chinese_404_without_the_url_list(client):
    body = assert_plain_chinese(client.get("/unit/sub-plan/12/"), status=404, heading="页面不存在")
    assert "admin/" not in body  # no URL patterns listed
    assert "返回首页" in body


def test_a_signed_in_unit_sees_the_404_inside_its_portal(client):
    client.force_login(member_of(BudgetUnitFactory(name="长春市第一中学")))
    body = assert_plain_chinese(client.get("/no-such-page/"), status=404, heading="页面不存在")
    assert "返回我的工作台" in body
    assert "长春市第一中学" in body  # the top bar: the user stays signed in


def test_a_permission_refusal_is_a_chinese_403_that_hides_the_internal_reason(client, settings):
    settings.ROOT_URLCONF = __name__
    body = assert_plain_chinese(client.get("/refuse/"), status=403, heading="无权访问")
    assert "view_secret_ledger" not in body
    assert "您所在的机构无权查看或办理此页面的事项" in body


def test_a_refusal_with_a_chinese_reason_says_it_on_the_403(client, settings):
    settings.ROOT_URLCONF = __name__
    body = assert_plain_chinese(client.get("/refuse-in-chinese/"), status=403, heading="无权访问")
    assert "您没有维护工作日历的权限，请联系系统管理员载入该年度日历。" in body


def test_a_server_error_is_a_chinese_500_without_the_exception(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/explode/")
    body = assert_plain_chinese(response, status=500, heading="系统繁忙，请稍后再试")
    for text in ("OSError", "/srv/secret", "磁盘"):
        assert text not in body


def test_an_api_server_error_answers_json_without_the_exception(settings):
    """Under /api/ the 400, 404 and 500 answers are JSON with a Chinese detail, as every API error (issue 8 point 9)."""
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/api/explode/")
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert response.json() == {"detail": "服务器内部错误，请稍后重试；如仍出错请联系系统管理员"}


def test_an_api_bad_request_answers_json(client):
    response = client.get("/api/v1/regions/", HTTP_HOST="portal.example.invalid")
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"detail": "请求无法处理（请求头或请求内容不合规范）"}


def test_a_bad_request_is_a_chinese_400(client):
    # An unknown Host header is the commonest 400 (a proxy or a bookmark with another name).
    response = client.get("/", HTTP_HOST="portal.example.invalid")
    body = assert_plain_chinese(response, status=400, heading="请求无效")
    assert "portal.example.invalid" not in body
    assert "DisallowedHost" not in body


def test_a_form_without_its_csrf_token_is_a_chinese_403(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "unit", "password": "x"})
    assert_plain_chinese(response, status=403, heading="页面已过期，请刷新后重试")


def test_a_signed_in_user_refused_for_csrf_still_sees_who_is_signed_in():
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_of(BudgetUnitFactory(name="长春市第一中学")))
    response = client.post("/messages/read-all/")
    body = assert_plain_chinese(response, status=403, heading="页面已过期，请刷新后重试")
    assert "长春市第一中学" in body


@pytest.mark.parametrize("name", ["400.html", "403.html", "403_csrf.html", "404.html", "500.html"])
def test_every_error_page_loads_the_portal_stylesheet(name):
    from django.template.loader import get_template

    body = get_template(name).render({})
    assert "css/portal.css" in body
    assert "bootstrap.min.css" in body

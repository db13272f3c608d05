"""Error views that Django lets a project replace. The 400, 404 and 500 pages are Django's own
handlers rendering ``templates/<code>.html``; the 403 and the CSRF refusal are ours.

Under ``/api/`` every one of them answers JSON with a Chinese ``detail``, as the API's own errors do
(``procurement.api.exceptions``): an address that matches no endpoint (a mistyped path, an id that is
not a whole number such as ``/api/v1/projects/0.5/``) never hands an API client the portal's HTML page.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

CHINESE = re.compile(r"[\u4e00-\u9fff]")
API_PREFIX = "/api/"
API_NOT_FOUND = "接口地址不存在：{path}（请核对路径；路径中的内部编号只能是数字）"
API_BAD_REQUEST = "请求无法处理（请求头或请求内容不合规范）"
API_SERVER_ERROR = "服务器内部错误，请稍后重试；如仍出错请联系系统管理员"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(API_BAD_REQUEST, 400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(API_NOT_FOUND.format(path=request.path), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_error(API_SERVER_ERROR, 500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old tab, cookies blocked): 403 in Chinese.

    Django's own view renders the template without the request, so a signed-in user would see
    「登录」 in the top bar and think the session had ended; ``reason`` is English and stays in the log.
    """
    return render(request, "403_csrf.html", status=403)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: the reason when the code gave one in Chinese (「您没有维护工作日历的权限……」), else the
    general sentence; an English or internal message is never shown."""
    reason = str(exception or "")
    return render(request, "403.html", {"reason": reason if CHINESE.search(reason) else ""}, status=403)

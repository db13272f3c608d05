"""Error views that Django lets a project replace. The 400, 404 and 500 pages are Django's own
handlers rendering ``templates/<code>.html``; the 403 and the CSRF refusal are ours."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CHINESE = re.compile(r"[\u4e00-\u9fff]")


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

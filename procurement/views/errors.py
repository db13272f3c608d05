"""Error views that Django lets a project replace. The 400, 403, 404 and 500 pages are Django's own
handlers rendering ``templates/<code>.html``; only the CSRF refusal needs a view of ours."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old tab, cookies blocked): 403 in Chinese.

    Django's own view renders the template without the request, so a signed-in user would see
    「登录」 in the top bar and think the session had ended; ``reason`` is English and stays in the log.
    """
    return render(request, "403_csrf.html", status=403)

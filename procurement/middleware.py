"""Middleware of the portal's own."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework.views import APIView

from procurement.services.accounts import demo_password_change_pending

# Where a session still on the demo's shared password may go: the change itself, and away.
OPEN_DURING_DEMO_PASSWORD_CHANGE = frozenset({"password-change", "logout", "login", "admin:logout"})


class DemoPasswordChangeMiddleware:
    """Until the demo's shared password is replaced, every page leads to the password change page.

    The API answers for itself: its session authentication refuses such a session with a Chinese
    ``detail`` (``procurement.api.authentication.SessionAuthentication``), and token requests, which
    no password signed in, are not concerned.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not demo_password_change_pending(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_DURING_DEMO_PASSWORD_CHANGE:
            return None
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        target = reverse("password-change")
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # htmx would swap the password page into a fragment of the current one: it loads it whole instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

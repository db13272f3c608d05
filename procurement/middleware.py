"""Middleware of the portal's own: the demo password's forced change, and response headers (the
Content-Security-Policy through django-csp, with one exception, and Permissions-Policy)."""

from __future__ import annotations

from urllib.parse import urlencode

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework.renderers import BrowsableAPIRenderer
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


class PortalCSPMiddleware(CSPMiddleware):
    """settings.CONTENT_SECURITY_POLICY on every response, but inline *styles* on DRF's browsable API.

    The browsable API (an API address opened in a browser) is Django REST framework's own page: its templates
    carry style="…" attributes (the filter button, the search box, nested fieldsets) and a <style> element of
    highlighting rules, and overriding them means copying DRF's base template. Its scripts are files, so
    script-src stays 'self'; only its styles are let through, on its responses alone. The portal's pages, the
    admin and the API documentation page keep the whole policy.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            parts.replace = {**(parts.replace or {}), "style-src": [SELF, UNSAFE_INLINE]}
        return parts


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) to every response that has none.

    Django 5.2 sets Referrer-Policy, X-Content-Type-Options and Cross-Origin-Opener-Policy itself, but
    has no setting for this header; the portal never asks for a camera, a location or a payment, so a
    page (or anything injected into one) is refused them outright.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response

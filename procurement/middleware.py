"""Response headers: the Content-Security-Policy (django-csp, with one exception) and Permissions-Policy."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from rest_framework.renderers import BrowsableAPIRenderer


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

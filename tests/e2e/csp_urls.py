"""The portal's URLconf plus two addresses that fail on purpose, for tests/e2e/test_csp.py: Django answers
them with the portal's 400 and 500 pages, which have no other address a browser could open."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from procurement.urls import handler403
from procurement.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler403", "urlpatterns"]


def bad_request(request):
    raise SuspiciousOperation("test_csp: the 400 page")


def server_error(request):
    raise RuntimeError("test_csp: the 500 page")


urlpatterns = [
    path("csp-test/400/", bad_request),
    path("csp-test/500/", server_error),
    *portal_urlpatterns,
]

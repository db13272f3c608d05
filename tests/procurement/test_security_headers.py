"""Every response carries the portal's Content-Security-Policy and the other security headers (issue 8 point 8).

Source: issue 8 point 8 ("A Content-Security-Policy that the portal's own pages satisfy"); the policy is
settings.CONTENT_SECURITY_POLICY, applied by procurement.middleware.PortalCSPMiddleware (django-csp). The pages
themselves are checked in Chromium by tests/e2e/test_csp.py.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import BudgetUnitFactory, member_of

PORTAL_POLICY = {
    "default-src": {"'self'"}, "script-src": {"'self'"}, "style-src": {"'self'"}, "img-src": {"'self'", "data:"},
    "font-src": {"'self'"}, "connect-src": {"'self'"}, "frame-ancestors": {"'none'"}, "form-action": {"'self'"},
    "base-uri": {"'self'"}, "object-src": {"'none'"},
}


def policy_of(response) -> dict[str, set[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def test_the_policy_is_the_one_the_issue_asks_for():
    configured = {name: set(sources) for name, sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()}
    assert configured == PORTAL_POLICY


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/", "/notices/", "/no-such-page/", "/api/docs/"])
def test_pages_carry_the_whole_policy_and_the_other_headers(client, path):
    response = client.get(path)
    assert policy_of(response) == PORTAL_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"] == settings.PERMISSIONS_POLICY
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_api_docs_script_is_a_file_under_the_policy(client):
    """drf-spectacular's split view: the page loads its start-up script from ?script instead of inline."""
    page = client.get(reverse("api-docs")).content.decode()
    assert f'<script src="{reverse("api-docs")}?script=">' in page
    script = client.get(reverse("api-docs") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


@pytest.mark.django_db
def test_only_the_browsable_api_may_use_inline_styles(client):
    """DRF's own HTML page keeps script-src 'self'; its JSON and every portal page keep the whole policy."""
    user = member_of(BudgetUnitFactory(), username="api-reader")
    client.force_login(user)
    browsable = client.get("/api/v1/", HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert policy_of(browsable) == PORTAL_POLICY | {"style-src": {"'self'", "'unsafe-inline'"}}
    as_json = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert policy_of(as_json) == PORTAL_POLICY
    assert policy_of(client.get(reverse("unit-home"))) == PORTAL_POLICY

"""Admin pages name the portal's icon, so the browser does not ask for /favicon.ico (a 404 in its console)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["admin:index", "admin:procurement_project_changelist", "admin:login"])
def test_every_admin_page_links_the_portal_icon(client, name):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse(name), follow=True).content.decode()
    assert 'rel="icon"' in page and "img/favicon" in page
    assert "吉林省" in page  # the portal's own admin header is kept

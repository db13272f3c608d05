"""Sealed responses (Order 110; seed 000 三(二)(3)): before the response deadline nobody but the responding
supplier reads a price, through any door (the center's page, finance, the admin changelist and change page, the
API), a superuser included; after it the center reads them. Another supplier's response is 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from framework.models import SolicitationResponse
from framework.selectors import solicitation as selectors
from tests.framework import solicitation_data as data

PRICE = "4321.99"
SHOWN = ("4321.99", "4,321.99", "4321")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sealed(world):
    plan = data.filed_plan(world)
    project = data.published(plan)
    lot = project.lots.get()
    [response] = data.responses(lot, [PRICE])
    return project, lot, response


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root_solicit", "root@example.gov.cn", "x")


def _no_price(content: bytes) -> None:
    text = content.decode()
    for shown in SHOWN:
        assert shown not in text


def test_order110_sealed_selectors_omit_price(world, sealed):
    project, _, response = sealed
    for user in (world.user(world.center), world.user(world.finance)):
        rows = selectors.response_rows(user, project)
        assert rows and all(row.price_yuan is None and row.sealed for row in rows)
        assert selectors.response_row(response, user=user).price_yuan is None
    assert selectors.response_row(response, user=world.user(response.supplier)).price_yuan is not None
    assert [c.submitted for c in selectors.lot_counts(project)] == [1]


def test_order110_sealed_center_page_counts_without_price(world, sealed):
    project, lot, _ = sealed
    page = world.client_for(world.center).get(reverse("framework:solicitation-detail", args=[project.pk]))
    assert page.status_code == 200
    assert "密封" in page.content.decode()
    _no_price(page.content)
    ranking = world.client_for(world.center).get(reverse("framework:solicitation-shortlist", args=[lot.pk]))
    assert ranking.status_code == 200
    _no_price(ranking.content)


def test_order110_sealed_finance_page(world, sealed):
    project, _, _ = sealed
    page = world.client_for(world.finance).get(reverse("framework:solicitation-detail", args=[project.pk]))
    assert page.status_code == 200
    _no_price(page.content)


def test_order110_sealed_superuser_page_and_api(sealed, superuser, client):
    project, lot, _ = sealed
    client.force_login(superuser)
    _no_price(client.get(reverse("framework:solicitation-detail", args=[project.pk])).content)
    _no_price(client.get(reverse("framework:solicitation-shortlist", args=[lot.pk])).content)
    from rest_framework.test import APIClient
    api = APIClient()
    api.force_authenticate(superuser)
    answer = api.get(f"/api/v1/framework/solicitations/{project.pk}/")
    assert answer.status_code == 200 and answer.json()["sealed"] is True and answer.json()["responses"] == []
    _no_price(answer.content)
    # The supplier endpoint answers only the caller's own responses: a superuser's are none.
    assert api.get("/api/v1/framework/responses/").json()["count"] == 0


def test_order110_sealed_admin_changelist_and_change_page(sealed, superuser, client):
    _, _, response = sealed
    client.force_login(superuser)
    changelist = client.get(reverse("admin:framework_solicitationresponse_changelist"))
    assert changelist.status_code == 200 and "截止前密封" in changelist.content.decode()
    _no_price(changelist.content)
    change = client.get(reverse("admin:framework_solicitationresponse_change", args=[response.pk]))
    assert change.status_code == 200 and "截止前密封" in change.content.decode()
    _no_price(change.content)
    # Not sortable by price either (?o= on the price column is ignored).
    _no_price(client.get(reverse("admin:framework_solicitationresponse_changelist") + "?o=4").content)


def test_order110_sealed_api_for_center_and_finance(world, sealed):
    project, _, _ = sealed
    for org in (world.center, world.finance):
        answer = world.api_for(org).get(f"/api/v1/framework/solicitations/{project.pk}/")
        assert answer.status_code == 200
        body = answer.json()
        assert body["sealed"] is True and body["responses"] == [] and body["lots"][0]["submitted"] == 1
        _no_price(answer.content)


def test_order110_unsealed_after_deadline(world, sealed, superuser, client):
    project, _, response = sealed
    data.close(project)
    page = world.client_for(world.center).get(reverse("framework:solicitation-detail", args=[project.pk]))
    assert "4,321.99" in page.content.decode()
    answer = world.api_for(world.center).get(f"/api/v1/framework/solicitations/{project.pk}/")
    assert answer.json()["responses"][0]["price_yuan"] == PRICE
    client.force_login(superuser)
    change = client.get(reverse("admin:framework_solicitationresponse_change", args=[response.pk]))
    assert "4,321.99" in change.content.decode()


def test_supplier_reads_own_price_before_deadline(world, sealed):
    _, lot, response = sealed
    supplier = response.supplier
    page = world.client_for(supplier).get(reverse("framework:solicitation-respond", args=[lot.pk]))
    assert page.status_code == 200 and PRICE in page.content.decode()
    answer = world.api_for(supplier).get(f"/api/v1/framework/responses/{response.pk}/")
    assert answer.status_code == 200 and answer.json()["price_yuan"] == PRICE


def test_another_supplier_cannot_see_or_edit_a_response(world, sealed):
    """Another organization's response: 404 (the API), its own blank form (the page), never the price."""
    project, lot, response = sealed
    other = world.large_supplier
    assert world.api_for(other).get(f"/api/v1/framework/responses/{response.pk}/").status_code == 404
    assert world.api_for(other).post(f"/api/v1/framework/responses/{response.pk}/withdraw/").status_code == 404
    page = world.client_for(other).get(reverse("framework:solicitation-respond", args=[lot.pk]))
    _no_price(page.content)
    # Its own response to the lot is a separate row; the first supplier's is untouched.
    world.client_for(other).post(reverse("framework:solicitation-respond", args=[lot.pk]),
                                 {"action": "withdraw"})
    response.refresh_from_db()
    assert response.status == SolicitationResponse.Status.SUBMITTED
    # A supplier does not reach the center's pages or API.
    assert world.client_for(other).get(reverse("framework:solicitation-detail", args=[project.pk])).status_code == 403
    assert world.api_for(other).get(f"/api/v1/framework/solicitations/{project.pk}/").status_code == 403


def test_another_center_cannot_see_the_solicitation(world, sealed):
    project, _, _ = sealed
    assert world.client_for(world.city_center).get(
        reverse("framework:solicitation-detail", args=[project.pk])).status_code == 404
    assert world.api_for(world.city_center).get(f"/api/v1/framework/solicitations/{project.pk}/").status_code == 404


def test_deadline_moment_unseals(world, sealed):
    project, _, response = sealed
    at = project.response_deadline
    assert selectors.response_row(response, user=world.user(world.center), now=at - timedelta(seconds=1)).sealed
    assert not selectors.response_row(response, user=world.user(world.center), now=at).sealed
    assert timezone.now() < at

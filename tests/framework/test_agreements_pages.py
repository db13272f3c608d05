"""The agreements stage's pages and API: the center's and the supplier's pages, each write through the service,
and another supplier's agreement or listing is not found (404) on the page and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from framework.models import Agreement, ProductListing
from framework.services import agreements as services
from procurement import deadlines
from tests.framework.agreements_data import PRICE, agreement_of, framework_with_agreements, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


@pytest.fixture
def project(world):
    return framework_with_agreements(world)


def test_the_center_signs_on_the_page_and_sees_the_due_days(world, project):
    agreement = agreement_of(project, world.supplier)
    client = world.client_for(world.center)
    assert world.supplier.name in client.get(reverse("framework:agreement-list")).content.decode()
    page = client.get(reverse("framework:agreement-detail", args=[agreement.pk])).content.decode()
    assert 'data-testid="sign-form"' in page and 'data-testid="removal-form"' in page
    response = client.post(reverse("framework:agreement-sign", args=[agreement.pk]),
                           {"signed_on": deadlines.today().isoformat(), "signed_file": pdf()})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SIGNED
    client.post(reverse("framework:agreement-publish", args=[agreement.pk]))
    client.post(reverse("framework:agreement-file", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.published_on and agreement.filed_on


def test_a_refused_signing_on_the_page_says_why_and_changes_nothing(world, project):
    agreement = agreement_of(project, world.supplier)
    client = world.client_for(world.center)
    response = client.post(reverse("framework:agreement-sign", args=[agreement.pk]),
                           {"signed_on": "2000-01-01", "signed_file": pdf()}, follow=True)
    assert "不能早于入围通知书发出日期" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SHORTLISTED


def test_the_supplier_lists_the_center_reviews_and_the_execution_page_opens(world, project):
    agreement = services.agreement_sign(agreement=agreement_of(project, world.supplier), signed_on=deadlines.today(),
                                        signed_file=pdf(), actor=world.user(world.center))
    supplier = world.client_for(world.supplier)
    assert agreement.code in supplier.get(reverse("framework:my-agreements")).content.decode()
    page = supplier.get(reverse("framework:agreement-detail", args=[agreement.pk])).content.decode()
    assert 'data-testid="listing-form"' in page
    supplier.post(reverse("framework:listing-create", args=[agreement.pk]),
                  {"name": "台式计算机", "brand": "联想", "model_number": "M720", "unit_price_yuan": "4500"})
    listing = ProductListing.objects.get()
    center = world.client_for(world.center)
    assert "M720" in center.get(reverse("framework:listing-review-list")).content.decode()
    center.post(reverse("framework:listing-approve", args=[listing.pk]))
    listing.refresh_from_db()
    assert listing.status == ProductListing.Status.APPROVED
    execution = reverse("framework:execution", args=[project.pk])
    response = center.post(execution, {"scope": "全省预算单位", "procedure": "直接选定",
                                       "executing_from": deadlines.today().isoformat()})
    assert response.status_code == 302
    assert 'data-testid="execution-issued"' in center.get(execution).content.decode()
    assert "M720" in supplier.get(reverse("framework:listing-list")).content.decode()


def test_another_suppliers_agreement_and_listing_are_not_found(world, project):
    """Another organization's object: 404, on the page and in the API."""
    agreement = services.agreement_sign(agreement=agreement_of(project, world.supplier), signed_on=deadlines.today(),
                                        signed_file=pdf(), actor=world.user(world.center))
    listing = services.listing_create(agreement=agreement, name="台式计算机", brand="联想", model_number="M720",
                                      unit_price_yuan=PRICE, actor=world.user(world.supplier))
    other = world.client_for(world.large_supplier)
    assert other.get(reverse("framework:agreement-detail", args=[agreement.pk])).status_code == 404
    assert other.post(reverse("framework:listing-create", args=[agreement.pk]), {}).status_code == 404
    assert other.post(reverse("framework:listing-delist", args=[listing.pk])).status_code == 404
    services.agreement_sign(agreement=agreement_of(project, world.large_supplier), signed_on=deadlines.today(),
                            signed_file=pdf(), actor=world.user(world.center))
    api = world.api_for(world.large_supplier)
    assert api.get(f"/api/v1/framework/agreements/{agreement.pk}/").status_code == 404
    assert api.get(f"/api/v1/framework/listings/{listing.pk}/").status_code == 404
    assert api.post("/api/v1/framework/listings/", {"agreement": agreement.pk, "name": "x", "brand": "y",
                                                    "model_number": "z", "unit_price_yuan": "1"},
                    format="json").status_code == 404
    assert [row["id"] for row in api.get("/api/v1/framework/agreements/").json()["results"]] == [
        agreement_of(project, world.large_supplier).pk]
    # a supplier cannot reach the center's pages or actions
    assert other.get(reverse("framework:agreement-list")).status_code == 403
    assert api.post(f"/api/v1/framework/agreements/{agreement.pk}/publish/").status_code == 403


def test_the_api_signs_lists_approves_and_removes(world, project):
    center = world.api_for(world.center)
    agreement = agreement_of(project, world.supplier)
    response = center.post(f"/api/v1/framework/agreements/{agreement.pk}/sign/",
                           {"signed_on": deadlines.today().isoformat(), "signed_file": pdf()}, format="multipart")
    assert response.status_code == 200 and response.json()["status"] == "signed"
    refused = world.api_for(world.supplier).post("/api/v1/framework/listings/", {
        "agreement": agreement.pk, "name": "台式计算机", "brand": "联想", "model_number": "M720",
        "unit_price_yuan": "4600"}, format="json")
    assert refused.status_code == 400 and "4,500.00元" in refused.json()["detail"]
    made = world.api_for(world.supplier).post("/api/v1/framework/listings/", {
        "agreement": agreement.pk, "name": "台式计算机", "brand": "联想", "model_number": "M720",
        "unit_price_yuan": "4500"}, format="json")
    assert made.status_code == 201
    assert center.post(f"/api/v1/framework/listings/{made.json()['id']}/approve/").status_code == 200
    removed = center.post(f"/api/v1/framework/agreements/{agreement.pk}/remove/",
                          {"ground": "collusion", "evidence": "串通"}, format="json")
    assert removed.status_code == 201 and removed.json()["effect"] == "terminated"
    assert ProductListing.objects.get().status == ProductListing.Status.DELISTED
    issued = center.post(f"/api/v1/framework/executions/{project.pk}/issue/", {
        "scope": "x", "procedure": "y", "executing_from": deadlines.today().isoformat()}, format="json")
    assert issued.status_code == 409

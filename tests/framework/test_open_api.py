"""The open-agreement and summary API (/api/v1/framework/join-requests/, open-agreements/, summaries/): the same steps
and rights as the pages of ``framework.views.open_agreements``. Sources: MoF Order No. 110 (open agreements: join at
any time by accepting the published terms and price, reviewed within the declared period, leave at any time; the
成交结果汇总公告 after the agreement ends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from framework.models import Agreement, FrameworkDetails, JoinRequest
from framework.services import expiry
from procurement import deadlines
from tests.framework.open_data import join, joined, lot_of, open_project, supplier_with_user
from tests.framework.solicitation_data import pdf

pytestmark = pytest.mark.django_db
JOINS = "/api/v1/framework/join-requests/"
OPEN = "/api/v1/framework/open-agreements/"
SUMMARIES = "/api/v1/framework/summaries/"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_order110_open_supplier_asks_to_join_over_the_api_and_the_center_approves(world):
    """A supplier accepts the published terms and price with its qualification PDF; the center approves within the
    declared period and the agreement is signed at the lot's published price."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    response = api(user).post(JOINS, {"lot": lot.pk, "accepts_terms": "true", "qualification_file": pdf()},
                              format="multipart")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["supplier"]["id"], created["lot"]) == ("pending", supplier.pk, lot.pk)
    assert created["review_due"] == JoinRequest.objects.get(pk=created["id"]).review_due.isoformat()

    center = api(world.user(world.center))
    assert [row["id"] for row in center.get(JOINS).json()["results"]] == [created["id"]]
    response = center.post(f"{JOINS}{created['id']}/approve/", {}, format="json")
    assert response.status_code == 200, response.content
    agreement = Agreement.objects.get(pk=response.json()["agreement"])
    assert (agreement.supplier_id, agreement.status, agreement.price_yuan) == (
        supplier.pk, Agreement.Status.SIGNED, lot.max_unit_price_yuan)


def test_order110_open_join_without_accepting_the_terms_is_refused_in_chinese_and_saves_nothing(world):
    lot = lot_of(open_project(world))
    _, user = supplier_with_user()
    response = api(user).post(JOINS, {"lot": lot.pk, "qualification_file": pdf()}, format="multipart")
    assert response.status_code == 400
    assert "接受" in str(response.json())
    assert not JoinRequest.objects.exists()


def test_order110_open_join_rejects_a_file_that_is_not_a_pdf(world):
    lot = lot_of(open_project(world))
    _, user = supplier_with_user()
    fake = SimpleUploadedFile("资格.pdf", b"not a pdf at all", content_type="application/pdf")
    response = api(user).post(JOINS, {"lot": lot.pk, "accepts_terms": "true", "qualification_file": fake},
                              format="multipart")
    assert response.status_code == 400
    assert not JoinRequest.objects.exists()


def test_annex8_note1_a_closed_lot_is_not_found_for_a_join_request(world):
    lot = lot_of(open_project(world, agreement_type="closed"))
    _, user = supplier_with_user()
    response = api(user).post(JOINS, {"lot": lot.pk, "accepts_terms": "true", "qualification_file": pdf()},
                              format="multipart")
    assert response.status_code == 404
    assert "开放式" in response.json()["detail"]


def test_order110_open_review_is_the_organizing_centers_only(world):
    """Another supplier does not see the request (404); the requesting supplier cannot approve its own (403)."""
    lot = lot_of(open_project(world))
    supplier, user = supplier_with_user()
    request = join(world, lot, supplier, user)
    _, stranger = supplier_with_user("另一供应商")
    assert api(stranger).get(f"{JOINS}{request.pk}/").status_code == 404
    assert api(user).get(f"{JOINS}{request.pk}/").status_code == 200
    assert api(user).post(f"{JOINS}{request.pk}/approve/", {}, format="json").status_code == 403
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.PENDING


def test_order110_open_rejection_over_the_api_needs_its_reason(world):
    lot = lot_of(open_project(world))
    supplier, user = supplier_with_user()
    request = join(world, lot, supplier, user)
    center = api(world.user(world.center))
    response = center.post(f"{JOINS}{request.pk}/reject/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "理由" in str(response.json())
    response = center.post(f"{JOINS}{request.pk}/reject/", {"reason": "资格证明文件不全"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["review_note"]) == ("rejected", "资格证明文件不全")


def test_order110_open_supplier_leaves_over_the_api(world):
    lot = lot_of(open_project(world))
    supplier, user = supplier_with_user()
    agreement = joined(world, lot, supplier, user)
    client = api(user)
    assert [row["id"] for row in client.get(OPEN).json()["results"]] == [agreement.pk]
    response = client.post(f"{OPEN}{agreement.pk}/leave/", {"reason": "停产"}, format="json")
    assert response.status_code == 200, response.content
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.LEFT
    _, stranger = supplier_with_user("另一供应商")
    assert api(stranger).post(f"{OPEN}{agreement.pk}/leave/", {}, format="json").status_code == 404


def test_order110_summary_notice_over_the_api_only_after_the_agreement_ends(world):
    """The summary lists each lot; publishing it before the end is refused (409 or 400) and after it succeeds."""
    today = deadlines.today()
    project = open_project(world, valid_from=today - timedelta(days=300), valid_until=today - timedelta(days=1))
    center = api(world.user(world.center))
    listed = center.get(f"{SUMMARIES}{project.pk}/")
    assert listed.status_code == 200
    assert [lot["count"] for lot in listed.json()["lots"]] == [0]
    refused = center.post(f"{SUMMARIES}{project.pk}/publish/", {}, format="json")
    assert refused.status_code in (400, 409) and refused.json()["detail"]
    assert FrameworkDetails.objects.get(project=project).summary_notice_id is None

    expiry.project_expire(project=project, now=deadlines.start_of_day(today))
    response = center.post(f"{SUMMARIES}{project.pk}/publish/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["summary_notice"] == FrameworkDetails.objects.get(project=project).summary_notice_id
    _, supplier_user = supplier_with_user()
    assert api(supplier_user).get(f"{SUMMARIES}{project.pk}/").status_code == 403

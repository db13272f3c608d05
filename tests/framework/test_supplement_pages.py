"""补充征集 (annex 8 §十一) through the pages and the API: the center opens, evaluates and shortlists; suppliers
respond; sealed until the supplement's deadline through every door (the center's page, the API, the admin), a
superuser included, as the first solicitation (tests/framework/test_solicitation_sealing.py); another supplier's
response 404; a budget unit 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from framework.models import Agreement, SolicitationResponse, Supplement
from tests.framework import supplement_data as data
from tests.framework.solicitation_data import pdf

PRICE = "4321.99"
SHOWN = ("4321.99", "4,321.99", "4321")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root_supplement", "root@example.gov.cn", "x")


@pytest.fixture
def sealed(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    [response] = data.answered(supplement, [PRICE], qualified=None)
    return run, supplement, response


def _no_price(content: bytes) -> None:
    text = content.decode()
    for shown in SHOWN:
        assert shown not in text


# --- opening through the pages and the API --------------------------------------------------------------------

def test_annex8_s11_center_list_shows_the_rule_and_opens(world):
    run = data.ten_shortlisted(world, removed=4)
    center = world.client_for(world.center)
    listing = center.get(reverse("framework:supplement-center-list"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "不足70%，可补充征集" in text and reverse("framework:supplement-new", args=[run.lot.pk]) in text
    form = center.get(reverse("framework:supplement-new", args=[run.lot.pk]))
    assert "原入围10家，剩余6家" in form.content.decode()
    deadline = timezone.localtime(data.deadline()).strftime("%Y-%m-%dT%H:%M")
    refused = center.post(reverse("framework:supplement-new", args=[run.lot.pk]),
                          {"reason": "", "response_deadline": deadline})
    assert refused.status_code == 200 and not Supplement.objects.exists()
    done = center.post(reverse("framework:supplement-new", args=[run.lot.pk]),
                       {"reason": data.REASON, "response_deadline": deadline})
    supplement = Supplement.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("framework:supplement-detail",
                                                                   args=[supplement.pk])


def test_annex8_s11_seven_remaining_page_offers_nothing(world):
    run = data.ten_shortlisted(world, removed=3)
    center = world.client_for(world.center)
    assert "不少于70%，不得补充征集" in center.get(reverse("framework:supplement-center-list")).content.decode()
    page = center.get(reverse("framework:supplement-new", args=[run.lot.pk]))
    assert "原入围供应商10家，剩余7家，不少于入围供应商总数的70%" in page.content.decode()


def test_annex8_s11_api_start_refused_then_allowed(world):
    run = data.ten_shortlisted(world, removed=3)
    api = world.api_for(world.center)
    body = {"lot": run.lot.pk, "reason": data.REASON, "response_deadline": data.deadline().isoformat()}
    refused = api.post("/api/v1/framework/supplements/start/", body, format="json")
    assert refused.status_code in (400, 409) and "70%" in refused.json()["detail"]
    from framework.services.agreements import agreement_remove
    agreement_remove(agreement=run.agreements[6], ground="non_performance", evidence="不履行",
                     actor=world.user(world.center))
    answer = api.post("/api/v1/framework/supplements/start/", body, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["shortlisted_count"] == 10 and answer.json()["remaining_count"] == 6


def test_budget_unit_refused_403_other_center_404(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    unit = world.client_for(world.prefecture_unit)
    assert unit.get(reverse("framework:supplement-center-list")).status_code == 403
    assert unit.get(reverse("framework:supplement-detail", args=[supplement.pk])).status_code == 403
    assert unit.get(reverse("framework:supplement-supplier-list")).status_code == 403
    assert world.api_for(world.prefecture_unit).get("/api/v1/framework/supplements/").status_code == 403
    assert world.api_for(world.prefecture_unit).get("/api/v1/framework/supplement-responses/").status_code == 403
    other = world.client_for(world.city_center)
    assert other.get(reverse("framework:supplement-detail", args=[supplement.pk])).status_code == 404
    assert other.get(reverse("framework:supplement-new", args=[run.lot.pk])).status_code == 404
    assert world.api_for(world.city_center).get(f"/api/v1/framework/supplements/{supplement.pk}/").status_code == 404


# --- responses through the pages and the API --------------------------------------------------------------------

def test_supplier_sees_open_supplements_and_responds(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    supplier = world.client_for(world.supplier)
    listing = supplier.get(reverse("framework:supplement-supplier-list"))
    assert listing.status_code == 200
    assert reverse("framework:supplement-respond", args=[supplement.pk]) in listing.content.decode()
    answer = supplier.post(reverse("framework:supplement-respond", args=[supplement.pk]),
                           {"action": "submit", "price_yuan": "1500", "sme_size": "small",
                            "qualification_file": pdf()})
    assert answer.status_code == 302
    response = SolicitationResponse.objects.get(supplement=supplement)
    assert response.supplier == world.supplier and response.status == SolicitationResponse.Status.SUBMITTED
    api = world.api_for(world.supplier)
    assert [row["id"] for row in api.get("/api/v1/framework/open-supplements/").json()["results"]] == [supplement.pk]
    assert api.get("/api/v1/framework/supplement-responses/").json()["count"] == 1


def test_api_respond_above_max_price_refused(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    answer = world.api_for(world.supplier).post(
        "/api/v1/framework/supplement-responses/respond/",
        {"supplement": supplement.pk, "price_yuan": "5000.01", "sme_size": "small"}, format="json")
    assert answer.status_code == 400 and "最高限制单价" in answer.json()["detail"]
    assert not SolicitationResponse.objects.exists()


def test_order110_art19_removed_supplier_page_and_api_refused(world):
    run = data.ten_shortlisted(world, removed=4)
    supplement = data.opened(world, run)
    removed = run.suppliers[-1]
    page = world.client_for(removed).get(reverse("framework:supplement-respond", args=[supplement.pk]))
    assert "被清退" in page.content.decode()
    answer = world.api_for(removed).post(
        "/api/v1/framework/supplement-responses/respond/",
        {"supplement": supplement.pk, "price_yuan": "1500", "sme_size": "small"}, format="json")
    assert answer.status_code == 400 and "不得再次入围" in answer.json()["detail"]


def test_another_suppliers_response_404(world, sealed):
    _, supplement, response = sealed
    other = world.api_for(world.large_supplier)
    assert other.get(f"/api/v1/framework/supplement-responses/{response.pk}/").status_code == 404
    assert other.post(f"/api/v1/framework/supplement-responses/{response.pk}/withdraw/").status_code == 404
    response.refresh_from_db()
    assert response.status == SolicitationResponse.Status.SUBMITTED
    _no_price(world.client_for(world.large_supplier).get(
        reverse("framework:supplement-respond", args=[supplement.pk])).content)
    own = world.api_for(response.supplier).get(f"/api/v1/framework/supplement-responses/{response.pk}/")
    assert own.status_code == 200 and own.json()["price_yuan"] == PRICE


# --- sealed until the supplement's deadline ---------------------------------------------------------------------

def test_annex8_s11_sealed_center_page_and_api(world, sealed):
    _, supplement, _ = sealed
    page = world.client_for(world.center).get(reverse("framework:supplement-detail", args=[supplement.pk]))
    assert page.status_code == 200 and "密封" in page.content.decode() and "已提交响应1份" in page.content.decode()
    _no_price(page.content)
    answer = world.api_for(world.center).get(f"/api/v1/framework/supplements/{supplement.pk}/")
    assert answer.status_code == 200
    assert answer.json()["sealed"] is True and answer.json()["responses"] == [] and answer.json()["submitted"] == 1
    _no_price(answer.content)


def test_annex8_s11_sealed_superuser_page_api_and_admin(sealed, superuser, client):
    _, supplement, response = sealed
    client.force_login(superuser)
    _no_price(client.get(reverse("framework:supplement-detail", args=[supplement.pk])).content)
    api = APIClient()
    api.force_authenticate(superuser)
    answer = api.get(f"/api/v1/framework/supplements/{supplement.pk}/")
    assert answer.status_code == 200 and answer.json()["responses"] == []
    _no_price(answer.content)
    # The first solicitation's deadline is long past; the supplement's is not: the admin still seals.
    changelist = client.get(reverse("admin:framework_solicitationresponse_changelist"))
    assert changelist.status_code == 200 and "截止前密封" in changelist.content.decode()
    _no_price(changelist.content)
    change = client.get(reverse("admin:framework_solicitationresponse_change", args=[response.pk]))
    assert change.status_code == 200 and "截止前密封" in change.content.decode()
    _no_price(change.content)


def test_annex8_s11_unsealed_evaluate_and_shortlist_through_the_page(world, sealed, superuser, client):
    run, supplement, first = sealed
    others = data.answered(supplement, ["1200", "1300", "1400", "1500"], qualified=None, prefix="页面补充")
    data.past_deadline(supplement)
    center = world.client_for(world.center)
    url = reverse("framework:supplement-detail", args=[supplement.pk])
    assert "4,321.99" in center.get(url).content.decode()
    client.force_login(superuser)
    assert "4,321.99" in client.get(reverse("admin:framework_solicitationresponse_change",
                                            args=[first.pk])).content.decode()
    for response in [first, *others]:
        center.post(url, {"action": "evaluate", "response": response.pk, "qualified": "1"})
    page = center.get(url).content.decode()
    assert "合格供应商5家，淘汰率20%，应至少淘汰1家，入围上限4家" in page
    center.post(url, {"action": "shortlist"})
    supplement.refresh_from_db()
    assert supplement.status == Supplement.Status.SHORTLISTED
    placed = Agreement.objects.filter(response__supplement=supplement).order_by("rank")
    assert [a.price_yuan for a in placed] == [r.price_yuan for r in others]
    assert {a.valid_until for a in placed} == {run.agreements[0].valid_until}
    api = world.api_for(world.center).get(f"/api/v1/framework/supplements/{supplement.pk}/").json()
    assert api["status"] == "shortlisted" and "入围上限4家" in api["computation"]


def test_api_evaluate_and_shortlist(world, sealed):
    _, supplement, first = sealed
    others = data.answered(supplement, ["1200", "1300"], qualified=None, prefix="接口补充")
    api = world.api_for(world.center)
    early = api.post(f"/api/v1/framework/supplements/{supplement.pk}/evaluate/",
                     {"response": first.pk, "qualified": True}, format="json")
    assert early.status_code == 400 and "密封" in early.json()["detail"]
    Supplement.objects.filter(pk=supplement.pk).update(response_deadline=timezone.now() - timedelta(minutes=1))
    for response in [first, *others]:
        answer = api.post(f"/api/v1/framework/supplements/{supplement.pk}/evaluate/",
                          {"response": response.pk, "qualified": True}, format="json")
        assert answer.status_code == 200, answer.content
    answer = api.post(f"/api/v1/framework/supplements/{supplement.pk}/shortlist/")
    assert answer.status_code == 200, answer.content
    assert "入围上限2家" in answer.json()["summary"] and len(answer.json()["agreements"]) == 2


def test_framework_home_lists_the_supplement_pages_for_center_and_supplier(world):
    center = world.client_for(world.center).get(reverse("framework:home")).content.decode()
    assert reverse("framework:supplement-center-list") in center and "补充征集" in center
    supplier = world.client_for(world.supplier).get(reverse("framework:home")).content.decode()
    assert reverse("framework:supplement-supplier-list") in supplier
    assert reverse("framework:solicitation-supplier-list") in supplier

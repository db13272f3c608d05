"""Second-stage pages and API (seed 000 三(二)(6); annex 8 §十): the purchaser's catalog, order form, orders and
contract; the supplier's bids (sealed until the closing time) and orders; another organization's order is 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from framework.models import Order, SecondStageMethod
from framework.services import orders as services
from procurement.models import Contract
from tests.framework.orders_data import executing, order_fields

pytestmark = pytest.mark.django_db


def test_seed_3_2_6_purchaser_orders_from_the_catalog_and_sees_its_contract(world):
    """seed 三(二)(6): catalog (search by brand, filter by lot) → 直接选定 → the core's contract pages show it."""
    run = executing(world)
    client = world.client_for(world.prefecture_unit)
    page = client.get(reverse("framework:catalog"), {"q": "品牌B"}).content.decode()
    assert "台式计算机B" in page and "台式计算机A" not in page
    assert "台式计算机A" in client.get(reverse("framework:catalog"), {"lot": run.lot.pk}).content.decode()
    url = reverse("framework:order-new") + f"?listing={run.listings[1].pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"listing": run.listings[1].pk, "purchaser": world.prefecture_unit.pk,
                                 "plan_filing_ref": "BA-1", "description": "台式计算机", "quantity": "3",
                                 "budget": "4000", "selection_reason": "性价比最高"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("framework:order-detail",
                                                                            args=[order.pk])
    assert order.amount_yuan == Decimal("3300") and order.status == Order.Status.CONTRACTED
    detail = client.get(response["Location"]).content.decode()
    assert order.contract.code in detail
    assert order.contract.code in client.get(reverse("framework:order-list")).content.decode()
    assert order.contract.code in client.get(reverse("unit-contract-list")).content.decode()
    assert client.get(reverse("unit-contract-detail", args=[order.contract.pk])).status_code == 200
    supplier = world.client_for(run.supplier_users[1])
    assert order.code in supplier.get(reverse("framework:supplier-orders")).content.decode()
    assert supplier.get(reverse("supplier-contract-detail", args=[order.contract.pk])).status_code == 200


def test_order_form_refusal_shows_in_chinese_and_changes_nothing(world):
    run = executing(world)
    client = world.client_for(world.prefecture_unit)
    url = reverse("framework:order-new") + f"?listing={run.listings[0].pk}"
    response = client.post(url, {"listing": run.listings[0].pk, "purchaser": world.prefecture_unit.pk,
                                 "plan_filing_ref": "BA-1", "description": "台式计算机", "quantity": "1",
                                 "budget": "4000", "selection_reason": ""})
    assert response.status_code == 200 and "选定理由" in response.content.decode()
    assert not Order.objects.exists() and not Contract.objects.exists()


def test_another_units_order_is_404(world):
    run = executing(world)
    order = services.order_open(**order_fields(world, run, listing=run.listings[0], selection_reason="最低价"))
    other = world.client_for(world.county_unit)
    assert other.get(reverse("framework:order-detail", args=[order.pk])).status_code == 404
    assert world.client_for(run.supplier_users[1]).get(
        reverse("framework:order-detail", args=[order.pk])).status_code == 404


def test_annex8_s10_bid_page_and_sealed_prices(world):
    """annex 8 §十: the supplier bids on its page; the purchaser's page shows no price before the closing time."""
    run = executing(world, method=SecondStageMethod.SECONDARY_BIDDING)
    order = services.order_open(**order_fields(world, run, bidding_closes_at=timezone.now() + timedelta(hours=30)))
    supplier = world.client_for(run.supplier_users[0])
    assert order.code in supplier.get(reverse("framework:supplier-bids")).content.decode()
    bid = order.bids.get(agreement=run.agreement("A"))
    response = supplier.post(reverse("framework:bid-edit", args=[bid.pk]), {"price": "987.65"})
    assert response.status_code == 302
    too_high = supplier.post(reverse("framework:bid-edit", args=[bid.pk]), {"price": "1500"})
    assert "高于贵单位的协议单价" in too_high.content.decode()
    purchaser_page = world.client_for(world.prefecture_unit).get(
        reverse("framework:order-detail", args=[order.pk])).content.decode()
    assert "987.65" not in purchaser_page and "已报价（密封）" in purchaser_page


def test_api_create_direct_order_and_list(world):
    """The API for orders from other systems: create, list, retrieve; refusals in Chinese."""
    run = executing(world)
    api = world.api_for(world.prefecture_unit)
    body = {"listing": run.listings[0].pk, "plan_filing_ref": "BA-9", "description": "台式计算机", "quantity": "2",
            "budget_yuan": "2000", "selection_reason": "最低价"}
    response = api.post("/api/v1/framework/orders/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "contracted" and response.json()["contract_code"]
    refused = api.post("/api/v1/framework/orders/", {**body, "plan_filing_ref": ""}, format="json")
    assert refused.status_code == 400 and "采购计划备案编号" in refused.json()["detail"]
    listed = api.get("/api/v1/framework/orders/").json()
    assert listed["count"] == 1
    assert world.api_for(world.county_unit).get(f"/api/v1/framework/orders/{listed['results'][0]['id']}/"
                                                ).status_code == 404


def test_api_bidding_sealed_then_awarded(world):
    """annex 8 §十 over the API: bid, sealed price (null to the purchaser) before closing, award refused before it."""
    run = executing(world, method=SecondStageMethod.SECONDARY_BIDDING)
    api = world.api_for(world.prefecture_unit)
    closes = (timezone.now() + timedelta(hours=25)).isoformat()
    made = api.post("/api/v1/framework/orders/", {"lot": run.lot.pk, "plan_filing_ref": "BA-9",
                                                  "description": "台式计算机", "quantity": "2", "budget_yuan": "3000",
                                                  "bidding_closes_at": closes}, format="json")
    assert made.status_code == 201, made.content
    order_id = made.json()["id"]
    supplier_api = world.api_for(run.supplier_users[0])
    [invitation] = supplier_api.get("/api/v1/framework/bids/").json()["results"]
    assert supplier_api.post(f"/api/v1/framework/bids/{invitation['id']}/submit/", {"price": "900"},
                             format="json").status_code == 200
    seen = api.get(f"/api/v1/framework/orders/{order_id}/").json()
    assert all(bid["unit_price_yuan"] is None for bid in seen["bids"])
    early = api.post(f"/api/v1/framework/orders/{order_id}/award/", format="json")
    assert early.status_code == 400 and "截止前" in early.json()["detail"]
    Order.objects.filter(pk=order_id).update(bidding_closes_at=timezone.now() - timedelta(seconds=1))
    awarded = api.post(f"/api/v1/framework/orders/{order_id}/award/", format="json").json()
    assert awarded["supplier"] == run.suppliers[0].name and awarded["amount_yuan"] == "1800.00"

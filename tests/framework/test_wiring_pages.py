"""The center's and finance's list of second-stage orders (framework:order-admin-list): the center its projects'
orders, finance the orders of purchasers in its region; search, filters, pages, the empty state; a budget unit is
refused; the framework home links it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from framework.services import orders as order_services
from tests.framework.orders_data import executing, order_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]
URL = reverse("framework:order-admin-list")


def test_the_center_and_finance_list_second_stage_orders_with_search_and_filters(world):
    run = executing(world)
    order = order_services.order_open(**order_fields(world, run, listing=run.listings[1], selection_reason="价格合适"))
    for seat in (world.center, world.finance):
        client = world.client_for(seat)
        page = client.get(URL).content.decode()
        assert order.code in page and "供应商B有限公司" in page and world.prefecture_unit.name in page
        assert order.code in client.get(URL, {"q": "供应商B"}).content.decode()
        assert order.code in client.get(URL, {"q": order.code, "lot": run.lot.pk, "method": "direct",
                                              "status": "contracted"}).content.decode()
        missed = client.get(URL, {"method": "rotation"}).content.decode()
        assert order.code not in missed and "没有符合条件的订单" in missed
    home = world.client_for(world.center).get(reverse("framework:home")).content.decode()
    assert URL in home


def test_another_centers_and_an_empty_list_show_the_empty_state_and_a_unit_is_refused(world):
    run = executing(world)
    order_services.order_open(**order_fields(world, run, listing=run.listings[0], selection_reason="价格最低"))
    page = world.client_for(world.city_center).get(URL).content.decode()
    assert "暂无第二阶段订单" in page and run.project.code not in page
    assert world.client_for(world.prefecture_unit).get(URL).status_code in (302, 403)

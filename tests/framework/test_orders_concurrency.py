"""Ceilings hold under concurrency (issue 11 point 6; the orders of seed 000 三(二)(6) under the ceilings the plan
states, annex 8 §七 per lot and §十三 per supplier): 50 orders placed at once from threads,
each on its own PostgreSQL connection, against one lot ceiling never exceed it, and exactly floor(ceiling/amount)
succeed. The used amount is a sum over live orders recomputed after the lot's FrameworkLot row is locked, then the
agreement's (one fixed order), never a running total."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from framework.models import Order
from framework.services import orders as services
from procurement.services.errors import ServiceError
from tests.framework.orders_data import executing, order_fields
from tests.world import world_build

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL"),
]

THREADS = 50


def _race(world, run, *, listing) -> tuple[list[str], list[str]]:
    start = threading.Barrier(THREADS)
    done: list[str] = []
    refused: list[str] = []
    failures: list[str] = []
    actor = world.user(world.prefecture_unit)

    def place() -> None:
        try:
            start.wait()
            order = services.order_open(**order_fields(world, run, listing=listing, selection_reason="价格最低",
                                                       quantity="1", budget="1000", actor=actor))
            done.append(order.code)
        except ServiceError as error:
            refused.append(error.message)
        except Exception as error:  # reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return done, refused


def test_issue11_point6_fifty_parallel_orders_never_exceed_the_lot_ceiling():
    """Lot ceiling 17,500 yuan, orders of 1,000: exactly 17 succeed, 33 are refused naming the ceiling."""
    world = world_build()
    run = executing(world, lot_ceiling="17500", prices=("1000", "1000"))
    done, refused = _race(world, run, listing=run.listings[0])
    assert len(done) == 17 and len(refused) == 33
    assert len(set(done)) == 17  # each its own code
    assert all("上限为17,500.00元" in message for message in refused)
    used = Order.objects.filter(lot=run.lot, status__in=Order.LIVE).aggregate(total=Sum("amount_yuan"))["total"]
    assert used == Decimal("17000") <= Decimal("17500")


def test_issue11_point6_fifty_parallel_orders_never_exceed_a_suppliers_ceiling():
    """A supplier's ceiling of 12,000 yuan at its last yuan: exactly 12 of 50 orders of 1,000 succeed."""
    world = world_build()
    run = executing(world, supplier_ceiling="12000", prices=("1000", "1000"))
    done, refused = _race(world, run, listing=run.listings[1])
    assert len(done) == 12 and len(refused) == 38
    assert all("剩余0.00元" in message for message in refused)

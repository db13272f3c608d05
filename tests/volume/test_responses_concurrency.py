"""Two tabs of one unit saving its response at once lose nothing and mix nothing (the response row is locked,
``select_for_update``): every save is counted in the revision, and the stored document is one whole document,
each item's funding adding up to its budget. Real threads on PostgreSQL connections."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from procurement.models import SubPlan
from tests.volume.factories_responses import CONTACT, item, open_volume
from tests.world import world_build
from volume.models import Response
from volume.services.responses import response_save

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL"),
]

ROUNDS = 15


def test_two_tabs_saving_at_once_keep_whole_documents_and_count_every_save(calendar_loaded):
    world = world_build()
    project = open_volume(world)
    unit, clerk = world.prefecture_unit, world.user(world.prefecture_unit)
    response_save(project=project, unit=unit, items=[item(project, 1)], actor=clerk, submit=True, **CONTACT)
    documents = {
        # tab A: item 1 only, budget 1000 + i split over two lines; tab B: items 1 and 2, budget 2000 + i on one line
        "a": lambda i: [item(project, 1, quantity="1", budget=f"{1000 + i}.00",
                             funding=[("general_budget", "500.00", "A1"), ("own_funds", f"{500 + i}.00", "A2")])],
        "b": lambda i: [item(project, 1, quantity="2", budget=f"{2000 + i}.00"),
                        item(project, 2, quantity="3", budget="600.00")],
    }
    start = threading.Barrier(len(documents))
    failures: list[str] = []

    def run(items_of) -> None:
        try:
            start.wait()
            for i in range(ROUNDS):
                response_save(project=project, unit=unit, items=items_of(i), actor=clerk, **CONTACT)
        except Exception as error:  # reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(items_of,)) for items_of in documents.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    response = Response.objects.get(project=project, unit=unit)
    assert response.revision == 1 + 2 * ROUNDS
    plans = list(SubPlan.objects.filter(project=project, unit=unit).order_by("lot__number"))
    for plan in plans:
        assert sum((line.amount_yuan for line in plan.funding_lines.all()), Decimal(0)) == plan.budget_yuan
        assert plan.status == SubPlan.Status.SUBMITTED and plan.revision == response.revision
    last = ROUNDS - 1
    stored = [(p.lot.number, p.quantity, p.budget_yuan) for p in plans]
    assert stored in ([(1, Decimal("1"), Decimal(f"{1000 + last}.00"))],
                      [(1, Decimal("2"), Decimal(f"{2000 + last}.00")), (2, Decimal("3"), Decimal("600.00"))])

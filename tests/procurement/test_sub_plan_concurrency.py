"""Concurrent partial revisions of one sub-plan lose nothing (issue 7 point 1).

Four clients of the same unit revise the same submitted sub-plan at once over the API, each PATCH sending
only its own field (quantity; budget with its funding; contact; note). Each field has one writer, so
whatever the interleaving, the saved row must end with every writer's last value, the funding lines must
add up to the budget, and the master plan (总计划) must equal the last saved values. Before the fix the API
read the fields a PATCH omitted before the row was locked and wrote those stale values back.

Real threads, each on its own PostgreSQL connection: SQLite serialises whole transactions, so the race
this guards against cannot happen there.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from procurement.models import FundingLine, SubPlan
from procurement.selectors.plans import master_plan
from tests.batch.test_projects import batch_world, open_project
from tests.batch.test_sub_plan_api import SUB_PLANS, body, client_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL (CI runs it)"),
]

ROUNDS = 40


def _writers():
    """(name, the PATCH body of round i) for each writer; each owns different fields."""
    return [
        ("quantity", lambda i: {"quantity": str(100 + i)}),
        ("budget", lambda i: {"budget_yuan": f"{10000 + i}.00",
                              "funding_lines": [{"source": "general_budget", "amount_yuan": f"{10000 + i}.00"}]}),
        ("contact", lambda i: {"contact_name": f"联系人{i:02d}"}),
        ("note", lambda i: {"note": f"第{i:02d}次说明"}),
    ]


def test_interleaved_partial_revisions_keep_every_writers_last_value(calendar_loaded):
    world = batch_world()
    project = open_project(world)
    lot = project.lots.get(number=1)
    clerk = world.clerks["changchun"]
    created = client_for(clerk).post(SUB_PLANS, body(lot), format="json")
    assert created.status_code == 201, created.content
    url = f"{SUB_PLANS}{created.json()['id']}/"
    writers = _writers()
    start = threading.Barrier(len(writers))
    failures: list[str] = []

    def run(name, patch_of) -> None:
        try:
            api = client_for(clerk)
            start.wait()
            for i in range(ROUNDS):
                response = api.patch(url, patch_of(i), format="json")
                if response.status_code != 200:
                    failures.append(f"{name} round {i}: {response.status_code} {response.content[:200]!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=writer) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    last = ROUNDS - 1
    saved = SubPlan.objects.get()
    assert saved.quantity == Decimal(100 + last)
    assert saved.budget_yuan == Decimal(f"{10000 + last}.00")
    assert saved.contact_name == f"联系人{last:02d}"
    assert saved.note == f"第{last:02d}次说明"
    assert saved.status == SubPlan.Status.SUBMITTED
    assert saved.revision == 1 + len(writers) * ROUNDS  # every revision of a submitted sub-plan counted once
    lines = list(FundingLine.objects.filter(sub_plan=saved).values_list("amount_yuan", flat=True))
    assert sum(lines, Decimal(0)) == saved.budget_yuan

    plan = master_plan(project=project)
    first = next(line for line in plan.lines if line.lot.pk == lot.pk)
    assert (first.total_quantity, first.total_budget_yuan, first.unit_count) == (saved.quantity, saved.budget_yuan, 1)

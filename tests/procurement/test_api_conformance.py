"""The API answers as its OpenAPI document says: a bounded, seeded schemathesis run over every operation.

Source: issue 8 point 9 — schemathesis with all checks found 71–79 conformance failures (HTML 404s for
non-integer ids, an undocumented 404 for ``?page=0``, blank enum values and nulls the schema forbade, 400
bodies without ``detail``, error bodies labelled as xlsx or pdf). Every operation of ``/api/schema/`` is
called in-process (WSGI) with generated valid and invalid data, as several roles of the demo province, and
every answer must pass the checks below; any 5xx fails the run.

Bounded and reproducible: a fixed number of examples per operation, generated deterministically (the same
requests on every run), no example database. Each request runs inside a savepoint rolled back afterwards,
so every example meets the same seeded data however many writes the ones before it made.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from procurement.services.demo import demo_seed

pytestmark = pytest.mark.django_db

# Enough examples per operation to reach each documented answer of every operation; the coverage phase
# adds its boundary cases on top (each parameter empty, missing, of the wrong type, at its limits).
EXAMPLES_PER_OPERATION = 8

# The roles the portal's API serves, each a login of the demo province (procurement.services.demo) with its own
# rows: finance sees its region's tables and notices, the center its projects and awards, the unit its sub-plans,
# the supplier its contracts.
ROLES = ["finance", "center", "unit", "supplier"]

CONFIG = schemathesis.Config.from_dict({
    "generation": {
        "mode": "all",  # valid requests and invalid ones (wrong types, missing fields, values outside an enum)
        "max-examples": EXAMPLES_PER_OPERATION,
        "deterministic": True,
        "database": "none",
        # PostgreSQL text cannot hold NUL, and Django's forms refuse it with a 400 in every string parameter.
        "allow-x00": False,
    },
    "phases": {"stateful": {"enabled": False}},  # one operation at a time; the pytest run has no links to follow
    "checks": {
        # Not run: the API reads an empty query parameter as not given and an unreadable page size as the default
        # (django-filter's and DRF's convention, which the browsable API's filter form relies on), and a boolean
        # filter that is neither true nor false filters nothing. The invalid requests are still sent: each must
        # answer without a 5xx, with a documented status, content type and body.
        "negative_data_rejection": {"enabled": False},
        # A request the schema allows may still break a rule it cannot express: a deadline that has passed, a lot
        # of another project, a referenced table the caller may not see, an empty file. Those answer 400 with a
        # documented ``detail``; the 400's body is then held to its schema like every other answer.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409"]},
    },
})


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """The demo province, seeded once for the module inside a transaction that is rolled back at its end.

    Each test runs in a savepoint within it (pytest-django's ``db``), so the rows never reach other modules.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(password="Conformance@2026")
        users = get_user_model().objects.filter(username__in=ROLES)
        yield {user.username: Token.objects.create(user=user).key for user in users}
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def requests_in_process():
    """The app runs in this thread, inside the test's transaction: keep Django from closing the connection.

    At the end of each request Django closes a connection that is inside a transaction; the test client
    disconnects the same two receivers while it runs.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The document as /api/schema/ serves it, read through the WSGI app at collection (it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=CONFIG)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_its_schema_says(case, role, tokens, requests_in_process):
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"})
        transaction.set_rollback(True)

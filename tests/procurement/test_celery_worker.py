"""A real Celery worker, on the configured broker, runs the deadline sweep.

Redis when REDIS_URL is set (CI), otherwise the embedded file-system broker (in a private folder,
so a developer's running worker cannot take the message). The worker runs in a thread of this
process, so it sees the test database; the test is transactional because the worker's writes
must be committed for this thread to see them.
"""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import OperationalError, connections

from procurement import deadlines
from procurement.celery import app
from procurement.models import Notification, Reminder
from procurement.services.contracts import contract_sign
from procurement.tasks import sweep_due_deadlines
from tests.factories import BudgetUnitFactory, ContractFactory, member_of

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 30


@pytest.fixture
def broker(settings, tmp_path):
    """The app configured as in production: tasks go through the broker, not eagerly."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if not settings.REDIS_URL:
        folders = {key: tmp_path / key for key in ("data", "processed", "control")}
        for folder in folders.values():
            folder.mkdir()
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(folders["data"]),
            "data_folder_out": str(folders["data"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        }
    drop_connection_pools(app)
    yield app
    drop_connection_pools(app)


def drop_connection_pools(celery_app) -> None:
    """Forget the broker connections pooled under the previous options (what Celery does after a fork)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker_closes_its_connections():
    """The worker thread's database connections must not outlive the test (PostgreSQL drops the DB)."""

    def close(**kwargs):
        connections.close_all()

    task_postrun.connect(close, weak=False)
    yield
    task_postrun.disconnect(close)


def wait_for(found, timeout: float = TIMEOUT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = found()
        except OperationalError:  # SQLite: the worker holds the write lock for a moment
            result = None
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"nothing after {timeout} seconds")


def test_a_real_worker_executes_the_sweep(broker, worker_closes_its_connections, calendar_loaded):
    unit = BudgetUnitFactory()
    operator = member_of(unit, email="operator@example.gov.cn")
    contract = ContractFactory(buyer=unit)
    # Signed 40 days ago and never published: both legal deadlines have passed.
    contract_sign(contract=contract, actor=operator, signed_on=deadlines.today() - timedelta(days=40))

    sweep_due_deadlines.delay()
    time.sleep(0.5)
    assert not Reminder.objects.exists()  # queued on the broker, not run in this thread

    with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=TIMEOUT_SECONDS):
        wait_for(lambda: Reminder.objects.filter(subject_id=contract.pk).count() == 2)
        wait_for(lambda: len(mail.outbox) == 2)  # e-mails leave after the worker's commit

    kinds = set(Reminder.objects.filter(subject_id=contract.pk).values_list("kind", flat=True))
    assert kinds == {"publish_overdue", "filing_overdue"}
    assert Notification.objects.filter(recipient=operator).count() == 2
    assert {m.to[0] for m in mail.outbox} == {"operator@example.gov.cn"}

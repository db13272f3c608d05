"""Celery tasks of the shared core. A task only loads its arguments and calls a service."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from procurement.services import imports, reminders


@shared_task(name="procurement.tasks.sweep_due_deadlines", ignore_result=True)
def sweep_due_deadlines(now: str | None = None) -> dict[str, int]:
    """The periodic deadline sweep (celery beat, every ``SWEEP_INTERVAL_SECONDS``).

    ``now``, an ISO 8601 timestamp (without an offset: in the portal's time zone), sweeps as of that
    moment; by default the current time.
    """
    moment = datetime.fromisoformat(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return reminders.sweep_due_deadlines(now=moment)


@shared_task(name="procurement.tasks.import_run", ignore_result=True, acks_late=True)
def import_run(job_id: int) -> str:
    """Run an import job (``procurement.services.imports.import_job_run``).

    Acknowledged after it ran: a worker lost mid-import leaves the message to be delivered again, and the
    job, which records whether it finished, is never imported twice.
    """
    return imports.import_job_run(job_id=job_id)


@shared_task(name="procurement.tasks.import_jobs_clean", ignore_result=True)
def import_jobs_clean() -> dict[str, int]:
    """Hourly (celery beat): uploads left by finished jobs, and jobs stalled for days."""
    return imports.import_jobs_clean()

"""Celery tasks of the shared core. A task only loads its arguments and calls a service."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from procurement.services import imports, mail, reminders


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


@shared_task(name="procurement.tasks.outbound_mail_send", bind=True, acks_late=True, max_retries=None,
             ignore_result=True)
def outbound_mail_send(self, mail_id: int) -> None:
    """Send one e-mail of the outbox (``procurement.services.mail``), retrying with exponential backoff.

    The retry is asked for explicitly rather than with ``autoretry_for``: the service has already recorded the
    failed attempt and when the next one is due (``mail_retry_delay``, from settings), and the task waits exactly
    that long. The number of attempts is counted on the row, which the sweep and an operator's 重新发送 also
    use, so Celery's own count is not a limit (``max_retries=None``): after ``OUTBOUND_MAIL_MAX_ATTEMPTS`` the
    service marks the mail failed and raises nothing. ``acks_late``: a worker killed mid-send leaves the message
    to another worker (which skips the mail if it was sent).
    """
    try:
        mail.outbound_mail_send(mail_id=mail_id)
    except mail.MailDeferred as deferred:
        if self.request.is_eager:
            # Run inline (CELERY_TASK_ALWAYS_EAGER, as in tests): an eager retry would try again at once, in the
            # caller; the mail stays pending and the sweep queues it again instead.
            return
        raise self.retry(exc=deferred, countdown=deferred.retry_in) from None


@shared_task(name="procurement.tasks.outbound_mails_requeue", ignore_result=True)
def outbound_mails_requeue() -> int:
    """The periodic sweep of the outbox (celery beat, every ``OUTBOUND_MAIL_SWEEP_SECONDS``)."""
    return mail.outbound_mails_requeue()


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

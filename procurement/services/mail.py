"""E-mail through an outbox (外发邮件): recorded with the event, sent by a Celery worker, never by the request.

Issue 8 point 6: e-mail used to leave from the web process after the commit, with no timeout; an SMTP
server that accepted the connection and never answered held a finance decision for 120 s and answered
500 after the decision was committed. Now:

- ``outbound_mails_queue`` writes each e-mail as an ``OutboundMail`` row *in the event's transaction*
  (the outbox pattern): a committed event always has its e-mails, a rolled-back one has none. After the
  commit one ``procurement.tasks.outbound_mail_send`` task per e-mail is handed to the broker; the request
  does nothing else with mail. If the broker is down the request still succeeds: the failure is logged and
  the mails wait, pending, for the sweep.
- ``outbound_mail_send`` (run by the worker) locks the row (``SELECT … FOR UPDATE SKIP LOCKED``), sends it
  over a connection with ``EMAIL_TIMEOUT`` and records the outcome. A mail already sent, given up or being
  sent by another worker is left alone, so a task delivered twice never sends twice. A failed attempt is
  recorded (count, error, when to try again) and raises ``MailDeferred``; the task retries it after
  ``mail_retry_delay`` (exponential backoff). After ``OUTBOUND_MAIL_MAX_ATTEMPTS`` attempts the mail is
  marked failed, shown in the admin, and sent again only when an operator asks (``outbound_mails_resend``).
- ``outbound_mails_requeue`` (celery beat) re-queues pending mails whose attempt is long overdue: their task
  was lost (broker down at the commit, a worker killed before its retry was published).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, models, transaction
from django.utils import timezone

from procurement.models import OutboundMail
from procurement.services.events import event_record

logger = logging.getLogger(__name__)

# Mails taken per sweep; the rest wait for the next run.
REQUEUE_BATCH_SIZE = 500
# The error text kept on the row (an SMTP reply or an exception's message).
ERROR_MAX = 2000


class MailDeferred(Exception):
    """An attempt failed and was recorded; the mail is to be tried again in ``retry_in`` seconds."""

    def __init__(self, mail_id: int, retry_in: int, error: str) -> None:
        super().__init__(f"outbound mail {mail_id}: {error}; next attempt in {retry_in} s")
        self.mail_id = mail_id
        self.retry_in = retry_in


def mail_subject(title: str) -> str:
    """The subject line of every e-mail the portal sends."""
    return f"【{settings.PORTAL_NAME}】{title}"[:255]


def mail_retry_delay(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: ``OUTBOUND_MAIL_RETRY_SECONDS`` doubled after each failure."""
    base = settings.OUTBOUND_MAIL_RETRY_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.OUTBOUND_MAIL_RETRY_MAX_SECONDS)


# --- queueing (inside the event's transaction) ---------------------------------------------------

def outbound_mails_queue(*, mails: Iterable[OutboundMail]) -> list[OutboundMail]:
    """Record ``mails`` (unsaved rows) in the current transaction; each is handed to a worker once it commits."""
    now = timezone.now()
    rows = list(mails)
    for row in rows:
        row.status, row.next_attempt_at = OutboundMail.Status.PENDING, now
    created = OutboundMail.objects.bulk_create(rows, batch_size=1000)
    if created:
        transaction.on_commit(partial(_enqueue, [row.pk for row in created]), robust=True)
    return created


def _enqueue(mail_ids: list[int]) -> int:
    """Hand each mail to the broker over one connection; if the broker cannot be reached, log and leave the
    mails to the sweep. Returns how many were queued.

    Runs after the commit, in the request or the worker that made the mails: it must never raise (the event is
    committed and answered for) and never wait (one connection attempt, no publish retries: with the broker
    down the request goes on at once, instead of Celery's several seconds of reconnecting per message).
    """
    from procurement.tasks import outbound_mail_send

    app = outbound_mail_send.app
    queued = 0
    try:
        if app.conf.task_always_eager:  # run inline (tests): no broker involved
            for mail_id in mail_ids:
                outbound_mail_send.apply_async((mail_id,))
                queued += 1
            return queued
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0)
            for mail_id in mail_ids:
                outbound_mail_send.apply_async((mail_id,), connection=broker, retry=False)
                queued += 1
    except Exception:
        logger.warning("outbound mail: could not queue %d of %d mail(s); the sweep will queue them again",
                       len(mail_ids) - queued, len(mail_ids), exc_info=True)
    return queued


# --- sending (in the worker) ---------------------------------------------------------------------

def _lock(queryset: models.QuerySet) -> models.QuerySet:
    if connection.features.has_select_for_update:
        return queryset.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
    return queryset


def outbound_mail_send(*, mail_id: int) -> OutboundMail | None:
    """Send one pending mail; None when there is nothing to do (sent, given up, or locked by another worker).

    The row stays locked while the mail server is talked to (at most ``EMAIL_TIMEOUT`` per step), so two
    workers never send it both. Any error is an attempt: it is recorded, and ``MailDeferred`` raised while
    attempts remain; at the last one the mail is marked failed instead.
    """
    error = ""
    with transaction.atomic():
        mail = _lock(OutboundMail.objects.filter(pk=mail_id, status=OutboundMail.Status.PENDING)).first()
        if mail is None:
            return None
        try:
            with get_connection(timeout=settings.EMAIL_TIMEOUT) as mailer:
                EmailMessage(subject=mail.subject, body=mail.body, to=[mail.recipient], connection=mailer).send()
        except Exception as exc:  # smtplib, socket, timeout, a refused address…: every kind is an attempt
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX] if str(exc) else type(exc).__name__
            logger.warning("outbound mail %s to %s: attempt %d failed: %s", mail.pk, mail.recipient,
                           mail.attempts + 1, error)
        now = timezone.now()
        mail.attempts += 1
        if not error:
            mail.status, mail.sent_at, mail.next_attempt_at, mail.last_error = OutboundMail.Status.SENT, now, None, ""
        elif mail.attempts >= settings.OUTBOUND_MAIL_MAX_ATTEMPTS:
            mail.status, mail.last_error, mail.next_attempt_at = OutboundMail.Status.FAILED, error, None
        else:
            mail.last_error, mail.next_attempt_at = error, now + timedelta(seconds=mail_retry_delay(mail.attempts))
        mail.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    if error and mail.status == OutboundMail.Status.PENDING:
        raise MailDeferred(mail.pk, mail_retry_delay(mail.attempts), error)
    return mail


# --- the sweep and the operator ------------------------------------------------------------------

def outbound_mails_requeue(*, now: datetime | None = None) -> int:
    """Queue again the pending mails whose next attempt is ``OUTBOUND_MAIL_LOST_AFTER_SECONDS`` overdue.

    Their task was lost. Each is given a fresh due time, so a mail still waiting in a long queue is queued at
    most once per period; queued twice, it is still sent once (``outbound_mail_send`` skips a sent mail).
    """
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.OUTBOUND_MAIL_LOST_AFTER_SECONDS)
    with transaction.atomic():
        due = OutboundMail.objects.filter(status=OutboundMail.Status.PENDING, next_attempt_at__lte=overdue)
        ids = list(_lock(due.order_by("next_attempt_at", "pk")).values_list("pk", flat=True)[:REQUEUE_BATCH_SIZE])
        OutboundMail.objects.filter(pk__in=ids).update(next_attempt_at=now)
    if ids:
        logger.info("outbound mail: re-queued %d mail(s) whose task was lost", len(ids))
        _enqueue(ids)
    return len(ids)


@transaction.atomic
def outbound_mails_resend(*, mails: models.QuerySet, actor) -> int:
    """重新发送: the failed mails among ``mails`` get a full set of attempts again. Returns how many."""
    chosen = OutboundMail.objects.filter(pk__in=mails.values("pk"), status=OutboundMail.Status.FAILED)
    failed = list(_lock(chosen.order_by("pk")))
    now = timezone.now()
    for mail in failed:
        OutboundMail.objects.filter(pk=mail.pk).update(status=OutboundMail.Status.PENDING, attempts=0,
                                                       next_attempt_at=now)
        event_record(subject=mail, action="outbound_mail_resend", action_label="重新发送邮件", actor=actor,
                     source=OutboundMail.Status.FAILED, target=OutboundMail.Status.PENDING,
                     changes={"recipient": mail.recipient, "attempts": mail.attempts, "last_error": mail.last_error})
    if failed:
        transaction.on_commit(partial(_enqueue, [mail.pk for mail in failed]), robust=True)
    return len(failed)

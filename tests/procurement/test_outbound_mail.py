"""E-mail goes through the outbox and a Celery worker: never sent by a request, never lost (issue 8 point 6).

"An SMTP server that accepts and never answers held a finance decision for 120 s and returned 500 after the
decision was committed. Mail goes through Celery with retries and a timeout; a failed mail is visible and
retried, never lost, never blocking."

The mail servers are real sockets on this machine: ``HangingSmtp`` accepts connections and never says a word;
``SmtpSink`` speaks enough SMTP to take a message. Django's SMTP backend talks to them. The worker is a real
Celery worker on the configured broker (as in ``test_celery_worker``), in a thread of this process.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from procurement.celery import app
from procurement.models import OutboundMail, ProjectEvent
from procurement.services import mail as mail_services
from procurement.services.demo import center_group_ensure
from tests.batch.test_proposals import propose, scene  # noqa: F401  (scene: a fixture)
from tests.factories import BudgetUnitFactory, member_of
from tests.procurement.test_celery_worker import (  # noqa: F401  (fixtures)
    TIMEOUT_SECONDS,
    broker,
    drop_connection_pools,
    wait_for,
    worker_closes_its_connections,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


# --- mail servers on this machine ------------------------------------------------------------------

class HangingSmtp:
    """A server that accepts every connection and never answers (not even the 220 greeting)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for connection in self.held:
            connection.close()
        self.listener.close()


class _SinkHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Django's backend: greeting, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode("ascii"))

    def handle(self) -> None:
        self.reply("220 sink.local ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.local")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append((recipients, email.message_from_bytes(data, policy=email.policy.default)))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    """A mail server that takes every message and keeps it in ``received`` as (recipients, message)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.received: list = []
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def hanging_smtp():
    server = HangingSmtp()
    yield server
    server.close()


@pytest.fixture
def smtp_sink():
    server = SmtpSink()
    yield server
    server.close()


def use_smtp(settings, port: int, *, timeout: int) -> None:
    """The production backend (SMTP, no TLS) against a server of this machine."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


@pytest.fixture
def queue(broker, settings, worker_id):  # noqa: F811
    """The broker, with keys of this test process's own on Redis (pytest-xdist runs several processes on one
    Redis database: another's worker would take these messages, and a purge would empty its queue), and nothing
    left over from earlier tests."""
    if settings.REDIS_URL:
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"outbox-test-{worker_id}:"}
        drop_connection_pools(broker)
    broker.control.purge()
    yield broker
    broker.control.purge()
    drop_connection_pools(broker)


def run_worker(celery_app):
    return start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=TIMEOUT_SECONDS)


def adopt_on_the_page(client, scene):  # noqa: F811
    """财政部门采纳品目建议 on the proposal page: the decision tells the center by e-mail."""
    proposal = propose(scene, scene.desktop)
    item = proposal.items.get()
    client.force_login(scene.finance_user)
    started = time.monotonic()
    response = client.post(reverse("batch:proposal-item-adopt", args=[proposal.pk, item.pk]), {"note": "同意"})
    return response, time.monotonic() - started


def center_mail(scene) -> OutboundMail:  # noqa: F811
    return OutboundMail.objects.get(recipient=scene.center_user.email)


# --- the request never waits for the mail server -------------------------------------------------

def test_a_mail_server_that_never_answers_does_not_hold_the_finance_decision(
        client, scene, queue, hanging_smtp, settings):  # noqa: F811
    use_smtp(settings, hanging_smtp.port, timeout=6)

    response, elapsed = adopt_on_the_page(client, scene)

    assert response.status_code == 302
    assert scene.desktop.batch_proposals.get().status == "adopted"
    # Before the outbox the request talked to the server after the commit and waited out EMAIL_TIMEOUT.
    assert elapsed < settings.EMAIL_TIMEOUT / 2
    assert scene.center_user.email and hanging_smtp.held == []  # the request never connected
    told = center_mail(scene)
    assert (told.status, told.attempts, told.sent_at) == (OutboundMail.Status.PENDING, 0, None)
    assert told.subject == "【吉林省政府集中采购平台】吉林省财政厅采纳了品目建议：台式计算机"
    assert told.reminder is not None and told.organization == scene.center


def test_with_the_broker_down_the_decision_still_succeeds_and_the_sweep_sends_the_mail_later(
        client, scene, broker, settings, caplog):  # noqa: F811
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    drop_connection_pools(broker)
    # A worker started by an earlier test sets the root logger to its own level (ERROR): listen to this one.
    caplog.set_level(logging.WARNING, logger="procurement.services.mail")

    response, elapsed = adopt_on_the_page(client, scene)

    assert response.status_code == 302
    assert elapsed < 5
    assert "the sweep will queue them again" in caplog.text
    told = center_mail(scene)
    assert told.status == OutboundMail.Status.PENDING
    # Not yet lost: the sweep leaves it alone.
    assert mail_services.outbound_mails_requeue() == 0

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the broker is back (the task runs inline with the test's backend)
    later = timezone.now() + timedelta(seconds=settings.OUTBOUND_MAIL_LOST_AFTER_SECONDS + 1)
    assert mail_services.outbound_mails_requeue(now=later) >= 1

    told.refresh_from_db()
    assert (told.status, told.attempts) == (OutboundMail.Status.SENT, 1)
    assert [m.to for m in django_mail.outbox if "采纳了品目建议" in m.subject] == [[scene.center_user.email]]


# --- the worker sends, retries, gives up; the operator sends again -----------------------------------

def test_a_worker_delivers_the_mail_and_marks_it_sent(
        client, scene, queue, smtp_sink, settings, worker_closes_its_connections):  # noqa: F811
    use_smtp(settings, smtp_sink.port, timeout=5)
    adopt_on_the_page(client, scene)
    told = center_mail(scene)
    assert told.status == OutboundMail.Status.PENDING

    with run_worker(queue):
        wait_for(lambda: OutboundMail.objects.filter(pk=told.pk, status=OutboundMail.Status.SENT).exists())

    told.refresh_from_db()
    assert told.attempts == 1 and told.sent_at is not None and told.last_error == ""
    delivered = [(to, message) for to, message in smtp_sink.received if to == [scene.center_user.email]]
    assert len(delivered) == 1
    message = delivered[0][1]
    assert message["Subject"].strip() == told.subject
    assert "已采纳您报送的台式计算机批量集中采购建议" in message.get_content()


def test_a_hanging_server_times_out_each_attempt_until_the_mail_fails_and_the_operator_resends_it(
        client, scene, queue, hanging_smtp, smtp_sink, settings, worker_closes_its_connections):  # noqa: F811
    use_smtp(settings, hanging_smtp.port, timeout=1)
    settings.OUTBOUND_MAIL_MAX_ATTEMPTS = 3
    settings.OUTBOUND_MAIL_RETRY_SECONDS = 1  # then 2 s: exponential backoff
    adopt_on_the_page(client, scene)
    told = center_mail(scene)

    with run_worker(queue):
        # The first attempt times out, is recorded and will be retried.
        wait_for(lambda: OutboundMail.objects.filter(pk=told.pk, attempts__gte=1).exists())
        first = OutboundMail.objects.get(pk=told.pk)
        if first.status == OutboundMail.Status.PENDING:
            assert first.next_attempt_at > timezone.now() - timedelta(seconds=1)
        wait_for(lambda: OutboundMail.objects.filter(pk=told.pk, status=OutboundMail.Status.FAILED).exists())
        told.refresh_from_db()
        assert told.attempts == 3 and told.next_attempt_at is None and told.sent_at is None
        assert "timed out" in told.last_error
        # Two mails (finance was told of the proposal, the center of the decision), each tried three times:
        # one connection per attempt, each given up after EMAIL_TIMEOUT.
        wait_for(lambda: OutboundMail.objects.filter(status=OutboundMail.Status.FAILED).count() == 2)
        assert len(hanging_smtp.held) == 6

        # The mail server is fixed; the operator sees the failure in the admin and sends it again.
        use_smtp(settings, smtp_sink.port, timeout=5)
        operator = member_of(scene.center, username="center_admin", is_staff=True, is_superuser=True)
        client.force_login(operator)
        index = client.get(reverse("admin:index")).content.decode()
        assert "有2封邮件多次发送失败" in index
        listed = client.get(reverse("admin:procurement_outboundmail_changelist"), {"status__exact": "failed"})
        assert told.subject in listed.content.decode() and "重新发送" in listed.content.decode()
        response = client.post(reverse("admin:procurement_outboundmail_changelist"),
                               {"action": "resend", "_selected_action": [told.pk]}, follow=True)
        assert "已将1封发送失败的邮件重新加入发送队列" in response.content.decode()
        wait_for(lambda: OutboundMail.objects.filter(pk=told.pk, status=OutboundMail.Status.SENT).exists())

    told.refresh_from_db()
    assert told.attempts == 1 and told.sent_at is not None
    assert [to for to, _ in smtp_sink.received] == [[scene.center_user.email]]
    event = ProjectEvent.objects.get(subject_type="outboundmail", subject_id=told.pk)
    assert (event.action_label, event.actor, event.source, event.target) == ("重新发送邮件", operator, "failed",
                                                                             "pending")


# --- idempotent --------------------------------------------------------------------------------------

def test_a_mail_already_sent_is_never_sent_again(scene, settings):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = True
    propose(scene, scene.desktop)  # tells finance, sent at once (eager, the test backend)
    told = OutboundMail.objects.get(recipient=scene.finance_user.email)
    assert told.status == OutboundMail.Status.SENT and len(django_mail.outbox) == 1

    assert mail_services.outbound_mail_send(mail_id=told.pk) is None  # a task delivered twice
    OutboundMail.objects.filter(pk=told.pk).update(next_attempt_at=timezone.now() - timedelta(days=1))
    assert mail_services.outbound_mails_requeue() == 0  # a sent mail is never "lost"
    assert len(django_mail.outbox) == 1


# --- who sees the outbox -------------------------------------------------------------------------------

def test_a_center_operator_sees_only_the_mails_of_its_own_organization(client, scene, settings):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = True
    propose(scene, scene.desktop)  # a mail to the finance bureau
    other_unit = BudgetUnitFactory(name="外部单位")
    OutboundMail.objects.create(organization=other_unit, recipient="x@example.gov.cn", subject="外部单位的邮件",
                                body="……", status=OutboundMail.Status.FAILED, attempts=5, last_error="timed out")
    own = OutboundMail.objects.create(organization=scene.center, recipient=scene.center_user.email,
                                      subject="本中心的邮件", body="……", status=OutboundMail.Status.FAILED,
                                      attempts=5, last_error="timed out")
    operator = member_of(scene.center, username="center_op", is_staff=True)
    operator.groups.add(center_group_ensure())
    client.force_login(operator)

    listed = client.get(reverse("admin:procurement_outboundmail_changelist")).content.decode()

    assert "本中心的邮件" in listed
    assert "外部单位的邮件" not in listed and "待论证" not in listed
    assert "有1封邮件多次发送失败" in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin:procurement_outboundmail_change", args=[own.pk])).status_code == 200


# --- the outbox pattern, the backoff, the sweep's schedule -------------------------------------------

def test_an_event_rolled_back_leaves_no_mail_and_sends_nothing(scene, settings):  # noqa: F811
    from django.db import transaction

    from procurement.services.reminders import organization_notify

    settings.CELERY_TASK_ALWAYS_EAGER = True
    with pytest.raises(RuntimeError), transaction.atomic():
        organization_notify(organization=scene.center, subject=scene.arrangement, kind="test", title="不会发出",
                            body="……")
        raise RuntimeError("the event fails after telling")
    assert not OutboundMail.objects.exists() and django_mail.outbox == []


def test_the_wait_between_attempts_doubles_up_to_the_maximum(settings):
    settings.OUTBOUND_MAIL_RETRY_SECONDS, settings.OUTBOUND_MAIL_RETRY_MAX_SECONDS = 60, 400
    assert [mail_services.mail_retry_delay(n) for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 400, 400]


def test_the_outbox_sweep_runs_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-lost-mails"]
    assert entry["task"] == "procurement.tasks.outbound_mails_requeue" and entry["task"] in app.tasks
    assert entry["schedule"] == timedelta(seconds=300)

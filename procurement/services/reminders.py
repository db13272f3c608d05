"""The deadline sweep: one periodic task finds what is due and sends each reminder exactly once.

Every object with a pending deadline carries an indexed ``next_check``. A *deadline source* knows
one kind of object: which rows are due (``next_check <= now``), the milestones of each row (when a
reminder becomes due, until when it still makes sense, who receives it, what it says), and
therefore when the sweep must look again. Each mode declares its own sources in its plugin
(``procurement.modes.ModePlugin.deadline_sources``), and ``register_mode`` adds them to the sweep with
``register_deadline_source`` (which anyone may still call); this module registers the contract deadlines
(合同公告, 合同备案) itself.

Exactly once: a reminder is first recorded in ``Reminder`` under a unique key inside the row's
transaction; a key already there means it was sent, so a retried, doubled or concurrent sweep
sends nothing twice. In-app notifications and the e-mails (``OutboundMail`` rows, the outbox of
``procurement.services.mail``) are written in the same transaction; a Celery worker sends the e-mails
after it commits, so neither a sweep nor a request ever waits for the mail server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Contract, Membership, Notification, Organization, OutboundMail, Reminder
from procurement.services.mail import mail_subject, outbound_mails_queue

logger = logging.getLogger(__name__)

# Rows taken per source and sweep; the rest wait for the next run (the beat runs every minute).
SWEEP_BATCH_SIZE = 500


@dataclass(frozen=True)
class Milestone:
    """One reminder a row will need: due from ``at``; pointless from ``until`` (None: never)."""

    key: str
    kind: str
    at: datetime
    until: datetime | None
    due_on: date | None
    organization: Organization
    level: str
    title: str
    body: str
    url: str = ""

    def is_due(self, now: datetime) -> bool:
        return self.at <= now and (self.until is None or now < self.until)

    def is_pending(self, now: datetime) -> bool:
        return self.until is None or now < self.until


class DeadlineSource:
    """One kind of object with deadlines. Subclasses set ``name``/``model`` and write ``milestones``."""

    name: str = ""
    model: type[models.Model]
    # A row whose milestones fan out to thousands of organizations (every unit of a batch project) has its
    # due reminders recorded and delivered together, in a few queries (``_send_many``), not one by one.
    fan_out: bool = False

    def queryset(self) -> models.QuerySet:
        return self.model._base_manager.all()

    def due(self, now: datetime) -> models.QuerySet:
        return self.queryset().filter(next_check__isnull=False, next_check__lte=now)

    def milestones(self, obj: models.Model) -> list[Milestone]:
        raise NotImplementedError

    def act(self, obj: models.Model, *, now: datetime) -> models.Model:
        """What the deadline itself does to the due row before its reminders go out (a response window
        closes, say). Runs inside the row's transaction, on the locked row; returns the row to go on with."""
        return obj

    def next_check(self, obj: models.Model, *, now: datetime | None = None) -> datetime | None:
        """The earliest moment a reminder not yet sent becomes due (in the past if one is due now)."""
        now = now or timezone.now()
        pending = [m for m in self.milestones(obj) if m.is_pending(now)]
        sent = set(Reminder.objects.filter(key__in=[m.key for m in pending]).values_list("key", flat=True))
        return min((m.at for m in pending if m.key not in sent), default=None)

    def store_next_check(self, obj: models.Model, value: datetime | None) -> None:
        # A queryset update: no save() side effects, no protected FSM field written back.
        self.model._base_manager.filter(pk=obj.pk).update(next_check=value)
        obj.next_check = value


_sources: dict[str, DeadlineSource] = {}


def register_deadline_source(source: DeadlineSource) -> DeadlineSource:
    """Add ``source`` to the sweep (registering the same name again replaces it)."""
    if not source.name:
        raise ValueError("a deadline source needs a name")
    _sources[source.name] = source
    return source


def deadline_sources() -> list[DeadlineSource]:
    return list(_sources.values())


# --- the sweep ---------------------------------------------------------------------------

def sweep_due_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Send every reminder that is due at ``now`` and move each row's ``next_check`` on.

    Returns counts: rows checked, reminders sent, duplicates skipped, notifications, e-mails, rows that failed.
    """
    now = now or timezone.now()
    counts = {"checked": 0, "reminders": 0, "duplicates": 0, "notifications": 0, "emails": 0, "errors": 0}
    for source in deadline_sources():
        ids = list(source.due(now).order_by("next_check", "pk").values_list("pk", flat=True)[:SWEEP_BATCH_SIZE])
        for pk in ids:
            try:
                row_counts = _sweep_row(source, pk, now)
            except Exception:
                # One broken row (rolled back, retried next run) must not hold up every other reminder.
                counts["errors"] += 1
                logger.exception("deadline sweep: %s %s failed", source.name, pk)
                continue
            for name, value in row_counts.items():
                counts[name] += value
    if counts["reminders"] or counts["duplicates"] or counts["errors"]:
        logger.info("deadline sweep at %s: %s", now.isoformat(), counts)
    return counts


def _lock_due_row(source: DeadlineSource, pk, now: datetime):
    rows = source.due(now).filter(pk=pk)
    if connection.features.has_select_for_update:
        # Another sweep holding the row is handling it: skip it rather than wait.
        rows = rows.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
    return rows.first()


@transaction.atomic
def _sweep_row(source: DeadlineSource, pk, now: datetime) -> dict[str, int]:
    counts = {"checked": 0, "reminders": 0, "duplicates": 0, "notifications": 0, "emails": 0}
    obj = _lock_due_row(source, pk, now)
    if obj is None:
        return counts
    counts["checked"] = 1
    obj = source.act(obj, now=now)
    if source.fan_out:
        for name, value in _send_many(source, obj, [m for m in source.milestones(obj) if m.is_due(now)]).items():
            counts[name] += value
        source.store_next_check(obj, source.next_check(obj, now=now))
        return counts
    for milestone in source.milestones(obj):
        if not milestone.is_due(now):
            continue
        reminder = _record(source.name, obj.pk, milestone)
        if reminder is None:
            counts["duplicates"] += 1
            continue
        counts["reminders"] += 1
        notified, mailed = _deliver(reminder, milestone)
        counts["notifications"] += notified
        counts["emails"] += mailed
    source.store_next_check(obj, source.next_check(obj, now=now))
    return counts


def _record(subject_type: str, subject_id: int, milestone: Milestone) -> Reminder | None:
    """Insert the reminder's row first; None when its key is already there (already sent)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                key=milestone.key,
                subject_type=subject_type,
                subject_id=subject_id,
                kind=milestone.kind,
                due_on=milestone.due_on,
            )
    except IntegrityError:
        return None


def organization_notify(*, organization: Organization, subject: models.Model, kind: str, title: str, body: str,
                        url: str = "", level: str = Notification.Level.INFO) -> int:
    """Tell ``organization``'s members that something happened that is theirs to act on (a task notice
    arrived, a proposal awaits deliberation): in-app at once, by e-mail (queued in the outbox, sent by a
    worker once the transaction commits).

    Recorded like a reminder, under a key of the subject, the event and the organization, so the same
    event is told once however often it is replayed. Returns how many people were told.
    """
    subject_type = subject._meta.model_name
    now = timezone.now()
    milestone = Milestone(key=f"{subject_type}:{subject.pk}:{kind}:{organization.pk}", kind=kind, at=now,
                          until=None, due_on=None, organization=organization, level=level, title=title[:200],
                          body=body, url=url)
    reminder = _record(subject_type, subject.pk, milestone)
    if reminder is None:
        return 0
    notified, _ = _deliver(reminder, milestone)
    return notified


def organizations_notify(*, organizations, subject: models.Model, kind: str, title: str, body: str, url: str = "",
                         level: str = Notification.Level.INFO) -> int:
    """``organization_notify`` for many organizations at once (every participant of a project, a thousand units):
    the same keys, so each is told once, recorded and delivered together in a few queries. Returns how many people
    were told."""
    subject_type = subject._meta.model_name
    now = timezone.now()
    unique = {o.pk: o for o in organizations if o is not None}
    milestones = [Milestone(key=f"{subject_type}:{subject.pk}:{kind}:{o.pk}", kind=kind, at=now, until=None,
                            due_on=None, organization=o, level=level, title=title[:200], body=body, url=url)
                  for o in unique.values()]
    return _send_many(_Subject(subject_type), subject, milestones)["notifications"]


@dataclass(frozen=True)
class _Subject:
    """What ``_send_many`` reads of a deadline source: the subject type its reminders are recorded under."""

    name: str


def _recipients(organization: Organization) -> list:
    memberships = (
        Membership.objects.filter(organization=organization, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    return [m.user for m in memberships]


def _deliver(reminder: Reminder, milestone: Milestone) -> tuple[int, int]:
    users = _recipients(milestone.organization)
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            organization=milestone.organization,
            reminder=reminder,
            level=milestone.level,
            title=milestone.title,
            body=milestone.body,
            url=milestone.url,
        )
        for user in users
    )
    reminder.recipients = len(users)
    reminder.save(update_fields=["recipients"])
    mails = outbound_mails_queue(mails=(_mail(user, milestone, reminder) for user in users if user.email))
    return len(users), len(mails)


def _chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _send_many(source: DeadlineSource, obj: models.Model, milestones: list[Milestone]) -> dict[str, int]:
    """Record and deliver ``milestones`` (all due, one row) together: the same Reminder rows, in-app
    notifications and e-mails as one by one, in a handful of queries.

    A key already recorded was sent before (a duplicate). The row is locked by the sweep, so no other sweep
    records these keys meanwhile; should one still collide, the row's transaction fails and is retried.
    """
    counts = {"reminders": 0, "duplicates": 0, "notifications": 0, "emails": 0}
    sent: set[str] = set()
    for keys in _chunks([m.key for m in milestones]):
        sent.update(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [m for m in milestones if m.key not in sent]
    counts["duplicates"] = len(milestones) - len(fresh)
    if not fresh:
        return counts
    users_of: dict[int, list] = {}
    for org_ids in _chunks(sorted({m.organization.pk for m in fresh})):
        memberships = (
            Membership.objects.filter(organization_id__in=org_ids, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("user_id")
        )
        for membership in memberships:
            users_of.setdefault(membership.organization_id, []).append(membership.user)
    reminders = Reminder.objects.bulk_create([
        Reminder(key=m.key, subject_type=source.name, subject_id=obj.pk, kind=m.kind, due_on=m.due_on,
                 recipients=len(users_of.get(m.organization.pk, ())))
        for m in fresh
    ], batch_size=1000)
    notifications, mails = [], []
    for reminder, milestone in zip(reminders, fresh, strict=True):
        for user in users_of.get(milestone.organization.pk, ()):
            notifications.append(Notification(
                recipient=user, organization=milestone.organization, reminder=reminder, level=milestone.level,
                title=milestone.title, body=milestone.body, url=milestone.url,
            ))
            if user.email:
                mails.append(_mail(user, milestone, reminder))
    Notification.objects.bulk_create(notifications, batch_size=1000)
    outbound_mails_queue(mails=mails)
    counts.update(reminders=len(reminders), notifications=len(notifications), emails=len(mails))
    return counts


def _mail(user, milestone: Milestone, reminder: Reminder) -> OutboundMail:
    return OutboundMail(reminder=reminder, organization=milestone.organization, recipient=user.email,
                        subject=mail_subject(milestone.title), body=_mail_body(user, milestone))


def _mail_body(user, milestone: Milestone) -> str:
    name = user.get_full_name() or user.get_username()
    lines = [f"{name}，您好：", "", milestone.body]
    if milestone.url:
        lines += ["", f"办理地址：{settings.PORTAL_BASE_URL.rstrip('/')}{milestone.url}"]
    lines += ["", f"此邮件由{settings.PORTAL_NAME}自动发送，请勿直接回复。"]
    return "\n".join(lines)


# --- contract deadlines (合同公告 2 个工作日, 合同备案 7 个工作日) ------------------------------

def contract_url(contract: Contract) -> str:
    """The buyer's page of the contract."""
    return reverse("unit-contract-detail", args=[contract.pk])


@dataclass(frozen=True)
class _ContractDeadline:
    kind: str  # "publish" | "filing"
    field: str
    action: str  # what must be done by the due date, in Chinese
    duration: deadlines.Duration


_CONTRACT_DEADLINES = (
    _ContractDeadline("publish", "publish_due", "公告", deadlines.CONTRACT_PUBLICATION),
    _ContractDeadline("filing", "filing_due", "备案", deadlines.CONTRACT_FILING),
)


class ContractDeadlines(DeadlineSource):
    """合同公告（签订之日起2个工作日内）and 合同备案（7个工作日内）: the buyer is reminded on the
    working day before the due date (or on the due day itself) and once more when it has passed."""

    name = "contract"
    model = Contract

    def queryset(self) -> models.QuerySet:
        # Only the statuses with deadlines here: a draft's next_check belongs to the signing
        # source (procurement.services.signing_deadlines), which this source would otherwise reset to None.
        return Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.PUBLISHED])

    def pending(self, contract: Contract) -> list[_ContractDeadline]:
        if contract.status == Contract.Status.SIGNED:
            return [d for d in _CONTRACT_DEADLINES if getattr(contract, d.field)]
        if contract.status == Contract.Status.PUBLISHED:
            return [d for d in _CONTRACT_DEADLINES if d.kind == "filing" and contract.filing_due]
        return []

    def milestones(self, contract: Contract) -> list[Milestone]:
        found: list[Milestone] = []
        for deadline in self.pending(contract):
            due: date = getattr(contract, deadline.field)
            passed = deadlines.start_of_day(due + timedelta(days=1))
            subject = f"合同「{contract.code} {contract.title}」"
            rule = f"依据{deadline.duration.rule}"
            common = {"due_on": due, "organization": contract.buyer, "url": contract_url(contract)}
            found.append(Milestone(
                key=f"contract:{contract.pk}:{deadline.kind}_due_soon:{due.isoformat()}",
                kind=f"{deadline.kind}_due_soon",
                at=deadlines.start_of_day(deadlines.subtract_working_days(due, 1)),
                until=passed,
                level=Notification.Level.WARNING,
                title=f"合同{deadline.action}即将到期",
                body=f"{subject}应于{chinese_date(due)}前完成{deadline.action}，请及时办理。{rule}。",
                **common,
            ))
            found.append(Milestone(
                key=f"contract:{contract.pk}:{deadline.kind}_overdue:{due.isoformat()}",
                kind=f"{deadline.kind}_overdue",
                at=passed,
                until=None,
                level=Notification.Level.DANGER,
                title=f"合同{deadline.action}已逾期",
                body=f"{subject}的{deadline.action}截止日为{chinese_date(due)}，至今尚未完成，已逾期，请立即办理。{rule}。",
                **common,
            ))
        return found


CONTRACT_DEADLINES = register_deadline_source(ContractDeadlines())

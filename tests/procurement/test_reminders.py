"""The deadline sweep: contract publication and filing reminders, each sent exactly once."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from procurement import deadlines
from procurement.models import Contract, Membership, Notification, Project, Reminder
from procurement.services import reminders
from procurement.services.contracts import contract_publish, contract_sign
from procurement.services.reminders import DeadlineSource, Milestone, sweep_due_deadlines
from procurement.tasks import sweep_due_deadlines as sweep_task
from tests.factories import BudgetUnitFactory, ContractFactory, ProjectFactory, contract_pdf, member_of

pytestmark = pytest.mark.usefixtures("calendar_loaded")


@pytest.fixture
def unit():
    return BudgetUnitFactory()


@pytest.fixture
def members(unit):
    """Two active members (one without an e-mail address) and one whose membership has ended."""
    alice = member_of(unit, username="alice", email="alice@example.gov.cn")
    bob = member_of(unit, username="bob", email="")
    carol = member_of(unit, username="carol", email="carol@example.gov.cn")
    Membership.objects.filter(user=carol).update(is_active=False)
    member_of(BudgetUnitFactory(), username="dave", email="dave@example.gov.cn")  # another unit
    return alice, bob


@pytest.fixture
def signed(unit, members):
    """A contract signed today: publication due in 2 working days, filing in 7."""
    contract = ContractFactory(buyer=unit)
    return contract_sign(contract=contract, actor=members[0], signed_on=deadlines.today(), signed_file=contract_pdf())


def at(day: date, hour: int = 9) -> datetime:
    return deadlines.start_of_day(day) + timedelta(hours=hour)


def day_before(due: date) -> date:
    return deadlines.subtract_working_days(due, 1)


def test_running_the_sweep_twice_sends_one_reminder(signed, django_capture_on_commit_callbacks):
    moment = at(day_before(signed.publish_due))

    with django_capture_on_commit_callbacks(execute=True):
        first = sweep_due_deadlines(now=moment)
    with django_capture_on_commit_callbacks(execute=True):
        second = sweep_due_deadlines(now=moment)

    assert (first["reminders"], first["notifications"], first["emails"]) == (1, 2, 1)
    assert second["reminders"] == 0
    reminder = Reminder.objects.get()
    assert reminder.key == f"contract:{signed.pk}:publish_due_soon:{signed.publish_due.isoformat()}"
    assert reminder.kind == "publish_due_soon" and reminder.recipients == 2
    notifications = Notification.objects.filter(reminder=reminder)
    assert sorted(n.recipient.username for n in notifications) == ["alice", "bob"]
    assert {n.title for n in notifications} == {"合同公告即将到期"}
    assert {n.level for n in notifications} == {Notification.Level.WARNING}
    assert signed.code in notifications[0].body and "第五十条" in notifications[0].body
    assert notifications[0].url == reminders.contract_url(signed) != ""
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.gov.cn"]
    assert "合同公告即将到期" in mail.outbox[0].subject
    assert f"办理地址：http://127.0.0.1:8000/unit/contracts/{signed.pk}/" in mail.outbox[0].body


def test_a_doubled_sweep_of_a_row_already_reminded_sends_nothing_twice(signed, django_capture_on_commit_callbacks):
    moment = at(day_before(signed.publish_due))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due_deadlines(now=moment)
    # A second worker that read the row before the first one moved next_check on.
    Contract.objects.filter(pk=signed.pk).update(next_check=moment - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        again = sweep_due_deadlines(now=moment)

    assert (again["checked"], again["reminders"], again["duplicates"]) == (1, 0, 1)
    assert Reminder.objects.count() == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


def test_the_task_run_twice_sends_one_reminder(signed, django_capture_on_commit_callbacks):
    moment = at(day_before(signed.publish_due)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_task.delay(now=moment)
        sweep_task.delay(now=moment)
    assert Reminder.objects.count() == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


def test_nothing_is_sent_before_the_working_day_before_the_deadline(signed):
    early = deadlines.start_of_day(day_before(signed.publish_due)) - timedelta(minutes=1)
    counts = sweep_due_deadlines(now=early)
    assert counts["checked"] == 0
    assert not Reminder.objects.exists()


def test_the_due_day_itself_reminds_if_the_day_before_was_missed(signed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due_deadlines(now=at(signed.publish_due, hour=16))
    assert list(Reminder.objects.values_list("kind", flat=True)) == ["publish_due_soon"]


def test_an_unpublished_contract_gets_an_overdue_reminder(signed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due_deadlines(now=at(day_before(signed.publish_due)))
        counts = sweep_due_deadlines(now=at(signed.publish_due + timedelta(days=1), hour=0))

    assert counts["reminders"] == 1
    overdue = Reminder.objects.get(kind="publish_overdue")
    assert overdue.key == f"contract:{signed.pk}:publish_overdue:{signed.publish_due.isoformat()}"
    titles = set(Notification.objects.filter(reminder=overdue).values_list("title", flat=True))
    levels = set(Notification.objects.filter(reminder=overdue).values_list("level", flat=True))
    assert titles == {"合同公告已逾期"} and levels == {Notification.Level.DANGER}
    assert [m.subject for m in mail.outbox][-1].endswith("合同公告已逾期")


def test_a_contract_found_already_overdue_gets_only_the_overdue_reminder(signed):
    sweep_due_deadlines(now=at(signed.publish_due + timedelta(days=3)))
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"publish_overdue"}


def test_a_published_contract_gets_no_publication_reminder(signed, members):
    contract_publish(contract=signed, actor=members[0], published_on=deadlines.today())
    for moment in (at(day_before(signed.publish_due)), at(signed.publish_due + timedelta(days=1))):
        counts = sweep_due_deadlines(now=moment)
        assert counts["reminders"] == 0
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()


def test_filing_reminders_follow_the_seven_working_days(signed, members):
    contract_publish(contract=signed, actor=members[0], published_on=deadlines.today())
    sweep_due_deadlines(now=at(day_before(signed.filing_due)))
    sweep_due_deadlines(now=at(signed.filing_due + timedelta(days=1)))
    assert list(Reminder.objects.order_by("id").values_list("kind", flat=True)) == [
        "filing_due_soon", "filing_overdue",
    ]
    titles = list(Notification.objects.order_by("id").values_list("title", flat=True).distinct())
    assert set(titles) == {"合同备案即将到期", "合同备案已逾期"}


def test_next_check_advances_to_the_next_pending_reminder(signed):
    publish_soon = deadlines.start_of_day(day_before(signed.publish_due))
    publish_overdue = deadlines.start_of_day(signed.publish_due + timedelta(days=1))
    filing_soon = deadlines.start_of_day(day_before(signed.filing_due))
    filing_overdue = deadlines.start_of_day(signed.filing_due + timedelta(days=1))
    assert Contract.objects.get(pk=signed.pk).next_check == publish_soon

    sweep_due_deadlines(now=publish_soon)
    assert Contract.objects.get(pk=signed.pk).next_check == min(publish_overdue, filing_soon)
    sweep_due_deadlines(now=publish_overdue)
    assert Contract.objects.get(pk=signed.pk).next_check == filing_soon
    sweep_due_deadlines(now=filing_soon)
    assert Contract.objects.get(pk=signed.pk).next_check == filing_overdue
    sweep_due_deadlines(now=filing_overdue)
    assert Contract.objects.get(pk=signed.pk).next_check is None
    assert Reminder.objects.count() == 4


def test_a_registered_source_is_swept_too(monkeypatch, unit, members):
    """Each mode adds its own deadline source; the sweep treats it like the contract one."""
    project = ProjectFactory(organizer=unit)
    moment = deadlines.start_of_day(date(2026, 3, 2))

    class ResponseWindowSource(DeadlineSource):
        name = "test-response-window"
        model = Project

        def milestones(self, obj):
            return [Milestone(key=f"project:{obj.pk}:closing", kind="closing", at=moment, until=None, due_on=None,
                              organization=obj.organizer, level=Notification.Level.INFO, title="响应即将截止",
                              body="请及时填报分计划。")]

    monkeypatch.setitem(reminders._sources, "test-response-window", ResponseWindowSource())
    Project.objects.filter(pk=project.pk).update(next_check=moment)

    sweep_due_deadlines(now=moment)
    sweep_due_deadlines(now=moment + timedelta(hours=1))

    assert Reminder.objects.get().key == f"project:{project.pk}:closing"
    assert Notification.objects.filter(title="响应即将截止").count() == 2
    assert Project.objects.get(pk=project.pk).next_check is None


def test_the_admin_lists_reminders_read_only_and_notifications(signed, admin_client):
    sweep_due_deadlines(now=at(day_before(signed.publish_due)))
    reminder = Reminder.objects.get()
    notification = Notification.objects.filter(reminder=reminder).first()

    listing = admin_client.get(reverse("admin:procurement_reminder_changelist"))
    assert listing.status_code == 200 and reminder.key in listing.content.decode()
    detail = admin_client.get(reverse("admin:procurement_reminder_change", args=[reminder.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.get(reverse("admin:procurement_reminder_add")).status_code == 403
    notifications = admin_client.get(reverse("admin:procurement_notification_changelist"), {"read": "no"})
    assert notifications.status_code == 200 and "合同公告即将到期" in notifications.content.decode()
    assert admin_client.get(reverse("admin:procurement_notification_change", args=[notification.pk])).status_code == 200


def test_a_failing_row_does_not_hold_up_the_others(monkeypatch, signed):
    # Signed: the contract source sweeps signed and published contracts (a draft's belongs to its mode).
    broken = ContractFactory(buyer=signed.buyer, status=Contract.Status.SIGNED)
    moment = at(day_before(signed.publish_due))
    Contract.objects.filter(pk=broken.pk).update(next_check=moment - timedelta(days=1))
    real = reminders.CONTRACT_DEADLINES.milestones

    def milestones(contract):
        if contract.pk == broken.pk:
            raise RuntimeError("broken row")
        return real(contract)

    monkeypatch.setattr(reminders.CONTRACT_DEADLINES, "milestones", milestones)
    counts = sweep_due_deadlines(now=moment)

    assert (counts["errors"], counts["reminders"]) == (1, 1)
    assert Reminder.objects.get().subject_id == signed.pk
    assert Contract.objects.get(pk=broken.pk).next_check == moment - timedelta(days=1)  # retried next run


def test_many_organizations_are_told_at_once_and_each_only_once_as_one_by_one(django_assert_max_num_queries):
    """``organizations_notify`` records the keys ``organization_notify`` records: telling a thousand units takes a
    few queries, and telling any of them again (in bulk or one by one) tells nobody."""
    project = ProjectFactory()
    units = [BudgetUnitFactory() for _ in range(30)]
    clerks = [member_of(unit) for unit in units]
    with django_assert_max_num_queries(12):
        told = reminders.organizations_notify(organizations=[*units, units[0], None], subject=project, kind="told",
                                              title="通知", body="正文", url="/x/")
    assert told == len(clerks)
    assert Notification.objects.filter(title="通知").count() == len(clerks)
    assert reminders.organizations_notify(organizations=units, subject=project, kind="told", title="通知",
                                          body="正文") == 0
    assert reminders.organization_notify(organization=units[3], subject=project, kind="told", title="通知",
                                         body="正文") == 0
    assert Notification.objects.filter(title="通知").count() == len(clerks)

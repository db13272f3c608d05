"""Contract services: sign → publish → file → accept → pay, and terminate (统采分签)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from procurement import deadlines
from procurement.models import Contract, Filing, ProjectEvent
from procurement.services.contracts import (
    contract_accept,
    contract_file,
    contract_next_check,
    contract_pay,
    contract_publish,
    contract_sign,
    contract_terminate,
)
from procurement.services.errors import ServiceError, TransitionRefused
from tests.factories import (
    BudgetUnitFactory,
    ContractFactory,
    FinanceFactory,
    contract_pdf,
    county,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Contract.Status


@pytest.fixture
def unit():
    return BudgetUnitFactory(region=county())


@pytest.fixture
def operator(unit):
    return member_of(unit)


@pytest.fixture
def contract(unit):
    return ContractFactory(buyer=unit, amount_yuan=Decimal("45000.00"))


def events_of(contract: Contract) -> list[tuple[str, str, str]]:
    rows = ProjectEvent.objects.filter(subject_type="contract", subject_id=contract.pk).order_by("id")
    return list(rows.values_list("action", "source", "target"))


def test_signing_sets_publish_due_two_working_days_later_across_national_day(contract, operator):
    """实施条例第五十条：签订之日起2个工作日内公告. Signed Monday 2025-09-29: 9-30 is one working day,
    10-1 to 10-8 are the National Day holiday, so the second working day is 2025-10-09."""
    signed = contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29))

    signed.refresh_from_db()
    assert signed.status == Status.SIGNED
    assert signed.signed_on == date(2025, 9, 29)
    assert signed.publish_due == date(2025, 10, 9)
    assert signed.filing_due == date(2025, 10, 15)  # 政府采购法第四十七条: 7 working days
    # Both deadlines have passed unpublished: the sweep must look at once (the publication overdue reminder).
    assert signed.next_check == deadlines.start_of_day(date(2025, 10, 10))
    assert signed.next_check == contract_next_check(signed)
    event = ProjectEvent.objects.get(subject_type="contract", subject_id=contract.pk)
    assert (event.action, event.source, event.target) == ("sign", Status.DRAFT, Status.SIGNED)
    assert event.changes == {"signed_on": "2025-09-29", "publish_due": "2025-10-09", "filing_due": "2025-10-15"}
    assert event.actor == operator


def test_signing_today_schedules_the_check_for_the_working_day_before_publication(contract, operator):
    today = deadlines.today()
    signed = contract_sign(contract=contract, actor=operator, signed_on=today)
    assert signed.publish_due == deadlines.add_working_days(today, 2)
    soon = deadlines.subtract_working_days(signed.publish_due, 1)
    assert Contract.objects.get(pk=contract.pk).next_check == deadlines.start_of_day(soon)


def test_another_units_user_gets_permission_denied_and_nothing_changes(contract):
    stranger = member_of(BudgetUnitFactory())
    with pytest.raises(PermissionDenied):
        contract_sign(contract=contract, actor=stranger, signed_on=date(2025, 9, 29))
    contract.refresh_from_db()
    assert contract.status == Status.DRAFT
    assert contract.signed_on is None and contract.publish_due is None and contract.next_check is None
    assert events_of(contract) == []


def test_a_read_only_member_of_the_buyer_may_not_sign(contract, unit):
    viewer = member_of(unit, role="viewer")
    with pytest.raises(PermissionDenied):
        contract_sign(contract=contract, actor=viewer, signed_on=date(2025, 9, 29))
    assert Contract.objects.get(pk=contract.pk).status == Status.DRAFT


def test_a_signing_date_in_the_future_is_refused(contract, operator):
    with pytest.raises(ServiceError, match="签订日期不能晚于今天"):
        contract_sign(contract=contract, actor=operator, signed_on=deadlines.today() + timedelta(days=1))
    contract.refresh_from_db()
    assert contract.status == Status.DRAFT and contract.signed_on is None
    assert events_of(contract) == []


@pytest.mark.parametrize("step, kwargs, message", [
    ("publish", {"published_on": date(2025, 9, 28)}, "公告日期不能早于签订日期（2025年9月29日）"),
    ("publish", {"published_on": date(2999, 1, 1)}, "公告日期不能晚于今天"),
    ("publish", {"published_on": "2025-10-09"}, "请填写正确的公告日期"),
])
def test_bad_step_dates_are_refused_and_nothing_changes(contract, operator, step, kwargs, message):
    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29), signed_file=contract_pdf())
    with pytest.raises(ServiceError) as refused:
        contract_publish(contract=contract, actor=operator, **kwargs)
    assert refused.value.message == message
    contract.refresh_from_db()
    assert contract.status == Status.SIGNED and contract.published_on is None
    assert [e[0] for e in events_of(contract)] == ["sign"]


def test_a_step_out_of_order_is_refused(contract, operator):
    with pytest.raises(TransitionRefused, match="当前状态为「草稿」"):
        contract_publish(contract=contract, actor=operator, published_on=date(2025, 10, 9))


def _accepted(contract, operator):
    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29), signed_file=contract_pdf())
    contract_publish(contract=contract, actor=operator, published_on=date(2025, 10, 9))
    contract_file(contract=contract, actor=operator, filed_on=date(2025, 10, 10))
    return contract_accept(contract=contract, actor=operator, accepted_on=date(2025, 11, 3))


@pytest.mark.parametrize("amount, message", [
    (Decimal("-0.01"), "支付金额不能为负数"),
    (Decimal("45000.01"), "支付金额不能超过合同金额（45,000.00元）"),
    (Decimal("100.005"), "支付金额最多保留两位小数（单位：元）"),
])
def test_a_bad_payment_amount_is_refused(contract, operator, amount, message):
    _accepted(contract, operator)
    with pytest.raises(ServiceError) as refused:
        contract_pay(contract=contract, actor=operator, paid_on=date(2025, 11, 10), amount_yuan=amount)
    assert refused.value.message == message
    contract.refresh_from_db()
    assert contract.status == Status.ACCEPTED and contract.paid_amount_yuan is None


def test_payment_before_acceptance_date_is_refused(contract, operator):
    _accepted(contract, operator)
    with pytest.raises(ServiceError, match="支付日期不能早于验收日期"):
        contract_pay(contract=contract, actor=operator, paid_on=date(2025, 11, 1), amount_yuan=Decimal("1"))


def test_full_chain_from_draft_to_paid_writes_one_event_per_step(contract, operator, unit):
    bureau = FinanceFactory(region=unit.region)
    FinanceFactory(region=prefecture())  # the prefecture's bureau is not the buyer's own

    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29), signed_file=contract_pdf())
    published = contract_publish(contract=contract, actor=operator, published_on=date(2025, 10, 9))
    assert published.status == Status.PUBLISHED
    assert published.next_check is not None  # the filing deadline is still pending
    filed = contract_file(contract=contract, actor=operator, filed_on=date(2025, 10, 10))
    assert filed.next_check is None  # nothing pending any more
    contract_accept(contract=contract, actor=operator, accepted_on=date(2025, 11, 3), note="  验收合格  ")
    paid = contract_pay(contract=contract, actor=operator, paid_on=date(2025, 11, 10),
                        amount_yuan=Decimal("45000.00"))

    contract.refresh_from_db()
    assert contract.status == Status.PAID == paid.status
    assert contract.published_on == date(2025, 10, 9)
    assert contract.filed_on == date(2025, 10, 10)
    assert contract.accepted_on == date(2025, 11, 3)
    assert contract.acceptance_note == "验收合格"
    assert contract.paid_on == date(2025, 11, 10)
    assert contract.paid_amount_yuan == Decimal("45000.00")
    assert contract.next_check is None
    assert events_of(contract) == [
        ("sign", Status.DRAFT, Status.SIGNED),
        ("publish", Status.SIGNED, Status.PUBLISHED),
        ("file", Status.PUBLISHED, Status.FILED),
        ("accept", Status.FILED, Status.ACCEPTED),
        ("pay", Status.ACCEPTED, Status.PAID),
    ]
    filing = Filing.objects.about(contract).get()
    assert filing.kind == Filing.Kind.CONTRACT
    assert filing.filed_by == unit
    assert filing.finance_bureau == bureau
    assert filing.project_id == contract.project_id
    assert filing.payload["contract_code"] == contract.code
    assert filing.payload["amount_yuan"] == "45000.00"
    pay_event = ProjectEvent.objects.get(subject_type="contract", subject_id=contract.pk, action="pay")
    assert pay_event.changes == {"paid_on": "2025-11-10", "paid_amount_yuan": "45000.00"}


def test_filing_without_a_finance_bureau_in_the_region_has_no_addressee(contract, operator):
    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29), signed_file=contract_pdf())
    contract_publish(contract=contract, actor=operator, published_on=date(2025, 10, 9))
    contract_file(contract=contract, actor=operator, filed_on=date(2025, 10, 10))
    assert Filing.objects.about(contract).get().finance_bureau is None


def test_terminating_requires_a_reason(contract, operator):
    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29))
    with pytest.raises(ServiceError, match="终止合同必须填写终止原因"):
        contract_terminate(contract=contract, actor=operator, reason="   ")
    assert Contract.objects.get(pk=contract.pk).status == Status.SIGNED


def test_terminating_writes_an_event_and_stops_the_deadlines(contract, operator):
    contract_sign(contract=contract, actor=operator, signed_on=date(2025, 9, 29))
    assert Contract.objects.get(pk=contract.pk).next_check is not None

    reason = "供应商无法履约，双方协商解除"
    terminated = contract_terminate(contract=contract, actor=operator, reason=f"  {reason} ")

    contract.refresh_from_db()
    assert contract.status == Status.TERMINATED == terminated.status
    assert contract.termination_reason == reason
    assert contract.next_check is None
    event = ProjectEvent.objects.get(subject_type="contract", subject_id=contract.pk, action="terminate")
    assert (event.source, event.target, event.note) == (Status.SIGNED, Status.TERMINATED, reason)

"""统采分签: one contract per unit per lot from the award, each unit signing its own, and the board.

Seed 000 三(一)(6): 参与单位根据中标(成交)结果，严格按照本单位填报的分计划采购数量，分别与中标(成交)
供应商签订政府采购合同; 吉财采购〔2024〕753号 三.6 and 四(三) (no unit may refuse to sign);
《政府采购法》第四十六条 (30 days), 第四十七条 (filing), 实施条例第五十条 (publication).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement import deadlines
from procurement.models import (
    Contract,
    ContractLine,
    Notification,
    ProcurementMethod,
    Project,
    ProjectEvent,
    Reminder,
    SubPlan,
)
from procurement.selectors.execution import signing_board
from procurement.selectors.plans import master_plan
from procurement.services.contracts import contract_publish, contract_sign
from procurement.services.errors import TransitionRefused
from procurement.services.execution import award_finalize, contracts_generate, lot_award, procurement_start
from procurement.services.reminders import sweep_due_deadlines
from procurement.services.signing_deadlines import CONTRACT_SIGNING, signing_due
from tests.factories import AwardFactory, BudgetUnitFactory, ContractFactory, contract_pdf, member_of
from tests.procurement.test_award import award_world, awarded_world

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Contract.Status


def at(day: date, hour: int = 9):
    return deadlines.start_of_day(day) + timedelta(hours=hour)


# --- generation --------------------------------------------------------------------------------

def test_master_plan_to_award_to_fifty_contracts_with_the_right_quantities_and_amounts():
    """Issue 3 end-to-end check: master plan = sum of sub-plans → award → 50 contracts (25 units × 2 lots),
    quantity from each unit's sub-plan, amount = quantity × award unit price to the cent (seed 000 三(一)(6))."""
    # Budgets large enough for the award: a price over the lot's budget is invalid (Order 87 Art. 63).
    world = award_world(units=25, lots=2, budget_yuan="120000.00")
    for index, unit in enumerate(world.units, start=1):
        SubPlan.objects.filter(unit=unit, lot=world.lots[0]).update(quantity=Decimal(index))
        SubPlan.objects.filter(unit=unit, lot=world.lots[1]).update(quantity=Decimal(index) + Decimal("0.5"))
    plan = master_plan(project=world.project)
    assert plan.total_quantity == sum(SubPlan.objects.values_list("quantity", flat=True)) == Decimal("662.50")
    assert plan.sub_plan_count == 50

    procurement_start(project=world.project, method=ProcurementMethod.INQUIRY, actor=world.operator)
    prices = {world.lots[0].pk: Decimal("4321.57"), world.lots[1].pk: Decimal("3999.99")}
    for lot in world.lots:
        lot_award(project=world.project, lot=lot, supplier=world.supplier, unit_price_yuan=prices[lot.pk],
                        awarded_on=deadlines.today(), actor=world.operator)
    award_finalize(project=world.project, actor=world.operator)
    created = contracts_generate(project=world.project, actor=world.operator)

    assert len(created) == Contract.objects.filter(project=world.project).count() == 50
    for contract in Contract.objects.prefetch_related("lines__sub_plan", "lines__lot__award"):
        (line,) = contract.lines.all()
        sub_plan = line.sub_plan
        assert (contract.buyer_id, line.lot_id) == (sub_plan.unit_id, sub_plan.lot_id)
        assert line.quantity == sub_plan.quantity
        assert line.unit_price_yuan == prices[line.lot_id]
        # 四舍五入 to the cent (ROUND_HALF_UP, not the banker's rounding Decimal uses by default).
        assert contract.amount_yuan == line.amount_yuan == (sub_plan.quantity * prices[line.lot_id]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert contract.supplier == world.supplier and contract.award == line.award == line.lot.award
        assert contract.status == Status.DRAFT
    assert sum(line.quantity for line in ContractLine.objects.all()) == plan.total_quantity
    # Unit 25, lot 2: 25.5 × 3999.99 = 101999.745 → 101999.75 (half up; half-even would give .74).
    last_unit = Contract.objects.get(buyer=world.units[24], lines__lot=world.lots[1])
    assert last_unit.amount_yuan == Decimal("101999.75")


def test_each_contract_has_a_code_a_chinese_title_and_the_signing_reminder_scheduled():
    """Contract.next_check is set at generation: the first signing reminder (5 days before the 30-day limit)."""
    world = awarded_world(units=2, lots=1)
    created = contracts_generate(project=world.project, actor=world.operator)
    codes = sorted(c.code for c in Contract.objects.all())
    assert codes == [f"{world.project.code}-HT0001", f"{world.project.code}-HT0002"]
    contract = Contract.objects.get(pk=created[0].pk)
    assert contract.title == "2026年第二季度台式计算机批量集中采购第1包（配置1）采购合同"
    due = signing_due(deadlines.today())
    assert due == deadlines.today() + timedelta(days=30)
    # Issue 7 point 11: the unit is told at once that its contract awaits signing (due from the award on),
    # then 5 and 1 days before the limit.
    assert contract.next_check == deadlines.start_of_day(deadlines.today())
    assert contract.next_check == CONTRACT_SIGNING.next_check(contract)
    event = ProjectEvent.objects.get(project=world.project, action="contracts_generate")
    assert event.changes["created"] == 2 and event.changes["amount_yuan"] == "90000.00"


def test_generating_twice_creates_nothing_new():
    """Idempotent: a second run (or a double click) makes no second contract for any unit and lot."""
    world = awarded_world(units=3, lots=2)
    first = contracts_generate(project=world.project, actor=world.operator)
    again = contracts_generate(project=world.project, actor=world.operator)
    assert len(first) == 6 and again == []
    assert Contract.objects.count() == 6
    assert ProjectEvent.objects.filter(action="contracts_generate").count() == 1


def test_only_frozen_sub_plans_become_contracts():
    """Only the confirmed master plan (frozen sub-plans) is executed; a withdrawn sub-plan signs nothing."""
    world = awarded_world(units=2, lots=1)
    late = BudgetUnitFactory(name="撤回的单位")
    withdrawn = SubPlan.objects.create(project=world.project, lot=world.lots[0], unit=late, quantity=Decimal("5"),
                                       budget_yuan=Decimal("1000"), status=SubPlan.Status.WITHDRAWN)
    contracts_generate(project=world.project, actor=world.operator)
    assert not Contract.objects.filter(lines__sub_plan=withdrawn).exists()
    assert set(Contract.objects.values_list("buyer_id", flat=True)) == {u.pk for u in world.units}


def test_a_unit_that_already_has_a_live_contract_for_the_lot_gets_no_second_one():
    """统采分签: one live contract per unit per lot — the lot's award (constraint
    contract_line_one_live_per_award_and_buyer)."""
    world = awarded_world(units=2, lots=1)
    ContractFactory(project=world.project, lot=world.lots[0], line_award=world.lots[0].award, buyer=world.units[0],
                    code="手工-001")
    created = contracts_generate(project=world.project, actor=world.operator)
    assert [c.buyer_id for c in created] == [world.units[1].pk]


@pytest.mark.parametrize("status", [Project.Status.CONFIRMED, Project.Status.PROCURING, Project.Status.TERMINATED])
def test_contracts_come_only_after_the_award(status):
    world = award_world(status=status, procurement_method=ProcurementMethod.INQUIRY)
    with pytest.raises(TransitionRefused, match="须已定标"):
        contracts_generate(project=world.project, actor=world.operator)
    assert not Contract.objects.exists()


def test_a_unit_cannot_generate_contracts():
    world = awarded_world(units=2, lots=1)
    with pytest.raises(PermissionDenied):
        contracts_generate(project=world.project, actor=world.clerk(world.units[0]))
    assert not Contract.objects.exists()


# --- each unit signs its own ---------------------------------------------------------------------

def test_a_unit_signs_its_own_contract_and_nobody_elses(client):
    """统采分签: each unit signs its own contract (access.can_act_as_buyer); another unit or the center cannot."""
    world = awarded_world(units=2, lots=1)
    contracts_generate(project=world.project, actor=world.operator)
    mine = Contract.objects.get(buyer=world.units[0])
    theirs = Contract.objects.get(buyer=world.units[1])
    clerk = world.clerk(world.units[0])

    for outsider in (world.clerk(world.units[1]), world.operator):
        with pytest.raises(PermissionDenied):
            contract_sign(contract=mine, actor=outsider, signed_on=deadlines.today())
    signed = contract_sign(contract=mine, actor=clerk, signed_on=deadlines.today())
    assert signed.status == Status.SIGNED
    # Through the unit's page another unit's contract is not even found.
    client.force_login(clerk)
    response = client.post(reverse("unit-contract-step", args=[theirs.pk, "sign"]),
                           {"on": deadlines.today().isoformat()})
    assert response.status_code == 404
    assert Contract.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_signing_hands_the_contract_over_to_the_publication_and_filing_deadlines():
    """After signing, next_check follows 实施条例第五十条 (publication) instead of the signing limit."""
    world = awarded_world(units=1, lots=1)
    [contract] = contracts_generate(project=world.project, actor=world.operator)
    signed = contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_on=deadlines.today())
    assert signed.next_check == deadlines.start_of_day(deadlines.subtract_working_days(signed.publish_due, 1))


# --- the signing board ---------------------------------------------------------------------------

def test_the_board_lists_the_units_that_have_not_signed_first():
    """Issue 3 point 9: any unit that does not sign shows on the center's board."""
    world = awarded_world(units=3, lots=2)
    contracts_generate(project=world.project, actor=world.operator)
    signer = world.units[1]
    for contract in Contract.objects.filter(buyer=signer):
        contract_sign(contract=contract, actor=world.clerk(signer), signed_on=deadlines.today())

    board = signing_board(world.project)

    assert [u.unit_id for u in board.unsigned_units] == sorted(
        [world.units[0].pk, world.units[2].pk], key=lambda pk: next(u.name for u in world.units if u.pk == pk))
    assert {u.contract_count for u in board.unsigned_units} == {2}
    assert {u.amount_yuan for u in board.unsigned_units} == {Decimal("90000.00")}
    rows = list(board.contracts)
    assert len(rows) == board.total == 6
    assert [r.status for r in rows] == [Status.DRAFT] * 4 + [Status.SIGNED] * 2
    assert {s.value: s.count for s in board.status_counts}[Status.SIGNED] == 2


def test_the_board_flags_a_contract_unsigned_30_days_after_the_award():
    """《政府采购法》第四十六条: 三十日内签订合同 — on day 30 still on time, from day 31 overdue."""
    today = deadlines.today()
    late = awarded_world(units=1, lots=1, awarded_on=today - timedelta(days=31))
    contracts_generate(project=late.project, actor=late.operator)
    board = signing_board(late.project)
    [row] = list(board.contracts)
    assert row.is_signing_overdue is True
    assert board.signing_overdue_count == 1
    assert board.unsigned_units[0].overdue is True
    assert board.unsigned_units[0].signing_due == today - timedelta(days=1)

    on_time = awarded_world(units=1, lots=1, awarded_on=today - timedelta(days=30))
    contracts_generate(project=on_time.project, actor=on_time.operator)
    [row] = list(signing_board(on_time.project).contracts)
    assert row.is_signing_overdue is False


def test_the_board_flags_publication_and_filing_overdue():
    """Contract.objects.publish_overdue / filing_overdue: 2 and 7 working days after signing."""
    world = awarded_world(units=2, lots=1, awarded_on=deadlines.today() - timedelta(days=20))
    contracts_generate(project=world.project, actor=world.operator)
    late, fine = (Contract.objects.get(buyer=u) for u in world.units)
    signed_on = deadlines.today() - timedelta(days=15)
    contract_sign(contract=late, actor=world.clerk(world.units[0]), signed_on=signed_on)
    contract_sign(contract=fine, actor=world.clerk(world.units[1]), signed_on=signed_on, signed_file=contract_pdf())
    contract_publish(contract=fine, actor=world.clerk(world.units[1]), published_on=signed_on)

    board = signing_board(world.project)
    flags = {c.buyer_id: (c.is_publish_overdue, c.is_filing_overdue) for c in board.contracts}
    assert flags[world.units[0].pk] == (True, True)
    assert flags[world.units[1].pk] == (False, True)
    assert (board.publish_overdue_count, board.filing_overdue_count) == (1, 2)
    assert {c.pk for c in signing_board(world.project, status="overdue").contracts} == {late.pk, fine.pk}


def test_the_board_filters_by_state_lot_and_unit():
    world = awarded_world(units=2, lots=2)
    contracts_generate(project=world.project, actor=world.operator)
    contract = Contract.objects.get(buyer=world.units[0], lines__lot=world.lots[0])
    contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_on=deadlines.today())

    def codes(**filters):
        return {c.code for c in signing_board(world.project, **filters).contracts}

    assert len(codes(status="unsigned")) == 3 and contract.code not in codes(status="unsigned")
    assert codes(status=Status.SIGNED) == {contract.code}
    assert codes(lot_id=world.lots[1].pk) == set(Contract.objects.filter(lines__lot=world.lots[1]).values_list("code",
                                                                                                          flat=True))
    assert codes(q=world.units[1].name) == set(Contract.objects.filter(buyer=world.units[1]).values_list("code",
                                                                                                          flat=True))
    assert codes(status="overdue") == set()


def test_the_board_counts_frozen_sub_plans_still_without_a_contract():
    world = awarded_world(units=2, lots=1)
    assert signing_board(world.project).without_contract_count == 2
    contracts_generate(project=world.project, actor=world.operator)
    assert signing_board(world.project).without_contract_count == 0


def test_the_board_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    """Selectors choose their joins: the board costs the same for 3 units or 30 (no N+1)."""
    world = awarded_world(units=12, lots=2)
    contracts_generate(project=world.project, actor=world.operator)
    with django_assert_max_num_queries(9):
        board = signing_board(world.project)
        rows = list(board.contracts)
        [(r.buyer.name, [line.lot.number for line in r.lines.all()], r.award.awarded_on, r.supplier.name)
         for r in rows]
    assert len(rows) == 24


# --- reminders: 5 days and 1 day before the limit, then overdue ---------------------------------------

def test_the_sweep_reminds_each_buyer_before_the_signing_limit_and_flags_it_overdue_once():
    """Issue 3 point 9: reminders and overdue flags; 《政府采购法》第四十六条 (30 days from the award)."""
    today = deadlines.today()
    world = awarded_world(units=2, lots=1, awarded_on=today - timedelta(days=27))
    due = today + timedelta(days=3)
    center_clerk = world.operator
    clerks = [world.clerk(u) for u in world.units]
    contracts_generate(project=world.project, actor=world.operator)
    signer_contract = Contract.objects.get(buyer=world.units[1])
    # The contract awaits signing since the award (issue 7 point 11) and the 5-day reminder is due already
    # (generated 3 days before the limit); the 1-day one is not.
    assert signer_contract.next_check == deadlines.start_of_day(today - timedelta(days=27))

    def kinds():
        # The buyers' signing messages (the supplier's "to sign" message is recorded at generation).
        return sorted(Reminder.objects.exclude(kind__startswith="to_sign").values_list("kind", flat=True))

    sweep_due_deadlines(now=at(today))
    assert kinds() == ["sign_due_in_5", "sign_due_in_5", "sign_ready", "sign_ready"]
    notification = Notification.objects.get(recipient=clerks[0], title="合同签订即将到期")
    assert "第四十六条" in notification.body
    # The unit that signs drops out of the signing reminders.
    contract_sign(contract=signer_contract, actor=clerks[1], signed_on=today)

    sweep_due_deadlines(now=at(due - timedelta(days=1)))
    assert kinds().count("sign_due_in_1") == 1
    sweep_due_deadlines(now=at(due + timedelta(days=1)))
    sweep_due_deadlines(now=at(due + timedelta(days=2)))  # a second sweep sends nothing twice
    assert kinds().count("sign_overdue") == 1 and kinds().count("sign_overdue_center") == 1
    overdue = Notification.objects.get(recipient=center_clerk)
    assert overdue.title == "预算单位逾期未签订合同" and world.units[0].name in overdue.body
    assert overdue.url == reverse("award-signing-board", args=[world.project.pk])
    assert Contract.objects.get(buyer=world.units[0]).next_check is None


def test_the_contract_deadline_source_leaves_a_drafts_signing_check_alone():
    """Regression: the core contract source (publication/filing) must not reset a draft's next_check."""
    today = deadlines.today()
    world = awarded_world(units=1, lots=1, awarded_on=today - timedelta(days=27))
    [contract] = contracts_generate(project=world.project, actor=world.operator)
    sweep_due_deadlines(now=at(today))
    contract.refresh_from_db()
    # What the signing source says is next (the ready message and the 5-day reminder went out): the 1-day one.
    assert contract.next_check == CONTRACT_SIGNING.next_check(contract, now=at(today))
    assert contract.next_check == deadlines.start_of_day(today + timedelta(days=2))


def test_no_reminder_for_a_signed_draft_or_one_without_an_award_whatever_the_mode():
    """Draft contracts with an award are the signing source's business, of every mode (《政府采购法》第四十六条
    applies to every mode: issue 9 point 1)."""
    volume_draft = ContractFactory(project__mode="volume")
    assert not CONTRACT_SIGNING.queryset().filter(pk=volume_draft.pk).exists()
    volume_award = AwardFactory(lot__project__mode="volume")
    awarded_volume_draft = ContractFactory(project=volume_award.project, lot=volume_award.lot, award=volume_award)
    assert CONTRACT_SIGNING.queryset().filter(pk=awarded_volume_draft.pk).exists()
    world = awarded_world(units=1, lots=1)
    [contract] = contracts_generate(project=world.project, actor=world.operator)
    assert CONTRACT_SIGNING.queryset().filter(pk=contract.pk).exists()
    contract_sign(contract=contract, actor=member_of(world.units[0]), signed_on=deadlines.today())
    assert not CONTRACT_SIGNING.queryset().filter(pk=contract.pk).exists()

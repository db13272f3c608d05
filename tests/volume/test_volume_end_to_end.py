"""The whole joint volume procedure on the services: 753号's six steps (issue 10's end-to-end check).

A provincial lead and 20 participants across two levels (12 provincial units, 8 of a prefecture): the lead opens
the project and the intention is published (step 1); 19 respond, one of them with three funding lines on an item,
and one declines (step 2); the sweep closes the window at the deadline and the aggregate equals the sum of the
responses (step 3); the lead files the implementation plan naming the agency (step 4); the agency runs the
procurement and the award per item through the core, and the lead confirms the result (step 5); each participant
gets its own contracts, whose lines are exactly its items at the award prices, and signs (step 6).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notices.models import Notice
from procurement import deadlines
from procurement.models import Contract, Filing, FundingLine, Project, ProjectDocument, SubPlan
from procurement.services.contracts import contract_sign, contract_terminate
from procurement.services.errors import ServiceError
from procurement.services.execution import (
    award_finalize,
    contracts_generate,
    document_add,
    evaluation_record,
    lot_award,
    procurement_start,
)
from procurement.services.reminders import sweep_due_deadlines
from tests.factories import CategoryFactory, SupplierFactory
from volume.board import board
from volume.models import ImplementationPlan, Response, VolumeDetails
from volume.selectors.aggregate import aggregate
from volume.services.execution import result_confirm
from volume.services.plans import implementation_plan_file
from volume.services.projects import ItemSpec, volume_project_open
from volume.services.responses import response_decline, response_submit

pytestmark = pytest.mark.django_db

PROVINCIAL, PREFECTURE = 12, 8
# Items 1 and 2 go to one supplier, item 3 to another: a participant with all three signs two contracts.
PRICES = {1: Decimal("236800.00"), 2: Decimal("912500.00"), 3: Decimal("48600.00")}
REFERENCE = {1: "260000", 2: "980000", 3: "52000"}


def _items(n: int) -> list[dict]:
    """What participant ``n`` asks: item 1 always, item 2 for every third unit, item 3 for every other unit."""
    wanted = [1] + ([2] if n % 3 == 0 else []) + ([3] if n % 2 == 0 else [])
    items = []
    for number in wanted:
        quantity = Decimal(1 + n % 4)
        budget = quantity * Decimal(REFERENCE[number])
        items.append({"number": number, "quantity": quantity, "budget_yuan": budget,
                      "funding": [{"source": FundingLine.Source.GENERAL_BUDGET, "amount_yuan": budget,
                                   "budget_index_code": f"ZB2026-{n:03d}-{number}"}]})
    return items


def test_the_six_steps_of_753_with_a_lead_and_twenty_participants_across_two_levels(world, calendar_loaded):
    lead, agency = world.province_unit, world.agency
    lead_user, agency_user = world.user(lead), world.user(agency)
    provincial = world.units(PROVINCIAL, name="吉林省直属医院{:02d}", people=True)
    prefecture = world.units(PREFECTURE, region=world.prefecture, name="长春市医院{:02d}", people=True)
    participants = provincial + prefecture
    clerks = {unit.pk: world.user(unit) for unit in participants}
    category = CategoryFactory(code="A02320599", name="测试医用超声仪器", level=3, in_centralized_catalog=False)
    suppliers = {1: world.supplier, 2: world.supplier, 3: SupplierFactory(name="吉林省中联医疗设备有限公司")}

    # Step 1: the lead opens the project; the intention (采购意向) is published; every participant is invited.
    project = volume_project_open(
        lead=lead, title="2026年全省医疗机构医用超声设备集中带量采购（统采分签）", year=2026,
        kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
        items=[ItemSpec(name="便携式彩色多普勒超声诊断仪", category_code=category.code, unit_of_measure="台",
                        specification="探头不少于3把", quantity_guidance="40", reference_price_yuan=REFERENCE[1]),
               ItemSpec(name="台式彩色多普勒超声诊断仪", category_code=category.code, unit_of_measure="台",
                        specification="探头不少于5把", quantity_guidance="8", reference_price_yuan=REFERENCE[2]),
               ItemSpec(name="掌上超声", category_code=category.code, unit_of_measure="台",
                        quantity_guidance="20", reference_price_yuan=REFERENCE[3])],
        unit_ids=[unit.pk for unit in participants], response_deadline=timezone.now() + timedelta(days=10),
        actor=lead_user)
    assert project.status == Project.Status.COLLECTING
    assert project.eligible_units.count() == PROVINCIAL + PREFECTURE
    assert project.volume.question_handler == lead  # 753号 四(二): the lead answers by default
    assert Notice.objects.filter(project=project, type=Notice.Type.INTENTION).count() == 1
    lots = {lot.number: lot for lot in project.lots.all()}

    # Step 2: one declines with a reason; one funds item 1 from three sources; the others respond.
    declining, three_lines = participants[0], participants[1]
    response_decline(project=project, unit=declining, reason="本年度已通过其他渠道购置", actor=clerks[declining.pk])
    asked: dict[int, list[dict]] = {}
    for n, unit in enumerate(participants[1:], start=1):
        items = _items(n)
        if unit == three_lines:
            first = items[0]
            third = (first["budget_yuan"] / 3).quantize(Decimal("0.01"))
            first["funding"] = [
                {"source": FundingLine.Source.GENERAL_BUDGET, "amount_yuan": third, "budget_index_code": "ZB-A"},
                {"source": FundingLine.Source.GOVERNMENT_FUND, "amount_yuan": third, "budget_index_code": "ZB-B"},
                {"source": FundingLine.Source.OWN_FUNDS, "amount_yuan": first["budget_yuan"] - 2 * third,
                 "budget_index_code": "ZB-C"},
            ]
        asked[unit.pk] = items
        response_submit(project=project, unit=unit, contact_name="王敏", contact_phone="0431-88886666",
                        items=[{"lot_id": lots[i["number"]].pk, "quantity": i["quantity"],
                                "budget_yuan": i["budget_yuan"], "funding": i["funding"]} for i in items],
                        actor=clerks[unit.pk])
    assert Response.objects.filter(project=project, status=Response.Status.SUBMITTED).count() == 19
    assert FundingLine.objects.filter(sub_plan__unit=three_lines, sub_plan__lot=lots[1]).count() == 3

    # Step 3: the deadline passes; the sweep closes the window; the aggregate is the sum of the responses.
    past = timezone.now() - timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(response_opens_at=past - timedelta(days=10), response_deadline=past,
                                                 next_check=past)
    sweep_due_deadlines()
    project.refresh_from_db()
    assert project.status == Project.Status.AGGREGATED
    summary = aggregate(project)
    every_item = [item for items in asked.values() for item in items]
    assert summary.participant_count == 19 and summary.declined_count == 1 and summary.unanswered_count == 0
    assert summary.budget_yuan == sum(item["budget_yuan"] for item in every_item)
    assert summary.funding_yuan == summary.budget_yuan
    for total in summary.items:
        mine = [item for item in every_item if item["number"] == total.lot.number]
        assert total.quantity == sum(item["quantity"] for item in mine)
        assert total.budget_yuan == sum(item["budget_yuan"] for item in mine)
        assert total.unit_count == len(mine)
    by_source = {line.source: line.amount_yuan for line in summary.sources}
    assert by_source[FundingLine.Source.OWN_FUNDS] == asked[three_lines.pk][0]["funding"][2]["amount_yuan"]
    assert not SubPlan.objects.filter(project=project, unit=declining).exclude(status=SubPlan.Status.WITHDRAWN)

    # Step 4: the lead files the implementation plan naming the agency: filed, the agency entrusted, demand fixed.
    today = deadlines.today()
    plan = implementation_plan_file(
        project=project, method="inquiry", agency=agency, documents_planned_on=today + timedelta(days=1),
        opening_planned_on=today + timedelta(days=8), award_planned_on=today + timedelta(days=10),
        contracts_planned_on=today + timedelta(days=30), note="委托代理机构组织询价", actor=lead_user)
    project.refresh_from_db()
    assert project.status == Project.Status.CONFIRMED and project.agency == agency
    assert plan.budget_yuan == summary.budget_yuan
    assert Filing.objects.about(plan).filter(kind=Filing.Kind.IMPLEMENTATION_PLAN).count() == 1
    assert ImplementationPlan.objects.get(project=project).filing_id is not None
    assert not SubPlan.objects.filter(project=project, status=SubPlan.Status.SUBMITTED).exists()

    # Step 5: the agency runs the procurement and the award per item through the core; the lead confirms.
    project = procurement_start(project=project, method="inquiry", actor=agency_user)
    document_add(project=project, kind=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, title="询价通知书",
                 file=SimpleUploadedFile("询价通知书.pdf", b"%PDF-1.4 inquiry"), actor=agency_user)
    document_add(project=project, kind=ProjectDocument.Kind.EVALUATION_REPORT, title="评审报告",
                 file=SimpleUploadedFile("评审报告.pdf", b"%PDF-1.4 report"), actor=agency_user)
    evaluation_record(project=project, evaluation_on=today, experts="张三、李四、王五", actor=agency_user)
    for number, lot in lots.items():
        lot_award(project=project, lot=lot, supplier=suppliers[number], unit_price_yuan=PRICES[number],
                  awarded_on=today, actor=agency_user)
    project = award_finalize(project=project, actor=agency_user)
    assert project.status == Project.Status.AWARDED
    assert Notice.objects.filter(project=project, type=Notice.Type.AWARD).exists()
    assert project.filings.filter(kind=Filing.Kind.AWARD).exists()
    with pytest.raises(ServiceError, match="确认"):  # the contracts follow the lead's confirmation (753号 第6步)
        contracts_generate(project=project, actor=agency_user)
    result_confirm(project=project, actor=lead_user)

    # Step 6: one contract per participant and supplier; its lines are exactly its items at the award prices.
    contracts_generate(project=project, actor=agency_user)
    contracts = list(Contract.objects.filter(project=project).prefetch_related("lines"))
    frozen = SubPlan.objects.filter(project=project, status=SubPlan.Status.FROZEN).select_related("lot")
    assert {(line.buyer_id, line.lot_id) for c in contracts for line in c.lines.all()} == {
        (s.unit_id, s.lot_id) for s in frozen}
    for contract in contracts:
        mine = [s for s in frozen if s.unit_id == contract.buyer_id and suppliers[s.lot.number] == contract.supplier]
        assert sorted((line.lot_id, line.quantity, line.unit_price_yuan) for line in contract.lines.all()) == sorted(
            (s.lot_id, s.quantity, PRICES[s.lot.number]) for s in mine)
        assert contract.amount_yuan == sum(s.quantity * PRICES[s.lot.number] for s in mine)
    expected = {(unit, suppliers[item["number"]].pk) for unit, items in asked.items() for item in items}
    assert {(c.buyer_id, c.supplier_id) for c in contracts} == expected
    assert not any(c.buyer_id == declining.pk for c in contracts)
    both = next(c for c in contracts if c.supplier == world.supplier and c.lines.count() == 2)
    assert {line.lot.number for line in both.lines.all()} == {1, 2}

    # A participant cannot refuse to sign (753号 四(三)); it signs, and the board shows who has not.
    signer = contracts[0]
    with pytest.raises(ServiceError, match="不得拒绝签订合同"):
        contract_terminate(contract=signer, actor=clerks[signer.buyer_id], reason="不再需要")
    signed = contract_sign(contract=signer, actor=clerks[signer.buyer_id], signed_on=today)
    assert signed.status == Contract.Status.SIGNED
    assert signed.publish_due == deadlines.due_date(today, deadlines.CONTRACT_PUBLICATION)
    lead_board = board(project, lead_user)
    assert len(lead_board.rows) == len(contracts) and lead_board.unsigned == len(contracts) - 1

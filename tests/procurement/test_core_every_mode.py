"""The shared core's behaviour, one body run for every mode that has a project (issue 9 point 8).

Each mode's project is opened the way that mode opens it: batch through its own service (a task notice and a
configuration table, ``batch.projects.batch_project_open``), volume through the core's ``project_open`` alone (a
lead unit as organizer, the participants as eligible units). From there every step is the core's: sub-plans, the
master plan (总计划 = the sum of the submitted sub-plans), close and confirmation, procurement, the award, 统采分签
(one contract per buying unit from its own sub-plan), the 30-day signing limit (《政府采购法》第四十六条),
termination with its notice, and who may do each. Framework joins ``OPENERS`` when its stage-2 orders exist.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notices.models import Notice
from procurement import access, deadlines
from procurement.contract_text import contract_text_pdf
from procurement.formats import chinese_date
from procurement.models import Contract, Lot, Mode, Notification, Organization, Project, ProjectDocument, SubPlan
from procurement.modes import mode_plugin
from procurement.selectors.execution import signing_board
from procurement.selectors.plans import master_plan
from procurement.services.collection import collection_close, master_plan_confirm
from procurement.services.execution import (
    award_finalize,
    contracts_generate,
    document_add,
    evaluation_record,
    lot_award,
    procurement_start,
    project_terminate,
)
from procurement.services.projects import LotSpec, project_open
from procurement.services.reminders import sweep_due_deadlines
from procurement.services.signing_deadlines import signing_due
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit, sub_plan_withdraw
from tests.batch.factories import batch_world, open_project
from tests.factories import CenterFactory, member_of
from tests.world import World

pytestmark = pytest.mark.django_db


@dataclass
class Opened:
    """A project collecting demand, whatever its mode: who runs it and who may file."""

    project: Project
    organizer: Organization
    runner: object  # a user acting for the organizer
    units: list[Organization]
    clerks: dict[int, object]  # unit pk → its user
    # What the mode adds between the award and the contracts (volume: the lead confirms the result, 753号 第6步).
    result_confirm: Callable[[], object] | None = None

    def lot(self, number: int) -> Lot:
        return self.project.lots.get(number=number)


def _batch(world: World) -> Opened:
    built = batch_world(world)
    project = open_project(built)
    units = list(world.budget_units.values())
    return Opened(project, world.center, built.center_user, units, {u.pk: world.user(u) for u in units})


def _volume(world: World) -> Opened:
    lead = world.province_unit  # a provincial department leads (牵头单位), its units and others participate
    runner = world.user(lead)
    units = list(world.budget_units.values())
    project = project_open(
        mode=Mode.VOLUME, title="2026年度教育系统办公设备集中带量采购", year=2026, organizer=lead,
        scope_region=world.province, unit_ids=[u.pk for u in units], actor=runner,
        lots=[LotSpec(name="台式计算机", unit_of_measure="台", reference_price_yuan=Decimal("4800.00")),
              LotSpec(name="激光打印机", unit_of_measure="台", reference_price_yuan=Decimal("2000.00"))],
        response_deadline=timezone.now() + timedelta(days=10),
    )
    from volume.models import VolumeDetails
    from volume.services.execution import result_confirm

    # Volume's own facts about the project (the projects slice writes them when the lead opens it).
    VolumeDetails.objects.create(project=project, kind=VolumeDetails.Kind.CROSS_DEPARTMENT, question_handler=lead)
    return Opened(project, lead, runner, units, {u.pk: world.user(u) for u in units},
                  result_confirm=lambda: result_confirm(project=project, actor=runner))


OPENERS: dict[str, Callable[[World], Opened]] = {Mode.BATCH: _batch, Mode.VOLUME: _volume}


@pytest.fixture(params=list(OPENERS))
def opened(request, world) -> Opened:
    return OPENERS[request.param](world)


def _file(opened: Opened, unit: Organization, *, lot: int, quantity: str, budget: str, submit: bool = True):
    if opened.project.mode == Mode.VOLUME:
        return _respond(opened, unit, lot=lot, quantity=quantity, budget=budget, submit=submit)
    clerk = opened.clerks[unit.pk]
    plan = sub_plan_save(lot=opened.lot(lot), unit=unit, actor=clerk, quantity=quantity, budget_yuan=budget,
                         contact_name="张敏", contact_phone="0431-88886666")
    return sub_plan_submit(sub_plan=plan, actor=clerk) if submit else plan


def _respond(opened: Opened, unit: Organization, *, lot: int, quantity: str, budget: str, submit: bool) -> SubPlan:
    """Volume: a unit answers with its response document (753号 三、2), which gains the item with its funding line;
    the item is the core's sub-plan of that unit and item."""
    from volume.services.responses import response_items, response_save

    project = opened.project
    items = [{"lot_id": plan.lot_id, "quantity": plan.quantity, "budget_yuan": plan.budget_yuan,
              "funding": [{"source": line.source, "amount_yuan": line.amount_yuan,
                           "budget_index_code": line.budget_index_code} for line in plan.funding_lines.all()]}
             for plan in response_items(project, unit)]
    items.append({"lot_id": opened.lot(lot).pk, "quantity": quantity, "budget_yuan": budget,
                  "funding": [{"source": "general_budget", "amount_yuan": budget, "budget_index_code": "YS2026-01"}]})
    response_save(project=project, unit=unit, actor=opened.clerks[unit.pk], items=items, submit=submit,
                  contact_name="张敏", contact_phone="0431-88886666")
    return SubPlan.objects.get(project=project, unit=unit, lot=opened.lot(lot))


def _withdraw(opened: Opened, plan: SubPlan) -> SubPlan:
    """Withdrawn before the deadline: batch withdraws the sub-plan, a volume unit declines with a reason."""
    if opened.project.mode == Mode.VOLUME:
        from volume.services.responses import response_decline

        response_decline(project=opened.project, unit=plan.unit, reason="预算调整，不再参与",
                         actor=opened.clerks[plan.unit_id])
        return SubPlan.objects.get(pk=plan.pk)
    return sub_plan_withdraw(sub_plan=plan, actor=opened.clerks[plan.unit_id])


def _filed(opened: Opened) -> dict[str, SubPlan]:
    """Three units submit (two on lot 1, one on both lots), one keeps a draft, one submits then withdraws."""
    a, b, c, d = opened.units[:4]
    return {
        "a1": _file(opened, a, lot=1, quantity="12", budget="57600"),
        "a2": _file(opened, a, lot=2, quantity="3", budget="6000"),
        "b1": _file(opened, b, lot=1, quantity="5", budget="24000"),
        "c1": _file(opened, c, lot=1, quantity="2", budget="9600", submit=False),
        "d2": _withdraw(opened, _file(opened, d, lot=2, quantity="9", budget="18000")),
    }


def _closed_and_confirmed(opened: Opened) -> Project:
    past = timezone.now() - timedelta(seconds=1)
    Project.objects.filter(pk=opened.project.pk).update(response_opens_at=past - timedelta(days=5),
                                                        response_deadline=past)
    collection_close(project=opened.project)
    return master_plan_confirm(project=opened.project, actor=opened.runner)


def _awarded(opened: Opened, supplier: Organization, prices: dict[int, str]) -> Project:
    """Procurement run by the organizer: method, the documents the award notice cites, the award per lot, 定标."""
    project = procurement_start(project=opened.project, method="inquiry", actor=opened.runner)
    for kind, title in ((ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, "询价通知书"),
                        (ProjectDocument.Kind.EVALUATION_REPORT, "评审报告")):
        document_add(project=project, kind=kind, title=title, actor=opened.runner,
                     file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test"))
    evaluation_record(project=project, evaluation_on=timezone.localdate(), experts="张三、李四、王五",
                      actor=opened.runner)
    for number, price in prices.items():
        lot_award(project=project, lot=opened.lot(number), supplier=supplier, unit_price_yuan=Decimal(price),
                  awarded_on=timezone.localdate(), actor=opened.runner)
    awarded = award_finalize(project=project, actor=opened.runner)
    if opened.result_confirm is not None:
        opened.result_confirm()
    return awarded


def test_the_master_plan_is_the_sum_of_the_submitted_sub_plans(opened):
    """Seed 000 三(一)(4): 系统自动汇总形成总计划 — drafts and withdrawn sub-plans do not count."""
    _filed(opened)
    lines = {line.lot.number: line for line in master_plan(project=opened.project).lines}
    assert (lines[1].total_quantity, lines[1].total_budget_yuan, lines[1].unit_count) == (
        Decimal("17"), Decimal("81600"), 2)
    assert (lines[2].total_quantity, lines[2].total_budget_yuan, lines[2].unit_count) == (
        Decimal("3"), Decimal("6000"), 1)


def test_confirming_the_master_plan_freezes_what_was_submitted_and_only_the_organizer_may(opened):
    filed = _filed(opened)
    past = timezone.now() - timedelta(seconds=1)
    Project.objects.filter(pk=opened.project.pk).update(response_opens_at=past - timedelta(days=5),
                                                        response_deadline=past)
    collection_close(project=opened.project)
    with pytest.raises(PermissionDenied):
        master_plan_confirm(project=opened.project, actor=opened.clerks[opened.units[1].pk])

    confirmed = master_plan_confirm(project=opened.project, actor=opened.runner)

    assert confirmed.status == Project.Status.CONFIRMED
    assert Project.objects.get(pk=confirmed.pk).master_plan_confirmed_at is not None
    statuses = {key: SubPlan.objects.get(pk=plan.pk).status for key, plan in filed.items()}
    assert statuses == {"a1": SubPlan.Status.FROZEN, "a2": SubPlan.Status.FROZEN, "b1": SubPlan.Status.FROZEN,
                        "c1": SubPlan.Status.DRAFT, "d2": SubPlan.Status.WITHDRAWN}


def test_each_buying_unit_signs_its_own_contract_carrying_its_own_sub_plan(opened, world):
    """统采分签 (seed 000 三(一)(6); 753号 step 6): each frozen sub-plan contracted once,
    严格按照本单位填报的分计划采购数量, at the award price; the contract's amount is the sum of its lines. Batch makes
    one contract per sub-plan; volume one per participant and supplier (``ModePlugin.contract_grouping``)."""
    filed = _filed(opened)
    _closed_and_confirmed(opened)
    _awarded(opened, world.supplier, {1: "4500.00", 2: "1890.50"})

    created = contracts_generate(project=opened.project, actor=opened.runner)

    frozen = [filed["a1"], filed["a2"], filed["b1"]]
    grouped = mode_plugin(opened.project.mode).contract_grouping(opened.project) == "buyer_supplier"
    # Unit a's two sub-plans went to the same supplier: one contract of two lines when grouped by buyer and supplier.
    assert len(created) == (2 if grouped else len(frozen))
    for plan in frozen:
        contract = Contract.objects.get(lines__sub_plan=plan)
        line = contract.lines.get(sub_plan=plan)
        assert (contract.buyer_id, contract.supplier_id) == (plan.unit_id, world.supplier.pk)
        assert line.quantity == plan.quantity
        assert line.unit_price_yuan == plan.lot.award.unit_price_yuan
        assert line.amount_yuan == (line.quantity * line.unit_price_yuan).quantize(Decimal("0.01"))
        assert contract.amount_yuan == sum(other.amount_yuan for other in contract.lines.all())
    assert not Contract.objects.filter(lines__sub_plan=filed["c1"]).exists()
    assert contracts_generate(project=opened.project, actor=opened.runner) == []  # once per sub-plan


def test_a_contract_is_due_for_signing_thirty_days_after_the_award_and_flagged_after(opened, world):
    """《政府采购法》第四十六条: the buyer and the supplier sign within 30 days of the award notice."""
    _filed(opened)
    _closed_and_confirmed(opened)
    _awarded(opened, world.supplier, {1: "4500.00", 2: "1890.50"})
    contracts_generate(project=opened.project, actor=opened.runner)
    awarded_on = timezone.localdate()

    assert signing_due(awarded_on) == awarded_on + timedelta(days=deadlines.CONTRACT_SIGNING.days)
    on_time = signing_board(opened.project, today=signing_due(awarded_on))
    late = signing_board(opened.project, today=signing_due(awarded_on) + timedelta(days=1))
    made = Contract.objects.filter(project=opened.project).count()  # 3 (batch), 2 (volume: unit a's two lines)
    assert (on_time.total, on_time.signing_overdue_count) == (made, 0)
    assert late.signing_overdue_count == made

    sweep_due_deadlines()  # each buyer is told its contract awaits signing, with what it buys and by when
    told = Notification.objects.get(recipient=opened.clerks[opened.units[1].pk], title__startswith="合同待签订")
    assert (f"供应商{world.supplier.name}，数量5台，单价4,500.00元，合同金额22,500.00元。" in told.body
            and f"应于{chinese_date(signing_due(awarded_on))}前签订" in told.body)


def test_terminating_before_the_award_publishes_a_termination_notice(opened):
    _filed(opened)
    _closed_and_confirmed(opened)
    with pytest.raises(PermissionDenied):
        project_terminate(project=opened.project, actor=opened.clerks[opened.units[1].pk], reason="需求取消")

    terminated = project_terminate(project=opened.project, actor=opened.runner, reason="预算调整，需求取消")

    assert terminated.status == Project.Status.TERMINATED
    notice = Notice.objects.get(project=opened.project, type=Notice.Type.TERMINATION)
    assert "预算调整，需求取消" in notice.body


def test_only_the_organizer_runs_the_project(opened, world):
    stranger = member_of(CenterFactory(name="另一个政府采购中心", region=world.province))
    participant = opened.clerks[opened.units[1].pk]
    assert access.runs_project(opened.runner, opened.project, step=access.Step.AWARD)
    assert not access.runs_project(stranger, opened.project)
    assert not access.runs_project(participant, opened.project)
    _filed(opened)
    _closed_and_confirmed(opened)
    for actor in (stranger, participant):
        with pytest.raises(PermissionDenied):
            procurement_start(project=opened.project, method="inquiry", actor=actor)
    assert Project.objects.get(pk=opened.project.pk).status == Project.Status.CONFIRMED


def test_the_contract_text_says_how_the_mode_signs(opened, world, tmp_path):
    """The mode's wording comes from its plugin's template: batch states 统采分签 by each unit's sub-plan
    (seed 000 三(一)(6)); a mode that declares no such sentence gets none."""
    _filed(opened)
    _closed_and_confirmed(opened)
    _awarded(opened, world.supplier, {1: "4500.00", 2: "1890.50"})
    contract = contracts_generate(project=opened.project, actor=opened.runner)[0]
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(contract_text_pdf(contract=contract))
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
                   .stdout.split())
    assert "本合同依据《中华人民共和国政府采购法》" in text
    assert ("本项目为批量集中采购，采购人按本单位分计划数量" in text) == (opened.project.mode == Mode.BATCH)

"""The whole batch procedure on the services (seed 000 三(一), annexes 4–6; issue 3's end-to-end check).

arrangement import → analysis → the center's proposal, adopted by finance → task notice →
configuration table → project → 50 units file → deadline (the sweep closes the window) → master plan
= the sum of the sub-plans → confirmation → procurement and award → 50 contracts with the right
quantities and amounts → a unit signs.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from batch.analysis import batch_candidates, category_analysis
from batch.arrangement import arrangement_import
from batch.configuration import configuration_table_create, configuration_type_set
from batch.models import BatchDetails, TaskNotice
from batch.projects import batch_project_open, batch_solicitation_publish
from batch.proposals import category_proposal_submit, proposed_category_adopt
from notices.models import Notice
from procurement.models import Contract, Project, ProjectDocument, ProjectEvent, SubPlan
from procurement.selectors.plans import master_plan
from procurement.services.collection import master_plan_confirm
from procurement.services.contracts import contract_sign
from procurement.services.execution import (
    award_finalize,
    contracts_generate,
    document_add,
    evaluation_record,
    lot_award,
    procurement_start,
)
from procurement.services.reminders import sweep_due_deadlines
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit
from procurement.services.tasks import task_notice_acknowledge, task_notice_issue, task_notice_update
from tests.batch.test_arrangement_import import xlsx_bytes
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    FinanceFactory,
    SupplierFactory,
    member_of,
    province,
)

pytestmark = pytest.mark.django_db

UNITS = 50
PRICES = {1: Decimal("4380.00"), 2: Decimal("7650.00"), 3: Decimal("5990.00")}
# Each unit's budget per computer of each lot: the award stays within the lot's budget (Order 87 Art. 63).
BUDGETS = {1: 6000, 2: 8000, 3: 6000}


def test_the_whole_batch_procedure_on_the_services(calendar_loaded):
    region = province()
    finance = FinanceFactory(name="吉林省财政厅", region=region)
    center = CenterFactory(name="吉林省政府采购中心", region=region)
    clerk, operator = member_of(finance), member_of(center)
    desktop = CategoryFactory(code="A02010105", name="台式计算机", in_centralized_catalog=True)
    CategoryFactory(code="A02021003", name="A4黑白打印机", in_centralized_catalog=True)
    units = [BudgetUnitFactory(unit_code=f"1{n:05d}", name=f"吉林省测试厅局{n:02d}", region=region)
             for n in range(UNITS)]
    unit_clerks = [member_of(unit) for unit in units]
    supplier = SupplierFactory(name="吉林省新元电器有限公司")

    # 1. 部门预算政府采购项目安排情况表 (annex 4): one line of desktop computers per unit, a printer for two.
    rows = [(u.unit_code, u.name, "A02010105 台式计算机", 2 + n % 4, f"{(2 + n % 4) * 0.6:.2f}")
            for n, u in enumerate(units)]
    rows += [(units[0].unit_code, units[0].name, "A4黑白打印机", 1, "0.25"),
             (units[1].unit_code, units[1].name, "A02021003", 1, "0.25")]
    result = arrangement_import(file=_stream(xlsx_bytes(rows)), year=2026, finance_bureau=finance, actor=clerk,
                                file_name="2026年度部门预算政府采购项目安排情况表.xlsx")
    arrangement = result.arrangement
    assert arrangement.row_count == UNITS + 2

    # 2. Three-dimension analysis: desktop computers lead the batch candidates (以少汇多).
    stats = {s.code: s for s in category_analysis(arrangement=arrangement)}
    assert stats["A02010105"].unit_count == UNITS
    candidates = batch_candidates(arrangement=arrangement)
    assert candidates[0].stats.category_id == desktop.pk and candidates[0].recommended
    assert candidates[0].reasoning

    # 3. 拟定品目: the center proposes desktop computers to finance, which adopts them: a draft task notice.
    proposal = category_proposal_submit(arrangement=arrangement, center=center, category_ids=[desktop.pk],
                                        actor=operator)
    adopted = proposed_category_adopt(item=proposal.items.get(), actor=clerk, note="同意")
    assert adopted.status == "adopted" and candidates[0].reasoning in adopted.task.basis

    # 4. 批量集中采购任务通知单 (annex 5): finance completes and issues it, the center acknowledges.
    task = task_notice_update(task=adopted.task, center=center, category=desktop, year=2026,
                              purchase_limit="集中采购目录内单批次100万元以下", scope=TaskNotice.Scope.PROVINCE,
                              cycle="quarterly", basis=adopted.task.basis, document_number="吉财采购〔2026〕47号",
                              actor=clerk)
    task = task_notice_issue(task=task, actor=clerk)
    task = task_notice_acknowledge(task=task, actor=operator)
    assert task.status == TaskNotice.Status.ACKNOWLEDGED

    # 5. 产品配置表 (annex 6): three configuration types of desktop computers.
    table = configuration_table_create(center=center, task=task, title="台式计算机批量集中采购产品配置表",
                                       filled_on=timezone.localdate(), actor=operator)
    for number, (name, parameters) in enumerate([("通用办公型", "6核；16GB；512GB SSD"),
                                                 ("高性能型", "8核；32GB；1TB SSD；独立显卡"),
                                                 ("信创型", "国产CPU；国产操作系统；16GB；512GB SSD")], start=1):
        configuration_type_set(table=table, category=desktop, number=number, name=name, parameters=parameters,
                               actor=operator)

    # 6. Solicitation: one lot per configuration type, the 50 units eligible, the notice published.
    project = batch_project_open(
        task=task, configuration_table=table, title="2026年第四季度省直单位台式计算机批量集中采购",
        eligibility=BatchDetails.Eligibility.LIST, unit_ids=[u.pk for u in units],
        response_opens_at=None, response_deadline=timezone.now() + timedelta(days=10), actor=operator,
    )
    assert project.status == Project.Status.COLLECTING
    lots = list(project.lots.order_by("number"))
    assert [lot.name for lot in lots] == ["通用办公型", "高性能型", "信创型"]
    assert project.eligible_units.count() == UNITS
    batch_solicitation_publish(project=project, actor=operator)
    assert Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION).exists()

    # 7. 50 units file and submit their sub-plans (quantities from the arrangement table).
    for n, (unit, user) in enumerate(zip(units, unit_clerks, strict=True)):
        lot = lots[n % 3]
        quantity = 2 + n % 4
        budget = quantity * BUDGETS[lot.number]
        plan = sub_plan_save(lot=lot, unit=unit, actor=user, quantity=quantity, budget_yuan=budget,
                             contact_name="张敏", contact_phone="0431-88886666",
                             funding_lines=[{"source": "general_budget", "amount_yuan": budget}])
        sub_plan_submit(sub_plan=plan, actor=user)

    # 8. The deadline passes: the sweep closes the window; the master plan is the sum of the sub-plans.
    past = timezone.now() - timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(response_opens_at=past - timedelta(days=10), response_deadline=past,
                                                 next_check=past)
    sweep_due_deadlines()
    project.refresh_from_db()
    assert project.status == Project.Status.AGGREGATED
    plan = master_plan(project=project)
    submitted = SubPlan.objects.filter(project=project, status=SubPlan.Status.SUBMITTED)
    assert plan.sub_plan_count == submitted.count() == UNITS
    assert plan.total_quantity == sum(p.quantity for p in submitted) == sum(2 + n % 4 for n in range(UNITS))
    assert plan.total_budget_yuan == sum(p.budget_yuan for p in submitted)
    for line in plan.lines:
        assert line.total_quantity == sum(p.quantity for p in submitted if p.lot_id == line.lot.pk)

    project = master_plan_confirm(project=project, actor=operator)
    assert project.status == Project.Status.CONFIRMED
    assert SubPlan.objects.filter(project=project, status=SubPlan.Status.FROZEN).count() == UNITS

    # 9. Procurement and award per lot; the award notice is published and filed.
    project = procurement_start(project=project, method="inquiry", actor=operator)
    # What the award notice cites (实施条例第四十三条): the documents published with it, the report, the experts.
    document_add(project=project, kind=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, title="询价通知书",
                       file=SimpleUploadedFile("询价通知书.pdf", b"%PDF-1.4 inquiry"), actor=operator)
    document_add(project=project, kind=ProjectDocument.Kind.EVALUATION_REPORT, title="评审报告",
                       file=SimpleUploadedFile("评审报告.pdf", b"%PDF-1.4 report"), actor=operator)
    evaluation_record(project=project, evaluation_on=timezone.localdate(), experts="张三、李四、王五",
                            actor=operator)
    for lot in lots:
        lot_award(project=project, lot=lot, supplier=supplier, unit_price_yuan=PRICES[lot.number],
                        awarded_on=timezone.localdate(), actor=operator)
    project = award_finalize(project=project, actor=operator)
    assert project.status == Project.Status.AWARDED
    assert Notice.objects.filter(project=project, type=Notice.Type.AWARD).exists()
    assert project.filings.filter(kind="award").exists()

    # 10. 统采分签: 50 contracts, each with its unit's quantity and the award price.
    contracts = contracts_generate(project=project, actor=operator)
    assert len(contracts) == UNITS
    by_unit = {c.buyer_id: c for c in Contract.objects.filter(project=project)}
    for sub_plan in SubPlan.objects.filter(project=project).select_related("lot"):
        contract = by_unit[sub_plan.unit_id]
        (line,) = contract.lines.all()
        assert line.lot_id == sub_plan.lot_id and contract.supplier == supplier
        assert line.quantity == sub_plan.quantity
        assert line.unit_price_yuan == PRICES[sub_plan.lot.number]
        assert contract.amount_yuan == sub_plan.quantity * PRICES[sub_plan.lot.number]
    assert sum(c.amount_yuan for c in by_unit.values()) == sum(
        line.total_quantity * PRICES[line.lot.number] for line in plan.lines)

    # Each unit signs its own contract.
    signed = contract_sign(contract=by_unit[units[0].pk], actor=unit_clerks[0], signed_on=timezone.localdate())
    assert signed.status == Contract.Status.SIGNED and signed.publish_due is not None
    assert ProjectEvent.objects.filter(project=project).count() > UNITS * 2


def _stream(data: bytes):
    from io import BytesIO

    return BytesIO(data)

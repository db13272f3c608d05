"""Contracts with lines (合同明细): the amount is the lines' sum; one live contract line per (award, buyer); a
sub-plan is contracted once; a filing names its subject (issue 9 point 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from notices.services import contract_notice_body
from procurement.contract_text import contract_text_pdf
from procurement.models import Contract, ContractLine, Filing, Project, ProjectEvent
from procurement.services.contracts import (
    ContractLineDraft,
    contract_draft_create,
    contract_terminate,
)
from procurement.services.errors import ServiceError
from tests.factories import (
    AwardFactory,
    BudgetUnitFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    member_of,
    next_credit_code,
)

pytestmark = pytest.mark.usefixtures("calendar_loaded")


@pytest.fixture
def world():
    project = ProjectFactory(status=Project.Status.AWARDED)
    supplier = SupplierFactory()
    lots = [LotFactory(project=project, number=n, name=f"品目{n}", unit_of_measure=("台", "套", "箱")[n - 1])
            for n in (1, 2, 3)]
    awards = [AwardFactory(project=project, lot=lot, supplier=supplier, unit_price_yuan=Decimal("100.00"))
              for lot in lots]
    unit = BudgetUnitFactory()
    return {"project": project, "supplier": supplier, "lots": lots, "awards": awards, "unit": unit,
            "clerk": member_of(unit)}


def line(world, index: int, quantity: str, price: str, **kwargs) -> ContractLineDraft:
    lot = world["lots"][index]
    award = kwargs.pop("award", world["awards"][index])
    return ContractLineDraft(description=lot.name, quantity=Decimal(quantity), unit_price_yuan=Decimal(price),
                             unit_of_measure=lot.unit_of_measure, lot=lot, award=award, **kwargs)


def create(world, lines, *, code="HT-LINES-001", buyer=None) -> Contract:
    return contract_draft_create(actor=world["clerk"], code=code, title="多品目采购合同", project=world["project"],
                                 buyer=buyer or world["unit"], supplier=world["supplier"], lines=lines)


def test_the_contract_amount_is_the_sum_of_its_lines_each_to_the_cent(world):
    """A volume participant's contract holds several items: each line is quantity × unit price rounded half up to
    the cent (2.5 × 0.99 = 2.475 → 2.48), the contract amount their sum."""
    contract = create(world, [line(world, 0, "12", "4321.57"), line(world, 1, "2.5", "0.99"),
                              line(world, 2, "3", "1000.00")])

    contract.refresh_from_db()
    rows = list(contract.lines.order_by("number"))
    assert [(r.number, r.description, r.unit_of_measure) for r in rows] == [
        (1, "品目1", "台"), (2, "品目2", "套"), (3, "品目3", "箱")]
    assert [r.amount_yuan for r in rows] == [Decimal("51858.84"), Decimal("2.48"), Decimal("3000.00")]
    assert contract.amount_yuan == sum(r.amount_yuan for r in rows) == Decimal("54861.32")
    assert contract.status == Contract.Status.DRAFT
    assert all(r.buyer_id == world["unit"].pk and r.contract_live for r in rows)
    event = ProjectEvent.objects.get(subject_type="contract", subject_id=contract.pk, action="create")
    assert event.changes == {"code": "HT-LINES-001", "amount_yuan": "54861.32", "lines": 3}


def test_a_contract_without_lines_or_with_a_wrong_number_is_refused(world):
    with pytest.raises(ServiceError, match="至少应有一项合同明细"):
        create(world, [])
    with pytest.raises(ServiceError, match="数量不能为负数"):
        create(world, [line(world, 0, "-1", "10.00")])
    with pytest.raises(ServiceError, match="单价最多保留两位小数"):
        create(world, [line(world, 0, "1", "10.001")])
    with pytest.raises(ServiceError, match="只能有一项明细"):
        create(world, [line(world, 0, "1", "10.00"), line(world, 0, "2", "10.00")])
    assert not Contract.objects.exists() and not ContractLine.objects.exists()


def test_one_live_contract_line_per_award_and_buyer(world):
    """The uniqueness rule follows the award (batch: one per unit and lot; volume: per item): the service refuses
    a second live contract under the same award for the same buyer, and so does the database."""
    first = create(world, [line(world, 0, "1", "100.00")])
    with pytest.raises(ServiceError, match="已有未终止的合同（HT-LINES-001）"):
        create(world, [line(world, 1, "1", "100.00"), line(world, 0, "1", "100.00")], code="HT-LINES-002")
    assert Contract.objects.count() == 1

    # Another buyer under the same award is another contract (统采分签).
    other = BudgetUnitFactory()
    create(world, [line(world, 0, "1", "100.00")], code="HT-LINES-003", buyer=other)

    # The database holds the rule too (constraint contract_line_one_live_per_award_and_buyer).
    second = Contract.objects.create(code="HT-LINES-004", title="绕过服务的合同", project=world["project"],
                                     buyer=world["unit"], supplier=world["supplier"], amount_yuan=Decimal("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractLine.objects.create(contract=second, number=1, lot=world["lots"][0], award=world["awards"][0],
                                    description="品目1", quantity=Decimal("1"), unit_price_yuan=Decimal("100.00"),
                                    amount_yuan=Decimal("100.00"), buyer=world["unit"])
    assert first.lines.get().award_id == world["awards"][0].pk


def test_a_second_order_on_the_same_lot_by_the_same_unit_under_another_award_is_allowed(world):
    """Framework agreements: each order is its own award, and a unit may place several orders on one lot. Here the
    second order's award stands for that order's own award (today an Award row is one per lot)."""
    lot = world["lots"][0]
    first = create(world, [line(world, 0, "1", "100.00")])
    second = create(world, [ContractLineDraft(description=lot.name, quantity=Decimal("2"),
                                              unit_price_yuan=Decimal("90.00"), unit_of_measure="台", lot=lot,
                                              award=world["awards"][1])], code="HT-LINES-002")
    assert {c.pk for c in Contract.objects.filter(buyer=world["unit"], lines__lot=lot)} == {first.pk, second.pk}


def test_a_terminated_contract_frees_its_slot(world):
    first = create(world, [line(world, 0, "1", "100.00")])
    contract_terminate(contract=first, actor=world["clerk"], reason="供应商无法履约，双方协商解除")
    assert not first.lines.get().contract_live

    again = create(world, [line(world, 0, "1", "100.00")], code="HT-LINES-002")
    assert again.status == Contract.Status.DRAFT
    assert ContractLine.objects.filter(award=world["awards"][0], buyer=world["unit"]).count() == 2


def test_a_sub_plan_is_contracted_once_and_belongs_to_the_buyer(world):
    sub_plan = SubPlanFactory(lot=world["lots"][0], unit=world["unit"])
    create(world, [line(world, 0, "10", "100.00", sub_plan=sub_plan)])
    with pytest.raises(ServiceError, match="该分计划已签订合同"):
        create(world, [line(world, 1, "10", "100.00", sub_plan=sub_plan)], code="HT-LINES-002")
    theirs = SubPlanFactory(lot=world["lots"][1], unit=BudgetUnitFactory())
    with pytest.raises(ServiceError, match="不属于本项目或本采购人"):
        create(world, [line(world, 1, "10", "100.00", sub_plan=theirs)], code="HT-LINES-003")


def test_a_filing_names_its_subject(world):
    contract = create(world, [line(world, 0, "1", "100.00")])
    Filing.objects.create(kind=Filing.Kind.CONTRACT, project=world["project"], subject_type="contract",
                          subject_id=contract.pk, filed_by=world["unit"])
    Filing.objects.create(kind=Filing.Kind.AWARD, project=world["project"], subject_type="award",
                          subject_id=world["awards"][0].pk, filed_by=world["project"].organizer)
    assert Filing.objects.about(contract).get().kind == Filing.Kind.CONTRACT
    assert Filing.objects.about(world["awards"][0]).get().kind == Filing.Kind.AWARD
    assert not Filing.objects.about(world["awards"][1]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_contract_one_line_and_each_filing_its_subject(calendar_loaded):
    """0011_contract_lines_data: one line per existing contract (amount unchanged); a contract filing is about its
    contract, an award filing about its project."""
    executor = MigrationExecutor(connection)
    # Found by their suffix, whatever number they carry once merged with other migrations.
    names = {name.split("_", 1)[1]: name for app, name in executor.loader.disk_migrations if app == "procurement"}
    lines_added = ("procurement", names["contract_lines"])
    before = [min(executor.loader.graph.node_map[lines_added].parents).key]
    after = [("procurement", names["contract_lines_cleanup"])]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Region, Organization = apps.get_model("procurement", "Region"), apps.get_model("procurement", "Organization")
    Project_, Lot = apps.get_model("procurement", "Project"), apps.get_model("procurement", "Lot")
    Award, Contract_ = apps.get_model("procurement", "Award"), apps.get_model("procurement", "Contract")
    Filing_ = apps.get_model("procurement", "Filing")
    region = Region.objects.create(code="229900", name="迁移测试区", level=1, path="229900")
    center = Organization.objects.create(kind="center", name="迁移测试中心", region=region)
    unit = Organization.objects.create(kind="budget_unit", name="迁移测试单位", region=region, unit_code="M001")
    supplier = Organization.objects.create(kind="supplier", name="迁移测试供应商", region=region,
                                           credit_code=next_credit_code(), sme_size="small")
    project = Project_.objects.create(code="JLM-2026-0001", mode="batch", title="迁移测试项目", year=2026,
                                      organizer=center, scope_region=region, status="awarded")
    lot = Lot.objects.create(project=project, number=1, name="打印机", unit_of_measure="台")
    award = Award.objects.create(project=project, lot=lot, supplier=supplier, unit_price_yuan=Decimal("1380.00"),
                                 awarded_on="2026-11-02")
    with_lot = Contract_.objects.create(code="M-HT-1", title="打印机采购合同", project=project, lot=lot, award=award,
                                        buyer=unit, supplier=supplier, quantity=Decimal("12"),
                                        unit_price_yuan=Decimal("1380.00"), amount_yuan=Decimal("16560.00"),
                                        status="terminated")
    bare = Contract_.objects.create(code="M-HT-2", title="手工录入合同", project=project, buyer=unit,
                                    supplier=supplier, quantity=Decimal("3"), unit_price_yuan=Decimal("0.33"),
                                    amount_yuan=Decimal("1.00"), status="signed")
    contract_filing = Filing_.objects.create(kind="contract", project=project, contract=bare, filed_by=unit)
    award_filing = Filing_.objects.create(kind="award", project=project, filed_by=center)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Line = apps.get_model("procurement", "ContractLine")
    Filing_ = apps.get_model("procurement", "Filing")
    first = Line.objects.get(contract_id=with_lot.pk)
    assert (first.number, first.lot_id, first.award_id, first.description, first.quantity, first.unit_of_measure,
            first.unit_price_yuan, first.amount_yuan, first.buyer_id, first.contract_live) == (
        1, lot.pk, award.pk, "打印机", Decimal("12.00"), "台", Decimal("1380.00"), Decimal("16560.00"), unit.pk, False)
    second = Line.objects.get(contract_id=bare.pk)
    # The amount is carried over as it was, not recomputed.
    assert (second.lot_id, second.description, second.amount_yuan, second.contract_live) == (
        None, "手工录入合同", Decimal("1.00"), True)
    assert (Filing_.objects.get(pk=contract_filing.pk).subject_type,
            Filing_.objects.get(pk=contract_filing.pk).subject_id) == ("contract", bare.pk)
    assert (Filing_.objects.get(pk=award_filing.pk).subject_type,
            Filing_.objects.get(pk=award_filing.pk).subject_id) == ("project", project.pk)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.parametrize("who", ["unit", "supplier"])
def test_the_contract_pages_show_the_lines_and_their_total(client, world, who):
    contract = create(world, [line(world, 0, "12", "4321.57"), line(world, 1, "2.5", "0.99")])
    client.force_login(world["clerk"] if who == "unit" else member_of(world["supplier"]))
    response = client.get(reverse(f"{who}-contract-detail", args=[contract.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index('data-testid="contract-lines"'):page.index("</table>", page.index("contract-lines"))]
    for text in ("包/品目", "数量", "计量单位", "单价", "金额", "第1包 品目1", "第2包 品目2", "51,858.84", "2.48",
                 "合计", "51,861.32"):
        assert text in table


def test_the_contract_notice_and_text_carry_every_line(world):
    """合同公告 (实施条例第五十条) names each subject with its quantity and unit price; the text to sign is a PDF."""
    contract = create(world, [line(world, 0, "12", "4321.57"), line(world, 1, "2.5", "0.99")])
    body = contract_notice_body(contract)
    assert "　　（1）主要标的名称：品目1\n　　主要标的数量：12台\n　　主要标的单价：4,321.57元" in body
    assert "　　（2）主要标的名称：品目2\n　　主要标的数量：2.5套\n　　主要标的单价：0.99元" in body
    assert "八、合同金额：51,861.32元" in body
    assert contract_text_pdf(contract=contract).startswith(b"%PDF-")

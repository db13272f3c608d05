"""实施采购 and 定标 of batch projects (seed 000 三(一)(5); 《政府采购法实施条例》第四十三条).

Also the builder the other award tests share (``award_world``): a project made directly in the
state a test needs, with frozen sub-plans, so these tests do not depend on the earlier steps' services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from batch.models import BatchDetails
from notices.models import Notice
from procurement import deadlines
from procurement.models import (
    Award,
    Filing,
    Lot,
    Organization,
    ProcurementMethod,
    Project,
    ProjectDocument,
    ProjectEvent,
    SubPlan,
)
from procurement.selectors.execution import award_notice_due
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.execution import award_finalize, document_add, lot_award, procurement_start
from tests.batch.factories import batch_project
from tests.factories import (
    AwardFactory,
    BudgetUnitFactory,
    CenterFactory,
    FinanceFactory,
    LotFactory,
    SubPlanFactory,
    SupplierFactory,
    county,
    member_of,
    prefecture,
)
from tests.world import World, world_build

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Project.Status


# --- the builder shared by the award tests -------------------------------------------------------

@dataclass
class AwardWorld:
    project: Project
    center: Organization
    operator: object
    finance: Organization
    supplier: Organization
    lots: list[Lot]
    units: list[Organization]
    clerks: dict[int, object] = field(default_factory=dict)

    def clerk(self, unit: Organization):
        """An operator of ``unit`` (made once)."""
        if unit.pk not in self.clerks:
            self.clerks[unit.pk] = member_of(unit)
        return self.clerks[unit.pk]


def award_world(*, status: str = Status.CONFIRMED, lots: int = 2, units: int = 3, quantity: str = "10",
                budget_yuan: str = "50000.00", max_unit_price_yuan: str | None = None, region=None,
                center_region=None, documents: bool = True, world: World | None = None,
                **project_fields) -> AwardWorld:
    """A batch project of the world's provincial center in ``status`` with ``lots`` lots and one FROZEN sub-plan
    per unit and lot (``tests.batch.factories.batch_project``); ``units`` more units of the world (吉林省测试单位01…).

    Each call without ``world`` builds a world of its own: a second call is another center.
    From the confirmed master plan on, unless ``documents`` is False, what the award notice cites is on file
    (the procurement documents, the evaluation report, the evaluation experts: 实施条例第四十三条)."""
    world = world or world_build()
    center, operator = world.center, world.user(world.center)
    if center_region is not None:  # a center of another region (this test's own)
        center = CenterFactory(name=world.center.name, region=center_region, address=world.center.address,
                               contact_phone=world.center.contact_phone)
        operator = member_of(center)
    made_units = world.units(units, name="吉林省测试单位{:02d}")
    project, made_lots = batch_project(center=center, finance=world.finance, units=made_units, status=status,
                                       lots=lots, quantity=quantity, budget_yuan=budget_yuan,
                                       max_unit_price_yuan=max_unit_price_yuan, region=region or world.province,
                                       documents=documents, **project_fields)
    return AwardWorld(project=project, center=center, operator=operator, finance=world.finance,
                      supplier=world.supplier, lots=made_lots, units=made_units)


def award_all(world: AwardWorld, *, price: str = "4500.00", awarded_on: date | None = None) -> list[Award]:
    """Every lot with demand awarded to the world's supplier (directly: the state a test starts from)."""
    day = awarded_on or deadlines.today()
    return [AwardFactory(lot=lot, supplier=world.supplier, unit_price_yuan=Decimal(price), awarded_on=day)
            for lot in world.lots if lot.sub_plans.filter(status=SubPlan.Status.FROZEN).exists()]


def awarded_world(*, price: str = "4500.00", awarded_on: date | None = None, **kwargs) -> AwardWorld:
    """A project already awarded (定标), every lot with demand awarded at ``price``."""
    world = award_world(status=Status.AWARDED, procurement_method=ProcurementMethod.OPEN_TENDER, **kwargs)
    award_all(world, price=price, awarded_on=awarded_on)
    return world


def events(project: Project, action: str) -> list[ProjectEvent]:
    return list(ProjectEvent.objects.filter(project=project, action=action).order_by("pk"))


# --- 实施采购 ------------------------------------------------------------------------------------

def test_starting_records_the_method_and_dates_and_moves_the_project_to_procuring():
    """Seed 000 三(一)(5): the center picks the method and runs the procurement; dates kept on the project."""
    world = award_world()
    issued = deadlines.today()
    opening = timezone.now() + timedelta(days=21)

    started = procurement_start(project=world.project, method=ProcurementMethod.OPEN_TENDER,
                                      documents_issued_on=issued, bid_opening_at=opening, actor=world.operator)

    started.refresh_from_db()
    assert started.status == Status.PROCURING
    assert started.procurement_method == ProcurementMethod.OPEN_TENDER
    assert started.documents_issued_on == issued
    assert started.bid_opening_at == opening
    [event] = events(world.project, "start_procurement")
    assert (event.source, event.target) == (Status.CONFIRMED, Status.PROCURING)
    assert event.changes["procurement_method"] == "open_tender"
    assert event.changes["documents_issued_on"] == issued.isoformat()


def test_a_tender_with_less_than_twenty_days_to_the_opening_is_refused_and_nothing_changes():
    """《政府采购法》第三十五条: at least twenty days from the documents to the tender deadline."""
    world = award_world()
    with pytest.raises(ServiceError, match="不得少于二十日") as refused:
        procurement_start(project=world.project, method=ProcurementMethod.OPEN_TENDER,
                                documents_issued_on=deadlines.today(),
                                bid_opening_at=timezone.now() + timedelta(days=10), actor=world.operator)
    assert refused.value.field == "bid_opening_at"
    world.project.refresh_from_db()
    assert (world.project.status, world.project.procurement_method) == (Status.CONFIRMED, "")
    assert Project.objects.get(pk=world.project.pk).documents_issued_on is None


def test_an_inquiry_may_open_soon_but_never_before_the_documents():
    """Date order (issue 3 point 8): the opening comes after the documents; the 20 days bind tenders only."""
    world = award_world()
    with pytest.raises(ServiceError, match="必须晚于采购文件发布日期"):
        procurement_start(project=world.project, method=ProcurementMethod.INQUIRY,
                                documents_issued_on=deadlines.today() + timedelta(days=3),
                                bid_opening_at=timezone.now() + timedelta(days=1), actor=world.operator)
    started = procurement_start(project=world.project, method=ProcurementMethod.INQUIRY,
                                      documents_issued_on=deadlines.today(),
                                      bid_opening_at=timezone.now() + timedelta(days=4), actor=world.operator)
    assert started.status == Status.PROCURING


def test_framework_solicitation_is_not_a_method_for_batch_procurement():
    """Order 110 applies to framework agreements; batch procurement uses the methods of 政府采购法第二十六条."""
    world = award_world()
    with pytest.raises(ServiceError, match="请选择批量集中采购适用的采购方式"):
        procurement_start(project=world.project, method=ProcurementMethod.FRAMEWORK_SOLICITATION,
                                actor=world.operator)
    assert Project.objects.get(pk=world.project.pk).status == Status.CONFIRMED


def test_procurement_starts_only_after_the_master_plan_is_confirmed():
    """Seed 000 三(一)(4)-(5): the center executes the confirmed master plan (总计划)."""
    world = award_world(status=Status.AGGREGATED)
    with pytest.raises(TransitionRefused, match="需求已汇总"):
        procurement_start(project=world.project, method=ProcurementMethod.INQUIRY, actor=world.operator)
    world.project.refresh_from_db()
    assert (world.project.status, world.project.procurement_method) == (Status.AGGREGATED, "")


def test_a_unit_cannot_start_the_procurement():
    """Access policy: only the organizing center runs the project."""
    world = award_world()
    with pytest.raises(PermissionDenied):
        procurement_start(project=world.project, method=ProcurementMethod.INQUIRY,
                                actor=world.clerk(world.units[0]))
    assert Project.objects.get(pk=world.project.pk).procurement_method == ""


def test_a_document_is_kept_and_a_bad_file_type_is_refused(settings, tmp_path):
    """Seed 000 三(一)(5): the center prepares the procurement documents; they are kept for the record."""
    settings.MEDIA_ROOT = tmp_path
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.OPEN_TENDER, documents=False)
    document = document_add(project=world.project, title="招标文件",
                                  file=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.4 test"), actor=world.operator)
    assert ProjectDocument.objects.get(pk=document.pk).title == "招标文件"
    assert (tmp_path / document.file.name).read_bytes() == b"%PDF-1.4 test"
    assert events(world.project, "document_add")[0].changes["title"] == "招标文件"
    with pytest.raises(ServiceError, match="不支持的文件类型"):
        document_add(project=world.project, title="脚本", file=SimpleUploadedFile("x.exe", b"MZ"),
                           actor=world.operator)
    assert ProjectDocument.objects.count() == 1


# --- the award of a lot --------------------------------------------------------------------------

@pytest.fixture
def procuring():
    return award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.OPEN_TENDER,
                       max_unit_price_yuan="5000.00")


def test_a_lot_is_awarded_to_an_active_supplier_at_its_unit_price(procuring):
    """Issue 3 point 8: the award per lot (supplier, unit price); an event records it."""
    lot = procuring.lots[0]
    award = lot_award(project=procuring.project, lot=lot, supplier=procuring.supplier,
                            unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    award.refresh_from_db()
    assert (award.lot, award.supplier, award.unit_price_yuan) == (lot, procuring.supplier, Decimal("4500.00"))
    event = ProjectEvent.objects.get(subject_type="award", subject_id=award.pk)
    assert event.action == "lot_award" and event.changes["unit_price_yuan"] == "4500.00"


def test_a_price_above_the_lots_maximum_unit_price_is_refused(procuring):
    """最高限制单价 (Lot.max_unit_price_yuan): the award may not exceed it."""
    with pytest.raises(ServiceError, match=r"不能超过本包最高限制单价（5,000.00元）") as refused:
        lot_award(project=procuring.project, lot=procuring.lots[0], supplier=procuring.supplier,
                        unit_price_yuan=Decimal("5000.01"), awarded_on=deadlines.today(), actor=procuring.operator)
    assert refused.value.field == "unit_price_yuan"
    assert not Award.objects.exists()
    # Exactly the maximum is allowed.
    lot_award(project=procuring.project, lot=procuring.lots[0], supplier=procuring.supplier,
                    unit_price_yuan=Decimal("5000.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    assert Award.objects.get().unit_price_yuan == Decimal("5000.00")


@pytest.mark.parametrize("price, message", [
    (Decimal("0"), "中标单价必须大于0"),
    (Decimal("-1"), "中标单价必须大于0"),
    (Decimal("10.005"), "最多保留两位小数"),
    (Decimal("NaN"), "请填写正确的中标单价"),
    (4500.0, "请填写正确的中标单价"),
])
def test_a_unit_price_must_be_a_positive_amount_in_yuan_and_cents(procuring, price, message):
    """Money is Decimal in 元 with two decimals (domain.md); a price of zero awards nothing."""
    with pytest.raises(ServiceError, match=message):
        lot_award(project=procuring.project, lot=procuring.lots[0], supplier=procuring.supplier,
                        unit_price_yuan=price, awarded_on=deadlines.today(), actor=procuring.operator)
    assert not Award.objects.exists()


@pytest.mark.parametrize("make", [
    lambda: BudgetUnitFactory(name="不是供应商的单位"),
    lambda: CenterFactory(),
    lambda: SupplierFactory(is_active=False),
])
def test_only_an_active_supplier_can_win_a_lot(procuring, make):
    """Award.supplier is a supplier (供应商); a disabled one cannot win."""
    with pytest.raises(ServiceError, match="必须是已启用的供应商"):
        lot_award(project=procuring.project, lot=procuring.lots[0], supplier=make(),
                        unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    assert not Award.objects.exists()


def test_a_lot_without_frozen_sub_plans_cannot_be_awarded(procuring):
    """A lot nobody asked for (no frozen sub-plan, only a withdrawn one) has nothing to award."""
    empty = LotFactory(project=procuring.project, number=9, name="无人响应的配置")
    SubPlanFactory(lot=empty, unit=procuring.units[0], status=SubPlan.Status.WITHDRAWN)
    with pytest.raises(ServiceError, match="第9包没有已锁定的分计划") as refused:
        lot_award(project=procuring.project, lot=empty, supplier=procuring.supplier,
                        unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    assert refused.value.field == "lot"
    assert not Award.objects.exists()


def test_another_projects_lot_is_refused(procuring):
    other_lot = LotFactory()
    SubPlanFactory(lot=other_lot, status=SubPlan.Status.FROZEN)
    with pytest.raises(ServiceError, match="该采购包不属于本项目"):
        lot_award(project=procuring.project, lot=other_lot, supplier=procuring.supplier,
                        unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)


def test_an_award_dated_in_the_future_or_before_the_opening_is_refused(procuring):
    """The award follows the opening (开标) and cannot be dated ahead."""
    Project.objects.filter(pk=procuring.project.pk).update(bid_opening_at=timezone.now() - timedelta(days=2))
    kwargs = {"project": procuring.project, "lot": procuring.lots[0], "supplier": procuring.supplier,
              "unit_price_yuan": Decimal("4500.00"), "actor": procuring.operator}
    with pytest.raises(ServiceError, match="定标日期不能晚于今天"):
        lot_award(awarded_on=deadlines.today() + timedelta(days=1), **kwargs)
    with pytest.raises(ServiceError, match="定标日期不能早于开标日期"):
        lot_award(awarded_on=deadlines.today() - timedelta(days=3), **kwargs)
    assert not Award.objects.exists()


def test_a_second_award_before_the_project_is_awarded_replaces_the_first(procuring):
    """Issue brief: re-award before 定标 replaces; the event keeps the previous values."""
    lot = procuring.lots[0]
    first = lot_award(project=procuring.project, lot=lot, supplier=procuring.supplier,
                            unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    other = SupplierFactory(name="另一家供应商")
    second = lot_award(project=procuring.project, lot=lot, supplier=other, unit_price_yuan=Decimal("4300.00"),
                             awarded_on=deadlines.today(), actor=procuring.operator)
    assert second.pk == first.pk
    assert Award.objects.filter(lot=lot).count() == 1
    assert (Award.objects.get(lot=lot).supplier, Award.objects.get(lot=lot).unit_price_yuan) == (
        other, Decimal("4300.00"))
    replaced = ProjectEvent.objects.get(subject_type="award", action="lot_award_replace")
    assert replaced.changes["previous"] == {"supplier_id": procuring.supplier.pk, "unit_price_yuan": "4500.00",
                                            "awarded_on": deadlines.today().isoformat()}


def test_a_lot_cannot_be_awarded_before_procurement_starts_or_after_the_award():
    """Awards are recorded while 采购实施中 only."""
    for status in (Status.CONFIRMED, Status.AWARDED):
        world = award_world(status=status, procurement_method=ProcurementMethod.INQUIRY)
        with pytest.raises(TransitionRefused, match="不能录入中标（成交）结果"):
            lot_award(project=world.project, lot=world.lots[0], supplier=world.supplier,
                            unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=world.operator)
    assert not Award.objects.exists()


def test_a_unit_user_cannot_award(procuring):
    with pytest.raises(PermissionDenied):
        lot_award(project=procuring.project, lot=procuring.lots[0], supplier=procuring.supplier,
                        unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(),
                        actor=procuring.clerk(procuring.units[0]))
    assert not Award.objects.exists()


# --- 定标: the result notice and the filing ------------------------------------------------------

def test_finalizing_needs_every_lot_with_demand_awarded(procuring):
    """Project.every_lot_awarded: every lot with frozen sub-plans has an award; a lot without demand does not count."""
    LotFactory(project=procuring.project, number=9, name="无人响应的配置")
    lot_award(project=procuring.project, lot=procuring.lots[0], supplier=procuring.supplier,
                    unit_price_yuan=Decimal("4500.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    with pytest.raises(TransitionRefused, match="仍有采购包未确定中标（成交）结果"):
        award_finalize(project=procuring.project, actor=procuring.operator)
    assert Project.objects.get(pk=procuring.project.pk).status == Status.PROCURING
    assert not Notice.objects.exists() and not Filing.objects.exists()

    lot_award(project=procuring.project, lot=procuring.lots[1], supplier=procuring.supplier,
                    unit_price_yuan=Decimal("4600.00"), awarded_on=deadlines.today(), actor=procuring.operator)
    finalized = award_finalize(project=procuring.project, actor=procuring.operator)
    assert finalized.status == Status.AWARDED


def test_finalizing_publishes_the_award_notice_and_files_the_result_with_the_finance_bureau(procuring):
    """Seed 000 三(一)(5): 中标(成交)信息在吉林省政府采购网公示 and 通过预算管理一体化系统备案;
    实施条例第四十三条 lists what the notice contains (supplier, quantity, unit price, amount)."""
    for lot, price in zip(procuring.lots, ("4500.00", "4600.50"), strict=True):
        lot_award(project=procuring.project, lot=lot, supplier=procuring.supplier,
                        unit_price_yuan=Decimal(price), awarded_on=deadlines.today(), actor=procuring.operator)

    award_finalize(project=procuring.project, actor=procuring.operator)

    notice = Notice.objects.get()
    assert notice.type == Notice.Type.AWARD
    assert notice.title == "2026年第二季度台式计算机批量集中采购中标（成交）结果公告"
    assert notice.project_id == procuring.project.pk and notice.publisher == procuring.center
    assert "吉林测试电脑有限公司" in notice.body
    assert "数量 30台；单价 4,500.00元；中标（成交）金额 135,000.00元" in notice.body
    assert "单价 4,600.50元；中标（成交）金额 138,015.00元" in notice.body
    assert "共3家预算单位参与" in notice.body
    assert Project.objects.get(pk=procuring.project.pk).award_notice_id == notice.pk
    assert set(Award.objects.values_list("notice_published_at", flat=True)) == {notice.published_at}

    filing = Filing.objects.get()
    assert filing.kind == Filing.Kind.AWARD
    assert (filing.project_id, filing.filed_by, filing.finance_bureau) == (
        procuring.project.pk, procuring.center, procuring.finance)
    assert [lot["amount_yuan"] for lot in filing.payload["lots"]] == ["135000.00", "138015.00"]

    [event] = events(procuring.project, "record_award")
    assert (event.source, event.target) == (Status.PROCURING, Status.AWARDED)
    assert event.changes["notice_id"] == notice.pk and event.changes["filing_id"] == filing.pk
    assert event.changes["award_notice_due"] == award_notice_due(deadlines.today()).isoformat()
    assert event.changes["award_notice_late"] is False


def test_a_late_award_notice_is_published_all_the_same_and_flagged():
    """实施条例第四十三条: within 2 working days of the award; lateness is recorded, nothing refused."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    awarded_on = date(2026, 1, 5)  # a Monday: due Wednesday 2026-01-07
    award_all(world, awarded_on=awarded_on)
    award_finalize(project=world.project, actor=world.operator)
    [event] = events(world.project, "record_award")
    assert event.changes["award_notice_due"] == "2026-01-07"
    assert event.changes["award_notice_late"] is True
    assert Notice.objects.filter(type=Notice.Type.AWARD).count() == 1


def test_the_award_notice_due_date_counts_working_days_across_a_holiday():
    """deadlines.AWARD_NOTICE is 2 working days: awarded Tuesday 2025-09-30, National Day follows → 10-10."""
    assert award_notice_due(date(2025, 9, 30)) == date(2025, 10, 10)


def test_the_filing_goes_to_the_centers_region_when_the_scope_region_has_no_finance_bureau():
    """Issue brief: the finance bureau of the project's scope region, else the center's region."""
    city = prefecture()
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY,
                        region=county(parent=city), center_region=city)
    city_bureau = FinanceFactory(name="长春市财政局", region=city)
    award_all(world)
    award_finalize(project=world.project, actor=world.operator)
    assert Filing.objects.get(kind=Filing.Kind.AWARD).finance_bureau == city_bureau


def test_the_award_notice_is_kept_on_the_core_project_without_batch_details(procuring):
    """Issue 9 point 1 (execution lives in the core; a notice is a real foreign key): 定标 no longer needs the batch
    details, the project itself holds its award notice."""
    BatchDetails.objects.filter(project=procuring.project).delete()
    award_all(procuring)
    award_finalize(project=procuring.project, actor=procuring.operator)
    notice = Notice.objects.get(project=procuring.project, type=Notice.Type.AWARD)
    assert Project.objects.get(pk=procuring.project.pk).award_notice == notice


def test_a_project_of_another_mode_is_awarded_by_the_same_service_in_the_core_wording():
    """Issue 9 point 1: the execution services serve every mode; a mode without its own wording gets the core's
    (batch says 批量集中采购 in its award notice, the core does not)."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY, mode="volume")
    award_all(world)
    finalized = award_finalize(project=world.project, actor=world.operator)
    assert finalized.status == Status.AWARDED
    notice = Notice.objects.get(project=world.project, type=Notice.Type.AWARD)
    assert "五、采购人：本项目共3家预算单位参与" in notice.body
    assert "本项目为批量集中采购" not in notice.body

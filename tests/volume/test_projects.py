"""753号 step 1: the lead unit creates a joint volume project (issue 10 point 2), through the service.

Each refusal names its source: the lowest catalog level (issue 10 point 2), the upper unit leads a cross-level
project (seed 000 三(三)(2), 753号 二), a catalog category with a framework agreement in force goes to the agreement
(753号 一), a department-internal project follows the department's issued catalog (seed 000 三(三)(1)).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from notices.models import Notice
from procurement.agreements import AgreementInForce, register_agreements_source, unregister_agreements_source
from procurement.models import Category, EligibleUnit, Lot, Mode, Notification, Organization, Project, ProjectEvent
from procurement.services.errors import ServiceError
from tests.volume.factories_projects import CATALOG_LEAF, LEAF, PARENT, categories, item, open_volume
from volume.models import (
    DepartmentCatalog,
    DepartmentCatalogItem,
    VolumeDetails,
    VolumeItem,
    VolumeProject,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

Kind = VolumeDetails.Kind


def nothing_written() -> bool:
    return not Project.objects.filter(mode=Mode.VOLUME).exists() and not Notice.objects.exists()


# --- the creation path ----------------------------------------------------------------------------

def test_opening_creates_the_core_project_items_units_details_and_publishes_the_intention(
        world, django_capture_on_commit_callbacks):
    """753号 三 1: the lead opens the project (items, participants, window); the intention is published (采购意向公开),
    the creation is audited and every participant is told when the window opens."""
    with django_capture_on_commit_callbacks(execute=True):
        project = open_volume(world, items=[item(), item(name="显示器", quantity_guidance=None,
                                                         reference_price_yuan=None)])

    assert isinstance(project, VolumeProject) and project.mode == Mode.VOLUME
    assert project.organizer == world.province_unit and project.status == Project.Status.COLLECTING
    lots = list(Lot.objects.filter(project=project).order_by("number"))
    assert [(lot.name, lot.category.code, lot.unit_of_measure) for lot in lots] == [
        ("台式计算机", LEAF, "台"), ("显示器", LEAF, "台")]
    assert lots[0].reference_price_yuan == Decimal("4800")
    assert VolumeItem.objects.get(lot=lots[0]).quantity_guidance == Decimal("200")
    assert VolumeItem.objects.get(lot=lots[1]).quantity_guidance is None
    assert set(EligibleUnit.objects.filter(project=project).values_list("unit_id", flat=True)) == {
        unit.pk for unit in world.budget_units.values()}

    details = VolumeDetails.objects.get(project=project)
    assert details.kind == Kind.CROSS_DEPARTMENT and details.catalog is None
    # 753号 四(二): the lead answers supplier inquiries and challenges by default.
    assert details.question_handler == world.province_unit
    notice = details.intention_notice
    assert notice.type == Notice.Type.INTENTION and notice.project_id == project.pk
    assert notice.publisher == world.province_unit
    assert "台式计算机" in notice.body and "预估数量：200" in notice.body and "吉林省教育厅" in notice.body
    assert "预算金额由各参与单位" in notice.body

    actions = set(ProjectEvent.objects.filter(project=project).values_list("action", flat=True))
    assert {"create", "open_collection", "notice_publish"} <= actions
    told = set(Notification.objects.filter(reminder__kind="collection_opened")
               .values_list("organization_id", flat=True))
    assert told == {unit.pk for unit in world.budget_units.values()}


def test_the_lead_may_name_a_participant_to_answer_questions(world):
    """753号 四(二): the parties agree who answers (一般由牵头单位); a participant may be named."""
    project = open_volume(world, question_handler=world.prefecture_unit)
    assert project.volume.question_handler == world.prefecture_unit


def test_a_question_handler_outside_the_project_is_refused(world):
    """753号 四(二): the unit answering supplier questions is one of the project's parties."""
    outsider = world.units(1)[0]
    with pytest.raises(ServiceError, match="答复询问、质疑的单位应为牵头单位或参与单位") as refused:
        open_volume(world, units=[world.prefecture_unit], question_handler=outsider)
    assert refused.value.field == "question_handler" and nothing_written()


def test_only_someone_acting_for_the_lead_may_open(world):
    """The lead is a budget unit the actor acts for."""
    with pytest.raises(PermissionDenied):
        open_volume(world, actor=world.user(world.prefecture_unit))
    assert nothing_written()


# --- items: the lowest catalog level ------------------------------------------------------------------

def test_an_item_above_the_lowest_catalog_level_is_refused(world):
    """Issue 10 point 2 (753号 三 1 采购内容清单): the category goes down to the lowest catalog level."""
    with pytest.raises(ServiceError, match=f"第2项「打印机」：采购品目「{PARENT} 测试设备」不是最末级品目") as refused:
        open_volume(world, items=[item(), item(PARENT, name="打印机")])
    assert refused.value.field == "items" and nothing_written()


def test_an_unknown_category_is_refused_naming_the_item(world):
    """Issue 10 point 2: every item's category exists in the catalog."""
    with pytest.raises(ServiceError, match="第1项「台式计算机」：采购品目「Z999」不存在"):
        open_volume(world, items=[item("Z999")])
    assert nothing_written()


def test_no_participant_is_refused(world):
    """753号 三 1: the lead ticks the participants; at least one."""
    with pytest.raises(ServiceError, match="请至少勾选一家参与单位"):
        open_volume(world, units=[])
    assert nothing_written()


def test_an_inactive_or_non_budget_participant_is_refused(world):
    """Participants are active budget units (预算单位, 753号 一)."""
    closed = world.units(1, name="已撤销单位{:03d}")[0]
    Organization.objects.filter(pk=closed.pk).update(is_active=False)
    with pytest.raises(ServiceError, match="已撤销单位001已停用"):
        open_volume(world, units=[world.prefecture_unit, closed])
    with pytest.raises(ServiceError, match="吉林省政府采购中心不是预算单位"):
        open_volume(world, units=[world.prefecture_unit, world.center])
    assert nothing_written()


def test_the_lead_may_include_itself_or_not(world):
    """753号 二: the lead is itself a purchaser when it takes part; it may also only organize."""
    without = open_volume(world, units=[world.prefecture_unit])
    assert list(without.eligible_units.values_list("unit_id", flat=True)) == [world.prefecture_unit.pk]
    with_itself = open_volume(world, units=[world.province_unit, world.prefecture_unit], title="另一项目")
    assert with_itself.eligible_units.count() == 2


# --- cross-level: the upper unit leads ----------------------------------------------------------------

def test_a_county_lead_with_a_provincial_participant_is_refused(world):
    """Seed 000 三(三)(2) and 753号 二: 跨层级的项目原则上由上级单位作为牵头单位 — a county lead with a provincial
    participant is refused, naming the participant."""
    with pytest.raises(ServiceError, match="参与单位吉林省教育厅为省级单位，高于牵头单位「南关区人民医院」") as refused:
        open_volume(world, lead=world.county_unit, units=[world.county_unit, world.province_unit])
    assert refused.value.field == "unit_ids" and nothing_written()


def test_a_prefecture_lead_with_county_participants_is_accepted(world):
    """Seed 000 三(三)(2): the upper unit (the prefecture's) leads the county units."""
    project = open_volume(world, lead=world.prefecture_unit, units=[world.prefecture_unit, world.county_unit])
    assert project.organizer == world.prefecture_unit


# --- framework agreements in force (753号 一) ------------------------------------------------------------

def test_without_an_agreements_source_a_catalog_category_is_accepted(world):
    """753号 一: until framework agreements exist the core finds none in force, so nothing is refused."""
    project = open_volume(world, items=[item(CATALOG_LEAF, name="打印机")])
    assert project.lots.get().category.code == CATALOG_LEAF


def test_a_catalog_category_with_an_agreement_in_force_is_refused_naming_the_agreement(world):
    """753号 一: 采购集中采购目录内品目的，应当以集中采购机构统一征集的框架协议为先 — refused, naming the agreement;
    a category outside the catalog is not asked about."""
    asked = []

    def printers_agreement(category, *, on):
        asked.append((category.code, on))
        if category.code == CATALOG_LEAF:
            return [AgreementInForce(code="JLKJ-2026-01", title="2026年打印设备框架协议", supplier_count=8,
                                     valid_until=date(2026, 12, 31))]
        return []

    register_agreements_source(printers_agreement)
    try:
        with pytest.raises(ServiceError,
                           match="框架协议「2026年打印设备框架协议」（编号JLKJ-2026-01）正在有效期内") as refused:
            open_volume(world, items=[item(), item(CATALOG_LEAF, name="打印机")])
    finally:
        unregister_agreements_source(printers_agreement)
    assert refused.value.field == "items" and "第2项「打印机」" in refused.value.message
    assert [code for code, _ in asked] == [CATALOG_LEAF]
    assert nothing_written()


# --- department-internal projects (seed 000 三(三)(1)) ---------------------------------------------------

@pytest.fixture
def department(world):
    """The provincial department (吉林省教育厅) with two of its own units, and its issued catalog for 2026."""
    cats = categories()
    own = world.units(2, name="教育厅直属单位{:03d}", supervising=world.province_unit)
    catalog = DepartmentCatalog.objects.create(department=world.province_unit, year=2026,
                                               title="2026年教育系统部门集中采购目录")
    DepartmentCatalogItem.objects.create(catalog=catalog, category=cats["parent"], special_need="教学专用")
    DepartmentCatalog.objects.filter(pk=catalog.pk).update(status=DepartmentCatalog.Status.ISSUED)
    catalog.refresh_from_db()
    return {"catalog": catalog, "own": own}


def test_a_department_project_follows_its_issued_catalog(world, department):
    """Seed 000 三(三)(1): the department leads a project of its catalog's categories with its own units."""
    project = open_volume(world, kind=Kind.DEPARTMENT, catalog=department["catalog"],
                          units=[world.province_unit, *department["own"]])
    assert project.volume.catalog == department["catalog"] and project.volume.kind == Kind.DEPARTMENT


def test_a_department_project_needs_an_issued_catalog(world, department):
    """Seed 000 三(三)(1): the catalog binds once issued (印发); a draft does not."""
    catalog = department["catalog"]
    DepartmentCatalog.objects.filter(pk=catalog.pk).update(status=DepartmentCatalog.Status.APPROVED)
    with pytest.raises(ServiceError, match="当前状态为「审核通过」，印发后才能") as refused:
        open_volume(world, kind=Kind.DEPARTMENT, catalog=catalog, units=department["own"])
    assert refused.value.field == "catalog"
    with pytest.raises(ServiceError, match="须选择依据的部门集中采购目录"):
        open_volume(world, kind=Kind.DEPARTMENT, units=department["own"])
    assert nothing_written()


def test_a_department_project_item_outside_the_catalog_is_refused(world, department):
    """Seed 000 三(三)(1): a department project buys the categories of the department's catalog."""
    categories()
    Category.objects.get_or_create(code="A0398", defaults={"name": "其他设备", "level": 4})
    with pytest.raises(ServiceError, match="第1项「家具」：品目「A0398 其他设备」不在部门集中采购目录"):
        open_volume(world, kind=Kind.DEPARTMENT, catalog=department["catalog"], units=department["own"],
                    items=[item("A0398", name="家具")])
    assert nothing_written()


def test_a_department_project_led_by_an_unauthorized_unit_is_refused_and_an_authorized_one_accepted(
        world, department):
    """Seed 000 三(三)(1): 一般由省级部门或其授权单位作为牵头单位."""
    lead = department["own"][0]
    world.user(lead)
    with pytest.raises(ServiceError, match="应由主管部门「吉林省教育厅」或其授权单位牵头") as refused:
        open_volume(world, lead=lead, kind=Kind.DEPARTMENT, catalog=department["catalog"], units=department["own"])
    assert refused.value.field == "lead" and nothing_written()
    department["catalog"].authorized_leads.add(lead)
    project = open_volume(world, lead=lead, kind=Kind.DEPARTMENT, catalog=department["catalog"],
                          units=department["own"])
    assert project.organizer == lead


def test_a_department_project_with_another_departments_unit_is_refused(world, department):
    """Seed 000 三(三)(1): the catalog binds the department's own units (本部门、本系统); others are not invited."""
    with pytest.raises(ServiceError, match="长春市第一中学不属于本部门"):
        open_volume(world, kind=Kind.DEPARTMENT, catalog=department["catalog"],
                    units=[*department["own"], world.prefecture_unit])
    assert nothing_written()

"""Task notice services (批量集中采购任务通知单): drafting rules, issue / acknowledge / withdraw, visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from procurement import deadlines
from procurement.models import Category, Cycle, Mode, Organization, ProjectEvent, Region, TaskNotice
from procurement.selectors import tasks as selectors
from procurement.services import tasks as services
from procurement.services.errors import ServiceError, TransitionRefused
from tests.factories import (
    CategoryFactory,
    UserFactory,
    member_of,
)
from tests.world import World as CoreWorld
from tests.world import world_build

pytestmark = pytest.mark.django_db


@dataclass
class World:
    province: Region
    changchun: Region
    jilin_city: Region
    finance: Organization
    city_finance: Organization
    center: Organization
    other_center: Organization
    category: Category
    outside_catalog: Category
    finance_user: object
    city_finance_user: object
    center_user: object
    other_center_user: object
    unit_user: object


def build_world(world: CoreWorld | None = None) -> World:
    """The province's finance department and center, Changchun's bureau and center, a unit (``tests/world.py``),
    and the categories a task names."""
    world = world or world_build()
    computers = CategoryFactory(code="A02010100", name="计算机设备", level=3, in_centralized_catalog=False)
    category = CategoryFactory(code="A02010105", name="台式计算机", level=4, parent=computers,
                               in_centralized_catalog=True)
    outside = CategoryFactory(code="C23120300", name="物业管理服务", level=3, in_centralized_catalog=False)
    return World(
        province=world.province, changchun=world.changchun, jilin_city=world.jilin_city, finance=world.finance,
        city_finance=world.city_finance, center=world.center, other_center=world.city_center, category=category,
        outside_catalog=outside, finance_user=world.user(world.finance),
        city_finance_user=world.user(world.city_finance), center_user=world.user(world.center),
        other_center_user=world.user(world.city_center), unit_user=world.user(world.province_unit),
    )


def draft(world: World, **overrides) -> TaskNotice:
    values = {
        "mode": Mode.BATCH, "finance_bureau": world.finance, "center": world.center, "category": world.category,
        "year": 2026,
        "purchase_limit": "集中采购目录内单项或批量金额在50万元以下的小额零星项目",
        "purchase_limit_yuan": Decimal("500000"), "scope": TaskNotice.Scope.PROVINCE, "cycle": Cycle.QUARTERLY,
        "actor": world.finance_user,
    }
    values.update(overrides)
    return services.task_notice_create(**values)


def issued(world: World, **overrides) -> TaskNotice:
    return services.task_notice_issue(task=draft(world, **overrides), actor=overrides.get("actor", world.finance_user))


@pytest.fixture
def world(world) -> World:
    return build_world(world)


# --- drafting ------------------------------------------------------------------------------------

def test_finance_drafts_a_notice_with_category_limit_scope_and_cycle(world):
    """Seed 000 三(一)1(1) and annex 5: 采购品目, 采购限额, 适用范围, 采购周期; it starts as a draft."""
    task = draft(world)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.DRAFT
    assert (task.finance_bureau, task.center, task.category) == (world.finance, world.center, world.category)
    assert task.purchase_limit_yuan == Decimal("500000.00")
    assert (task.scope, task.cycle, task.year) == (TaskNotice.Scope.PROVINCE, Cycle.QUARTERLY, 2026)
    assert task.created_by == world.finance_user
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk)
    assert (event.action, event.actor, event.actor_organization) == ("create", world.finance_user, world.finance)


def test_a_category_outside_the_centralized_catalog_is_refused(world):
    """Seed 000 二(一)2: batch procurement is for items inside the government centralized catalog."""
    with pytest.raises(ServiceError) as refused:
        draft(world, category=world.outside_catalog)
    assert refused.value.field == "category"
    assert "C23120300 物业管理服务" in refused.value.message
    assert "未纳入政府集中采购目录" in refused.value.message
    assert not TaskNotice.objects.exists()


def test_a_negative_limit_is_refused(world):
    """Annex 5 采购限额: an amount, never negative."""
    with pytest.raises(ServiceError) as refused:
        draft(world, purchase_limit_yuan=Decimal("-1"))
    assert (refused.value.field, refused.value.message) == ("purchase_limit_yuan", "采购限额金额不能为负数")
    assert not TaskNotice.objects.exists()


def test_a_limit_text_is_required(world):
    """Annex 5 names 采购限额 on every notice."""
    with pytest.raises(ServiceError, match="请填写采购限额"):
        draft(world, purchase_limit="  ")
    assert not TaskNotice.objects.exists()


def test_regional_scope_needs_regions(world):
    """Annex 5 适用范围 is 全省 or 分地区; 分地区 must say which regions."""
    with pytest.raises(ServiceError) as refused:
        draft(world, scope=TaskNotice.Scope.REGIONS, scope_regions=[])
    assert refused.value.field == "scope_regions"
    assert "请至少选择一个适用地区" in refused.value.message
    assert not TaskNotice.objects.exists()


def test_regional_scope_lies_inside_the_bureaus_region(world):
    """Seed 000 三(一)1(1): each level's finance bureau tasks its own level; Changchun cannot task Jilin city."""
    with pytest.raises(ServiceError) as refused:
        draft(world, finance_bureau=world.city_finance, center=world.other_center, actor=world.city_finance_user,
              scope=TaskNotice.Scope.REGIONS, scope_regions=[world.jilin_city])
    assert "吉林市" in refused.value.message and "长春市财政局" in refused.value.message
    assert not TaskNotice.objects.exists()


def test_regional_scope_inside_the_bureaus_region_is_kept(world):
    """Annex 5 适用范围 分地区: the regions chosen are stored with the notice."""
    task = draft(world, scope=TaskNotice.Scope.REGIONS, scope_regions=[world.changchun, world.jilin_city])
    assert set(task.scope_regions.all()) == {world.changchun, world.jilin_city}
    assert selectors.scope_text(task) == "分地区：长春市、吉林市"


def test_provincial_scope_drops_regions_sent_along(world):
    """Annex 5 适用范围 全省 needs no region list."""
    task = draft(world, scope=TaskNotice.Scope.PROVINCE, scope_regions=[world.changchun])
    assert not task.scope_regions.exists()
    assert selectors.scope_text(task) == "全省"


def test_only_a_member_of_the_bureau_drafts_for_it(world):
    """Seed 000 三(一)1(1): the finance bureau forms its own notice; another bureau cannot draft in its name."""
    for outsider in (world.city_finance_user, world.center_user, world.unit_user):
        with pytest.raises(PermissionDenied, match="吉林省财政厅"):
            draft(world, actor=outsider)
    assert not TaskNotice.objects.exists()


def test_a_read_only_member_cannot_draft(world):
    """Seed 000 三(一)1(1): drafting is an act of the bureau's staff; a viewer only reads."""
    viewer = member_of(world.finance, username="finance_viewer", role="viewer")
    with pytest.raises(PermissionDenied):
        draft(world, actor=viewer)
    assert not TaskNotice.objects.exists()


def test_the_addressee_must_be_a_centralized_procurement_agency(world):
    """Seed 000 三(一)1(1): the notice is issued to the 集中采购机构 for execution."""
    with pytest.raises(ServiceError) as refused:
        draft(world, center=world.city_finance)
    assert refused.value.field == "center" and "不是集中采购机构" in refused.value.message
    assert not TaskNotice.objects.exists()


def test_the_issuer_must_be_a_finance_bureau(world):
    """Seed 000 三(一)1(1): 财政部门 forms the task notice."""
    with pytest.raises(ServiceError, match="不是财政部门"):
        draft(world, finance_bureau=world.center, actor=world.center_user)
    assert not TaskNotice.objects.exists()


# --- editing -------------------------------------------------------------------------------------

def test_a_draft_can_be_revised(world):
    """Annex 5: finance settles the content before issuing; the change is recorded."""
    task = draft(world)
    services.task_notice_update(
        task=task, center=world.center, category=world.category, year=2026, purchase_limit="单项100万元以下",
        purchase_limit_yuan=None, scope=TaskNotice.Scope.REGIONS, scope_regions=[world.changchun],
        cycle=Cycle.HALF_YEARLY, actor=world.finance_user)
    task.refresh_from_db()
    assert (task.purchase_limit, task.purchase_limit_yuan, task.cycle) == ("单项100万元以下", None, Cycle.HALF_YEARLY)
    assert list(task.scope_regions.all()) == [world.changchun]
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="update")
    assert event.changes["cycle"] == [Cycle.QUARTERLY, Cycle.HALF_YEARLY]


def test_an_issued_notice_cannot_be_revised(world):
    """Seed 000 三(一)1(1): once issued (下达) the center executes it as it stands."""
    task = issued(world)
    with pytest.raises(TransitionRefused, match="只有草稿可以修改"):
        services.task_notice_update(
            task=task, center=world.center, category=world.category, year=2027, purchase_limit="改动",
            scope=TaskNotice.Scope.PROVINCE, cycle=Cycle.YEARLY, actor=world.finance_user)
    task.refresh_from_db()
    assert (task.year, task.cycle) == (2026, Cycle.QUARTERLY)


def test_another_bureau_cannot_revise_a_draft(world):
    """Seed 000 三(一)1(1): only the drafting bureau's staff change its notice."""
    task = draft(world)
    with pytest.raises(PermissionDenied):
        services.task_notice_update(
            task=task, center=world.center, category=world.category, year=2027, purchase_limit="改动",
            scope=TaskNotice.Scope.PROVINCE, cycle=Cycle.YEARLY, actor=world.city_finance_user)
    task.refresh_from_db()
    assert task.year == 2026


# --- transitions ---------------------------------------------------------------------------------

def test_issuing_dates_the_notice_and_records_the_step(world):
    """Seed 000 三(一)1(1): finance 下达 the notice to the center (状态 草稿 → 已下达)."""
    task = services.task_notice_issue(task=draft(world), actor=world.finance_user)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.ISSUED
    assert task.issued_on == deadlines.today()
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="issue")
    assert (event.source, event.target, event.action_label) == ("draft", "issued", "下达任务")


def test_an_issue_date_in_the_future_is_refused(world):
    """Annex 5 is dated on issue; a notice cannot be issued on a day still to come."""
    task = draft(world)
    with pytest.raises(ServiceError, match="下达日期不能晚于今天"):
        services.task_notice_issue(task=task, actor=world.finance_user,
                                   issued_on=deadlines.today() + timedelta(days=1))
    task.refresh_from_db()
    assert (task.status, task.issued_on) == (TaskNotice.Status.DRAFT, None)


def test_another_bureau_cannot_issue(world):
    """Seed 000 三(一)1(1): only the bureau that drafted the notice issues it."""
    task = draft(world)
    for outsider in (world.city_finance_user, world.center_user):
        with pytest.raises(PermissionDenied, match="下达任务"):
            services.task_notice_issue(task=task, actor=outsider)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.DRAFT


def test_a_category_removed_from_the_catalog_since_drafting_cannot_be_issued(world):
    """Seed 000 二(一)2: the catalog is checked again when the notice leaves finance."""
    task = draft(world)
    Category.objects.filter(pk=world.category.pk).update(in_centralized_catalog=False)
    with pytest.raises(ServiceError, match="已不在政府集中采购目录内"):
        services.task_notice_issue(task=task, actor=world.finance_user)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.DRAFT


def test_the_center_acknowledges_an_issued_notice(world):
    """Seed 000 三(一)1(1): the center receives the notice for execution (已下达 → 已签收)."""
    task = services.task_notice_acknowledge(task=issued(world), actor=world.center_user)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.ACKNOWLEDGED
    assert task.acknowledged_at is not None
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="acknowledge")
    assert event.actor_organization == world.center


def test_the_center_is_told_of_an_issued_notice_and_finance_of_its_acknowledgement(world):
    from procurement.models import Notification

    task = issued(world)
    told = Notification.objects.get(recipient=world.center_user)
    assert told.title == f"收到批量集中采购任务通知单：{task.category.name}"
    assert task.finance_bureau.name in told.body and told.url == f"/batch/center/tasks/{task.pk}/"
    assert told.body.endswith("批量集中采购任务，请签收后据此编制产品配置表。")  # batch's wording (annex 6 follows)
    assert not Notification.objects.filter(recipient=world.other_center_user).exists()
    services.task_notice_acknowledge(task=task, actor=world.center_user)
    finance_told = Notification.objects.get(recipient=world.finance_user)
    assert finance_told.title == f"{world.center.name}已签收任务通知单：{task.category.name}"


def test_only_the_addressed_center_acknowledges(world):
    """Seed 000 三(一)1(1): the notice is for the center it names; finance or another center cannot sign for it."""
    task = issued(world)
    for outsider in (world.finance_user, world.other_center_user):
        with pytest.raises(PermissionDenied, match="签收任务"):
            services.task_notice_acknowledge(task=task, actor=outsider)
    task.refresh_from_db()
    assert (task.status, task.acknowledged_at) == (TaskNotice.Status.ISSUED, None)


def test_a_draft_cannot_be_acknowledged(world):
    """Seed 000 三(一)1(1): only an issued notice reaches the center; a forged acknowledgement is refused."""
    task = draft(world)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(TransitionRefused) as refused:
        services.task_notice_acknowledge(task=task, actor=admin)
    assert refused.value.message == "当前状态为「草稿」，不能执行「签收任务」"
    task.refresh_from_db()
    assert (task.status, task.acknowledged_at) == (TaskNotice.Status.DRAFT, None)


def test_finance_withdraws_a_notice_not_yet_acknowledged(world):
    """Annex 5 workflow: finance may call back a notice the center has not signed for."""
    task = services.task_notice_withdraw(task=issued(world), actor=world.finance_user, reason="品目调整")
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.WITHDRAWN
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="withdraw")
    assert event.note == "品目调整"


def test_an_acknowledged_notice_cannot_be_withdrawn(world):
    """Seed 000 三(一)1(2): once signed for, the center is executing the task."""
    task = services.task_notice_acknowledge(task=issued(world), actor=world.center_user)
    with pytest.raises(TransitionRefused, match="当前状态为「已签收」"):
        services.task_notice_withdraw(task=task, actor=world.finance_user)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.ACKNOWLEDGED


def test_the_center_cannot_withdraw(world):
    """Seed 000 三(一)1(1): withdrawing is finance's act, not the executing center's."""
    task = issued(world)
    with pytest.raises(PermissionDenied):
        services.task_notice_withdraw(task=task, actor=world.center_user)
    task.refresh_from_db()
    assert task.status == TaskNotice.Status.ISSUED


# --- visibility ----------------------------------------------------------------------------------

def test_the_center_never_sees_drafts(world):
    """Seed 000 三(一)1(1): a notice reaches the center when issued; drafts stay with finance."""
    kept_draft = draft(world)
    sent = issued(world)
    withdrawn_draft = services.task_notice_withdraw(task=draft(world), actor=world.finance_user)
    withdrawn_sent = services.task_notice_withdraw(task=issued(world), actor=world.finance_user)
    received = set(selectors.task_notices_received(world.center_user, mode=Mode.BATCH))
    assert received == {sent, withdrawn_sent}
    assert set(selectors.task_notices_drafted(world.finance_user, mode=Mode.BATCH)) == {
        kept_draft, sent, withdrawn_draft, withdrawn_sent}


def test_each_bureau_and_center_sees_only_its_own_notices(world):
    """Seed 000 三(一)1(1): each level's bureau tasks its own center; nothing leaks between them."""
    ours = issued(world)
    theirs = issued(world, finance_bureau=world.city_finance, center=world.other_center,
                    actor=world.city_finance_user)
    assert list(selectors.task_notices_visible(world.finance_user, mode=Mode.BATCH)) == [ours]
    assert list(selectors.task_notices_visible(world.city_finance_user, mode=Mode.BATCH)) == [theirs]
    assert list(selectors.task_notices_visible(world.center_user, mode=Mode.BATCH)) == [ours]
    assert list(selectors.task_notices_visible(world.other_center_user, mode=Mode.BATCH)) == [theirs]
    assert not selectors.task_notices_visible(world.unit_user, mode=Mode.BATCH).exists()

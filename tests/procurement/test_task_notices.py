"""The core task notice (采购任务通知单), for every mode: a framework notice (annex 7) with a validity is drafted,
issued, acknowledged and withdrawn through the core services alone; batch's own rules stay batch's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from batch.models import TaskNotice as BatchTaskNotice
from procurement import deadlines
from procurement.models import Cycle, Lot, Mode, Notification, ProjectEvent, TaskNotice
from procurement.modes import ModePlugin, mode_plugin
from procurement.selectors import tasks as selectors
from procurement.services import tasks as services
from procurement.services.errors import ServiceError
from tests.factories import CategoryFactory, CenterFactory, FinanceFactory, member_of, province

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    finance = FinanceFactory(name="吉林省财政厅", region=province())
    center = CenterFactory(name="吉林省政府采购中心", region=province())
    return {
        "finance": finance,
        "center": center,
        "finance_user": member_of(finance, username="finance_op"),
        "center_user": member_of(center, username="center_op"),
        # Outside the government centralized catalog: batch may not task it; a framework notice may.
        "services": CategoryFactory(code="C23120300", name="物业管理服务", level=3, in_centralized_catalog=False),
        "desktops": CategoryFactory(code="A02010105", name="台式计算机", level=4, in_centralized_catalog=True),
    }


def framework_draft(world, **overrides) -> TaskNotice:
    values = {
        "mode": Mode.FRAMEWORK, "finance_bureau": world["finance"], "center": world["center"],
        "category": world["services"], "year": 2026,
        "purchase_limit": "单项或批量金额在200万元以下的小额零星项目", "purchase_limit_yuan": Decimal("2000000"),
        "scope": TaskNotice.Scope.PROVINCE, "valid_from": date(2026, 1, 1), "valid_until": date(2027, 12, 31),
        "validity_months": 24, "actor": world["finance_user"],
    }
    values.update(overrides)
    return services.task_notice_create(**values)


def test_a_framework_notice_with_a_validity_is_drafted_issued_and_acknowledged_through_the_core(world):
    """Annex 7 框架协议采购任务通知单: category, limit (小额零星), scope and validity (services usually 2 years)."""
    task = framework_draft(world)
    task.refresh_from_db()
    assert (task.mode, task.status, task.cycle) == (Mode.FRAMEWORK, TaskNotice.Status.DRAFT, "")
    assert (task.valid_from, task.valid_until, task.validity_months) == (date(2026, 1, 1), date(2027, 12, 31), 24)
    assert str(task) == "物业管理服务框架协议采购项目任务通知书"
    created = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="create")
    assert created.changes["mode"] == "framework" and created.changes["valid_until"] == "2027-12-31"

    issued = services.task_notice_issue(task=task, actor=world["finance_user"])
    assert issued.status == TaskNotice.Status.ISSUED and issued.issued_on == deadlines.today()
    told = Notification.objects.get(recipient=world["center_user"])
    # Framework's wording (its plan, annex 8, follows the notice) and its page, through its plugin.
    assert told.title == "收到框架协议采购任务通知单：物业管理服务"
    assert "吉林省财政厅" in told.body and "框架协议采购任务" in told.body and "产品配置表" not in told.body
    assert told.url == f"/framework/center/tasks/{task.pk}/"

    acknowledged = services.task_notice_acknowledge(task=issued, actor=world["center_user"])
    assert acknowledged.status == TaskNotice.Status.ACKNOWLEDGED
    finance_told = Notification.objects.get(recipient=world["finance_user"])
    assert finance_told.body == "吉林省政府采购中心已签收2026年度物业管理服务框架协议采购任务通知单。"


def test_the_batch_catalog_rule_does_not_apply_to_a_framework_notice(world):
    """Seed 000 二(一)2 binds batch procurement to the centralized catalog; it is batch's rule, not the core's."""
    with pytest.raises(ServiceError, match="未纳入政府集中采购目录，不能下达批量集中采购任务") as refused:
        framework_draft(world, mode=Mode.BATCH, cycle=Cycle.QUARTERLY)
    assert refused.value.field == "category"
    task = framework_draft(world)
    assert services.task_notice_issue(task=task, actor=world["finance_user"]).status == TaskNotice.Status.ISSUED


def test_batch_still_names_its_cycle_and_a_framework_notice_needs_none(world):
    """Annex 5 names 采购周期; annex 7 has none."""
    with pytest.raises(ServiceError, match="采购周期「」无效"):
        framework_draft(world, mode=Mode.BATCH, category=world["desktops"], cycle="")
    assert framework_draft(world, cycle="").cycle == ""
    with pytest.raises(ServiceError, match="采购周期「weekly」无效"):
        framework_draft(world, cycle="weekly")


@pytest.mark.parametrize(("dates", "field", "message"), [
    ({"valid_until": None}, "valid_until", "有效期须同时填写起始日期和截止日期"),
    ({"valid_from": None}, "valid_from", "有效期须同时填写起始日期和截止日期"),
    ({"valid_until": date(2025, 12, 31)}, "valid_until", "有效期截止日期不能早于起始日期"),
    ({"validity_months": 0}, "validity_months", "有效期（月）应为1至120之间的整数"),
    ({"validity_months": 121}, "validity_months", "有效期（月）应为1至120之间的整数"),
])
def test_a_validity_that_does_not_hold_together_is_refused(world, dates, field, message):
    with pytest.raises(ServiceError) as refused:
        framework_draft(world, **dates)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not TaskNotice.objects.exists()


def test_a_validity_as_a_period_alone_or_none_at_all(world):
    """The validity may be stated as a period (dates fixed when the agreement starts) or left out (batch)."""
    task = framework_draft(world, valid_from=None, valid_until=None, validity_months=12)
    assert (task.valid_from, task.valid_until, task.validity_months) == (None, None, 12)
    revised = services.task_notice_update(
        task=task, center=world["center"], category=world["services"], year=2026, purchase_limit="小额零星项目",
        scope=TaskNotice.Scope.PROVINCE, valid_from=date(2026, 3, 1), valid_until=date(2028, 2, 29),
        validity_months=24, actor=world["finance_user"])
    assert (revised.valid_from, revised.valid_until, revised.validity_months) == (
        date(2026, 3, 1), date(2028, 2, 29), 24)
    event = ProjectEvent.objects.get(subject_type="tasknotice", subject_id=task.pk, action="update")
    assert event.changes["valid_until"] == [None, "2028-02-29"]
    assert event.changes["validity_months"] == [12, 24]


def test_a_framework_notice_is_withdrawn_without_batch_s_project_check(world):
    task = services.task_notice_issue(task=framework_draft(world), actor=world["finance_user"])
    withdrawn = services.task_notice_withdraw(task=task, actor=world["finance_user"], reason="范围调整")
    assert withdrawn.status == TaskNotice.Status.WITHDRAWN


def test_lookups_and_batch_pages_keep_to_their_mode(client, world):
    """A mode's pages list their own notices only; another mode's notice answers 404 there."""
    framework = services.task_notice_issue(task=framework_draft(world), actor=world["finance_user"])
    batch = services.task_notice_issue(
        task=framework_draft(world, mode=Mode.BATCH, category=world["desktops"], cycle=Cycle.QUARTERLY,
                             valid_from=None, valid_until=None, validity_months=None),
        actor=world["finance_user"])
    finance = world["finance_user"]
    assert set(selectors.task_notices_drafted(finance)) == {framework, batch}
    assert list(selectors.task_notices_drafted(finance, mode=Mode.FRAMEWORK)) == [framework]
    assert list(selectors.task_notices_received(world["center_user"], mode=Mode.BATCH)) == [batch]
    assert list(BatchTaskNotice.objects.all()) == [batch]

    client.force_login(finance)
    listed = client.get(reverse("batch:task-list"))
    assert list(listed.context["page"]) == [batch]
    assert client.get(reverse("batch:task-detail", args=[framework.pk])).status_code == 404
    assert client.get(reverse("batch:task-detail", args=[batch.pk])).status_code == 200


def test_task_notice_pages_come_from_the_modes_plugins(world):
    """Core messages link to a mode's pages only through its plugin: the neutral plugin links nowhere."""
    task = framework_draft(world)
    assert ModePlugin().task_notice_page(task, audience="receiver") == ""
    assert mode_plugin(Mode.FRAMEWORK).task_notice_page(task, audience="receiver") == (
        f"/framework/center/tasks/{task.pk}/")
    assert mode_plugin(Mode.FRAMEWORK).task_notice_page(task, audience="drafter") == (
        f"/framework/finance/tasks/{task.pk}/")
    assert mode_plugin(Mode.BATCH).task_notice_page(task, audience="receiver") == f"/batch/center/tasks/{task.pk}/"
    assert mode_plugin(Mode.BATCH).task_notice_page(task, audience="drafter") == f"/batch/finance/tasks/{task.pk}/"


def test_a_lot_has_no_goods_only_unit_of_measure():
    """Issue 9 point 3: a lot's unit of measure has no goods-only default (台); services are bought by 项, 月 …"""
    field = Lot._meta.get_field("unit_of_measure")
    assert not field.has_default() and not field.blank



def test_a_notice_made_through_batch_s_proxy_is_a_batch_notice(world):
    """Code written before the move creates batch.models.TaskNotice rows directly: they stay batch notices."""
    task = BatchTaskNotice.objects.create(year=2026, finance_bureau=world["finance"], center=world["center"],
                                          category=world["desktops"], purchase_limit="小额零星项目")
    assert TaskNotice.objects.get(pk=task.pk).mode == Mode.BATCH
    assert list(BatchTaskNotice.objects.all()) == [task]

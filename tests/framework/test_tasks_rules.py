"""The framework task notice's rules (框架协议采购任务通知单, seed 000 annex 7), each refusal in Chinese naming its
source and changing nothing; issue, acknowledge, withdraw; ``acknowledged_tasks`` for the plan stage."""

from __future__ import annotations

from datetime import date

import pytest

from framework.selectors import tasks as selectors
from framework.services import tasks as services
from procurement.models import Cycle, Mode, Notification, ProjectEvent, TaskNotice
from procurement.services import tasks as core
from procurement.services.errors import ServiceError
from tests.framework.tasks_data import plan_from, task_acknowledged, task_draft, task_issued, task_values, task_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(world):
    return task_world(world)


def refused(tw, **overrides) -> ServiceError:
    before = (TaskNotice.objects.count(), ProjectEvent.objects.count())
    with pytest.raises(ServiceError) as caught:
        task_draft(tw, **overrides)
    assert (TaskNotice.objects.count(), ProjectEvent.objects.count()) == before  # atomic: nothing written
    return caught.value


# --- 采购品目: goods (A) or services (C) -------------------------------------------------------------------

def test_annex7_a_works_category_is_refused(tw):
    """Annex 7 (validity by goods or services; annex 8 §五): a works category (B…) has no framework validity."""
    error = refused(tw, category=tw.works)
    assert error.field == "category"
    assert "B01010100 办公用房施工" in error.message and "货物类（A）或服务类（C）" in error.message
    assert "附件7" in error.message


def test_annex7_goods_and_services_categories_are_accepted(tw):
    assert task_draft(tw).category == tw.goods
    assert task_draft(tw, category=tw.services, valid_until=None, valid_from=None, validity_months=24).pk


# --- 框架协议有效期: required; goods at most 1 year, services 2 (annex 7; annex 8 §五) -----------------------

def test_annex7_the_validity_is_required(tw):
    """Annex 7 names 框架协议有效期: dates or a period in months, one of them."""
    error = refused(tw, valid_from=None, valid_until=None)
    assert error.field == "valid_from"
    assert "请填写框架协议有效期" in error.message and "附件7" in error.message


def test_annex8_s5_goods_one_year_counts_the_first_day(tw):
    """Annex 8 §五 / annex 7: goods at most 1 year; 2026-01-01 to 2026-12-31 is one year, to 2027-01-01 is not."""
    assert task_draft(tw, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31)).pk
    error = refused(tw, valid_from=date(2026, 1, 1), valid_until=date(2027, 1, 1))
    assert error.field == "valid_until"
    assert error.message == ("货物类项目框架协议有效期不得超过1年：自2026年1月1日起最迟至2026年12月31日"
                             "（附件7；附件8第五部分）")


def test_annex8_s5_services_two_years(tw):
    """Annex 8 §五 / annex 7: services at most 2 years (2026-03-01 → 2028-02-29, a leap day's year)."""
    assert task_draft(tw, category=tw.services, valid_from=date(2026, 3, 1), valid_until=date(2028, 2, 29)).pk
    error = refused(tw, category=tw.services, valid_from=date(2026, 3, 1), valid_until=date(2028, 3, 1))
    assert "服务类项目框架协议有效期不得超过2年" in error.message and "2028年2月29日" in error.message


def test_annex8_s5_a_leap_day_start(tw):
    """Counted as the law counts periods: from 2024-02-29 one year runs to 2025-02-28."""
    assert task_draft(tw, valid_from=date(2024, 2, 29), valid_until=date(2025, 2, 28)).pk
    refused(tw, valid_from=date(2024, 2, 29), valid_until=date(2025, 3, 1))


@pytest.mark.parametrize(("kind", "allowed", "too_long"), [("goods", 12, 13), ("services", 24, 25)])
def test_annex7_a_period_in_months(tw, kind, allowed, too_long):
    """Annex 7: goods usually 1 year (≤12 months), services 2 (≤24 months)."""
    category = tw.goods if kind == "goods" else tw.services
    no_dates = {"category": category, "valid_from": None, "valid_until": None}
    assert task_draft(tw, validity_months=allowed, **no_dates).validity_months == allowed
    error = refused(tw, validity_months=too_long, **no_dates)
    assert error.field == "validity_months"
    assert f"不得超过{allowed // 12}年（{allowed}个月），现填写{too_long}个月" in error.message
    assert "附件7" in error.message


def test_annex7_a_framework_task_has_no_batch_cycle(tw):
    """Annex 7 has no 采购周期 (annex 5's, batch): the validity takes its place (the core's entry point, which
    takes a cycle, hears the framework's rule)."""
    values = task_values(tw, mode=Mode.FRAMEWORK, cycle=Cycle.QUARTERLY)
    with pytest.raises(ServiceError) as caught:
        core.task_notice_create(**values)
    assert caught.value.field == "cycle" and "附件7" in caught.value.message
    assert not TaskNotice.objects.exists()


def test_annex7_the_limit_text_is_required(tw):
    """Annex 7 names 采购限额 (小额零星项目)."""
    error = refused(tw, purchase_limit="  ")
    assert error.field == "purchase_limit" and error.message == "请填写采购限额"


def test_a_revision_is_checked_by_the_same_rules(tw):
    task = task_draft(tw)
    with pytest.raises(ServiceError) as caught:
        services.framework_task_update(task=task, center=tw.center, category=tw.goods, year=task.year,
                                       purchase_limit="x", valid_from=date(2026, 1, 1),
                                       valid_until=date(2027, 6, 30), actor=tw.finance_user)
    assert "不得超过1年" in caught.value.message
    assert TaskNotice.objects.get(pk=task.pk).valid_until == task.valid_until


def test_annex7_an_expired_validity_is_not_issued(tw):
    """Issuing a task whose validity has already ended gives the center nothing to do (checked again at issue)."""
    task = task_draft(tw, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    with pytest.raises(ServiceError) as caught:
        services.framework_task_issue(task=task, actor=tw.finance_user)
    assert "已于2025年12月31日届满" in caught.value.message
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.DRAFT


# --- issue, acknowledge, withdraw -------------------------------------------------------------------------

def test_issue_tells_the_center_to_draft_its_framework_plan(tw):
    """Annex 7 closes: the center does the demand, the documents, the procurement (its plan, annex 8)."""
    task = task_issued(tw)
    assert task.status == TaskNotice.Status.ISSUED
    message = Notification.objects.filter(organization=tw.center).latest("pk")
    assert message.title == "收到框架协议采购任务通知单：台式计算机"
    assert "请签收后据此编制框架协议采购方案" in message.body
    assert message.url == f"/framework/center/tasks/{task.pk}/"


def test_a_task_a_plan_rests_on_cannot_be_withdrawn(tw):
    task = task_issued(tw)
    plan_from(tw, task)
    with pytest.raises(ServiceError) as caught:
        services.framework_task_withdraw(task=task, actor=tw.finance_user)
    assert "已依据该任务通知单编制框架协议采购方案" in caught.value.message
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.ISSUED


def test_a_batch_task_does_not_take_framework_rules(tw):
    """The rules are the framework plugin's: a batch notice without validity is still the core's business."""
    task = core.task_notice_create(mode=Mode.BATCH, finance_bureau=tw.finance, center=tw.center,
                                   category=tw.goods, year=2026, purchase_limit="x", scope="province",
                                   cycle=Cycle.QUARTERLY, actor=tw.finance_user)
    assert task.valid_from is None


# --- acknowledged_tasks (the plan stage's selector) ---------------------------------------------------------

def test_acknowledged_tasks_are_the_centers_unused_acknowledged_framework_tasks(tw):
    used = task_acknowledged(tw)
    free = task_acknowledged(tw, category=tw.services)
    task_issued(tw)  # not acknowledged yet
    task_draft(tw)  # a draft
    other = task_world(tw.world)
    assert other.center == tw.center
    plan_from(tw, used)
    assert list(selectors.acknowledged_tasks(tw.center)) == [free]
    assert list(selectors.acknowledged_tasks(tw.center.pk)) == [free]
    assert list(selectors.acknowledged_tasks(tw.world.city_center)) == []

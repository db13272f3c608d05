"""Test data of the framework task notice (框架协议采购任务通知单, seed 000 annex 7): the categories it names and
drafts, issued and acknowledged notices built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from framework.models import FrameworkPlan
from framework.services import tasks as services
from procurement import deadlines
from procurement.models import Category, Organization, TaskNotice
from tests.factories import CategoryFactory
from tests.framework.factories import framework_project
from tests.world import World as CoreWorld

LIMIT = "单笔采购金额在200万元以下的集中采购目录内小额零星项目"


@dataclass
class TaskWorld:
    world: CoreWorld
    goods: Category  # A…: validity at most 1 year
    services: Category  # C…: at most 2 years
    works: Category  # B…: no framework subject
    finance_user: object
    center_user: object

    @property
    def finance(self) -> Organization:
        return self.world.finance

    @property
    def center(self) -> Organization:
        return self.world.center


def task_world(world: CoreWorld) -> TaskWorld:
    return TaskWorld(
        world=world,
        goods=CategoryFactory(code="A02010105", name="台式计算机", level=4, in_centralized_catalog=True),
        services=CategoryFactory(code="C23120300", name="物业管理服务", level=3, in_centralized_catalog=True),
        works=CategoryFactory(code="B01010100", name="办公用房施工", level=3, in_centralized_catalog=False),
        finance_user=world.user(world.finance), center_user=world.user(world.center),
    )


def task_values(tw: TaskWorld, **overrides) -> dict:
    """This year's goods task, valid the whole year (1 January to 31 December: one year, annex 8 §五)."""
    year = deadlines.today().year
    values = {
        "finance_bureau": tw.finance, "center": tw.center, "category": tw.goods, "year": year,
        "purchase_limit": LIMIT, "purchase_limit_yuan": Decimal("2000000"), "scope": TaskNotice.Scope.PROVINCE,
        "valid_from": date(year, 1, 1), "valid_until": date(year, 12, 31), "actor": tw.finance_user,
    }
    values.update(overrides)
    return values


def task_draft(tw: TaskWorld, **overrides) -> TaskNotice:
    return services.framework_task_create(**task_values(tw, **overrides))


def task_issued(tw: TaskWorld, **overrides) -> TaskNotice:
    return services.framework_task_issue(task=task_draft(tw, **overrides),
                                         actor=overrides.get("actor", tw.finance_user))


def task_acknowledged(tw: TaskWorld, **overrides) -> TaskNotice:
    return services.framework_task_acknowledge(task=task_issued(tw, **overrides), actor=tw.center_user)


def plan_from(tw: TaskWorld, task: TaskNotice) -> FrameworkPlan:
    """A framework plan (annex 8) drafted from ``task`` (what the plan stage will do through its services)."""
    return FrameworkPlan.objects.create(project=framework_project(tw.world), task=task)

"""The core's collection pages (issue 9 point 1; issue 3 point 7) on a batch project: the units yet to answer on
the project page, closing the window and confirming the master plan from it, the refusals in Chinese.
Moved from tests/batch/test_project_pages.py with the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batch.models import BatchProject
from procurement.models import Project, SubPlan
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit
from tests.batch.test_project_pages import html
from tests.batch.test_projects import batch_world, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return batch_world()


@pytest.fixture
def center(world, client):
    client.force_login(world.center_user)
    return client


def test_the_pending_units_are_listed_with_their_drafts(world, center):
    """Issue 3 point 7 (and the reminders of point 6): the eligible units that have not answered."""
    project = open_project(world)
    clerk = world.clerks["nanguan"]
    sub_plan_save(lot=project.lots.get(number=1), unit=world.units["nanguan"], actor=clerk, quantity="1",
                  budget_yuan="4800")
    clerk = world.clerks["changchun"]
    sub_plan_submit(sub_plan=sub_plan_save(lot=project.lots.get(number=1), unit=world.units["changchun"],
                                           actor=clerk, quantity="2", budget_yuan="9600"), actor=clerk)
    page = html(center.get(reverse("batch:project-detail", args=[project.pk])))
    pending = page[page.index('data-testid="pending-units"'):]
    pending = pending[:pending.index("</table>")]
    assert "南关区人民医院" in pending and "有草稿或已撤回，未提交" in pending
    assert "吉林省教育厅" in pending and "吉林市第二实验小学" in pending
    assert "长春市第一中学" not in pending


def test_closing_after_the_deadline_and_confirming_from_the_page(world, center):
    """Issue 3 point 7: after the deadline the window closes; the center confirms, freezing the sub-plans."""
    project = open_project(world)
    clerk = world.clerks["changchun"]
    sub_plan_submit(sub_plan=sub_plan_save(lot=project.lots.get(number=1), unit=world.units["changchun"],
                                           actor=clerk, quantity="2", budget_yuan="9600"), actor=clerk)
    assert "截止汇总</button>" not in html(center.get(reverse("batch:project-detail", args=[project.pk])))
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=5),
                                                      response_deadline=timezone.now() - timedelta(seconds=1))
    page = html(center.post(reverse("collection-close", args=[project.pk]), follow=True))
    assert "需求响应已截止，总计划已形成" in page and "确认总计划</button>" in page
    page = html(center.post(reverse("collection-confirm", args=[project.pk]), follow=True))
    assert "总计划已确认" in page
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.CONFIRMED
    assert SubPlan.objects.get().status == SubPlan.Status.FROZEN


def test_a_refused_action_is_told_in_chinese(world, center):
    """Refusals of the services come back as a Chinese message, nothing changes."""
    project = open_project(world)
    page = html(center.post(reverse("collection-confirm", args=[project.pk]), follow=True))
    assert "不能执行「确认总计划」" in page
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.COLLECTING

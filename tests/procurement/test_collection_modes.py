"""Collection is the core's for every mode (issue 9 points 1 and 2): a mode's sub-plan rules come through one hook
(``ModePlugin.sub_plan_rules``), and a mode without a project page of its own has the core's master-plan page.

The project here is a batch project turned into another mode (volume) whose plugin is registered for the test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import modes
from procurement.models import Mode, Project, SubPlan
from procurement.modes import ModePlugin, SubPlanRules, register_mode
from procurement.services.errors import ServiceError
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit, sub_plan_withdraw
from tests.batch.test_projects import batch_world, open_project

pytestmark = pytest.mark.django_db


class NoLeaving(ModePlugin):
    mode = Mode.VOLUME

    def sub_plan_rules(self, project) -> SubPlanRules:
        return SubPlanRules(may_withdraw=False)


class NoSubPlans(ModePlugin):
    mode = Mode.VOLUME

    def sub_plan_rules(self, project) -> SubPlanRules:
        return SubPlanRules(has_sub_plans=False)


@pytest.fixture
def plugins():
    saved = dict(modes._plugins)
    yield
    modes._plugins.clear()
    modes._plugins.update(saved)


@pytest.fixture
def world():
    return batch_world()


class Neutral(ModePlugin):
    """The core's neutral plugin under the volume label (volume's own plugin answers with its response document)."""

    mode = Mode.VOLUME


@pytest.fixture
def project(world, plugins):
    register_mode(Neutral())
    opened = open_project(world)
    Project.objects.filter(pk=opened.pk).update(mode=Mode.VOLUME)
    return Project.objects.get(pk=opened.pk)


def file(project, world, key: str = "changchun") -> SubPlan:
    clerk = world.clerks[key]
    return sub_plan_save(lot=project.lots.get(number=1), unit=world.units[key], actor=clerk, quantity="2",
                         budget_yuan="9600")


def test_the_neutral_rules_are_todays_file_revise_and_withdraw_until_the_deadline(world, project):
    clerk = world.clerks["changchun"]
    submitted = sub_plan_submit(sub_plan=file(project, world), actor=clerk)
    assert sub_plan_withdraw(sub_plan=submitted, actor=clerk).status == SubPlan.Status.WITHDRAWN


def test_a_mode_that_forbids_leaving_refuses_the_withdrawal(world, project, plugins):
    register_mode(NoLeaving())
    clerk = world.clerks["changchun"]
    submitted = sub_plan_submit(sub_plan=file(project, world), actor=clerk)
    with pytest.raises(ServiceError, match="不允许撤回分计划"):
        sub_plan_withdraw(sub_plan=submitted, actor=clerk)
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED


def test_a_mode_without_sub_plans_refuses_filing(world, project, plugins):
    register_mode(NoSubPlans())
    with pytest.raises(ServiceError, match="不设分计划"):
        file(project, world)
    assert not SubPlan.objects.exists()


class NoProjectPage(ModePlugin):
    mode = Mode.VOLUME


def test_a_mode_without_a_project_page_has_the_cores_master_plan_page(world, project, client, plugins):
    register_mode(NoProjectPage())  # volume has its lead's page now; the neutral plugin has none
    clerk = world.clerks["changchun"]
    sub_plan_submit(sub_plan=file(project, world), actor=clerk)
    client.force_login(world.center_user)
    page = reverse("collection-master-plan", args=[project.pk])
    shown = client.get(page)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert project.code in html and 'data-testid="master-plan"' in html
    Project.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=5),
                                                 response_deadline=timezone.now() - timedelta(seconds=1))
    closed = client.post(reverse("collection-close", args=[project.pk]))
    assert closed.status_code == 302 and closed["Location"] == page
    assert Project.objects.get(pk=project.pk).status == Project.Status.AGGREGATED


def test_a_batch_project_s_master_plan_page_is_batch_s_project_page(world, client):
    batch_project = open_project(world)
    client.force_login(world.center_user)
    response = client.get(reverse("collection-master-plan", args=[batch_project.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("batch:project-detail", args=[batch_project.pk])

"""The center's batch project pages (issue 3 points 5 and 7) and the unit's filing pages on a batch project
(point 6): open from a task, publish the solicitation, watch and confirm the master plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from batch.models import BatchProject
from notices.models import Notice
from procurement.models import Project, SubPlan
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit
from tests.batch.test_projects import batch_world, make_table, make_task, open_project
from tests.factories import CenterFactory, member_of

pytestmark = pytest.mark.django_db

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(world):
    return batch_world(world)


@pytest.fixture
def center(world, client):
    client.force_login(world.center_user)
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def open_form(world, **overrides) -> dict:
    data = {
        "task": world.task.pk,
        "configuration_table": world.table.pk,
        "title": "2026年第三季度台式计算机批量集中采购",
        "eligibility": "region",
        "regions": [world.changchun.pk],
        "response_deadline": timezone.localtime(timezone.now() + timedelta(days=10)).strftime(DATETIME_LOCAL),
        "procedure": "截止后确认总计划，公开招标。",
    }
    data.update(overrides)
    return data


# --- opening ------------------------------------------------------------------------------------

def test_the_center_opens_a_project_from_its_task_in_the_browser(world, center):
    """Issue 3 point 5: task, configuration table, eligibility by region, window, procedure → project collecting."""
    page = html(center.get(reverse("batch:project-open")))
    assert "从任务通知单立项" in page and "吉财采购〔2026〕18号" in page and world.table.title in page

    response = center.post(reverse("batch:project-open"), open_form(world))
    project = BatchProject.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("batch:project-detail", args=[project.pk])
    assert project.status == Project.Status.COLLECTING and project.eligible_units.count() == 2
    detail = html(center.get(response["Location"]))
    assert "已立项并开放需求响应" in detail and project.code in detail
    assert "各可响应单位将收到需求征集开始的通知" in detail  # issue 7 point 11
    assert "台式计算机（基础办公型）" in detail and "长春市（含下级区划）" in detail


def test_a_later_opening_says_when_the_units_will_be_told(world, center):
    """Issue 7 point 11: a window opening later tells the units then, and the page says so."""
    opens = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = center.post(reverse("batch:project-open"), open_form(
        world, response_opens_at=opens.strftime(DATETIME_LOCAL),
        response_deadline=(opens + timedelta(days=10)).strftime(DATETIME_LOCAL)), follow=True)
    assert f"{opens:%Y-%m-%d %H:%M}需求响应开始时，系统将通知各可响应单位" in html(response)


def test_eligibility_by_a_list_of_unit_codes(world, center):
    """Issue 3 point 5: eligible units by an explicit list (unit codes, one per line or separated by commas)."""
    codes = f"{world.units['nanguan'].unit_code}，{world.units['jilin_city'].unit_code}"
    center.post(reverse("batch:project-open"), open_form(world, eligibility="list", regions=[], unit_codes=codes))
    names = set(BatchProject.objects.get().eligible_units.values_list("unit__name", flat=True))
    assert names == {"南关区人民医院", "吉林市第二实验小学"}
    refused = html(center.post(reverse("batch:project-open"),
                               open_form(world, eligibility="list", regions=[], unit_codes="NOPE-1")))
    assert "以下单位代码不存在或不是预算单位：NOPE-1" in refused
    assert BatchProject.objects.count() == 1


def test_a_refused_opening_shows_the_reason_in_chinese_and_keeps_nothing(world, center):
    """Service refusals land on the form: a window in the past, an empty scope."""
    past = timezone.localtime(timezone.now() - timedelta(days=1)).strftime(DATETIME_LOCAL)
    page = html(center.post(reverse("batch:project-open"), open_form(world, response_deadline=past)))
    assert "需求响应截止时间必须晚于当前时间" in page
    page = html(center.post(reverse("batch:project-open"), open_form(world, regions=[])))
    assert "请至少选择一个地区" in page
    assert not Project.objects.exists()


def test_another_centers_tasks_are_not_offered(world, center):
    """Annex 5: only the center the task was issued to may act on it; the form offers its own tasks only."""
    other = CenterFactory(name="长春市政府采购中心", region=world.changchun)
    other_task = make_task(center=other, finance=world.finance, document_number="长财采购〔2026〕5号")
    make_table(other_task)
    page = html(center.get(reverse("batch:project-open")))
    assert "长财采购〔2026〕5号" not in page
    response = center.post(reverse("batch:project-open"), open_form(world, task=other_task.pk))
    assert "task" in response.context["form"].errors
    assert not Project.objects.exists()


# --- the project pages -------------------------------------------------------------------------------

def test_the_list_shows_the_centers_projects_with_their_answers(world, center):
    """The center's list: its batch projects with eligible and answered unit counts; another center's hidden."""
    project = open_project(world)
    clerk = world.clerks["changchun"]
    sub_plan_submit(sub_plan=sub_plan_save(lot=project.lots.get(number=1), unit=world.units["changchun"],
                                           actor=clerk, quantity="2", budget_yuan="9600"), actor=clerk)
    other = CenterFactory(name="长春市政府采购中心", region=world.changchun)
    other_task = make_task(center=other, finance=world.finance)
    other_project = open_project(world, task=other_task, configuration_table=make_table(other_task)[0],
                                 actor=member_of(other), title="长春市中心的项目")
    page = html(center.get(reverse("batch:project-list")))
    assert project.code in page and project.title in page
    row = page[page.index(project.code):]
    row = row[:row.index("</tr>")]
    assert '<td class="num">4</td>' in row and '<td class="num">1</td>' in row
    assert other_project.code not in page and "长春市中心的项目" not in page


def test_another_center_gets_404_and_a_unit_403(world, client):
    """Access policy: a project outside the center's managed set is not found; units have no center pages."""
    project = open_project(world)
    client.force_login(member_of(CenterFactory(name="长春市政府采购中心")))
    for name in ("batch:project-detail", "collection-export"):
        assert client.get(reverse(name, args=[project.pk])).status_code == 404
    assert client.post(reverse("batch:project-publish", args=[project.pk])).status_code == 404
    client.force_login(world.clerks["changchun"])
    assert client.get(reverse("batch:project-detail", args=[project.pk])).status_code == 403
    assert client.get(reverse("batch:project-list")).status_code == 403


def test_publishing_the_solicitation_from_the_page(world, center):
    """Issue 3 point 5: the center publishes the solicitation notice (征集计划通知) through notices."""
    project = open_project(world)
    page = html(center.get(reverse("batch:project-detail", args=[project.pk])))
    assert "发布征集公告" in page and "未发布" in page
    response = center.post(reverse("batch:project-publish", args=[project.pk]), follow=True)
    notice = Notice.objects.get(project=project)
    page = html(response)
    assert "征集公告已发布" in page and reverse("notices:detail", args=[notice.pk]) in page
    assert ">发布征集公告</button>" not in page
    assert project.title in html(center.get(reverse("notices:detail", args=[notice.pk])))


# --- the unit's side on a batch project ------------------------------------------------------------

def test_a_unit_files_on_a_batch_project_through_its_pages(world, client):
    """Issue 3 point 6 in the browser: the open batch project on the unit's home, its lots with the
    configuration parameters, a draft saved and submitted."""
    project = open_project(world)
    client.force_login(world.clerks["changchun"])
    home = html(client.get(reverse("unit-home")))
    assert project.title in home and reverse("unit-sub-plan-file", args=[project.pk]) in home
    page = html(client.get(reverse("unit-sub-plan-file", args=[project.pk])))
    assert "第1包 台式计算机（基础办公型）" in page and "处理器不低于8核" in page and "4,800.00 元" in page
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": world.units["changchun"].pk, "lot": project.lots.get(number=2).pk, "quantity": "3",
        "budget_yuan": "22800", "contact_name": "王老师", "contact_phone": "0431-85550001", "note": "",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    sub_plan = SubPlan.objects.get()
    assert response.status_code == 302
    client.post(reverse("unit-sub-plan-submit", args=[sub_plan.pk]))
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED
    # A unit outside the list does not see the project at all.
    listed = open_project(world, title="仅南关区", eligibility="list", levels=(), unit_ids=[world.units["nanguan"].pk])
    assert client.get(reverse("unit-sub-plan-file", args=[listed.pk])).status_code == 404


# --- the admin ------------------------------------------------------------------------------------

def test_the_admin_actions_publish_the_solicitation_and_confirm_the_master_plan(world, admin_client):
    """Architecture: the workflow actions are admin actions calling the same services (发布征集公告, 确认总计划)."""
    project = open_project(world)
    clerk = world.clerks["changchun"]
    sub_plan_submit(sub_plan=sub_plan_save(lot=project.lots.get(number=1), unit=world.units["changchun"],
                                           actor=clerk, quantity="2", budget_yuan="9600"), actor=clerk)
    changelist = reverse("admin:batch_batchproject_changelist")
    page = html(admin_client.get(changelist))
    assert project.code in page and "发布征集公告" in page and "确认总计划" in page
    detail = html(admin_client.get(reverse("admin:batch_batchproject_change", args=[project.pk])))
    assert "吉财采购〔2026〕18号" in detail or world.table.title in detail

    admin_client.post(changelist, {"action": "publish_solicitation", "_selected_action": [project.pk]})
    assert Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION).count() == 1
    response = admin_client.post(changelist, {"action": "confirm_master_plan", "_selected_action": [project.pk]},
                                 follow=True)
    assert "不能执行「确认总计划」" in html(response)  # still collecting: refused, in Chinese
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=5),
                                                      response_deadline=timezone.now() - timedelta(seconds=1))
    from procurement.services.collection import collection_close

    collection_close(project=project)
    admin_client.post(changelist, {"action": "confirm_master_plan", "_selected_action": [project.pk]})
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.CONFIRMED
    assert SubPlan.objects.get().status == SubPlan.Status.FROZEN
    for name in ("admin:batch_batchdetails_changelist", "admin:batch_batchlot_changelist"):
        assert project.code in html(admin_client.get(reverse(name)))

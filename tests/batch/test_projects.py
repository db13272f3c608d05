"""Opening a batch project from a task notice (seed 000 三(一)(3) 征集计划, (4) 需求响应).

Also the builders the other batch-project tests share (``batch_world``, ``open_project``): the data is
made through the same services the center uses.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.utils import timezone

from batch.models import BatchDetails, BatchLot, BatchProject, ConfigurationTable, TaskNotice
from batch.projects import batch_solicitation_publish
from notices.models import Notice
from procurement.models import EligibleUnit, Project, ProjectEvent, Region
from procurement.services.errors import ServiceError

# The builders the other batch-project tests import from here live with batch's factories.
from tests.batch.factories import BatchWorld, batch_world, make_table, make_task, open_project
from tests.factories import (
    CenterFactory,
    county,
    member_of,
)

pytestmark = pytest.mark.django_db

Eligibility = BatchDetails.Eligibility


@pytest.fixture
def world(world) -> BatchWorld:
    return batch_world(world)


def eligible_names(project: Project) -> set[str]:
    return set(EligibleUnit.objects.filter(project=project).values_list("unit__name", flat=True))


# --- opening ---------------------------------------------------------------------------------------

def test_opening_makes_one_lot_per_configuration_type_of_the_task_category(world):
    """Seed 000 三(一)(4): 按照产品配置分型划分采购包 — the laptop type of the same table is not a lot."""
    project = open_project(world)

    lots = list(project.lots.order_by("number"))
    assert [(lot.number, lot.name) for lot in lots] == [(1, "台式计算机（基础办公型）"), (2, "台式计算机（高性能型）")]
    assert lots[0].specification == world.types[0].parameters
    assert lots[0].reference_price_yuan == Decimal("4800") and lots[0].unit_of_measure == "台"
    # 参考单价 informs; only the procurement documents set a maximum price (issue 7 point 6).
    assert lots[0].max_unit_price_yuan is None
    assert lots[0].category == world.task.category
    assert dict(BatchLot.objects.values_list("lot_id", "configuration_type_id")) == {
        lots[0].pk: world.types[0].pk, lots[1].pk: world.types[1].pk,
    }


def test_opening_records_the_details_code_window_and_starts_collection(world):
    """Seed 000 三(一)(3)(4): the project carries its task, table, procedure and window, and is collecting."""
    deadline = timezone.now() + timedelta(days=10)
    project = open_project(world, response_deadline=deadline)

    assert isinstance(project, BatchProject)
    assert project.status == Project.Status.COLLECTING
    opened_in = timezone.localdate().year  # the year of opening, not the budget year (procurement.numbering)
    assert project.code == f"JLPL-{opened_in}-0001"
    assert open_project(world).code == f"JLPL-{opened_in}-0002"
    assert project.organizer == world.center and project.category == world.task.category
    assert project.response_deadline == deadline and project.response_opens_at <= timezone.now()
    details = BatchDetails.objects.get(project=project)
    assert (details.task, details.configuration_table, details.eligibility) == (world.task, world.table, "level")
    assert details.procedure.startswith("需求响应截止后")
    actions = list(ProjectEvent.objects.filter(project=project).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "open_collection"]
    assert project.next_check is not None
    assert BatchProject.objects.get(pk=project.pk).next_check == project.next_check


def test_a_task_of_the_previous_budget_year_is_numbered_by_the_year_of_opening(world):
    """Issue 7 point 10: the code takes the year the project is opened in (Asia/Shanghai), the project keeps
    the task's budget year (a January opening for last year's budget: procurement/numbering tests it)."""
    this_year = timezone.localdate().year
    last_years = make_task(center=world.center, finance=world.finance, year=this_year - 1,
                           document_number=f"吉财采购〔{this_year - 1}〕90号")
    project = open_project(world, task=last_years, configuration_table=make_table(last_years)[0])
    assert project.year == this_year - 1
    assert project.code == f"JLPL-{this_year}-0001"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL (CI runs it)")
def test_concurrent_openings_each_get_their_own_number(calendar_loaded):
    """Issue 7 point 10: centers opening at the same moment, each thread on its own connection — every
    opening succeeds, the codes run 0001… without a gap or a duplicate."""
    world = batch_world()
    threads_count, rounds = 3, 3
    start = threading.Barrier(threads_count)
    codes: list[str] = []
    failures: list[str] = []

    def run(index: int) -> None:
        try:
            start.wait()
            for round_number in range(rounds):
                codes.append(open_project(world, title=f"并发立项{index}-{round_number}").code)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    year = timezone.localdate().year
    assert sorted(codes) == [f"JLPL-{year}-{n:04d}" for n in range(1, threads_count * rounds + 1)]


def test_eligibility_by_region_takes_the_region_and_everything_below_it(world):
    """Issue 3 point 5: eligible units by region — Changchun includes its Nanguan district, not Jilin city."""
    project = open_project(world, eligibility=Eligibility.REGION, levels=(), regions=[world.changchun])
    assert eligible_names(project) == {"长春市第一中学", "南关区人民医院"}
    assert project.scope_region == world.changchun
    assert "长春市" in project.scope_note


def test_eligibility_by_level_follows_the_level_of_the_units_region(world):
    """Issue 3 point 5: eligible units by level (Region.Level of the unit's region); inactive units never."""
    project = open_project(world, levels=[Region.Level.PREFECTURE])
    assert eligible_names(project) == {"长春市第一中学", "吉林市第二实验小学"}
    assert "已撤销的长春市某单位" not in eligible_names(open_project(world, levels=list(Region.Level.values)))


def test_eligibility_by_list_takes_exactly_the_listed_units(world):
    """Issue 3 point 5: eligible units by an explicit list."""
    listed = [world.units["nanguan"].pk, world.units["jilin_city"].pk]
    project = open_project(world, eligibility=Eligibility.LIST, levels=(), unit_ids=listed)
    assert eligible_names(project) == {"南关区人民医院", "吉林市第二实验小学"}


def test_a_task_for_some_regions_limits_the_eligible_units_to_them(world):
    """Batch task notice 适用范围 (annex 5): a task for Changchun only never reaches Jilin city's units."""
    world.task.scope = TaskNotice.Scope.REGIONS
    world.task.save(update_fields=["scope"])
    world.task.scope_regions.set([world.changchun])
    project = open_project(world)
    assert eligible_names(project) == {"长春市第一中学", "南关区人民医院"}
    with pytest.raises(ServiceError, match="不在任务通知单的适用范围内"):
        open_project(world, eligibility=Eligibility.REGION, regions=[world.jilin_city])
    with pytest.raises(ServiceError, match="吉林市第二实验小学") as refused:
        open_project(world, eligibility=Eligibility.LIST, unit_ids=[world.units["jilin_city"].pk])
    assert refused.value.field == "unit_ids"


# --- refusals ------------------------------------------------------------------------------------

def test_a_task_not_yet_acknowledged_is_refused(world):
    """Annex 5: the center executes a task notice it has acknowledged (签收), not a draft or issued one."""
    for status in (TaskNotice.Status.DRAFT, TaskNotice.Status.ISSUED, TaskNotice.Status.WITHDRAWN):
        task = make_task(center=world.center, finance=world.finance, status=status)
        with pytest.raises(ServiceError, match="签收后才能据此立项"):
            open_project(world, task=task, configuration_table=make_table(task)[0])
    assert not Project.objects.exists()


def test_another_centers_task_is_refused(world):
    """Annex 5: a task notice is addressed to one center (执行集中采购机构); no other center may act on it."""
    other_center = CenterFactory(name="长春市政府采购中心", region=world.changchun)
    other_task = make_task(center=other_center, finance=world.finance)
    table, _ = make_table(other_task)
    with pytest.raises(PermissionDenied):
        open_project(world, task=other_task, configuration_table=table)
    # Nor may the center use another center's configuration table for its own task.
    with pytest.raises(ServiceError, match="不属于该任务通知单"):
        open_project(world, configuration_table=table)
    assert not Project.objects.exists()


def test_a_unit_or_a_read_only_center_user_cannot_open_a_project(world):
    """Access policy: only the task's center (with write rights) opens its project."""
    viewer = member_of(world.center, role="viewer")
    for actor in (viewer, world.clerks["province"]):
        with pytest.raises(PermissionDenied):
            open_project(world, actor=actor)


def test_an_empty_eligible_scope_is_refused(world):
    """Seed 000 三(一)(4): 确定可响应预算单位范围 — a project open to nobody is refused, nothing is kept."""
    with pytest.raises(ServiceError, match="范围不能为空"):
        longtan = county("220203", "龙潭区", parent=world.jilin_city)
        open_project(world, eligibility=Eligibility.REGION, levels=(), regions=[longtan])
    with pytest.raises(ServiceError, match="至少指定一家"):
        open_project(world, eligibility=Eligibility.LIST, levels=(), unit_ids=[])
    with pytest.raises(ServiceError, match="至少选择一个地区"):
        open_project(world, eligibility=Eligibility.REGION, levels=())
    assert not Project.objects.exists() and not EligibleUnit.objects.exists()


def test_a_window_in_the_past_or_upside_down_is_refused(world):
    """Issue 3 point 5: the response window must lie ahead and close after it opens."""
    now = timezone.now()
    with pytest.raises(ServiceError, match="截止时间必须晚于当前时间") as past:
        open_project(world, response_deadline=now - timedelta(hours=1))
    assert past.value.field == "response_deadline"
    with pytest.raises(ServiceError, match="开始时间不能早于当前时间"):
        open_project(world, response_opens_at=now - timedelta(days=2), response_deadline=now + timedelta(days=3))
    with pytest.raises(ServiceError, match="截止时间必须晚于开始时间"):
        open_project(world, response_opens_at=now + timedelta(days=5), response_deadline=now + timedelta(days=4))
    assert not Project.objects.exists()


def test_a_table_without_types_of_the_category_is_refused(world):
    """Seed 000 三(一)(2): the lots come from the configuration table's types of the task's category."""
    empty = ConfigurationTable.objects.create(center=world.center, task=world.task, title="空表",
                                              filled_on=date(2026, 3, 2))
    with pytest.raises(ServiceError, match="没有品目「台式计算机」的配置分型"):
        open_project(world, configuration_table=empty)


# --- the solicitation notice -------------------------------------------------------------------------

def test_the_solicitation_notice_lists_scope_timetable_lots_and_procedure(world):
    """Seed 000 三(一)(3): 明确采购人适用范围、实施主体、时间安排、采购标的、基本配置参数、征集程序和执行程序."""
    project = open_project(world, eligibility=Eligibility.REGION, levels=(), regions=[world.changchun])
    notice = batch_solicitation_publish(project=project, actor=world.center_user)

    assert notice.type == Notice.Type.SOLICITATION and notice.project_id == project.pk
    assert notice.publisher == world.center and notice.region == world.changchun
    assert project.title in notice.title
    body = notice.body
    deadline = f"{timezone.localtime(project.response_deadline):%Y年%m月%d日 %H:%M}"
    for expected in ("长春市（含下级区划）", "共2家预算单位", "吉林省政府采购中心", "需求响应时间", deadline,
                     "第1包　台式计算机（基础办公型）", "处理器不低于8核", "参考单价4,800.00元",
                     "第2包　台式计算机（高性能型）", "采购需求征集程序", "采用公开招标方式组织采购",
                     "吉财采购〔2026〕18号"):
        assert expected in body, expected
    assert ProjectEvent.objects.filter(project=project, action="notice_publish").exists()


@pytest.mark.parametrize(("title", "expected"), [
    ("2026年第二季度台式计算机批量集中采购", "关于征集2026年第二季度台式计算机批量集中采购计划的通知"),
    ("2026年第二季度台式计算机批量集中采购项目", "关于征集2026年第二季度台式计算机批量集中采购计划的通知"),
    ("2026年第二季度台式计算机", "关于征集2026年第二季度台式计算机采购计划的通知"),
])
def test_the_solicitation_title_says_caigou_once_whatever_the_project_title_ends_with(world, title, expected):
    """Issue 7 point 10: 「…批量集中采购采购计划的通知」 said 采购 twice; a title ending in 采购 is not followed by
    采购 again, any other title is."""
    notice = batch_solicitation_publish(project=open_project(world, title=title), actor=world.center_user)
    assert notice.title == f"吉林省政府采购中心{expected}"
    assert "采购采购" not in notice.title


def test_the_solicitation_is_published_once_and_only_by_the_center(world):
    """One solicitation notice per project; publishing is the organizer's act."""
    project = open_project(world)
    with pytest.raises(PermissionDenied):
        batch_solicitation_publish(project=project, actor=world.clerks["province"])
    batch_solicitation_publish(project=project, actor=world.center_user)
    with pytest.raises(ServiceError, match="已经发布"):
        batch_solicitation_publish(project=project, actor=world.center_user)
    assert Notice.objects.filter(project=project).count() == 1


# --- over the API --------------------------------------------------------------------------------

def api_for(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_the_center_opens_and_publishes_over_the_api(world):
    """Issue 3 point 5 for other systems: POST /api/v1/batch/projects/ opens, …/publish-solicitation/ publishes."""
    api = api_for(world.center_user)
    deadline = (timezone.now() + timedelta(days=10)).isoformat()
    response = api.post("/api/v1/batch/projects/", {
        "task": world.task.pk, "configuration_table": world.table.pk, "title": "接口立项的项目",
        "eligibility": "region", "regions": ["220100"], "response_deadline": deadline,
    }, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "collecting" and data["code"].startswith(f"JLPL-{timezone.localdate().year}-")
    assert (data["eligible_count"], data["answered_count"]) == (2, 0)
    assert [lot["name"] for lot in data["lots"]] == ["台式计算机（基础办公型）", "台式计算机（高性能型）"]
    assert data["lots"][0]["configuration_type"] == world.types[0].pk
    assert data["batch"]["eligibility"] == "region" and data["batch"]["task"]["id"] == world.task.pk

    published = api.post(f"/api/v1/batch/projects/{data['id']}/publish-solicitation/")
    assert published.status_code == 201 and published.json()["type"] == "solicitation"
    again = api.post(f"/api/v1/batch/projects/{data['id']}/publish-solicitation/")
    assert again.status_code == 400 and again.json()["detail"] == "该项目的征集公告已经发布"
    early = api.post(f"/api/v1/collections/{data['id']}/close/")
    assert early.status_code == 409 and "需求响应尚未截止" in early.json()["detail"]


def test_opening_over_the_api_is_refused_in_chinese(world):
    """Refusals over the API: an unknown region (400), another center's task (not visible: 400); a unit or finance
    is refused before the body is read (403), as the center's opening page refuses them (issue 8 point 4)."""
    api = api_for(world.center_user)
    deadline = (timezone.now() + timedelta(days=10)).isoformat()
    body = {"task": world.task.pk, "configuration_table": world.table.pk, "title": "项目", "eligibility": "region",
            "regions": ["999999"], "response_deadline": deadline}
    response = api.post("/api/v1/batch/projects/", body, format="json")
    assert response.status_code == 400 and response.json()["regions"] == ["区划代码不存在：999999"]
    other = CenterFactory(name="长春市政府采购中心", region=world.changchun)
    refused = api_for(member_of(other)).post("/api/v1/batch/projects/", {**body, "regions": ["220100"]},
                                            format="json")
    assert refused.status_code == 400 and "task" in refused.json()
    unit = api_for(world.clerks["changchun"]).post("/api/v1/batch/projects/", {**body, "regions": ["220100"]},
                                                   format="json")
    assert (unit.status_code, unit.json()) == (403, {"detail": "只有采购中心可以立项"})
    finance = api_for(member_of(world.finance)).post("/api/v1/batch/projects/", {**body, "regions": ["220100"]},
                                                     format="json")
    assert (finance.status_code, finance.json()) == (403, {"detail": "只有采购中心可以立项"})
    assert not Project.objects.exists()


def test_the_api_lists_only_visible_batch_projects(world):
    """Access policy: a center sees its projects, a unit those it may answer; another center none (404)."""
    project = open_project(world)
    listed = open_project(world, title="仅南关区", eligibility=Eligibility.LIST, levels=(),
                          unit_ids=[world.units["nanguan"].pk])
    assert {row["code"] for row in api_for(world.center_user).get("/api/v1/batch/projects/").json()["results"]} == {
        project.code, listed.code,
    }
    unit = api_for(world.clerks["changchun"])
    assert [row["code"] for row in unit.get("/api/v1/batch/projects/").json()["results"]] == [project.code]
    assert unit.get(f"/api/v1/batch/projects/{listed.pk}/").status_code == 404
    stranger = api_for(member_of(CenterFactory(name="长春市政府采购中心")))
    assert stranger.get(f"/api/v1/batch/projects/{project.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/batch/projects/{project.pk}/publish-solicitation/").status_code == 404

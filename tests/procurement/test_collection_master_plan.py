"""The master plan (总计划) of a project in collection (issue 3 point 7; seed 000 三(一)(4) 系统自动汇总形成最终总计划):
live per-lot totals with a drill-down, the Excel export, and the center's confirmation freezing the sub-plans.
The core's services, pages and API (issue 9 point 1), run here on a batch project."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch.models import BatchProject
from procurement.master_plan_export import DETAIL_HEADERS, DETAIL_SHEET, FIRST_ROW, TOTALS_HEADERS, TOTALS_SHEET
from procurement.models import EligibleUnit, Organization, Project, ProjectEvent, SubPlan
from procurement.services.collection import collection_close, master_plan_confirm
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit, sub_plan_withdraw
from procurement.services.transitions import transition_run_many
from tests.batch.test_projects import batch_world, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    return batch_world(world)


def file(project, world, key: str, *, lot: int = 1, quantity: str = "5", budget: str = "24000",
         submit: bool = True) -> SubPlan:
    clerk = world.clerks[key]
    plan = sub_plan_save(lot=project.lots.get(number=lot), unit=world.units[key], actor=clerk, quantity=quantity,
                         budget_yuan=budget, contact_name="张敏", contact_phone="0431-88886666")
    return sub_plan_submit(sub_plan=plan, actor=clerk) if submit else plan


def close(project) -> BatchProject:
    """The deadline passes and the sweep's close runs."""
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=5),
                                                      response_deadline=timezone.now() - timedelta(seconds=1))
    return collection_close(project=project)


@pytest.fixture
def filed(world):
    """Three units submitted (two lots), one keeps a draft, one withdrew; the window then closed."""
    project = open_project(world)
    file(project, world, "changchun", lot=1, quantity="36", budget="172800")
    file(project, world, "changchun", lot=2, quantity="4", budget="30400")
    file(project, world, "nanguan", lot=1, quantity="12", budget="57600")
    file(project, world, "jilin_city", lot=1, quantity="3", budget="14400", submit=False)
    sub_plan_withdraw(sub_plan=file(project, world, "province", lot=2, quantity="9", budget="68400"),
                      actor=world.clerks["province"])
    return close(project)


def bulk_units(project, count: int, *, region) -> None:
    """``count`` more eligible units, each with a submitted sub-plan per lot and a third with a draft elsewhere
    (volume for the query-count checks; built in bulk, the rules are tested above)."""
    base = Organization.objects.count()
    units = Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.BUDGET_UNIT, name=f"批量单位{base + i}", region=region,
                     unit_code=f"Q{project.pk:03d}{base + i:06d}")
        for i in range(count)
    ])
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=unit) for unit in units])
    lots = list(project.lots.all())
    SubPlan.objects.bulk_create([
        SubPlan(project=project, lot=lot, unit=unit, quantity=Decimal(1 + i % 7), budget_yuan=Decimal(5000 + i),
                status=SubPlan.Status.SUBMITTED if i % 3 else SubPlan.Status.DRAFT, submitted_at=timezone.now())
        for i, unit in enumerate(units) for lot in lots
    ])


# --- confirming ------------------------------------------------------------------------------------

def test_confirming_freezes_every_submitted_sub_plan_and_leaves_the_rest(world, filed):
    """Issue 3 point 7: the center confirms the master plan, which freezes the sub-plans."""
    confirmed = master_plan_confirm(project=filed, actor=world.center_user)

    assert confirmed.status == Project.Status.CONFIRMED
    statuses = dict(SubPlan.objects.values_list("unit__name", "status").filter(lot__number=1))
    assert statuses == {"长春市第一中学": "frozen", "南关区人民医院": "frozen", "吉林市第二实验小学": "draft"}
    assert SubPlan.objects.get(unit=world.units["province"]).status == SubPlan.Status.WITHDRAWN
    assert SubPlan.objects.filter(status=SubPlan.Status.FROZEN).count() == 3
    assert Project.objects.get(pk=filed.pk).master_plan_confirmed_at is not None
    freezes = ProjectEvent.objects.filter(project=filed, subject_type="sub_plan", action="freeze")
    assert freezes.count() == 3 and {e.actor for e in freezes} == {world.center_user}
    assert ProjectEvent.objects.filter(project=filed, subject_type="project", action="confirm_master_plan").exists()


def test_freezing_many_sub_plans_is_all_or_nothing(world, filed):
    """The one door's bulk form (transition_run_many): each row's conditions are checked, one refusal refuses all."""
    before = SubPlan.objects.get(unit=world.units["changchun"], lot__number=1).updated_at
    submitted = SubPlan.objects.filter(project=filed, status=SubPlan.Status.SUBMITTED).select_related("project")
    with pytest.raises(TransitionRefused, match="总计划尚未确认"):
        transition_run_many(queryset=submitted, name="freeze", actor=world.center_user)
    assert not SubPlan.objects.filter(status=SubPlan.Status.FROZEN).exists()
    assert not ProjectEvent.objects.filter(action="freeze").exists()
    master_plan_confirm(project=filed, actor=world.center_user)
    assert SubPlan.objects.get(unit=world.units["changchun"], lot__number=1).updated_at > before


def test_confirming_is_refused_while_collecting_and_by_anyone_but_the_center(world):
    """Project state machine: confirm_master_plan only from 需求已汇总, by the organizer; all or nothing."""
    project = open_project(world)
    file(project, world, "changchun")
    with pytest.raises(TransitionRefused, match="需求征集中"):
        master_plan_confirm(project=project, actor=world.center_user)
    closed = close(project)
    with pytest.raises(PermissionDenied):
        master_plan_confirm(project=closed, actor=world.clerks["changchun"])
    assert SubPlan.objects.get().status == SubPlan.Status.SUBMITTED
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.AGGREGATED


def test_a_master_plan_without_submitted_sub_plans_cannot_be_confirmed(world):
    """Project.has_submitted_sub_plans: nothing to procure, nothing to confirm."""
    project = open_project(world)
    file(project, world, "changchun", submit=False)
    with pytest.raises(TransitionRefused, match="尚无已提交的分计划"):
        master_plan_confirm(project=close(project), actor=world.center_user)


def test_a_frozen_sub_plan_cannot_be_revised_or_withdrawn(world, filed):
    """SubPlan: 总计划确认后锁定 — neither the services nor the API change it any more."""
    master_plan_confirm(project=filed, actor=world.center_user)
    frozen = SubPlan.objects.get(unit=world.units["changchun"], lot__number=1)
    clerk = world.clerks["changchun"]
    with pytest.raises(ServiceError):
        sub_plan_save(lot=frozen.lot, unit=frozen.unit, actor=clerk, sub_plan=frozen, quantity="99",
                      budget_yuan="1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    assert api.patch(f"/api/v1/sub-plans/{frozen.pk}/", {"quantity": "99"}, format="json").status_code == 400
    assert api.post(f"/api/v1/sub-plans/{frozen.pk}/withdraw/").status_code == 409
    frozen.refresh_from_db()
    assert (frozen.status, frozen.quantity) == (SubPlan.Status.FROZEN, Decimal("36"))


# --- the page, the API, the export ----------------------------------------------------------------------

def test_the_page_shows_totals_equal_to_the_sum_of_the_submitted_sub_plans(world, filed, client):
    """Seed 000 三(一)(4): 系统自动汇总 — per lot and in total, drafts and withdrawn ones left out."""
    client.force_login(world.center_user)
    html = client.get(reverse("batch:project-detail", args=[filed.pk])).content.decode()
    counted = SubPlan.objects.filter(project=filed, status__in=SubPlan.COUNTED)
    total = sum(p.budget_yuan for p in counted)
    assert total == Decimal("260800")
    assert 'data-testid="master-plan-total">260,800.00 元' in html
    assert "48 台" in html  # lot 1: 36 + 12 (the draft's 3 left out)
    assert "230,400.00 元" in html and "30,400.00 元" in html
    drill = client.get(reverse("collection-lot", args=[filed.pk, filed.lots.get(number=1).pk])).content.decode()
    assert "长春市第一中学" in drill and "南关区人民医院" in drill and "吉林市第二实验小学" not in drill


def test_the_api_master_plan_equals_the_sum_and_drills_down_to_each_unit(world, filed):
    """Issue 3 point 7 over the API: live per-lot totals (quantity, amount, unit count) with drill-down."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.center_user).key}")
    plan = api.get(f"/api/v1/collections/{filed.pk}/master-plan/").json()
    assert (plan["total_quantity"], plan["total_budget_yuan"]) == ("52.00", "260800.00")
    assert (plan["eligible_count"], plan["answered_count"]) == (4, 2)
    assert [(line["lot"]["number"], line["total_quantity"], line["unit_count"]) for line in plan["lines"]] == [
        (1, "48.00", 2), (2, "4.00", 1),
    ]
    rows = api.get(f"/api/v1/collections/{filed.pk}/master-plan/units/",
                   {"lot": filed.lots.get(number=1).pk}).json()
    assert rows["count"] == 2
    assert {(row["unit"]["name"], row["quantity"]) for row in rows["results"]} == {
        ("长春市第一中学", "36.00"), ("南关区人民医院", "12.00"),
    }
    # A unit sees the project and its own sub-plans, not the master plan behind the other units' figures.
    unit_api = APIClient()
    unit_api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.clerks['nanguan']).key}")
    assert unit_api.get(f"/api/v1/batch/projects/{filed.pk}/").status_code == 200
    for tail in ("master-plan/", "master-plan/units/", "master-plan/export/"):
        response = unit_api.get(f"/api/v1/collections/{filed.pk}/{tail}")
        assert response.status_code == 403 and "长春市第一中学" not in response.content.decode()


def test_the_export_workbook_carries_the_totals_and_every_counted_sub_plan(world, filed, client):
    """Issue 3 point 7: exported to Excel — sheet 总计划 per lot with totals, sheet 分计划明细 per unit."""
    client.force_login(world.center_user)
    response = client.get(reverse("collection-export", args=[filed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [TOTALS_SHEET, DETAIL_SHEET]

    totals = list(book[TOTALS_SHEET].iter_rows(min_row=FIRST_ROW - 1, values_only=True))
    assert list(totals[0]) == TOTALS_HEADERS
    assert [row[:2] for row in totals[1:-1]] == [(1, "台式计算机（基础办公型）"), (2, "台式计算机（高性能型）")]
    assert [(row[3], Decimal(str(row[4])), Decimal(str(row[5]))) for row in totals[1:-1]] == [
        (2, Decimal("48"), Decimal("230400")), (1, Decimal("4"), Decimal("30400")),
    ]
    assert totals[-1][0] == "合计" and Decimal(str(totals[-1][5])) == Decimal("260800")

    detail = list(book[DETAIL_SHEET].iter_rows(min_row=FIRST_ROW - 1, values_only=True))
    assert list(detail[0]) == DETAIL_HEADERS
    assert len(detail) - 1 == SubPlan.objects.filter(project=filed, status__in=SubPlan.COUNTED).count() == 3
    first = dict(zip(DETAIL_HEADERS, detail[1], strict=True))
    assert first["单位代码"] == world.units["nanguan"].unit_code or first["预算单位"] == "长春市第一中学"
    assert {row[1] for row in detail[1:]} == {"长春市第一中学", "南关区人民医院"}
    assert sum(Decimal(str(row[7])) for row in detail[1:]) == Decimal("260800")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.center_user).key}")
    exported = api.get(f"/api/v1/collections/{filed.pk}/master-plan/export/")
    assert exported.status_code == 200 and load_workbook(BytesIO(exported.content)).sheetnames == book.sheetnames


def test_the_master_plan_page_costs_the_same_queries_at_10_and_at_200_units(world, client):
    """Issue 3 benchmark: the master-plan page's query count must not grow with the number of units."""
    small, large = open_project(world, title="十家单位"), open_project(world, title="二百家单位")
    bulk_units(small, 10, region=world.changchun)
    bulk_units(large, 200, region=world.changchun)
    client.force_login(world.center_user)
    client.get(reverse("batch:project-detail", args=[small.pk]))  # warm the session and caches

    counts = []
    for project in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("batch:project-detail", args=[project.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    html = response.content.decode()
    assert 'data-testid="eligible-count">204' in html
    # The drill-down page of a lot is paginated: constant too.
    lot_counts = []
    for project in (small, large):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("collection-lot", args=[project.pk, project.lots.get(number=1).pk]))
        lot_counts.append(len(queries))
    assert lot_counts[0] == lot_counts[1], lot_counts


def test_the_center_closes_and_confirms_over_the_api(world):
    """Issue 3 point 7 for other systems: …/close/ after the deadline, …/confirm/ freezing the sub-plans."""
    project = open_project(world)
    file(project, world, "changchun")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.center_user).key}")
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=5),
                                                      response_deadline=timezone.now() - timedelta(seconds=1))
    closed = api.post(f"/api/v1/collections/{project.pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "aggregated"
    unit_api = APIClient()
    unit_api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.clerks['changchun']).key}")
    # A unit passes the door (a volume lead confirms its own master plan here) but runs no batch project: 404.
    assert unit_api.post(f"/api/v1/collections/{project.pk}/confirm/").status_code == 404
    confirmed = api.post(f"/api/v1/collections/{project.pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    confirmed_project = api.get(f"/api/v1/batch/projects/{project.pk}/")
    assert confirmed_project.json()["batch"]["master_plan_confirmed_at"] is not None
    assert SubPlan.objects.get().status == SubPlan.Status.FROZEN

"""The pages and API of 753号 steps 3–4: who reads the aggregate, the export, the plan form and its filing."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from procurement.models import Filing, Project, SubPlan
from tests.volume.factories_plans import close_window, plan_values
from tests.volume.test_plans import setup  # noqa: F401  (the fixture)
from volume.aggregate_export import ITEMS_SHEET
from volume.models import ImplementationPlan
from volume.selectors.aggregate import aggregate

pytestmark = pytest.mark.django_db


def _form(world, **overrides) -> dict:
    values = plan_values(**overrides)
    data = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}
    data.setdefault("agency", world.agency.pk)
    return data


# --- who reads the aggregate -------------------------------------------------------------------------

def test_the_lead_and_finance_read_the_aggregate_a_participant_does_not(setup, world):  # noqa: F811
    """The lead sees the three tables, the grand total and who declined or never answered; finance of the region
    reads it; another participating unit (which reads only its own response) hears 404, a supplier 403."""
    project = setup
    url = reverse("volume:aggregate", args=[project.pk])
    page = world.client_for(project.organizer).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for marker in ('data-testid="aggregate-items"', 'data-testid="aggregate-sources"',
                   'data-testid="aggregate-participants"', 'data-testid="aggregate-declined"',
                   'data-testid="aggregate-unanswered"', "74,900.50", "南关区人民医院", "吉林市第二实验小学",
                   "JL2026-002"):
        assert marker in html, marker
    assert world.client_for(world.finance).get(url).status_code == 200
    assert world.client_for(world.prefecture_unit).get(url).status_code == 404
    assert world.client_for(world.supplier).get(url).status_code == 403
    assert world.client_for(world.agency).get(url).status_code == 404  # not entrusted yet
    export = reverse("volume:aggregate-export", args=[project.pk])
    assert world.client_for(world.prefecture_unit).get(export).status_code == 404


def test_the_lead_downloads_the_export(setup, world):  # noqa: F811
    project = setup
    response = world.client_for(project.organizer).get(reverse("volume:aggregate-export", args=[project.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    last = list(book[ITEMS_SHEET].iter_rows(min_row=4, values_only=True))[-1]
    assert Decimal(str(last[6])) == aggregate(project).budget_yuan


# --- the plan page ---------------------------------------------------------------------------------------

def test_the_plan_page_before_the_deadline_offers_no_form(setup, world):  # noqa: F811
    page = world.client_for(setup.organizer).get(reverse("volume:plan", args=[setup.pk]))
    assert page.status_code == 200
    assert 'data-testid="plan-form"' not in page.content.decode() and "归集汇总后" in page.content.decode()


def test_the_lead_files_the_plan_from_its_page(setup, world):  # noqa: F811
    """753号 三、4 on the page: the form, then the filed plan read-only with its filing record."""
    project = close_window(setup)
    agency = world.agency  # made on first use: before the form lists the agencies
    client = world.client_for(project.organizer)
    url = reverse("volume:plan", args=[project.pk])
    page = client.get(url)
    assert 'data-testid="plan-form"' in page.content.decode() and agency.name in page.content.decode()
    response = client.post(url, _form(world))
    assert response.status_code == 302 and response["Location"] == url
    filed = client.get(url).content.decode()
    assert 'data-testid="plan-filed"' in filed and 'data-testid="plan-filing"' in filed
    assert world.finance.name in filed and 'data-testid="plan-form"' not in filed
    project.refresh_from_db()
    assert project.status == Project.Status.CONFIRMED and project.agency == world.agency
    # The agency now reads it (read-only), and a second POST changes nothing.
    assert world.client_for(world.agency).get(url).status_code == 200
    client.post(url, _form(world))
    assert ImplementationPlan.objects.count() == 1 and Filing.objects.count() == 1


def test_a_refused_plan_shows_the_reason_on_its_field(setup, world):  # noqa: F811
    project = close_window(setup)
    client = world.client_for(project.organizer)
    page = client.post(reverse("volume:plan", args=[project.pk]), _form(world, agency=world.center.pk))
    assert page.status_code == 200
    assert "选择一个有效的选项" in page.content.decode() or "不是采购代理机构" in page.content.decode()
    dates = _form(world)
    dates["award_planned_on"] = dates["documents_planned_on"]
    dates["opening_planned_on"] = plan_values()["award_planned_on"].isoformat()
    page = client.post(reverse("volume:plan", args=[project.pk]), dates)
    assert "依次排列" in page.content.decode()
    assert not ImplementationPlan.objects.exists()
    assert set(SubPlan.objects.filter(project=project).values_list("status", flat=True)) == {"submitted", "draft"}


def test_another_unit_cannot_file_or_see_the_plan(setup, world):  # noqa: F811
    project = close_window(setup)
    url = reverse("volume:plan", args=[project.pk])
    other = world.client_for(world.prefecture_unit)
    assert other.get(url).status_code == 404
    assert other.post(url, _form(world)).status_code == 404
    viewer = world.client_for(project.organizer, role="viewer")
    assert viewer.post(url, _form(world)).status_code == 403
    assert not ImplementationPlan.objects.exists()


def test_the_hub_section_links_the_aggregate_the_export_and_the_plan(setup, world, rf):  # noqa: F811
    from django.template.loader import render_to_string

    from volume.views.plans import hub_context

    project = close_window(setup)
    request = rf.get("/")
    request.user = world.user(project.organizer)
    html = render_to_string("volume/projects/_section_plans.html", {"project": project,
                                                                    **hub_context(request, project)})
    for name in ("volume:aggregate", "volume:aggregate-export", "volume:plan"):
        assert reverse(name, args=[project.pk]) in html


# --- the API --------------------------------------------------------------------------------------------

def test_api_aggregate_file_and_plan(setup, world):  # noqa: F811
    """The budget system's path: read the aggregate, file the plan, read the plan; a participant hears 404."""
    project = close_window(setup)
    api = world.api_for(project.organizer)
    base = f"/api/v1/volume/plans/{project.pk}/"
    summary = api.get(f"{base}aggregate/")
    assert summary.status_code == 200
    body = summary.json()
    assert Decimal(body["budget_yuan"]) == aggregate(project).budget_yuan == Decimal("74900.50")
    assert [Decimal(item["budget_yuan"]) for item in body["items"]] == [Decimal("62400.00"), Decimal("12500.50")]
    assert len(body["participants"]) == 2 and len(body["declined"]) == 1 and len(body["unanswered"]) == 1
    assert api.get(base).status_code == 404  # not filed yet

    other = world.api_for(world.prefecture_unit)
    assert other.get(f"{base}aggregate/").status_code == 404
    assert other.post(f"{base}file/", _form(world), format="json").status_code == 404
    assert world.api_for(world.supplier).post(f"{base}file/", _form(world), format="json").status_code == 403

    refused = api.post(f"{base}file/", _form(world, agency=world.center.pk), format="json")
    assert refused.status_code == 400 and "不是采购代理机构" in refused.json()["detail"]
    filed = api.post(f"{base}file/", _form(world), format="json")
    assert filed.status_code == 201, filed.json()
    assert filed.json()["agency"]["id"] == world.agency.pk and filed.json()["filing"]["id"]
    assert api.post(f"{base}file/", _form(world), format="json").status_code == 409
    plan = world.api_for(world.agency).get(base)
    assert plan.status_code == 200 and Decimal(plan.json()["budget_yuan"]) == Decimal("74900.50")
    export = api.get(f"{base}aggregate/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")

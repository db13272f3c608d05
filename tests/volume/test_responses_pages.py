"""A unit's response pages and API (753号 三、2), and the window's reminders for volume (3 and 1 working days
before the deadline to units that have not answered: a declined unit has answered, a draft has not)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from procurement.models import Notification, Project, Reminder, SubPlan
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.reminders import sweep_due_deadlines
from tests.volume.factories_responses import CONTACT, item, open_volume
from volume.models import Response
from volume.services.responses import response_decline, response_save
from volume.views.responses import hub_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return open_volume(world)


def edit_url(project):
    return reverse("volume:response-edit", args=[project.pk])


def form_data(project, *, action="submit"):
    one, two = project.lots.order_by("number")
    return {
        "action": action, "contact_name": "王芳", "contact_phone": "0431-88880000", "note": "",
        "item-1-lot": str(one.pk), "item-1-quantity": "12", "item-1-budget": "57600.00",
        "item-1-funding-1-source": "general_budget", "item-1-funding-1-amount": "50000.00",
        "item-1-funding-1-code": "YS2026-0101",
        "item-1-funding-2-source": "own_funds", "item-1-funding-2-amount": "7600.00",
        "item-1-funding-2-code": "DW2026-0001",
        "item-2-lot": str(two.pk), "item-2-quantity": "3", "item-2-budget": "6000",
        "item-2-funding-1-source": "general_budget", "item-2-funding-1-amount": "6000",
        "item-2-funding-1-code": "YS2026-0102",
        # the spare rows the page offers, left blank
        "item-3-lot": "", "item-3-quantity": "", "item-3-budget": "", "item-3-funding-1-source": "general_budget",
        "item-3-funding-1-amount": "", "item-3-funding-1-code": "",
    }


# --- pages ---------------------------------------------------------------------------------------------------

def test_the_unit_lists_its_invitations_with_deadline_and_answer(world, project):
    client = world.client_for(world.prefecture_unit)
    page = client.get(reverse("volume:response-list")).content.decode()
    assert project.code in page and world.province_unit.name in page and "未响应" in page
    home = client.get(reverse("unit-home")).content.decode()
    assert f'href="{reverse("volume:response-list")}"' in home  # the nav entry of budget units
    response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)],
                  actor=world.user(world.prefecture_unit), submit=True, **CONTACT)
    assert "第1版" in client.get(reverse("volume:response-list")).content.decode()


def test_a_unit_with_no_invitation_sees_the_empty_state(world, project):
    page = world.client_for(world.province_unit).get(reverse("volume:response-list")).content.decode()
    assert "本单位暂无集中带量采购邀请" in page and project.code not in page


def test_only_budget_units_open_the_response_pages(world, project):
    assert world.client_for(world.finance).get(reverse("volume:response-list")).status_code == 403
    assert world.client_for(world.finance).get(edit_url(project)).status_code == 403


def test_a_unit_responds_on_the_page_with_two_items_and_two_funding_lines(world, project):
    client = world.client_for(world.prefecture_unit)
    shown = client.get(edit_url(project)).content.decode()
    assert "采购内容清单" in shown and "台式计算机" in shown and "volume/responses.js" in shown
    answered = client.post(edit_url(project), form_data(project))
    assert answered.status_code == 302
    response = Response.objects.get(project=project, unit=world.prefecture_unit)
    assert response.status == Response.Status.SUBMITTED and response.contact_name == "王芳"
    plans = SubPlan.objects.filter(project=project, unit=world.prefecture_unit).order_by("lot__number")
    assert [p.funding_lines.count() for p in plans] == [2, 1]
    assert "已提交响应（第1版" in client.get(edit_url(project)).content.decode()


def test_a_refusal_is_shown_on_the_page_and_keeps_what_was_typed(world, project):
    data = form_data(project)
    data["item-1-funding-2-amount"] = "7599.99"
    page = world.client_for(world.prefecture_unit).post(edit_url(project), data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "第1项（清单第1项 台式计算机）的资金构成合计57,599.99元与预算金额57,600.00元不一致" in html
    assert 'value="7599.99"' in html
    assert not Response.objects.filter(project=project).exists()


def test_a_unit_declines_on_the_page_with_a_reason(world, project):
    client = world.client_for(world.county_unit)
    refused = client.post(edit_url(project), {"action": "decline", "reason": ""})
    assert "选择不参与须说明理由" in refused.content.decode()
    assert client.post(edit_url(project), {"action": "decline", "reason": "已另行采购"}).status_code == 302
    assert Response.objects.get(project=project, unit=world.county_unit).status == Response.Status.DECLINED


def test_another_unit_never_sees_a_units_response(world, project):
    """A unit sees only its own response: an invited one sees its own (empty) document, a unit not invited 404."""
    world.client_for(world.prefecture_unit).post(edit_url(project), form_data(project))
    other = world.client_for(world.county_unit).get(edit_url(project)).content.decode()
    assert "尚未响应" in other and "YS2026-0101" not in other and "57600" not in other
    assert world.client_for(world.province_unit).get(edit_url(project)).status_code == 404


def test_after_the_deadline_the_page_is_read_only_and_says_why(world, project):
    """753号 四(三): after the deadline nothing is changed or withdrawn; the page says so and keeps the answer."""
    client = world.client_for(world.prefecture_unit)
    client.post(edit_url(project), form_data(project))
    now = timezone.now()
    Project.objects.filter(pk=project.pk).update(response_opens_at=now - timedelta(days=5),
                                                 response_deadline=now - timedelta(minutes=1))
    page = client.get(edit_url(project)).content.decode()
    assert "截止后不能修改、提交或撤回响应" in page and "YS2026-0101" in page
    assert 'data-testid="decline-form"' not in page and "<fieldset disabled>" in page
    refused = client.post(edit_url(project), {"action": "decline", "reason": "不参与了"}).content.decode()
    assert "753号 四(三)：禁止中途退出集中带量采购活动" in refused
    assert Response.objects.get(project=project).status == Response.Status.SUBMITTED


def test_the_cores_filing_page_sends_a_volume_unit_to_its_response_page(world, project):
    answer = world.client_for(world.prefecture_unit).get(reverse("unit-sub-plan-file", args=[project.pk]))
    assert answer.status_code == 302 and answer["Location"] == edit_url(project)


def test_the_cores_sub_plan_page_sends_a_volume_item_to_its_response_page(world, project):
    """A volume item is a line of the unit's response document: the core's sub-plan page (with its batch-style
    withdraw button) is not where it is read or changed."""
    response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)],
                  actor=world.user(world.prefecture_unit), submit=True, **CONTACT)
    sub_plan = SubPlan.objects.get(project=project, unit=world.prefecture_unit)
    answer = world.client_for(world.prefecture_unit).get(reverse("unit-sub-plan-detail", args=[sub_plan.pk]))
    assert answer.status_code == 302 and answer["Location"] == edit_url(project)


def test_the_leads_hub_section_counts_and_lists_the_pending_units(world, project):
    response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)],
                  actor=world.user(world.prefecture_unit), submit=True, **CONTACT)
    response_decline(project=project, unit=world.county_unit, reason="已另行采购", actor=world.user(world.county_unit))
    request = RequestFactory().get("/")
    request.user = world.user(world.province_unit)
    context = hub_context(request, project)
    assert context["response_counts"] == {"invited": 3, "submitted": 1, "declined": 1, "pending": 1, "drafts": 0}
    assert context["pending_units"] == [(world.other_prefecture_unit, False)]
    html = render_to_string("volume/projects/_section_responses.html", {**context, "project": project})
    assert world.other_prefecture_unit.name in html and "已另行采购" in html


# --- the API -------------------------------------------------------------------------------------------------

def api_url(project, action=""):
    base = f"/api/v1/volume/responses/{project.pk}/"
    return f"{base}{action}/" if action else base


def api_body(project):
    return {**CONTACT, "note": "", "items": [
        {"lot": project.lots.get(number=1).pk, "quantity": "12", "budget_yuan": "57600.00",
         "funding": [{"source": "general_budget", "amount_yuan": "50000.00", "budget_index_code": "YS1"},
                     {"source": "own_funds", "amount_yuan": "7600.00", "budget_index_code": "DW1"}]}]}


def test_the_api_reads_saves_submits_and_declines_the_same_document(world, project):
    api = world.api_for(world.prefecture_unit)
    assert api.get(api_url(project)).json()["status"] == "none"
    listed = api.get("/api/v1/volume/responses/").json()
    assert [row["project"]["code"] for row in listed["results"]] == [project.code]
    saved = api.put(api_url(project), api_body(project), format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["status"] == "draft" and len(saved.json()["items"][0]["funding"]) == 2
    submitted = api.post(api_url(project, "submit"), {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["revision"] == 1
    declined = api.post(api_url(project, "decline"), {"reason": "预算调整"}, format="json")
    assert declined.json()["status"] == "declined" and declined.json()["items"] == []


def test_the_api_refuses_what_the_page_refuses(world, project):
    api = world.api_for(world.prefecture_unit)
    body = api_body(project)
    body["items"][0]["funding"][1]["amount_yuan"] = "7599.99"
    refused = api.post(api_url(project, "submit"), body, format="json")
    assert refused.status_code == 400
    assert "资金构成合计57,599.99元与预算金额57,600.00元不一致" in refused.json()["detail"]
    assert api.post(api_url(project, "decline"), {"reason": ""}, format="json").status_code == 400
    now = timezone.now()
    Project.objects.filter(pk=project.pk).update(response_opens_at=now - timedelta(days=5),
                                                 response_deadline=now - timedelta(minutes=1))
    late = api.put(api_url(project), api_body(project), format="json")
    assert late.status_code == 400 and "753号 四(三)" in late.json()["detail"]
    assert not Response.objects.filter(project=project).exists()


def test_the_api_answers_404_for_a_project_the_unit_is_not_invited_to_and_403_to_others(world, project):
    assert world.api_for(world.province_unit).get(api_url(project)).status_code == 404
    assert world.api_for(world.province_unit).put(api_url(project), api_body(project),
                                                  format="json").status_code == 404
    assert world.api_for(world.finance).get(api_url(project)).status_code == 403


# --- reminders -----------------------------------------------------------------------------------------------

OPENS = timezone.make_aware(datetime(2026, 9, 1, 9, 0))
DEADLINE = timezone.make_aware(datetime(2026, 10, 8, 17, 0))  # after the National Day holiday
THREE_DAYS_BEFORE = timezone.make_aware(datetime(2026, 9, 28))
ONE_DAY_BEFORE = timezone.make_aware(datetime(2026, 9, 30))


def reminded(days: int) -> set[str]:
    keys = Reminder.objects.filter(kind=f"sub_plan_due_in_{days}")
    return set(Notification.objects.filter(reminder__in=keys).values_list("organization__name", flat=True))


def test_volume_reminders_skip_a_declined_unit_and_remind_a_draft(world, project, calendar_loaded):
    """753号 三、2 在规定时间内 / issue 10 point 3: the units that have not answered are reminded 3 and 1 working
    days before the deadline (deadlines.SUB_PLAN_REMINDER_DAYS); a decline with a reason is an answer, a draft is
    not; the message sends the unit to its response page."""
    for unit in (world.prefecture_unit, world.county_unit, world.other_prefecture_unit):
        world.user(unit)
    response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)],
                  actor=world.user(world.prefecture_unit), **CONTACT)  # a draft
    response_decline(project=project, unit=world.county_unit, reason="已另行采购", actor=world.user(world.county_unit))
    Project.objects.filter(pk=project.pk).update(response_opens_at=OPENS, response_deadline=DEADLINE)
    moved = Project.objects.get(pk=project.pk)
    COLLECTION_DEADLINES.store_next_check(moved, COLLECTION_DEADLINES.first_check(moved, now=OPENS))
    sweep_due_deadlines(now=OPENS)
    sweep_due_deadlines(now=THREE_DAYS_BEFORE + timedelta(hours=9))
    expected = {world.prefecture_unit.name, world.other_prefecture_unit.name}
    assert reminded(3) == expected
    sweep_due_deadlines(now=ONE_DAY_BEFORE + timedelta(hours=9))
    assert reminded(1) == expected
    urls = set(Notification.objects.filter(reminder__kind="sub_plan_due_in_1").values_list("url", flat=True))
    assert urls == {edit_url(project)}


def test_the_leads_project_page_shows_the_responses_section(world, project):
    response_decline(project=project, unit=world.county_unit, reason="已另行采购", actor=world.user(world.county_unit))
    page = world.client_for(world.province_unit).get(reverse("volume:project-detail", args=[project.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="hub-responses"' in html
    assert world.prefecture_unit.name in html and "已另行采购" in html

"""Each party reaches its part of a volume project from its own pages: the agency from its workbench and its
navigation (the steps entrusted to it, 753号 第4–5步), the lead's members from each step's page back to the hub."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Notification
from tests.volume.factories_plans import opened_volume_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def entrusted(world):
    project = opened_volume_project(world)
    type(project).objects.filter(pk=project.pk).update(agency=world.agency)
    project.refresh_from_db()
    return project


def test_the_agency_workbench_links_an_entrusted_project_to_its_execution_page(world, entrusted):
    page = world.client_for(world.agency).get(reverse("center-home")).content.decode()
    assert f'href="{reverse("award-project", args=[entrusted.pk])}"' in page
    assert f'href="{reverse("award-project-list")}"' in page  # 受托项目执行 in the navigation


def test_the_lead_goes_back_to_its_project_page_from_a_step_page_and_the_agency_does_not(world, entrusted):
    hub = reverse("volume:project-detail", args=[entrusted.pk])
    lead_page = world.client_for(world.province_unit).get(reverse("volume:aggregate", args=[entrusted.pk]))
    assert lead_page.status_code == 200 and f'href="{hub}"' in lead_page.content.decode()
    agency_page = world.client_for(world.agency).get(reverse("volume:aggregate", args=[entrusted.pk]))
    assert agency_page.status_code == 200 and f'href="{hub}"' not in agency_page.content.decode()


def test_the_agency_is_not_offered_to_stop_the_project_the_organizer_is(world, entrusted):
    """Stopping a project ends the entrustment itself: the organizer's step, not the agency's
    (access.ENTRUSTED_STEPS)."""
    url = reverse("award-project", args=[entrusted.pk])
    assert 'data-testid="terminate-link"' not in world.client_for(world.agency).get(url).content.decode()
    assert 'data-testid="terminate-link"' in world.client_for(world.province_unit).get(url).content.decode()


def test_an_invited_unit_is_sent_from_its_home_and_its_messages_to_the_response_document(world):
    """753号 三、2: the unit answers with its response (items and funding, or a decline), not batch's sub-plan
    form: its home's button and the window's message both say so and lead there."""
    from procurement.services.collection_deadlines import COLLECTION_DEADLINES
    from procurement.services.reminders import sweep_due_deadlines

    project = opened_volume_project(world, participants=[world.prefecture_unit])
    COLLECTION_DEADLINES.reschedule(project)  # as project_open does: the opening is told by the sweep
    answer = reverse("volume:response-edit", args=[project.pk])
    home = world.client_for(world.prefecture_unit).get(reverse("unit-home")).content.decode()
    assert f'href="{answer}">填写响应</a>' in home
    sweep_due_deadlines()
    message = Notification.objects.get(organization=world.prefecture_unit, title__startswith="需求响应开始")
    assert message.url == answer and "在线响应" in message.title and "资金构成" in message.body


def test_the_leads_list_counts_a_decline_as_an_answer(world):
    """753号 三、2: a unit that declines with a reason has answered; a draft has not."""
    from tests.volume.factories_responses import item, open_volume
    from volume.services.responses import response_decline, response_save

    project = open_volume(world)
    contact = {"contact_name": "王芳", "contact_phone": "0431-88880000"}
    response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)], submit=True,
                  actor=world.user(world.prefecture_unit), **contact)
    response_decline(project=project, unit=world.county_unit, reason="已另行采购", actor=world.user(world.county_unit))
    response_save(project=project, unit=world.other_prefecture_unit, items=[item(project, 1)],
                  actor=world.user(world.other_prefecture_unit), **contact)
    row = world.client_for(world.province_unit).get(reverse("volume:project-list")).context["page"][0]
    assert (row.eligible_count, row.answered_count, row.declined_count) == (3, 2, 1)

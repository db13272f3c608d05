"""The task notice pages (采购任务通知单) are the core's, once for every mode (``procurement.views.task_pages``):
one test body, run for batch (annex 5: 采购周期) and the framework (annex 7: 框架协议有效期), through each mode's
own URL names. Finance lists, drafts with the mode's own fields, issues and withdraws; the center acknowledges;
another bureau's or center's notice, or the other mode's, answers 404."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement.models import Category, Cycle, Mode, TaskNotice
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class ModeCase:
    mode: str
    other: str  # the other mode's URL namespace: its pages never show this mode's notices
    fields: dict  # the mode's own fields of the form
    stored: dict  # what they are on the saved notice
    shown: str  # what the detail page says of them
    absent: str  # a field of the other mode, not on this mode's form


CASES = [
    ModeCase(Mode.BATCH, "framework", {"cycle": Cycle.QUARTERLY}, {"cycle": Cycle.QUARTERLY}, "每季度一次",
             'name="validity_months"'),
    ModeCase(Mode.FRAMEWORK, "batch", {"valid_from": "", "valid_until": "", "validity_months": "12"},
             {"validity_months": 12, "cycle": ""}, "12个月", 'name="cycle"'),
]


@pytest.fixture(params=CASES, ids=lambda case: case.mode)
def case(request) -> ModeCase:
    return request.param


@pytest.fixture
def category(world) -> Category:
    # A goods category of the centralized catalog: batch (annex 5) and the framework (annex 7) both accept it.
    return CategoryFactory(code="A02010105", name="台式计算机", level=4, in_centralized_catalog=True)


def url(case: ModeCase, name: str, *args) -> str:
    return reverse(f"{case.mode}:{name}", args=args)


def form_data(world, case: ModeCase, category: Category) -> dict:
    return {
        "finance_bureau": world.finance.pk, "center": world.center.pk, "category": category.pk, "year": 2026,
        "purchase_limit": "单笔采购金额在50万元以下的小额零星项目", "purchase_limit_yuan": "500000",
        "scope": TaskNotice.Scope.PROVINCE, "document_number": "吉财采购〔2026〕1号", "basis": "", **case.fields,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_list_draft_issue_acknowledge_in_every_mode(client, world, case, category):
    """Finance drafts a notice with its mode's own fields and issues it; the center acknowledges it."""
    client.force_login(world.user(world.finance))
    listed = client.get(url(case, "task-list"))
    assert listed.status_code == 200 and not listed.context["page"]
    form = client.get(url(case, "task-create")).content.decode()
    assert all(f'name="{name}"' in form for name in case.fields) and case.absent not in form

    response = client.post(url(case, "task-create"), form_data(world, case, category))
    task = TaskNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == url(case, "task-detail", task.pk)
    assert (task.mode, task.status) == (case.mode, TaskNotice.Status.DRAFT)
    assert {name: getattr(task, name) for name in case.stored} == case.stored
    assert case.shown in client.get(url(case, "task-detail", task.pk)).content.decode()
    assert list(client.get(url(case, "task-list")).context["page"]) == [task]
    assert not client.get(reverse(f"{case.other}:task-list")).context["page"]

    response = client.post(url(case, "task-issue", task.pk), {"issued_on": ""}, follow=True)
    assert any(f"已下达{world.center.name}" in text for text in messages_of(response))
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.ISSUED

    client.force_login(world.user(world.center))
    assert list(client.get(url(case, "received-list")).context["page"]) == [task]
    assert client.get(url(case, "received-pdf", task.pk)).content.startswith(b"%PDF")
    response = client.post(url(case, "received-acknowledge", task.pk), follow=True)
    assert response.redirect_chain[-1][0] == url(case, "received-detail", task.pk)
    assert any("已签收" in text for text in messages_of(response))
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.ACKNOWLEDGED


def test_withdraw_in_every_mode(client, world, case, category):
    """A notice not yet acknowledged may be withdrawn; the center's list keeps it, marked withdrawn."""
    client.force_login(world.user(world.finance))
    client.post(url(case, "task-create"), form_data(world, case, category))
    task = TaskNotice.objects.get()
    client.post(url(case, "task-issue", task.pk), {"issued_on": ""})
    response = client.post(url(case, "task-withdraw", task.pk), {"reason": "品目调整"}, follow=True)
    assert any("已撤回" in text for text in messages_of(response))
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.WITHDRAWN
    client.force_login(world.user(world.center))
    page = client.get(url(case, "received-detail", task.pk)).content.decode()
    assert "已撤回该任务通知单" in page and "签收任务" not in page


def test_another_bureaus_or_centers_or_modes_notice_is_a_404(client, world, case, category):
    """Lookups are narrowed to the user's own organizations and to the mode, on the pages and in the API."""
    client.force_login(world.user(world.finance))
    client.post(url(case, "task-create"), form_data(world, case, category))
    task = TaskNotice.objects.get()
    client.post(url(case, "task-issue", task.pk), {"issued_on": ""})
    for name in ("task-detail", "task-edit", "task-pdf"):
        assert client.get(reverse(f"{case.other}:{name}", args=[task.pk])).status_code == 404, name

    client.force_login(world.user(world.city_finance))
    for name in ("task-detail", "task-edit", "task-pdf"):
        assert client.get(url(case, name, task.pk)).status_code == 404, name
    assert client.post(url(case, "task-withdraw", task.pk)).status_code == 404
    client.force_login(world.user(world.city_center))
    assert client.get(url(case, "received-detail", task.pk)).status_code == 404
    assert client.post(url(case, "received-acknowledge", task.pk)).status_code == 404
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.ISSUED

    api = APIClient()
    stranger = world.user(world.city_finance)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=stranger)[0].key}")
    assert api.get(f"/api/v1/{case.mode}/task-notices/{task.pk}/").status_code == 404
    assert api.post(f"/api/v1/{case.mode}/task-notices/{task.pk}/withdraw/").status_code == 404
    own = APIClient()
    own.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.user(world.finance))[0].key}")
    body = own.get(f"/api/v1/{case.mode}/task-notices/{task.pk}/").json()
    assert body["id"] == task.pk and body["status"] == TaskNotice.Status.ISSUED and body["scope_text"]
    assert own.get(f"/api/v1/{case.other}/task-notices/{task.pk}/").status_code == 404

"""Pages of the framework task notice (annex 7): finance drafts, revises, issues and withdraws; the center reads,
acknowledges and downloads; both reach it from the navigation; another bureau's or center's notice is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import TaskNotice
from tests.framework.tasks_data import LIMIT, task_draft, task_issued, task_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(world):
    return task_world(world)


def signed_in(client, user):
    client.force_login(user)
    return client


def shown(response) -> str:
    return response.content.decode()


def form_data(tw, **overrides) -> dict:
    data = {
        "finance_bureau": tw.finance.pk, "center": tw.center.pk, "category": tw.goods.pk, "year": 2026,
        "purchase_limit": LIMIT, "purchase_limit_yuan": "2000000", "scope": "province", "valid_from": "",
        "valid_until": "", "validity_months": "12", "document_number": "吉财采购〔2026〕30号", "basis": "",
    }
    data.update(overrides)
    return data


def status_of(task: TaskNotice) -> str:
    return TaskNotice.objects.get(pk=task.pk).status


FINANCE_PAGES = ["framework:task-list", "framework:task-create"]
CENTER_PAGES = ["framework:received-list"]


@pytest.mark.parametrize("name", FINANCE_PAGES + CENTER_PAGES)
def test_a_budget_unit_gets_403(client, tw, name):
    response = signed_in(client, tw.world.user(tw.world.province_unit)).get(reverse(name))
    assert response.status_code == 403 and "无权访问" in shown(response)


@pytest.mark.parametrize("name", FINANCE_PAGES)
def test_the_center_cannot_open_finance_pages(client, tw, name):
    """Annex 7: finance issues the task."""
    assert signed_in(client, tw.center_user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", CENTER_PAGES)
def test_finance_cannot_open_center_pages(client, tw, name):
    assert signed_in(client, tw.finance_user).get(reverse(name)).status_code == 403


def test_finance_and_the_center_find_the_pages_from_the_navigation(client, tw):
    """Each reaches its framework task pages from the top navigation's one framework link (框架协议采购, active on
    every framework page) and the framework home it opens."""
    page = shown(signed_in(client, tw.finance_user).get(reverse("framework:task-list")))
    assert f'<a class="nav-link active" href="{reverse("framework:home")}">框架协议采购</a>' in page
    home = shown(client.get(reverse("framework:home")))
    assert f'href="{reverse("framework:task-list")}"' in home and "框架协议任务" in home
    home = shown(signed_in(client, tw.center_user).get(reverse("framework:home")))
    assert f'href="{reverse("framework:received-list")}"' in home
    assert f'href="{reverse("framework:task-list")}"' not in home


def test_the_framework_home_lists_a_purchasers_pages_and_refuses_a_user_without_an_organization(client, world):
    from tests.factories import BudgetUnitFactory, UserFactory, member_of

    assert client.get(reverse("framework:home")).status_code == 302  # signed out: to the login page
    client.force_login(member_of(BudgetUnitFactory()))
    home = shown(client.get(reverse("framework:home")))
    assert f'href="{reverse("framework:catalog")}"' in home and f'href="{reverse("framework:order-list")}"' in home
    client.force_login(UserFactory())
    assert client.get(reverse("framework:home")).status_code == 403


# --- finance ---------------------------------------------------------------------------------------

def test_finance_drafts_revises_issues_a_task_and_the_center_acknowledges_it(client, tw):
    """Annex 7 end to end on the pages: draft (品目, 限额, 范围, 有效期), revise, issue; the center sees it,
    acknowledges it and downloads it as annex 7; finance sees it acknowledged."""
    finance = signed_in(client, tw.finance_user)
    response = finance.post(reverse("framework:task-create"), form_data(tw))
    task = TaskNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("framework:task-detail", args=[task.pk])
    assert (task.mode, task.status, task.validity_months) == ("framework", TaskNotice.Status.DRAFT, 12)

    detail = shown(finance.get(reverse("framework:task-detail", args=[task.pk])))
    assert "台式计算机框架协议采购项目任务通知书" in detail and "12个月（自框架协议生效之日起计算）" in detail
    assert "全省各级预算单位" in detail and reverse("framework:task-pdf", args=[task.pk]) in detail

    response = finance.post(reverse("framework:task-edit", args=[task.pk]), form_data(
        tw, validity_months="", valid_from="2026-03-01", valid_until="2027-02-28"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (str(task.valid_from), str(task.valid_until), task.validity_months) == ("2026-03-01", "2027-02-28", None)
    assert task in finance.get(reverse("framework:task-list")).context["page"]

    finance.post(reverse("framework:task-issue", args=[task.pk]), {"issued_on": ""})
    assert status_of(task) == TaskNotice.Status.ISSUED

    center = signed_in(client, tw.center_user)
    assert list(center.get(reverse("framework:received-list")).context["page"]) == [task]
    page = shown(center.get(reverse("framework:received-detail", args=[task.pk])))
    assert "签收任务" in page and "2026年3月1日至2027年2月28日" in page
    pdf = center.get(reverse("framework:received-pdf", args=[task.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    response = center.post(reverse("framework:received-acknowledge", args=[task.pk]), follow=True)
    assert "已签收" in shown(response) and "请据此编制框架协议采购方案" in shown(response)
    assert status_of(task) == TaskNotice.Status.ACKNOWLEDGED

    page = shown(signed_in(client, tw.finance_user).get(reverse("framework:task-detail", args=[task.pk])))
    assert "已签收" in page and "撤回" not in page.split('data-testid="task-actions"')[1].split("</div>")[0]


def test_a_refused_draft_names_annex_7_on_its_field_and_saves_nothing(client, tw):
    """Annex 7 / annex 8 §五: goods at most 12 months; the form says so in Chinese and nothing is saved."""
    response = signed_in(client, tw.finance_user).post(reverse("framework:task-create"),
                                                       form_data(tw, validity_months="13"))
    assert response.status_code == 200
    assert response.context["form"].errors["validity_months"] == [
        "货物类项目框架协议有效期不得超过1年（12个月），现填写13个月（附件7；附件8第五部分）"]
    assert not TaskNotice.objects.exists()


def test_a_missing_validity_is_refused_on_the_page(client, tw):
    response = signed_in(client, tw.finance_user).post(reverse("framework:task-create"),
                                                       form_data(tw, validity_months=""))
    assert "请填写框架协议有效期" in response.context["form"].errors["valid_from"][0]
    assert not TaskNotice.objects.exists()


def test_finance_withdraws_an_issued_task(client, tw):
    task = task_issued(tw)
    finance = signed_in(client, tw.finance_user)
    response = finance.post(reverse("framework:task-withdraw", args=[task.pk]), {"reason": "品目调整"}, follow=True)
    assert "已撤回" in shown(response)
    assert status_of(task) == TaskNotice.Status.WITHDRAWN


def test_an_issued_task_cannot_be_edited(client, tw):
    task = task_issued(tw)
    response = signed_in(client, tw.finance_user).get(reverse("framework:task-edit", args=[task.pk]), follow=True)
    assert "只有草稿可以修改" in shown(response)


# --- another organization's task: 404 ----------------------------------------------------------------

def test_another_bureaus_task_is_a_404(client, tw):
    """Changchun's bureau opens none of the province's framework tasks, draft or issued, nor its PDF."""
    world = tw.world
    draft, issued = task_draft(tw), task_issued(tw)
    other = signed_in(client, world.user(world.city_finance))
    for task in (draft, issued):
        for name in ("framework:task-detail", "framework:task-edit", "framework:task-pdf"):
            assert other.get(reverse(name, args=[task.pk])).status_code == 404, name
        assert other.post(reverse("framework:task-withdraw", args=[task.pk])).status_code == 404
    assert other.post(reverse("framework:task-issue", args=[draft.pk])).status_code == 404
    assert status_of(draft) == TaskNotice.Status.DRAFT
    assert list(other.get(reverse("framework:task-list")).context["page"]) == []


def test_another_centers_task_and_a_draft_are_404_to_the_center(client, tw):
    world = tw.world
    issued, draft = task_issued(tw), task_draft(tw)
    other = signed_in(client, world.user(world.city_center))
    assert other.get(reverse("framework:received-detail", args=[issued.pk])).status_code == 404
    assert other.post(reverse("framework:received-acknowledge", args=[issued.pk])).status_code == 404
    assert status_of(issued) == TaskNotice.Status.ISSUED
    center = signed_in(client, tw.center_user)
    assert center.get(reverse("framework:received-detail", args=[draft.pk])).status_code == 404  # not issued


def test_a_batch_task_is_not_a_framework_page(client, tw):
    """The framework pages list framework notices only."""
    from procurement.models import Cycle, Mode
    from procurement.services import tasks as core

    batch = core.task_notice_create(mode=Mode.BATCH, finance_bureau=tw.finance, center=tw.center,
                                    category=tw.goods, year=2026, purchase_limit="x", scope="province",
                                    cycle=Cycle.QUARTERLY, actor=tw.finance_user)
    finance = signed_in(client, tw.finance_user)
    assert finance.get(reverse("framework:task-detail", args=[batch.pk])).status_code == 404
    assert list(finance.get(reverse("framework:task-list")).context["page"]) == []

"""The framework task notice API (/api/v1/framework/task-notices/): list, retrieve, create, issue, acknowledge,
withdraw and the annex 7 PDF, with the pages' rights; refusals in Chinese; another bureau's task is a 404."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement import deadlines
from procurement.models import TaskNotice
from tests.framework.tasks_data import LIMIT, task_draft, task_issued, task_world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/framework/task-notices/"
# A task is issued for a validity that has not ended: the current calendar year.
YEAR = deadlines.today().year
VALIDITY_TEXT = f"{YEAR}年1月1日至{YEAR}年12月31日"


@pytest.fixture
def tw(world):
    return task_world(world)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def body(tw, **overrides) -> dict:
    data = {"center": tw.center.pk, "category": "A02010105", "year": YEAR, "purchase_limit": LIMIT,
            "purchase_limit_yuan": "2000000.00", "scope": "province", "valid_from": f"{YEAR}-01-01",
            "valid_until": f"{YEAR}-12-31"}
    data.update(overrides)
    return data


def test_finance_creates_issues_and_the_center_acknowledges(tw):
    """Annex 7 over the API, the same steps as the pages."""
    finance = api(tw.finance_user)
    response = finance.post(BASE, body(tw), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["validity_text"], created["scope_text"]) == (
        "draft", VALIDITY_TEXT, "全省各级预算单位")
    assert created["finance_bureau"]["id"] == tw.finance.pk and created["category"]["code"] == "A02010105"
    pk = created["id"]

    response = finance.post(f"{BASE}{pk}/issue/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "issued"

    center = api(tw.center_user)
    assert [row["id"] for row in center.get(BASE).json()["results"]] == [pk]
    assert center.get(f"{BASE}{pk}/").json()["validity_text"] == VALIDITY_TEXT
    response = center.post(f"{BASE}{pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"

    pdf = finance.get(f"{BASE}{pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "filename*=utf-8''" in pdf["Content-Disposition"]


def test_annex7_a_refusal_names_the_source_and_creates_nothing(tw):
    """Annex 7 / annex 8 §五: services at most 2 years (25 months refused), answered 400 in Chinese."""
    response = api(tw.finance_user).post(BASE, body(tw, category="C23120300", valid_from=None, valid_until=None,
                                                    validity_months=25), format="json")
    assert response.status_code == 400
    assert "服务类项目框架协议有效期不得超过2年" in str(response.json()) and "附件7" in str(response.json())
    assert not TaskNotice.objects.exists()


def test_annex7_a_works_category_is_refused(tw):
    response = api(tw.finance_user).post(BASE, body(tw, category="B01010100"), format="json")
    assert response.status_code == 400 and "货物类（A）或服务类（C）" in str(response.json())


def test_an_unknown_category_is_named(tw):
    response = api(tw.finance_user).post(BASE, body(tw, category="A99999999"), format="json")
    assert response.status_code == 400 and response.json()["category"] == ["品目编码「A99999999」不存在"]


def test_the_center_cannot_create_or_issue(tw):
    task = task_draft(tw)
    center = api(tw.center_user)
    assert center.post(BASE, body(tw), format="json").status_code == 403
    assert center.post(f"{BASE}{task.pk}/issue/").status_code == 403
    assert TaskNotice.objects.get(pk=task.pk).status == TaskNotice.Status.DRAFT


def test_withdraw(tw):
    task = task_issued(tw)
    response = api(tw.finance_user).post(f"{BASE}{task.pk}/withdraw/", {"reason": "品目调整"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_another_bureaus_task_is_a_404(tw):
    """Changchun's bureau reads and moves none of the province's framework tasks; the center sees no draft."""
    world = tw.world
    draft, issued = task_draft(tw), task_issued(tw)
    other = api(world.user(world.city_finance))
    assert other.get(BASE).json()["results"] == []
    for task in (draft, issued):
        assert other.get(f"{BASE}{task.pk}/").status_code == 404
        assert other.get(f"{BASE}{task.pk}/pdf/").status_code == 404
        assert other.post(f"{BASE}{task.pk}/withdraw/").status_code == 404
    assert other.post(f"{BASE}{draft.pk}/issue/").status_code == 404
    assert api(world.user(world.city_center)).post(f"{BASE}{issued.pk}/acknowledge/").status_code == 404
    assert api(tw.center_user).get(f"{BASE}{draft.pk}/").status_code == 404
    assert TaskNotice.objects.get(pk=issued.pk).status == TaskNotice.Status.ISSUED


def test_finance_cannot_create_for_another_bureau(tw):
    world = tw.world
    response = api(tw.finance_user).post(BASE, body(tw, finance_bureau=world.city_finance.pk), format="json")
    assert response.status_code == 403
    assert not TaskNotice.objects.exists()

"""Pages of the department centralized catalog (部门集中采购目录, seed 000 三(三)(1)): the department's list, draft,
items, submission, issue and lead authorization; finance's review queue and review page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Membership
from tests.volume.factories_catalog import catalog_categories, catalog_draft, catalog_submitted
from volume.models import DepartmentCatalog

pytestmark = pytest.mark.django_db
Status = DepartmentCatalog.Status


@pytest.fixture
def categories():
    return catalog_categories()


def test_the_department_drafts_fills_and_submits_on_its_pages(world, categories):
    """Seed 000 三(三)(1): the department's pages take a catalog from draft to submission; the category search offers
    only categories outside the government centralized catalog at the lowest level."""
    client = world.client_for(world.province_unit)
    listing = client.get(reverse("volume:catalog-list"))
    assert listing.status_code == 200 and "拟定目录" in listing.content.decode()
    assert reverse("volume:catalog-list") in listing.content.decode()  # the nav entry

    response = client.post(reverse("volume:catalog-new"), {
        "department": world.province_unit.pk, "year": 2026, "title": "吉林省教育厅2026年度部门集中采购目录"})
    catalog = DepartmentCatalog.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("volume:catalog-detail", args=[catalog.pk])

    found = client.get(reverse("volume:catalog-detail", args=[catalog.pk]), {"q": "A02"}).content.decode()
    assert categories.leaf.code in found and categories.other_leaf.code in found
    assert f'value="{categories.inside.pk}"' not in found and f'value="{categories.parent.pk}"' not in found

    added = client.post(reverse("volume:catalog-item-add", args=[catalog.pk]), {
        "category": categories.leaf.pk, "special_need": "须满足实验教学标准", "q": "A02"})
    assert added.status_code == 302 and catalog.items.get().category == categories.leaf

    refused = client.post(reverse("volume:catalog-item-add", args=[catalog.pk]), {
        "category": categories.inside.pk, "special_need": "x", "q": "台式"})
    assert refused.status_code == 400 and categories.inside.code in refused.content.decode()
    assert catalog.items.count() == 1

    item = catalog.items.get()
    edited = client.post(reverse("volume:catalog-item-edit", args=[catalog.pk, item.pk]),
                         {"special_need": "须满足新课标实验教学标准", "note": ""})
    assert edited.status_code == 302
    item.refresh_from_db()
    assert item.special_need == "须满足新课标实验教学标准"

    assert client.post(reverse("volume:catalog-submit", args=[catalog.pk])).status_code == 302
    catalog.refresh_from_db()
    assert catalog.status == Status.SUBMITTED
    page = client.get(reverse("volume:catalog-detail", args=[catalog.pk])).content.decode()
    assert "待财政审核" in page and 'data-testid="catalog-item-add"' not in page


def test_finance_reviews_on_its_pages(world, categories):
    """Seed 000 三(三)(1): finance's queue lists the submitted catalog; a return without an opinion is refused on
    the page; the return and the approval are kept in the history."""
    catalog = catalog_submitted(world, items=[categories.leaf])
    client = world.client_for(world.finance)
    queue = client.get(reverse("volume:catalog-review-list")).content.decode()
    assert catalog.title in queue and "部门目录审核" in queue
    page = client.get(reverse("volume:catalog-review", args=[catalog.pk])).content.decode()
    assert "须满足实验教学标准" in page or categories.leaf.name in page
    assert 'data-testid="catalog-review-form"' in page

    refused = client.post(reverse("volume:catalog-review", args=[catalog.pk]), {"decision": "return", "opinion": ""})
    assert refused.status_code == 400 and "请填写论证意见" in refused.content.decode()
    catalog.refresh_from_db()
    assert catalog.status == Status.SUBMITTED

    returned = client.post(reverse("volume:catalog-review", args=[catalog.pk]),
                           {"decision": "return", "opinion": "请补充技术要求"})
    assert returned.status_code == 302
    catalog.refresh_from_db()
    assert catalog.status == Status.RETURNED
    history = client.get(reverse("volume:catalog-review-list"), {"tab": "all"}).content.decode()
    assert catalog.title in history
    assert catalog.title not in client.get(reverse("volume:catalog-review-list")).content.decode()
    department_page = world.client_for(world.province_unit).get(
        reverse("volume:catalog-detail", args=[catalog.pk])).content.decode()
    assert "请补充技术要求" in department_page and categories.leaf.code in department_page


def test_issue_and_authorize_on_the_department_page(world, categories):
    """Seed 000 三(三)(1): the department issues its approved catalog and authorizes a unit of its own to lead."""
    [unit] = world.units(1, supervising=world.province_unit, name="吉林省实验中学{:02d}", people=True)
    catalog = catalog_submitted(world, items=[categories.leaf])
    world.client_for(world.finance).post(reverse("volume:catalog-review", args=[catalog.pk]),
                                         {"decision": "approve", "opinion": "同意"})
    client = world.client_for(world.province_unit)
    detail = client.get(reverse("volume:catalog-detail", args=[catalog.pk])).content.decode()
    assert 'data-testid="catalog-issue"' in detail
    client.post(reverse("volume:catalog-issue", args=[catalog.pk]), {"document_number": "吉教发〔2026〕12号"})
    catalog.refresh_from_db()
    assert catalog.status == Status.ISSUED
    page = client.get(reverse("volume:catalog-detail", args=[catalog.pk])).content.decode()
    assert unit.name in page
    client.post(reverse("volume:catalog-leads", args=[catalog.pk]), {"shown": [unit.pk], "units": [unit.pk]})
    assert list(catalog.authorized_leads.all()) == [unit]
    # The bound unit reads the issued catalog, without the department's forms.
    unit_page = world.client_for(unit).get(reverse("volume:catalog-detail", args=[catalog.pk]))
    assert unit_page.status_code == 200 and "吉教发〔2026〕12号" in unit_page.content.decode()
    assert "保存授权" not in unit_page.content.decode()


def test_another_departments_catalog_is_not_found_and_finance_pages_refuse_units(world, categories):
    """Seed 000 三(三)(1): a department's catalog is its own (another unit: 404); the review pages are finance's
    (403 to a unit); the department's pages are budget units' (403 to finance)."""
    catalog = catalog_draft(world, items=[categories.leaf])
    [other_department] = world.units(1, name="吉林省卫生健康委员会{:02d}", people=True)
    other = world.client_for(other_department)
    assert other.get(reverse("volume:catalog-detail", args=[catalog.pk])).status_code == 404
    assert other.post(reverse("volume:catalog-submit", args=[catalog.pk])).status_code == 404
    assert world.client_for(world.province_unit).get(reverse("volume:catalog-review-list")).status_code == 403
    assert world.client_for(world.finance).get(reverse("volume:catalog-list")).status_code == 403
    # Finance does not see a draft that was never submitted.
    assert world.client_for(world.finance).get(reverse("volume:catalog-review", args=[catalog.pk])).status_code == 404
    # A read-only member of the department sees the catalog, not the forms.
    viewer = world.client_for(world.province_unit, role=Membership.Role.VIEWER)
    page = viewer.get(reverse("volume:catalog-detail", args=[catalog.pk]))
    assert page.status_code == 200 and 'data-testid="catalog-submit"' not in page.content.decode()


def test_empty_states_render(world):
    """The lists say in Chinese that there is nothing yet (a unit that is no department cannot draft)."""
    unit_page = world.client_for(world.prefecture_unit).get(reverse("volume:catalog-list")).content.decode()
    assert "暂无部门集中采购目录" in unit_page and reverse("volume:catalog-new") not in unit_page
    assert "不是省级主管部门" in world.client_for(world.prefecture_unit).get(
        reverse("volume:catalog-new")).content.decode()
    assert "没有待审核的部门集中采购目录" in world.client_for(world.finance).get(
        reverse("volume:catalog-review-list")).content.decode()

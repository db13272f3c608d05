"""部门集中采购目录 (seed 000 三(三)(1)): drafting, finance's review with versions and snapshots, issuing, binding the
department's own units, authorized leads. Every rule's test names its source."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from procurement.models import Membership, Notification, ProjectEvent
from procurement.services.errors import ServiceError, TransitionRefused
from tests.volume.factories_catalog import catalog_categories, catalog_draft, catalog_issued, catalog_submitted
from volume.models import CatalogReview, DepartmentCatalog
from volume.selectors import catalog as selectors
from volume.services import catalog as services

pytestmark = pytest.mark.django_db
Status = DepartmentCatalog.Status


@pytest.fixture
def categories():
    return catalog_categories()


@pytest.fixture
def own_units(world):
    """Two units whose 主管预算单位 is the world's provincial department, each with an operator."""
    return world.units(2, supervising=world.province_unit, name="吉林省教育厅直属学校{:02d}", people=True)


def test_full_path_keeps_every_version_and_snapshot(world, categories, own_units):
    """Seed 000 三(三)(1): the department drafts, finance reviews (退回修改 → revise → resubmit as a new version →
    审核通过), the department issues under its 印发文号; each review keeps the items of the version it read, and
    finance, the department and its units are told at each step."""
    clerk, finance = world.user(world.province_unit), world.user(world.finance)
    catalog = catalog_draft(world, items=[categories.leaf])
    assert catalog.status == Status.DRAFT and catalog.version == 1

    catalog = services.catalog_submit(catalog=catalog, actor=clerk)
    assert (catalog.status, catalog.version) == (Status.SUBMITTED, 1)
    assert Notification.objects.filter(recipient=finance, title__contains="第1版").exists()

    review = services.catalog_review(catalog=catalog, decision="return", opinion="请补充演示仪器的特殊需求",
                                     actor=finance)
    catalog.refresh_from_db()
    assert catalog.status == Status.RETURNED
    assert Notification.objects.filter(recipient=clerk, body__contains="请补充演示仪器的特殊需求").exists()

    services.catalog_item_add(catalog=catalog, category=categories.other_leaf, special_need="须适配多媒体教室",
                              actor=clerk)
    catalog = services.catalog_submit(catalog=catalog, actor=clerk)
    assert (catalog.status, catalog.version) == (Status.SUBMITTED, 2)
    assert Notification.objects.filter(recipient=finance, title__contains="第2版").exists()

    approval = services.catalog_review(catalog=catalog, decision="approve", opinion="合法合规，需求合理", actor=finance)
    catalog.refresh_from_db()
    assert catalog.status == Status.APPROVED

    catalog = services.catalog_issue(catalog=catalog, document_number="吉教发〔2026〕12号", actor=clerk)
    assert catalog.status == Status.ISSUED and catalog.document_number == "吉教发〔2026〕12号"
    assert catalog.issued_at is not None

    review.refresh_from_db()
    assert [r.version for r in CatalogReview.objects.filter(catalog=catalog)] == [1, 2]
    assert [row["category_code"] for row in review.items_snapshot] == [categories.leaf.code]
    assert [row["category_code"] for row in approval.items_snapshot] == [categories.leaf.code,
                                                                         categories.other_leaf.code]
    assert approval.opinion == "合法合规，需求合理" and approval.finance_bureau == world.finance
    for unit in own_units:
        assert Notification.objects.filter(recipient=world.user(unit), title__contains="吉教发〔2026〕12号").exists()
    assert not Notification.objects.filter(recipient=world.user(world.county_unit)).exists()
    actions = list(ProjectEvent.objects.filter(subject_type="departmentcatalog", subject_id=catalog.pk)
                   .order_by("created_at", "id").values_list("action", flat=True))
    assert actions == ["create", "catalog_item_add", "submit", "return_for_revision", "catalog_item_add", "submit",
                       "approve", "issue"]


def test_a_category_inside_the_government_centralized_catalog_is_refused(world, categories):
    """Seed 000 三(三)(1) with 二(三): the department catalog holds categories outside the government centralized
    catalog; the refusal names the category's code."""
    catalog = catalog_draft(world)
    with pytest.raises(ServiceError) as refused:
        services.catalog_item_add(catalog=catalog, category=categories.inside, special_need="x",
                                  actor=world.user(world.province_unit))
    assert categories.inside.code in refused.value.message and "政府集中采购目录" in refused.value.message
    assert not catalog.items.exists()


def test_a_category_above_the_lowest_level_is_refused(world, categories):
    """Seed 000 三(三)(1): the catalog's items are categories at the lowest level of the MoF catalog."""
    catalog = catalog_draft(world)
    with pytest.raises(ServiceError, match="不是最末级品目"):
        services.catalog_item_add(catalog=catalog, category=categories.parent, special_need="x",
                                  actor=world.user(world.province_unit))


def test_a_category_twice_is_refused(world, categories):
    """Seed 000 三(三)(1): a category is listed once in a department's catalog."""
    catalog = catalog_draft(world, items=[categories.leaf])
    with pytest.raises(ServiceError, match="不能重复"):
        services.catalog_item_add(catalog=catalog, category=categories.leaf, special_need="另一需求",
                                  actor=world.user(world.province_unit))


def test_the_special_need_is_required(world, categories):
    """Seed 000 三(三)(1): each item carries the department's own need (梳理归集本部门、本系统同类采购项目需求)."""
    catalog = catalog_draft(world)
    with pytest.raises(ServiceError, match="部门特殊需求"):
        services.catalog_item_add(catalog=catalog, category=categories.leaf, special_need="  ",
                                  actor=world.user(world.province_unit))


def test_an_empty_catalog_cannot_be_submitted(world):
    """Seed 000 三(三)(1): finance reviews the catalog's items; an empty catalog has nothing to review."""
    catalog = catalog_draft(world)
    with pytest.raises(ServiceError, match="至少要有一个品目"):
        services.catalog_submit(catalog=catalog, actor=world.user(world.province_unit))
    catalog.refresh_from_db()
    assert catalog.status == Status.DRAFT


def test_items_cannot_change_after_submission(world, categories):
    """Seed 000 三(三)(1): what finance reviews is what it read; edits wait for a return (退回修改)."""
    catalog = catalog_submitted(world, items=[categories.leaf])
    clerk = world.user(world.province_unit)
    item = catalog.items.get()
    with pytest.raises(TransitionRefused):
        services.catalog_item_add(catalog=catalog, category=categories.other_leaf, special_need="x", actor=clerk)
    with pytest.raises(TransitionRefused):
        services.catalog_item_update(item=item, special_need="改了", actor=clerk)
    with pytest.raises(TransitionRefused):
        services.catalog_item_remove(item=item, actor=clerk)
    item.refresh_from_db()
    assert item.special_need != "改了" and catalog.items.count() == 1


def test_only_a_provincial_department_drafts(world):
    """Seed 000 三(三)(1): 部门集中采购目录由省级主管预算单位印发 — a city unit, or a provincial unit supervised by a
    department, drafts none."""
    city = world.prefecture_unit
    with pytest.raises(ServiceError, match="不是省级主管预算单位"):
        services.catalog_create(department=city, year=2026, title="目录", actor=world.user(city))
    [supervised] = world.units(1, supervising=world.province_unit, people=True)
    with pytest.raises(ServiceError, match="不是省级主管预算单位"):
        services.catalog_create(department=supervised, year=2026, title="目录", actor=world.user(supervised))
    assert not DepartmentCatalog.objects.exists()


def test_only_the_departments_write_seats_act_for_it(world, categories):
    """Seed 000 三(三)(1): the department drafts its own catalog; another unit's clerk or a read-only member may not."""
    department = world.province_unit
    with pytest.raises(PermissionDenied):
        services.catalog_create(department=department, year=2026, title="目录", actor=world.user(world.county_unit))
    with pytest.raises(PermissionDenied):
        services.catalog_create(department=department, year=2026, title="目录",
                                actor=world.user(department, role=Membership.Role.VIEWER))
    catalog = catalog_draft(world)
    with pytest.raises(PermissionDenied):
        services.catalog_item_add(catalog=catalog, category=categories.leaf, special_need="x",
                                  actor=world.user(world.prefecture_unit))


def test_one_catalog_per_department_and_year(world):
    """Seed 000 三(三)(1): 结合年度部门预算安排 — one catalog of a department for each year."""
    catalog_draft(world, year=2026)
    with pytest.raises(ServiceError, match="每个部门每年一个目录"):
        catalog_draft(world, year=2026)
    assert catalog_draft(world, year=2027).year == 2027


def test_only_the_provincial_finance_bureau_reviews(world, categories):
    """Seed 000 三(三)(1): 省级财政部门……对部门集中采购目录的合法性、合规性和合理性进行论证 — a city bureau or a
    unit may not review."""
    catalog = catalog_submitted(world, items=[categories.leaf])
    for actor in (world.user(world.city_finance), world.user(world.province_unit)):
        with pytest.raises(PermissionDenied):
            services.catalog_review(catalog=catalog, decision="approve", opinion="", actor=actor)
    catalog.refresh_from_db()
    assert catalog.status == Status.SUBMITTED and not catalog.reviews.exists()


def test_a_return_needs_an_opinion_and_an_approval_records_one(world, categories):
    """Seed 000 三(三)(1): finance 提出论证意见; a return says what to revise."""
    catalog = catalog_submitted(world, items=[categories.leaf])
    finance = world.user(world.finance)
    with pytest.raises(ServiceError, match="论证意见"):
        services.catalog_review(catalog=catalog, decision="return", opinion=" ", actor=finance)
    assert not catalog.reviews.exists()
    review = services.catalog_review(catalog=catalog, decision="approve", opinion="同意", actor=finance)
    assert review.opinion == "同意"


def test_only_an_approved_catalog_is_issued_with_its_document_number(world, categories):
    """Seed 000 三(三)(1): the department issues (印发) the catalog finance has approved, under a document number."""
    catalog = catalog_submitted(world, items=[categories.leaf])
    clerk = world.user(world.province_unit)
    with pytest.raises(TransitionRefused):
        services.catalog_issue(catalog=catalog, document_number="吉教发〔2026〕1号", actor=clerk)
    services.catalog_review(catalog=catalog, decision="approve", opinion="", actor=world.user(world.finance))
    with pytest.raises(ServiceError, match="印发文号"):
        services.catalog_issue(catalog=catalog, document_number="", actor=clerk)
    catalog.refresh_from_db()
    assert catalog.status == Status.APPROVED


def test_the_catalog_binds_the_departments_own_units(world, categories, own_units):
    """Seed 000 三(三)(1): 在本部门、本系统内执行 — the department and the units it supervises, no one else."""
    department = world.province_unit
    assert set(selectors.department_units(department)) == {department, *own_units}
    assert selectors.department_of(own_units[0]) == department
    assert selectors.department_of(department) == department
    assert selectors.department_of(world.prefecture_unit) is None  # a city unit: no provincial department
    catalog = catalog_issued(world, items=[categories.leaf])
    assert selectors.issued_catalog(department, 2026) == catalog
    assert selectors.issued_catalog(department, 2027) is None
    assert selectors.catalog_item_for(catalog, categories.leaf).category == categories.leaf
    assert selectors.catalog_item_for(catalog, categories.other_leaf) is None
    # Only an issued catalog binds.
    draft = catalog_draft(world, year=2027, items=[categories.leaf])
    assert selectors.issued_catalog(department, 2027) is None and draft.status == Status.DRAFT


def test_the_department_or_the_unit_it_authorizes_leads(world, categories, own_units):
    """Seed 000 三(三)(1): 一般由省级部门或其授权单位作为牵头单位; a unit outside its tree cannot be authorized."""
    catalog = catalog_issued(world, items=[categories.leaf])
    clerk = world.user(world.province_unit)
    assert selectors.may_lead(world.province_unit, catalog)
    assert not selectors.may_lead(own_units[0], catalog)
    services.catalog_leads_authorize(catalog=catalog, units=[own_units[0]], actor=clerk)
    assert selectors.may_lead(own_units[0], catalog)
    assert not selectors.may_lead(own_units[1], catalog)
    with pytest.raises(ServiceError, match=r"不是.*所属单位"):
        services.catalog_leads_authorize(catalog=catalog, units=[world.prefecture_unit], actor=clerk)
    assert list(catalog.authorized_leads.all()) == [own_units[0]]
    with pytest.raises(PermissionDenied):
        services.catalog_leads_authorize(catalog=catalog, units=[], actor=world.user(own_units[0]))


def test_who_reads_a_catalog(world, categories, own_units):
    """Seed 000 三(三)(1): the department reads its drafts; finance reads what was submitted; the department's units
    read the issued catalog that binds them; another unit reads nothing."""
    draft = catalog_draft(world, year=2027, items=[categories.leaf])
    issued = catalog_issued(world, items=[categories.leaf])
    readable = lambda who: set(selectors.catalogs_readable(world.user(who)))  # noqa: E731
    assert readable(world.province_unit) == {draft, issued}
    assert readable(world.finance) == {issued}
    assert readable(own_units[0]) == {issued}
    assert readable(world.prefecture_unit) == set()
    assert readable(world.city_finance) == set()

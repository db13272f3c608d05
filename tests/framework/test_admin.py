"""The framework admin: a center operator looks things up in Chinese, within its own scope, and changes nothing
(every write goes through framework.services); sealed prices stay sealed there too (Order 110; seed 000
三(二)(3); annex 8 §十: 二次竞价 bids sealed until the order's bidding closes)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from framework.models import (
    Agreement,
    AgreementType,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    JoinRequest,
    Order,
    OrderBid,
    PlanReview,
    ProductListing,
    Removal,
    SecondStageMethod,
    SolicitationResponse,
    SubjectKind,
    Supplement,
    SurveyParticipant,
)
from procurement.models import Mode
from procurement.services.demo import center_group_ensure
from tests.factories import BudgetUnitFactory, LotFactory, ProjectFactory, SupplierFactory, member_of

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
BID_PRICE = Decimal("4321.99")
BID_SHOWN = ("4321.99", "4,321.99")
SEALED = "截止前密封"
LOOKED_UP = [FrameworkPlan, FrameworkLot, SolicitationResponse, Agreement, Removal, JoinRequest, ProductListing,
             Order, OrderBid, Supplement, FrameworkDetails]


def framework_rows(world, *, organizer, tag: str) -> dict:
    """One row of every framework table on a framework project of ``organizer``: a plan with its survey and a
    review, a lot, a response, two agreements (the second removed), a listing, a join request, a supplement, the
    execution details, and a 二次竞价 order whose bidding closes in an hour with one bid in."""
    now = timezone.now()
    project = ProjectFactory(mode=Mode.FRAMEWORK, organizer=organizer, title=f"{tag}台式计算机框架协议采购",
                             response_opens_at=now - timedelta(days=40), response_deadline=now - timedelta(days=30))
    lot = LotFactory(project=project, number=1, name=f"{tag}框架协议第1包", max_unit_price_yuan=Decimal("5000"))
    plan = FrameworkPlan.objects.create(project=project, status=FrameworkPlan.Status.FILED,
                                        agreement_type=AgreementType.CLOSED, subject_kind=SubjectKind.GOODS,
                                        valid_from=now.date() - timedelta(days=10),
                                        valid_until=now.date() + timedelta(days=300),
                                        second_stage_method=SecondStageMethod.SECONDARY_BIDDING)
    SurveyParticipant.objects.create(plan=plan, kind=SurveyParticipant.Kind.PURCHASER, name=f"{tag}调查单位")
    PlanReview.objects.create(plan=plan, version=1, decision=PlanReview.Decision.APPROVE, opinion="同意",
                              finance_bureau=world.finance)
    flot = FrameworkLot.objects.create(lot=lot, price_basis=FrameworkLot.PriceBasis.SURVEY)
    first, second = SupplierFactory(name=f"{tag}供应商甲"), SupplierFactory(name=f"{tag}供应商乙")
    response = SolicitationResponse.objects.create(lot=lot, supplier=first, price_yuan=Decimal("3000"),
                                                   status=SolicitationResponse.Status.SUBMITTED, submitted_at=now)
    agreement = Agreement.objects.create(lot=lot, supplier=first, response=response, code=f"{project.code}-XY01",
                                         price_yuan=Decimal("4500"), rank=1, status=Agreement.Status.SIGNED,
                                         signed_on=now.date())
    removed = Agreement.objects.create(lot=lot, supplier=second, code=f"{project.code}-XY02",
                                       price_yuan=Decimal("4600"), rank=2, status=Agreement.Status.TERMINATED)
    removal = Removal.objects.create(agreement=removed, ground=Removal.Ground.FALSE_MATERIALS, evidence="虚假材料",
                                     effect=Removal.Effect.TERMINATED, decided_on=now.date())
    listing = ProductListing.objects.create(agreement=agreement, name=f"{tag}台式计算机", brand="品牌甲",
                                            model_number="M-1", unit_price_yuan=Decimal("4400"),
                                            status=ProductListing.Status.APPROVED)
    join = JoinRequest.objects.create(lot=lot, supplier=SupplierFactory(name=f"{tag}申请加入的供应商"),
                                      accepts_terms=True, review_due=now.date() + timedelta(days=5))
    supplement = Supplement.objects.create(lot=lot, reason="入围供应商不足", shortlisted_count=10, remaining_count=6,
                                           response_deadline=now + timedelta(days=10))
    details = FrameworkDetails.objects.create(project=project, executing_from=now.date() - timedelta(days=10))
    order = Order.objects.create(code=f"{project.code}-DD01", lot=lot, purchaser=BudgetUnitFactory(name=f"{tag}采购人"),
                                 method=SecondStageMethod.SECONDARY_BIDDING, plan_filing_ref="BA-2026-0001",
                                 description=f"{tag}台式计算机", quantity=Decimal("2"), budget_yuan=Decimal("9000"),
                                 status=Order.Status.BIDDING, bidding_closes_at=now + timedelta(hours=1))
    bid = OrderBid.objects.create(order=order, agreement=agreement, unit_price_yuan=BID_PRICE, submitted_at=now)
    return {FrameworkPlan: plan, FrameworkLot: flot, SolicitationResponse: response, Agreement: agreement,
            Removal: removal, JoinRequest: join, ProductListing: listing, Order: order, OrderBid: bid,
            Supplement: supplement, FrameworkDetails: details, "agreements": [agreement, removed]}


def rows_of(rows: dict, model) -> set:
    """The rows of ``model`` on the project (both of its agreements; one row of every other table)."""
    return set(rows["agreements"]) if model is Agreement else {rows[model]}


def operator_of(center, username: str):
    """A center operator with staff access and the center group (how the portal lets an operator into the admin)."""
    operator = member_of(center, username=username, is_staff=True)
    operator.groups.add(center_group_ensure())
    return operator


@pytest.fixture
def ours(world):
    return framework_rows(world, organizer=world.center, tag="本中心")


@pytest.fixture
def theirs(world):
    return framework_rows(world, organizer=world.city_center, tag="其他中心")


@pytest.fixture
def operator(world):
    return operator_of(world.center, "fw_center_op")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("fw_admin_root", "root@example.gov.cn", "x")


def url(model, view: str, *args) -> str:
    return reverse(f"admin:framework_{model._meta.model_name}_{view}", args=args)


def _no_bid_price(text: str) -> None:
    for shown in BID_SHOWN:
        assert shown not in text


# --- Chinese, and within the operator's scope ------------------------------------------------------------------

@pytest.mark.parametrize("model", LOOKED_UP, ids=lambda m: m.__name__)
def test_center_operator_changelist_lists_its_own_rows_in_chinese(client, operator, ours, theirs, model):
    client.force_login(operator)

    page = client.get(url(model, "changelist"))

    assert page.status_code == 200
    assert set(page.context["cl"].result_list) == rows_of(ours, model)
    text = page.content.decode()
    assert model._meta.verbose_name_plural in text
    model_admin = admin.site._registry[model]
    for name in model_admin.list_display:
        header = label_for_field(name, model, model_admin)
        assert CJK.search(header), f"{model.__name__}.{name}: {header}"
        assert header in text
    assert str(theirs[model]) not in text


@pytest.mark.parametrize("model", LOOKED_UP, ids=lambda m: m.__name__)
def test_center_operator_opens_its_own_row_read_only_in_chinese(client, operator, ours, model):
    client.force_login(operator)

    page = client.get(url(model, "change", ours[model].pk))

    assert page.status_code == 200
    text = page.content.decode()
    assert f"查看 {model._meta.verbose_name}" in text
    assert 'name="_save"' not in text and "删除" not in text


@pytest.mark.parametrize("model", LOOKED_UP, ids=lambda m: m.__name__)
def test_another_centers_operator_sees_none_of_our_rows(client, world, ours, theirs, model):
    stranger = operator_of(world.city_center, "fw_city_center_op")
    client.force_login(stranger)

    listed = client.get(url(model, "changelist"))
    assert set(listed.context["cl"].result_list) == rows_of(theirs, model)
    assert str(ours[model]) not in listed.content.decode()

    page = client.get(url(model, "change", ours[model].pk))
    # Not found in its scope: back to the index ("does not exist"), the row never shown.
    assert page.status_code == 302 and page.url == reverse("admin:index")


def test_plan_changelist_searches_by_project_code_and_filters_by_status_and_type(client, operator, ours):
    client.force_login(operator)
    plan = ours[FrameworkPlan]

    found = client.get(url(FrameworkPlan, "changelist"), {"q": plan.project.code})
    assert list(found.context["cl"].result_list) == [plan]
    assert list(client.get(url(FrameworkPlan, "changelist"), {"q": "不存在的项目"}).context["cl"].result_list) == []
    filtered = client.get(url(FrameworkPlan, "changelist"), {"status__exact": "draft"})
    assert list(filtered.context["cl"].result_list) == []
    typed = client.get(url(FrameworkPlan, "changelist"), {"agreement_type__exact": AgreementType.CLOSED})
    assert list(typed.context["cl"].result_list) == [plan]
    text = typed.content.decode()
    assert "本中心台式计算机框架协议采购" in text and "吉林省政府采购中心" in text and "封闭式" in text


def test_agreement_changelist_searches_by_supplier_name_and_filters_by_state(client, operator, ours):
    client.force_login(operator)
    agreement = ours[Agreement]

    found = client.get(url(Agreement, "changelist"), {"q": "本中心供应商甲"})
    assert list(found.context["cl"].result_list) == [agreement]
    signed = client.get(url(Agreement, "changelist"), {"status__exact": Agreement.Status.SIGNED})
    assert list(signed.context["cl"].result_list) == [agreement]
    assert "4,500.00" in signed.content.decode()


# --- sealed: 二次竞价 bids until the order's bidding closes (annex 8 §十) -----------------------------------------

@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_annex8_s10_bid_price_sealed_in_admin_until_bidding_closes(client, request, ours, who):
    """annex 8 §十: before the closing time nobody reads a bid's price in the admin, a superuser included; after
    it the number shows."""
    client.force_login(request.getfixturevalue(who))
    bid = ours[OrderBid]

    with CaptureQueriesContext(connection) as queries:
        listed = client.get(url(OrderBid, "changelist"))
        page = client.get(url(OrderBid, "change", bid.pk))
    # The price column is not even fetched while sealed.
    assert not [q["sql"] for q in queries.captured_queries if '"framework_orderbid"."unit_price_yuan"' in q["sql"]]
    assert listed.status_code == 200 and SEALED in listed.content.decode()
    _no_bid_price(listed.content.decode())
    assert page.status_code == 200 and SEALED in page.content.decode()
    _no_bid_price(page.content.decode())
    # Neither sorted nor filtered by it: a hand-written lookup on the price is refused, the order ignored.
    assert client.get(url(OrderBid, "changelist"), {"unit_price_yuan__lt": "5000"}).status_code == 400
    assert client.get(url(OrderBid, "changelist"), {"unit_price_yuan": "4321.99"}).status_code == 400
    _no_bid_price(client.get(url(OrderBid, "changelist"), {"o": "3"}).content.decode())

    Order.objects.filter(pk=bid.order_id).update(bidding_closes_at=timezone.now() - timedelta(seconds=1))

    assert "4,321.99" in client.get(url(OrderBid, "changelist")).content.decode()
    opened = client.get(url(OrderBid, "change", bid.pk)).content.decode()
    assert "4,321.99" in opened and SEALED not in opened


def test_order110_response_price_not_filterable_in_admin_before_deadline(client, superuser, ours):
    """Order 110; seed 三(二)(3): a response's price cannot be probed with a query string on the changelist."""
    SolicitationResponse.objects.filter(pk=ours[SolicitationResponse].pk).update(price_yuan=Decimal("3000"))
    client.force_login(superuser)
    for lookup in ("price_yuan__lt", "price_yuan__gte", "price_yuan", "quality_statement__contains"):
        assert client.get(url(SolicitationResponse, "changelist"), {lookup: "3000"}).status_code == 400, lookup


# --- read only: every write goes through framework.services -------------------------------------------------------

@pytest.mark.parametrize("who", ["operator", "superuser"])
@pytest.mark.parametrize("model", LOOKED_UP, ids=lambda m: m.__name__)
def test_no_add_change_or_delete_in_the_framework_admin(client, request, ours, model, who):
    client.force_login(request.getfixturevalue(who))
    row = ours[model]
    before = model.objects.filter(pk=row.pk).values().get()

    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403
    assert client.post(url(model, "change", row.pk), {"_save": "保存"}).status_code == 403
    assert client.get(url(model, "delete", row.pk)).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    listed = client.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk],
                                                   "post": "yes"})
    assert listed.status_code in (200, 302)  # no such action: the admin says so and deletes nothing
    assert model.objects.filter(pk=row.pk).values().get() == before
    model_admin = admin.site._registry[model]
    request_ = listed.wsgi_request
    assert not model_admin.has_add_permission(request_)
    assert not model_admin.has_change_permission(request_, row)
    assert not model_admin.has_delete_permission(request_, row)


# --- the index, the names ----------------------------------------------------------------------------------

def test_admin_index_lists_the_framework_section_with_its_chinese_label(client, operator):
    client.force_login(operator)

    text = client.get(reverse("admin:index")).content.decode()

    assert "框架协议采购" in text
    for model in LOOKED_UP:
        assert model._meta.verbose_name_plural in text


def test_every_framework_table_in_the_admin_has_chinese_names():
    for model in admin.site._registry:
        if model._meta.app_label != "framework":
            continue
        assert CJK.search(str(model._meta.verbose_name)) and CJK.search(str(model._meta.verbose_name_plural))
        for field in model._meta.get_fields():
            if getattr(field, "auto_created", False) or not hasattr(field, "verbose_name"):
                continue
            assert CJK.search(str(field.verbose_name)), f"{model.__name__}.{field.name}"
    assert {m for m in admin.site._registry if m._meta.app_label == "framework"} >= set(LOOKED_UP)

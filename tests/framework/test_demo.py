"""The framework part of seed_demo (framework/demo.py): a task and its draft plan, a plan awaiting finance's review,
and a framework agreement in force with listed products, each opened by its demo login; "unit" can order at once
(issue 11); a second seed adds nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from framework import demo
from framework.models import (
    Agreement,
    FrameworkDetails,
    FrameworkPlan,
    JoinRequest,
    Order,
    ProductListing,
    SecondStageMethod,
    SolicitationResponse,
)
from framework.selectors.open_agreements import joinable_lots
from framework.selectors.orders import catalog_listings
from framework.services.orders import order_open
from procurement.models import Contract, Filing, Notification, Project, TaskNotice
from procurement.services.demo import UNIT_CODE, demo_seed

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@Test-2026"


def _user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def seeded():
    return demo_seed(password=PASSWORD)


def test_the_demo_holds_a_framework_plan_at_each_stage(seeded):
    draft, submitted = demo.plan_titled(demo.DRAFT_TITLE), demo.plan_titled(demo.SUBMITTED_TITLE)
    in_force = demo.plan_titled(demo.in_force_title())
    assert [p.status for p in (draft, submitted, in_force)] == [
        FrameworkPlan.Status.DRAFT, FrameworkPlan.Status.SUBMITTED, FrameworkPlan.Status.FILED]
    # (a) seed 三(二)(1): every plan comes from a task notice (annex 7) finance issued and the center acknowledged.
    assert {p.task.status for p in (draft, submitted, in_force)} == {TaskNotice.Status.ACKNOWLEDGED}
    # The core demo's framework draft is this plan now: one project of that title.
    assert Project.objects.filter(mode="framework", title=demo.DRAFT_TITLE).count() == 1
    # (c) the filed plan: reviewed, filed (seed 三(二)(3)), closed, direct selection, valid over the current year.
    assert in_force.reviews.filter(decision="approve").exists()
    assert Filing.objects.filter(kind=Filing.Kind.FRAMEWORK_PLAN, project=in_force.project).exists()
    assert in_force.second_stage_method == SecondStageMethod.DIRECT
    assert (in_force.valid_from.year, in_force.valid_until.year) == (demo.in_force_year(),) * 2


def test_the_agreement_in_force_was_solicited_shortlisted_signed_and_listed(seeded):
    project = demo.plan_titled(demo.in_force_title()).project
    lots = list(project.lots.order_by("number"))
    assert len(lots) == 2
    responses = SolicitationResponse.objects.filter(lot__project=project)
    assert responses.values("supplier").distinct().count() >= 5
    assert responses.filter(qualification=SolicitationResponse.Qualification.DISQUALIFIED).count() == 1
    for lot in lots:
        qualified = responses.filter(lot=lot, qualification=SolicitationResponse.Qualification.QUALIFIED).count()
        agreements = Agreement.objects.filter(lot=lot)
        # Annex 8 §九: at least 20% (and at least one) of the qualified eliminated.
        assert 0 < agreements.count() <= qualified * 0.8
        # Seed 三(二)(4): signed within 30 days of the letter, published and filed, all in the past.
        for agreement in agreements:
            assert agreement.status == Agreement.Status.SIGNED
            assert agreement.letter_sent_on <= agreement.signed_on <= agreement.sign_due
            assert agreement.published_on <= agreement.publish_due and agreement.filed_on <= agreement.filing_due
            listings = agreement.listings.filter(status=ProductListing.Status.APPROVED)
            assert listings.exists()
            assert all(listing.unit_price_yuan <= agreement.price_yuan for listing in listings)
        assert Agreement.objects.filter(lot=lot, supplier__name=demo.SUPPLIER_NAME).exists()
    details = FrameworkDetails.objects.get(project=project)
    assert details.execution_notice_id and details.shortlist_notice_id and details.solicitation_notice_id
    # "unit2" has bought once, its contract drafted.
    order = Order.objects.get(lot__project=project)
    assert order.status == Order.Status.CONTRACTED and order.contract.status == Contract.Status.DRAFT


def test_each_demo_login_opens_its_framework_pages(seeded, client):
    draft, submitted = demo.plan_titled(demo.DRAFT_TITLE), demo.plan_titled(demo.SUBMITTED_TITLE)
    in_force = demo.plan_titled(demo.in_force_title())
    mine = Agreement.objects.filter(lot__project=in_force.project, supplier__name=demo.SUPPLIER_NAME).first()
    order = Order.objects.get(lot__project=in_force.project)
    pages = {
        "finance": [reverse("framework:task-list"), reverse("framework:task-detail", args=[draft.task_id]),
                    reverse("framework:plan-review-list"), reverse("framework:plan-review", args=[submitted.pk])],
        "center": [reverse("framework:home"), reverse("framework:plan-detail", args=[draft.pk]),
                   reverse("framework:plan-detail", args=[in_force.pk]),
                   reverse("framework:solicitation-detail", args=[in_force.project_id]),
                   reverse("framework:agreement-list"), reverse("framework:agreement-detail", args=[mine.pk]),
                   reverse("framework:execution", args=[in_force.project_id])],
        "supplier": [reverse("framework:my-agreements"), reverse("framework:agreement-detail", args=[mine.pk]),
                     reverse("framework:listing-list"), reverse("framework:supplier-orders")],
        "unit": [reverse("framework:home"), reverse("framework:catalog"), reverse("framework:order-list")],
        "unit2": [reverse("framework:order-detail", args=[order.pk])],
    }
    for username, urls in pages.items():
        client.force_login(_user(username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    # The plan in draft is the center's to edit: its submit button is on the page.
    client.force_login(_user("center"))
    assert reverse("framework:plan-submit", args=[draft.pk]) in client.get(
        reverse("framework:plan-detail", args=[draft.pk])).content.decode()


def test_unit_finds_listed_products_and_orders_at_once(seeded):
    """Issue 11: a new user ("unit") can place a direct-selection order from the demo at once (seed 三(二)(6))."""
    unit = _user("unit")
    listings = list(catalog_listings(unit))
    assert len(listings) >= 8
    listing = listings[0]
    purchaser = unit.memberships.get(organization__unit_code=UNIT_CODE).organization
    order = order_open(purchaser=purchaser, lot=listing.agreement.lot, plan_filing_ref="BA2026220000101001-0001",
                       description="教学办公用台式计算机", quantity="3", budget=str(listing.unit_price_yuan * 3),
                       listing=listing, selection_reason="满足办公需求且价格最低", actor=unit)
    assert order.status == Order.Status.CONTRACTED and order.contract.buyer == purchaser


def test_the_demo_holds_an_open_agreement_in_force_to_join(seeded):
    """Issue 11 point 8 (Order 110, open agreements; annex 8 note 1): the open agreement for copy paper has no
    response deadline, two suppliers joined at the published price with listings, a third's request awaits the
    center's review (its message unread), the "supplier" login may ask to join and "unit" may order paper."""
    plan = demo.plan_titled(demo.open_title())
    assert (plan.status, plan.agreement_type, plan.join_review_working_days) == (FrameworkPlan.Status.FILED, "open", 5)
    project = plan.project
    assert project.response_deadline is None
    assert FrameworkDetails.objects.get(project=project).execution_notice_id
    lot = project.lots.get()
    joined = Agreement.objects.filter(lot=lot, status=Agreement.Status.SIGNED)
    assert {a.supplier.name for a in joined} == {name for name, _ in demo.OPEN_JOINED}
    assert all(a.price_yuan == lot.max_unit_price_yuan for a in joined)
    pending = JoinRequest.objects.get(lot=lot, status=JoinRequest.Status.PENDING)
    assert pending.supplier.name == demo.OPEN_PENDING
    center_user = _user("center")
    assert Notification.objects.filter(recipient=center_user, read_at__isnull=True,
                                       reminder__subject_type="joinrequest", reminder__subject_id=pending.pk).exists()
    assert lot in joinable_lots(_user("supplier"))
    assert {listing.agreement.lot for listing in catalog_listings(_user("unit"))} >= {lot}


def test_a_second_seed_adds_nothing(seeded):
    counts = {model: model.objects.count() for _label, model in demo.COUNTED}
    again = demo_seed(password=PASSWORD)
    assert {model: model.objects.count() for model in counts} == counts
    assert all(created == 0 for label, (_, created) in again.counts.items() if label in dict(demo.COUNTED))

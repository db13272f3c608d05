"""Where the slices meet (round 2): the shortlist's letters in the sweep (seed 三(二)(4)), the rotation order fixed
when the agreement starts (annex 8 §十), one rule for open orders and agreements in force, the project's core
status, and the project each audit event belongs to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from framework.agreement_deadlines import REMINDER_WORKING_DAYS
from framework.models import Agreement, FrameworkDetails, FrameworkPlan, SolicitationResponse
from framework.selectors import agreements as agreement_selectors
from framework.selectors import orders as order_selectors
from framework.services import agreements as agreement_services
from framework.services import orders as order_services
from framework.services import plans as plan_services
from framework.services import solicitation as solicitation_services
from procurement import deadlines
from procurement.models import Notification, Project, ProjectEvent
from procurement.services.errors import ServiceError
from procurement.services.reminders import sweep_due_deadlines
from tests.factories import ProjectFactory
from tests.framework.agreements_data import agreement_of, framework_with_agreements, pdf
from tests.framework.orders_data import executing, order_fields
from tests.framework.solicitation_data import close, filed_plan, published, responses
from tests.framework.wiring_data import status_of
from tests.volume.factories_questions import now_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]
S = Project.Status


def shortlisted(world, *, prices=("4000", "4100", "4200", "4300", "4400")):
    plan = filed_plan(world)
    project = published(plan)
    lot = project.lots.get()
    responses(lot, list(prices), qualified=True)
    close(project)
    solicitation_services.shortlist_confirm(lot=lot, actor=world.user(world.center))
    return project, lot


def test_seed_3_2_4_the_shortlist_letters_start_the_signing_deadline_in_the_real_sweep(world):
    """Seed 三(二)(4): signed within 30 days of the letter — the shortlist notice's letters are swept: the center is
    reminded before the due day and told once it has passed."""
    project, lot = shortlisted(world)
    # A validity that outlasts the signing period, so that expiry does not end the agreements first.
    FrameworkPlan.objects.filter(project=project).update(valid_from=deadlines.today(),
                                                         valid_until=deadlines.today() + timedelta(days=300))
    solicitation_services.shortlist_publish(project=project, actor=world.user(world.center))
    agreement = Agreement.objects.filter(lot=lot).order_by("rank").first()
    before = deadlines.subtract_working_days(agreement.sign_due, REMINDER_WORKING_DAYS["sign"])
    assert agreement.next_check == deadlines.start_of_day(before)
    sweep_due_deadlines(now=now_at(before))
    soon = Notification.objects.filter(organization=world.center, title__contains="签订框架协议即将到期")
    assert soon.count() == 4 and agreement.code in " ".join(soon.values_list("body", flat=True))
    sweep_due_deadlines(now=now_at(agreement.sign_due + timedelta(days=1)))
    assert Notification.objects.filter(organization=world.center, title__contains="签订框架协议已逾期").count() == 4


def test_annex8_s10_rotation_order_fixed_at_the_execution_notice_and_a_later_signer_goes_last(world):
    """Annex 8 §十: 顺序轮候 — the order is fixed when the agreement starts (the execution notice), for every lot; a
    supplier who signs afterwards takes the next position."""
    project = framework_with_agreements(world, suppliers=3)
    center = world.user(world.center)
    first, second, late = (agreement_of(project, s) for s in Agreement.objects.filter(
        lot__project=project).order_by("rank").values_list("supplier", flat=True))
    for agreement in (second, first):
        signed = agreement_services.agreement_sign(agreement=agreement, signed_on=deadlines.today(),
                                                   signed_file=pdf(), actor=center)
        listing = agreement_services.listing_create(agreement=signed, name="台式计算机", brand="品牌", model_number="M",
                                                    unit_price_yuan=signed.price_yuan,
                                                    actor=world.user(signed.supplier))
        agreement_services.listing_approve(listing=listing, actor=center)
        assert Agreement.objects.get(pk=agreement.pk).rotation_position is None
    agreement_services.execution_notice_issue(project=project, scope="全省", procedure="按协议",
                                              executing_from=deadlines.today(), actor=center)
    assert [Agreement.objects.get(pk=a.pk).rotation_position for a in (first, second)] == [1, 2]
    signed = agreement_services.agreement_sign(agreement=late, signed_on=deadlines.today(), signed_file=pdf(),
                                               actor=center)
    assert signed.rotation_position == 3


def test_seed_3_2_5_orders_open_is_one_rule_for_the_orders_stage(world):
    """Seed 三(二)(5): orders only after the execution notice, within the validity, until the agreement expires —
    the orders stage asks ``framework.selectors.agreements.orders_open`` and words its refusal."""
    run = executing(world)
    today = deadlines.today()
    assert agreement_selectors.orders_open(run.project, on=today)
    assert order_selectors.orders_open_refusal(run.project) == ""
    assert set(order_selectors.agreements_in_force(run.lot)) == set(
        agreement_selectors.agreements_in_force(run.lot, today))
    FrameworkDetails.objects.filter(project=run.project).update(expired_at=timezone.now())
    assert not agreement_selectors.orders_open(run.project, on=today)
    assert "已到期终止" in order_selectors.orders_open_refusal(run.project)
    with pytest.raises(ServiceError, match="已到期终止"):
        order_services.order_open(**order_fields(world, run, listing=run.listings[0], selection_reason="价格最低"))


def test_project_status_the_shortlist_notice_makes_it_awarded_and_expiry_completes_it(world):
    """The core status: 采购实施中 while soliciting, 已定标 from the shortlist notice, 已完成 at expiry (a framework
    step with its audit event); a draft or terminated project is not completed; another mode is refused."""
    project, _lot = shortlisted(world)
    assert status_of(project) == S.PROCURING
    solicitation_services.shortlist_publish(project=project, actor=world.user(world.center))
    assert status_of(project) == S.AWARDED
    assert ProjectEvent.objects.filter(project=project, action="record_award").exists()
    plan_services.framework_project_complete(project)
    assert status_of(project) == S.COMPLETED
    event = ProjectEvent.objects.get(project=project, action="framework_complete")
    assert (event.source, event.target) == (S.AWARDED, S.COMPLETED)
    plan_services.framework_project_complete(project)  # once
    assert ProjectEvent.objects.filter(project=project, action="framework_complete").count() == 1

    draft = filed_plan(world).project
    Project.objects.filter(pk=draft.pk).update(status=S.DRAFT)
    plan_services.framework_project_complete(draft)
    assert status_of(draft) == S.DRAFT
    with pytest.raises(ServiceError, match="不是框架协议采购项目"):
        plan_services.framework_project_complete(ProjectFactory())


def test_project_status_an_open_agreement_is_awarded_by_its_execution_notice(world):
    """An open agreement (开放式) has no shortlist notice (annex 8 note 1): the execution notice makes it 已定标."""
    project = framework_with_agreements(world, suppliers=1)
    Project.objects.filter(pk=project.pk).update(status=S.DRAFT)
    center = world.user(world.center)
    signed = agreement_services.agreement_sign(agreement=agreement_of(project, world.supplier),
                                               signed_on=deadlines.today(), signed_file=pdf(), actor=center)
    listing = agreement_services.listing_create(agreement=signed, name="台式计算机", brand="品牌", model_number="M",
                                                unit_price_yuan=signed.price_yuan, actor=world.user(world.supplier))
    agreement_services.listing_approve(listing=listing, actor=center)
    agreement_services.execution_notice_issue(project=project, scope="全省", procedure="按协议",
                                              executing_from=deadlines.today(), actor=center)
    assert status_of(project) == S.AWARDED
    assert list(ProjectEvent.objects.filter(project=project, action__in=["framework_solicit", "record_award"])
                .values_list("action", flat=True).order_by("pk")) == ["framework_solicit", "record_award"]


def test_audit_events_of_orders_agreements_and_listings_carry_their_project(world):
    """procurement.services.events.project_of: an order's, an agreement's and a listing's events are the project's."""
    run = executing(world)
    order = order_services.order_open(**order_fields(world, run, listing=run.listings[0], selection_reason="价格最低"))
    assert order.project == run.project == run.agreements[0].project == run.listings[0].project
    assert ProjectEvent.objects.filter(project=run.project, subject_type="order", subject_id=order.pk).exists()
    listing = agreement_services.listing_create(agreement=run.agreements[1], name="显示器", brand="品牌",
                                                model_number="X", unit_price_yuan="900",
                                                actor=run.supplier_users[1])
    assert ProjectEvent.objects.filter(project=run.project, subject_id=listing.pk,
                                       action="framework_listing_submit").exists()


def test_seed_3_2_3_sealed_responses_stay_out_of_the_project_log_until_the_deadline(world):
    """Seed 三(二)(3): responses are sealed until the deadline — their events name no project before it (nobody
    reading the project's log learns who responded); after it the evaluation's events are the project's."""
    project = published(filed_plan(world))
    lot = project.lots.get()
    supplier = responses(lot, ["4000"])[0].supplier
    response = solicitation_services.response_save(
        lot=lot, supplier=supplier, actor=world.user(supplier), price_yuan="3900",
        sme_size="small", qualification_file=pdf(), submit=True)
    assert response.project is None
    assert not ProjectEvent.objects.filter(project=project, subject_id=response.pk,
                                           subject_type="solicitationresponse").exists()
    close(project)
    response = SolicitationResponse.objects.get(pk=response.pk)
    assert response.project == project
    solicitation_services.response_evaluate(response=response, qualified=True, actor=world.user(world.center))
    assert ProjectEvent.objects.filter(project=project, subject_id=response.pk,
                                       action="framework_response_evaluate").exists()

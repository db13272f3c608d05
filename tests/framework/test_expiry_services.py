"""The end of a framework agreement (协议到期) and its summary result notice (成交结果汇总公告). Sources: MoF Order
No. 110 (summary notice within 10 working days of the end: ``deadlines.FRAMEWORK_SUMMARY_NOTICE``), annex 8 §五
(the validity), seed 000 三(二)(6) (no order after the end)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from framework.models import Agreement, FrameworkDetails, JoinRequest, Order, ProductListing
from framework.services import expiry
from framework.services import orders as order_services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Notification, Project, Reminder
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.reminders import sweep_due_deadlines
from tests.framework.open_data import join, lot_of, open_project, supplier_with_user
from tests.framework.orders_data import executing, order_fields

pytestmark = pytest.mark.django_db
D = Decimal


def direct(world, run, listing, quantity="2"):
    return order_services.order_open(**order_fields(world, run, listing=listing, selection_reason="满足需求",
                                                    quantity=quantity, budget="100000"))


def test_annex8_s5_order_accepted_on_the_last_day_of_validity(world):
    """annex 8 §五, seed 三(二)(6): the last day of the validity still takes orders."""
    run = executing(world, valid_until=deadlines.today())
    assert direct(world, run, run.listings[0]).status == Order.Status.CONTRACTED


def test_annex8_s5_order_refused_the_day_after_the_validity(world):
    """annex 8 §五, seed 三(二)(6): no order after the end (the day after valid_until)."""
    end = deadlines.today() - timedelta(days=1)
    run = executing(world, valid_from=end - timedelta(days=200), valid_until=end)
    with pytest.raises(ServiceError, match="到期"):
        direct(world, run, run.listings[0])
    assert not Order.objects.exists()


def test_order110_expiry_sweep_ends_every_live_agreement_the_day_after_valid_until(world):
    """The sweep at the start of the day after valid_until: agreements expired (ended on their last day), listings
    delisted, expired_at recorded, summary_due = valid_until + 10 working days, the project completed, the center
    told."""
    end = deadlines.today()
    run = executing(world, valid_until=end)
    on_last_day = deadlines.start_of_day(end) + timedelta(hours=23, minutes=59)
    sweep_due_deadlines(now=on_last_day)
    assert FrameworkDetails.objects.get(project=run.project).expired_at is None
    next_day = deadlines.start_of_day(end + timedelta(days=1))
    sweep_due_deadlines(now=next_day)
    details = FrameworkDetails.objects.get(project=run.project)
    assert details.expired_at == next_day
    assert details.summary_due == deadlines.due_date(end, deadlines.FRAMEWORK_SUMMARY_NOTICE)
    assert set(Agreement.objects.filter(lot=run.lot).values_list("status", flat=True)) == {Agreement.Status.EXPIRED}
    assert set(Agreement.objects.filter(lot=run.lot).values_list("ended_on", flat=True)) == {end}
    assert not ProductListing.objects.filter(agreement__lot=run.lot, status=ProductListing.Status.APPROVED).exists()
    assert Notification.objects.filter(title__startswith="框架协议已到期").exists()
    # The agreements have ended: the core project is complete (已完成), its step in the audit log.
    run.project.refresh_from_db()
    assert run.project.status == Project.Status.COMPLETED
    # Once only.
    sweep_due_deadlines(now=next_day + timedelta(hours=1))
    assert FrameworkDetails.objects.get(project=run.project).expired_at == next_day


def test_order110_expiry_is_refused_before_the_end(world):
    run = executing(world, valid_until=deadlines.today())
    with pytest.raises(TransitionRefused, match="尚未届满"):
        expiry.project_expire(project=run.project)


def test_order110_expiry_declines_pending_requests_to_join(world):
    end = deadlines.today()
    project = open_project(world, valid_until=end)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    expiry.project_expire(project=project, now=deadlines.start_of_day(end + timedelta(days=1)))
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.REJECTED and "有效期已届满" in request.review_note


def test_order110_summary_notice_lists_per_lot_the_orders_per_supplier_and_totals(world):
    """成交结果汇总公告 (Order 110): per lot each awarded supplier, its count and amount, the lot's and the total."""
    end = deadlines.today()
    run = executing(world, valid_until=end)
    direct(world, run, run.listings[0], quantity="2")  # A: 2 × 1000
    direct(world, run, run.listings[0], quantity="1")  # A: 1 × 1000
    direct(world, run, run.listings[1], quantity="3")  # B: 3 × 1100
    center = world.user(world.center)
    with pytest.raises(TransitionRefused, match="尚未到期"):
        expiry.summary_notice_publish(project=run.project, actor=center)
    expiry.project_expire(project=run.project, now=deadlines.start_of_day(end + timedelta(days=1)))
    with pytest.raises(PermissionDenied):
        expiry.summary_notice_publish(project=run.project, actor=run.supplier_users[0])
    details = expiry.summary_notice_publish(project=run.project, actor=center)
    notice = details.summary_notice
    assert notice.type == Notice.Type.AWARD_SUMMARY and notice.project == run.project
    assert "供应商A有限公司" in notice.body and "供应商B有限公司" in notice.body
    rows = expiry.summary_rows(run.project)
    [lot_row] = rows
    by_name = {s["supplier"]: (s["count"], s["amount"]) for s in lot_row["suppliers"]}
    assert by_name == {"供应商A有限公司": (2, D("3000.00")), "供应商B有限公司": (1, D("3300.00"))}
    assert (lot_row["count"], lot_row["amount"]) == (3, D("6300.00"))
    assert "合计：成交3笔" in notice.body
    with pytest.raises(TransitionRefused, match="不能重复发布"):
        expiry.summary_notice_publish(project=run.project, actor=center)


def test_order110_summary_notice_reminded_before_due_and_flagged_overdue(world):
    """FRAMEWORK_SUMMARY_NOTICE: reminder a few working days before summary_due, overdue the day after."""
    end = deadlines.today()
    run = executing(world, valid_until=end)
    sweep_due_deadlines(now=deadlines.start_of_day(end + timedelta(days=1)))
    details = FrameworkDetails.objects.get(project=run.project)
    due = details.summary_due
    sweep_due_deadlines(now=deadlines.start_of_day(due))
    assert Reminder.objects.filter(key__startswith=f"framework_summary:{details.pk}:due_soon").exists()
    assert not Reminder.objects.filter(key__startswith=f"framework_summary:{details.pk}:overdue").exists()
    sweep_due_deadlines(now=deadlines.start_of_day(due + timedelta(days=1)))
    assert Reminder.objects.filter(key__startswith=f"framework_summary:{details.pk}:overdue").exists()
    assert expiry.summary_overdue(FrameworkDetails.objects.get(pk=details.pk), today=due + timedelta(days=1))

"""The closing time of a 二次竞价 order, tracked by the sweep (``procurement.services.reminders``) and registered
through ``FrameworkPlugin.deadline_sources``: when the bids close, the order is awarded to the lowest bid by the
plan's tie-break rule (annex 8 §十; ``framework.services.orders.order_award``). With no bid the purchaser is told
and the order waits for it to cancel; the sweep does not come back to it."""

from __future__ import annotations

from datetime import datetime

from django.db import models, transaction

from framework.models import Order
from procurement import access
from procurement.services.errors import ServiceError
from procurement.services.reminders import DeadlineSource, Milestone


class OrderBiddingDeadlines(DeadlineSource):
    """A 二次竞价 order whose bids close at ``bidding_closes_at``."""

    name = "framework_order_bidding"
    model = Order

    def queryset(self) -> models.QuerySet:
        return Order.objects.filter(status=Order.Status.BIDDING)

    def act(self, order: Order, *, now: datetime) -> Order:
        from framework.services.orders import order_award

        if order.bidding_closes_at is None or now < order.bidding_closes_at:
            return order
        try:
            with transaction.atomic():
                return order_award(order=order, actor=access.SYSTEM, now=now)
        except ServiceError:  # no bid: the purchaser has been told; nothing more for the sweep to do
            order.refresh_from_db()
            return order

    def milestones(self, order: Order) -> list[Milestone]:
        return []

    def next_check(self, order: Order, *, now: datetime | None = None) -> datetime | None:
        if order.status == Order.Status.BIDDING and order.bidding_closes_at and (now is None or
                                                                               now < order.bidding_closes_at):
            return order.bidding_closes_at
        return None


ORDER_BIDDING_DEADLINES = OrderBiddingDeadlines()

"""Reads about the signed-in user (the organizations they act for) and about sign-ins."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from procurement import access
from procurement.models import Organization


def acting_organizations(user) -> list[Organization]:
    """The organizations of the user's active seats, in membership order (the first chooses the home)."""
    ids = [seat.organization_id for seat in access.seats(user)]
    if not ids:
        return []
    found = Organization.objects.select_related("region").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def sign_in_unlocks_at(request, credentials) -> datetime:
    """When a sign-in that django-axes locked out may be tried again: the cool-off after the last counted
    failure of the same username from the same address (failures during the lock are not counted)."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_cool_off

    latest = None
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        last = attempts.aggregate(last=Max("attempt_time"))["last"]
        if last is not None and (latest is None or last > latest):
            latest = last
    return (latest or timezone.now()) + get_cool_off(request)

"""Reads about the signed-in user: the organizations they act for."""

from __future__ import annotations

from procurement import access
from procurement.models import Organization


def acting_organizations(user) -> list[Organization]:
    """The organizations of the user's active seats, in membership order (the first chooses the home)."""
    ids = [seat.organization_id for seat in access.seats(user)]
    if not ids:
        return []
    found = Organization.objects.select_related("region").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]

"""Who may call an API action: the same door as the page that shows or offers the same thing (issue 8 point 4).

A page names the organizations it serves with ``kind_required(*kinds)`` (procurement.views.common). The viewset
doing the same thing declares the same kinds, from the same constant of the domain module, per action in
``seats_required`` (``default_seats_required`` for its other actions), and ``SeatRequired`` asks
``access.has_seat`` before the object is looked up or the body is read: whoever the page refuses hears 403 with a
Chinese ``detail``, whatever they sent and whatever state the object is in. The object itself is then looked up
through the page's selector (404 outside it). A superuser, whose pages are the admin's, passes; the services still
check every right.
"""

from __future__ import annotations

from typing import NamedTuple

from rest_framework.permissions import IsAuthenticated

from procurement import access

FORBIDDEN_KIND = "您所在的机构无权使用该接口"


class Seats(NamedTuple):
    """The kinds of organization an action serves, and what the others are told."""

    kinds: tuple[str, ...]
    refusal: str = FORBIDDEN_KIND


class SeatRequired(IsAuthenticated):
    message = FORBIDDEN_KIND

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False  # 401: not signed in
        seats = getattr(view, "seats_required", {}).get(view.action, getattr(view, "default_seats_required", None))
        if seats is None or access.is_superuser(request.user) or access.has_seat(request.user, *seats.kinds):
            return True
        self.message = seats.refusal
        return False

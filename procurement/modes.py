"""What a mode tells the shared core about itself, registered from the mode's ``AppConfig.ready()``.

The core never imports a mode app (imports run one way: mode → core). Where a core message must link to a
mode's own page, the mode registers how to build that link here; without one the message has no link.
"""

from __future__ import annotations

from collections.abc import Callable

_organizer_lot_pages: dict[str, Callable[[object], str]] = {}


def register_organizer_lot_page(mode: str, url_of: Callable[[object], str]) -> None:
    """``url_of(lot)`` is the organizer's page of one lot of a ``mode`` project (its sub-plans, for the center)."""
    _organizer_lot_pages[mode] = url_of


def organizer_lot_page(lot) -> str:
    """The organizer's page of ``lot``, or "" when its mode registered none."""
    url_of = _organizer_lot_pages.get(lot.project.mode)
    return url_of(lot) if url_of else ""

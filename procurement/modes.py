"""What a mode tells the shared core about itself, registered from the mode's ``AppConfig.ready()``.

The core never imports a mode app (imports run one way: mode → core). A mode subclasses ``ModePlugin``,
overrides what is its own (its wording as templates, its extra rules, its pages, its navigation) and
registers one instance with ``register_mode``; the core asks ``mode_plugin(mode)`` and gets the registered
plugin, or the neutral ``ModePlugin`` (core wording, no extra rule, no link) for a mode that registered none.

Every hook below has a neutral default, so a mode overrides only what differs. Add a hook here (with its
default and one line on when the core calls it) rather than testing ``project.mode`` in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class SubPlanRules:
    """What a mode allows its units to do with sub-plans (分计划), asked by ``procurement.services.sub_plans``.

    Every allowance holds only while the response window is open (after the deadline nothing can be filed,
    revised or withdrawn, whatever the mode). The neutral rules are batch's: file, revise and withdraw until
    the deadline. A mode without sub-plans (a framework second-stage order) says ``has_sub_plans=False``.
    """

    has_sub_plans: bool = True
    may_file: bool = True
    may_revise: bool = True
    may_withdraw: bool = True


class ModePlugin:
    """The neutral plugin: the core's own wording and rules, no mode-specific page."""

    #: ``procurement.models.Mode`` value this plugin serves ("" for the neutral plugin).
    mode: str = ""

    # --- links from core pages and messages to the mode's own pages --------------------------------
    def organizer_lot_page(self, lot) -> str:
        """The organizer's page of one lot of a project of this mode (its sub-plans), or ""."""
        return ""

    # --- collection: response window, sub-plans, master plan (issue 9 point 1 B, point 2) -----------------
    def organizer_project_page(self, project) -> str:
        """The organizer's page of a project of this mode (where the core's collection pages and messages send
        the center back to), or "" for the core's own master-plan page."""
        return ""

    def collection_scope(self) -> Q:
        """Which projects of this mode the core's response-window schedule (``collection_deadlines``) runs,
        as a filter on ``Project``; the neutral scope is every project of the mode."""
        return Q()

    def sub_plan_rules(self, project) -> SubPlanRules:
        """What units may do with their sub-plans of ``project`` while its window is open."""
        return SubPlanRules()

    def response_deadline_extended(self, project, *, old_deadline, new_deadline, reason: str, at,
                                   actor) -> dict[str, Any]:
        """Called inside ``response_deadline_extend`` once the deadline has moved: the mode publishes what the
        extension corrects (batch: a 更正公告 of its solicitation notice) and returns the notices' ids as
        ``corrected_notice_id`` and ``correction_notice_id`` (none by default: nothing public to correct)."""
        return {}

    def master_plan_confirmed(self, project, *, at) -> dict[str, Any]:
        """Called inside ``master_plan_confirm`` on the locked project: the mode records the confirmation on its
        own data and returns what it changed, for the audit log."""
        return {}

    # --- wording: templates, never strings in services ----------------------------------------------
    #: Overrides of the core's wording templates, by the core template's name
    #: (e.g. {"notices/award_notice.txt": "batch/notices/award_notice.txt"}).
    templates: dict[str, str] = {}

    def template(self, name: str) -> list[str]:
        """Candidate templates for ``name``: the mode's override first, then the core's own."""
        override = self.templates.get(name)
        return [override, name] if override else [name]


_plugins: dict[str, ModePlugin] = {}
NEUTRAL = ModePlugin()


def register_mode(plugin: ModePlugin) -> ModePlugin:
    """Register ``plugin`` for its mode (one per mode; a later registration replaces an earlier one)."""
    _plugins[plugin.mode] = plugin
    return plugin


def mode_plugin(mode: str) -> ModePlugin:
    """The plugin registered for ``mode``, or the neutral one."""
    return _plugins.get(mode, NEUTRAL)


def registered_plugins() -> list[ModePlugin]:
    """Every registered plugin, in registration order."""
    return list(_plugins.values())


# --- compatibility: the first hook, kept until its callers move to the plugin ------------------------
_organizer_lot_pages: dict[str, Callable[[object], str]] = {}


def register_organizer_lot_page(mode: str, url_of: Callable[[object], str]) -> None:
    """``url_of(lot)`` is the organizer's page of one lot of a ``mode`` project (its sub-plans, for the center)."""
    _organizer_lot_pages[mode] = url_of


def organizer_lot_page(lot) -> str:
    """The organizer's page of ``lot``, or "" when its mode registered none."""
    url_of = _organizer_lot_pages.get(lot.project.mode)
    if url_of:
        return url_of(lot)
    return mode_plugin(lot.project.mode).organizer_lot_page(lot)

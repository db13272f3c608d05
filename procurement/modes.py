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


class ModePlugin:
    """The neutral plugin: the core's own wording and rules, no mode-specific page."""

    #: ``procurement.models.Mode`` value this plugin serves ("" for the neutral plugin).
    mode: str = ""

    # --- links from core pages and messages to the mode's own pages --------------------------------
    def organizer_lot_page(self, lot) -> str:
        """The organizer's page of one lot of a project of this mode (its sub-plans), or ""."""
        return ""

    # --- wording: templates, never strings in services ----------------------------------------------
    #: Overrides of the core's wording templates, by the core template's name
    #: (e.g. {"notices/award_notice.txt": "batch/notices/award_notice.txt"}).
    templates: dict[str, str] = {}

    def template(self, name: str) -> list[str]:
        """Candidate templates for ``name``: the mode's override first, then the core's own."""
        override = self.templates.get(name)
        return [override, name] if override else [name]

    # --- task notices (采购任务通知单: batch annex 5, framework annex 7) ---------------------------------
    # The core drafts, issues, acknowledges and withdraws every mode's task notice
    # (procurement.services.tasks); a mode adds its own rules, pages and wording here.
    def task_notice_extra_checks(self, values: dict, *, issuing: bool = False) -> None:
        """Raise ``ServiceError`` (naming the field) for a task notice the core accepts but this mode does not.

        ``values`` are the cleaned fields (center, category, year, purchase_limit, purchase_limit_yuan, scope,
        cycle, valid_from, valid_until, validity_months, basis, document_number), called when a notice is
        drafted or revised, and again with ``issuing=True`` when it is issued (the catalog may have changed).
        """

    def task_notice_withdraw_check(self, task) -> None:
        """Raise ``ServiceError`` when something of this mode rests on ``task`` and it may not be withdrawn."""

    def task_notice_page(self, task, *, audience: str) -> str:
        """The page of ``task`` for its ``"drafter"`` (the finance bureau) or ``"receiver"`` (the center), or ""."""
        return ""


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

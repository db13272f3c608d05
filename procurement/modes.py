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

    # --- execution (实施采购 → 定标 → 统采分签, procurement.services.execution) ---------------------------
    # Wording: ``execution/wording/award_notice.txt``, ``termination_notice.txt``, ``supplier_awarded.txt`` and
    # ``supplier_contracts.txt`` may be overridden through ``templates`` above.
    def procurement_methods(self, project) -> list[str]:
        """The procurement methods (``ProcurementMethod`` values) a project of this mode may start with; the core
        calls it in ``procurement_start`` and for the method choices of its page, API and admin. Default: every
        statutory method (《政府采购法》第二十六条) and the framework solicitation."""
        from procurement.models import ProcurementMethod

        return list(ProcurementMethod.values)


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

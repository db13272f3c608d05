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

    # --- access policy: who else reads this mode's projects (procurement.access) -------------------
    def readable_projects(self, user):
        """A ``Q`` over ``Project``: the projects of this mode ``user`` reads beyond the core's rule, or None.

        Called by ``procurement.access.projects_readable`` (every list, page, admin and API of projects), which
        limits the answer to this mode's projects and ORs it with the core's rule (organizer, entrusted agency,
        eligible units, suppliers with an award, finance of the region). Framework: a shortlisted supplier reads
        the projects of its agreements and orders. Batch needs nothing beyond the core's rule.
        """
        return None


    # --- audit: the mode's own actions ---------------------------------------------------------------
    #: Actions of the mode's own writes and transitions (value → Chinese label), recorded in the audit log
    #: beside the core's ``EventAction``; the log refuses any action neither declares.
    event_actions: dict[str, str] = {}


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


def event_action_labels() -> dict[str, str]:
    """The actions the registered modes declare (value → label)."""
    labels: dict[str, str] = {}
    for plugin in _plugins.values():
        labels.update(plugin.event_actions)
    return labels


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

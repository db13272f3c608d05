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

    # --- navigation, home panels, badge colours, deadline sources (issue 9 point 6; see the section below) ---
    #: Links of the mode's pages in the top navigation (``NavEntry``).
    nav_entries: tuple[NavEntry, ...] = ()
    #: Sections the mode adds to the role homes (``HomePanel``).
    home_panels: tuple[HomePanel, ...] = ()
    #: Bootstrap colour of each of the mode's own status values (its models' choices), for ``status_badge``.
    badge_colours: dict[str, str] = {}

    def deadline_sources(self) -> list:
        """The mode's deadline sources (``procurement.services.reminders.DeadlineSource`` instances):
        ``register_mode`` adds each to the deadline sweep, in this order."""
        return []

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

    def task_notice_pages(self):
        """What the mode's task notice pages and API add to the core's (``procurement.views.task_pages``): its form
        fields, help texts, wording templates, detail extras and PDF, as a ``TaskNoticePages``. Default: the neutral
        one (core wording, no mode field)."""
        from procurement.views.task_pages import NEUTRAL

        return NEUTRAL

    # --- execution (实施采购 → 定标 → 统采分签, procurement.services.execution) ---------------------------
    # Wording: ``execution/wording/award_notice.txt``, ``termination_notice.txt``, ``supplier_awarded.txt`` and
    # ``supplier_contracts.txt`` may be overridden through ``templates`` above.
    def procurement_methods(self, project) -> list[str]:
        """The procurement methods (``ProcurementMethod`` values) a project of this mode may start with; the core
        calls it in ``procurement_start`` and for the method choices of its page, API and admin. Default: every
        statutory method (《政府采购法》第二十六条) and the framework solicitation."""
        from procurement.models import ProcurementMethod

        return list(ProcurementMethod.values)

    # --- volume execution slice (issue 10 points 4, 7, 8): result confirmation, 统采分签 grouping, no refusal ----
    def contracts_generate_refusal(self, project) -> str:
        """Why ``contracts_generate`` may not make ``project``'s contracts yet (a Chinese sentence), or "" (neutral:
        once the project is awarded, nothing more is awaited). Volume: the lead has not confirmed the result."""
        return ""

    def contract_grouping(self, project) -> str:
        """How ``contracts_generate`` groups the frozen sub-plans into contracts: ``"sub_plan"`` (neutral, batch: one
        contract per sub-plan) or ``"buyer_supplier"`` (one contract per buying unit and winning supplier, one line
        per item at its award price: a volume participant signs one contract with each supplier)."""
        return "sub_plan"

    def contract_terminate_refusal(self, contract, actor) -> str:
        """Why ``contract_terminate`` refuses ``actor`` ending ``contract`` (a Chinese sentence naming its source), or
        "" (neutral). Volume: a participant may not refuse to sign its contract (吉财采购〔2024〕753号 四(三))."""
        return ""

    # --- responses slice (issue 10 point 3): a mode whose invited units answer with their own document -------
    def answered_units(self, project):
        """The ids of the units that have answered ``project``'s invitation (a queryset of ``unit_id`` values),
        or None for the core's rule (a unit with a counted sub-plan). Asked by
        ``procurement.selectors.collection`` (``answered_unit_ids``, ``unanswered_units``, ``response_of``), so
        the window's reminders skip a unit whose answer is not a sub-plan (volume: a decline with a reason)."""
        return None

    #: The label of the unit home's button that leads to where a unit answers a project of this mode.
    unit_answer_label: str = "填报分计划"

    def unit_response_page(self, project) -> str:
        """The page where an invited unit answers ``project`` (the link of the window's messages, where the
        core's filing page sends the unit), or "" for the core's ``unit-sub-plan-file``."""
        return ""


_plugins: dict[str, ModePlugin] = {}
NEUTRAL = ModePlugin()


def register_mode(plugin: ModePlugin) -> ModePlugin:
    """Register ``plugin`` for its mode (one per mode; a later registration replaces an earlier one)."""
    _plugins[plugin.mode] = plugin
    _register_deadline_sources(plugin)
    return plugin


def wording_render(mode: str, name: str, context: dict) -> str:
    """The text of template ``name`` as ``mode`` words it (the mode's override, else the core's); the template's
    line breaks are the text's, its final newline is not."""
    from django.template.loader import render_to_string

    return render_to_string(mode_plugin(mode).template(name), context).strip("\n")


def message_render(mode: str, name: str, context: dict) -> tuple[str, str]:
    """A message template as ``mode`` words it: its first line is the title, the lines after it join into the
    body (a long sentence may be wrapped in the file)."""
    title, _, body = wording_render(mode, name, context).strip().partition("\n")
    return title.strip(), "".join(line.strip() for line in body.splitlines())


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


# --- navigation, home-page panels, status badges and deadline sources (issue 9 point 6) --------------
# A mode's pages join the portal's top navigation, its panels join the role homes, its own status values
# get their badge colour and its deadline sources join the sweep, all from its plugin: base.html and the
# home templates name no mode URL, the badge table lists no mode status, and no mode module registers a
# deadline source behind the core's back. The core's own entries live in ``procurement.navigation``.


@dataclass(frozen=True)
class NavEntry:
    """One link of the top navigation (主导航).

    ``url_name`` is the URL name the link goes to, or a function of the signed-in user's summary
    (``portal_user``: kind, organizations, home URL name) for a link that differs by user (我的工作台).
    ``active`` lists the URL names on whose pages the link is highlighted. ``kinds`` are the
    ``Organization.Kind`` values whose users see it (the user's primary kind; empty: every signed-in
    user). ``public`` links show to everybody, signed in or not; ``staff`` links only to
    staff users. Links are shown by ``order``, then in registration order.
    """

    label: str
    url_name: str | Callable[[dict], str]
    active: tuple[str, ...] = ()
    order: int = 100
    kinds: tuple[str, ...] = ()
    public: bool = False
    staff: bool = False

    def shown_to(self, me: dict | None, user) -> bool:
        """Whether the navigation of ``user`` (``me``: their summary, None when signed out) shows this link."""
        if self.public:
            return True
        if me is None:
            return False
        if self.staff and not getattr(user, "is_staff", False):
            return False
        return not self.kinds or me.get("kind") in self.kinds

    def url_name_for(self, me: dict | None) -> str:
        return self.url_name(me or {}) if callable(self.url_name) else self.url_name


@dataclass(frozen=True)
class HomePanel:
    """A section a mode adds to a role's home page (工作台): ``template`` rendered with the page's context
    and what ``context(request)`` returns, on the homes of ``kinds`` (``Organization.Kind`` values; the
    center's home, which agencies share, is "center"), after the core's own sections, by ``order``."""

    template: str
    kinds: tuple[str, ...]
    context: Callable[[object], dict] | None = None
    order: int = 100


def _register_deadline_sources(plugin: ModePlugin) -> None:
    from procurement.services.reminders import register_deadline_source

    for source in plugin.deadline_sources():
        register_deadline_source(source)


def plugin_nav_entries() -> list[NavEntry]:
    """Every registered mode's navigation links, in registration order (``procurement.navigation`` sorts)."""
    return [entry for plugin in registered_plugins() for entry in plugin.nav_entries]


def plugin_home_panels(kind: str) -> list[HomePanel]:
    """The sections the registered modes add to the home of ``kind``, by ``order``."""
    panels = [panel for plugin in registered_plugins() for panel in plugin.home_panels if kind in panel.kinds]
    return sorted(panels, key=lambda panel: panel.order)


def plugin_badge_colour(value: str) -> str:
    """The badge colour a registered mode gives its own status ``value``, or ""."""
    for plugin in registered_plugins():
        colour = plugin.badge_colours.get(value)
        if colour:
            return colour
    return ""

"""The top navigation (主导航) and the mode sections of the role homes, built from the core's own entries and
what each mode registers (``procurement.modes``): ``base.html`` names no mode's URL.

The core's links are declared here; a mode's come from its plugin's ``nav_entries``. Both are shown by
``order`` (the core's first, the mode's pages between the core's and the admin link).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from procurement.modes import NavEntry, plugin_home_panels, plugin_nav_entries

WORKBENCH_PAGES = ("finance-home", "center-home", "unit-home", "supplier-home", "workbench")

CORE_NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("首页", "portal-home", active=("portal-home",), order=10, public=True),
    NavEntry("公告公示", "notices:list", active=("notices:list", "notices:detail"), order=20, public=True),
    NavEntry("我的工作台", lambda me: me["home_url_name"], active=WORKBENCH_PAGES, order=30),
    NavEntry("我的分计划", "unit-sub-plan-list", order=40, kinds=("budget_unit",),
             active=("unit-sub-plan-list", "unit-sub-plan-detail", "unit-sub-plan-edit", "unit-sub-plan-file")),
    NavEntry("我的合同", "unit-contract-list", order=50, kinds=("budget_unit",),
             active=("unit-contract-list", "unit-contract-detail")),
    NavEntry("我的合同", "supplier-contract-list", order=50, kinds=("supplier",),
             active=("supplier-contract-list", "supplier-contract-detail")),
    # The modes' pages come between (order 100–999).
    # An agency runs the procurement steps entrusted to it (access.ENTRUSTED_STEPS), whatever the mode.
    NavEntry("受托项目执行", "award-project-list", active=("award-project-list", "award-project"), order=60,
             kinds=("agency",)),
    NavEntry("管理后台", "admin:index", order=1000, staff=True),
)


@dataclass(frozen=True)
class NavLink:
    """One rendered link of the top navigation."""

    label: str
    url: str
    active: bool


def nav_entries() -> list[NavEntry]:
    """The core's links and every registered mode's, by ``order`` (ties keep the core's first)."""
    return sorted([*CORE_NAV_ENTRIES, *plugin_nav_entries()], key=lambda entry: entry.order)


def nav_links(request, me: dict | None) -> list[NavLink]:
    """The links ``request``'s user sees (``me``: ``portal_user``'s summary, None when signed out), the one of
    the current page marked active."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else None
    return [
        NavLink(entry.label, reverse(entry.url_name_for(me)), current is not None and current in entry.active)
        for entry in nav_entries()
        if entry.shown_to(me, user)
    ]


def home_panels_html(request, kind: str, context: dict) -> str:
    """The sections the registered modes add to the home of ``kind`` (``Organization.Kind``), rendered."""
    parts = []
    for panel in plugin_home_panels(kind):
        extra = panel.context(request) if panel.context else {}
        parts.append(render_to_string(panel.template, {**context, **extra}, request=request))
    return "".join(parts)

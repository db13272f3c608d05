"""A mode plugs into the core without editing it (issue 9 point 6): navigation links, home-page sections,
status badge colours and deadline sources all come from its ``ModePlugin``; core templates name no mode URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory

from procurement import modes
from procurement.models import Contract, Organization
from procurement.navigation import CORE_NAV_ENTRIES
from procurement.services import reminders
from tests.factories import FinanceFactory, SupplierFactory, member_of

MODE_APPS = ("batch", "volume", "framework")
TEMPLATES = Path(settings.BASE_DIR) / "templates"


class TrialSource(reminders.DeadlineSource):
    name = "trial_mode_source"
    model = Contract

    def milestones(self, obj):
        return []


class TrialPlugin(modes.ModePlugin):
    mode = "trial"
    nav_entries = (
        modes.NavEntry("试点台账", "message-list", active=("message-list",), order=500,
                       kinds=(Organization.Kind.FINANCE,)),
    )
    home_panels = (
        modes.HomePanel("includes/empty.html", kinds=(Organization.Kind.FINANCE,),
                        context=lambda request: {"text": "试点模式的首页栏目"}),
    )
    badge_colours = {"trial_status": "info"}

    def deadline_sources(self) -> list:
        return [TrialSource()]


@pytest.fixture
def trial_plugin():
    plugin = modes.register_mode(TrialPlugin())
    yield plugin
    modes._plugins.pop(plugin.mode, None)
    reminders._sources.pop(TrialSource.name, None)


def test_no_core_template_names_a_mode_url():
    mode_url = re.compile(r"""\{%\s*(url|nav_active)\b[^%]*['"](""" + "|".join(MODE_APPS) + "):")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in MODE_APPS
        and not (path.relative_to(TEMPLATES).parts[0] == "admin" and path.relative_to(TEMPLATES).parts[1] in MODE_APPS)
        and mode_url.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_core_navigation_names_no_mode_url():
    assert not [e for e in CORE_NAV_ENTRIES if isinstance(e.url_name, str) and e.url_name.split(":")[0] in MODE_APPS]


@pytest.mark.django_db
def test_a_registered_plugin_adds_its_link_its_home_section_and_its_badge_colour(client, trial_plugin):
    client.force_login(member_of(FinanceFactory()))
    page = client.get("/finance/").content.decode()
    assert '<a class="nav-link" href="/messages/">试点台账</a>' in page
    assert "试点模式的首页栏目" in page
    # Ordered: after every core link but the admin's, so after 我的工作台.
    assert page.index("我的工作台</a>") < page.index("试点台账")
    # The link is active on the pages it names.
    assert '<a class="nav-link active" href="/messages/">试点台账</a>' in client.get("/messages/").content.decode()

    row = type("Row", (), {"status": "trial_status"})()
    assert "text-bg-info" in Template("{% load portal %}{% status_badge row %}").render(Context({"row": row}))


@pytest.mark.django_db
def test_a_plugin_link_is_shown_only_to_its_kinds(client, trial_plugin):
    client.force_login(member_of(SupplierFactory()))
    page = client.get("/supplier/").content.decode()
    assert "试点台账" not in page
    assert "试点模式的首页栏目" not in page


def test_a_plugin_deadline_sources_join_the_sweep_when_it_registers(trial_plugin):
    assert TrialSource.name in [source.name for source in reminders.deadline_sources()]
    # register_deadline_source itself keeps working for whoever calls it.
    assert reminders.register_deadline_source(TrialSource()).name == TrialSource.name


def test_the_neutral_plugin_adds_nothing():
    neutral = modes.mode_plugin("no-such-mode")
    assert (neutral.nav_entries, neutral.home_panels, neutral.badge_colours, neutral.deadline_sources()) == (
        (), (), {}, [])
    assert modes.plugin_badge_colour("no_such_status") == ""


def test_an_anonymous_visitor_sees_only_the_public_links(rf: RequestFactory):
    from django.contrib.auth.models import AnonymousUser

    from procurement.navigation import nav_links

    request = rf.get("/")
    request.user = AnonymousUser()
    assert [link.label for link in nav_links(request, None)] == ["首页", "公告公示"]

"""The Content-Security-Policy holds on every key page, in Chromium (issue 8 point 8).

Source: issue 8 point 8 — "A Content-Security-Policy that the portal's own pages satisfy (vendored assets,
no inline script), tested in Chromium with no violations in the console on every key page."

Every page is opened as its user would open it, in the demo province (procurement.services.demo: real
arrangement, proposals, task notices, configuration tables, a project collecting sub-plans, an awarded project
with its contracts, notices, messages). A violation is seen two ways: the browser's console message, and the
``securitypolicyviolation`` event, which an init script (run by Playwright, not subject to the page's policy)
records in the page. Each role's key pages are visited first, then every page they link to (one address per
URL pattern), so a page added later is checked as soon as a link leads to it. The first test shows that this
watch does see a violation when a page breaks the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, SCREENS, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({directive: event.violatedDirective, blocked: event.blockedURI,
                               source: event.sourceFile, line: event.lineNumber, sample: event.sample});
}, true);
"""
CONSOLE_MARK = "Content Security Policy"
# Links the crawl does not follow: files (a download is not a page), the API's JSON, the admin (its own test).
NOT_PAGES = re.compile(r"/(export|pdf|text|documents|attachments|schema|feed|ocds|media|logout|admin|api/v1)(/|$)"
                       r"|\.(xlsx|pdf|zip|json|xml|atom)$")
CRAWL_LIMIT = 60


def policy_of(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def portal_policy() -> dict[str, set[str]]:
    return {name: set(sources) for name, sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()}


@dataclass
class Visit:
    url: str
    status: int
    violations: list[dict]
    console: list[str]
    header_problems: list[str]


@dataclass
class CspWatch:
    """Opens pages and keeps, for each, the violations seen (event and console) and any missing header."""

    page: object
    visits: list[Visit] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.page.context.add_init_script(LISTEN)
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if CONSOLE_MARK in message.text:
            self.console.append(message.text)

    def seen(self) -> list[dict]:
        return self.page.evaluate("window.__cspViolations || []")

    def open(self, url: str, *, expected_policy: dict[str, set[str]] | None = None) -> Visit:
        self.console.clear()
        response = self.page.goto(url, wait_until="load")
        self.settle()
        return self.record(url, response, expected_policy=expected_policy)

    def settle(self) -> None:
        # A violation is reported by a task queued after it; the page's scripts (charts included) have run by
        # "load". A timer in the page runs after the tasks already queued.
        self.page.evaluate("() => new Promise(resolve => setTimeout(resolve, 50))")

    def record(self, url: str, response, *, expected_policy: dict[str, set[str]] | None = None) -> Visit:
        headers = response.headers
        problems = []
        header = headers.get("content-security-policy")
        if header is None:
            problems.append("no Content-Security-Policy header")
        elif policy_of(header) != (expected_policy or portal_policy()):
            problems.append(f"another policy: {header}")
        for name in ("referrer-policy", "x-content-type-options", "permissions-policy"):
            if name not in headers:
                problems.append(f"no {name} header")
        visit = Visit(url=url, status=response.status, violations=self.seen(), console=list(self.console),
                      header_problems=problems)
        self.visits.append(visit)
        return visit

    def after_interaction(self, label: str) -> Visit:
        """Violations caused on the current page by what the test did there (a hover, a click)."""
        self.settle()
        visit = Visit(url=f"{self.page.url} ({label})", status=200, violations=self.seen(),
                      console=list(self.console), header_problems=[])
        self.visits.append(visit)
        return visit

    def failures(self) -> list[str]:
        lines = []
        for visit in self.visits:
            for violation in visit.violations:
                lines.append(f"{visit.url}: {violation}")
            for message in visit.console:
                lines.append(f"{visit.url}: console: {message[:200]}")
            for problem in visit.header_problems:
                lines.append(f"{visit.url}: {problem}")
        return lines


def url_pattern(url: str) -> str:
    path = urlsplit(url).path
    return re.sub(r"/\d+(?=/)", "/<id>", path)


def crawl(watch: CspWatch, live_server, key_pages: list[str]) -> list[Visit]:
    """Opens the key pages (each must answer below 400), then the portal pages they link to."""
    origin = live_server.url
    queue = [origin + path for path in key_pages]
    seen_patterns: set[str] = set()
    key = set(queue)
    opened, visited = [], set()
    while queue and len(opened) < CRAWL_LIMIT + len(key):
        url = queue.pop(0)
        pattern = url_pattern(url)
        if url in visited or (url not in key and (pattern in seen_patterns or NOT_PAGES.search(urlsplit(url).path))):
            continue
        visited.add(url)
        seen_patterns.add(pattern)
        visit = watch.open(url)
        opened.append(visit)
        if url in key:
            assert visit.status < 400, f"key page {url} answered {visit.status}"
        for href in watch.page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"):
            href = href.split("#")[0]
            if href.startswith(origin) and url_pattern(href) not in seen_patterns:
                queue.append(href)
    return opened


@dataclass
class Demo:
    users: dict
    arrangement: object
    proposal: object
    task: object
    table: object
    collecting: object
    awarded: object
    unit_contract: object
    supplier_contract: object
    notice: object


@pytest.fixture
def demo(transactional_db) -> Demo:
    from django.contrib.auth import get_user_model

    from batch.demo import collecting_project
    from batch.models import Arrangement, CategoryProposal, ConfigurationTable, TaskNotice
    from notices.models import Notice
    from procurement.models import Contract, Membership
    from procurement.services.demo import batch_awarded_project, demo_seed

    result = demo_seed(password=PASSWORD)
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=[login.username for login in result.logins])}
    unit = Membership.objects.get(user=users["unit"]).organization
    supplier = Membership.objects.get(user=users["supplier"]).organization
    return Demo(
        users=users,
        arrangement=Arrangement.objects.get(is_current=True),
        proposal=CategoryProposal.objects.order_by("pk").last(),
        task=TaskNotice.objects.exclude(status=TaskNotice.Status.DRAFT).order_by("pk").first(),
        table=ConfigurationTable.objects.order_by("pk").first(),
        collecting=collecting_project(),
        awarded=batch_awarded_project(),
        unit_contract=Contract.objects.filter(buyer=unit).order_by("pk").first(),
        supplier_contract=Contract.objects.filter(supplier=supplier).order_by("pk").first(),
        notice=Notice.objects.order_by("pk").first(),
    )


def key_pages(role: str, demo: Demo) -> list[str]:
    awarded, collecting = demo.awarded.pk, demo.collecting.pk
    common = [reverse("workbench"), reverse("message-list"), reverse("notices:list")]
    if role == "finance":
        return [reverse("finance-home"), *common,
                reverse("batch:arrangement-list"), reverse("batch:arrangement-detail", args=[demo.arrangement.pk]),
                reverse("batch:arrangement-analysis", args=[demo.arrangement.pk]),
                reverse("batch:proposal-list"), reverse("batch:proposal-detail", args=[demo.proposal.pk]),
                reverse("batch:task-list"), reverse("batch:task-create"),
                reverse("batch:task-detail", args=[demo.task.pk]),
                reverse("award-project-list"), reverse("award-savings", args=[awarded]),
                reverse("award-signing-board", args=[awarded])]
    if role == "center":
        lot = demo.collecting.lots.order_by("number").first()
        return [reverse("center-home"), *common,
                reverse("batch:arrangement-analysis", args=[demo.arrangement.pk]),
                reverse("batch:proposal-list"), reverse("batch:received-list"),
                reverse("batch:received-detail", args=[demo.task.pk]),
                reverse("batch:configuration-list"), reverse("batch:configuration-detail", args=[demo.table.pk]),
                reverse("batch:project-list"), reverse("batch:project-open"),
                reverse("batch:project-detail", args=[collecting]),
                reverse("collection-lot", args=[collecting, lot.pk]),
                reverse("award-project-list"), reverse("award-project", args=[awarded]),
                reverse("award-savings", args=[awarded]), reverse("award-signing-board", args=[awarded])]
    if role in ("unit", "unit2"):
        pages = [reverse("unit-home"), *common, reverse("unit-sub-plan-list"), reverse("unit-contract-list"),
                 reverse("unit-sub-plan-file", args=[collecting])]
        if role == "unit":
            pages.append(reverse("unit-contract-detail", args=[demo.unit_contract.pk]))
        return pages
    if role == "supplier":
        return [reverse("supplier-home"), *common, reverse("supplier-contract-list"),
                reverse("supplier-contract-detail", args=[demo.supplier_contract.pk])]
    raise AssertionError(role)


# --- the watch itself ---------------------------------------------------------------------------------------

INJECTED = (
    '<script>window.inlineScriptRan = true;</script>'
    '<style>main { outline: 5px solid rgb(255, 0, 0); }</style>'
    '<p id="probe" style="color: rgb(255, 0, 0)">probe</p>'
    '<button id="probe-button" type="button" onclick="window.inlineHandlerRan = true">probe</button>'
)


def test_the_watch_sees_every_kind_of_inline_code_the_policy_refuses(browser_page, live_server, transactional_db):
    """A real portal page (the landing page, its real headers) with inline script, style element, style
    attribute and event handler added to its body on the way to the browser: each is refused and reported,
    by the event and in the console. Styles set through the CSSOM stay allowed, style attributes set from a
    script do not (the rule charts.js follows)."""
    page = browser_page
    watch = CspWatch(page)

    def add_inline_code(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("</main>", INJECTED + "</main>"))

    page.route(f"{live_server.url}/", add_inline_code)
    visit = watch.open(f"{live_server.url}/")
    page.click("#probe-button")
    watch.settle()

    assert visit.header_problems == []
    assert page.evaluate("[window.inlineScriptRan, window.inlineHandlerRan]") == [None, None]
    assert page.locator("#probe").evaluate("node => getComputedStyle(node).color") != "rgb(255, 0, 0)"
    assert page.locator("main").evaluate("node => getComputedStyle(node).outlineStyle") == "none"
    directives = [violation["directive"] for violation in watch.seen()]
    assert sorted(directives) == ["script-src-attr", "script-src-elem", "style-src-attr", "style-src-elem"]
    assert len(watch.console) == 4
    assert all("Content Security Policy" in message for message in watch.console)

    page.locator("#probe").evaluate("node => { node.style.backgroundColor = 'rgb(0, 0, 255)'; }")
    watch.settle()
    assert len(watch.seen()) == 4
    assert page.locator("#probe").evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(0, 0, 255)"
    page.locator("#probe").evaluate("node => node.setAttribute('style', 'background-color: rgb(0, 255, 0)')")
    watch.settle()
    assert [violation["directive"] for violation in watch.seen()][4:] == ["style-src-attr"]
    assert page.locator("#probe").evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(0, 0, 255)"


# --- the pages ----------------------------------------------------------------------------------------------

def test_every_key_page_of_every_role_and_the_pages_they_link_to_keep_the_policy(browser_page, live_server, demo):
    """The public portal and the login page, then each role's key pages and what they link to."""
    page = browser_page
    watch = CspWatch(page)
    crawl(watch, live_server, [reverse("portal-home"), reverse("notices:list"),
                               reverse("notices:detail", args=[demo.notice.pk]), reverse("login")])
    expect(page.get_by_label("用户名")).to_be_visible()
    for role in ("finance", "center", "unit", "unit2", "supplier"):
        page.context.clear_cookies()
        login(page, live_server, demo.users[role].username)
        expect(page.get_by_test_id("current-user")).to_be_visible()
        opened = crawl(watch, live_server, key_pages(role, demo))
        assert len(opened) >= len(key_pages(role, demo))
    assert watch.failures() == []


TOOLTIP_TEXT = {"scores": "得分", "categories": "万元", "bands": "家", "regions": "万元"}


def test_the_analysis_charts_draw_and_their_tooltips_keep_the_policy(browser_page, live_server, demo):
    """ECharts sets its own styles through the CSSOM (allowed); the bands' tooltip is built as elements
    because ECharts' default one is markup with style attributes (refused). Hover a bar of every chart."""
    page = browser_page
    watch = CspWatch(page)
    login(page, live_server, demo.users["finance"].username)
    watch.open(f"{live_server.url}{reverse('batch:arrangement-analysis', args=[demo.arrangement.pk])}")
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(4)
    for index in range(4):
        chart = charts.nth(index)
        name = chart.get_attribute("data-chart")
        expect(chart.locator("svg")).to_have_count(1)
        assert chart.locator("svg path").count() > 5, f"{name}: no bars drawn"
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        # The first row's bar: charts start at the top left (legend, then the first category).
        page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + 50)
        tooltip = chart.locator(":scope > div").last  # ECharts appends its tooltip after the drawing
        expect(tooltip).to_be_visible()
        expect(tooltip).to_contain_text(TOOLTIP_TEXT[name])
        if name == "bands":
            expect(chart.locator(".chart-tooltip-row")).to_have_count(5)
            marker = chart.locator(".chart-tooltip-marker").first
            assert marker.evaluate("node => getComputedStyle(node).backgroundColor") != "rgba(0, 0, 0, 0)"
            expect(chart.locator(".chart-tooltip-value").first).to_contain_text("家")
        SCREENS.mkdir(parents=True, exist_ok=True)
        chart.locator("xpath=ancestor::figure[1]").screenshot(path=str(SCREENS / f"csp_analysis_tooltip_{name}.png"))
        watch.after_interaction(f"hover {name}")
        page.mouse.move(0, 0)
    screenshot(page, "csp_analysis")
    assert watch.failures() == []


def test_a_confirmation_still_asks_before_withdrawing_a_sub_plan(browser_page, live_server, demo):
    """The withdraw form's inline onsubmit became data-confirm, read by static/js/portal.js."""
    from procurement.models import Organization, SubPlan
    from procurement.services.sub_plans import sub_plan_save, sub_plan_submit

    page = browser_page
    watch = CspWatch(page)
    login(page, live_server, demo.users["unit2"].username)
    # 卫健委 files one lot of the batch project still collecting (the demo leaves it unfiled).
    unit2 = Organization.objects.get(memberships__user=demo.users["unit2"])
    lot = demo.collecting.lots.order_by("number").first()
    budget = 2 * lot.reference_price_yuan
    sub_plan = sub_plan_submit(sub_plan=sub_plan_save(
        lot=lot, unit=unit2, actor=demo.users["unit2"], quantity=2, budget_yuan=budget, contact_name="李明",
        contact_phone="0431-88886666", funding_lines=[{"source": "general_budget", "amount_yuan": budget}],
    ), actor=demo.users["unit2"])
    watch.open(f"{live_server.url}{reverse('unit-sub-plan-detail', args=[sub_plan.pk])}")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="撤回分计划").click()
    page.wait_for_timeout(300)
    assert questions == ["确定撤回该分计划吗？撤回后不计入总计划。"]
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.SUBMITTED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤回分计划").click()
    page.wait_for_load_state("networkidle")
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.WITHDRAWN
    watch.after_interaction("withdrawn")
    assert watch.failures() == []


def test_the_admin_pages_operators_use_keep_the_policy(browser_page, live_server, demo):
    """Django 5.2's admin, our admin templates and django-celery-beat's task form (its inline script moved
    to static/js/admin_periodic_task.js): lists, forms, an autocomplete, a calendar, the custom pages."""
    from django_celery_beat.models import CrontabSchedule

    from procurement.models import Contract, Organization, Project

    CrontabSchedule.objects.create(minute="0", hour="8", day_of_week="1")
    page = browser_page
    watch = CspWatch(page)
    login(page, live_server, demo.users["admin"].username)
    origin = live_server.url
    project = Project.objects.order_by("pk").first()
    collecting = demo.collecting
    pages = [
        reverse("admin:index"),
        reverse("admin:procurement_project_changelist"), reverse("admin:procurement_project_change", args=[project.pk]),
        reverse("admin:batch_batchproject_changelist"),
        reverse("admin:batch_batchproject_change", args=[collecting.pk]),
        reverse("admin:batch_batchproject_extend_deadline", args=[collecting.pk]),
        reverse("admin:procurement_subplan_changelist"),
        reverse("admin:procurement_contract_changelist"),
        reverse("admin:procurement_contract_change", args=[Contract.objects.order_by("pk").first().pk]),
        reverse("admin:procurement_organization_changelist"),
        reverse("admin:procurement_organization_change", args=[Organization.objects.order_by("pk").first().pk]),
        reverse("admin:procurement_organization_add") + "?_to_field=id&_popup=1",
        reverse("admin:procurement_calendaryear_changelist"), reverse("admin:procurement_calendaryear_load"),
        reverse("admin:procurement_calendarday_changelist"),
        reverse("admin:notices_notice_changelist"),
        reverse("admin:batch_tasknotice_changelist"),
        reverse("admin:procurement_project_history", args=[project.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:procurement_project_add"),
    ]
    for path in pages:
        visit = watch.open(origin + path)
        assert visit.status == 200, (path, visit.status)

    # On the add form: an autocomplete (select2) searched, a calendar opened.
    page.locator(".field-organizer .select2-selection").click()
    page.keyboard.type("吉林")
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".field-response_deadline a:has(.date-icon)").click()
    expect(page.locator(".calendarbox").last).to_be_visible()
    watch.after_interaction("autocomplete and calendar")

    # django-celery-beat's periodic task form: the schedule in words, from our script.
    watch.open(origin + reverse("admin:django_celery_beat_periodictask_add"))
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
    page.select_option("#id_crontab", index=1)
    expect(page.locator(".field-crontab .help")).to_contain_text("执行时间：")
    watch.after_interaction("crontab chosen")
    screenshot(page, "csp_admin_periodic_task")
    assert watch.failures() == []


def test_error_pages_keep_the_policy(browser_page, live_server, demo, settings):
    """400, 403, the CSRF refusal, 404, 500, and the page of a user with no organization."""
    from django.contrib.auth import get_user_model

    settings.ROOT_URLCONF = "tests.e2e.csp_urls"
    page = browser_page
    watch = CspWatch(page)
    origin = live_server.url

    assert watch.open(f"{origin}/csp-test/400/").status == 400
    expect(page.get_by_test_id("error-400")).to_be_visible()
    assert watch.open(f"{origin}/csp-test/500/").status == 500
    expect(page.get_by_test_id("error-500")).to_be_visible()
    assert watch.open(f"{origin}/no-such-page/").status == 404

    # The CSRF refusal: the login form sent with its token cookie gone.
    watch.open(f"{origin}{reverse('login')}")
    page.context.clear_cookies()
    page.get_by_label("用户名").fill("unit")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")
    assert answer.value.status == 403
    watch.record(f"{origin}/login/ (CSRF refused)", answer.value)

    login(page, live_server, demo.users["unit"].username)
    assert watch.open(f"{origin}{reverse('finance-home')}").status == 403
    assert watch.open(f"{origin}/unit/no-such-page/").status == 404
    screenshot(page, "csp_error_404")

    get_user_model().objects.create_user("nobody", password=PASSWORD)  # signed in, but in no organization
    page.context.clear_cookies()
    login(page, live_server, "nobody")
    watch.open(f"{origin}{reverse('workbench')}")
    expect(page.get_by_test_id("no-membership")).to_be_visible()
    assert watch.failures() == []


def test_the_api_documentation_keeps_the_policy_and_the_browsable_api_only_allows_inline_styles(
    browser_page, live_server, demo
):
    """Swagger UI (drf-spectacular's split view: its start-up script is a file) keeps the whole policy.
    DRF's browsable API keeps script-src 'self' and allows inline styles for itself alone (its templates)."""
    page = browser_page
    watch = CspWatch(page)
    login(page, live_server, demo.users["center"].username)
    watch.open(f"{live_server.url}{reverse('api-docs')}")
    # The schema is generated on request: on a busy machine that takes seconds.
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    page.locator(".opblock-summary").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    watch.after_interaction("operation opened")
    screenshot(page, "csp_api_docs")

    relaxed = portal_policy() | {"style-src": {"'self'", "'unsafe-inline'"}}
    for path in ("/api/v1/", "/api/v1/projects/"):
        visit = watch.open(f"{live_server.url}{path}", expected_policy=relaxed)
        assert visit.status == 200
    assert watch.failures() == []

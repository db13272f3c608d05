"""The admin's project pages at 1366 px (issue 7 point 13), as `admin` sees them in Chromium: the project list
and change page (read-only once collecting), the batch project's page and its 延长需求响应截止时间 form; and the
center extends the deadline from its portal page. Nothing may overflow the screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366
# Widths wider than their box: the page itself, the changelist's table, the change form's inline tables.
OVERFLOW = """() => {
  const wide = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) wide.push(`page ${root.scrollWidth}>${root.clientWidth}`);
  for (const el of document.querySelectorAll('#changelist .results, .inline-group .tabular, #content-main, .module')) {
    if (el.scrollWidth > el.clientWidth + 1) wide.push(`${el.className || el.id} ${el.scrollWidth}>${el.clientWidth}`);
  }
  return wide;
}"""


@pytest.fixture
def batch(transactional_db, calendar_loaded):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from batch.projects import batch_solicitation_publish
    from procurement.models import EligibleUnit
    from tests.batch.test_projects import batch_world, open_project
    from tests.factories import BudgetUnitFactory

    world = batch_world()
    # A realistic list of eligible units beneath the project's change page.
    for index in range(30):
        BudgetUnitFactory(name=f"长春市第{index + 2}中学", region=world.changchun)
    project = open_project(world, title="2026年第四季度省直单位台式计算机批量集中采购",
                           response_deadline=timezone.now() + timedelta(days=12))
    batch_solicitation_publish(project=project, actor=world.center_user)
    assert EligibleUnit.objects.filter(project=project).count() > 30
    get_user_model().objects.create_superuser("admin", "admin@example.gov.cn", PASSWORD)
    return world, project


def admin_login(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state("networkidle")


def fits(page, name: str) -> None:
    screenshot(page, name)
    assert page.evaluate("window.innerWidth") == WIDTH
    assert page.evaluate(OVERFLOW) == [], name


def test_the_admins_project_pages_fit_1366_px_and_extend_the_deadline(browser_page, live_server, batch):
    world, project = batch
    page = browser_page
    admin_login(page, live_server)

    page.goto(f"{live_server.url}/admin/procurement/project/")
    expect(page.locator("#result_list")).to_contain_text(project.code)
    fits(page, "admin_project_list")

    page.goto(f"{live_server.url}/admin/procurement/project/{project.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("项目处于「需求征集中」阶段")
    expect(page.locator("input[name=code]")).to_have_count(0)
    expect(page.locator("input[name=_save]")).to_have_count(0)
    fits(page, "admin_project_change_collecting")

    # A draft is still edited here: its form and inlines fit too.
    from procurement.models import Project
    from tests.factories import LotFactory, ProjectFactory

    draft = ProjectFactory(organizer=world.center, status=Project.Status.DRAFT, title="2027年办公家具采购（草稿）")
    LotFactory(project=draft, name="办公椅", specification="网布靠背；五星脚；承重不低于120kg")
    page.goto(f"{live_server.url}/admin/procurement/project/{draft.pk}/change/")
    expect(page.locator("input[name=title]")).to_have_count(1)  # editable; the code is numbered, never typed
    fits(page, "admin_project_change_draft")

    page.goto(f"{live_server.url}/admin/batch/batchproject/")
    expect(page.locator("#result_list")).to_contain_text(project.code)
    fits(page, "admin_batch_project_list")

    page.goto(f"{live_server.url}/admin/batch/batchproject/{project.pk}/change/")
    fits(page, "admin_batch_project_change")
    page.get_by_role("link", name="延长需求响应截止时间").click()
    expect(page.locator("h1")).to_have_text("延长需求响应截止时间")
    fits(page, "admin_batch_project_extend")
    page.locator("#id_reason").fill("应部分单位申请，为便于各单位核实采购需求")
    page.locator("input[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("请填写新的需求响应截止时间")
    fits(page, "admin_batch_project_extend_refused")


def test_the_center_extends_the_deadline_from_its_project_page(browser_page, live_server, batch):
    from django.utils import timezone

    from notices.models import Notice

    world, project = batch
    page = browser_page
    login(page, live_server, world.center_user.username)
    page.goto(live_server.url + reverse("batch:project-detail", args=[project.pk]))
    screenshot(page, "center_project_before_extension")
    page.get_by_test_id("extend-deadline").click()
    expect(page.locator("h1")).to_have_text("延长需求响应截止时间")
    new = timezone.localtime(project.response_deadline + timedelta(days=7))
    page.get_by_label("新的需求响应截止时间").fill(new.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("延长原因").fill("应部分单位申请，为便于各单位核实采购需求")
    fits(page, "center_project_extend")
    page.get_by_role("button", name="延长并发布更正公告").click()

    done = f"需求响应截止时间已延长至{new:%Y-%m-%d %H:%M}，更正公告已发布"
    expect(page.get_by_role("alert").first).to_contain_text(done)
    expect(page.get_by_test_id("corrections")).to_be_visible()
    fits(page, "center_project_after_extension")
    correction = Notice.objects.get(project=project, type=Notice.Type.CORRECTION)
    page.goto(live_server.url + reverse("notices:detail", args=[correction.pk]))
    expect(page.locator("body")).to_contain_text("更正内容：需求响应截止时间由")
    fits(page, "correction_notice")

"""The import job's page in Chromium (issue 8 point 2): progress while the job runs, the result when it ends.

The page refreshes its card itself (static/js/import_job.js, no inline script), without reloading: the
worker's progress appears, then its result. A stalled job offers to be submitted again. The job's state is
written here the way the worker writes it (procurement/services/imports.py), so each state can be looked at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import ImportJob
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Status = ImportJob.Status


@pytest.fixture
def job(transactional_db):
    from tests.factories import FinanceFactory, member_of, province

    finance = FinanceFactory(name="吉林省财政厅", region=province())
    user = member_of(finance, username="caizheng", first_name="王", last_name="经办")
    now = timezone.now()
    return ImportJob.objects.create(
        kind="arrangement", user=user, organization=finance, file_name="2026年度部门预算政府采购项目安排情况表.xlsx",
        file_size=3_276_800, parameters={"year": 2026, "replace": False, "replacing": None}, status=Status.RUNNING,
        attempts=1, rows_read=35_000, started_at=now, progress_at=now)


def test_the_page_follows_a_running_job_to_its_result_without_reloading(browser_page, live_server, job):
    page = browser_page
    login(page, live_server, "caizheng")
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.get_by_test_id("rows-read")).to_have_text("正在导入：已读取 35,000 行。")
    expect(page.get_by_test_id("import-job-status").locator(".status-badge")).to_have_text("正在导入")
    screenshot(page, "import_job_running")
    page.evaluate("() => { window.notReloaded = true; }")

    ImportJob.objects.filter(pk=job.pk).update(rows_read=72_000, progress_at=timezone.now())
    expect(page.get_by_test_id("rows-read")).to_have_text("正在导入：已读取 72,000 行。", timeout=10_000)

    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.SUCCEEDED, rows_read=100_005, rows_total=100_005, finished_at=timezone.now(),
        summary="已导入2026年度安排情况表：共100,000行，采购金额合计10,001,234.50万元。合计行与各行之和一致。",
        result_url="/batch/arrangements/1/", result_id=1)
    expect(page.get_by_test_id("import-summary")).to_contain_text("共100,000行", timeout=10_000)
    expect(page.get_by_test_id("import-result-link")).to_have_text("查看安排情况表")
    assert page.evaluate("() => window.notReloaded === true")  # the card was swapped in, the page stayed
    page.wait_for_timeout(3000)
    assert page.get_by_test_id("import-job").get_attribute("data-refresh") is None  # polling stopped
    screenshot(page, "import_job_done_after_running")


def test_a_stalled_job_offers_to_submit_it_again(browser_page, live_server, job):
    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - timedelta(minutes=25))
    page = browser_page
    login(page, live_server, "caizheng")
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.get_by_test_id("import-stalled")).to_contain_text("导入已中断")
    expect(page.get_by_role("button", name="重新提交导入")).to_be_visible()
    expect(page.get_by_test_id("import-job-status").locator(".status-badge")).to_have_text("已中断")
    screenshot(page, "import_job_stalled")

    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_test_id("import-job-list")).to_contain_text("2026年度部门预算政府采购项目安排情况表.xlsx")
    expect(page.get_by_test_id("import-job-list").locator(".status-badge")).to_have_text("已中断")
    screenshot(page, "import_job_list")

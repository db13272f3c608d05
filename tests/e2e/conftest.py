"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from such a
thread unless told it is safe here (the test data is built before the browser acts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = Path(os.environ.get("E2E_SCREENSHOT_DIR", "/tmp/screens"))
PASSWORD = "Test@12345"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser, live_server, settings):
    # The live server speaks plain http: cookies marked Secure (the production default) would not return.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")


def logout(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class World:
    """A small, realistic Changchun: one user per role, an open batch project, plans, contracts, notices."""

    finance_user: object
    center_user: object
    unit_user: object
    other_unit_user: object
    supplier_user: object
    open_project: object
    unit: object
    other_unit: object


@pytest.fixture
def world(transactional_db) -> World:
    from django.utils import timezone

    from notices.services import notice_publish
    from procurement.models import Award, Contract, EligibleUnit, Project, SubPlan
    from tests.factories import (
        BudgetUnitFactory,
        CenterFactory,
        ContractFactory,
        FinanceFactory,
        LotFactory,
        ProjectFactory,
        SubPlanFactory,
        SupplierFactory,
        member_of,
        prefecture,
    )

    today = timezone.localdate()
    changchun = prefecture("220100", "长春市")
    finance = FinanceFactory(name="长春市财政局", region=changchun)
    center = CenterFactory(name="长春市政府采购中心", region=changchun)
    unit = BudgetUnitFactory(name="长春市第一中学", region=changchun, contact_person="王老师",
                             contact_phone="0431-85550001")
    other_unit = BudgetUnitFactory(name="长春市人民医院", region=changchun)
    supplier = SupplierFactory(name="长春华信科技有限公司", region=changchun)

    open_project = ProjectFactory(
        code="CCZC-2026-0318", title="2026年第二季度台式计算机批量集中采购", organizer=center, scope_region=changchun,
        response_deadline=timezone.now() + timedelta(days=5, hours=6),
        description="本项目按季度组织，请各预算单位据实填报采购数量和预算金额。",
    )
    LotFactory(project=open_project, number=1, name="台式计算机（基础办公型）",
               specification="处理器不低于8核；内存16GB；固态硬盘512GB；23.8英寸显示器",
               reference_price_yuan=Decimal("4800"))
    LotFactory(project=open_project, number=2, name="台式计算机（高性能型）",
               specification="处理器不低于12核；内存32GB；固态硬盘1TB；独立显卡", reference_price_yuan=Decimal("7600"))
    for eligible in (unit, other_unit):
        EligibleUnit.objects.create(project=open_project, unit=eligible)

    earlier = ProjectFactory(code="CCZC-2026-0102", title="2026年第一季度打印机批量集中采购", organizer=center,
                             scope_region=changchun, status=Project.Status.AWARDED,
                             response_opens_at=timezone.now() - timedelta(days=60),
                             response_deadline=timezone.now() - timedelta(days=45))
    printer_lot = LotFactory(project=earlier, number=1, name="A4黑白激光打印机", reference_price_yuan=Decimal("1500"))
    EligibleUnit.objects.create(project=earlier, unit=unit)
    plan = SubPlanFactory(lot=printer_lot, unit=unit, quantity=Decimal("12"), budget_yuan=Decimal("16800"),
                          status=SubPlan.Status.FROZEN)
    Award.objects.create(project=earlier, lot=printer_lot, supplier=supplier, unit_price_yuan=Decimal("1380"),
                         awarded_on=today - timedelta(days=20))
    ContractFactory(code="HT-CC-2026-0041", title="长春市第一中学打印机采购合同", project=earlier, lot=printer_lot,
                    sub_plan=plan, buyer=unit, supplier=supplier, quantity=Decimal("12"),
                    unit_price_yuan=Decimal("1380"), amount_yuan=Decimal("16560"), status=Contract.Status.SIGNED,
                    signed_on=today - timedelta(days=8), publish_due=today - timedelta(days=5),
                    filing_due=today + timedelta(days=1))
    ContractFactory(code="HT-CC-2026-0042", title="长春市人民医院打印机采购合同", project=earlier, buyer=other_unit,
                    supplier=supplier, quantity=Decimal("30"), unit_price_yuan=Decimal("1380"),
                    amount_yuan=Decimal("41400"), status=Contract.Status.DRAFT)
    for title, kind in [
        ("长春市政府采购中心2026年第二季度台式计算机批量集中采购需求征集公告", "solicitation"),
        ("长春市政府采购中心2026年第一季度打印机批量集中采购中标结果公告", "award"),
        ("长春市第一中学打印机采购合同公告", "contract"),
    ]:
        notice_publish(type=kind, title=title, body="详见正文。", region=changchun, project=open_project)

    return World(
        finance_user=member_of(finance, username="caizheng"),
        center_user=member_of(center, username="zhongxin"),
        unit_user=member_of(unit, username="yizhong"),
        other_unit_user=member_of(other_unit, username="yiyuan"),
        supplier_user=member_of(supplier, username="huaxin"),
        open_project=open_project,
        unit=unit,
        other_unit=other_unit,
    )

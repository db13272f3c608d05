"""Finance looks at the analysis before reading it (issue 7 point 9): charts beside their tables.

Apache ECharts (vendored) draws, from a static script and data passed with json_script, the money by
category, the amount bands, the regions and the score of each candidate, as SVG; no console error;
the page fits 1366 pixels; it prints (to PDF, as a browser does) with the charts on the paper.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from tests.e2e.conftest import SCREENS, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-scores", "chart-categories", "chart-bands", "chart-regions")


@pytest.fixture
def analysed(transactional_db):
    """A provincial table: 14 units in the province, two prefectures and their counties; 12 categories."""
    from batch.models import Arrangement, ArrangementLine
    from tests.factories import BudgetUnitFactory, CategoryFactory, FinanceFactory, county, member_of, prefecture
    from tests.factories import province as province_region

    province = province_region()
    changchun, jilin_city = prefecture(), prefecture("220200", "吉林市")
    finance = FinanceFactory(name="吉林省财政厅", region=province)
    member_of(finance, username="caizheng")
    places = [province] * 6 + [changchun] * 3 + [jilin_city] * 2 + [
        county("220102", "南关区", parent=changchun), county("220103", "宽城区", parent=changchun),
        county("220202", "昌邑区", parent=jilin_city)]
    units = [BudgetUnitFactory(unit_code=f"9{n:05d}", name=f"{place.name}测试单位{n}", region=place)
             for n, place in enumerate(places, start=1)]
    catalog = [("A02010105", "台式计算机"), ("A02010108", "便携式计算机"), ("A02021003", "A4黑白打印机"),
               ("A05040101", "复印纸"), ("A02061804", "空调机"), ("A05010301", "办公椅"), ("A02010104", "服务器"),
               ("A02030501", "轿车"), ("A02021104", "液晶显示器"), ("A02020100", "复印机")]
    categories = [CategoryFactory(code=code, name=name) for code, name in catalog]
    categories += [CategoryFactory(code="C21040000", name="物业管理服务（含保安）", level=2,
                                   in_centralized_catalog=False),
                   CategoryFactory(code="C16010000", name="软件开发服务", level=2, in_centralized_catalog=False)]
    arrangement = Arrangement.objects.create(year=2026, finance_bureau=finance, row_count=0)
    lines = []
    for c_index, category in enumerate(categories):
        buyers = units[: max(2, len(units) - c_index)]
        for u_index, unit in enumerate(buyers):
            amount = Decimal(3 + (u_index * 7 + c_index * 5) % 17) * (8 if u_index % 5 == 0 else 1) / 2
            lines.append(ArrangementLine(arrangement=arrangement, row_number=len(lines) + 4, serial=str(len(lines) + 1),
                                         unit=unit, category=category, quantity=Decimal(u_index + 1),
                                         amount_wan=amount))
    ArrangementLine.objects.bulk_create(lines)
    Arrangement.objects.filter(pk=arrangement.pk).update(
        row_count=len(lines), total_amount_wan=sum(line.amount_wan for line in lines))
    return arrangement


def test_the_analysis_draws_its_charts_beside_the_tables_fits_1366_and_prints(browser_page, live_server, analysed):
    page = browser_page
    errors: list[str] = []
    def on_console(message) -> None:
        # Chromium asks every site for /favicon.ico on its own: not the page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    login(page, live_server, "caizheng")
    page.goto(f"{live_server.url}/batch/arrangements/{analysed.pk}/analysis/")
    page.wait_for_load_state("networkidle")

    for chart in CHARTS:
        container = page.get_by_test_id(chart)
        assert container.locator("svg").count() == 1, chart  # the SVG renderer drew it
        assert container.locator("svg text").count() > 5, chart  # with its labels
    # Chinese labels and 万元 amounts as the tables round them.
    categories_text = page.get_by_test_id("chart-categories").inner_text() + " ".join(
        page.get_by_test_id("chart-categories").locator("svg text").all_text_contents())
    assert "台式计算机" in categories_text and "万元" in categories_text and "其余2个品目" in categories_text
    assert "建议线20分" in " ".join(page.get_by_test_id("chart-scores").locator("svg text").all_text_contents())
    regions_text = " ".join(page.get_by_test_id("chart-regions").locator("svg text").all_text_contents())
    table_amount = page.get_by_test_id("by-region").locator("tbody tr").first.locator("td").nth(5).inner_text()
    assert table_amount in regions_text  # the same figure, rounded the same way
    assert "吉林省本级" in regions_text and "长春市" in regions_text
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling
    cut = page.evaluate("""() => Array.from(document.querySelectorAll(".table-responsive"))
        .filter((box) => box.scrollWidth > box.clientWidth + 1)
        .map((box) => box.querySelector("table").dataset.testid)""")
    assert cut == []  # every table shows all its columns
    # No inline script: the data travels as JSON, the drawing comes from a static file.
    inline = page.evaluate("""() => Array.from(document.scripts)
        .filter((s) => !s.src && s.type !== "application/json").map((s) => s.textContent.trim()).filter(Boolean)""")
    assert inline == []
    screenshot(page, "arrangement_analysis_charts")

    # Printed (to PDF, as the browser's print does): landscape A4 with every chart on the paper.
    SCREENS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENS / "arrangement_analysis.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    assert pdf.stat().st_size > 10_000
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf),
                    str(SCREENS / "arrangement_analysis_pdf")], check=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line.split()[2:5] for line in info.splitlines() if line.startswith("Page size:"))
    assert float(size[0]) > float(size[2])  # landscape: wider than tall
    for chart in CHARTS:  # in print, each chart's SVG is scaled to the paper, not cut off
        box = page.get_by_test_id(chart).locator("svg").bounding_box()
        parent = page.get_by_test_id(chart).bounding_box()
        assert box["width"] <= parent["width"] + 1, chart

"""Finance imports the arrangement table (annex 4) in Chromium (issue 3 point 1, issue 8 point 2).

The upload becomes an import job and the browser lands on its page: a wrong file is refused with the
sheet, row, column and reason in Chinese and nothing is saved; the form cannot be sent twice while the
file uploads; a good file is imported and the job's page links to the table.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from batch.models import Arrangement
from tests.batch.test_arrangement_import import xlsx_bytes
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bureau(transactional_db):
    from tests.factories import BudgetUnitFactory, CategoryFactory, FinanceFactory, member_of, province

    region = province()
    finance = FinanceFactory(name="吉林省财政厅", region=region)
    units = [BudgetUnitFactory(unit_code=f"10100{n}", name=f"吉林省测试厅局{n}", region=region) for n in range(1, 4)]
    CategoryFactory(code="A02010105", name="台式计算机")
    member_of(finance, username="caizheng")
    return units


def upload(page, live_server, name: str, content: bytes) -> None:
    page.goto(f"{live_server.url}/batch/arrangements/")
    page.get_by_label("年度").fill("2026")
    page.get_by_label("安排情况表文件（.xlsx）").set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content}])


def test_a_wrong_file_is_refused_in_chinese_the_form_goes_once_and_a_good_file_is_imported(
        browser_page, live_server, bureau):
    page = browser_page
    login(page, live_server, "caizheng")

    # A negative amount on the second line: the whole file is refused, naming where.
    bad = [(u.unit_code, u.name, "A02010105 台式计算机", 2, "1.2") for u in bureau]
    bad[1] = (bureau[1].unit_code, bureau[1].name, "台式计算机", 2, "-1.2")
    upload(page, live_server, "安排情况表（有误）.xlsx", xlsx_bytes(bad))
    page.get_by_role("button", name="导入").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_test_id("import-summary")).to_contain_text("全部数据均未写入")
    expect(page.get_by_test_id("import-errors")).to_contain_text(
        "工作表「Sheet1」第5行「采购金额(万元)」列：不能为负数（-1.2）")
    expect(page.get_by_test_id("import-job-status").locator(".status-badge")).to_have_text("未导入")
    screenshot(page, "import_job_failed")
    assert not Arrangement.objects.exists()

    # While a long import runs, the form cannot be sent again: submitting it (a synthetic submit event,
    # which sends nothing itself) disables its button and tells the clerk to wait; a second one is stopped.
    page.goto(f"{live_server.url}/batch/arrangements/")
    first, second, button_disabled, note = page.evaluate("""() => {
        const form = document.querySelector("[data-testid=import-form]");
        const submit = () => form.dispatchEvent(new SubmitEvent("submit", {bubbles: true, cancelable: true}));
        const first = submit(), second = submit();
        return new Promise((resolve) => setTimeout(() => resolve([
            first, second, form.querySelector("button[type=submit]").disabled,
            form.querySelector("[data-busy-text]").hidden ? "" : form.querySelector("[data-busy-text]").textContent,
        ]), 50));
    }""")
    assert (first, second, button_disabled) == (True, False, True)  # the second submit was cancelled
    assert "正在上传" in note
    screenshot(page, "arrangement_uploading")

    # A good file is imported.
    good = [(u.unit_code, u.name, "A02010105 台式计算机", 2, "1.2") for u in bureau]
    upload(page, live_server, "2026年度部门预算政府采购项目安排情况表.xlsx", xlsx_bytes(good))
    page.get_by_role("button", name="导入").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_test_id("import-summary")).to_contain_text("已导入2026年度安排情况表：共3行")
    screenshot(page, "import_job_succeeded")
    page.get_by_test_id("import-result-link").click()
    expect(page).to_have_url(re.compile(r"/batch/arrangements/\d+/$"))
    arrangement = Arrangement.objects.get()
    assert (arrangement.row_count, arrangement.lines.count()) == (3, 3)


def test_reimporting_a_year_asks_first_and_replaces_only_when_confirmed(browser_page, live_server, bureau):
    """Issue 7 point 3: the page names the current table and what rests on it; ticking the box and choosing the
    file again replaces it; the replaced table stays listed and readable."""
    page = browser_page
    login(page, live_server, "caizheng")
    rows = [(u.unit_code, u.name, "A02010105 台式计算机", 2, "1.2") for u in bureau]
    upload(page, live_server, "2026年度安排情况表.xlsx", xlsx_bytes(rows))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("已导入2026年度安排情况表：共3行")
    first = Arrangement.objects.get()

    upload(page, live_server, "2026年度安排情况表（调整）.xlsx", xlsx_bytes(rows[:2]))
    page.get_by_role("button", name="导入").click()
    warning = page.get_by_test_id("replace-required")
    expect(warning).to_contain_text(f"吉林省财政厅2026年度已有现行安排情况表（第{first.pk}号")
    expect(warning).to_contain_text("依据该表尚未报送品目建议")
    expect(warning).to_contain_text("如确需替换，请勾选下方「确认替换现行表」")
    screenshot(page, "arrangement_replace_asks")
    assert Arrangement.objects.get() == first  # nothing changed

    page.get_by_label("安排情况表文件（.xlsx）").set_input_files(
        files=[{"name": "2026年度安排情况表（调整）.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": xlsx_bytes(rows[:2])}])
    page.get_by_label(re.compile("确认替换现行表")).check()
    page.get_by_role("button", name="导入").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_test_id("import-summary")).to_contain_text(f"原2026年度安排情况表（第{first.pk}号）已被替换")

    page.goto(f"{live_server.url}/batch/arrangements/")
    listing = page.get_by_test_id("arrangement-list")
    expect(listing.get_by_test_id("replaced")).to_have_text("已被替换")
    screenshot(page, "arrangement_replaced_listed")
    page.goto(f"{live_server.url}/batch/arrangements/{first.pk}/")
    expect(page.get_by_test_id("superseded")).to_contain_text("替换，以下为原表内容，仅供查阅")
    expect(page.get_by_test_id("arrangement-lines").locator("tbody tr")).to_have_count(3)

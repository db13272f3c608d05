"""Importing the budget arrangement table (部门预算政府采购项目安排情况表).

Rules: seed 000 三(一)1(1) 拟定项目 (finance forms the year's table from the approved department
budgets) and annex 4 (the table's layout); issue 3 point 1 (all or nothing, every error named by
sheet, row, column and reason; a new import supersedes the bureau's table of that year).
The workbooks are built here with openpyxl the way real files come: merged title cells, numbers
stored as text, blank lines, a 合计 row, notes below.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from batch.analysis import category_analysis
from batch.arrangement import MAX_ERRORS, ArrangementImportError, ArrangementReplaceRequired, arrangement_import
from batch.models import Arrangement, ArrangementLine, CategoryProposal, ProposedCategory, TaskNotice
from batch.proposals import category_proposal_submit, proposed_category_adopt, proposed_category_decline
from procurement import access
from procurement.models import Membership, ProjectEvent
from procurement.services.errors import ServiceError
from procurement.services.tasks import task_notice_issue
from tests.excel_files import ARRANGEMENT_HEADER, MALFORMED_CELLS, malformed_cell, text_cell
from tests.excel_files import xlsx_bytes as raw_xlsx
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    FinanceFactory,
    UserFactory,
    county,
    member_of,
    prefecture,
    province,
)

pytestmark = pytest.mark.django_db

TITLE = "2026年度部门预算政府采购项目安排情况表"
HEADERS = ("序号", "单位代码", "预算单位", "采购品目", "采购数量(个)", "采购金额(万元)")
NOTES = (
    "注：1. 此表主要用于梳理年度部门预算批复情况，方便对采购项目进行分类归集；",
    "2. 采购品目是指依据财政部《政府采购品目分类目录》（财库〔2022〕31号）确定的采购标的类别；",
    "3. 样表仅作参考，具体内容可根据实际调整。",
)
AUTO = object()


# --- building the files ---------------------------------------------------------------------------

def arrangement_workbook(
    rows: list[tuple],
    *,
    title: str | None = TITLE,
    headers: tuple = HEADERS,
    total: object = AUTO,
    notes: tuple[str, ...] = NOTES,
    sheet: str = "Sheet1",
    blank_lines_at: tuple[int, ...] = (),
) -> Workbook:
    """An annex-4 table: merged title row, header, 合计 row (the sum unless given), rows, notes.

    ``rows`` are (单位代码, 预算单位, 采购品目, 采购数量, 采购金额) and get their 序号; a blank
    line is inserted before each index in ``blank_lines_at``.
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    if total is AUTO:
        try:
            total = (sum(Decimal(str(r[3]).replace(",", "")) for r in rows),
                     sum(Decimal(str(r[4]).replace(",", "")) for r in rows))
        except ArithmeticError:  # a deliberately bad number: no 合计 row then
            total = None
    if total is not None:
        ws.append(["合计", None, None, None, str(total[0]), str(total[1])])
    for index, row in enumerate(rows):
        if index in blank_lines_at:
            ws.append([])
        ws.append([index + 1, *row])
    for note in notes:
        ws.append([note])
    return workbook


def xlsx_bytes(rows: list[tuple], **options) -> bytes:
    stream = BytesIO()
    arrangement_workbook(rows, **options).save(stream)
    return stream.getvalue()


def xlsx_file(path: Path, rows: list[tuple], **options) -> Path:
    arrangement_workbook(rows, **options).save(path)
    return path


# --- the scene --------------------------------------------------------------------------------------

@pytest.fixture
def bureau():
    return FinanceFactory(name="吉林省财政厅", region=province())


@pytest.fixture
def units():
    changchun = prefecture()
    return [
        BudgetUnitFactory(unit_code="101001", name="吉林省教育厅", short_name="省教育厅"),
        BudgetUnitFactory(unit_code="101002", name="吉林省卫生健康委员会"),
        BudgetUnitFactory(unit_code="201001", name="长春市财政局机关", region=changchun),
        BudgetUnitFactory(unit_code="201002", name="南关区教育局", region=county(parent=changchun)),
    ]


@pytest.fixture
def categories():
    return {
        "desktop": CategoryFactory(code="A02010105", name="台式计算机"),
        "laptop": CategoryFactory(code="A02010108", name="便携式计算机"),
        "printer": CategoryFactory(code="A02021003", name="A4黑白打印机"),
        "repair3": CategoryFactory(code="C23120300", name="车辆维修和保养服务", level=3),
        "repair4": CategoryFactory(code="C23120301", name="车辆维修和保养服务"),
        "property": CategoryFactory(code="C21040000", name="物业管理服务（含保安）", level=2,
                                    in_centralized_catalog=False),
    }


@pytest.fixture
def officer(bureau):
    return member_of(bureau)


def run_import(data: bytes, *, bureau, actor, year: int = 2026, name: str = "安排情况表.xlsx", **options):
    stream = BytesIO(data)
    stream.name = name
    return arrangement_import(file=stream, year=year, finance_bureau=bureau, actor=actor, **options)


def refused(data: bytes, *, bureau, actor, year: int = 2026) -> list[str]:
    """The errors of a refused import, after checking that nothing at all was written."""
    with pytest.raises(ArrangementImportError) as caught:
        run_import(data, bureau=bureau, actor=actor, year=year)
    assert Arrangement.objects.count() == 0
    assert ArrangementLine.objects.count() == 0
    assert caught.value.errors
    return caught.value.errors


GOOD_ROWS = [
    ("101001", "吉林省教育厅", "A02010105 台式计算机", "120", "60.5"),
    ("101001", "吉林省教育厅", "便携式计算机", "1,200", " 35 "),
    ("101002", "吉林省卫生健康委员会", "台式计算机（A02010105）", "８", "４.２"),
    ("201001", "长春市财政局机关", "A02021003", 3, 0.45),
    ("201002", "南关区教育局", "物业管理服务(含保安)", "1", "12.3456"),
]


# --- the file real offices send ------------------------------------------------------------------

def test_the_annex_layout_imports_every_row_with_exact_decimal_values(bureau, units, categories, officer):
    """Annex 4 layout: merged title, header, 合计 row first, numbered rows, blank lines, notes after."""
    data = xlsx_bytes(GOOD_ROWS, blank_lines_at=(2, 4))
    result = run_import(data, bureau=bureau, actor=officer)

    arrangement = result.arrangement
    assert arrangement.year == 2026
    assert arrangement.title == TITLE
    assert arrangement.is_current and arrangement.imported_by == officer
    assert arrangement.file_name == "安排情况表.xlsx" and len(arrangement.file_sha256) == 64
    assert arrangement.row_count == 5
    assert arrangement.total_quantity == Decimal("1332")
    assert arrangement.total_amount_wan == Decimal("112.4956")
    assert result.total_row_checked is True
    assert result.blank_rows == 2
    lines = list(arrangement.lines.order_by("row_number").values_list(
        "serial", "unit__unit_code", "category__code", "quantity", "amount_wan"))
    assert lines == [
        ("1", "101001", "A02010105", Decimal("120.00"), Decimal("60.5000")),
        ("2", "101001", "A02010108", Decimal("1200.00"), Decimal("35.0000")),
        ("3", "101002", "A02010105", Decimal("8.00"), Decimal("4.2000")),
        ("4", "201001", "A02021003", Decimal("3.00"), Decimal("0.4500")),
        ("5", "201002", "C21040000", Decimal("1.00"), Decimal("12.3456")),
    ]


def test_row_numbers_are_the_excel_rows_blank_lines_included(bureau, units, categories, officer):
    data = xlsx_bytes(GOOD_ROWS[:2], blank_lines_at=(1,))
    arrangement = run_import(data, bureau=bureau, actor=officer).arrangement
    # title 1, header 2, 合计 3, first row 4, blank 5, second row 6
    assert list(arrangement.lines.order_by("row_number").values_list("row_number", flat=True)) == [4, 6]


def test_a_table_without_title_total_or_notes_imports_too(bureau, units, categories, officer):
    data = xlsx_bytes(GOOD_ROWS[:1], title=None, total=None, notes=())
    result = run_import(data, bureau=bureau, actor=officer)
    assert result.arrangement.row_count == 1
    assert result.total_row_checked is False


def test_headers_with_full_width_brackets_and_line_breaks_are_recognized(bureau, units, categories, officer):
    headers = ("序 号", "单位代码", "预算单位名称", "采购品目\n（名称及编码）", "采购数量（个）", "采购金额\n（万元）")
    result = run_import(xlsx_bytes(GOOD_ROWS[:1], headers=headers), bureau=bureau, actor=officer)
    assert result.arrangement.row_count == 1


def test_the_unit_may_be_written_by_its_short_name_and_with_stray_spaces(bureau, units, categories, officer):
    rows = [("101001", "省教育厅", "A02010105", "1", "1"), (" 101002 ", "吉林省 卫生健康委员会", "A02010105", "1", "1")]
    assert run_import(xlsx_bytes(rows), bureau=bureau, actor=officer).arrangement.row_count == 2


def test_a_numeric_unit_code_cell_is_read_as_the_code(bureau, units, categories, officer):
    rows = [(101001, "吉林省教育厅", "A02010105", 1, 1)]
    line = run_import(xlsx_bytes(rows), bureau=bureau, actor=officer).arrangement.lines.get()
    assert line.unit.unit_code == "101001"


def test_template_rows_numbered_but_left_empty_are_skipped(bureau, units, categories, officer):
    """Annex 4's sample table comes with 序号 1–8 already filled in."""
    workbook = arrangement_workbook(GOOD_ROWS[:1], notes=())
    ws = workbook.active
    for serial in range(2, 9):
        ws.append([serial])
    stream = BytesIO()
    workbook.save(stream)
    result = run_import(stream.getvalue(), bureau=bureau, actor=officer)
    assert result.arrangement.row_count == 1
    assert result.blank_rows == 7


def test_the_total_row_at_the_bottom_is_checked_as_well(bureau, units, categories, officer):
    workbook = arrangement_workbook(GOOD_ROWS[:2], total=None, notes=())
    workbook.active.append(["合计", None, None, None, "1320", "95.5"])
    stream = BytesIO()
    workbook.save(stream)
    assert run_import(stream.getvalue(), bureau=bureau, actor=officer).total_row_checked is True


def test_the_sheet_with_the_table_is_found_after_a_cover_sheet(bureau, units, categories, officer):
    workbook = arrangement_workbook(GOOD_ROWS[:1], sheet="安排情况")
    cover = workbook.create_sheet("说明", 0)
    cover.append(["填表说明：请在第二个工作表填写"])
    stream = BytesIO()
    workbook.save(stream)
    result = run_import(stream.getvalue(), bureau=bureau, actor=officer)
    assert result.sheet_title == "安排情况" and result.arrangement.row_count == 1


# --- hidden sheets (issue 7 point 2): an import reads only what the clerk sees ------------------------

def workbook_bytes(workbook: Workbook) -> bytes:
    stream = BytesIO()
    workbook.save(stream)
    return stream.getvalue()


STALE_ROWS = (HEADERS, ("1", "999999", "不存在的单位", "量子计算机", "x", "-1"))  # refused, were it read


def with_hidden_first_sheet(workbook: Workbook, *, state: str, title: str = "旧表（勿删）",
                            rows: tuple = STALE_ROWS) -> Workbook:
    """``workbook`` with a hidden (or very hidden) sheet put first, holding ``rows``."""
    hidden = workbook.create_sheet(title, 0)
    for row in rows:
        hidden.append(list(row))
    hidden.sheet_state = state
    workbook.active = 1  # Excel keeps the active sheet visible
    return workbook


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_skipped_and_the_visible_table_imported(bureau, units, categories, officer, state):
    """A stale copy on a hidden first sheet (headers and rows that would be refused) is never read."""
    workbook = with_hidden_first_sheet(arrangement_workbook(GOOD_ROWS, sheet="安排情况表"), state=state)
    result = run_import(workbook_bytes(workbook), bureau=bureau, actor=officer)
    assert result.sheet_title == "安排情况表"
    assert result.arrangement.row_count == 5 and result.arrangement.total_amount_wan == Decimal("112.4956")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_table_only_on_a_hidden_sheet_is_refused_without_naming_it(bureau, units, categories, officer, state):
    """The clerk sees only the cover sheet: the refusal speaks of it, and of hidden sheets without naming one."""
    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请在本工作簿中填写安排情况表"])
    hidden = workbook.create_sheet("安排情况（隐藏）")
    for row in (list(HEADERS), ["1", *GOOD_ROWS[0]]):
        hidden.append(row)
    hidden.sheet_state = state
    (error,) = refused(workbook_bytes(workbook), bureau=bureau, actor=officer)
    assert "安排情况（隐藏）" not in error
    assert error.startswith("工作表「填表说明」的前10行中未找到表头")
    assert error.endswith("（工作簿中另有1个隐藏的工作表，导入时不读取；"
                          "如表格在隐藏的工作表中，请在Excel或WPS中取消隐藏后重新导入）")


def test_only_blank_visible_sheets_beside_a_hidden_table_are_called_blank_not_an_empty_file(
        bureau, units, categories, officer):
    workbook = with_hidden_first_sheet(Workbook(), state="hidden", title="数据源",
                                       rows=(HEADERS, ("1", *GOOD_ROWS[0])))
    (error,) = refused(workbook_bytes(workbook), bureau=bureau, actor=officer)
    assert error.startswith("可见的工作表都是空的（工作簿中另有1个隐藏的工作表") and "数据源" not in error


def test_a_workbook_with_no_visible_sheet_at_all_is_refused_in_chinese(bureau, units, categories, officer):
    """Excel never saves one, but other programs can: every <sheet> of workbook.xml marked hidden."""
    source, target = zipfile.ZipFile(BytesIO(xlsx_bytes(GOOD_ROWS))), BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'state="visible"', b'state="hidden"')
            archive.writestr(item, data)
    (error,) = refused(target.getvalue(), bureau=bureau, actor=officer)
    assert error == "工作簿中没有可见的工作表：请在Excel或WPS中取消隐藏含有表格的工作表，保存后重新导入"
    assert "Sheet1" not in error


def test_a_wrong_dimension_in_the_file_does_not_cut_rows_or_columns(bureau, units, categories, officer):
    """Some exporting programs write <dimension ref="A1"/>; read-only openpyxl would trust it."""
    data = xlsx_bytes(GOOD_ROWS)
    source, target = zipfile.ZipFile(BytesIO(data)), BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
                assert b'<dimension ref="A1"' in content
            archive.writestr(item, content)
    assert run_import(target.getvalue(), bureau=bureau, actor=officer).arrangement.row_count == 5


# --- malformed files: the error named, nothing imported ---------------------------------------------

def test_wrong_headers_are_refused_naming_the_expected_ones(bureau, units, categories, officer):
    headers = ("编号", "代码", "名称", "品名", "数目", "钱数")
    errors = refused(xlsx_bytes(GOOD_ROWS, headers=headers), bureau=bureau, actor=officer)
    assert errors == [
        "工作表「Sheet1」的前10行中未找到表头"
        "（应为：序号 / 单位代码 / 预算单位 / 采购品目 / 采购数量(个) / 采购金额(万元)），"
        "请使用《部门预算政府采购项目安排情况表》的格式"
    ]


def test_a_missing_column_is_named(bureau, units, categories, officer):
    headers = ("序号", "单位代码", "预算单位", "采购品目", "采购数量(个)", "备注")
    errors = refused(xlsx_bytes(GOOD_ROWS, headers=headers), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第2行：表头缺少「采购金额(万元)」列"
                      "（应为：序号 / 单位代码 / 预算单位 / 采购品目 / 采购数量(个) / 采购金额(万元)）"]


def test_an_amount_column_in_yuan_is_refused(bureau, units, categories, officer):
    """Annex 4 fixes the unit: 采购金额(万元). A table in 元 would be 10,000 times too large."""
    headers = ("序号", "单位代码", "预算单位", "采购品目", "采购数量(个)", "采购金额(元)")
    errors = refused(xlsx_bytes(GOOD_ROWS, headers=headers), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第2行：表头「采购金额(元)」未以万元为单位，"
                      "采购金额须以万元填写，表头应为「采购金额(万元)」"]


def test_text_in_a_number_cell_is_refused_with_sheet_row_column_and_reason(bureau, units, categories, officer):
    rows = [*GOOD_ROWS[:2], ("101002", "吉林省卫生健康委员会", "A02010105", "约10台", "五万")]
    errors = refused(xlsx_bytes(rows, total=("1330", "100.5")), bureau=bureau, actor=officer)
    assert errors == [
        "工作表「Sheet1」第6行「采购数量(个)」列：「约10台」不是有效的数字",
        "工作表「Sheet1」第6行「采购金额(万元)」列：「五万」不是有效的数字",
    ]


def test_an_unknown_unit_code_is_refused(bureau, units, categories, officer):
    rows = [*GOOD_ROWS[:1], ("999999", "不存在的单位", "A02010105", "1", "1")]
    errors = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第5行「单位代码」列：单位代码「999999」不是平台已登记的预算单位"]


def test_an_unknown_unit_code_from_a_number_cell_hints_at_lost_leading_zeros(bureau, units, categories, officer):
    rows = [(12345, "某单位", "A02010105", 1, 1)]
    (error,) = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert "单位代码「12345」不是平台已登记的预算单位" in error and "设置为文本格式" in error


def test_an_unknown_category_is_refused(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "量子计算机", "1", "1"), ("101001", "吉林省教育厅", "A99999999", "1", "1")]
    errors = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert errors == [
        "工作表「Sheet1」第4行「采购品目」列：品目「量子计算机」不在政府采购品目分类目录（财库〔2022〕31号）中，"
        "请填写品目编码或目录中的品目名称",
        "工作表「Sheet1」第5行「采购品目」列：品目编码「A99999999」不在政府采购品目分类目录（财库〔2022〕31号）中",
    ]


def test_a_negative_amount_is_refused(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "A02010105", "1", "-3.5")]
    errors = refused(xlsx_bytes(rows, total=None), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第3行「采购金额(万元)」列：不能为负数（-3.5）"]


def test_an_empty_file_is_refused(bureau, units, categories, officer):
    assert refused(b"", bureau=bureau, actor=officer) == ["文件是空的（0字节），请选择填好的安排情况表Excel文件"]


def test_an_empty_workbook_is_refused(bureau, units, categories, officer):
    stream = BytesIO()
    Workbook().save(stream)
    assert refused(stream.getvalue(), bureau=bureau, actor=officer) == ["文件是空的：工作簿中没有任何内容"]


def test_a_table_with_headers_but_no_rows_is_refused(bureau, units, categories, officer):
    errors = refused(xlsx_bytes([], total=None), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第2行：表头下没有任何数据行，文件中没有可导入的安排情况"]


def test_a_file_that_is_not_excel_is_refused(bureau, units, categories, officer):
    data = "序号,单位代码,预算单位\n1,101001,吉林省教育厅\n".encode()
    assert refused(data, bureau=bureau, actor=officer) == [
        "文件不是Excel工作簿（.xlsx），请上传用Excel或WPS保存的.xlsx文件"]


def test_an_old_xls_file_is_refused_with_the_way_out(bureau, units, categories, officer):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    assert refused(data, bureau=bureau, actor=officer) == [
        "不支持旧版Excel（.xls）格式，请在Excel或WPS中另存为.xlsx格式后重新导入"]


def test_a_broken_zip_is_refused_saying_what_is_wrong_without_an_exception_name(bureau, units, categories, officer):
    """Issue 7 point 14: the user read 「…可能已损坏：OSError」; a user never sees an exception class name."""
    (error,) = refused(b"PK\x03\x04 this is no workbook", bureau=bureau, actor=officer)
    assert error == ("文件无法作为Excel工作簿（.xlsx）读取：文件可能已损坏或未完整保存，"
                     "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入")
    assert not re.search(r"[A-Za-z]+(Error|Exception)", error)


# --- cells that cannot be read (issue 8 point 3) ------------------------------------------------------

def rows_with_a_bad_cell(cell: str, *, bad_row: int = 12) -> str:
    """The header, good rows, and at ``bad_row`` a row whose 预算单位 (column C) is ``cell``."""
    rows = [ARRANGEMENT_HEADER]
    for n in range(2, bad_row + 1):
        name = cell if n == bad_row else text_cell(f"C{n}", "吉林省教育厅")
        rows.append(f'<row r="{n}"><c r="A{n}"><v>{n - 1}</v></c>{text_cell(f"B{n}", "101001")}{name}'
                    f'{text_cell(f"D{n}", "A02010105")}<c r="E{n}"><v>1</v></c><c r="F{n}"><v>1</v></c></row>')
    return "".join(rows)


@pytest.mark.parametrize("kind", list(MALFORMED_CELLS))
def test_a_cell_that_cannot_be_read_is_refused_naming_sheet_row_and_column(bureau, units, categories, officer,
                                                                           kind):
    """Issue 8 point 3: it answered 500; now the import's error names the cell, and nothing is written."""
    cell, reason = malformed_cell(kind, "C12", "吉林省教育厅")
    errors = refused(raw_xlsx(rows_with_a_bad_cell(cell), sheet_name="安排情况"), bureau=bureau, actor=officer)
    assert errors == [f"工作表「安排情况」第12行C列：单元格内容无法读取（{reason}），文件可能已损坏，"
                      "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入"]


def test_the_same_rows_without_the_bad_cell_import(bureau, units, categories, officer):
    """The files above differ from this good one by the one cell."""
    data = raw_xlsx(rows_with_a_bad_cell(text_cell("C12", "吉林省教育厅")), sheet_name="安排情况")
    assert run_import(data, bureau=bureau, actor=officer).arrangement.row_count == 11


def test_a_value_right_of_the_column_limit_is_refused_and_nothing_written(bureau, units, categories, officer):
    """Issue 8 point 1: a row reaching column XFD is refused when it is reached, not padded to 16,384 values."""
    rows = rows_with_a_bad_cell(text_cell("C12", "吉林省教育厅")).replace(
        '<c r="F12"><v>1</v></c></row>', '<c r="F12"><v>1</v></c><c r="XFD12"><v>1</v></c></row>')
    errors = refused(raw_xlsx(rows, sheet_name="安排情况"), bureau=bureau, actor=officer)
    assert errors == ["工作表「安排情况」第12行XFD列：表格超过256列（最后一列为IV列），请删除多余的列后重新导入"]


def test_rows_past_the_row_limit_are_refused_when_reached(bureau, units, categories, officer, monkeypatch):
    monkeypatch.setattr("batch.arrangement.MAX_ROWS", 3)
    errors = refused(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第6行：表格超过3行，请按单位或地区分表后分别导入"]


# --- more row rules ---------------------------------------------------------------------------------

def test_a_unit_name_not_matching_the_code_is_an_error(bureau, units, categories, officer):
    """A mismatch means a shifted or mistyped row: importing it would credit the wrong unit."""
    rows = [("101001", "吉林省卫生健康委员会", "A02010105", "1", "1")]
    errors = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第4行「预算单位」列："
                      "「吉林省卫生健康委员会」与单位代码101001登记的单位名称「吉林省教育厅」不一致"]


def test_a_unit_outside_the_bureaus_region_is_an_error(units, categories):
    """Each finance bureau forms the table of its own level (本级) and the units below it."""
    changchun_bureau = FinanceFactory(name="长春市财政局", region=prefecture())
    rows = [("101001", "吉林省教育厅", "A02010105", "1", "1")]
    errors = refused(xlsx_bytes(rows), bureau=changchun_bureau, actor=member_of(changchun_bureau))
    assert errors == ["工作表「Sheet1」第4行「单位代码」列："
                      "预算单位「吉林省教育厅」（单位代码101001）不在长春市财政局的管辖范围（长春市及所辖地区）内"]


def test_a_category_name_matching_several_categories_names_them(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "车辆维修和保养服务", "1", "1")]
    errors = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第4行「采购品目」列："
                      "品目名称「车辆维修和保养服务」对应多个品目（C23120300、C23120301），请同时填写品目编码"]


def test_a_code_with_the_wrong_name_is_an_error(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "A02010105 便携式计算机", "1", "1")]
    (error,) = refused(xlsx_bytes(rows), bureau=bureau, actor=officer)
    assert error.endswith("品目编码「A02010105」对应「台式计算机」，与填写的名称「便携式计算机」不一致")


def test_more_decimals_than_the_table_keeps_are_an_error(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "A02010105", "1.005", "1.00001")]
    errors = refused(xlsx_bytes(rows, total=None), bureau=bureau, actor=officer)
    assert errors == [
        "工作表「Sheet1」第3行「采购数量(个)」列：最多保留2位小数（1.005）",
        "工作表「Sheet1」第3行「采购金额(万元)」列：最多保留4位小数（1.00001）",
    ]


def test_float_noise_from_excel_is_rounded_away(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "A02010105", 1, 0.1 + 0.2)]
    line = run_import(xlsx_bytes(rows, total=None), bureau=bureau, actor=officer).arrangement.lines.get()
    assert line.amount_wan == Decimal("0.3000")


def test_a_total_row_that_does_not_add_up_is_an_error(bureau, units, categories, officer):
    errors = refused(xlsx_bytes(GOOD_ROWS, total=("1332", "100")), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第3行「采购金额(万元)」列：合计行为100万元，各行合计为112.4956万元，二者不一致"]


def test_errors_are_collected_up_to_the_limit_then_reading_stops(bureau, units, categories, officer):
    rows = [("101001", "吉林省教育厅", "A02010105", "x", "1")] * (MAX_ERRORS + 10)
    with pytest.raises(ArrangementImportError) as caught:
        run_import(xlsx_bytes(rows, total=None), bureau=bureau, actor=officer)
    error = caught.value
    assert len(error.errors) == MAX_ERRORS
    assert error.truncated is True
    assert error.message.endswith("其余行未再检查，请全部修改后重新导入。")
    assert Arrangement.objects.count() == 0


def test_a_title_year_other_than_the_chosen_year_is_an_error(bureau, units, categories, officer):
    errors = refused(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer, year=2025)
    assert errors == ["工作表「Sheet1」第1行：表名「2026年度部门预算政府采购项目安排情况表」的年度为2026年，"
                      "与导入的年度2025年不一致"]


def test_errors_in_later_batches_still_stop_the_whole_import(bureau, units, categories, officer, monkeypatch):
    """All or nothing even when earlier batches were already written inside the transaction."""
    monkeypatch.setattr("batch.arrangement.BATCH_SIZE", 2)
    rows = [*GOOD_ROWS[:4], ("999999", "不存在的单位", "A02010105", "1", "1")]
    errors = refused(xlsx_bytes(rows, total=None), bureau=bureau, actor=officer)
    assert errors == ["工作表「Sheet1」第7行「单位代码」列：单位代码「999999」不是平台已登记的预算单位"]


def test_each_batch_resolves_its_unit_codes_in_one_query_and_one_bulk_insert(bureau, units, categories, officer,
                                                                              monkeypatch):
    monkeypatch.setattr("batch.arrangement.BATCH_SIZE", 2)
    rows = GOOD_ROWS * 4  # 20 rows → 10 batches; the 4 unit codes are all new in the first 3 batches
    with CaptureQueriesContext(connection) as queries:
        run_import(xlsx_bytes(rows), bureau=bureau, actor=officer)
    sql = [q["sql"] for q in queries.captured_queries]
    unit_lookups = [s for s in sql if '"unit_code" IN' in s and "procurement_organization" in s]
    inserts = [s for s in sql if s.startswith('INSERT INTO "batch_arrangementline"')]
    assert len(unit_lookups) == 3
    assert len(inserts) == 10
    assert ArrangementLine.objects.count() == 20


# --- re-importing a year (issue 7 point 3) ------------------------------------------------------------

@pytest.fixture
def dependents(bureau, units, categories, officer):
    """The current 2026 table, a proposal made from it, desktops adopted (task notice 吉财采购〔2026〕5号, issued),
    laptops declined."""
    current = run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer).arrangement
    center = CenterFactory(name="吉林省政府采购中心", region=bureau.region)
    proposal = category_proposal_submit(
        arrangement=current, center=center, category_ids=[categories["desktop"].pk, categories["laptop"].pk],
        note="省直单位集中更新办公设备", actor=member_of(center))
    desktop, laptop = proposal.items.order_by("rank")
    task = proposed_category_adopt(item=desktop, actor=officer).task
    TaskNotice.objects.filter(pk=task.pk).update(document_number="吉财采购〔2026〕5号")
    task_notice_issue(task=TaskNotice.objects.get(pk=task.pk), actor=officer)
    proposed_category_decline(item=ProposedCategory.objects.get(pk=laptop.pk), actor=officer, reason="需求已满足")
    return current


def test_reimporting_a_year_asks_for_confirmation_naming_what_depends_on_the_current_table(
        bureau, categories, officer, dependents):
    """Issue 7 point 3: proposals and task notices hang on the current table; nothing changes unconfirmed."""
    current = dependents
    events_before = ProjectEvent.objects.count()
    with pytest.raises(ArrangementReplaceRequired) as caught:
        run_import(xlsx_bytes(GOOD_ROWS[:2]), bureau=bureau, actor=officer)
    message = caught.value.message
    assert message.startswith(f"安排情况表未导入：吉林省财政厅2026年度已有现行安排情况表（第{current.pk}号，"
                              "文件「安排情况表.xlsx」，")
    assert "5行，采购金额合计112.50万元），导入新表将替换该表。" in message
    assert ("依据该表报送的品目建议1份、建议品目2个：台式计算机（已采纳，任务通知单吉财采购〔2026〕5号已下达）；"
            "便携式计算机（不予采纳）。") in message
    assert message.endswith("原表标记为已被替换，其明细和三维度分析仍可查看。")
    assert caught.value.status_code == 409 and caught.value.impact.current == current
    current.refresh_from_db()
    assert current.is_current and current.replaced_by is None and current.lines.count() == 5
    assert Arrangement.objects.count() == 1 and ProjectEvent.objects.count() == events_before


def test_a_year_without_proposals_still_asks_and_says_none_rest_on_it(bureau, units, categories, officer):
    run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer)
    with pytest.raises(ArrangementReplaceRequired, match="依据该表尚未报送品目建议。替换后，原表标记为已被替换"):
        run_import(xlsx_bytes(GOOD_ROWS[:2]), bureau=bureau, actor=officer)


def test_a_confirmed_replacement_keeps_the_replaced_table_readable_and_linked(bureau, categories, officer,
                                                                             dependents):
    old = dependents
    result = run_import(xlsx_bytes(GOOD_ROWS[:2]), bureau=bureau, actor=officer, replace=True, replacing=old.pk)
    new = result.arrangement
    old.refresh_from_db()
    assert result.superseded == old
    assert new.is_current and new.lines.count() == 2
    assert (old.is_current, old.replaced_by, old.replaced_at) == (False, new, new.imported_at)
    assert old.lines.count() == 5  # kept: its detail and analysis stay readable
    assert category_analysis(arrangement=old)[0].total_amount_wan == Decimal("64.7000")
    assert CategoryProposal.objects.get().arrangement == old  # proposals still point to the table they rest on
    assert Arrangement.objects.filter(finance_bureau=bureau, year=2026, is_current=True).get() == new


def test_the_replacement_is_recorded_on_the_replaced_table(bureau, categories, officer, dependents):
    old = dependents
    new = run_import(xlsx_bytes(GOOD_ROWS[:2]), bureau=bureau, actor=officer, replace=True).arrangement
    event = ProjectEvent.objects.get(subject_type="arrangement", subject_id=old.pk, action="arrangement_replace")
    assert (event.actor, event.action_label) == (officer, "安排情况表被替换")
    assert event.changes["replaced_by"] == new.pk and event.changes["proposal_count"] == 1
    assert [c["name"] for c in event.changes["categories"]] == ["台式计算机", "便携式计算机"]
    imported = ProjectEvent.objects.get(subject_type="arrangement", subject_id=new.pk, action="arrangement_import")
    assert imported.changes["superseded"] == old.pk


def test_a_confirmation_for_a_table_no_longer_current_is_asked_again(bureau, units, categories, officer):
    """The page confirms replacing the table it named: if another became current meanwhile, it asks again."""
    first = run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer).arrangement
    second = run_import(xlsx_bytes(GOOD_ROWS[:3]), bureau=bureau, actor=officer, replace=True).arrangement
    with pytest.raises(ArrangementReplaceRequired, match="确认之后现行表已有变化，请重新核对") as caught:
        run_import(xlsx_bytes(GOOD_ROWS[:2]), bureau=bureau, actor=officer, replace=True, replacing=first.pk)
    assert caught.value.impact.current == second
    second.refresh_from_db()
    assert second.is_current and Arrangement.objects.count() == 2


def test_another_year_is_not_replaced_and_needs_no_confirmation(bureau, units, categories, officer):
    old = run_import(xlsx_bytes(GOOD_ROWS, title=None), bureau=bureau, actor=officer, year=2025).arrangement
    run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer, year=2026)
    old.refresh_from_db()
    assert old.is_current and old.lines.count() == 5


def test_a_refused_file_even_when_confirmed_leaves_the_current_table_untouched(bureau, units, categories, officer):
    current = run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer).arrangement
    with pytest.raises(ArrangementImportError):
        run_import(xlsx_bytes([("999999", "x", "A02010105", "1", "1")]), bureau=bureau, actor=officer, replace=True)
    current.refresh_from_db()
    assert current.is_current and current.replaced_by is None and current.lines.count() == 5
    assert Arrangement.objects.count() == 1


def test_the_import_is_written_to_the_audit_log(bureau, units, categories, officer):
    arrangement = run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=officer).arrangement
    event = ProjectEvent.objects.get(subject_type="arrangement", subject_id=arrangement.pk)
    assert event.action == "arrangement_import" and event.actor == officer
    assert event.changes["row_count"] == 5 and event.changes["total_amount_wan"] == "112.4956"


# --- who may import ---------------------------------------------------------------------------------

def test_staff_of_another_bureau_may_not_import(bureau, units, categories):
    other = member_of(FinanceFactory(name="吉林市财政局"))
    with pytest.raises(PermissionDenied):
        run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=other)
    assert Arrangement.objects.count() == 0


def test_a_read_only_member_may_not_import(bureau, units, categories):
    viewer = member_of(bureau, role=Membership.Role.VIEWER)
    with pytest.raises(PermissionDenied):
        run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=viewer)


def test_a_budget_unit_user_may_not_import(bureau, units, categories):
    with pytest.raises(PermissionDenied):
        run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=member_of(units[0]))


def test_a_superuser_may_import_for_any_bureau(bureau, units, categories):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert run_import(xlsx_bytes(GOOD_ROWS), bureau=bureau, actor=admin).arrangement.imported_by == admin


def test_only_a_finance_bureau_has_an_arrangement_table(units, categories):
    with pytest.raises(ServiceError, match="不是财政部门"):
        run_import(xlsx_bytes(GOOD_ROWS), bureau=units[0], actor=access.SYSTEM)


def test_a_year_out_of_range_is_refused(bureau, units, categories, officer):
    with pytest.raises(ServiceError, match="年度「26」不正确"):
        run_import(xlsx_bytes(GOOD_ROWS, title=None), bureau=bureau, actor=officer, year=26)


# --- the management command -------------------------------------------------------------------------

def test_the_command_imports_a_file_and_reports_in_chinese(bureau, units, categories, tmp_path):
    path = xlsx_file(tmp_path / "2026.xlsx", GOOD_ROWS)
    out = StringIO()
    call_command("import_arrangement", str(path), "--year", "2026", stdout=out)
    arrangement = Arrangement.objects.get()
    assert arrangement.row_count == 5 and arrangement.imported_by is None
    text = out.getvalue()
    assert "导入完成" in text and "吉林省财政厅" in text and "5行" in text and "112.4956万元" in text


def test_the_command_picks_the_bureau_by_name_or_id(bureau, units, categories, tmp_path):
    FinanceFactory(name="长春市财政局", region=prefecture())
    path = xlsx_file(tmp_path / "2026.xlsx", GOOD_ROWS)
    call_command("import_arrangement", str(path), "--year", "2026", "--bureau", "吉林省财政厅", stdout=StringIO())
    call_command("import_arrangement", str(path), "--year", "2026", "--bureau", str(bureau.pk), "--replace",
                 stdout=StringIO())
    assert Arrangement.objects.filter(finance_bureau=bureau).count() == 2


def test_the_command_asks_which_bureau_when_there_are_several(bureau, units, categories, tmp_path):
    FinanceFactory(name="长春市财政局", region=prefecture())
    path = xlsx_file(tmp_path / "2026.xlsx", GOOD_ROWS)
    with pytest.raises(CommandError, match="请用 --bureau 指定"):
        call_command("import_arrangement", str(path), "--year", "2026", stdout=StringIO())


def test_the_command_fails_listing_every_error(bureau, units, categories, tmp_path):
    rows = [("999999", "x", "A02010105", "1", "1"), ("101001", "吉林省教育厅", "A02010105", "-1", "1")]
    path = xlsx_file(tmp_path / "bad.xlsx", rows, total=None)
    with pytest.raises(CommandError) as caught:
        call_command("import_arrangement", str(path), "--year", "2026", stdout=StringIO())
    message = str(caught.value)
    assert "安排情况表未导入" in message
    assert "第3行「单位代码」列" in message and "第4行「采购数量(个)」列：不能为负数（-1）" in message
    assert Arrangement.objects.count() == 0


def test_the_command_stops_before_replacing_a_year_and_replaces_with_replace(bureau, units, categories, tmp_path,
                                                                            dependents):
    """Issue 7 point 3: without --replace the command names what depends on the current table and changes nothing."""
    path = xlsx_file(tmp_path / "2026.xlsx", GOOD_ROWS[:2])
    with pytest.raises(CommandError) as caught:
        call_command("import_arrangement", str(path), "--year", "2026", stdout=StringIO())
    message = str(caught.value)
    assert "导入新表将替换该表" in message and "台式计算机（已采纳，任务通知单吉财采购〔2026〕5号已下达）" in message
    assert message.endswith("如确需替换，请加上 --replace 参数重新执行。")
    assert Arrangement.objects.get().is_current

    out = StringIO()
    call_command("import_arrangement", str(path), "--year", "2026", "--replace", stdout=out)
    assert f"已替换原2026年度安排情况表（第{dependents.pk}号，5行），原表标记为已被替换" in out.getvalue()
    dependents.refresh_from_db()
    assert not dependents.is_current and dependents.lines.count() == 5


def test_a_missing_file_fails_the_command_with_exit_status_1(bureau, units, categories, tmp_path):
    with pytest.raises(CommandError, match="文件不存在") as caught:
        call_command("import_arrangement", str(tmp_path / "missing.xlsx"), "--year", "2026", stdout=StringIO())
    assert caught.value.returncode == 1

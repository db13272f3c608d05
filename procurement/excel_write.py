"""Writing Excel workbooks: what every export (master plan, configuration table, analysis, …) shares.

What a user typed is put into a cell as text, never as a formula (issue 8 point 5, OWASP "CSV injection",
which applies to the formula cells of an .xlsx as much as to a CSV file).

Why a plain assignment is not enough: openpyxl infers a cell's type from the value (openpyxl 3.1,
``Cell._bind_value``): a str longer than one character that starts with "=" becomes a *formula* cell
(data type "f", written as ``<f>…</f>``), which Excel and WPS evaluate on opening; a str that is an error
code ("#N/A", "#REF!"…) becomes an error cell. A contact name ``=HYPERLINK("http://…","点此")`` or
``=cmd|' /C calc'!A0`` exported by ``ws.append([...])`` or ``sheet.cell(value=...)`` therefore runs in
the reader's spreadsheet.

``cell_put`` assigns the value and then sets the data type back to "s": openpyxl writes such a cell as
an inline string (``<c t="inlineStr"><is><t>…</t></is></c>``), which Excel and WPS show character for
character and never evaluate. In a typed cell the other characters OWASP lists ("+", "-", "@", tab,
carriage return) are just as inert: they matter only in a CSV file, where the reader guesses each
value's type. So no apostrophe or space is put before the text: the cell shows exactly what was typed,
and an export imported again (the configuration table's round trip) gives back the same text.

One way back to a formula remains: a reader who opens such a cell for editing (F2, then Enter) makes
Excel parse the text again as if just typed. Text starting with one of those characters is therefore
also marked ``quotePrefix``, Excel's own mark for "entered with a leading apostrophe", which keeps it
text through an edit; the mark is a style, the value stays as typed.

Characters XML 1.0 cannot hold at all (control characters other than tab, line feed and carriage
return) make openpyxl raise ``IllegalCharacterError``: no spreadsheet could show them, so they are
dropped rather than failing the whole export with a 500.

Numbers, dates and ``None`` are written as they are: numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.rich_text import CellRichText

# OWASP, "CSV Injection": what a spreadsheet may read as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_put(cell: Cell, value: Any) -> Cell:
    """Put ``value`` into ``cell``: a str as text (never a formula nor an error code), anything else as is."""
    if isinstance(value, str) and not isinstance(value, CellRichText):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def sheet_put(sheet, row: int, column: int, value: Any) -> Cell:
    """``sheet.cell(row=…, column=…, value=…)`` of a normal (not write-only) worksheet, with ``cell_put``."""
    return cell_put(sheet.cell(row=row, column=column), value)


def write_only_cell(sheet, value: Any = None) -> Cell:
    """A cell for a write-only worksheet's ``append`` (openpyxl's ``WriteOnlyCell``), with ``cell_put``."""
    return cell_put(Cell(sheet, row=1, column=1), value)


def write_only_row(sheet, values: Iterable[Any]) -> list[Any]:
    """``values`` ready for a write-only worksheet's ``append``: each str becomes a text cell.

    A write-only worksheet turns every plain value of an appended row into a cell by assignment (the
    formula inference above); cells already built (``write_only_cell``, with their styles) are kept.
    """
    return [write_only_cell(sheet, value) if isinstance(value, str) else value for value in values]

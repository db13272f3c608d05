"""Reading uploaded Excel workbooks: what every import (arrangement, configuration, volume, framework) shares.

An import reads what the clerk sees in Excel or WPS, and nothing else. A workbook often carries
hidden sheets: a stale copy of last year's table, the source lists of a drop-down, a template's
instructions. Hidden and very hidden sheets ("veryHidden", which only the VBA editor can show) are
never read, and no message ever names one: the clerk cannot see it, so a message about it could not
be acted on. When a hidden sheet was skipped, a refusal may say so (without naming it), because a
clerk who hid the real table by mistake needs to know where to look.

openpyxl opened ``read_only=True`` sets each ``ReadOnlyWorksheet.sheet_state`` from the workbook's
``<sheet state="…">`` attribute (``openpyxl.reader.excel.ExcelReader.read_worksheets``): "visible",
"hidden" or "veryHidden"; an absent attribute reads as "visible". Chart sheets are not worksheets
(``Workbook.worksheets`` leaves them out), so they are never read either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from procurement.services.errors import ServiceError

VISIBLE = "visible"

UNREADABLE = ("文件无法作为Excel工作簿（.xlsx）读取：文件可能已损坏或未完整保存，"
              "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入")
NO_VISIBLE_SHEET = "工作簿中没有可见的工作表：请在Excel或WPS中取消隐藏含有表格的工作表，保存后重新导入"


class ExcelUnreadable(ServiceError):
    """The upload is not a workbook openpyxl can open; the message says so in Chinese (never an exception name)."""

    def __init__(self, message: str = UNREADABLE) -> None:
        super().__init__(message, field="file")


def workbook_open(stream: IO[bytes]):
    """The workbook in ``stream``, opened read-only with cached values (what Excel last showed), not formulas.

    Raises ``ExcelUnreadable`` for anything openpyxl cannot open: a broken or truncated zip, a zip
    that is not a workbook, a workbook part it cannot parse. The user is told in Chinese what is wrong
    and what to do; the exception's class name is never shown (issue 7 point 14).
    """
    from openpyxl import load_workbook

    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises a dozen kinds (BadZipFile, KeyError, XML syntax errors…)
        raise ExcelUnreadable() from None


def sheet_is_visible(worksheet) -> bool:
    return (getattr(worksheet, "sheet_state", None) or VISIBLE) == VISIBLE


@dataclass(frozen=True)
class VisibleSheets:
    """The worksheets a clerk sees, in the workbook's order, and how many hidden ones were left unread."""

    sheets: tuple
    hidden_count: int

    @property
    def titles(self) -> list[str]:
        return [sheet.title for sheet in self.sheets]

    def hidden_note(self) -> str:
        """A sentence to append to a refusal when hidden sheets were skipped (it names none of them)."""
        if not self.hidden_count:
            return ""
        return (f"（工作簿中另有{self.hidden_count}个隐藏的工作表，导入时不读取；"
                "如表格在隐藏的工作表中，请在Excel或WPS中取消隐藏后重新导入）")


def visible_worksheets(workbook) -> VisibleSheets:
    """The visible worksheets of ``workbook``; raises ``ServiceError(NO_VISIBLE_SHEET)`` when there is none.

    Excel and WPS never save a workbook without a visible sheet, but other programs can.
    """
    sheets = tuple(ws for ws in workbook.worksheets if sheet_is_visible(ws))
    if not sheets:
        raise ServiceError(NO_VISIBLE_SHEET, field="file")
    return VisibleSheets(sheets=sheets, hidden_count=len(workbook.worksheets) - len(sheets))

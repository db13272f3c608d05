"""Import kinds (导入类型): what an import job runs, registered by the app that owns the import.

The core keeps the job (``procurement.models.ImportJob``), its task and its pages; each mode app
registers its imports here (``batch.imports``: the arrangement table, the configuration table; volume
and framework imports to come), like deadline sources (``procurement.services.reminders``). A kind's
``run`` calls the app's existing import service with a ``progress`` callback and answers an
``ImportOutcome``, or raises ``ImportFailed`` with the Chinese summary and the errors of the file, each
at its sheet, row and column. Anything else it raises is a fault of ours, not of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from procurement.models import ImportJob

# progress(rows_read, rows_total): rows_total is None while the total is not known.
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ImportOutcome:
    """A committed import: the Chinese sentence the user reads, and what it made."""

    summary: str
    result_id: int | None = None
    result_url: str = ""  # the page of what the import made


@dataclass(frozen=True)
class SheetError:
    """One problem of the file: where (sheet, row, column, each blank when the message names none) and what."""

    sheet: str
    row: int | None
    column: str
    message: str  # the whole Chinese sentence, place included, as the import pages have always shown it

    def as_data(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


# How the imports name a place: 工作表「Sheet1」第3行「单位代码」列：… (arrangement), 工作表「Sheet1」第5行B列
# （采购标的品目）：… (configuration), 工作表「Sheet1」：… (a sheet-wide problem); also with “ ” quotes.
PLACE = re.compile(
    r"^工作表[「“](?P<sheet>[^」”]*)[」”]"
    r"(?:第(?P<row>\d+)行)?"
    r"(?:(?:[「“](?P<label>[^」”]*)[」”]|(?P<letter>[A-Z]{1,3}))列(?:（(?P<header>.*?)）)?)?"
    r"[：:]",
    re.S,
)


def sheet_error(text: str) -> SheetError:
    """A refusal's sentence with its place read out, for the page's table and the API's clients."""
    found = PLACE.match(text)
    if found is None:
        return SheetError(sheet="", row=None, column="", message=text)
    column = found["label"] or found["letter"] or ""
    if found["letter"] and found["header"]:
        column = f"{found['letter']}（{found['header']}）"
    return SheetError(sheet=found["sheet"], row=int(found["row"]) if found["row"] else None, column=column,
                      message=text)


class ImportFailed(Exception):
    """The file was refused: nothing was written. ``summary`` says so in Chinese; ``errors`` lists where."""

    def __init__(self, summary: str, errors: Iterable[str | SheetError] = ()) -> None:
        super().__init__(summary)
        self.summary = summary
        self.errors = [e if isinstance(e, SheetError) else sheet_error(e) for e in errors]


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str  # what is imported, in Chinese: 安排情况表
    run: Callable[[ImportJob, Progress], ImportOutcome]
    max_bytes: int  # larger uploads are refused before they are stored
    upload_url: Callable[[ImportJob], str]  # the page to upload a corrected file
    result_label: str = "查看导入结果"  # the link to what a successful import made
    result_api_url: Callable[[int], str] | None = None  # the API address of what it made


_KINDS: dict[str, ImportKind] = {}


def import_kind_register(kind: ImportKind) -> ImportKind:
    _KINDS[kind.key] = kind
    return kind


def import_kind(key: str) -> ImportKind | None:
    return _KINDS.get(key)


def import_kinds() -> list[ImportKind]:
    return list(_KINDS.values())

"""Importing the budget arrangement table (部门预算政府采购项目安排情况表).

Seed 000 三(一)1(1) 拟定项目: finance turns the year's approved department budgets into this table
and hands it to the centralized procurement agency, which analyses it (see ``batch.analysis``).
Annex 4 fixes the layout: a title row ``2026年度部门预算政府采购项目安排情况表``, the headers
序号 / 单位代码 / 预算单位 / 采购品目 / 采购数量(个) / 采购金额(万元), a 合计 row, notes below.

The import is all or nothing: any bad row stops it, and the error lists sheet, row, column and
reason. Rows are streamed from the workbook (``procurement.excel.rows``: bounded memory and time
whatever the file claims, a cell that cannot be read refused by its place), checked against dictionaries
loaded once (the catalog) or per batch (the budget units, one query per batch of new codes), and
written with ``bulk_create`` in batches inside one transaction, so memory stays flat however long
the table is.

Re-importing a year (issue 7 point 3): when the bureau already has a current table for the year,
category proposals (拟定品目) and, through them, task notices rest on it. The import then refuses
with ``ArrangementReplaceRequired`` (nothing read, nothing written), which names what depends on the
current table, until the caller confirms with ``replace=True``. The replaced table keeps its lines:
it is marked 已被替换 (when, and by which table) and its detail and analysis stay readable.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from batch.models import Arrangement, ArrangementLine, ProposedCategory
from procurement import access, excel
from procurement.formats import wan_text
from procurement.imports import Progress
from procurement.models import Category, Organization
from procurement.services.errors import ServiceError
from procurement.services.events import event_record

MAX_ERRORS = 50  # then stop reading: a file this wrong is fixed and uploaded again
HEADER_SEARCH_ROWS = 10  # the header row is looked for in the first rows (title and subtitle come first)
BATCH_SIZE = 5000  # rows resolved (one query for their new unit codes) and written per batch
YEAR_RANGE = (2000, 2100)
MAX_FILE_BYTES = 50 * 1024 * 1024  # a 100,000-row table is about 3 MB
MAX_ROWS = 500_000  # beyond this a request would hold a web worker for minutes: split the table
PROGRESS_ROWS = 1000  # rows read between two calls of the caller's progress(rows_read, rows_total)

QUANTITY_PLACES = 2  # ArrangementLine.quantity: max_digits=14, decimal_places=2
AMOUNT_PLACES = 4  # ArrangementLine.amount_wan: 万元 to four places is to the yuan
QUANTITY_LIMIT = Decimal(10) ** (14 - QUANTITY_PLACES)
AMOUNT_LIMIT = Decimal(10) ** (14 - AMOUNT_PLACES)
FLOAT_TOLERANCE = Decimal("1e-9")  # Excel stores numbers as binary floats: 0.1 + 0.2 is not 0.3

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (OLE2) format
ZIP_MAGIC = b"PK"

TOTAL_LABELS = {"合计", "总计"}
NOTE_PREFIXES = ("注", "备注", "说明")
TITLE_YEAR = re.compile(r"(\d{4})\s*年")
CATEGORY_CODE = re.compile(r"(?<![0-9A-Za-z])([ABCabc]\d{8})(?![0-9])")
CATEGORY_NAME_NOISE = re.compile(r"[\s()\[\]{}【】〔〕<>《》:;,/、\-—_|·.]+")
NUMBER_NOISE = re.compile(r"[\s,']")


# --- the columns of annex 4 -------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str  # as the annex writes it: used in messages when the file's own header is unknown
    required: bool = True


SERIAL = Column("serial", "序号", required=False)
UNIT_CODE = Column("unit_code", "单位代码")
UNIT_NAME = Column("unit_name", "预算单位")
CATEGORY = Column("category", "采购品目")
QUANTITY = Column("quantity", "采购数量(个)")
AMOUNT = Column("amount", "采购金额(万元)")
COLUMNS = (SERIAL, UNIT_CODE, UNIT_NAME, CATEGORY, QUANTITY, AMOUNT)
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c.required)
NUMBER_COLUMNS = ((QUANTITY, QUANTITY_PLACES, QUANTITY_LIMIT), (AMOUNT, AMOUNT_PLACES, AMOUNT_LIMIT))


def _header_column(text: str) -> Column | None:
    """Which annex column a header cell names (tolerating full-width brackets, spaces, line breaks)."""
    if text == "序号":
        return SERIAL
    if text in {"单位代码", "预算单位代码", "单位编码", "预算单位编码", "单位编号"}:
        return UNIT_CODE
    if text in {"预算单位", "预算单位名称", "单位名称"}:
        return UNIT_NAME
    if text.startswith(("采购品目", "品目")):
        return CATEGORY
    if text.startswith(("采购数量", "数量")):
        return QUANTITY
    if text.startswith(("采购金额", "预算金额", "金额")):
        return AMOUNT
    return None


# --- errors and result -------------------------------------------------------------------------

class ArrangementImportError(ServiceError):
    """The file was refused; ``errors`` lists every problem found (sheet, row, column, reason).

    Nothing was written: the previous table of the bureau and year, if any, stays current.
    """

    def __init__(self, errors: list[str], *, truncated: bool = False) -> None:
        self.errors = list(errors)
        self.truncated = truncated
        lines = [f"安排情况表未导入（全部数据均未写入），共发现{len(self.errors)}处错误：", *self.errors]
        if truncated:
            lines.append(f"已列出{MAX_ERRORS}处错误，其余行未再检查，请全部修改后重新导入。")
        super().__init__("\n".join(lines), field="file")


@dataclass(frozen=True)
class ArrangementImportResult:
    arrangement: Arrangement
    superseded: Arrangement | None  # the table this import replaced (kept, marked 已被替换)
    sheet_title: str
    blank_rows: int  # blank lines (and numbered template rows left empty) that were skipped
    total_row_checked: bool  # a 合计 row was present and equals the sum of the lines


# --- replacing the current table of a year ----------------------------------------------------------

@dataclass(frozen=True)
class DependentCategory:
    """A category proposed from the current table (拟定品目), with finance's decision and its task notice."""

    code: str
    name: str
    status: str  # 待论证 / 已采纳 / 不予采纳
    task: str  # the task notice drafted from it: "文号（状态）", "任务通知单草稿", or ""


@dataclass(frozen=True)
class ReplacementImpact:
    """What rests on the current table an import would replace."""

    current: Arrangement
    proposal_count: int
    categories: tuple[DependentCategory, ...]

    def summary(self) -> str:
        """In Chinese: the table that would be replaced, what depends on it, and what stays as it is."""
        current = self.current
        imported = timezone.localtime(current.imported_at)
        text = (f"{current.finance_bureau.name}{current.year}年度已有现行安排情况表（第{current.pk}号"
                f"{f'，文件「{current.file_name}」' if current.file_name else ''}，{imported:%Y-%m-%d %H:%M}导入，"
                f"{current.row_count:,}行，采购金额合计{wan_text(current.total_amount_wan)}），导入新表将替换该表。")
        if self.categories:
            listed = "；".join(
                f"{c.name}（{c.status}{f'，{c.task}' if c.task else ''}）" for c in self.categories
            )
            text += (f"依据该表报送的品目建议{self.proposal_count}份、建议品目{len(self.categories)}个：{listed}。"
                     "替换后，这些品目建议和任务通知单保持不变，仍链接原表；")
        else:
            text += "依据该表尚未报送品目建议。替换后，"
        return text + "原表标记为已被替换，其明细和三维度分析仍可查看。"

    def as_data(self) -> dict:
        """For the API's 409 answer and the audit row."""
        return {
            "current": self.current.pk,
            "proposal_count": self.proposal_count,
            "categories": [{"code": c.code, "name": c.name, "status": c.status, "task": c.task}
                           for c in self.categories],
        }


class ArrangementReplaceRequired(ServiceError):
    """The bureau already has a current table for the year: the import waits for the caller's confirmation.

    Nothing was read or written. ``impact`` names what depends on the current table; each interface adds
    how its user confirms (the page: a checkbox; the API: ``replace=true``; the command: ``--replace``).
    """

    status_code = 409

    def __init__(self, impact: ReplacementImpact, *, changed: bool = False) -> None:
        self.impact = impact
        lead = "安排情况表未导入：确认之后现行表已有变化，请重新核对。" if changed else "安排情况表未导入："
        super().__init__(f"{lead}{impact.summary()}", field="replace")


def _task_label(item: ProposedCategory) -> str:
    task = item.task
    if task is None:
        return ""
    if task.status == task.Status.DRAFT:
        return "任务通知单草稿"
    return f"任务通知单{task.document_number or '（未编文号）'}{task.get_status_display()}"


def arrangement_replacement_impact(*, current: Arrangement) -> ReplacementImpact:
    """The proposals made from ``current`` and, for each proposed category, its status and task notice."""
    items = list(
        ProposedCategory.objects.filter(proposal__arrangement=current)
        .select_related("category", "task").order_by("proposal__submitted_at", "proposal_id", "rank", "pk")
    )
    return ReplacementImpact(
        current=current,
        proposal_count=len({item.proposal_id for item in items}),
        categories=tuple(DependentCategory(code=item.category.code, name=item.category.name,
                                           status=item.get_status_display(), task=_task_label(item))
                         for item in items),
    )


def _current_of(finance_bureau: Organization, year: int, *, lock: bool = False) -> Arrangement | None:
    tables = Arrangement.objects.select_related("finance_bureau")
    if lock:
        tables = tables.select_for_update(of=("self",))
    return tables.filter(finance_bureau=finance_bureau, year=year, is_current=True).first()


def _check_replacement(current: Arrangement | None, *, replace: bool, replacing: int | None) -> None:
    """Refuse unless the caller confirmed replacing ``current`` (and, when it says which, that very table)."""
    if current is None:
        return
    if not replace:
        raise ArrangementReplaceRequired(arrangement_replacement_impact(current=current))
    if replacing is not None and replacing != current.pk:
        raise ArrangementReplaceRequired(arrangement_replacement_impact(current=current), changed=True)


class _CellError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- cell values -------------------------------------------------------------------------------

def _normal(text: str) -> str:
    """NFKC: full-width digits, letters, brackets and spaces become their ASCII forms."""
    return unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _normal(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _compact(text: str) -> str:
    """For comparing names: no whitespace at all (real files carry stray spaces and line breaks)."""
    return "".join(text.split())


def _category_key(text: str) -> str:
    """A category name as compared: normalized, without spaces, brackets or separators."""
    return _compact(CATEGORY_NAME_NOISE.sub("", _normal(text)))


def _number(value: Any, *, places: int, limit: Decimal) -> Decimal:
    """A non-negative amount or quantity from a number cell or a number stored as text.

    Accepts "1,200", " 35 ", full-width digits "１２", and Excel's binary floats (rounded to
    ``places`` when they differ from it only by float noise).
    """
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, bool) or value is None:
        raise _CellError("不是有效的数字" if value is not None else "不能为空")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
        if number.is_finite():
            rounded = number.quantize(quantum)
            if abs(number - rounded) <= FLOAT_TOLERANCE:
                number = rounded
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        raw = value
        text = NUMBER_NOISE.sub("", _normal(value).replace("−", "-"))
        if not text:
            raise _CellError("不能为空")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _CellError(f"「{raw.strip()}」不是有效的数字") from None
    else:
        raise _CellError(f"「{value}」不是有效的数字")
    if not number.is_finite():
        raise _CellError(f"「{value}」不是有效的数字")
    if number < 0:
        raise _CellError(f"不能为负数（{_plain(number)}）")
    if number != number.quantize(quantum):
        raise _CellError(f"最多保留{places}位小数（{_plain(number)}）")
    if number >= limit:
        raise _CellError(f"数值过大（{_plain(number)}）")
    return number.quantize(quantum)


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:f}"


# --- the catalog and the budget units ----------------------------------------------------------

class _Catalog:
    """Category code → (id, name) and name → [(id, code)], loaded once (the catalog is ~4,300 rows)."""

    def __init__(self) -> None:
        self.by_code: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        for pk, code, name in Category.objects.values_list("id", "code", "name").order_by("code").iterator():
            self.by_code[code.upper()] = (pk, name)
            self.by_name.setdefault(_category_key(name), []).append((pk, code))
        self._seen: dict[str, int | str] = {}

    def resolve(self, text: str) -> int:
        """The category id of a cell written as code, name, or both; raises _CellError otherwise."""
        found = self._seen.get(text)
        if found is None:
            try:
                found = self._resolve(text)
            except _CellError as error:
                found = error.reason
            self._seen[text] = found
        if isinstance(found, str):
            raise _CellError(found)
        return found

    def _resolve(self, text: str) -> int:
        if not text:
            raise _CellError("不能为空")
        codes = {match.upper() for match in CATEGORY_CODE.findall(text)}
        name = _category_key(CATEGORY_CODE.sub(" ", text))
        if len(codes) > 1:
            raise _CellError(f"「{text}」含有多个品目编码（{'、'.join(sorted(codes))}），每行只能填写一个品目")
        if codes:
            code = codes.pop()
            if code not in self.by_code:
                raise _CellError(f"品目编码「{code}」不在政府采购品目分类目录（财库〔2022〕31号）中")
            pk, catalog_name = self.by_code[code]
            if name and name != _category_key(catalog_name):
                raise _CellError(f"品目编码「{code}」对应「{catalog_name}」，与填写的名称「{name}」不一致")
            return pk
        matches = self.by_name.get(name, [])
        if not matches:
            raise _CellError(f"品目「{text}」不在政府采购品目分类目录（财库〔2022〕31号）中，"
                             "请填写品目编码或目录中的品目名称")
        if len(matches) > 1:
            listed = "、".join(code for _, code in matches)
            raise _CellError(f"品目名称「{text}」对应多个品目（{listed}），请同时填写品目编码")
        return matches[0][0]


@dataclass(frozen=True)
class _Unit:
    pk: int
    name: str
    names: frozenset[str]  # the name and short name, compacted, that the file may use
    region_path: str
    kind: str
    is_active: bool


class _Units:
    """Budget units by unit code: each batch's new codes are resolved in one query, then cached."""

    def __init__(self, finance_bureau: Organization) -> None:
        self.region_path = finance_bureau.region.path
        self.bureau_name = finance_bureau.name
        self.region_name = finance_bureau.region.name
        self._by_code: dict[str, _Unit | None] = {}
        self._checked: dict[tuple[str, str], int] = {}  # (code, name as written) → unit id, once found good

    def load(self, codes: set[str]) -> None:
        new = codes - self._by_code.keys()
        if not new:
            return
        rows = Organization.objects.filter(unit_code__in=new).values_list(
            "unit_code", "id", "name", "short_name", "region__path", "kind", "is_active",
        )
        for code, pk, name, short_name, path, kind, is_active in rows:
            names = frozenset(_compact(_normal(n)) for n in (name, short_name) if n)
            self._by_code[code] = _Unit(pk, name, names, path, kind, is_active)
        for code in new:
            self._by_code.setdefault(code, None)

    def check(self, code: str, name: str, *, code_was_number: bool) -> tuple[int | None, list[tuple[Column, str]]]:
        """The unit id, or the problems with the code and name of one row."""
        known = self._checked.get((code, name))
        if known is not None:
            return known, []
        unit = self._by_code.get(code)
        if unit is None or unit.kind != Organization.Kind.BUDGET_UNIT:
            hint = "（如单位代码以0开头，请将该列设置为文本格式后重新填写）" if code_was_number else ""
            reason = "不是预算单位" if unit is not None else "不是平台已登记的预算单位"
            return None, [(UNIT_CODE, f"单位代码「{code}」{reason}{hint}")]
        problems: list[tuple[Column, str]] = []
        if not unit.is_active:
            problems.append((UNIT_CODE, f"预算单位「{unit.name}」（单位代码{code}）已停用"))
        if not unit.region_path.startswith(self.region_path):
            problems.append((UNIT_CODE, f"预算单位「{unit.name}」（单位代码{code}）不在{self.bureau_name}"
                                        f"的管辖范围（{self.region_name}及所辖地区）内"))
        # The name must match the unit of the code: a mismatch means a shifted or mistyped row, and a
        # wrong row in the budget table would be aggregated into the wrong unit's demand. So: an error.
        if not name:
            problems.append((UNIT_NAME, f"不能为空（单位代码{code}对应「{unit.name}」）"))
        elif _compact(name) not in unit.names:
            problems.append((UNIT_NAME, f"「{name}」与单位代码{code}登记的单位名称「{unit.name}」不一致"))
        if problems:
            return None, problems
        self._checked[(code, name)] = unit.pk
        return unit.pk, problems


# --- reading the workbook ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Layout:
    sheet_title: str
    header_row: int
    indexes: dict[str, int]  # column key → 0-based index in the row
    labels: dict[str, str]  # column key → the header as written in the file
    title: str
    title_row: int | None


class _Row(NamedTuple):
    number: int
    serial: str
    unit_code: str
    unit_name: str
    code_was_number: bool
    category_id: int
    quantity: Decimal
    amount: Decimal


class _Reader:
    """Walks one sheet's rows and turns them into checked lines, collecting the errors."""

    def __init__(self, *, layout: _Layout, catalog: _Catalog, units: _Units) -> None:
        self.layout = layout
        self.catalog = catalog
        self.units = units
        self.errors: list[tuple[int, int, str]] = []  # (row, column index, message) for sorting
        self.truncated = False
        self.blank_rows = 0
        self.total_row: tuple[int, Decimal | None, Decimal | None] | None = None
        self._indexes = tuple(layout.indexes.get(c.key) for c in COLUMNS)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_ERRORS

    def error(self, row: int, column: Column | None, reason: str) -> None:
        if self.full:
            self.truncated = True
            return
        sheet = self.layout.sheet_title
        if column is None:
            self.errors.append((row, -1, f"工作表「{sheet}」第{row}行：{reason}"))
        else:
            label = self.layout.labels.get(column.key, column.label)
            index = self.layout.indexes.get(column.key, -1)
            self.errors.append((row, index, f"工作表「{sheet}」第{row}行「{label}」列：{reason}"))

    def failed(self, error: excel.ExcelRefused) -> None:
        """The sheet could not be read on (its message names the place): listed even when the list is full."""
        self.errors.append((getattr(error, "row", 0), getattr(error, "column", 0) - 1, error.message))

    def _cells(self, values: tuple) -> list[Any]:
        """The row's cells in COLUMNS order; missing and whitespace-only cells are None."""
        size = len(values)
        cells = []
        for index in self._indexes:
            value = values[index] if index is not None and index < size else None
            if value.__class__ is str and not value.strip():
                value = None
            cells.append(value)
        return cells

    def rows(self, sheet_rows: Iterator[excel.SheetRow]) -> Iterator[_Row]:
        """The data rows after the header, checked cell by cell (units are checked per batch).

        Blank lines are not in ``sheet_rows``: they are the gaps between its row numbers.
        """
        previous = self.layout.header_row
        for number, values in sheet_rows:
            if number <= self.layout.header_row:
                continue
            self.blank_rows += number - previous - 1
            previous = number
            cells = self._cells(values)
            kind = self._classify(values, cells)
            if self.full and kind in ("data", "total"):
                self.truncated = True  # more rows to check, but the list is long enough to act on
                return
            if kind == "data":
                row = self._data(number, cells)
                if row is not None:
                    yield row
            elif kind == "blank":
                self.blank_rows += 1
            elif kind == "total":
                self._total(number, cells)
            else:  # the notes under the table (注：…): the data has ended
                return

    @staticmethod
    def _classify(values: tuple, cells: list[Any]) -> str:
        serial, code, name, category, quantity, amount = cells
        for text in (serial, code, name, category):
            if text.__class__ is str and "计" in text and _compact(_normal(text)) in TOTAL_LABELS:
                return "total"
        if quantity is None and amount is None:
            first = next((v for v in values if v is not None and not (v.__class__ is str and not v.strip())), None)
            if first is None:
                return "blank"
            if first.__class__ is str and _compact(_normal(first)).startswith(NOTE_PREFIXES):
                return "note"
            if code is None and name is None and category is None:
                return "blank"  # the annex's template rows come numbered: only a 序号 is an unused line
        return "data"

    def _total(self, number: int, cells: list[Any]) -> None:
        if self.total_row is not None:
            self.error(number, None, f"合计行重复（第{self.total_row[0]}行已有合计行）")
            return
        declared: list[Decimal | None] = []
        for (column, places, limit), value in zip(NUMBER_COLUMNS, cells[4:], strict=True):
            if value is None:
                declared.append(None)
                continue
            try:
                declared.append(_number(value, places=places, limit=limit))
            except _CellError as error:
                self.error(number, column, f"合计行{error.reason}")
                declared.append(None)
        self.total_row = (number, declared[0], declared[1])

    def _data(self, number: int, cells: list[Any]) -> _Row | None:
        serial, raw_code, raw_name, raw_category, raw_quantity, raw_amount = cells
        problems: list[tuple[Column, str]] = []
        code = _text(raw_code)
        if not code:
            problems.append((UNIT_CODE, "不能为空"))
        category_id = 0
        try:
            category_id = self.catalog.resolve(_text(raw_category))
        except _CellError as error:
            problems.append((CATEGORY, error.reason))
        quantity = amount = Decimal(0)
        try:
            quantity = _number(raw_quantity, places=QUANTITY_PLACES, limit=QUANTITY_LIMIT)
        except _CellError as error:
            problems.append((QUANTITY, error.reason))
        try:
            amount = _number(raw_amount, places=AMOUNT_PLACES, limit=AMOUNT_LIMIT)
        except _CellError as error:
            problems.append((AMOUNT, error.reason))
        if problems:
            for column, reason in problems:
                self.error(number, column, reason)
            return None
        return _Row(number, _text(serial)[:16], code, _text(raw_name), isinstance(raw_code, int | float),
                    category_id, quantity, amount)


def _find_layout(workbook, *, year: int) -> _Layout:
    """The first sheet with the annex headers in its first rows, and where its header row is."""
    problems: list[str] = []
    any_content = False
    try:
        visible = excel.visible_worksheets(workbook)  # hidden sheets are never read, nor named (issue 7 point 2)
    except ServiceError as error:
        raise ArrangementImportError([error.message]) from None
    for sheet in visible.sheets:
        title, title_row = "", None
        for number, values in _first_rows(sheet):
            texts = [_compact(_text(v)) for v in values]
            if any(texts):
                any_content = True
            found: dict[str, int] = {}
            labels: dict[str, str] = {}
            wrong_unit = ""
            for index, text in enumerate(texts):
                column = _header_column(text)
                if column is None or column.key in found:
                    continue
                if column is AMOUNT and "万元" not in text:
                    wrong_unit = _text(values[index])
                    continue
                found[column.key] = index
                labels[column.key] = _text(values[index]).replace("\n", "")
            if len(found) + bool(wrong_unit) >= 3:  # this is the header row
                missing = [c.label for c in REQUIRED_COLUMNS if c.key not in found]
                if wrong_unit:
                    problems.append(f"工作表「{sheet.title}」第{number}行：表头「{wrong_unit}」未以万元为单位，"
                                    f"采购金额须以万元填写，表头应为「采购金额(万元)」")
                    missing = [m for m in missing if m != AMOUNT.label]
                if missing:
                    problems.append(f"工作表「{sheet.title}」第{number}行：表头缺少「{'」「'.join(missing)}」列"
                                    f"（应为：{' / '.join(c.label for c in COLUMNS)}）")
                if problems:
                    raise ArrangementImportError(problems)
                _check_title_year(sheet.title, title, title_row, year)
                return _Layout(sheet.title, number, found, labels, title, title_row)
            if not title:
                first = next((_text(v) for v in values if _text(v)), "")
                if "安排情况表" in first:
                    title, title_row = first, number
    if not any_content:
        empty = "可见的工作表都是空的" if visible.hidden_count else "文件是空的：工作簿中没有任何内容"
        raise ArrangementImportError([f"{empty}{visible.hidden_note()}"])
    names = "、".join(f"「{title}」" for title in visible.titles)
    raise ArrangementImportError([
        f"工作表{names}的前{HEADER_SEARCH_ROWS}行中未找到表头（应为：{' / '.join(c.label for c in COLUMNS)}），"
        f"请使用《部门预算政府采购项目安排情况表》的格式{visible.hidden_note()}"
    ])


def _first_rows(sheet) -> Iterator[excel.SheetRow]:
    """The rows of the first HEADER_SEARCH_ROWS lines of ``sheet`` that hold a value; a read error is refused."""
    try:
        for row in excel.rows(sheet):
            if row.number > HEADER_SEARCH_ROWS:
                return
            yield row
    except excel.ExcelRefused as error:
        raise ArrangementImportError([error.message]) from None


def _check_title_year(sheet_title: str, title: str, title_row: int | None, year: int) -> None:
    match = TITLE_YEAR.search(title)
    if match and int(match.group(1)) != year:
        raise ArrangementImportError([
            f"工作表「{sheet_title}」第{title_row}行：表名「{title}」的年度为{match.group(1)}年，与导入的年度{year}年不一致"
        ])


def _open(file: str | Path | IO[bytes]) -> tuple[IO[bytes], bool]:
    if isinstance(file, str | Path):
        return open(file, "rb"), True  # closed by the caller
    file.seek(0)
    return file, False


def _fingerprint(stream: IO[bytes]) -> tuple[str, bytes]:
    """SHA-256 of the whole file and its first bytes (to tell an .xls or a non-Excel file apart)."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    while chunk := stream.read(1 << 20):
        if not head:
            head = chunk[:8]
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            raise ArrangementImportError([f"文件超过{limit}MB，请检查是否为安排情况表，或分表导入"])
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest(), head


def _load(stream: IO[bytes], head: bytes):
    if not head:
        raise ArrangementImportError(["文件是空的（0字节），请选择填好的安排情况表Excel文件"])
    if head.startswith(XLS_MAGIC):
        raise ArrangementImportError(["不支持旧版Excel（.xls）格式，请在Excel或WPS中另存为.xlsx格式后重新导入"])
    if not head.startswith(ZIP_MAGIC):
        raise ArrangementImportError(["文件不是Excel工作簿（.xlsx），请上传用Excel或WPS保存的.xlsx文件"])
    try:
        return excel.workbook_open(stream)
    except excel.ExcelRefused as error:  # not a workbook, or one over the limits of procurement.excel
        raise ArrangementImportError([error.message]) from None


# --- the service -------------------------------------------------------------------------------

def _check_may_import(*, finance_bureau: Organization, actor) -> None:
    if finance_bureau.kind != Organization.Kind.FINANCE:
        raise ServiceError(f"「{finance_bureau.name}」不是财政部门，只能为财政部门导入安排情况表",
                           field="finance_bureau")
    if not (access.is_privileged(actor) or access.acts_for(actor, finance_bureau.pk, write=True)):
        raise PermissionDenied(f"您无权为{finance_bureau.name}导入安排情况表")


def arrangement_import_check(*, year: int, finance_bureau: Organization, actor, replace: bool = False,
                             replacing: int | None = None) -> None:
    """What ``arrangement_import`` checks before reading the file: the actor's right, the year, and a current
    table to replace (``ArrangementReplaceRequired`` unless confirmed). The import job queue asks it in the
    request, before storing anything; the import asks it again when it runs."""
    _check_may_import(finance_bureau=finance_bureau, actor=actor)
    if not isinstance(year, int) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ServiceError(f"年度「{year}」不正确，应为{YEAR_RANGE[0]}至{YEAR_RANGE[1]}之间的四位年份", field="year")
    _check_replacement(_current_of(finance_bureau, year), replace=replace, replacing=replacing)


def arrangement_import(
    *,
    file: str | Path | IO[bytes],
    year: int,
    finance_bureau: Organization,
    actor,
    file_name: str = "",
    replace: bool = False,
    replacing: int | None = None,
    progress: Progress | None = None,
) -> ArrangementImportResult:
    """Import ``file`` as ``finance_bureau``'s arrangement table for ``year``: all rows or none.

    ``actor`` is a user acting for the bureau (a writing member), a superuser, or
    ``procurement.access.SYSTEM`` (the management command). Raises ``ArrangementImportError``
    with every problem found; nothing is written then.

    When the bureau has a current table for ``year``, raises ``ArrangementReplaceRequired`` (before
    reading the file) unless ``replace`` is true; ``replacing``, when given, is the id of the table the
    user confirmed replacing, and the import is refused again if the current table is another by then.

    ``progress``, when given, is called with the rows read so far every ``PROGRESS_ROWS`` rows (the import
    job's page shows them), and once more with the rows read and their total when the sheet is read.
    """
    arrangement_import_check(year=year, finance_bureau=finance_bureau, actor=actor, replace=replace,
                             replacing=replacing)
    if not file_name:
        file_name = Path(file).name if isinstance(file, str | Path) else Path(getattr(file, "name", "") or "").name
    stream, owned = _open(file)
    try:
        sha256, head = _fingerprint(stream)
        workbook = _load(stream, head)
        try:
            layout = _find_layout(workbook, year=year)
            catalog = _Catalog()
            return _write(workbook=workbook, layout=layout, catalog=catalog, year=year,
                          finance_bureau=finance_bureau, actor=actor, file_name=file_name[:255], sha256=sha256,
                          replace=replace, replacing=replacing, progress=progress)
        finally:
            workbook.close()
    finally:
        if owned:
            stream.close()


@transaction.atomic
def _write(*, workbook, layout: _Layout, catalog: _Catalog, year: int, finance_bureau: Organization, actor,
           file_name: str, sha256: str, replace: bool, replacing: int | None,
           progress: Progress | None = None) -> ArrangementImportResult:
    # One import at a time per bureau: the second waits here, then finds the first current (and asks again
    # unless the caller confirmed replacing it).
    Organization.objects.select_for_update().filter(pk=finance_bureau.pk).first()
    superseded = _current_of(finance_bureau, year, lock=True)
    _check_replacement(superseded, replace=replace, replacing=replacing)
    impact = arrangement_replacement_impact(current=superseded) if superseded is not None else None
    if superseded is not None:
        # Its lines stay: the replaced table's detail and analysis remain readable (issue 7 point 3).
        Arrangement.objects.filter(pk=superseded.pk).update(is_current=False)
    try:
        with transaction.atomic():
            arrangement = Arrangement.objects.create(
                year=year, finance_bureau=finance_bureau, title=layout.title[:200], file_name=file_name,
                file_sha256=sha256, imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ServiceError(f"{finance_bureau.name}{year}年度的安排情况表正在由他人导入，请稍后重试") from None

    units = _Units(finance_bureau)
    reader = _Reader(layout=layout, catalog=catalog, units=units)
    sheet = workbook[layout.sheet_title]
    count, total_quantity, total_amount = 0, Decimal(0), Decimal(0)
    pending: list[_Row] = []
    line = _line_factory()

    def flush() -> None:
        nonlocal count, total_quantity, total_amount
        units.load({row.unit_code for row in pending})
        lines = []
        for row in pending:
            unit_id, problems = units.check(row.unit_code, row.unit_name, code_was_number=row.code_was_number)
            for column, reason in problems:
                reader.error(row.number, column, reason)
            if unit_id is None:
                continue
            count += 1
            total_quantity += row.quantity
            total_amount += row.amount
            if not reader.errors:  # once anything is wrong, only check the rest: nothing will be kept
                lines.append(line(arrangement.pk, row.number, row.serial, unit_id, row.category_id,
                                  row.quantity, row.amount))
        if lines and not reader.errors:
            ArrangementLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
        pending.clear()

    read = reported = 0
    try:
        for row in reader.rows(excel.rows(sheet, max_rows=layout.header_row + MAX_ROWS)):
            read = row.number - layout.header_row
            if progress is not None and read >= reported + PROGRESS_ROWS:
                progress(read, None)
                reported = read
            pending.append(row)
            if len(pending) >= BATCH_SIZE:
                flush()
    except excel.TooManyRows as error:
        reader.error(error.row, None, f"表格超过{MAX_ROWS:,}行，请按单位或地区分表后分别导入")
    except excel.ExcelRefused as error:  # a cell that cannot be read, a column past the limit: reading stops
        reader.failed(error)
    flush()
    if progress is not None:
        progress(read, read)

    total_checked = _check_total(reader, total_quantity, total_amount)
    if not reader.errors and count == 0:
        reader.error(layout.header_row, None, "表头下没有任何数据行，文件中没有可导入的安排情况")
    if reader.errors:
        reader.errors.sort(key=lambda e: (e[0], e[1]))
        raise ArrangementImportError([message for _, _, message in reader.errors], truncated=reader.truncated)

    arrangement.row_count = count
    arrangement.total_quantity = total_quantity
    arrangement.total_amount_wan = total_amount
    arrangement.save(update_fields=["row_count", "total_quantity", "total_amount_wan"])
    if superseded is not None:
        _mark_replaced(superseded, by=arrangement, impact=impact, actor=actor)
    event_record(
        subject=arrangement, action="arrangement_import", action_label="导入安排情况表", actor=actor,
        changes={
            "year": year, "finance_bureau": finance_bureau.name, "file_name": file_name, "file_sha256": sha256,
            "row_count": count, "total_quantity": str(total_quantity), "total_amount_wan": str(total_amount),
            "superseded": superseded.pk if superseded else None,
        },
        note=f"替代第{superseded.pk}号安排情况表" if superseded else "",
    )
    return ArrangementImportResult(arrangement=arrangement, superseded=superseded, sheet_title=layout.sheet_title,
                                   blank_rows=reader.blank_rows, total_row_checked=total_checked)


def _mark_replaced(replaced: Arrangement, *, by: Arrangement, impact: ReplacementImpact, actor) -> None:
    replaced.is_current, replaced.replaced_by, replaced.replaced_at = False, by, by.imported_at
    Arrangement.objects.filter(pk=replaced.pk).update(replaced_by=by, replaced_at=by.imported_at)
    event_record(
        subject=replaced, action="arrangement_replace", action_label="安排情况表被替换", actor=actor,
        changes={"replaced_by": by.pk, "file_name": by.file_name, **impact.as_data()},
        note=f"被第{by.pk}号安排情况表替换；依据本表的品目建议{impact.proposal_count}份、"
             f"建议品目{len(impact.categories)}个保持不变",
    )


LINE_FIELDS = ("id", "arrangement_id", "row_number", "serial", "unit_id", "category_id", "quantity", "amount_wan")


def _line_factory():
    """ArrangementLine(arrangement_id, row_number, serial, unit_id, category_id, quantity, amount_wan).

    Positional construction is Django's fast path (the one ``from_db`` takes); it is used while the
    model's fields are exactly LINE_FIELDS, and keyword construction otherwise.
    """
    if tuple(f.attname for f in ArrangementLine._meta.concrete_fields) == LINE_FIELDS:
        return lambda *values: ArrangementLine(None, *values)
    return lambda *values: ArrangementLine(**dict(zip(LINE_FIELDS[1:], values, strict=True)))


def _check_total(reader: _Reader, quantity: Decimal, amount: Decimal) -> bool:
    """The 合计 row, when the file has one, must equal the sum of the lines (else a row is missing)."""
    if reader.total_row is None or reader.errors:
        return False
    number, declared_quantity, declared_amount = reader.total_row
    if declared_amount is not None and declared_amount != amount:
        reader.error(number, AMOUNT,
                     f"合计行为{_plain(declared_amount)}万元，各行合计为{_plain(amount)}万元，二者不一致")
    if declared_quantity is not None and declared_quantity != quantity:
        reader.error(number, QUANTITY, f"合计行为{_plain(declared_quantity)}，各行合计为{_plain(quantity)}，二者不一致")
    return not reader.errors and (declared_amount is not None or declared_quantity is not None)

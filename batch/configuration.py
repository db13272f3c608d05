"""批量集中采购产品配置表 (seed 000 三(一)1(2) and annex 6): the configuration types the center designs per
category, with their technical parameters, and the annex's Excel layout in and out.

The layout (annex 6)::

    ××品目批量集中采购产品配置表
    填报日期：  年  月  日
    序号 | 采购标的品目 | 配置1 | 配置2 | … | 配置N
    1    | A02010105 台式计算机 | <parameters> | <parameters> | …
    注：1. 采购品目是指依据财政部《政府采购品目分类目录》（财库〔2022〕31号）确定的采购标的类别；
    2. 样表仅作参考，具体内容可根据实际调整。

The category cell holds a code, a name or both; each non-empty 配置k cell is configuration type k of
that row's category. A header may name its column ("配置1（通用办公型）"); a cell may name its own type
on a first line "【名称】". Imports are all-or-nothing: every error is reported with its sheet, row and
column, and nothing is changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from batch.models import ConfigurationTable, ConfigurationType, TaskNotice
from procurement import access, excel
from procurement.imports import Progress
from procurement.models import Category, Organization
from procurement.services.dates import chinese_date, day_checked
from procurement.services.errors import ServiceError
from procurement.services.events import event_record

HEADER_SERIAL = "序号"
HEADER_CATEGORY = "采购标的品目"
CONFIG_HEADER = re.compile(r"^配置\s*(\d{1,3})\s*(?:[（(]\s*(.*?)\s*[）)])?$")
CELL_NAME = re.compile(r"^【([^】\n]{1,100})】[ \t]*\n")
CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([ABC]\d{2,10})(?![0-9])")
DATE_IN_TEXT = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
NAME_TRIM = " \t\r\n　（）()【】[]·-—:：,，、/"
NOTES = (
    "注：1. 采购品目是指依据财政部《政府采购品目分类目录》（财库〔2022〕31号）确定的采购标的类别；",
    "2. 样表仅作参考，具体内容可根据实际调整；",
    "3. 采购标的品目可填写品目编码、名称或“编码 名称”；配置名称可写在表头括号内，如“配置1（通用办公型）”。",
)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DATA_ROWS = 2000
MAX_CONFIGURATIONS = 50
HEADER_SEARCH_ROWS = 15
MAX_REPORTED_ERRORS = 20
PROGRESS_ROWS = 100  # rows written between two calls of the caller's progress(rows_read, rows_total)
NAME_MAX = ConfigurationType._meta.get_field("name").max_length
TITLE_MAX = ConfigurationTable._meta.get_field("title").max_length
UOM_MAX = ConfigurationType._meta.get_field("unit_of_measure").max_length
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRefused(ServiceError):
    """An import with errors: ``errors`` lists each one with its place; nothing was changed."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = f"（另有{len(errors) - len(shown)}处错误未列出）" if len(errors) > len(shown) else ""
        super().__init__(f"导入失败，未做任何更改。共{len(errors)}处错误：{'；'.join(shown)}{more}", field="file")
        self.errors = errors


def default_type_name(number: int) -> str:
    return f"配置{number}"


# --- reads ---------------------------------------------------------------------------------------

# Who compiles and keeps the 产品配置表 (seed 000 三(一)(2): 责任部门 各级集中采购机构), for the pages
# (``kind_required``) and the API's writes (``seats_required``) alike (issue 8 point 4).
COMPILERS = (Organization.Kind.CENTER,)


def configuration_tables_visible(user) -> QuerySet:
    """The tables of the centers the user acts for, and those made for the user's bureaus' task notices."""
    qs = ConfigurationTable.objects.select_related("center", "task__category", "task__finance_bureau")
    if access.is_superuser(user):
        return qs
    centers = access.org_ids(user, kind=Organization.Kind.CENTER)
    bureaus = access.org_ids(user, kind=Organization.Kind.FINANCE)
    return qs.filter(Q(center_id__in=centers) | Q(task__finance_bureau_id__in=bureaus))


def configuration_tables_of_centers(user) -> QuerySet:
    """The tables of the centers the user acts for: the center pages."""
    qs = ConfigurationTable.objects.select_related("center", "task__category", "task__finance_bureau")
    if access.is_superuser(user):
        return qs
    return qs.filter(center_id__in=access.org_ids(user, kind=Organization.Kind.CENTER))


def configuration_types_of(table: ConfigurationTable) -> QuerySet:
    return table.types.select_related("category").order_by("row_number", "number")


@dataclass
class TableRow:
    """One row of the table as the annex shows it: a category and its types by number."""

    row_number: int
    category: Category
    types: dict[int, ConfigurationType]


def configuration_table_rows(table: ConfigurationTable) -> tuple[list[TableRow], int]:
    """The rows of ``table`` and the highest configuration number N (columns 配置1 … 配置N)."""
    rows: dict[int, TableRow] = {}
    highest = 0
    for config in configuration_types_of(table):
        row = rows.setdefault(config.category_id, TableRow(config.row_number, config.category, {}))
        row.types[config.number] = config
        highest = max(highest, config.number)
    return sorted(rows.values(), key=lambda r: (r.row_number, r.category.code)), highest


# --- categories ----------------------------------------------------------------------------------

def category_resolve(text: str) -> Category:
    """The category a cell or a form means: its code, its exact name, or both ("A02010105 台式计算机")."""
    text = str(text or "").strip()
    if not text:
        raise ServiceError("请填写采购标的品目（品目编码或名称）", field="category")
    found = CODE_IN_TEXT.search(text)
    if found:
        code = found.group(1)
        name = (text[:found.start()] + text[found.end():]).strip(NAME_TRIM)
        category = Category.objects.filter(code=code).first()
        if category is None:
            raise ServiceError(f"品目编码「{code}」不在政府采购品目分类目录中", field="category")
        if name and name != category.name:
            raise ServiceError(f"品目编码「{code}」对应「{category.name}」，与填写的名称「{name}」不一致",
                               field="category")
        return category
    name = text.strip(NAME_TRIM)
    matches = list(Category.objects.filter(name=name)[:2])
    if not matches:
        raise ServiceError(f"未找到名称为「{name}」的品目，请填写品目编码", field="category")
    if len(matches) > 1:
        raise ServiceError(f"名称「{name}」对应多个品目，请填写品目编码", field="category")
    return matches[0]


def _ancestors(category: Category) -> list[Category]:
    chain, node, seen = [], category, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = node.parent
    return chain


def category_check_for_table(*, category: Category, task: TaskNotice | None) -> None:
    """A row of the table is the task's category or one below it; without a task, a catalog item."""
    chain = _ancestors(category)
    if task is not None:
        if task.category_id not in {node.pk for node in chain}:
            raise ServiceError(
                f"品目「{category.code} {category.name}」不属于任务通知单的采购品目「{task.category.code} "
                f"{task.category.name}」", field="category")
        return
    if not any(node.in_centralized_catalog for node in chain):
        # Seed 000 二(一)2: batch procurement is for items inside the government centralized catalog.
        raise ServiceError(f"品目「{category.code} {category.name}」未纳入政府集中采购目录，不能实施批量集中采购",
                           field="category")


# --- checks --------------------------------------------------------------------------------------

def _check_center(*, center: Organization, actor) -> None:
    if center.kind != Organization.Kind.CENTER:
        raise ServiceError(f"「{center.name}」不是集中采购机构，不能编制产品配置表", field="center")
    if not (access.is_superuser(actor) or access.acts_for(actor, center.pk)):
        raise PermissionDenied(f"您不是{center.name}的经办人员，不能编制或修改其产品配置表")


def configuration_table_task_check(*, task: TaskNotice | None, center: Organization) -> None:
    if task is None:
        return
    if task.center_id != center.pk:
        raise ServiceError("该任务通知单不是下达给本集中采购机构的", field="task")
    if task.status != TaskNotice.Status.ACKNOWLEDGED:
        raise ServiceError(f"任务通知单{task.get_status_display()}，签收后才能编制产品配置表", field="task")


def _check_editable(table: ConfigurationTable, *, actor) -> None:
    _check_center(center=table.center, actor=actor)
    if table.task_id and table.task.status == TaskNotice.Status.WITHDRAWN:
        raise ServiceError("任务通知单已撤回，产品配置表不能再修改")
    if table.projects.exists():
        raise ServiceError("产品配置表已用于设立采购项目，不能再修改")


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ServiceError("请填写表名", field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(f"表名不能超过{TITLE_MAX}个字", field="title")
    return title


def _clean_date(value: Any) -> date:
    """The 填报日期: the day the table was filled in, so never in the future (issue 7 point 5). It may precede
    the task it serves: a center may survey the market before the task arrives, and reuse a table."""
    if isinstance(value, datetime):
        value = value.date()
    return day_checked(value, field="filled_on", label="填报日期")


def configuration_type_values_check(*, number: Any, name: str, parameters: str, unit_of_measure: str,
                       reference_price_yuan: Any) -> dict[str, Any]:
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_CONFIGURATIONS:
        raise ServiceError(f"配置序号应为1至{MAX_CONFIGURATIONS}之间的整数", field="number")
    name = (name or "").strip() or default_type_name(number)
    if len(name) > NAME_MAX:
        raise ServiceError(f"配置名称不能超过{NAME_MAX}个字", field="name")
    parameters = (parameters or "").strip()
    if not parameters:
        raise ServiceError("请填写技术参数", field="parameters")
    unit_of_measure = (unit_of_measure or "").strip()
    if not unit_of_measure:
        raise ServiceError("请填写计量单位", field="unit_of_measure")
    if len(unit_of_measure) > UOM_MAX:
        raise ServiceError(f"计量单位不能超过{UOM_MAX}个字", field="unit_of_measure")
    price = None
    if reference_price_yuan not in (None, ""):
        invalid = ServiceError(f"参考单价「{reference_price_yuan}」不是有效的数字", field="reference_price_yuan")
        try:
            price = Decimal(str(reference_price_yuan).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise invalid from None
        if not price.is_finite():
            raise invalid
        if price < 0:
            raise ServiceError("参考单价不能为负数", field="reference_price_yuan")
        if price != price.quantize(Decimal("0.01")) or price >= Decimal("1e12"):
            raise ServiceError("参考单价最多保留两位小数（单位：元）", field="reference_price_yuan")
    return {"number": number, "name": name, "parameters": parameters, "unit_of_measure": unit_of_measure,
            "reference_price_yuan": price}


def _renumber_rows(table: ConfigurationTable) -> None:
    """序号 1…n in the current row order, with no gaps (a category keeps one row number)."""
    order = table.types.values_list("category_id", flat=True).order_by("row_number", "category__code")
    seen: list[int] = []
    for category_id in order:
        if category_id not in seen:
            seen.append(category_id)
    for index, category_id in enumerate(seen, start=1):
        table.types.filter(category_id=category_id).exclude(row_number=index).update(row_number=index)


def _row_number_for(table: ConfigurationTable, category: Category) -> int:
    existing = table.types.filter(category=category).values_list("row_number", flat=True).first()
    if existing is not None:
        return existing
    return (table.types.aggregate(top=Max("row_number"))["top"] or 0) + 1


# --- writes --------------------------------------------------------------------------------------

@transaction.atomic
def configuration_table_create(
    *,
    center: Organization,
    task: TaskNotice | None = None,
    title: str,
    filled_on: date,
    actor,
) -> ConfigurationTable:
    """A new, empty product configuration table of ``center`` (for an acknowledged task, if given)."""
    _check_center(center=center, actor=actor)
    configuration_table_task_check(task=task, center=center)
    table = ConfigurationTable.objects.create(center=center, task=task, title=_clean_title(title),
                                              filled_on=_clean_date(filled_on))
    event_record(subject=table, action="create", action_label="编制产品配置表", actor=actor,
                 changes={"title": table.title, "filled_on": table.filled_on.isoformat(), "task": task and task.pk})
    return table


@transaction.atomic
def configuration_table_update(
    *,
    table: ConfigurationTable,
    title: str,
    filled_on: date,
    actor,
) -> ConfigurationTable:
    """Rename the table or change its 填报日期."""
    table = ConfigurationTable.objects.select_for_update().get(pk=table.pk)
    _check_editable(table, actor=actor)
    values = {"title": _clean_title(title), "filled_on": _clean_date(filled_on)}
    changes = {name: [str(getattr(table, name)), str(value)] for name, value in values.items()
               if getattr(table, name) != value}
    for name, value in values.items():
        setattr(table, name, value)
    table.save(update_fields=list(values))
    event_record(subject=table, action="update", action_label="修改产品配置表", actor=actor, changes=changes)
    return table


@transaction.atomic
def configuration_type_set(
    *,
    table: ConfigurationTable,
    category: Category,
    number: int,
    parameters: str,
    name: str = "",
    unit_of_measure: str = "台",
    reference_price_yuan: Decimal | str | None = None,
    actor,
) -> ConfigurationType:
    """Define 配置``number`` of ``category`` in ``table`` (create it, or replace what it says)."""
    table = ConfigurationTable.objects.select_for_update().get(pk=table.pk)
    _check_editable(table, actor=actor)
    category_check_for_table(category=category, task=table.task)
    values = configuration_type_values_check(number=number, name=name, parameters=parameters,
                                             unit_of_measure=unit_of_measure, reference_price_yuan=reference_price_yuan)
    config = table.types.filter(category=category, number=number).first()
    if config is None:
        config = ConfigurationType.objects.create(table=table, category=category,
                                                  row_number=_row_number_for(table, category), **values)
        action, label = "configuration_type_create", "新增产品配置分型"
    else:
        for key, value in values.items():
            setattr(config, key, value)
        config.save()
        action, label = "configuration_type_update", "修改产品配置分型"
    event_record(subject=table, action=action, action_label=label, actor=actor,
                 changes={"category": category.code, **{k: str(v) if v is not None else None
                                                         for k, v in values.items()}})
    return config


@transaction.atomic
def configuration_type_update(
    *,
    configuration_type: ConfigurationType,
    parameters: str,
    name: str = "",
    unit_of_measure: str = "台",
    reference_price_yuan: Decimal | str | None = None,
    actor,
) -> ConfigurationType:
    """Edit one configuration type (its category and number stay)."""
    return configuration_type_set(
        table=configuration_type.table, category=configuration_type.category, number=configuration_type.number,
        parameters=parameters, name=name, unit_of_measure=unit_of_measure,
        reference_price_yuan=reference_price_yuan, actor=actor,
    )


@transaction.atomic
def configuration_type_delete(*, configuration_type: ConfigurationType, actor) -> None:
    """Remove one configuration type; the remaining rows are renumbered 1…n."""
    table = ConfigurationTable.objects.select_for_update().get(pk=configuration_type.table_id)
    _check_editable(table, actor=actor)
    if configuration_type.lots.exists():
        raise ServiceError(f"「{configuration_type}」已用于设立采购包，不能删除")
    described = {"category": configuration_type.category.code, "number": configuration_type.number,
                 "name": configuration_type.name}
    configuration_type.delete()
    _renumber_rows(table)
    event_record(subject=table, action="configuration_type_delete", action_label="删除产品配置分型", actor=actor,
                 changes=described)


# --- Excel: reading --------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class ParsedType:
    number: int
    name: str
    parameters: str


@dataclass
class ParsedRow:
    row_number: int
    excel_row: int
    category: Category
    types: list[ParsedType] = field(default_factory=list)


@dataclass
class ParsedTable:
    sheet: str
    title: str
    filled_on: date | None
    rows: list[ParsedRow]


def _place(sheet: str, row: int, column: int | None = None, header: str = "") -> str:
    from openpyxl.utils import get_column_letter

    where = f"工作表「{sheet}」第{row}行"
    if column is not None:
        where += f"{get_column_letter(column)}列"
        if header:
            where += f"（{header}）"
    return where


def _find_date(cells: list[Any]) -> tuple[date | None, str | None]:
    """The 填报日期 of a row: a date cell or text "2025年6月1日"; (None, None) when left blank."""
    for value in cells:
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
    text = "".join(_text(v) for v in cells)
    found = DATE_IN_TEXT.search(text)
    if not found:
        return None, None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3))), None
    except ValueError:
        return None, f"填报日期「{found.group(0)}」不是有效的日期"


def _read_bytes(file: bytes | IO[bytes]) -> tuple[bytes, str]:
    name = getattr(file, "name", "") or ""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(f"文件过大：产品配置表文件不能超过{MAX_FILE_BYTES // (1024 * 1024)}MB", field="file")
    if not data:
        raise ServiceError("上传的文件是空的", field="file")
    return data, str(name).rsplit("/", 1)[-1]


def _header_text(value: Any) -> str:
    """A header cell without its spaces and line breaks ("序 号" is 序号)."""
    return re.sub(r"\s+", "", _text(value))


def _is_header(values: tuple) -> bool:
    texts = [_header_text(v) for v in values]
    return HEADER_SERIAL in texts and HEADER_CATEGORY in texts


def configuration_table_parse(data: bytes) -> ParsedTable:
    """Read the annex 6 layout from ``data`` (an .xlsx file); ImportRefused lists every error.

    Only the visible sheets are read (``procurement.excel``): a hidden sheet is never parsed nor named.
    Rows are streamed (``procurement.excel.rows``): the first HEADER_SEARCH_ROWS lines of each sheet
    until the header is found, then that sheet's rows until the notes or MAX_DATA_ROWS. A workbook over
    the limits of ``procurement.excel`` is refused with its message; a cell that cannot be read is
    refused naming its sheet, row and column.
    """
    try:
        workbook = excel.workbook_open(BytesIO(data))
    except excel.ExcelUnreadable:
        raise ServiceError("无法读取文件：请上传Excel 2007及以上版本的.xlsx文件", field="file") from None
    try:
        visible = excel.visible_worksheets(workbook)
        for ws in visible.sheets:
            rows = excel.rows(ws)
            above: list[excel.SheetRow] = []
            for row in rows:
                if row.number > HEADER_SEARCH_ROWS:
                    break
                if _is_header(row.values):
                    return _parse_sheet(ws.title, above, row, rows)
                above.append(row)
            rows.close()
    except excel.ExcelTooLarge:
        raise
    except excel.ExcelRefused as error:  # a cell that cannot be read, a row or column past the limit
        raise ImportRefused([error.message]) from None
    finally:
        workbook.close()
    raise ImportRefused([f"工作表「{visible.sheets[0].title}」：在前{HEADER_SEARCH_ROWS}行未找到表头行"
                         f"（应为：序号、采购标的品目、配置1、配置2……）{visible.hidden_note()}"])


def _parse_sheet(sheet: str, above: list[excel.SheetRow], header: excel.SheetRow,
                 below: Iterator[excel.SheetRow]) -> ParsedTable:
    """The table under ``header``: ``above`` are the rows over it, ``below`` streams the rows after it."""
    errors: list[str] = []
    header_row = header.number
    texts = [_header_text(v) for v in header.values]
    serial_col = texts.index(HEADER_SERIAL)
    category_col = texts.index(HEADER_CATEGORY)

    # Title and 填报日期 above the header.
    title, filled_on = "", None
    for number, values in above:
        cells = [_text(v) for v in values if _text(v)]
        if not cells:
            continue
        if any(cell.startswith("填报日期") for cell in cells):
            filled_on, problem = _find_date(list(values))
            if problem:
                errors.append(f"{_place(sheet, number)}：{problem}")
        elif not title:
            title = cells[0].replace("（表样）", "").replace("(表样)", "").strip()

    # The 配置k columns.
    columns: dict[int, tuple[int, str]] = {}  # column index → (number, header name)
    seen_numbers: dict[int, int] = {}
    for col, text in enumerate(texts):
        if col in (serial_col, category_col) or not text:
            continue
        found = CONFIG_HEADER.match(text)
        if not found:
            errors.append(f"{_place(sheet, header_row, col + 1)}：无法识别的表头「{text}」，应为“配置1”“配置2”……")
            continue
        number = int(found.group(1))
        if not 1 <= number <= MAX_CONFIGURATIONS:
            errors.append(f"{_place(sheet, header_row, col + 1, text)}：配置序号应为1至{MAX_CONFIGURATIONS}")
            continue
        if number in seen_numbers:
            errors.append(f"{_place(sheet, header_row, col + 1, text)}：配置{number}与第"
                          f"{_column_letter(seen_numbers[number])}列重复")
            continue
        name = (found.group(2) or "").strip()
        if len(name) > NAME_MAX:
            errors.append(f"{_place(sheet, header_row, col + 1, text)}：配置名称不能超过{NAME_MAX}个字")
            continue
        seen_numbers[number] = col
        columns[col] = (number, name)
    if not columns and not errors:
        errors.append(f"{_place(sheet, header_row)}：表头中没有“配置1”“配置2”……列")

    # The rows, down to the notes ("注：…") or the end of the sheet.
    parsed: list[ParsedRow] = []
    categories_seen: dict[int, int] = {}
    for index, values in below:
        cells = [_text(v) for v in values]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if filled[0].startswith("注"):
            break
        if all(c.strip(".…。 ") == "" for c in filled):
            continue  # the sample's "..." row
        if len(parsed) >= MAX_DATA_ROWS:
            errors.append(f"工作表「{sheet}」：数据行超过{MAX_DATA_ROWS}行")
            break
        cells += [""] * (len(texts) - len(cells))
        category_text = cells[category_col]
        category = None
        if not category_text:
            errors.append(f"{_place(sheet, index, category_col + 1, HEADER_CATEGORY)}：未填写采购标的品目")
        else:
            try:
                category = category_resolve(category_text)
            except ServiceError as error:
                errors.append(f"{_place(sheet, index, category_col + 1, HEADER_CATEGORY)}：{error.message}")
        if category is not None and category.pk in categories_seen:
            errors.append(f"{_place(sheet, index, category_col + 1, HEADER_CATEGORY)}：品目「{category.name}」"
                          f"与第{categories_seen[category.pk]}行重复，同一品目的各配置请填在同一行")
            category = None
        stray = [col for col, text in enumerate(cells)
                 if text and col not in columns and col not in (serial_col, category_col)]
        for col in stray:
            errors.append(f"{_place(sheet, index, col + 1)}：该列没有表头（配置k），内容无法归属")
        types: list[ParsedType] = []
        for col, (number, header_name) in sorted(columns.items(), key=lambda item: item[1][0]):
            text = cells[col]
            if not text:
                continue
            name = header_name or default_type_name(number)
            named = CELL_NAME.match(text)
            if named:
                name, text = named.group(1).strip(), text[named.end():].strip()
            if not text:
                errors.append(f"{_place(sheet, index, col + 1, texts[col])}：只有配置名称，未填写技术参数")
                continue
            types.append(ParsedType(number=number, name=name, parameters=text))
        if category is None:
            continue
        if not types:
            errors.append(f"{_place(sheet, index)}：品目「{category.name}」未填写任何配置的技术参数")
            continue
        categories_seen[category.pk] = index
        parsed.append(ParsedRow(row_number=len(parsed) + 1, excel_row=index, category=category, types=types))

    if not parsed and not errors:
        errors.append(f"工作表「{sheet}」：表头下没有数据行")
    if errors:
        raise ImportRefused(errors)
    return ParsedTable(sheet=sheet, title=title, filled_on=filled_on, rows=parsed)


def _column_letter(col_index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col_index + 1)


@transaction.atomic
def configuration_import_check(*, actor, table: ConfigurationTable | None = None, center: Organization | None = None,
                               task: TaskNotice | None = None) -> None:
    """What ``configuration_table_import`` checks before reading the file: into ``table``, that the actor may
    edit it and no project uses it; a new table, that the actor is ``center``'s and ``task`` fits it. The
    import job queue asks it in the request, before storing anything; the import asks it again when it runs."""
    if table is not None:
        _check_editable(table, actor=actor)
        return
    if center is None:
        raise ServiceError("请选择集中采购机构", field="center")
    _check_center(center=center, actor=actor)
    configuration_table_task_check(task=task, center=center)


def configuration_table_import(
    *,
    file: bytes | IO[bytes],
    actor,
    table: ConfigurationTable | None = None,
    center: Organization | None = None,
    task: TaskNotice | None = None,
    progress: Progress | None = None,
) -> ConfigurationTable:
    """Import the annex 6 workbook into ``table``, or into a new table of ``center`` (for ``task``).

    All or nothing: any error anywhere raises ImportRefused and changes nothing. Into an existing
    table the file's rows replace the table's types (unit of measure and reference price of a type
    that stays are kept). ``progress``, when given, is called with the rows done and their total every
    ``PROGRESS_ROWS`` rows and at the end (the import job's page shows them).
    """
    if table is not None:
        table = ConfigurationTable.objects.select_for_update().get(pk=table.pk)
        task = table.task
    configuration_import_check(actor=actor, table=table, center=center, task=task)
    data, file_name = _read_bytes(file)
    parsed = configuration_table_parse(data)

    errors = []
    for row in parsed.rows:
        try:
            category_check_for_table(category=row.category, task=task)
        except ServiceError as error:
            errors.append(f"{_place(parsed.sheet, row.excel_row)}：{error.message}")
    if table is None and not parsed.title:
        errors.append(f"工作表「{parsed.sheet}」：表头上方未找到表名（如“××品目批量集中采购产品配置表”）")
    if table is None and parsed.filled_on is None:
        errors.append(f"工作表「{parsed.sheet}」：未填写填报日期（格式如“填报日期：2025年6月1日”）")
    if parsed.filled_on is not None:
        try:
            _clean_date(parsed.filled_on)
        except ServiceError as error:
            errors.append(f"工作表「{parsed.sheet}」：{error.message}")
    if parsed.title and len(parsed.title) > TITLE_MAX:
        errors.append(f"工作表「{parsed.sheet}」：表名不能超过{TITLE_MAX}个字")
    if errors:
        raise ImportRefused(errors)

    wanted = {(row.category.pk, parsed_type.number) for row in parsed.rows for parsed_type in row.types}
    existing = {(t.category_id, t.number): t for t in table.types.select_related("category")} if table else {}
    dropped = [config for key, config in existing.items() if key not in wanted]
    used = [config for config in dropped if config.lots.exists()]
    if used:
        raise ImportRefused([f"「{config}」已用于设立采购包，导入文件中不能删去" for config in used])

    if table is None:
        table = ConfigurationTable.objects.create(center=center, task=task, title=parsed.title,
                                                  filled_on=parsed.filled_on)
        action, label = "import_create", "导入产品配置表"
    else:
        table.title = parsed.title or table.title
        table.filled_on = parsed.filled_on or table.filled_on
        table.save(update_fields=["title", "filled_on"])
        action, label = "import_replace", "导入产品配置表（覆盖）"
    ConfigurationType.objects.filter(pk__in=[config.pk for config in dropped]).delete()
    to_create: list[ConfigurationType] = []
    for done, row in enumerate(parsed.rows, start=1):
        if progress is not None and done % PROGRESS_ROWS == 0:
            progress(done, len(parsed.rows))
        for parsed_type in row.types:
            config = existing.get((row.category.pk, parsed_type.number))
            if config is None:
                to_create.append(ConfigurationType(
                    table=table, category=row.category, row_number=row.row_number, number=parsed_type.number,
                    name=parsed_type.name, parameters=parsed_type.parameters))
            else:
                config.row_number, config.name, config.parameters = (row.row_number, parsed_type.name,
                                                                     parsed_type.parameters)
                config.save(update_fields=["row_number", "name", "parameters"])
    ConfigurationType.objects.bulk_create(to_create)
    if progress is not None:
        progress(len(parsed.rows), len(parsed.rows))
    event_record(subject=table, action=action, action_label=label, actor=actor, changes={
        "file_name": file_name,
        "sheet": parsed.sheet,
        "rows": len(parsed.rows),
        "types": sum(len(row.types) for row in parsed.rows),
        "removed": len(dropped),
    })
    return table


# --- Excel: writing --------------------------------------------------------------------------------

def _column_names(rows: list[TableRow], highest: int) -> dict[int, str]:
    """A column's header name: the name every type of that number shares, unless it is the default."""
    names: dict[int, str] = {}
    for number in range(1, highest + 1):
        used = Counter(row.types[number].name for row in rows if number in row.types)
        if len(used) == 1:
            (name,) = used
            if name != default_type_name(number):
                names[number] = name
    return names


def configuration_table_export(*, table: ConfigurationTable) -> bytes:
    """The table as an .xlsx workbook in the annex 6 layout (title, 填报日期, header, rows, notes).

    Every value goes in through ``procurement.excel_write``: a title, a type's name or its technical
    parameters are text, never a formula, and come back unchanged when the file is imported again
    (issue 8 point 5).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from procurement.excel_write import sheet_put

    rows, highest = configuration_table_rows(table)
    highest = max(highest, 1)
    names = _column_names(rows, highest)
    width = 2 + highest

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "产品配置表"
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet_put(sheet, 1, 1, table.title).font = Font(name="宋体", size=16, bold=True)
    sheet.cell(row=1, column=1).alignment = centered
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 30
    sheet_put(sheet, 2, 1, f"填报日期：{chinese_date(table.filled_on)}")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)

    headers = [HEADER_SERIAL, HEADER_CATEGORY] + [
        f"{default_type_name(n)}（{names[n]}）" if n in names else default_type_name(n) for n in range(1, highest + 1)
    ]
    for col, text in enumerate(headers, start=1):
        cell = sheet_put(sheet, 3, col, text)
        cell.font = Font(bold=True)
        cell.alignment = centered
        cell.border = box

    for offset, row in enumerate(rows):
        excel_row = 4 + offset
        sheet_put(sheet, excel_row, 1, offset + 1).alignment = centered
        sheet_put(sheet, excel_row, 2, f"{row.category.code} {row.category.name}").alignment = wrap_top
        for number in range(1, highest + 1):
            config = row.types.get(number)
            text = ""
            if config is not None:
                column_name = names.get(number, default_type_name(number))
                text = config.parameters if config.name == column_name else f"【{config.name}】\n{config.parameters}"
            sheet_put(sheet, excel_row, 2 + number, text or None).alignment = wrap_top
        for col in range(1, width + 1):
            sheet.cell(row=excel_row, column=col).border = box

    note_row = 4 + len(rows) + 1
    for offset, note in enumerate(NOTES):
        sheet_put(sheet, note_row + offset, 1, note if offset == 0 else f"　　{note}")
        sheet.merge_cells(start_row=note_row + offset, start_column=1, end_row=note_row + offset, end_column=width)

    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 24
    for number in range(1, highest + 1):
        sheet.column_dimensions[get_column_letter(2 + number)].width = 36
    sheet.freeze_panes = "C4"

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def configuration_table_filename(table: ConfigurationTable) -> str:
    safe = re.sub(r'[\\/:*?"<>|\r\n]+', "_", table.title).strip() or "产品配置表"
    return f"{safe}.xlsx"

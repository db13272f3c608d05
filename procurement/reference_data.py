"""Reference data as data, and the services that put it in the database.

- The region tree of Jilin province (行政区划) with the official codes (GB/T 2260 as published by
  the Ministry of Civil Affairs, after the 2020 transfer of 公主岭市 from 四平市 to 长春市).
- The MoF procurement category catalog (财库〔2022〕31号), loaded from the shared CSV.
- A small default list of categories inside the government centralized catalog (政府集中采购目录).

The three functional areas (长白山管委会, 长春新区, 梅河新区) are managed like prefectures but have
no national 行政区划代码. They get internal codes starting with ``JLGN`` (吉林功能区): a national
code is always six digits, so a code with letters can never collide with one, and
``is_internal_region_code`` tells them apart. 梅河口市 keeps its national code 220581 under 通化市;
梅河新区 is the separate functional-area region built around it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from procurement.models import Category, Region
from procurement.services.errors import ServiceError

# --- regions -------------------------------------------------------------------------------

PROVINCE = ("220000", "吉林省")

# (code, name, [(county code, county name), ...]) in the official order.
PREFECTURES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("220100", "长春市", (
        ("220102", "南关区"), ("220103", "宽城区"), ("220104", "朝阳区"), ("220105", "二道区"),
        ("220106", "绿园区"), ("220112", "双阳区"), ("220113", "九台区"), ("220122", "农安县"),
        ("220182", "榆树市"), ("220183", "德惠市"), ("220184", "公主岭市"),
    )),
    ("220200", "吉林市", (
        ("220202", "昌邑区"), ("220203", "龙潭区"), ("220204", "船营区"), ("220211", "丰满区"),
        ("220221", "永吉县"), ("220281", "蛟河市"), ("220282", "桦甸市"), ("220283", "舒兰市"),
        ("220284", "磐石市"),
    )),
    ("220300", "四平市", (
        ("220302", "铁西区"), ("220303", "铁东区"), ("220322", "梨树县"), ("220323", "伊通满族自治县"),
        ("220382", "双辽市"),
    )),
    ("220400", "辽源市", (
        ("220402", "龙山区"), ("220403", "西安区"), ("220421", "东丰县"), ("220422", "东辽县"),
    )),
    ("220500", "通化市", (
        ("220502", "东昌区"), ("220503", "二道江区"), ("220521", "通化县"), ("220523", "辉南县"),
        ("220524", "柳河县"), ("220581", "梅河口市"), ("220582", "集安市"),
    )),
    ("220600", "白山市", (
        ("220602", "浑江区"), ("220605", "江源区"), ("220621", "抚松县"), ("220622", "靖宇县"),
        ("220623", "长白朝鲜族自治县"), ("220681", "临江市"),
    )),
    ("220700", "松原市", (
        ("220702", "宁江区"), ("220721", "前郭尔罗斯蒙古族自治县"), ("220722", "长岭县"),
        ("220723", "乾安县"), ("220781", "扶余市"),
    )),
    ("220800", "白城市", (
        ("220802", "洮北区"), ("220821", "镇赉县"), ("220822", "通榆县"), ("220881", "洮南市"),
        ("220882", "大安市"),
    )),
    ("222400", "延边朝鲜族自治州", (
        ("222401", "延吉市"), ("222402", "图们市"), ("222403", "敦化市"), ("222404", "珲春市"),
        ("222405", "龙井市"), ("222406", "和龙市"), ("222424", "汪清县"), ("222426", "安图县"),
    )),
)

# Functional areas: prefecture-level for the portal, internal codes (see the module docstring).
INTERNAL_REGION_CODE_PREFIX = "JLGN"
FUNCTIONAL_AREAS: tuple[tuple[str, str], ...] = (
    ("JLGN01", "长白山管委会"),
    ("JLGN02", "长春新区"),
    ("JLGN03", "梅河新区"),
)


def is_internal_region_code(code: str) -> bool:
    """True for the portal's own codes of the functional areas, which have no national code."""
    return code.startswith(INTERNAL_REGION_CODE_PREFIX)


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    sort_order: int


def region_rows() -> list[RegionRow]:
    """The whole tree, parents before children."""
    rows = [RegionRow(PROVINCE[0], PROVINCE[1], Region.Level.PROVINCE, None, 0)]
    for p_index, (code, name, counties) in enumerate(PREFECTURES, start=1):
        rows.append(RegionRow(code, name, Region.Level.PREFECTURE, PROVINCE[0], p_index * 10))
        rows.extend(
            RegionRow(c_code, c_name, Region.Level.COUNTY, code, c_index)
            for c_index, (c_code, c_name) in enumerate(counties, start=1)
        )
    base = (len(PREFECTURES) + 1) * 10
    rows.extend(
        RegionRow(code, name, Region.Level.PREFECTURE, PROVINCE[0], base + index * 10)
        for index, (code, name) in enumerate(FUNCTIONAL_AREAS)
    )
    return rows


@dataclass
class RegionSync:
    regions: dict[str, Region]
    created: int = 0
    updated: int = 0


@transaction.atomic
def regions_ensure() -> RegionSync:
    """Create or update the region tree; running it again changes nothing."""
    existing = {r.code: r for r in Region.objects.select_related("parent")}
    sync = RegionSync(regions={})
    for row in region_rows():
        parent = sync.regions[row.parent_code] if row.parent_code else None
        region = existing.get(row.code)
        if region is None:
            region = Region(code=row.code, name=row.name, level=row.level, parent=parent, sort_order=row.sort_order)
            region.save()
            sync.created += 1
        else:
            expected_path = f"{parent.path if parent else ''}{row.code}/"
            wanted = {"name": row.name, "level": row.level, "parent_id": parent.pk if parent else None,
                      "sort_order": row.sort_order}
            if any(getattr(region, k) != v for k, v in wanted.items()) or region.path != expected_path:
                for key, value in wanted.items():
                    setattr(region, key, value)
                region.parent = parent
                region.save()  # recomputes the path; children (processed later) follow
                sync.updated += 1
        sync.regions[row.code] = region
    return sync


# --- the procurement category catalog -----------------------------------------------------

DEFAULT_CATALOG_FILE = Path(__file__).resolve().parent / "data" / "procurement_catalog_2022.csv"
CATALOG_COLUMNS = ("code", "name", "level", "parent_code", "description")
CATEGORY_CODE = re.compile(r"^[ABC](\d{8})?$")
MAX_REPORTED_ERRORS = 50

# Demo defaults for the government centralized catalog (政府集中采购目录) and its limits in 元.
# These are NOT the official Jilin catalog: finance maintains the real list and limits in the
# admin (采购品目 → 纳入政府集中采购目录 / 集中采购限额). seed_demo applies them to an empty catalog.
GOODS_LIMIT = Decimal("500000")
FURNITURE_LIMIT = Decimal("300000")
SERVICES_LIMIT = Decimal("1000000")
DEFAULT_CENTRALIZED_CATALOG: dict[str, Decimal | None] = {
    "A02010104": GOODS_LIMIT,  # 服务器
    "A02010105": GOODS_LIMIT,  # 台式计算机
    "A02010108": GOODS_LIMIT,  # 便携式计算机
    "A02010109": GOODS_LIMIT,  # 平板式计算机
    "A02020100": GOODS_LIMIT,  # 复印机
    "A02020200": GOODS_LIMIT,  # 投影仪
    "A02020400": GOODS_LIMIT,  # 多功能一体机
    "A02021000": GOODS_LIMIT,  # 打印机
    "A02021001": GOODS_LIMIT,  # A3黑白打印机
    "A02021002": GOODS_LIMIT,  # A3彩色打印机
    "A02021003": GOODS_LIMIT,  # A4黑白打印机
    "A02021004": GOODS_LIMIT,  # A4彩色打印机
    "A02021118": GOODS_LIMIT,  # 扫描仪
    "A02061804": GOODS_LIMIT,  # 空调机
    "A02030500": GOODS_LIMIT,  # 乘用车
    "A02030501": GOODS_LIMIT,  # 轿车
    "A05010201": FURNITURE_LIMIT,  # 办公桌
    "A05010202": FURNITURE_LIMIT,  # 会议桌
    "A05010301": FURNITURE_LIMIT,  # 办公椅
    "A05010303": FURNITURE_LIMIT,  # 会议椅
    "A05010401": FURNITURE_LIMIT,  # 三人沙发
    "A05010402": FURNITURE_LIMIT,  # 单人沙发
    "A05010501": FURNITURE_LIMIT,  # 书柜
    "A05010502": FURNITURE_LIMIT,  # 文件柜
    "A05040101": GOODS_LIMIT,  # 复印纸
    "C23120301": SERVICES_LIMIT,  # 车辆维修和保养服务
    "C23120302": SERVICES_LIMIT,  # 车辆加油、添加燃料服务
    "C18040102": SERVICES_LIMIT,  # 财产保险服务（机动车保险）
    "C21040000": SERVICES_LIMIT,  # 物业管理服务
    "C23090100": SERVICES_LIMIT,  # 印刷服务
}


class CatalogFileError(ServiceError):
    """The catalog file cannot be loaded; ``errors`` names each bad line. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        message = "\n".join(shown) + (f"\n……另有{more}处错误未列出" if more > 0 else "")
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class CatalogRow:
    line: int
    code: str
    name: str
    level: int
    parent_code: str
    description: str


@dataclass
class CatalogLoad:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Codes in the database that the file no longer lists: kept (projects may refer to them).
    not_in_file: int = 0
    changed_codes: list[str] = field(default_factory=list)


def catalog_rows_read(path: Path) -> list[CatalogRow]:
    """Parse and validate the CSV; raise CatalogFileError listing every bad line (1-based, header = 1)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise CatalogFileError([f"找不到品目目录文件：{path}"]) from None
    errors: list[str] = []
    rows: list[CatalogRow] = []
    try:
        with handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != CATALOG_COLUMNS:
                raise CatalogFileError([f"第1行：表头应为 {','.join(CATALOG_COLUMNS)}"])
            last_line = reader.line_num
            for record in reader:
                line, last_line = last_line + 1, reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(CATALOG_COLUMNS):
                    errors.append(f"第{line}行：应有{len(CATALOG_COLUMNS)}列，实际为{len(record)}列")
                    continue
                code, name, level, parent_code, description = (cell.strip() for cell in record)
                if not CATEGORY_CODE.match(code):
                    errors.append(f"第{line}行：品目编码「{code}」格式不正确（应为A、B、C或其后跟8位数字）")
                    continue
                if not name:
                    errors.append(f"第{line}行：品目「{code}」的名称为空")
                elif len(name) > Category._meta.get_field("name").max_length:
                    errors.append(f"第{line}行：品目「{code}」的名称超过{Category._meta.get_field('name').max_length}个字")
                if not level.isdigit():
                    errors.append(f"第{line}行：品目「{code}」的层级「{level}」不是非负整数")
                    continue
                rows.append(CatalogRow(line, code, name, int(level), parent_code, description))
    except UnicodeDecodeError:
        raise CatalogFileError(["品目目录文件不是UTF-8编码"]) from None
    except csv.Error as exc:
        raise CatalogFileError([f"第{reader.line_num}行：CSV格式错误（{exc}）"]) from None

    first_line: dict[str, int] = {}
    by_code: dict[str, CatalogRow] = {}
    for row in rows:
        if row.code in first_line:
            errors.append(f"第{row.line}行：品目编码「{row.code}」重复（已在第{first_line[row.code]}行出现）")
            continue
        first_line[row.code] = row.line
        by_code[row.code] = row
    for row in by_code.values():
        if not row.parent_code:
            if row.level != 0:
                errors.append(f"第{row.line}行：品目「{row.code}」的层级为{row.level}，但未填写上级品目编码")
            continue
        parent = by_code.get(row.parent_code)
        if parent is None:
            errors.append(f"第{row.line}行：上级品目编码「{row.parent_code}」在文件中不存在")
        elif parent.level != row.level - 1:
            errors.append(
                f"第{row.line}行：品目「{row.code}」的层级为{row.level}，"
                f"但上级品目「{parent.code}」的层级为{parent.level}"
            )
    if errors:
        raise CatalogFileError(sorted(errors, key=_line_of))
    return list(by_code.values())


def _line_of(message: str) -> int:
    found = re.match(r"第(\d+)行", message)
    return int(found.group(1)) if found else 0


def _paths(rows: Iterable[CatalogRow]) -> dict[str, str]:
    """Materialized paths ("A/A02000000/A02010000/"); levels were checked, so parents never loop."""
    by_code = {row.code: row for row in rows}
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            row = by_code[code]
            paths[code] = (path_of(row.parent_code) if row.parent_code else "") + f"{code}/"
        return paths[code]

    for code in by_code:
        path_of(code)
    return paths


@transaction.atomic
def catalog_load(*, path: Path | str | None = None) -> CatalogLoad:
    """Load the catalog file as a tree. Idempotent; keeps the centralized-catalog flags and limits."""
    rows = catalog_rows_read(Path(path) if path else DEFAULT_CATALOG_FILE)
    paths = _paths(rows)
    result = CatalogLoad(total=len(rows))
    existing = {c.code: c for c in Category.objects.all()}
    result.not_in_file = len(set(existing) - {row.code for row in rows})
    ids = {code: c.pk for code, c in existing.items()}
    code_by_id = {c.pk: code for code, c in existing.items()}

    to_update: list[Category] = []
    new_by_level: dict[int, list[CatalogRow]] = {}
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            new_by_level.setdefault(row.level, []).append(row)
        else:
            # Parents always exist already or are created below, before any update is written.
            wanted = {"name": row.name, "level": row.level, "path": paths[row.code], "description": row.description}
            parent_changed = code_by_id.get(current.parent_id, "") != row.parent_code
            if parent_changed or any(getattr(current, k) != v for k, v in wanted.items()):
                for key, value in wanted.items():
                    setattr(current, key, value)
                to_update.append(current)
                result.changed_codes.append(row.code)
            else:
                result.unchanged += 1

    for level in sorted(new_by_level):
        batch = [
            Category(code=row.code, name=row.name, level=row.level, path=paths[row.code],
                     description=row.description, parent_id=ids[row.parent_code] if row.parent_code else None)
            for row in new_by_level[level]
        ]
        Category.objects.bulk_create(batch, batch_size=500)
        ids.update(Category.objects.filter(level=level).values_list("code", "id"))
        result.created += len(batch)

    if to_update:
        by_code = {row.code: row for row in rows}
        for category in to_update:
            parent_code = by_code[category.code].parent_code
            category.parent_id = ids[parent_code] if parent_code else None
        Category.objects.bulk_update(to_update, ["name", "level", "path", "description", "parent"], batch_size=500)
        result.updated = len(to_update)
    return result


def centralized_entries_parse(values: Iterable[str]) -> dict[str, Decimal | None]:
    """Parse ``CODE`` or ``CODE:LIMIT`` (元) options into {code: limit}."""
    entries: dict[str, Decimal | None] = {}
    errors: list[str] = []
    for raw in values:
        code, _, limit_text = raw.strip().partition(":")
        code, limit_text = code.strip(), limit_text.strip()
        if not CATEGORY_CODE.match(code):
            errors.append(f"「{raw}」：品目编码格式不正确")
            continue
        limit: Decimal | None = None
        if limit_text:
            try:
                limit = Decimal(limit_text.replace(",", ""))
            except InvalidOperation:
                errors.append(f"「{raw}」：集中采购限额「{limit_text}」不是有效金额")
                continue
            if limit < 0 or not limit.is_finite():
                errors.append(f"「{raw}」：集中采购限额不能为负数")
                continue
        entries[code] = limit
    if errors:
        raise ServiceError("；".join(errors), field="centralized")
    return entries


@transaction.atomic
def catalog_flag_centralized(*, entries: Mapping[str, Decimal | None]) -> int:
    """Mark categories as inside the government centralized catalog, with their limit (元)."""
    known = set(Category.objects.filter(code__in=list(entries)).values_list("code", flat=True))
    unknown = sorted(set(entries) - known)
    if unknown:
        raise ServiceError(f"品目目录中不存在以下品目编码：{'、'.join(unknown)}（请先载入品目目录）",
                           field="centralized")
    changed = 0
    for code, limit in entries.items():
        changed += (
            Category.objects.filter(code=code)
            .exclude(in_centralized_catalog=True, centralized_limit_yuan=limit)
            .update(in_centralized_catalog=True, centralized_limit_yuan=limit)
        )
    return changed

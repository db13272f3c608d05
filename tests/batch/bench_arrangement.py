"""Benchmark of the arrangement-table import (issue 3 point 1: 100,000 rows well under a minute, flat memory).

Called by ``tests/bench.py`` inside the throw-away test database it creates (SQLite or PostgreSQL,
whatever DATABASE_URL points at). Builds the workbooks in a temporary directory the way finance
files come (title, header, 合计 row, numbers as text, category as code / name / both, blank lines,
notes), imports them through the service, and prints rows, seconds, rows per second and the peak
memory of each import. Django is imported inside the function: bench.py sets it up first.
"""

from __future__ import annotations

import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook

UNITS = 3000
SIZES = (10_000, 100_000)
CATEGORY_FORMS = ("{code}", "{name}", "{code} {name}", "{name}（{code}）")
BENCH_CATEGORIES = ("A02010104", "A02010105", "A02010108", "A02010109", "A02021003", "A02061804",
                    "A05010201", "A05010301", "A05010502", "A05040101", "C23120302", "C21040000")


def _rows(count: int, units: list[tuple[str, str]], categories: list[tuple[str, str]]) -> Iterator[tuple]:
    """Deterministic rows: (单位代码, 预算单位, 采购品目, 采购数量, 采购金额) with mixed cell styles."""
    for i in range(count):
        code, name = units[(i * 7) % len(units)]
        category_code, category_name = categories[i % len(categories)]
        category = CATEGORY_FORMS[i % len(CATEGORY_FORMS)].format(code=category_code, name=category_name)
        quantity = 1 + i % 40
        amount = Decimal(5 + (i * 37) % 20000) / 100  # 0.05 … 200 万元
        if i % 3 == 0:  # numbers stored as text, as real files carry them
            yield code, name, category, f" {quantity:,} ", f"{amount:,}"
        else:
            yield code, name, category, quantity, float(amount)


def _table(count: int, year: int, units, categories) -> Iterator[list]:
    """The annex-4 table row by row: title, header, 合计 (the true sums), rows with blank lines, notes."""
    total_quantity = sum(Decimal(str(r[3]).replace(",", "")) for r in _rows(count, units, categories))
    total_amount = sum(Decimal(str(r[4]).replace(",", "")) for r in _rows(count, units, categories))
    yield [f"{year}年度部门预算政府采购项目安排情况表"]
    yield ["序号", "单位代码", "预算单位", "采购品目", "采购数量(个)", "采购金额(万元)"]
    yield ["合计", None, None, None, str(total_quantity), str(total_amount)]
    for i, row in enumerate(_rows(count, units, categories), start=1):
        if i % 1000 == 0:
            yield []
        yield [i, *row]
    yield ["注：1. 此表主要用于梳理年度部门预算批复情况，方便对采购项目进行分类归集；"]
    yield ["3. 样表仅作参考，具体内容可根据实际调整。"]


def _openpyxl_file(path: Path, table: Iterator[list]) -> None:
    """As a program using openpyxl writes it: inline strings and no <dimension> (openpyxl's slowest read)."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Sheet1")
    for row in table:
        ws.append(row)
    workbook.save(path)


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}


def _excel_file(path: Path, table: list[list] | Iterator[list], rows: int) -> None:
    """As Excel and WPS save it: a shared-strings table, the sheet's <dimension>, a merged title cell."""
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         f'<dimension ref="A1:F{rows}"/><sheetData>').encode())
            for number, row in enumerate(table, start=1):
                cells = []
                for column, value in zip("ABCDEF", row, strict=False):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        index = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{column}{number}" t="s"><v>{index}</v></c>')
                    else:
                        cells.append(f'<c r="{column}{number}"><v>{value!r}</v></c>')
                if cells:
                    sheet.write(f'<row r="{number}">{"".join(cells)}</row>'.encode())
            sheet.write(b'</sheetData><mergeCells count="1"><mergeCell ref="A1:F1"/></mergeCells></worksheet>')
        items = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
        archive.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
        ))


def _status_kb(field: str, pid: int | str = "self") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@contextmanager
def _peak_rss(pid: int | str = "self") -> Iterator[dict]:
    """Peak resident memory (MB) of process ``pid`` (this one by default) during the block: the kernel's
    high-water mark, reset first when the kernel allows it (it does for a process of the same user), else
    the highest of 10 ms samples."""
    result: dict = {"before": (_status_kb("VmRSS", pid) or 0) / 1024}
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (Linux ≥ 4.0)
        reset = True
    except OSError:
        reset = False
    samples = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            samples.append(_status_kb("VmRSS", pid) or 0)

    sampler = None if reset else threading.Thread(target=sample, daemon=True)
    if sampler:
        sampler.start()
    try:
        yield result
    finally:
        stop.set()
        if sampler:
            sampler.join()
        peak_kb = _status_kb("VmHWM", pid) if reset else max(samples)
        result["peak"] = (peak_kb or 0) / 1024
        result["method"] = "VmHWM" if reset else "采样"


def bench_reference():
    """The catalog, a provincial finance bureau and ``UNITS`` budget units: (bureau, units, categories),
    units and categories as (code, name) for ``_table``."""
    from io import StringIO

    from django.core.management import call_command

    from procurement.models import Category, Organization, Region

    call_command("load_catalog", "--default-centralized", stdout=StringIO())
    province, _ = Region.objects.get_or_create(code="220000", defaults={"name": "吉林省", "level": "province"})
    prefectures = [Region.objects.get_or_create(code=f"22{n:02d}00", defaults={
        "name": f"基准市{n}", "level": "prefecture", "parent": province})[0] for n in range(1, 10)]
    bureau = Organization.objects.create(kind=Organization.Kind.FINANCE, name="基准财政厅", region=province)
    Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.BUDGET_UNIT, name=f"基准预算单位{i:05d}", unit_code=f"BA{i:06d}",
                     region=province if i % 4 == 0 else prefectures[i % len(prefectures)])
        for i in range(UNITS)
    ], batch_size=1000)
    units = list(Organization.objects.filter(unit_code__startswith="BA").values_list("unit_code", "name"))
    categories = list(Category.objects.filter(code__in=BENCH_CATEGORIES).values_list("code", "name"))
    return bureau, units, categories


def bench_arrangement_import() -> None:
    from django.db import connection

    from batch.analysis import category_analysis, region_analysis
    from batch.arrangement import arrangement_import
    from batch.excel_export import analysis_workbook_write
    from procurement import access

    bureau, units, categories = bench_reference()

    print(f"-- 安排情况表导入（{connection.vendor}；{len(units):,}家预算单位，{len(categories)}个品目，"
          f"品目按编码/名称/编码+名称混合填写，三分之一数字为文本）--")
    runs = [  # (rows, how the file was written, what it tells)
        (SIZES[0], "excel", ""),
        (SIZES[1], "excel", ""),
        (SIZES[1], "openpyxl", "，替代上一张10万行表"),
    ]
    with tempfile.TemporaryDirectory() as directory:
        for size, kind, note in runs:
            path = Path(directory) / f"arrangement_{kind}_{size}.xlsx"
            start = time.perf_counter()
            if kind == "excel":
                _excel_file(path, _table(size, 2026, units, categories), rows=size + size // 1000 + 5)
            else:
                _openpyxl_file(path, _table(size, 2026, units, categories))
            built = time.perf_counter() - start
            label = "Excel/WPS格式（共享字符串）" if kind == "excel" else "openpyxl生成（内联字符串、无尺寸信息）"
            print(f"生成{size:,}行测试文件：{label}，{path.stat().st_size / 1024 / 1024:.1f} MB，用时{built:.1f}秒")
            with _peak_rss() as memory:
                start, cpu = time.perf_counter(), time.process_time()
                result = arrangement_import(file=path, year=2026, finance_bureau=bureau, actor=access.SYSTEM,
                                            replace=True)  # each run replaces the previous table
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rows = result.arrangement.row_count
            assert rows == size and result.total_row_checked, (rows, size)
            print(f"  导入{rows:,}行{note}：{seconds:.1f}秒（CPU {cpu:.1f}秒），每秒{rows / seconds:,.0f}行；"
                  f"峰值内存{memory['peak']:.0f} MB（导入前{memory['before']:.0f} MB，"
                  f"增加{memory['peak'] - memory['before']:.0f} MB，{memory['method']}）；合计行核对一致")

    arrangement = result.arrangement
    start = time.perf_counter()
    stats = category_analysis(arrangement=arrangement)
    region_analysis(arrangement=arrangement)
    analysed = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stream:
        analysis_workbook_write(arrangement=arrangement, stream=stream)
        size = stream.tell()
    exported = time.perf_counter() - start
    print(f"三维度分析（{arrangement.row_count:,}行，{len(stats)}个品目）：{analysed:.2f}秒；"
          f"导出Excel（{size / 1024:.0f} KB）：{exported:.2f}秒")

"""The analysis of an arrangement table as an Excel workbook (按品目 / 按单位 / 按地区 / 批量采购建议).

Written with openpyxl's write-only mode: rows go straight to the file, so a table of tens of
thousands of units exports in flat memory. Amounts are in 万元, as in the arrangement table. Every value
goes in through ``procurement.excel_write``: a unit's or a category's name is text, never a formula
(issue 8 point 5).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from batch.analysis import (
    AMOUNT_BANDS,
    SCORE_PARTS,
    CategoryStats,
    arrangement_overview,
    batch_candidates,
    candidate_rule_text,
    category_analysis,
    region_analysis,
    region_level_label,
    unit_totals,
)
from batch.models import Arrangement
from procurement.excel_write import write_only_cell, write_only_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_CATEGORIES = "按品目"
SHEET_UNITS = "按单位"
SHEET_REGIONS = "按地区"
SHEET_CANDIDATES = "批量采购建议"

FORMAT_WAN = "#,##0.00##"  # 万元: two decimals shown, up to four kept
FORMAT_INTEGER = "#,##0"
FORMAT_QUANTITY = "#,##0.##"
FORMAT_PERCENT = "0.0%"
FORMAT_SCORE = "0.0"

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0D4A8F")
THIN = Side(style="thin", color="BFC8D4")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
HEADER_ROW = 3  # title, caption, header: data from row 4


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    number_format: str | None = None
    wrap: bool = False


def analysis_workbook_write(*, arrangement: Arrangement, stream: IO[bytes]) -> None:
    """Write the four-sheet analysis of ``arrangement`` to ``stream`` (a file or file-like object)."""
    workbook = Workbook(write_only=True)
    categories = category_analysis(arrangement=arrangement)
    _categories_sheet(workbook, arrangement, categories)
    _units_sheet(workbook, arrangement)
    _regions_sheet(workbook, arrangement)
    _candidates_sheet(workbook, arrangement, categories)
    workbook.save(stream)


def analysis_export_filename(arrangement: Arrangement) -> str:
    return f"{arrangement.year}年度安排情况表分析_{arrangement.finance_bureau.name}.xlsx"


def analysis_export_response(arrangement: Arrangement) -> FileResponse:
    """The analysis workbook as a download, for the page and the API alike (spooled to disk beyond 8 MB)."""
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  FileResponse closes it
    analysis_workbook_write(arrangement=arrangement, stream=stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=analysis_export_filename(arrangement),
                        content_type=XLSX)


# --- the sheets ------------------------------------------------------------------------------

def _categories_sheet(workbook: Workbook, arrangement: Arrangement, categories: list[CategoryStats]) -> None:
    columns = [
        Col("品目编码", 13), Col("品目名称", 26), Col("纳入政府集中采购目录", 12),
        Col("单位数（家）", 10, FORMAT_INTEGER), Col("条数", 9, FORMAT_INTEGER),
        Col("采购数量", 12, FORMAT_QUANTITY), Col("采购金额（万元）", 15, FORMAT_WAN),
        Col("占全表金额", 10, FORMAT_PERCENT), Col("单位平均（万元）", 13, FORMAT_WAN),
        Col("单位中位数（万元）", 13, FORMAT_WAN), Col("单位最高（万元）", 13, FORMAT_WAN),
        *(Col(f"{band.label}（家）", 11, FORMAT_INTEGER) for band in AMOUNT_BANDS),
    ]
    rows = (
        [c.code, c.name, "是" if c.in_centralized_catalog else "否", c.unit_count, c.line_count,
         c.total_quantity, c.total_amount_wan, c.share / 100, c.average_per_unit_wan, c.median_per_unit_wan,
         c.max_per_unit_wan, *c.band_units]
        for c in categories
    )
    _sheet(workbook, SHEET_CATEGORIES, arrangement, "按品目分析",
           "单位金额分档按各单位该品目金额合计计算，含下限、不含上限", columns, rows)


def _units_sheet(workbook: Workbook, arrangement: Arrangement) -> None:
    columns = [
        Col("单位代码", 14), Col("预算单位", 32), Col("所属区划", 12),
        Col("条数", 9, FORMAT_INTEGER), Col("品目数", 9, FORMAT_INTEGER), Col("采购数量", 12, FORMAT_QUANTITY),
        Col("采购金额（万元）", 15, FORMAT_WAN), Col("其中集中采购目录内（万元）", 16, FORMAT_WAN),
    ]
    rows = (
        [u["unit__unit_code"], u["unit__name"], u["unit__region__name"], u["line_count"], u["category_count"],
         u["total_quantity"], u["total_amount_wan"], u["catalog_amount_wan"]]
        for u in unit_totals(arrangement=arrangement).iterator(chunk_size=2000)
    )
    _sheet(workbook, SHEET_UNITS, arrangement, "按采购单位分析", "按采购金额从高到低排列", columns, rows)


def _regions_sheet(workbook: Workbook, arrangement: Arrangement) -> None:
    columns = [
        Col("地区", 18), Col("单位数（家）", 10, FORMAT_INTEGER), Col("条数", 9, FORMAT_INTEGER),
        Col("品目数", 9, FORMAT_INTEGER), Col("采购数量", 12, FORMAT_QUANTITY),
        Col("采购金额（万元）", 15, FORMAT_WAN), Col("其中集中采购目录内（万元）", 16, FORMAT_WAN),
        Col("占全表金额", 10, FORMAT_PERCENT),
    ]
    rows = (
        [r.name, r.unit_count, r.line_count, r.category_count, r.total_quantity, r.total_amount_wan,
         r.catalog_amount_wan, r.share / 100]
        for r in region_analysis(arrangement=arrangement)
    )
    _sheet(workbook, SHEET_REGIONS, arrangement, "按地区分析",
           f"按{region_level_label(arrangement)}汇总，本级单位单列", columns, rows)


def _candidates_sheet(workbook: Workbook, arrangement: Arrangement, categories: list[CategoryStats]) -> None:
    """The same score, parts and reasoning as the analysis page (``batch.analysis.batch_candidates``)."""
    columns = [
        Col("排名", 6, FORMAT_INTEGER), Col("品目编码", 13), Col("品目名称", 22), Col("得分", 8, FORMAT_SCORE),
        *(Col(f"{label}（{principle}，权重{weight}%）", 12, FORMAT_SCORE)
          for _, label, principle, weight in SCORE_PARTS),
        Col("单位数（家）", 10, FORMAT_INTEGER), Col("采购金额（万元）", 15, FORMAT_WAN),
        Col("单位平均（万元）", 13, FORMAT_WAN), Col("单位中位数（万元）", 13, FORMAT_WAN),
        Col("建议批量集中采购", 10), Col("分析理由", 90, wrap=True),
    ]
    table_units = arrangement_overview(arrangement=arrangement).unit_count
    rows = (
        [c.rank, c.stats.code, c.stats.name, c.score, *(value for *_, value in c.parts), c.stats.unit_count,
         c.stats.total_amount_wan, c.stats.average_per_unit_wan, c.stats.median_per_unit_wan,
         "是" if c.recommended else "否", c.reasoning]
        for c in batch_candidates(arrangement=arrangement, categories=categories, table_unit_count=table_units)
    )
    _sheet(workbook, SHEET_CANDIDATES, arrangement, "批量集中采购品目建议", candidate_rule_text(), columns, rows)


# --- writing -----------------------------------------------------------------------------------

def _sheet(workbook: Workbook, name: str, arrangement: Arrangement, heading: str, note: str,
           columns: Sequence[Col], rows: Iterable[list[Any]]) -> None:
    ws = workbook.create_sheet(name)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"

    title = write_only_cell(ws, f"{arrangement.year}年度部门预算政府采购项目安排情况{heading}")
    title.font = TITLE_FONT
    ws.append([title])
    imported = timezone.localtime(arrangement.imported_at)
    ws.append(write_only_row(ws, [
        f"{arrangement.finance_bureau.name}　导入时间：{imported:%Y-%m-%d %H:%M}　金额单位：万元　{note}"]))
    header = []
    for column in columns:
        cell = write_only_cell(ws, column.header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_BORDER, HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)

    formats = [(i, c) for i, c in enumerate(columns) if c.number_format or c.wrap]
    for values in rows:
        row: list[Any] = list(values)
        for index, column in formats:
            value = row[index]
            if value is None:
                continue
            cell = write_only_cell(ws, value)
            if column.number_format:
                cell.number_format = (FORMAT_INTEGER if column.number_format == FORMAT_QUANTITY
                                      and _is_whole(value) else column.number_format)
            if column.wrap:
                cell.alignment = WRAP
            row[index] = cell
        ws.append(write_only_row(ws, row))


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral_value())

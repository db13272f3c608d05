"""The master plan (总计划) as an Excel workbook: per-lot totals and every sub-plan counted in them.

Sheet 「总计划」 holds one row per lot (参与单位数, 采购数量合计, 预算金额合计) and a total row; sheet
「分计划明细」 one row per counted sub-plan (submitted or frozen). The workbook is written in
openpyxl's write-only mode, streaming the sub-plans, so 5,000 units × several lots stay cheap. Every
value goes in through ``procurement.excel_write``: a title, a lot name or a contact name is text, never a
formula (issue 8 point 5).
"""

from __future__ import annotations

from io import BytesIO

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font

from procurement.excel_write import write_only_cell, write_only_row
from procurement.models import Project, SubPlan
from procurement.selectors.plans import flags_for_sub_plan, master_plan, master_plan_drilldown

TOTALS_SHEET = "总计划"
DETAIL_SHEET = "分计划明细"
TOTALS_HEADERS = ["包号", "采购包", "计量单位", "参与单位数", "采购数量合计", "预算金额合计（元）", "待核查分计划数"]
DETAIL_HEADERS = ["单位代码", "预算单位", "所属区划", "包号", "采购包", "采购数量", "计量单位", "预算金额（元）",
                  "联系人", "联系电话", "状态", "提交时间", "核查提示"]
# The first data row of each sheet (after the title, the facts line and the header row).
FIRST_ROW = 4
MONEY = "#,##0.00"
QUANTITY = "#,##0.##"


def master_plan_file_name(project: Project) -> str:
    return f"{project.code}总计划.xlsx"


def _cell(sheet, value, *, bold: bool = False, number_format: str | None = None) -> Cell:
    cell = write_only_cell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    if number_format:
        cell.number_format = number_format
    return cell


def _heading(sheet, title: str, facts: str, headers: list[str], widths: list[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append(write_only_row(sheet, [facts]))
    header = []
    for text in headers:
        cell = _cell(sheet, text, bold=True)
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def master_plan_workbook(*, project: Project, visible: QuerySet[SubPlan] | None = None) -> bytes:
    """The workbook; ``visible`` (the reader's sub-plans, ``access.visible_sub_plans``) limits the detail rows."""
    plan = master_plan(project=project)
    deadline = _local(project.response_deadline) or "未设置"
    facts = f"状态：{project.get_status_display()}　需求响应截止：{deadline}　导出时间：{_local(timezone.now())}"
    book = Workbook(write_only=True)

    totals = book.create_sheet(TOTALS_SHEET)
    _heading(totals, f"{project.code} {project.title} 总计划", facts, TOTALS_HEADERS, [8, 36, 10, 12, 16, 20, 14])
    for line in plan.lines:
        totals.append(write_only_row(totals, [
            line.lot.number, line.lot.name, line.lot.unit_of_measure, line.unit_count,
            _cell(totals, line.total_quantity, number_format=QUANTITY),
            _cell(totals, line.total_budget_yuan, number_format=MONEY),
            line.flagged_count,
        ]))
    totals.append(write_only_row(totals, [
        _cell(totals, "合计", bold=True), "", "", _cell(totals, plan.sub_plan_count, bold=True),
        _cell(totals, plan.total_quantity, bold=True, number_format=QUANTITY),
        _cell(totals, plan.total_budget_yuan, bold=True, number_format=MONEY),
        _cell(totals, plan.flagged_count, bold=True),
    ]))

    detail = book.create_sheet(DETAIL_SHEET)
    _heading(detail, f"{project.code} {project.title} 分计划明细（已提交、已锁定）", facts, DETAIL_HEADERS,
             [14, 32, 14, 8, 30, 12, 10, 16, 12, 16, 10, 18, 60])
    labels = dict(SubPlan.Status.choices)
    rows = master_plan_drilldown(project=project)
    if visible is not None:
        rows = rows.filter(pk__in=visible.values("pk"))
    for sub_plan in rows.iterator(chunk_size=2000):
        unit, lot = sub_plan.unit, sub_plan.lot
        detail.append(write_only_row(detail, [
            unit.unit_code, unit.name, unit.region.name, lot.number, lot.name,
            _cell(detail, sub_plan.quantity, number_format=QUANTITY), lot.unit_of_measure,
            _cell(detail, sub_plan.budget_yuan, number_format=MONEY),
            sub_plan.contact_name, sub_plan.contact_phone, labels.get(sub_plan.status, sub_plan.status),
            _local(sub_plan.submitted_at),
            "\n".join(f"{flag.label}：{flag.message}" for flag in flags_for_sub_plan(sub_plan)),
        ]))

    out = BytesIO()
    book.save(out)
    return out.getvalue()

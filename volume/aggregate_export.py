"""The aggregate of a volume project (归集汇总, 753号 step 3) as an Excel workbook a finance clerk can file.

Every sheet opens with the title row (project code and name) and a facts row (lead unit, response deadline,
status, export time), then a frozen header row. Sheet 「按采购内容汇总」: one row per item (quantity, budget, units)
and a total row; sheet 「按参与单位明细」: one row per funding line of every counted response (unit code, unit,
item, quantity, unit of measure, budget, funding source, indicator code, amount; the quantity and budget of an
item on its first funding line only, so each column sums to the total), a subtotal per unit and a total row;
sheet 「按资金来源汇总」: one row per source and per item and source, with the total. Amounts are in 元 with two
decimals. Every value goes in through ``procurement.excel_write`` (text is never a formula).
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from procurement.excel_write import sheet_put
from procurement.models import FundingLine, Project
from volume.selectors.aggregate import aggregate, participant_rows, participants

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEMS_SHEET = "按采购内容汇总"
UNITS_SHEET = "按参与单位明细"
SOURCES_SHEET = "按资金来源汇总"
ITEMS_HEADERS = ["序号", "采购内容", "品目编码", "计量单位", "参与单位数", "采购数量合计", "预算金额合计（元）"]
UNITS_HEADERS = ["单位代码", "单位名称", "采购内容", "采购数量", "计量单位", "预算金额（元）", "资金来源",
                 "预算指标编号", "资金金额（元）"]
SOURCES_HEADERS = ["资金来源", "采购内容", "金额（元）"]
HEADER_ROW = 3
MONEY = "#,##0.00"
QUANTITY = "#,##0.##"
BOLD = Font(bold=True)


def aggregate_file_name(project: Project) -> str:
    return f"{project.code}集中带量采购汇总表.xlsx"


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "未设置"


class _Sheet:
    """A sheet written row by row: title, facts, a frozen header, then data."""

    def __init__(self, book: Workbook, name: str, title: str, facts: str, headers: list[str], widths: list[int],
                 *, first: bool = False) -> None:
        self.sheet = book.active if first else book.create_sheet(name)
        self.sheet.title = name
        self.row = 0
        self.put([title], bold=True)
        self.put([facts])
        self.put(headers, bold=True, center=True)
        self.sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def put(self, values: list, *, bold: bool = False, center: bool = False, money: tuple[int, ...] = (),
            quantity: tuple[int, ...] = ()) -> None:
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = sheet_put(self.sheet, self.row, column, value)
            if bold:
                cell.font = BOLD
            if center:
                cell.alignment = Alignment(horizontal="center")
            if column in money:
                cell.number_format = MONEY
            elif column in quantity:
                cell.number_format = QUANTITY


def aggregate_workbook(*, project: Project) -> bytes:
    """The workbook of ``project``'s aggregate (its three sheets); every total is the selectors'."""
    summary = aggregate(project)
    lead = project.organizer.name
    facts = (f"牵头单位：{lead}　需求响应截止：{_local(project.response_deadline)}　"
             f"状态：{project.get_status_display()}　导出时间：{_local(timezone.now())}　金额单位：元")
    title = f"{project.code} {project.title}"
    book = Workbook()

    items = _Sheet(book, ITEMS_SHEET, f"{title} 集中带量采购汇总表（按采购内容）", facts, ITEMS_HEADERS,
                   [8, 36, 14, 10, 12, 16, 20], first=True)
    for item in summary.items:
        lot = item.lot
        items.put([lot.number, lot.name, lot.category.code if lot.category_id else "", lot.unit_of_measure,
                   item.unit_count, item.quantity, item.budget_yuan], money=(7,), quantity=(6,))
    items.put(["合计", "", "", "", summary.participant_count, "", summary.budget_yuan], bold=True, money=(7,))

    units = _Sheet(book, UNITS_SHEET, f"{title} 集中带量采购汇总表（按参与单位）", facts, UNITS_HEADERS,
                   [14, 32, 30, 12, 10, 18, 22, 22, 18])
    labels = dict(FundingLine.Source.choices)
    money, quantity = (6, 9), (4,)
    for participant in participant_rows(project, participants(project).iterator(chunk_size=500)):
        unit = participant.unit
        for sub_plan in participant.sub_plans:
            lines = list(sub_plan.funding_lines.all()) or [None]
            for index, line in enumerate(lines):
                first = index == 0
                units.put([
                    unit.unit_code, unit.name, sub_plan.lot.name,
                    sub_plan.quantity if first else None, sub_plan.lot.unit_of_measure,
                    sub_plan.budget_yuan if first else None,
                    labels.get(line.source, line.source) if line else "", line.budget_index_code if line else "",
                    line.amount_yuan if line else None,
                ], money=money, quantity=quantity)
        units.put([unit.unit_code, f"{unit.name} 小计", f"{participant.item_count}项", None, "",
                   participant.budget_yuan, "", "", participant.funding_yuan], bold=True, money=money)
    units.put(["合计", f"{summary.participant_count}家单位", f"{summary.sub_plan_count}项", None, "",
               summary.budget_yuan, "", "", summary.funding_yuan], bold=True, money=money)

    sources = _Sheet(book, SOURCES_SHEET, f"{title} 集中带量采购汇总表（按资金来源）", facts, SOURCES_HEADERS,
                     [24, 36, 20])
    for source in summary.sources:
        sources.put([source.label, "全部采购内容", source.amount_yuan], bold=True, money=(3,))
        for item in summary.items:
            for line in item.funding:
                if line.source == source.source:
                    sources.put(["", f"{item.lot.number}. {item.lot.name}", line.amount_yuan], money=(3,))
    sources.put(["合计", "", summary.funding_yuan], bold=True, money=(3,))

    out = BytesIO()
    book.save(out)
    return out.getvalue()

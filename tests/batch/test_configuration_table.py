"""The product configuration table (批量集中采购产品配置表, annex 6): types per category, Excel in and out."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from batch import configuration as services
from batch.configuration import ImportRefused
from batch.models import BatchDetails, ConfigurationTable, TaskNotice
from procurement.models import ProjectEvent
from procurement.services import tasks as task_services
from procurement.services.errors import ServiceError
from tests.batch.test_task_notices import build_world, draft
from tests.excel_files import MALFORMED_CELLS, malformed_cell, text_cell
from tests.excel_files import xlsx_bytes as raw_xlsx
from tests.factories import CategoryFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TITLE = "计算机设备品目批量集中采购产品配置表"


@pytest.fixture
def world(world):
    w = build_world(world)
    # The task covers 计算机设备 (A02010100); its rows are the categories below it.
    w.category.parent.in_centralized_catalog = True
    w.category.parent.save()
    w.laptop = CategoryFactory(code="A02010108", name="便携式计算机", level=4, parent=w.category.parent,
                               in_centralized_catalog=True)
    w.printer = CategoryFactory(code="A02020400", name="打印设备", level=3, in_centralized_catalog=True)
    return w


@pytest.fixture
def task(world) -> TaskNotice:
    notice = draft(world, category=world.category.parent)
    notice = task_services.task_notice_issue(task=notice, actor=world.finance_user)
    return task_services.task_notice_acknowledge(task=notice, actor=world.center_user)


@pytest.fixture
def table(world, task) -> ConfigurationTable:
    return services.configuration_table_create(center=world.center, task=task, title=TITLE,
                                               filled_on=date(2026, 3, 2), actor=world.center_user)


def workbook_bytes(rows: list[list], *, sheet: str = "Sheet1") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def annex_rows(*data: list, header: list | None = None, date_text: str = "填报日期：2026年3月2日") -> list[list]:
    return [
        [TITLE],
        [date_text],
        header or ["序号", "采购标的品目", "配置1（通用办公型）", "配置2", "配置3"],
        *data,
        [],
        ["注：1. 采购品目是指依据财政部《政府采购品目分类目录》（财库〔2022〕31号）确定的采购标的类别；"],
        ["2. 样表仅作参考，具体内容可根据实际调整。"],
    ]


def types_of(table: ConfigurationTable) -> list[tuple]:
    return [(t.row_number, t.category.code, t.number, t.name, t.parameters)
            for t in table.types.select_related("category").order_by("row_number", "number")]


# --- the table and its types ---------------------------------------------------------------------

def test_the_center_makes_a_table_for_an_acknowledged_task(world, task):
    """Seed 000 三(一)1(2): the center, having received the task, designs the configuration table."""
    table = services.configuration_table_create(center=world.center, task=task, title=TITLE,
                                                filled_on=date(2026, 3, 2), actor=world.center_user)
    assert (table.center, table.task, table.title, table.filled_on) == (world.center, task, TITLE, date(2026, 3, 2))
    assert ProjectEvent.objects.filter(subject_type="configurationtable", subject_id=table.pk,
                                       action="create").exists()


def test_a_task_not_yet_acknowledged_cannot_have_a_table(world):
    """Seed 000 三(一)1(1)–(2): the center designs configurations for a task it has signed for."""
    notice = task_services.task_notice_issue(task=draft(world), actor=world.finance_user)
    with pytest.raises(ServiceError, match="签收后才能编制产品配置表"):
        services.configuration_table_create(center=world.center, task=notice, title=TITLE,
                                            filled_on=date(2026, 3, 2), actor=world.center_user)
    assert not ConfigurationTable.objects.exists()


def test_another_centers_member_cannot_make_or_change_the_table(world, task, table):
    """Seed 000 三(一)1(2): the configuration table is the executing center's own work."""
    with pytest.raises(PermissionDenied):
        services.configuration_table_create(center=world.center, task=task, title=TITLE,
                                            filled_on=date(2026, 3, 2), actor=world.other_center_user)
    with pytest.raises(PermissionDenied):
        services.configuration_type_set(table=table, category=world.category, number=1, parameters="CPU≥8核",
                                        actor=world.other_center_user)
    assert ConfigurationTable.objects.count() == 1
    assert not table.types.exists()


def test_types_are_numbered_per_category_and_rows_follow_the_categories(world, table):
    """Annex 6: one row per category (序号), columns 配置1…配置N with their technical parameters."""
    set_type = services.configuration_type_set
    set_type(table=table, category=world.category, number=1, name="通用办公型", parameters="CPU≥8核",
             actor=world.center_user)
    set_type(table=table, category=world.laptop, number=1, parameters="14英寸", actor=world.center_user)
    set_type(table=table, category=world.category, number=2, parameters="CPU≥12核", actor=world.center_user)
    assert types_of(table) == [
        (1, "A02010105", 1, "通用办公型", "CPU≥8核"),
        (1, "A02010105", 2, "配置2", "CPU≥12核"),
        (2, "A02010108", 1, "配置1", "14英寸"),
    ]
    set_type(table=table, category=world.category, number=2, parameters="CPU≥16核", actor=world.center_user)
    assert table.types.get(category=world.category, number=2).parameters == "CPU≥16核"
    assert table.types.count() == 3


def test_a_type_needs_its_technical_parameters(world, table):
    """Seed 000 三(一)1(2): the table fixes each type's technical parameters (技术参数标准)."""
    with pytest.raises(ServiceError) as refused:
        services.configuration_type_set(table=table, category=world.category, number=1, parameters=" ",
                                        actor=world.center_user)
    assert (refused.value.field, refused.value.message) == ("parameters", "请填写技术参数")
    assert not table.types.exists()


def test_a_category_outside_the_tasks_category_is_refused(world, table):
    """Seed 000 三(一)1(2): the table details the task's category (annex 5 采购品目), not another one."""
    with pytest.raises(ServiceError, match="不属于任务通知单的采购品目"):
        services.configuration_type_set(table=table, category=world.printer, number=1, parameters="A4黑白",
                                        actor=world.center_user)
    assert not table.types.exists()


def test_deleting_a_type_renumbers_the_rows(world, table):
    """Annex 6: 序号 runs 1…n without gaps."""
    first = services.configuration_type_set(table=table, category=world.category, number=1, parameters="甲",
                                            actor=world.center_user)
    services.configuration_type_set(table=table, category=world.laptop, number=1, parameters="乙",
                                    actor=world.center_user)
    services.configuration_type_delete(configuration_type=first, actor=world.center_user)
    assert types_of(table) == [(1, "A02010108", 1, "配置1", "乙")]


def test_a_table_used_by_a_project_is_fixed(world, task, table):
    """Seed 000 三(一)2(4): lots are made from the table's types; once a project uses it, it stays as it was."""
    services.configuration_type_set(table=table, category=world.category, number=1, parameters="甲",
                                    actor=world.center_user)
    BatchDetails.objects.create(project=ProjectFactory(organizer=world.center), task=task, configuration_table=table)
    with pytest.raises(ServiceError, match="已用于设立采购项目"):
        services.configuration_type_set(table=table, category=world.category, number=1, parameters="乙",
                                        actor=world.center_user)
    with pytest.raises(ServiceError, match="已用于设立采购项目"):
        services.configuration_table_import(table=table, file=workbook_bytes(annex_rows([1, "A02010105", "丙"])),
                                            actor=world.center_user)
    assert types_of(table) == [(1, "A02010105", 1, "配置1", "甲")]


# --- import ----------------------------------------------------------------------------------------

def test_the_annex_layout_imports_with_codes_names_or_both(world, task):
    """Annex 6 layout: title, 填报日期, 序号 | 采购标的品目 | 配置1…N; a category cell holds a code, a name or both."""
    data = workbook_bytes(annex_rows(
        [1, "A02010105 台式计算机", "CPU≥8核\n内存≥16GB", "CPU≥12核", None],
        [2, "便携式计算机", "14英寸", None, "【轻薄型】\n13英寸，≤1.3kg"],
        ["...", None, None, None, None],
    ))
    table = services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    assert (table.title, table.filled_on, table.task) == (TITLE, date(2026, 3, 2), task)
    assert types_of(table) == [
        (1, "A02010105", 1, "通用办公型", "CPU≥8核\n内存≥16GB"),
        (1, "A02010105", 2, "配置2", "CPU≥12核"),
        (2, "A02010108", 1, "通用办公型", "14英寸"),
        (2, "A02010108", 3, "轻薄型", "13英寸，≤1.3kg"),
    ]
    event = ProjectEvent.objects.get(subject_type="configurationtable", subject_id=table.pk, action="import_create")
    assert (event.changes["rows"], event.changes["types"]) == (2, 4)


def test_an_import_with_errors_names_sheet_row_and_column_and_changes_nothing(world, table):
    """Issue 3 point 4: imports are all-or-nothing, each error says where (sheet, row, column)."""
    services.configuration_type_set(table=table, category=world.category, number=1, parameters="原参数",
                                    actor=world.center_user)
    before = types_of(table)
    data = workbook_bytes(annex_rows(
        [1, "A02010105", "新参数", None, None],
        [2, "A99999999", "某参数", None, None],
        [3, "便携式计算机", None, None, None],
        [4, "A02010105", "重复", None, None],
    ), sheet="配置表")
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(table=table, file=data, actor=world.center_user)
    errors = refused.value.errors
    assert "工作表「配置表」第5行B列（采购标的品目）：品目编码「A99999999」不在政府采购品目分类目录中" in errors
    assert "工作表「配置表」第6行：品目「便携式计算机」未填写任何配置的技术参数" in errors
    assert any(e.startswith("工作表「配置表」第7行B列（采购标的品目）：品目「台式计算机」与第4行重复") for e in errors)
    assert refused.value.message.startswith("导入失败，未做任何更改。共3处错误")
    assert types_of(table) == before


def test_a_category_outside_the_task_fails_the_whole_import(world, table):
    """Seed 000 三(一)1(2) with issue 3 point 4: one bad row and nothing of the file is taken."""
    data = workbook_bytes(annex_rows([1, "A02010105", "甲", None, None], [2, "A02020400 打印设备", "乙", None, None]))
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(table=table, file=data, actor=world.center_user)
    assert refused.value.errors == ["工作表「Sheet1」第5行：品目「A02020400 打印设备」不属于任务通知单的采购品目"
                                    "「A02010100 计算机设备」"]
    assert not table.types.exists()


def test_an_unknown_header_and_a_missing_date_are_reported(world, task):
    """Annex 6 header: 序号 | 采购标的品目 | 配置1 … 配置N; the 填报日期 row is filled in."""
    data = workbook_bytes(annex_rows([1, "A02010105", "甲", "乙"], header=["序号", "采购标的品目", "配置1", "价格"],
                                     date_text="填报日期：    年   月   日"))
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    assert refused.value.errors[0] == "工作表「Sheet1」第3行D列：无法识别的表头「价格」，应为“配置1”“配置2”……"
    assert len(refused.value.errors) == 2  # D4 has no usable header either
    assert not ConfigurationTable.objects.exists()


def test_a_date_missing_from_a_new_table_is_reported(world, task):
    """Annex 6: 填报日期 年 月 日 must be filled in for a new table."""
    data = workbook_bytes(annex_rows([1, "A02010105", "甲", None, None], date_text="填报日期：    年   月   日"))
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    assert refused.value.errors == ["工作表「Sheet1」：未填写填报日期（格式如“填报日期：2025年6月1日”）"]
    assert not ConfigurationTable.objects.exists()


def test_an_ambiguous_name_asks_for_the_code(world, table):
    """Annex 6 category cell: a name shared by two catalog entries cannot be resolved without its code."""
    CategoryFactory(code="A02010199", name="台式计算机", level=4, parent=world.category.parent)
    data = workbook_bytes(annex_rows([1, "台式计算机", "甲", None, None]))
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(table=table, file=data, actor=world.center_user)
    assert refused.value.errors == [
        "工作表「Sheet1」第4行B列（采购标的品目）：名称「台式计算机」对应多个品目，请填写品目编码"]


def test_a_code_and_a_name_that_disagree_are_reported(world, table):
    """Annex 6 category cell with both: they must name the same catalog entry."""
    data = workbook_bytes(annex_rows([1, "A02010105 便携式计算机", "甲", None, None]))
    with pytest.raises(ImportRefused, match="对应「台式计算机」，与填写的名称「便携式计算机」不一致"):
        services.configuration_table_import(table=table, file=data, actor=world.center_user)


def test_a_file_that_is_not_a_workbook_is_refused(world, table):
    """Issue 3 point 4: bad input gets a clear Chinese error and changes nothing."""
    with pytest.raises(ServiceError) as refused:
        services.configuration_table_import(table=table, file=b"not an excel file", actor=world.center_user)
    assert refused.value.message == "无法读取文件：请上传Excel 2007及以上版本的.xlsx文件"
    assert not table.types.exists()


def annex_xml_with_a_bad_cell(cell: str) -> str:
    """Annex 6 written by hand: title, 填报日期, header, a good row 4, and row 5 whose 配置1 (column C) is ``cell``."""
    return (f'<row r="1">{text_cell("A1", TITLE)}</row><row r="2">{text_cell("A2", "填报日期：2026年3月2日")}</row>'
            f'<row r="3">{text_cell("A3", "序号")}{text_cell("B3", "采购标的品目")}'
            f'{text_cell("C3", "配置1（通用办公型）")}</row>'
            f'<row r="4"><c r="A4"><v>1</v></c>{text_cell("B4", "A02010105")}{text_cell("C4", "CPU≥8核")}</row>'
            f'<row r="5"><c r="A5"><v>2</v></c>{text_cell("B5", "A02010108")}{cell}</row>')


@pytest.mark.parametrize("kind", list(MALFORMED_CELLS))
def test_a_cell_that_cannot_be_read_is_refused_naming_sheet_row_and_column(world, table, kind):
    """Issue 8 point 3: it answered 500; now the import's error names the cell, and the table is unchanged."""
    services.configuration_type_set(table=table, category=world.category, number=1, parameters="原参数",
                                    actor=world.center_user)
    before = types_of(table)
    cell, reason = malformed_cell(kind, "C5", "14英寸")
    data = raw_xlsx(annex_xml_with_a_bad_cell(cell), sheet_name="产品配置表")
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(table=table, file=data, actor=world.center_user)
    assert refused.value.errors == [f"工作表「产品配置表」第5行C列：单元格内容无法读取（{reason}），文件可能已损坏，"
                                    "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入"]
    assert types_of(table) == before


def test_the_same_table_without_the_bad_cell_imports(world, table):
    """The files above differ from this good one by the one cell."""
    data = raw_xlsx(annex_xml_with_a_bad_cell(text_cell("C5", "14英寸")), sheet_name="产品配置表")
    services.configuration_table_import(table=table, file=data, actor=world.center_user)
    assert [(code, parameters) for _, code, _, _, parameters in types_of(table)] == [
        ("A02010105", "CPU≥8核"), ("A02010108", "14英寸")]


def annex_book_with_hidden(visible_rows: list[list] | None, hidden_rows: list[list], *, state: str) -> bytes:
    """A workbook whose first sheet is hidden (or very hidden) and holds ``hidden_rows``; then a visible sheet."""
    book = Workbook()
    hidden = book.active
    hidden.title = "下拉选项（勿删）"
    for row in hidden_rows:
        hidden.append(row)
    visible = book.create_sheet("配置表")
    for row in visible_rows or [["请在此工作表填写产品配置表"]]:
        visible.append(row)
    hidden.sheet_state = state
    book.active = 1
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_skipped_and_the_visible_table_imported(world, task, state):
    """Issue 7 point 2: a stale copy (here with a category outside the task) on a hidden first sheet is not read."""
    stale = annex_rows([1, "A02020400 打印设备", "旧参数", None, None])
    data = annex_book_with_hidden(annex_rows([1, "A02010105 台式计算机", "CPU≥8核", None, None]), stale, state=state)
    table = services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    assert types_of(table) == [(1, "A02010105", 1, "通用办公型", "CPU≥8核")]
    event = ProjectEvent.objects.get(subject_type="configurationtable", subject_id=table.pk, action="import_create")
    assert event.changes["sheet"] == "配置表"


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_table_only_on_a_hidden_sheet_is_refused_without_naming_it(world, task, state):
    """Issue 7 point 2: the refusal names the sheet the clerk sees, and says hidden sheets are not read."""
    data = annex_book_with_hidden(None, annex_rows([1, "A02010105", "甲", None, None]), state=state)
    with pytest.raises(ImportRefused) as refused:
        services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    (error,) = refused.value.errors
    assert "下拉选项" not in error and "下拉选项" not in refused.value.message
    assert error == ("工作表「配置表」：在前15行未找到表头行（应为：序号、采购标的品目、配置1、配置2……）"
                     "（工作簿中另有1个隐藏的工作表，导入时不读取；如表格在隐藏的工作表中，请在Excel或WPS中取消隐藏后重新导入）")
    assert not ConfigurationTable.objects.exists()


def test_importing_into_a_table_replaces_its_types_and_keeps_what_the_layout_lacks(world, table):
    """Annex 6 carries no unit or price: a re-import keeps them for the types that stay, drops the others."""
    kept = services.configuration_type_set(table=table, category=world.category, number=1, parameters="旧",
                                           unit_of_measure="套", reference_price_yuan="5000", actor=world.center_user)
    services.configuration_type_set(table=table, category=world.category, number=2, parameters="将删去",
                                    actor=world.center_user)
    data = workbook_bytes(annex_rows([1, "A02010105", "新", None, None], date_text="填报日期：2026年4月1日"))
    services.configuration_table_import(table=table, file=data, actor=world.center_user)
    table.refresh_from_db()
    assert types_of(table) == [(1, "A02010105", 1, "通用办公型", "新")]
    kept.refresh_from_db()
    assert (kept.unit_of_measure, str(kept.reference_price_yuan)) == ("套", "5000.00")
    assert table.filled_on == date(2026, 4, 1)


# --- export ----------------------------------------------------------------------------------------

def test_export_writes_the_annex_layout(world, table):
    """Annex 6: title row, 填报日期 row, header 序号 | 采购标的品目 | 配置1…N (N the largest), notes below."""
    services.configuration_type_set(table=table, category=world.category, number=1, name="通用办公型",
                                    parameters="CPU≥8核", actor=world.center_user)
    services.configuration_type_set(table=table, category=world.laptop, number=3, parameters="14英寸",
                                    actor=world.center_user)
    sheet = load_workbook(BytesIO(services.configuration_table_export(table=table))).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == TITLE
    assert rows[1][0] == "填报日期：2026年3月2日"
    assert rows[2] == ["序号", "采购标的品目", "配置1（通用办公型）", "配置2", "配置3"]
    assert rows[3] == [1, "A02010105 台式计算机", "CPU≥8核", None, None]
    assert rows[4] == [2, "A02010108 便携式计算机", None, None, "14英寸"]
    assert rows[6][0].startswith("注：1. 采购品目是指依据财政部《政府采购品目分类目录》")
    assert any(str(r[0]).strip().startswith("2. 样表仅作参考") for r in rows[7:])


def test_export_then_import_gives_the_same_types(world, task, table):
    """Annex 6 round trip: what the center exports, it can import again unchanged (names included)."""
    set_type = services.configuration_type_set
    set_type(table=table, category=world.category, number=1, name="通用办公型", parameters="CPU≥8核\n内存≥16GB",
             actor=world.center_user)
    set_type(table=table, category=world.category, number=2, name="高性能型", parameters="CPU≥16核",
             actor=world.center_user)
    set_type(table=table, category=world.laptop, number=1, name="轻薄型", parameters="13英寸", actor=world.center_user)
    set_type(table=table, category=world.laptop, number=4, parameters="15.6英寸", actor=world.center_user)
    exported = services.configuration_table_export(table=table)
    copy = services.configuration_table_import(center=world.center, task=task, file=exported,
                                               actor=world.center_user)
    assert copy.pk != table.pk
    assert (copy.title, copy.filled_on) == (table.title, table.filled_on)
    assert types_of(copy) == types_of(table)


def test_a_fill_in_date_in_the_future_is_refused_by_hand_and_by_import(world, task):
    """Issue 7 point 5: 填报日期 is the day the table was filled in; a day still to come cannot be it."""
    from datetime import timedelta

    from procurement import deadlines

    tomorrow = deadlines.today() + timedelta(days=1)
    with pytest.raises(ServiceError, match="填报日期不能晚于今天") as refused:
        services.configuration_table_create(center=world.center, task=task, title=TITLE, filled_on=tomorrow,
                                            actor=world.center_user)
    assert refused.value.field == "filled_on"
    data = workbook_bytes(annex_rows([1, "A02010105", "甲", None, None],
                                     date_text=f"填报日期：{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日"))
    with pytest.raises(ImportRefused) as refused_import:
        services.configuration_table_import(center=world.center, task=task, file=data, actor=world.center_user)
    assert refused_import.value.errors == ["工作表「Sheet1」：填报日期不能晚于今天"]
    assert not ConfigurationTable.objects.exists()

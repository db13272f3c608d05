"""The calendar migration (0002_load_calendar) loads frozen data, not the installed chinesecalendar (issue 9
point 7): it gives the same table whatever version of the package is installed, or none."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from django.apps import apps

from procurement.models import CalendarDay, CalendarYear
from procurement.services import calendar as calendar_service

migration = importlib.import_module("procurement.migrations.0002_load_calendar")


def table() -> tuple[list, list]:
    days = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))
    years = list(CalendarYear.objects.order_by("year").values_list("year", "source", "note"))
    return days, years


def frozen_table(path: Path = migration.FROZEN) -> tuple[list, list]:
    version, years = migration.frozen_calendar(path)
    days = sorted(row for rows in years.values() for row in rows)
    notes = []
    for year, rows in sorted(years.items()):
        holidays = sum(1 for _, kind, _ in rows if kind == CalendarDay.Kind.HOLIDAY)
        workdays = len(rows) - holidays
        note = f"由 chinesecalendar {version} 载入：工作日放假{holidays}天，周末调休上班{workdays}天"
        notes.append((year, "chinesecalendar", note))
    return days, notes


def test_the_migration_imports_neither_the_package_nor_a_live_service():
    tree = ast.parse(Path(migration.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"json", "datetime", "pathlib", "django.db"}


@pytest.fixture
def empty_calendar(db):
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()


def test_the_migration_loads_exactly_the_frozen_days(empty_calendar):
    migration.load_frozen_years(apps, None)
    assert table() == frozen_table()
    days, notes = table()
    assert (notes[0][0], notes[-1][0]) == (2004, 2026)
    # 2026 National Day: Thursday 10月1日 to Wednesday 10月7日 off, Saturday 10月10日 worked (调休).
    assert (calendar_service.date(2026, 10, 7), "holiday", "国庆节") in days
    assert (calendar_service.date(2026, 10, 10), "workday", "国庆节") in days


def test_the_migration_gives_the_same_table_whatever_chinesecalendar_knows(empty_calendar, monkeypatch):
    # A package that knows nothing, and one that cannot even be imported: the same table.
    from chinese_calendar import constants

    monkeypatch.setattr(constants, "holidays", {})
    monkeypatch.setattr(constants, "workdays", {})
    monkeypatch.setitem(sys.modules, "chinese_calendar", None)
    monkeypatch.setitem(sys.modules, "chinese_calendar.constants", None)
    migration.load_frozen_years(apps, None)
    assert table() == frozen_table()


def test_the_migration_leaves_a_year_already_there(empty_calendar):
    CalendarYear.objects.create(year=2026, source="manual", note="手工维护")
    migration.load_frozen_years(apps, None)
    assert CalendarYear.objects.get(year=2026).source == "manual"
    assert not CalendarDay.objects.filter(date__year=2026).exists()


def test_the_frozen_data_is_what_the_package_it_came_from_says():
    version, years = migration.frozen_calendar()
    if version != calendar_service.package_version():
        pytest.skip(f"chinesecalendar {calendar_service.package_version()} installed, the data came from {version}")
    assert list(years) == list(calendar_service.package_years())
    for year, rows in years.items():
        assert rows == calendar_service.package_exceptions(year)


def test_load_calendar_still_loads_from_the_package(empty_calendar):
    from django.core.management import call_command

    call_command("load_calendar", "--year", "2026")
    assert CalendarYear.objects.get(year=2026).source == "chinesecalendar"
    assert table()[0] == [row for row in frozen_table()[0] if row[0].year == 2026]

"""Loading the working-day calendar (工作日历) from the ``chinesecalendar`` package.

Only the exceptions to the Monday–Friday rule are stored: statutory holidays that fall on a
weekday (``HOLIDAY``) and adjusted working weekend days (调休, ``WORKDAY``). The package stops at
the last year whose arrangement the State Council has published; later years are entered by hand
in the admin until the package is upgraded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar
from chinese_calendar import constants as calendar_data
from django.db import transaction

from procurement import deadlines
from procurement.models import CalendarDay, CalendarYear, Contract
from procurement.services.errors import ServiceError

HOLIDAY = CalendarDay.Kind.HOLIDAY.value
WORKDAY = CalendarDay.Kind.WORKDAY.value


@dataclass(frozen=True)
class CalendarYearLoad:
    """What ``calendar_load_year`` did for one year."""

    calendar_year: CalendarYear
    loaded: bool  # False: the year was already loaded and left alone
    holidays: int
    workdays: int


def package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - the package is a hard dependency
        return "?"


def package_years() -> range:
    """The years the installed ``chinesecalendar`` knows (the range its own date checks accept)."""
    known = list(calendar_data.holidays) + list(calendar_data.workdays)
    return range(min(known).year, max(known).year + 1)


def _chinese_name(english: str) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def package_exceptions(year: int) -> list[tuple[date, str, str]]:
    """(date, kind, Chinese holiday name) for every day of ``year`` that breaks the Mon–Fri rule.

    Weekend holidays and weekday working days are already what Mon–Fri says, so they are left out.
    """
    rows = [
        (day, HOLIDAY, _chinese_name(name))
        for day, name in calendar_data.holidays.items()
        if day.year == year and day.weekday() < 5
    ]
    rows += [
        (day, WORKDAY, _chinese_name(name))
        for day, name in calendar_data.workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(rows)


def load_year_into(*, year_model, day_model, year: int, force: bool) -> tuple[object, bool, int, int]:
    """Load ``year`` into the given models; shared by the service and the data migration (which
    passes its historical models). Returns (calendar_year, loaded, holidays, workdays)."""
    existing = year_model.objects.filter(year=year).first()
    if existing is not None and not force:
        return existing, False, 0, 0
    rows = package_exceptions(year)
    if force:
        day_model.objects.filter(date__year=year).delete()
    day_model.objects.bulk_create(
        [day_model(date=day, kind=kind, name=name) for day, kind, name in rows],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["kind", "name"],
    )
    holidays = sum(1 for _, kind, _ in rows if kind == HOLIDAY)
    workdays = len(rows) - holidays
    calendar_year, _ = year_model.objects.update_or_create(
        year=year,
        defaults={
            "source": "chinesecalendar",
            "note": f"由 chinesecalendar {package_version()} 载入：工作日放假{holidays}天，周末调休上班{workdays}天",
        },
    )
    return calendar_year, True, holidays, workdays


@transaction.atomic
def calendar_load_year(*, year: int, force: bool = False) -> CalendarYearLoad:
    """Load one year's holidays and 调休 working days; a year already loaded is skipped unless ``force``.

    ``force`` replaces every row of that year, including days edited by hand in the admin.
    """
    if not package_knows(year):
        raise ServiceError(calendar_package_lacks(year), field="year")
    calendar_year, loaded, holidays, workdays = load_year_into(
        year_model=CalendarYear, day_model=CalendarDay, year=year, force=force
    )
    return CalendarYearLoad(calendar_year=calendar_year, loaded=loaded, holidays=holidays, workdays=workdays)


@transaction.atomic
def calendar_load_known_years(*, force: bool = False) -> list[CalendarYearLoad]:
    """Load every year the installed package knows."""
    return [calendar_load_year(year=year, force=force) for year in package_years()]


# --- what the admin warns about ----------------------------------------------------------

def _open_deadline_years() -> Iterable[int]:
    """Years of the legal deadlines still running (they were computed with whatever calendar was loaded)."""
    open_contracts = Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.PUBLISHED])
    for field in ("publish_due", "filing_due"):
        for day in open_contracts.filter(**{f"{field}__isnull": False}).dates(field, "year"):
            yield day.year


def calendar_missing_years(*, today: date | None = None) -> list[int]:
    """Years that matter now and have no calendar loaded: this year, next year and the years of
    open deadlines. For them working days fall back to Monday–Friday."""
    today = today or deadlines.today()
    return deadlines.missing_calendar_years([today.year, today.year + 1, *_open_deadline_years()])


def calendar_missing_statement(years: list[int]) -> str:
    """What a missing year means, said once for the admin and the command line ("" when none is missing)."""
    if not years:
        return ""
    listed = "、".join(f"{year}年" for year in years)
    return f"{listed}节假日安排尚未载入，当前按周一至周五计算工作日"


def calendar_missing_warning(years: list[int]) -> str:
    """The warning for whoever can load ``years`` (empty string when nothing is missing)."""
    statement = calendar_missing_statement(years)
    return f"{statement}，请载入该年度日历" if statement else ""


def package_knows(year: int) -> bool:
    return year in package_years()


def calendar_manual_entry_steps(year: int) -> list[str]:
    """How to enter by hand a year the installed package does not know (the admin shows them with links)."""
    return [
        f"在「日历年度」中新增{year}年，来源选「手工维护」；",
        f"在「节假日与调休」中按国务院办公厅公布的{year}年部分节假日安排逐日新增："
        "落在周一至周五的放假日选「法定节假日（休息）」，落在周六、周日的上班日选「调休工作日（上班）」；"
        "周末放假、平日上班的日子无需录入。",
    ]


def calendar_package_lacks(year: int) -> str:
    """Why ``year`` cannot be loaded from the package, and what to do instead."""
    known = package_years()
    return (f"chinesecalendar 软件包（{package_version()}版）没有{year}年的节假日安排"
            f"（只有{known.start}—{known.stop - 1}年），请手工录入该年度日历，或升级该软件包后再载入")

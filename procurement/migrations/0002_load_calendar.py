"""Load the working-day calendar (工作日历), so that every new database has it.

The holidays and 调休 working days are data frozen next to this migration (``0002_load_calendar.json``,
generated once from ``chinesecalendar`` by ``procurement.services.calendar.package_exceptions``): the
migration reads only that file and the historical models, so it gives the same table whatever version of
the package is installed, or none. Only the exceptions to the Monday–Friday rule are stored (holidays on
a weekday, working days on a weekend).

Later years (after a package upgrade) are loaded with ``manage.py load_calendar --all``.
"""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

FROZEN = Path(__file__).with_name("0002_load_calendar.json")
HOLIDAY = "holiday"


def frozen_calendar(path: Path = FROZEN) -> tuple[str, dict[int, list[tuple[date, str, str]]]]:
    """(package version it was taken from, {year: [(date, kind, Chinese name), ...]}) from the frozen file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    years = {
        int(year): [(date.fromisoformat(day), kind, name) for day, kind, name in rows]
        for year, rows in data["years"].items()
    }
    return data["version"], years


def load_frozen_years(apps, schema_editor, path: Path = FROZEN):
    CalendarYear = apps.get_model("procurement", "CalendarYear")
    CalendarDay = apps.get_model("procurement", "CalendarDay")
    version, years = frozen_calendar(path)
    for year, rows in sorted(years.items()):
        if CalendarYear.objects.filter(year=year).exists():
            continue
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=day, kind=kind, name=name) for day, kind, name in rows],
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["kind", "name"],
        )
        holidays = sum(1 for _, kind, _ in rows if kind == HOLIDAY)
        CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "source": "chinesecalendar",
                "note": f"由 chinesecalendar {version} 载入：工作日放假{holidays}天，周末调休上班{len(rows) - holidays}天",
            },
        )


def unload_package_years(apps, schema_editor):
    CalendarYear = apps.get_model("procurement", "CalendarYear")
    CalendarDay = apps.get_model("procurement", "CalendarDay")
    years = list(CalendarYear.objects.filter(source="chinesecalendar").values_list("year", flat=True))
    for year in years:
        CalendarDay.objects.filter(date__year=year).delete()
    CalendarYear.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("procurement", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_frozen_years, unload_package_years),
    ]

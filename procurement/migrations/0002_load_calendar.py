"""Load every year the installed chinesecalendar knows, so that every new database has the working-day calendar.

Later years (after a package upgrade) are loaded with ``manage.py load_calendar --all``.
"""

from django.db import migrations


def load_known_years(apps, schema_editor):
    from procurement.services.calendar import load_year_into, package_years

    CalendarYear = apps.get_model("procurement", "CalendarYear")
    CalendarDay = apps.get_model("procurement", "CalendarDay")
    for year in package_years():
        load_year_into(year_model=CalendarYear, day_model=CalendarDay, year=year, force=False)


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
        migrations.RunPython(load_known_years, unload_package_years),
    ]

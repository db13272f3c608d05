"""Working days: the calendar table seeded from chinesecalendar, its Mon–Fri fallback, the durations."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from procurement import deadlines
from procurement.models import CalendarDay, CalendarYear
from procurement.services.calendar import (
    calendar_load_known_years,
    calendar_load_year,
    calendar_missing_years,
    package_years,
)
from procurement.services.errors import ServiceError
from tests.factories import ContractFactory

pytestmark = pytest.mark.usefixtures("calendar_loaded")


# --- the two dates the issue names --------------------------------------------------------

def test_national_day_2025_one_working_day_after_september_30_is_october_9():
    """国务院办公厅关于2025年部分节假日安排的通知：国庆节、中秋节10月1日至8日放假调休，共8天."""
    assert deadlines.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_spring_festival_2026_makeup_saturday_february_14_is_a_working_day():
    """国务院办公厅关于2026年部分节假日安排的通知：春节2月14日（星期六）上班."""
    assert date(2026, 2, 14).weekday() == 5
    assert deadlines.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)


# --- the calendar table ------------------------------------------------------------------

def test_a_year_without_a_calendar_falls_back_to_monday_to_friday():
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not CalendarDay.objects.filter(date__year=2031).exists()
    # 2031-10-01 is a Wednesday: National Day, but without the 2031 calendar it counts as a working day.
    assert deadlines.add_working_days(date(2031, 9, 30), 1) == date(2031, 10, 1)
    # Friday + 1 working day skips the weekend.
    assert deadlines.add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)
    assert deadlines.missing_calendar_years([2025, 2031]) == [2031]


def test_an_edited_calendar_day_changes_the_result():
    # Turn the 2026-02-14 调休 Saturday into a day off: the next working day is after the Spring Festival.
    CalendarDay.objects.filter(date=date(2026, 2, 14)).update(kind=CalendarDay.Kind.HOLIDAY)
    assert deadlines.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 24)
    # Remove the 2025-10-08 holiday: it becomes an ordinary Wednesday.
    CalendarDay.objects.filter(date=date(2025, 10, 8)).delete()
    assert deadlines.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 8)
    # A working day added by hand in a year with no calendar.
    CalendarDay.objects.create(date=date(2031, 1, 4), kind=CalendarDay.Kind.WORKDAY, name="调休")
    assert deadlines.add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 4)


def test_working_day_helpers_agree_with_the_calendar():
    assert deadlines.is_working_day(date(2025, 10, 11))  # Saturday, 调休 working day
    assert not deadlines.is_working_day(date(2025, 10, 1))  # Wednesday, National Day
    assert deadlines.subtract_working_days(date(2025, 10, 9), 1) == date(2025, 9, 30)
    assert deadlines.subtract_working_days(date(2025, 9, 30), -1) == date(2025, 10, 9)
    assert deadlines.add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert deadlines.add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)
    assert deadlines.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert deadlines.working_days_between(date(2025, 10, 9), date(2025, 9, 30)) == 0


def test_a_long_walk_crosses_several_holidays():
    # 20 working days from 2025-09-19: the National Day week costs 6 weekdays, 9-28 and 10-11 are worked.
    day, counted = date(2025, 9, 19), 0
    while counted < 20:
        day += timedelta(days=1)
        counted += deadlines.is_working_day(day)
    assert deadlines.add_working_days(date(2025, 9, 19), 20) == day == date(2025, 10, 23)


# --- durations ---------------------------------------------------------------------------

def test_contract_publication_is_two_working_days_and_filing_seven():
    """《政府采购法实施条例》第五十条（2个工作日内公告）；《政府采购法》第四十七条（7个工作日内备案）."""
    signed = date(2025, 9, 29)
    assert deadlines.due_date(signed, deadlines.CONTRACT_PUBLICATION) == date(2025, 10, 9)
    # 9-30, 10-9, 10-10, 10-11 (调休 Saturday), 10-13, 10-14, 10-15.
    assert deadlines.due_date(signed, deadlines.CONTRACT_FILING) == date(2025, 10, 15)
    assert str(deadlines.CONTRACT_PUBLICATION) == "2个工作日"
    assert "第五十条" in deadlines.CONTRACT_PUBLICATION.rule
    assert "第四十七条" in deadlines.CONTRACT_FILING.rule


def test_calendar_day_durations_ignore_holidays():
    assert deadlines.CONTRACT_SIGNING.kind is deadlines.DayKind.CALENDAR
    assert deadlines.due_date(date(2025, 9, 30), deadlines.CONTRACT_SIGNING) == date(2025, 10, 30)
    assert str(deadlines.CONTRACT_SIGNING) == "30日"


# --- loading the calendar ----------------------------------------------------------------

def test_the_migration_loaded_every_year_the_package_knows():
    loaded = set(CalendarYear.objects.filter(source=CalendarYear.Source.CHINESECALENDAR).values_list("year", flat=True))
    assert {2025, 2026} <= loaded
    assert package_years().start == 2004 and 2026 in package_years()


def test_only_exceptions_to_monday_to_friday_are_stored():
    days = CalendarDay.objects.filter(date__year=2025)
    assert days.exists()
    for day in days:
        if day.kind == CalendarDay.Kind.HOLIDAY:
            assert day.date.weekday() < 5, day
        else:
            assert day.date.weekday() >= 5, day
    assert days.get(date=date(2025, 10, 1)).name == "国庆节"
    assert days.get(date=date(2025, 10, 6)).name == "中秋"
    assert days.get(date=date(2025, 10, 11)).kind == CalendarDay.Kind.WORKDAY
    assert not days.filter(date=date(2025, 10, 4)).exists()  # a Saturday off is already Mon–Fri


def test_loading_a_loaded_year_changes_nothing_unless_forced():
    CalendarDay.objects.filter(date=date(2025, 10, 8)).delete()
    result = calendar_load_year(year=2025)
    assert result.loaded is False
    assert not CalendarDay.objects.filter(date=date(2025, 10, 8)).exists()

    result = calendar_load_year(year=2025, force=True)
    assert result.loaded is True
    assert CalendarDay.objects.get(date=date(2025, 10, 8)).kind == CalendarDay.Kind.HOLIDAY
    assert result.holidays == CalendarDay.objects.filter(date__year=2025, kind=CalendarDay.Kind.HOLIDAY).count()
    assert CalendarYear.objects.get(year=2025).source == CalendarYear.Source.CHINESECALENDAR


def test_an_unloaded_year_is_loaded():
    CalendarDay.objects.filter(date__year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    result = calendar_load_year(year=2024)
    assert result.loaded is True
    assert CalendarYear.objects.filter(year=2024, source=CalendarYear.Source.CHINESECALENDAR).exists()
    assert CalendarDay.objects.get(date=date(2024, 2, 4)).kind == CalendarDay.Kind.WORKDAY  # 调休 Sunday
    assert deadlines.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)


def test_a_year_the_package_does_not_know_is_refused_in_chinese():
    with pytest.raises(ServiceError) as refused:
        calendar_load_year(year=2031)
    assert "没有2031年的节假日安排" in refused.value.message
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_loading_all_known_years_is_idempotent():
    before = CalendarDay.objects.count()
    results = calendar_load_known_years()
    assert [r.calendar_year.year for r in results] == list(package_years())
    assert CalendarDay.objects.count() == before


def test_load_calendar_command_reports_in_chinese():
    CalendarYear.objects.filter(year=2024).delete()
    out = StringIO()
    call_command("load_calendar", "--year", "2024", "--year", "2025", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "2024年：已载入" in text
    assert "2025年：此前已载入" in text
    with pytest.raises(CommandError, match="2031"):
        call_command("load_calendar", "--year", "2031", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="请指定"):
        call_command("load_calendar", stdout=StringIO(), stderr=StringIO())


# --- the admin's warning -----------------------------------------------------------------

def test_missing_years_include_open_contract_deadlines():
    CalendarYear.objects.filter(year=2025).delete()
    today = date(2026, 3, 2)
    ContractFactory(status="signed", signed_on=date(2025, 12, 30), publish_due=date(2025, 12, 31),
                    filing_due=date(2026, 1, 9))
    missing = calendar_missing_years(today=today)
    assert 2025 in missing
    assert 2026 not in missing


def test_admin_changelists_and_index_warn_about_an_unloaded_year(admin_client):
    next_year = deadlines.today().year + 1
    CalendarYear.objects.filter(year=next_year).delete()
    expected = f"{next_year}年节假日安排尚未载入，当前按周一至周五计算工作日，请载入该年度日历"
    for url in (reverse("admin:procurement_calendarday_changelist"),
                reverse("admin:procurement_calendaryear_changelist"),
                reverse("admin:index")):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert expected in response.content.decode(), url


def test_no_warning_once_the_years_are_loaded(admin_client):
    this_year = deadlines.today().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": CalendarYear.Source.MANUAL})
    response = admin_client.get(reverse("admin:procurement_calendarday_changelist"))
    assert "节假日安排尚未载入" not in response.content.decode()


def test_admin_action_reloads_a_year(admin_client):
    CalendarDay.objects.filter(date=date(2025, 10, 8)).delete()
    year = CalendarYear.objects.get(year=2025)
    response = admin_client.post(reverse("admin:procurement_calendaryear_changelist"),
                                 {"action": "reload_from_package", "_selected_action": [year.pk]}, follow=True)
    assert response.status_code == 200
    assert "2025年：已重新载入" in response.content.decode()
    assert CalendarDay.objects.filter(date=date(2025, 10, 8), kind=CalendarDay.Kind.HOLIDAY).exists()


def test_admin_adding_a_package_year_loads_its_days(admin_client):
    CalendarDay.objects.filter(date__year=2023).delete()
    CalendarYear.objects.filter(year=2023).delete()
    response = admin_client.post(reverse("admin:procurement_calendaryear_add"),
                                 {"year": "2023", "source": "chinesecalendar", "note": ""}, follow=True)
    assert response.status_code == 200
    assert CalendarYear.objects.filter(year=2023, source=CalendarYear.Source.CHINESECALENDAR).exists()
    assert CalendarDay.objects.filter(date__year=2023).count() > 10


def test_admin_refuses_a_package_year_the_package_does_not_know(admin_client):
    response = admin_client.post(reverse("admin:procurement_calendaryear_add"),
                                 {"year": "2031", "source": "chinesecalendar", "note": ""})
    assert response.status_code == 200  # the form again, with the error
    assert "没有2031年的节假日安排" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2031).exists()

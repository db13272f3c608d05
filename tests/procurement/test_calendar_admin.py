"""Who is told what about a calendar year not loaded, and loading one from the admin.

Source: issue 7 point 15 — the admin asked the center to load a year it has no right to load.
Loading needs the change permission on the calendar; whoever lacks it is told to ask the system
administrator. Loading is an admin page (载入年度日历): chinesecalendar when the package knows the
year, otherwise the steps to enter it by hand.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from procurement import deadlines
from procurement.models import CalendarDay, CalendarYear
from procurement.services.calendar import calendar_missing_years, package_years
from procurement.services.demo import center_group_ensure
from tests.factories import CenterFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

LOAD_URL = reverse("admin:procurement_calendaryear_load")
PAGES = [reverse("admin:index"), reverse("admin:procurement_calendaryear_changelist"),
         reverse("admin:procurement_calendarday_changelist")]
ASK = "您没有维护工作日历的权限，请联系系统管理员载入该年度日历。"


@pytest.fixture
def next_year_missing():
    year = deadlines.today().year + 1
    CalendarYear.objects.filter(year=year).delete()
    return year


@pytest.fixture
def center_operator(client):
    """A center operator as the demo makes one: staff, the center group (the calendar read-only)."""
    user = member_of(CenterFactory(), username="center", is_staff=True)
    user.groups.add(center_group_ensure())
    client.force_login(user)
    return user


@pytest.fixture
def calendar_keeper(client):
    """Staff who is not a superuser but holds the change permission on the calendar."""
    user = UserFactory(username="keeper", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="procurement", codename__in=["view_calendaryear", "change_calendaryear"]))
    client.force_login(user)
    return user


@pytest.mark.parametrize("page", PAGES)
def test_the_center_is_told_to_ask_the_system_administrator(client, center_operator, next_year_missing, page):
    body = client.get(page).content.decode()
    assert f"{next_year_missing}年节假日安排尚未载入，当前按周一至周五计算工作日。{ASK}" in body
    assert LOAD_URL not in body
    assert "载入年度日历" not in body


def test_the_center_cannot_load_a_year_even_by_typing_the_address(client, center_operator):
    CalendarYear.objects.filter(year=2024).delete()
    refused = client.get(LOAD_URL)
    assert refused.status_code == 403
    assert ASK in refused.content.decode()  # the 403 says who to ask
    assert client.post(LOAD_URL, {"year": "2024"}).status_code == 403
    assert not CalendarYear.objects.filter(year=2024).exists()


@pytest.mark.parametrize("page", PAGES)
def test_whoever_may_change_the_calendar_gets_a_link_to_load_the_year(client, calendar_keeper, next_year_missing,
                                                                     page):
    body = client.get(page).content.decode()
    assert f"{next_year_missing}年节假日安排尚未载入，当前按周一至周五计算工作日，请载入该年度日历" in body
    assert f'href="{LOAD_URL}?year={next_year_missing}"' in body
    assert f"载入{next_year_missing}年日历" in body
    assert ASK not in body


def test_the_year_list_offers_loading_only_to_whoever_may_change_the_calendar(client, calendar_keeper):
    changelist = reverse("admin:procurement_calendaryear_changelist")
    assert f'href="{LOAD_URL}"' in client.get(changelist).content.decode()
    viewer = member_of(CenterFactory(), username="center", is_staff=True)
    viewer.groups.add(center_group_ensure())
    client.force_login(viewer)
    assert f'href="{LOAD_URL}"' not in client.get(changelist).content.decode()


def test_loading_a_year_the_package_knows(client, calendar_keeper):
    CalendarDay.objects.filter(date__year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    page = client.get(f"{LOAD_URL}?year=2024").content.decode()
    assert 'value="2024"' in page
    assert "需手工录入" not in page
    response = client.post(LOAD_URL, {"year": "2024"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:procurement_calendaryear_changelist")
    assert "2024年：已从 chinesecalendar 载入，工作日放假" in response.content.decode()
    assert CalendarYear.objects.get(year=2024).source == CalendarYear.Source.CHINESECALENDAR
    assert CalendarDay.objects.filter(date=date(2024, 10, 1), kind=CalendarDay.Kind.HOLIDAY).exists()


def test_loading_a_year_already_loaded_changes_nothing_and_says_so(client, calendar_keeper):
    CalendarDay.objects.filter(date=date(2025, 10, 8)).delete()  # a hand edit to keep
    response = client.post(LOAD_URL, {"year": "2025"}, follow=True)
    assert "2025年：此前已载入，未作改动" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2025, 10, 8)).exists()


def test_a_year_the_package_does_not_know_shows_how_to_enter_it_by_hand(client, calendar_keeper):
    year = package_years().stop  # the first year after the package's last
    page = client.get(f"{LOAD_URL}?year={year}").content.decode()
    assert f"{year}年需手工录入" in page
    assert f"在「日历年度」中新增{year}年，来源选「手工维护」" in page
    assert f"{reverse('admin:procurement_calendaryear_add')}?year={year}&amp;source=manual" in page
    assert reverse("admin:procurement_calendarday_add") in page
    assert f'value="{year}"' not in page  # the package button is not offered for that year

    response = client.post(LOAD_URL, {"year": str(year)})
    assert response.status_code == 200  # the page again, with the reason on the field
    body = response.content.decode()
    assert f"没有{year}年的节假日安排" in body
    assert "请手工录入该年度日历" in body
    assert not CalendarYear.objects.filter(year=year).exists()


@pytest.mark.parametrize("typed, message", [("", "请填写要载入的年度"), ("二〇二七", "年度应为四位数字"),
                                            ("1999", "确保该值大于或等于2000")])
def test_a_year_that_is_not_a_year_is_refused_in_chinese(client, calendar_keeper, typed, message):
    before = CalendarYear.objects.count()
    response = client.post(LOAD_URL, {"year": typed})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert CalendarYear.objects.count() == before


def test_the_manual_year_form_opens_prefilled(client, calendar_keeper):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    year = package_years().stop
    page = client.get(f"{reverse('admin:procurement_calendaryear_add')}?year={year}&source=manual").content.decode()
    assert f'value="{year}"' in page
    assert '<option value="manual" selected>' in page


@pytest.mark.parametrize("asked", ["9" * 5000, "1999", "abc", "２０２７x"])
def test_a_strange_year_in_the_address_turns_to_the_first_missing_year(client, calendar_keeper, next_year_missing,
                                                                       asked):
    # Next year is missing (the fixture); so is this year when the package does not know it yet (a January before
    # chinesecalendar's release with the new year): the first of them is offered.
    first = calendar_missing_years()[0]
    assert first <= next_year_missing
    response = client.get(LOAD_URL, {"year": asked})
    assert response.status_code == 200
    body = response.content.decode()
    if first in package_years():
        assert f'value="{first}"' in body
    else:
        assert f"{first}年需手工录入" in body

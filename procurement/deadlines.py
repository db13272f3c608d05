"""The one place that computes dates.

Every duration in the rules is declared here once, tagged calendar days or working days, with
the article it comes from. Working days follow the calendar table (``CalendarDay``): statutory
holidays on weekdays are days off, adjusted working weekends (调休) are working days. A year
with no ``CalendarYear`` row falls back to Monday–Friday; the admin warns about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.utils import timezone


class DayKind(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True)
class Duration:
    days: int
    kind: DayKind
    rule: str

    def __str__(self) -> str:
        unit = "个工作日" if self.kind is DayKind.WORKING else "日"
        return f"{self.days}{unit}"


# --- durations from the law and the seed documents ----------------------------------------
CONTRACT_SIGNING = Duration(
    30, DayKind.CALENDAR, "《政府采购法》第四十六条：中标、成交通知书发出之日起三十日内签订合同"
)
CONTRACT_PUBLICATION = Duration(
    2, DayKind.WORKING, "《政府采购法实施条例》第五十条：合同签订之日起2个工作日内公告"
)
CONTRACT_FILING = Duration(
    7, DayKind.WORKING, "《政府采购法》第四十七条：合同签订之日起七个工作日内报财政部门备案"
)
AWARD_NOTICE = Duration(
    2, DayKind.WORKING, "《政府采购法实施条例》第四十三条：中标、成交供应商确定之日起2个工作日内公告"
)
TENDER_PERIOD = Duration(
    20, DayKind.CALENDAR,
    "《政府采购法》第三十五条：自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日",
)
INQUIRY_REPLY = Duration(
    3, DayKind.WORKING, "《政府采购法实施条例》第五十二条：3个工作日内答复询问"
)
CHALLENGE_REPLY = Duration(
    7, DayKind.WORKING, "《政府采购法》第五十三条：收到质疑后七个工作日内答复"
)
# --- volume: inquiries, challenges, complaints (753号 四(二); 《政府采购法》第五十二条至第五十六条) ---
CHALLENGE_PERIOD = Duration(
    7, DayKind.WORKING,
    "《政府采购法》第五十二条：供应商应在知道或者应知其权益受到损害之日起七个工作日内，以书面形式提出质疑",
)
COMPLAINT_PERIOD = Duration(
    15, DayKind.WORKING,
    "《政府采购法》第五十五条：质疑供应商对答复不满意或者未在规定时间内答复的，可以在答复期满后十五个工作日内"
    "向同级政府采购监督管理部门投诉",
)
COMPLAINT_DECISION = Duration(
    30, DayKind.WORKING, "《政府采购法》第五十六条：收到投诉后三十个工作日内，对投诉事项作出处理决定"
)
# Questions and complaints: the handler (or finance) is reminded this many working days before the due date.
QUESTION_REMINDER_WORKING_DAYS = 1
FRAMEWORK_AGREEMENT_SIGNING = Duration(
    30, DayKind.CALENDAR, "财政部令第110号；吉财采购意见：入围通知书发出之日起30日内签订框架协议"
)
FRAMEWORK_SHORTLIST_PUBLICATION = Duration(
    3, DayKind.WORKING, "财政部令第110号：框架协议签订之日起3个工作日内发布入围信息"
)
FRAMEWORK_AGREEMENT_FILING = Duration(
    7, DayKind.WORKING, "财政部令第110号：框架协议签订之日起7个工作日内报财政部门备案"
)
FRAMEWORK_SINGLE_AWARD_NOTICE = Duration(
    2, DayKind.WORKING,
    "财政部令第110号：以二次竞价或者顺序轮候方式确定成交供应商的，确定成交供应商后2个工作日内逐笔发布成交结果公告",
)
FRAMEWORK_SUMMARY_NOTICE = Duration(
    10, DayKind.WORKING, "财政部令第110号：框架协议有效期满后10个工作日内发布成交结果汇总公告"
)
# Batch sub-plan reminders: working days before the response deadline (issue 3; seed 000 三(一)4).
SUB_PLAN_REMINDER_DAYS = (3, 1)
# A change to a submitted sub-plan in the last working day before the response deadline is reported to the
# organizer (issue 7 point 11): the master plan it is about to confirm moves at the last minute.
LATE_CHANGE_WORKING_DAYS = 1


# --- the calendar ------------------------------------------------------------------------

def _exceptions(start: date, end: date) -> dict[date, bool]:
    """{date: is_working_day} for the calendar table's rows in [start, end]."""
    from procurement.models import CalendarDay

    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
    return {d: kind == CalendarDay.Kind.WORKDAY for d, kind in rows}


def is_working_day(day: date) -> bool:
    found = _exceptions(day, day)
    if day in found:
        return found[day]
    return day.weekday() < 5


def _walk(start: date, n: int, step: int) -> date:
    # Fetch a window wide enough for n working days plus the longest holiday runs, widening if needed.
    span = max(30, n * 3 + 20)
    while True:
        lo, hi = (start, start + timedelta(days=span)) if step > 0 else (start - timedelta(days=span), start)
        table = _exceptions(lo, hi)
        day, left = start, n
        while left > 0:
            day += timedelta(days=step)
            if not lo <= day <= hi:
                break
            if table.get(day, day.weekday() < 5):
                left -= 1
        else:
            return day
        span *= 2


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (``start`` itself does not count)."""
    if n < 0:
        return subtract_working_days(start, -n)
    return start if n == 0 else _walk(start, n, +1)


def subtract_working_days(start: date, n: int) -> date:
    """The date ``n`` working days before ``start`` (``start`` itself does not count)."""
    if n < 0:
        return add_working_days(start, -n)
    return start if n == 0 else _walk(start, n, -1)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    if end <= start:
        return 0
    table = _exceptions(start, end)
    day, count = start, 0
    while day < end:
        day += timedelta(days=1)
        if table.get(day, day.weekday() < 5):
            count += 1
    return count


def due_date(start: date, duration: Duration) -> date:
    if duration.kind is DayKind.WORKING:
        return add_working_days(start, duration.days)
    return start + timedelta(days=duration.days)


def missing_calendar_years(years) -> list[int]:
    """Years among ``years`` for which no holiday calendar is loaded (Mon–Fri fallback in force)."""
    from procurement.models import CalendarYear

    wanted = sorted(set(years))
    loaded = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [y for y in wanted if y not in loaded]


def in_last_working_days(deadline: datetime, days: int, *, now: datetime | None = None) -> bool:
    """Whether ``now`` falls in the last ``days`` working days before ``deadline`` (from the start of that
    working day in the portal's time zone), the deadline itself not yet passed."""
    now = now or timezone.now()
    start = start_of_day(subtract_working_days(timezone.localdate(deadline), days))
    return start <= now < deadline


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def today() -> date:
    return timezone.localdate()

"""How the portal writes a date and an amount, said once (issue 9 point 7).

Dates: ``chinese_date`` (2026年12月7日: messages, refusals, the task notice), ``chinese_date_padded``
(2026年03月07日: the documents that have always used it: contract notices and texts, correction notices,
the 论证情况 of a draft task notice), ``chinese_datetime`` (2026年03月07日 09:30, in the portal's time zone).
A moment (an aware ``datetime``) is first taken to the portal's time zone, so its day is the local day.

Amounts are ``Decimal`` (floats and strings are read through ``str``), rounded half up to the cent (as the
tables' filters and Django's ``floatformat`` round) and grouped by thousands: ``amount`` gives the number,
``yuan_text`` and ``wan_text`` the number with its unit as a sentence writes it (1,234.50元), and the template
filters of ``procurement.templatetags.portal`` the same number as a table shows it (1,234.50 元).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

TEN_THOUSAND = Decimal("10000")


# --- dates ---------------------------------------------------------------------------------------------

def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def chinese_date(value: date | datetime) -> str:
    """2026年12月7日 (no leading zeros)."""
    day = _day(value)
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_date_padded(value: date | datetime) -> str:
    """2026年03月07日 (month and day on two digits), as the contract and correction notices write it."""
    return f"{_day(value):%Y年%m月%d日}"


def chinese_datetime(moment: datetime) -> str:
    """2026年03月07日 09:30, in the portal's time zone."""
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


# --- amounts -------------------------------------------------------------------------------------------

def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def amount(value, places: int = 2) -> str:
    """``value`` rounded half up to ``places`` decimals, grouped by thousands: 1234567.5 → "1,234,567.50"."""
    quantum = Decimal(1).scaleb(-places)
    return f"{_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def quantity_text(value) -> str:
    """A quantity as a sentence writes it, without trailing zeros or separators: 12.50 → "12.5", 10.00 → "10"."""
    return f"{_decimal(value).normalize():f}"


def yuan_text(value) -> str:
    """An amount in 元 as a sentence writes it: 1234567.5 → "1,234,567.50元"."""
    return f"{amount(value)}元"


def wan_text(value) -> str:
    """An amount already in 万元 as a sentence writes it: 1234.5 → "1,234.50万元"."""
    return f"{amount(value)}万元"


def yuan_in_wan(value) -> Decimal:
    """An amount held in 元, in 万元 (not rounded)."""
    return _decimal(value) / TEN_THOUSAND

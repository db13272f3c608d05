"""One way to say a date and an amount (procurement.formats, issue 9 point 7)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.template import Context, Template

from procurement import formats


def test_dates_in_chinese():
    assert formats.chinese_date(date(2026, 12, 7)) == "2026年12月7日"
    assert formats.chinese_date(date(2026, 3, 7)) == "2026年3月7日"
    assert formats.chinese_date_padded(date(2026, 3, 7)) == "2026年03月07日"
    # A moment is a day of the portal's time zone (Asia/Shanghai): 16:30 UTC is already the next day.
    late = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert formats.chinese_date(late) == "2026年3月7日"
    assert formats.chinese_date_padded(late) == "2026年03月07日"
    assert formats.chinese_datetime(late) == "2026年03月07日 00:30"


def test_amounts_are_grouped_and_rounded_half_up():
    assert formats.amount(Decimal("1234567.5")) == "1,234,567.50"
    assert formats.amount(Decimal("0.125")) == "0.13"  # half up, as the tables round (not half even)
    assert formats.amount(2.625) == "2.63"
    assert formats.amount("12.5", 4) == "12.5000"
    assert formats.yuan_text(Decimal("16560")) == "16,560.00元"
    assert formats.wan_text(Decimal("1234.5")) == "1,234.50万元"
    assert formats.yuan_in_wan(Decimal("1234567")) == Decimal("123.4567")


def test_the_figure_filter_groups_thousands_where_floatformat_did_not():
    template = Template("{% load portal %}{{ a|figure }}|{{ b|figure:4 }}|{{ c|figure }}")
    assert template.render(Context({"a": Decimal("12345.678"), "b": Decimal("1234.5"), "c": None})) == (
        "12,345.68|1,234.5000|—")

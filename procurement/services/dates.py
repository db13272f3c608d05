"""Dates a user enters, each checked against the dates it follows from (issue 7 point 5).

A date that could not have happened — procurement documents issued before the master plan they rest on was
confirmed, an opening before the documents, a contract signed before its award, a payment before the
acceptance — is refused with a Chinese message naming the date it may not precede, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from procurement import deadlines
from procurement.formats import chinese_date, chinese_datetime
from procurement.services.errors import ServiceError


def day_checked(
    value,
    *,
    field: str,
    label: str,
    not_before: Iterable[tuple[date | None, str]] = (),
    not_after_today: bool = True,
) -> date:
    """``value`` if it is a date, not after today (a record of something done) and not before any of
    ``not_before`` ((earliest day, what that day is), a None day skipped)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ServiceError(f"请填写正确的{label}", field=field)
    if not_after_today and value > deadlines.today():
        raise ServiceError(f"{label}不能晚于今天", field=field)
    for earliest, name in not_before:
        if earliest is not None and value < earliest:
            raise ServiceError(f"{label}不能早于{name}（{chinese_date(earliest)}）", field=field)
    return value


def moment_checked(
    value,
    *,
    field: str,
    label: str,
    not_before: Iterable[tuple[datetime | None, str]] = (),
) -> datetime:
    """``value`` as an aware moment, not before any of ``not_before`` ((earliest moment, its name))."""
    if not isinstance(value, datetime):
        raise ServiceError(f"请填写正确的{label}", field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    for earliest, name in not_before:
        if earliest is not None and value < earliest:
            raise ServiceError(f"{label}不能早于{name}（{chinese_datetime(earliest)}）", field=field)
    return value

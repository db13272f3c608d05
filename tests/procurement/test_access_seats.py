"""A user's seats (``access.seats``), read on every request of a signed-in user: the statement is built by the ORM
once per process and then only run (issue 7 point 16, the deadline-day filing); what it reads is unchanged."""

from __future__ import annotations

import pytest
from django.db.models.sql.compiler import SQLCompiler

from procurement import access
from procurement.models import Membership
from tests.factories import BudgetUnitFactory, CenterFactory, UserFactory, county, member_of, prefecture

pytestmark = pytest.mark.django_db


def orm_seats(user) -> tuple[access.Seat, ...]:
    """The definition: active memberships of active organizations, in the order they were given."""
    rows = (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .values_list("organization_id", "organization__kind", "organization__region__path", "role")
        .order_by("id")
    )
    return tuple(access.Seat(o, k, p, r != Membership.Role.VIEWER) for o, k, p, r in rows)


def test_seats_are_the_active_memberships_of_active_organizations_in_order():
    nanguan = county("220102", "南关区", parent=prefecture("220100", "长春市"))
    school, hospital = BudgetUnitFactory(region=nanguan), BudgetUnitFactory(region=nanguan)
    closed, center = BudgetUnitFactory(is_active=False), CenterFactory()
    clerk = member_of(hospital)
    Membership.objects.create(user=clerk, organization=school, role=Membership.Role.VIEWER)
    Membership.objects.create(user=clerk, organization=closed)
    Membership.objects.create(user=clerk, organization=center, is_active=False)
    other = member_of(center)

    assert access.seats(clerk) == orm_seats(clerk) == (
        access.Seat(hospital.pk, "budget_unit", nanguan.path, True),
        access.Seat(school.pk, "budget_unit", nanguan.path, False),
    )
    assert access.seats(other) == orm_seats(other) == (access.Seat(center.pk, center.kind, center.region.path, True),)
    assert access.seats(UserFactory()) == ()


def test_reading_a_users_seats_builds_no_query(monkeypatch):
    """Before: each request compiled the seats query anew (about 1,600 Python calls, more than the filing's insert)."""
    unit = BudgetUnitFactory()
    first, second = member_of(BudgetUnitFactory()), member_of(unit)
    access.seats(first)  # the statement exists from the first read on
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or original(self, *a, **k))
    assert [seat.organization_id for seat in access.seats(second)] == [unit.pk]
    assert compiled == []

"""One numbering scheme for every project code (issue 7 point 10; procurement/numbering.py).

``JL{mode}-{year of opening}-{sequence per mode and year}``: the year is the one the project is opened
in on the portal's clock (Asia/Shanghai), never its budget year; contract codes derive from the project's.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from procurement.models import Mode, Project
from procurement.numbering import (
    PROJECT_CODE,
    contract_code,
    opening_year,
    project_code,
    project_code_next,
    project_create_numbered,
)
from tests.factories import CenterFactory, ProjectFactory, province

pytestmark = pytest.mark.django_db

# 00:30 on 1 January 2027 in Jilin is still 31 December 2026 in UTC.
NEW_YEARS_NIGHT = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
JANUARY_2027 = timezone.make_aware(datetime(2027, 1, 12, 9, 30))


def test_the_code_reads_province_mode_year_and_a_four_digit_sequence():
    assert project_code(mode=Mode.BATCH, year=2027, sequence=1) == "JLPL-2027-0001"
    assert project_code(mode=Mode.FRAMEWORK, year=2026, sequence=12) == "JLKJ-2026-0012"
    assert project_code(mode=Mode.VOLUME, year=2026, sequence=345) == "JLDL-2026-0345"
    match = PROJECT_CODE.match("JLPL-2027-0001")
    assert match and match.group("mode", "year", "sequence") == ("PL", "2027", "0001")
    assert PROJECT_CODE.match("JLZFCG-PL-2026-001") is None  # the demo's old form is not the scheme
    assert contract_code(project_code="JLPL-2027-0001", number=7) == "JLPL-2027-0001-HT0007"


def test_the_year_is_the_year_of_opening_on_the_portals_clock():
    """Asia/Shanghai: 16:30 UTC on New Year's Eve is already 2027 in Jilin."""
    assert opening_year(NEW_YEARS_NIGHT) == 2027
    assert opening_year(NEW_YEARS_NIGHT - timedelta(hours=1)) == 2026
    assert opening_year() == timezone.localdate().year


def test_a_project_opened_in_january_for_the_previous_budget_year_takes_the_year_of_opening():
    """Issue 7 point 10: opened in January 2027 for the 2026 budget (year=2026) → JLPL-2027-0001."""
    ProjectFactory(code="JLPL-2026-0041", year=2026)
    center, region = CenterFactory(), province()

    project = project_create_numbered(opened_at=JANUARY_2027, mode=Mode.BATCH, year=2026, title="2026年度追加采购",
                                      organizer=center, scope_region=region)

    assert (project.code, project.year) == ("JLPL-2027-0001", 2026)


def test_the_sequence_runs_per_mode_and_year():
    for code in ("JLPL-2027-0001", "JLPL-2027-0002", "JLKJ-2027-0005", "JLPL-2026-0009", "JLPL-2027-BENCH",
                 "JLPL-BENCH-0077"):
        ProjectFactory(code=code)

    assert project_code_next(mode=Mode.BATCH, opened_at=JANUARY_2027) == "JLPL-2027-0003"
    assert project_code_next(mode=Mode.FRAMEWORK, opened_at=JANUARY_2027) == "JLKJ-2027-0006"
    assert project_code_next(mode=Mode.VOLUME, opened_at=JANUARY_2027) == "JLDL-2027-0001"
    assert project_code_next(mode=Mode.BATCH, opened_at=NEW_YEARS_NIGHT - timedelta(hours=1)) == "JLPL-2026-0010"


def test_the_sequence_goes_on_past_9999():
    ProjectFactory(code="JLPL-2027-9999")
    ProjectFactory(code="JLPL-2027-10000")
    assert project_code_next(mode=Mode.BATCH, opened_at=JANUARY_2027) == "JLPL-2027-10001"


def test_a_failure_other_than_the_code_is_not_taken_for_a_collision():
    """Only a collision on the unique code draws again; any other integrity error is the caller's."""
    from django.db import IntegrityError

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        # The window constraint (project_window_ordered) fails, not the code.
        project_create_numbered(mode=Mode.BATCH, year=2026, title="倒置窗口", organizer=CenterFactory(),
                                scope_region=province(), response_opens_at=now, response_deadline=now)
    assert not Project.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL (CI runs it)")
def test_an_opening_that_loses_the_race_draws_the_next_number():
    """Two openings at once: the second reads 0001 while the first holds it uncommitted, waits on the unique
    code, fails when the first commits, and draws 0002 — nothing is lost, no error reaches the user."""
    center, region = CenterFactory(), province()
    fields = {"mode": Mode.BATCH, "year": 2026, "organizer_id": center.pk, "scope_region_id": region.pk}
    first_inserted, codes, failures = threading.Event(), {}, []

    def first() -> None:
        try:
            with transaction.atomic():
                codes["first"] = project_create_numbered(opened_at=JANUARY_2027, title="甲", **fields).code
                first_inserted.set()
                threading.Event().wait(0.5)  # the second reads 0001 meanwhile and waits on the unique index
        except Exception as error:  # pragma: no cover - reported below
            failures.append(repr(error))
        finally:
            first_inserted.set()
            connections.close_all()

    def second() -> None:
        try:
            first_inserted.wait(10)
            with transaction.atomic():
                codes["second"] = project_create_numbered(opened_at=JANUARY_2027, title="乙", **fields).code
        except Exception as error:  # pragma: no cover - reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert codes == {"first": "JLPL-2027-0001", "second": "JLPL-2027-0002"}

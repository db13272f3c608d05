"""Fixtures shared by every test package."""

import pytest

from procurement.services.calendar import calendar_load_year


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def calendar_loaded(db):
    """The 2025 and 2026 holiday calendars, whatever earlier tests did to the table.

    The data migration loads them into every new database, but a transactional test flushes the
    tables it used, migration data included; loading an already loaded year does nothing.
    """
    for year in (2025, 2026):
        calendar_load_year(year=year)


@pytest.fixture
def world(db):
    """Jilin in small with a person for every organization (``tests/world.py``); a module's own ``world``
    fixture may build on it by asking for ``world``."""
    from tests.world import world_build

    return world_build()

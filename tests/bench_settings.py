"""The portal's settings with one more URL, for ``make bench`` only: the floor view (tests/bench_floor.py)."""

from procurement.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench_urls"

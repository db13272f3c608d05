"""The portal's URLconf plus the bench's floor view; served only by ``make bench`` (tests.bench_settings)."""

from django.urls import path

from procurement.urls import urlpatterns as portal_urlpatterns
from tests.bench_floor import floor_write

urlpatterns = [
    path("bench/floor/", floor_write, name="bench-floor"),
    *portal_urlpatterns,
]

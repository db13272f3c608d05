"""Framework pages: agreements (filled in by its slice)."""

urlpatterns: list = []

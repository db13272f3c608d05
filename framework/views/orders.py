"""Framework pages: orders (filled in by its slice)."""

urlpatterns: list = []

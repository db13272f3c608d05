"""Framework pages: solicitation (filled in by its slice)."""

urlpatterns: list = []

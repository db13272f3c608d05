"""Framework pages: plans (filled in by its slice)."""

urlpatterns: list = []

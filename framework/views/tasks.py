"""Framework pages: tasks (filled in by its slice)."""

urlpatterns: list = []

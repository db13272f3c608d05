"""Volume pages: projects (see volume/urls.py)."""

urlpatterns: list = []

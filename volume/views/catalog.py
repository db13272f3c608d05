"""Volume pages: catalog (see volume/urls.py)."""

urlpatterns: list = []

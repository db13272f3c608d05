"""Volume endpoints: projects (under /api/v1/volume/, see volume/api/urls.py)."""

# (prefix, viewset, basename) triples registered by volume.api.urls.
routes: list = []

"""Batch endpoints under /api/v1/batch/ (one module per step of the procedure)."""

from rest_framework.routers import DefaultRouter

from batch.api import arrangement, projects, tasks

router = DefaultRouter()
for module in (arrangement, tasks, projects):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

app_name = "batch-api"
urlpatterns = router.urls

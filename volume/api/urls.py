"""Volume endpoints under /api/v1/volume/ for the budget system (one module per step of 753号)."""

from rest_framework.routers import DefaultRouter

from volume.api import catalog, execution, plans, projects, questions, responses

router = DefaultRouter()
for module in (catalog, projects, responses, plans, execution, questions):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

app_name = "volume-api"
urlpatterns = router.urls

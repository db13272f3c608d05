"""Framework endpoints under /api/v1/framework/ for other systems (one module per stage of seed 000 三(二))."""

from rest_framework.routers import DefaultRouter

from framework.api import agreements, open_agreements, orders, plans, solicitation, supplement, tasks

router = DefaultRouter()
for module in (tasks, plans, solicitation, agreements, orders, supplement, open_agreements):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

app_name = "framework-api"
urlpatterns = router.urls

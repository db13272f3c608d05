"""``/api/``: the versioned endpoints under ``v1/``, the OpenAPI 3 schema and its documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from procurement.api import views


class Router(DefaultRouter):
    include_format_suffixes = False


v1 = Router()
v1.register("regions", views.RegionViewSet, basename="region")
v1.register("organizations", views.OrganizationViewSet, basename="organization")
v1.register("categories", views.CategoryViewSet, basename="category")
v1.register("projects", views.ProjectViewSet, basename="project")
v1.register("sub-plans", views.SubPlanViewSet, basename="sub-plan")
v1.register("contracts", views.ContractViewSet, basename="contract")

urlpatterns = [
    path("v1/", include((v1.urls, "api-v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

"""``/api/``: the versioned endpoints under ``v1/``, the OpenAPI 3 schema and its documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView, DefaultRouter

from procurement.api import collection, execution, imports, views


class RootView(APIRootView):
    """吉林省政府集中采购平台接口（第 1 版）：以下为各类数据的列表地址。外部系统请使用令牌（Token）认证。"""

    def get_view_name(self) -> str:
        return "接口首页（第 1 版）"


class Router(DefaultRouter):
    APIRootView = RootView
    include_format_suffixes = False


v1 = Router()
v1.register("regions", views.RegionViewSet, basename="region")
v1.register("organizations", views.OrganizationViewSet, basename="organization")
v1.register("categories", views.CategoryViewSet, basename="category")
v1.register("projects", views.ProjectViewSet, basename="project")
v1.register("sub-plans", views.SubPlanViewSet, basename="sub-plan")
v1.register("contracts", views.ContractViewSet, basename="contract")
v1.register("import-jobs", imports.ImportJobViewSet, basename="import-job")
for prefix, viewset, basename in collection.routes:
    v1.register(prefix, viewset, basename=basename)
v1.register("awards", execution.AwardViewSet, basename="award")

urlpatterns = [
    path("v1/batch/", include("batch.api.urls")),
    path("v1/volume/", include("volume.api.urls")),
    path("v1/framework/", include("framework.api.urls")),
    path("v1/", include((v1.urls, "api-v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (docs/?script) instead of inline, and our
    # template moves its inline style to a stylesheet: the page keeps the portal's Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
]

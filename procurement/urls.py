from django.contrib import admin
from django.urls import include, path

from notices.views import portal_home

admin.site.site_header = "吉林省政府集中采购平台 · 管理后台"
admin.site.site_title = "集中采购管理后台"
admin.site.index_title = "业务管理"

urlpatterns = [
    # The landing page is the public portal's front page (latest notices). The project URLconf
    # wires every app; the core app's own URLs never import the notices app.
    path("", portal_home, name="portal-home"),
    path("admin/", admin.site.urls),
    path("api/", include("procurement.api.urls")),
    path("notices/", include("notices.urls")),
    path("", include("procurement.views.urls")),
]

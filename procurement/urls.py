from django.contrib import admin
from django.urls import include, path

from notices.views import portal_home

urlpatterns = [
    # The landing page is the public portal's front page (latest notices). The project URLconf
    # wires every app; the core app's own URLs never import the notices app.
    path("", portal_home, name="portal-home"),
    path("admin/", admin.site.urls),
    path("api/", include("procurement.api.urls")),
    path("notices/", include("notices.urls")),
    path("batch/", include("batch.urls")),
    path("volume/", include("volume.urls")),
    path("framework/", include("framework.urls")),
    path("", include("procurement.views.urls")),
]

# A refusal's own Chinese reason on the 403 page; the 400, 404 and 500 pages are Django's, except under /api/
# where each answers JSON with a Chinese ``detail`` like every other API error.
handler400 = "procurement.views.errors.bad_request"
handler403 = "procurement.views.errors.permission_denied"
handler404 = "procurement.views.errors.page_not_found"
handler500 = "procurement.views.errors.server_error"

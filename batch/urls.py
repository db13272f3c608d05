"""Batch pages, one module per step of the procedure (included at "batch/")."""

from batch.views import arrangement, projects, proposals, tasks

app_name = "batch"
urlpatterns = [
    *arrangement.urlpatterns, *proposals.urlpatterns, *tasks.urlpatterns, *projects.urlpatterns,
]

"""Volume pages, one module per step of 753号 (included at "volume/")."""

from volume.views import catalog, execution, plans, projects, questions, responses

app_name = "volume"
urlpatterns = [
    *catalog.urlpatterns, *projects.urlpatterns, *responses.urlpatterns, *plans.urlpatterns,
    *execution.urlpatterns, *questions.urlpatterns,
]

"""Framework pages, one module per stage of seed 000 三(二) (included at "framework/")."""

from framework.views import agreements, home, open_agreements, orders, plans, solicitation, supplement, tasks

app_name = "framework"
urlpatterns = [
    *home.urlpatterns, *tasks.urlpatterns, *plans.urlpatterns, *solicitation.urlpatterns, *agreements.urlpatterns,
    *orders.urlpatterns, *supplement.urlpatterns, *open_agreements.urlpatterns,
]

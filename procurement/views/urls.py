"""The portal's pages (included at "/" by procurement/urls.py)."""

from django.urls import path

from procurement.views import auth, collection, contracts, execution, home, imports, messages, sub_plans, supplier

urlpatterns = [
    path("login/", auth.PortalLoginView.as_view(), name="login"),
    path("logout/", auth.PortalLogoutView.as_view(), name="logout"),
    path("account/password/", auth.PortalPasswordChangeView.as_view(), name="password-change"),
    path("workbench/", home.workbench, name="workbench"),
    path("finance/", home.finance_home, name="finance-home"),
    path("center/", home.center_home, name="center-home"),
    path("supplier/", home.supplier_home, name="supplier-home"),
    path("unit/", home.unit_home, name="unit-home"),
    path("messages/", messages.message_list, name="message-list"),
    path("messages/<int:pk>/", messages.message_open, name="message-open"),
    path("messages/read-all/", messages.message_read_all, name="message-read-all"),
    path("imports/", imports.import_job_list, name="import-job-list"),
    path("imports/<int:pk>/", imports.import_job_detail, name="import-job-detail"),
    path("imports/<int:pk>/status/", imports.import_job_status, name="import-job-status"),
    path("imports/<int:pk>/requeue/", imports.import_job_requeue, name="import-job-requeue"),
    path("unit/sub-plans/", sub_plans.sub_plan_list, name="unit-sub-plan-list"),
    path("unit/sub-plans/<int:pk>/", sub_plans.sub_plan_detail, name="unit-sub-plan-detail"),
    path("unit/sub-plans/<int:pk>/edit/", sub_plans.sub_plan_edit, name="unit-sub-plan-edit"),
    path("unit/sub-plans/<int:pk>/submit/", sub_plans.sub_plan_submit, name="unit-sub-plan-submit"),
    path("unit/sub-plans/<int:pk>/withdraw/", sub_plans.sub_plan_withdraw, name="unit-sub-plan-withdraw"),
    path("unit/projects/<int:project_pk>/file/", sub_plans.sub_plan_file, name="unit-sub-plan-file"),
    path("unit/contracts/", contracts.contract_list, name="unit-contract-list"),
    path("unit/contracts/<int:pk>/", contracts.contract_detail, name="unit-contract-detail"),
    path("unit/contracts/<int:pk>/<slug:step>/", contracts.contract_step, name="unit-contract-step"),
    path("supplier/contracts/", supplier.contract_list, name="supplier-contract-list"),
    path("supplier/contracts/<int:pk>/", supplier.contract_detail, name="supplier-contract-detail"),
    path("contracts/<int:pk>/documents/<slug:which>/", contracts.contract_document, name="contract-document"),
    path("contracts/<int:pk>/text/", contracts.contract_text, name="contract-text"),
    *collection.urlpatterns,
    *execution.urlpatterns,
]

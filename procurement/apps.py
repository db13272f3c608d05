from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "集中采购共享核心"
    default_auto_field = "django.db.models.BigAutoField"


class PortalAdminConfig(admin_apps.AdminConfig):
    """Installs ``PortalAdminSite`` as ``admin.site`` (Django's documented way to replace the default site)."""

    default = False  # procurement's own config stays ProcurementConfig
    default_site = "procurement.admin_site.PortalAdminSite"

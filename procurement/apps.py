from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "集中采购共享核心"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procurement import backends
        from procurement.services import collection_deadlines  # noqa: F401  the response-window schedule joins the sweep

        backends.connect_signals()
        # The 30-day signing limit (《政府采购法》第四十六条) of every mode's contracts joins the deadline sweep.
        from procurement.services import signing_deadlines  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    """Installs ``PortalAdminSite`` as ``admin.site`` (Django's documented way to replace the default site)."""

    default = False  # procurement's own config stays ProcurementConfig
    default_site = "procurement.admin_site.PortalAdminSite"


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a Chinese name in the admin (its own config has none, and it ships no Chinese)."""

    default = False  # procurement's own config stays ProcurementConfig
    verbose_name = "登录安全"

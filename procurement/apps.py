from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "集中采购共享核心"
    default_auto_field = "django.db.models.BigAutoField"

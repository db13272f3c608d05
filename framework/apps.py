from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "framework"
    verbose_name = "框架协议采购"
    default_auto_field = "django.db.models.BigAutoField"

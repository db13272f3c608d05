from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "framework"
    verbose_name = "框架协议采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from framework.plugin import FrameworkPlugin
        from procurement.modes import register_mode

        # Framework's wording, pages, rules, navigation and deadline sources for the core.
        register_mode(FrameworkPlugin())

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

        # 753号 一: a catalog category with a framework agreement in force goes to the agreement (agreements slice).
        from framework.selectors.agreements import framework_agreements_in_force
        from procurement.agreements import register_agreements_source

        register_agreements_source(framework_agreements_in_force)

from django.apps import AppConfig


class VolumeConfig(AppConfig):
    name = "volume"
    verbose_name = "集中带量采购（统采分签）"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procurement.modes import register_mode
        from volume.plugin import VolumePlugin

        # Volume's wording, pages, rules, navigation and deadline sources for the core.
        register_mode(VolumePlugin())

from django.apps import AppConfig


class VolumeConfig(AppConfig):
    name = "volume"
    verbose_name = "集中带量采购（统采分签）"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "公告发布"
    default_auto_field = "django.db.models.BigAutoField"

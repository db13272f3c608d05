from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "batch"
    verbose_name = "批量集中采购"
    default_auto_field = "django.db.models.BigAutoField"

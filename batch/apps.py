from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "batch"
    verbose_name = "批量集中采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The arrangement and configuration tables are imported by import jobs (procurement.imports).
        from batch import imports  # noqa: F401
        from batch.plugin import BatchPlugin
        from procurement.modes import register_mode

        # Batch's wording, pages, rules, navigation, badge colours and deadline sources (the 30-day signing
        # limit of its contracts, 统采分签) for the core; the response window is the core's own schedule.
        register_mode(BatchPlugin())

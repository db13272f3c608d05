from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "batch"
    verbose_name = "批量集中采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The 30-day signing limit of batch contracts (统采分签, batch.award_deadlines) joins the deadline sweep;
        # the response window of batch projects is the core's (procurement.services.collection_deadlines).
        # The arrangement and configuration tables are imported by import jobs (procurement.imports).
        from batch import award_deadlines, imports  # noqa: F401
        from batch.plugin import BatchPlugin
        from procurement.modes import register_mode

        # Batch's wording, pages and rules for the core (its project page, its lot page, its window's scope).
        register_mode(BatchPlugin())

from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "batch"
    verbose_name = "批量集中采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The response-window schedule of batch projects joins the deadline sweep.
        # The center's page of a lot (its units' sub-plans): where a core message about a sub-plan links to.
        from django.urls import reverse

        # The arrangement and configuration tables are imported by import jobs (procurement.imports).
        from batch import deadlines, imports  # noqa: F401
        from batch.plugin import BatchPlugin
        from procurement.models import Mode
        from procurement.modes import register_mode, register_organizer_lot_page

        register_mode(BatchPlugin())
        register_organizer_lot_page(Mode.BATCH, lambda lot: reverse("batch:project-lot", args=[lot.project_id, lot.pk]))

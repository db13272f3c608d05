from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "batch"
    verbose_name = "批量集中采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The response-window schedule of batch projects and the 30-day signing limit of their
        # contracts (统采分签, batch.award_deadlines) join the deadline sweep.
        from batch import award_deadlines, deadlines  # noqa: F401

"""What batch tells the shared core about itself (``procurement.modes``), registered in ``BatchConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from procurement.models import Mode
from procurement.modes import ModePlugin


class BatchPlugin(ModePlugin):
    mode = Mode.BATCH
    templates = {
        "collection/messages/opened.txt": "batch/messages/collection_opened.txt",
        "collection/messages/reminder.txt": "batch/messages/collection_reminder.txt",
    }

    def organizer_project_page(self, project) -> str:
        return reverse("batch:project-detail", args=[project.pk])

    def organizer_lot_page(self, lot) -> str:
        return reverse("collection-lot", args=[lot.project_id, lot.pk])

    def collection_scope(self) -> Q:
        # Only projects opened through ``batch.projects`` carry a batch response window (a subquery, not a join:
        # the sweep locks the due row, which an outer join would not allow).
        from batch.models import BatchDetails

        return Q(pk__in=BatchDetails.objects.values("project_id"))

    def response_deadline_extended(self, project, *, old_deadline, new_deadline, reason: str, at,
                                   actor) -> dict[str, Any]:
        from batch.projects import batch_correction_publish

        return batch_correction_publish(project=project, old_deadline=old_deadline, new_deadline=new_deadline,
                                        reason=reason, at=at, actor=actor)

    def master_plan_confirmed(self, project, *, at) -> dict[str, Any]:
        from batch.models import BatchDetails

        BatchDetails.objects.filter(project=project).update(master_plan_confirmed_at=at)
        return {}

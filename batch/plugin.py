"""What batch centralized procurement (批量集中采购) tells the shared core (``procurement.modes``): its wording
and its rules. ``BatchPlugin`` is registered from ``BatchConfig.ready()``; each section is one group of hooks.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from procurement.models import Cycle, Mode
from procurement.modes import ModePlugin
from procurement.services.errors import ServiceError


class BatchPlugin(ModePlugin):
    mode = Mode.BATCH

    templates = {
        # The center designs its configuration table (annex 6) from the task notice it received.
        "tasks/messages/issued.txt": "batch/messages/task_notice_issued.txt",
    }

    # --- task notices (批量集中采购任务通知单, annex 5) ---------------------------------------------------
    def task_notice_extra_checks(self, values: dict[str, Any], *, issuing: bool = False) -> None:
        category = values["category"]
        if not category.in_centralized_catalog:
            # Seed 000 二(一)2: batch procurement is for items inside the government centralized catalog.
            if issuing:
                raise ServiceError(
                    f"品目「{category.code} {category.name}」已不在政府集中采购目录内，不能下达", field="category")
            raise ServiceError(
                f"品目「{category.code} {category.name}」未纳入政府集中采购目录，不能下达批量集中采购任务",
                field="category")
        if values["cycle"] not in Cycle.values:
            # Annex 5 names the cycle (一般为每季度开展一次).
            raise ServiceError(f"采购周期「{values['cycle']}」无效", field="cycle")

    def task_notice_withdraw_check(self, task) -> None:
        if task.projects.exists():
            raise ServiceError("已依据该任务通知单设立采购项目，不能撤回")

    def task_notice_page(self, task, *, audience: str) -> str:
        name = "batch:received-detail" if audience == "receiver" else "batch:task-detail"
        return reverse(name, args=[task.pk])

"""Batch's task notices (批量集中采购任务通知单, annex 5): the core's services with the mode fixed to batch.

The task notice and its services moved to the core (``procurement.models.TaskNotice``,
``procurement.services.tasks``, ``procurement.selectors.tasks``), shared with framework's annex 7; batch's own
rule (the category must be in the government centralized catalog) is ``batch.plugin.BatchPlugin``'s. This module
keeps the names callers used before the move: new code calls the core with ``mode=Mode.BATCH``.
"""

from __future__ import annotations

from functools import partial

from procurement.models import Mode
from procurement.selectors import tasks as selectors
from procurement.selectors.tasks import DRAFTERS, RECEIVERS, scope_text, task_notice_history  # noqa: F401
from procurement.services import tasks as services
from procurement.services.dates import chinese_date  # noqa: F401
from procurement.services.tasks import (  # noqa: F401
    task_notice_acknowledge,
    task_notice_issue,
    task_notice_update,
    task_notice_withdraw,
)

task_notice_create = partial(services.task_notice_create, mode=Mode.BATCH)
task_notice_check = partial(services.task_notice_check, mode=Mode.BATCH)
task_notices_drafted = partial(selectors.task_notices_drafted, mode=Mode.BATCH)
task_notices_received = partial(selectors.task_notices_received, mode=Mode.BATCH)
task_notices_visible = partial(selectors.task_notices_visible, mode=Mode.BATCH)

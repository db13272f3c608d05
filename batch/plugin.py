"""What batch centralized procurement (批量集中采购) tells the shared core: ``BatchPlugin``, registered from
``BatchConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from procurement.models import Cycle, Mode, ProcurementMethod
from procurement.modes import ModePlugin, NavEntry
from procurement.services.errors import ServiceError

FINANCE = "finance"
CENTER = "center"

ARRANGEMENT_PAGES = ("batch:arrangement-list", "batch:arrangement-detail", "batch:arrangement-analysis")
PROPOSAL_PAGES = ("batch:proposal-list", "batch:proposal-detail", "batch:proposal-new")
# The award list (定标与合同 / 采购结果): the execution pages; renamed here if they move.
AWARD_LIST = "award-project-list"


class BatchPlugin(ModePlugin):
    mode = Mode.BATCH

    templates = {
        # The center designs its configuration table (annex 6) from the task notice it received.
        "tasks/messages/issued.txt": "batch/messages/task_notice_issued.txt",
        # The response window's messages cite the seed's rule for batch (三（一）4).
        "collection/messages/opened.txt": "batch/messages/collection_opened.txt",
        "collection/messages/reminder.txt": "batch/messages/collection_reminder.txt",
        # Batch keeps its own sentences in the award notice and the award message to the winning supplier.
        "execution/wording/award_notice.txt": "batch/wording/award_notice.txt",
        "execution/wording/supplier_awarded.txt": "batch/wording/supplier_awarded.txt",
        "contracts/wording/signing_basis.txt": "batch/wording/contract_signing_basis.txt",
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

    def task_notice_pages(self):
        """Annex 5's part of the core's task notice pages: 采购周期, the centralized catalog, its PDF."""
        from batch.views.tasks import PAGES

        return PAGES

    # --- navigation, home panels, badge colours, deadline sources (issue 9 point 6) -------------------
    # The batch pages in the top navigation, between the core's links and the admin's, for finance and
    # for the procurement center (an agency runs no batch step of its own).
    nav_entries = (
        NavEntry("预算安排与分析", "batch:arrangement-list", active=ARRANGEMENT_PAGES, order=110, kinds=(FINANCE,)),
        NavEntry("品目建议", "batch:proposal-list", active=PROPOSAL_PAGES, order=120, kinds=(FINANCE,)),
        NavEntry("任务通知单", "batch:task-list", order=130, kinds=(FINANCE,),
                 active=("batch:task-list", "batch:task-detail", "batch:task-create", "batch:task-edit")),
        NavEntry("采购结果", AWARD_LIST, active=(AWARD_LIST,), order=140, kinds=(FINANCE,)),
        NavEntry("预算安排分析", "batch:arrangement-list", active=ARRANGEMENT_PAGES, order=110, kinds=(CENTER,)),
        NavEntry("品目建议", "batch:proposal-list", active=PROPOSAL_PAGES, order=120, kinds=(CENTER,)),
        NavEntry("任务通知单", "batch:received-list", order=130, kinds=(CENTER,),
                 active=("batch:received-list", "batch:received-detail")),
        NavEntry("产品配置表", "batch:configuration-list", order=140, kinds=(CENTER,),
                 active=("batch:configuration-list", "batch:configuration-detail", "batch:configuration-create",
                         "batch:configuration-edit", "batch:configuration-type-create",
                         "batch:configuration-type-edit")),
        NavEntry("批量采购项目", "batch:project-list", order=150, kinds=(CENTER,),
                 active=("batch:project-list", "batch:project-open", "batch:project-detail", "collection-lot")),
        NavEntry("定标与合同", AWARD_LIST, active=(AWARD_LIST,), order=160, kinds=(CENTER,)),
    )

    # A proposed batch category (批量集中采购品目建议, batch.models.ProposedCategory.Status).
    badge_colours = {
        "pending": "warning",
        "adopted": "success",
        "declined": "secondary",
    }

    # --- collection: the project page, the window's scope, the extension's notice, the confirmation -----
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

    # --- execution -------------------------------------------------------------------------------------
    def procurement_methods(self, project) -> list[str]:
        """Batch procurement chooses among the statutory methods (《政府采购法》第二十六条); the framework
        solicitation belongs to framework agreement procurement."""
        return [m.value for m in ProcurementMethod if m != ProcurementMethod.FRAMEWORK_SOLICITATION]

"""The response deadline of a supplementary solicitation (补充征集, annex 8 §十一), tracked by the sweep
(``procurement.services.reminders``) and registered through ``FrameworkPlugin.deadline_sources``: at the deadline
the supplement closes (征集中 → 已截止; its responses are unsealed by the deadline itself) and the center that runs
the project is told that the responses await its evaluation. The message goes out once: its key names the
supplement and its deadline. ``supplement_start`` calls ``supplement_next_check_refresh`` so that the sweep finds it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.urls import reverse

from framework.models import Supplement
from framework.solicitation_deadlines import evaluation_due
from procurement import access
from procurement.services.reminders import DeadlineSource, Milestone
from procurement.services.transitions import transition_run

RULE = "采购方案第十一部分：补充征集的程序与初次征集相同"


class SupplementDeadlines(DeadlineSource):
    """A supplementary solicitation still open for responses."""

    name = "framework_supplement_deadline"
    model = Supplement

    def queryset(self) -> models.QuerySet:
        return Supplement.objects.filter(status=Supplement.Status.OPEN).select_related("lot", "lot__project",
                                                                                        "lot__project__organizer")

    def act(self, supplement: Supplement, *, now: datetime) -> Supplement:
        if supplement.status == Supplement.Status.OPEN and now >= supplement.response_deadline:
            return transition_run(instance=supplement, name="close", actor=access.SYSTEM)
        return supplement

    def milestones(self, supplement: Supplement) -> list[Milestone]:
        if supplement.status == Supplement.Status.SHORTLISTED:
            return []
        project = supplement.lot.project
        deadline = supplement.response_deadline
        return [evaluation_due(
            key=f"framework_supplement:{supplement.pk}", kind="supplement_closed", project=project, at=deadline,
            title="补充征集响应已截止，请评审", what=f"{supplement.lot}的补充征集",
            todo=f"请录入资格审查结果并确定补充入围供应商（依据{RULE}）",
            url=reverse("framework:supplement-detail", args=[supplement.pk]))]


SUPPLEMENT_DEADLINES = SupplementDeadlines()


def supplement_next_check_refresh(supplement: Supplement) -> None:
    """Store when the sweep must next look at ``supplement`` (None: nothing pending)."""
    SUPPLEMENT_DEADLINES.store_next_check(supplement, SUPPLEMENT_DEADLINES.next_check(supplement))

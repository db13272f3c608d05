"""The response deadline of a closed agreement's solicitation (框架协议征集, seed 000 三(二)(3)), tracked by the sweep
(``procurement.services.reminders``) and registered through ``FrameworkPlugin.deadline_sources``: at the deadline the
responses are unsealed (by the deadline itself) and the center that organizes the project is told, once, that they
await its qualification review and the shortlist. ``solicitation_publish`` calls
``solicitation_next_check_refresh`` so that the sweep finds the project. An open agreement sets no deadline (annex 8
note 1) and is not tracked here. Framework projects carry no demand-collection window, so the core's collection
schedule leaves them to this source (``FrameworkPlugin.collection_scope``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.urls import reverse

from framework.models import AgreementType, FrameworkPlan
from procurement.formats import chinese_datetime
from procurement.models import Mode, Notification, Project
from procurement.services.reminders import DeadlineSource, Milestone

RULE = "吉财采购意见 三(二)(3)：征集截止后开展第一阶段评审，确定入围供应商"


class SolicitationDeadlines(DeadlineSource):
    """A closed framework project whose solicitation has a response deadline."""

    name = "framework_solicitation_deadline"
    model = Project

    def queryset(self) -> models.QuerySet:
        # A subquery, not a join: the sweep locks the due row.
        closed = FrameworkPlan.objects.filter(agreement_type=AgreementType.CLOSED).values("project_id")
        return Project._base_manager.filter(mode=Mode.FRAMEWORK, pk__in=closed, response_deadline__isnull=False)

    def milestones(self, project: Project) -> list[Milestone]:
        deadline = project.response_deadline
        if deadline is None or project.status != Project.Status.PROCURING:
            return []
        return [evaluation_due(
            key=f"framework_solicitation:{project.pk}", kind="solicitation_closed", project=project, at=deadline,
            title="框架协议征集响应已截止，请评审", what="的征集",
            todo=f"请录入各响应的资格审查结果，确定各采购包的入围供应商（依据{RULE}）",
            url=reverse("framework:solicitation-detail", args=[project.pk]))]


def evaluation_due(*, key: str, kind: str, project: Project, at: datetime, title: str, what: str, todo: str,
                   url: str) -> Milestone:
    """The one message, to the center organizing ``project``, that a round's responses (``what``: the solicitation,
    or a supplement of one lot) closed at ``at``, are unsealed and await ``todo``."""
    return Milestone(key=f"{key}:closed:{at.isoformat()}", kind=kind, at=at, until=None, due_on=None,
                     organization=project.organizer, level=Notification.Level.INFO, title=title,
                     body=(f"框架协议采购项目「{project.code} {project.title}」{what}已于{chinese_datetime(at)}截止，"
                           f"响应已解密。{todo}。"), url=url)


SOLICITATION_DEADLINES = SolicitationDeadlines()


def solicitation_next_check_refresh(project: Project) -> None:
    """Store when the sweep must next look at ``project`` (None: nothing pending)."""
    SOLICITATION_DEADLINES.store_next_check(project, SOLICITATION_DEADLINES.next_check(project))

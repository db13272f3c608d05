"""753号 steps 5–6 as volume adds them to the core's execution: the lead confirms the result (确认结果), then each
participant signs its own contract (统采分签) and may not refuse to (753号 四(三)).

The procurement itself (method, documents, dates, the award per item, the award notice and its filing) is the
core's (``procurement.services.execution``), run by the entrusted agency or the lead; the contracts are generated
by the core's ``contracts_generate`` once the lead has confirmed (``VolumePlugin.contracts_generate_refusal``), one
per participant and supplier (``VolumePlugin.contract_grouping``), and each participant signs, publishes, files,
accepts and pays its own through ``procurement.services.contracts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement import access
from procurement.models import Contract, Mode, Notification, Organization, Project, SubPlan
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from volume.models import VolumeDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# 吉财采购〔2024〕753号 三、第6步 and 四(三): the sources the refusals name.
CONFIRM_FIRST = ("牵头单位确认中标（成交）结果后才能生成分签合同（吉财采购〔2024〕753号 三、第6步："
                 "中标（成交）结果确认后，各参与单位分别与中标（成交）供应商签订各自的政府采购合同）")
NO_REFUSAL = ("集中带量采购的参与单位不得拒绝签订合同：根据吉财采购〔2024〕753号 四(三)，禁止不按规定同"
              "中标（成交）供应商签订采购合同，未签订的分签合同不能由采购人终止，请按中标（成交）结果签订")


def result_confirmed(project: Project) -> bool:
    return VolumeDetails.objects.filter(project_id=project.pk, result_confirmed_at__isnull=False).exists()


def is_lead(user, project: Project) -> bool:
    """The lead unit (the volume project's organizer), acting with a seat that may write."""
    return access.acts_for(user, project.organizer_id)


@transaction.atomic
def result_confirm(*, project: Project, actor: AbstractBaseUser) -> VolumeDetails:
    """牵头单位确认结果 (753号 二、三、第5–6步): the lead confirms the award the agency recorded and published; only
    then are the participants' contracts generated. Participants and the agency are told."""
    locked = Project.objects.select_for_update().filter(pk=getattr(project, "pk", None), mode=Mode.VOLUME).first()
    if locked is None:
        raise ServiceError("集中带量采购项目不存在", field="project")
    if not (is_lead(actor, locked) or access.is_privileged(actor)):
        raise PermissionDenied("只有牵头单位可以确认采购结果")
    if locked.status != Project.Status.AWARDED:
        raise TransitionRefused(f"当前状态为「{locked.get_status_display()}」，不能确认采购结果"
                                "（须代理机构录入各品目中标（成交）结果并定标、发布结果公告后）")
    details = VolumeDetails.objects.select_for_update().filter(project=locked).first()
    if details is None:
        raise ServiceError("该项目缺少集中带量采购项目信息，不能确认结果", field="project")
    if details.result_confirmed_at is not None:
        raise TransitionRefused(f"采购结果已于{timezone.localtime(details.result_confirmed_at):%Y-%m-%d %H:%M}确认")
    details.result_confirmed_at = timezone.now()
    details.result_confirmed_by = actor if getattr(actor, "pk", None) else None
    details.save(update_fields=["result_confirmed_at", "result_confirmed_by"])
    event_record(subject=locked, action="volume_result_confirm", action_label="牵头单位确认采购结果", actor=actor,
                 changes={"result_confirmed_at": details.result_confirmed_at.isoformat(),
                          "award_notice_id": locked.award_notice_id})
    _confirmation_notify(locked)
    return details


def _confirmation_notify(project: Project) -> None:
    """Each participant with a frozen item, and the entrusted agency, hear that the result is confirmed."""
    unit_ids = (SubPlan.objects.filter(project=project, status=SubPlan.Status.FROZEN)
                .values_list("unit_id", flat=True).distinct())
    url = reverse("unit-contract-list")
    for unit in Organization.objects.filter(pk__in=unit_ids).order_by("pk"):
        organization_notify(
            organization=unit, subject=project, kind="volume_result_confirmed", level=Notification.Level.INFO,
            title=f"采购结果已确认，请签订分签合同：{project.title}"[:200],
            body=(f"牵头单位{project.organizer.name}已确认「{project.title}」（{project.code}）的中标（成交）结果。"
                  "分签合同生成后，请按本单位响应的品目和数量、以中标（成交）价格与中标（成交）供应商签订合同，"
                  "并在签订后2个工作日内公告、按规定备案；参与单位不得拒绝签订（吉财采购〔2024〕753号 四(三)）。"),
            url=url,
        )
    if project.agency_id:
        organization_notify(
            organization=project.agency, subject=project, kind="volume_result_confirmed",
            level=Notification.Level.INFO, title=f"牵头单位已确认采购结果：{project.title}"[:200],
            body=f"牵头单位{project.organizer.name}已确认「{project.title}」（{project.code}）的中标（成交）结果。",
            url=reverse("volume:execution", args=[project.pk]),
        )


def contract_terminate_refusal(contract: Contract, actor) -> str:
    """753号 四(三): a participant's unsigned volume contract cannot be ended by the buyer (nor by anyone but the
    portal's administrators, who correct records)."""
    if contract.status == Contract.Status.DRAFT and not access.is_privileged(actor):
        return NO_REFUSAL
    return ""

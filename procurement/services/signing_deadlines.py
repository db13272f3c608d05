"""The signing deadline of awarded contracts (统采分签): each buyer signs within 30 days of the award.

《政府采购法》第四十六条: the buyer and the winning supplier sign within thirty days of the award
notice (``deadlines.CONTRACT_SIGNING``, calendar days), whatever the mode. The 753 notice forbids a
participating unit to refuse or delay signing. A draft contract with an award is therefore reminded to its
buyer 5 days and 1 day before the limit; once the limit has passed, the buyer and the organizing center
are told it is overdue (the center's signing board shows it in red).

The core registers this source itself on import (``procurement.apps.ProcurementConfig.ready()``), for the
contracts of every mode. After signing, ``procurement.services.reminders.ContractDeadlines`` takes over the
contract's ``next_check`` (publication and filing deadlines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from procurement import deadlines
from procurement.formats import chinese_date, yuan_text
from procurement.models import Contract, Notification
from procurement.services.reminders import DeadlineSource, Milestone, contract_url, register_deadline_source

# Calendar days before the signing limit on which the buyer is reminded (issue 3, point 9).
SIGNING_REMINDER_DAYS = (5, 1)


def signing_due(awarded_on: date) -> date:
    """The last day to sign: 30 calendar days after the award (《政府采购法》第四十六条)."""
    return deadlines.due_date(awarded_on, deadlines.CONTRACT_SIGNING)


@dataclass(frozen=True)
class SigningStep:
    kind: str
    at: datetime
    until: datetime | None


def signing_schedule(due: date) -> list[SigningStep]:
    """The reminders a draft contract needs, earliest first. A "days before" reminder stops making
    sense once the next one is due, so a contract generated late gets only the latest one."""
    passed = deadlines.start_of_day(due + timedelta(days=1))
    # The contract awaits signing from the award on (issue 7 point 11): the unit is told as soon as it is made.
    awarded = deadlines.start_of_day(due - timedelta(days=deadlines.CONTRACT_SIGNING.days))
    steps: list[SigningStep] = [SigningStep("sign_ready", awarded, passed)]
    moments = [deadlines.start_of_day(due - timedelta(days=days)) for days in SIGNING_REMINDER_DAYS]
    for index, days in enumerate(SIGNING_REMINDER_DAYS):
        until = moments[index + 1] if index + 1 < len(moments) else passed
        steps.append(SigningStep(f"sign_due_in_{days}", moments[index], until))
    steps.append(SigningStep("sign_overdue", passed, None))
    steps.append(SigningStep("sign_overdue_center", passed, None))
    return steps


def signing_next_check(due: date, *, now: datetime | None = None) -> datetime | None:
    """``next_check`` of a draft contract for which no reminder has been sent yet."""
    now = now or timezone.now()
    return min((s.at for s in signing_schedule(due) if s.until is None or now < s.until), default=None)


def _board_url(contract: Contract) -> str:
    try:
        return reverse("award-signing-board", args=[contract.project_id])
    except NoReverseMatch:
        return ""


class ContractSigning(DeadlineSource):
    """Draft contracts with an award, of every mode: 签订合同 within 30 days of the award."""

    name = "contract_signing"
    model = Contract

    def queryset(self) -> models.QuerySet:
        # No join: the sweep locks the rows FOR UPDATE, which would lock the joined rows too
        # (and PostgreSQL refuses it on the nullable side of an outer join).
        return Contract.objects.filter(status=Contract.Status.DRAFT, award_id__isnull=False)

    def milestones(self, contract: Contract) -> list[Milestone]:
        if contract.status != Contract.Status.DRAFT or contract.award_id is None:
            return []
        due = signing_due(contract.award.awarded_on)
        subject = f"合同「{contract.code} {contract.title}」"
        rule = f"依据{deadlines.CONTRACT_SIGNING.rule}"
        lines = list(contract.lines.all())
        named = len(lines) > 1  # one line reads as before: 数量…，单价…; several name each line
        bought = "，".join(
            f"{line.description if named else ''}数量{line.quantity.normalize():f}{line.unit_of_measure}，"
            f"单价{yuan_text(line.unit_price_yuan)}"
            for line in lines
        )
        found: list[Milestone] = []
        for step in signing_schedule(due):
            key = f"contract_signing:{contract.pk}:{step.kind}:{due.isoformat()}"
            common = {"key": key, "kind": step.kind, "at": step.at, "until": step.until, "due_on": due}
            if step.kind == "sign_ready":
                found.append(Milestone(
                    organization=contract.buyer,
                    level=Notification.Level.INFO,
                    title=f"合同待签订：{contract.title}"[:200],
                    body=(f"已按本单位分计划生成{subject}：供应商{contract.supplier.name}，"
                          f"{bought}，"
                          f"合同金额{yuan_text(contract.amount_yuan)}。请与供应商签订，并在平台上传双方签字盖章的合同文本，"
                          f"应于{chinese_date(due)}前签订。{rule}。"),
                    url=contract_url(contract),
                    **common,
                ))
            elif step.kind == "sign_overdue_center":
                found.append(Milestone(
                    organization=contract.project.organizer,
                    level=Notification.Level.DANGER,
                    title="预算单位逾期未签订合同",
                    body=f"{contract.buyer.name}的{subject}签订截止日为{chinese_date(due)}，至今尚未签订，已逾期。"
                         f"请督促该单位立即签订。{rule}。",
                    url=_board_url(contract),
                    **common,
                ))
            elif step.kind == "sign_overdue":
                found.append(Milestone(
                    organization=contract.buyer,
                    level=Notification.Level.DANGER,
                    title="合同签订已逾期",
                    body=f"{subject}应于{chinese_date(due)}前签订，至今尚未签订，已逾期，请立即办理。{rule}。",
                    url=contract_url(contract),
                    **common,
                ))
            else:
                found.append(Milestone(
                    organization=contract.buyer,
                    level=Notification.Level.WARNING,
                    title="合同签订即将到期",
                    body=f"{subject}应于{chinese_date(due)}前与中标（成交）供应商签订，请及时办理。{rule}。",
                    url=contract_url(contract),
                    **common,
                ))
        return found


CONTRACT_SIGNING = register_deadline_source(ContractSigning())

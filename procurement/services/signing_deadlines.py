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
from django.urls import reverse
from django.utils import timezone

from procurement import deadlines
from procurement.formats import chinese_date, quantity_text, yuan_text
from procurement.models import Contract, Notification
from procurement.modes import message_render
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
    return reverse("award-signing-board", args=[contract.project_id])


# How urgent each step's message is; its wording is ``execution/messages/<kind>.txt`` (a mode may override it).
LEVELS = {
    "sign_ready": Notification.Level.INFO,
    "sign_overdue_center": Notification.Level.DANGER,
    "sign_overdue": Notification.Level.DANGER,
}


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
        lines = list(contract.lines.all())
        context = {
            "contract": contract, "due": chinese_date(due), "rule": deadlines.CONTRACT_SIGNING.rule,
            "amount": yuan_text(contract.amount_yuan),
            # one line reads 数量…，单价…; several name each line first
            "lines": [{"name": line.description if len(lines) > 1 else "",
                       "quantity": quantity_text(line.quantity), "unit": line.unit_of_measure,
                       "price": yuan_text(line.unit_price_yuan)} for line in lines],
        }
        found: list[Milestone] = []
        for step in signing_schedule(due):
            name = "sign_due_soon" if step.kind.startswith("sign_due_in_") else step.kind
            title, body = message_render(contract.project.mode, f"execution/messages/{name}.txt", context)
            to_organizer = step.kind == "sign_overdue_center"
            found.append(Milestone(
                key=f"contract_signing:{contract.pk}:{step.kind}:{due.isoformat()}", kind=step.kind, at=step.at,
                until=step.until, due_on=due,
                organization=contract.project.organizer if to_organizer else contract.buyer,
                level=LEVELS.get(step.kind, Notification.Level.WARNING), title=title[:200], body=body,
                url=_board_url(contract) if to_organizer else contract_url(contract),
            ))
        return found


CONTRACT_SIGNING = register_deadline_source(ContractSigning())

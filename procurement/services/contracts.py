"""Contract services (统采分签: each buying unit signs, publishes, files, accepts and pays its own contract).

Every step runs through ``transition_run``; its ``prepare`` sets and checks the step's dates, each against the
dates it follows from (the award, the signing, the acceptance). Signing records the signed contract (PDF) and
fixes the legal deadlines (working days, from ``procurement.deadlines``):
- 合同公告: within 2 working days of signing (《政府采购法实施条例》第五十条), as a contract notice on the public
  portal with the contract attached, the parts the purchaser withholds (国家秘密、商业秘密) left out;
- 合同备案: within 7 working days of signing (《政府采购法》第四十七条).
After each step the contract's ``next_check`` tells the deadline sweep when to look again.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.db import transaction

from procurement import deadlines
from procurement.formats import yuan_text
from procurement.models import Contract, Filing, Organization
from procurement.publication import contract_notice_publish
from procurement.services.dates import day_checked
from procurement.services.errors import ServiceError
from procurement.services.reminders import CONTRACT_DEADLINES
from procurement.services.transitions import transition_run

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files import File

CENT = Decimal("0.01")
MAX_CONTRACT_BYTES = 20 * 1024 * 1024


def _checked_pdf(file: File | None, *, field: str, label: str) -> File:
    """A PDF the purchaser uploads: the signed contract, or its public version."""
    if not file:
        raise ServiceError(f"请上传{label}（PDF）", field=field)
    if PurePath(file.name or "").suffix.lower() != ".pdf":
        raise ServiceError(f"{label}须为PDF文件", field=field)
    if file.size is not None and file.size > MAX_CONTRACT_BYTES:
        raise ServiceError(f"{label}不能超过20MB", field=field)
    if file.size == 0:
        raise ServiceError(f"上传的{label}是空文件", field=field)
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise ServiceError(f"{label}不是有效的PDF文件（请上传签字盖章后的扫描件或电子签章文件）", field=field)
    return file


def contract_next_check(contract: Contract, *, now: datetime | None = None) -> datetime | None:
    """When the deadline sweep must next look at ``contract``; None when no deadline is pending."""
    return CONTRACT_DEADLINES.next_check(contract, now=now)


def _refresh_next_check(contract: Contract) -> Contract:
    CONTRACT_DEADLINES.store_next_check(contract, contract_next_check(contract))
    return contract


def _finance_bureau_for(buyer: Organization) -> Organization | None:
    """The finance bureau of the buyer's own region, which receives the contract filing (备案)."""
    return (
        Organization.objects.filter(kind=Organization.Kind.FINANCE, region_id=buyer.region_id, is_active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def contract_sign(*, contract: Contract, actor: AbstractBaseUser, signed_on: date, signed_file: File | None = None,
                  public_file: File | None = None, withheld_note: str = "") -> Contract:
    """签订合同: the signing date (not before the award) and the signed contract (PDF); fixes the publication
    and filing deadlines.

    ``public_file`` is the version with the parts the purchaser withholds left out (国家秘密、商业秘密,
    《政府采购法实施条例》第五十条), with ``withheld_note`` saying what and why; without it the contract notice
    publishes the signed contract itself."""
    withheld_note = (withheld_note or "").strip()
    if signed_file is not None:
        _checked_pdf(signed_file, field="signed_file", label="签订的合同文本")
    if public_file is not None:
        _checked_pdf(public_file, field="public_file", label="合同公开版本")
        if not withheld_note:
            raise ServiceError("上传了公开版本时，请说明不予公开的内容及理由（涉及国家秘密、商业秘密的内容）",
                               field="withheld_note")
    elif withheld_note:
        raise ServiceError("不予公开部分内容时，请另行上传已隐去该部分的合同公开版本（PDF）", field="public_file")

    def prepare(locked: Contract) -> dict[str, str]:
        awarded_on = locked.award.awarded_on if locked.award_id else None
        locked.signed_on = day_checked(signed_on, field="signed_on", label="签订日期",
                                       not_before=[(awarded_on, "中标（成交）日期")])
        locked.publish_due = deadlines.due_date(locked.signed_on, deadlines.CONTRACT_PUBLICATION)
        locked.filing_due = deadlines.due_date(locked.signed_on, deadlines.CONTRACT_FILING)
        changes = {
            "signed_on": locked.signed_on.isoformat(),
            "publish_due": locked.publish_due.isoformat(),
            "filing_due": locked.filing_due.isoformat(),
        }
        if signed_file is not None:
            locked.signed_file = signed_file
            changes["signed_file"] = signed_file.name
        if public_file is not None:
            locked.public_file = public_file
            locked.withheld_note = withheld_note
            changes.update(public_file=public_file.name, withheld_note=withheld_note)
        return changes

    signed = transition_run(instance=contract, name="sign", actor=actor, prepare=prepare)
    return _refresh_next_check(signed)


@transaction.atomic
def contract_publish(*, contract: Contract, actor: AbstractBaseUser, published_on: date | None = None) -> Contract:
    """合同公告: a contract notice on the public portal (《政府采购法实施条例》第五十条) with the contract attached
    (its public version when the purchaser withheld parts), published through ``procurement.publication``."""

    def prepare(locked: Contract) -> dict[str, object]:
        locked.published_on = day_checked(published_on or deadlines.today(), field="published_on", label="公告日期",
                                          not_before=[(locked.signed_on, "签订日期")])
        if not locked.signed_file:
            raise ServiceError("合同公告须附合同文本：请先上传签订的合同文本（PDF）", field="signed_file")
        notice_id = contract_notice_publish(contract=locked, actor=actor)
        return {"published_on": locked.published_on.isoformat(), "notice_id": notice_id}

    published = transition_run(instance=contract, name="publish", actor=actor, prepare=prepare)
    return _refresh_next_check(published)


@transaction.atomic
def contract_file(*, contract: Contract, actor: AbstractBaseUser, filed_on: date) -> Contract:
    """合同备案: record the filing date and the filing addressed to the buyer's finance bureau."""

    def prepare(locked: Contract) -> dict[str, object]:
        locked.filed_on = day_checked(filed_on, field="filed_on", label="备案日期", not_before=[
            (locked.published_on, "公告日期"), (locked.signed_on, "签订日期")])
        filing = Filing.objects.create(
            kind=Filing.Kind.CONTRACT,
            project_id=locked.project_id,
            contract=locked,
            filed_by_id=locked.buyer_id,
            finance_bureau=_finance_bureau_for(locked.buyer),
            payload={
                "contract_code": locked.code,
                "title": locked.title,
                "buyer": locked.buyer.name,
                "supplier": locked.supplier.name,
                "amount_yuan": str(locked.amount_yuan),
                "signed_on": locked.signed_on.isoformat() if locked.signed_on else None,
                "published_on": locked.published_on.isoformat() if locked.published_on else None,
                "filed_on": locked.filed_on.isoformat(),
            },
        )
        return {"filed_on": locked.filed_on.isoformat(), "filing_id": filing.pk,
                "finance_bureau_id": filing.finance_bureau_id}

    filed = transition_run(instance=contract, name="file", actor=actor, prepare=prepare)
    return _refresh_next_check(filed)


@transaction.atomic
def contract_accept(*, contract: Contract, actor: AbstractBaseUser, accepted_on: date, note: str = "") -> Contract:
    """履约验收."""

    def prepare(locked: Contract) -> dict[str, str]:
        locked.accepted_on = day_checked(accepted_on, field="accepted_on", label="验收日期", not_before=[
            (locked.filed_on, "备案日期"), (locked.signed_on, "签订日期")])
        locked.acceptance_note = note.strip()
        return {"accepted_on": locked.accepted_on.isoformat(), "acceptance_note": locked.acceptance_note}

    accepted = transition_run(instance=contract, name="accept", actor=actor, note=note.strip(), prepare=prepare)
    return _refresh_next_check(accepted)


@transaction.atomic
def contract_pay(*, contract: Contract, actor: AbstractBaseUser, paid_on: date, amount_yuan: Decimal) -> Contract:
    """资金支付: the amount paid, in 元, at most the contract amount."""
    if not isinstance(amount_yuan, Decimal):
        raise TypeError("amount_yuan must be a Decimal")

    def prepare(locked: Contract) -> dict[str, str]:
        locked.paid_on = day_checked(paid_on, field="paid_on", label="支付日期", not_before=[
            (locked.accepted_on, "验收日期"), (locked.signed_on, "签订日期")])
        if not amount_yuan.is_finite():
            raise ServiceError("请填写正确的支付金额", field="amount_yuan")
        if amount_yuan < 0:
            raise ServiceError("支付金额不能为负数", field="amount_yuan")
        if amount_yuan != amount_yuan.quantize(CENT):
            raise ServiceError("支付金额最多保留两位小数（单位：元）", field="amount_yuan")
        if amount_yuan > locked.amount_yuan:
            raise ServiceError(f"支付金额不能超过合同金额（{yuan_text(locked.amount_yuan)}）", field="amount_yuan")
        locked.paid_amount_yuan = amount_yuan.quantize(CENT)
        return {"paid_on": locked.paid_on.isoformat(), "paid_amount_yuan": str(locked.paid_amount_yuan)}

    paid = transition_run(instance=contract, name="pay", actor=actor, prepare=prepare)
    return _refresh_next_check(paid)


@transaction.atomic
def contract_terminate(*, contract: Contract, actor: AbstractBaseUser, reason: str) -> Contract:
    """终止合同: a reason is required; pending deadlines stop."""
    reason = (reason or "").strip()

    def prepare(locked: Contract) -> dict[str, str]:
        if not reason:
            raise ServiceError("终止合同必须填写终止原因", field="reason")
        locked.termination_reason = reason
        return {"termination_reason": reason}

    terminated = transition_run(instance=contract, name="terminate", actor=actor, note=reason, prepare=prepare)
    return _refresh_next_check(terminated)

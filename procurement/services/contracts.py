"""Contract services (统采分签: each buying unit signs, publishes, files, accepts and pays its own contract).

Every step runs through ``transition_run``; its ``prepare`` sets and checks the step's dates, each against the
dates it follows from (the award, the signing, the acceptance). Signing records the signed contract (PDF) and
fixes the legal deadlines (working days, from ``procurement.deadlines``):
- 合同公告: within 2 working days of signing (《政府采购法实施条例》第五十条), as a contract notice on the public
  portal with the contract attached, the parts the purchaser withholds (国家秘密、商业秘密) left out;
- 合同备案: within 7 working days of signing (《政府采购法》第四十七条).
After each step the contract's ``next_check`` tells the deadline sweep when to look again.

A contract is made as a draft with its lines (``contract_draft_create``, or ``contracts_draft_create`` for the
thousands of a 统采分签 generation): the contract amount is the sum of the lines, each quantity × unit price to
the cent; one live contract line per (award, buyer), and a sub-plan is contracted at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from procurement import deadlines
from procurement.formats import yuan_text
from procurement.models import Award, Contract, ContractLine, Filing, Lot, Organization, Project, SubPlan
from procurement.models.contracts import line_amount
from procurement.modes import mode_plugin
from procurement.publication import contract_notice_publish
from procurement.services.dates import day_checked
from procurement.services.errors import ServiceError
from procurement.services.events import event_record, subject_type_of
from procurement.services.reminders import CONTRACT_DEADLINES
from procurement.services.transitions import transition_run
from procurement.services.uploads import SIGNED_HINT, pdf_checked

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files import File

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("999999999999.99")
MAX_UNIT_PRICE = Decimal("999999999999.99")


# --- drafts: a contract with its lines -------------------------------------------------------------

@dataclass(frozen=True)
class ContractLineDraft:
    """One line of a contract to make: what it buys (a lot, an item, a product), how many, at what price."""

    description: str
    quantity: Decimal
    unit_price_yuan: Decimal
    unit_of_measure: str = ""
    lot: Lot | None = None
    award: Award | None = None
    sub_plan: SubPlan | None = None


@dataclass(frozen=True)
class ContractDraft:
    """A draft contract to make: its parties and its lines; the amount is the lines' sum."""

    code: str
    title: str
    project: Project
    buyer: Organization
    supplier: Organization
    lines: Sequence[ContractLineDraft]
    # The award the contract follows (its 30-day signing limit counts from it), when it follows one.
    award: Award | None = None
    next_check: datetime | None = field(default=None, compare=False)


def _checked_decimal(value, *, label: str, field_name: str, limit: Decimal) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ServiceError(f"请填写正确的{label}", field=field_name)
    if value < 0:
        raise ServiceError(f"{label}不能为负数", field=field_name)
    if value != value.quantize(CENT):
        raise ServiceError(f"{label}最多保留两位小数", field=field_name)
    if value > limit:
        raise ServiceError(f"{label}超出允许范围", field=field_name)
    return value


def _checked_draft(draft: ContractDraft) -> None:
    """What holds of every draft before it is written: lines there, numbers sound, each line of the draft's project
    and parties, no award twice."""
    if not (draft.code or "").strip():
        raise ServiceError("请填写合同编号", field="code")
    if not (draft.title or "").strip():
        raise ServiceError("请填写合同名称", field="title")
    if not draft.lines:
        raise ServiceError("合同至少应有一项合同明细", field="lines")
    if draft.award is not None and (draft.award.project_id != draft.project.pk
                                    or draft.award.supplier_id != draft.supplier.pk):
        raise ServiceError("合同所依据的中标（成交）结果不属于本项目或本供应商", field="award")
    awards: set[int] = set()
    sub_plans: set[int] = set()
    for line in draft.lines:
        if not (line.description or "").strip():
            raise ServiceError("请填写合同明细的标的名称", field="lines")
        _checked_decimal(line.quantity, label="数量", field_name="lines", limit=MAX_QUANTITY)
        _checked_decimal(line.unit_price_yuan, label="单价", field_name="lines", limit=MAX_UNIT_PRICE)
        if line.lot is not None and line.lot.project_id != draft.project.pk:
            raise ServiceError(f"采购包「{line.lot.name}」不属于本项目", field="lines")
        if line.award is not None:
            if line.award.project_id != draft.project.pk or line.award.supplier_id != draft.supplier.pk:
                raise ServiceError("合同明细所依据的中标（成交）结果不属于本项目或本供应商", field="lines")
            if line.award.pk in awards:
                raise ServiceError("同一中标（成交）结果在一份合同中只能有一项明细", field="lines")
            awards.add(line.award.pk)
        if line.sub_plan is not None:
            if line.sub_plan.project_id != draft.project.pk or line.sub_plan.unit_id != draft.buyer.pk:
                raise ServiceError("合同明细对应的分计划不属于本项目或本采购人", field="lines")
            if line.sub_plan.pk in sub_plans:
                raise ServiceError("同一分计划只能签订一次合同", field="lines")
            sub_plans.add(line.sub_plan.pk)


def _refuse_taken(drafts: Sequence[ContractDraft]) -> None:
    """One live contract line per (award, buyer), and a sub-plan contracted at most once: across the drafts and
    against what exists (the database holds both rules too, for a race between two requests)."""
    pairs = [(line.award.pk, d.buyer.pk) for d in drafts for line in d.lines if line.award is not None]
    if len(pairs) != len(set(pairs)):
        raise ServiceError("同一采购人对同一中标（成交）结果只能有一份未终止的合同", field="lines")
    plans = [line.sub_plan.pk for d in drafts for line in d.lines if line.sub_plan is not None]
    if len(plans) != len(set(plans)):
        raise ServiceError("同一分计划只能签订一次合同", field="lines")
    if pairs:
        query = Q()
        for award_id in {award_id for award_id, _ in pairs}:
            query |= Q(award_id=award_id, buyer_id__in=[b for a, b in pairs if a == award_id])
        taken = ContractLine.objects.filter(query, contract_live=True).select_related("contract").first()
        if taken is not None:
            raise ServiceError(f"该采购人对此中标（成交）结果已有未终止的合同（{taken.contract.code}）", field="lines")
    if plans:
        taken = ContractLine.objects.filter(sub_plan_id__in=plans).select_related("contract").first()
        if taken is not None:
            raise ServiceError(f"该分计划已签订合同（{taken.contract.code}）", field="lines")


@transaction.atomic
def contracts_draft_create(*, drafts: Sequence[ContractDraft]) -> list[Contract]:
    """Make many draft contracts with their lines at once (统采分签: a batch project may make thousands), each
    checked as ``contract_draft_create`` checks it; all or none. The caller records the event (one for the
    whole generation). Each returned contract holds its lines (``contract.lines.all()`` reads no query)."""
    for draft in drafts:
        _checked_draft(draft)
    _refuse_taken(drafts)
    contracts = Contract.objects.bulk_create([
        Contract(
            code=draft.code.strip(), title=draft.title.strip()[:200], project=draft.project, award=draft.award,
            buyer=draft.buyer, supplier=draft.supplier, status=Contract.Status.DRAFT, next_check=draft.next_check,
            amount_yuan=sum((line_amount(line.quantity, line.unit_price_yuan) for line in draft.lines), Decimal(0)),
        )
        for draft in drafts
    ])
    lines_of: list[list[ContractLine]] = []
    for contract, draft in zip(contracts, drafts, strict=True):
        lines_of.append([
            ContractLine(
                contract=contract, number=number, lot=line.lot, award=line.award, sub_plan=line.sub_plan,
                description=line.description.strip()[:200], quantity=line.quantity,
                unit_of_measure=(line.unit_of_measure or "")[:16], unit_price_yuan=line.unit_price_yuan,
                amount_yuan=line_amount(line.quantity, line.unit_price_yuan), buyer=draft.buyer, contract_live=True,
            )
            for number, line in enumerate(draft.lines, start=1)
        ])
    ContractLine.objects.bulk_create([line for lines in lines_of for line in lines])
    for contract, lines in zip(contracts, lines_of, strict=True):
        # As prefetch_related("lines") would leave it: the lines just written, read without a query.
        prefetched = ContractLine.objects.filter(contract=contract)
        prefetched._result_cache, prefetched._prefetch_done = lines, True
        contract._prefetched_objects_cache = {"lines": prefetched}
    return contracts


@transaction.atomic
def contract_draft_create(*, actor: AbstractBaseUser | None, code: str, title: str, project: Project,
                          buyer: Organization, supplier: Organization, lines: Sequence[ContractLineDraft],
                          award: Award | None = None) -> Contract:
    """Make one draft contract with its lines (a volume participant's items, a framework order's products): the
    amount is the sum of the lines; refused when the buyer already holds a live contract line under one of the
    awards, or a sub-plan is already contracted."""
    contract = contracts_draft_create(drafts=[ContractDraft(
        code=code, title=title, project=project, buyer=buyer, supplier=supplier, lines=lines, award=award)])[0]
    event_record(subject=contract, action="create", action_label="生成合同", actor=actor,
                 changes={"code": contract.code, "amount_yuan": str(contract.amount_yuan),
                          "lines": len(contract.lines.all())})
    return contract


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
        pdf_checked(signed_file, field="signed_file", label="签订的合同文本", hint=SIGNED_HINT)
    if public_file is not None:
        pdf_checked(public_file, field="public_file", label="合同公开版本", hint=SIGNED_HINT)
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
            subject_type=subject_type_of(locked),
            subject_id=locked.pk,
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
    """终止合同: a reason is required; pending deadlines stop; a mode may refuse it
    (``ModePlugin.contract_terminate_refusal``: a volume participant may not refuse to sign, 753号 四(三))."""
    reason = (reason or "").strip()

    def prepare(locked: Contract) -> dict[str, str]:
        refusal = mode_plugin(locked.project.mode).contract_terminate_refusal(locked, actor)
        if refusal:
            raise ServiceError(refusal, field="contract")
        if not reason:
            raise ServiceError("终止合同必须填写终止原因", field="reason")
        locked.termination_reason = reason
        # A terminated contract frees its (award, buyer) slot: another contract may follow the same award.
        ContractLine.objects.filter(contract=locked).update(contract_live=False)
        return {"termination_reason": reason}

    terminated = transition_run(instance=contract, name="terminate", actor=actor, note=reason, prepare=prepare)
    return _refresh_next_check(terminated)

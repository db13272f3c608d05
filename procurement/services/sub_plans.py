"""Filing sub-plans (分计划): a budget unit's quantity, budget and funding for one lot.

Rules (seed 000 三(一)4 需求响应): only an eligible unit may answer, only inside the response
window, one sub-plan per unit and lot; the unit may revise until the deadline; the master plan
is the sum of the submitted ones.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import access
from procurement.models import EligibleUnit, FundingLine, Lot, Organization, SubPlan
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.transitions import transition_run

EDITABLE_FIELDS = ("quantity", "budget_yuan", "contact_name", "contact_phone", "note")


def _decimal(value: Any, *, label: str, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field) from None
    if not number.is_finite():
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field)
    if number != number.quantize(Decimal("0.01")):
        raise ServiceError(f"{label}最多保留两位小数", field=field)
    return number


def _funding(lines: list[dict[str, Any]] | None, budget: Decimal) -> list[FundingLine]:
    if not lines:
        return []
    built = []
    for index, line in enumerate(lines, start=1):
        source = line.get("source", "")
        if source not in FundingLine.Source.values:
            raise ServiceError(f"第{index}条资金构成的资金来源「{source}」无效", field="funding_lines")
        amount = _decimal(line.get("amount_yuan"), label=f"第{index}条资金构成的金额", field="funding_lines")
        if amount < 0:
            raise ServiceError(f"第{index}条资金构成的金额不能为负数", field="funding_lines")
        built.append(FundingLine(source=source, amount_yuan=amount,
                                 budget_index_code=str(line.get("budget_index_code", "")).strip()[:64]))
    total = sum((f.amount_yuan for f in built), Decimal(0))
    if total != budget:
        raise ServiceError(f"资金构成合计{total}元与预算金额{budget}元不一致", field="funding_lines")
    return built


def _check_may_file(*, lot: Lot, unit: Organization, actor) -> None:
    project = lot.project
    if not access.can_file_sub_plan(project, unit.pk, actor):
        raise PermissionDenied("您无权为该单位填报分计划")
    if unit.kind != Organization.Kind.BUDGET_UNIT:
        raise ServiceError("只有预算单位可以填报分计划")
    if not EligibleUnit.objects.filter(project=project, unit=unit).exists():
        raise ServiceError(f"{unit.name}不在项目「{project.title}」的可响应单位范围内")
    now = timezone.now()
    if not project.window_open(now):
        if project.response_deadline and now >= project.response_deadline:
            deadline = timezone.localtime(project.response_deadline)
            raise ServiceError(f"需求响应已于{deadline:%Y年%m月%d日 %H:%M}截止，不能再填报或修改分计划")
        raise ServiceError("项目当前不在需求响应时间内，不能填报分计划")


@transaction.atomic
def sub_plan_save(
    *,
    lot: Lot,
    unit: Organization,
    actor,
    quantity: Decimal | str | int,
    budget_yuan: Decimal | str | int,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
    funding_lines: list[dict[str, Any]] | None = None,
    sub_plan: SubPlan | None = None,
    submit: bool = False,
) -> SubPlan:
    """Create a draft sub-plan, or revise ``sub_plan`` (a submitted one stays submitted).

    ``submit`` files a new sub-plan as submitted in the same step (the deadline-day path: one
    insert, no second locked round trip). It is the creation of a row in its first state, checked by
    the same rules ``submit`` checks (window open, funding adding up), not a change of state.
    """
    _check_may_file(lot=lot, unit=unit, actor=actor)
    quantity = _decimal(quantity, label="采购数量", field="quantity")
    if quantity <= 0:
        raise ServiceError("采购数量必须大于0", field="quantity")
    budget = _decimal(budget_yuan, label="预算金额", field="budget_yuan")
    if budget < 0:
        raise ServiceError("预算金额不能为负数", field="budget_yuan")
    lines = _funding(funding_lines, budget)
    values = {
        "quantity": quantity,
        "budget_yuan": budget,
        "contact_name": contact_name.strip()[:32],
        "contact_phone": contact_phone.strip()[:32],
        "note": note.strip(),
    }

    if sub_plan is None:
        if submit:
            values.update(status=SubPlan.Status.SUBMITTED, submitted_at=timezone.now(), revision=1)
        try:
            # The unique constraint (one sub-plan per unit and lot) decides; a refusal ends the
            # transaction anyway, so no savepoint is needed.
            sub_plan = SubPlan.objects.create(project=lot.project, lot=lot, unit=unit, **values)
        except IntegrityError:
            raise ServiceError(f"{unit.name}已填报{lot}的分计划，请修改原分计划") from None
        action, label = ("submit", "填报并提交分计划") if submit else ("create", "填报分计划")
        changes = {k: str(v) for k, v in values.items() if k in EDITABLE_FIELDS}
    else:
        if submit:
            raise ServiceError("修改已有分计划后请单独提交")
        sub_plan = SubPlan.objects.select_for_update().get(pk=sub_plan.pk)
        if sub_plan.unit_id != unit.pk or sub_plan.lot_id != lot.pk:
            raise ServiceError("分计划的单位和采购包不能更改")
        if sub_plan.status == SubPlan.Status.FROZEN:
            raise ServiceError("总计划已确认，分计划已锁定，不能修改")
        changes = {
            name: [str(getattr(sub_plan, name)), str(value)]
            for name, value in values.items() if getattr(sub_plan, name) != value
        }
        for name, value in values.items():
            setattr(sub_plan, name, value)
        if sub_plan.status == SubPlan.Status.SUBMITTED:
            sub_plan.revision += 1
        sub_plan.save(update_fields=[*EDITABLE_FIELDS, "revision", "updated_at"])
        action, label = "revise", "修改分计划"

    if funding_lines is not None:
        if action not in {"create", "submit"}:
            sub_plan.funding_lines.all().delete()
        for line in lines:
            line.sub_plan = sub_plan
        FundingLine.objects.bulk_create(lines)
        changes["funding_lines"] = [[f.source, str(f.amount_yuan)] for f in lines]

    event_record(subject=sub_plan, action=action, action_label=label, actor=actor,
                 target=sub_plan.status, changes=changes)
    return sub_plan


def sub_plan_submit(*, sub_plan: SubPlan, actor) -> SubPlan:
    """提交: the sub-plan counts in the master plan from now on."""
    _check_may_file(lot=sub_plan.lot, unit=sub_plan.unit, actor=actor)
    return transition_run(instance=sub_plan, name="submit", actor=actor)


def sub_plan_withdraw(*, sub_plan: SubPlan, actor) -> SubPlan:
    """撤回: no longer counted; may be submitted again before the deadline."""
    return transition_run(instance=sub_plan, name="withdraw", actor=actor)

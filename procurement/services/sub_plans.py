"""Filing sub-plans (分计划): a budget unit's quantity, budget and funding for one lot.

Rules (seed 000 三(一)4 需求响应): only an eligible unit may answer, only inside the response
window, one sub-plan per unit and lot; the unit may revise until the deadline; the master plan
is the sum of the submitted ones. What a unit may do while the window is open (file, revise, withdraw), and
whether the project has sub-plans at all, is its mode's ``ModePlugin.sub_plan_rules`` (issue 9 point 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_datetime as chinese_moment
from procurement.formats import quantity_text, yuan_text
from procurement.models import EligibleUnit, FundingLine, Lot, Notification, Organization, SubPlan
from procurement.modes import SubPlanRules, mode_plugin
from procurement.selectors.plans import flags_for_sub_plan
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run
from procurement.units import whole_number_refusal

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


def _rules(project) -> SubPlanRules:
    rules = mode_plugin(project.mode).sub_plan_rules(project)
    if not rules.has_sub_plans:
        raise ServiceError(f"项目「{project.title}」不设分计划")
    return rules


def _check_may_file(*, lot: Lot, unit: Organization, actor, step: str = "may_file") -> None:
    project = lot.project
    if not getattr(_rules(project), step):
        raise ServiceError({"may_file": "该项目不允许填报分计划", "may_revise": "该项目不允许修改分计划",
                            "may_withdraw": "该项目不允许撤回分计划"}[step])
    if not access.can_file_sub_plan(project, unit.pk, actor):
        raise PermissionDenied("您无权为该单位填报分计划")
    if unit.kind != Organization.Kind.BUDGET_UNIT:
        raise ServiceError("只有预算单位可以填报分计划")
    # A lot read for filing (procurement.api.selectors.filing_target) says whether the unit may answer.
    known_eligible = unit.pk in getattr(lot, "eligible_unit_ids", ())
    if not known_eligible and not EligibleUnit.objects.filter(project=project, unit=unit).exists():
        raise ServiceError(f"{unit.name}不在项目「{project.title}」的可响应单位范围内")
    now = timezone.now()
    if not project.window_open(now):
        if project.response_deadline and now >= project.response_deadline:
            raise ServiceError(f"需求响应已于{chinese_moment(project.response_deadline)}截止，不能再填报或修改分计划")
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
    """File a new sub-plan (a draft, or submitted with ``submit``), or revise ``sub_plan`` with every field given.

    ``submit`` files a new sub-plan as submitted in the same step (the deadline-day path: one
    insert, no second locked round trip). It is the creation of a row in its first state, checked by
    the same rules ``submit`` checks (window open, funding adding up), not a change of state.
    """
    values = {"quantity": quantity, "budget_yuan": budget_yuan, "contact_name": contact_name,
              "contact_phone": contact_phone, "note": note}
    if sub_plan is not None:
        if sub_plan.unit_id != unit.pk or sub_plan.lot_id != lot.pk:
            raise ServiceError("分计划的单位和采购包不能更改")
        if submit:
            raise ServiceError("修改已有分计划后请单独提交")
        return sub_plan_revise(sub_plan=sub_plan, actor=actor, changes=values, funding_lines=funding_lines)

    _check_may_file(lot=lot, unit=unit, actor=actor)
    values = _checked(values, lot=lot)
    lines = _funding(funding_lines, values["budget_yuan"])
    if submit:
        values.update(status=SubPlan.Status.SUBMITTED, submitted_at=timezone.now(), revision=1)
    try:
        # The unique constraint (one sub-plan per unit and lot) decides; a refusal ends the
        # transaction anyway, so no savepoint is needed.
        sub_plan = SubPlan.objects.create(project=lot.project, lot=lot, unit=unit, **values)
    except IntegrityError:
        raise ServiceError(f"{unit.name}已填报{lot}的分计划，请修改原分计划") from None
    action, label = ("submit", "填报并提交分计划") if submit else ("create", "填报分计划")
    changes: dict[str, Any] = {k: str(v) for k, v in values.items() if k in EDITABLE_FIELDS}
    if funding_lines is not None:
        for line in lines:
            line.sub_plan = sub_plan
        FundingLine.objects.bulk_create(lines)
        changes["funding_lines"] = [[f.source, str(f.amount_yuan)] for f in lines]
    event_record(subject=sub_plan, action=action, action_label=label, actor=actor,
                 target=sub_plan.status, changes=changes)
    if submit:
        _tell_organizer_of_flags(sub_plan)
    return sub_plan


@transaction.atomic
def sub_plan_revise(
    *,
    sub_plan: SubPlan,
    actor,
    changes: Mapping[str, Any],
    funding_lines: list[dict[str, Any]] | None = None,
    submit: bool = False,
) -> SubPlan:
    """Revise ``sub_plan`` with ``changes`` (any of ``EDITABLE_FIELDS``): a partial update.

    The row is locked first, and every field not in ``changes`` keeps its value *as saved when the lock
    was taken*, as do the funding lines unless ``funding_lines`` replaces them: a revision racing another
    never writes back a value it read before the lock (the master plan always equals the last saved
    values). A submitted sub-plan stays submitted and counts with its new values at once; ``submit``
    also submits a draft or withdrawn one, in the same transaction.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    # Only the sub-plan's own row is locked (its project and lot are read, not locked: thousands of units
    # revise sub-plans of one project at once).
    locked = (
        SubPlan.objects.select_for_update(of=("self",)).select_related("lot", "project", "unit")
        .filter(pk=sub_plan.pk).first()
    )
    if locked is None:
        raise ServiceError("分计划不存在")
    _check_may_file(lot=locked.lot, unit=locked.unit, actor=actor, step="may_revise")
    if locked.status == SubPlan.Status.FROZEN:
        raise ServiceError("总计划已确认，分计划已锁定，不能修改")
    values = _checked({name: changes.get(name, getattr(locked, name)) for name in EDITABLE_FIELDS}, lot=locked.lot)
    if funding_lines is not None:
        lines = _funding(funding_lines, values["budget_yuan"])
    else:
        lines = None
        if values["budget_yuan"] != locked.budget_yuan:
            _check_kept_funding(locked, values["budget_yuan"])

    changed = {
        name: [str(getattr(locked, name)), str(value)]
        for name, value in values.items() if getattr(locked, name) != value
    }
    before = (locked.quantity, locked.budget_yuan)
    for name, value in values.items():
        setattr(locked, name, value)
    counted = locked.status == SubPlan.Status.SUBMITTED
    if counted:
        locked.revision += 1
    locked.save(update_fields=[*EDITABLE_FIELDS, "revision", "updated_at"])
    if lines is not None:
        locked.funding_lines.all().delete()
        for line in lines:
            line.sub_plan = locked
        FundingLine.objects.bulk_create(lines)
        changed["funding_lines"] = [[f.source, str(f.amount_yuan)] for f in lines]
    event_record(subject=locked, action="revise", action_label="修改分计划", actor=actor,
                 target=locked.status, changes=changed)
    if counted:
        if before != (locked.quantity, locked.budget_yuan):
            _tell_organizer_of_late_change(locked, before=before)
        _tell_organizer_of_flags(locked)
    elif submit:
        locked = sub_plan_submit(sub_plan=locked, actor=actor)
    return locked


def _checked(values: dict[str, Any], *, lot: Lot) -> dict[str, Any]:
    """The editable fields as they will be saved, or the first rule they break."""
    quantity = _decimal(values["quantity"], label="采购数量", field="quantity")
    if quantity <= 0:
        raise ServiceError("采购数量必须大于0", field="quantity")
    fractional = whole_number_refusal(quantity, lot.unit_of_measure)
    if fractional:
        raise ServiceError(fractional, field="quantity")
    budget = _decimal(values["budget_yuan"], label="预算金额", field="budget_yuan")
    if budget < 0:
        raise ServiceError("预算金额不能为负数", field="budget_yuan")
    return {
        "quantity": quantity,
        "budget_yuan": budget,
        "contact_name": str(values["contact_name"] or "").strip()[:32],
        "contact_phone": str(values["contact_phone"] or "").strip()[:32],
        "note": str(values["note"] or "").strip(),
    }


def _check_kept_funding(sub_plan: SubPlan, budget: Decimal) -> None:
    """A new budget without new funding lines: the lines kept (read under the lock) must add up to it."""
    amounts = list(sub_plan.funding_lines.values_list("amount_yuan", flat=True))
    if amounts:
        total = sum(amounts, Decimal(0))
        if total != budget:
            raise ServiceError(f"原资金构成合计{total}元与新的预算金额{budget}元不一致，请同时修改资金构成",
                               field="funding_lines")


@transaction.atomic
def sub_plan_submit(*, sub_plan: SubPlan, actor) -> SubPlan:
    """提交: the sub-plan counts in the master plan from now on."""
    _check_may_file(lot=sub_plan.lot, unit=sub_plan.unit, actor=actor)
    submitted = transition_run(instance=sub_plan, name="submit", actor=actor)
    _tell_organizer_of_flags(submitted)
    return submitted


@transaction.atomic
def sub_plan_withdraw(*, sub_plan: SubPlan, actor) -> SubPlan:
    """撤回: no longer counted; may be submitted again before the deadline (where the mode allows leaving)."""
    if not _rules(sub_plan.project).may_withdraw:
        raise ServiceError("该项目不允许撤回分计划")
    withdrawn = transition_run(instance=sub_plan, name="withdraw", actor=actor)
    _tell_organizer_of_late_change(withdrawn, before=(withdrawn.quantity, withdrawn.budget_yuan), withdrawn=True)
    return withdrawn


# --- who must be told (issue 7 point 11) -------------------------------------------------------------

def _subject(sub_plan: SubPlan) -> str:
    project, lot = sub_plan.project, sub_plan.lot
    return f"「{project.code} {project.title}」第{lot.number}包（{lot.name}）"


def _tell_organizer_of_flags(sub_plan: SubPlan) -> None:
    """A submitted sub-plan whose values look wrong (``procurement.plan_checks``): the organizer is told once
    per revision, with the reasons, and finds it flagged on the master plan."""
    project, lot = sub_plan.project, sub_plan.lot
    # The unit's total read here stays on the instance: the API's answer (its warnings) reads it, not again.
    flags = flags_for_sub_plan(sub_plan)
    if not flags:
        return
    unit = sub_plan.unit
    organization_notify(
        organization=project.organizer, subject=sub_plan, kind=f"flagged_r{sub_plan.revision}",
        level=Notification.Level.WARNING,
        title=f"分计划数值待核查：{unit.name}",
        body=(f"{unit.name}提交的{_subject(sub_plan)}分计划（采购数量{quantity_text(sub_plan.quantity)}"
              f"{lot.unit_of_measure}，预算金额{yuan_text(sub_plan.budget_yuan)}）有待核查的数值，已在总计划中标出："
              + "".join(f"（{n}）{flag.message}" for n, flag in enumerate(flags, start=1))
              + (f"联系人：{sub_plan.contact_name} {sub_plan.contact_phone}。" if sub_plan.contact_name else "")),
        url=mode_plugin(lot.project.mode).organizer_lot_page(lot),
    )


def _tell_organizer_of_late_change(sub_plan: SubPlan, *, before: tuple[Decimal, Decimal],
                                   withdrawn: bool = False) -> None:
    """A submitted sub-plan changed or withdrawn in the last working day before the deadline: the master
    plan the organizer is about to confirm has moved (``deadlines.LATE_CHANGE_WORKING_DAYS``)."""
    project, lot, unit = sub_plan.project, sub_plan.lot, sub_plan.unit
    if project.response_deadline is None or not deadlines.in_last_working_days(
            project.response_deadline, deadlines.LATE_CHANGE_WORKING_DAYS):
        return
    quantity, budget = before
    deadline = chinese_moment(project.response_deadline)
    if withdrawn:
        kind, title = f"late_withdraw_r{sub_plan.revision}", f"截止前撤回分计划：{unit.name}"
        change = (f"撤回了已提交的{_subject(sub_plan)}分计划，总计划已减去采购数量{quantity_text(quantity)}"
                  f"{lot.unit_of_measure}、预算金额{yuan_text(budget)}")
    else:
        kind, title = f"late_revise_r{sub_plan.revision}", f"截止前修改分计划：{unit.name}"
        change = (f"修改了已提交的{_subject(sub_plan)}分计划，总计划随之变化：采购数量"
                  f"{quantity_text(quantity)}→{quantity_text(sub_plan.quantity)}{lot.unit_of_measure}，"
                  f"预算金额{yuan_text(budget)}→{yuan_text(sub_plan.budget_yuan)}")
    organization_notify(
        organization=project.organizer, subject=sub_plan, kind=kind, level=Notification.Level.INFO,
        title=title,
        body=f"{unit.name}在需求响应截止前最后1个工作日{change}。需求响应将于{deadline}截止，请留意总计划的变化。",
        url=mode_plugin(lot.project.mode).organizer_lot_page(lot),
    )

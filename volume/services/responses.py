"""An invited unit's response to a volume project (753号 三、2: 参与单位在线响应参与此项目，明确本单位的采购内容
及资金构成).

A response is one document per unit (``volume.models.Response``: contact, note, status, revision, decline reason);
its items are the core's sub-plans of (project, item, unit), each with its quantity and budget, and each item's
funding composition (资金构成) is the core's funding lines of that sub-plan. The sub-plans follow the response:
a draft's items are drafts, a submitted response's items are submitted (the core counts them and freezes them when
the master plan is confirmed), a declined response's items are withdrawn (no longer counted).

Rules, each refused with a Chinese message naming the item and the funding line:

- only the units the lead ticked respond (753号 三、1: 勾选此项目参与单位名单);
- only inside the response window; after the deadline nothing is changed, submitted, declined or withdrawn
  (753号 四(三): 禁止出现中途退出集中带量采购活动);
- the items are one or more of the lead's list (753号 三、2: 项目清单中的一项或者多项), each once, with a quantity
  and a budget above zero;
- each funding line has a source, an amount above zero and its budget indicator code (预算指标编号); on submit
  every item has funding lines summing exactly, to the cent, to its budget;
- a submitted response has at least one item and a contact; a decline has a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_datetime, yuan_text
from procurement.models import EligibleUnit, FundingLine, Lot, Mode, Notification, Organization, Project, SubPlan
from procurement.modes import mode_plugin
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.units import whole_number_refusal
from volume.models import Response

CENT = Decimal("0.01")
REASON_MAX_LENGTH = 1000
AFTER_DEADLINE = ("需求响应已于{deadline}截止，截止后不能再修改、提交或撤回响应"
                  "（753号 四(三)：禁止中途退出集中带量采购活动）")


@dataclass(frozen=True)
class CheckedItem:
    lot: Lot
    quantity: Decimal
    budget_yuan: Decimal
    funding: list[FundingLine]


# --- the checks --------------------------------------------------------------------------------------------

def _check_actor(actor, unit: Organization) -> None:
    if access.is_privileged(actor):
        return
    if not access.acts_for(actor, unit.pk):
        raise PermissionDenied(f"您无权代表{unit.name}响应（只读账号或非本单位事项）")


def check_window(project: Project, *, now=None) -> None:
    """Refuse outside the response window; after the deadline with 753号 四(三)."""
    now = now or timezone.now()
    if project.response_deadline is not None and now >= project.response_deadline:
        raise ServiceError(AFTER_DEADLINE.format(deadline=chinese_datetime(project.response_deadline)))
    if not project.window_open(now):
        raise ServiceError("项目当前不在需求响应时间内（尚未开始或未处于需求征集阶段），不能响应")


def _check_may_respond(*, project: Project, unit: Organization, actor) -> None:
    if project.mode != Mode.VOLUME:
        raise ServiceError(f"项目「{project.title}」不是集中带量采购项目")
    _check_actor(actor, unit)
    if not EligibleUnit.objects.filter(project=project, unit=unit).exists():
        # 753号 三、1: 牵头单位……勾选此项目参与单位名单.
        raise ServiceError(f"{unit.name}不在牵头单位勾选的参与单位名单中，不能响应本项目（753号 三、1）")
    check_window(project)


def _decimal(value: Any, *, label: str, field: str) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field) from None
    if not number.is_finite():
        raise ServiceError(f"{label}「{value}」不是有效的数字", field=field)
    if number != number.quantize(CENT):
        raise ServiceError(f"{label}最多保留两位小数", field=field)
    return number.quantize(CENT)


def item_label(index: int, lot: Lot | None) -> str:
    """第2项（清单第3项 激光打印机）: the item's place in the response and in the lead's list."""
    return f"第{index}项（清单第{lot.number}项 {lot.name}）" if lot is not None else f"第{index}项"


def _checked_items(project: Project, items: list[dict[str, Any]], *, submitting: bool) -> list[CheckedItem]:
    lots = {lot.pk: lot for lot in Lot.objects.filter(project=project)}
    seen: dict[int, int] = {}
    checked = []
    for index, item in enumerate(items, start=1):
        raw_lot = item.get("lot_id")
        try:
            lot = lots.get(int(raw_lot))
        except (TypeError, ValueError):
            lot = None
        if lot is None:
            raise ServiceError(f"第{index}项：所选采购内容不在牵头单位确定的采购内容清单中（753号 三、2）",
                               field="items")
        label = item_label(index, lot)
        if lot.pk in seen:
            raise ServiceError(f"{label}与第{seen[lot.pk]}项重复：同一采购内容只能填写一次", field="items")
        seen[lot.pk] = index
        quantity = _decimal(item.get("quantity"), label=f"{label}的采购数量", field="items")
        if quantity <= 0:
            raise ServiceError(f"{label}的采购数量必须大于0", field="items")
        fractional = whole_number_refusal(quantity, lot.unit_of_measure)
        if fractional:
            raise ServiceError(f"{label}：{fractional}", field="items")
        budget = _decimal(item.get("budget_yuan"), label=f"{label}的预算金额", field="items")
        if budget <= 0:
            raise ServiceError(f"{label}的预算金额必须大于0", field="items")
        funding = _checked_funding(item.get("funding") or [], label=label, budget=budget, submitting=submitting)
        checked.append(CheckedItem(lot, quantity, budget, funding))
    if submitting and not checked:
        raise ServiceError("提交响应须至少填写一项采购内容（753号 三、2：项目清单中的一项或者多项）；"
                           "不参与的请选择「不参与」并说明理由", field="items")
    return checked


def _checked_funding(lines: list[dict[str, Any]], *, label: str, budget: Decimal,
                     submitting: bool) -> list[FundingLine]:
    built = []
    for number, line in enumerate(lines, start=1):
        where = f"{label}第{number}条资金构成"
        source = str(line.get("source") or "")
        if source not in FundingLine.Source.values:
            raise ServiceError(f"{where}的资金来源「{source}」无效", field="funding")
        amount = _decimal(line.get("amount_yuan"), label=f"{where}的金额", field="funding")
        if amount <= 0:
            raise ServiceError(f"{where}的金额必须大于0", field="funding")
        code = str(line.get("budget_index_code") or "").strip()
        if not code:
            raise ServiceError(f"{where}未填写预算指标编号", field="funding")
        if len(code) > 64:
            raise ServiceError(f"{where}的预算指标编号不能超过64个字符", field="funding")
        built.append(FundingLine(source=source, amount_yuan=amount, budget_index_code=code))
    if submitting:
        if not built:
            raise ServiceError(f"{label}未填写资金构成：请至少填写一条资金来源及其预算指标编号", field="funding")
        total = sum((line.amount_yuan for line in built), Decimal(0))
        if total != budget:
            raise ServiceError(f"{label}的资金构成合计{yuan_text(total)}与预算金额{yuan_text(budget)}不一致"
                               f"（须精确到分）", field="funding")
    return built


def _contact(contact_name: str, contact_phone: str, *, submitting: bool) -> tuple[str, str]:
    name, phone = str(contact_name or "").strip(), str(contact_phone or "").strip()
    if len(name) > 32 or len(phone) > 32:
        raise ServiceError("联系人和联系电话均不能超过32个字符", field="contact_name")
    if submitting and not name:
        raise ServiceError("提交响应须填写联系人", field="contact_name")
    if submitting and not phone:
        raise ServiceError("提交响应须填写联系电话", field="contact_phone")
    return name, phone


# --- reading -------------------------------------------------------------------------------------------------

def _locked(project: Project, unit: Organization) -> Response:
    """The unit's response row, made on first use, locked: two tabs saving at once queue here."""
    Response.objects.get_or_create(project=project, unit=unit)
    return Response.objects.select_for_update(of=("self",)).get(project=project, unit=unit)


def response_items(project: Project, unit: Organization) -> list[SubPlan]:
    """The unit's items (sub-plans) of ``project`` that are part of its response, with their funding lines."""
    return list(SubPlan.objects.filter(project=project, unit=unit).exclude(status=SubPlan.Status.WITHDRAWN)
                .select_related("lot").prefetch_related("funding_lines").order_by("lot__number"))


# --- writing -------------------------------------------------------------------------------------------------

def _write_items(response: Response, checked: list[CheckedItem], *, status: str) -> list[SubPlan]:
    """Replace the unit's sub-plans of the project with ``checked`` (kept rows updated in place, others removed)."""
    project, unit = response.project, response.unit
    now = timezone.now()
    existing = {plan.lot_id: plan for plan in SubPlan.objects.select_for_update().filter(project=project, unit=unit)}
    wanted = {item.lot.pk for item in checked}
    SubPlan.objects.filter(pk__in=[p.pk for lot_id, p in existing.items() if lot_id not in wanted]).delete()
    submitted_at = now if status == SubPlan.Status.SUBMITTED else None
    kept = []
    for item in checked:
        values = {"quantity": item.quantity, "budget_yuan": item.budget_yuan, "contact_name": response.contact_name,
                  "contact_phone": response.contact_phone, "note": response.note, "status": status,
                  "revision": response.revision, "submitted_at": submitted_at}
        plan = existing.get(item.lot.pk)
        if plan is None:
            plan = SubPlan.objects.create(project=project, lot=item.lot, unit=unit, **values)
        else:
            # The status field is protected on an instance; the response decides it for all its items at once.
            SubPlan.objects.filter(pk=plan.pk).update(updated_at=now, **values)
        kept.append(plan.pk)
    FundingLine.objects.filter(sub_plan__project=project, sub_plan__unit=unit).delete()
    plans = dict(zip([item.lot.pk for item in checked], kept, strict=True))
    lines = []
    for item in checked:
        for line in item.funding:
            line.sub_plan_id = plans[item.lot.pk]
            lines.append(line)
    FundingLine.objects.bulk_create(lines)
    return list(SubPlan.objects.filter(pk__in=kept))


def _changes(response: Response, checked: list[CheckedItem]) -> dict[str, Any]:
    return {
        "contact": [response.contact_name, response.contact_phone],
        "items": [[item.lot.number, str(item.quantity), str(item.budget_yuan),
                   [[line.source, str(line.amount_yuan), line.budget_index_code] for line in item.funding]]
                  for item in checked],
    }


@transaction.atomic
def response_save(*, project: Project, unit: Organization, contact_name: str = "", contact_phone: str = "",
                  note: str = "", items: list[dict[str, Any]], actor, submit: bool = False) -> Response:
    """Save the unit's response with ``items`` (``[{lot_id, quantity, budget_yuan, funding: [{source, amount_yuan,
    budget_index_code}]}]``), replacing its items and their funding at once.

    A draft stays a draft (and a declined response becomes a draft again); a submitted response, revised before the
    deadline, stays submitted and counts with its new items at once, so it is checked as a submission. ``submit``
    submits in the same step.
    """
    _check_may_respond(project=project, unit=unit, actor=actor)
    response = _locked(project, unit)
    submitting = submit or response.status == Response.Status.SUBMITTED
    name, phone = _contact(contact_name, contact_phone, submitting=submitting)
    checked = _checked_items(project, items, submitting=submitting)
    before = response.status
    response.contact_name, response.contact_phone, response.note = name, phone, str(note or "").strip()
    if response.status == Response.Status.DECLINED and not submitting:
        response.reopen()
    if submitting:
        response.submit()
        response.revision += 1
        response.submitted_at = timezone.now()
    response.decline_reason = ""
    response.save()
    status = SubPlan.Status.SUBMITTED if submitting else SubPlan.Status.DRAFT
    _write_items(response, checked, status=status)
    action = "volume_response_submit" if submitting else "volume_response_save"
    label = "提交需求响应" if submitting else "保存需求响应草稿"
    event_record(subject=response, action=action, action_label=label, actor=actor, source=before,
                 target=response.status, changes=_changes(response, checked))
    if submitting:
        _tell_lead_of_late_submission(response)
    return response


@transaction.atomic
def response_submit(*, project: Project, unit: Organization, actor, **document: Any) -> Response:
    """提交响应: the saved document as it is (or, with ``items`` and the contact, the document given) is submitted
    and its items count in the aggregate from now on. It may be revised and submitted again until the deadline."""
    if "items" in document:
        return response_save(project=project, unit=unit, actor=actor, submit=True, **document)
    _check_may_respond(project=project, unit=unit, actor=actor)
    current = _locked(project, unit)
    items = [{"lot_id": plan.lot_id, "quantity": plan.quantity, "budget_yuan": plan.budget_yuan,
              "funding": [{"source": line.source, "amount_yuan": line.amount_yuan,
                           "budget_index_code": line.budget_index_code} for line in plan.funding_lines.all()]}
             for plan in response_items(project, unit)]
    if current.status == Response.Status.DECLINED:
        items = []  # a declined response has no items to submit: it must be filled in again
    return response_save(project=project, unit=unit, actor=actor, submit=True, contact_name=current.contact_name,
                         contact_phone=current.contact_phone, note=current.note, items=items)


@transaction.atomic
def response_decline(*, project: Project, unit: Organization, reason: str, actor) -> Response:
    """不参与: the unit declines with a reason before the deadline; its items no longer count (withdrawn). After the
    deadline a decline is a midway exit and is refused (753号 四(三))."""
    _check_may_respond(project=project, unit=unit, actor=actor)
    reason = str(reason or "").strip()
    if not reason:
        raise ServiceError("选择不参与须说明理由", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(f"不参与理由不能超过{REASON_MAX_LENGTH}个字", field="reason")
    response = _locked(project, unit)
    before = response.status
    response.decline_reason = reason
    response.decline()
    response.revision += 1
    response.save()
    withdrawn = SubPlan.objects.filter(project=project, unit=unit).exclude(status=SubPlan.Status.WITHDRAWN).update(
        status=SubPlan.Status.WITHDRAWN, updated_at=timezone.now())
    event_record(subject=response, action="volume_response_decline", action_label="不参与", actor=actor,
                 source=before, target=response.status, changes={"reason": reason, "items_withdrawn": withdrawn},
                 note=reason)
    _tell_lead(response, kind=f"declined_r{response.revision}", level=Notification.Level.WARNING,
               title=f"参与单位不参与：{unit.name}",
               body=f"{unit.name}选择不参与{_subject(project)}，理由：{reason}。")
    return response


# --- who must be told ----------------------------------------------------------------------------------------

def _subject(project: Project) -> str:
    return f"集中带量采购项目「{project.code} {project.title}」"


def _tell_lead(response: Response, *, kind: str, level: str, title: str, body: str) -> None:
    project = response.project
    organization_notify(organization=project.organizer, subject=response, kind=kind, level=level, title=title,
                        body=body, url=mode_plugin(project.mode).organizer_project_page(project))


def _tell_lead_of_late_submission(response: Response) -> None:
    """A response submitted (or revised) in the last working day before the deadline: the lead is about to
    aggregate (``deadlines.LATE_CHANGE_WORKING_DAYS``)."""
    project = response.project
    if project.response_deadline is None or not deadlines.in_last_working_days(
            project.response_deadline, deadlines.LATE_CHANGE_WORKING_DAYS):
        return
    _tell_lead(response, kind=f"late_submit_r{response.revision}", level=Notification.Level.INFO,
               title=f"截止前提交响应：{response.unit.name}",
               body=(f"{response.unit.name}在需求响应截止前最后1个工作日提交了{_subject(project)}的响应"
                     f"（第{response.revision}版）。需求响应将于{chinese_datetime(project.response_deadline)}截止，"
                     f"请留意汇总的变化。"))

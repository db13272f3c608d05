"""采购任务通知单, every mode (batch annex 5, framework annex 7): finance drafts, issues and withdraws; the
center acknowledges.

Rules every mode shares:
- the notice names 采购品目 (name + code), 采购限额 (text, and an amount in yuan if any), 适用范围 (the whole
  province or some regions) and, as its mode needs, 采购周期 (batch) or a validity (framework: dates or a period);
- a finance bureau's member drafts for that bureau only and issues it to a centralized procurement agency
  (集中采购机构), which acknowledges it;
- regions of a 分地区 scope lie inside the issuing bureau's own region.
A mode adds its own rules (batch: the category must be in the government centralized catalog) through
``ModePlugin.task_notice_extra_checks``, its pages through ``task_notice_page`` and its wording as templates
(``tasks/messages/*.txt``).

Every state change runs through ``transition_run``; drafts and edits are recorded with ``event_record``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_date
from procurement.models import Category, Cycle, Mode, Organization, Region, TaskNotice
from procurement.modes import mode_plugin
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run

CENT = Decimal("0.01")
LIMIT_TEXT_MAX = TaskNotice._meta.get_field("purchase_limit").max_length
DOCUMENT_NUMBER_MAX = TaskNotice._meta.get_field("document_number").max_length
# Ten years: longer than any validity the rules allow (framework: goods 1 year, services 2), so a typo shows.
VALIDITY_MONTHS_MAX = 120
EDITABLE_FIELDS = ("center", "category", "year", "purchase_limit", "purchase_limit_yuan", "scope", "cycle",
                   "valid_from", "valid_until", "validity_months", "basis", "document_number")


# --- validation ----------------------------------------------------------------------------------

def _mode_label(mode: str) -> str:
    if mode not in Mode.values:
        raise ServiceError(f"采购组织形式「{mode}」无效", field="mode")
    return Mode(mode).label


def _check_drafter(*, mode: str, finance_bureau: Organization, actor) -> None:
    if finance_bureau.kind != Organization.Kind.FINANCE:
        raise ServiceError(f"「{finance_bureau.name}」不是财政部门，不能下达{_mode_label(mode)}任务",
                           field="finance_bureau")
    if not (access.is_superuser(actor) or access.acts_for(actor, finance_bureau.pk)):
        raise PermissionDenied(f"您不是{finance_bureau.name}的经办人员，不能以其名义起草或修改任务通知单")


def _limit_yuan(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(f"采购限额金额「{value}」不是有效的数字", field="purchase_limit_yuan") from None
    if not number.is_finite():
        raise ServiceError(f"采购限额金额「{value}」不是有效的数字", field="purchase_limit_yuan")
    if number < 0:
        raise ServiceError("采购限额金额不能为负数", field="purchase_limit_yuan")
    if number != number.quantize(CENT):
        raise ServiceError("采购限额金额最多保留两位小数（单位：元）", field="purchase_limit_yuan")
    if number >= Decimal("1e12"):
        raise ServiceError("采购限额金额过大，请核对（单位：元）", field="purchase_limit_yuan")
    return number.quantize(CENT)


def _validity(valid_from: date | None, valid_until: date | None, validity_months: int | None) -> dict[str, Any]:
    dates = (("valid_from", valid_from, "有效期起始日期"), ("valid_until", valid_until, "有效期截止日期"))
    for name, day, label in dates:
        if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
            raise ServiceError(f"请填写正确的{label}", field=name)
    if (valid_from is None) != (valid_until is None):
        missing = "valid_until" if valid_until is None else "valid_from"
        raise ServiceError("有效期须同时填写起始日期和截止日期", field=missing)
    if valid_from is not None and valid_until < valid_from:
        raise ServiceError("有效期截止日期不能早于起始日期", field="valid_until")
    if validity_months is not None and (
            not isinstance(validity_months, int) or isinstance(validity_months, bool)
            or not 1 <= validity_months <= VALIDITY_MONTHS_MAX):
        raise ServiceError(f"有效期（月）应为1至{VALIDITY_MONTHS_MAX}之间的整数", field="validity_months")
    return {"valid_from": valid_from, "valid_until": valid_until, "validity_months": validity_months}


def task_notice_check(
    *,
    mode: str,
    finance_bureau: Organization,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None,
    scope: str,
    scope_regions: Iterable[Region],
    cycle: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    validity_months: int | None = None,
    basis: str,
    document_number: str,
) -> tuple[dict[str, Any], list[Region]]:
    """The cleaned field values and regions of a notice of ``mode``, or a ServiceError naming the field at fault.

    The core's rules first, then the mode's own (``ModePlugin.task_notice_extra_checks``).
    """
    _mode_label(mode)
    if center.kind != Organization.Kind.CENTER:
        raise ServiceError(f"「{center.name}」不是集中采购机构，任务通知单只能下达给集中采购机构", field="center")
    if not center.is_active:
        raise ServiceError(f"集中采购机构「{center.name}」已停用", field="center")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ServiceError(f"年度「{year}」不正确，请填写四位年份", field="year")
    purchase_limit = (purchase_limit or "").strip()
    if not purchase_limit:
        raise ServiceError("请填写采购限额", field="purchase_limit")
    if len(purchase_limit) > LIMIT_TEXT_MAX:
        raise ServiceError(f"采购限额说明不能超过{LIMIT_TEXT_MAX}个字", field="purchase_limit")
    limit_yuan = _limit_yuan(purchase_limit_yuan)
    if scope not in TaskNotice.Scope.values:
        raise ServiceError(f"适用范围「{scope}」无效，应为全省或分地区", field="scope")
    cycle = cycle or ""
    if cycle and cycle not in Cycle.values:
        raise ServiceError(f"采购周期「{cycle}」无效", field="cycle")
    validity = _validity(valid_from, valid_until, validity_months)
    document_number = (document_number or "").strip()
    if len(document_number) > DOCUMENT_NUMBER_MAX:
        raise ServiceError(f"文号不能超过{DOCUMENT_NUMBER_MAX}个字", field="document_number")

    regions: list[Region] = []
    if scope == TaskNotice.Scope.REGIONS:
        regions = list(dict.fromkeys(scope_regions))
        if not regions:
            raise ServiceError("适用范围为分地区时，请至少选择一个适用地区", field="scope_regions")
        home = finance_bureau.region
        outside = [region.name for region in regions if not region.path.startswith(home.path)]
        if outside:
            raise ServiceError(
                f"适用地区「{'、'.join(outside)}」不在{finance_bureau.name}的管辖区划（{home.name}）内",
                field="scope_regions")
    values = {
        "center": center,
        "category": category,
        "year": year,
        "purchase_limit": purchase_limit,
        "purchase_limit_yuan": limit_yuan,
        "scope": scope,
        "cycle": cycle,
        **validity,
        "basis": (basis or "").strip(),
        "document_number": document_number,
    }
    mode_plugin(mode).task_notice_extra_checks(values)
    return values, regions


def _described(values: dict[str, Any], regions: list[Region]) -> dict[str, Any]:
    """The audit-log form of a notice's values (ids and plain text)."""
    shown = {
        name: (value.pk if isinstance(value, Organization | Category) else
               str(value) if isinstance(value, Decimal) else
               value.isoformat() if isinstance(value, date) else value)
        for name, value in values.items()
    }
    shown["scope_regions"] = [region.code for region in regions]
    return shown


# --- messages ------------------------------------------------------------------------------------

def _message(task: TaskNotice, name: str) -> tuple[str, str]:
    """(title, body) of message ``name`` about ``task``, in its mode's wording: line 1 the title, the rest the body."""
    text = render_to_string(mode_plugin(task.mode).template(f"tasks/messages/{name}.txt"), {
        "task": task,
        "mode_label": task.get_mode_display(),
        "issued_on": chinese_date(task.issued_on) if task.issued_on else "",
    })
    title, _, body = text.strip().partition("\n")
    return title.strip(), "".join(line.strip() for line in body.splitlines())


# --- writes --------------------------------------------------------------------------------------

@transaction.atomic
def task_notice_create(
    *,
    mode: str,
    finance_bureau: Organization,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None = None,
    scope: str,
    scope_regions: Iterable[Region] = (),
    cycle: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    validity_months: int | None = None,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Draft a task notice (草稿) of ``mode`` from ``finance_bureau`` to ``center``."""
    _check_drafter(mode=mode, finance_bureau=finance_bureau, actor=actor)
    values, regions = task_notice_check(
        mode=mode, finance_bureau=finance_bureau, center=center, category=category, year=year,
        purchase_limit=purchase_limit, purchase_limit_yuan=purchase_limit_yuan, scope=scope,
        scope_regions=scope_regions, cycle=cycle, valid_from=valid_from, valid_until=valid_until,
        validity_months=validity_months, basis=basis, document_number=document_number,
    )
    task = TaskNotice.objects.create(
        mode=mode,
        finance_bureau=finance_bureau,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    task.scope_regions.set(regions)
    event_record(subject=task, action="create", action_label="起草任务通知单", actor=actor, target=task.status,
                 changes={"mode": mode, "finance_bureau": finance_bureau.pk, **_described(values, regions)})
    return task


@transaction.atomic
def task_notice_update(
    *,
    task: TaskNotice,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None = None,
    scope: str,
    scope_regions: Iterable[Region] = (),
    cycle: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    validity_months: int | None = None,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Revise a draft notice (every field but its mode and issuing bureau). Issued notices are fixed."""
    locked = TaskNotice.objects.select_for_update().get(pk=task.pk)
    _check_drafter(mode=locked.mode, finance_bureau=locked.finance_bureau, actor=actor)
    if locked.status != TaskNotice.Status.DRAFT:
        raise TransitionRefused(f"任务通知单{locked.get_status_display()}，只有草稿可以修改")
    values, regions = task_notice_check(
        mode=locked.mode, finance_bureau=locked.finance_bureau, center=center, category=category, year=year,
        purchase_limit=purchase_limit, purchase_limit_yuan=purchase_limit_yuan, scope=scope,
        scope_regions=scope_regions, cycle=cycle, valid_from=valid_from, valid_until=valid_until,
        validity_months=validity_months, basis=basis, document_number=document_number,
    )
    before = _described({name: getattr(locked, name) for name in EDITABLE_FIELDS}, list(locked.scope_regions.all()))
    after = _described(values, regions)
    changes = {name: [before[name], value] for name, value in after.items() if before.get(name) != value}
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(values))
    locked.scope_regions.set(regions)
    event_record(subject=locked, action="update", action_label="修改任务通知单", actor=actor,
                 source=locked.status, target=locked.status, changes=changes)
    return locked


@transaction.atomic
def task_notice_issue(*, task: TaskNotice, actor, issued_on: date | None = None) -> TaskNotice:
    """下达: the draft goes to the center, dated ``issued_on`` (today by default, never in the future)."""
    today = deadlines.today()
    day = issued_on or today
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ServiceError("请填写正确的下达日期", field="issued_on")
    if day > today:
        raise ServiceError("下达日期不能晚于今天", field="issued_on")

    def prepare(locked: TaskNotice) -> dict[str, str]:
        mode_plugin(locked.mode).task_notice_extra_checks(
            {name: getattr(locked, name) for name in EDITABLE_FIELDS}, issuing=True)
        if not locked.center.is_active:
            raise ServiceError(f"集中采购机构「{locked.center.name}」已停用，不能下达", field="center")
        if day < timezone.localtime(locked.created_at).date():
            raise ServiceError("下达日期不能早于起草日期", field="issued_on")
        locked.issued_on = day
        return {"issued_on": day.isoformat()}

    issued = transition_run(instance=task, name="issue", actor=actor, prepare=prepare)
    title, body = _message(issued, "issued")
    organization_notify(organization=issued.center, subject=issued, kind="issued", title=title, body=body,
                        url=mode_plugin(issued.mode).task_notice_page(issued, audience="receiver"))
    return issued


@transaction.atomic
def task_notice_acknowledge(*, task: TaskNotice, actor) -> TaskNotice:
    """签收: the center confirms it received the notice."""

    def prepare(locked: TaskNotice) -> dict[str, str]:
        locked.acknowledged_at = timezone.now()
        return {"acknowledged_at": locked.acknowledged_at.isoformat()}

    acknowledged = transition_run(instance=task, name="acknowledge", actor=actor, prepare=prepare)
    title, body = _message(acknowledged, "acknowledged")
    organization_notify(organization=acknowledged.finance_bureau, subject=acknowledged, kind="acknowledged",
                        title=title, body=body,
                        url=mode_plugin(acknowledged.mode).task_notice_page(acknowledged, audience="drafter"))
    return acknowledged


@transaction.atomic
def task_notice_withdraw(*, task: TaskNotice, actor, reason: str = "") -> TaskNotice:
    """撤回: a draft or a notice not yet acknowledged; never one its mode has built on
    (``ModePlugin.task_notice_withdraw_check``)."""
    reason = (reason or "").strip()

    def prepare(locked: TaskNotice) -> dict[str, str]:
        mode_plugin(locked.mode).task_notice_withdraw_check(locked)
        return {"reason": reason} if reason else {}

    return transition_run(instance=task, name="withdraw", actor=actor, note=reason, prepare=prepare)

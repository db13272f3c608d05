"""批量集中采购任务通知单 (seed 000 三(一)1(1) and annex 5): finance drafts, issues and withdraws; the
center acknowledges.

Rules:
- batch procurement is for items inside the government centralized catalog (seed 000 二(一)2), so
  the category must be flagged ``in_centralized_catalog``;
- the notice names 采购品目 (name + code), 采购限额, 适用范围 (whole province or regions) and 采购周期;
- a finance bureau's member drafts for that bureau only and issues it to a centralized procurement
  agency (集中采购机构) which acknowledges it;
- regions of a 分地区 scope lie inside the issuing bureau's own region.

Every state change runs through ``transition_run``; drafts and edits are recorded with ``event_record``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from batch.models import Cycle, TaskNotice
from procurement import access, deadlines
from procurement.formats import chinese_date
from procurement.models import Category, Organization, Region
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run

CENT = Decimal("0.01")
LIMIT_TEXT_MAX = TaskNotice._meta.get_field("purchase_limit").max_length
DOCUMENT_NUMBER_MAX = TaskNotice._meta.get_field("document_number").max_length
EDITABLE_FIELDS = ("center", "category", "year", "purchase_limit", "purchase_limit_yuan", "scope", "cycle", "basis",
                   "document_number")


# --- reads ---------------------------------------------------------------------------------------

# Who drafts, issues and withdraws a notice, and who receives and acknowledges it: the one declaration for the
# pages (``kind_required``) and the API (``seats_required``) alike (issue 8 point 4).
DRAFTERS = (Organization.Kind.FINANCE,)
RECEIVERS = (Organization.Kind.CENTER,)

def _with_joins(qs: QuerySet) -> QuerySet:
    return qs.select_related("finance_bureau__region", "center", "category").prefetch_related("scope_regions")


def task_notices_drafted(user) -> QuerySet:
    """The notices of the finance bureaus the user acts for (every status): the finance pages."""
    qs = TaskNotice.objects.all()
    if not access.is_superuser(user):
        qs = qs.filter(finance_bureau_id__in=access.org_ids(user, kind=Organization.Kind.FINANCE))
    return _with_joins(qs)


def _ever_issued() -> Q:
    # A draft never reaches the center; a notice withdrawn after issue stays in its list, marked as such.
    return Q(status__in=[TaskNotice.Status.ISSUED, TaskNotice.Status.ACKNOWLEDGED]) | Q(
        status=TaskNotice.Status.WITHDRAWN, issued_on__isnull=False)


def task_notices_received(user) -> QuerySet:
    """The notices issued to the centers the user acts for: the center pages."""
    qs = TaskNotice.objects.filter(_ever_issued())
    if not access.is_superuser(user):
        qs = qs.filter(center_id__in=access.org_ids(user, kind=Organization.Kind.CENTER))
    return _with_joins(qs)


def task_notices_visible(user) -> QuerySet:
    """Drafted by the user's bureaus or received by the user's centers (API and admin)."""
    if access.is_superuser(user):
        return _with_joins(TaskNotice.objects.all())
    bureaus = access.org_ids(user, kind=Organization.Kind.FINANCE)
    centers = access.org_ids(user, kind=Organization.Kind.CENTER)
    q = Q(finance_bureau_id__in=bureaus) | (Q(center_id__in=centers) & _ever_issued())
    return _with_joins(TaskNotice.objects.filter(q))


def task_notice_history(task: TaskNotice) -> QuerySet:
    from procurement.models import ProjectEvent

    return (ProjectEvent.objects.filter(subject_type="tasknotice", subject_id=task.pk)
            .select_related("actor", "actor_organization"))


def scope_text(task: TaskNotice) -> str:
    """适用范围 as the notice prints it: the whole area of the bureau, or the listed regions."""
    if task.scope == TaskNotice.Scope.REGIONS:
        names = "、".join(region.name for region in task.scope_regions.all())
        return f"分地区：{names}" if names else "分地区（未选择地区）"
    region = task.finance_bureau.region
    return "全省" if region.level == Region.Level.PROVINCE else f"{region.name}全域"


# --- validation ----------------------------------------------------------------------------------

def _check_drafter(*, finance_bureau: Organization, actor) -> None:
    if finance_bureau.kind != Organization.Kind.FINANCE:
        raise ServiceError(f"「{finance_bureau.name}」不是财政部门，不能下达批量集中采购任务", field="finance_bureau")
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


def task_notice_check(
    *,
    finance_bureau: Organization,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None,
    scope: str,
    scope_regions: Iterable[Region],
    cycle: str,
    basis: str,
    document_number: str,
) -> tuple[dict[str, Any], list[Region]]:
    """The cleaned field values and regions of a notice, or a ServiceError naming the field at fault."""
    if center.kind != Organization.Kind.CENTER:
        raise ServiceError(f"「{center.name}」不是集中采购机构，任务通知单只能下达给集中采购机构", field="center")
    if not center.is_active:
        raise ServiceError(f"集中采购机构「{center.name}」已停用", field="center")
    if not category.in_centralized_catalog:
        # Seed 000 二(一)2: batch procurement is for items inside the government centralized catalog.
        raise ServiceError(
            f"品目「{category.code} {category.name}」未纳入政府集中采购目录，不能下达批量集中采购任务",
            field="category")
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
    if cycle not in Cycle.values:
        raise ServiceError(f"采购周期「{cycle}」无效", field="cycle")
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
        "basis": (basis or "").strip(),
        "document_number": document_number,
    }
    return values, regions


def _described(values: dict[str, Any], regions: list[Region]) -> dict[str, Any]:
    """The audit-log form of a notice's values (ids and plain text)."""
    shown = {
        name: (value.pk if isinstance(value, Organization | Category) else
               str(value) if isinstance(value, Decimal) else value)
        for name, value in values.items()
    }
    shown["scope_regions"] = [region.code for region in regions]
    return shown


# --- writes --------------------------------------------------------------------------------------

@transaction.atomic
def task_notice_create(
    *,
    finance_bureau: Organization,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None = None,
    scope: str,
    scope_regions: Iterable[Region] = (),
    cycle: str,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Draft a task notice (草稿) of ``finance_bureau`` for ``center``."""
    _check_drafter(finance_bureau=finance_bureau, actor=actor)
    values, regions = task_notice_check(
        finance_bureau=finance_bureau, center=center, category=category, year=year, purchase_limit=purchase_limit,
        purchase_limit_yuan=purchase_limit_yuan, scope=scope, scope_regions=scope_regions, cycle=cycle, basis=basis,
        document_number=document_number,
    )
    task = TaskNotice.objects.create(
        finance_bureau=finance_bureau,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    task.scope_regions.set(regions)
    event_record(subject=task, action="create", action_label="起草任务通知单", actor=actor,
                 target=task.status, changes={"finance_bureau": finance_bureau.pk, **_described(values, regions)})
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
    cycle: str,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Revise a draft notice (every field but the issuing bureau). Issued notices are fixed."""
    locked = TaskNotice.objects.select_for_update().get(pk=task.pk)
    _check_drafter(finance_bureau=locked.finance_bureau, actor=actor)
    if locked.status != TaskNotice.Status.DRAFT:
        raise TransitionRefused(f"任务通知单{locked.get_status_display()}，只有草稿可以修改")
    values, regions = task_notice_check(
        finance_bureau=locked.finance_bureau, center=center, category=category, year=year,
        purchase_limit=purchase_limit, purchase_limit_yuan=purchase_limit_yuan, scope=scope,
        scope_regions=scope_regions, cycle=cycle, basis=basis, document_number=document_number,
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
        if not locked.category.in_centralized_catalog:
            raise ServiceError(
                f"品目「{locked.category.code} {locked.category.name}」已不在政府集中采购目录内，不能下达",
                field="category")
        if not locked.center.is_active:
            raise ServiceError(f"集中采购机构「{locked.center.name}」已停用，不能下达", field="center")
        if day < timezone.localtime(locked.created_at).date():
            raise ServiceError("下达日期不能早于起草日期", field="issued_on")
        locked.issued_on = day
        return {"issued_on": day.isoformat()}

    issued = transition_run(instance=task, name="issue", actor=actor, prepare=prepare)
    organization_notify(
        organization=issued.center, subject=issued, kind="issued",
        title=f"收到批量集中采购任务通知单：{issued.category.name}",
        body=f"{issued.finance_bureau.name}于{chinese_date(issued.issued_on)}下达{issued.year}年度{issued.category.name}"
             f"（{issued.category.code}）批量集中采购任务，请签收后据此编制产品配置表。",
        url=reverse("batch:received-detail", args=[issued.pk]),
    )
    return issued


@transaction.atomic
def task_notice_acknowledge(*, task: TaskNotice, actor) -> TaskNotice:
    """签收: the center confirms it received the notice."""

    def prepare(locked: TaskNotice) -> dict[str, str]:
        locked.acknowledged_at = timezone.now()
        return {"acknowledged_at": locked.acknowledged_at.isoformat()}

    acknowledged = transition_run(instance=task, name="acknowledge", actor=actor, prepare=prepare)
    organization_notify(
        organization=acknowledged.finance_bureau, subject=acknowledged, kind="acknowledged",
        title=f"{acknowledged.center.name}已签收任务通知单：{acknowledged.category.name}",
        body=f"{acknowledged.center.name}已签收{acknowledged.year}年度{acknowledged.category.name}批量集中采购任务通知单。",
        url=reverse("batch:task-detail", args=[acknowledged.pk]),
    )
    return acknowledged


@transaction.atomic
def task_notice_withdraw(*, task: TaskNotice, actor, reason: str = "") -> TaskNotice:
    """撤回: a draft or a notice not yet acknowledged; never one a project has been set up under."""
    reason = (reason or "").strip()

    def prepare(locked: TaskNotice) -> dict[str, str]:
        if locked.projects.exists():
            raise ServiceError("已依据该任务通知单设立采购项目，不能撤回")
        return {"reason": reason} if reason else {}

    return transition_run(instance=task, name="withdraw", actor=actor, note=reason, prepare=prepare)

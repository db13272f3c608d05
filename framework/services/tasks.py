"""框架协议采购任务通知单 (seed 000 annex 7): finance issues a category to the provincial center for framework
agreement procurement: 采购品目 (name + code), 采购限额 (小额零星), 适用范围 (usually every budget unit of the
province) and 框架协议有效期 (goods usually 1 year, services 2).

The notice is the core's ``TaskNotice`` (mode ``framework``), drafted, issued, acknowledged and withdrawn by the
core's services (``procurement.services.tasks``); this module adds what is the framework's own:

- its rules (``task_rules_check``, called through ``FrameworkPlugin.task_notice_extra_checks`` whenever a notice
  is drafted, revised or issued): the category is goods (A…) or services (C…); the validity is required, as dates
  or as a period in months, and runs at most 1 year for goods and 2 years for services (annex 7; annex 8 §五,
  counted by ``framework.rules``); no batch cycle;
- the drafting entry points with the mode filled in (``framework_task_create`` / ``framework_task_update``);
- the notice as a PDF laid out as annex 7 (the core's layout, ``procurement.task_pdf``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from framework.models import SubjectKind
from framework.rules import VALIDITY_YEARS, subject_kind_of, validity_last_day
from procurement import deadlines
from procurement.formats import chinese_date
from procurement.models import Category, Mode, Organization, Region, TaskNotice
from procurement.services import tasks as core
from procurement.services.errors import ServiceError
from procurement.task_pdf import limit_text, notice_context, notice_disposition, notice_pdf

FRAMEWORK = Mode.FRAMEWORK
SOURCE = "附件7；附件8第五部分"
# A period in months: 货物项目一般不超过1年（12个月），服务项目一般不超过2年（24个月）.
VALIDITY_MONTHS = {kind: years * 12 for kind, years in VALIDITY_YEARS.items()}


# --- rules (annex 7; annex 8 §五) --------------------------------------------------------------------------

def task_subject_kind(category: Category) -> str:
    """货物 or 服务 of the task's category; a works category (B…) or another code is refused (annex 7)."""
    kind = subject_kind_of(category.code or "")
    if kind is None:
        raise ServiceError(
            f"品目「{category.code} {category.name}」不是货物类（A）或服务类（C）品目，不能下达框架协议采购任务"
            f"（附件7：框架协议有效期按货物类、服务类项目确定）", field="category")
    return kind


def task_rules_check(values: dict[str, Any], *, issuing: bool = False) -> None:
    """Refuse, with a Chinese sentence naming the field and annex 7, a framework task the core accepts but the
    annex does not. ``values`` are the core's cleaned fields (``procurement.services.tasks.task_notice_check``)."""
    kind = task_subject_kind(values["category"])
    label = SubjectKind(kind).label
    if values.get("cycle"):
        raise ServiceError("框架协议采购任务通知单不设采购周期，请填写框架协议有效期（附件7）", field="cycle")
    valid_from, valid_until = values.get("valid_from"), values.get("valid_until")
    months = values.get("validity_months")
    if valid_from is None and months is None:
        raise ServiceError(
            "请填写框架协议有效期：起止日期或期限（月）（附件7：货物类项目一般为1年，服务类项目一般为2年）",
            field="valid_from")
    years = VALIDITY_YEARS[kind]
    if valid_from is not None:
        last = validity_last_day(valid_from, kind)
        if valid_until > last:
            raise ServiceError(
                f"{label}类项目框架协议有效期不得超过{years}年：自{chinese_date(valid_from)}起最迟至{chinese_date(last)}"
                f"（{SOURCE}）", field="valid_until")
        if issuing and valid_until < deadlines.today():
            raise ServiceError(f"框架协议有效期已于{chinese_date(valid_until)}届满，不能下达", field="valid_until")
    if months is not None and months > VALIDITY_MONTHS[kind]:
        raise ServiceError(
            f"{label}类项目框架协议有效期不得超过{years}年（{VALIDITY_MONTHS[kind]}个月），现填写{months}个月（{SOURCE}）",
            field="validity_months")


def task_withdraw_check(task: TaskNotice) -> None:
    """A task a framework plan (annex 8) was drafted from cannot be withdrawn."""
    if task.framework_plans.exists():
        raise ServiceError("已依据该任务通知单编制框架协议采购方案，不能撤回")


# --- drafting (the core's services, mode framework) --------------------------------------------------------

def framework_task_create(
    *,
    finance_bureau: Organization,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None = None,
    scope: str = TaskNotice.Scope.PROVINCE,
    scope_regions: list[Region] | tuple = (),
    valid_from: date | None = None,
    valid_until: date | None = None,
    validity_months: int | None = None,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Draft a framework task notice (草稿) from ``finance_bureau`` to ``center``."""
    return core.task_notice_create(
        mode=FRAMEWORK, finance_bureau=finance_bureau, center=center, category=category, year=year,
        purchase_limit=purchase_limit, purchase_limit_yuan=purchase_limit_yuan, scope=scope,
        scope_regions=scope_regions, valid_from=valid_from, valid_until=valid_until,
        validity_months=validity_months, basis=basis, document_number=document_number, actor=actor)


def framework_task_update(
    *,
    task: TaskNotice,
    center: Organization,
    category: Category,
    year: int,
    purchase_limit: str,
    purchase_limit_yuan: Decimal | str | None = None,
    scope: str = TaskNotice.Scope.PROVINCE,
    scope_regions: list[Region] | tuple = (),
    valid_from: date | None = None,
    valid_until: date | None = None,
    validity_months: int | None = None,
    basis: str = "",
    document_number: str = "",
    actor,
) -> TaskNotice:
    """Revise a draft framework task notice."""
    if task.mode != FRAMEWORK:
        raise ServiceError("该任务通知单不是框架协议采购任务通知单")
    return core.task_notice_update(
        task=task, center=center, category=category, year=year, purchase_limit=purchase_limit,
        purchase_limit_yuan=purchase_limit_yuan, scope=scope, scope_regions=scope_regions, valid_from=valid_from,
        valid_until=valid_until, validity_months=validity_months, basis=basis, document_number=document_number,
        actor=actor)


# Issue, acknowledge and withdraw are the core's, whatever the mode.
framework_task_issue = core.task_notice_issue
framework_task_acknowledge = core.task_notice_acknowledge
framework_task_withdraw = core.task_notice_withdraw


# --- the notice as annex 7 prints it -----------------------------------------------------------------------

OPENING = (
    "为持续深化政府采购制度改革，提升我省政府集中采购工作水平，推动政府采购降本增效，依据《中华人民共和国政府采购法》"
    "及其实施条例、《政府采购框架协议采购方式管理暂行办法》（财政部令第110号）等法律法规规定，请你中心积极履行法定职责，"
    "充分发挥集采机构职能作用，大力开展政府集中采购目录内项目框架协议采购工作。现将采购任务通知如下："
)
CLOSING = (
    "请你中心根据以上任务要求，认真做好需求确定、文件编制、采购执行和第二阶段合同授予管理等工作，"
    "高质量完成框架协议采购项目征集任务。"
)


def task_title(task: TaskNotice) -> str:
    """Annex 7's title: ×××（品目）框架协议采购项目任务通知书."""
    return f"{task.category.name}框架协议采购项目任务通知书"


def task_pdf_filename(task: TaskNotice) -> str:
    return f"{task.year}年{task_title(task)}.pdf"


def task_scope_text(task: TaskNotice) -> str:
    """适用范围 as annex 7 words it (一般为全省各级预算单位)."""
    if task.scope == TaskNotice.Scope.REGIONS:
        names = "、".join(region.name for region in task.scope_regions.all())
        return f"{names}各级预算单位" if names else "分地区（未选择地区）"
    region = task.finance_bureau.region
    return "全省各级预算单位" if region.level == Region.Level.PROVINCE else f"{region.name}各级预算单位"


def task_validity_text(task: TaskNotice) -> str:
    """框架协议有效期: the dates (2026年1月1日至2026年12月31日), or the period (12个月), or both."""
    parts = []
    if task.valid_from is not None and task.valid_until is not None:
        parts.append(f"{chinese_date(task.valid_from)}至{chinese_date(task.valid_until)}")
    if task.validity_months:
        months = f"{task.validity_months}个月"
        parts.append(f"（{months}）" if parts else f"{months}（自框架协议生效之日起计算）")
    return "".join(parts) or "未填写"


def task_pdf_context(task: TaskNotice) -> dict:
    return notice_context(task, title=task_title(task), opening=OPENING, closing=CLOSING, items=[
        ("采购品目", f"{task.category.name}（{task.category.code}）"),
        ("采购限额", limit_text(task)),
        ("适用范围", task_scope_text(task)),
        ("框架协议有效期", task_validity_text(task)),
    ])


def task_pdf(*, task: TaskNotice) -> bytes:
    """The notice as annex 7 lays it out, as PDF bytes (a draft carries a "草稿" stamp and no date)."""
    return notice_pdf(task_pdf_context(task))


def task_pdf_disposition(task: TaskNotice, *, as_attachment: bool = True) -> str:
    return notice_disposition(task_pdf_filename(task), as_attachment=as_attachment)

"""批量集中采购: 实施采购, 定标, 统采分签 and 终止 (seed 000 三(一)(5)(6); 吉财采购〔2024〕753号).

Services (every write; keyword-only, atomic; state changes through ``transition_run``):
- ``batch_procurement_start``: the center chooses the method "by the planned quantity and the
  project's characteristics" (seed 000 三(一)(5)) and records the document and opening dates;
- ``batch_document_add``: a procurement document kept for the record;
- ``batch_lot_award``: the award of one lot (supplier, unit price); replaced until the project is awarded;
- ``batch_award_finalize``: 定标 — the 中标（成交）结果公告 is published (《政府采购法实施条例》第四十三条:
  within 2 working days of the award; lateness is flagged, nothing is refused) and the result is
  filed (备案) with the finance bureau (seed 000 三(一)(5));
- ``batch_contracts_generate``: 统采分签 — one contract per frozen sub-plan, "严格按照本单位填报的分计划
  采购数量" (seed 000 三(一)(6)) at the awarded unit price; each unit then signs its own contract
  through ``procurement.services.contracts``;
- ``batch_project_terminate``: stop the project before the award with a reason and a 终止公告.

Selectors: ``batch_savings`` (节约率 per lot and project) and ``batch_signing_board`` (who has
signed, who has not, and every legal deadline of the contracts); ``award_projects_managed`` and
``award_projects_readable`` with ``MANAGERS`` and ``READERS``: who runs and who reads them, for the pages
and the API alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from batch.award_deadlines import signing_due, signing_next_check
from batch.models import BatchDetails, BatchProject, LotDocument
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.models import (
    Award,
    Contract,
    ContractLine,
    Filing,
    Lot,
    Notification,
    Organization,
    ProcurementMethod,
    Project,
    SubPlan,
)
from procurement.numbering import contract_code
from procurement.services.contracts import ContractDraft, ContractLineDraft, contracts_draft_create
from procurement.services.dates import chinese_date, day_checked, moment_checked
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files import File

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_UNIT_PRICE = Decimal("999999999999.99")  # Award.unit_price_yuan: 14 digits, 2 decimals
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=2))

Status = Project.Status

# Batch procurement chooses among the statutory methods (《政府采购法》第二十六条); the framework
# solicitation belongs to framework agreement procurement.
BATCH_METHODS = [m for m in ProcurementMethod if m != ProcurementMethod.FRAMEWORK_SOLICITATION]
TENDER_METHODS = {ProcurementMethod.OPEN_TENDER, ProcurementMethod.INVITED_TENDER}

# Documents are kept from the confirmed master plan until the award (evaluation reports come last).
DOCUMENT_STATES = [Status.CONFIRMED, Status.PROCURING, Status.AWARDED]
DOCUMENT_EXTENSIONS = {"pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "rar", "7z", "jpg", "jpeg",
                       "png"}
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


# --- shared checks ---------------------------------------------------------------------------

def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}" if value != value.to_integral_value() else f"{value.to_integral_value()}"


def _locked(project: Project) -> BatchProject:
    """The batch project's row, locked for the rest of the transaction."""
    found = BatchProject.objects.select_for_update().filter(pk=project.pk).first()
    if found is None:
        raise ServiceError("该项目不是批量集中采购项目", field="project")
    return found


def _require_manager(project: Project, actor) -> None:
    """Only the organizing center (or its entrusted agency) runs the procurement."""
    if not access.can_manage_project(project, actor):
        raise PermissionDenied("您无权办理该项目的采购事项")


def _refuse_state(project: Project, action: str) -> TransitionRefused:
    return TransitionRefused(f"当前状态为「{project.get_status_display()}」，不能{action}")


def _details(project: Project) -> BatchDetails:
    details = BatchDetails.objects.select_for_update().filter(project=project).first()
    if details is None:
        raise ServiceError("该项目缺少批量集中采购项目信息（任务通知单等），请先完善项目信息", field="project")
    return details


def _checked_price(value, *, label: str = "中标单价", field: str = "unit_price_yuan") -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ServiceError(f"请填写正确的{label}", field=field)
    if value <= 0:
        raise ServiceError(f"{label}必须大于0", field=field)
    if value != value.quantize(CENT):
        raise ServiceError(f"{label}最多保留两位小数（单位：元）", field=field)
    if value > MAX_UNIT_PRICE:
        raise ServiceError(f"{label}超出允许范围", field=field)
    return value.quantize(CENT)


def contract_amount(quantity: Decimal, unit_price_yuan: Decimal) -> Decimal:
    """合同金额（元）= 数量 × 中标单价, to the cent."""
    return (quantity * unit_price_yuan).quantize(CENT, rounding=ROUND_HALF_UP)


def award_notice_due(awarded_on: date) -> date:
    """The last day to publish the award notice (《政府采购法实施条例》第四十三条, working days)."""
    return deadlines.due_date(awarded_on, deadlines.AWARD_NOTICE)


def finance_bureau_for_award(project: Project) -> Organization | None:
    """The finance bureau that receives the award filing: the project's scope region's, else the center's."""
    for region_id in (project.scope_region_id, project.organizer.region_id):
        found = (
            Organization.objects.filter(kind=Organization.Kind.FINANCE, region_id=region_id, is_active=True)
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    return None


# --- 实施采购 ---------------------------------------------------------------------------------

def _confirmed_at(details: BatchDetails | None, project: Project) -> datetime:
    """When the master plan was confirmed: the procurement documents are drawn up from it (seed 000 三(一)(5))."""
    if details is not None and details.master_plan_confirmed_at:
        return details.master_plan_confirmed_at
    return project.created_at


def _check_dates(method: str, issued_on: date | None, opening_at: datetime | None, *, confirmed_at: datetime) -> None:
    """Issue 7 point 5: the documents are issued after the master plan they rest on was confirmed, and not in the
    future (a record of what was done); the opening follows both, by twenty days for a tender."""
    confirmed_on = timezone.localdate(confirmed_at)
    if issued_on is not None:  # may lie ahead: the center records when the documents go out
        day_checked(issued_on, field="documents_issued_on", label="采购文件发布日期", not_after_today=False,
                    not_before=[(confirmed_on, "总计划确认日期")])
    if opening_at is not None:
        moment_checked(opening_at, field="bid_opening_at", label="开标（响应截止）时间",
                       not_before=[(confirmed_at, "总计划确认时间")])
    if issued_on is None or opening_at is None:
        return
    opening_day = timezone.localdate(opening_at)
    if opening_day <= issued_on:
        raise ServiceError("开标（响应截止）时间必须晚于采购文件发布日期", field="bid_opening_at")
    earliest = deadlines.due_date(issued_on, deadlines.TENDER_PERIOD)
    if method in TENDER_METHODS and opening_day < earliest:
        raise ServiceError(
            f"招标方式下，自采购文件发布之日至投标截止之日不得少于二十日，开标时间不得早于{chinese_date(earliest)}"
            f"（{deadlines.TENDER_PERIOD.rule}）",
            field="bid_opening_at",
        )


@transaction.atomic
def batch_procurement_start(
    *,
    project: Project,
    method: str,
    documents_issued_on: date | None = None,
    bid_opening_at: datetime | None = None,
    actor: AbstractBaseUser,
) -> BatchProject:
    """实施采购: record the method and the dates, then run ``start_procurement`` (总计划已确认 → 采购实施中)."""
    locked = _locked(project)
    _require_manager(locked, actor)
    if method not in BATCH_METHODS:
        raise ServiceError("请选择批量集中采购适用的采购方式", field="method")
    if documents_issued_on is not None:
        documents_issued_on = day_checked(documents_issued_on, field="documents_issued_on", label="采购文件发布日期",
                                          not_after_today=False)
    if bid_opening_at is not None:
        bid_opening_at = moment_checked(bid_opening_at, field="bid_opening_at", label="开标（响应截止）时间")
    details = BatchDetails.objects.select_for_update().filter(project=locked).first()
    if details is None and (documents_issued_on or bid_opening_at):
        details = _details(locked)  # refuses: the dates have nowhere to go
    issued_on = documents_issued_on or (details.documents_issued_on if details else None)
    opening_at = bid_opening_at or (details.bid_opening_at if details else None)
    _check_dates(method, issued_on, opening_at, confirmed_at=_confirmed_at(details, locked))
    if locked.status != Status.CONFIRMED:
        raise _refuse_state(locked, "开始采购（须先确认总计划）")
    # ``has_method`` is a condition of the transition, checked on the row: write the method first
    # (the whole transaction rolls back if the step is refused).
    Project.objects.filter(pk=locked.pk).update(procurement_method=method)

    def prepare(row: BatchProject) -> dict[str, object]:
        changes: dict[str, object] = {"procurement_method": method}
        if details is not None:
            details.documents_issued_on = issued_on
            details.bid_opening_at = opening_at
            details.save(update_fields=["documents_issued_on", "bid_opening_at"])
        if issued_on:
            changes["documents_issued_on"] = issued_on.isoformat()
        if opening_at:
            changes["bid_opening_at"] = opening_at.isoformat()
        return changes

    return transition_run(instance=locked, name="start_procurement", actor=actor, prepare=prepare)


def document_refusal(*, project: Project, title: str, file: File | None,
                     kind: str = LotDocument.Kind.OTHER) -> ServiceError | None:
    """Why a procurement document may not be kept as it is (None when it may)."""
    if project.status not in DOCUMENT_STATES:
        return _refuse_state(project, "上传采购文件")
    if kind not in LotDocument.Kind.values:
        return ServiceError("请选择文件类别", field="kind")
    title = (title or "").strip()
    if not title:
        return ServiceError("请填写文件名称", field="title")
    if len(title) > 200:
        return ServiceError("文件名称不能超过200个字符", field="title")
    if not file:
        return ServiceError("请选择要上传的文件", field="file")
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        allowed = "、".join(sorted(DOCUMENT_EXTENSIONS))
        return ServiceError(f"不支持的文件类型，请上传以下格式之一：{allowed}", field="file")
    if file.size is not None and file.size > MAX_DOCUMENT_BYTES:
        return ServiceError("文件不能超过50MB", field="file")
    if file.size == 0:
        return ServiceError("上传的文件是空文件", field="file")
    return None


@transaction.atomic
def batch_document_add(*, project: Project, title: str, file: File, actor: AbstractBaseUser,
                       kind: str = LotDocument.Kind.OTHER) -> LotDocument:
    """Keep a procurement document (采购文件、评审报告 …) of the project."""
    locked = _locked(project)
    _require_manager(locked, actor)
    refusal = document_refusal(project=locked, title=title, file=file, kind=kind)
    if refusal is not None:
        raise refusal
    title = title.strip()
    document = LotDocument.objects.create(
        project=locked, kind=kind, title=title, file=file,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(subject=locked, action="document_add", action_label="上传采购文件", actor=actor,
                 changes={"document_id": document.pk, "kind": kind, "title": title, "file": document.file.name})
    return document


@transaction.atomic
def batch_evaluation_record(*, project: Project, evaluation_on: date, experts: str,
                            actor: AbstractBaseUser) -> BatchDetails:
    """评审: the day of the evaluation and the evaluation experts, who are named in the award notice
    (《政府采购法实施条例》第四十三条). The evaluation follows the opening and is not in the future."""
    locked = _locked(project)
    _require_manager(locked, actor)
    if locked.status != Status.PROCURING:
        raise _refuse_state(locked, "录入评审情况（须在采购实施中）")
    details = _details(locked)
    opened = timezone.localdate(details.bid_opening_at) if details.bid_opening_at else None
    evaluation_on = day_checked(evaluation_on, field="evaluation_on", label="评审日期", not_before=[
        (opened, "开标日期"), (details.documents_issued_on, "采购文件发布日期"),
        (timezone.localdate(_confirmed_at(details, locked)), "总计划确认日期"),
    ])
    names = [name.strip() for name in re.split(r"[\n,，、;；]+", experts or "") if name.strip()]
    if not names:
        raise ServiceError("请填写评审专家名单（结果公告须列明评审专家，《政府采购法实施条例》第四十三条）",
                           field="experts")
    experts_text = "、".join(names)
    if len(experts_text) > 2000:
        raise ServiceError("评审专家名单过长（不超过2000字）", field="experts")
    changes = {"evaluation_on": [details.evaluation_on.isoformat() if details.evaluation_on else "",
                                 evaluation_on.isoformat()],
               "evaluation_experts": [details.evaluation_experts, experts_text]}
    details.evaluation_on, details.evaluation_experts = evaluation_on, experts_text
    details.save(update_fields=["evaluation_on", "evaluation_experts"])
    event_record(subject=locked, action="evaluation_record", action_label="录入评审情况", actor=actor,
                 changes=changes)
    return details


@transaction.atomic
def batch_lot_max_price_set(*, project: Project, lot: Lot, max_unit_price_yuan: Decimal | None,
                            actor: AbstractBaseUser) -> Lot:
    """最高限制单价 of one lot, as the procurement documents set it (None: the documents set none).

    The maximum price is set within the budget (《政府采购货物和服务招标投标管理办法》第十二条: 在采购预算额度内合理
    设定最高限价): at most the lot's budget (the frozen sub-plans') divided by its quantity. Only before the lot is
    awarded. The reference price (参考单价) stays what it is: it informs, it binds nothing."""
    locked = _locked(project)
    _require_manager(locked, actor)
    if locked.status not in (Status.CONFIRMED, Status.PROCURING):
        raise _refuse_state(locked, "设定最高限制单价（须在总计划确认后、定标前）")
    lot = Lot.objects.select_for_update().filter(pk=getattr(lot, "pk", None), project=locked).first()
    if lot is None:
        raise ServiceError("该采购包不属于本项目", field="lot")
    if Award.objects.filter(lot=lot).exists():
        raise ServiceError(f"第{lot.number}包已录入中标（成交）结果，不能再变更最高限制单价",
                           field="max_unit_price_yuan")
    price = None
    if max_unit_price_yuan is not None:
        price = _checked_price(max_unit_price_yuan, label="最高限制单价", field="max_unit_price_yuan")
        demand = _lot_demand(lot)
        if demand.quantity and price * demand.quantity > demand.budget_yuan:
            ceiling = (demand.budget_yuan / demand.quantity).quantize(CENT, rounding=ROUND_DOWN)
            raise ServiceError(
                f"第{lot.number}包的最高限制单价不能超过采购预算折算的单价{_yuan(ceiling)}"
                f"（预算{_yuan(demand.budget_yuan)}÷数量{_quantity(demand.quantity)}{lot.unit_of_measure}）："
                "最高限价应在采购预算额度内设定（《政府采购货物和服务招标投标管理办法》第十二条）",
                field="max_unit_price_yuan",
            )
    before = lot.max_unit_price_yuan
    lot.max_unit_price_yuan = price
    lot.save(update_fields=["max_unit_price_yuan"])
    event_record(subject=lot, action="lot_max_price_set", action_label="设定最高限制单价", actor=actor,
                 changes={"lot": lot.number, "max_unit_price_yuan": [str(before) if before is not None else "",
                                                                     str(price) if price is not None else ""]})
    return lot


@dataclass(frozen=True)
class _Demand:
    quantity: Decimal
    budget_yuan: Decimal


def _lot_demand(lot: Lot) -> _Demand:
    """The frozen sub-plans of ``lot``: the quantity to buy and the budget for it (the lot's 采购预算)."""
    row = SubPlan.objects.filter(lot=lot, status=SubPlan.Status.FROZEN).aggregate(
        quantity=Coalesce(Sum("quantity"), ZERO), budget=Coalesce(Sum("budget_yuan"), ZERO))
    return _Demand(row["quantity"], row["budget"])


# --- 定标 ------------------------------------------------------------------------------------

@transaction.atomic
def batch_lot_award(
    *,
    project: Project,
    lot: Lot,
    supplier: Organization,
    unit_price_yuan: Decimal,
    awarded_on: date,
    actor: AbstractBaseUser,
) -> Award:
    """The award of one lot. Before the project is awarded a new award replaces the lot's previous one."""
    locked = _locked(project)
    _require_manager(locked, actor)
    if locked.status != Status.PROCURING:
        raise _refuse_state(locked, "录入中标（成交）结果（须在采购实施中）")
    lot = Lot.objects.filter(pk=getattr(lot, "pk", None), project=locked).first()
    if lot is None:
        raise ServiceError("该采购包不属于本项目", field="lot")
    if supplier is None or supplier.kind != Organization.Kind.SUPPLIER or not supplier.is_active:
        raise ServiceError("中标（成交）供应商必须是已启用的供应商", field="supplier")
    price = _checked_price(unit_price_yuan)
    # 《政府采购货物和服务招标投标管理办法》第六十三条: a price above the maximum price the documents set, or above
    # the budget, is invalid. The reference price (参考单价) informs the units' budgets and binds nothing.
    if lot.max_unit_price_yuan is not None and price > lot.max_unit_price_yuan:
        raise ServiceError(f"中标单价不能超过本包最高限制单价（{_yuan(lot.max_unit_price_yuan)}）："
                           "该限价由采购文件设定，报价超过最高限价的无效（《政府采购货物和服务招标投标管理办法》第六十三条）",
                           field="unit_price_yuan")
    demand = _lot_demand(lot)
    if not demand.quantity:
        raise ServiceError(f"第{lot.number}包没有已锁定的分计划（无采购需求），不能定标", field="lot")
    amount = contract_amount(demand.quantity, price)
    if amount > demand.budget_yuan:
        raise ServiceError(
            f"第{lot.number}包中标（成交）金额{_yuan(amount)}（单价{_yuan(price)}×数量{_quantity(demand.quantity)}"
            f"{lot.unit_of_measure}）超过本包采购预算{_yuan(demand.budget_yuan)}（各单位已锁定分计划的预算合计）："
            "报价超过采购预算的无效（《政府采购货物和服务招标投标管理办法》第六十三条）",
            field="unit_price_yuan",
        )
    details = BatchDetails.objects.filter(project=locked).first()
    opened = timezone.localdate(details.bid_opening_at) if details and details.bid_opening_at else None
    awarded_on = day_checked(awarded_on, field="awarded_on", label="定标日期", not_before=[
        (details.evaluation_on if details else None, "评审日期"),
        (opened, "开标日期"),
        (details.documents_issued_on if details else None, "采购文件发布日期"),
        (timezone.localdate(_confirmed_at(details, locked)), "总计划确认日期"),
    ])

    changes: dict[str, object] = {
        "lot": lot.number,
        "supplier_id": supplier.pk,
        "supplier": supplier.name,
        "unit_price_yuan": str(price),
        "awarded_on": awarded_on.isoformat(),
    }
    award = Award.objects.select_for_update().filter(lot=lot).first()
    if award is None:
        award = Award.objects.create(project=locked, lot=lot, supplier=supplier, unit_price_yuan=price,
                                     awarded_on=awarded_on)
        action, label = "lot_award", "录入中标结果"
    else:
        changes["previous"] = {
            "supplier_id": award.supplier_id,
            "unit_price_yuan": str(award.unit_price_yuan),
            "awarded_on": award.awarded_on.isoformat(),
        }
        award.supplier, award.unit_price_yuan, award.awarded_on = supplier, price, awarded_on
        award.save(update_fields=["supplier", "unit_price_yuan", "awarded_on"])
        action, label = "lot_award_replace", "变更中标结果"
    event_record(subject=award, action=action, action_label=label, actor=actor, changes=changes)
    return award


def award_notice_body(project: Project, savings: Savings, details: BatchDetails,
                       documents: list[LotDocument]) -> str:
    """The 中标（成交）结果公告 with what 《政府采购法实施条例》第四十三条 requires: the organizer's name, address and
    contact, the project's name and code, each winner's name, address and amount, the main items' name,
    specification, quantity and unit price, the evaluation experts; the procurement documents go with it."""
    organizer = project.organizer
    lines = [
        f"一、项目编号：{project.code}",
        f"二、项目名称：{project.title}",
        f"三、采购方式：{project.get_procurement_method_display() or '—'}",
        "四、中标（成交）信息：",
    ]
    for line in savings.lines:
        if line.award is None:
            continue
        award, lot = line.award, line.lot
        supplier = award.supplier
        text = (
            f"第{lot.number}包 {lot.name}：中标（成交）供应商 {supplier.name}"
            f"{f'（地址：{supplier.address}）' if supplier.address else ''}；"
            f"数量 {_quantity(line.total_quantity)}{lot.unit_of_measure}；单价 {_yuan(award.unit_price_yuan)}；"
            f"中标（成交）金额 {_yuan(line.awarded_amount_yuan)}。"
        )
        if lot.specification:
            spec = lot.specification.strip().replace("\n", " ")
            text += f"规格配置：{spec[:200]}{'…' if len(spec) > 200 else ''}"
        lines.append(f"　　{text}")
    lines += [
        f"五、采购人：本项目为批量集中采购，共{savings.unit_count}家预算单位参与；各单位按本单位分计划数量分别与"
        "中标（成交）供应商签订政府采购合同（统采分签）。",
        f"六、集中采购机构：{organizer.name}"
        + (f"；地址：{organizer.address}" if organizer.address else "")
        + (f"；联系人：{organizer.contact_person}" if organizer.contact_person else "")
        + (f"；联系电话：{organizer.contact_phone}" if organizer.contact_phone else ""),
        f"七、评审专家名单：{details.evaluation_experts}",
    ]
    published = [document for document in documents if document.kind == LotDocument.Kind.PROCUREMENT_DOCUMENTS]
    titles = "、".join(f"《{document.title}》" for document in published)
    lines.append(f"八、采购文件：{titles}随本公告同时公告（见附件）。")
    if details.bid_opening_at:
        lines.append(f"九、开标（响应截止）时间：{timezone.localtime(details.bid_opening_at):%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def finalize_missing(project: Project, details: BatchDetails | None = None) -> list[str]:
    """What the award notice needs that is not on file yet (《政府采购法实施条例》第四十三条), in Chinese; empty
    when 定标 may go ahead as far as the record goes. The page lists it beside the button."""
    details = details or BatchDetails.objects.filter(project=project).first()
    kinds = set(LotDocument.objects.filter(project=project).values_list("kind", flat=True))
    missing = []
    if LotDocument.Kind.PROCUREMENT_DOCUMENTS not in kinds:
        missing.append("采购文件（招标文件、谈判文件、磋商文件或询价通知书，须随结果公告同时公告）")
    if LotDocument.Kind.EVALUATION_REPORT not in kinds:
        missing.append("评审报告（中标、成交供应商依评审报告确定）")
    if details is None or not details.evaluation_experts:
        missing.append("评审专家名单（结果公告须列明）")
    return missing


@transaction.atomic
def batch_award_finalize(*, project: Project, actor: AbstractBaseUser) -> BatchProject:
    """定标: every lot with demand awarded → 已定标; publish the result notice and file the result."""
    locked = _locked(project)
    _require_manager(locked, actor)
    details = _details(locked)

    def prepare(row: BatchProject) -> dict[str, object]:
        savings = batch_savings(row)
        awards = [line.award for line in savings.lines if line.award is not None]
        if not awards:
            raise ServiceError("尚无任何采购包的中标（成交）结果，不能定标", field="project")
        # Issue 7 point 7: the documents the notice cites must be on file.
        missing = finalize_missing(row, details)
        if missing:
            raise ServiceError(f"不能定标，尚缺：{'；'.join(missing)}。请在「采购文件」「评审情况」中补齐后再定标。",
                               field="project")
        documents = list(LotDocument.objects.filter(project=row).order_by("uploaded_at", "pk"))
        due = award_notice_due(min(a.awarded_on for a in awards))
        notice = notice_publish(
            type=Notice.Type.AWARD,
            title=f"{row.title}中标（成交）结果公告",
            body=award_notice_body(row, savings, details, documents),
            project=row,
            publisher=row.organizer,
            actor=actor,
            attachments=[(document.title, document.file.name) for document in documents
                         if document.kind == LotDocument.Kind.PROCUREMENT_DOCUMENTS],
        )
        published_on = timezone.localdate(notice.published_at)
        late = published_on > due
        Award.objects.filter(project=row).update(notice_published_at=notice.published_at)
        details.award_notice_id = notice.pk
        details.save(update_fields=["award_notice_id"])
        bureau = finance_bureau_for_award(row)
        filing = Filing.objects.create(
            kind=Filing.Kind.AWARD,
            project=row,
            # The result of every lot of the project is filed at once: its subject is the project.
            subject_type="project",
            subject_id=row.pk,
            filed_by_id=row.organizer_id,
            finance_bureau=bureau,
            payload={
                "project_code": row.code,
                "title": row.title,
                "procurement_method": row.procurement_method,
                "notice_id": notice.pk,
                "lots": [
                    {
                        "number": line.lot.number,
                        "name": line.lot.name,
                        "supplier": line.award.supplier.name,
                        "supplier_credit_code": line.award.supplier.credit_code,
                        "unit_price_yuan": str(line.award.unit_price_yuan),
                        "quantity": str(line.total_quantity),
                        "budget_yuan": str(line.budget_yuan),
                        "amount_yuan": str(line.awarded_amount_yuan),
                        "awarded_on": line.award.awarded_on.isoformat(),
                    }
                    for line in savings.lines
                    if line.award is not None
                ],
                "budget_yuan": str(savings.awarded_budget_yuan),
                "amount_yuan": str(savings.awarded_amount_yuan),
            },
        )
        return {
            "notice_id": notice.pk,
            "award_notice_due": due.isoformat(),
            "award_notice_published_on": published_on.isoformat(),
            "award_notice_late": late,
            "filing_id": filing.pk,
            "finance_bureau_id": bureau.pk if bureau else None,
        }

    # The lateness note is known only after publication; the event carries it in ``changes``.
    awarded = transition_run(instance=locked, name="record_award", actor=actor, prepare=prepare)
    award_suppliers_notify(awarded)
    return awarded


def award_suppliers_notify(project: Project) -> None:
    """Issue 7 point 11: each winning supplier is told of its award (中标（成交）通知), with the lot, price,
    quantity, amount and the signing that follows (统采分签: every participating unit signs its own contract)."""
    details = BatchDetails.objects.filter(project=project).only("award_notice_id").first()
    notice_url = reverse("notices:detail", args=[details.award_notice_id]) if details and details.award_notice_id \
        else ""
    for line in batch_savings(project).lines:
        award = line.award
        if award is None:
            continue
        lot = line.lot
        organization_notify(
            organization=award.supplier, subject=award, kind="awarded", level=Notification.Level.INFO,
            title=f"中标（成交）通知：{project.title}第{lot.number}包"[:200],
            body=(f"贵单位为采购项目「{project.code} {project.title}」第{lot.number}包（{lot.name}）的"
                  "中标（成交）供应商："
                  f"单价{_yuan(award.unit_price_yuan)}，数量{_quantity(line.total_quantity)}{lot.unit_of_measure}，"
                  f"中标（成交）金额{_yuan(line.awarded_amount_yuan)}，定标日期{chinese_date(award.awarded_on)}。"
                  f"本项目为批量集中采购（统采分签），{line.unit_count}家预算单位将按各自分计划数量分别与贵单位签订合同，"
                  f"应于{chinese_date(signing_due(award.awarded_on))}前签订（{deadlines.CONTRACT_SIGNING.rule}）。"
                  "合同生成后将另行通知。"),
            url=notice_url,
        )


# --- 统采分签 ---------------------------------------------------------------------------------

def _next_contract_number(project: Project) -> int:
    prefix = f"{project.code}-HT"
    used = Contract.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix):]) for code in used if code[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


@transaction.atomic
def batch_contracts_generate(*, project: Project, actor: AbstractBaseUser) -> list[Contract]:
    """One draft contract per frozen sub-plan that has none: the unit's quantity at the lot's award price.

    Running it again creates nothing new. Each unit then signs its own contract (统采分签).
    """
    locked = _locked(project)
    _require_manager(locked, actor)
    if locked.status != Status.AWARDED:
        raise _refuse_state(locked, "生成合同（须已定标）")
    live = set(
        ContractLine.objects.filter(contract__project=locked, award__isnull=False, contract_live=True)
        .values_list("award_id", "buyer_id")
    )
    sub_plans = (
        SubPlan.objects.filter(project=locked, status=SubPlan.Status.FROZEN, contract_line__isnull=True,
                               lot__award__isnull=False)
        .select_related("lot", "lot__award", "unit")
        .order_by("lot__number", "unit__unit_code", "pk")
    )
    now = timezone.now()
    number = _next_contract_number(locked)
    drafts: list[ContractDraft] = []
    for sub_plan in sub_plans:
        lot, award = sub_plan.lot, sub_plan.lot.award
        if (award.pk, sub_plan.unit_id) in live:
            continue
        drafts.append(ContractDraft(
            code=contract_code(project_code=locked.code, number=number),
            title=f"{locked.title}第{lot.number}包（{lot.name}）采购合同"[:200],
            project=locked,
            award=award,
            buyer=sub_plan.unit,
            supplier=award.supplier,
            lines=[ContractLineDraft(description=lot.name, quantity=sub_plan.quantity,
                                     unit_price_yuan=award.unit_price_yuan, unit_of_measure=lot.unit_of_measure,
                                     lot=lot, award=award, sub_plan=sub_plan)],
            next_check=signing_next_check(signing_due(award.awarded_on), now=now),
        ))
        number += 1
    if not drafts:
        return []
    created = contracts_draft_create(drafts=drafts)
    event_record(subject=locked, action="contracts_generate", action_label="生成分签合同", actor=actor,
                 changes={"created": len(created), "first_code": created[0].code, "last_code": created[-1].code,
                          "amount_yuan": str(sum((c.amount_yuan for c in created), Decimal(0)))})
    contracts_suppliers_notify(locked, created)
    # Each buying unit hears of its own contract from the signing source (batch.award_deadlines, ``sign_ready``).
    return created


def _lines_text(contract: Contract) -> str:
    """第1包 12台 (and the next lines after 、): what a contract buys, for a message."""
    return "、".join(
        (f"第{line.lot.number}包 " if line.lot_id else f"{line.description} ")
        + f"{_quantity(line.quantity)}{line.unit_of_measure}"
        for line in contract.lines.all()
    )


def contracts_suppliers_notify(project: Project, created: list[Contract]) -> None:
    """Issue 7 point 11: each supplier is told of every contract it is to sign, in one message per generation
    (a batch project may make thousands), each contract named with its buyer, quantity and amount."""
    by_supplier: dict[int, list[Contract]] = {}
    for contract in created:
        by_supplier.setdefault(contract.supplier_id, []).append(contract)
    suppliers = Organization.objects.in_bulk(list(by_supplier))
    for supplier_id, contracts in by_supplier.items():
        total = sum((c.amount_yuan for c in contracts), Decimal(0))
        rows = "".join(
            f"（{n}）{c.code}：{c.buyer.name}，{_lines_text(c)}，{_yuan(c.amount_yuan)}；"
            for n, c in enumerate(contracts, start=1)
        )
        due = signing_due(contracts[0].award.awarded_on)
        organization_notify(
            organization=suppliers[supplier_id], subject=project, kind=f"to_sign_{contracts[0].pk}",
            level=Notification.Level.INFO,
            title=f"待签订合同{len(contracts)}份：{project.title}"[:200],
            body=(f"采购项目「{project.code} {project.title}」已为贵单位生成{len(contracts)}份分签合同，"
                  f"合计{_yuan(total)}，各预算单位将分别与贵单位签订，应于{chinese_date(due)}前签订"
                  f"（{deadlines.CONTRACT_SIGNING.rule}）：{rows.rstrip('；')}。"),
            url=f"{reverse('supplier-contract-list')}?q={project.code}",
        )


# --- 终止 ------------------------------------------------------------------------------------

def _termination_notice_body(project: Project, reason: str) -> str:
    organizer = project.organizer
    return "\n".join([
        f"一、项目编号：{project.code}",
        f"二、项目名称：{project.title}",
        f"三、终止时所处阶段：{project.get_status_display()}",
        f"四、终止原因：{reason}",
        "五、本项目采购活动终止，已填报的分计划不再执行；如有疑问，请与集中采购机构联系。",
        f"六、集中采购机构：{organizer.name}"
        + (f"；地址：{organizer.address}" if organizer.address else "")
        + (f"；联系电话：{organizer.contact_phone}" if organizer.contact_phone else ""),
    ])


@transaction.atomic
def batch_project_terminate(*, project: Project, actor: AbstractBaseUser, reason: str) -> BatchProject:
    """终止项目 at any stage before the award, with a reason, published as a 终止公告."""
    locked = _locked(project)
    reason = (reason or "").strip()

    def prepare(row: BatchProject) -> dict[str, object]:
        if not reason:
            raise ServiceError("终止项目必须填写终止原因", field="reason")
        notice = notice_publish(
            type=Notice.Type.TERMINATION,
            title=f"{row.title}终止公告",
            body=_termination_notice_body(row, reason),
            project=row,
            publisher=row.organizer,
            actor=actor,
        )
        row.termination_reason = reason
        return {"termination_reason": reason, "notice_id": notice.pk}

    return transition_run(instance=locked, name="terminate", actor=actor, note=reason, prepare=prepare)


# --- selectors: who runs the procurement and who reads its results -----------------------------

# The one declaration of these rights, for the pages (``kind_required``) and the API (``seats_required``) alike
# (issue 8 point 4: the API served the signing board and the savings to units and suppliers the pages refused).
# The center, or its entrusted agency, runs the procurement of its own projects; finance staff read the savings
# and the signing board of the projects of their region. A unit sees its own contracts, a supplier its own, on
# their own pages: the board holds every unit's contract and the savings every lot's budget, so neither reads them.
MANAGERS = (Organization.Kind.CENTER, Organization.Kind.AGENCY)
READERS = (*MANAGERS, Organization.Kind.FINANCE)


def award_projects_managed(user) -> QuerySet[BatchProject]:
    """The batch projects the user's center or agency runs: the workspace and each of its steps."""
    if access.is_superuser(user):
        return BatchProject.objects.all()
    orgs = [s.organization_id for s in access.seats(user) if s.kind in MANAGERS]
    return BatchProject.objects.filter(Q(organizer_id__in=orgs) | Q(agency_id__in=orgs))


def award_projects_readable(user) -> QuerySet[BatchProject]:
    """Managed projects and, for finance staff, the batch projects of their region and below: the award list,
    the savings and the signing board."""
    q = Q(pk__in=award_projects_managed(user).values("pk"))
    if access.has_seat(user, Organization.Kind.FINANCE):
        q |= Q(pk__in=access.visible_projects(user).values("pk"))
    return BatchProject.objects.filter(q)


# --- selectors: savings ----------------------------------------------------------------------

def saving_rate(saving: Decimal, budget: Decimal) -> Decimal | None:
    """节约率 in percent with two decimals; None when there is no budget to save against."""
    if not budget:
        return None
    return (saving / budget * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SavingsLine:
    lot: Lot
    award: Award | None
    total_quantity: Decimal
    budget_yuan: Decimal
    unit_count: int
    awarded_amount_yuan: Decimal | None
    saving_yuan: Decimal | None
    saving_rate: Decimal | None

    @property
    def has_demand(self) -> bool:
        return self.unit_count > 0


@dataclass(frozen=True)
class Savings:
    project: Project
    lines: list[SavingsLine] = field(default_factory=list)
    # Budget units with at least one frozen sub-plan.
    unit_count: int = 0

    @property
    def budget_yuan(self) -> Decimal:
        """The budget of every lot with demand (the frozen sub-plans)."""
        return sum((line.budget_yuan for line in self.lines), Decimal(0))

    @property
    def total_quantity(self) -> Decimal:
        return sum((line.total_quantity for line in self.lines), Decimal(0))

    @property
    def awarded_lines(self) -> list[SavingsLine]:
        return [line for line in self.lines if line.awarded_amount_yuan is not None]

    @property
    def awarded_budget_yuan(self) -> Decimal:
        """The budget of the awarded lots only: the saving compares like with like."""
        return sum((line.budget_yuan for line in self.awarded_lines), Decimal(0))

    @property
    def awarded_amount_yuan(self) -> Decimal:
        return sum((line.awarded_amount_yuan for line in self.awarded_lines), Decimal(0))

    @property
    def saving_yuan(self) -> Decimal:
        return self.awarded_budget_yuan - self.awarded_amount_yuan

    @property
    def saving_rate(self) -> Decimal | None:
        return saving_rate(self.saving_yuan, self.awarded_budget_yuan)

    @property
    def all_awarded(self) -> bool:
        """Every lot with demand has an award (the condition of 定标)."""
        return all(line.award is not None for line in self.lines if line.has_demand)

    @property
    def first_awarded_on(self) -> date | None:
        return min((line.award.awarded_on for line in self.lines if line.award is not None), default=None)

    @property
    def award_notice_due(self) -> date | None:
        first = self.first_awarded_on
        return award_notice_due(first) if first else None


def batch_savings(project: Project) -> Savings:
    """节约率 per lot and for the project: budget = the frozen sub-plans' budgets, awarded amount =
    their total quantity × the award's unit price, saving = budget − awarded amount. Two queries."""
    frozen = Q(sub_plans__status=SubPlan.Status.FROZEN)
    lots = (
        Lot.objects.filter(project_id=project.pk)
        .select_related("award", "award__supplier", "category")
        .annotate(
            frozen_quantity=Coalesce(Sum("sub_plans__quantity", filter=frozen), ZERO),
            frozen_budget_yuan=Coalesce(Sum("sub_plans__budget_yuan", filter=frozen), ZERO),
            frozen_unit_count=Count("sub_plans__unit", filter=frozen, distinct=True),
        )
        .order_by("number", "pk")
    )
    lines = []
    for lot in lots:
        award = getattr(lot, "award", None)
        amount = saving = rate = None
        if award is not None:
            amount = contract_amount(lot.frozen_quantity, award.unit_price_yuan)
            saving = lot.frozen_budget_yuan - amount
            rate = saving_rate(saving, lot.frozen_budget_yuan)
        lines.append(SavingsLine(lot, award, lot.frozen_quantity, lot.frozen_budget_yuan, lot.frozen_unit_count,
                                 amount, saving, rate))
    units = (
        SubPlan.objects.filter(project_id=project.pk, status=SubPlan.Status.FROZEN)
        .values("unit_id").distinct().count()
    )
    return Savings(project=project, lines=lines, unit_count=units)


# --- selectors: the signing board --------------------------------------------------------------

@dataclass(frozen=True)
class UnsignedUnit:
    """A budget unit with at least one contract still to sign."""

    unit_id: int
    name: str
    unit_code: str
    contract_count: int
    amount_yuan: Decimal
    signing_due: date | None
    overdue: bool


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SigningBoard:
    project: Project
    today: date
    contracts: QuerySet[Contract]
    unsigned_units: list[UnsignedUnit]
    status_counts: list[StatusCount]
    total: int
    signing_overdue_count: int
    publish_overdue_count: int
    filing_overdue_count: int
    # Frozen sub-plans of awarded lots that have no contract yet (not generated).
    without_contract_count: int
    # {award id: last day to sign} for the template (one award per lot).
    signing_dues: dict[int, date]


BOARD_FILTERS = {"unsigned", "overdue"}


def _signing_overdue(today: date) -> Q:
    """Draft contracts whose 30-day signing limit has passed (awarded_on + 30 < today)."""
    cutoff = today - timedelta(days=deadlines.CONTRACT_SIGNING.days)
    return Q(status=Contract.Status.DRAFT, award__awarded_on__lt=cutoff)


def batch_signing_board(
    project: Project,
    *,
    today: date | None = None,
    status: str = "",
    lot_id: int | None = None,
    q: str = "",
) -> SigningBoard:
    """Every unit's contract of ``project`` with its deadlines and overdue flags; unsigned ones first.

    ``status`` filters by contract status, or "unsigned" / "overdue" (any legal deadline passed).
    """
    today = today or deadlines.today()
    all_contracts = Contract.objects.filter(project_id=project.pk)
    same_row = {"pk": OuterRef("pk")}
    contracts = (
        all_contracts.select_related("buyer", "buyer__region", "supplier", "award")
        .prefetch_related(Prefetch("lines", queryset=ContractLine.objects.select_related("lot")))
        .annotate(
            first_lot_number=Subquery(ContractLine.objects.filter(contract=OuterRef("pk")).order_by("number")
                                      .values("lot__number")[:1]),
            is_signing_overdue=Case(When(_signing_overdue(today), then=Value(True)), default=Value(False),
                                    output_field=BooleanField()),
            is_publish_overdue=Exists(Contract.objects.publish_overdue(today).filter(**same_row)),
            is_filing_overdue=Exists(Contract.objects.filing_overdue(today).filter(**same_row)),
            unsigned_first=Case(When(status=Contract.Status.DRAFT, then=Value(0)), default=Value(1),
                                output_field=IntegerField()),
        )
        .order_by("unsigned_first", "first_lot_number", "buyer__name", "pk")
    )
    if status == "unsigned":
        contracts = contracts.filter(status=Contract.Status.DRAFT)
    elif status == "overdue":
        contracts = contracts.filter(
            _signing_overdue(today)
            | Q(pk__in=Contract.objects.publish_overdue(today).values("pk"))
            | Q(pk__in=Contract.objects.filing_overdue(today).values("pk"))
        )
    elif status in Contract.Status.values:
        contracts = contracts.filter(status=status)
    if lot_id:
        contracts = contracts.filter(pk__in=ContractLine.objects.filter(lot_id=lot_id).values("contract_id"))
    q = (q or "").strip()
    if q:
        contracts = contracts.filter(Q(buyer__name__icontains=q) | Q(buyer__unit_code__icontains=q)
                                     | Q(code__icontains=q))

    unsigned_rows = (
        all_contracts.filter(status=Contract.Status.DRAFT)
        .values("buyer_id", "buyer__name", "buyer__unit_code")
        .annotate(n=Count("pk"), amount=Sum("amount_yuan"), first_awarded=Min("award__awarded_on"))
        .order_by("first_awarded", "buyer__name", "buyer_id")
    )
    unsigned = []
    for row in unsigned_rows:
        due = signing_due(row["first_awarded"]) if row["first_awarded"] else None
        unsigned.append(UnsignedUnit(row["buyer_id"], row["buyer__name"], row["buyer__unit_code"], row["n"],
                                     row["amount"] or Decimal(0), due, due is not None and today > due))
    unsigned.sort(key=lambda u: (not u.overdue, u.signing_due or date.max, u.name))

    found = dict(all_contracts.order_by().values_list("status").annotate(n=Count("pk")))
    counts = [StatusCount(value, label, found.get(value, 0)) for value, label in Contract.Status.choices]
    awards = Award.objects.filter(project_id=project.pk).values_list("pk", "awarded_on")
    return SigningBoard(
        project=project,
        today=today,
        contracts=contracts,
        unsigned_units=unsigned,
        status_counts=counts,
        total=sum(found.values()),
        signing_overdue_count=all_contracts.filter(_signing_overdue(today)).count(),
        publish_overdue_count=all_contracts.publish_overdue(today).count(),
        filing_overdue_count=all_contracts.filing_overdue(today).count(),
        without_contract_count=SubPlan.objects.filter(project_id=project.pk, status=SubPlan.Status.FROZEN,
                                                      contract_line__isnull=True, lot__award__isnull=False).count(),
        signing_dues={pk: signing_due(day) for pk, day in awards},
    )

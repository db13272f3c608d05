"""The execution half of a procurement, whatever the mode: 实施采购, 定标, 统采分签 and 终止
(seed 000 三(一)(5)(6); 吉财采购〔2024〕753号).

Services (every write; keyword-only, atomic; state changes through ``transition_run``):
- ``procurement_start``: the organizer chooses the method "by the planned quantity and the project's
  characteristics" (seed 000 三(一)(5)) and records the document and opening dates; the methods a mode allows
  come from its plugin (``ModePlugin.procurement_methods``);
- ``document_add``: a procurement document kept for the record;
- ``evaluation_record``: the day of the evaluation and the experts named in the award notice;
- ``lot_max_price_set``: the maximum unit price the documents set for a lot;
- ``lot_award``: the award of one lot (supplier, unit price); replaced until the project is awarded;
- ``award_finalize``: 定标 — the 中标（成交）结果公告 is published (《政府采购法实施条例》第四十三条:
  within 2 working days of the award; lateness is flagged, nothing is refused) and the result is
  filed (备案) with the finance bureau (seed 000 三(一)(5));
- ``contracts_generate``: 统采分签 — one contract per frozen sub-plan, "严格按照本单位填报的分计划
  采购数量" (seed 000 三(一)(6)) at the awarded unit price; each unit then signs its own contract
  through ``procurement.services.contracts``;
- ``project_terminate``: stop the project before the award with a reason and a 终止公告.

The notices and the suppliers' messages are templates (``templates/execution/wording/``), rendered through the
project's mode plugin so that a mode may word them its own way. The reads (savings, the signing board, who may)
are ``procurement.selectors.execution``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_date, quantity_text, yuan_text
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
    ProjectDocument,
    ProjectEvent,
    SubPlan,
)
from procurement.models.contracts import line_amount
from procurement.modes import mode_plugin, wording_render
from procurement.numbering import contract_code
from procurement.publication import project_notice_publish
from procurement.selectors.execution import (
    ZERO,
    Savings,
    award_notice_due,
    project_savings,
)
from procurement.services.contracts import ContractDraft, ContractLineDraft, contracts_draft_create
from procurement.services.dates import day_checked, moment_checked
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.signing_deadlines import signing_due, signing_next_check
from procurement.services.transitions import transition_run

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files import File

CENT = Decimal("0.01")
MAX_UNIT_PRICE = Decimal("999999999999.99")  # Award.unit_price_yuan: 14 digits, 2 decimals
Status = Project.Status

TENDER_METHODS = {ProcurementMethod.OPEN_TENDER, ProcurementMethod.INVITED_TENDER}

# Documents are kept from the confirmed master plan until the award (evaluation reports come last).
DOCUMENT_STATES = [Status.CONFIRMED, Status.PROCURING, Status.AWARDED]
DOCUMENT_EXTENSIONS = {"pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "rar", "7z", "jpg", "jpeg",
                       "png"}
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


# --- shared checks ---------------------------------------------------------------------------

def _locked(project: Project) -> Project:
    """The project's row, locked for the rest of the transaction."""
    found = Project.objects.select_for_update().filter(pk=getattr(project, "pk", None)).first()
    if found is None:
        raise ServiceError("采购项目不存在", field="project")
    return found


def _require_runner(project: Project, actor, step: str) -> None:
    """Only who runs ``step`` of the project (``access.runs_project``: the organizer, or the entrusted agency for
    the entrusted steps) takes it."""
    if not access.runs_project(actor, project, step=step):
        raise PermissionDenied("您无权办理该项目的采购事项")


def _refuse_state(project: Project, action: str) -> TransitionRefused:
    return TransitionRefused(f"当前状态为「{project.get_status_display()}」，不能{action}")


def _wording(project: Project, name: str, context: dict) -> str:
    """The plain text of ``execution/wording/<name>`` as the project's mode words it (its override, else the
    core's). The template's line breaks are the text's; the file's final newline is not."""
    return wording_render(project.mode, f"execution/wording/{name}", context)


def procurement_methods(project: Project) -> list[str]:
    """The procurement methods the project's mode allows (《政府采购法》第二十六条), in the choices' order."""
    allowed = set(mode_plugin(project.mode).procurement_methods(project))
    return [m.value for m in ProcurementMethod if m.value in allowed]


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

def confirmed_at(project: Project) -> datetime:
    """When the master plan was confirmed: the procurement documents are drawn up from it (seed 000 三(一)(5)).
    The project's record, else the audit log's confirmation step, else the project's creation."""
    if project.master_plan_confirmed_at:
        return project.master_plan_confirmed_at
    confirmed = (
        ProjectEvent.objects.filter(project_id=project.pk, action="confirm_master_plan")
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )
    return confirmed or project.created_at


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
def procurement_start(
    *,
    project: Project,
    method: str,
    documents_issued_on: date | None = None,
    bid_opening_at: datetime | None = None,
    actor: AbstractBaseUser,
) -> Project:
    """实施采购: record the method and the dates, then run ``start_procurement`` (总计划已确认 → 采购实施中)."""
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.PROCUREMENT_START)
    if method not in procurement_methods(locked):
        raise ServiceError(f"请选择{locked.get_mode_display()}适用的采购方式", field="method")
    if documents_issued_on is not None:
        documents_issued_on = day_checked(documents_issued_on, field="documents_issued_on", label="采购文件发布日期",
                                          not_after_today=False)
    if bid_opening_at is not None:
        bid_opening_at = moment_checked(bid_opening_at, field="bid_opening_at", label="开标（响应截止）时间")
    issued_on = documents_issued_on or locked.documents_issued_on
    opening_at = bid_opening_at or locked.bid_opening_at
    _check_dates(method, issued_on, opening_at, confirmed_at=confirmed_at(locked))
    if locked.status != Status.CONFIRMED:
        raise _refuse_state(locked, "开始采购（须先确认总计划）")
    # ``has_method`` is a condition of the transition, checked on the row: write the method first
    # (the whole transaction rolls back if the step is refused).
    Project.objects.filter(pk=locked.pk).update(procurement_method=method)

    def prepare(row: Project) -> dict[str, object]:
        changes: dict[str, object] = {"procurement_method": method}
        row.documents_issued_on, row.bid_opening_at = issued_on, opening_at
        if issued_on:
            changes["documents_issued_on"] = issued_on.isoformat()
        if opening_at:
            changes["bid_opening_at"] = opening_at.isoformat()
        return changes

    return transition_run(instance=locked, name="start_procurement", actor=actor, prepare=prepare)


def document_refusal(*, project: Project, title: str, file: File | None,
                     kind: str = ProjectDocument.Kind.OTHER) -> ServiceError | None:
    """Why a procurement document may not be kept as it is (None when it may)."""
    if project.status not in DOCUMENT_STATES:
        return _refuse_state(project, "上传采购文件")
    if kind not in ProjectDocument.Kind.values:
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
def document_add(*, project: Project, title: str, file: File, actor: AbstractBaseUser,
                 kind: str = ProjectDocument.Kind.OTHER) -> ProjectDocument:
    """Keep a procurement document (采购文件、评审报告 …) of the project."""
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.DOCUMENTS)
    refusal = document_refusal(project=locked, title=title, file=file, kind=kind)
    if refusal is not None:
        raise refusal
    title = title.strip()
    document = ProjectDocument.objects.create(
        project=locked, kind=kind, title=title, file=file,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(subject=locked, action="document_add", action_label="上传采购文件", actor=actor,
                 changes={"document_id": document.pk, "kind": kind, "title": title, "file": document.file.name})
    return document


@transaction.atomic
def evaluation_record(*, project: Project, evaluation_on: date, experts: str, actor: AbstractBaseUser) -> Project:
    """评审: the day of the evaluation and the evaluation experts, who are named in the award notice
    (《政府采购法实施条例》第四十三条). The evaluation follows the opening and is not in the future."""
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.PROCUREMENT_START)
    if locked.status != Status.PROCURING:
        raise _refuse_state(locked, "录入评审情况（须在采购实施中）")
    opened = timezone.localdate(locked.bid_opening_at) if locked.bid_opening_at else None
    evaluation_on = day_checked(evaluation_on, field="evaluation_on", label="评审日期", not_before=[
        (opened, "开标日期"), (locked.documents_issued_on, "采购文件发布日期"),
        (timezone.localdate(confirmed_at(locked)), "总计划确认日期"),
    ])
    names = [name.strip() for name in re.split(r"[\n,，、;；]+", experts or "") if name.strip()]
    if not names:
        raise ServiceError("请填写评审专家名单（结果公告须列明评审专家，《政府采购法实施条例》第四十三条）",
                           field="experts")
    experts_text = "、".join(names)
    if len(experts_text) > 2000:
        raise ServiceError("评审专家名单过长（不超过2000字）", field="experts")
    changes = {"evaluation_on": [locked.evaluation_on.isoformat() if locked.evaluation_on else "",
                                 evaluation_on.isoformat()],
               "evaluation_experts": [locked.evaluation_experts, experts_text]}
    Project.objects.filter(pk=locked.pk).update(evaluation_on=evaluation_on, evaluation_experts=experts_text)
    locked.evaluation_on, locked.evaluation_experts = evaluation_on, experts_text
    event_record(subject=locked, action="evaluation_record", action_label="录入评审情况", actor=actor,
                 changes=changes)
    return locked


@transaction.atomic
def lot_max_price_set(*, project: Project, lot: Lot, max_unit_price_yuan: Decimal | None,
                      actor: AbstractBaseUser) -> Lot:
    """最高限制单价 of one lot, as the procurement documents set it (None: the documents set none).

    The maximum price is set within the budget (《政府采购货物和服务招标投标管理办法》第十二条: 在采购预算额度内合理
    设定最高限价): at most the lot's budget (the frozen sub-plans') divided by its quantity. Only before the lot is
    awarded. The reference price (参考单价) stays what it is: it informs, it binds nothing."""
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.PROCUREMENT_START)
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
                f"第{lot.number}包的最高限制单价不能超过采购预算折算的单价{yuan_text(ceiling)}"
                f"（预算{yuan_text(demand.budget_yuan)}÷数量{quantity_text(demand.quantity)}{lot.unit_of_measure}）："
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
def lot_award(
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
    _require_runner(locked, actor, access.Step.AWARD)
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
        raise ServiceError(f"中标单价不能超过本包最高限制单价（{yuan_text(lot.max_unit_price_yuan)}）："
                           "该限价由采购文件设定，报价超过最高限价的无效（《政府采购货物和服务招标投标管理办法》第六十三条）",
                           field="unit_price_yuan")
    demand = _lot_demand(lot)
    if not demand.quantity:
        raise ServiceError(f"第{lot.number}包没有已锁定的分计划（无采购需求），不能定标", field="lot")
    amount = line_amount(demand.quantity, price)
    if amount > demand.budget_yuan:
        raise ServiceError(
            f"第{lot.number}包中标（成交）金额{yuan_text(amount)}（单价{yuan_text(price)}×数量{quantity_text(demand.quantity)}"
            f"{lot.unit_of_measure}）超过本包采购预算{yuan_text(demand.budget_yuan)}（各单位已锁定分计划的预算合计）："
            "报价超过采购预算的无效（《政府采购货物和服务招标投标管理办法》第六十三条）",
            field="unit_price_yuan",
        )
    opened = timezone.localdate(locked.bid_opening_at) if locked.bid_opening_at else None
    awarded_on = day_checked(awarded_on, field="awarded_on", label="定标日期", not_before=[
        (locked.evaluation_on, "评审日期"),
        (opened, "开标日期"),
        (locked.documents_issued_on, "采购文件发布日期"),
        (timezone.localdate(confirmed_at(locked)), "总计划确认日期"),
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


def award_notice_body(project: Project, savings: Savings, documents: list[ProjectDocument]) -> str:
    """The 中标（成交）结果公告 with what 《政府采购法实施条例》第四十三条 requires: the organizer's name, address and
    contact, the project's name and code, each winner's name, address and amount, the main items' name,
    specification, quantity and unit price, the evaluation experts; the procurement documents go with it.
    Worded by ``execution/wording/award_notice.txt`` (a mode may override it)."""
    lines = []
    for line in savings.lines:
        if line.award is None:
            continue
        spec = (line.lot.specification or "").strip().replace("\n", " ")
        lines.append({
            "lot": line.lot,
            "supplier": line.award.supplier,
            "quantity": quantity_text(line.total_quantity),
            "unit_price": yuan_text(line.award.unit_price_yuan),
            "amount": yuan_text(line.awarded_amount_yuan),
            "specification": f"{spec[:200]}{'…' if len(spec) > 200 else ''}" if spec else "",
        })
    opening_at = project.bid_opening_at
    return _wording(project, "award_notice.txt", {
        "project": project,
        "organizer": project.organizer,
        "lines": lines,
        "unit_count": savings.unit_count,
        "experts": project.evaluation_experts,
        "published": [d for d in documents if d.kind == ProjectDocument.Kind.PROCUREMENT_DOCUMENTS],
        "opening_at": f"{timezone.localtime(opening_at):%Y-%m-%d %H:%M}" if opening_at else "",
    })


def finalize_missing(project: Project) -> list[str]:
    """What the award notice needs that is not on file yet (《政府采购法实施条例》第四十三条), in Chinese; empty
    when 定标 may go ahead as far as the record goes. The page lists it beside the button."""
    kinds = set(ProjectDocument.objects.filter(project=project).values_list("kind", flat=True))
    missing = []
    if ProjectDocument.Kind.PROCUREMENT_DOCUMENTS not in kinds:
        missing.append("采购文件（招标文件、谈判文件、磋商文件或询价通知书，须随结果公告同时公告）")
    if ProjectDocument.Kind.EVALUATION_REPORT not in kinds:
        missing.append("评审报告（中标、成交供应商依评审报告确定）")
    if not project.evaluation_experts:
        missing.append("评审专家名单（结果公告须列明）")
    return missing


@transaction.atomic
def award_finalize(*, project: Project, actor: AbstractBaseUser) -> Project:
    """定标: every lot with demand awarded → 已定标; publish the result notice and file the result."""
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.AWARD)

    def prepare(row: Project) -> dict[str, object]:
        savings = project_savings(row)
        awards = [line.award for line in savings.lines if line.award is not None]
        if not awards:
            raise ServiceError("尚无任何采购包的中标（成交）结果，不能定标", field="project")
        # Issue 7 point 7: the documents the notice cites must be on file.
        missing = finalize_missing(row)
        if missing:
            raise ServiceError(f"不能定标，尚缺：{'；'.join(missing)}。请在「采购文件」「评审情况」中补齐后再定标。",
                               field="project")
        documents = list(ProjectDocument.objects.filter(project=row).order_by("uploaded_at", "pk"))
        due = award_notice_due(min(a.awarded_on for a in awards))
        notice = project_notice_publish(
            type="award",
            title=f"{row.title}中标（成交）结果公告",
            body=award_notice_body(row, savings, documents),
            project=row,
            publisher=row.organizer,
            actor=actor,
            attachments=[(document.title, document.file.name) for document in documents
                         if document.kind == ProjectDocument.Kind.PROCUREMENT_DOCUMENTS],
        )
        published_on = timezone.localdate(notice.published_at)
        late = published_on > due
        Award.objects.filter(project=row).update(notice_published_at=notice.published_at)
        row.award_notice = notice
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
    quantity, amount and the signing that follows (统采分签: every participating unit signs its own contract).
    Worded by ``execution/wording/supplier_awarded.txt`` (a mode may override it)."""
    notice_id = Project.objects.filter(pk=project.pk).values_list("award_notice_id", flat=True).first()
    notice_url = reverse("notices:detail", args=[notice_id]) if notice_id else ""
    for line in project_savings(project).lines:
        award = line.award
        if award is None:
            continue
        lot = line.lot
        organization_notify(
            organization=award.supplier, subject=award, kind="awarded", level=Notification.Level.INFO,
            title=f"中标（成交）通知：{project.title}第{lot.number}包"[:200],
            body=_wording(project, "supplier_awarded.txt", {
                "project": project,
                "lot": lot,
                "unit_price": yuan_text(award.unit_price_yuan),
                "quantity": quantity_text(line.total_quantity),
                "amount": yuan_text(line.awarded_amount_yuan),
                "awarded_on": chinese_date(award.awarded_on),
                "unit_count": line.unit_count,
                "signing_due": chinese_date(signing_due(award.awarded_on)),
                "signing_rule": deadlines.CONTRACT_SIGNING.rule,
            }),
            url=notice_url,
        )


# --- 统采分签 ---------------------------------------------------------------------------------

def _next_contract_number(project: Project) -> int:
    prefix = f"{project.code}-HT"
    used = Contract.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix):]) for code in used if code[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


@transaction.atomic
def contracts_generate(*, project: Project, actor: AbstractBaseUser) -> list[Contract]:
    """One draft contract per frozen sub-plan that has none: the unit's quantity at the lot's award price; a mode may
    group one unit's items won by one supplier into one contract (``ModePlugin.contract_grouping``) and make the
    generation wait (``ModePlugin.contracts_generate_refusal``: volume waits for the lead's confirmation).

    Running it again creates nothing new. Each unit then signs its own contract (统采分签).
    """
    locked = _locked(project)
    _require_runner(locked, actor, access.Step.CONTRACTS)
    if locked.status != Status.AWARDED:
        raise _refuse_state(locked, "生成合同（须已定标）")
    plugin = mode_plugin(locked.mode)
    refusal = plugin.contracts_generate_refusal(locked)
    if refusal:
        raise TransitionRefused(refusal)
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
    pending = [sub_plan for sub_plan in sub_plans if (sub_plan.lot.award.pk, sub_plan.unit_id) not in live]
    drafts: list[ContractDraft] = []
    for group in _contract_groups(pending, plugin.contract_grouping(locked)):
        award = min((sub_plan.lot.award for sub_plan in group), key=lambda a: (a.awarded_on, a.pk))
        first_lot = group[0].lot
        title = (f"{locked.title}第{first_lot.number}包（{first_lot.name}）采购合同" if len(group) == 1
                 else f"{locked.title}采购合同（{award.supplier.name}）")
        drafts.append(ContractDraft(
            code=contract_code(project_code=locked.code, number=number),
            title=title[:200],
            project=locked,
            award=award,
            buyer=group[0].unit,
            supplier=award.supplier,
            lines=[ContractLineDraft(description=sub_plan.lot.name, quantity=sub_plan.quantity,
                                     unit_price_yuan=sub_plan.lot.award.unit_price_yuan,
                                     unit_of_measure=sub_plan.lot.unit_of_measure, lot=sub_plan.lot,
                                     award=sub_plan.lot.award, sub_plan=sub_plan)
                   for sub_plan in group],
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
    # Each buying unit hears of its own contract from the signing source (signing_deadlines, ``sign_ready``).
    return created


def _contract_groups(sub_plans: list[SubPlan], grouping: str) -> list[list[SubPlan]]:
    """The sub-plans each contract holds: one each (``"sub_plan"``, batch), or every item of one buying unit won by
    one supplier (``"buyer_supplier"``, volume: ``ModePlugin.contract_grouping``), in the order given."""
    if grouping != "buyer_supplier":
        return [[sub_plan] for sub_plan in sub_plans]
    groups: dict[tuple[int, int], list[SubPlan]] = {}
    for sub_plan in sorted(sub_plans, key=lambda p: (p.unit.unit_code, p.unit_id, p.lot.number, p.pk)):
        groups.setdefault((sub_plan.unit_id, sub_plan.lot.award.supplier_id), []).append(sub_plan)
    return list(groups.values())


def _lines_text(contract: Contract) -> str:
    """第1包 12台 (and the next lines after 、): what a contract buys, for a message."""
    return "、".join(
        (f"第{line.lot.number}包 " if line.lot_id else f"{line.description} ")
        + f"{quantity_text(line.quantity)}{line.unit_of_measure}"
        for line in contract.lines.all()
    )


def contracts_suppliers_notify(project: Project, created: list[Contract]) -> None:
    """Issue 7 point 11: each supplier is told of every contract it is to sign, in one message per generation
    (a project may make thousands), each contract named with its buyer, quantity and amount. Worded by
    ``execution/wording/supplier_contracts.txt`` (a mode may override it)."""
    by_supplier: dict[int, list[Contract]] = {}
    for contract in created:
        by_supplier.setdefault(contract.supplier_id, []).append(contract)
    suppliers = Organization.objects.in_bulk(list(by_supplier))
    for supplier_id, contracts in by_supplier.items():
        total = sum((c.amount_yuan for c in contracts), Decimal(0))
        due = signing_due(contracts[0].award.awarded_on)
        organization_notify(
            organization=suppliers[supplier_id], subject=project, kind=f"to_sign_{contracts[0].pk}",
            level=Notification.Level.INFO,
            title=f"待签订合同{len(contracts)}份：{project.title}"[:200],
            body=_wording(project, "supplier_contracts.txt", {
                "project": project,
                "count": len(contracts),
                "total": yuan_text(total),
                "signing_due": chinese_date(due),
                "signing_rule": deadlines.CONTRACT_SIGNING.rule,
                "rows": [{"contract": c, "lines": _lines_text(c), "amount": yuan_text(c.amount_yuan)}
                         for c in contracts],
            }),
            url=f"{reverse('supplier-contract-list')}?q={project.code}",
        )


# --- 终止 ------------------------------------------------------------------------------------

def termination_notice_body(project: Project, reason: str) -> str:
    """The 终止公告, worded by ``execution/wording/termination_notice.txt`` (a mode may override it)."""
    return _wording(project, "termination_notice.txt", {
        "project": project, "organizer": project.organizer, "reason": reason,
    })


@transaction.atomic
def project_terminate(*, project: Project, actor: AbstractBaseUser, reason: str) -> Project:
    """终止项目 at any stage before the award, with a reason, published as a 终止公告."""
    locked = _locked(project)
    reason = (reason or "").strip()

    def prepare(row: Project) -> dict[str, object]:
        if not reason:
            raise ServiceError("终止项目必须填写终止原因", field="reason")
        notice = project_notice_publish(
            type="termination",
            title=f"{row.title}终止公告",
            body=termination_notice_body(row, reason),
            project=row,
            publisher=row.organizer,
            actor=actor,
        )
        row.termination_reason = reason
        return {"termination_reason": reason, "notice_id": notice.pk}

    return transition_run(instance=locked, name="terminate", actor=actor, note=reason, prepare=prepare)

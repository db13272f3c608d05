"""框架协议征集 and 确定第一阶段入围供应商 (seed 000 三(二)(3)(4); annex 8 §七–§九; MoF Order No. 110).

- ``solicitation_publish``: once the plan is filed (备案, seed 三(二)(3)) the center publishes the solicitation
  notice (框架协议征集公告) and, for a closed agreement, sets the response deadline, at least ``SOLICITATION_PERIOD``
  after publication. An open agreement (开放式) has no sealed responses and no evaluation (annex 8 note 1): its
  notice sets no deadline (one given is ignored) and says that suppliers may ask to join at any time during the
  validity, the center reviewing each request within the working days the plan declares
  (``framework.services.open_agreements``); its project's ``response_deadline`` stays empty.
- ``response_save`` / ``response_withdraw``: a supplier's response to one lot (price not above the lot's 最高限制单价,
  qualification documents as PDF, SME declaration, green, quality statement for quality-priority lots); saved as a
  draft, submitted, revised or withdrawn until the deadline, refused after it, and refused for an open agreement
  (its suppliers ask to join instead). The price is sealed until the
  deadline (``framework.selectors.solicitation``): nothing here writes it to the audit log or to a message.
- ``response_evaluate``: after the deadline the center records each response's qualification result (and the
  quality score of a quality-priority lot).
- ``shortlist_confirm``: per lot, the shortlist (annex 8 §九: at least 2 qualified; eliminate at least the plan's
  rate and at least one, ``framework.rules.max_shortlisted``; ranking ``framework.rules.shortlist_ranking`` with
  the plan's tie-break, by evaluated price under 价格优先法: small and micro enterprises' prices less the plan's
  deduction, 财库〔2022〕17号 五), one ``Agreement`` per shortlisted supplier at its quoted price. Open agreements
  (开放式) have no evaluation and no elimination (annex 8 note 1): refused.
- ``shortlist_publish``: the shortlist result notice (入围结果公告) and the shortlist letters (入围通知书, signing due
  within 30 days, seed 三(二)(4)), and a message to every supplier that responded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import (
    Agreement,
    EvaluationMethod,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    SolicitationResponse,
    Supplement,
    TieBreakRule,
)
from framework.services.plans import project_status_advance
from framework.solicitation_deadlines import solicitation_next_check_refresh
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.formats import chinese_date, chinese_datetime, yuan_text
from procurement.models import Lot, Mode, Organization, Project
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.reminders import organizations_notify
from procurement.services.transitions import transition_run
from procurement.services.uploads import pdf_checked

# How long the solicitation stays open at least: from the notice to the response deadline. Order 110 gives the
# solicitation the open tender's period; the one declared duration for it is 《政府采购法》第三十五条 (20 days).
SOLICITATION_PERIOD = deadlines.TENDER_PERIOD
CENT = Decimal("0.01")
MAX_QUALITY_SCORE = Decimal("100")
NOTE_MAX_LENGTH = 1000

# Audit actions (declared in FrameworkPlugin.event_actions, solicitation section).
PUBLISH_ACTION = "framework_solicitation_publish"
SAVE_ACTION = "framework_response_save"
EVALUATE_ACTION = "framework_response_evaluate"
SHORTLIST_ACTION = "shortlist"
SHORTLIST_PUBLISH_ACTION = "framework_shortlist_publish"

SHORTLISTED_KIND = "framework_shortlisted"
NOT_SHORTLISTED_KIND = "framework_not_shortlisted"


# --- shared checks -----------------------------------------------------------------------------------------

def _plan_of(project: Project) -> FrameworkPlan:
    plan = FrameworkPlan.objects.filter(project=project).first()
    if project.mode != Mode.FRAMEWORK or plan is None:
        raise ServiceError(f"项目「{project.title}」不是框架协议采购项目，或尚无框架协议采购方案")
    return plan


def _details_of(project: Project) -> FrameworkDetails | None:
    return FrameworkDetails.objects.filter(project=project).first()


def _require_runner(project: Project, actor, step: str = access.Step.COLLECTION) -> None:
    if not access.runs_project(actor, project, step=step):
        raise PermissionDenied("只有组织该框架协议采购的采购中心可以办理")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def deadline_passed(project: Project, *, now: datetime | None = None) -> bool:
    return project.response_deadline is not None and _now(now) >= project.response_deadline


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


def lot_label(lot: Lot) -> str:
    return f"第{lot.number}包「{lot.name}」"


def framework_lot_of(lot: Lot) -> FrameworkLot | None:
    return FrameworkLot.objects.filter(lot=lot).first()


def is_quality_priority(lot: Lot) -> bool:
    fw = framework_lot_of(lot)
    return fw is not None and fw.evaluation_method == EvaluationMethod.QUALITY_PRIORITY


# --- 1. the solicitation notice (seed 三(二)(3)) ------------------------------------------------------------

def earliest_deadline_day(published_on: date) -> date:
    """The first day the response deadline may fall on for a notice published on ``published_on``."""
    return deadlines.due_date(published_on, SOLICITATION_PERIOD)


def _notice_body(project: Project, plan: FrameworkPlan, body: str, deadline: datetime | None) -> str:
    """The center's text, then what the filed plan fixes: the type, the validity, the lots; and how to take part:
    the response deadline (closed), or joining at any time during the validity (open)."""
    lines = [body.strip(), "", f"项目编号：{project.code}", f"框架协议采购类型：{plan.get_agreement_type_display()}"]
    if plan.valid_from and plan.valid_until:
        lines.append(f"框架协议有效期：{chinese_date(plan.valid_from)}至{chinese_date(plan.valid_until)}")
    lines.append("采购包：")
    for lot in Lot.objects.filter(project=project).order_by("number"):
        fw = framework_lot_of(lot)
        parts = [f"　　{lot_label(lot)}，计量单位：{lot.unit_of_measure}"]
        if lot.max_unit_price_yuan is not None:
            label = "协议单价（最高限制单价）" if plan.is_open else "最高限制单价"
            parts.append(f"{label}：{yuan_text(lot.max_unit_price_yuan)}")
        if fw is not None and not plan.is_open:
            if fw.evaluation_method:
                parts.append(f"评审方法：{fw.get_evaluation_method_display()}")
            if fw.elimination_rate_percent is not None:
                parts.append(f"淘汰率：{fw.elimination_rate_percent.normalize():f}%")
        lines.append("，".join(parts))
    if not plan.is_open and plan.small_micro_deduction_percent is not None:
        lines.append(f"小微企业价格扣除：采用价格优先法的采购包，对小型、微型企业的响应报价给予"
                     f"{plan.small_micro_deduction_percent}%的扣除，用扣除后的价格参与评审（财库〔2022〕17号第五项）")
    if plan.is_open:
        lines.append(_open_joining_text(plan))
    else:
        lines.append(f"提交响应文件截止时间：{chinese_datetime(deadline)}")
    return "\n".join(lines)


def _open_joining_text(plan: FrameworkPlan) -> str:
    """How a supplier takes part in an open agreement (Order 110, open agreements; annex 8 §四 and note 1)."""
    period = (f"（{chinese_date(plan.valid_from)}至{chinese_date(plan.valid_until)}）"
              if plan.valid_from and plan.valid_until else "")
    return (f"加入方式：本框架协议为开放式框架协议，不设提交响应文件截止时间，不进行评审和淘汰（采购方案附件8注1）。"
            f"框架协议有效期内{period}，供应商可随时通过本平台申请加入：接受本公告公布的协议条件和协议单价，"
            f"并提交资格证明文件；征集人自收到申请之日起{plan.join_review_working_days}个工作日内完成审核，"
            "审核通过即签订框架协议。已加入的供应商可随时退出（财政部令第110号）。")


def _deadline_checked(response_deadline: datetime | None, moment: datetime) -> datetime:
    """A closed agreement's response deadline: given, ahead, and at least ``SOLICITATION_PERIOD`` after the notice."""
    if response_deadline is None:
        raise ServiceError("请填写提交响应文件截止时间", field="response_deadline")
    if timezone.is_naive(response_deadline):
        response_deadline = timezone.make_aware(response_deadline)
    if response_deadline <= moment:
        raise ServiceError("提交响应文件截止时间必须晚于现在", field="response_deadline")
    earliest = earliest_deadline_day(timezone.localdate(moment))
    if timezone.localdate(response_deadline) < earliest:
        raise ServiceError(f"自征集公告发布之日起至提交响应文件截止之日止不得少于{SOLICITATION_PERIOD}"
                           f"（{SOLICITATION_PERIOD.rule}），截止时间最早为{chinese_date(earliest)}",
                           field="response_deadline")
    return response_deadline


@transaction.atomic
def solicitation_publish(*, project: Project, body: str, actor, response_deadline: datetime | None = None,
                         title: str = "", now: datetime | None = None) -> FrameworkDetails:
    """发布框架协议征集公告 once the plan is filed (seed 三(二)(3)), and, for a closed agreement, set the response
    deadline. An open agreement's notice has none (``response_deadline`` is ignored): suppliers ask to join at any
    time during the validity (Order 110, open agreements; annex 8 note 1)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    plan = _plan_of(project)
    _require_runner(project, actor)
    if plan.status != FrameworkPlan.Status.FILED:
        raise ServiceError(f"框架协议采购方案当前为「{plan.get_status_display()}」，须经财政部门审核通过并备案后"
                           "才能发布征集公告（seed 三(二)(3)）")
    details = _details_of(project)
    if details is not None and details.solicitation_notice_id:
        raise ServiceError("本项目已发布框架协议征集公告，不能重复发布")
    if not Lot.objects.filter(project=project).exists():
        raise ServiceError("采购方案尚无采购包，不能发布征集公告")
    missing = [lot_label(lot) for lot in Lot.objects.filter(project=project, max_unit_price_yuan__isnull=True)]
    if missing:
        raise ServiceError(f"{'、'.join(missing)}未设置最高限制单价（附件8第七部分），不能发布征集公告")
    body = (body or "").strip()
    if not body:
        raise ServiceError("请填写征集公告正文", field="body")
    moment = _now(now)
    if plan.is_open:
        response_deadline = None  # no sealed responses: suppliers join during the validity (annex 8 note 1)
        if not plan.join_review_working_days:
            raise ServiceError("开放式框架协议采购方案未声明加入申请的审核期限（工作日），不能发布征集公告"
                               "（附件8第四部分）")
    else:
        response_deadline = _deadline_checked(response_deadline, moment)
    title = (title or "").strip() or f"{project.title}框架协议征集公告"
    if len(title) > 200:
        raise ServiceError("公告标题不能超过200个字符", field="title")
    notice = notice_publish(type=Notice.Type.FRAMEWORK_SOLICITATION, title=title,
                            body=_notice_body(project, plan, body, response_deadline), project=project,
                            actor=actor, published_at=moment)
    details, _ = FrameworkDetails.objects.get_or_create(project=project)
    details.solicitation_notice = notice
    details.save(update_fields=["solicitation_notice"])
    if response_deadline is not None:
        project.response_opens_at = moment
        project.response_deadline = response_deadline
        project.save(update_fields=["response_opens_at", "response_deadline", "updated_at"])
    event_record(subject=project, action=PUBLISH_ACTION, actor=actor,
                 changes={"notice_id": notice.pk,
                          "response_deadline": response_deadline.isoformat() if response_deadline else None,
                          "agreement_type": plan.agreement_type})
    project_status_advance(project=project, to=Project.Status.PROCURING, actor=actor)  # 采购实施中
    project.refresh_from_db(fields=["status"])
    solicitation_next_check_refresh(project)
    return details


def solicitation_open(project: Project, *, now: datetime | None = None) -> bool:
    """Is the solicitation published and its deadline still ahead?"""
    details = _details_of(project)
    return (details is not None and details.solicitation_notice_id is not None
            and project.response_deadline is not None and _now(now) < project.response_deadline)


# --- 2. a supplier's response --------------------------------------------------------------------------------

def check_supplier(actor, supplier: Organization, *, round_name: str = "框架协议征集") -> None:
    """``actor`` may respond for ``supplier`` to the round named ``round_name`` (框架协议征集, 补充征集)."""
    if supplier.kind != Organization.Kind.SUPPLIER:
        raise ServiceError(f"{supplier.name}不是供应商，不能响应{round_name}")
    if not access.acts_for(actor, supplier.pk):
        raise PermissionDenied(f"您无权代表{supplier.name}响应（只读账号或非本单位事项）")


def _check_window(project: Project, *, now: datetime | None = None) -> None:
    if _plan_of(project).is_open:
        raise ServiceError("开放式框架协议不提交响应文件、不进行评审（采购方案附件8注1）：框架协议有效期内，"
                           "供应商接受征集公告公布的协议条件和价格即可申请加入")
    details = _details_of(project)
    if details is None or details.solicitation_notice_id is None:
        raise ServiceError("本项目尚未发布框架协议征集公告，不能响应")
    if deadline_passed(project, now=now):
        raise ServiceError(f"提交响应文件已于{chinese_datetime(project.response_deadline)}截止，截止后不能再保存、"
                           "提交、修改或撤回响应")


def price_refusal(lot: Lot, price: Decimal) -> ServiceError | None:
    """A response price above the lot's maximum unit price is refused, naming the lot and the ceiling."""
    if price <= 0:
        return ServiceError(f"{lot_label(lot)}的响应单价必须大于0", field="price_yuan")
    if lot.max_unit_price_yuan is not None and price > lot.max_unit_price_yuan:
        return ServiceError(f"{lot_label(lot)}的响应单价{yuan_text(price)}高于最高限制单价"
                            f"{yuan_text(lot.max_unit_price_yuan)}（附件8第七部分），不能响应", field="price_yuan")
    return None


def round_key(lot: Lot, supplement: Supplement | None) -> dict:
    """How the audit log names the round a response belongs to: the lot (first solicitation) or the supplement."""
    return {"supplement_id": supplement.pk} if supplement is not None else {"lot_id": lot.pk}


def response_record(*, lot: Lot, supplier: Organization, actor, price_yuan: Any, sme_size: str = "",
                    is_green: bool = False, quality_statement: str = "", qualification_file: File | None = None,
                    submit: bool = False, now: datetime | None = None, supplement: Supplement | None = None,
                    action: str, action_label: str = "") -> SolicitationResponse:
    """Save, revise or submit ``supplier``'s response to ``lot`` in one round: the first solicitation
    (``supplement`` None) or a 补充征集, whose conditions are the same (annex 8 §十一). The caller locks the round
    and checks the supplier and the window; call inside its transaction."""
    price = _decimal(price_yuan, label=f"{lot_label(lot)}的响应单价", field="price_yuan")
    refusal = price_refusal(lot, price)
    if refusal is not None:
        raise refusal
    sme_size = (sme_size or "").strip()
    if sme_size and sme_size not in Organization.SmeSize.values:
        raise ServiceError(f"中小企业声明「{sme_size}」无效", field="sme_size")
    quality_statement = (quality_statement or "").strip()
    if qualification_file:
        qualification_file = pdf_checked(qualification_file, field="qualification_file", label="资格证明文件")
    rows = SolicitationResponse.objects.select_for_update()
    rows = (rows.filter(supplement=supplement) if supplement is not None
            else rows.filter(lot=lot, supplement__isnull=True))
    response = rows.filter(supplier=supplier).first()
    if response is not None and response.status == SolicitationResponse.Status.WITHDRAWN:
        what = "该补充征集" if supplement is not None else lot_label(lot)
        raise ServiceError(f"您已撤回对{what}的响应，撤回后不能再修改或提交")
    if submit:
        if not qualification_file and not (response is not None and response.qualification_file):
            raise ServiceError("提交响应须上传资格证明文件（PDF）", field="qualification_file")
        if not sme_size:
            raise ServiceError("提交响应须作出中小企业声明（选择企业规模）", field="sme_size")
        if is_quality_priority(lot) and not quality_statement:
            raise ServiceError(f"{lot_label(lot)}采用质量优先法（附件8第八部分），提交响应须填写质量（技术）响应说明",
                               field="quality_statement")
    if response is None:
        response = SolicitationResponse(lot=lot, supplier=supplier, supplement=supplement)
    response.price_yuan = price
    response.sme_size = sme_size
    response.is_green = bool(is_green)
    response.quality_statement = quality_statement
    if qualification_file:
        response.qualification_file = qualification_file
    response.save()
    # The price is sealed until the deadline: the audit log records that the response changed, never its price.
    key = round_key(lot, supplement)
    event_record(subject=response, action=action, action_label=action_label, actor=actor,
                 changes={**key, "status": response.status, "file": bool(response.qualification_file)})
    if submit:

        def stamp(row: SolicitationResponse) -> dict:
            row.submitted_at = _now(now)
            return dict(key)

        response = transition_run(instance=response, name="submit", actor=actor, prepare=stamp)
    return response


@transaction.atomic
def response_save(*, lot: Lot, supplier: Organization, actor, price_yuan: Any, sme_size: str = "",
                  is_green: bool = False, quality_statement: str = "", qualification_file: File | None = None,
                  submit: bool = False, now: datetime | None = None) -> SolicitationResponse:
    """Save (a draft, or a revision of a submitted response) or submit ``supplier``'s response to ``lot``."""
    project = Project.objects.select_for_update().get(pk=lot.project_id)
    _plan_of(project)
    check_supplier(actor, supplier)
    _check_window(project, now=now)
    return response_record(lot=lot, supplier=supplier, actor=actor, price_yuan=price_yuan, sme_size=sme_size,
                           is_green=is_green, quality_statement=quality_statement,
                           qualification_file=qualification_file, submit=submit, now=now, action=SAVE_ACTION)


@transaction.atomic
def response_withdraw(*, response: SolicitationResponse, actor, now: datetime | None = None) -> SolicitationResponse:
    """撤回响应 before the deadline (final: the supplier does not respond to that lot again)."""
    project = Project.objects.select_for_update().get(pk=response.lot.project_id)
    check_supplier(actor, response.supplier)
    _check_window(project, now=now)
    return transition_run(instance=response, name="withdraw", actor=actor)


# --- 4. evaluation after the deadline (annex 8 §八, §九) ------------------------------------------------------

def _check_after_deadline(project: Project, *, what: str, now: datetime | None = None) -> None:
    if not deadline_passed(project, now=now):
        when = chinese_datetime(project.response_deadline) if project.response_deadline else "（未设置）"
        raise ServiceError(f"提交响应文件截止时间{when}未到，响应仍密封，不能{what}")


def _check_evaluable(plan: FrameworkPlan, lot: Lot) -> None:
    if plan.is_open:
        raise ServiceError("开放式框架协议不进行评审和淘汰（附件8注1），供应商按公开的条件和价格申请加入")
    if Agreement.objects.filter(lot=lot, response__isnull=False).exists():
        raise ServiceError(f"{lot_label(lot)}已确定入围供应商，不能再修改评审结果")


def evaluation_record(*, response: SolicitationResponse, lot: Lot, qualified: bool, actor, note: str = "",
                      quality_score: Any = None, now: datetime | None = None, supplement: Supplement | None = None,
                      action: str, action_label: str = "") -> SolicitationResponse:
    """Record the center's qualification result (and quality score) of a submitted response of one round: the
    first solicitation (``supplement`` None) or a 补充征集, evaluated the same way (annex 8 §十一). The caller locks
    ``response`` and checks the center and the deadline; call inside its transaction."""
    if response.status != SolicitationResponse.Status.SUBMITTED:
        whose = response.supplier.name if supplement is not None else f"{response.supplier.name}对{lot_label(lot)}"
        raise ServiceError(f"{whose}的响应为「{response.get_status_display()}」，只评审已提交的响应")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ServiceError(f"审查意见不能超过{NOTE_MAX_LENGTH}个字符", field="note")
    if not qualified and not note:
        raise ServiceError(f"{response.supplier.name}：判定不符合资格条件或实质性要求须说明理由", field="note")
    score = None
    if quality_score not in (None, ""):
        score = _decimal(quality_score, label="质量（技术）得分", field="quality_score")
        if not Decimal(0) <= score <= MAX_QUALITY_SCORE:
            raise ServiceError("质量（技术）得分须在0至100分之间", field="quality_score")
    if qualified and is_quality_priority(lot) and score is None:
        raise ServiceError(f"{lot_label(lot)}采用质量优先法（附件8第八部分），"
                           f"须录入{response.supplier.name}的质量（技术）得分", field="quality_score")
    response.qualification = (SolicitationResponse.Qualification.QUALIFIED if qualified
                              else SolicitationResponse.Qualification.DISQUALIFIED)
    response.qualification_note = note
    response.quality_score = score
    response.evaluated_at = _now(now)
    response.save(update_fields=["qualification", "qualification_note", "quality_score", "evaluated_at",
                                 "updated_at"])
    event_record(subject=response, action=action, action_label=action_label, actor=actor,
                 changes={**round_key(lot, supplement), "qualification": response.qualification,
                          "quality_score": str(score) if score is not None else None}, note=note)
    return response


@transaction.atomic
def response_evaluate(*, response: SolicitationResponse, qualified: bool, actor, note: str = "",
                      quality_score: Any = None, now: datetime | None = None) -> SolicitationResponse:
    """Record the center's qualification result (and quality score) of one submitted response."""
    response = SolicitationResponse.objects.select_for_update().select_related("lot", "supplier").get(pk=response.pk)
    lot = response.lot
    project = Project.objects.get(pk=lot.project_id)
    plan = _plan_of(project)
    _require_runner(project, actor, access.Step.AWARD)
    _check_evaluable(plan, lot)  # an open agreement first: it has no deadline to wait for (annex 8 note 1)
    _check_after_deadline(project, what="录入评审结果", now=now)
    return evaluation_record(response=response, lot=lot, qualified=qualified, actor=actor, note=note,
                             quality_score=quality_score, now=now, action=EVALUATE_ACTION)


# --- 5. the shortlist per lot (annex 8 §九) ----------------------------------------------------------------

def shortlist_rule_of(plan: FrameworkPlan) -> str:
    return plan.shortlist_tie_break or TieBreakRule.EARLIER_SUBMISSION


def agreement_code(project: Project, sequence: int) -> str:
    """框架协议编号: its project's code followed by ``-XY`` and a four-digit number (JLKJ-2026-0001-XY0001), as the
    core numbers contracts (``procurement.numbering.contract_code``)."""
    return f"{project.code}-XY{sequence:04d}"


def agreement_code_next(project: Project) -> str:
    """The next free agreement code of ``project`` (call with the project row locked)."""
    prefix = f"{project.code}-XY"
    codes = Agreement.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code.removeprefix(prefix)) for code in codes if code.removeprefix(prefix).isdigit()]
    return agreement_code(project, max(numbers, default=0) + 1)


@transaction.atomic
def shortlist_confirm(*, lot: Lot, actor, now: datetime | None = None) -> list[Agreement]:
    """确定第一阶段入围供应商 of ``lot``: the ranking cut at ``max_shortlisted``; one agreement per supplier in."""
    from framework.selectors.solicitation import shortlist_computation

    project = Project.objects.select_for_update().get(pk=lot.project_id)
    lot = Lot.objects.get(pk=lot.pk)
    lot.project = project  # the locked row: its deadline as it is now, not as the caller read it
    plan = _plan_of(project)
    _require_runner(project, actor, access.Step.AWARD)
    _check_evaluable(plan, lot)  # an open agreement first: it has no deadline to wait for (annex 8 note 1)
    _check_after_deadline(project, what="确定入围供应商", now=now)
    pending = SolicitationResponse.objects.filter(lot=lot, supplement__isnull=True,
                                                  status=SolicitationResponse.Status.SUBMITTED,
                                                  qualification=SolicitationResponse.Qualification.PENDING).count()
    if pending:
        raise ServiceError(f"{lot_label(lot)}尚有{pending}份响应未录入资格审查结果，不能确定入围供应商")
    computation = shortlist_computation(lot, plan=plan)
    if computation.refusal:
        raise ServiceError(f"{lot_label(lot)}：{computation.refusal}")
    agreements = []
    for row in computation.rows:
        if not row.shortlisted:
            continue
        agreement = Agreement.objects.create(
            lot=lot, supplier_id=row.response.supplier_id, response=row.response,
            code=agreement_code_next(project), price_yuan=row.response.price_yuan, rank=row.rank,
            valid_until=plan.valid_until)
        agreement_next_check_refresh(agreement)
        agreements.append(agreement)
    event_record(subject=lot, action=SHORTLIST_ACTION, actor=actor, note=computation.summary,
                 changes={"qualified": computation.qualified, "cap": computation.cap,
                          "shortlisted": [a.supplier_id for a in agreements]})
    return agreements


# --- 6. the shortlist notice and letters (seed 三(二)(4)) ---------------------------------------------------

def _shortlist_notice_body(project: Project, lots: list[Lot], agreements: list[Agreement], letter_day: date) -> str:
    lines = [f"项目编号：{project.code}", f"项目名称：{project.title}", "入围结果："]
    for lot in lots:
        lines.append(f"　　{lot_label(lot)}")
        for agreement in (a for a in agreements if a.lot_id == lot.pk):
            lines.append(f"　　　　第{agreement.rank}名 {agreement.supplier.name}，入围单价："
                         f"{yuan_text(agreement.price_yuan)}/{lot.unit_of_measure}")
    lines.append(f"入围通知书发出日期：{chinese_date(letter_day)}；入围供应商应自入围通知书发出之日起"
                 f"{deadlines.FRAMEWORK_AGREEMENT_SIGNING}内签订框架协议。")
    return "\n".join(lines)


@transaction.atomic
def shortlist_publish(*, project: Project, actor, title: str = "", now: datetime | None = None) -> FrameworkDetails:
    """发布入围结果公告 and send the 入围通知书 (signing due 30 days after the letter, seed 三(二)(4))."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    plan = _plan_of(project)
    _require_runner(project, actor, access.Step.AWARD)
    if plan.is_open:
        raise ServiceError("开放式框架协议不确定入围供应商（附件8注1），无入围结果公告")
    details = _details_of(project)
    if details is None or details.solicitation_notice_id is None:
        raise ServiceError("本项目尚未发布框架协议征集公告")
    if details.shortlist_notice_id:
        raise ServiceError("本项目已发布入围结果公告，不能重复发布")
    lots = list(Lot.objects.filter(project=project).order_by("number"))
    agreements = list(Agreement.objects.filter(lot__project=project, response__isnull=False)
                      .select_related("supplier", "lot").order_by("lot__number", "rank"))
    waiting = [lot_label(lot) for lot in lots if not any(a.lot_id == lot.pk for a in agreements)]
    if waiting:
        raise ServiceError(f"{'、'.join(waiting)}尚未确定入围供应商，不能发布入围结果公告")
    moment = _now(now)
    letter_day = timezone.localdate(moment)
    title = (title or "").strip() or f"{project.title}入围结果公告"
    notice = notice_publish(type=Notice.Type.SHORTLIST, title=title[:200],
                            body=_shortlist_notice_body(project, lots, agreements, letter_day), project=project,
                            actor=actor, published_at=moment)
    details.shortlist_notice = notice
    details.save(update_fields=["shortlist_notice"])
    sign_due = deadlines.due_date(letter_day, deadlines.FRAMEWORK_AGREEMENT_SIGNING)
    Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(letter_sent_on=letter_day, sign_due=sign_due,
                                                                       updated_at=moment)
    # The sweep tracks the signing from the letter on (seed 三(二)(4): signed within 30 days of the letter).
    for agreement in Agreement.objects.filter(pk__in=[a.pk for a in agreements]).select_related("lot__project"):
        agreement_next_check_refresh(agreement)
    event_record(subject=project, action=SHORTLIST_PUBLISH_ACTION, actor=actor,
                 changes={"notice_id": notice.pk, "letter_sent_on": letter_day.isoformat(),
                          "sign_due": sign_due.isoformat(), "agreements": len(agreements)})
    _notify(project, agreements, sign_due)
    project_status_advance(project=project, to=Project.Status.AWARDED, actor=actor)  # 已定标
    return details


def _notify(project: Project, agreements: list[Agreement], sign_due: date) -> None:
    url = reverse("framework:solicitation-supplier-list")
    by_supplier: dict[int, list[Agreement]] = {}
    for agreement in agreements:
        by_supplier.setdefault(agreement.supplier_id, []).append(agreement)
    for supplier_agreements in by_supplier.values():
        supplier = supplier_agreements[0].supplier
        lots = "、".join(f"{lot_label(a.lot)}（第{a.rank}名，入围单价{yuan_text(a.price_yuan)}）"
                        for a in supplier_agreements)
        organizations_notify(
            organizations=[supplier], subject=project, kind=SHORTLISTED_KIND,
            title=f"入围通知书：{project.title}",
            body=f"贵单位在{project.title}（{project.code}）中入围{lots}。请于{chinese_date(sign_due)}前签订框架协议"
                 f"（入围通知书发出之日起{deadlines.FRAMEWORK_AGREEMENT_SIGNING}内）。", url=url)
    responded = (SolicitationResponse.objects.filter(lot__project=project, supplement__isnull=True,
                                                     status=SolicitationResponse.Status.SUBMITTED)
                 .exclude(supplier_id__in=by_supplier).select_related("supplier"))
    others = {response.supplier_id: response.supplier for response in responded}
    if others:
        organizations_notify(
            organizations=list(others.values()), subject=project, kind=NOT_SHORTLISTED_KIND,
            title=f"未入围通知：{project.title}",
            body=f"感谢贵单位参与{project.title}（{project.code}）的框架协议征集。经评审，贵单位未入围，"
                 "入围结果见入围结果公告。",
            url=url)

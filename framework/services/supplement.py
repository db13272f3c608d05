"""补充征集 (annex 8 §十一) of a closed framework agreement's lot, during the agreement's validity.

附件8第十一部分：除剩余入围供应商不足入围供应商总数70%且影响框架协议执行的情形外，框架协议有效期内，征集人不得补充
征集供应商。补充征集的条件、程序、评审方法和淘汰比例应当与初次征集相同。补充征集应当遵守原框架协议的有效期。补充征集
期间，原框架协议继续履行。

- ``supplement_start``: the center opens it (wrapping ``framework.services.agreements.supplement_open``, which
  publishes the notice) only for a closed agreement, within its validity, when the remaining suppliers are fewer
  than 70% of the first shortlist and the center states how execution suffers; not while another supplement of
  the lot runs; the response deadline leaves the first solicitation's period (``solicitation.SOLICITATION_PERIOD``).
- ``supplement_response_save`` / ``supplement_response_withdraw``: a supplier responds as to the first solicitation
  (price not above the lot's maximum, qualification PDF, SME declaration, quality statement where quality-priority),
  sealed until the supplement's deadline; a supplier removed from the lot, or already in force on it, is refused
  (``agreements.supplier_may_join``).
- ``supplement_response_evaluate`` and ``supplement_shortlist``: after the deadline, the same evaluation and the
  same elimination rate (``framework.selectors.supplement.supplement_computation``); the new agreements end on the
  original agreement's end date, rank and rotation after the existing ones, letters and signing due as the first
  shortlist; a 补充征集入围结果公告. The original agreements are never touched: orders go on meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import Agreement, AgreementType, FrameworkPlan, SolicitationResponse, Supplement
from framework.selectors import supplement as selectors
from framework.services import agreements as agreement_services
from framework.services import orders as order_services
from framework.services import solicitation as solicitation_services
from framework.supplement_deadlines import supplement_next_check_refresh
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.formats import chinese_date, chinese_datetime, yuan_text
from procurement.models import Lot, Organization, Project
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organizations_notify
from procurement.services.transitions import transition_run

SOURCE = "采购方案第十一部分（附件8）"
ROUND_NAME = "补充征集"
SAVE_ACTION = "framework_supplement_response_save"
EVALUATE_ACTION = "framework_supplement_response_evaluate"
NOTICE_ACTION = "framework_supplement_shortlist_notice"
EVENT_ACTIONS = {
    SAVE_ACTION: "保存补充征集响应",
    EVALUATE_ACTION: "录入补充征集资格审查结果",
    NOTICE_ACTION: "发布补充征集入围结果公告",
}
SHORTLISTED_KIND = "supplement_shortlisted"
NOT_SHORTLISTED_KIND = "supplement_not_shortlisted"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _center_required(actor, project: Project, what: str) -> None:
    if not (access.is_superuser(actor) or access.acts_for(actor, project.organizer_id)):
        raise PermissionDenied(f"只有组织该框架协议采购的集中采购机构（{project.organizer.name}）可以{what}")


def _locked_supplement(supplement: Supplement) -> Supplement:
    return (Supplement.objects.select_for_update(of=("self",))
            .select_related("lot", "lot__project", "lot__project__organizer").get(pk=supplement.pk))


# --- 1. opening (annex 8 §十一) ------------------------------------------------------------------------------

def start_refusal(lot: Lot, *, now: datetime | None = None) -> str:
    """Why a supplement of ``lot`` cannot be opened now ("" when it can, the reason still to be stated)."""
    plan = FrameworkPlan.objects.filter(project_id=lot.project_id).first()
    if plan is None:
        return "该项目不是框架协议采购项目"
    if plan.agreement_type == AgreementType.OPEN:
        return "开放式框架协议不适用补充征集，供应商可随时申请加入（采购方案附件8注1）"
    today = timezone.localdate(_now(now))
    if plan.valid_until is None or today > plan.valid_until:
        if plan.valid_until is None:
            return "采购方案未载明框架协议有效期，不能补充征集"
        return f"原框架协议有效期已于{chinese_date(plan.valid_until)}届满，补充征集应在框架协议有效期内进行（{SOURCE}）"
    standing = selectors.lot_standing(lot, on=today)
    if standing.open_supplement is not None:
        return (f"{solicitation_services.lot_label(lot)}已有尚未确定入围的补充征集"
                f"（{standing.open_supplement.get_status_display()}），不能同时再发起")
    if standing.shortlisted == 0:
        return f"{solicitation_services.lot_label(lot)}尚未确定入围供应商，不能补充征集"
    if not standing.allowed:
        return (f"{solicitation_services.lot_label(lot)}原入围供应商{standing.shortlisted}家，"
                f"剩余{standing.remaining}家，不少于入围供应商总数的70%，框架协议有效期内不得补充征集供应商（{SOURCE}）")
    return ""


@transaction.atomic
def supplement_start(*, lot: Lot, reason: str, response_deadline: datetime, actor,
                     now: datetime | None = None) -> Supplement:
    """发起补充征集 and publish its notice (``agreements.supplement_open``), after the checks of annex 8 §十一."""
    locked = Lot.objects.select_for_update(of=("self",)).select_related("project", "project__organizer").get(pk=lot.pk)
    _center_required(actor, locked.project, "发起补充征集")
    refusal = start_refusal(locked, now=now)
    if refusal:
        raise TransitionRefused(refusal)
    if not (reason or "").strip():
        raise ServiceError("请说明剩余入围供应商不足对框架协议执行的影响（补充征集须以影响框架协议执行为前提，"
                           f"{SOURCE}）", field="reason")
    if not isinstance(response_deadline, datetime):
        raise ServiceError("请填写补充征集响应截止时间", field="response_deadline")
    if timezone.is_naive(response_deadline):
        response_deadline = timezone.make_aware(response_deadline)
    moment = _now(now)
    if response_deadline <= moment:
        raise ServiceError("补充征集响应截止时间必须晚于现在", field="response_deadline")
    period = solicitation_services.SOLICITATION_PERIOD
    earliest = solicitation_services.earliest_deadline_day(timezone.localdate(moment))
    if timezone.localdate(response_deadline) < earliest:
        raise ServiceError(f"补充征集的程序与初次征集相同：自公告发布之日起至提交响应文件截止之日止不得少于{period}"
                           f"（{period.rule}），截止时间最早为{chinese_date(earliest)}", field="response_deadline")
    plan = FrameworkPlan.objects.get(project_id=locked.project_id)
    if timezone.localdate(response_deadline) >= plan.valid_until:
        raise ServiceError(f"补充征集应当遵守原框架协议的有效期：响应截止时间须早于有效期止"
                           f"（{chinese_date(plan.valid_until)}）", field="response_deadline")
    shortlisted = selectors.original_shortlist(locked).count()
    left = selectors.remaining(locked, on=timezone.localdate(moment)).count()
    supplement = agreement_services.supplement_open(lot=locked, reason=reason, response_deadline=response_deadline,
                                                    actor=actor)
    # The counts of annex 8 §十一 as this slice reads them (the first shortlist; agreements still in force).
    Supplement.objects.filter(pk=supplement.pk).update(shortlisted_count=shortlisted, remaining_count=left)
    supplement.refresh_from_db()
    supplement_next_check_refresh(supplement)
    return supplement


# --- 2. responses: as to the first solicitation, sealed until the supplement's deadline ----------------------------

def _check_window(supplement: Supplement, *, now: datetime | None = None) -> None:
    if supplement.notice_id is None:
        raise ServiceError("补充征集公告尚未发布，不能响应")
    if supplement.status != Supplement.Status.OPEN or _now(now) >= supplement.response_deadline:
        raise ServiceError(f"补充征集已于{chinese_datetime(supplement.response_deadline)}截止，截止后不能再保存、"
                           "提交、修改或撤回响应")


def join_refusal(supplement: Supplement, supplier: Organization) -> str:
    """Why ``supplier`` may not respond to ``supplement`` ("" when it may): a removed supplier never rejoins the lot,
    and one already holding a place on it does not respond again (``agreements.supplier_join_refusal``)."""
    return agreement_services.supplier_join_refusal(lot=supplement.lot, supplier=supplier)


@transaction.atomic
def supplement_response_save(*, supplement: Supplement, supplier: Organization, actor, price_yuan: Any,
                             sme_size: str = "", is_green: bool = False, quality_statement: str = "",
                             qualification_file: File | None = None, submit: bool = False,
                             now: datetime | None = None) -> SolicitationResponse:
    """Save a draft of, revise or submit ``supplier``'s response to ``supplement``: the first solicitation's rules."""
    locked = _locked_supplement(supplement)
    lot = locked.lot
    solicitation_services.check_supplier(actor, supplier, round_name=ROUND_NAME)
    _check_window(locked, now=now)
    agreement_services.supplier_may_join(lot=lot, supplier=supplier)
    return solicitation_services.response_record(
        lot=lot, supplier=supplier, actor=actor, price_yuan=price_yuan, sme_size=sme_size, is_green=is_green,
        quality_statement=quality_statement, qualification_file=qualification_file, submit=submit, now=now,
        supplement=locked, action=SAVE_ACTION, action_label=EVENT_ACTIONS[SAVE_ACTION])


@transaction.atomic
def supplement_response_withdraw(*, response: SolicitationResponse, actor,
                                 now: datetime | None = None) -> SolicitationResponse:
    """撤回 a supplement response before its deadline (final)."""
    if response.supplement_id is None:
        raise ServiceError("该响应不是补充征集响应")
    locked = _locked_supplement(response.supplement)
    solicitation_services.check_supplier(actor, response.supplier, round_name=ROUND_NAME)
    _check_window(locked, now=now)
    return transition_run(instance=response, name="withdraw", actor=actor)


# --- 3. evaluation and the supplementary shortlist --------------------------------------------------------------

def _closed(supplement: Supplement, *, actor, what: str, now: datetime | None = None) -> Supplement:
    """After its deadline a supplement is closed (open → closed, once); before it, refused: still sealed."""
    if _now(now) < supplement.response_deadline:
        raise ServiceError(f"补充征集响应截止时间{chinese_datetime(supplement.response_deadline)}未到，响应仍密封，"
                           f"不能{what}")
    if supplement.status == Supplement.Status.OPEN:
        supplement = transition_run(instance=supplement, name="close", actor=actor)
    if supplement.status == Supplement.Status.SHORTLISTED:
        raise TransitionRefused("该补充征集已确定入围供应商，不能再修改")
    return supplement


@transaction.atomic
def supplement_response_evaluate(*, response: SolicitationResponse, qualified: bool, actor, note: str = "",
                                 quality_score: Any = None, now: datetime | None = None) -> SolicitationResponse:
    """The center records a supplement response's qualification result (and quality score), after the deadline."""
    if response.supplement_id is None:
        raise ServiceError("该响应不是补充征集响应")
    supplement = _locked_supplement(response.supplement)
    _center_required(actor, supplement.lot.project, "录入补充征集资格审查结果")
    _closed(supplement, actor=actor, what="录入评审结果", now=now)
    response = SolicitationResponse.objects.select_for_update().select_related("supplier").get(pk=response.pk)
    return solicitation_services.evaluation_record(
        response=response, lot=supplement.lot, qualified=qualified, actor=actor, note=note,
        quality_score=quality_score, now=now, supplement=supplement, action=EVALUATE_ACTION,
        action_label=EVENT_ACTIONS[EVALUATE_ACTION])


def _notice_body(supplement: Supplement, agreements: list[Agreement], letter_day, summary: str) -> str:
    lot = supplement.lot
    project = lot.project
    lines = [f"项目编号：{project.code}", f"项目名称：{project.title}",
             f"采购包：{solicitation_services.lot_label(lot)}",
             f"补充征集原因：{supplement.reason}", f"评审计算：{summary}", "补充入围结果："]
    for agreement in agreements:
        lines.append(f"　　第{agreement.rank}名 {agreement.supplier.name}，入围单价："
                     f"{yuan_text(agreement.price_yuan)}/{lot.unit_of_measure}")
    lines.append(f"补充入围供应商的框架协议有效期与原框架协议相同，至{chinese_date(agreements[0].valid_until)}止"
                 f"（{SOURCE}）。")
    lines.append(f"入围通知书发出日期：{chinese_date(letter_day)}；入围供应商应自入围通知书发出之日起"
                 f"{deadlines.FRAMEWORK_AGREEMENT_SIGNING}内签订框架协议。")
    return "\n".join(lines)


@transaction.atomic
def supplement_shortlist(*, supplement: Supplement, actor, now: datetime | None = None) -> list[Agreement]:
    """确定补充入围供应商: the same method, tie-break and elimination rate as the first solicitation; the new agreements
    end on the original agreement's end date, rank and rotate after the existing ones; letters sent (signing due in
    30 days) and a 补充征集入围结果公告 published."""
    locked = _locked_supplement(supplement)
    lot = locked.lot
    project = Project.objects.select_for_update().get(pk=lot.project_id)
    _center_required(actor, project, "确定补充入围供应商")
    locked = _closed(locked, actor=actor, what="确定入围供应商", now=now)
    pending = SolicitationResponse.objects.filter(supplement=locked, status=SolicitationResponse.Status.SUBMITTED,
                                                  qualification=SolicitationResponse.Qualification.PENDING).count()
    if pending:
        raise ServiceError(f"该补充征集尚有{pending}份响应未录入资格审查结果，不能确定入围供应商")
    computation = selectors.supplement_computation(locked, now=now)
    if computation.refusal:
        raise ServiceError(f"{solicitation_services.lot_label(lot)}补充征集：{computation.refusal}")
    plan = FrameworkPlan.objects.get(project=project)
    # The same end date as the original agreement (annex 8 §十一): the original shortlist's, else the plan's.
    valid_until = (selectors.original_shortlist(lot).exclude(valid_until__isnull=True)
                   .aggregate(end=Max("valid_until"))["end"] or plan.valid_until)
    moment = _now(now)
    letter_day = timezone.localdate(moment)
    sign_due = deadlines.due_date(letter_day, deadlines.FRAMEWORK_AGREEMENT_SIGNING)
    last_rank = Agreement.objects.filter(lot=lot).aggregate(top=Max("rank"))["top"] or 0
    agreements = []
    for row in (r for r in computation.rows if r.shortlisted):
        # Checked again at the shortlist: a supplier removed or placed meanwhile never gets a second place.
        agreement_services.supplier_may_join(lot=lot, supplier=row.response.supplier)
        agreement = Agreement.objects.create(
            lot=lot, supplier_id=row.response.supplier_id, response=row.response,
            code=solicitation_services.agreement_code_next(project), price_yuan=row.response.price_yuan,
            rank=last_rank + row.rank, valid_until=valid_until, letter_sent_on=letter_day, sign_due=sign_due)
        agreement_next_check_refresh(agreement)
        agreements.append(agreement)
    # Rotation positions of the lot (annex 8 §十): those placed keep their place, later ones go after the last.
    order_services.rotation_positions_fix(lot=lot, actor=actor)
    notice = notice_publish(
        type=Notice.Type.SHORTLIST, project=project, publisher=project.organizer, actor=actor, published_at=moment,
        title=f"{project.title}{lot.name}补充征集入围结果公告"[:200],
        body=_notice_body(locked, agreements, letter_day, computation.summary))
    shortlisted = transition_run(instance=locked, name="shortlist", actor=actor, note=computation.summary)
    event_record(subject=shortlisted, action=NOTICE_ACTION, action_label=EVENT_ACTIONS[NOTICE_ACTION], actor=actor,
                 changes={"notice_id": notice.pk, "qualified": computation.qualified, "cap": computation.cap,
                          "agreements": [a.pk for a in agreements], "valid_until": valid_until.isoformat()})
    _notify(locked, agreements, sign_due)
    return agreements


def _notify(supplement: Supplement, agreements: list[Agreement], sign_due) -> None:
    project = supplement.lot.project
    url = reverse("framework:supplement-supplier-list")
    for agreement in agreements:
        organizations_notify(
            organizations=[agreement.supplier], subject=supplement, kind=SHORTLISTED_KIND,
            title=f"补充征集入围通知书：{project.title}"[:200],
            body=(f"贵单位在{project.title}（{project.code}）{solicitation_services.lot_label(agreement.lot)}补充征集中入围"
                  f"（入围单价{yuan_text(agreement.price_yuan)}），请于{chinese_date(sign_due)}前签订框架协议；"
                  f"协议有效期至{chinese_date(agreement.valid_until)}止，与原框架协议相同。"), url=url)
    placed = {a.supplier_id for a in agreements}
    others = [r.supplier for r in SolicitationResponse.objects.filter(
        supplement=supplement, status=SolicitationResponse.Status.SUBMITTED).exclude(
        supplier_id__in=placed).select_related("supplier")]
    if others:
        organizations_notify(
            organizations=others, subject=supplement, kind=NOT_SHORTLISTED_KIND,
            title=f"补充征集未入围通知：{project.title}"[:200],
            body=f"感谢贵单位参与{project.title}（{project.code}）的补充征集。经评审，贵单位未入围，结果见补充征集入围结果公告。",
            url=url)

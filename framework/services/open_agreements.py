"""Open framework agreements (开放式框架协议; MoF Order No. 110; annex 8 §四 and note 1; seed 000 三(二)).

An open plan carries none of §八–§十一 (no evaluation, no elimination, no removal, no supplement: those refusals
live in ``framework.services.solicitation`` and ``framework.services.agreements``) and declares
``join_review_working_days``, the period in which the center reviews a request to join.

- ``join_request_create``: after the solicitation notice and until the agreement's end, a supplier asks to join a
  lot by accepting the published terms and price (``accepts_terms``), with its qualification documents (PDF);
  ``review_due`` = the request day plus the plan's declared working days. A supplier holding a place on the lot
  (an agreement it has not left) or with a request awaiting review cannot ask; a removed supplier never (annex 8
  §十一, Order 110 Art. 19); a supplier that left may ask again.
- ``join_request_approve``: the center approves within the period: a new ``Agreement`` for the supplier on the lot
  (a new code), signed that day, at the lot's published price (its 最高限制单价: the price an open agreement offers),
  valid to the plan's end; the agreements it left stay as its history. ``join_request_reject``: with its reason.
- ``agreement_leave``: a supplier leaves an open agreement at any time; its listings are delisted.

Every write is atomic, locks its rows, is audited and refuses with a Chinese sentence naming its source.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import Agreement, FrameworkDetails, FrameworkPlan, JoinRequest
from framework.open_deadlines import join_request_next_check_refresh
from framework.selectors.agreements import supplier_rows
from framework.services.agreements import agreement_listings_delist, supplier_join_refusal
from framework.services.solicitation import agreement_code_next
from procurement import access, deadlines
from procurement.formats import chinese_date, yuan_text
from procurement.models import Lot, Notification, Organization, Project
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run
from procurement.services.uploads import pdf_checked

SOURCE = "财政部令第110号（开放式框架协议）"
NOTE_1 = "采购方案附件8注1"
MAX_TEXT = 4000

# Audit actions that are not transitions (FrameworkPlugin.event_actions, openexp section).
JOIN_REQUEST = "framework_join_request"
JOIN_AGREEMENT = "framework_join_agreement"
EVENT_ACTIONS = {
    JOIN_REQUEST: "申请加入开放式框架协议",
    JOIN_AGREEMENT: "加入开放式框架协议",
}


# --- helpers ----------------------------------------------------------------------------------------------

def _plan(project: Project) -> FrameworkPlan | None:
    return FrameworkPlan.objects.filter(project_id=project.pk).first()


def _center_required(actor, project: Project, what: str) -> None:
    if not (access.is_superuser(actor) or access.acts_for(actor, project.organizer_id)):
        raise PermissionDenied(f"只有组织该框架协议采购的集中采购机构（{project.organizer.name}）可以{what}")


def lot_join_refusal(lot: Lot, *, today: date | None = None) -> str:
    """Why nobody may ask to join ``lot`` today ("" when one may): an open plan, the solicitation notice published,
    the agreement not ended."""
    today = today or deadlines.today()
    plan = _plan(lot.project)
    if plan is None or not plan.is_open:
        return f"{lot}不属于开放式框架协议，供应商须通过征集响应入围，不能申请加入（{NOTE_1}）"
    if plan.status != FrameworkPlan.Status.FILED:
        return "框架协议采购方案尚未备案，不能申请加入"
    details = FrameworkDetails.objects.filter(project_id=lot.project_id).first()
    if details is None or details.solicitation_notice_id is None:
        return f"征集人尚未发布框架协议征集公告，征集公告发布后方可申请加入（{SOURCE}）"
    if details.expired_at is not None or (plan.valid_until is not None and today > plan.valid_until):
        end = chinese_date(plan.valid_until) if plan.valid_until else ""
        return f"框架协议已于{end}到期，不能再申请加入（{SOURCE}：有效期内可随时申请加入）"
    if lot.max_unit_price_yuan is None:
        return f"{lot}未公布协议价格（最高限制单价），不能申请加入"
    return ""


def supplier_request_refusal(*, lot: Lot, supplier: Organization) -> str:
    """Why ``supplier`` may not ask to join ``lot`` ("" when it may): a place on it already (an agreement it has
    not left; removed: never again) or a request awaiting review. Having left the lot is no refusal."""
    refusal = supplier_join_refusal(lot=lot, supplier=supplier)
    if refusal:
        return refusal
    if JoinRequest.objects.filter(lot_id=lot.pk, supplier_id=supplier.pk, status=JoinRequest.Status.PENDING).exists():
        return f"供应商「{supplier.name}」加入{lot}的申请正在审核中，不能重复申请"
    return ""


def _request_url(join: JoinRequest) -> str:
    return reverse("framework:open-request-list")


def review_overdue(join: JoinRequest, *, today: date | None = None) -> bool:
    """The review period has passed with the request still pending (flagged on the pages)."""
    today = today or deadlines.today()
    return join.status == JoinRequest.Status.PENDING and today > join.review_due


# --- asking to join ---------------------------------------------------------------------------------------

@transaction.atomic
def join_request_create(*, lot: Lot, supplier: Organization, accepts_terms: bool, qualification_file: File | None,
                        actor, today: date | None = None) -> JoinRequest:
    """A supplier asks to join an open agreement's lot by accepting the published terms and price (Order 110, open
    agreements); the center reviews it within the plan's declared working days."""
    if not (access.is_superuser(actor) or access.acts_for(actor, supplier.pk)):
        raise PermissionDenied(f"只有供应商「{supplier.name}」本单位可以申请加入")
    if supplier.kind != Organization.Kind.SUPPLIER:
        raise ServiceError("只有供应商可以申请加入开放式框架协议", field="supplier")
    # Lock the lot: two requests of one supplier on one lot run one after the other.
    lot = (Lot.objects.select_for_update(of=("self",)).select_related("project", "project__organizer")
           .get(pk=lot.pk))
    today = today or deadlines.today()
    refusal = lot_join_refusal(lot, today=today)
    if refusal:
        raise TransitionRefused(refusal)
    refusal = supplier_request_refusal(lot=lot, supplier=supplier)
    if refusal:
        raise ServiceError(refusal, field="supplier")
    if accepts_terms is not True:
        raise ServiceError("申请加入开放式框架协议须接受征集公告公布的协议条件和价格"
                           f"（{yuan_text(lot.max_unit_price_yuan)}"
                           f"/{lot.unit_of_measure}）（{SOURCE}）", field="accepts_terms")
    file = pdf_checked(qualification_file, field="qualification_file", label="资格证明文件")
    plan = _plan(lot.project)
    days = plan.join_review_working_days
    if not days:
        raise ServiceError("采购方案未声明加入申请的审核期限（工作日），不能受理加入申请（附件8第四部分）",
                           field="lot")
    review_due = deadlines.add_working_days(today, days)
    join = JoinRequest(lot=lot, supplier=supplier, accepts_terms=True, review_due=review_due)
    join.qualification_file.save(PurePath(file.name).name, file, save=False)
    join.save()
    event_record(subject=join, action=JOIN_REQUEST, action_label=EVENT_ACTIONS[JOIN_REQUEST], actor=actor,
                 target=join.status, changes={"lot_id": lot.pk, "supplier_id": supplier.pk,
                                              "review_due": review_due.isoformat(), "review_working_days": days})
    join_request_next_check_refresh(join)
    project = lot.project
    organization_notify(
        organization=project.organizer, subject=join, kind="join_requested",
        title=f"开放式框架协议加入申请待审核：{supplier.name}"[:200],
        body=(f"{supplier.name}申请加入「{project.code} {project.title}」{lot}，已接受协议条件和价格。"
              f"请于{chinese_date(review_due)}前完成审核（采购方案声明的审核期限为{days}个工作日）。"),
        url=_request_url(join))
    return join


# --- the center's review ------------------------------------------------------------------------------------

def _locked(join: JoinRequest) -> JoinRequest:
    return (JoinRequest.objects.select_for_update(of=("self",))
            .select_related("lot", "lot__project", "lot__project__organizer", "supplier").get(pk=join.pk))


@transaction.atomic
def join_request_approve(*, join: JoinRequest, actor, today: date | None = None) -> JoinRequest:
    """The center approves: a new agreement of the supplier on the lot, signed that day at the lot's published
    price, valid to the plan's end (Order 110, open agreements); a supplier that left the lot before joins again
    with a new agreement (the left ones are recorded in the audit). A late approval is allowed and recorded late."""
    locked = _locked(join)
    lot = locked.lot
    project = lot.project
    _center_required(actor, project, "审核开放式框架协议加入申请")
    if locked.status != JoinRequest.Status.PENDING:
        raise TransitionRefused(f"该申请当前状态为「{locked.get_status_display()}」，不能再审核")
    # Lock order: the lot (as when asking), then the project row for the agreement's number.
    Lot.objects.select_for_update(of=("self",)).filter(pk=lot.pk).first()
    today = today or deadlines.today()
    refusal = lot_join_refusal(lot, today=today)
    if refusal:
        raise TransitionRefused(refusal)
    existing = supplier_join_refusal(lot=lot, supplier=locked.supplier)
    if existing:
        raise TransitionRefused(existing)
    Project.objects.select_for_update(of=("self",)).filter(pk=project.pk).first()
    plan = _plan(project)
    left_before = list(supplier_rows(lot, locked.supplier).values_list("code", flat=True))
    agreement = Agreement.objects.create(
        lot=lot, supplier=locked.supplier, code=agreement_code_next(project), price_yuan=lot.max_unit_price_yuan,
        status=Agreement.Status.SIGNED, signed_on=today, valid_until=plan.valid_until)
    late = today > locked.review_due

    def prepare(row: JoinRequest) -> dict:
        row.agreement = agreement
        row.reviewed_at = timezone.now()
        return {"agreement_id": agreement.pk, "late": late}

    approved = transition_run(instance=locked, name="approve", actor=actor, prepare=prepare,
                              note=f"逾期审核：审核期限为{chinese_date(locked.review_due)}" if late else "")
    event_record(subject=agreement, action=JOIN_AGREEMENT, action_label=EVENT_ACTIONS[JOIN_AGREEMENT], actor=actor,
                 target=agreement.status,
                 changes={"join_request_id": approved.pk, "price_yuan": str(agreement.price_yuan),
                          "signed_on": today.isoformat(),
                          "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else None,
                          "left_before": left_before})
    agreement_next_check_refresh(agreement)
    join_request_next_check_refresh(approved)
    organization_notify(
        organization=approved.supplier, subject=approved, kind="join_approved",
        title=f"已同意加入开放式框架协议：{project.title}"[:200],
        body=(f"贵单位加入「{project.code} {project.title}」{lot}的申请已审核通过，框架协议编号{agreement.code}，"
              f"协议单价{yuan_text(agreement.price_yuan)}，有效期至{chinese_date(agreement.valid_until)}。"
              "请及时上架商品。"),
        url=reverse("framework:agreement-detail", args=[agreement.pk]))
    return approved


@transaction.atomic
def join_request_reject(*, join: JoinRequest, reason: str, actor) -> JoinRequest:
    """The center rejects a request, with its reason."""
    locked = _locked(join)
    project = locked.lot.project
    _center_required(actor, project, "审核开放式框架协议加入申请")
    if locked.status != JoinRequest.Status.PENDING:
        raise TransitionRefused(f"该申请当前状态为「{locked.get_status_display()}」，不能再审核")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写不同意加入的理由", field="reason")
    if len(reason) > MAX_TEXT:
        raise ServiceError(f"理由不能超过{MAX_TEXT}字（现有{len(reason)}字）", field="reason")

    def prepare(row: JoinRequest) -> dict:
        row.review_note = reason
        row.reviewed_at = timezone.now()
        return {"review_note": reason}

    rejected = transition_run(instance=locked, name="reject", actor=actor, prepare=prepare, note=reason)
    join_request_next_check_refresh(rejected)
    organization_notify(
        organization=rejected.supplier, subject=rejected, kind="join_rejected", level=Notification.Level.WARNING,
        title=f"加入开放式框架协议的申请未获同意：{project.title}"[:200],
        body=f"贵单位加入「{project.code} {project.title}」{rejected.lot}的申请未获同意，理由：{reason}",
        url=reverse("framework:open-list"))
    return rejected


# --- leaving -------------------------------------------------------------------------------------------------

@transaction.atomic
def agreement_leave(*, agreement: Agreement, actor, reason: str = "", today: date | None = None) -> Agreement:
    """A supplier leaves an open agreement at any time (Order 110, open agreements); its listings are delisted. The
    left agreement stays as history; the supplier may later ask to join the lot again (a new agreement)."""
    locked = (Agreement.objects.select_for_update(of=("self",))
              .select_related("lot", "lot__project", "lot__project__organizer", "supplier").get(pk=agreement.pk))
    if not (access.is_superuser(actor) or access.acts_for(actor, locked.supplier_id)):
        raise PermissionDenied(f"只有供应商「{locked.supplier.name}」本单位可以退出该框架协议")
    plan = _plan(locked.lot.project)
    if plan is None or not plan.is_open:
        raise TransitionRefused("封闭式框架协议的入围供应商不能自行退出（只有开放式框架协议的供应商可以随时退出，"
                                f"{SOURCE}）")
    if locked.status != Agreement.Status.SIGNED:
        raise TransitionRefused(f"框架协议当前状态为「{locked.get_status_display()}」，不能退出")
    reason = (reason or "").strip()[:MAX_TEXT]
    today = today or deadlines.today()

    def prepare(row: Agreement) -> dict:
        row.ended_on = today
        row.end_reason = f"供应商退出{('：' + reason) if reason else ''}"
        return {"ended_on": today.isoformat()}

    left = transition_run(instance=locked, name="leave", actor=actor, prepare=prepare, note=reason)
    agreement_listings_delist(left, actor=actor, note="供应商退出开放式框架协议")
    agreement_next_check_refresh(left)
    project = left.lot.project
    organization_notify(
        organization=project.organizer, subject=left, kind="left",
        title=f"供应商退出开放式框架协议：{left.supplier.name}"[:200],
        body=(f"{left.supplier.name}已于{chinese_date(today)}退出「{project.code} {project.title}」{left.lot}"
              f"（协议编号{left.code}），其上架商品已下架。" + (f"退出原因：{reason}" if reason else "")),
        url=reverse("framework:agreement-detail", args=[left.pk]))
    return left

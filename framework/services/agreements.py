"""The agreements stage of framework agreement procurement (seed 000 三(二)(4)(5); Order 110 Art. 19; annex 8 §十一).

- 签订框架协议: the center records the agreement signed with a shortlisted supplier (date, PDF), within 30 days of
  the shortlist letter (a later signing is recorded and flagged overdue); the publication (3 working days) and the
  filing (7 working days) due days follow from the signing date;
- 公开入围信息 and 备案 (a copy filed with finance: the core's ``Filing`` of kind FRAMEWORK_AGREEMENT);
- 上架: a supplier in force lists products under its agreement at no more than its agreement price; the center
  approves or rejects them (with a reason); the supplier (or the center) delists them;
- 框架协议执行通知: once every lot has a signed agreement with an approved listing, the center issues it (scope,
  period, second-stage procedure), published as a notice; only then may orders be placed;
- 清退: on a ground of Order 110 Art. 19(1), with evidence: before signing the place is cancelled, after signing the
  agreement is terminated, its listings delisted; the supplier never rejoins the lot (``supplier_may_join``: only
  a supplier that left an open agreement joins again);
- 补充征集 (annex 8 §十一): only below 70% of the shortlist and with the reason execution suffers.

Every write is atomic, locks its rows, is audited, and refuses with a Chinese sentence naming its source.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from framework import rules
from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import (
    Agreement,
    AgreementType,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    ProductListing,
    Removal,
    Supplement,
)
from framework.selectors.agreements import lot_readiness, plan_of, supplier_place, supplier_rows
from framework.services.orders import rotation_positions_fix
from framework.services.plans import project_status_advance
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.formats import chinese_date, yuan_text
from procurement.models import Filing, Lot, Notification, Organization, Project
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify, organizations_notify
from procurement.services.transitions import transition_run, transition_run_many
from procurement.services.uploads import MAX_PDF_BYTES, SIGNED_HINT, pdf_checked

MAX_TEXT = 4000
SEED_SIGNING = "吉财采购意见 三(二)(4)"
SEED_EXECUTION = "吉财采购意见 三(二)(5)"
ARTICLE_19 = "财政部令第110号第十九条"

# Audit actions of this stage that are not transitions (FrameworkPlugin.event_actions, agreements section).
PUBLISH = "framework_agreement_publish"
FILE = "framework_agreement_file"
LISTING_SUBMIT = "framework_listing_submit"
EXECUTION_NOTICE = "framework_execution_notice"
REMOVAL = "framework_removal"
SUPPLEMENT_OPEN = "framework_supplement_open"
EVENT_ACTIONS = {
    PUBLISH: "公开入围信息",
    FILE: "框架协议副本备案",
    LISTING_SUBMIT: "提交上架申请",
    EXECUTION_NOTICE: "印发框架协议执行通知",
    REMOVAL: "清退入围供应商",
    SUPPLEMENT_OPEN: "发起补充征集",
}


# --- helpers ------------------------------------------------------------------------------------------

def _locked(agreement: Agreement) -> Agreement:
    return (Agreement.objects.select_for_update(of=("self",))
            .select_related("lot", "lot__project", "lot__project__organizer", "supplier").get(pk=agreement.pk))


def _center_required(actor, project: Project, what: str) -> None:
    if not (access.is_superuser(actor) or access.acts_for(actor, project.organizer_id)):
        raise PermissionDenied(f"只有组织该框架协议采购的集中采购机构（{project.organizer.name}）可以{what}")


def _supplier_required(actor, agreement: Agreement, what: str) -> None:
    if not (access.is_superuser(actor) or access.acts_for(actor, agreement.supplier_id)):
        raise PermissionDenied(f"只有入围供应商{agreement.supplier.name}本单位可以{what}")


def _text(value, *, field: str, label: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field=field)
    if len(text) > MAX_TEXT:
        raise ServiceError(f"{label}不能超过{MAX_TEXT}字（现有{len(text)}字）", field=field)
    return text


def _day(value, *, field: str, label: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ServiceError(f"请填写正确的{label}", field=field)
    return value


def _finance_bureau(organization: Organization) -> Organization | None:
    """The finance department of the center's region, which receives the filing."""
    return (Organization.objects.filter(kind=Organization.Kind.FINANCE, region_id=organization.region_id,
                                        is_active=True).order_by("pk").first())


def _url(agreement: Agreement) -> str:
    return reverse("framework:agreement-detail", args=[agreement.pk])


def signed_late(agreement: Agreement) -> bool:
    """Signed after the 30-day limit (allowed, flagged on the pages)."""
    return bool(agreement.signed_on and agreement.sign_due and agreement.signed_on > agreement.sign_due)


def overdue_steps(agreement: Agreement, *, today: date | None = None) -> list[str]:
    """What is overdue on ``agreement`` today: signing, publication, filing (for the pages' red flags)."""
    today = today or deadlines.today()
    found = []
    if agreement.status == Agreement.Status.SHORTLISTED and agreement.sign_due and today > agreement.sign_due:
        found.append("签订框架协议已逾期")
    if signed_late(agreement):
        found.append("逾期签订")
    if agreement.status == Agreement.Status.SIGNED:
        if agreement.published_on is None and agreement.publish_due and today > agreement.publish_due:
            found.append("公开入围信息已逾期")
        if agreement.filed_on is None and agreement.filing_due and today > agreement.filing_due:
            found.append("备案已逾期")
    if agreement.published_on and agreement.publish_due and agreement.published_on > agreement.publish_due:
        found.append("逾期公开")
    if agreement.filed_on and agreement.filing_due and agreement.filed_on > agreement.filing_due:
        found.append("逾期备案")
    return found


# --- 1. signing, publication, filing (seed 三(二)(4)) --------------------------------------------------------

@transaction.atomic
def agreement_sign(*, agreement: Agreement, signed_on: date, signed_file: File | None, actor) -> Agreement:
    """签订框架协议 (seed 三(二)(4)): the signed agreement (date, PDF); publication and filing due days follow."""
    locked = _locked(agreement)
    project = locked.lot.project
    _center_required(actor, project, "登记签订的框架协议")
    if locked.status != Agreement.Status.SHORTLISTED:
        raise TransitionRefused(f"该框架协议当前状态为「{locked.get_status_display()}」，不能登记签订")
    if locked.letter_sent_on is None:
        raise TransitionRefused("尚未向该供应商发出入围通知书，不能签订框架协议（吉财采购意见 三(二)(4)）")
    signed_on = _day(signed_on, field="signed_on", label="签订日期")
    if signed_on < locked.letter_sent_on:
        raise ServiceError(f"签订日期（{chinese_date(signed_on)}）不能早于入围通知书发出日期"
                           f"（{chinese_date(locked.letter_sent_on)}）", field="signed_on")
    if signed_on > deadlines.today():
        raise ServiceError(f"签订日期（{chinese_date(signed_on)}）不能晚于今天", field="signed_on")
    signed_file = pdf_checked(signed_file, field="signed_file", label="签订的框架协议", hint=SIGNED_HINT)
    plan = plan_of(project)
    if plan is not None and plan.valid_until and signed_on > plan.valid_until:
        raise ServiceError(f"签订日期晚于框架协议有效期止（{chinese_date(plan.valid_until)}）", field="signed_on")
    sign_due = locked.sign_due or deadlines.due_date(locked.letter_sent_on, deadlines.FRAMEWORK_AGREEMENT_SIGNING)

    def prepare(row: Agreement) -> dict:
        row.signed_on = signed_on
        row.sign_due = sign_due
        row.publish_due = deadlines.due_date(signed_on, deadlines.FRAMEWORK_SHORTLIST_PUBLICATION)
        row.filing_due = deadlines.due_date(signed_on, deadlines.FRAMEWORK_AGREEMENT_FILING)
        if row.valid_until is None and plan is not None:
            row.valid_until = plan.valid_until
        row.signed_file.save(PurePath(signed_file.name).name, signed_file, save=False)
        return {"signed_on": signed_on.isoformat(), "sign_due": sign_due.isoformat(),
                "publish_due": row.publish_due.isoformat(), "filing_due": row.filing_due.isoformat(),
                "late": signed_on > sign_due}

    note = f"逾期签订：签订期限为{chinese_date(sign_due)}" if signed_on > sign_due else ""
    signed = transition_run(instance=locked, name="sign", actor=actor, prepare=prepare, note=note)
    agreement_next_check_refresh(signed)
    if FrameworkDetails.objects.filter(project_id=project.pk, execution_notice__isnull=False).exists():
        # Signed after the agreement started: it takes the next rotation position (annex 8 §十).
        rotation_positions_fix(lot=signed.lot, actor=actor)
        signed.refresh_from_db(fields=["rotation_position"])
    organization_notify(
        organization=signed.supplier, subject=signed, kind="signed", title=f"框架协议已签订：{project.title}"[:200],
        body=(f"贵单位入围的框架协议采购项目「{project.code} {project.title}」{signed.lot}的框架协议（编号"
              f"{signed.code}）已于{chinese_date(signed_on)}签订，协议单价{yuan_text(signed.price_yuan)}。"
              "请及时上架商品。"), url=_url(signed))
    return signed


@transaction.atomic
def agreement_publish(*, agreement: Agreement, actor) -> Agreement:
    """公开入围信息 within 3 working days of signing (seed 三(二)(4)): a notice on the portal; published_on set."""
    locked = _locked(agreement)
    project = locked.lot.project
    _center_required(actor, project, "公开入围信息")
    if locked.status != Agreement.Status.SIGNED:
        raise TransitionRefused(f"框架协议当前状态为「{locked.get_status_display()}」：签订后才能公开入围信息")
    if locked.published_on is not None:
        raise TransitionRefused(f"该入围信息已于{chinese_date(locked.published_on)}公开，不能重复公开")
    today = deadlines.today()
    notice = notice_publish(
        type=Notice.Type.OTHER, project=project, publisher=project.organizer, actor=actor,
        title=f"{project.title}入围信息公开（{locked.lot.name}）"[:200],
        body=(f"项目编号：{project.code}\n采购包：{locked.lot}\n入围供应商：{locked.supplier.name}\n"
              f"框架协议编号：{locked.code}\n协议单价：{yuan_text(locked.price_yuan)}"
              f"（计量单位：{locked.lot.unit_of_measure}）\n签订日期：{chinese_date(locked.signed_on)}\n"
              + (f"协议有效期至：{chinese_date(locked.valid_until)}\n" if locked.valid_until else "")
              + f"征集人：{project.organizer.name}"))
    Agreement.objects.filter(pk=locked.pk).update(published_on=today, updated_at=timezone.now())
    locked.published_on = today
    event_record(subject=locked, action=PUBLISH, action_label=EVENT_ACTIONS[PUBLISH], actor=actor,
                 source=locked.status, target=locked.status,
                 changes={"published_on": today.isoformat(), "notice_id": notice.pk,
                          "late": bool(locked.publish_due and today > locked.publish_due)})
    agreement_next_check_refresh(locked)
    return locked


@transaction.atomic
def agreement_file(*, agreement: Agreement, actor, note: str = "") -> Filing:
    """将框架协议副本报财政部门备案 within 7 working days of signing (seed 三(二)(4)): the core's Filing."""
    locked = _locked(agreement)
    project = locked.lot.project
    _center_required(actor, project, "将框架协议副本备案")
    if locked.status != Agreement.Status.SIGNED:
        raise TransitionRefused(f"框架协议当前状态为「{locked.get_status_display()}」：签订后才能备案")
    if locked.filed_on is not None:
        raise TransitionRefused(f"该框架协议已于{chinese_date(locked.filed_on)}备案，不能重复备案")
    note = _text(note, field="note", label="备注", required=False)
    today = deadlines.today()
    filing = Filing.objects.create(
        kind=Filing.Kind.FRAMEWORK_AGREEMENT, project=project, subject_type="agreement", subject_id=locked.pk,
        filed_by=project.organizer, finance_bureau=_finance_bureau(project.organizer), note=note,
        payload={"project_code": project.code, "title": project.title, "lot": str(locked.lot),
                 "agreement_code": locked.code, "supplier": locked.supplier.name,
                 "supplier_credit_code": locked.supplier.credit_code or "",
                 "price_yuan": str(locked.price_yuan), "signed_on": locked.signed_on.isoformat(),
                 "valid_until": locked.valid_until.isoformat() if locked.valid_until else None,
                 "signed_file": locked.signed_file.name})
    Agreement.objects.filter(pk=locked.pk).update(filed_on=today, updated_at=timezone.now())
    locked.filed_on = today
    event_record(subject=locked, action=FILE, action_label=EVENT_ACTIONS[FILE], actor=actor, source=locked.status,
                 target=locked.status, note=note,
                 changes={"filed_on": today.isoformat(), "filing_id": filing.pk,
                          "late": bool(locked.filing_due and today > locked.filing_due)})
    agreement_next_check_refresh(locked)
    return filing


def agreement_filing(agreement: Agreement) -> Filing | None:
    return (Filing.objects.filter(kind=Filing.Kind.FRAMEWORK_AGREEMENT, subject_type="agreement",
                                  subject_id=agreement.pk).select_related("finance_bureau").first())


# --- 3. product listings (上架) --------------------------------------------------------------------------

def _price(value, *, field: str, label: str) -> Decimal:
    try:
        price = Decimal(str(value)) if value is not None and str(value).strip() != "" else None
    except (InvalidOperation, ValueError):
        price = None
    if price is None or not price.is_finite():
        raise ServiceError(f"请填写正确的{label}", field=field)
    if price <= 0:
        raise ServiceError(f"{label}须大于0", field=field)
    if price.as_tuple().exponent < -2:
        raise ServiceError(f"{label}最多保留两位小数", field=field)
    return price


def listing_refusal(agreement: Agreement, *, today: date | None = None) -> str:
    """Why ``agreement``'s supplier cannot list products now ("" when it can)."""
    today = today or deadlines.today()
    if agreement.status != Agreement.Status.SIGNED:
        return (f"框架协议当前状态为「{agreement.get_status_display()}」：签订框架协议后才能上架商品"
                "（吉财采购意见 三(二)(4)）")
    if agreement.valid_until is not None and today > agreement.valid_until:
        return f"框架协议已于{chinese_date(agreement.valid_until)}到期，不能上架商品"
    return ""


@transaction.atomic
def listing_create(*, agreement: Agreement, name: str, brand: str, model_number: str, specification: str = "",
                   unit_price_yuan, is_imported: bool = False, actor) -> ProductListing:
    """上架申请: a product under the supplier's signed agreement, at no more than the agreement price; imported
    products only where the lot allows them (annex 8 §十二; 财库〔2022〕17号)."""
    locked = _locked(agreement)
    _supplier_required(actor, locked, "为该框架协议上架商品")
    refusal = listing_refusal(locked)
    if refusal:
        raise TransitionRefused(refusal)
    values = {
        "name": _text(name, field="name", label="商品名称"),
        "brand": _text(brand, field="brand", label="品牌"),
        "model_number": _text(model_number, field="model_number", label="型号"),
        "specification": _text(specification, field="specification", label="规格参数", required=False),
    }
    for field, limit, label in (("name", 200, "商品名称"), ("brand", 100, "品牌"), ("model_number", 100, "型号")):
        if len(values[field]) > limit:
            raise ServiceError(f"{label}不能超过{limit}字", field=field)
    price = _price(unit_price_yuan, field="unit_price_yuan", label="单价")
    if price > locked.price_yuan:
        raise ServiceError(f"单价{yuan_text(price)}高于框架协议单价{yuan_text(locked.price_yuan)}：上架商品的价格"
                           "不得高于入围时确定的协议价格", field="unit_price_yuan")
    if is_imported:
        framework_lot = FrameworkLot.objects.filter(lot_id=locked.lot_id).first()
        if framework_lot is None or not framework_lot.allows_imported:
            raise ServiceError(f"{locked.lot}未允许采购进口产品，不能上架进口产品（采购方案第十二部分；"
                               "财库〔2022〕17号）", field="is_imported")
    listing = ProductListing.objects.create(agreement=locked, unit_price_yuan=price, is_imported=bool(is_imported),
                                            **values)
    event_record(subject=listing, action=LISTING_SUBMIT, action_label=EVENT_ACTIONS[LISTING_SUBMIT], actor=actor,
                 target=listing.status, changes={"agreement_id": locked.pk, "unit_price_yuan": str(price),
                                                 "is_imported": bool(is_imported)})
    project = locked.lot.project
    organization_notify(
        organization=project.organizer, subject=listing, kind="submitted",
        title=f"上架申请待审核：{listing.name}"[:200],
        body=f"{locked.supplier.name}在「{project.title}」{locked.lot}申请上架{listing}，单价{yuan_text(price)}。",
        url=reverse("framework:listing-review-list"))
    return listing


def _locked_listing(listing: ProductListing) -> ProductListing:
    return (ProductListing.objects.select_for_update(of=("self",))
            .select_related("agreement", "agreement__lot", "agreement__lot__project",
                            "agreement__lot__project__organizer", "agreement__supplier").get(pk=listing.pk))


@transaction.atomic
def listing_approve(*, listing: ProductListing, actor) -> ProductListing:
    """The center approves a listing: it goes on offer to purchasers."""
    locked = _locked_listing(listing)
    _center_required(actor, locked.agreement.lot.project, "审核上架商品")
    refusal = listing_refusal(locked.agreement)
    if refusal and locked.status == ProductListing.Status.SUBMITTED:
        raise TransitionRefused(refusal)

    def prepare(row: ProductListing) -> dict:
        row.reviewed_at = timezone.now()
        return {}

    approved = transition_run(instance=locked, name="approve", actor=actor, prepare=prepare)
    organization_notify(organization=locked.agreement.supplier, subject=approved, kind="approved",
                        title=f"商品已上架：{approved.name}"[:200],
                        body=f"贵单位申请上架的{approved}已审核通过并上架。",
                        url=reverse("framework:listing-list"))
    return approved


@transaction.atomic
def listing_reject(*, listing: ProductListing, reason: str, actor) -> ProductListing:
    """The center rejects a listing, with its reason."""
    locked = _locked_listing(listing)
    _center_required(actor, locked.agreement.lot.project, "审核上架商品")
    reason = _text(reason, field="reason", label="退回理由")

    def prepare(row: ProductListing) -> dict:
        row.review_note = reason
        row.reviewed_at = timezone.now()
        return {"review_note": reason}

    rejected = transition_run(instance=locked, name="reject", actor=actor, prepare=prepare, note=reason)
    organization_notify(organization=locked.agreement.supplier, subject=rejected, kind="rejected",
                        title=f"上架申请未通过：{rejected.name}"[:200],
                        body=f"贵单位申请上架的{rejected}未通过审核，理由：{reason}",
                        url=reverse("framework:listing-list"))
    return rejected


@transaction.atomic
def listing_delist(*, listing: ProductListing, actor, reason: str = "") -> ProductListing:
    """下架: by the supplier (its own) or the center."""
    locked = _locked_listing(listing)
    agreement = locked.agreement
    if not (access.is_superuser(actor) or access.acts_for(actor, agreement.supplier_id)
            or access.acts_for(actor, agreement.lot.project.organizer_id)):
        raise PermissionDenied("只有入围供应商本单位或集中采购机构可以下架该商品")
    reason = _text(reason, field="reason", label="下架原因", required=False)
    return transition_run(instance=locked, name="delist", actor=actor, note=reason)


def agreement_listings_delist(agreement: Agreement, *, actor, note: str) -> list[ProductListing]:
    """下架 every live listing (submitted or approved) of an agreement that has ended: removed, left or expired. Call
    inside the transaction that ends it."""
    live = ProductListing.objects.filter(agreement=agreement, status__in=[ProductListing.Status.SUBMITTED,
                                                                          ProductListing.Status.APPROVED])
    return transition_run_many(queryset=live, name="delist", actor=actor, note=note)


# --- 4. the execution notice (seed 三(二)(5)) --------------------------------------------------------------

def execution_refusal(project: Project) -> str:
    """Why the execution notice cannot be issued now ("" when it can)."""
    details = FrameworkDetails.objects.filter(project_id=project.pk).first()
    if details is not None and details.execution_notice_id:
        return "该项目已印发框架协议执行通知，不能重复印发"
    plan = plan_of(project)
    if plan is None or plan.status != FrameworkPlan.Status.FILED:
        return "框架协议采购方案尚未备案，不能印发框架协议执行通知"
    rows = lot_readiness(project)
    if not rows:
        return "该项目没有采购包"
    missing = [row for row in rows if not row.ready]
    if missing:
        names = "、".join(str(row.lot) for row in missing)
        return (f"{names}尚无已签订框架协议且有已上架商品的供应商：完成供应商入驻和商品上架后才能印发框架协议执行通知"
                f"（{SEED_EXECUTION}）")
    return ""


@transaction.atomic
def execution_notice_issue(*, project: Project, scope: str, procedure: str, executing_from: date,
                           actor) -> FrameworkDetails:
    """印发框架协议执行通知 (seed 三(二)(5)): scope, period and second-stage procedure; published on the portal."""
    locked = Project.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=project.pk)
    _center_required(actor, locked, "印发框架协议执行通知")
    refusal = execution_refusal(locked)
    if refusal:
        raise TransitionRefused(refusal)
    scope = _text(scope, field="scope", label="执行范围")
    procedure = _text(procedure, field="procedure", label="第二阶段执行程序")
    executing_from = _day(executing_from, field="executing_from", label="执行期限起始日期")
    plan = plan_of(locked)
    if plan.valid_from and executing_from < plan.valid_from:
        raise ServiceError(f"执行期限起始日期不能早于框架协议有效期起（{chinese_date(plan.valid_from)}）",
                           field="executing_from")
    if plan.valid_until and executing_from > plan.valid_until:
        raise ServiceError(f"执行期限起始日期不能晚于框架协议有效期止（{chinese_date(plan.valid_until)}）",
                           field="executing_from")
    period = f"{chinese_date(executing_from)}至{chinese_date(plan.valid_until)}" if plan.valid_until else ""
    notice = notice_publish(
        type=Notice.Type.FRAMEWORK_EXECUTION, project=locked, publisher=locked.organizer, actor=actor,
        title=f"{locked.title}框架协议执行通知"[:200],
        body=(f"项目编号：{locked.code}\n一、执行范围：{scope}\n二、执行期限：{period}\n"
              f"三、第二阶段确定成交供应商方式：{plan.get_second_stage_method_display() or '按框架协议约定'}\n"
              f"四、执行程序：{procedure}\n征集人：{locked.organizer.name}"))
    details, _ = FrameworkDetails.objects.get_or_create(project=locked)
    details.execution_notice = notice
    details.execution_scope = scope
    details.execution_procedure = procedure
    details.executing_from = executing_from
    details.save(update_fields=["execution_notice", "execution_scope", "execution_procedure", "executing_from"])
    event_record(subject=locked, action=EXECUTION_NOTICE, action_label=EVENT_ACTIONS[EXECUTION_NOTICE], actor=actor,
                 source=locked.status, target=locked.status,
                 changes={"notice_id": notice.pk, "executing_from": executing_from.isoformat()})
    # The rotation order is fixed when the agreement starts (annex 8 §十): every lot, by the plan's rule.
    for lot in Lot.objects.filter(project_id=locked.pk).order_by("number"):
        rotation_positions_fix(lot=lot, actor=actor)
    # An open agreement has no shortlist notice: its project is 已定标 from the execution notice.
    project_status_advance(project=locked, to=Project.Status.AWARDED, actor=actor)
    suppliers = Organization.objects.filter(
        framework_agreements__lot__project=locked, framework_agreements__status=Agreement.Status.SIGNED).distinct()
    organizations_notify(organizations=list(suppliers), subject=locked, kind="framework_execution",
                         title=f"框架协议执行通知：{locked.title}"[:200],
                         body=(f"「{locked.code} {locked.title}」的框架协议执行通知已印发，"
                               f"自{chinese_date(executing_from)}起执行。"),
                         url=reverse("framework:my-agreements"))
    return details


# --- 6. removal (清退, Order 110 Art. 19(1); annex 8 §十一) ---------------------------------------------------

def supplier_join_refusal(*, lot: Lot, supplier: Organization) -> str:
    """Why ``supplier`` may not (again) be shortlisted on or join ``lot`` ("" when it may): a removed supplier
    never rejoins (annex 8 §十一; Order 110 Art. 19), and one supplier has one place per lot. Only a supplier whose
    every agreement on the lot is one it left (an open agreement, Order 110) may join it again."""
    removal = (Removal.objects.filter(agreement__in=supplier_rows(lot, supplier))
               .order_by("-decided_on", "-pk").first())
    if removal is not None:
        return (f"供应商「{supplier.name}」已于{chinese_date(removal.decided_on)}被清退出{lot}"
                f"（{removal.get_ground_display()}），不得再次入围或加入该采购包（{ARTICLE_19}；采购方案第十一部分）")
    existing = supplier_place(lot, supplier)
    if existing is None:
        return ""
    return (f"供应商「{supplier.name}」在{lot}已有入围记录（协议编号{existing.code}，"
            f"{existing.get_status_display()}），不能重复入围或加入")


def supplier_may_join(*, lot: Lot, supplier: Organization) -> None:
    """Raise the Chinese refusal when ``supplier`` may not get a (new) place on ``lot``; for every path that would
    create an agreement or response for it (shortlist, supplement, open agreement join)."""
    refusal = supplier_join_refusal(lot=lot, supplier=supplier)
    if refusal:
        raise ServiceError(refusal, field="supplier")


@transaction.atomic
def agreement_remove(*, agreement: Agreement, ground: str, evidence: str, evidence_file: File | None = None,
                     actor) -> Removal:
    """清退 (Order 110 Art. 19(1)): before signing the place is cancelled, after signing the agreement terminated;
    the supplier's listings under it are delisted. Not for open agreements (annex 8 note 1)."""
    locked = _locked(agreement)
    project = locked.lot.project
    _center_required(actor, project, "清退入围供应商")
    plan = plan_of(project)
    if plan is not None and plan.agreement_type == AgreementType.OPEN:
        raise TransitionRefused("开放式框架协议不适用入围供应商清退规则"
                                "（采购方案附件8注1：开放式框架协议不涉及第十一项）")
    if ground not in Removal.Ground.values:
        raise ServiceError(f"请选择{ARTICLE_19}第一款规定的清退情形", field="ground")
    evidence = _text(evidence, field="evidence", label="清退的事实和证据")
    if evidence_file and evidence_file.size is not None and evidence_file.size > MAX_PDF_BYTES:
        raise ServiceError("证据材料不能超过20MB", field="evidence_file")
    if locked.status == Agreement.Status.SHORTLISTED:
        name, effect = "cancel", Removal.Effect.CANCELLED
    elif locked.status == Agreement.Status.SIGNED:
        name, effect = "terminate", Removal.Effect.TERMINATED
    else:
        raise TransitionRefused(f"框架协议当前状态为「{locked.get_status_display()}」，不能清退")
    today = deadlines.today()
    ground_label = Removal.Ground(ground).label

    def prepare(row: Agreement) -> dict:
        row.ended_on = today
        row.end_reason = f"清退：{ground_label}"
        return {"ground": ground, "effect": effect}

    ended = transition_run(instance=locked, name=name, actor=actor, prepare=prepare, note=evidence)
    removal = Removal(agreement=ended, ground=ground, evidence=evidence, effect=effect, decided_on=today,
                      decided_by=actor if getattr(actor, "pk", None) else None)
    if evidence_file:
        removal.evidence_file.save(PurePath(evidence_file.name).name, evidence_file, save=False)
    removal.save()
    delisted = agreement_listings_delist(ended, actor=actor, note="入围供应商被清退")
    event_record(subject=ended, action=REMOVAL, action_label=EVENT_ACTIONS[REMOVAL], actor=actor,
                 source=locked.status, target=ended.status, note=evidence,
                 changes={"removal_id": removal.pk, "ground": ground, "effect": effect,
                          "delisted": [row.pk for row in delisted]})
    agreement_next_check_refresh(ended)
    organization_notify(
        organization=ended.supplier, subject=ended, kind="removed", level=Notification.Level.DANGER,
        title=f"入围资格已被清退：{project.title}"[:200],
        body=(f"因{ground_label}，贵单位在「{project.code} {project.title}」{ended.lot}的"
              f"{'入围资格已被取消' if effect == Removal.Effect.CANCELLED else '框架协议已被解除'}"
              f"（{ARTICLE_19}），已上架的商品同时下架。"), url=_url(ended))
    return removal


# --- 7. supplement (补充征集, annex 8 §十一) ---------------------------------------------------------------

@transaction.atomic
def supplement_open(*, lot: Lot, reason: str, response_deadline: datetime, actor) -> Supplement:
    """补充征集: only when the remaining suppliers are fewer than 70% of the shortlist and execution suffers (the
    reason); same conditions, method and elimination rate; the original agreement keeps running; the supplementary
    agreements end on the original's end date."""
    locked = Lot.objects.select_for_update(of=("self",)).select_related("project", "project__organizer").get(pk=lot.pk)
    project = locked.project
    _center_required(actor, project, "发起补充征集")
    plan = plan_of(project)
    if plan is not None and plan.agreement_type == AgreementType.OPEN:
        raise TransitionRefused("开放式框架协议不适用补充征集（采购方案附件8注1）")
    if Supplement.objects.filter(lot=locked, status=Supplement.Status.OPEN).exists():
        raise TransitionRefused(f"{locked}已有正在进行的补充征集")
    shortlisted = Agreement.objects.filter(lot=locked, rank__isnull=False).count()
    if shortlisted == 0:
        raise TransitionRefused(f"{locked}尚未确定入围供应商，不能补充征集")
    remaining = Agreement.objects.filter(lot=locked, status__in=[Agreement.Status.SHORTLISTED,
                                                                Agreement.Status.SIGNED]).count()
    if not rules.supplement_allowed(shortlisted=shortlisted, remaining=remaining):
        raise ServiceError(
            f"{locked}入围供应商{shortlisted}家，剩余{remaining}家，不少于入围供应商总数的70%，不得补充征集"
            "（采购方案第十一部分）", field="lot")
    reason = _text(reason, field="reason", label="影响框架协议执行的情况")
    if not isinstance(response_deadline, datetime):
        raise ServiceError("请填写正确的响应截止时间", field="response_deadline")
    now = timezone.now()
    if response_deadline <= now:
        raise ServiceError("响应截止时间须晚于当前时间", field="response_deadline")
    if plan is not None and plan.valid_until and response_deadline.date() > plan.valid_until - timedelta(days=1):
        raise ServiceError(f"响应截止时间须早于原框架协议有效期止（{chinese_date(plan.valid_until)}）",
                           field="response_deadline")
    supplement = Supplement.objects.create(
        lot=locked, reason=reason, shortlisted_count=shortlisted, remaining_count=remaining,
        response_deadline=response_deadline, created_by=actor if getattr(actor, "pk", None) else None)
    end = f"，补充入围供应商的框架协议有效期与原框架协议相同，至{chinese_date(plan.valid_until)}止" if (
        plan is not None and plan.valid_until) else ""
    notice = notice_publish(
        type=Notice.Type.FRAMEWORK_SOLICITATION, project=project, publisher=project.organizer, actor=actor,
        title=f"{project.title}{locked.name}补充征集公告"[:200],
        body=(f"项目编号：{project.code}\n采购包：{locked}\n补充征集原因：{reason}\n"
              f"原入围供应商{shortlisted}家，剩余{remaining}家。补充征集的条件、程序、评审方法和淘汰比例与初次征集相同"
              f"{end}；补充征集期间原框架协议继续履行。被清退的供应商不得参加。\n"
              f"响应截止时间：{timezone.localtime(response_deadline):%Y年%m月%d日 %H:%M}"))
    Supplement.objects.filter(pk=supplement.pk).update(notice=notice)
    supplement.notice = notice
    event_record(subject=supplement, action=SUPPLEMENT_OPEN, action_label=EVENT_ACTIONS[SUPPLEMENT_OPEN],
                 actor=actor, target=supplement.status, note=reason,
                 changes={"lot_id": locked.pk, "shortlisted": shortlisted, "remaining": remaining,
                          "notice_id": notice.pk})
    return supplement

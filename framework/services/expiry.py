"""The end of a framework agreement (协议到期) and its summary result notice (成交结果汇总公告; MoF Order No. 110;
seed 000 三(二); annex 8 §五).

- ``project_expire``: run by the sweep (``framework.expiry_deadlines``) at the start of the day after the plan's
  ``valid_until``: every live agreement of the project expires (``Agreement.expire``, ``ended_on`` = its last day),
  its listings are delisted, requests to join still pending are declined, ``FrameworkDetails.expired_at`` is
  recorded and ``summary_due`` = ``valid_until`` + ``deadlines.FRAMEWORK_SUMMARY_NOTICE``; the center is told to
  publish the summary notice. No order is placed after the end (``framework.selectors.orders.orders_open_refusal``).
  ``agreements_expire`` also ends a single agreement whose own ``valid_until`` has passed before the plan's.
- ``summary_notice_publish``: the center publishes the 成交结果汇总公告 (``Notice.Type.AWARD_SUMMARY``): per lot every
  supplier awarded second-stage orders, with its address, the number of orders and their amount, the lot's total and
  the project's total.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import Agreement, FrameworkDetails, FrameworkPlan, JoinRequest, Order
from framework.open_deadlines import join_request_next_check_refresh
from framework.services.agreements import agreement_listings_delist
from framework.services.plans import framework_project_complete
from notices.models import Notice
from notices.services import notice_publish
from procurement import access, deadlines
from procurement.formats import chinese_date, yuan_text
from procurement.models import Lot, Notification, Project
from procurement.services.errors import TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run

SOURCE = "财政部令第110号"
EXPIRE_ACTION = "framework_project_expire"
SUMMARY_ACTION = "framework_summary_publish"
EVENT_ACTIONS = {
    EXPIRE_ACTION: "框架协议有效期届满",
    SUMMARY_ACTION: "发布成交结果汇总公告",
}
LIVE_AGREEMENTS = [Agreement.Status.SHORTLISTED, Agreement.Status.SIGNED]
AWARDED_ORDERS = [Order.Status.AWARDED, Order.Status.CONTRACTED]


def _plan(project: Project) -> FrameworkPlan | None:
    return FrameworkPlan.objects.filter(project_id=project.pk).first()


def expiry_day(plan: FrameworkPlan) -> date | None:
    """The first day the agreement is no longer in force: the day after ``valid_until``."""
    return plan.valid_until + timedelta(days=1) if plan.valid_until else None


def _end(agreements, *, actor, reason: str) -> list[Agreement]:
    ended: list[Agreement] = []
    for agreement in agreements:
        last_day = agreement.valid_until

        def prepare(row: Agreement, last_day=last_day) -> dict:
            row.ended_on = last_day
            row.end_reason = reason
            return {"ended_on": last_day.isoformat() if last_day else None}

        row = transition_run(instance=agreement, name="expire", actor=actor, prepare=prepare, note=reason)
        agreement_listings_delist(row, actor=actor, note="框架协议到期")
        agreement_next_check_refresh(row)
        ended.append(row)
    return ended


@transaction.atomic
def agreements_expire(*, project: Project, today: date | None = None, actor=access.SYSTEM) -> list[Agreement]:
    """End the live agreements of ``project`` whose own ``valid_until`` has passed (the plan's end not yet)."""
    today = today or deadlines.today()
    rows = (Agreement.objects.select_for_update(of=("self",))
            .filter(lot__project=project, status__in=LIVE_AGREEMENTS, valid_until__lt=today).order_by("pk"))
    return _end(list(rows), actor=actor, reason="框架协议有效期届满")


@transaction.atomic
def project_expire(*, project: Project, now: datetime | None = None, actor=access.SYSTEM) -> FrameworkDetails:
    """协议到期 (annex 8 §五; Order 110): at the start of the day after ``valid_until`` every live agreement of the
    project expires, its listings are delisted; the summary notice falls due (``FRAMEWORK_SUMMARY_NOTICE``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    locked = Project.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=project.pk)
    plan = _plan(locked)
    if plan is None or plan.valid_until is None:
        raise TransitionRefused("该框架协议采购项目没有有效期，不能到期终止")
    if today <= plan.valid_until:
        raise TransitionRefused(f"框架协议有效期至{chinese_date(plan.valid_until)}，尚未届满")
    details, _ = FrameworkDetails.objects.select_for_update().get_or_create(project=locked)
    if details.expired_at is not None:
        return details
    reason = f"框架协议有效期届满（{chinese_date(plan.valid_until)}）"
    rows = (Agreement.objects.select_for_update(of=("self",))
            .filter(lot__project=locked, status__in=LIVE_AGREEMENTS).order_by("pk"))
    for row in rows:
        if row.valid_until is None or row.valid_until > plan.valid_until:
            Agreement.objects.filter(pk=row.pk).update(valid_until=plan.valid_until)
    ended = _end(list(Agreement.objects.filter(pk__in=[r.pk for r in rows])), actor=actor, reason=reason)
    declined = []
    for join in JoinRequest.objects.select_for_update(of=("self",)).filter(lot__project=locked,
                                                                          status=JoinRequest.Status.PENDING):
        def prepare(row: JoinRequest) -> dict:
            row.review_note = "框架协议有效期已届满，不再受理加入"
            row.reviewed_at = now
            return {"review_note": row.review_note}

        declined.append(transition_run(instance=join, name="reject", actor=actor, prepare=prepare,
                                       note="框架协议有效期已届满"))
        join_request_next_check_refresh(declined[-1])
    details.expired_at = now
    details.summary_due = deadlines.due_date(plan.valid_until, deadlines.FRAMEWORK_SUMMARY_NOTICE)
    details.save(update_fields=["expired_at", "summary_due"])
    event_record(subject=locked, action=EXPIRE_ACTION, action_label=EVENT_ACTIONS[EXPIRE_ACTION], actor=actor,
                 source=locked.status, target=locked.status,
                 changes={"valid_until": plan.valid_until.isoformat(), "expired": [a.pk for a in ended],
                          "declined_requests": [j.pk for j in declined],
                          "summary_due": details.summary_due.isoformat()})
    # The agreements have ended: the project is complete (已完成); the summary notice is its last duty.
    framework_project_complete(locked, actor=actor)
    organization_notify(
        organization=locked.organizer, subject=locked, kind="framework_expired", level=Notification.Level.WARNING,
        title=f"框架协议已到期，请发布成交结果汇总公告：{locked.title}"[:200],
        body=(f"「{locked.code} {locked.title}」的框架协议已于{chinese_date(plan.valid_until)}有效期届满，"
              f"{len(ended)}份框架协议已终止，上架商品已下架。请于{chinese_date(details.summary_due)}前发布成交结果汇总公告"
              f"（{deadlines.FRAMEWORK_SUMMARY_NOTICE.rule}）。"),
        url=reverse("framework:summary", args=[locked.pk]))
    return details


# --- the summary result notice (成交结果汇总公告) ---------------------------------------------------------------

def summary_rows(project: Project) -> list[dict]:
    """Per lot: every supplier awarded second-stage orders (count, amount) and the lot's total, in lot order."""
    orders = (Order.objects.filter(lot__project=project, status__in=AWARDED_ORDERS, agreement__isnull=False)
              .values("lot_id", "agreement__supplier_id", "agreement__supplier__name",
                      "agreement__supplier__address")
              .annotate(count=Count("pk"), amount=Sum("amount_yuan"))
              .order_by("lot_id", "agreement__supplier__name"))
    by_lot: dict[int, list[dict]] = defaultdict(list)
    for row in orders:
        by_lot[row["lot_id"]].append({"supplier": row["agreement__supplier__name"],
                                      "address": row["agreement__supplier__address"] or "",
                                      "count": row["count"], "amount": row["amount"] or Decimal("0")})
    rows = []
    for lot in Lot.objects.filter(project=project).order_by("number"):
        suppliers = by_lot.get(lot.pk, [])
        rows.append({"lot": lot, "suppliers": suppliers, "count": sum(s["count"] for s in suppliers),
                     "amount": sum((s["amount"] for s in suppliers), Decimal("0"))})
    return rows


def summary_body(project: Project, plan: FrameworkPlan) -> str:
    organizer = project.organizer
    rows = summary_rows(project)
    lines = [f"一、项目名称：{project.title}", f"二、项目编号：{project.code}",
             f"三、征集人：{organizer.name}"
             + (f"，地址：{organizer.address}" if organizer.address else "")
             + (f"，联系方式：{organizer.contact_person} {organizer.contact_phone}".rstrip()
                if organizer.contact_person or organizer.contact_phone else ""),
             f"四、框架协议类型：{plan.get_agreement_type_display()}",
             f"五、框架协议有效期：{chinese_date(plan.valid_from)}至{chinese_date(plan.valid_until)}"
             if plan.valid_from and plan.valid_until else "五、框架协议有效期：",
             "六、第二阶段成交情况："]
    for row in rows:
        lot = row["lot"]
        lines.append(f"　　第{lot.number}包「{lot.name}」：成交{row['count']}笔，"
                     f"成交金额合计{yuan_text(row['amount'])}")
        if not row["suppliers"]:
            lines.append("　　　　无成交")
        for supplier in row["suppliers"]:
            lines.append(f"　　　　{supplier['supplier']}"
                         + (f"（{supplier['address']}）" if supplier["address"] else "")
                         + f"：成交{supplier['count']}笔，成交金额{yuan_text(supplier['amount'])}")
    total_count = sum(row["count"] for row in rows)
    total = sum((row["amount"] for row in rows), Decimal("0"))
    lines.append(f"七、合计：成交{total_count}笔，成交金额{yuan_text(total)}")
    lines.append(f"（依据{deadlines.FRAMEWORK_SUMMARY_NOTICE.rule}）")
    return "\n".join(lines)


def summary_refusal(project: Project) -> str:
    """Why the summary notice cannot be published now ("" when it can)."""
    details = FrameworkDetails.objects.filter(project_id=project.pk).first()
    if details is None or details.expired_at is None:
        plan = _plan(project)
        end = f"（有效期至{chinese_date(plan.valid_until)}）" if plan and plan.valid_until else ""
        return f"框架协议尚未到期{end}，有效期届满后才能发布成交结果汇总公告（{SOURCE}）"
    if details.summary_notice_id:
        return "该项目已发布成交结果汇总公告，不能重复发布"
    return ""


def summary_overdue(details: FrameworkDetails | None, *, today: date | None = None) -> bool:
    today = today or deadlines.today()
    return bool(details and details.summary_notice_id is None and details.summary_due and today > details.summary_due)


@transaction.atomic
def summary_notice_publish(*, project: Project, actor, now: datetime | None = None) -> FrameworkDetails:
    """成交结果汇总公告 (Order 110; ``FRAMEWORK_SUMMARY_NOTICE``: within 10 working days of the end): per lot the
    second-stage orders awarded, per supplier their count and amount, and the totals."""
    now = now or timezone.now()
    locked = Project.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=project.pk)
    if not (access.is_superuser(actor) or access.acts_for(actor, locked.organizer_id)):
        raise PermissionDenied(f"只有组织该框架协议采购的集中采购机构（{locked.organizer.name}）"
                               "可以发布成交结果汇总公告")
    refusal = summary_refusal(locked)
    if refusal:
        raise TransitionRefused(refusal)
    plan = _plan(locked)
    details = FrameworkDetails.objects.select_for_update().get(project=locked)
    notice = notice_publish(type=Notice.Type.AWARD_SUMMARY, project=locked, publisher=locked.organizer, actor=actor,
                            title=f"{locked.title}成交结果汇总公告"[:200], body=summary_body(locked, plan),
                            published_at=now)
    details.summary_notice = notice
    details.save(update_fields=["summary_notice"])
    late = bool(details.summary_due and timezone.localdate(now) > details.summary_due)
    event_record(subject=locked, action=SUMMARY_ACTION, action_label=EVENT_ACTIONS[SUMMARY_ACTION], actor=actor,
                 source=locked.status, target=locked.status,
                 changes={"notice_id": notice.pk, "late": late,
                          "summary_due": details.summary_due.isoformat() if details.summary_due else None})
    from framework.expiry_deadlines import expiry_next_check_refresh

    expiry_next_check_refresh(details)
    return details


def expiring_projects(*, today: date) -> Q:
    """FrameworkDetails rows whose plan has ended by ``today`` and which have not expired yet."""
    ended = FrameworkPlan.objects.filter(valid_until__lt=today).values("project_id")
    return Q(expired_at__isnull=True, project_id__in=ended)

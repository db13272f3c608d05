"""备案采购实施计划 (753号 step 4): the lead files the implementation plan of a volume project and names the agency.

After the response window has closed (归集汇总, step 3: the project is AGGREGATED), the lead unit (牵头单位, the
project's organizer) files the 采购实施计划: the aggregate as it stands (items, quantities, budget, funding per
source: kept as filed in ``ImplementationPlan.snapshot``), the method, the timetable and the entrusted agency
(an active organization of kind agency, 《政府采购法》第十九条). In one transaction:

- the plan and its filing (备案, the core's ``Filing`` of kind IMPLEMENTATION_PLAN, addressed to the finance
  bureau of the lead's region) are recorded;
- the agency becomes the project's ``agency``: from now on it runs the entrusted steps (``access.ENTRUSTED_STEPS``:
  the procurement, the award, the contracts) and sees the project in its own workspace;
- the master plan is confirmed through the core (``master_plan_confirm``: CONFIRMED, the sub-plans frozen);
- the event is recorded, and the agency and the finance bureau are told.

A plan is filed once (a second filing is refused).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_date, yuan_text
from procurement.models import Filing, Organization, Project
from procurement.services.collection import master_plan_confirm
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record, subject_type_of
from procurement.services.execution import procurement_methods
from procurement.services.reminders import organization_notify
from volume.models import ImplementationPlan
from volume.plugin import PLAN_FILE
from volume.selectors.aggregate import aggregate, aggregate_snapshot

NOTE_MAX_LENGTH = 2000

# The timetable, in the order it must run (each date not before the one above it).
TIMETABLE = (
    ("documents_planned_on", "计划发布采购文件日期"),
    ("opening_planned_on", "计划开标（响应截止）日期"),
    ("award_planned_on", "计划确定结果日期"),
    ("contracts_planned_on", "计划签订合同日期"),
)


def finance_bureau_for(organization: Organization) -> Organization | None:
    """The finance bureau of ``organization``'s own region, which receives the filing (备案)."""
    return (Organization.objects.filter(kind=Organization.Kind.FINANCE, region_id=organization.region_id,
                                        is_active=True).order_by("pk").first())


def plan_refusal(project: Project, user) -> str | None:
    """Why ``user`` cannot file ``project``'s plan now (None: the form is offered). For the pages only: the
    service checks the same again, and the values too."""
    if not (access.is_superuser(user) or access.acts_for(user, project.organizer_id)):
        return "只有牵头单位可以备案采购实施计划。"
    if ImplementationPlan.objects.filter(project_id=project.pk, filing__isnull=False).exists():
        return "该项目的采购实施计划已备案。"
    if project.status != Project.Status.AGGREGATED:
        return (f"项目当前状态为「{project.get_status_display()}」：需求响应截止、归集汇总后才能备案采购实施计划"
                "（吉财采购〔2024〕753号 三、4）。")
    return None


def _checked_agency(agency) -> Organization:
    if agency is None:
        raise ServiceError("请选择受托采购代理机构", field="agency")
    if not isinstance(agency, Organization):
        agency = Organization.objects.filter(pk=agency).first()
        if agency is None:
            raise ServiceError("所选受托采购代理机构不存在", field="agency")
    if agency.kind != Organization.Kind.AGENCY:
        raise ServiceError(f"「{agency.name}」不是采购代理机构，不能受托实施采购（《政府采购法》第十九条）",
                           field="agency")
    if not agency.is_active:
        raise ServiceError(f"采购代理机构「{agency.name}」已停用，不能受托实施采购", field="agency")
    return agency


def _checked_timetable(values: dict[str, date | None]) -> None:
    today = deadlines.today()
    previous: tuple[str, date] | None = None
    for name, label in TIMETABLE:
        day = values[name]
        if day is None:
            raise ServiceError(f"请填写{label}", field=name)
        if not isinstance(day, date):
            raise ServiceError(f"{label}不是有效日期", field=name)
        if day < today:
            raise ServiceError(f"{label}{chinese_date(day)}早于今天（{chinese_date(today)}），计划日期不能在过去",
                               field=name)
        if previous is not None and day < previous[1]:
            raise ServiceError(
                f"{label}{chinese_date(day)}早于{previous[0]}{chinese_date(previous[1])}：各环节日期须依次排列",
                field=name)
        previous = (label, day)


@transaction.atomic
def implementation_plan_file(*, project: Project, method: str, agency, documents_planned_on: date | None,
                             opening_planned_on: date | None, award_planned_on: date | None,
                             contracts_planned_on: date | None, note: str = "", actor) -> ImplementationPlan:
    """备案采购实施计划 and name the entrusted agency (753号 三、4); see the module's text."""
    locked = (Project.objects.select_related("organizer", "organizer__region").select_for_update(of=("self",))
              .get(pk=project.pk))
    if not (access.is_superuser(actor) or access.acts_for(actor, locked.organizer_id)):
        raise PermissionDenied("只有牵头单位可以备案采购实施计划")
    if ImplementationPlan.objects.filter(project_id=locked.pk).exists():
        raise TransitionRefused("该项目的采购实施计划已备案，不能重复备案")
    if locked.status != Project.Status.AGGREGATED:
        raise TransitionRefused(
            f"项目当前状态为「{locked.get_status_display()}」：需求响应截止、归集汇总后才能备案采购实施计划"
            "（吉财采购〔2024〕753号 三、3–4）")
    if method not in procurement_methods(locked):
        raise ServiceError("请选择适用的采购方式（《政府采购法》第二十六条规定的采购方式）", field="method")
    agency = _checked_agency(agency)
    timetable = {"documents_planned_on": documents_planned_on, "opening_planned_on": opening_planned_on,
                 "award_planned_on": award_planned_on, "contracts_planned_on": contracts_planned_on}
    _checked_timetable(timetable)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ServiceError(f"说明不能超过{NOTE_MAX_LENGTH}字（现有{len(note)}字）", field="note")
    summary = aggregate(locked)
    if not summary.counted_items:
        raise ServiceError("没有参与单位提交响应，无可备案的采购内容（至少须有一项已响应的采购内容）")
    if summary.funding_gap_yuan != 0:
        raise ServiceError(f"资金构成合计{yuan_text(summary.funding_yuan)}与预算合计{yuan_text(summary.budget_yuan)}"
                           "不一致，请核对各参与单位的资金构成")
    finance_bureau = finance_bureau_for(locked.organizer)
    now = timezone.now()
    snapshot = aggregate_snapshot(summary)
    plan = ImplementationPlan.objects.create(
        project=locked, method=method, agency=agency, budget_yuan=summary.budget_yuan, snapshot=snapshot,
        note=note, filed_by=actor if getattr(actor, "pk", None) else None, filed_at=now, **timetable)
    filing = Filing.objects.create(
        kind=Filing.Kind.IMPLEMENTATION_PLAN, project=locked, subject_type=subject_type_of(plan), subject_id=plan.pk,
        filed_by=locked.organizer, finance_bureau=finance_bureau, note=note,
        payload={
            "project_code": locked.code, "title": locked.title, "lead": locked.organizer.name,
            "method": method, "agency": agency.name, "agency_id": agency.pk,
            "budget_yuan": str(summary.budget_yuan),
            **{name: value.isoformat() for name, value in timetable.items()},
            "items": snapshot["items"], "funding": snapshot["funding"],
        })
    plan.filing = filing
    plan.save(update_fields=["filing"])
    Project.objects.filter(pk=locked.pk).update(agency=agency, procurement_method=method, updated_at=now)
    locked.agency, locked.procurement_method = agency, method
    event_record(subject=locked, action=PLAN_FILE, action_label="备案采购实施计划", actor=actor,
                 source=locked.status, target=locked.status, note=note, changes={
                     "plan_id": plan.pk, "filing_id": filing.pk, "method": method, "agency_id": agency.pk,
                     "finance_bureau_id": finance_bureau.pk if finance_bureau else None,
                     "budget_yuan": str(summary.budget_yuan),
                     **{name: value.isoformat() for name, value in timetable.items()},
                 })
    # 753号 三、4–5: the lead files the plan, then the procurement is carried out; the demand is settled.
    master_plan_confirm(project=locked, actor=actor)
    _tell(locked, plan, agency, finance_bureau, summary.budget_yuan)
    return plan


def _tell(project: Project, plan: ImplementationPlan, agency: Organization, finance_bureau: Organization | None,
          budget) -> None:
    subject = f"集中带量采购项目「{project.code} {project.title}」"
    organization_notify(
        organization=agency, subject=plan, kind="entrusted",
        title=f"受托实施采购：{project.title}"[:200],
        body=(f"牵头单位{project.organizer.name}已备案{subject}的采购实施计划，委托贵机构实施采购"
              f"（采购方式：{plan.get_method_display()}，预算合计{yuan_text(budget)}，"
              f"计划{chinese_date(plan.documents_planned_on)}发布采购文件）。请在采购实施页面办理。"),
        url=reverse("award-project", args=[project.pk]))
    if finance_bureau is not None:
        organization_notify(
            organization=finance_bureau, subject=plan, kind="filed",
            title=f"采购实施计划备案：{project.title}"[:200],
            body=(f"牵头单位{project.organizer.name}已备案{subject}的采购实施计划：预算合计{yuan_text(budget)}，"
                  f"采购方式{plan.get_method_display()}，受托代理机构{agency.name}。"),
            url=reverse("volume:aggregate", args=[project.pk]))

"""部门集中采购目录 (seed 000 三(三)(1)): a provincial department drafts its catalog, finance reviews it, the department
issues it, and it binds the department's own units.

The seed: 省级财政部门结合年度部门预算安排，指导部门梳理归集本部门、本系统同类采购项目需求，拟定部门集中采购目录，
并对部门集中采购目录的合法性、合规性和合理性进行论证，提出论证意见。部门集中采购目录由省级主管预算单位印发并在
本部门、本系统内执行。……一般由省级部门或其授权单位作为牵头单位.

Rules enforced here:
- only a department (``volume.selectors.catalog.is_department``) drafts, and only its write seats act for it;
- one catalog per department and year;
- each item is a category outside the government centralized catalog (集中采购目录外: items inside it go to batch or
  framework procurement), at the lowest catalog level, once, with the department's special need;
- items change only in draft or after a return (退回修改); submitting needs at least one item; each resubmission
  after a return is a new version;
- the provincial finance bureau approves or returns; a return needs its opinion; every review keeps the items of
  the version it read;
- the department issues an approved catalog under its document number (印发文号), and its units are told;
- the department authorizes units of its own tree to lead (授权单位).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement import access
from procurement.models import Category, Organization
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify, organizations_notify
from procurement.services.transitions import transition_run
from volume.models import CatalogReview, DepartmentCatalog, DepartmentCatalogItem
from volume.selectors.catalog import (
    department_units,
    finance_bureaus_reviewing,
    is_department,
    reviewing_bureau_for,
)

Status = DepartmentCatalog.Status
Decision = CatalogReview.Decision
EDITABLE = (Status.DRAFT, Status.RETURNED)
TITLE_MAX = 200
TEXT_MAX = 2000
NOTE_MAX = 255
DOCUMENT_NUMBER_MAX = 64
YEAR_MIN, YEAR_MAX = 2000, 2100


# --- checks -----------------------------------------------------------------------------------------

def _acts_for_department(actor, department: Organization) -> None:
    if not (access.is_privileged(actor) or access.acts_for(actor, department.pk)):
        raise PermissionDenied(f"您不是{department.name}的经办人员，不能办理其部门集中采购目录")


def _locked(catalog: DepartmentCatalog) -> DepartmentCatalog:
    return DepartmentCatalog.objects.select_for_update().select_related("department__region").get(pk=catalog.pk)


def _editable(catalog: DepartmentCatalog) -> None:
    if catalog.status not in EDITABLE:
        raise TransitionRefused(f"部门集中采购目录当前状态为「{catalog.get_status_display()}」，"
                                "只有草稿或退回修改的目录可以修改品目")


def _text(value: str | None, *, label: str, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ServiceError(f"{label}不能超过{limit}个字", field=field)
    return text


def _category_allowed(category: Category) -> None:
    """Seed 000 三(三)(1) with 二(三): a department catalog holds categories outside the government centralized
    catalog, down to the lowest catalog level."""
    if category.in_centralized_catalog:
        raise ServiceError(f"品目「{category.code} {category.name}」属于政府集中采购目录，不能列入部门集中采购目录"
                           "（目录内品目应实施批量集中采购或框架协议采购）", field="category")
    if category.children.exists():
        raise ServiceError(f"品目「{category.code} {category.name}」不是最末级品目，请选择其下级品目",
                           field="category")


def _snapshot(catalog: DepartmentCatalog) -> list[dict]:
    return [
        {"category_id": item.category_id, "category_code": item.category.code, "category_name": item.category.name,
         "special_need": item.special_need, "note": item.note}
        for item in catalog.items.select_related("category").order_by("category__code")
    ]


def _detail_url(catalog: DepartmentCatalog) -> str:
    return reverse("volume:catalog-detail", args=[catalog.pk])


# --- the department drafts ---------------------------------------------------------------------------

@transaction.atomic
def catalog_create(*, department: Organization, year: int, title: str, actor) -> DepartmentCatalog:
    """拟定部门集中采购目录: a draft catalog of ``department`` for ``year`` (one per department and year)."""
    department = Organization.objects.select_for_update().select_related("region").get(pk=department.pk)
    if not is_department(department):
        raise ServiceError(f"「{department.name}」不是省级主管预算单位，不能拟定部门集中采购目录", field="department")
    _acts_for_department(actor, department)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError("年度无效", field="year") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ServiceError(f"年度须在{YEAR_MIN}至{YEAR_MAX}之间", field="year")
    title = _text(title, label="目录名称", field="title", limit=TITLE_MAX)
    if DepartmentCatalog.objects.filter(department=department, year=year).exists():
        raise ServiceError(f"{department.name}已有{year}年度部门集中采购目录，每个部门每年一个目录", field="year")
    catalog = DepartmentCatalog.objects.create(
        department=department, year=year, title=title,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(subject=catalog, action="create", action_label="拟定部门集中采购目录", actor=actor,
                 changes={"department": department.pk, "year": year, "title": title})
    return catalog


@transaction.atomic
def catalog_item_add(*, catalog: DepartmentCatalog, category: Category, special_need: str, note: str = "",
                     actor) -> DepartmentCatalogItem:
    """Add a category with the department's special need (部门特殊需求)."""
    catalog = _locked(catalog)
    _acts_for_department(actor, catalog.department)
    _editable(catalog)
    _category_allowed(category)
    special_need = _text(special_need, label="部门特殊需求", field="special_need", limit=TEXT_MAX)
    note = _text(note, label="备注", field="note", limit=NOTE_MAX, required=False)
    if catalog.items.filter(category=category).exists():
        raise ServiceError(f"品目「{category.code} {category.name}」已在目录中，不能重复列入", field="category")
    item = DepartmentCatalogItem.objects.create(catalog=catalog, category=category, special_need=special_need,
                                                note=note)
    event_record(subject=catalog, action="catalog_item_add", actor=actor,
                 changes={"category": category.code, "special_need": special_need, "note": note})
    return item


@transaction.atomic
def catalog_item_update(*, item: DepartmentCatalogItem, special_need: str, note: str = "",
                        actor) -> DepartmentCatalogItem:
    """Revise an item's special need and note (the category stays; remove and add to change it)."""
    catalog = _locked(item.catalog)
    _acts_for_department(actor, catalog.department)
    _editable(catalog)
    item = DepartmentCatalogItem.objects.select_for_update().select_related("category").get(pk=item.pk)
    special_need = _text(special_need, label="部门特殊需求", field="special_need", limit=TEXT_MAX)
    note = _text(note, label="备注", field="note", limit=NOTE_MAX, required=False)
    before = {"special_need": item.special_need, "note": item.note}
    item.special_need, item.note = special_need, note
    item.save(update_fields=["special_need", "note"])
    event_record(subject=catalog, action="catalog_item_update", actor=actor,
                 changes={"category": item.category.code, "before": before,
                          "after": {"special_need": special_need, "note": note}})
    return item


@transaction.atomic
def catalog_item_remove(*, item: DepartmentCatalogItem, actor) -> None:
    catalog = _locked(item.catalog)
    _acts_for_department(actor, catalog.department)
    _editable(catalog)
    code = item.category.code
    DepartmentCatalogItem.objects.filter(pk=item.pk).delete()
    event_record(subject=catalog, action="catalog_item_remove", actor=actor, changes={"category": code})


# --- submit, review, issue ----------------------------------------------------------------------------

@transaction.atomic
def catalog_submit(*, catalog: DepartmentCatalog, actor) -> DepartmentCatalog:
    """报财政部门审核; a resubmission after a return is the next version. The finance bureau is told."""
    locked = _locked(catalog)
    _acts_for_department(actor, locked.department)
    if locked.status not in EDITABLE:
        raise TransitionRefused(f"部门集中采购目录当前状态为「{locked.get_status_display()}」，不能提交审核")
    if not locked.items.exists():
        raise ServiceError("部门集中采购目录至少要有一个品目才能提交财政部门审核", field="items")
    bureau = finance_bureaus_reviewing(locked.department).first()
    if bureau is None:
        raise ServiceError("未找到审核部门集中采购目录的省级财政部门，请联系系统管理员")

    def prepare(row: DepartmentCatalog) -> dict[str, object]:
        if row.status == Status.RETURNED:
            row.version += 1
        row.submitted_at = timezone.now()
        return {"version": row.version, "items": len(_snapshot(row))}

    submitted = transition_run(instance=locked, name="submit", actor=actor, prepare=prepare)
    again = "（修改后重新提交）" if submitted.version > 1 else ""
    organization_notify(
        organization=bureau, subject=submitted, kind=f"submitted_v{submitted.version}",
        title=f"{submitted.department.name}报送了部门集中采购目录第{submitted.version}版{again}，待审核",
        body=f"{submitted.department.name}报送了《{submitted.title}》（{submitted.year}年度，"
             f"第{submitted.version}版），请对其合法性、合规性和合理性进行论证，提出论证意见：审核通过或退回修改。",
        url=reverse("volume:catalog-review", args=[submitted.pk]),
    )
    return submitted


@transaction.atomic
def catalog_review(*, catalog: DepartmentCatalog, decision: str, opinion: str, actor) -> CatalogReview:
    """The provincial finance bureau's opinion on the submitted version (论证意见): approve, or return with the
    opinion (required). The review keeps the items of the version it read; the department is told."""
    locked = _locked(catalog)
    bureau = reviewing_bureau_for(actor, locked)
    if bureau is None:
        raise PermissionDenied("只有省级财政部门的经办人员可以审核部门集中采购目录")
    if decision not in Decision.values:
        raise ServiceError("请选择审核结论：审核通过或退回修改", field="decision")
    opinion = _text(opinion, label="论证意见", field="opinion", limit=TEXT_MAX, required=decision == Decision.RETURN)
    if locked.status != Status.SUBMITTED:
        raise TransitionRefused(f"部门集中采购目录当前状态为「{locked.get_status_display()}」，不能审核")
    review = CatalogReview.objects.create(
        catalog=locked, version=locked.version, decision=decision, opinion=opinion, items_snapshot=_snapshot(locked),
        finance_bureau=bureau, reviewer=actor if getattr(actor, "is_authenticated", False) else None)
    name = "approve" if decision == Decision.APPROVE else "return_for_revision"
    reviewed = transition_run(instance=locked, name=name, actor=actor, note=opinion,
                              prepare=lambda row: {"version": row.version, "review": review.pk, "opinion": opinion})
    verdict = "审核通过" if decision == Decision.APPROVE else "退回修改"
    then = "请印发后在本部门、本系统内执行。" if decision == Decision.APPROVE else "请按意见修改后重新提交。"
    organization_notify(
        organization=reviewed.department, subject=review, kind=decision,
        title=f"{bureau.name}：《{reviewed.title}》第{reviewed.version}版{verdict}",
        body=f"{bureau.name}对《{reviewed.title}》第{reviewed.version}版的论证意见：{verdict}。"
             + (f"意见：{opinion}。" if opinion else "") + then,
        url=_detail_url(reviewed),
    )
    return review


@transaction.atomic
def catalog_issue(*, catalog: DepartmentCatalog, document_number: str, actor) -> DepartmentCatalog:
    """印发: the department issues its approved catalog under its document number; every unit it binds is told."""
    locked = _locked(catalog)
    _acts_for_department(actor, locked.department)
    document_number = _text(document_number, label="印发文号", field="document_number", limit=DOCUMENT_NUMBER_MAX)

    def prepare(row: DepartmentCatalog) -> dict[str, object]:
        row.document_number, row.issued_at = document_number, timezone.now()
        return {"document_number": document_number, "version": row.version}

    issued = transition_run(instance=locked, name="issue", actor=actor, prepare=prepare)
    url = _detail_url(issued)
    # Every unit of the department's system at once (a large system has thousands), in a few queries.
    organizations_notify(
        organizations=department_units(issued.department).exclude(pk=issued.department_id), subject=issued,
        kind="issued", title=f"{issued.department.name}印发了《{issued.title}》（{document_number}）",
        body=f"{issued.department.name}以{document_number}印发了{issued.year}年度部门集中采购目录，"
             "在本部门、本系统内执行：目录内品目的采购，一般由部门或其授权单位牵头组织集中带量采购。",
        url=url,
    )
    return issued


# --- authorized leads -----------------------------------------------------------------------------

@transaction.atomic
def catalog_leads_authorize(*, catalog: DepartmentCatalog, units: Iterable[Organization],
                            actor) -> DepartmentCatalog:
    """授权单位: the units of the department's own tree that may lead procurement of the catalog's items (the
    department itself always may). Replaces the list."""
    locked = _locked(catalog)
    _acts_for_department(actor, locked.department)
    wanted = {unit.pk: unit for unit in units}
    wanted.pop(locked.department_id, None)
    tree = set(department_units(locked.department).filter(pk__in=list(wanted)).values_list("pk", flat=True))
    outside = [unit.name for pk, unit in wanted.items() if pk not in tree]
    if outside:
        raise ServiceError(f"「{'、'.join(outside)}」不是{locked.department.name}所属单位，不能授权其牵头",
                           field="units")
    before = sorted(locked.authorized_leads.values_list("pk", flat=True))
    locked.authorized_leads.set(list(wanted))
    event_record(subject=locked, action="catalog_leads_authorize", actor=actor,
                 changes={"before": before, "after": sorted(wanted)})
    return locked

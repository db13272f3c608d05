"""753 step 1: the lead unit (牵头单位) creates a joint volume project and publishes its procurement intention.

吉财采购〔2024〕753号 三 1: 牵头单位通过系统发起“统采分签”政府采购项目，勾选此项目参与单位名单，确定参与单位范围、
响应时间和采购内容清单. The shared part (numbering, the items as the core's lots, the invited units as eligible
units, the response window, the audit row, the units told at opening) is the core's ``project_open``; what is
volume's own is checked and written here:

- each item's category exists and is at the lowest level of the catalog (issue 10 point 2);
- the lead is of the highest level among the participants (seed 000 三(三)(2), 753号 二: 采购单位包括省、市、
  县（区）多级的，原则上以上级单位作为牵头单位);
- a category inside the government centralized catalog with a framework agreement in force is refused
  (753号 一: 采购集中采购目录内品目的，应当以集中采购机构统一征集的框架协议为先; ``procurement.agreements``);
- a department-internal project follows the department's issued catalog (seed 000 三(三)(1)): its categories are
  in the catalog, the lead is the department or a unit it authorized, the participants are the department's own;
- who answers supplier inquiries and challenges: the lead by default (753号 四(二));
- the procurement intention (采购意向公开) is published when the project opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from notices.models import Notice
from procurement import access
from procurement.agreements import agreements_in_force
from procurement.formats import chinese_datetime
from procurement.models import Category, Lot, Mode, Organization, Project, Region
from procurement.publication import project_notice_publish
from procurement.selectors.collection import eligible_count
from procurement.services.errors import ServiceError
from procurement.services.projects import LotSpec, project_open
from volume.models import DepartmentCatalog, Response, VolumeDetails, VolumeItem, VolumeProject
from volume.selectors.catalog import catalog_item_for, department_units, may_lead

Kind = VolumeDetails.Kind

# Region levels from the highest (seed 000 三(三)(2): the upper unit leads).
LEVEL_RANK = {Region.Level.PROVINCE: 3, Region.Level.PREFECTURE: 2, Region.Level.COUNTY: 1}
# How many names a refusal lists before "等N家".
NAMES_SHOWN = 5


def _names(items: Iterable[str]) -> str:
    items = list(items)
    shown = "、".join(items[:NAMES_SHOWN])
    return shown if len(items) <= NAMES_SHOWN else f"{shown}等{len(items)}家"


@dataclass(frozen=True)
class ItemSpec:
    """One item of the 采购内容清单: category by its code, specification, unit of measure, the lead's quantity
    guidance (预估数量) and reference price."""

    name: str
    category_code: str
    unit_of_measure: str
    specification: str = ""
    quantity_guidance: Decimal | str | None = None
    reference_price_yuan: Decimal | str | None = None


def _decimal(value, *, number: int, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ServiceError(f"第{number}项：{label}「{value}」不是有效数字", field="items") from None
    if not amount.is_finite() or amount < 0:
        raise ServiceError(f"第{number}项：{label}不能为负数", field="items")
    return amount.quantize(Decimal("0.01"))


def _checked_items(items: Sequence[ItemSpec]) -> list[tuple[ItemSpec, Category, Decimal | None, Decimal | None]]:
    """Each item with its category (existing, at the lowest catalog level) and its amounts."""
    if not items:
        raise ServiceError("请至少填写一项采购内容", field="items")
    codes = {(item.category_code or "").strip() for item in items}
    categories = {c.code: c for c in Category.objects.filter(code__in=codes)}
    with_children = set(Category.objects.filter(parent__code__in=codes).values_list("parent__code", flat=True))
    checked = []
    for number, item in enumerate(items, start=1):
        code = (item.category_code or "").strip()
        if not code:
            raise ServiceError(f"第{number}项「{item.name}」：请填写采购品目编码", field="items")
        if not item.name.strip():
            raise ServiceError(f"第{number}项：请填写采购内容名称", field="items")
        if not item.unit_of_measure.strip():
            raise ServiceError(f"第{number}项「{item.name}」：请填写计量单位", field="items")
        category = categories.get(code)
        if category is None:
            raise ServiceError(f"第{number}项「{item.name}」：采购品目「{code}」不存在", field="items")
        if code in with_children:
            # Issue 10 point 2: the item list names the category down to the lowest catalog level.
            raise ServiceError(f"第{number}项「{item.name}」：采购品目「{category}」不是最末级品目，"
                               "请选择其下级品目", field="items")
        quantity = _decimal(item.quantity_guidance, number=number, label="预估数量")
        price = _decimal(item.reference_price_yuan, number=number, label="参考单价")
        checked.append((item, category, quantity, price))
    return checked


def _check_agreements(checked, *, on) -> None:
    """753号 一: a catalog category with a framework agreement in force goes to that agreement first."""
    for number, (item, category, _, _) in enumerate(checked, start=1):
        if not category.in_centralized_catalog:
            continue
        found = agreements_in_force(category, on=on)
        if found:
            names = "、".join(str(agreement) for agreement in found)
            raise ServiceError(
                f"第{number}项「{item.name}」：品目「{category}」属于政府集中采购目录，框架协议{names}正在有效期内，"
                "应通过框架协议采购（吉财采购〔2024〕753号 一），不能纳入集中带量采购", field="items")


def _participants(unit_ids: Iterable[int]) -> list[Organization]:
    ids = sorted({int(pk) for pk in unit_ids})
    if not ids:
        raise ServiceError("请至少勾选一家参与单位", field="unit_ids")
    units = list(Organization.objects.filter(pk__in=ids).select_related("region", "supervising_unit"))
    found = {unit.pk for unit in units}
    missing = len(set(ids) - found)
    wrong = [unit.name for unit in units if unit.kind != Organization.Kind.BUDGET_UNIT]
    inactive = [unit.name for unit in units if unit.kind == Organization.Kind.BUDGET_UNIT and not unit.is_active]
    if missing:
        raise ServiceError(f"有{missing}家参与单位不存在", field="unit_ids")
    if wrong:
        raise ServiceError(f"参与单位须为预算单位：{_names(wrong)}不是预算单位", field="unit_ids")
    if inactive:
        raise ServiceError(f"参与单位须为启用的预算单位：{_names(inactive)}已停用", field="unit_ids")
    return units


def _check_levels(lead: Organization, units: list[Organization]) -> None:
    """Seed 000 三(三)(2) and 753号 二: 跨层级的项目原则上由上级单位作为牵头单位."""
    rank = LEVEL_RANK.get(lead.region.level, 0)
    higher = [unit for unit in units if LEVEL_RANK.get(unit.region.level, 0) > rank]
    if higher:
        top = max(higher, key=lambda unit: LEVEL_RANK.get(unit.region.level, 0))
        raise ServiceError(
            f"跨层级的集中带量采购项目应由上级单位牵头：参与单位{_names(u.name for u in higher)}"
            f"为{top.region.get_level_display()}单位，高于牵头单位「{lead.name}」"
            f"（{lead.region.get_level_display()}）（吉财采购〔2024〕753号 二）", field="unit_ids")


def _check_department(*, catalog: DepartmentCatalog | None, year: int, lead: Organization,
                      units: list[Organization], checked) -> DepartmentCatalog:
    """Seed 000 三(三)(1): a department-internal project follows the department's issued catalog, is led by the
    department or a unit it authorized, and its participants are the department's own units. Each item's category
    is one the catalog lists (a catalog lists categories of the lowest level, as project items are)."""
    if catalog is None:
        raise ServiceError("部门集中采购项目须选择依据的部门集中采购目录", field="catalog")
    catalog = DepartmentCatalog.objects.select_related("department").get(pk=catalog.pk)
    if catalog.status != DepartmentCatalog.Status.ISSUED:
        raise ServiceError(f"部门集中采购目录「{catalog.title}」当前状态为「{catalog.get_status_display()}」，"
                           "印发后才能据此发起部门集中采购项目", field="catalog")
    if catalog.year != year:
        raise ServiceError(f"部门集中采购目录「{catalog.title}」为{catalog.year}年度目录，与项目年度{year}年不符",
                           field="catalog")
    department = catalog.department
    if not may_lead(lead, catalog):
        raise ServiceError(f"部门集中采购项目应由主管部门「{department.name}」或其授权单位牵头，"
                           f"「{lead.name}」未获授权（集中采购实施方案 三(三)(1)）", field="lead")
    for number, (item, category, _, _) in enumerate(checked, start=1):
        if catalog_item_for(catalog, category) is None:
            raise ServiceError(f"第{number}项「{item.name}」：品目「{category}」不在部门集中采购目录"
                               f"「{catalog.title}」内", field="items")
    own = set(department_units(department).values_list("pk", flat=True))
    outside = [unit.name for unit in units if unit.pk not in own]
    if outside:
        raise ServiceError(f"部门集中采购项目的参与单位应为「{department.name}」本部门、本系统的单位："
                           f"{_names(outside)}不属于本部门", field="unit_ids")
    return catalog


@transaction.atomic
def volume_project_open(
    *,
    lead: Organization,
    title: str,
    year: int,
    kind: str,
    items: Sequence[ItemSpec],
    unit_ids: Iterable[int],
    response_deadline: datetime | None,
    response_opens_at: datetime | None = None,
    catalog: DepartmentCatalog | None = None,
    question_handler: Organization | None = None,
    description: str = "",
    actor,
) -> VolumeProject:
    """发起集中带量采购项目 (753号 step 1): check volume's rules, open the core project, record what volume adds
    and publish the procurement intention. Nothing is written when any rule refuses."""
    lead = Organization.objects.select_related("region").get(pk=lead.pk)
    if not (access.is_privileged(actor) or access.acts_for(actor, lead.pk)):
        raise PermissionDenied("只有牵头单位的经办人可以发起集中带量采购项目")
    if lead.kind != Organization.Kind.BUDGET_UNIT or not lead.is_active:
        raise ServiceError(f"牵头单位须为启用的预算单位，「{lead.name}」不是", field="lead")
    if kind not in Kind.values:
        raise ServiceError("请选择组织形式（部门集中采购或跨部门联合采购）", field="kind")
    checked = _checked_items(items)
    units = _participants(unit_ids)
    _check_levels(lead, units)
    today = timezone.localdate()
    _check_agreements(checked, on=today)
    if kind == Kind.DEPARTMENT:
        catalog = _check_department(catalog=catalog, year=year, lead=lead, units=units, checked=checked)
    else:
        catalog = None
    handler = question_handler or lead
    if handler.pk != lead.pk and handler.pk not in {unit.pk for unit in units}:
        raise ServiceError(f"答复询问、质疑的单位应为牵头单位或参与单位，「{handler.name}」不是",
                           field="question_handler")

    opened = project_open(
        model=VolumeProject, mode=Mode.VOLUME, title=title, year=year, organizer=lead, scope_region=lead.region,
        scope_note=f"牵头单位勾选的{len(units)}家参与单位", description=description,
        lots=[LotSpec(name=item.name, unit_of_measure=item.unit_of_measure, category_id=category.pk,
                      specification=item.specification.strip(), reference_price_yuan=price)
              for item, category, _, price in checked],
        unit_ids=[unit.pk for unit in units], response_opens_at=response_opens_at,
        response_deadline=response_deadline, actor=actor,
        changes={"kind": kind, "catalog_id": catalog.pk if catalog else None, "question_handler_id": handler.pk},
    )
    lots = list(Lot.objects.filter(project=opened).order_by("number"))
    VolumeItem.objects.bulk_create([
        VolumeItem(lot=lot, quantity_guidance=quantity)
        for lot, (_, _, quantity, _) in zip(lots, checked, strict=True)
    ])
    details = VolumeDetails.objects.create(project=opened, kind=kind, catalog=catalog, question_handler=handler)
    notice = project_notice_publish(
        type=Notice.Type.INTENTION, title=intention_title(opened), body=intention_body(opened, details=details),
        project=opened, publisher=lead, actor=actor,
    )
    VolumeDetails.objects.filter(pk=details.pk).update(intention_notice_id=notice.pk)
    return VolumeProject.objects.get(pk=opened.pk)


# --- the procurement intention (采购意向公开) -------------------------------------------------------

def intention_title(project: Project) -> str:
    return f"{project.organizer.name}{project.title}采购意向公开"[:200]


def intention_body(project: Project, *, details: VolumeDetails) -> str:
    """The intention notice: the project, the lead and the participants, each item, the expected time; the budget
    is not known yet (it is the sum of the participants' responses)."""
    lead = project.organizer
    lots = list(Lot.objects.filter(project=project).select_related("category", "volume_item").order_by("number"))
    count = project.eligible_units.count()
    deadline = timezone.localtime(project.response_deadline)
    lines = [
        f"为便于供应商及时了解政府采购信息，{lead.name}作为牵头单位，现将{project.title}的采购意向公开如下：",
        "",
        "一、项目基本情况",
        f"项目编号：{project.code}",
        f"项目名称：{project.title}",
        f"组织形式：集中带量采购（{details.get_kind_display()}，统采分签）",
        f"牵头单位：{lead.name}",
        f"参与单位：{count}家预算单位",
        "",
        "二、采购内容",
    ]
    for lot in lots:
        parts = [f"{lot.number}. {lot.name}", f"品目：{lot.category}" if lot.category else "",
                 f"计量单位：{lot.unit_of_measure}"]
        item = getattr(lot, "volume_item", None)
        if item is not None and item.quantity_guidance is not None:
            parts.append(f"预估数量：{item.quantity_guidance.normalize():f}")
        if lot.reference_price_yuan is not None:
            parts.append(f"参考单价：{lot.reference_price_yuan:,.2f}元")
        lines.append("；".join(part for part in parts if part))
        if lot.specification:
            lines.append(f"　　规格要求：{lot.specification}")
    lines += [
        "",
        "三、预算金额",
        f"预算金额由各参与单位在需求响应中填报后汇总确定（需求响应截止时间：{chinese_datetime(project.response_deadline)}）。",
        "",
        "四、预计采购时间",
        f"预计{deadline.year}年{deadline.month}月需求响应截止、汇总并备案采购实施计划后实施采购。",
        "",
        "五、联系方式",
        f"牵头单位：{lead.name}"
        + (f"（{'，'.join(p for p in (lead.contact_person, lead.contact_phone) if p)}）"
           if lead.contact_person or lead.contact_phone else ""),
        f"答复询问、质疑的单位：{details.question_handler.name}",
        "",
        "本次公开的采购意向是本项目采购工作的初步安排，具体采购项目情况以相关采购公告和采购文件为准。",
    ]
    return "\n".join(lines)


# --- reads shared by the pages and the API -----------------------------------------------------------

def led_projects(user) -> QuerySet[VolumeProject]:
    """The volume projects the user's budget units lead (the lead's own list and hub: another unit's → 404), with
    ``eligible_count``, ``answered_count`` (submitted or declined: a decline answers the invitation) and
    ``declined_count``."""
    orgs = access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
    projects = VolumeProject.objects.all() if access.is_superuser(user) else VolumeProject.objects.filter(
        organizer_id__in=orgs)
    return projects.select_related(
        "organizer", "scope_region", "volume", "volume__question_handler", "volume__catalog",
        "volume__intention_notice",
    ).annotate(eligible_count=eligible_count(), answered_count=_responses_count(Response.ANSWERED),
               declined_count=_responses_count([Response.Status.DECLINED]))


def _responses_count(statuses) -> Coalesce:
    """How many invited units' responses of ``project`` are in ``statuses`` (a correlated count, no fan-out)."""
    rows = (Response.objects.filter(project=OuterRef("pk"), status__in=statuses).order_by().values("project")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def lead_units(user) -> QuerySet[Organization]:
    """The active budget units the user writes for: those it may lead a project for."""
    return Organization.objects.budget_units().filter(
        is_active=True, pk__in=access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT, write=True)
    ).order_by("name")


def project_items(project: Project) -> list[Lot]:
    return list(Lot.objects.filter(project=project).select_related("category", "volume_item").order_by("number"))

"""The batch project from solicitation to the confirmed master plan (seed 000 三(一)(3)(4)).

(3) 征集计划: from an acknowledged task notice the center opens a project — one lot (采购包) per
configuration type (产品配置分型) of the task's category, the eligible budget units (可响应单位范围),
the response window and the procedure — and publishes the solicitation notice.
(4) 需求响应: eligible units file sub-plans until the deadline (``procurement.services.sub_plans``);
the system sums them into the master plan (总计划). The window's messages, its closing and the master
plan's confirmation are the core's, for every mode (``procurement.services.collection``,
``procurement.services.collection_deadlines``); what stays here is batch's own: opening from a task notice,
the solicitation notice, and the deadline extension with its 更正公告 correcting that notice.

Services (writes) first, then the reads the pages and the API share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from batch.models import BatchDetails, BatchLot, BatchProject, ConfigurationTable, ConfigurationType, TaskNotice
from notices.models import Notice
from notices.services import notice_publish
from procurement import access
from procurement.formats import chinese_date_padded as _day
from procurement.formats import chinese_datetime as chinese_moment
from procurement.models import Lot, Mode, Organization, Project, Region
from procurement.selectors.collection import managed_projects, with_response_counts
from procurement.services.errors import ServiceError
from procurement.services.projects import LotSpec, project_open

Eligibility = BatchDetails.Eligibility

# How many names a refusal lists before "等N家".
NAMES_SHOWN = 5


def _names(items: Iterable[str]) -> str:
    items = list(items)
    shown = "、".join(items[:NAMES_SHOWN])
    return shown if len(items) <= NAMES_SHOWN else f"{shown}等{len(items)}家"


# --- opening a project from a task notice ------------------------------------------------------

def _check_task(task: TaskNotice, actor) -> TaskNotice:
    task = TaskNotice.objects.select_related("center", "category", "finance_bureau__region").get(pk=task.pk)
    if not access.is_privileged(actor) and not access.acts_for(actor, task.center_id):
        raise PermissionDenied("该任务通知单未下达给本中心，不能据此立项")
    if task.status != TaskNotice.Status.ACKNOWLEDGED:
        raise ServiceError(f"任务通知单当前状态为「{task.get_status_display()}」，签收后才能据此立项", field="task")
    return task


def _configuration_types(task: TaskNotice, table: ConfigurationTable) -> list[ConfigurationType]:
    if table.center_id != task.center_id or table.task_id not in (None, task.pk):
        raise ServiceError("所选产品配置表不属于该任务通知单", field="configuration_table")
    # The task's category and the categories below it (a task may name 计算机设备, the table 台式计算机).
    types = list(
        table.types.filter(category__code__startswith=task.category.code)
        .select_related("category")
        .order_by("row_number", "number", "pk")
    )
    if not types:
        raise ServiceError(f"产品配置表「{table.title}」中没有品目「{task.category.name}」的配置分型",
                           field="configuration_table")
    return types


def _task_scope(task: TaskNotice) -> list[Region]:
    """The regions the task applies to (适用范围): its listed regions, or the issuing bureau's whole region."""
    if task.scope == TaskNotice.Scope.REGIONS:
        regions = list(task.scope_regions.order_by("path"))
        if regions:
            return regions
    return [task.finance_bureau.region]


def _under(regions: Iterable[Region], field: str = "region__path") -> Q:
    q = Q(pk__in=[])
    for region in regions:
        q |= Q(**{f"{field}__startswith": region.path})
    return q


@dataclass(frozen=True)
class _Eligible:
    unit_ids: list[int]
    scope_region: Region
    scope_note: str


def _eligible_units(
    task: TaskNotice, *, eligibility: str, regions: Iterable[Region], levels: Iterable[str], unit_ids: Iterable[int]
) -> _Eligible:
    """The active budget units the project is open to, inside the task's scope (seed 000 三(一)(4) 可响应单位范围)."""
    scope = _task_scope(task)
    units = Organization.objects.budget_units().filter(is_active=True).filter(_under(scope))
    scope_region = scope[0] if len(scope) == 1 else task.finance_bureau.region
    if eligibility == Eligibility.REGION:
        regions = list(regions)
        if not regions:
            raise ServiceError("按地区确定可响应单位时，请至少选择一个地区", field="regions")
        outside = [r.name for r in regions if not any(r.path.startswith(s.path) for s in scope)]
        if outside:
            raise ServiceError(f"所选地区不在任务通知单的适用范围内：{_names(outside)}", field="regions")
        units = units.filter(_under(regions))
        note = f"{'、'.join(r.name for r in regions)}（含下级区划）的预算单位"
        if len(regions) == 1:
            scope_region = regions[0]
    elif eligibility == Eligibility.LEVEL:
        levels = [level for level in dict.fromkeys(levels) if level]
        unknown = [level for level in levels if level not in Region.Level.values]
        if not levels or unknown:
            raise ServiceError("按级次确定可响应单位时，请选择有效的级次", field="levels")
        units = units.filter(region__level__in=levels)
        labels = "、".join(Region.Level(level).label for level in Region.Level.values if level in levels)
        note = f"{'、'.join(s.name for s in scope)}范围内{labels}预算单位"
    elif eligibility == Eligibility.LIST:
        wanted = set(unit_ids)
        if not wanted:
            raise ServiceError("按指定名单确定可响应单位时，请至少指定一家预算单位", field="unit_ids")
        found = set(units.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = wanted - found
        if missing:
            names = Organization.objects.filter(pk__in=missing).order_by("name").values_list("name", flat=True)
            unknown = len(missing) - len(names)
            listed = _names([*names, *(["未知单位"] * unknown)])
            raise ServiceError(f"以下单位不是任务通知单适用范围内的有效预算单位：{listed}", field="unit_ids")
        units = units.filter(pk__in=found)
        note = f"指定名单内的{len(found)}家预算单位"
    else:
        raise ServiceError("请选择可响应单位的确定方式（按地区、按级次或指定名单）", field="eligibility")
    ids = list(units.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ServiceError("按所选条件没有符合条件的预算单位，可响应单位范围不能为空", field="eligibility")
    return _Eligible(ids, scope_region, note)


@transaction.atomic
def batch_project_open(
    *,
    task: TaskNotice,
    configuration_table: ConfigurationTable,
    title: str,
    eligibility: str,
    regions: Iterable[Region] = (),
    levels: Iterable[str] = (),
    unit_ids: Iterable[int] = (),
    response_opens_at: datetime | None,
    response_deadline: datetime,
    procedure: str = "",
    actor,
) -> BatchProject:
    """立项并发布征集: one lot per configuration type, the eligible units, the window; opens collection."""
    task = _check_task(task, actor)
    title = title.strip()
    if not title:
        raise ServiceError("请填写项目名称", field="title")
    types = _configuration_types(task, configuration_table)
    eligible = _eligible_units(task, eligibility=eligibility, regions=regions, levels=levels, unit_ids=unit_ids)

    # The code is numbered by the year of opening (procurement.numbering), the project keeps the task's budget year.
    opened = project_open(
        model=BatchProject, mode=Mode.BATCH, title=title, year=task.year, organizer=task.center,
        category=task.category, scope_region=eligible.scope_region, scope_note=eligible.scope_note,
        purchase_limit_yuan=task.purchase_limit_yuan, description=procedure,
        lots=[LotSpec(name=kind.name, unit_of_measure=kind.unit_of_measure, category_id=kind.category_id,
                      specification=kind.parameters, reference_price_yuan=kind.reference_price_yuan)
              for kind in types],
        unit_ids=eligible.unit_ids, response_opens_at=response_opens_at, response_deadline=response_deadline,
        actor=actor, changes={"task_id": task.pk, "configuration_table_id": configuration_table.pk,
                              "eligibility": eligibility},
    )
    lots = list(opened.lots.order_by("number"))
    BatchLot.objects.bulk_create([
        BatchLot(lot=lot, configuration_type=kind) for lot, kind in zip(lots, types, strict=True)
    ])
    BatchDetails.objects.create(project=opened, task=task, configuration_table=configuration_table,
                                eligibility=eligibility, procedure=procedure.strip())
    return opened


# --- the solicitation notice (征集计划通知) ---------------------------------------------------

def solicitation_body(project: Project) -> str:
    """The notice text (seed 000 三(一)(3)): scope, implementer, timetable, items and base configurations, procedure."""
    details = (
        BatchDetails.objects.select_related("task__finance_bureau", "task__category").filter(project=project).first()
    )
    lots = list(project.lots.order_by("number"))
    eligible = project.eligible_units.count()
    lines = ["各有关预算单位："]
    if details is not None:
        task = details.task
        number = f"（{task.document_number}）" if task.document_number else ""
        lines.append(
            f"根据{task.finance_bureau.name}下达的《{task}》{number}，{project.organizer.name}组织实施"
            f"{task.category.name}批量集中采购，现公开征集采购计划。有关事项通知如下："
        )
    else:
        lines.append(f"{project.organizer.name}组织实施本项目批量集中采购，现公开征集采购计划。有关事项通知如下：")
    lines += [
        "",
        "一、采购人适用范围",
        f"{project.scope_note or project.scope_region.name}，共{eligible}家预算单位。范围内的预算单位可自愿参加。",
        "",
        "二、实施主体",
        f"{project.organizer.name}。",
        "",
        "三、时间安排",
        f"需求响应时间：{chinese_moment(project.response_opens_at)}至{chinese_moment(project.response_deadline)}。"
        "截止后系统自动关闭填报，不再受理分计划。",
        "",
        "四、采购标的及基本配置参数",
    ]
    for lot in lots:
        price = f"，参考单价{lot.reference_price_yuan:,.2f}元" if lot.reference_price_yuan is not None else ""
        lines.append(f"第{lot.number}包　{lot.name}（计量单位：{lot.unit_of_measure}{price}）")
        if lot.specification:
            lines.append(f"基本配置参数：{lot.specification}")
    lines += [
        "",
        "五、采购需求征集程序",
        "预算单位登录平台，在工作台“正在征集需求的项目”中进入本项目，对照产品配置分型自主选择采购包，"
        "填报采购数量、预算金额、资金构成和联系人，保存后提交分计划；截止前可修改或撤回后重新提交。"
        "外部系统可通过平台接口填报。只有已提交的分计划计入总计划，系统自动汇总形成总计划。",
        "",
        "六、采购活动执行程序",
        (details.procedure if details is not None and details.procedure else
         "需求响应截止后，集中采购机构确认总计划，据此编制采购文件并组织采购；中标（成交）结果在吉林省政府采购网公告，"
         "各参与单位按本单位分计划数量分别与中标（成交）供应商签订合同（统采分签）。"),
    ]
    return "\n".join(lines)


def _solicitation_subject(project: Project) -> str:
    """征集…计划: a title that already ends in 采购 (…批量集中采购, …批量集中采购项目) is not followed by
    采购 again ("征集台式计算机批量集中采购计划", not "…采购采购计划"); any other title takes it
    ("征集台式计算机采购计划")."""
    title = project.title.strip()
    if title.endswith("采购项目"):
        title = title.removesuffix("项目")
    return f"征集{title}计划" if title.endswith("采购") else f"征集{title}采购计划"


def solicitation_title(project: Project) -> str:
    """The solicitation notice's title: 「{organizer}关于征集…计划的通知」."""
    return f"{project.organizer.name}关于{_solicitation_subject(project)}的通知"[:200]


@transaction.atomic
def batch_solicitation_publish(*, project: Project, actor) -> Notice:
    """发布征集计划通知 through ``notices`` (once per project)."""
    project = BatchProject.objects.select_related("organizer", "scope_region").select_for_update(of=("self",)).get(
        pk=project.pk
    )
    if not access.runs_project(actor, project, step=access.Step.COLLECTION):
        raise PermissionDenied("您无权为该项目发布公告")
    if project.status != Project.Status.COLLECTING:
        raise ServiceError(f"项目当前状态为「{project.get_status_display()}」，只有需求征集中的项目可以发布征集公告")
    if Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION, is_withdrawn=False).exists():
        raise ServiceError("该项目的征集公告已经发布")
    return notice_publish(
        type=Notice.Type.SOLICITATION,
        title=solicitation_title(project),
        body=solicitation_body(project),
        project=project,
        publisher=project.organizer,
        actor=actor,
    )


# --- the 更正公告 of a deadline extension (the extension itself is the core's) ------------------------------

def correction_title(project: Project) -> str:
    """The correction notice's title: 「{organizer}关于征集…计划的更正公告」, after the notice it corrects."""
    return f"{project.organizer.name}关于{_solicitation_subject(project)}的更正公告"[:200]


def correction_body(*, project: Project, original: Notice, old_deadline: datetime, new_deadline: datetime,
                    reason: str, corrected_at: datetime) -> str:
    """更正公告: the notice corrected, the original and the new deadline, the reason, what stays as it was."""
    organizer = project.organizer
    contact = "，".join(part for part in (organizer.contact_person, organizer.contact_phone) if part)
    return "\n".join([
        "各有关预算单位：",
        f"{organizer.name}于{_day(original.published_at)}发布的《{original.title}》，现就需求响应截止时间更正如下：",
        "",
        "一、项目基本情况",
        f"项目编号：{project.code}",
        f"项目名称：{project.title}",
        f"原公告名称：{original.title}",
        f"原公告发布日期：{_day(original.published_at)}",
        "",
        "二、更正信息",
        "更正事项：需求响应截止时间",
        f"更正内容：需求响应截止时间由{chinese_moment(old_deadline)}更正为{chinese_moment(new_deadline)}。",
        f"更正理由：{reason}",
        f"更正日期：{_day(corrected_at)}",
        "",
        "三、其他补充事宜",
        "原公告其他内容不变。已提交的分计划继续有效，新的截止时间前仍可修改，或撤回后重新提交；"
        "尚未提交分计划的预算单位请在新的截止时间前登录平台填报。",
        "",
        "四、联系方式",
        f"组织单位：{organizer.name}" + (f"（{contact}）" if contact else ""),
    ])


def batch_correction_publish(*, project: Project, old_deadline: datetime, new_deadline: datetime, reason: str,
                             at: datetime, actor) -> dict:
    """The 更正公告 of a deadline extension (``procurement.services.collection.response_deadline_extend``, through
    ``BatchPlugin.response_deadline_extended``): it corrects the solicitation notice, when one was published
    (otherwise there is nothing public to correct, and the notice published later carries the new deadline)."""
    original = solicitation_notice(project)
    correction = None
    if original is not None:
        correction = notice_publish(
            type=Notice.Type.CORRECTION,
            title=correction_title(project),
            body=correction_body(project=project, original=original, old_deadline=old_deadline,
                                 new_deadline=new_deadline, reason=reason, corrected_at=at),
            project=project,
            publisher=project.organizer,
            actor=actor,
        )
    return {"corrected_notice_id": original.pk if original else None,
            "correction_notice_id": correction.pk if correction else None}


# --- reads shared by the pages and the API ----------------------------------------------------

def batch_projects(user) -> QuerySet[BatchProject]:
    """Batch projects the user may see, with their details, task, configuration table and counts."""
    visible = access.projects_readable(user).values("pk")
    projects = (
        BatchProject.objects.filter(pk__in=visible)
        .select_related("organizer", "category", "scope_region", "batch", "batch__task",
                        "batch__configuration_table")
    )
    return with_response_counts(projects)


def with_lots(projects: QuerySet[BatchProject]) -> QuerySet[BatchProject]:
    lots = Lot.objects.select_related("category", "batch__configuration_type").order_by("number", "pk")
    return projects.prefetch_related(Prefetch("lots", queryset=lots))


def batch_projects_with_lots(user) -> QuerySet[BatchProject]:
    return with_lots(batch_projects(user))


# Who opens a project, for the pages (``kind_required``) and the API (``seats_required``) alike (issue 8 point 4):
# the center opens it from its own task notice; the center or its entrusted agency runs it (``MANAGERS``, the
# core's declaration for every project in collection).
OPENERS = (Organization.Kind.CENTER,)
# Batch's projects are run by a center or its agency only (no lead unit): the core's workspace kinds.
MANAGERS = access.WORKSPACE_KINDS


def managed_batch_projects(user) -> QuerySet[BatchProject]:
    """The batch projects the user's center (or agency) runs: the center's pages and the API's steps."""
    return managed_projects(user, batch_projects(user))


def correction_notices(project: Project) -> QuerySet[Notice]:
    """The 更正公告 of ``project``, latest first."""
    return Notice.objects.filter(project=project, type=Notice.Type.CORRECTION, is_withdrawn=False).order_by(
        "-published_at", "-pk")


def solicitation_notice(project: Project) -> Notice | None:
    return (
        Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION, is_withdrawn=False)
        .order_by("-published_at", "-pk")
        .first()
    )


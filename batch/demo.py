"""Demo data of 批量集中采购 (called by procurement's seed_demo through its app discovery).

One walk through the procedure, made with the mode's own services as the demo logins would make it:

1. finance (吉林省财政厅) imports its arrangement table (annex 4) for DEMO_YEAR, a workbook built here
   in the annex layout: some 360 lines over the provincial budget units, in which desktop computers,
   copy paper, printers and air conditioners come out as batch candidates (many units, small amounts)
   and servers, cars and the items outside the centralized catalog do not;
2. 吉林省政府采购中心 proposes categories from the analysis to finance (拟定品目报财政部门) twice: in spring
   air conditioners (adopted) and copy paper (declined: the national center buys it); this quarter
   desktop computers and A4 printers (adopted) with laptops and office chairs (still under
   deliberation). Each adopted category becomes a draft task notice (annex 5), which finance
   completes and issues: the desktop one is acknowledged by the center, the printer one is still a draft;
3. the center fills in the configuration table (annex 6): three desktop configuration types;
4. the center opens the project (``collecting_project()``) for the provincial units, publishes
   its solicitation notice, and eight units file sub-plans (one keeps a draft). 吉林省教育厅 (login
   "unit") and 吉林省卫生健康委员会 ("unit2") are eligible and have not filed yet.

The services stamp every step "now"; the seed then moves the business dates (import, issue,
acknowledgement, window, submissions) back into a believable timeline. The audit log keeps the real
moments: it is append-only.

The awarded air-conditioner project of the core demo lies in the past, where the services (which
check the response window and the dates) cannot replay it: it gets the task notice and
configuration table it came from, made through the services, and its BatchDetails and BatchLot rows.

Idempotent like the core demo: each row is looked up by a natural key first (the bureau's current
table of the year, a proposal's first category, a task's category and document number, a task's
configuration table, the task a project was opened from, the awarded project's mode and title).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from openpyxl import Workbook

from batch.arrangement import arrangement_import
from batch.configuration import configuration_table_create, configuration_type_set
from batch.models import (
    Arrangement,
    ArrangementLine,
    BatchDetails,
    BatchLot,
    BatchProject,
    CategoryProposal,
    ConfigurationTable,
    ConfigurationType,
    Cycle,
    ProposedCategory,
    TaskNotice,
)
from batch.projects import batch_project_open, batch_solicitation_publish, solicitation_body, solicitation_title
from batch.proposals import category_proposal_submit, proposed_category_adopt, proposed_category_decline
from notices.models import Notice
from notices.services import contract_notice_publish, notice_publish
from procurement import deadlines
from procurement.contract_text import contract_text_pdf
from procurement.models import (
    Category,
    Contract,
    EligibleUnit,
    FundingLine,
    Notification,
    Organization,
    Project,
    ProjectDocument,
    Region,
)
from procurement.selectors.execution import project_savings
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.demo import (
    CENTER_NAME,
    DEMO_YEAR,
    FINANCE_NAME,
    PROVINCE_CODE,
    UNIT2_CODE,
    UNIT_CODE,
    DemoCounts,
    batch_awarded_project,
    past_messages_read,
    reminders_about,
)
from procurement.services.execution import award_notice_body, award_suppliers_notify, contracts_suppliers_notify
from procurement.services.signing_deadlines import signing_due, signing_next_check
from procurement.services.sub_plans import sub_plan_save
from procurement.services.tasks import task_notice_acknowledge, task_notice_issue, task_notice_update

Kind = Organization.Kind
Eligibility = BatchDetails.Eligibility
WAN = Decimal("0.0001")

COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("安排情况表", Arrangement),
    ("安排情况表明细", ArrangementLine),
    ("品目建议", CategoryProposal),
    ("任务通知单", TaskNotice),
    ("产品配置表", ConfigurationTable),
    ("产品配置分型", ConfigurationType),
    ("批量采购项目信息", BatchDetails),
    ("采购包配置", BatchLot),
)

# --- the arrangement table (annex 4) --------------------------------------------------------------

ARRANGEMENT_TITLE = f"{DEMO_YEAR}年度部门预算政府采购项目安排情况表"
ARRANGEMENT_FILE_NAME = f"{DEMO_YEAR}年度部门预算政府采购项目安排情况表（省本级）.xlsx"
ARRANGEMENT_HEADERS = ("序号", "单位代码", "预算单位", "采购品目", "采购数量(个)", "采购金额(万元)")
ARRANGEMENT_NOTES = (
    "注：1. 此表主要用于梳理年度部门预算批复情况，方便对采购项目进行分类归集；",
    "2. 采购品目是指依据财政部《政府采购品目分类目录》（财库〔2022〕31号）确定的采购标的类别；",
    "3. 样表仅作参考，具体内容可根据实际调整。",
)
LARGE_BUYER_WORDS = ("大学", "学院", "医院")  # the units that buy in bulk (以大带小)


@dataclass(frozen=True)
class PlannedItem:
    """How the provincial units plan one category in the demo table."""

    code: str
    buyers: int  # how many provincial units have a line for it
    quantity: tuple[int, int]  # a unit's usual quantity (both ends included)
    price_wan: Decimal  # unit price in 万元
    large_buyers: int = 0  # universities and hospitals buying 40–120 of it


ARRANGEMENT_ITEMS = (
    # Batch candidates: many units, mostly under 5万元 each.
    PlannedItem("A02010105", 88, (2, 8), Decimal("0.55"), large_buyers=6),  # 台式计算机
    PlannedItem("A05040101", 95, (40, 300), Decimal("0.0125")),  # 复印纸 (箱)
    PlannedItem("A02021003", 63, (1, 4), Decimal("0.16")),  # A4黑白打印机
    PlannedItem("A02061804", 44, (2, 8), Decimal("0.42"), large_buyers=4),  # 空调机
    PlannedItem("A02010108", 32, (1, 5), Decimal("0.68")),  # 便携式计算机
    PlannedItem("A05010301", 19, (10, 50), Decimal("0.075")),  # 办公椅
    # In the centralized catalog but no batch: too few units, or neither small nor large amounts.
    PlannedItem("A02010104", 2, (4, 8), Decimal("6.5")),  # 服务器
    PlannedItem("A02030501", 5, (1, 1), Decimal("16.8")),  # 轿车
    # Outside the centralized catalog: analysed, never a candidate.
    PlannedItem("A02021104", 6, (5, 20), Decimal("0.12")),  # 液晶显示器
    PlannedItem("A02021103", 3, (1, 2), Decimal("28")),  # LED显示屏
    PlannedItem("C16010000", 4, (1, 1), Decimal("85")),  # 软件开发服务
)

# --- 拟定品目: the center's proposals to finance ------------------------------------------------


@dataclass(frozen=True)
class ProposalSpec:
    """A proposal of the center (拟定品目报财政部门) and what finance decided on each category."""

    category_codes: tuple[str, ...]
    submitted_days_ago: int
    note: str
    declined: tuple[tuple[str, str], ...] = ()  # (category code, reason)
    decided_days_ago: int = 0


EARLY_PROPOSAL = ProposalSpec(
    ("A02061804", "A05040101"), 112,
    "空调机各单位夏季前集中安装，建议上半年组织一次；复印纸需求稳定、单位多、金额小。",
    declined=(("A05040101", "复印纸已纳入国采中心批量集中采购计划，省直单位可通过国采中心协议供货采购，"
                            "本级暂不重复组织。"),),
    decided_days_ago=101,
)
LATE_PROPOSAL = ProposalSpec(
    ("A02010105", "A02021003", "A02010108", "A05010301"), 18,
    "第四季度集中更新办公设备；台式计算机含信创型配置。便携式计算机、办公椅请一并论证。",
)

# --- task notices (annex 5) and configuration tables (annex 6) ----------------------------------


@dataclass(frozen=True)
class TaskSpec:
    category_code: str
    document_number: str  # blank for the draft
    cycle: str
    drafted_days_ago: int
    issued_days_ago: int | None = None  # None: still a draft
    acknowledged_days_ago: int | None = None


DESKTOP_TASK = TaskSpec("A02010105", f"吉财采购〔{DEMO_YEAR}〕47号", Cycle.QUARTERLY, 16, 15, 14)
PRINTER_TASK = TaskSpec("A02021003", "", Cycle.HALF_YEARLY, 2)
AIR_CONDITIONER_TASK = TaskSpec("A02061804", f"吉财采购〔{DEMO_YEAR}〕12号", Cycle.HALF_YEARLY, 100, 99, 98)
ARRANGEMENT_IMPORTED_DAYS_AGO = 120
DESKTOP_TABLE_FILLED_DAYS_AGO = 10
AIR_CONDITIONER_TABLE_FILLED_DAYS_AGO = 92

# (name, parameters, unit of measure, reference price in 元): the lots the project is opened with.
DESKTOP_CONFIGURATIONS = (
    ("通用办公型台式计算机", "国产品牌；CPU不低于6核；内存16GB；固态硬盘512GB；23.8英寸显示器", "台", Decimal("5000")),
    ("高性能型台式计算机", "CPU不低于8核；内存32GB；固态硬盘1TB；独立显卡；27英寸显示器", "台", Decimal("8000")),
    ("信创型台式计算机", "国产CPU；国产操作系统；内存16GB；固态硬盘512GB；23.8英寸显示器", "台", Decimal("6500")),
)

# --- the project collecting sub-plans -------------------------------------------------------------

WINDOW_OPENED_DAYS_AGO = 3
WINDOW_DAYS_LEFT = 14
DESKTOP_PROCEDURE = (
    "需求响应截止后，吉林省政府采购中心确认总计划，按三种配置类型分包公开招标；中标结果在吉林省政府采购网公告，"
    "各参与单位按本单位分计划数量分别与中标供应商签订合同（统采分签），并按规定公告和备案。"
)


@dataclass(frozen=True)
class PlannedSubPlan:
    unit_name: str
    lot_number: int  # the configuration type's number
    quantity: int
    hours_after_opening: int
    submitted: bool = True
    own_funds_share: Decimal = Decimal(0)  # the rest comes from the general budget


SUB_PLANS = (
    PlannedSubPlan("吉林省实验中学", 1, 24, 2),
    PlannedSubPlan("吉林省实验中学", 3, 6, 2),
    PlannedSubPlan("吉林省人民医院", 2, 12, 5, own_funds_share=Decimal("0.4")),
    PlannedSubPlan("吉林省公安厅交通警察总队", 1, 15, 22),
    PlannedSubPlan("吉林省图书馆", 1, 8, 26),
    PlannedSubPlan("吉林省疾病预防控制中心", 2, 5, 30),
    PlannedSubPlan("吉林省水文水资源局", 3, 10, 47),
    PlannedSubPlan("吉林省统计局数据管理中心", 3, 4, 51),
    PlannedSubPlan("吉林省不动产登记中心", 1, 6, 54, submitted=False),  # saved, not yet submitted
)
CONTACTS = ("王晓东", "李静", "张伟", "刘洋", "陈晨", "赵敏", "孙磊", "周婷")
# The logins' own units plan desktop computers too, and may still file.
OWN_DESKTOP_QUANTITIES = {UNIT_CODE: 12, UNIT2_CODE: 8}

AIR_CONDITIONER_PROCEDURE = (
    "需求响应截止后确认总计划，按两种配置类型分包公开招标；中标结果公告后，各参与单位按分计划数量分别与中标供应商"
    "签订合同（统采分签）。"
)
# What the award notice names and publishes (《政府采购法实施条例》第四十三条).
AIR_CONDITIONER_EXPERTS = "王建国、李淑芬、张宏伟、刘志强、陈静"
AIR_CONDITIONER_TENDER_TEXT = (
    "一、采购内容：第1包壁挂式空调机（1.5匹，一级能效），第2包柜式空调机（3匹，一级能效），数量以确认的总计划为准。",
    "二、投标人资格要求：具有独立承担民事责任的能力，具备履行合同所必需的设备和专业技术能力，参加政府采购活动前三年内无重大违法记录。",
    "三、评标方法：综合评分法；报价超过采购预算或最高限价的投标无效。",
    "四、合同签订：中标结果公告后，各参与单位按本单位分计划数量分别与中标人签订合同（统采分签）。",
)
AIR_CONDITIONER_REPORT_TEXT = (
    "评标委员会由五名评审专家组成，依据招标文件规定的评标方法和标准进行评审。",
    "各包推荐综合得分第一名的投标人为中标候选人，评审过程及结果详见评审记录。",
)


# --- the extension --------------------------------------------------------------------------------

def demo_extend(*, users: dict) -> dict[str, tuple[int, int]]:
    counts = DemoCounts((*COUNTED, ("公告", Notice)))
    started = timezone.now()

    finance = Organization.objects.get(kind=Kind.FINANCE, name=FINANCE_NAME)
    center = Organization.objects.get(kind=Kind.CENTER, name=CENTER_NAME)
    units = list(Organization.objects.budget_units().filter(region__code=PROVINCE_CODE, is_active=True)
                 .order_by("unit_code"))
    by_name = {unit.name: unit for unit in units}

    arrangement = _arrangement_ensure(finance=finance, units=units, by_name=by_name, actor=users["finance"])
    if arrangement is None:
        return counts.created()
    early = _proposal_ensure(EARLY_PROPOSAL, arrangement=arrangement, center=center, users=users)
    late = _proposal_ensure(LATE_PROPOSAL, arrangement=arrangement, center=center, users=users)

    desktop = _task_ensure(DESKTOP_TASK, item=_item(late, DESKTOP_TASK.category_code), users=users)
    _task_ensure(PRINTER_TASK, item=_item(late, PRINTER_TASK.category_code), users=users)
    desktop_table = _table_ensure(task=desktop, title=f"{desktop.category.name}批量集中采购产品配置表",
                                  filled_days_ago=DESKTOP_TABLE_FILLED_DAYS_AGO, types=DESKTOP_CONFIGURATIONS,
                                  actor=users["center"])
    _collecting_project_ensure(task=desktop, table=desktop_table, by_name=by_name, users=users)

    awarded = batch_awarded_project()
    if awarded is not None:
        air_conditioner = _task_ensure(AIR_CONDITIONER_TASK, item=_item(early, AIR_CONDITIONER_TASK.category_code),
                                       users=users)
        air_conditioner_table = _table_ensure(
            task=air_conditioner, title=f"{air_conditioner.category.name}批量集中采购产品配置表",
            filled_days_ago=AIR_CONDITIONER_TABLE_FILLED_DAYS_AGO,
            types=[(lot.name, lot.specification, lot.unit_of_measure, lot.reference_price_yuan)
                   for lot in awarded.lots.order_by("number")],
            actor=users["center"],
        )
        _awarded_project_complete(awarded, task=air_conditioner, table=air_conditioner_table, actor=users["center"])
    # Only the proposal finance has yet to decide on stays unread (its 待论证 message is what the finance login finds
    # on its home).
    past_messages_read(since=started, keep=reminders_about(late))
    return counts.created()


# --- dates ------------------------------------------------------------------------------------------

def _day(days_ago: int) -> date:
    return deadlines.today() - timedelta(days=days_ago)


def _office_hours(days_ago: int, hour: float = 9.5) -> datetime:
    return deadlines.start_of_day(_day(days_ago)) + timedelta(hours=hour)


def _restamp(instance: models.Model, **fields) -> None:
    """Move a row's dates into the demo's timeline: the services stamp "now" on every step."""
    type(instance)._base_manager.filter(pk=instance.pk).update(**fields)
    for name, value in fields.items():
        setattr(instance, name, value)


# --- 1. the arrangement table -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    unit: Organization
    category: Category
    quantity: int
    amount_wan: Decimal


def _arrangement_lines(units: list[Organization], by_name: dict[str, Organization]) -> list[_Line]:
    """The table's lines, the same on every run (a seeded generator over the units in code order)."""
    rng = random.Random(DEMO_YEAR)
    categories = Category.objects.in_bulk([item.code for item in ARRANGEMENT_ITEMS], field_name="code")
    # The units filing desktop sub-plans planned exactly what they file.
    fixed: dict[int, int] = {}
    for sub_plan in SUB_PLANS:
        unit = by_name[sub_plan.unit_name]
        fixed[unit.pk] = fixed.get(unit.pk, 0) + sub_plan.quantity
    for code, quantity in OWN_DESKTOP_QUANTITIES.items():
        fixed.update({unit.pk: quantity for unit in units if unit.unit_code == code})

    planned: dict[tuple[int, str], int] = {}
    for item in ARRANGEMENT_ITEMS:
        forced = fixed if item.code == DESKTOP_TASK.category_code else {}
        others = [unit for unit in units if unit.pk not in forced]
        buyers = rng.sample(others, item.buyers - len(forced))
        large = [unit for unit in buyers if any(word in unit.name for word in LARGE_BUYER_WORDS)]
        large_ids = {unit.pk for unit in rng.sample(large, min(item.large_buyers, len(large)))}
        for unit in buyers:
            low, high = (40, 120) if unit.pk in large_ids else item.quantity
            planned[(unit.pk, item.code)] = rng.randint(low, high)
        for pk, quantity in forced.items():
            planned[(pk, item.code)] = quantity

    prices = {item.code: item.price_wan for item in ARRANGEMENT_ITEMS}
    return [
        _Line(unit, categories[item.code], planned[(unit.pk, item.code)],
              (planned[(unit.pk, item.code)] * prices[item.code]).quantize(WAN))
        for unit in units for item in ARRANGEMENT_ITEMS if (unit.pk, item.code) in planned
    ]


def _arrangement_workbook(lines: list[_Line]) -> BytesIO:
    """Annex 4 as finance fills it in: merged title, headers, 合计 row, numbered lines, notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "安排情况表"
    sheet.append([ARRANGEMENT_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ARRANGEMENT_HEADERS))
    sheet.append(list(ARRANGEMENT_HEADERS))
    total_amount = sum((line.amount_wan for line in lines), Decimal(0))
    sheet.append(["合计", None, None, None, sum(line.quantity for line in lines), float(total_amount)])
    for serial, line in enumerate(lines, start=1):
        sheet.append([serial, line.unit.unit_code, line.unit.name, f"{line.category.code} {line.category.name}",
                      line.quantity, float(line.amount_wan)])
    for note in ARRANGEMENT_NOTES:
        sheet.append([note])
    stream = BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def _arrangement_ensure(*, finance: Organization, units: list[Organization], by_name: dict[str, Organization],
                        actor) -> Arrangement | None:
    current = Arrangement.objects.filter(finance_bureau=finance, year=DEMO_YEAR, is_current=True).first()
    if current is not None or not units:
        return current
    stream = _arrangement_workbook(_arrangement_lines(units, by_name))
    arrangement = arrangement_import(file=stream, year=DEMO_YEAR, finance_bureau=finance, actor=actor,
                                     file_name=ARRANGEMENT_FILE_NAME).arrangement
    _restamp(arrangement, imported_at=_office_hours(ARRANGEMENT_IMPORTED_DAYS_AGO, 15))
    return arrangement


# --- 2. the center's proposals, finance's task notices -------------------------------------------------

def _proposal_ensure(spec: ProposalSpec, *, arrangement: Arrangement, center: Organization,
                     users: dict) -> CategoryProposal:
    """拟定品目报财政部门, then what finance declined (what it adopts becomes a task notice below)."""
    existing = ProposedCategory.objects.filter(proposal__arrangement=arrangement, proposal__center=center,
                                               category__code=spec.category_codes[0]).select_related("proposal")
    if existing.exists():
        return existing.order_by("pk").first().proposal
    categories = Category.objects.in_bulk(spec.category_codes, field_name="code")
    proposal = category_proposal_submit(
        arrangement=arrangement, center=center, category_ids=[categories[code].pk for code in spec.category_codes],
        note=spec.note, actor=users["center"])
    _restamp(proposal, submitted_at=_office_hours(spec.submitted_days_ago, 11))
    for code, reason in spec.declined:
        item = proposed_category_decline(item=_item(proposal, code), actor=users["finance"], reason=reason)
        _restamp(item, decided_at=_office_hours(spec.decided_days_ago, 15))
    return proposal


def _item(proposal: CategoryProposal, code: str) -> ProposedCategory:
    return proposal.items.select_related("category", "proposal__center", "proposal__finance_bureau").get(
        category__code=code)


def _task_ensure(spec: TaskSpec, *, item: ProposedCategory, users: dict) -> TaskNotice:
    """Finance adopts the proposed category (a draft notice), completes it, and issues it; the center acknowledges."""
    task = (TaskNotice.objects.filter(finance_bureau=item.proposal.finance_bureau, year=DEMO_YEAR,
                                      category=item.category, document_number=spec.document_number)
            .select_related("category").order_by("pk").first())
    if task is not None:
        return task
    finance_user = users["finance"]
    item = proposed_category_adopt(item=item, actor=finance_user, note="同意纳入本年度批量集中采购。")
    _restamp(item, decided_at=_office_hours(spec.drafted_days_ago, 9))
    draft = item.task
    task = task_notice_update(
        task=draft, center=draft.center, category=draft.category, year=draft.year,
        purchase_limit=draft.purchase_limit, purchase_limit_yuan=draft.purchase_limit_yuan, scope=draft.scope,
        scope_regions=list(draft.scope_regions.all()), cycle=spec.cycle, basis=draft.basis,
        document_number=spec.document_number, actor=finance_user,
    )
    # Drafted in the past, so that it is issued on its own date (and the center is told that date).
    _restamp(task, created_at=_office_hours(spec.drafted_days_ago, 10))
    if spec.issued_days_ago is not None:
        task = task_notice_issue(task=task, actor=finance_user, issued_on=_day(spec.issued_days_ago))
    if spec.acknowledged_days_ago is not None:
        task = task_notice_acknowledge(task=task, actor=users["center"])
        _restamp(task, acknowledged_at=_office_hours(spec.acknowledged_days_ago, 14))
    return task


# --- 3. configuration tables --------------------------------------------------------------------------

def _table_ensure(*, task: TaskNotice, title: str, filled_days_ago: int,
                  types: Iterable[tuple[str, str, str, Decimal | None]], actor) -> ConfigurationTable:
    table = ConfigurationTable.objects.filter(center_id=task.center_id, task=task).order_by("pk").first()
    if table is not None:
        return table
    table = configuration_table_create(center=task.center, task=task, title=title,
                                       filled_on=_day(filled_days_ago), actor=actor)
    for number, (name, parameters, unit_of_measure, price) in enumerate(types, start=1):
        configuration_type_set(table=table, category=task.category, number=number, name=name, parameters=parameters,
                               unit_of_measure=unit_of_measure, reference_price_yuan=price, actor=actor)
    _restamp(table, created_at=_office_hours(filled_days_ago, 16))
    return table


# --- 4. the project collecting sub-plans --------------------------------------------------------------

def collecting_project() -> BatchProject | None:
    """The desktop project the center opened from ``DESKTOP_TASK`` (its natural key: that task)."""
    return (BatchProject.objects.filter(batch__task__category__code=DESKTOP_TASK.category_code,
                                        batch__task__year=DEMO_YEAR,
                                        batch__task__document_number=DESKTOP_TASK.document_number)
            .order_by("pk").first())


def _collecting_project_ensure(*, task: TaskNotice, table: ConfigurationTable, by_name: dict[str, Organization],
                               users: dict) -> Project:
    project = collecting_project()
    if project is not None:
        return project

    center_user = users["center"]
    now = timezone.now()
    opened = batch_project_open(
        task=task, configuration_table=table,
        title=f"{DEMO_YEAR}年第{(now.month - 1) // 3 + 1}季度省直单位{task.category.name}批量集中采购",
        eligibility=Eligibility.LEVEL, levels=[Region.Level.PROVINCE], response_opens_at=None,
        response_deadline=deadlines.start_of_day(_day(-WINDOW_DAYS_LEFT)) + timedelta(hours=17),
        procedure=DESKTOP_PROCEDURE, actor=center_user,
    )
    # A window opened days ago (the code batch_project_open numbered stays: procurement.numbering).
    opened_at = _office_hours(WINDOW_OPENED_DAYS_AGO, 9)
    BatchProject.objects.filter(pk=opened.pk).update(response_opens_at=opened_at, created_at=opened_at)
    EligibleUnit.objects.filter(project_id=opened.pk).update(invited_at=opened_at)
    project = BatchProject.objects.get(pk=opened.pk)
    COLLECTION_DEADLINES.reschedule(project)

    notice = batch_solicitation_publish(project=project, actor=center_user)
    _restamp(notice, published_at=opened_at + timedelta(minutes=30))
    _sub_plans_file(project, by_name=by_name, actor=users["admin"])
    return project


def _sub_plans_file(project: Project, *, by_name: dict[str, Organization], actor) -> None:
    """The units' sub-plans. No demo login acts for these units: the administrator files for them."""
    lots = {lot.number: lot for lot in project.lots.all()}
    contacts: dict[str, str] = {}
    for planned in SUB_PLANS:
        unit, lot = by_name[planned.unit_name], lots[planned.lot_number]
        contact = contacts.setdefault(unit.name, CONTACTS[len(contacts) % len(CONTACTS)])
        budget = lot.reference_price_yuan * planned.quantity
        own = (budget * planned.own_funds_share).quantize(Decimal("0.01"))
        funding = [{"source": FundingLine.Source.GENERAL_BUDGET, "amount_yuan": budget - own,
                    "budget_index_code": f"{DEMO_YEAR}-{unit.unit_code}-01"}]
        if own:
            funding.append({"source": FundingLine.Source.OWN_FUNDS, "amount_yuan": own})
        sub_plan = sub_plan_save(
            lot=lot, unit=unit, actor=actor, quantity=planned.quantity, budget_yuan=budget,
            contact_name=contact, contact_phone=f"0431-88{unit.unit_code[-6:]}",
            funding_lines=funding, submit=planned.submitted,
        )
        at = project.response_opens_at + timedelta(hours=planned.hours_after_opening)
        _restamp(sub_plan, created_at=at, updated_at=at, submitted_at=at if planned.submitted else None)


# --- the awarded project --------------------------------------------------------------------------------

def _details_attach(project: Project, *, task: TaskNotice, table: ConfigurationTable, eligibility: str,
                    procedure: str, **dates) -> BatchDetails:
    """BatchDetails and one BatchLot per lot (matched by number) for a project the core demo made directly."""
    types = {kind.number: kind for kind in table.types.filter(category_id=task.category_id)}
    details = BatchDetails.objects.create(project=project, task=task, configuration_table=table,
                                          eligibility=eligibility, procedure=procedure, **dates)
    BatchLot.objects.bulk_create([
        BatchLot(lot=lot, configuration_type=types[lot.number])
        for lot in project.lots.order_by("number") if lot.number in types
    ])
    return details


def _awarded_project_complete(project: Project, *, task: TaskNotice, table: ConfigurationTable, actor) -> None:
    """What the center would have recorded on the way to the award 20 days ago: the batch details with the
    dates of 实施采购 and the evaluation experts, one BatchLot per lot, the solicitation notice, the procurement
    documents and the evaluation report, the award notice that publishes the documents; and what the units did
    since: the signed contracts uploaded, the contract notices of those published."""
    if BatchDetails.objects.filter(project=project).exists():
        return
    documents_issued_on = timezone.localdate(project.response_deadline) + timedelta(days=5)
    bid_opening_day = deadlines.due_date(documents_issued_on, deadlines.TENDER_PERIOD)
    confirmed_at = project.response_deadline + timedelta(days=1)
    _details_attach(
        project, task=task, table=table, eligibility=Eligibility.LIST, procedure=AIR_CONDITIONER_PROCEDURE,
    )
    execution = {
        "master_plan_confirmed_at": confirmed_at,
        "documents_issued_on": documents_issued_on,
        "bid_opening_at": deadlines.start_of_day(bid_opening_day) + timedelta(hours=9, minutes=30),
        "evaluation_on": bid_opening_day,
        "evaluation_experts": AIR_CONDITIONER_EXPERTS,
    }
    Project.objects.filter(pk=project.pk).update(**execution)
    for name, value in execution.items():
        setattr(project, name, value)
    # The solicitation notice it was opened with, titled and worded as batch_solicitation_publish does it
    # (which only publishes while the window is open).
    if not Notice.objects.filter(project=project, type=Notice.Type.SOLICITATION).exists():
        notice_publish(
            type=Notice.Type.SOLICITATION, title=solicitation_title(project),
            body=solicitation_body(project), project=project, publisher=project.organizer, actor=actor,
            published_at=project.response_opens_at + timedelta(minutes=30),
        )
    documents = []
    for kind, title, lines, uploaded_at in (
        (ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, "招标文件", AIR_CONDITIONER_TENDER_TEXT,
         deadlines.start_of_day(documents_issued_on) + timedelta(hours=9)),
        (ProjectDocument.Kind.EVALUATION_REPORT, "评审报告", AIR_CONDITIONER_REPORT_TEXT,
         deadlines.start_of_day(bid_opening_day) + timedelta(hours=17)),
    ):
        document = ProjectDocument.objects.create(
            project=project, kind=kind, title=title, uploaded_by=actor,
            file=ContentFile(_demo_document_pdf(title, project, lines), name=f"{project.code}{title}.pdf"),
        )
        _restamp(document, uploaded_at=uploaded_at)
        documents.append(document)
    awarded_on = min(award.awarded_on for award in project.awards.all())
    notice = notice_publish(
        type=Notice.Type.AWARD, title=f"{project.title}中标（成交）结果公告",
        body=award_notice_body(project, project_savings(project), documents),
        project=project, publisher=project.organizer, actor=actor,
        published_at=deadlines.start_of_day(awarded_on + timedelta(days=1)) + timedelta(hours=9),
        attachments=[(document.title, document.file.name) for document in documents
                     if document.kind == ProjectDocument.Kind.PROCUREMENT_DOCUMENTS],
    )
    Project.objects.filter(pk=project.pk).update(award_notice=notice)
    # The suppliers heard of their awards and of the contracts to sign when they came (as 定标 and 生成分签合同 tell).
    told_since = timezone.now()
    award_suppliers_notify(project)
    contracts_suppliers_notify(project, list(project.contracts.select_related("buyer", "award")
                                             .prefetch_related("lines__lot").order_by("code")))
    Notification.objects.filter(created_at__gte=told_since, organization__kind=Organization.Kind.SUPPLIER).update(
        created_at=notice.published_at)
    _contracts_complete(project)


def _contracts_complete(project: Project) -> None:
    """The units' side of the awarded project's contracts: each signed one has its signed text uploaded, each
    published one its contract notice (on the day it was published); a draft awaits signing."""
    contracts = Contract.objects.filter(project=project).select_related("project", "buyer", "supplier", "award")
    for contract in contracts.order_by("code"):
        if contract.status == Contract.Status.DRAFT:
            # A draft contract is reminded of its 30-day signing limit (procurement.services.signing_deadlines).
            if contract.next_check is None and contract.award_id is not None:
                Contract.objects.filter(pk=contract.pk).update(
                    next_check=signing_next_check(signing_due(contract.award.awarded_on)))
            continue
        if contract.signed_on and not contract.signed_file:
            contract.signed_file.save(f"{contract.code}签订版.pdf",
                                      ContentFile(contract_text_pdf(contract=contract, stamp="演示")), save=False)
            Contract.objects.filter(pk=contract.pk).update(signed_file=contract.signed_file.name)
        if contract.published_on and not contract.notices.exists():
            contract_notice_publish(contract=contract, actor=None,
                                    published_at=deadlines.start_of_day(contract.published_on) + timedelta(hours=10))


def _demo_document_pdf(title: str, project: Project, lines: tuple[str, ...]) -> bytes:
    """A short procurement document of the demo project, as a PDF."""
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    html = (f"<html lang='zh-CN'><head><meta charset='utf-8'><style>@page {{ size: A4; margin: 25mm; }}"
            f"html {{ font-family: 'Noto Serif CJK SC', serif; font-size: 12pt; line-height: 21pt; }}"
            f"h1 {{ font-size: 18pt; text-align: center; }} p {{ text-indent: 2em; margin: 0 0 6pt; }}</style></head>"
            f"<body><h1>{project.title}{title}（演示）</h1><p>项目编号：{project.code}</p>{paragraphs}</body></html>")
    return HTML(string=html).write_pdf()

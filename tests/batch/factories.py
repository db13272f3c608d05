"""Batch's own test data (批量集中采购), on the shared world of ``tests/world.py``.

- ``make_task`` / ``make_table``: an acknowledged task notice (annex 5) and its configuration table (annex 6);
- ``batch_world`` / ``open_project``: the world with that task and table, a project opened through the
  center's service;
- ``batch_project``: a batch project with its details, lots and frozen sub-plans made directly in the state a
  test starts from (the award, contract and termination tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from batch.models import BatchDetails, BatchProject, ConfigurationTable, ConfigurationType, TaskNotice
from batch.projects import batch_project_open
from procurement.models import Lot, Organization, Project, ProjectDocument, Region, SubPlan
from tests.factories import BudgetUnitFactory, CategoryFactory, LotFactory, ProjectFactory, SubPlanFactory
from tests.world import World, world_build

Eligibility = BatchDetails.Eligibility
Status = Project.Status


# --- task notice and configuration table -----------------------------------------------------------

def make_task(*, center: Organization, finance: Organization, status: str = TaskNotice.Status.ACKNOWLEDGED,
              **fields) -> TaskNotice:
    return TaskNotice.objects.create(
        document_number=fields.pop("document_number", "吉财采购〔2026〕18号"),
        year=fields.pop("year", 2026),
        finance_bureau=finance,
        center=center,
        category=fields.pop("category", None) or CategoryFactory(code="A02010105", name="台式计算机"),
        purchase_limit="集中采购目录内批量采购",
        status=status,
        **fields,
    )


def make_table(task: TaskNotice) -> tuple[ConfigurationTable, list[ConfigurationType]]:
    table = ConfigurationTable.objects.create(center=task.center, task=task, title="2026年台式计算机产品配置表",
                                              filled_on=date(2026, 3, 1))
    desktop = task.category
    laptop = CategoryFactory(code="A02010108", name="便携式计算机")
    def kind(category, row: int, number: int, name: str, parameters: str, price: str) -> ConfigurationType:
        return ConfigurationType.objects.create(table=table, category=category, row_number=row, number=number,
                                                name=name, parameters=parameters, reference_price_yuan=Decimal(price))

    types = [
        kind(desktop, 1, 1, "台式计算机（基础办公型）",
             "处理器不低于8核；内存16GB；固态硬盘512GB；23.8英寸显示器", "4800"),
        kind(desktop, 1, 2, "台式计算机（高性能型）", "处理器不低于12核；内存32GB；固态硬盘1TB；独立显卡", "7600"),
    ]
    # Another category in the same table: not a lot of a desktop project.
    kind(laptop, 2, 1, "便携式计算机（通用型）", "14英寸；内存16GB", "6000")
    return table, types


# --- the world with a task and a table; projects opened through the service --------------------------

@dataclass
class BatchWorld:
    """Jilin in small (``tests/world.py``): the provincial center with an acknowledged task and its configuration
    table, and budget units at every level (province, Changchun and its Nanguan district, Jilin city)."""

    center: Organization
    center_user: object
    finance: Organization
    task: TaskNotice
    table: ConfigurationTable
    types: list[ConfigurationType]
    changchun: Region
    nanguan: Region
    jilin_city: Region
    units: dict[str, Organization] = field(default_factory=dict)
    clerks: dict[str, object] = field(default_factory=dict)
    world: World | None = None


def batch_world(world: World | None = None) -> BatchWorld:
    world = world or world_build()
    task = make_task(center=world.center, finance=world.finance)
    table, types = make_table(task)
    built = BatchWorld(center=world.center, center_user=world.user(world.center), finance=world.finance, task=task,
                       table=table, types=types, changchun=world.changchun, nanguan=world.nanguan,
                       jilin_city=world.jilin_city, units=dict(world.budget_units),
                       clerks={key: world.user(unit) for key, unit in world.budget_units.items()}, world=world)
    BudgetUnitFactory(name="已撤销的长春市某单位", region=world.changchun, is_active=False)
    return built


def open_project(world: BatchWorld, **overrides) -> BatchProject:
    """A batch project open to every unit of the province, collecting from now for ten days."""
    now = timezone.now()
    arguments = {
        "task": world.task,
        "configuration_table": world.table,
        "title": "2026年第二季度台式计算机批量集中采购",
        "eligibility": Eligibility.LEVEL,
        "levels": list(Region.Level.values),
        "response_opens_at": None,
        "response_deadline": now + timedelta(days=10),
        "procedure": "需求响应截止后确认总计划，采用公开招标方式组织采购。",
        "actor": world.center_user,
    }
    arguments.update(overrides)
    return batch_project_open(**arguments)


# --- a batch project made directly in the state a test needs ----------------------------------------

CONFIRMED_OR_LATER = (Status.CONFIRMED, Status.PROCURING, Status.AWARDED, Status.COMPLETED)


def batch_project(*, center: Organization, finance: Organization, units: list[Organization],
                  status: str = Status.CONFIRMED, lots: int = 2, quantity: str = "10", budget_yuan: str = "50000.00",
                  max_unit_price_yuan: str | None = None, region: Region | None = None, documents: bool = True,
                  **project_fields) -> tuple[Project, list[Lot]]:
    """A batch project of ``center`` in ``status`` (its window closed five days ago) with its details, ``lots``
    lots and one FROZEN sub-plan per unit and lot.

    From the confirmed master plan on, unless ``documents`` is False, what the award notice cites is on file
    (the procurement documents, the evaluation report, the evaluation experts: 实施条例第四十三条)."""
    project = ProjectFactory(
        organizer=center, status=status, scope_region=region or finance.region,
        title="2026年第二季度台式计算机批量集中采购",
        response_opens_at=timezone.now() - timedelta(days=20), response_deadline=timezone.now() - timedelta(days=5),
        **project_fields,
    )
    task = TaskNotice.objects.create(year=2026, finance_bureau=finance, center=center,
                                     category=CategoryFactory(), purchase_limit="集中采购目录内批量采购",
                                     status=TaskNotice.Status.ACKNOWLEDGED)
    confirmed = status in CONFIRMED_OR_LATER
    # The master plan was confirmed the day after the window closed.
    BatchDetails.objects.create(project=project, task=task)
    if confirmed:
        confirmed_at = project.response_deadline + timedelta(days=1)  # the day after the window closed
        Project.objects.filter(pk=project.pk).update(master_plan_confirmed_at=confirmed_at)
        project.refresh_from_db()
    if documents and confirmed:
        documents_on_file(project)
    made_lots = [
        LotFactory(project=project, number=n, name=f"配置{n}", unit_of_measure="台",
                   max_unit_price_yuan=Decimal(max_unit_price_yuan) if max_unit_price_yuan else None)
        for n in range(1, lots + 1)
    ]
    for lot in made_lots:
        for unit in units:
            SubPlanFactory(lot=lot, unit=unit, quantity=Decimal(quantity), budget_yuan=Decimal(budget_yuan),
                           status=SubPlan.Status.FROZEN)
    return project, made_lots


def documents_on_file(project: Project) -> None:
    """The procurement documents and the evaluation report kept, the experts recorded (directly)."""
    for kind, title in ((ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, "招标文件"),
                        (ProjectDocument.Kind.EVALUATION_REPORT, "评审报告")):
        ProjectDocument.objects.create(project=project, kind=kind, title=title,
                                       file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test"))
    Project.objects.filter(pk=project.pk).update(evaluation_experts="张三、李四、王五、赵六、钱七")
    project.evaluation_experts = "张三、李四、王五、赵六、钱七"

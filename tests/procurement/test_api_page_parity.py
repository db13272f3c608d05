"""Every API operation checks the same right as the page that shows the same thing (issue 8 point 4).

The probe found ``/api/v1/batch/awards/<id>/signing-board/`` showing a supplier a competitor's contract and
any eligible unit every unit's contract, and ``…/savings/`` giving units and suppliers the per-lot budget
totals the master plan refuses them, while the pages answered 403 (those endpoints are ``/api/v1/awards/`` now).
``OPERATIONS`` below maps every operation
of the generated OpenAPI schema to the page(s) that show (or offer) the same thing, or says why it has none
and which right it requires. For every role of one realistic world the test asks the page and the API:
whenever every page refuses the role (403, 404 or the login page), the API refuses too (401, 403 or 404;
a list may instead answer an empty page), and a refused write changes nothing. A new API operation without
an entry fails ``test_every_operation_of_the_schema_is_declared``.

Reads the access policy grants finance staff over their region (issue 2 point 5: "finance staff see their
region and below") where no finance page exists yet are declared per operation (``api_only``) with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch.arrangement import arrangement_import
from batch.imports import arrangement_import_queue
from batch.models import Arrangement, BatchDetails, ConfigurationTable, TaskNotice
from batch.projects import batch_solicitation_publish
from framework.services.tasks import framework_task_create, framework_task_issue
from notices.models import Notice
from procurement.models import Award, Contract, ImportJob, Lot, Project, ProjectDocument, ProjectEvent, SubPlan
from procurement.services.calendar import calendar_load_year
from procurement.services.collection import collection_close, master_plan_confirm
from procurement.services.execution import (
    award_finalize,
    contracts_generate,
    document_add,
    evaluation_record,
    lot_award,
    procurement_start,
)
from procurement.services.sub_plans import sub_plan_save
from tests.batch.test_arrangement_import import xlsx_bytes
from tests.batch.test_projects import batch_world, open_project
from tests.factories import FinanceFactory, SupplierFactory, UserFactory, member_of, province
from tests.framework.agreements_data import parity_agreements
from tests.framework.orders_data import parity_orders
from tests.framework.plans_data import plan_submitted
from tests.volume.factories_catalog import catalog_categories, catalog_submitted
from tests.volume.factories_questions import parity_questions
from volume.models import CatalogReview, DepartmentCatalog, DepartmentCatalogItem

# --- the world --------------------------------------------------------------------------------------


@dataclass
class World:
    """One batch project run through the services to its contracts, and one still collecting.

    Units: A and B filed (lot 1, lot 2) and hold a contract each; C was eligible and filed nothing; D was not
    eligible. Suppliers: W1 won lot 1, W2 won lot 2, L was entered for lot 1 and replaced before 定标, U has
    nothing to do with the project.
    """

    project: Project
    lot: Lot
    collecting: Project
    sub_plan: SubPlan
    contract: Contract
    contracts: list[Contract]
    task: TaskNotice
    table: ConfigurationTable
    arrangement: Arrangement
    import_job: ImportJob
    province_code: str
    category_code: str
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    page_clients: dict[str, Client] = field(default_factory=dict)
    page_verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)
    openable_codes: dict[str, set[str]] = field(default_factory=dict)
    # volume: inquiries, challenges, complaints (questions slice; tests/volume/factories_questions.parity_questions)
    volume_project: Project | None = None
    volume_question: object = None
    volume_answered: object = None
    volume_complaint: object = None
    catalog: DepartmentCatalog | None = None  # volume: a department catalog submitted to finance
    framework_plan: object = None  # framework (plans slice): the provincial center's plan submitted to finance
    # framework, agreements slice (tests/framework/agreements_data.parity_agreements): the winner's agreements
    framework_project: Project | None = None
    framework_agreement: object = None
    framework_listing: object = None
    framework_shortlisted: object = None
    # framework (orders slice): unit A's 二次竞价 order open for bids, the winner invited, and its invitation
    framework_order: object = None
    framework_bid: object = None
    framework_task: TaskNotice | None = None  # framework: a task notice (annex 7) issued to the center


ROLES = {
    "anonymous": "未登录",
    "no_membership": "没有任职的用户",
    "finance": "项目所在地区的财政部门",
    "finance_elsewhere": "另一地区（吉林市）的财政部门",
    "center": "组织项目的采购中心",
    "center_elsewhere": "另一采购中心",
    "unit_filed": "填报了分计划、有合同的可响应单位",
    "unit_not_filed": "未填报的可响应单位",
    "unit_not_eligible": "不在可响应范围的单位",
    "supplier_winner": "第1包中标供应商",
    "supplier_other_lot": "第2包中标供应商（第1包的竞争者）",
    "supplier_loser": "定标前被替换的第1包供应商",
    "supplier_unrelated": "与项目无关的供应商",
}


def build_world() -> World:
    for year in (2025, 2026):
        calendar_load_year(year=year)
    base = batch_world()
    center_user, finance_user = base.center_user, member_of(base.finance)
    unit_a, unit_b = base.units["changchun"], base.units["nanguan"]
    unit_c = base.units["province"]  # eligible, files nothing; jilin_city is not eligible
    listed = {"eligibility": BatchDetails.Eligibility.LIST, "levels": [], "unit_ids": [unit_a.pk, unit_b.pk, unit_c.pk]}
    project = open_project(base, **listed)
    collecting = open_project(base, title="2026年第三季度台式计算机批量集中采购", **listed)
    batch_solicitation_publish(project=project, actor=center_user)
    lot1, lot2 = project.lots.order_by("number")
    plan_a = sub_plan_save(lot=lot1, unit=unit_a, actor=base.clerks["changchun"], quantity="6", budget_yuan="28800",
                           contact_name="张敏", contact_phone="0431-88886666", submit=True)
    sub_plan_save(lot=lot2, unit=unit_b, actor=base.clerks["nanguan"], quantity="3", budget_yuan="22800",
                  contact_name="李强", contact_phone="0431-88887777", submit=True)
    past = timezone.now() - timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(response_opens_at=past - timedelta(days=10), response_deadline=past)
    collection_close(project=project)
    master_plan_confirm(project=project, actor=center_user)
    procurement_start(project=project, method="inquiry", actor=center_user)
    for kind, title in ((ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, "询价通知书"),
                        (ProjectDocument.Kind.EVALUATION_REPORT, "评审报告")):
        document_add(project=project, kind=kind, title=title, actor=center_user,
                           file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test"))
    evaluation_record(project=project, evaluation_on=timezone.localdate(), experts="张三、李四、王五",
                            actor=center_user)
    winner, other_lot = SupplierFactory(name="吉林甲电脑有限公司"), SupplierFactory(name="长春乙科技有限公司")
    loser, unrelated = SupplierFactory(name="吉林丙贸易有限公司"), SupplierFactory(name="延边丁商贸有限公司")
    today = timezone.localdate()
    lot_award(project=project, lot=lot1, supplier=loser, unit_price_yuan=Decimal("4600"), awarded_on=today,
                    actor=center_user)
    lot_award(project=project, lot=lot1, supplier=winner, unit_price_yuan=Decimal("4500"), awarded_on=today,
                    actor=center_user)
    lot_award(project=project, lot=lot2, supplier=other_lot, unit_price_yuan=Decimal("7300"), awarded_on=today,
                    actor=center_user)
    award_finalize(project=project, actor=center_user)
    contracts = sorted(contracts_generate(project=project, actor=center_user),
                       key=lambda c: c.lines.all()[0].lot.number)
    assert [c.buyer for c in contracts] == [unit_a, unit_b]
    assert not Award.objects.filter(supplier=loser).exists()

    rows = [(unit_c.unit_code, unit_c.name, "A02010105 台式计算机", 6, "2.88")]
    arrangement = arrangement_import(file=BytesIO(xlsx_bytes(rows)), year=2026, finance_bureau=base.finance,
                                     actor=finance_user, file_name="2026年度安排情况表.xlsx").arrangement
    # A second upload of the year's table, queued (the module's transaction is rolled back: it never runs).
    import_job = arrangement_import_queue(file=SimpleUploadedFile("2026年度安排情况表（修订）.xlsx", xlsx_bytes(rows)),
                                          year=2026, finance_bureau=base.finance, actor=finance_user, replace=True,
                                          file_name="2026年度安排情况表（修订）.xlsx")

    users = {
        "anonymous": None,
        "no_membership": UserFactory(username="nobody"),
        "finance": finance_user,
        "finance_elsewhere": member_of(FinanceFactory(name="吉林市财政局", region=base.jilin_city)),
        "center": center_user,
        "center_elsewhere": base.world.user(base.world.city_center),  # 长春市政府采购中心
        "unit_filed": base.clerks["changchun"],
        "unit_not_filed": base.clerks["province"],
        "unit_not_eligible": base.clerks["jilin_city"],
        "supplier_winner": member_of(winner),
        "supplier_other_lot": member_of(other_lot),
        "supplier_loser": member_of(loser),
        "supplier_unrelated": member_of(unrelated),
    }
    assert set(users) == set(ROLES)
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items() if user is not None}
    # volume (questions slice): the winner challenges a volume project led by unit C with A, B and C participating.
    volume_questions = parity_questions(base.world, supplier=winner, participants=[unit_a, unit_b, unit_c])
    # volume, department catalog (seed 000 三(三)(1)): unit C is the provincial department; finance reviews it.
    catalog = catalog_submitted(base.world, department=unit_c, items=[catalog_categories().leaf])
    # framework (plans slice, annex 8): the provincial center's plan, submitted to the provincial finance department.
    framework_plan = plan_submitted(base.world)
    # framework, agreements slice: the winner is shortlisted on a framework project of the world's center.
    framework_agreements = parity_agreements(base.world, supplier=winner)
    # framework, orders slice: unit A's 二次竞价 order open for bids, the winner invited.
    framework_orders = parity_orders(base.world, purchaser=unit_a, actor=base.clerks["changchun"], supplier=winner)
    # framework, tasks slice (annex 7): the provincial finance department issues a goods task to the center.
    framework_task = framework_task_issue(task=framework_task_create(
        finance_bureau=base.finance, center=base.center, category=base.task.category, year=timezone.localdate().year,
        purchase_limit="小额零星项目", validity_months=12, actor=finance_user), actor=finance_user)
    return World(project=project, lot=lot1, collecting=collecting, sub_plan=plan_a, contract=contracts[0],
                 contracts=contracts, task=base.task, table=base.table, arrangement=arrangement, import_job=import_job,
                 province_code=province().code, category_code=base.task.category.code, users=users, tokens=tokens,
                 catalog=catalog, framework_plan=framework_plan, framework_task=framework_task, **volume_questions,
                 **framework_agreements,
                 **framework_orders)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        for role, user in built.users.items():  # signed in once: the sessions outlive each test's savepoint
            built.page_clients[role] = Client()
            if user is not None:
                built.page_clients[role].force_login(user)
        yield built
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


# --- the declared table -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """A page: its URL name and the world's objects in its path. ``shows`` names a ``MARKERS`` text that must be on
    the page for it to count as showing (or offering) the thing: a home page that lists it, a page with the form."""

    name: str
    args: tuple[str, ...] = ()
    shows: str | None = None

    def url(self, world: World) -> str:
        return reverse(self.name, args=[_resolve(world, arg) for arg in self.args])


def page(name: str, *args: str, shows: str | None = None) -> Page:
    return Page(name, args, shows)


@dataclass(frozen=True)
class ApiOnly:
    """Roles the API serves beyond the pages, and why (a read the access policy grants with no page yet)."""

    roles: frozenset[str]
    reason: str


@dataclass(frozen=True)
class Shown:
    """The operation shows (or offers) what these pages show: the API refuses whoever every page refuses."""

    pages: tuple[Page, ...]
    path: dict[str, str] = field(default_factory=dict)  # path parameter → world attribute (its pk or code)
    body: Callable[[World], dict] | None = None
    api_only: ApiOnly | None = None
    # A refusal that is not 401/403/404: its status, the field it names, and why it counts as one.
    also_refusal: tuple[int, str, str] | None = None


@dataclass(frozen=True)
class NoPage:
    """An API-only operation: why it has no page, and the right it requires (a role → may it call)."""

    reason: str
    right: Callable[[str], bool]
    path: dict[str, str] = field(default_factory=dict)


def signed_in(role: str) -> bool:
    return role != "anonymous"


REFERENCE = "no page: reference data (行政区划、品目目录) that other systems read; every signed-in user may"
DIRECTORY = ("no page: the directory of organizations for other systems; every signed-in user may call it and "
             "sees what access.visible_organizations gives (own organization, supervised units; finance and "
             "centers their region)")
FINANCE_REGION = ApiOnly(frozenset({"finance"}), "finance staff read their region's sub-plans and master plans "
                         "(issue 2 point 5: finance sees its region and below); no finance page shows them yet")
FINANCE_TASK = ApiOnly(frozenset({"finance"}), "the bureau that issued the task notice reads the configuration "
                       "table made for it; no finance page shows it yet")

PROJECT = {"id": "project"}
CATALOG = {"id": "catalog"}
FRAMEWORK_PLAN = {"id": "framework_plan"}
FW_AGREEMENT = {"id": "framework_agreement"}
FW_LISTING = {"id": "framework_listing"}
FW_PROJECT = {"id": "framework_project"}
FRAMEWORK_ORDER = {"id": "framework_order"}
FRAMEWORK_BID = {"id": "framework_bid"}
FRAMEWORK_TASK = {"id": "framework_task"}
CATALOG_WRITES = (page("volume:catalog-detail", "catalog", shows="catalog_writes"),)
HOMES = (page("center-home"), page("finance-home"), page("unit-home"), page("supplier-home"))
PROJECT_PAGES = (page("batch:project-detail", "project"), page("award-savings", "project"),
                 page("unit-sub-plan-file", "project"), page("supplier-home", shows="project"))
WORKSPACE = (page("award-project", "project"),)


def filing_body(world: World) -> dict:
    return {"lot": world.collecting.lots.order_by("number").first().pk, "quantity": "2", "budget_yuan": "9600",
            "contact_name": "王芳", "contact_phone": "0431-88880000"}


OPERATIONS: dict[str, Shown | NoPage] = {
    # reference data and the directory
    "v1_regions_list": NoPage(REFERENCE, signed_in),
    "v1_regions_retrieve": NoPage(REFERENCE, signed_in, {"code": "province_code"}),
    "v1_categories_list": NoPage(REFERENCE, signed_in),
    "v1_categories_retrieve": NoPage(REFERENCE, signed_in, {"code": "category_code"}),
    "v1_organizations_list": NoPage(DIRECTORY, signed_in),
    "v1_organizations_retrieve": NoPage(DIRECTORY, signed_in, {"id": "contract.buyer"}),
    # projects
    "v1_projects_list": Shown(HOMES),
    "v1_projects_retrieve": Shown(PROJECT_PAGES, PROJECT),
    # sub-plans: the unit's own pages, the center's drill-down
    "v1_sub_plans_list": Shown((page("unit-sub-plan-list"), page("collection-lot", "project", "lot")),
                               api_only=FINANCE_REGION),
    "v1_sub_plans_retrieve": Shown((page("unit-sub-plan-detail", "sub_plan"),
                                    page("collection-lot", "project", "lot")),
                                   {"id": "sub_plan"}, api_only=FINANCE_REGION),
    "v1_sub_plans_create": Shown(
        (page("unit-sub-plan-file", "collecting"),), body=filing_body,
        also_refusal=(400, "lot", "the lot is named in the body: a lot the unit may not answer is a field error "
                                  "that names nothing of it, as 404 would be for an object in the path")),
    "v1_sub_plans_partial_update": Shown((page("unit-sub-plan-edit", "sub_plan"),), {"id": "sub_plan"}),
    "v1_sub_plans_submit_create": Shown((page("unit-sub-plan-detail", "sub_plan"),), {"id": "sub_plan"}),
    "v1_sub_plans_withdraw_create": Shown((page("unit-sub-plan-detail", "sub_plan"),), {"id": "sub_plan"}),
    # contracts: every party's own pages; the contract text is the one page every reader of a contract opens
    "v1_contracts_list": Shown((page("unit-contract-list"), page("supplier-contract-list"), page("center-home"),
                                page("finance-home"))),
    "v1_contracts_retrieve": Shown((page("contract-text", "contract"),), {"id": "contract"}),
    # batch: arrangement tables
    "v1_batch_arrangements_list": Shown((page("batch:arrangement-list"),)),
    "v1_batch_arrangements_retrieve": Shown((page("batch:arrangement-detail", "arrangement"),),
                                            {"id": "arrangement"}),
    "v1_batch_arrangements_lines_list": Shown((page("batch:arrangement-detail", "arrangement"),),
                                              {"id": "arrangement"}),
    "v1_batch_arrangements_analysis_retrieve": Shown((page("batch:arrangement-analysis", "arrangement"),),
                                                     {"id": "arrangement"}),
    "v1_batch_arrangements_units_list": Shown((page("batch:arrangement-analysis", "arrangement"),),
                                              {"id": "arrangement"}),
    "v1_batch_arrangements_export_retrieve": Shown((page("batch:arrangement-export", "arrangement"),),
                                                   {"id": "arrangement"}),
    "v1_batch_arrangements_import_create": Shown((page("batch:arrangement-list", shows="upload_form"),)),
    # import jobs: the uploader's and their colleagues' (我的导入)
    "v1_import_jobs_list": Shown((page("import-job-list"),)),
    "v1_import_jobs_retrieve": Shown((page("import-job-detail", "import_job"),), {"id": "import_job"}),
    # batch: task notices (finance drafts and issues, the center receives and acknowledges)
    "v1_batch_task_notices_list": Shown((page("batch:task-list"), page("batch:received-list"))),
    "v1_batch_task_notices_retrieve": Shown((page("batch:task-detail", "task"), page("batch:received-detail", "task")),
                                            {"id": "task"}),
    "v1_batch_task_notices_pdf_retrieve": Shown((page("batch:task-pdf", "task"), page("batch:received-pdf", "task")),
                                                {"id": "task"}),
    "v1_batch_task_notices_issue_create": Shown((page("batch:task-detail", "task"),), {"id": "task"}),
    "v1_batch_task_notices_withdraw_create": Shown((page("batch:task-detail", "task"),), {"id": "task"}),
    "v1_batch_task_notices_acknowledge_create": Shown((page("batch:received-detail", "task"),), {"id": "task"}),
    # batch: configuration tables (the center's)
    "v1_batch_configuration_tables_list": Shown((page("batch:configuration-list"),), api_only=FINANCE_TASK),
    "v1_batch_configuration_tables_retrieve": Shown((page("batch:configuration-detail", "table"),), {"id": "table"},
                                                    api_only=FINANCE_TASK),
    "v1_batch_configuration_tables_export_retrieve": Shown((page("batch:configuration-export", "table"),),
                                                           {"id": "table"}, api_only=FINANCE_TASK),
    "batch_configuration_tables_import_new": Shown((page("batch:configuration-list"),)),
    "batch_configuration_tables_import_into": Shown((page("batch:configuration-detail", "table"),), {"id": "table"}),
    # batch: projects, solicitation and the master plan
    "v1_batch_projects_list": Shown(HOMES),
    "v1_batch_projects_retrieve": Shown(PROJECT_PAGES, PROJECT),
    "v1_batch_projects_create": Shown((page("batch:project-open"),)),
    "v1_batch_projects_publish_solicitation_create": Shown((page("batch:project-detail", "project"),), PROJECT),
    "v1_batch_projects_extend_deadline_create": Shown((page("batch:project-extend", "project"),), PROJECT),
    # collection and the master plan, whatever the mode (the core's pages; batch's project page shows them)
    "v1_collections_close_create": Shown((page("collection-master-plan", "project"),), PROJECT),
    "v1_collections_confirm_create": Shown((page("collection-master-plan", "project"),), PROJECT),
    "v1_collections_master_plan_retrieve": Shown((page("collection-master-plan", "project"),), PROJECT,
                                                 api_only=FINANCE_REGION),
    "v1_collections_master_plan_units_list": Shown((page("collection-lot", "project", "lot"),), PROJECT,
                                                   api_only=FINANCE_REGION),
    "v1_collections_master_plan_export_retrieve": Shown((page("collection-export", "project"),), PROJECT,
                                                        api_only=FINANCE_REGION),
    # execution (the core, every mode): procurement, award, 统采分签 (the center's workspace; finance reads savings
    # and the board)
    "v1_awards_list": Shown((page("award-project-list"),)),
    "v1_awards_retrieve": Shown((page("award-project", "project"), page("award-savings", "project")), PROJECT),
    "v1_awards_start_procurement_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_documents_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_evaluation_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_lot_max_price_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_award_lot_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_finalize_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_generate_contracts_create": Shown(WORKSPACE, PROJECT),
    "v1_awards_terminate_create": Shown((page("award-terminate", "project"),), PROJECT),
    "v1_awards_savings_retrieve": Shown((page("award-savings", "project"),), PROJECT),
    "v1_awards_signing_board_retrieve": Shown((page("award-signing-board", "project"),), PROJECT),
    # framework: the solicitation and the shortlist (solicitation slice). The parity world holds no framework
    # project: its batch project answers 404 on the framework pages and endpoints alike.
    "v1_framework_responses_list": Shown((page("framework:solicitation-supplier-list"),)),
    "v1_framework_responses_retrieve": Shown((page("framework:solicitation-respond", "lot"),), PROJECT),
    "v1_framework_responses_respond_create": Shown((page("framework:solicitation-supplier-list"),)),
    "v1_framework_responses_withdraw_create": Shown((page("framework:solicitation-respond", "lot"),), PROJECT),
    "v1_framework_solicitations_list": Shown((page("framework:solicitation-center-list"),)),
    "v1_framework_solicitations_retrieve": Shown((page("framework:solicitation-detail", "project"),), PROJECT),
    "v1_framework_solicitations_publish_create": Shown((page("framework:solicitation-detail", "project"),), PROJECT),
    "v1_framework_solicitations_evaluate_create": Shown((page("framework:solicitation-detail", "project"),),
                                                        PROJECT),
    "v1_framework_solicitations_shortlist_create": Shown((page("framework:solicitation-detail", "project"),),
                                                         PROJECT),
    "v1_framework_solicitations_shortlist_notice_create": Shown(
        (page("framework:solicitation-detail", "project"),), PROJECT),
    # framework: 补充征集 (annex 8 §十一; supplement slice): the center's pages, the supplier's. The parity world holds
    # no supplement: its batch project's id answers 404 on the pages and endpoints alike.
    "v1_framework_supplements_list": Shown((page("framework:supplement-center-list"),)),
    "v1_framework_supplements_retrieve": Shown((page("framework:supplement-detail", "project"),), PROJECT),
    "v1_framework_supplements_start_create": Shown((page("framework:supplement-center-list"),)),
    **{f"v1_framework_supplements_{step}_create": Shown((page("framework:supplement-detail", "project"),), PROJECT)
       for step in ("evaluate", "shortlist")},
    "v1_framework_supplement_responses_list": Shown((page("framework:supplement-supplier-list"),)),
    "v1_framework_open_supplements_list": Shown((page("framework:supplement-supplier-list"),)),
    "v1_framework_open_supplements_retrieve": Shown((page("framework:supplement-respond", "project"),), PROJECT),
    "v1_framework_supplement_responses_retrieve": Shown((page("framework:supplement-respond", "project"),), PROJECT),
    "v1_framework_supplement_responses_respond_create": Shown((page("framework:supplement-supplier-list"),)),
    "v1_framework_supplement_responses_withdraw_create": Shown((page("framework:supplement-respond", "project"),),
                                                               PROJECT),
    # volume: an invited unit's response (753号 三、2), the unit's own pages (another project or unit: 404)
    "v1_volume_responses_list": Shown((page("volume:response-list"),)),
    "v1_volume_responses_retrieve": Shown((page("volume:response-edit", "project"),), PROJECT),
    "v1_volume_responses_update": Shown((page("volume:response-edit", "project"),), PROJECT),
    "v1_volume_responses_submit_create": Shown((page("volume:response-edit", "project"),), PROJECT),
    "v1_volume_responses_decline_create": Shown((page("volume:response-edit", "project"),), PROJECT),
    # volume: the aggregate and the implementation plan (753号 steps 3–4; plans slice)
    "v1_volume_plans_retrieve": Shown((page("volume:plan", "project"),), PROJECT),
    "v1_volume_plans_aggregate_retrieve": Shown((page("volume:aggregate", "project"),), PROJECT),
    "v1_volume_plans_aggregate_export_retrieve": Shown((page("volume:aggregate-export", "project"),), PROJECT),
    "v1_volume_plans_file_create": Shown((page("volume:plan", "project"),), PROJECT),
    # volume (issue 10): the lead unit's projects (753号 step 1)
    "v1_volume_projects_list": Shown((page("volume:project-list"),)),
    "v1_volume_projects_retrieve": Shown((page("volume:project-detail", "project"),), PROJECT),
    "v1_volume_projects_create": Shown((page("volume:project-new"),)),
    # volume: inquiries, challenges, complaints (753号 四(二); questions slice)
    "v1_volume_questions_list": Shown((page("volume:question-list"),), api_only=ApiOnly(
        frozenset({"finance"}), "the bureau a challenge was complained to reads it (its complaint page shows it, "
                                "and volume:question-detail opens it); finance has no list of questions")),
    "v1_volume_questions_retrieve": Shown((page("volume:question-detail", "volume_question"),),
                                          {"id": "volume_question"}),
    "v1_volume_questions_create": Shown((page("volume:question-new", "volume_project"),)),
    "v1_volume_questions_answer_create": Shown(
        (page("volume:question-detail", "volume_question", shows="volume_answer_form"),), {"id": "volume_question"}),
    "v1_volume_questions_complaint_create": Shown(
        (page("volume:question-detail", "volume_answered", shows="volume_complaint_form"),),
        {"id": "volume_answered"}),
    "v1_volume_complaints_list": Shown((page("volume:complaint-list"),)),
    "v1_volume_complaints_retrieve": Shown((page("volume:complaint-detail", "volume_complaint"),),
                                           {"id": "volume_complaint"}),
    "v1_volume_complaints_decide_create": Shown(
        (page("volume:complaint-detail", "volume_complaint", shows="volume_decision_form"),),
        {"id": "volume_complaint"}),
    # volume, 753号 steps 5–6 (execution slice): the lead's execution page; each participant's own contract pages
    "v1_volume_executions_retrieve": Shown((page("volume:execution", "project"),), PROJECT),
    "v1_volume_executions_confirm_create": Shown((page("volume:execution", "project"),), PROJECT),
    **{f"v1_volume_contracts_{step}_create": Shown((page("unit-contract-detail", "contract"),), {"id": "contract"})
       for step in ("sign", "publish", "file", "accept", "pay")},
    # volume: the department centralized catalog (the department's pages, finance's review pages)
    "v1_volume_catalogs_list": Shown((page("volume:catalog-list"), page("volume:catalog-review-list"))),
    "v1_volume_catalogs_retrieve": Shown((page("volume:catalog-detail", "catalog"),
                                          page("volume:catalog-review", "catalog")), CATALOG),
    "v1_volume_catalogs_create": Shown((page("volume:catalog-new", shows="catalog_form"),)),
    "v1_volume_catalogs_items_create": Shown(CATALOG_WRITES, CATALOG),
    "v1_volume_catalogs_submit_create": Shown(CATALOG_WRITES, CATALOG),
    "v1_volume_catalogs_issue_create": Shown(CATALOG_WRITES, CATALOG),
    "v1_volume_catalogs_review_create": Shown((page("volume:catalog-review", "catalog"),), CATALOG),
    # framework (plans slice): the center's plan pages, finance's review pages (annex 8)
    "v1_framework_plans_list": Shown((page("framework:plan-list"), page("framework:plan-review-list"))),
    "v1_framework_plans_retrieve": Shown((page("framework:plan-detail", "framework_plan"),
                                          page("framework:plan-review", "framework_plan")), FRAMEWORK_PLAN),
    "v1_framework_plans_submit_create": Shown((page("framework:plan-detail", "framework_plan"),), FRAMEWORK_PLAN),
    "v1_framework_plans_file_create": Shown((page("framework:plan-detail", "framework_plan"),), FRAMEWORK_PLAN),
    "v1_framework_plans_review_create": Shown((page("framework:plan-review", "framework_plan"),), FRAMEWORK_PLAN),
    "v1_framework_plans_pdf_retrieve": Shown((page("framework:plan-pdf", "framework_plan"),
                                              page("framework:plan-review-pdf", "framework_plan")), FRAMEWORK_PLAN),
    # framework, agreements slice (seed 000 三(二)(4)(5)): the center's and the supplier's agreement pages
    "v1_framework_agreements_list": Shown((page("framework:agreement-list"), page("framework:my-agreements"))),
    "v1_framework_agreements_retrieve": Shown((page("framework:agreement-detail", "framework_agreement"),),
                                              FW_AGREEMENT),
    "v1_framework_agreements_sign_create": Shown(
        (page("framework:agreement-detail", "framework_shortlisted", shows="framework_sign_form"),),
        {"id": "framework_shortlisted"}),
    **{f"v1_framework_agreements_{step}_create": Shown(
        (page("framework:agreement-detail", "framework_agreement", shows="framework_center_steps"),), FW_AGREEMENT)
       for step in ("publish", "file")},
    "v1_framework_agreements_remove_create": Shown(
        (page("framework:agreement-detail", "framework_agreement", shows="framework_removal_form"),), FW_AGREEMENT),
    "v1_framework_listings_list": Shown((page("framework:listing-list"), page("framework:listing-review-list"))),
    "v1_framework_listings_retrieve": Shown((page("framework:agreement-detail", "framework_agreement"),), FW_LISTING),
    "v1_framework_listings_create": Shown(
        (page("framework:agreement-detail", "framework_agreement", shows="framework_listing_form"),)),
    **{f"v1_framework_listings_{step}_create": Shown(
        (page("framework:listing-review-list", shows="framework_listing"),), FW_LISTING)
       for step in ("approve", "reject")},
    "v1_framework_listings_delist_create": Shown((page("framework:listing-list", shows="framework_listing"),),
                                                 FW_LISTING),
    # framework: open agreements (开放式) and the end of an agreement (open slice). The parity world holds no open
    # project: no join request nor open agreement exists, so the path of one answers 404 on every side.
    "v1_framework_join_requests_list": Shown((page("framework:open-list"), page("framework:open-request-list"))),
    "v1_framework_join_requests_retrieve": Shown((page("framework:open-list"), page("framework:open-request-list")),
                                                 PROJECT),
    "v1_framework_join_requests_create": Shown((page("framework:open-list"),)),
    **{f"v1_framework_join_requests_{step}_create": Shown((page("framework:open-request-list"),), PROJECT)
       for step in ("approve", "reject")},
    "v1_framework_open_agreements_list": Shown((page("framework:open-list"),)),
    "v1_framework_open_agreements_retrieve": Shown((page("framework:open-list"),), PROJECT),
    "v1_framework_open_agreements_leave_create": Shown((page("framework:open-list"),), PROJECT),
    "v1_framework_summaries_list": Shown((page("framework:summary-list"),)),
    "v1_framework_summaries_retrieve": Shown((page("framework:summary", "framework_project"),), FW_PROJECT),
    "v1_framework_summaries_publish_create": Shown((page("framework:summary", "framework_project"),), FW_PROJECT),
    "v1_framework_executions_retrieve": Shown((page("framework:execution", "framework_project"),), FW_PROJECT),
    "v1_framework_executions_issue_create": Shown((page("framework:execution", "framework_project"),), FW_PROJECT),
    # framework, second stage (orders slice): the purchaser's and supplier's pages; the order page also serves
    # the center running the project and finance of the purchaser's region
    "v1_framework_orders_list": Shown((page("framework:order-list"), page("framework:supplier-orders"),
                                       page("framework:order-admin-list"))),
    "v1_framework_orders_retrieve": Shown((page("framework:order-detail", "framework_order"),), FRAMEWORK_ORDER),
    "v1_framework_orders_create": Shown((page("framework:catalog"),)),
    "v1_framework_orders_award_create": Shown((page("framework:order-detail", "framework_order"),), FRAMEWORK_ORDER),
    "v1_framework_orders_cancel_create": Shown((page("framework:order-detail", "framework_order"),),
                                               FRAMEWORK_ORDER),
    "v1_framework_bids_list": Shown((page("framework:supplier-bids"),)),
    "v1_framework_bids_retrieve": Shown((page("framework:bid-edit", "framework_bid"),), FRAMEWORK_BID),
    "v1_framework_bids_submit_create": Shown((page("framework:bid-edit", "framework_bid"),), FRAMEWORK_BID),
    # framework: task notices (annex 7; tasks slice): finance drafts, issues, withdraws; the center acknowledges
    "v1_framework_task_notices_list": Shown((page("framework:task-list"), page("framework:received-list"))),
    "v1_framework_task_notices_retrieve": Shown((page("framework:task-detail", "framework_task"),
                                                 page("framework:received-detail", "framework_task")), FRAMEWORK_TASK),
    "v1_framework_task_notices_pdf_retrieve": Shown((page("framework:task-pdf", "framework_task"),
                                                     page("framework:received-pdf", "framework_task")),
                                                    FRAMEWORK_TASK),
    "v1_framework_task_notices_create": Shown((page("framework:task-create"),)),
    "v1_framework_task_notices_issue_create": Shown((page("framework:task-detail", "framework_task"),),
                                                    FRAMEWORK_TASK),
    "v1_framework_task_notices_withdraw_create": Shown((page("framework:task-detail", "framework_task"),),
                                                       FRAMEWORK_TASK),
    "v1_framework_task_notices_acknowledge_create": Shown((page("framework:received-detail", "framework_task"),),
                                                          FRAMEWORK_TASK),
}

# What a page must contain to count as offering or showing the thing (``Page.shows``).
MARKERS: dict[str, Callable[[World], str]] = {
    "project": lambda world: world.project.code,
    "upload_form": lambda world: 'type="file"',
    "volume_answer_form": lambda world: 'data-testid="answer-form"',
    "volume_complaint_form": lambda world: 'data-testid="complaint-form"',
    "volume_decision_form": lambda world: 'data-testid="decision-form"',
    "catalog_form": lambda world: 'data-testid="catalog-new-form"',
    "catalog_writes": lambda world: 'data-testid="catalog-writes"',
    "framework_sign_form": lambda world: 'data-testid="sign-form"',
    "framework_center_steps": lambda world: 'data-testid="center-steps"',
    "framework_removal_form": lambda world: 'data-testid="removal-form"',
    "framework_listing_form": lambda world: 'data-testid="listing-form"',
    "framework_listing": lambda world: "PARITY-M1",
}


# --- asking the page and the API --------------------------------------------------------------------

def _resolve(world: World, dotted: str):
    value = world
    for part in dotted.split("."):
        value = getattr(value, part)
    return getattr(value, "pk", value)


def page_client(world: World, role: str) -> Client:
    return world.page_clients[role]


def api_client(world: World, role: str) -> APIClient:
    client = APIClient()
    if role in world.tokens:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    return client


def page_shows(world: World, role: str, target: Page) -> bool:
    """Does the page show (or offer) its thing to ``role``? 403, 404 and the login page are refusals."""
    url = target.url(world)
    key = (f"{url}#{target.shows or ''}", role)
    if key not in world.page_verdicts:
        response = page_client(world, role).get(url)
        status = response.status_code
        if status in (403, 404):
            verdict = False
        elif status == 302:
            verdict = not response["Location"].startswith(reverse("login"))
        else:
            assert status == 200, f"{url} answered {status} to {role}"
            verdict = target.shows is None or MARKERS[target.shows](world) in response.content.decode()
        world.page_verdicts[key] = verdict
    return world.page_verdicts[key]


def operation_url(schema: dict, world: World, operation_id: str, entry: Shown | NoPage) -> tuple[str, str, dict]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                url = path
                for name, attribute in entry.path.items():
                    url = url.replace("{" + name + "}", str(_resolve(world, attribute)))
                assert "{" not in url, f"{operation_id}: no object declared for a parameter of {path}"
                return method, url, operation
    raise AssertionError(f"{operation_id} is not in the schema")


def call_api(schema: dict, world: World, role: str, operation_id: str, entry: Shown | NoPage):
    """Call the operation as ``role``: a write with an empty body (or the declared one), so that only the right,
    asked first, can refuse it; a refusal must be one the schema documents for the operation."""
    method, url, operation = operation_url(schema, world, operation_id, entry)
    client = api_client(world, role)
    if method == "get":
        response = client.get(url)
    else:
        body = entry.body(world) if isinstance(entry, Shown) and entry.body else {}
        content = operation.get("requestBody", {}).get("content", {})
        multipart = content and "application/json" not in content
        response = getattr(client, method)(url, body, format="multipart" if multipart else "json")
    if response.status_code in (401, 403, 404):
        assert str(response.status_code) in operation["responses"], (
            f"{operation_id} answered {response.status_code} to {role}, which its schema does not document")
    return method, response


def is_refusal(response, method: str, entry: Shown | NoPage) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if isinstance(entry, Shown) and entry.also_refusal and response.status_code == entry.also_refusal[0]:
        return entry.also_refusal[1] in response.json()
    if method == "get" and response.status_code == 200 and response["Content-Type"].startswith("application/json"):
        body = response.json()
        return isinstance(body, dict) and body.get("results") == [] and body.get("count") == 0
    return False


STATE_TABLES = (ProjectEvent, Project, Lot, SubPlan, Contract, Award, Notice, ProjectDocument, Arrangement,
                ConfigurationTable, TaskNotice, DepartmentCatalog, DepartmentCatalogItem, CatalogReview)
STAMPED_TABLES = (Project, SubPlan, Contract)  # ``updated_at`` moves on every save


def state() -> tuple:
    """What a refused write must leave as it was, read in one statement: each table's rows (every transition
    and every change that matters also writes a ProjectEvent) and the last save of a project, sub-plan or
    contract."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT count(*) FROM {quote(model._meta.db_table)})" for model in STATE_TABLES]
    parts += [f"(SELECT max(updated_at) FROM {quote(model._meta.db_table)})" for model in STAMPED_TABLES]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return cursor.fetchone()


# --- the tests --------------------------------------------------------------------------------------

def test_every_operation_of_the_schema_is_declared(schema):
    """A new API action cannot escape the check: the table names every operation the schema documents."""
    documented = {operation["operationId"] for methods in schema["paths"].values()
                  for operation in methods.values() if isinstance(operation, dict) and "operationId" in operation}
    assert documented - set(OPERATIONS) == set(), "operations without a page (or a reason for none) in OPERATIONS"
    assert set(OPERATIONS) - documented == set(), "OPERATIONS names operations the schema no longer has"


def openable_contract_codes(world: World, role: str) -> set[str]:
    """The contracts whose text ``role`` may open on a page (``contract-text``: every party to it, the center
    running the project, finance of the buyer's region)."""
    if role not in world.openable_codes:
        client = page_client(world, role)
        world.openable_codes[role] = {
            c.code for c in world.contracts
            if client.get(reverse("contract-text", args=[c.pk])).status_code == 200
        }
    return world.openable_codes[role]


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("operation_id", list(OPERATIONS))
def test_the_api_serves_a_role_only_what_its_page_serves(schema, world, operation_id, role):
    """Whoever every page refuses, the API refuses, and a refused write changes nothing; what the API does answer
    names no contract but those the role may open on a page (no other party's contract)."""
    entry = OPERATIONS[operation_id]
    if isinstance(entry, NoPage):
        allowed, why = entry.right(role), entry.reason
    else:
        allowed = any(page_shows(world, role, target) for target in entry.pages)
        why = "a page shows it" if allowed else "every page refuses"
        if not allowed and entry.api_only and role in entry.api_only.roles:
            allowed, why = True, entry.api_only.reason
    writes = isinstance(entry, Shown) and "_list" not in operation_id and "_retrieve" not in operation_id
    before = state() if writes else None
    method, response = call_api(schema, world, role, operation_id, entry)
    assert response.status_code < 500
    if not allowed:
        assert is_refusal(response, method, entry), (
            f"{operation_id} answered {response.status_code} to {ROLES[role]} ({role}) though {why}: "
            f"{response.content.decode(errors='replace')[:300]}")
        assert not writes or state() == before, f"{operation_id} refused {role} but changed something"
    if response.status_code == 200 and response["Content-Type"].startswith("application/json"):
        codes = {c.code for c in world.contracts}
        named = {s for s in _strings(json.loads(response.content)) if s in codes}
        hidden = named - openable_contract_codes(world, role) if named else set()
        assert not hidden, f"{operation_id} shows {ROLES[role]} ({role}) contracts no page shows it: {sorted(hidden)}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["center", "finance"])
def test_the_signing_board_api_lists_the_contracts_its_page_lists(world, role):
    """Same data, not only the same door: the board's contracts over the API are the page's."""
    project = world.project
    board_page = page_client(world, role).get(reverse("award-signing-board", args=[project.pk]))
    on_page = {c.code for c in board_page.context["page"]}
    board_api = api_client(world, role).get(f"/api/v1/awards/{project.pk}/signing-board/")
    assert board_api.status_code == 200
    assert {row["code"] for row in board_api.json()["contracts"]} == on_page == {c.code for c in world.contracts}

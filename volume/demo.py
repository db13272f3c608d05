"""Demo data of 集中带量采购 (统采分签), called by procurement's seed_demo through its app discovery.

Made with volume's own services, as the demo logins would make it, one project at each stage of 753号:

- 部门集中采购目录: 吉林省卫生健康委员会 (login "unit2") has its catalog reviewed by finance and issued; 吉林省教育厅
  ("unit") has submitted its own, waiting in finance's review queue ("finance").
- Step 2, 需求响应中: a cross-department, cross-level project of health check services led by 卫健委: provincial units
  (教育厅 among them, not yet answered) and units of 长春市 respond, one with three funding lines, one declines.
- Step 3, 已汇总: a department project of the catalog (ultrasound equipment for the commission's own hospitals),
  the window closed, the implementation plan still to be filed.
- Step 5, 采购实施中: a department project of clinical laboratory equipment, its plan filed and the agency
  吉林省华正招标代理有限公司 (login "agency") running the procurement; the supplier ("supplier") has an inquiry on it.
- Step 6, 统采分签: a cross-level project of disinfection equipment, awarded twelve days ago and confirmed by the lead;
  each participant's contracts, some signed down to payment, others unsigned with the days counted on the lead's
  board (教育厅 among the unsigned); a challenge of the result answered, and the supplier's complaint before finance.

The services stamp every step "now"; the seed then moves the business dates of the past stages (windows, filing,
award, signing) back into a believable timeline. The audit log keeps the real moments: it is append-only.
Idempotent: each project is found again by its title, each catalog by its department and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from notices.models import Notice
from procurement import deadlines
from procurement.access import SYSTEM
from procurement.models import (
    Award,
    Category,
    Contract,
    FundingLine,
    Organization,
    Project,
    ProjectDocument,
    SubPlan,
)
from procurement.services.collection import collection_close
from procurement.services.contracts import (
    contract_accept,
    contract_file,
    contract_pay,
    contract_publish,
    contract_sign,
)
from procurement.services.demo import (
    DEMO_YEAR,
    FINANCE_NAME,
    PROVINCE_CODE,
    UNIT2_CODE,
    UNIT_CODE,
    DemoCounts,
    past_messages_read,
    reminders_about,
)
from procurement.services.execution import (
    award_finalize,
    contracts_generate,
    document_add,
    evaluation_record,
    lot_award,
    procurement_start,
)
from procurement.services.signing_deadlines import signing_due, signing_next_check
from volume.models import (
    CatalogReview,
    Complaint,
    DepartmentCatalog,
    ImplementationPlan,
    Response,
    SupplierQuestion,
    VolumeDetails,
)
from volume.services.catalog import catalog_create, catalog_issue, catalog_item_add, catalog_review, catalog_submit
from volume.services.execution import result_confirm
from volume.services.plans import implementation_plan_file
from volume.services.projects import ItemSpec, volume_project_open
from volume.services.questions import complaint_submit, question_answer, question_submit
from volume.services.responses import response_decline, response_submit

Kind = Organization.Kind
Source = FundingLine.Source
AGENCY_NAME = "吉林省华正招标代理有限公司"
SUPPLIER_NAME = "吉林省新元电器有限公司"
MEDICAL_SUPPLIERS = ("吉林省中联医疗设备有限公司", "通化北辰医疗器械有限公司", "长春光华仪器设备有限公司")

COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("部门集中采购目录", DepartmentCatalog),
    ("目录审核意见", CatalogReview),
    ("集中带量采购项目信息", VolumeDetails),
    ("需求响应", Response),
    ("采购实施计划", ImplementationPlan),
    ("询问与质疑", SupplierQuestion),
    ("投诉", Complaint),
)

HEALTH_CATALOG_TITLE = f"{DEMO_YEAR}年吉林省卫生健康系统部门集中采购目录"
EDUCATION_CATALOG_TITLE = f"{DEMO_YEAR}年吉林省教育系统部门集中采购目录"
COLLECTING_TITLE = f"{DEMO_YEAR}年省直及长春市单位职工健康体检服务集中带量采购（统采分签）"
AGGREGATED_TITLE = f"{DEMO_YEAR}年吉林省卫生健康系统医用超声设备集中带量采购（统采分签）"
PROCURING_TITLE = f"{DEMO_YEAR}年吉林省卫生健康系统临床检验设备集中带量采购（统采分签）"
AWARDED_TITLE = f"{DEMO_YEAR}年全省医疗卫生机构消毒灭菌设备集中带量采购（统采分签）"


@dataclass(frozen=True)
class Cast:
    """Who plays in the volume demo."""

    finance: Organization
    health: Organization  # 吉林省卫生健康委员会: the lead ("unit2") and a department
    education: Organization  # 吉林省教育厅 ("unit"): a participant and a department
    hospitals: list[Organization]  # the commission's own units (本部门、本系统)
    provincial: list[Organization]  # other provincial units
    changchun: list[Organization]  # units of 长春市 (the prefecture level)
    agency: Organization
    supplier: Organization  # the "supplier" login
    medical: list[Organization]


def demo_extend(*, users: dict) -> dict[str, tuple[int, int]]:
    counts = DemoCounts((*COUNTED, ("公告", Notice)))
    started = timezone.now()
    cast = _cast()
    if cast is None:
        return counts.created()
    catalog = _catalogs_ensure(cast, users)
    _collecting_ensure(cast, users)
    _aggregated_ensure(cast, users, catalog)
    _procuring_ensure(cast, users, catalog)
    _awarded_ensure(cast, users)
    _past_messages_read(cast, since=started)
    return counts.created()


def _past_messages_read(cast: Cast, *, since) -> None:
    """The messages this seed sent tell of things long done, except what a demo login still has to act on: finance's
    review of 教育厅's catalog and its complaint to decide, the lead's inquiry to answer, 教育厅's invitation to
    respond and its contract to sign."""
    education_catalog = DepartmentCatalog.objects.filter(department=cast.education, year=DEMO_YEAR).first()
    collecting, awarded = _project(COLLECTING_TITLE), _project(AWARDED_TITLE)
    unsigned = (Contract.objects.filter(project=awarded, buyer=cast.education, status=Contract.Status.DRAFT)
                if awarded is not None else [])
    keep = reminders_about(education_catalog, *Complaint.objects.filter(status=Complaint.Status.RECEIVED),
                           *SupplierQuestion.objects.filter(status=SupplierQuestion.Status.OPEN), *unsigned)
    if collecting is not None:
        keep |= models.Q(organization=cast.education, url__contains=f"/{collecting.pk}/")
    past_messages_read(since=since, keep=keep)


def _cast() -> Cast | None:
    units = Organization.objects.budget_units().filter(is_active=True).select_related("region")
    health = units.filter(unit_code=UNIT2_CODE).first()
    education = units.filter(unit_code=UNIT_CODE).first()
    agency = Organization.objects.filter(kind=Kind.AGENCY, name=AGENCY_NAME).first()
    if health is None or education is None or agency is None:
        return None
    provincial = list(units.filter(region__code=PROVINCE_CODE).order_by("unit_code"))
    hospitals = [u for u in provincial if u.supervising_unit_id == health.pk and u.pk != health.pk]
    others = [u for u in provincial if u.pk not in {health.pk, education.pk} and u not in hospitals]
    changchun = list(units.filter(region__code__startswith="2201").exclude(region__code=PROVINCE_CODE)
                     .order_by("region__code", "unit_code"))
    return Cast(
        finance=Organization.objects.get(kind=Kind.FINANCE, name=FINANCE_NAME),
        health=health, education=education, hospitals=hospitals, provincial=others, changchun=changchun,
        agency=agency, supplier=Organization.objects.get(kind=Kind.SUPPLIER, name=SUPPLIER_NAME),
        medical=list(Organization.objects.filter(kind=Kind.SUPPLIER, name__in=MEDICAL_SUPPLIERS).order_by("name")),
    )


def _project(title: str) -> Project | None:
    return Project.objects.filter(mode="volume", title=title).order_by("pk").first()


def _category(code: str) -> Category:
    return Category.objects.get(code=code)


# --- 部门集中采购目录 --------------------------------------------------------------------------------

def _catalogs_ensure(cast: Cast, users: dict) -> DepartmentCatalog:
    health = DepartmentCatalog.objects.filter(department=cast.health, year=DEMO_YEAR).first()
    if health is None:
        health = catalog_create(department=cast.health, year=DEMO_YEAR, title=HEALTH_CATALOG_TITLE,
                                actor=users["unit2"])
        for code, need in (
            ("A02320500", "全省医疗机构远程会诊要求超声影像格式、探头配置统一，便于检查结果互认"),
            ("A02321900", "检验结果在省内医疗机构间互认，检验设备的性能指标和质控要求须一致"),
            ("A02322800", "院感防控标准统一，消毒灭菌设备须满足同一套验证和追溯要求"),
        ):
            catalog_item_add(catalog=health, category=_category(code), special_need=need, actor=users["unit2"])
        catalog_submit(catalog=health, actor=users["unit2"])
        catalog_review(catalog=health, decision=CatalogReview.Decision.RETURN, actor=users["finance"],
                       opinion="消毒灭菌设备请补充说明与政府集中采购目录的区别及本部门的特殊需求依据")
        catalog_submit(catalog=health, actor=users["unit2"])
        catalog_review(catalog=health, decision=CatalogReview.Decision.APPROVE, actor=users["finance"],
                       opinion="所列品目均在政府集中采购目录外，部门特殊需求明确，合法合规，同意印发")
        health = catalog_issue(catalog=health, document_number=f"吉卫财务〔{DEMO_YEAR}〕12号", actor=users["unit2"])
    if not DepartmentCatalog.objects.filter(department=cast.education, year=DEMO_YEAR).exists():
        education = catalog_create(department=cast.education, year=DEMO_YEAR, title=EDUCATION_CATALOG_TITLE,
                                   actor=users["unit"])
        catalog_item_add(catalog=education, category=_category("A02321900"), actor=users["unit"],
                         special_need="高校实验教学用检验设备须与实验课程标准配套")
        catalog_submit(catalog=education, actor=users["unit"])
    return health


# --- responses ---------------------------------------------------------------------------------------

def _item(lot, quantity: int, *, code: str, lines: tuple[tuple[str, str], ...] = ()) -> dict:
    """One item of a response: ``quantity`` at the lot's reference price, funded from the general budget, or from
    ``lines`` ((source, share of the budget as a decimal string), the last taking the rest)."""
    budget = Decimal(quantity) * lot.reference_price_yuan
    funding, left = [], budget
    for number, (source, share) in enumerate(lines, start=1):
        amount = left if number == len(lines) else (budget * Decimal(share)).quantize(Decimal("0.01"))
        funding.append({"source": source, "amount_yuan": amount, "budget_index_code": f"{code}-{number}"})
        left -= amount
    if not lines:
        funding = [{"source": Source.GENERAL_BUDGET, "amount_yuan": budget, "budget_index_code": code}]
    return {"lot_id": lot.pk, "quantity": quantity, "budget_yuan": budget, "funding": funding}


def _respond(project: Project, units: list[Organization], actor, *, plan) -> None:
    """Each unit of ``units`` submits what ``plan(n, lots)`` gives it (a list of items), or declines when None."""
    lots = list(project.lots.order_by("number"))
    for n, unit in enumerate(units):
        items = plan(n, lots)
        if items is None:
            response_decline(project=project, unit=unit, actor=actor,
                             reason="本单位本年度该项预算未获批复，不参与本次采购")
            continue
        response_submit(project=project, unit=unit, actor=actor, items=items, contact_name="采购经办人",
                        contact_phone=f"0431-8{8000000 + unit.pk % 1000000:07d}")


def _close(project: Project, *, closed_days_ago: int) -> Project:
    """Move the window of ``project`` back so that it closed ``closed_days_ago`` days ago, and close it."""
    now = timezone.now()
    deadline = now - timedelta(days=closed_days_ago)
    Project.objects.filter(pk=project.pk).update(response_opens_at=deadline - timedelta(days=15),
                                                 response_deadline=deadline, created_at=deadline - timedelta(days=16))
    Response.objects.filter(project=project).update(submitted_at=deadline - timedelta(days=3))
    SubPlan.objects.filter(project=project).update(submitted_at=deadline - timedelta(days=3))
    Notice.objects.filter(project=project, type=Notice.Type.INTENTION).update(
        published_at=deadline - timedelta(days=16))
    project.refresh_from_db()
    return collection_close(project=project, actor=SYSTEM)


def _plan_file(project: Project, cast: Cast, users: dict, *, filed_days_ago: int) -> Project:
    today = deadlines.today()
    plan = implementation_plan_file(
        project=project, method="inquiry", agency=cast.agency, documents_planned_on=today + timedelta(days=2),
        opening_planned_on=today + timedelta(days=10), award_planned_on=today + timedelta(days=14),
        contracts_planned_on=today + timedelta(days=40), note="委托代理机构组织询价，统采分签", actor=users["unit2"])
    if filed_days_ago:
        shift = timedelta(days=filed_days_ago)
        ImplementationPlan.objects.filter(pk=plan.pk).update(
            filed_at=plan.filed_at - shift, documents_planned_on=plan.documents_planned_on - shift,
            opening_planned_on=plan.opening_planned_on - shift, award_planned_on=plan.award_planned_on - shift,
            contracts_planned_on=plan.contracts_planned_on - shift)
        Project.objects.filter(pk=project.pk).update(
            master_plan_confirmed_at=timezone.now() - shift)
    project.refresh_from_db()
    return project


# --- step 2: responses open ---------------------------------------------------------------------------

def _collecting_ensure(cast: Cast, users: dict) -> None:
    if _project(COLLECTING_TITLE):
        return
    units = [cast.health, cast.education, *cast.provincial[:24], *cast.changchun[:10]]
    project = volume_project_open(
        lead=cast.health, title=COLLECTING_TITLE, year=DEMO_YEAR, kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
        items=[
            ItemSpec(name="职工常规健康体检（男）", category_code="C04070100", unit_of_measure="人次",
                     specification="内科、外科、血常规、肝功能、肾功能、血脂、血糖、心电图、腹部彩超、胸部CT",
                     quantity_guidance="6000", reference_price_yuan="460"),
            ItemSpec(name="职工常规健康体检（女）", category_code="C04070100", unit_of_measure="人次",
                     specification="男性项目外加妇科检查、乳腺彩超、宫颈癌筛查", quantity_guidance="5500",
                     reference_price_yuan="620"),
            ItemSpec(name="40岁以上加项（肿瘤标志物、骨密度）", category_code="C04070100", unit_of_measure="人次",
                     quantity_guidance="3000", reference_price_yuan="280"),
        ],
        unit_ids=[u.pk for u in units], response_deadline=timezone.now() + timedelta(days=9),
        description="省直及长春市各预算单位职工年度健康体检，按人次计价，统一采购、分别签约。",
        actor=users["unit2"])

    def plan(n: int, lots) -> list[dict] | None:
        if n == 7:
            return None
        men, women = 40 + n * 7 % 90, 35 + n * 11 % 80
        items = [_item(lots[0], men, code=f"ZB{DEMO_YEAR}-TJ{n:03d}"),
                 _item(lots[1], women, code=f"ZB{DEMO_YEAR}-TJ{n:03d}")]
        if n == 2:  # a unit paying from three sources
            items[0] = _item(lots[0], men, code=f"ZB{DEMO_YEAR}-TJ{n:03d}", lines=(
                (Source.GENERAL_BUDGET, "0.6"), (Source.SPECIAL_ACCOUNT, "0.25"), (Source.OWN_FUNDS, "1")))
        if n % 3 == 0:
            items.append(_item(lots[2], (men + women) // 3, code=f"ZB{DEMO_YEAR}-TJ{n:03d}"))
        return items

    # 卫健委 itself and the first provincial and Changchun units answer; 教育厅 (login "unit") has not yet.
    _respond(project, [cast.health, *cast.provincial[:12], *cast.changchun[:4]], users["admin"], plan=plan)


# --- step 3: the window closed, the plan still to be filed ---------------------------------------------

def _department_project(cast: Cast, users: dict, catalog: DepartmentCatalog, *, title: str, items: list[ItemSpec],
                        description: str) -> Project:
    return volume_project_open(
        lead=cast.health, title=title, year=DEMO_YEAR, kind=VolumeDetails.Kind.DEPARTMENT, catalog=catalog,
        items=items, unit_ids=[u.pk for u in cast.hospitals], response_deadline=timezone.now() + timedelta(days=1),
        description=description, actor=users["unit2"])


def _hospital_plan(n: int, lots) -> list[dict]:
    items = [_item(lots[0], 1 + n % 3, code=f"ZB{DEMO_YEAR}-YL{n:03d}")]
    if n % 2 == 0 and len(lots) > 1:
        items.append(_item(lots[1], 1, code=f"ZB{DEMO_YEAR}-YL{n:03d}", lines=(
            (Source.GENERAL_BUDGET, "0.7"), (Source.OWN_FUNDS, "1"))))
    return items


def _aggregated_ensure(cast: Cast, users: dict, catalog: DepartmentCatalog) -> None:
    if _project(AGGREGATED_TITLE):
        return
    project = _department_project(cast, users, catalog, title=AGGREGATED_TITLE, items=[
        ItemSpec(name="便携式彩色多普勒超声诊断仪", category_code="A02320500", unit_of_measure="台",
                 specification="探头不少于3把；含心脏、腹部、浅表应用", quantity_guidance="12",
                 reference_price_yuan="260000"),
        ItemSpec(name="台式彩色多普勒超声诊断仪", category_code="A02320500", unit_of_measure="台",
                 specification="高端机型；探头不少于5把；含弹性成像", quantity_guidance="5",
                 reference_price_yuan="980000"),
    ], description="省卫生健康委员会所属医疗机构超声设备更新，部门集中采购目录内品目。")
    _respond(project, cast.hospitals, users["admin"], plan=_hospital_plan)
    _close(project, closed_days_ago=2)


# --- step 5: the agency runs the procurement ------------------------------------------------------------

def _procuring_ensure(cast: Cast, users: dict, catalog: DepartmentCatalog) -> None:
    if _project(PROCURING_TITLE):
        return
    project = _department_project(cast, users, catalog, title=PROCURING_TITLE, items=[
        ItemSpec(name="全自动生化分析仪", category_code="A02321900", unit_of_measure="台",
                 specification="恒速不低于2000测试/小时；含配套试剂开放", quantity_guidance="8",
                 reference_price_yuan="860000"),
        ItemSpec(name="全自动血细胞分析仪", category_code="A02321900", unit_of_measure="台",
                 specification="五分类；含推片染色一体机", quantity_guidance="10", reference_price_yuan="420000"),
    ], description="省卫生健康委员会所属医疗机构检验设备，检验结果互认。")
    _respond(project, cast.hospitals, users["admin"], plan=_hospital_plan)
    project = _close(project, closed_days_ago=12)
    project = _plan_file(project, cast, users, filed_days_ago=10)
    today = deadlines.today()
    agency = users["agency"]
    project = procurement_start(project=project, method="inquiry", documents_issued_on=today - timedelta(days=3),
                                bid_opening_at=timezone.now() + timedelta(days=5), actor=agency)
    document_add(project=project, kind=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, title="询价通知书", actor=agency,
                 file=SimpleUploadedFile("询价通知书.pdf", _pdf("询价通知书")))
    # The supplier asks about the documents (询问, answered within 3 working days).
    question_submit(project=project, supplier=cast.supplier, kind=SupplierQuestion.Kind.INQUIRY,
                    subject=SupplierQuestion.Subject.DOCUMENTS, knew_on=today, actor=users["supplier"],
                    content="询价通知书第三章技术参数“恒速不低于2000测试/小时”是否含电解质模块？请予澄清。")


# --- step 6: awarded, confirmed, separate signing ---------------------------------------------------------

AWARDED_DAYS_AGO = 12
PRICES = (Decimal("168000.00"), Decimal("23800.00"))


def _awarded_ensure(cast: Cast, users: dict) -> None:
    if _project(AWARDED_TITLE) or len(cast.medical) < 2:
        return
    units = [cast.education, *cast.hospitals, *cast.changchun[:6]]
    project = volume_project_open(
        lead=cast.health, title=AWARDED_TITLE, year=DEMO_YEAR, kind=VolumeDetails.Kind.CROSS_DEPARTMENT,
        items=[
            ItemSpec(name="脉动真空压力蒸汽灭菌器", category_code="A02322800", unit_of_measure="台",
                     specification="容积不小于0.36立方米；含生物监测和追溯系统", quantity_guidance="20",
                     reference_price_yuan="185000"),
            ItemSpec(name="过氧化氢低温等离子灭菌器", category_code="A02322800", unit_of_measure="台",
                     specification="容积不小于100升；循环时间不超过50分钟", quantity_guidance="12",
                     reference_price_yuan="26000"),
        ],
        unit_ids=[u.pk for u in units], response_deadline=timezone.now() + timedelta(days=1),
        description="全省医疗卫生机构和学校卫生室消毒灭菌设备，跨层级联合采购，省卫生健康委员会牵头。",
        actor=users["unit2"])

    def plan(n: int, lots) -> list[dict]:
        items = [_item(lots[1], 1 + n % 2, code=f"ZB{DEMO_YEAR}-XD{n:03d}")]
        if n % 3 != 0:
            items.insert(0, _item(lots[0], 1, code=f"ZB{DEMO_YEAR}-XD{n:03d}"))
        return items

    _respond(project, [cast.education], users["unit"], plan=plan)
    _respond(project, units[1:], users["admin"], plan=lambda n, lots: plan(n + 1, lots))
    project = _close(project, closed_days_ago=40)
    project = _plan_file(project, cast, users, filed_days_ago=36)

    today = deadlines.today()
    awarded_on = today - timedelta(days=AWARDED_DAYS_AGO)
    agency = users["agency"]
    project = procurement_start(project=project, method="inquiry", documents_issued_on=today - timedelta(days=30),
                                bid_opening_at=timezone.now() - timedelta(days=20), actor=agency)
    document_add(project=project, kind=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, title="询价通知书", actor=agency,
                 file=SimpleUploadedFile("询价通知书.pdf", _pdf("询价通知书")))
    document_add(project=project, kind=ProjectDocument.Kind.EVALUATION_REPORT, title="询价小组评审报告", actor=agency,
                 file=SimpleUploadedFile("评审报告.pdf", _pdf("评审报告")))
    evaluation_record(project=project, evaluation_on=awarded_on - timedelta(days=1), actor=agency,
                      experts="赵立新（医疗器械）、孙晓燕（医院感染管理）、周明（财务）")
    for lot, supplier, price in zip(project.lots.order_by("number"), cast.medical, PRICES, strict=False):
        lot_award(project=project, lot=lot, supplier=supplier, unit_price_yuan=price, awarded_on=awarded_on,
                  actor=agency)
    project = award_finalize(project=project, actor=agency)
    published = timezone.now() - timedelta(days=AWARDED_DAYS_AGO)
    Notice.objects.filter(project=project, type=Notice.Type.AWARD).update(published_at=published)
    Award.objects.filter(project=project).update(notice_published_at=published)
    result_confirm(project=project, actor=users["unit2"])
    VolumeDetails.objects.filter(project=project).update(result_confirmed_at=published + timedelta(hours=20))
    contracts_generate(project=project, actor=agency)
    _contracts_walk(project, users, awarded_on=awarded_on)
    _challenge(project, cast, users, awarded_on=awarded_on)


def _contracts_walk(project: Project, users: dict, *, awarded_on: date) -> None:
    """Signing deadlines from the backdated award; then some participants walk their contracts along the chain."""
    now = timezone.now()
    contracts = list(Contract.objects.filter(project=project).select_related("buyer").order_by("code"))
    for contract in contracts:
        Contract.objects.filter(pk=contract.pk).update(
            next_check=signing_next_check(signing_due(awarded_on), now=now))
    admin = users["admin"]
    walked = [c for c in contracts if c.buyer.unit_code != UNIT_CODE]
    for n, contract in enumerate(walked[: len(walked) * 2 // 3]):
        signed_on = awarded_on + timedelta(days=2 + n % 4)
        contract = contract_sign(contract=contract, actor=admin, signed_on=signed_on,
                                 signed_file=SimpleUploadedFile("合同.pdf", _pdf(contract.code)))
        if n % 5 == 4:
            continue  # signed, not yet published: overdue on the board
        contract = contract_publish(contract=contract, actor=admin, published_on=signed_on + timedelta(days=1))
        if n % 3 == 2:
            continue
        contract = contract_file(contract=contract, actor=admin, filed_on=signed_on + timedelta(days=3))
        if n % 2:
            contract = contract_accept(contract=contract, actor=admin, accepted_on=deadlines.today(),
                                       note="设备安装调试完毕，经验收合格")
            if n % 4 == 1:
                contract_pay(contract=contract, actor=admin, paid_on=deadlines.today(),
                             amount_yuan=contract.amount_yuan)


def _challenge(project: Project, cast: Cast, users: dict, *, awarded_on: date) -> None:
    """A losing supplier challenges the result, the lead answers, the supplier complains to finance."""
    challenger = next((s for s in cast.medical[2:]), None)
    if challenger is None:
        return
    actor = users["admin"]  # the challenger has no demo login
    question = question_submit(
        project=project, supplier=challenger, kind=SupplierQuestion.Kind.CHALLENGE,
        subject=SupplierQuestion.Subject.RESULT, knew_on=deadlines.today() - timedelta(days=2), actor=actor,
        content="第1项成交供应商所投产品的容积参数与询价通知书要求不符，请求重新评审。")
    question_answer(question=question, changes_result=False, actor=users["unit2"],
                    answer="经核查，成交产品容积为0.36立方米，满足询价通知书要求，质疑事项不成立。")
    complaint_submit(challenge=question, actor=actor,
                     content="对质疑答复不满意：答复未说明核查依据，请求财政部门依法处理。")


def _pdf(title: str) -> bytes:
    return f"%PDF-1.4\n% {title}\n".encode()


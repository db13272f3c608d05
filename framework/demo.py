"""Demo data of 框架协议采购 (seed 000 三(二); annexes 7 and 8), called by procurement's seed_demo through its app
discovery (``demo_extend``), after the core's logins and organizations exist.

Made with framework's own services, as the demo logins would make it, one object at each stage:

- (a) 车辆维修和保养服务: finance ("finance") issued a framework task notice (annex 7) that the center ("center")
  acknowledged, and the center has drafted its plan (annex 8) from it: a draft to edit and submit. It is the core
  demo's framework draft (``FRAMEWORK_DRAFT_TITLE``), now opened through the plan service with its task.
- (b) A4黑白打印机: a plan complete in its thirteen sections, submitted and waiting in finance's review queue.
- (c) 台式计算机: a closed framework agreement in force for the current year, scope the province: task issued and
  acknowledged, plan reviewed and filed, solicitation published and closed, 13 sealed responses from 7 suppliers
  on 2 lots evaluated (one disqualified) and shortlisted at a 20% elimination rate, agreements signed, published
  and filed, products listed and approved under the agreement prices, the execution notice issued; second stage by
  直接选定. The "supplier" login (吉林省新元电器有限公司) is shortlisted on both lots with listings; "unit"
  (吉林省教育厅) can place an order at once; "unit2" (吉林省卫生健康委员会) has placed one, its contract drafted.
- (d) 复印纸: an open framework agreement (开放式, Order 110; annex 8 note 1) in force for the current year: plan
  filed with no §八–§十一, the solicitation notice published without a response deadline, two suppliers joined at
  the published price with their paper listed, a third's request awaiting the center's review, the execution notice
  issued. The "supplier" login may ask to join; "unit" may order paper.

The services stamp every step "now"; the seed then moves the business dates of the past stages (solicitation window,
letters, signing, publication, filing, listing, execution) back before the agreement's first day, as volume's demo
does. The audit log keeps the real moments: it is append-only.

The suppliers other than "supplier" have no demo login; each responds and lists through an operator account of its
own (``fw-`` + its credit code, no usable password), since a supplier's response is accepted from its own seat only.
Idempotent: each plan is found again by its project's title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from framework.agreement_deadlines import agreement_next_check_refresh
from framework.models import (
    Agreement,
    FrameworkDetails,
    FrameworkPlan,
    JoinRequest,
    Order,
    PlanReview,
    ProductListing,
    SolicitationResponse,
)
from framework.services import agreements as agreement_services
from framework.services import open_agreements as open_services
from framework.services import orders as order_services
from framework.services import plans as plan_services
from framework.services import solicitation as solicitation_services
from framework.services import tasks as task_services
from notices.models import Notice
from procurement import deadlines
from procurement.models import Category, Filing, Membership, Organization, Project, TaskNotice
from procurement.services.demo import (
    CENTER_NAME,
    DEMO_YEAR,
    FINANCE_NAME,
    FRAMEWORK_DRAFT_TITLE,
    UNIT2_CODE,
    UNIT_CODE,
    DemoCounts,
    past_messages_read,
    reminders_about,
)

Kind = Organization.Kind
D = Decimal
SUPPLIER_NAME = "吉林省新元电器有限公司"  # the "supplier" login

COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("框架协议采购方案", FrameworkPlan),
    ("采购方案审核意见", PlanReview),
    ("框架协议征集响应", SolicitationResponse),
    ("开放式框架协议加入申请", JoinRequest),
    ("框架协议", Agreement),
    ("上架商品", ProductListing),
    ("框架协议执行信息", FrameworkDetails),
    ("第二阶段采购订单", Order),
)

DRAFT_TITLE = FRAMEWORK_DRAFT_TITLE
SUBMITTED_TITLE = f"省直单位A4黑白打印机框架协议采购（{DEMO_YEAR + 1}年度）"


def in_force_year() -> int:
    """The agreement in force runs over the current calendar year (goods: at most one year, annex 8 §五)."""
    return deadlines.today().year


def in_force_title(year: int | None = None) -> str:
    return f"全省预算单位台式计算机框架协议采购（{year or in_force_year()}年度）"


@dataclass(frozen=True)
class Cast:
    finance: Organization
    center: Organization
    unit: Organization  # 吉林省教育厅 ("unit")
    unit2: Organization  # 吉林省卫生健康委员会 ("unit2")
    supplier: Organization  # "supplier"


def demo_extend(*, users: dict) -> dict[str, tuple[int, int]]:
    counts = DemoCounts((*COUNTED, ("公告", Notice)))
    started = timezone.now()
    cast = _cast()
    if cast is not None:
        _draft_ensure(cast, users)
        submitted = _submitted_ensure(cast, users)
        _in_force_ensure(cast, users)
        pending = _open_ensure(cast, users)
        # Finance's review of plan (b) and the center's review of the request to join (d) stay unread.
        past_messages_read(since=started, keep=reminders_about(submitted, pending))
    return counts.created()


def _cast() -> Cast | None:
    orgs = Organization.objects
    finance = orgs.filter(kind=Kind.FINANCE, name=FINANCE_NAME).first()
    center = orgs.filter(kind=Kind.CENTER, name=CENTER_NAME).first()
    unit = orgs.filter(unit_code=UNIT_CODE).first()
    unit2 = orgs.filter(unit_code=UNIT2_CODE).first()
    supplier = orgs.filter(kind=Kind.SUPPLIER, name=SUPPLIER_NAME).first()
    if None in (finance, center, unit, unit2, supplier):
        return None
    return Cast(finance=finance, center=center, unit=unit, unit2=unit2, supplier=supplier)


def plan_titled(title: str) -> FrameworkPlan | None:
    return (FrameworkPlan.objects.filter(project__mode="framework", project__title=title)
            .select_related("project").order_by("pk").first())


def _task(cast: Cast, users: dict, *, code: str, year: int, valid_from: date, valid_until: date, limit: str,
          limit_yuan: str, number: str, issued_on: date) -> TaskNotice:
    """A framework task notice (annex 7) of provincial finance to the center, issued and acknowledged."""
    task = task_services.framework_task_create(
        finance_bureau=cast.finance, center=cast.center, category=Category.objects.get(code=code), year=year,
        purchase_limit=limit, purchase_limit_yuan=D(limit_yuan), scope=TaskNotice.Scope.PROVINCE,
        valid_from=valid_from, valid_until=valid_until, document_number=number,
        basis="《政府采购框架协议采购方式管理暂行办法》（财政部令第110号）；吉财采购〔2022〕号文 三(二)",
        actor=users["finance"])
    # Drafted in the past (a timestamp, as batch's demo does), so that it is issued on its own date.
    issued_on = min(issued_on, deadlines.today())
    TaskNotice.objects.filter(pk=task.pk).update(created_at=_at(issued_on - timedelta(days=2)))
    task.refresh_from_db()
    task = task_services.framework_task_issue(task=task, actor=users["finance"], issued_on=issued_on)
    return task_services.framework_task_acknowledge(task=task, actor=users["center"])


# --- (a) a task acknowledged and its plan in draft --------------------------------------------------------

def _draft_ensure(cast: Cast, users: dict) -> FrameworkPlan:
    plan = plan_titled(DRAFT_TITLE)
    if plan is not None:
        return plan
    task = _task(cast, users, code="C23120301", year=DEMO_YEAR, valid_from=date(DEMO_YEAR, 1, 1),
                 valid_until=date(DEMO_YEAR + 1, 12, 31), limit="单次维修保养金额在5万元以下的小额零星服务",
                 limit_yuan="50000", number=f"吉财采购〔{DEMO_YEAR}〕21号",
                 issued_on=deadlines.today() - timedelta(days=6))
    plan = plan_services.plan_create(center=cast.center, title=DRAFT_TITLE, task=task, actor=users["center"])
    center = users["center"]
    plan = plan_services.plan_section_save(plan=plan, section="s3", values={
        "user_scope": "省直各预算单位公务用车的定点维修和保养"}, actor=center)
    plan_services.lot_add(plan=plan, values=plan_services.LotValues(
        name="小型客车维修保养", category_code="C23120301", unit_of_measure="次",
        specification="定点维修、保养；工时费与配件价格执行最高限制单价；具备二类以上机动车维修资质",
        max_unit_price_yuan=D("1500"), price_basis="survey", price_basis_note="需求调查中6家维修企业报价的平均值"),
        actor=center)
    plan.refresh_from_db()
    return plan


# --- (b) a plan submitted, awaiting finance's review ------------------------------------------------------

SURVEYED = {
    "purchaser": (("吉林省教育厅", "打印量大，要求双面打印和网络打印"), ("吉林省卫生健康委员会", "需支持国产操作系统"),
                  ("吉林省公安厅", "耗材须可单独采购，价格透明")),
    "supplier": (("长春恒通办公设备有限公司", "主流机型市场价1200元至1800元"),
                 ("梅河口市众诚办公设备有限公司", "可提供三年上门保修"),
                 ("白山长青办公用品有限公司", "建议按月打印负荷区分档次")),
    "expert": (("吉林大学计算机学院 王教授", "建议打印速度不低于30页/分钟"),),
}


def _sections(*, content: str, statement: str, valid_from: date, valid_until: date, requirements: str,
              pricing: str) -> dict[str, dict]:
    return {
        "s1": {"collector_nature": "集中采购机构", "collector_address": "长春市南关区人民大街9999号",
               "collector_contact": "采购中心经办人 0431-88906666"},
        "s2": {"content": content, "legal_ground": "catalog_small", "legal_ground_statement": statement},
        "s3": {"user_scope": "吉林省各级预算单位"},
        "s4": {"agreement_type": "closed"},
        "s5": {"valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()},
        "s6": {"survey_methods": "调查问卷、供应商座谈、专家论证", "requirements": requirements},
        "s7": {"pricing_note": pricing},
        "s10": {"second_stage_method": "direct",
                "second_stage_rules": "采购人在入围供应商已上架的商品中按需求直接选定性价比最优的商品，并记录选定理由",
                "shortlist_tie_break": "earlier_submission"},
        "s11": {"removal_rules": "入围供应商有财政部令第110号第十九条所列情形之一的，取消入围资格或者解除框架协议",
                "supplement_rules": "剩余入围供应商不足入围供应商总数70%且影响框架协议执行的，按原条件补充征集"},
        "s12": {"sme_measures": "对小微企业报价给予10%的价格扣除，用扣除后的价格参与评审",
                "green_measures": "优先采购列入节能产品、环境标志产品品目清单的产品",
                "small_micro_deduction_percent": 10},
        "s13": {"other_matters": "第二阶段合同由采购人与成交供应商签订，合同签订后按规定公开和备案"},
    }


def _plan_filled(plan: FrameworkPlan, actor, *, sections: dict, lots: list[plan_services.LotValues]) -> FrameworkPlan:
    for section, values in sections.items():
        plan = plan_services.plan_section_save(plan=plan, section=section, values=values, actor=actor)
    for kind, rows in SURVEYED.items():
        for name, opinion in rows:
            plan_services.participant_add(plan=plan, kind=kind, name=name, opinion=opinion, actor=actor)
    for values in lots:
        plan_services.lot_add(plan=plan, values=values, actor=actor)
    plan.refresh_from_db()
    return plan


def _submitted_ensure(cast: Cast, users: dict) -> FrameworkPlan:
    plan = plan_titled(SUBMITTED_TITLE)
    if plan is not None:
        return plan
    valid_from, valid_until = date(DEMO_YEAR + 1, 1, 1), date(DEMO_YEAR + 1, 12, 31)
    task = _task(cast, users, code="A02021003", year=DEMO_YEAR, valid_from=valid_from, valid_until=valid_until,
                 limit="单笔采购金额在200万元以下的集中采购目录内小额零星采购", limit_yuan="2000000",
                 number=f"吉财采购〔{DEMO_YEAR}〕35号", issued_on=deadlines.today() - timedelta(days=20))
    plan = plan_services.plan_create(center=cast.center, title=SUBMITTED_TITLE, task=task, year=DEMO_YEAR,
                                     actor=users["center"])
    plan = _plan_filled(plan, users["center"], sections=_sections(
        content="A4黑白激光打印机及原装耗材", valid_from=valid_from, valid_until=valid_until,
        statement="A4黑白打印机属于政府集中采购目录以内品目，各单位单笔采购金额小、次数多，属于小额零星采购",
        requirements="黑白激光，打印速度不低于30页/分钟，自动双面，有线网络，首页输出时间不超过8秒，三年保修；"
                     "供应商须为生产厂商或其授权的代理商；评审采用价格优先法",
        pricing="最高限制单价由需求调查确定：取6家供应商报价的平均值"), lots=[
        plan_services.LotValues(
            name="A4黑白激光打印机", category_code="A02021003", unit_of_measure="台",
            specification="黑白激光；打印速度≥30页/分钟；自动双面；有线网络；月打印负荷≥20000页",
            max_unit_price_yuan=D("1600"), price_basis="survey", price_basis_note="需求调查中6家供应商报价的平均值",
            evaluation_method="price_priority", elimination_rate_percent=D("20")),
    ])
    return plan_services.plan_submit(plan=plan, actor=users["center"])


# --- (c) an agreement in force: desktop computers -----------------------------------------------------------

LOTS = (
    plan_services.LotValues(
        name="台式计算机（通用办公型）", category_code="A02010105", unit_of_measure="台",
        specification="CPU不低于Intel酷睿i5-12500或同等性能国产处理器；内存16GB；固态硬盘512GB；23.8英寸显示器；"
                      "三年原厂上门保修",
        max_unit_price_yuan=D("5500"), price_basis="survey", price_basis_note="需求调查中6家供应商报价的平均值",
        evaluation_method="price_priority", elimination_rate_percent=D("20")),
    plan_services.LotValues(
        name="台式计算机（高性能型）", category_code="A02010105", unit_of_measure="台",
        specification="CPU不低于Intel酷睿i7-13700或同等性能国产处理器；内存32GB；固态硬盘1TB；独立显卡8GB；"
                      "27英寸显示器；三年原厂上门保修",
        max_unit_price_yuan=D("8800"), price_basis="survey", price_basis_note="需求调查中6家供应商报价的平均值",
        evaluation_method="price_priority", elimination_rate_percent=D("20")),
)

# The responding suppliers (the "supplier" login among them) and their prices on lot 1 and lot 2 (None: no
# response). Price priority, 20%: lot 1 has 6 qualified of 7 (one disqualified), lot 2 6 of 6 → 4 shortlisted each.
# Ranked by evaluated price, small and micro enterprises' prices less 10% (财库〔2022〕17号 五): on lot 1 博远 (small,
# 4620 → 4158) ranks before the medium 新元 (4480) and 鼎信 (4560); 恒通 and 润达 (5180 → 4662, 5090 → 4581) stay out.
RESPONDENTS: tuple[tuple[str, str | None, str | None], ...] = (
    (SUPPLIER_NAME, "4480", "7690"),
    ("吉林省鼎信科技有限公司", "4560", "7820"),
    ("长春华拓电子科技有限公司", "4390", "7950"),
    ("吉林博远信息技术有限公司", "4620", "7580"),
    ("长春恒通办公设备有限公司", "5180", None),
    ("松原润达网络工程有限公司", "5090", "8720"),
    ("延边海兰江科技有限公司", "4350", "8760"),
)
DISQUALIFIED = ("延边海兰江科技有限公司", 1, "未提供所投产品的制造商授权书，不符合资格条件（采购需求第三条）")

# What each shortlisted supplier lists (brand, product, model, specification, price) on each lot, at or under its
# agreement price.
LISTINGS: dict[tuple[str, int], tuple[tuple[str, str, str, str, str], ...]] = {
    (SUPPLIER_NAME, 1): (
        ("联想", "启天台式计算机", "M437", "Intel酷睿i5-12500，16GB DDR4，512GB固态硬盘，23.8英寸显示器，三年上门保修",
         "4450"),
        ("联想", "开天台式计算机", "M740J", "兆芯KX-U6780A，16GB，512GB固态硬盘，23.8英寸显示器，统信UOS，三年上门保修",
         "4480"),
    ),
    (SUPPLIER_NAME, 2): (
        ("联想", "启天高性能台式计算机", "M650", "Intel酷睿i7-13700，32GB DDR5，1TB固态硬盘，RTX 3050 8GB，"
         "27英寸显示器，三年上门保修", "7680"),
    ),
    ("吉林省鼎信科技有限公司", 1): (
        ("华为", "擎云台式计算机", "B730E", "Intel酷睿i5-12500，16GB，512GB固态硬盘，23.8英寸显示器，三年上门保修",
         "4550"),
    ),
    ("吉林省鼎信科技有限公司", 2): (
        ("华为", "擎云高性能台式计算机", "W585", "Intel酷睿i7-13700，32GB，1TB固态硬盘，独立显卡8GB，27英寸显示器",
         "7800"),
    ),
    ("长春华拓电子科技有限公司", 1): (
        ("同方", "超越台式计算机", "E500-32", "Intel酷睿i5-12500，16GB，512GB固态硬盘，23.8英寸显示器，三年上门保修",
         "4390"),
    ),
    ("吉林博远信息技术有限公司", 1): (
        ("长城", "世恒台式计算机", "TF-A60", "海光C86-3250，16GB，512GB固态硬盘，23.8英寸显示器，麒麟操作系统",
         "4600"),
    ),
    ("吉林博远信息技术有限公司", 2): (
        ("长城", "世恒高性能台式计算机", "TD-X80", "Intel酷睿i7-13700，32GB，1TB固态硬盘，独立显卡8GB，"
         "27英寸显示器", "7560"),
    ),
    ("长春华拓电子科技有限公司", 2): (
        ("同方", "超越高性能台式计算机", "E700-35", "Intel酷睿i7-13700，32GB，1TB固态硬盘，独立显卡8GB，"
         "27英寸显示器，三年上门保修", "7950"),
    ),
}


def _pdf(name: str, what: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"%PDF-1.4\n% {what}\n".encode(), content_type="application/pdf")


def _supplier_operator(supplier: Organization, users: dict):
    """The login that acts for ``supplier``: "supplier" for its own, otherwise an operator account without a usable
    password (a supplier's response and listings are accepted from its own seat only)."""
    if Membership.objects.filter(user=users["supplier"], organization=supplier, is_active=True).exists():
        return users["supplier"]
    username = f"fw-{supplier.credit_code or supplier.pk}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model()(username=username, first_name=f"{supplier.name}经办人")
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, organization=supplier,
                                        defaults={"role": Membership.Role.OPERATOR, "is_active": True})
    return user


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _in_force_ensure(cast: Cast, users: dict) -> FrameworkPlan:
    year = in_force_year()
    title = in_force_title(year)
    plan = plan_titled(title)
    if plan is not None:
        return plan
    center, finance = users["center"], users["finance"]
    valid_from, valid_until = date(year, 1, 1), date(year, 12, 31)
    # The timeline, before the first day of the agreement.
    issued_on = valid_from - timedelta(days=110)
    published_on = valid_from - timedelta(days=75)
    deadline_on = valid_from - timedelta(days=52)
    letter_on = valid_from - timedelta(days=45)
    signed_on = valid_from - timedelta(days=38)

    task = _task(cast, users, code="A02010105", year=year, valid_from=valid_from, valid_until=valid_until,
                 limit="单笔采购金额在200万元以下的集中采购目录内小额零星采购", limit_yuan="2000000",
                 number=f"吉财采购〔{year - 1}〕58号", issued_on=issued_on)
    # The project's budget year is the demo's, as every demo project's (its code numbers the year it was opened).
    plan = plan_services.plan_create(center=cast.center, title=title, task=task, year=DEMO_YEAR, actor=center)
    plan = _plan_filled(plan, center, sections=_sections(
        content="台式计算机（通用办公型、高性能型）", valid_from=valid_from, valid_until=valid_until,
        statement="台式计算机属于政府集中采购目录以内品目，全省各级预算单位单笔采购金额小、次数多，属于小额零星采购",
        requirements="技术要求见各采购包规格；供应商须为生产厂商或其授权的代理商，具有三年上门保修能力；"
                     "评审采用价格优先法，淘汰率20%",
        pricing="最高限制单价由需求调查确定：取6家供应商报价的平均值，按档次分包"), lots=list(LOTS))
    plan = plan_services.plan_submit(plan=plan, actor=center)
    plan_services.plan_review(plan=plan, decision="approve", actor=finance,
                              opinion="方案符合财政部令第110号和附件8的要求，淘汰率、评审方法设置合理，同意")
    plan.refresh_from_db()
    filing = plan_services.plan_file(plan=plan, actor=center)
    project = plan.project
    lots = list(project.lots.order_by("number"))

    # Solicitation: published, every supplier responds (sealed), then the window is moved into the past.
    solicitation_services.solicitation_publish(
        project=project, actor=center, response_deadline=timezone.now() + timedelta(days=25),
        body=(f"{cast.center.name}受吉林省财政厅委托，就全省预算单位台式计算机框架协议采购进行公开征集，"
              "欢迎符合条件的供应商参加。供应商须在截止时间前通过本平台提交响应文件（响应单价不得高于最高限制单价）。"))
    submitted_at = {}
    for index, (name, *prices) in enumerate(RESPONDENTS):
        supplier = Organization.objects.get(kind=Kind.SUPPLIER, name=name)
        actor = _supplier_operator(supplier, users)
        for lot, price in zip(lots, prices, strict=True):
            if price is None:
                continue
            response = solicitation_services.response_save(
                lot=lot, supplier=supplier, actor=actor, price_yuan=price,
                sme_size=supplier.sme_size or Organization.SmeSize.SMALL, is_green=True,
                qualification_file=_pdf("资格证明文件.pdf", f"qualification of {supplier.pk}"), submit=True)
            submitted_at[response.pk] = _at(deadline_on - timedelta(days=6 - index % 5), 10 + index)
    for pk, moment in submitted_at.items():
        SolicitationResponse.objects.filter(pk=pk).update(submitted_at=moment)
    Project.objects.filter(pk=project.pk).update(
        response_opens_at=_at(published_on), response_deadline=_at(deadline_on),
        created_at=_at(issued_on + timedelta(days=5)))
    Notice.objects.filter(project=project, type=Notice.Type.FRAMEWORK_SOLICITATION).update(
        published_at=_at(published_on))
    project.refresh_from_db()

    # Evaluation and shortlist (price priority, 20%).
    for response in SolicitationResponse.objects.filter(lot__project=project).select_related("supplier", "lot"):
        out = response.supplier.name == DISQUALIFIED[0] and response.lot.number == DISQUALIFIED[1]
        solicitation_services.response_evaluate(
            response=response, qualified=not out, actor=center,
            note=DISQUALIFIED[2] if out else "资格证明文件齐全，符合资格条件和实质性要求")
    for lot in lots:
        solicitation_services.shortlist_confirm(lot=lot, actor=center)
    solicitation_services.shortlist_publish(project=project, actor=center)

    # Agreements: signed, published, filed; listings submitted and approved.
    agreements = list(Agreement.objects.filter(lot__project=project).select_related("supplier", "lot")
                      .order_by("lot__number", "rank"))
    today = deadlines.today()
    for agreement in agreements:
        agreement = agreement_services.agreement_sign(
            agreement=agreement, signed_on=today, actor=center,
            signed_file=_pdf("框架协议.pdf", f"agreement {agreement.code}"))
        agreement_services.agreement_publish(agreement=agreement, actor=center)
        agreement_services.agreement_file(agreement=agreement, actor=center, note="框架协议副本")
        actor = _supplier_operator(agreement.supplier, users)
        for brand, name, model_number, spec, price in LISTINGS.get((agreement.supplier.name, agreement.lot.number),
                                                                   ()):
            listing = agreement_services.listing_create(
                agreement=agreement, name=name, brand=brand, model_number=model_number, specification=spec,
                unit_price_yuan=min(D(price), agreement.price_yuan), actor=actor)
            agreement_services.listing_approve(listing=listing, actor=center)
    # Suppliers shortlisted without a listing of their own list the lot's standard model at their price.
    for agreement in Agreement.objects.filter(lot__project=project, listings__isnull=True).select_related(
            "supplier", "lot"):
        listing = agreement_services.listing_create(
            agreement=agreement, name=agreement.lot.name, brand="同方",
            model_number="超翔Z8000" if agreement.lot.number == 1 else "超翔Z9000",
            specification=agreement.lot.specification, unit_price_yuan=agreement.price_yuan,
            actor=_supplier_operator(agreement.supplier, users))
        agreement_services.listing_approve(listing=listing, actor=center)
    details = agreement_services.execution_notice_issue(
        project=project, actor=center, executing_from=valid_from,
        scope="吉林省各级预算单位采购台式计算机，单笔采购金额在200万元以下的，通过本框架协议采购",
        procedure="采购人完成第二阶段立项及采购计划备案后，在框架协议采购专区的入围商品中直接选定成交商品，"
                  "记录选定理由，系统确定成交供应商并生成合同；合同签订后按规定公开和备案")

    # Dates of the past stages.
    _timeline(project, plan, filing, details, issued_on=issued_on, letter_on=letter_on, signed_on=signed_on)

    # "unit2" has bought from the agreement already (直接选定): an order awarded, its contract drafted.
    listing = (ProductListing.objects.filter(agreement__lot=lots[0], agreement__supplier=cast.supplier,
                                             status=ProductListing.Status.APPROVED).order_by("unit_price_yuan").first())
    order_services.order_open(
        purchaser=cast.unit2, lot=lots[0], plan_filing_ref=f"BA{year}{UNIT2_CODE}0031", actor=users["unit2"],
        description="机关办公用台式计算机", quantity="20", budget="95000", listing=listing,
        selection_reason="配置满足办公需求，价格在已上架同档次商品中较低，且与本单位现有设备同品牌便于运维")
    return plan


def _timeline(project: Project, plan: FrameworkPlan, filing: Filing, details: FrameworkDetails, *, issued_on: date,
              letter_on: date, signed_on: date) -> None:
    """Move the business dates the services stamped today back into the timeline before the agreement starts."""
    submitted_on = issued_on + timedelta(days=14)
    FrameworkPlan.objects.filter(pk=plan.pk).update(
        submitted_at=_at(submitted_on), approved_at=_at(submitted_on + timedelta(days=6), 15),
        filed_at=_at(submitted_on + timedelta(days=8)))
    PlanReview.objects.filter(plan=plan).update(reviewed_at=_at(submitted_on + timedelta(days=6), 15))
    Filing.objects.filter(pk=filing.pk).update(filed_at=_at(submitted_on + timedelta(days=8)))
    TaskNotice.objects.filter(pk=plan.task_id).update(acknowledged_at=_at(issued_on + timedelta(days=1)))
    SolicitationResponse.objects.filter(lot__project=project).update(
        evaluated_at=_at(letter_on - timedelta(days=3), 16))
    Notice.objects.filter(project=project, type=Notice.Type.SHORTLIST).update(published_at=_at(letter_on))
    sign_due = deadlines.due_date(letter_on, deadlines.FRAMEWORK_AGREEMENT_SIGNING)
    publish_due = deadlines.due_date(signed_on, deadlines.FRAMEWORK_SHORTLIST_PUBLICATION)
    filing_due = deadlines.due_date(signed_on, deadlines.FRAMEWORK_AGREEMENT_FILING)
    agreements = Agreement.objects.filter(lot__project=project)
    agreements.update(letter_sent_on=letter_on, sign_due=sign_due, signed_on=signed_on, publish_due=publish_due,
                      published_on=signed_on + timedelta(days=1), filing_due=filing_due,
                      filed_on=signed_on + timedelta(days=3))
    Notice.objects.filter(project=project, type=Notice.Type.OTHER).update(
        published_at=_at(signed_on + timedelta(days=1), 10))
    Filing.objects.filter(kind=Filing.Kind.FRAMEWORK_AGREEMENT, project=project).update(
        filed_at=_at(signed_on + timedelta(days=3), 10))
    ProductListing.objects.filter(agreement__lot__project=project).update(
        reviewed_at=_at(signed_on + timedelta(days=8), 11))
    Notice.objects.filter(project=project, type=Notice.Type.FRAMEWORK_EXECUTION).update(
        published_at=_at(details.executing_from - timedelta(days=5), 10))
    for agreement in agreements:
        agreement_next_check_refresh(agreement)


# --- (d) an open agreement in force: joined, listed, one request awaiting review -------------------------------

OPEN_LOT = plan_services.LotValues(
    name="A4复印纸（70克）", category_code="A05040101", unit_of_measure="箱",
    specification="A4，70克/平方米，每包500张，每箱8包；白度不低于92%；符合环境标志产品技术要求",
    max_unit_price_yuan=D("168"), price_basis="survey", price_basis_note="需求调查中5家供应商报价的平均值")
# Who joined (with what they list) and who still waits for the center's review.
OPEN_JOINED = (
    ("白山长青办公用品有限公司", ("亚太森博", "百旺A4复印纸", "70g-8包", "168")),
    ("吉林市金桥商贸有限公司", ("晨鸣", "金晨鸣A4复印纸", "70g-8包", "165")),
)
OPEN_PENDING = "长春恒通办公设备有限公司"


def open_title(year: int | None = None) -> str:
    return f"全省预算单位复印纸框架协议采购（开放式，{year or in_force_year()}年度）"


def _open_ensure(cast: Cast, users: dict) -> JoinRequest | None:
    """(d) The open agreement, made through the services; returns the request awaiting the center's review."""
    year = in_force_year()
    title = open_title(year)
    plan = plan_titled(title)
    if plan is not None:
        return JoinRequest.objects.filter(lot__project=plan.project, status=JoinRequest.Status.PENDING).first()
    center, finance = users["center"], users["finance"]
    valid_from, valid_until = date(year, 1, 1), date(year, 12, 31)
    task = _task(cast, users, code="A05040101", year=year, valid_from=valid_from, valid_until=valid_until,
                 limit="单笔采购金额在5万元以下的集中采购目录内小额零星采购", limit_yuan="50000",
                 number=f"吉财采购〔{year - 1}〕61号", issued_on=valid_from - timedelta(days=80))
    plan = plan_services.plan_create(center=cast.center, title=title, task=task, year=DEMO_YEAR, actor=center)
    sections = _sections(
        content="A4复印纸", valid_from=valid_from, valid_until=valid_until,
        statement="复印纸属于政府集中采购目录以内品目，全省各级预算单位单笔采购金额小、次数多，属于小额零星采购",
        requirements="产品须符合环境标志产品技术要求；供应商须具备送货上门能力",
        pricing="协议单价由需求调查确定：取5家供应商报价的平均值；供应商接受该价格即可申请加入")
    sections["s4"] = {"agreement_type": "open", "join_review_working_days": 5}
    for closed_only in ("s10", "s11"):  # annex 8 note 1: an open agreement carries none of §八–§十一
        sections.pop(closed_only)
    sections["s12"] = {"sme_measures": "鼓励中小企业申请加入", "green_measures": "复印纸须符合环境标志产品技术要求"}
    plan = _plan_filled(plan, center, sections=sections, lots=[OPEN_LOT])
    plan = plan_services.plan_submit(plan=plan, actor=center)
    plan_services.plan_review(plan=plan, decision="approve", actor=finance,
                              opinion="开放式框架协议的条件和协议单价明确，加入申请审核期限合理，同意")
    plan.refresh_from_db()
    filing = plan_services.plan_file(plan=plan, actor=center)
    project = plan.project
    lot = project.lots.get()
    solicitation_services.solicitation_publish(
        project=project, actor=center, response_deadline=None,
        body=(f"{cast.center.name}受吉林省财政厅委托，就全省预算单位复印纸开放式框架协议进行公开征集。"
              "框架协议有效期内，符合条件的供应商接受本公告公布的协议条件和协议单价，即可随时申请加入。"))

    joined = []
    for name, (brand, product, model_number, price) in OPEN_JOINED:
        supplier = Organization.objects.get(kind=Kind.SUPPLIER, name=name)
        actor = _supplier_operator(supplier, users)
        request = open_services.join_request_create(
            lot=lot, supplier=supplier, accepts_terms=True, actor=actor,
            qualification_file=_pdf("资格证明文件.pdf", f"open qualification of {supplier.pk}"))
        agreement = open_services.join_request_approve(join=request, actor=center).agreement
        listing = agreement_services.listing_create(
            agreement=agreement, name=product, brand=brand, model_number=model_number,
            specification=OPEN_LOT.specification, unit_price_yuan=D(price), actor=actor)
        agreement_services.listing_approve(listing=listing, actor=center)
        joined.append(request)
    agreement_services.execution_notice_issue(
        project=project, actor=center, executing_from=valid_from,
        scope="吉林省各级预算单位采购A4复印纸，单笔采购金额在5万元以下的，通过本框架协议采购",
        procedure="采购人完成第二阶段立项及采购计划备案后，在已加入供应商上架的商品中直接选定，记录选定理由；"
                  "合同签订后按规定公开和备案")
    pending_supplier = Organization.objects.get(kind=Kind.SUPPLIER, name=OPEN_PENDING)
    pending = open_services.join_request_create(
        lot=lot, supplier=pending_supplier, accepts_terms=True, actor=_supplier_operator(pending_supplier, users),
        qualification_file=_pdf("资格证明文件.pdf", f"open qualification of {pending_supplier.pk}"))

    # Dates of the past stages: the plan, the notice and the first joins before the agreement's first day.
    submitted_on = valid_from - timedelta(days=60)
    FrameworkPlan.objects.filter(pk=plan.pk).update(
        submitted_at=_at(submitted_on), approved_at=_at(submitted_on + timedelta(days=5), 15),
        filed_at=_at(submitted_on + timedelta(days=7)))
    PlanReview.objects.filter(plan=plan).update(reviewed_at=_at(submitted_on + timedelta(days=5), 15))
    Filing.objects.filter(pk=filing.pk).update(filed_at=_at(submitted_on + timedelta(days=7)))
    TaskNotice.objects.filter(pk=task.pk).update(acknowledged_at=_at(valid_from - timedelta(days=79)))
    Notice.objects.filter(project=project, type=Notice.Type.FRAMEWORK_SOLICITATION).update(
        published_at=_at(valid_from - timedelta(days=40)))
    Notice.objects.filter(project=project, type=Notice.Type.FRAMEWORK_EXECUTION).update(
        published_at=_at(valid_from - timedelta(days=5), 10))
    for index, request in enumerate(joined):
        joined_on = valid_from - timedelta(days=30 - 7 * index)
        JoinRequest.objects.filter(pk=request.pk).update(
            created_at=_at(joined_on - timedelta(days=2)), reviewed_at=_at(joined_on, 15))
        Agreement.objects.filter(pk=request.agreement_id).update(signed_on=joined_on)
        ProductListing.objects.filter(agreement_id=request.agreement_id).update(reviewed_at=_at(joined_on, 16))
    return pending

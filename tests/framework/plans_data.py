"""Test data of the framework plan (框架协议采购方案, annex 8): a few MoF catalog categories (goods and services, at
the lowest level or not), a framework task notice acknowledged by the center, and plans built through the services
as the center and finance would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from framework.models import FrameworkPlan
from framework.services import plans as services
from procurement.models import Category, Mode, TaskNotice
from tests.world import World


@dataclass
class Categories:
    goods_parent: Category  # A020101 计算机设备: not the lowest level
    desktop: Category  # A02010105 台式计算机 (goods, lowest level, in the centralized catalog)
    laptop: Category  # A02010108 便携式计算机
    services_leaf: Category  # C1601 (services, lowest level)


def categories() -> Categories:
    def make(code: str, name: str, level: int, parent: Category | None = None, inside: bool = False) -> Category:
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "in_centralized_catalog": inside})
        return category

    parent = make("A020101", "计算机设备", 3, inside=True)
    return Categories(
        goods_parent=parent,
        desktop=make("A02010105", "台式计算机", 4, parent, inside=True),
        laptop=make("A02010108", "便携式计算机", 4, parent, inside=True),
        services_leaf=make("C1601", "法律服务", 2),
    )


def task_acknowledged(world: World, *, category: Category | None = None, center=None, **fields) -> TaskNotice:
    """A framework task notice (annex 7) of the provincial finance department, acknowledged by the center."""
    category = category or categories().desktop
    values = {"mode": Mode.FRAMEWORK, "year": 2026, "finance_bureau": world.finance, "center": center or world.center,
              "category": category, "purchase_limit": "单项或批量金额在200万元以下的小额零星项目",
              "purchase_limit_yuan": Decimal("2000000"), "valid_from": date(2026, 1, 1),
              "valid_until": date(2026, 12, 31), "document_number": "吉财采购〔2026〕3号"}
    values.update(fields)
    task = TaskNotice.objects.create(**values)
    TaskNotice.objects.filter(pk=task.pk).update(status=TaskNotice.Status.ACKNOWLEDGED)
    task.refresh_from_db()
    return task


def lot_values(category: Category | None = None, **fields) -> services.LotValues:
    values = {"name": "台式计算机（通用型）", "category_code": (category or categories().desktop).code,
              "unit_of_measure": "台", "specification": "Intel i5 或同等性能，16GB 内存，512GB 固态硬盘",
              "max_unit_price_yuan": Decimal("5000"), "price_basis": "survey",
              "price_basis_note": "需求调查中5家供应商报价的平均值", "evaluation_method": "price_priority",
              "elimination_rate_percent": Decimal("20")}
    values.update(fields)
    return services.LotValues(**values)


CLOSED_SECTIONS = {
    "s1": {"collector_nature": "集中采购机构", "collector_address": "长春市人民大街1号",
           "collector_contact": "张三 0431-88888888"},
    "s2": {"content": "台式计算机及其配套耗材", "legal_ground": "catalog_small",
           "legal_ground_statement": "台式计算机属于集中采购目录以内品目，各单位采购属于小额零星采购"},
    "s3": {"user_scope": "全省各级预算单位"},
    "s4": {"agreement_type": "closed"},
    "s5": {"valid_from": "2026-01-01", "valid_until": "2026-12-31"},
    "s6": {"survey_methods": "调查问卷、座谈论证",
           "requirements": "技术要求见附件；供应商须具备……；评审标准为价格优先"},
    "s7": {"pricing_note": "按需求调查确定最高限制单价"},
    "s10": {"second_stage_method": "direct", "second_stage_rules": "采购人在入围产品中直接选定",
            "shortlist_tie_break": "earlier_submission"},
    "s11": {"removal_rules": "按财政部令第110号第十九条执行", "supplement_rules": "剩余入围供应商不足70%时补充征集"},
    "s12": {"sme_measures": "对小微企业报价给予10%的价格扣除", "green_measures": "优先采购节能产品",
            "small_micro_deduction_percent": 10},
    "s13": {"other_matters": "无"},
}


def plan_draft(world: World, *, title: str = "2026年度台式计算机框架协议采购", task: TaskNotice | None = None,
               center=None) -> FrameworkPlan:
    center = center or world.center
    return services.plan_create(center=center, title=title, task=task, year=2026, actor=world.user(center))


def plan_complete(world: World, *, open_type: bool = False, lots: int = 1, center=None, **overrides) -> FrameworkPlan:
    """A draft plan with every section filled as annex 8 asks (closed, or open without §八–§十一), 3 purchasers,
    3 suppliers and 1 expert surveyed, and ``lots`` lots of desktop computers."""
    center = center or world.center
    plan = plan_draft(world, center=center)
    actor = world.user(center)
    for section, values in CLOSED_SECTIONS.items():
        if open_type and section in services.CLOSED_ONLY_SECTIONS:
            continue
        values = dict(values)
        if section == "s4" and open_type:
            values = {"agreement_type": "open", "join_review_working_days": 5}
        values.update(overrides.get(section, {}))
        plan = services.plan_section_save(plan=plan, section=section, values=values, actor=actor)
    for kind, names in (("purchaser", ("吉林省教育厅", "长春市第一中学", "南关区人民医院")),
                        ("supplier", ("甲电脑公司", "乙电脑公司", "丙电脑公司")), ("expert", ("李专家",))):
        for name in names:
            services.participant_add(plan=plan, kind=kind, name=name, opinion="同意", actor=actor)
    for number in range(1, lots + 1):
        extra = {"evaluation_method": "", "elimination_rate_percent": None} if open_type else {}
        services.lot_add(plan=plan, values=lot_values(name=f"台式计算机第{number}包", **extra), actor=actor)
    plan.refresh_from_db()
    return plan


def plan_submitted(world: World, **kwargs) -> FrameworkPlan:
    plan = plan_complete(world, **kwargs)
    return services.plan_submit(plan=plan, actor=world.user(plan.project.organizer))


def plan_approved(world: World, **kwargs) -> FrameworkPlan:
    plan = plan_submitted(world, **kwargs)
    services.plan_review(plan=plan, decision="approve", opinion="同意", actor=world.user(world.finance))
    plan.refresh_from_db()
    return plan

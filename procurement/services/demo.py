"""Demo data: a believable Jilin province for a first run, screenshots and manual testing.

``demo_seed`` is idempotent: every row has a natural key (region code, 单位代码, 统一社会信用代码,
the finance bureau's or center's name, username, a project's mode and title), and a second run creates
nothing. Project codes are numbered when a project is made, as every project's are (procurement.numbering).
The organizations are invented for the demo (their names follow the real naming patterns, their
codes do not belong to anyone); the region tree is the real one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from procurement import deadlines
from procurement.models import (
    Award,
    Category,
    Contract,
    EligibleUnit,
    Filing,
    FundingLine,
    Lot,
    Membership,
    Mode,
    Notification,
    Organization,
    ProcurementMethod,
    Project,
    Region,
    SubPlan,
)
from procurement.numbering import contract_code, project_create_numbered
from procurement.reference_data import (
    DEFAULT_CENTRALIZED_CATALOG,
    PREFECTURES,
    catalog_flag_centralized,
    catalog_load,
    regions_ensure,
)
from procurement.services.contracts import ContractDraft, ContractLineDraft, contract_next_check, contracts_draft_create
from procurement.services.events import event_record, subject_type_of
from procurement.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

DEFAULT_DEMO_PASSWORD = "Jilin@2026"
DEMO_YEAR = 2026
CENTER_GROUP_NAME = "采购中心经办人"
PROVINCE_CODE = "220000"
Kind = Organization.Kind
Size = Organization.SmeSize

# --- organizations as data ------------------------------------------------------------------

# Provincial departments (主管部门): (department number, name, subordinate units).
PROVINCIAL_DEPARTMENTS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (101, "吉林省教育厅", (
        "吉林省实验中学", "吉林省教育考试院", "吉林省电化教育馆", "吉林省教育学院", "吉林师范大学", "北华大学",
        "长春师范大学", "吉林财经大学", "长春工业大学", "吉林建筑大学", "吉林农业大学", "长春中医药大学",
        "吉林化工学院", "吉林医药学院", "吉林体育学院", "吉林艺术学院", "吉林工程技术师范学院", "长春大学",
        "吉林交通职业技术学院", "吉林电子信息职业技术学院",
    )),
    (102, "吉林省卫生健康委员会", (
        "吉林省人民医院", "吉林省肿瘤医院", "吉林省结核病医院", "吉林省疾病预防控制中心", "吉林省中医药科学院",
        "吉林省血液中心", "吉林省妇幼保健院", "吉林省脑科医院", "吉林省卫生健康监督所",
    )),
    (103, "吉林省公安厅", (
        "吉林省公安厅交通警察总队", "吉林省公安厅高速公路公安局", "吉林警察学院", "吉林省公安厅机关服务中心",
        "吉林省公安物证鉴定中心",
    )),
    (104, "吉林省自然资源厅", (
        "吉林省自然资源厅信息中心", "吉林省国土资源调查规划研究院", "吉林省不动产登记中心", "吉林省地质调查院",
    )),
    (105, "吉林省生态环境厅", ("吉林省生态环境监测中心", "吉林省环境科学研究院", "吉林省生态环境厅信息中心")),
    (106, "吉林省住房和城乡建设厅", ("吉林省建设工程质量安全监督站", "吉林省城乡规划设计研究院")),
    (107, "吉林省交通运输厅", (
        "吉林省公路事业发展中心", "吉林省交通科学研究所", "吉林省道路运输事业发展中心", "吉林省交通运输综合执法局",
    )),
    (108, "吉林省水利厅", ("吉林省水文水资源局", "吉林省水利科学研究院", "吉林省水利水电勘测设计研究院")),
    (109, "吉林省农业农村厅", (
        "吉林省农业技术推广总站", "吉林省动物疫病预防控制中心", "吉林省农业机械化管理中心", "吉林省种子管理总站",
    )),
    (110, "吉林省人力资源和社会保障厅", ("吉林省社会保险事业管理局", "吉林省职业技能鉴定中心", "吉林省技师学院")),
    (111, "吉林省民政厅", ("吉林省民政厅信息中心", "吉林省社会福利院", "吉林省救助管理站")),
    (112, "吉林省文化和旅游厅", (
        "吉林省图书馆", "吉林省博物院", "吉林省艺术研究院", "吉林省文物考古研究所", "吉林省歌舞剧院",
    )),
    (113, "吉林省市场监督管理厅", ("吉林省产品质量监督检验院", "吉林省计量科学研究院", "吉林省标准研究院")),
    (114, "吉林省应急管理厅", ("吉林省应急救援中心", "吉林省安全生产技术服务中心")),
    (115, "吉林省科学技术厅", ("吉林省科学技术信息研究所", "吉林省科学技术馆")),
    (116, "吉林省工业和信息化厅", ("吉林省工业技术研究院", "吉林省中小企业服务中心")),
    (117, "吉林省发展和改革委员会", ("吉林省经济信息中心", "吉林省价格监测中心")),
    (118, "吉林省审计厅", ("吉林省审计厅信息中心",)),
    (119, "吉林省统计局", ("吉林省统计局数据管理中心", "吉林省统计局普查中心")),
    (120, "吉林省林业和草原局", ("吉林省林业科学研究院", "吉林省林业调查规划院", "吉林省森林病虫害防治检疫总站")),
    (121, "吉林省医疗保障局", ("吉林省医疗保障经办局", "吉林省医药集中采购服务中心")),
    (122, "吉林省体育局", ("吉林省体育运动学校", "吉林省冬季运动管理中心", "吉林省体育场馆管理中心")),
    (123, "吉林省司法厅", ("吉林省监狱管理局", "吉林省戒毒管理局", "吉林省法律援助中心")),
    (124, "吉林省退役军人事务厅", ("吉林省荣誉军人康复医院", "吉林省军供站")),
    (125, "吉林省商务厅", ("吉林省商务厅信息中心", "吉林省对外贸易促进中心")),
    (126, "吉林省机关事务管理局", ("吉林省机关事务管理局服务中心", "吉林省公共机构节能中心")),
    (127, "吉林省药品监督管理局", ("吉林省药品检验研究院", "吉林省医疗器械检验研究院")),
    (128, "吉林省档案馆", ()),
)

# Prefecture departments: (department number, name after the prefecture, subordinates after its short name).
PREFECTURE_DEPARTMENTS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (201, "教育局", ("第一中学", "第二中学", "实验中学", "第一实验小学")),
    (202, "卫生健康委员会", ("中心医院", "人民医院", "中医院", "疾病预防控制中心", "妇幼保健院")),
    (203, "公安局", ("公安局交通警察支队",)),
    (204, "自然资源局", ("不动产登记中心",)),
    (205, "生态环境局", ("生态环境监测站",)),
    (206, "住房和城乡建设局", ("住房公积金管理中心",)),
    (207, "交通运输局", ("公路事业发展中心",)),
    (208, "农业农村局", ("农业技术推广中心",)),
    (209, "民政局", ("社会福利院", "救助管理站")),
    (210, "人力资源和社会保障局", ("公共就业服务中心",)),
    (211, "文化广播电视和旅游局", ("图书馆", "博物馆")),
    (212, "市场监督管理局", ("产品质量检验所",)),
)

COUNTY_DEPARTMENTS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (301, "教育局", ("第一中学",)),
    (302, "卫生健康局", ("人民医院",)),
)

FUNCTIONAL_AREA_FINANCE = (("JLGN01", "长白山管委会财政局"), ("JLGN02", "长春新区财政局"), ("JLGN03", "梅河新区财政局"))

CENTERS = (
    (PROVINCE_CODE, "吉林省政府采购中心"),
    ("220100", "长春市政府采购中心"),
    ("220200", "吉林市政府采购中心"),
    ("222400", "延边朝鲜族自治州政府采购中心"),
)

AGENCIES = (
    ("220102", "吉林省华正招标代理有限公司", Size.SMALL),
    ("220104", "长春信诚工程咨询有限公司", Size.MEDIUM),
    ("220202", "吉林市鼎元项目管理有限公司", Size.SMALL),
)

SUPPLIERS = (
    ("220102", "吉林省鼎信科技有限公司", Size.MEDIUM),
    ("220104", "长春华拓电子科技有限公司", Size.SMALL),
    ("220105", "吉林博远信息技术有限公司", Size.SMALL),
    ("220103", "长春恒通办公设备有限公司", Size.SMALL),
    ("220106", "吉林省新元电器有限公司", Size.MEDIUM),
    ("220112", "长春瑞丰家具制造有限公司", Size.MEDIUM),
    ("220202", "吉林市金桥商贸有限公司", Size.MICRO),
    ("220204", "吉林市天成汽车销售服务有限公司", Size.MEDIUM),
    ("220302", "四平宏图印务有限公司", Size.SMALL),
    ("220402", "辽源卓越物业服务有限公司", Size.SMALL),
    ("220502", "通化北辰医疗器械有限公司", Size.SMALL),
    ("220602", "白山长青办公用品有限公司", Size.MICRO),
    ("220702", "松原润达网络工程有限公司", Size.MICRO),
    ("220802", "白城远航信息科技有限公司", Size.MICRO),
    ("222401", "延边海兰江科技有限公司", Size.SMALL),
    ("222401", "延吉华森家具有限公司", Size.SMALL),
    ("220104", "长春一舟软件股份有限公司", Size.LARGE),
    ("220105", "吉林省宏达汽车维修服务有限公司", Size.SMALL),
    ("220102", "吉林省安泰物业管理有限公司", Size.MEDIUM),
    ("220103", "吉林省中联医疗设备有限公司", Size.MEDIUM),
    ("220106", "长春光华仪器设备有限公司", Size.SMALL),
    ("220113", "吉林省松辽电气设备有限公司", Size.LARGE),
    ("220184", "公主岭市永盛商贸有限公司", Size.MICRO),
    ("220581", "梅河口市众诚办公设备有限公司", Size.MICRO),
    ("222404", "珲春市东方国际贸易有限公司", Size.SMALL),
    ("220211", "吉林市江城印刷有限公司", Size.SMALL),
    ("220102", "吉林省龙腾信息产业有限公司", Size.MEDIUM),
    ("220105", "长春润泽环保科技有限公司", Size.SMALL),
    ("220104", "吉林省通达加油服务有限公司", Size.MEDIUM),
    ("220103", "长春市禾丰餐饮管理有限公司", Size.SMALL),
    ("220102", "吉林省雪域会展服务有限公司", Size.MICRO),
    ("220303", "四平市巨丰农机有限公司", Size.SMALL),
    ("220702", "松原市查干湖文化传媒有限公司", Size.MICRO),
    ("222403", "敦化市林海木业有限公司", Size.SMALL),
    ("220104", "吉林省金鼎建设工程有限公司", Size.LARGE),
    ("220102", "长春智谷信息技术有限公司", Size.SMALL),
)

FINANCE_NAME = "吉林省财政厅"
CENTER_NAME = "吉林省政府采购中心"
UNIT_CODE = f"{PROVINCE_CODE}101001"  # 吉林省教育厅 (login "unit")
UNIT2_CODE = f"{PROVINCE_CODE}102001"  # 吉林省卫生健康委员会 (login "unit2", lead unit of the joint project)
SUPPLIER_NAME = "吉林省新元电器有限公司"
AGENCY_NAME = AGENCIES[0][1]  # 吉林省华正招标代理有限公司 (login "agency", entrusted by the volume lead)
# Addresses and contacts the notices print and the contracts carry (实施条例第四十三条、第五十条: names, addresses,
# contacts), keyed by (kind, name) or, for budget units, by unit code. Made up for the demo.
DEMO_CONTACTS = {
    (Kind.CENTER, CENTER_NAME): ("长春市南关区人民大街2766号", "采购中心业务科", "0431-88906123"),
    (Kind.SUPPLIER, SUPPLIER_NAME): ("长春市朝阳区西安大路1888号", "刘经理", "0431-85671234"),
    (Kind.SUPPLIER, "吉林省松辽电气设备有限公司"): ("长春市绿园区青年路1199号", "赵经理", "0431-87652345"),
    UNIT_CODE: ("长春市朝阳区人民大街10号", "王老师", "0431-88905001"),
    UNIT2_CODE: ("长春市朝阳区西民主大街2号", "李处长", "0431-88905002"),
}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def demo_credit_code(name: str, region_code: str) -> str:
    """A valid, stable 统一社会信用代码 (GB 32100-2015): 9 工商 + 1 企业 + region + org code + check."""
    digest = hashlib.sha256(name.encode()).digest()
    organization_code = "MA" + "".join(CREDIT_CODE_ALPHABET[b % len(CREDIT_CODE_ALPHABET)] for b in digest[:7])
    body = f"91{region_code}{organization_code}"
    return body + credit_code_check_char(body)


def budget_unit_code(region_code: str, department: int, serial: int) -> str:
    """单位代码: region (6) + department (3) + serial (3); serial 001 is the department itself (本级)."""
    return f"{region_code}{department:03d}{serial:03d}"


def _county_prefix(county: Region, prefecture: Region) -> str:
    # Districts carry their city's name (长春市南关区); counties and county-level cities stand alone.
    return f"{prefecture.name}{county.name}" if county.name.endswith("区") else county.name


def _prefecture_short(prefecture: Region) -> str:
    return "延边州" if prefecture.name.startswith("延边") else prefecture.name


@dataclass(frozen=True)
class UnitSpec:
    unit_code: str
    name: str
    region_code: str
    supervisor_code: str  # the department's own code for a department


def budget_unit_specs(regions: dict[str, Region]) -> list[UnitSpec]:
    specs: list[UnitSpec] = []

    def department(region_code: str, number: int, name: str, subordinates: Iterable[str]) -> None:
        own = budget_unit_code(region_code, number, 1)
        specs.append(UnitSpec(own, name, region_code, own))
        specs.extend(
            UnitSpec(budget_unit_code(region_code, number, serial), sub, region_code, own)
            for serial, sub in enumerate(subordinates, start=2)
        )

    for number, name, subordinates in PROVINCIAL_DEPARTMENTS:
        department(PROVINCE_CODE, number, name, subordinates)
    for code, _name, counties in PREFECTURES:
        prefecture = regions[code]
        short = _prefecture_short(prefecture)
        for number, suffix, subordinates in PREFECTURE_DEPARTMENTS:
            department(code, number, f"{prefecture.name}{suffix}", (f"{short}{s}" for s in subordinates))
        for county_code, _county_name in counties:
            prefix = _county_prefix(regions[county_code], prefecture)
            for number, suffix, subordinates in COUNTY_DEPARTMENTS:
                department(county_code, number, f"{prefix}{suffix}", (f"{prefix}{s}" for s in subordinates))
    return specs


# --- the service ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organization: str


@dataclass
class DemoResult:
    password: str
    logins: list[DemoLogin] = field(default_factory=list)
    # {Chinese label: (rows now, rows created by this run)}
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def created_total(self) -> int:
        return sum(created for _total, created in self.counts.values())


COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("行政区划", Region),
    ("采购品目", Category),
    ("机构", Organization),
    ("用户", get_user_model()),
    ("用户任职", Membership),
    ("采购项目", Project),
    ("采购包", Lot),
    ("可响应单位", EligibleUnit),
    ("分计划", SubPlan),
    ("中标（成交）结果", Award),
    ("采购合同", Contract),
    ("备案记录", Filing),
)


@transaction.atomic
def demo_seed(*, password: str | None = None) -> DemoResult:
    """Build (or complete) the demo province. Running it again creates nothing new."""
    password = password or demo_password()
    counted = list(COUNTED)
    before = {label: model._default_manager.count() for label, model in counted}

    regions = regions_ensure().regions
    catalog_load()
    if not Category.objects.filter(in_centralized_catalog=True).exists():
        catalog_flag_centralized(entries=DEFAULT_CENTRALIZED_CATALOG)
    orgs = _organizations_ensure(regions)
    users = _users_ensure(orgs, password)
    _projects_ensure(regions, orgs, users)
    extensions = _app_demo_extensions()

    result = DemoResult(password=password, logins=[
        DemoLogin("admin", "系统管理员（超级用户）", "—"),
        DemoLogin("finance", "财政部门经办人", FINANCE_NAME),
        DemoLogin("center", "采购中心经办人（可进入管理后台）", CENTER_NAME),
        DemoLogin("unit", "预算单位经办人", orgs.by_unit_code[UNIT_CODE].name),
        DemoLogin("unit2", "预算单位经办人（带量采购牵头单位）", orgs.by_unit_code[UNIT2_CODE].name),
        DemoLogin("supplier", "供应商经办人", SUPPLIER_NAME),
        DemoLogin("agency", "采购代理机构经办人（带量采购受托）", AGENCY_NAME),
    ])
    # The extensions run first: they add projects, lots and sub-plans of their own to the core's rows.
    extended = [extend(users=users) for extend in extensions]
    for label, model in counted:
        total = model._default_manager.count()
        result.counts[label] = (total, total - before[label])
    for counts in extended:
        for label, (total, created) in counts.items():
            # Two extensions may add to one label (notices publish, and so does a mode): the rows
            # created add up, the later count is the current one.
            result.counts[label] = (total, result.counts.get(label, (0, 0))[1] + created)
    return result


def _app_demo_extensions() -> list:
    """``demo_extend`` of every other installed app's ``demo`` module, like the admin's autodiscovery.

    The core does not import the apps built on it (notices, the modes); each adds its own demo
    rows on top of the core's and returns ``{label: (rows now, rows created)}`` for its own models
    (the core's labels are counted after every extension has run). They run in INSTALLED_APPS order.
    """
    found = []
    for config in django_apps.get_app_configs():
        if config.name != "procurement" and module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if hasattr(module, "demo_extend"):
                found.append(module.demo_extend)
    return found


# --- what an app's demo_extend shares: its counts, the messages it leaves unread ---------------------------

class DemoCounts:
    """The rows of an app's demo tables (``(label, model)`` pairs) before its ``demo_extend`` runs;
    ``created()`` is the ``{label: (rows now, rows created)}`` that ``demo_extend`` returns."""

    def __init__(self, counted: Iterable[tuple[str, type[models.Model]]]) -> None:
        self.counted = tuple(counted)
        self.before = {label: model._default_manager.count() for label, model in self.counted}

    def created(self) -> dict[str, tuple[int, int]]:
        counts = {}
        for label, model in self.counted:
            total = model._default_manager.count()
            counts[label] = (total, total - self.before[label])
        return counts


def reminders_about(*subjects: models.Model | None) -> Q:
    """The messages sent about ``subjects`` (their reminders' subject), for ``past_messages_read`` to leave unread."""
    keep = Q(pk__in=[])
    for subject in subjects:
        if subject is not None:
            keep |= Q(reminder__subject_type=subject_type_of(subject), reminder__subject_id=subject.pk)
    return keep


def past_messages_read(*, since, keep: Q) -> None:
    """The messages a demo seed sent since ``since`` tell of things long done: marked read, except ``keep`` (what a
    demo login still has to act on)."""
    Notification.objects.filter(created_at__gte=since, read_at__isnull=True).exclude(keep).update(
        read_at=timezone.now())


# --- organizations ----------------------------------------------------------------------------

@dataclass
class DemoOrganizations:
    by_unit_code: dict[str, Organization]
    by_name: dict[tuple[str, str], Organization]  # (kind, name) → organization

    def get(self, kind: str, name: str) -> Organization:
        return self.by_name[(kind, name)]


def _organizations_ensure(regions: dict[str, Region]) -> DemoOrganizations:
    named: list[dict] = [{"kind": Kind.FINANCE, "name": FINANCE_NAME, "region": regions[PROVINCE_CODE]}]
    for code, name, counties in PREFECTURES:
        prefecture = regions[code]
        named.append({"kind": Kind.FINANCE, "name": f"{name}财政局", "region": prefecture})
        for county_code, _county_name in counties:
            prefix = _county_prefix(regions[county_code], prefecture)
            named.append({"kind": Kind.FINANCE, "name": f"{prefix}财政局", "region": regions[county_code]})
    named += [{"kind": Kind.FINANCE, "name": name, "region": regions[code]} for code, name in FUNCTIONAL_AREA_FINANCE]
    named += [{"kind": Kind.CENTER, "name": name, "region": regions[code]} for code, name in CENTERS]
    named += [
        {"kind": Kind.AGENCY, "name": name, "region": regions[code], "sme_size": size,
         "credit_code": demo_credit_code(name, code)}
        for code, name, size in AGENCIES
    ]
    named += [
        {"kind": Kind.SUPPLIER, "name": name, "region": regions[code], "sme_size": size,
         "credit_code": demo_credit_code(name, code)}
        for code, name, size in SUPPLIERS
    ]
    by_name = _named_organizations_ensure(named)
    by_unit_code = _budget_units_ensure(budget_unit_specs(regions), regions)
    for key, (address, person, phone) in DEMO_CONTACTS.items():
        org = by_unit_code.get(key) if isinstance(key, str) else by_name.get(key)
        if org is not None and not org.address:
            Organization.objects.filter(pk=org.pk).update(address=address, contact_person=person, contact_phone=phone)
            org.address, org.contact_person, org.contact_phone = address, person, phone
    return DemoOrganizations(by_unit_code=by_unit_code, by_name=by_name)


def _named_organizations_ensure(specs: list[dict]) -> dict[tuple[str, str], Organization]:
    """Finance bureaus and centers are keyed by (kind, name); agencies and suppliers by credit code."""
    existing: dict[tuple[str, str], Organization] = {}
    wanted_credit = [s["credit_code"] for s in specs if s.get("credit_code")]
    for org in Organization.objects.filter(
        Q(kind__in=[Kind.FINANCE, Kind.CENTER], name__in=[s["name"] for s in specs]) | Q(credit_code__in=wanted_credit)
    ):
        existing[(org.kind, org.credit_code or org.name)] = org
    missing, stale = [], []
    for spec in specs:
        org = existing.get((spec["kind"], spec.get("credit_code") or spec["name"]))
        if org is None:
            missing.append(Organization(**spec))
        elif org.name != spec["name"] or org.region_id != spec["region"].pk:
            org.name, org.region = spec["name"], spec["region"]
            stale.append(org)
    Organization.objects.bulk_create(missing)
    if stale:
        Organization.objects.bulk_update(stale, ["name", "region"])
    found = Organization.objects.filter(
        Q(kind__in=[Kind.FINANCE, Kind.CENTER], name__in=[s["name"] for s in specs]) | Q(credit_code__in=wanted_credit)
    )
    return {(org.kind, org.name): org for org in found}


def _budget_units_ensure(specs: list[UnitSpec], regions: dict[str, Region]) -> dict[str, Organization]:
    codes = [s.unit_code for s in specs]
    existing = {o.unit_code: o for o in Organization.objects.filter(unit_code__in=codes)}
    Organization.objects.bulk_create([
        Organization(kind=Kind.BUDGET_UNIT, name=s.name, region=regions[s.region_code], unit_code=s.unit_code)
        for s in specs if s.unit_code not in existing
    ], batch_size=500)
    units = {o.unit_code: o for o in Organization.objects.filter(unit_code__in=codes)}
    stale = []
    for spec in specs:
        unit, supervisor = units[spec.unit_code], units[spec.supervisor_code]
        wanted = {"name": spec.name, "region_id": regions[spec.region_code].pk, "supervising_unit_id": supervisor.pk}
        if any(getattr(unit, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(unit, key, value)
            stale.append(unit)
    if stale:
        Organization.objects.bulk_update(stale, ["name", "region", "supervising_unit"], batch_size=500)
    return units


# --- users --------------------------------------------------------------------------------------

CENTER_GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # app_label.model: actions. State changes go through services, so no status is editable here.
    "procurement.project": ("view", "add", "change"),
    "procurement.lot": ("view", "add", "change", "delete"),
    "procurement.eligibleunit": ("view", "add", "change", "delete"),
    "procurement.subplan": ("view",),
    "procurement.fundingline": ("view",),
    "procurement.award": ("view",),  # awards are recorded through lot_award (its rules)
    "procurement.contract": ("view",),
    "procurement.filing": ("view",),
    "procurement.projectevent": ("view",),
    "procurement.projectdocument": ("view", "add", "change", "delete"),
    "procurement.organization": ("view",),
    "procurement.region": ("view",),
    "procurement.category": ("view",),
    "procurement.calendarday": ("view",),
    "procurement.calendaryear": ("view",),
    "procurement.outboundmail": ("view", "resend"),  # its own organization's mails (access.visible_outbound_mails)
    "notices.notice": ("view", "add", "change"),
    "batch.tasknotice": ("view", "change"),
    "batch.configurationtable": ("view", "add", "change"),
    "batch.configurationtype": ("view", "add", "change", "delete"),
    "batch.batchproject": ("view",),  # its actions and 延长需求响应截止时间 call the services; the page only shows
    "batch.batchdetails": ("view", "change"),
    "batch.batchlot": ("view",),
    "batch.arrangement": ("view",),
    "batch.arrangementline": ("view",),
    "batch.categoryproposal": ("view",),  # proposed and decided on the portal's pages
    "batch.proposedcategory": ("view",),
    # 框架协议采购: looked up only; every write goes through framework.services (the admin is read only).
    **{f"framework.{model}": ("view",) for model in (
        "frameworkplan", "surveyparticipant", "planreview", "frameworklot", "solicitationresponse", "agreement",
        "removal", "productlisting", "frameworkdetails", "joinrequest", "supplement", "order", "orderbid")},
}


def center_group_ensure() -> Group:
    """The group that lets a center operator use the admin (its rows are still scoped by access.py)."""
    group, _ = Group.objects.get_or_create(name=CENTER_GROUP_NAME)
    wanted = Q(pk__in=[])
    for model_path, actions in CENTER_GROUP_PERMISSIONS.items():
        app_label, model = model_path.split(".")
        wanted |= Q(content_type__app_label=app_label, content_type__model=model,
                    codename__in=[f"{action}_{model}" for action in actions])
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def _users_ensure(orgs: DemoOrganizations, password: str) -> dict[str, models.Model]:
    User = get_user_model()
    people = (
        # username, full name, staff, superuser, organization
        ("admin", "系统管理员", True, True, None),
        ("finance", "财政厅经办人", False, False, orgs.get(Kind.FINANCE, FINANCE_NAME)),
        ("center", "采购中心经办人", True, False, orgs.get(Kind.CENTER, CENTER_NAME)),
        ("unit", "教育厅经办人", False, False, orgs.by_unit_code[UNIT_CODE]),
        ("unit2", "卫健委经办人", False, False, orgs.by_unit_code[UNIT2_CODE]),
        ("supplier", "供应商经办人", False, False, orgs.get(Kind.SUPPLIER, SUPPLIER_NAME)),
        ("agency", "代理机构经办人", False, False, orgs.get(Kind.AGENCY, AGENCY_NAME)),
    )
    group = center_group_ensure()
    users = {}
    for username, full_name, staff, superuser, organization in people:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name = full_name
        user.email = f"{username}@demo.ccgp-jilin.gov.cn"
        user.is_staff, user.is_superuser, user.is_active = staff, superuser, True
        # Reset every run so that the printed password always works.
        user.set_password(password)
        user.save()
        if organization is not None:
            Membership.objects.update_or_create(user=user, organization=organization,
                                                defaults={"role": Membership.Role.OPERATOR, "is_active": True})
        users[username] = user
    users["center"].groups.add(group)
    return users


# --- projects ----------------------------------------------------------------------------------

# The batch project collecting sub-plans is opened through the batch services by batch/demo.py (it
# needs the mode's task notice and configuration table); the awarded one lies in the past and is built here.
# A demo project is found again by its mode and title; its code is numbered when it is made.
BATCH_AWARDED_TITLE = f"{DEMO_YEAR}年省直单位空调机批量集中采购（第一批）"
FRAMEWORK_DRAFT_TITLE = f"省直单位车辆维修和保养服务框架协议采购（{DEMO_YEAR}—{DEMO_YEAR + 1}年度）"


def demo_project(mode: str, title: str) -> Project | None:
    return Project.objects.filter(mode=mode, title=title).order_by("pk").first()


def batch_awarded_project() -> Project | None:
    """The awarded air-conditioner batch project of the demo (None before the seed has run)."""
    return demo_project(Mode.BATCH, BATCH_AWARDED_TITLE)


def _category(code: str) -> Category:
    return Category.objects.get(code=code)


def _project_create(*, opened_at, **fields) -> tuple[Project, bool]:
    """The demo project of this mode and title; created (with ``fields``) only if missing, numbered as
    every project is (procurement.numbering), for the year it was opened in."""
    found = demo_project(fields["mode"], fields["title"])
    if found is not None:
        return found, False
    project = project_create_numbered(opened_at=opened_at, year=DEMO_YEAR, **fields)
    event_record(subject=project, action="demo_seed", action_label="生成演示数据", actor=fields.get("created_by"),
                 note="由 seed_demo 命令生成的演示项目")
    return project, True


def _lots_create(project: Project, lots: Iterable[tuple[str, str, str, str | None]], category: Category) -> list[Lot]:
    return Lot.objects.bulk_create([
        Lot(project=project, number=number, name=name, category=category, specification=spec, unit_of_measure=uom,
            reference_price_yuan=Decimal(price) if price else None)
        for number, (name, spec, uom, price) in enumerate(lots, start=1)
    ])


def _sub_plan_create(*, lot: Lot, unit: Organization, quantity: int, status: str, submitted_at) -> SubPlan:
    price = lot.reference_price_yuan or Decimal("10000")
    budget = price * quantity
    sub_plan = SubPlan.objects.create(
        project=lot.project, lot=lot, unit=unit, quantity=Decimal(quantity), budget_yuan=budget,
        contact_name="张老师", contact_phone="0431-8888" + f"{unit.pk % 10000:04d}", status=status,
        submitted_at=submitted_at, revision=1,
    )
    FundingLine.objects.create(sub_plan=sub_plan, source=FundingLine.Source.GENERAL_BUDGET, amount_yuan=budget,
                               budget_index_code=f"{DEMO_YEAR}-{unit.unit_code}-01")
    return sub_plan


def _projects_ensure(regions: dict[str, Region], orgs: DemoOrganizations, users: dict) -> None:
    now = timezone.now()
    today = timezone.localdate()
    province = regions[PROVINCE_CODE]
    center = orgs.get(Kind.CENTER, CENTER_NAME)
    finance = orgs.get(Kind.FINANCE, FINANCE_NAME)
    unit, unit2 = orgs.by_unit_code[UNIT_CODE], orgs.by_unit_code[UNIT2_CODE]
    provincial_units = sorted(
        (o for o in orgs.by_unit_code.values() if o.region_id == province.pk), key=lambda o: o.unit_code
    )
    others = [o for o in provincial_units if o.pk not in (unit.pk, unit2.pk)]

    # 1. Batch project awarded (已定标), per-unit contracts signed by each buyer (统采分签).
    opened_at = now - timedelta(days=75)
    project, created = _project_create(
        opened_at=opened_at, mode=Mode.BATCH, organizer=center, created_by=users["center"],
        title=BATCH_AWARDED_TITLE,
        category=_category("A02061804"), scope_region=province, scope_note="省直各预算单位",
        procurement_method=ProcurementMethod.OPEN_TENDER,
        response_opens_at=opened_at, response_deadline=now - timedelta(days=60),
        status=Project.Status.AWARDED,
    )
    if created:
        _awarded_project_fill(project, orgs, unit=unit, unit2=unit2, others=others, finance=finance, today=today)

    # 2. The framework projects (框架协议采购), the draft plan FRAMEWORK_DRAFT_TITLE among them, are
    # framework/demo.py's, made through its services.
    # 3. The joint volume projects (统采分签), one at each stage, are volume/demo.py's, made through its services.


def _awarded_project_fill(project: Project, orgs: DemoOrganizations, *, unit: Organization, unit2: Organization,
                          others: list[Organization], finance: Organization, today) -> None:
    lots = _lots_create(project, (
        ("壁挂式空调机（1.5匹，一级能效）", "变频；制冷量不低于3500W；能效等级一级", "台", "3800"),
        ("柜式空调机（3匹，一级能效）", "变频；制冷量不低于7200W；能效等级一级", "台", "8600"),
    ), project.category)
    buyers = [unit, unit2, *others[5::15][:5]]
    eligible = {o.pk: o for o in [*buyers, *others[:6]]}.values()
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=o) for o in eligible])
    frozen_at = timezone.now() - timedelta(days=62)
    quantities = (20, 6, 12, 4, 30, 8, 15)
    sub_plans = [
        _sub_plan_create(lot=lots[index % 2], unit=buyer, quantity=quantities[index],
                         status=SubPlan.Status.FROZEN, submitted_at=frozen_at - timedelta(days=index))
        for index, buyer in enumerate(buyers)
    ]
    awarded_on = today - timedelta(days=20)
    winners = (orgs.get(Kind.SUPPLIER, SUPPLIER_NAME), orgs.get(Kind.SUPPLIER, "吉林省松辽电气设备有限公司"))
    awards = {
        lot.pk: Award.objects.create(project=project, lot=lot, supplier=winner, awarded_on=awarded_on,
                                     unit_price_yuan=(Decimal("3450"), Decimal("7980"))[index],
                                     notice_published_at=timezone.now() - timedelta(days=19))
        for index, (lot, winner) in enumerate(zip(lots, winners, strict=True))
    }
    # unit: signed three days ago; unit2: still a draft; the others walk further along the chain.
    plan = [
        (Contract.Status.SIGNED, 3), (Contract.Status.DRAFT, None), (Contract.Status.PUBLISHED, 10),
        (Contract.Status.FILED, 14), (Contract.Status.ACCEPTED, 16), (Contract.Status.PAID, 18),
        (Contract.Status.SIGNED, 15),  # signed long ago and not yet published: an overdue example
    ]
    order = [Contract.Status.SIGNED, Contract.Status.PUBLISHED, Contract.Status.FILED, Contract.Status.ACCEPTED,
             Contract.Status.PAID]
    for index, (sub_plan, (status, signed_days_ago)) in enumerate(zip(sub_plans, plan, strict=True), start=1):
        award = awards[sub_plan.lot_id]
        amount = award.unit_price_yuan * sub_plan.quantity
        fields: dict = {}
        if signed_days_ago is not None:
            signed_on = today - timedelta(days=signed_days_ago)
            reached = order.index(status)
            fields = {
                "signed_on": signed_on,
                "publish_due": deadlines.due_date(signed_on, deadlines.CONTRACT_PUBLICATION),
                "filing_due": deadlines.due_date(signed_on, deadlines.CONTRACT_FILING),
                "published_on": signed_on + timedelta(days=1) if reached >= 1 else None,
                "filed_on": signed_on + timedelta(days=3) if reached >= 2 else None,
                "accepted_on": signed_on + timedelta(days=10) if reached >= 3 else None,
                "acceptance_note": "货物数量、型号与合同一致，安装调试合格。" if reached >= 3 else "",
                "paid_on": signed_on + timedelta(days=14) if reached >= 4 else None,
                "paid_amount_yuan": amount if reached >= 4 else None,
            }
        lot = sub_plan.lot
        contract = contracts_draft_create(drafts=[ContractDraft(
            code=contract_code(project_code=project.code, number=index),
            title=f"{sub_plan.unit.name}{lot.name}采购合同", project=project, award=award, buyer=sub_plan.unit,
            supplier=award.supplier,
            lines=[ContractLineDraft(description=lot.name, quantity=sub_plan.quantity,
                                     unit_price_yuan=award.unit_price_yuan, unit_of_measure=lot.unit_of_measure,
                                     lot=lot, award=award, sub_plan=sub_plan)],
        )])[0]
        # The demo sets the state the contract has reached directly, with the dates of each step.
        Contract.objects.filter(pk=contract.pk).update(status=status, **fields)
        contract.refresh_from_db()
        # Pending deadlines are swept like those of any contract signed through the services.
        Contract.objects.filter(pk=contract.pk).update(next_check=contract_next_check(contract))
        if contract.filed_on:
            filing = Filing.objects.create(
                kind=Filing.Kind.CONTRACT, project=project, subject_type="contract", subject_id=contract.pk,
                filed_by=contract.buyer,
                finance_bureau=finance, status=Filing.Status.ACCEPTED, external_ref=f"BA{DEMO_YEAR}{contract.pk:06d}",
                payload={"contract_code": contract.code, "amount_yuan": str(amount)})
            # Filed on the day the contract says, not on the day the demo was made.
            Filing.objects.filter(pk=filing.pk).update(
                filed_at=deadlines.start_of_day(contract.filed_on) + timedelta(hours=10))
    filing = Filing.objects.create(
        kind=Filing.Kind.AWARD, project=project, subject_type="project", subject_id=project.pk,
        filed_by=project.organizer, finance_bureau=finance,
        status=Filing.Status.ACCEPTED, external_ref=f"JG{DEMO_YEAR}{project.pk:06d}",
        payload={"project_code": project.code, "lots": len(lots)})
    Filing.objects.filter(pk=filing.pk).update(
        filed_at=deadlines.start_of_day(awarded_on + timedelta(days=1)) + timedelta(hours=10))

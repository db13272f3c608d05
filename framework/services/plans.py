"""框架协议采购方案 (seed 000 三(二)(2)–(3), annex 8): the center writes the plan, finance reviews it, the center
files it.

The center opens a framework project (项目, mode framework, method 框架协议公开征集) with its draft plan, from an
acknowledged framework task notice (annex 7: category, limit, scope and validity copied) or without one. It edits
the thirteen sections while the plan is a draft or returned (退回修改); it submits it to the finance bureau of its
own level (provincial finance for the provincial center), which approves it or returns it with its opinion; each
resubmission after a return is the next version, and every review keeps the version it read (``PlanReview.snapshot``).
The approved plan is filed (备案, seed 三(二)(3)): the core's ``Filing`` of kind FRAMEWORK_PLAN.

Submitting checks every rule of annex 8 at once (``plan_problems``) and refuses with all of them, each naming its
section:

- §二 legal ground: one situation of Order 110 Art. 3, chosen and stated;
- §四 type: 封闭式 or 开放式;
- §五 validity: goods at most 1 year, services at most 2, counted as the law counts periods
  (``framework.rules.validity_check``), the kind from the lots' category codes (``framework.rules.subject_kind_of``);
- §六 demand survey: at least 3 purchasers and 3 suppliers, each named;
- §七 lots: at least one, each at the lowest catalog level with its maximum unit price and how it was set;
- §八 质量优先法 only where ``framework.rules.quality_priority_allowed``;
- §九 elimination rate at least ``framework.rules.min_elimination_percent``;
- §十 second-stage method with its rules (rotation: how the order is fixed; secondary bidding: the response time and
  the tie-break) and the shortlist's tie-break;
- §十二 policies: the SME or green measures stated; a closed agreement's small and micro enterprise price deduction
  between 10% and 20% (``framework.rules.small_micro_deduction_check``; 财库〔2022〕17号 五);
- annex 8 note 1: an open agreement carries none of §八–§十一 nor the deduction (it has no evaluation), and states
  the period in which the center reviews a request to join.

The project itself is opened with the core's numbering (``project_create_numbered``) and stays a draft: a framework
solicitation opens no demand collection (no eligible units, no response window), so the core's ``project_open``
(which opens one) is not called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from framework import rules
from framework.models import (
    AgreementType,
    EvaluationMethod,
    FrameworkLot,
    FrameworkPlan,
    FrameworkProject,
    LegalGround,
    PlanReview,
    RotationOrderRule,
    SecondStageMethod,
    SurveyParticipant,
    TieBreakRule,
)
from framework.selectors import tasks as task_selectors
from procurement import access
from procurement.models import Category, Filing, Lot, Mode, Organization, ProcurementMethod, Project, TaskNotice
from procurement.numbering import project_create_numbered
from procurement.selectors.tasks import scope_text
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record, subject_type_of
from procurement.services.reminders import organization_notify
from procurement.services.transitions import transition_run

Status = FrameworkPlan.Status
Decision = PlanReview.Decision
EDITABLE = (Status.DRAFT, Status.RETURNED)
TITLE_MAX = 200
TEXT_MAX = 4000
NAME_MAX = SurveyParticipant._meta.get_field("name").max_length
MIN_SURVEYED = 3  # annex 8 §六(一): 调查对象一般各不少于3个
YEAR_MIN, YEAR_MAX = 2000, 2100

# The audit actions of the center's edits (declared in FrameworkPlugin.event_actions, plans section).
SECTION_SAVE = "framework_plan_section_save"
PARTICIPANT_ADD = "framework_plan_participant_add"
PARTICIPANT_REMOVE = "framework_plan_participant_remove"
LOT_ADD = "framework_plan_lot_add"
LOT_UPDATE = "framework_plan_lot_update"
LOT_REMOVE = "framework_plan_lot_remove"


class PlanIncomplete(ServiceError):
    """Submitting refused: every broken rule at once (``problems``), each naming its section of annex 8."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems), field=None)
        self.problems = problems


# --- the sections ---------------------------------------------------------------------------------------------
# Which plan fields each section's form writes. §七–§九 per lot are FrameworkLot; §六's participants are rows.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "s1": ("一、征集人基本情况", ("collector_nature", "collector_address", "collector_contact")),
    "s2": ("二、采购项目概况", ("content", "legal_ground", "legal_ground_statement")),
    "s3": ("三、适用主体范围", ("user_scope",)),
    "s4": ("四、框架协议采购类型", ("agreement_type", "join_review_working_days")),
    "s5": ("五、框架协议有效期", ("valid_from", "valid_until")),
    "s6": ("六、需求管理情况", ("survey_methods", "requirements")),
    "s7": ("七、定价机制", ("pricing_note",)),
    "s10": ("十、确定第二阶段成交供应商的方法", ("second_stage_method", "second_stage_rules", "rotation_order_rule",
                                              "bidding_response_hours", "bidding_tie_break", "shortlist_tie_break")),
    "s11": ("十一、入围供应商清退和补充规则", ("removal_rules", "supplement_rules")),
    "s12": ("十二、落实政府采购政策", ("sme_measures", "green_measures", "small_micro_deduction_percent")),
    "s13": ("十三、其他事项", ("other_matters", "supplier_ceiling_yuan")),
}
# Annex 8 note 1: 开放式框架协议项目不涉及第八至第十一项目内容 (§八–§九 are per lot).
CLOSED_ONLY_SECTIONS = ("s10", "s11")
CLOSED_ONLY_FIELDS = SECTIONS["s10"][1] + SECTIONS["s11"][1]
CLOSED_ONLY_LOT_FIELDS = ("evaluation_method", "elimination_rate_percent")
# Fields of other sections that only an evaluation uses: an open agreement has none (annex 8 note 1), so its form
# does not ask for them and the server keeps none (§十二's small and micro enterprise deduction, 财库〔2022〕17号 五).
EVALUATION_ONLY_FIELDS = ("small_micro_deduction_percent",)
CHOICES = {
    "legal_ground": LegalGround, "agreement_type": AgreementType, "second_stage_method": SecondStageMethod,
    "rotation_order_rule": RotationOrderRule, "bidding_tie_break": TieBreakRule, "shortlist_tie_break": TieBreakRule,
}
DATES = ("valid_from", "valid_until")
COUNTS = ("join_review_working_days", "bidding_response_hours", "small_micro_deduction_percent")
AMOUNTS = ("supplier_ceiling_yuan",)


def _label(name: str) -> str:
    return str(FrameworkPlan._meta.get_field(name).verbose_name)


def section_fields(section: str, *, is_open: bool) -> tuple[str, ...]:
    """The fields of ``section`` a plan of its type carries: an open agreement's leave out those only an evaluation
    uses (``EVALUATION_ONLY_FIELDS``, annex 8 note 1)."""
    names = SECTIONS[section][1]
    return tuple(n for n in names if n not in EVALUATION_ONLY_FIELDS) if is_open else names


def _emptied(name: str):
    return None if FrameworkPlan._meta.get_field(name).null else ""


# --- checks ------------------------------------------------------------------------------------------------

def finance_bureau_for(center: Organization) -> Organization | None:
    """The finance bureau of the center's own level and region (provincial finance for the provincial center,
    seed 三(二)(2): 报省财政厅审核), which reviews the plan and receives its filing."""
    return (Organization.objects.filter(kind=Organization.Kind.FINANCE, region_id=center.region_id, is_active=True)
            .order_by("pk").first())


def _acts_for_center(actor, center: Organization) -> None:
    if not (access.is_privileged(actor) or access.acts_for(actor, center.pk)):
        raise PermissionDenied(f"您不是{center.name}的经办人员，不能办理其框架协议采购方案")


def _locked(plan: FrameworkPlan) -> FrameworkPlan:
    return (FrameworkPlan.objects.select_for_update(of=("self",))
            .select_related("project__organizer__region", "project__category").get(pk=plan.pk))


def _editable(plan: FrameworkPlan) -> None:
    if plan.status not in EDITABLE:
        raise TransitionRefused(f"采购方案当前状态为「{plan.get_status_display()}」，只有草稿或退回修改的方案可以修改")


def _text(value, *, label: str, field: str, limit: int = TEXT_MAX, required: bool = False) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ServiceError(f"{label}不能超过{limit}个字（现有{len(text)}字）", field=field)
    return text


def _decimal(value, *, label: str, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ServiceError(f"{label}「{value}」不是有效数字", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise ServiceError(f"{label}不能为负数", field=field)
    return amount.quantize(Decimal("0.01"))


def _date(value, *, label: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ServiceError(f"{label}「{value}」不是有效日期", field=field) from None


def _count(value, *, label: str, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ServiceError(f"{label}「{value}」不是有效整数", field=field) from None
    if number < 0 or number > 32767:
        raise ServiceError(f"{label}须在0至32767之间", field=field)
    return number


def _choice(value, *, name: str) -> str:
    text = (value or "").strip()
    if text and text not in CHOICES[name].values:
        raise ServiceError(f"{_label(name)}「{text}」不是可选的值", field=name)
    return text


def _clean(name: str, value):
    label = _label(name)
    if name in CHOICES:
        return _choice(value, name=name)
    if name in DATES:
        return _date(value, label=label, field=name)
    if name in COUNTS:
        return _count(value, label=label, field=name)
    if name in AMOUNTS:
        return _decimal(value, label=label, field=name)
    limit = FrameworkPlan._meta.get_field(name).max_length or TEXT_MAX
    return _text(value, label=label, field=name, limit=limit)


def _detail_url(plan: FrameworkPlan) -> str:
    return reverse("framework:plan-detail", args=[plan.pk])


# --- reads the services and the pages share ------------------------------------------------------------------

def plan_lots(plan: FrameworkPlan) -> list[Lot]:
    """The plan's lots (§七) with their FrameworkLot and category, in number order."""
    return list(Lot.objects.filter(project_id=plan.project_id).select_related("category", "framework")
                .order_by("number"))


def plan_subject_kind(plan: FrameworkPlan, lots: list[Lot] | None = None) -> str | None:
    """货物 or 服务 (annex 8 §五): from the lots' category codes, else the project's category; None when unknown
    or mixed."""
    lots = plan_lots(plan) if lots is None else lots
    codes = [lot.category.code for lot in lots if lot.category_id]
    if not codes and plan.project.category_id:
        codes = [plan.project.category.code]
    kinds = {rules.subject_kind_of(code) for code in codes}
    return kinds.pop() if len(kinds) == 1 else None


def acknowledged_tasks(center_ids) -> list[TaskNotice]:
    """The framework task notices (annex 7) the centers have acknowledged and no plan uses yet: what a plan may
    be opened from (the one rule: ``framework.selectors.tasks.acknowledged_tasks``)."""
    return list(task_selectors.acknowledged_tasks(list(center_ids)))


# --- opening the project and its plan ---------------------------------------------------------------------------

@transaction.atomic
def plan_create(*, center: Organization, title: str, task: TaskNotice | None = None, year: int | None = None,
                actor) -> FrameworkPlan:
    """立项并编制框架协议采购方案: a framework project of ``center`` (numbered JLKJ-…, method 框架协议公开征集) and its
    draft plan. From an acknowledged framework task notice, the category, the limit (小额零星), the scope and the
    validity are copied into the project and the plan (seed 三(二)(1)–(2))."""
    center = Organization.objects.select_related("region").get(pk=center.pk)
    _acts_for_center(actor, center)
    if center.kind != Organization.Kind.CENTER or not center.is_active:
        raise ServiceError(f"「{center.name}」不是启用的集中采购机构，不能编制框架协议采购方案", field="center")
    title = _text(title, label="项目名称", field="title", limit=TITLE_MAX, required=True)
    if task is not None:
        task = (TaskNotice.objects.select_for_update(of=("self",)).select_related("category", "finance_bureau__region")
                .get(pk=task.pk))
        if task.mode != Mode.FRAMEWORK:
            raise ServiceError("所选任务通知单不是框架协议采购任务通知单", field="task")
        if task.center_id != center.pk:
            raise ServiceError(f"所选任务通知单下达给其他集中采购机构，不是{center.name}的任务", field="task")
        if task.status != TaskNotice.Status.ACKNOWLEDGED:
            raise ServiceError(f"任务通知单当前状态为「{task.get_status_display()}」，签收后才能据此编制采购方案",
                               field="task")
        if not task_selectors.acknowledged_tasks(center).filter(pk=task.pk).exists():
            raise ServiceError("该任务通知单已编制采购方案，不能重复编制", field="task")
    if year is None:
        year = task.year if task is not None else timezone.localdate().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError("年度无效", field="year") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ServiceError(f"年度须在{YEAR_MIN}至{YEAR_MAX}之间", field="year")

    scope = scope_text(task) if task is not None else ""
    project = project_create_numbered(
        model=FrameworkProject, mode=Mode.FRAMEWORK, title=title, year=year, organizer_id=center.pk,
        category_id=task.category_id if task else None, scope_region=center.region, scope_note=scope[:255],
        purchase_limit_yuan=task.purchase_limit_yuan if task else None,
        description=(task.purchase_limit if task else ""),
        procurement_method=ProcurementMethod.FRAMEWORK_SOLICITATION,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    kind = rules.subject_kind_of(task.category.code) if task else None
    plan = FrameworkPlan.objects.create(
        project=project, task=task, collector_nature="集中采购机构", collector_address=center.address,
        collector_contact="　".join(p for p in (center.contact_person, center.contact_phone) if p),
        content=(f"{task.category.name}（{task.category.code}）：{task.purchase_limit}" if task else ""),
        legal_ground=LegalGround.CATALOG_SMALL if task and task.category.in_centralized_catalog else "",
        user_scope=(f"{scope}各级预算单位" if scope else ""), subject_kind=kind or "",
        valid_from=task.valid_from if task else None, valid_until=task.valid_until if task else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(subject=project, action="create", action_label="立项", actor=actor, changes={
        "plan_id": plan.pk, "task_id": task.pk if task else None, "title": title, "year": year,
        "procurement_method": ProcurementMethod.FRAMEWORK_SOLICITATION,
    })
    return plan


# --- editing the sections -------------------------------------------------------------------------------------

@transaction.atomic
def plan_section_save(*, plan: FrameworkPlan, section: str, values: dict, actor) -> FrameworkPlan:
    """Save one section's fields (``SECTIONS``). Only a draft or returned plan changes. An open agreement has no
    §八–§十一 and no evaluation (annex 8 note 1): those sections are refused, §十二's small and micro enterprise
    deduction is ignored, and turning a plan open empties them (with §八–§九 of every lot)."""
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    if section not in SECTIONS:
        raise ServiceError("不存在的方案章节", field="section")
    heading = SECTIONS[section][0]
    names = section_fields(section, is_open=locked.is_open)
    if section in CLOSED_ONLY_SECTIONS and locked.is_open:
        raise ServiceError(f"开放式框架协议不涉及第八至第十一项内容（附件8注1），不能填写「{heading}」",
                           field="section")
    cleaned = {name: _clean(name, values.get(name)) for name in names}
    if section == "s4" and not cleaned["agreement_type"]:
        raise ServiceError("请选择框架协议采购类型：封闭式或开放式（附件8第四部分）", field="agreement_type")
    before = {name: getattr(locked, name) for name in names}
    for name, value in cleaned.items():
        setattr(locked, name, value)
    cleared: list[str] = []
    if locked.is_open:
        emptied = CLOSED_ONLY_FIELDS + EVALUATION_ONLY_FIELDS if section == "s4" else EVALUATION_ONLY_FIELDS
        for name in emptied:
            if getattr(locked, name) not in ("", None):
                cleared.append(name)
                setattr(locked, name, _emptied(name))
    if section == "s4" and locked.agreement_type == AgreementType.OPEN:
        lots = FrameworkLot.objects.filter(lot__project_id=locked.project_id)
        if lots.exclude(evaluation_method="", elimination_rate_percent=None).exists():
            cleared += list(CLOSED_ONLY_LOT_FIELDS)
            lots.update(evaluation_method="", elimination_rate_percent=None)
    if section == "s4" and locked.agreement_type == AgreementType.CLOSED:
        locked.join_review_working_days = None
    locked.subject_kind = plan_subject_kind(locked) or locked.subject_kind
    locked.save()
    event_record(subject=locked, action=SECTION_SAVE, action_label=f"修改方案{heading}", actor=actor, changes={
        "section": section, "before": {k: _json(v) for k, v in before.items()},
        "after": {k: _json(v) for k, v in cleaned.items()}, "cleared": cleared})
    return locked


def _json(value):
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


# §六: the survey participants

@transaction.atomic
def participant_add(*, plan: FrameworkPlan, kind: str, name: str, opinion: str = "",
                    organization: Organization | None = None, actor) -> SurveyParticipant:
    """Name one party consulted in the demand survey (annex 8 §六(一)): a purchaser, a supplier or an expert."""
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    if kind not in SurveyParticipant.Kind.values:
        raise ServiceError("请选择调查对象类别：采购人、供应商或专家（附件8第六部分）", field="kind")
    name = _text(name, label="调查对象名称", field="name", limit=NAME_MAX, required=True)
    opinion = _text(opinion, label="意见摘要", field="opinion")
    if locked.survey_participants.filter(kind=kind, name=name).exists():
        raise ServiceError(f"{SurveyParticipant.Kind(kind).label}「{name}」已在调查对象中", field="name")
    participant = SurveyParticipant.objects.create(plan=locked, kind=kind, name=name, opinion=opinion,
                                                   organization=organization)
    event_record(subject=locked, action=PARTICIPANT_ADD, action_label="增加需求调查对象", actor=actor,
                 changes={"kind": kind, "name": name})
    return participant


@transaction.atomic
def participant_remove(*, participant: SurveyParticipant, actor) -> None:
    locked = _locked(participant.plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    SurveyParticipant.objects.filter(pk=participant.pk, plan=locked).delete()
    event_record(subject=locked, action=PARTICIPANT_REMOVE, action_label="删除需求调查对象", actor=actor,
                 changes={"kind": participant.kind, "name": participant.name})


# §七–§九: the lots

@dataclass(frozen=True)
class LotValues:
    """One lot of §七 (the core's Lot) with what framework adds (§七(二) price basis, §八, §九, §十二 imports)."""

    name: str
    category_code: str
    unit_of_measure: str
    specification: str
    max_unit_price_yuan: Decimal | str | None
    price_basis: str
    price_basis_note: str = ""
    is_lab_instrument: bool = False
    evaluation_method: str = ""
    elimination_rate_percent: Decimal | str | None = None
    allows_imported: bool = False
    ceiling_yuan: Decimal | str | None = None


def _checked_lot(values: LotValues, *, plan: FrameworkPlan) -> dict:
    """The lot's fields, each checked (annex 8 §七: the lowest catalog level, unit, specification, maximum unit
    price and its basis)."""
    name = _text(values.name, label="采购包名称", field="name", limit=Lot._meta.get_field("name").max_length,
                 required=True)
    code = (values.category_code or "").strip()
    if not code:
        raise ServiceError("请填写采购品目编码（附件8第七部分）", field="category_code")
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise ServiceError(f"采购品目「{code}」不存在", field="category_code")
    if category.children.exists():
        raise ServiceError(f"采购品目「{category.code} {category.name}」不是最末级品目：采购标的须细化到底级品目，"
                           "请选择其下级品目（附件8第七部分）", field="category_code")
    if rules.subject_kind_of(category.code) is None:
        raise ServiceError(f"采购品目「{category.code} {category.name}」为工程类，框架协议采购只适用于货物和服务",
                           field="category_code")
    unit = _text(values.unit_of_measure, label="计量单位", field="unit_of_measure",
                 limit=Lot._meta.get_field("unit_of_measure").max_length, required=True)
    specification = _text(values.specification, label="技术、商务要求（规格）", field="specification", required=True)
    price = _decimal(values.max_unit_price_yuan, label="最高限制单价", field="max_unit_price_yuan")
    if price is None or price <= 0:
        raise ServiceError("请填写大于0的最高限制单价（附件8第七部分（二））", field="max_unit_price_yuan")
    if values.price_basis not in FrameworkLot.PriceBasis.values:
        raise ServiceError("请选择最高限制单价的确定方式：政府定价、政府指导价或需求调查确定（附件8第七部分（二））",
                           field="price_basis")
    method = (values.evaluation_method or "").strip()
    if method and method not in EvaluationMethod.values:
        raise ServiceError(f"评审方法「{method}」不是可选的值", field="evaluation_method")
    rate = _decimal(values.elimination_rate_percent, label="淘汰率", field="elimination_rate_percent")
    if rate is not None and rate > 100:
        raise ServiceError("淘汰率不能超过100%", field="elimination_rate_percent")
    if plan.is_open and (method or rate is not None):
        raise ServiceError("开放式框架协议不涉及评审方法和淘汰率（附件8注1）", field="evaluation_method")
    return {
        "lot": {"name": name, "category": category, "unit_of_measure": unit, "specification": specification,
                "max_unit_price_yuan": price},
        "framework": {"price_basis": values.price_basis,
                      "price_basis_note": _text(values.price_basis_note, label="定价依据说明",
                                                field="price_basis_note"),
                      "is_lab_instrument": bool(values.is_lab_instrument), "evaluation_method": method,
                      "elimination_rate_percent": rate, "allows_imported": bool(values.allows_imported),
                      "ceiling_yuan": _decimal(values.ceiling_yuan, label="采购包成交金额上限", field="ceiling_yuan")},
    }


def _lot_changes(fields: dict) -> dict:
    return {k: (v.code if isinstance(v, Category) else _json(v))
            for part in fields.values() for k, v in part.items()}


@transaction.atomic
def lot_add(*, plan: FrameworkPlan, values: LotValues, actor) -> Lot:
    """Add a lot (采购包) to §七: the core's Lot and its FrameworkLot."""
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    fields = _checked_lot(values, plan=locked)
    number = (Lot.objects.filter(project_id=locked.project_id).aggregate(n=Max("number"))["n"] or 0) + 1
    lot = Lot.objects.create(project_id=locked.project_id, number=number, **fields["lot"])
    FrameworkLot.objects.create(lot=lot, **fields["framework"])
    _kind_refresh(locked)
    event_record(subject=locked, action=LOT_ADD, action_label="增加采购包", actor=actor,
                 changes={"number": number, **_lot_changes(fields)})
    return lot


@transaction.atomic
def lot_update(*, lot: Lot, values: LotValues, actor) -> Lot:
    plan = FrameworkPlan.objects.get(project_id=lot.project_id)
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    fields = _checked_lot(values, plan=locked)
    row = Lot.objects.select_for_update().get(pk=lot.pk, project_id=locked.project_id)
    for name, value in fields["lot"].items():
        setattr(row, name, value)
    row.save()
    FrameworkLot.objects.update_or_create(lot=row, defaults=fields["framework"])
    _kind_refresh(locked)
    event_record(subject=locked, action=LOT_UPDATE, action_label="修改采购包", actor=actor,
                 changes={"number": row.number, **_lot_changes(fields)})
    return row


@transaction.atomic
def lot_remove(*, lot: Lot, actor) -> None:
    """Remove a lot; the lots after it move up one number."""
    plan = FrameworkPlan.objects.get(project_id=lot.project_id)
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    _editable(locked)
    row = Lot.objects.select_for_update().get(pk=lot.pk, project_id=locked.project_id)
    number, name = row.number, row.name
    row.delete()
    for later in Lot.objects.filter(project_id=locked.project_id, number__gt=number).order_by("number"):
        Lot.objects.filter(pk=later.pk).update(number=later.number - 1)
    _kind_refresh(locked)
    event_record(subject=locked, action=LOT_REMOVE, action_label="删除采购包", actor=actor,
                 changes={"number": number, "name": name})


def _kind_refresh(plan: FrameworkPlan) -> None:
    kind = plan_subject_kind(plan)
    if kind and kind != plan.subject_kind:
        FrameworkPlan.objects.filter(pk=plan.pk).update(subject_kind=kind)
        plan.subject_kind = kind


# --- the rules checked on submit -------------------------------------------------------------------------------

def plan_problems(plan: FrameworkPlan) -> list[str]:
    """Every rule of annex 8 the plan breaks, each a Chinese sentence naming its section (empty: it may be
    submitted). See the module's text."""
    problems: list[str] = []
    # 二、采购项目概况: Order 110 Art. 3.
    if not plan.content.strip():
        problems.append("请填写采购内容（附件8第二部分）")
    if plan.legal_ground not in LegalGround.values:
        problems.append("请选择项目适用的法定情形（《政府采购框架协议采购方式管理暂行办法》第三条，附件8第二部分）")
    if not plan.legal_ground_statement.strip():
        problems.append("请说明项目符合所选法定情形的理由（财政部令第110号第三条，附件8第二部分）")
    # 三、适用主体范围.
    if not plan.user_scope.strip():
        problems.append("请填写适用框架协议的采购人或者服务对象范围（附件8第三部分）")
    # 四、框架协议采购类型.
    if plan.agreement_type not in AgreementType.values:
        problems.append("请选择框架协议采购类型：封闭式或开放式（附件8第四部分）")
    lots = plan_lots(plan)
    # 五、框架协议有效期: the kind from the lots' categories.
    kind = plan_subject_kind(plan, lots)
    codes = {rules.subject_kind_of(lot.category.code) for lot in lots if lot.category_id}
    if len(codes) > 1:
        problems.append("各采购包的品目须同为货物或同为服务，才能确定框架协议有效期上限（附件8第五部分）")
    elif kind is None:
        problems.append("无法从采购品目确定采购标的为货物或服务，请先设置采购包（附件8第五部分）")
    else:
        try:
            rules.validity_check(plan.valid_from, plan.valid_until, kind)
        except rules.RuleBroken as broken:
            problems.append(str(broken))
    # 六、需求管理情况: at least 3 purchasers and 3 suppliers, each named.
    counts = {k: 0 for k in SurveyParticipant.Kind.values}
    for participant in plan.survey_participants.all():
        counts[participant.kind] += 1
    for k in (SurveyParticipant.Kind.PURCHASER, SurveyParticipant.Kind.SUPPLIER):
        if counts[k] < MIN_SURVEYED:
            problems.append(f"需求调查的{SurveyParticipant.Kind(k).label}不少于{MIN_SURVEYED}个，现有{counts[k]}个，"
                            "请逐一列明（附件8第六部分（一））")
    if not plan.survey_methods.strip():
        problems.append("请填写需求调查方式（咨询、论证、调查问卷等，附件8第六部分（一））")
    if not plan.requirements.strip():
        problems.append("请填写采购需求内容：技术、商务要求，供应商资格条件、评审标准（附件8第六部分（二））")
    # 七、定价机制: lots down to the lowest catalog level, each with its maximum unit price and basis.
    if not lots:
        problems.append("请至少设置一个采购包（附件8第七部分）")
    leafless = set(Category.objects.filter(parent_id__in=[lot.category_id for lot in lots if lot.category_id])
                   .values_list("parent_id", flat=True))
    for lot in lots:
        where = f"第{lot.number}包「{lot.name}」"
        extra = getattr(lot, "framework", None)
        if lot.category_id is None or lot.category_id in leafless:
            problems.append(f"{where}：采购品目须细化到底级品目（附件8第七部分（一））")
        if lot.max_unit_price_yuan is None or lot.max_unit_price_yuan <= 0:
            problems.append(f"{where}：请填写最高限制单价（附件8第七部分（二））")
        if extra is None or extra.price_basis not in FrameworkLot.PriceBasis.values:
            problems.append(f"{where}：请说明最高限制单价的确定方式（政府定价或需求调查，附件8第七部分（二））")
            continue
        if extra.price_basis == FrameworkLot.PriceBasis.SURVEY and not extra.price_basis_note.strip():
            problems.append(f"{where}：最高限制单价通过需求调查确定的，请说明定价依据（附件8第七部分（二））")
        if plan.is_open:
            if extra.evaluation_method or extra.elimination_rate_percent is not None:
                problems.append(f"{where}：开放式框架协议不涉及评审方法和淘汰率（附件8注1）")
            continue
        # 八、评审方法.
        if not extra.evaluation_method:
            problems.append(f"{where}：请选择评审方法：价格优先法或质量优先法（附件8第八部分）")
        elif (extra.evaluation_method == EvaluationMethod.QUALITY_PRIORITY and not rules.quality_priority_allowed(
                price_basis=extra.price_basis, is_lab_instrument=extra.is_lab_instrument)):
            problems.append(f"{where}：质量优先法只适用于有政府定价、政府指导价的项目，以及对质量有特别要求的检测、实验等"
                            "仪器设备，本包应当采用价格优先法（附件8第八部分）")
        # 九、淘汰率.
        if extra.elimination_rate_percent is None:
            problems.append(f"{where}：请填写淘汰率（附件8第九部分）")
        elif extra.evaluation_method:
            least = rules.min_elimination_percent(evaluation_method=extra.evaluation_method,
                                                  is_lab_instrument=extra.is_lab_instrument)
            if extra.elimination_rate_percent < least:
                what = ("采用质量优先法的检测、实验等仪器设备" if least > rules.MIN_ELIMINATION_PERCENT else "")
                problems.append(f"{where}：{what}淘汰比例不得低于{least.normalize():f}%，现为"
                                f"{extra.elimination_rate_percent.normalize():f}%（附件8第九部分）")
    if plan.is_open:
        # Annex 8 note 1: 开放式框架协议项目不涉及第八至第十一项目内容.
        filled = [_label(name) for name in CLOSED_ONLY_FIELDS if getattr(plan, name) not in ("", None)]
        if filled:
            problems.append(f"开放式框架协议不涉及第八至第十一项内容，请清空：{'、'.join(filled)}（附件8注1）")
        if not plan.join_review_working_days:
            problems.append("开放式框架协议请填写供应商加入申请的审核期限（工作日）（附件8注1，财政部令第110号）")
    elif plan.agreement_type == AgreementType.CLOSED:
        problems += _second_stage_problems(plan)
        if not plan.removal_rules.strip():
            problems.append("请填写入围供应商清退规则（附件8第十一部分，财政部令第110号第十九条）")
        if not plan.supplement_rules.strip():
            problems.append("请填写入围供应商补充征集规则（附件8第十一部分）")
    # 十二、落实政府采购政策 (stage 1: SME and green).
    if not plan.sme_measures.strip() and not plan.green_measures.strip():
        problems.append("请填写落实政府采购政策的措施（促进中小企业发展、绿色采购等，附件8第十二部分）")
    # The small and micro enterprise deduction of the stage-1 evaluation (财库〔2022〕17号 五): 10%–20%.
    if plan.agreement_type == AgreementType.CLOSED:
        try:
            rules.small_micro_deduction_check(plan.small_micro_deduction_percent)
        except rules.RuleBroken as broken:
            problems.append(str(broken))
    elif plan.is_open and plan.small_micro_deduction_percent is not None:
        problems.append("开放式框架协议不进行评审，不适用小微企业价格扣除，请清空小微企业价格扣除比例（附件8注1，"
                        "采购方案第十二部分）")
    return problems


def _second_stage_problems(plan: FrameworkPlan) -> list[str]:
    """十、确定第二阶段成交供应商的方法, with its rules; the shortlist's tie-break (§九's cut-off line)."""
    problems = []
    method = plan.second_stage_method
    if method not in SecondStageMethod.values:
        problems.append("请选择确定第二阶段成交供应商的方式：直接选定、二次竞价或顺序轮候（附件8第十部分）")
    elif method == SecondStageMethod.ROTATION and not plan.rotation_order_rule:
        problems.append("顺序轮候须明确轮候顺序的确定方式（附件8第十部分）")
    elif method == SecondStageMethod.SECONDARY_BIDDING:
        if not plan.bidding_response_hours:
            problems.append("二次竞价须明确供应商的响应时间（小时，大于0）（附件8第十部分）")
        if not plan.bidding_tie_break:
            problems.append("二次竞价须明确报价相同时确定成交供应商的规则（附件8第十部分）")
    if not plan.shortlist_tie_break:
        problems.append("请明确入围排名并列时的确定规则（附件8第九、十部分）")
    return problems


# --- submit, review, file --------------------------------------------------------------------------------------

def plan_snapshot(plan: FrameworkPlan) -> dict:
    """The plan as it stands: every section's fields (value and display), the participants and the lots; kept
    with each review (``PlanReview.snapshot``) and each filing."""
    fields = {"title": plan.project.title, "project_code": plan.project.code, "version": plan.version,
              "subject_kind": plan.subject_kind}
    for _, names in SECTIONS.values():
        for name in names:
            fields[name] = _json(getattr(plan, name))
            if name in CHOICES:
                fields[f"{name}_display"] = getattr(plan, f"get_{name}_display")() if getattr(plan, name) else ""
    return {
        **fields,
        "participants": [{"kind": p.kind, "kind_display": p.get_kind_display(), "name": p.name,
                          "opinion": p.opinion} for p in plan.survey_participants.order_by("kind", "pk")],
        "lots": [_lot_snapshot(lot) for lot in plan_lots(plan)],
    }


def _lot_snapshot(lot: Lot) -> dict:
    extra = getattr(lot, "framework", None)
    row = {"number": lot.number, "name": lot.name, "category_code": lot.category.code if lot.category_id else "",
           "category_name": lot.category.name if lot.category_id else "", "unit_of_measure": lot.unit_of_measure,
           "specification": lot.specification, "max_unit_price_yuan": _json(lot.max_unit_price_yuan)}
    if extra is not None:
        row.update({
            "price_basis": extra.price_basis, "price_basis_display": extra.get_price_basis_display(),
            "price_basis_note": extra.price_basis_note, "is_lab_instrument": extra.is_lab_instrument,
            "evaluation_method": extra.evaluation_method,
            "evaluation_method_display": extra.get_evaluation_method_display() if extra.evaluation_method else "",
            "elimination_rate_percent": _json(extra.elimination_rate_percent),
            "allows_imported": extra.allows_imported, "ceiling_yuan": _json(extra.ceiling_yuan)})
    return row


@transaction.atomic
def plan_submit(*, plan: FrameworkPlan, actor) -> FrameworkPlan:
    """报财政部门审核 (seed 三(二)(2)): every rule of annex 8 checked (refused with all the broken ones together); a
    resubmission after a return is the next version. The finance bureau is told."""
    locked = _locked(plan)
    _acts_for_center(actor, locked.project.organizer)
    if locked.status not in EDITABLE:
        raise TransitionRefused(f"采购方案当前状态为「{locked.get_status_display()}」，不能提交审核")
    problems = plan_problems(locked)
    if problems:
        raise PlanIncomplete(problems)
    bureau = finance_bureau_for(locked.project.organizer)
    if bureau is None:
        raise ServiceError("未找到审核采购方案的同级财政部门，请联系系统管理员")
    kind = plan_subject_kind(locked)

    def prepare(row: FrameworkPlan) -> dict:
        if row.status == Status.RETURNED:
            row.version += 1
        row.submitted_at = timezone.now()
        row.subject_kind = kind
        return {"version": row.version, "finance_bureau_id": bureau.pk}

    submitted = transition_run(instance=locked, name="submit", actor=actor, prepare=prepare)
    again = "（修改后重新提交）" if submitted.version > 1 else ""
    title = locked.project.title
    organization_notify(
        organization=bureau, subject=submitted, kind=f"submitted_v{submitted.version}",
        title=f"{locked.project.organizer.name}报送了框架协议采购方案第{submitted.version}版{again}，待审核"[:200],
        body=f"{locked.project.organizer.name}报送了《{title}》框架协议采购方案（第{submitted.version}版），"
             "请审核：审核通过或退回修改。",
        url=reverse("framework:plan-review", args=[submitted.pk]))
    return submitted


def reviewing_bureau_for(user, plan: FrameworkPlan) -> Organization | None:
    """The finance bureau ``user`` acts for (write seat) that reviews ``plan``, or None."""
    bureau = finance_bureau_for(plan.project.organizer)
    if bureau is None:
        return None
    if access.is_superuser(user) or access.acts_for(user, bureau.pk):
        return bureau
    return None


@transaction.atomic
def plan_review(*, plan: FrameworkPlan, decision: str, opinion: str, actor) -> PlanReview:
    """Finance's opinion on the submitted version: approve, or return with the opinion (required). The review keeps
    that version as it was read (every section, the participants, the lots); the center is told."""
    locked = _locked(plan)
    bureau = reviewing_bureau_for(actor, locked)
    if bureau is None:
        raise PermissionDenied("只有与集中采购机构同级的财政部门经办人员可以审核框架协议采购方案")
    if decision not in Decision.values:
        raise ServiceError("请选择审核结论：审核通过或退回修改", field="decision")
    opinion = _text(opinion, label="审核意见", field="opinion", required=decision == Decision.RETURN)
    if locked.status != Status.SUBMITTED:
        raise TransitionRefused(f"采购方案当前状态为「{locked.get_status_display()}」，不能审核")
    review = PlanReview.objects.create(
        plan=locked, version=locked.version, decision=decision, opinion=opinion, snapshot=plan_snapshot(locked),
        finance_bureau=bureau, reviewer=actor if getattr(actor, "is_authenticated", False) else None)
    approving = decision == Decision.APPROVE

    def prepare(row: FrameworkPlan) -> dict:
        if approving:
            row.approved_at = timezone.now()
        return {"version": row.version, "review": review.pk, "opinion": opinion}

    reviewed = transition_run(instance=locked, name="approve" if approving else "return_for_revision",
                              actor=actor, note=opinion, prepare=prepare)
    verdict = review.get_decision_display()
    then = "请办理方案备案后实施。" if approving else "请按意见修改后重新提交。"
    organization_notify(
        organization=locked.project.organizer, subject=review, kind=decision,
        title=f"{bureau.name}：《{locked.project.title}》采购方案第{reviewed.version}版{verdict}"[:200],
        body=f"{bureau.name}对《{locked.project.title}》框架协议采购方案第{reviewed.version}版的审核意见：{verdict}。"
             + (f"意见：{opinion}。" if opinion else "") + then,
        url=_detail_url(reviewed))
    return review


@transaction.atomic
def plan_file(*, plan: FrameworkPlan, actor) -> Filing:
    """备案 (seed 三(二)(3)): the center files the approved plan with the finance bureau that approved it (the
    core's Filing of kind FRAMEWORK_PLAN, the approved version's snapshot as its payload)."""
    locked = _locked(plan)
    center = locked.project.organizer
    _acts_for_center(actor, center)
    if locked.status != Status.APPROVED:
        raise TransitionRefused(f"采购方案当前状态为「{locked.get_status_display()}」，财政部门审核通过后才能备案")
    approval = locked.reviews.filter(decision=Decision.APPROVE, version=locked.version).order_by("-pk").first()
    bureau = approval.finance_bureau if approval else finance_bureau_for(center)
    filing = Filing.objects.create(
        kind=Filing.Kind.FRAMEWORK_PLAN, project_id=locked.project_id, subject_type=subject_type_of(locked),
        subject_id=locked.pk, filed_by=center, finance_bureau=bureau,
        payload=approval.snapshot if approval else plan_snapshot(locked))

    def prepare(row: FrameworkPlan) -> dict:
        row.filed_at = timezone.now()
        return {"filing_id": filing.pk, "version": row.version}

    filed = transition_run(instance=locked, name="file", actor=actor, prepare=prepare)
    if bureau is not None:
        organization_notify(
            organization=bureau, subject=filed, kind="filed",
            title=f"框架协议采购方案备案：{locked.project.title}"[:200],
            body=f"{center.name}已备案《{locked.project.title}》框架协议采购方案（第{filed.version}版，审核通过的版本）。",
            url=reverse("framework:plan-review", args=[filed.pk]))
    return filing



# --- where a framework project is: the core project's status ----------------------------------------------------
# Every list that shows projects (the center's workbench, the notices, the API) shows the core status. A framework
# project reads: 草稿 while its plan is drafted, reviewed and filed; 采购实施中 from the solicitation notice
# (``framework.services.solicitation.solicitation_publish``); 已定标 from the shortlist result notice
# (``shortlist_publish``; an open agreement, which has no shortlist, from its execution notice); 已完成 when the
# agreement expires (``framework_project_complete``, called by the expiry). 需求征集中 is not used: it is the
# core's demand collection, whose sub-plans a framework project has not. The steps: ``FrameworkProject``'s
# framework_solicit (草稿 → 采购实施中; the core's own path runs through the master plan), the core's record_award
# (采购实施中 → 已定标, run by the center), and framework_complete (→ 已完成; the core's complete needs a person).
ProjectStatus = Project.Status
_FORWARD = [ProjectStatus.DRAFT, ProjectStatus.PROCURING, ProjectStatus.AWARDED, ProjectStatus.COMPLETED]
_STEP_TO = {ProjectStatus.PROCURING: "framework_solicit", ProjectStatus.AWARDED: "record_award",
            ProjectStatus.COMPLETED: "framework_complete"}


def project_status_advance(*, project: Project, to: str, actor, note: str = "") -> Project:
    """Move the framework project's core status forward to ``to`` through each step on the way (each audited);
    a project already there or past it, or terminated, is left as it is. Call inside the step's transaction."""
    row = FrameworkProject.objects.select_for_update().get(pk=project.pk)
    if row.status not in _FORWARD or to not in _FORWARD:
        return row
    if _FORWARD.index(row.status) >= _FORWARD.index(to):
        return row
    if to == ProjectStatus.COMPLETED and row.status == ProjectStatus.DRAFT:
        return row  # never solicited: nothing was carried out to complete
    while row.status != to:
        following = _FORWARD[_FORWARD.index(row.status) + 1]
        if to == ProjectStatus.COMPLETED:
            following = ProjectStatus.COMPLETED
        row = transition_run(instance=row, name=_STEP_TO[following], actor=actor, note=note)
    return row


@transaction.atomic
def framework_project_complete(project: Project, *, actor=None, note: str = "") -> Project:
    """已完成: the framework agreement has expired (called by the expiry, without a person as ``actor``). A project
    soliciting or shortlisted moves to 已完成 with its audit event; a draft or terminated one is left as it is."""
    if project.mode != Mode.FRAMEWORK:
        raise ServiceError(f"项目「{project.title}」不是框架协议采购项目")
    return project_status_advance(project=project, to=ProjectStatus.COMPLETED, actor=actor,
                                  note=note or "框架协议有效期届满")

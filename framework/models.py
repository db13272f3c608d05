"""框架协议采购 (seed 000 二(二), 三(二); annexes 7 and 8; MoF Order No. 110; 财库〔2022〕17号) on the shared core.

The framework's own data only. The solicitation is the core's ``Project`` (mode ``framework``, organized by the
center) and its lots are the core's ``Lot`` (lowest catalog level, unit of measure, 最高限制单价); the task notice
(annex 7) is the core's ``TaskNotice``; notices, filings and second-stage contracts (with their lines) are the
core's tables. Here:

- ``FrameworkPlan`` (annex 8, thirteen sections) with what it lists (``SurveyParticipant``: §六 demand survey;
  ``FrameworkLot``: §七–§九 per lot) and finance's ``PlanReview`` of each submitted version;
- ``SolicitationResponse``: a supplier's sealed response to one lot (stage 1), with the center's qualification
  result and score;
- ``Agreement``: one supplier's place on one lot, from the shortlist (入围) through signing, publication and
  filing, to removal (清退), leaving (open agreements) or expiry; it carries the agreement price and the rotation
  position;
- ``ProductListing``: a product a shortlisted supplier lists (上架) under its agreement, approved by the center;
- ``Removal`` (清退, Order 110 Art. 19) and ``Supplement`` (补充征集, annex 8 §十一);
- ``JoinRequest``: a supplier asking to join an open agreement (开放式) and the center's review;
- ``Order`` (second stage, 授予合同) with its ``OrderBid`` rows (二次竞价): what a purchaser buys, from whom,
  by which method; its contract is the core's.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from procurement.models import Lot, Mode, ModeManager, Organization, Project, TaskNotice

NOT_NEGATIVE = MinValueValidator(0, message="不能为负数")
PERCENT = [MinValueValidator(0, message="比例不能为负数"), MaxValueValidator(100, message="比例不能超过100%")]


# --- the framework project (征集项目) -----------------------------------------------------------------

class FrameworkProject(Project):
    """A framework solicitation: the core Project with the framework's rules (proxy, same table).

    Its core status tells where it is on every list of projects (``framework.services.plans``: project status):
    草稿 while the plan is drafted, reviewed and filed; 采购实施中 from the solicitation notice; 已定标 from the
    shortlist result notice (or, for an open agreement, the execution notice); 已完成 when the agreement expires.
    The core has no step from 草稿 straight to 采购实施中 (its path runs through demand collection and the master
    plan, which a framework project has not) and its completion needs a person: the two framework-only steps are
    here, run through ``transition_run`` like every other, with their audit events."""

    objects = ModeManager(Mode.FRAMEWORK)

    class Meta:
        proxy = True
        verbose_name = "框架协议采购项目"
        verbose_name_plural = "框架协议采购项目"

    @transition(field="status", source=Project.Status.DRAFT, target=Project.Status.PROCURING,
                custom={"label": "发布框架协议征集公告"})
    def framework_solicit(self) -> None:
        """采购方案备案后发布征集公告：框架协议征集开始（seed 三(二)(3)）."""

    @transition(field="status", source=[Project.Status.PROCURING, Project.Status.AWARDED],
                target=Project.Status.COMPLETED, custom={"label": "框架协议期满"})
    def framework_complete(self) -> None:
        """框架协议有效期届满，项目完成."""


# --- 框架协议采购方案 (annex 8) -----------------------------------------------------------------------

class LegalGround(models.TextChoices):
    """Order 110 Art. 3: the situations in which a framework agreement may be used (annex 8 §二)."""

    CATALOG_SMALL = "catalog_small", "（一）集中采购目录以内品目，以及与之配套的必要耗材、配件等，属于小额零星采购的"
    ATTESTATION_SERVICES = "attestation_services", (
        "（二）集中采购目录以外、采购限额标准以上，本部门、本系统行政管理所需的法律、评估、会计、审计等鉴证咨询服务，"
        "属于小额零星采购的")
    PUBLIC_SERVICES = "public_services", (
        "（三）集中采购目录以外、采购限额标准以上，为本部门、本系统以外的服务对象提供服务的政府购买服务项目，"
        "需要确定2家以上供应商由服务对象自主选择的")
    MOF_OTHER = "mof_other", "（四）国务院财政部门规定的其他情形"


class AgreementType(models.TextChoices):
    """框架协议采购类型 (annex 8 §四)."""

    CLOSED = "closed", "封闭式框架协议"
    OPEN = "open", "开放式框架协议"


class SubjectKind(models.TextChoices):
    """货物 or 服务: what the validity limit depends on (annex 8 §五)."""

    GOODS = "goods", "货物"
    SERVICES = "services", "服务"


class EvaluationMethod(models.TextChoices):
    """确定第一阶段入围供应商的评审方法 (annex 8 §八)."""

    PRICE_PRIORITY = "price_priority", "价格优先法"
    QUALITY_PRIORITY = "quality_priority", "质量优先法"


class SecondStageMethod(models.TextChoices):
    """确定第二阶段成交供应商的方法 (annex 8 §十); 直接选定 is the main one."""

    DIRECT = "direct", "直接选定"
    SECONDARY_BIDDING = "secondary_bidding", "二次竞价"
    ROTATION = "rotation", "顺序轮候"


class RotationOrderRule(models.TextChoices):
    """How the rotation order is fixed when the agreement starts (annex 8 §十, 顺序轮候)."""

    SHORTLIST_RANK = "shortlist_rank", "按第一阶段入围排名先后确定轮候顺序"
    PRICE_ASCENDING = "price_ascending", "按入围价格由低到高确定轮候顺序"
    LOT_DRAW = "lot_draw", "抽签确定轮候顺序"


class TieBreakRule(models.TextChoices):
    """How a tie is settled: at the shortlist's cut-off line (§九) and between equal secondary bids (§十)."""

    EARLIER_SUBMISSION = "earlier_submission", "提交响应（报价）时间在先者优先"
    HIGHER_RANK = "higher_rank", "第一阶段入围排名在先者优先"
    HIGHER_QUALITY = "higher_quality", "质量（技术）得分高者优先"


class FrameworkPlan(FSMModelMixin, models.Model):
    """框架协议采购方案 (annex 8): written by the center, reviewed by finance (submit → approve, or return with
    comments → revise → resubmit, each submitted version kept with its review), then filed (备案).

    Its thirteen sections are its fields (§一–§五, §十–§十三), its survey participants (§六) and its lots (§七–§九:
    the core's ``Lot`` with ``FrameworkLot``). An open agreement (开放式) carries none of §八–§十一 (annex 8 note 1):
    those fields stay empty and its form does not ask for them."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待财政审核"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审核通过"
        FILED = "filed", "已备案"

    project = models.OneToOneField(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                   related_name="framework_plan")
    task = models.ForeignKey(TaskNotice, verbose_name="框架协议采购任务通知单", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="framework_plans")
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    # Each submission is a new version; every review names the version it read.
    version = models.PositiveIntegerField("版本", default=1)
    # 一、征集人基本情况
    collector_nature = models.CharField("征集人单位性质", max_length=64, blank=True)
    collector_address = models.CharField("征集人地址", max_length=200, blank=True)
    collector_contact = models.CharField("征集人联系方式", max_length=100, blank=True)
    # 二、采购项目概况
    content = models.TextField("采购内容", blank=True)
    legal_ground = models.CharField("适用的法定情形", max_length=24, choices=LegalGround.choices, blank=True)
    legal_ground_statement = models.TextField("法定情形说明", blank=True)
    # 三、适用主体范围
    user_scope = models.TextField("适用主体范围", blank=True, help_text="适用框架协议的采购人或者服务对象范围")
    # 四、框架协议采购类型
    agreement_type = models.CharField("框架协议采购类型", max_length=8, choices=AgreementType.choices,
                                      default=AgreementType.CLOSED)
    # 五、框架协议有效期
    subject_kind = models.CharField("采购标的类别", max_length=8, choices=SubjectKind.choices, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期止", null=True, blank=True)
    # 六、需求管理情况 (the participants are SurveyParticipant rows)
    survey_methods = models.TextField("需求调查方式", blank=True, help_text="咨询、论证、调查问卷等")
    requirements = models.TextField("采购需求内容", blank=True,
                                    help_text="采购标的及其需要满足的技术、商务要求，含供应商资格条件、评审标准")
    # 七、定价机制 (per lot: FrameworkLot)
    pricing_note = models.TextField("定价机制说明", blank=True)
    # 十、确定第二阶段成交供应商的方法 (closed agreements only)
    second_stage_method = models.CharField("第二阶段成交供应商确定方式", max_length=24,
                                           choices=SecondStageMethod.choices, blank=True)
    second_stage_rules = models.TextField("第二阶段规则说明", blank=True)
    rotation_order_rule = models.CharField("轮候顺序确定方式", max_length=24, choices=RotationOrderRule.choices,
                                           blank=True)
    bidding_response_hours = models.PositiveIntegerField("二次竞价响应时间（小时）", null=True, blank=True)
    bidding_tie_break = models.CharField("二次竞价报价相同时的确定规则", max_length=24,
                                         choices=TieBreakRule.choices, blank=True)
    # The shortlist's cut-off line (§九): who goes in when several tie on it.
    shortlist_tie_break = models.CharField("入围排名并列时的确定规则", max_length=24, choices=TieBreakRule.choices,
                                           blank=True)
    # 十一、入围供应商清退和补充规则
    removal_rules = models.TextField("清退规则", blank=True)
    supplement_rules = models.TextField("补充征集规则", blank=True)
    # 十二、落实政府采购政策 (SME and green at stage 1; import rules at stage 2, per lot)
    sme_measures = models.TextField("促进中小企业发展措施", blank=True)
    green_measures = models.TextField("绿色采购措施", blank=True)
    # 小微企业价格扣除 at stage 1 (财库〔2022〕17号 五; 《政府采购促进中小企业发展管理办法》第九条 as amended by
    # 财库〔2022〕19号: 10%–20%); closed agreements only, as an open one has no evaluation (annex 8 note 1).
    small_micro_deduction_percent = models.PositiveSmallIntegerField(
        "小微企业价格扣除比例（%）", null=True, blank=True,
        help_text="对小型、微型企业的报价给予10%至20%的扣除，用扣除后的价格参与评审；协议价格仍为其报价")
    # 十三、其他事项
    other_matters = models.TextField("其他事项", blank=True)
    # Open agreements: the period in which the center reviews a request to join (开放式, Order 110).
    join_review_working_days = models.PositiveSmallIntegerField("加入申请审核期限（工作日）", null=True, blank=True)
    # Ceilings of the second stage: what one supplier may win under the plan, in yuan (optional).
    supplier_ceiling_yuan = models.DecimalField("单个供应商成交金额上限（元）", max_digits=16, decimal_places=2,
                                                null=True, blank=True, validators=[NOT_NEGATIVE])
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编制人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "框架协议采购方案"
        verbose_name_plural = "框架协议采购方案"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.project.title} 采购方案"

    @property
    def is_open(self) -> bool:
        return self.agreement_type == AgreementType.OPEN

    @transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED,
                custom={"label": "提交财政审核"})
    def submit(self) -> None:
        """提交财政部门审核（退回修改后再次提交为新版本）."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED, custom={"label": "退回修改"})
    def return_for_revision(self) -> None:
        """财政部门退回修改."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED, custom={"label": "审核通过"})
    def approve(self) -> None:
        """财政部门审核通过."""

    @transition(field=status, source=Status.APPROVED, target=Status.FILED, custom={"label": "方案备案"})
    def file(self) -> None:
        """通过预算管理一体化系统备案（seed 三(二)(3)）."""


class SurveyParticipant(models.Model):
    """One party consulted in the demand survey (annex 8 §六(一)): at least 3 purchasers and 3 suppliers."""

    class Kind(models.TextChoices):
        PURCHASER = "purchaser", "采购人"
        SUPPLIER = "supplier", "供应商"
        EXPERT = "expert", "专家"

    plan = models.ForeignKey(FrameworkPlan, verbose_name="采购方案", on_delete=models.CASCADE,
                             related_name="survey_participants")
    kind = models.CharField("调查对象类别", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=200)
    organization = models.ForeignKey(Organization, verbose_name="对应单位", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    opinion = models.TextField("意见摘要", blank=True)

    class Meta:
        verbose_name = "需求调查对象"
        verbose_name_plural = "需求调查对象"
        ordering = ["plan", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind", "name"], name="survey_participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class FrameworkLot(models.Model):
    """What a framework lot (the core's ``Lot``: lowest catalog level, unit, 最高限制单价) adds: how the maximum
    price was set (§七(二)), the evaluation method (§八), the elimination rate (§九) and whether it is for
    imported products (§十二, 财库〔2022〕17号 五)."""

    class PriceBasis(models.TextChoices):
        GOVERNMENT_PRICE = "government_price", "政府定价"
        GOVERNMENT_GUIDED = "government_guided", "政府指导价"
        SURVEY = "survey", "需求调查确定"

    lot = models.OneToOneField(Lot, verbose_name="采购包", on_delete=models.CASCADE, related_name="framework")
    price_basis = models.CharField("最高限制单价确定方式", max_length=24, choices=PriceBasis.choices)
    price_basis_note = models.TextField("定价依据说明", blank=True)
    # 对质量有特别要求的检测、实验等仪器设备 (§八, §九).
    is_lab_instrument = models.BooleanField("检测、实验等仪器设备", default=False)
    evaluation_method = models.CharField("评审方法", max_length=24, choices=EvaluationMethod.choices, blank=True)
    elimination_rate_percent = models.DecimalField("淘汰率（%）", max_digits=5, decimal_places=2, null=True,
                                                   blank=True, validators=PERCENT)
    allows_imported = models.BooleanField("可采购进口产品", default=False)
    # Second-stage ceiling of the lot (the agreement's estimated total), in yuan (optional).
    ceiling_yuan = models.DecimalField("采购包成交金额上限（元）", max_digits=16, decimal_places=2, null=True,
                                       blank=True, validators=[NOT_NEGATIVE])

    class Meta:
        verbose_name = "框架协议采购包"
        verbose_name_plural = "框架协议采购包"

    def __str__(self) -> str:
        return str(self.lot)


class PlanReview(models.Model):
    """Finance's opinion on one submitted version of a framework plan, with that version as it was read (kept,
    whatever the center changes later)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "审核通过"
        RETURN = "return", "退回修改"

    plan = models.ForeignKey(FrameworkPlan, verbose_name="采购方案", on_delete=models.CASCADE,
                             related_name="reviews")
    version = models.PositiveIntegerField("审核版本")
    decision = models.CharField("审核结论", max_length=8, choices=Decision.choices)
    opinion = models.TextField("审核意见")
    snapshot = models.JSONField("该版本的方案内容", default=dict)
    finance_bureau = models.ForeignKey(Organization, verbose_name="审核财政部门", on_delete=models.PROTECT,
                                       related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", auto_now_add=True)

    class Meta:
        verbose_name = "采购方案审核意见"
        verbose_name_plural = "采购方案审核意见"
        ordering = ["plan", "version", "reviewed_at"]

    def __str__(self) -> str:
        return f"{self.plan} 第{self.version}版 {self.get_decision_display()}"


# --- stage 1: solicitation responses and the shortlist --------------------------------------------------

class Supplement(FSMModelMixin, models.Model):
    """补充征集 (annex 8 §十一): only when fewer than 70% of the shortlist remain and execution suffers; same
    conditions, method and elimination rate as the first solicitation; same end date as the original agreement,
    which keeps running meanwhile."""

    class Status(models.TextChoices):
        OPEN = "open", "征集中"
        CLOSED = "closed", "已截止"
        SHORTLISTED = "shortlisted", "已确定入围"

    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.PROTECT, related_name="supplements")
    reason = models.TextField("影响框架协议执行的情况")
    shortlisted_count = models.PositiveIntegerField("原入围供应商数")
    remaining_count = models.PositiveIntegerField("剩余入围供应商数")
    response_deadline = models.DateTimeField("响应截止时间")
    notice = models.ForeignKey("notices.Notice", verbose_name="补充征集公告", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.OPEN, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # When the sweep must next look at the supplement (its closing at the deadline: framework.supplement_deadlines).
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = "补充征集"
        verbose_name_plural = "补充征集"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.lot} 补充征集"

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED, custom={"label": "截止响应"})
    def close(self) -> None:
        """响应截止."""

    @transition(field=status, source=Status.CLOSED, target=Status.SHORTLISTED, custom={"label": "确定补充入围"})
    def shortlist(self) -> None:
        """确定补充入围供应商."""


class SolicitationResponse(FSMModelMixin, models.Model):
    """A supplier's response to one lot of a solicitation (or of a supplement): its price, qualification
    documents, SME declaration and quality inputs. Sealed until the response deadline: no selector, page, admin
    or API returns its price before then, whoever asks (the supplier's own draft excepted)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        WITHDRAWN = "withdrawn", "已撤回"

    class Qualification(models.TextChoices):
        PENDING = "pending", "待审查"
        QUALIFIED = "qualified", "符合资格条件和实质性要求"
        DISQUALIFIED = "disqualified", "不符合"

    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.PROTECT, related_name="solicitation_responses")
    supplier = models.ForeignKey(Organization, verbose_name="供应商", on_delete=models.PROTECT,
                                 related_name="framework_responses",
                                 limit_choices_to={"kind": Organization.Kind.SUPPLIER})
    supplement = models.ForeignKey(Supplement, verbose_name="补充征集", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="responses")
    price_yuan = models.DecimalField("响应单价（元）", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    qualification_file = models.FileField("资格证明文件", upload_to="framework/responses/%Y/%m/", max_length=255,
                                          blank=True)
    sme_size = models.CharField("中小企业声明", max_length=8, choices=Organization.SmeSize.choices, blank=True)
    is_green = models.BooleanField("符合绿色采购要求", default=False)
    # 质量优先法: the quality (technical) score inputs the evaluation needs.
    quality_statement = models.TextField("质量（技术）响应说明", blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # The center's evaluation, after the deadline.
    qualification = models.CharField("资格审查结果", max_length=16, choices=Qualification.choices,
                                     default=Qualification.PENDING)
    qualification_note = models.TextField("审查意见", blank=True)
    quality_score = models.DecimalField("质量（技术）得分", max_digits=6, decimal_places=2, null=True, blank=True,
                                        validators=[NOT_NEGATIVE])
    evaluated_at = models.DateTimeField("评审时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "框架协议征集响应"
        verbose_name_plural = "框架协议征集响应"
        ordering = ["lot", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "supplier"], condition=Q(supplement__isnull=True),
                                    name="framework_response_one_per_lot",
                                    violation_error_message="该供应商已对此采购包提交响应"),
            models.UniqueConstraint(fields=["supplement", "supplier"], condition=Q(supplement__isnull=False),
                                    name="framework_response_one_per_supplement",
                                    violation_error_message="该供应商已对此补充征集提交响应"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.lot}"

    @property
    def project(self) -> Project | None:
        """The project its audit events belong to (``procurement.services.events.project_of``), once its deadline
        (the solicitation's, or the supplement's) has passed; None while sealed, so that nobody reading the
        project's log learns who responded before the deadline."""
        deadline = self.supplement.response_deadline if self.supplement_id else self.lot.project.response_deadline
        if deadline is None or timezone.now() < deadline:
            return None
        return self.lot.project

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED], target=Status.SUBMITTED,
                custom={"label": "提交响应"})
    def submit(self) -> None:
        """提交（截止前可修改后再次提交）."""

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED], target=Status.WITHDRAWN,
                custom={"label": "撤回响应"})
    def withdraw(self) -> None:
        """截止前撤回."""


# --- the agreement: one supplier's place on one lot ----------------------------------------------------

class Agreement(FSMModelMixin, models.Model):
    """One supplier's place on one lot: shortlisted (入围, closed) or joined (open), its 入围通知书, the framework
    agreement signed within 30 days of the letter, its publication (3 working days) and filing (7 working days),
    then in force until removal (清退), leaving (open) or expiry. Its price is the ceiling of the supplier's
    listings and second-stage bids on the lot; its rotation position fixes its turn (顺序轮候).

    A supplier holds at most one place per lot: one row not ``left``. A supplier that left an open agreement may
    join the lot again: a new row, with a new code, beside its left ones (the history)."""

    class Status(models.TextChoices):
        SHORTLISTED = "shortlisted", "已入围待签订"
        SIGNED = "signed", "已签订"
        CANCELLED = "cancelled", "已取消入围资格"
        TERMINATED = "terminated", "已解除"
        LEFT = "left", "已退出"
        EXPIRED = "expired", "已到期"

    LIVE = [Status.SIGNED]

    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.PROTECT, related_name="agreements")
    supplier = models.ForeignKey(Organization, verbose_name="入围供应商", on_delete=models.PROTECT,
                                 related_name="framework_agreements",
                                 limit_choices_to={"kind": Organization.Kind.SUPPLIER})
    response = models.OneToOneField(SolicitationResponse, verbose_name="征集响应", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="agreement")
    code = models.CharField("协议编号", max_length=40, unique=True)
    price_yuan = models.DecimalField("协议单价（元）", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    rank = models.PositiveIntegerField("入围排名", null=True, blank=True)
    rotation_position = models.PositiveIntegerField("轮候顺序", null=True, blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.SHORTLISTED, protected=True,
                      db_index=True)
    letter_sent_on = models.DateField("入围通知书发出日期", null=True, blank=True)
    sign_due = models.DateField("签订截止日", null=True, blank=True)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    publish_due = models.DateField("入围信息公开截止日", null=True, blank=True)
    published_on = models.DateField("入围信息公开日期", null=True, blank=True)
    filing_due = models.DateField("备案截止日", null=True, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    valid_until = models.DateField("协议有效期止", null=True, blank=True)
    signed_file = models.FileField("签订的框架协议（PDF）", upload_to="framework/agreements/%Y/%m/", max_length=255,
                                   blank=True)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.TextField("终止原因", blank=True)
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "框架协议"
        verbose_name_plural = "框架协议"
        ordering = ["lot", "rank", "pk"]
        constraints = [
            # One place per lot and supplier (annex 8 §十一: a removed supplier never rejoins, its cancelled or
            # terminated row keeps the place). Only a supplier that left an open agreement may join the lot again
            # (Order 110, open agreements): its left rows stay as history beside the new agreement.
            models.UniqueConstraint(fields=["lot", "supplier"], condition=~Q(status="left"),
                                    name="framework_agreement_one_place_per_lot_supplier",
                                    violation_error_message="该供应商在此采购包已有入围记录"),
            models.UniqueConstraint(fields=["lot", "rotation_position"], condition=Q(rotation_position__isnull=False),
                                    name="framework_agreement_rotation_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.supplier}"

    @property
    def project(self) -> Project:
        """The framework project (its audit events go to the project's log)."""
        return self.lot.project

    @transition(field=status, source=Status.SHORTLISTED, target=Status.SIGNED, custom={"label": "签订框架协议"})
    def sign(self) -> None:
        """签订框架协议."""

    @transition(field=status, source=Status.SHORTLISTED, target=Status.CANCELLED, custom={"label": "取消入围资格"})
    def cancel(self) -> None:
        """清退：尚未签订框架协议的，取消其入围资格（第十九条）."""

    @transition(field=status, source=Status.SIGNED, target=Status.TERMINATED, custom={"label": "解除框架协议"})
    def terminate(self) -> None:
        """清退：已经签订框架协议的，解除框架协议（第十九条）."""

    @transition(field=status, source=Status.SIGNED, target=Status.LEFT, custom={"label": "退出框架协议"})
    def leave(self) -> None:
        """开放式框架协议：供应商退出."""

    @transition(field=status, source=[Status.SHORTLISTED, Status.SIGNED], target=Status.EXPIRED,
                custom={"label": "协议到期"})
    def expire(self) -> None:
        """有效期届满."""


class Removal(models.Model):
    """清退 (Order 110 Art. 19(1), annex 8 §十一): the ground, its evidence, and what it did to the agreement."""

    class Ground(models.TextChoices):
        COLLUSION = "collusion", "（一）恶意串通谋取入围或者合同成交的"
        FALSE_MATERIALS = "false_materials", "（二）提供虚假材料谋取入围或者合同成交的"
        REFUSED_AWARD = "refused_award", "（三）无正当理由拒不接受合同授予的"
        NON_PERFORMANCE = "non_performance", (
            "（四）不履行合同义务或者履行合同义务不符合约定，经采购人请求履行后仍不履行或者仍不符合约定的")
        DEBARRED = "debarred", "（五）框架协议有效期内，因违法行为被禁止或限制参加政府采购活动的"
        AGREEMENT_CASE = "agreement_case", "（六）框架协议约定的其他情形"

    class Effect(models.TextChoices):
        CANCELLED = "cancelled", "取消入围资格"
        TERMINATED = "terminated", "解除框架协议"

    agreement = models.OneToOneField(Agreement, verbose_name="框架协议", on_delete=models.PROTECT,
                                     related_name="removal")
    ground = models.CharField("清退情形", max_length=24, choices=Ground.choices)
    evidence = models.TextField("事实和证据")
    evidence_file = models.FileField("证据材料", upload_to="framework/removals/%Y/%m/", max_length=255, blank=True)
    effect = models.CharField("处理结果", max_length=16, choices=Effect.choices)
    decided_on = models.DateField("清退日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "入围供应商清退"
        verbose_name_plural = "入围供应商清退"
        ordering = ["-decided_on"]

    def __str__(self) -> str:
        return f"{self.agreement} {self.get_effect_display()}"


class JoinRequest(FSMModelMixin, models.Model):
    """开放式框架协议: a supplier asks to join a lot by accepting the published terms and price; the center reviews
    it within the period the plan declares."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "未同意"

    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.PROTECT, related_name="join_requests")
    supplier = models.ForeignKey(Organization, verbose_name="供应商", on_delete=models.PROTECT,
                                 related_name="framework_join_requests",
                                 limit_choices_to={"kind": Organization.Kind.SUPPLIER})
    accepts_terms = models.BooleanField("接受协议条件和价格", default=False)
    qualification_file = models.FileField("资格证明文件", upload_to="framework/joins/%Y/%m/", max_length=255,
                                          blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.PENDING, protected=True)
    review_due = models.DateField("审核截止日")
    review_note = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    agreement = models.OneToOneField(Agreement, verbose_name="加入后的框架协议", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="join_request")
    # When the sweep must next look at the request (review reminders: framework.open_deadlines).
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "开放式框架协议加入申请"
        verbose_name_plural = "开放式框架协议加入申请"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.supplier} 申请加入 {self.lot}"

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED, custom={"label": "同意加入"})
    def approve(self) -> None:
        """同意加入."""

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED, custom={"label": "不同意加入"})
    def reject(self) -> None:
        """不同意加入."""


class ProductListing(FSMModelMixin, models.Model):
    """上架: a product a supplier in force lists under its agreement, at a price not above the agreement price;
    the center approves it before purchasers see it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已上架"
        REJECTED = "rejected", "未通过"
        DELISTED = "delisted", "已下架"

    agreement = models.ForeignKey(Agreement, verbose_name="框架协议", on_delete=models.PROTECT,
                                  related_name="listings")
    name = models.CharField("商品名称", max_length=200)
    brand = models.CharField("品牌", max_length=100)
    model_number = models.CharField("型号", max_length=100)
    specification = models.TextField("规格参数", blank=True)
    unit_price_yuan = models.DecimalField("单价（元）", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    is_imported = models.BooleanField("进口产品", default=False)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, protected=True,
                      db_index=True)
    review_note = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "上架商品"
        verbose_name_plural = "上架商品"
        ordering = ["agreement", "name"]

    def __str__(self) -> str:
        return f"{self.brand} {self.name} {self.model_number}"

    @property
    def project(self) -> Project:
        """The framework project (its audit events go to the project's log)."""
        return self.agreement.lot.project

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED, custom={"label": "审核上架"})
    def approve(self) -> None:
        """审核通过，上架."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED, custom={"label": "退回上架申请"})
    def reject(self) -> None:
        """审核不通过."""

    @transition(field=status, source=[Status.SUBMITTED, Status.APPROVED], target=Status.DELISTED,
                custom={"label": "下架"})
    def delist(self) -> None:
        """下架."""


class FrameworkDetails(models.Model):
    """What a framework project adds to the core project once it runs: the solicitation notice, the shortlist
    result notice, the execution notice (框架协议执行通知, seed 三(二)(5)) — only after it may orders be placed —
    and the summary result notice after expiry."""

    project = models.OneToOneField(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                   related_name="framework")
    solicitation_notice = models.ForeignKey("notices.Notice", verbose_name="框架协议征集公告", null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    shortlist_notice = models.ForeignKey("notices.Notice", verbose_name="入围结果公告", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    execution_notice = models.ForeignKey("notices.Notice", verbose_name="框架协议执行通知", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    execution_scope = models.TextField("执行范围", blank=True)
    execution_procedure = models.TextField("第二阶段执行程序", blank=True)
    executing_from = models.DateField("执行期限起", null=True, blank=True)
    summary_notice = models.ForeignKey("notices.Notice", verbose_name="成交结果汇总公告", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    summary_due = models.DateField("汇总公告截止日", null=True, blank=True)
    expired_at = models.DateTimeField("协议到期时间", null=True, blank=True)
    # When the sweep must next look at the project (summary notice reminders: framework.expiry_deadlines).
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = "框架协议执行信息"
        verbose_name_plural = "框架协议执行信息"

    def __str__(self) -> str:
        return f"{self.project.code} 框架协议执行信息"


# --- stage 2: orders (授予合同) --------------------------------------------------------------------------

class Order(FSMModelMixin, models.Model):
    """A second-stage order: a purchaser's 立项 with its plan filing, within the task's limit, awarded to one
    supplier in force on the lot by the agreement's method; its contract is the core's (with lines).

    Ceilings (the lot's, a supplier's, the task's) are recomputed as sums over live orders inside a lock taken in
    a fixed order (``framework.services.orders``), never kept as running totals."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        BIDDING = "bidding", "二次竞价中"
        AWARDED = "awarded", "已确定成交供应商"
        CONTRACTED = "contracted", "已生成合同"
        CANCELLED = "cancelled", "已取消"

    LIVE = [Status.DRAFT, Status.BIDDING, Status.AWARDED, Status.CONTRACTED]

    code = models.CharField("订单编号", max_length=40, unique=True)
    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.PROTECT, related_name="framework_orders")
    purchaser = models.ForeignKey(Organization, verbose_name="采购人", on_delete=models.PROTECT,
                                  related_name="framework_orders",
                                  limit_choices_to={"kind": Organization.Kind.BUDGET_UNIT})
    method = models.CharField("成交供应商确定方式", max_length=24, choices=SecondStageMethod.choices)
    plan_filing_ref = models.CharField("采购计划备案编号", max_length=64,
                                       help_text="预算管理一体化系统中第二阶段采购项目立项及采购计划备案编号")
    description = models.CharField("采购内容", max_length=200)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.01"), message="数量须大于0")])
    budget_yuan = models.DecimalField("预算金额（元）", max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE])
    needs_imported = models.BooleanField("采购进口产品", default=False)
    import_approval_ref = models.CharField("进口产品核准文号", max_length=64, blank=True)
    # 直接选定: the listed product and why.
    listing = models.ForeignKey(ProductListing, verbose_name="选定商品", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="orders")
    selection_reason = models.TextField("选定理由", blank=True)
    # 二次竞价: when the bids close.
    bidding_closes_at = models.DateTimeField("竞价截止时间", null=True, blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    agreement = models.ForeignKey(Agreement, verbose_name="成交供应商的框架协议", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="orders")
    unit_price_yuan = models.DecimalField("成交单价（元）", max_digits=14, decimal_places=2, null=True, blank=True,
                                          validators=[NOT_NEGATIVE])
    amount_yuan = models.DecimalField("成交金额（元）", max_digits=16, decimal_places=2, null=True, blank=True,
                                      validators=[NOT_NEGATIVE])
    awarded_at = models.DateTimeField("成交时间", null=True, blank=True)
    contract = models.OneToOneField("procurement.Contract", verbose_name="采购合同", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="framework_order")
    award_notice = models.ForeignKey("notices.Notice", verbose_name="成交结果单笔公告", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    award_notice_due = models.DateField("单笔公告截止日", null=True, blank=True)
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "第二阶段采购订单"
        verbose_name_plural = "第二阶段采购订单"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["lot", "status"]), models.Index(fields=["purchaser", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def project(self) -> Project:
        """The framework project (its audit events go to the project's log)."""
        return self.lot.project

    @transition(field=status, source=Status.DRAFT, target=Status.BIDDING, custom={"label": "发起二次竞价"})
    def open_bidding(self) -> None:
        """邀请该采购包全部入围供应商参与二次竞价."""

    @transition(field=status, source=[Status.DRAFT, Status.BIDDING], target=Status.AWARDED,
                custom={"label": "确定成交供应商"})
    def award(self) -> None:
        """确定第二阶段成交供应商."""

    @transition(field=status, source=Status.AWARDED, target=Status.CONTRACTED, custom={"label": "生成合同"})
    def contract_made(self) -> None:
        """生成采购合同."""

    @transition(field=status, source=[Status.DRAFT, Status.BIDDING, Status.AWARDED], target=Status.CANCELLED,
                custom={"label": "取消订单"})
    def cancel(self) -> None:
        """取消订单."""


class OrderBid(models.Model):
    """二次竞价: one invited supplier's sealed bid on an order, not above its agreement price; sealed until the
    order's closing time."""

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.CASCADE, related_name="bids")
    agreement = models.ForeignKey(Agreement, verbose_name="框架协议", on_delete=models.PROTECT,
                                  related_name="bids")
    unit_price_yuan = models.DecimalField("报价单价（元）", max_digits=14, decimal_places=2, null=True, blank=True,
                                          validators=[NOT_NEGATIVE])
    submitted_at = models.DateTimeField("报价时间", null=True, blank=True)
    invited_at = models.DateTimeField("邀请时间", auto_now_add=True)

    class Meta:
        verbose_name = "二次竞价报价"
        verbose_name_plural = "二次竞价报价"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "agreement"], name="framework_bid_one_per_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.order.code} · {self.agreement.supplier}"

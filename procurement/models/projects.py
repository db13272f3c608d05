"""The shared procurement model every mode uses: project, lots, eligible units, sub-plans, award.

The master plan (总计划) is not a table: it is the aggregate of the submitted sub-plans,
computed by ``procurement.selectors.master_plan``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from procurement import access
from procurement.workflow import refusal

from .reference import Category, Organization, Region

POSITIVE = MinValueValidator(Decimal("0.01"), message="必须大于0")
NOT_NEGATIVE = MinValueValidator(Decimal("0"), message="不能为负数")


class Mode(models.TextChoices):
    BATCH = "batch", "批量集中采购"
    FRAMEWORK = "framework", "框架协议采购"
    VOLUME = "volume", "集中带量采购"


class ProcurementMethod(models.TextChoices):
    OPEN_TENDER = "open_tender", "公开招标"
    INVITED_TENDER = "invited_tender", "邀请招标"
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", "竞争性谈判"
    COMPETITIVE_CONSULTATION = "competitive_consultation", "竞争性磋商"
    INQUIRY = "inquiry", "询价"
    SINGLE_SOURCE = "single_source", "单一来源"
    FRAMEWORK_SOLICITATION = "framework_solicitation", "框架协议公开征集"


class ProjectQuerySet(models.QuerySet):
    def of_mode(self, mode: str) -> ProjectQuerySet:
        return self.filter(mode=mode)

    def collecting(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.COLLECTING)


class ModeManager(models.Manager.from_queryset(ProjectQuerySet)):
    """The manager of a mode's proxy: only that mode's projects."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def get_queryset(self) -> ProjectQuerySet:
        return super().get_queryset().filter(mode=self.mode)


class Project(FSMModelMixin, models.Model):
    """采购项目: one procurement, whatever the mode (需求确定 → 采购执行 → 结果管理)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        COLLECTING = "collecting", "需求征集中"
        AGGREGATED = "aggregated", "需求已汇总"
        CONFIRMED = "confirmed", "总计划已确认"
        PROCURING = "procuring", "采购实施中"
        AWARDED = "awarded", "已定标"
        COMPLETED = "completed", "已完成"
        TERMINATED = "terminated", "已终止"

    # States from which a project may still be stopped with a termination notice (终止公告).
    TERMINABLE = [Status.DRAFT, Status.COLLECTING, Status.AGGREGATED, Status.CONFIRMED, Status.PROCURING]

    code = models.CharField("项目编号", max_length=32, unique=True)
    mode = models.CharField("采购方式类别", max_length=16, choices=Mode.choices, db_index=True)
    title = models.CharField("项目名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    # 组织单位: the centralized procurement agency (batch, framework) or the lead unit (volume).
    organizer = models.ForeignKey(Organization, verbose_name="组织单位（采购中心/牵头单位）",
                                  on_delete=models.PROTECT, related_name="organized_projects")
    # 受托采购代理机构 (volume: the lead unit entrusts an agency).
    agency = models.ForeignKey(Organization, verbose_name="受托代理机构", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="agency_projects")
    category = models.ForeignKey(Category, verbose_name="采购品目", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="projects")
    scope_region = models.ForeignKey(Region, verbose_name="适用范围", on_delete=models.PROTECT,
                                     related_name="projects")
    scope_note = models.CharField("适用范围说明", max_length=255, blank=True)
    # 采购限额 of the task the project carries out (batch: the task notice's; framework: the order limit).
    # A unit whose sub-plans together exceed it is flagged to the center, not refused.
    purchase_limit_yuan = models.DecimalField("采购限额（元）", max_digits=16, decimal_places=2, null=True,
                                              blank=True, validators=[NOT_NEGATIVE])
    description = models.TextField("项目说明", blank=True)
    procurement_method = models.CharField("采购方式", max_length=32, choices=ProcurementMethod.choices,
                                          blank=True)
    response_opens_at = models.DateTimeField("需求响应开始时间", null=True, blank=True)
    response_deadline = models.DateTimeField("需求响应截止时间", null=True, blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT,
                      protected=True, db_index=True)
    termination_reason = models.TextField("终止原因", blank=True)
    # --- execution (实施采购 → 定标), every mode: the record the center (or the entrusted agency) keeps ------------
    # 总计划确认: the procurement documents are drawn up from the confirmed master plan (seed 000 三(一)(5)).
    master_plan_confirmed_at = models.DateTimeField("总计划确认时间", null=True, blank=True)
    documents_issued_on = models.DateField("采购文件发布日期", null=True, blank=True)
    bid_opening_at = models.DateTimeField("开标（响应截止）时间", null=True, blank=True)
    evaluation_on = models.DateField("评审日期", null=True, blank=True)
    # 评审专家名单: part of the award notice (《政府采购法实施条例》第四十三条).
    evaluation_experts = models.TextField("评审专家名单", blank=True)
    award_notice = models.ForeignKey("notices.Notice", verbose_name="中标（成交）结果公告", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # The next moment the deadline sweep must look at this project (window close, reminders).
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "采购项目"
        verbose_name_plural = "采购项目"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["mode", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_opens_at__isnull=True) | Q(response_deadline__isnull=True)
                | Q(response_deadline__gt=models.F("response_opens_at")),
                name="project_window_ordered",
                violation_error_message="需求响应截止时间必须晚于开始时间",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if self.response_opens_at and self.response_deadline and self.response_deadline <= self.response_opens_at:
            raise ValidationError({"response_deadline": "需求响应截止时间必须晚于开始时间"})

    # --- conditions: pure predicates ------------------------------------------------------
    @refusal("尚未设置需求响应截止时间")
    def has_window(self) -> bool:
        return bool(self.response_deadline)

    @refusal("尚未设置采购包")
    def has_lots(self) -> bool:
        return self.lots.exists()

    @refusal("不在需求响应时间内（未开始或已截止），或项目未处于需求征集阶段")
    def window_open(self, at=None) -> bool:
        at = at or timezone.now()
        opened = self.response_opens_at is None or self.response_opens_at <= at
        return self.status == self.Status.COLLECTING and opened and at < self.response_deadline

    @refusal("需求响应尚未截止")
    def window_closed(self) -> bool:
        return self.response_deadline is not None and timezone.now() >= self.response_deadline

    @refusal("尚无已提交的分计划")
    def has_submitted_sub_plans(self) -> bool:
        return self.sub_plans.filter(status=SubPlan.Status.SUBMITTED).exists()

    @refusal("尚未确定采购方式")
    def has_method(self) -> bool:
        return bool(self.procurement_method)

    @refusal("仍有采购包未确定中标（成交）结果")
    def every_lot_awarded(self) -> bool:
        return not self.lots.filter(award__isnull=True, sub_plans__status=SubPlan.Status.FROZEN).exists()

    # --- transitions (run through procurement.services.transitions only) -------------------
    @transition(field=status, source=Status.DRAFT, target=Status.COLLECTING,
                conditions=[has_window, has_lots], permission=access.runs_step(access.Step.COLLECTION),
                custom={"label": "发布征集"})
    def open_collection(self) -> None:
        """发布征集：开放需求响应窗口."""
        if self.response_opens_at is None:
            self.response_opens_at = timezone.now()

    @transition(field=status, source=Status.COLLECTING, target=Status.AGGREGATED,
                conditions=[window_closed], permission=access.runs_step(access.Step.COLLECTION),
                custom={"label": "截止汇总"})
    def close_collection(self) -> None:
        """截止汇总：需求响应截止，形成总计划."""

    @transition(field=status, source=Status.AGGREGATED, target=Status.CONFIRMED,
                conditions=[has_submitted_sub_plans], permission=access.runs_step(access.Step.MASTER_PLAN),
                custom={"label": "确认总计划"})
    def confirm_master_plan(self) -> None:
        """确认总计划：分计划随之锁定."""

    @transition(field=status, source=Status.CONFIRMED, target=Status.PROCURING,
                conditions=[has_method], permission=access.runs_step(access.Step.PROCUREMENT_START),
                custom={"label": "实施采购"})
    def start_procurement(self) -> None:
        """实施采购."""

    @transition(field=status, source=Status.PROCURING, target=Status.AWARDED,
                conditions=[every_lot_awarded], permission=access.runs_step(access.Step.AWARD),
                custom={"label": "定标"})
    def record_award(self) -> None:
        """定标：各采购包中标（成交）结果已确定."""

    @transition(field=status, source=Status.AWARDED, target=Status.COMPLETED,
                permission=access.runs_step(access.Step.COMPLETION),
                custom={"label": "项目完成"})
    def complete(self) -> None:
        """项目完成."""

    @transition(field=status, source=TERMINABLE, target=Status.TERMINATED,
                permission=access.runs_step(access.Step.TERMINATION),
                custom={"label": "终止项目"})
    def terminate(self) -> None:
        """终止项目（定标前任一阶段）."""


class Lot(models.Model):
    """采购包 (batch: one per configuration type) or 采购内容 item (volume)."""

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField("包号")
    name = models.CharField("名称", max_length=200)
    category = models.ForeignKey(Category, verbose_name="采购品目", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="lots")
    specification = models.TextField("技术参数/配置要求", blank=True)
    # Declared per lot, whatever the mode (台, 套, 次, 人天, 吨 …): whether quantities are whole follows from it.
    unit_of_measure = models.CharField("计量单位", max_length=16)
    # 参考单价: what the market survey found for this configuration (batch: the configuration table). It
    # informs the units' budgets and flags the ones far from it; it binds nothing.
    reference_price_yuan = models.DecimalField("参考单价（元）", max_digits=14, decimal_places=2,
                                               null=True, blank=True, validators=[NOT_NEGATIVE])
    # 最高限制单价: a ceiling the procurement documents (or a framework plan) actually set. A price above it
    # is invalid (《政府采购货物和服务招标投标管理办法》第六十三条); empty when none was set.
    max_unit_price_yuan = models.DecimalField("最高限制单价（元）", max_digits=14, decimal_places=2,
                                              null=True, blank=True, validators=[NOT_NEGATIVE])

    class Meta:
        verbose_name = "采购包"
        verbose_name_plural = "采购包"
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="lot_number_unique")]

    def __str__(self) -> str:
        return f"第{self.number}包 {self.name}"


class EligibleUnit(models.Model):
    """可响应单位 / 参与单位: a budget unit that may file a sub-plan for the project."""

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                related_name="eligible_units")
    unit = models.ForeignKey(Organization, verbose_name="预算单位", on_delete=models.PROTECT,
                             related_name="eligibilities", limit_choices_to={"kind": Organization.Kind.BUDGET_UNIT})
    invited_at = models.DateTimeField("纳入时间", auto_now_add=True)

    class Meta:
        verbose_name = "可响应单位"
        verbose_name_plural = "可响应单位"
        constraints = [models.UniqueConstraint(fields=["project", "unit"], name="eligible_unit_unique")]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.unit}"


class SubPlan(FSMModelMixin, models.Model):
    """分计划: one budget unit's quantity and budget for one lot."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        FROZEN = "frozen", "已锁定"
        WITHDRAWN = "withdrawn", "已撤回"

    # The statuses that count in the master plan.
    COUNTED = [Status.SUBMITTED, Status.FROZEN]

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                related_name="sub_plans")
    lot = models.ForeignKey(Lot, verbose_name="采购包", on_delete=models.CASCADE, related_name="sub_plans")
    unit = models.ForeignKey(Organization, verbose_name="预算单位", on_delete=models.PROTECT,
                             related_name="sub_plans")
    quantity = models.DecimalField("采购数量", max_digits=14, decimal_places=2, validators=[POSITIVE])
    budget_yuan = models.DecimalField("预算金额（元）", max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE])
    contact_name = models.CharField("联系人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    note = models.TextField("备注", blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT,
                      protected=True, db_index=True)
    revision = models.PositiveIntegerField("修改次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "分计划"
        verbose_name_plural = "分计划"
        ordering = ["project", "lot__number", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "unit"], name="sub_plan_one_per_unit_and_lot"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sub_plan_quantity_positive",
                                   violation_error_message="采购数量必须大于0"),
            models.CheckConstraint(condition=Q(budget_yuan__gte=0), name="sub_plan_budget_not_negative",
                                   violation_error_message="预算金额不能为负数"),
        ]
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.lot}"

    @refusal("不在需求响应时间内（未开始或已截止），或项目未处于需求征集阶段")
    def window_open(self) -> bool:
        return self.project.window_open()

    @refusal("资金构成合计与预算金额不一致")
    def funding_matches_budget(self) -> bool:
        lines = list(self.funding_lines.all())
        return not lines or sum((line.amount_yuan for line in lines), Decimal(0)) == self.budget_yuan

    @refusal("总计划尚未确认")
    def project_confirmed(self) -> bool:
        return self.project.status == Project.Status.CONFIRMED

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN],
                target=Status.SUBMITTED, conditions=[window_open, funding_matches_budget],
                permission=access.can_edit_sub_plan,
                custom={"label": "提交分计划"})
    def submit(self) -> None:
        """提交分计划（截止前可反复修改后再次提交）."""
        self.submitted_at = timezone.now()
        self.revision += 1

    @transition(field=status, source=Status.SUBMITTED, target=Status.WITHDRAWN,
                conditions=[window_open], permission=access.can_edit_sub_plan,
                custom={"label": "撤回分计划"})
    def withdraw(self) -> None:
        """撤回分计划."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.FROZEN,
                conditions=[project_confirmed], permission=access.can_manage_sub_plan_project,
                custom={"label": "锁定分计划"})
    def freeze(self) -> None:
        """总计划确认后锁定."""


class FundingLine(models.Model):
    """资金构成: one funding source of a sub-plan."""

    class Source(models.TextChoices):
        GENERAL_BUDGET = "general_budget", "一般公共预算资金"
        GOVERNMENT_FUND = "government_fund", "政府性基金预算资金"
        STATE_CAPITAL = "state_capital", "国有资本经营预算资金"
        SPECIAL_ACCOUNT = "special_account", "财政专户管理资金"
        OWN_FUNDS = "own_funds", "单位资金"
        OTHER = "other", "其他资金"

    sub_plan = models.ForeignKey(SubPlan, verbose_name="分计划", on_delete=models.CASCADE,
                                 related_name="funding_lines")
    source = models.CharField("资金来源", max_length=24, choices=Source.choices)
    amount_yuan = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE])
    budget_index_code = models.CharField("预算指标编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "资金构成"
        verbose_name_plural = "资金构成"
        constraints = [
            models.CheckConstraint(condition=Q(amount_yuan__gte=0), name="funding_amount_not_negative",
                                   violation_error_message="资金金额不能为负数"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount_yuan}元"


class Award(models.Model):
    """中标（成交）结果 of one lot."""

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE, related_name="awards")
    lot = models.OneToOneField(Lot, verbose_name="采购包", on_delete=models.CASCADE, related_name="award")
    supplier = models.ForeignKey(Organization, verbose_name="中标（成交）供应商", on_delete=models.PROTECT,
                                 related_name="awards", limit_choices_to={"kind": Organization.Kind.SUPPLIER})
    unit_price_yuan = models.DecimalField("中标单价（元）", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    awarded_on = models.DateField("定标日期")
    notice_published_at = models.DateTimeField("结果公告时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "中标（成交）结果"
        verbose_name_plural = "中标（成交）结果"
        ordering = ["project", "lot__number"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price_yuan__gte=0), name="award_price_not_negative",
                                   violation_error_message="中标单价不能为负数"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} → {self.supplier}"

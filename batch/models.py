"""批量集中采购 (seed 000 二(一), 三(一); annexes 4–6) on the shared core.

Mode-specific data only: the budget arrangement table (annex 4), the product configuration table (annex 6)
and the batch details of a project. Projects, lots, eligible units, sub-plans, awards, contracts and task
notices (annex 5: the core's ``TaskNotice`` with ``mode="batch"``) are the core's tables.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from procurement import access
from procurement.models import Category, Lot, Mode, ModeManager, Organization, Project
from procurement.models import Cycle as CoreCycle
from procurement.models import TaskNotice as CoreTaskNotice

# Batch's 采购周期, named here as before the task notice moved to the core.
Cycle = CoreCycle

NOT_NEGATIVE = MinValueValidator(0, message="不能为负数")


# --- annex 4: 部门预算政府采购项目安排情况表 ------------------------------------------------------

class Arrangement(models.Model):
    """One imported arrangement table of a finance bureau for a year (all rows or none)."""

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    finance_bureau = models.ForeignKey(Organization, verbose_name="财政部门", on_delete=models.PROTECT,
                                       related_name="arrangements",
                                       limit_choices_to={"kind": Organization.Kind.FINANCE})
    title = models.CharField("表名", max_length=200, blank=True)
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    total_quantity = models.DecimalField("采购数量合计", max_digits=18, decimal_places=2, default=0)
    total_amount_wan = models.DecimalField("采购金额合计（万元）", max_digits=18, decimal_places=4, default=0)
    is_current = models.BooleanField("当前有效", default=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    # A replaced table keeps its lines: its detail and analysis stay readable, proposals still point to it.
    replaced_by = models.ForeignKey("self", verbose_name="替换为", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced")
    replaced_at = models.DateTimeField("替换时间", null=True, blank=True)

    class Meta:
        verbose_name = "部门预算政府采购项目安排情况表"
        verbose_name_plural = "部门预算政府采购项目安排情况表"
        ordering = ["-year", "-imported_at"]
        constraints = [
            # A newer import for the same bureau and year supersedes the older one.
            models.UniqueConstraint(fields=["finance_bureau", "year"], condition=Q(is_current=True),
                                    name="arrangement_one_current_per_bureau_year"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.year}年度部门预算政府采购项目安排情况表"


class ArrangementLine(models.Model):
    """One row: a budget unit's planned purchase of one category (amount in 万元)."""

    arrangement = models.ForeignKey(Arrangement, verbose_name="安排情况表", on_delete=models.CASCADE,
                                    related_name="lines")
    row_number = models.PositiveIntegerField("Excel行号")
    serial = models.CharField("序号", max_length=16, blank=True)
    unit = models.ForeignKey(Organization, verbose_name="预算单位", on_delete=models.PROTECT,
                             related_name="arrangement_lines")
    category = models.ForeignKey(Category, verbose_name="采购品目", on_delete=models.PROTECT,
                                 related_name="arrangement_lines")
    quantity = models.DecimalField("采购数量", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    amount_wan = models.DecimalField("采购金额（万元）", max_digits=14, decimal_places=4, validators=[NOT_NEGATIVE])

    class Meta:
        verbose_name = "安排情况表明细"
        verbose_name_plural = "安排情况表明细"
        ordering = ["arrangement", "row_number"]
        indexes = [
            models.Index(fields=["arrangement", "category"]),
            models.Index(fields=["arrangement", "unit"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(amount_wan__gte=0),
                                   name="arrangement_line_not_negative",
                                   violation_error_message="采购数量和采购金额不能为负数"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.category} · {self.amount_wan}万元"


# --- annex 5: 批量集中采购任务通知单 -------------------------------------------------------------
# The task notice is the core's (procurement.models.TaskNotice, shared with framework's annex 7); batch keeps
# a proxy of it limited to batch notices, for its annex-5 admin (same admin addresses and permissions as before
# the move) and for batch code that reads "batch's task notices".

class BatchTaskNoticeManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(mode=Mode.BATCH)


class TaskNotice(CoreTaskNotice):
    """批量集中采购任务通知单 (annex 5): the core task notice of a batch task (proxy, same table)."""

    objects = BatchTaskNoticeManager()

    class Meta:
        proxy = True
        verbose_name = "批量集中采购任务通知单"
        verbose_name_plural = "批量集中采购任务通知单"

    def save(self, *args, **kwargs) -> None:
        # A row made through batch's proxy is a batch notice (as every notice was before the core model).
        if not self.mode:
            self.mode = Mode.BATCH
        super().save(*args, **kwargs)


BATCH_TASKS = {"mode": Mode.BATCH}


# --- 拟定品目: the center's proposal of batch categories to finance ---------------------------

def may_decide_proposal(proposal: CategoryProposal, user) -> bool:
    """The finance bureau the proposal went to decides on each of its categories (论证)."""
    return access.is_privileged(user) or access.acts_for(user, proposal.finance_bureau_id)


def access_by_proposal_bureau(item: ProposedCategory, user) -> bool:
    return may_decide_proposal(item.proposal, user)


class CategoryProposal(models.Model):
    """批量集中采购品目建议: the categories a center proposes to its finance bureau for batch procurement.

    Seed 000 三(一)1(1): the center analyses the arrangement table along three dimensions and 拟定实施批量
    集中采购品目报同级财政部门; finance deliberates (论证) and turns what it adopts into task notices.
    """

    arrangement = models.ForeignKey(Arrangement, verbose_name="依据的安排情况表", on_delete=models.PROTECT,
                                    related_name="proposals")
    center = models.ForeignKey(Organization, verbose_name="报送集中采购机构", on_delete=models.PROTECT,
                               related_name="batch_proposals_sent",
                               limit_choices_to={"kind": Organization.Kind.CENTER})
    finance_bureau = models.ForeignKey(Organization, verbose_name="报送财政部门", on_delete=models.PROTECT,
                                       related_name="batch_proposals_received",
                                       limit_choices_to={"kind": Organization.Kind.FINANCE})
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    note = models.TextField("报送说明", blank=True,
                            help_text="结合国采中心批量采购计划和我省框架协议开展情况等的说明")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)

    class Meta:
        verbose_name = "批量集中采购品目建议"
        verbose_name_plural = "批量集中采购品目建议"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.center.name}{self.year}年度批量集中采购品目建议"


class ProposedCategory(FSMModelMixin, models.Model):
    """One proposed category, with the analysis it rests on as it stood when proposed."""

    class Status(models.TextChoices):
        PENDING = "pending", "待论证"
        ADOPTED = "adopted", "已采纳"
        DECLINED = "declined", "不予采纳"

    proposal = models.ForeignKey(CategoryProposal, verbose_name="品目建议", on_delete=models.CASCADE,
                                 related_name="items")
    category = models.ForeignKey(Category, verbose_name="采购品目", on_delete=models.PROTECT,
                                 related_name="batch_proposals")
    rank = models.PositiveSmallIntegerField("分析排名")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    unit_count = models.PositiveIntegerField("单位数")
    amount_wan = models.DecimalField("采购金额（万元）", max_digits=18, decimal_places=4)
    recommended = models.BooleanField("分析建议纳入", default=False)
    reasoning = models.TextField("分析理由")
    status = FSMField("论证结果", max_length=16, choices=Status.choices, default=Status.PENDING, protected=True,
                      db_index=True)
    decision_note = models.TextField("论证意见", blank=True)
    decided_at = models.DateTimeField("论证时间", null=True, blank=True)
    task = models.OneToOneField(CoreTaskNotice, verbose_name="据此起草的任务通知单", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="proposed_from", limit_choices_to=BATCH_TASKS)

    class Meta:
        verbose_name = "建议品目"
        verbose_name_plural = "建议品目"
        ordering = ["proposal", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "category"], name="proposed_category_once_per_proposal"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name}（{self.get_status_display()}）"

    @transition(field=status, source=Status.PENDING, target=Status.ADOPTED,
                permission=access_by_proposal_bureau, custom={"label": "采纳并起草任务通知单"})
    def adopt(self) -> None:
        """采纳: finance drafts a task notice for the category."""

    @transition(field=status, source=Status.PENDING, target=Status.DECLINED,
                permission=access_by_proposal_bureau, custom={"label": "不予采纳"})
    def decline(self) -> None:
        """不予采纳, with the reason."""


# --- annex 6: 批量集中采购产品配置表 -------------------------------------------------------------

class ConfigurationTable(models.Model):
    """产品配置表: the configuration types the center designed for a task's categories."""

    center = models.ForeignKey(Organization, verbose_name="集中采购机构", on_delete=models.PROTECT,
                               related_name="configuration_tables",
                               limit_choices_to={"kind": Organization.Kind.CENTER})
    task = models.ForeignKey(CoreTaskNotice, verbose_name="任务通知单", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="configuration_tables",
                             limit_choices_to=BATCH_TASKS)
    title = models.CharField("表名", max_length=200)
    filled_on = models.DateField("填报日期")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "产品配置表"
        verbose_name_plural = "产品配置表"
        ordering = ["-filled_on", "-id"]

    def __str__(self) -> str:
        return self.title


class ConfigurationType(models.Model):
    """配置N of one category (采购标的品目): its technical parameters."""

    table = models.ForeignKey(ConfigurationTable, verbose_name="产品配置表", on_delete=models.CASCADE,
                              related_name="types")
    category = models.ForeignKey(Category, verbose_name="采购标的品目", on_delete=models.PROTECT,
                                 related_name="configuration_types")
    row_number = models.PositiveSmallIntegerField("序号")
    number = models.PositiveSmallIntegerField("配置序号")
    name = models.CharField("配置名称", max_length=100)
    parameters = models.TextField("技术参数")
    unit_of_measure = models.CharField("计量单位", max_length=16, default="台")
    reference_price_yuan = models.DecimalField("参考单价（元）", max_digits=14, decimal_places=2, null=True,
                                               blank=True, validators=[NOT_NEGATIVE])

    class Meta:
        verbose_name = "产品配置分型"
        verbose_name_plural = "产品配置分型"
        ordering = ["table", "row_number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["table", "category", "number"], name="configuration_type_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.name}"


# --- the batch project ------------------------------------------------------------------------

class BatchProject(Project):
    """A batch project: the core Project with batch's own rules (proxy, same table)."""

    objects = ModeManager(Mode.BATCH)

    class Meta:
        proxy = True
        verbose_name = "批量集中采购项目"
        verbose_name_plural = "批量集中采购项目"


class BatchDetails(models.Model):
    """What a batch project adds to the core project: its task, configurations, procedure and dates."""

    class Eligibility(models.TextChoices):
        REGION = "region", "按地区"
        LEVEL = "level", "按级次"
        LIST = "list", "指定名单"

    project = models.OneToOneField(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                   related_name="batch")
    task = models.ForeignKey(CoreTaskNotice, verbose_name="任务通知单", on_delete=models.PROTECT,
                             related_name="projects", limit_choices_to=BATCH_TASKS)
    configuration_table = models.ForeignKey(ConfigurationTable, verbose_name="产品配置表", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="projects")
    eligibility = models.CharField("可响应单位确定方式", max_length=8, choices=Eligibility.choices,
                                   default=Eligibility.REGION)
    procedure = models.TextField("需求征集和采购执行程序", blank=True)
    # The execution record (the master plan's confirmation, documents, dates, experts, the award notice) is
    # the core project's (``procurement.models.Project``), whatever the mode.

    class Meta:
        verbose_name = "批量集中采购项目信息"
        verbose_name_plural = "批量集中采购项目信息"

    def __str__(self) -> str:
        return f"{self.project.code} 批量集中采购信息"


class BatchLot(models.Model):
    """The configuration type a lot was made from (one lot per configuration type)."""

    lot = models.OneToOneField(Lot, verbose_name="采购包", on_delete=models.CASCADE, related_name="batch")
    configuration_type = models.ForeignKey(ConfigurationType, verbose_name="产品配置分型", on_delete=models.PROTECT,
                                           related_name="lots")

    class Meta:
        verbose_name = "采购包配置"
        verbose_name_plural = "采购包配置"

    def __str__(self) -> str:
        return f"{self.lot} ← {self.configuration_type}"

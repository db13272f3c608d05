"""采购任务通知单: finance gives the centralized procurement agency a category to procure, in every mode.

Batch procurement's 批量集中采购任务通知单 (seed 000 annex 5) and framework agreements' 框架协议采购任务通知单
(annex 7) are one document: category, limit (小额零星), scope (the province or some regions). Batch adds a
cycle (采购周期); framework adds a validity (goods usually 1 year, services 2). Each mode renders its own annex
and adds its own rules through ``procurement.modes`` (``task_notice_extra_checks``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from procurement import access
from procurement.workflow import refusal

from .projects import Mode
from .reference import Category, Organization, Region

NOT_NEGATIVE = MinValueValidator(0, message="不能为负数")


def access_by_finance_bureau(task: TaskNotice, user) -> bool:
    """The issuing finance bureau drafts, issues and withdraws its task notices."""
    return access.is_privileged(user) or access.acts_for(user, task.finance_bureau_id)


def access_by_center(task: TaskNotice, user) -> bool:
    """The center the task is addressed to acknowledges it."""
    return access.is_privileged(user) or access.acts_for(user, task.center_id)


class Cycle(models.TextChoices):
    """采购周期 of a batch task (annex 5)."""

    MONTHLY = "monthly", "每月一次"
    QUARTERLY = "quarterly", "每季度一次"
    HALF_YEARLY = "half_yearly", "每半年一次"
    YEARLY = "yearly", "每年一次"
    ONCE = "once", "一次性"


class TaskNotice(FSMModelMixin, models.Model):
    """采购任务通知单: finance issues a category to the center for procurement in one mode."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已下达"
        ACKNOWLEDGED = "acknowledged", "已签收"
        WITHDRAWN = "withdrawn", "已撤回"

    class Scope(models.TextChoices):
        PROVINCE = "province", "全省"
        REGIONS = "regions", "分地区"

    mode = models.CharField("采购组织形式", max_length=16, choices=Mode.choices, db_index=True)
    document_number = models.CharField("文号", max_length=64, blank=True)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    finance_bureau = models.ForeignKey(Organization, verbose_name="下达财政部门", on_delete=models.PROTECT,
                                       related_name="task_notices_issued",
                                       limit_choices_to={"kind": Organization.Kind.FINANCE})
    center = models.ForeignKey(Organization, verbose_name="执行集中采购机构", on_delete=models.PROTECT,
                               related_name="task_notices_received",
                               limit_choices_to={"kind": Organization.Kind.CENTER})
    category = models.ForeignKey(Category, verbose_name="采购品目", on_delete=models.PROTECT,
                                 related_name="task_notices")
    purchase_limit = models.CharField("采购限额", max_length=200,
                                      help_text="如：集中采购目录内单项或批量金额在XX万元以下的小额零星项目")
    purchase_limit_yuan = models.DecimalField("采购限额金额（元）", max_digits=14, decimal_places=2,
                                              null=True, blank=True, validators=[NOT_NEGATIVE])
    scope = models.CharField("适用范围", max_length=16, choices=Scope.choices, default=Scope.PROVINCE)
    scope_regions = models.ManyToManyField(Region, verbose_name="适用地区", blank=True, related_name="task_notices")
    # Batch: how often the center runs the procurement (annex 5). Empty for a mode without a cycle.
    cycle = models.CharField("采购周期", max_length=16, choices=Cycle.choices, blank=True)
    # Framework (annex 7): the agreement's validity, as dates or as a period; empty for batch.
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期止", null=True, blank=True)
    validity_months = models.PositiveSmallIntegerField("有效期（月）", null=True, blank=True,
                                                       help_text="如：货物一般为12个月，服务一般为24个月")
    basis = models.TextField("论证情况", blank=True, help_text="品目、预算金额、采购单位三个维度的分析结论")
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    issued_on = models.DateField("下达日期", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "采购任务通知单"
        verbose_name_plural = "采购任务通知单"
        ordering = ["-year", "-created_at"]

    def __str__(self) -> str:
        return f"{self.category.name}{self.get_mode_display()}项目任务通知书"

    @refusal("适用范围为分地区时须选择适用地区")
    def scope_complete(self) -> bool:
        return self.scope == self.Scope.PROVINCE or self.scope_regions.exists()

    @transition(field=status, source=Status.DRAFT, target=Status.ISSUED, conditions=[scope_complete],
                permission=access_by_finance_bureau, custom={"label": "下达任务"})
    def issue(self) -> None:
        """下达任务通知单."""

    @transition(field=status, source=Status.ISSUED, target=Status.ACKNOWLEDGED,
                permission=access_by_center, custom={"label": "签收任务"})
    def acknowledge(self) -> None:
        """集中采购机构签收."""

    @transition(field=status, source=[Status.DRAFT, Status.ISSUED], target=Status.WITHDRAWN,
                permission=access_by_finance_bureau, custom={"label": "撤回任务"})
    def withdraw(self) -> None:
        """撤回任务通知单."""

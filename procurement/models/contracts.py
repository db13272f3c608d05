"""Per-unit contracts (统采分签) with their lines, and filings (备案)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from procurement import access

from .projects import NOT_NEGATIVE, Award, Lot, Project, SubPlan
from .reference import Organization


class ContractQuerySet(models.QuerySet):
    def publish_overdue(self, today: date) -> ContractQuerySet:
        return self.filter(status=Contract.Status.SIGNED, publish_due__lt=today)

    def filing_overdue(self, today: date) -> ContractQuerySet:
        return self.filter(status__in=[Contract.Status.SIGNED, Contract.Status.PUBLISHED], filing_due__lt=today)


class Contract(FSMModelMixin, models.Model):
    """政府采购合同: each buying unit signs its own (统采分签).

    What it buys is in its lines (``ContractLine``): one per lot, volume item or framework product; the contract
    amount is their sum, kept so by ``procurement.services.contracts``."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SIGNED = "signed", "已签订"
        PUBLISHED = "published", "已公告"
        FILED = "filed", "已备案"
        ACCEPTED = "accepted", "已验收"
        PAID = "paid", "已支付"
        TERMINATED = "terminated", "已终止"

    TERMINABLE = [Status.DRAFT, Status.SIGNED, Status.PUBLISHED, Status.FILED, Status.ACCEPTED]

    code = models.CharField("合同编号", max_length=40, unique=True)
    title = models.CharField("合同名称", max_length=200)
    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.PROTECT, related_name="contracts")
    award = models.ForeignKey(Award, verbose_name="中标（成交）结果", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="contracts")
    buyer = models.ForeignKey(Organization, verbose_name="采购人", on_delete=models.PROTECT,
                              related_name="contracts_as_buyer")
    supplier = models.ForeignKey(Organization, verbose_name="供应商", on_delete=models.PROTECT,
                                 related_name="contracts_as_supplier")
    # The sum of the lines' amounts.
    amount_yuan = models.DecimalField("合同金额（元）", max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE])
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT,
                      protected=True, db_index=True)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    # Legal deadlines, fixed at signing by procurement.deadlines (working days).
    publish_due = models.DateField("公告截止日", null=True, blank=True)
    filing_due = models.DateField("备案截止日", null=True, blank=True)
    published_on = models.DateField("公告日期", null=True, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    acceptance_note = models.TextField("验收意见", blank=True)
    paid_on = models.DateField("支付日期", null=True, blank=True)
    paid_amount_yuan = models.DecimalField("支付金额（元）", max_digits=16, decimal_places=2, null=True,
                                           blank=True, validators=[NOT_NEGATIVE])
    termination_reason = models.TextField("终止原因", blank=True)
    # The signed contract, uploaded when the signing is recorded; what the contract notice publishes is the
    # public version when the purchaser withheld parts of it, else the signed one (《政府采购法实施条例》第五十条:
    # 涉及国家秘密、商业秘密的内容除外).
    signed_file = models.FileField("签订的合同文本（PDF）", upload_to="contracts/%Y/%m/", max_length=255, blank=True)
    public_file = models.FileField("合同公开版本（PDF，已隐去不公开内容）", upload_to="contracts/%Y/%m/",
                                   max_length=255, blank=True)
    withheld_note = models.TextField("不予公开的内容", blank=True,
                                     help_text="合同中涉及国家秘密、商业秘密而不予公开的内容及理由")
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = "采购合同"
        verbose_name_plural = "采购合同"
        ordering = ["-created_at"]
        constraints = [
            # One live contract per buying unit and award is a rule of the lines (ContractLine).
            models.CheckConstraint(condition=Q(amount_yuan__gte=0), name="contract_amount_not_negative",
                                   violation_error_message="合同金额不能为负数"),
        ]
        indexes = [models.Index(fields=["buyer", "status"]), models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    # --- transitions (run through procurement.services.transitions only) -------------------
    @transition(field=status, source=Status.DRAFT, target=Status.SIGNED, permission=access.can_act_as_buyer,
                custom={"label": "签订合同"})
    def sign(self) -> None:
        """签订合同."""

    @transition(field=status, source=Status.SIGNED, target=Status.PUBLISHED, permission=access.can_act_as_buyer,
                custom={"label": "合同公告"})
    def publish(self) -> None:
        """合同公告."""

    @transition(field=status, source=Status.PUBLISHED, target=Status.FILED, permission=access.can_act_as_buyer,
                custom={"label": "合同备案"})
    def file(self) -> None:
        """合同备案."""

    @transition(field=status, source=Status.FILED, target=Status.ACCEPTED, permission=access.can_act_as_buyer,
                custom={"label": "履约验收"})
    def accept(self) -> None:
        """履约验收."""

    @transition(field=status, source=Status.ACCEPTED, target=Status.PAID, permission=access.can_act_as_buyer,
                custom={"label": "资金支付"})
    def pay(self) -> None:
        """资金支付."""

    @transition(field=status, source=TERMINABLE, target=Status.TERMINATED, permission=access.can_act_as_buyer,
                custom={"label": "终止合同"})
    def terminate(self) -> None:
        """终止合同."""


CENT = Decimal("0.01")


def line_amount(quantity: Decimal, unit_price_yuan: Decimal) -> Decimal:
    """金额（元）= 数量 × 单价, to the cent (half up): a contract line's, and an award's over a lot's quantity."""
    return (quantity * unit_price_yuan).quantize(CENT, rounding=ROUND_HALF_UP)


class ContractLine(models.Model):
    """合同明细: one thing a contract buys — a lot (batch), an item (volume) or a product (framework order).

    Its amount is quantity × unit price to the cent (half up). ``buyer`` and ``contract_live`` repeat the
    contract's buyer and whether it is not terminated, so that the database itself holds the rule that follows
    the award: one live contract line per (award, buyer) — batch: an award per lot, so one contract per unit and
    lot; volume: an award per item; framework: each order is its own award. ``procurement.services.contracts``
    writes both and keeps ``contract_live`` in step when a contract is terminated."""

    contract = models.ForeignKey(Contract, verbose_name="采购合同", on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveSmallIntegerField("序号")
    lot = models.ForeignKey(Lot, verbose_name="采购包", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="contract_lines")
    award = models.ForeignKey(Award, verbose_name="中标（成交）结果", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="contract_lines")
    # A sub-plan is contracted at most once (统采分签: the unit's own quantity).
    sub_plan = models.OneToOneField(SubPlan, verbose_name="对应分计划", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="contract_line")
    description = models.CharField("标的名称", max_length=200)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=2,
                                   validators=[MinValueValidator(0, message="数量不能为负数")])
    unit_of_measure = models.CharField("计量单位", max_length=16, blank=True)
    unit_price_yuan = models.DecimalField("单价（元）", max_digits=14, decimal_places=2, validators=[NOT_NEGATIVE])
    amount_yuan = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE])
    buyer = models.ForeignKey(Organization, verbose_name="采购人", on_delete=models.PROTECT, related_name="+",
                              editable=False)
    contract_live = models.BooleanField("合同未终止", default=True, editable=False)

    class Meta:
        verbose_name = "合同明细"
        verbose_name_plural = "合同明细"
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_line_number_unique"),
            models.UniqueConstraint(fields=["award", "buyer"], condition=Q(award__isnull=False) & Q(contract_live=True),
                                    name="contract_line_one_live_per_award_and_buyer",
                                    violation_error_message="该采购人对此中标（成交）结果已有未终止的合同"),
            models.CheckConstraint(condition=Q(amount_yuan__gte=0) & Q(unit_price_yuan__gte=0) & Q(quantity__gte=0),
                                   name="contract_line_amounts_not_negative",
                                   violation_error_message="合同数量、单价和金额不能为负数"),
        ]
        indexes = [models.Index(fields=["buyer", "contract_live"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.description}"


class FilingQuerySet(models.QuerySet):
    def about(self, subject: models.Model) -> FilingQuerySet:
        """The filings whose subject is ``subject`` (a contract, an award, a project, a plan, an agreement…), named
        as the audit log names its subjects."""
        from procurement.services.events import subject_type_of  # the services import the models

        return self.filter(subject_type=subject_type_of(subject), subject_id=subject.pk)


class Filing(models.Model):
    """备案: a record filed with the finance department and exchanged with the budget system."""

    class Kind(models.TextChoices):
        IMPLEMENTATION_PLAN = "implementation_plan", "采购实施计划备案"
        AWARD = "award", "采购结果备案"
        CONTRACT = "contract", "合同备案"
        FRAMEWORK_PLAN = "framework_plan", "框架协议采购方案备案"
        FRAMEWORK_AGREEMENT = "framework_agreement", "框架协议备案"
        ACCEPTANCE = "acceptance", "履约验收备案"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已报送"
        ACCEPTED = "accepted", "已受理"
        RETURNED = "returned", "已退回"

    kind = models.CharField("备案类型", max_length=24, choices=Kind.choices, db_index=True)
    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.PROTECT, related_name="filings")
    # What is filed, as the audit log names its subjects (ProjectEvent): "contract", "award", "project" (the
    # result of every lot of a project), an implementation plan, a framework plan or agreement … and its key.
    subject_type = models.CharField("备案对象类型", max_length=32)
    subject_id = models.BigIntegerField("备案对象ID")
    filed_by = models.ForeignKey(Organization, verbose_name="报送单位", on_delete=models.PROTECT,
                                 related_name="filings_made")
    finance_bureau = models.ForeignKey(Organization, verbose_name="受理财政部门", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="filings_received",
                                       limit_choices_to={"kind": Organization.Kind.FINANCE})
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    external_ref = models.CharField("一体化系统编号", max_length=64, blank=True)
    payload = models.JSONField("报送内容", default=dict, blank=True)
    note = models.TextField("备注", blank=True)
    filed_at = models.DateTimeField("报送时间", auto_now_add=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = "备案记录"
        verbose_name_plural = "备案记录"
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.project.code}"

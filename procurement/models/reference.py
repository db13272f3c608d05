"""Reference data: regions, organizations, memberships, the MoF procurement category catalog."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from procurement.validators import validate_credit_code, validate_unit_code


class Region(models.Model):
    """行政区划: 吉林省 → 市（州）及功能区 → 县（市、区）."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        PREFECTURE = "prefecture", "市（州）级"
        COUNTY = "county", "县（市、区）级"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级次", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialized path ("220000/220100/") so that "this region and below" is one indexed prefix match.
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = f"{self.parent.path if self.parent else ''}{self.code}/"
        super().save(*args, **kwargs)

    def full_name(self) -> str:
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class OrganizationQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> OrganizationQuerySet:
        return self.filter(region__path__startswith=region.path)

    def budget_units(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.BUDGET_UNIT)

    def suppliers(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.SUPPLIER)


class Organization(models.Model):
    """Every body that acts on the portal: finance bureaus, the center, units, agencies, suppliers."""

    class Kind(models.TextChoices):
        FINANCE = "finance", "财政部门"
        CENTER = "center", "集中采购机构"
        BUDGET_UNIT = "budget_unit", "预算单位"
        AGENCY = "agency", "采购代理机构"
        SUPPLIER = "supplier", "供应商"

    class SmeSize(models.TextChoices):
        LARGE = "large", "大型企业"
        MEDIUM = "medium", "中型企业"
        SMALL = "small", "小型企业"
        MICRO = "micro", "微型企业"

    kind = models.CharField("机构类型", max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField("名称", max_length=128)
    short_name = models.CharField("简称", max_length=64, blank=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="organizations")
    # 单位代码: the budget unit's code in the budget management system (预算管理一体化系统).
    unit_code = models.CharField("单位代码", max_length=32, blank=True, validators=[validate_unit_code])
    # 主管预算单位: the department a budget unit reports to (itself for a department).
    supervising_unit = models.ForeignKey(
        "self", verbose_name="主管预算单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="subordinate_units",
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True,
                                   validators=[validate_credit_code])
    sme_size = models.CharField("企业规模", max_length=8, choices=SmeSize.choices, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    contact_person = models.CharField("联系人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["region__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit_code"], condition=~Q(unit_code=""),
                                    name="organization_unit_code_unique"),
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="organization_credit_code_unique"),
            models.CheckConstraint(
                condition=~Q(kind="budget_unit") | ~Q(unit_code=""),
                name="budget_unit_has_unit_code",
                violation_error_message="预算单位必须填写单位代码",
            ),
            models.CheckConstraint(
                condition=~Q(kind="supplier") | (~Q(credit_code="") & ~Q(sme_size="")),
                name="supplier_has_credit_code_and_size",
                violation_error_message="供应商必须填写统一社会信用代码和企业规模",
            ),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.BUDGET_UNIT and not self.unit_code:
            errors["unit_code"] = "预算单位必须填写单位代码"
        if self.kind == self.Kind.SUPPLIER:
            if not self.credit_code:
                errors["credit_code"] = "供应商必须填写统一社会信用代码"
            if not self.sme_size:
                errors["sme_size"] = "供应商必须选择企业规模"
        if self.supervising_unit_id and self.kind != self.Kind.BUDGET_UNIT:
            errors["supervising_unit"] = "只有预算单位可以设置主管预算单位"
        if errors:
            raise ValidationError(errors)

    @property
    def is_budget_unit(self) -> bool:
        return self.kind == self.Kind.BUDGET_UNIT


class Membership(models.Model):
    """A user acts for an organization in a role (一个用户可以在多个机构任职)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "机构管理员"
        OPERATOR = "operator", "经办人"
        REVIEWER = "reviewer", "审核人"
        VIEWER = "viewer", "只读查看"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="memberships")
    organization = models.ForeignKey(Organization, verbose_name="机构", on_delete=models.CASCADE,
                                     related_name="memberships")
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.OPERATOR)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "用户任职"
        verbose_name_plural = "用户任职"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}（{self.get_role_display()}）"

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != self.Role.VIEWER


class Category(models.Model):
    """政府采购品目分类目录（财库〔2022〕31号）: A 货物, B 工程, C 服务."""

    class Kind(models.TextChoices):
        GOODS = "A", "货物"
        WORKS = "B", "工程"
        SERVICES = "C", "服务"

    code = models.CharField("品目编码", max_length=16, unique=True)
    name = models.CharField("品目名称", max_length=128, db_index=True)
    level = models.PositiveSmallIntegerField("层级")
    parent = models.ForeignKey("self", verbose_name="上级品目", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    description = models.TextField("说明", blank=True)
    # 政府集中采购目录: whether the category is inside the government centralized catalog,
    # and the amount from which centralized procurement applies to it.
    in_centralized_catalog = models.BooleanField("纳入政府集中采购目录", default=False, db_index=True)
    centralized_limit_yuan = models.DecimalField("集中采购限额（元）", max_digits=14, decimal_places=2,
                                                 null=True, blank=True)

    class Meta:
        verbose_name = "采购品目"
        verbose_name_plural = "采购品目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def kind(self) -> str:
        return self.code[:1]

    def get_kind_display(self) -> str:
        return self.Kind(self.kind).label if self.kind in self.Kind.values else ""

    def clean(self) -> None:
        if self.centralized_limit_yuan is not None and self.centralized_limit_yuan < 0:
            raise ValidationError({"centralized_limit_yuan": "集中采购限额不能为负数"})
        if self.centralized_limit_yuan is not None and not self.in_centralized_catalog:
            raise ValidationError({"centralized_limit_yuan": "未纳入政府集中采购目录的品目不能设置限额"})

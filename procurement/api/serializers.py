"""Read representations for the API. Labels come from the models' Chinese verbose names.

A serializer's docstring is the description of its schema component, shown to API users: Chinese.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.models import (
    Category,
    Contract,
    ContractLine,
    FundingLine,
    Lot,
    Organization,
    Project,
    Region,
    SubPlan,
)
from procurement.plan_checks import FlagKind
from procurement.selectors.plans import flags_for_sub_plan


# A read-only model serializer whose ``id`` is labelled in Chinese like every other field.
# (No docstring: drf-spectacular would show it as the description of every component.)
class ReadSerializer(serializers.ModelSerializer):
    def get_fields(self):
        # The fields follow from the class alone: the model is introspected once per class, not for every
        # serializer instance (milliseconds per object answered, e.g. on each sub-plan filed over the API),
        # and each instance gets its own copy, as DRF does with declared fields.
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = cls._built_fields = super().get_fields()
            cls._blank_fields = _blank_model_fields(self.Meta.model, built)
        fields = copy.deepcopy(built)  # a copy is rebuilt from the field's arguments: label it afterwards
        if "id" in fields:
            fields["id"].label = "内部编号"
        for name in cls._blank_fields:
            fields[name].allow_blank = True
        return fields


def _blank_model_fields(model, fields: dict) -> list[str]:
    """The text fields whose model column may be blank (``blank=True``): their answer may be ``""``.

    DRF drops ``allow_blank`` from read-only fields, so the schema would promise a value from the enum
    (``procurement_method`` before procurement starts) or a valid address (an organization with no e-mail);
    with it, drf-spectacular documents the empty string as well.
    """
    names = []
    for name, field in fields.items():
        text = isinstance(field, serializers.CharField | serializers.ChoiceField)
        if not text or field.allow_blank or field.source not in (None, name):
            continue
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if model_field.blank and isinstance(model_field, models.CharField | models.TextField):
            names.append(name)
    return names


# --- references: the few fields that name a related object ---------------------------------

class RegionRefSerializer(ReadSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]
        read_only_fields = fields


class CategoryRefSerializer(ReadSerializer):
    class Meta:
        model = Category
        fields = ["code", "name"]
        read_only_fields = fields


class OrganizationRefSerializer(ReadSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "unit_code", "credit_code"]
        read_only_fields = fields


class ProjectRefSerializer(ReadSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "title", "mode"]
        read_only_fields = fields


class LotRefSerializer(ReadSerializer):
    class Meta:
        model = Lot
        fields = ["id", "number", "name"]
        read_only_fields = fields


# --- reference data ------------------------------------------------------------------------

class RegionSerializer(ReadSerializer):
    """行政区划：吉林省 → 市（州）及功能区 → 县（市、区）。"""

    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, label="上级区划代码",
                                          help_text="吉林省（最上级）为空")

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "sort_order"]
        read_only_fields = fields


class CategorySerializer(ReadSerializer):
    """政府采购品目（财库〔2022〕31号）：A 货物，B 工程，C 服务。"""

    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, label="上级品目编码",
                                          help_text="A 货物、B 工程、C 服务三个门类为空")
    kind = serializers.ChoiceField(choices=Category.Kind.choices, read_only=True, label="品目类别",
                                   help_text="按品目编码首字母：A 货物，B 工程，C 服务")

    class Meta:
        model = Category
        fields = ["id", "code", "name", "level", "parent", "kind", "description", "in_centralized_catalog",
                  "centralized_limit_yuan"]
        read_only_fields = fields


class OrganizationSerializer(ReadSerializer):
    """机构：财政部门、集中采购机构、预算单位、采购代理机构、供应商。"""

    region = RegionRefSerializer(read_only=True, label="所属区划")

    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "short_name", "region", "unit_code", "supervising_unit", "credit_code",
                  "sme_size", "address", "contact_person", "contact_phone", "email", "is_active"]
        read_only_fields = fields


# --- projects, sub-plans, contracts ---------------------------------------------------------

class LotSerializer(ReadSerializer):
    """采购包（批量集中采购每种配置一个包）或采购内容。"""

    category = CategoryRefSerializer(read_only=True, allow_null=True, label="采购品目")
    sub_plan_count = serializers.IntegerField(read_only=True, label="分计划数",
                                              help_text="本包中您有权查看的分计划数量")

    class Meta:
        model = Lot
        fields = ["id", "number", "name", "category", "specification", "unit_of_measure", "reference_price_yuan",
                  "max_unit_price_yuan",
                  "sub_plan_count"]
        read_only_fields = fields


class ProjectSerializer(ReadSerializer):
    """采购项目及其采购包。"""

    organizer = OrganizationRefSerializer(read_only=True, label="组织单位（采购中心/牵头单位）")
    agency = OrganizationRefSerializer(read_only=True, allow_null=True, label="受托代理机构")
    category = CategoryRefSerializer(read_only=True, allow_null=True, label="采购品目")
    scope_region = RegionRefSerializer(read_only=True, label="适用范围")
    lot_count = serializers.SerializerMethodField(label="采购包数")
    sub_plan_count = serializers.SerializerMethodField(label="分计划数",
                                                       help_text="各采购包中您有权查看的分计划数量之和")
    lots = LotSerializer(many=True, read_only=True, label="采购包")

    class Meta:
        model = Project
        fields = ["id", "code", "mode", "title", "year", "organizer", "agency", "category", "scope_region",
                  "scope_note", "description", "procurement_method", "response_opens_at", "response_deadline",
                  "status", "termination_reason", "lot_count", "sub_plan_count", "lots", "created_at", "updated_at"]
        read_only_fields = fields

    def get_lot_count(self, project: Project) -> int:
        return len(project.lots.all())

    def get_sub_plan_count(self, project: Project) -> int:
        return sum(lot.sub_plan_count for lot in project.lots.all())


class FundingLineSerializer(ReadSerializer):
    """资金构成：分计划的一项资金来源。"""

    class Meta:
        model = FundingLine
        fields = ["id", "source", "amount_yuan", "budget_index_code"]
        read_only_fields = fields


class SubPlanWarningSerializer(serializers.Serializer):
    """核查提示：分计划中看似有误的数值（不拒绝，提交后在总计划中标出，供集中采购机构核查）。"""

    kind = serializers.ChoiceField(choices=FlagKind.choices, label="提示类型",
                                   help_text="price_low 预算单价低于参考单价的70%；price_high 高于150%；"
                                             "over_limit 本单位在本项目的预算合计超过采购限额")
    label = serializers.CharField(label="提示名称")
    message = serializers.CharField(label="提示说明")


class SubPlanSerializer(ReadSerializer):
    """分计划：一个预算单位对一个采购包填报的数量和预算，含资金构成和核查提示。"""

    project = ProjectRefSerializer(read_only=True, label="采购项目")
    lot = LotRefSerializer(read_only=True, label="采购包")
    unit = OrganizationRefSerializer(read_only=True, label="预算单位")
    funding_lines = FundingLineSerializer(many=True, read_only=True, label="资金构成")
    warnings = serializers.SerializerMethodField(label="核查提示",
                                                 help_text="按提交后计入总计划计算；为空表示没有需要核查的数值")

    class Meta:
        model = SubPlan
        fields = ["id", "project", "lot", "unit", "quantity", "budget_yuan", "contact_name", "contact_phone",
                  "note", "status", "revision", "submitted_at", "funding_lines", "warnings", "created_at",
                  "updated_at"]
        read_only_fields = fields

    @extend_schema_field(SubPlanWarningSerializer(many=True))
    def get_warnings(self, sub_plan: SubPlan) -> list[dict]:
        flags = flags_for_sub_plan(sub_plan)
        return [{"kind": flag.kind, "label": flag.label, "message": flag.message} for flag in flags]


class ContractLineSerializer(ReadSerializer):
    """合同明细：合同的一项标的（采购包、品目或产品）；金额 = 数量 × 单价，精确到分。"""

    lot = LotRefSerializer(read_only=True, allow_null=True, label="采购包")

    class Meta:
        model = ContractLine
        fields = ["number", "lot", "award", "sub_plan", "description", "quantity", "unit_of_measure",
                  "unit_price_yuan", "amount_yuan"]
        read_only_fields = fields


class ContractSerializer(ReadSerializer):
    """采购合同：每个采购人与中标（成交）供应商签订本单位的合同（统采分签）；合同金额为各项合同明细金额之和。"""

    project = ProjectRefSerializer(read_only=True, label="采购项目")
    lines = ContractLineSerializer(many=True, read_only=True, label="合同明细")
    buyer = OrganizationRefSerializer(read_only=True, label="采购人")
    supplier = OrganizationRefSerializer(read_only=True, label="供应商")
    publish_overdue = serializers.BooleanField(source="is_publish_overdue", read_only=True, label="公告逾期",
                                               help_text="已签订但超过公告截止日仍未公告")
    filing_overdue = serializers.BooleanField(source="is_filing_overdue", read_only=True, label="备案逾期",
                                              help_text="已签订或已公告但超过备案截止日仍未备案")

    class Meta:
        model = Contract
        fields = ["id", "code", "title", "project", "award", "buyer", "supplier", "lines", "amount_yuan", "status",
                  "signed_on", "publish_due", "filing_due",
                  "published_on", "filed_on", "accepted_on", "acceptance_note", "paid_on", "paid_amount_yuan",
                  "termination_reason", "publish_overdue", "filing_overdue", "created_at", "updated_at"]
        read_only_fields = fields


# --- sub-plan writes (分计划填报: budget units and the budget management system) --------------

AMOUNT_ERRORS = {"invalid": "请填写有效的数字", "max_digits": "数字位数过多", "max_decimal_places": "最多保留两位小数",
                 "max_whole_digits": "整数部分位数过多", "required": "该字段是必填项", "null": "该字段不能为空"}


class FundingLineInputSerializer(serializers.Serializer):
    """资金构成的一项：资金来源及金额；各项合计须等于预算金额。"""

    source = serializers.ChoiceField(choices=FundingLine.Source.choices, label="资金来源",
                                     error_messages={"invalid_choice": "资金来源「{input}」无效"})
    amount_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, label="金额（元）",
                                           error_messages=AMOUNT_ERRORS)
    budget_index_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                              label="预算指标编号")


# The fields a unit fills in, shared by filing and revising; the service checks them again with the rules.
# (No docstring: drf-spectacular would show it to API users.)
class SubPlanWriteSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label="采购数量",
                                        error_messages={**AMOUNT_ERRORS, "min_value": "采购数量必须大于0"})
    budget_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"),
                                           label="预算金额（元）",
                                           error_messages={**AMOUNT_ERRORS, "min_value": "预算金额不能为负数"})
    contact_name = serializers.CharField(max_length=32, required=False, allow_blank=True, default="", label="联系人")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                          label="联系电话")
    note = serializers.CharField(required=False, allow_blank=True, default="", label="备注")
    funding_lines = FundingLineInputSerializer(many=True, required=False, label="资金构成",
                                               help_text="资金来源及金额，合计须等于预算金额；不填则不记录资金构成")
    submit = serializers.BooleanField(required=False, default=False, label="同时提交",
                                      help_text="true：保存后立即提交（计入总计划）；false：仅保存为草稿")


class SubPlanCreateSerializer(SubPlanWriteSerializer):
    """填报分计划：所选采购包、数量、预算、资金构成和联系人；可同时提交。"""

    lot = serializers.IntegerField(label="采购包内部编号", min_value=1,
                                   error_messages={"invalid": "请填写有效的采购包内部编号",
                                                   "required": "请选择采购包"})
    unit = serializers.IntegerField(label="填报单位内部编号", required=False, min_value=1,
                                    help_text="填报的预算单位；仅当您代表多个预算单位时必填，默认为您所在的预算单位")


class SubPlanUpdateSerializer(SubPlanWriteSerializer):
    """修改分计划：只需提交要修改的字段；提供资金构成时整体替换原资金构成。"""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            field.required = False
            if name != "submit":
                field.default = serializers.empty
        return fields

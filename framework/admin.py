"""Framework admin: for the procurement center's operators to look things up. Each slice keeps its own section.

Every framework table is read only here: every change goes through ``framework.services`` (state machines, audit
rows, locks), never through an admin form. Rows are scoped by the selectors the pages use (``ScopedAdminMixin``;
a superuser sees every row).

Sealed prices (Order 110; seed 000 三(二)(3); annex 8 §十) are never fetched with the rows: a solicitation response's
price until the project's (or the supplement's) response deadline, a 二次竞价 bid's until the order's bidding closes.
The changelist and the change page show 「截止前密封」 instead, for operators and superusers alike, and nothing
sorts, filters or searches by them (a hand-written ``?price_yuan__lt=`` is refused like any lookup not offered).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet

from framework.models import (
    Agreement,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    JoinRequest,
    Order,
    OrderBid,
    PlanReview,
    ProductListing,
    Removal,
    SolicitationResponse,
    Supplement,
    SurveyParticipant,
)
from framework.selectors import agreements as agreement_selectors
from framework.selectors import open_agreements as open_selectors
from framework.selectors import orders as order_selectors
from framework.selectors import plans as plan_selectors
from framework.selectors import solicitation as selectors
from framework.selectors import supplement as supplement_selectors
from procurement.admin.reference import ReadOnlyAdminMixin, ScopedAdminMixin
from procurement.formats import amount, chinese_date, chinese_datetime

NOT_SET = "未填写"


class ReadOnlyAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Looked up, never written: no add, change or delete, for superusers too. ``sealed_fields`` are model fields
    no query string may filter on (their values are sealed for a while)."""

    sealed_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        # The sealed columns are never fetched with the rows: each is read per row, after its seal is checked.
        qs = super().get_queryset(request)
        return qs.defer(*self.sealed_fields) if self.sealed_fields else qs

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in self.sealed_fields:
            return False
        return super().lookup_allowed(lookup, value, request)


class ReadOnlyInline(ReadOnlyAdminMixin, InlineModelAdmin):
    extra = 0
    can_delete = False
    show_change_link = False


def _date(value) -> str:
    return chinese_date(value) if value else NOT_SET


def _yuan(value) -> str:
    """An amount as the portal's tables show it (4,500.00)."""
    return NOT_SET if value is None else amount(value)


# --- solicitation slice ---------------------------------------------------------------------------------------

@admin.register(SolicitationResponse)
class SolicitationResponseAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "lot", "status", "sealed_price", "submitted_at", "qualification")
    list_filter = ("status", "qualification")
    search_fields = ("supplier__name", "lot__name", "lot__project__code", "lot__project__title")
    list_select_related = ("supplier", "lot", "lot__project", "supplement")
    sortable_by = ("supplier", "lot", "status", "submitted_at", "qualification")
    fields = ("lot", "supplier", "supplement", "status", "sealed_price", "sme_size", "is_green", "qualification_file",
              "submitted_at", "qualification", "qualification_note", "quality_score", "evaluated_at")
    readonly_fields = fields
    sealed_fields = ("price_yuan", "quality_statement")

    def scoped_queryset(self, user) -> QuerySet:
        return selectors.visible_responses(user)

    @admin.display(description="响应单价（元）")
    def sealed_price(self, obj: SolicitationResponse) -> str:
        row = selectors.response_row(obj)
        return row.price_text


# --- plans slice: the plan (annex 8) and its lots ---------------------------------------------------------------

class SurveyParticipantInline(ReadOnlyInline, admin.TabularInline):
    model = SurveyParticipant
    fields = ("kind", "name", "organization", "opinion")


class PlanReviewInline(ReadOnlyInline, admin.TabularInline):
    model = PlanReview
    # The version as finance read it (``snapshot``) is the plan review page's to show.
    fields = ("version", "decision", "opinion", "finance_bureau", "reviewer", "reviewed_at")
    readonly_fields = ("reviewed_at",)


@admin.register(FrameworkPlan)
class FrameworkPlanAdmin(ReadOnlyAdmin):
    list_display = ("plan_title", "project_code", "center", "agreement_type", "status", "validity", "version")
    list_filter = ("status", "agreement_type")
    search_fields = ("project__title", "project__code")
    list_select_related = ("project", "project__organizer")
    sortable_by = ("status", "agreement_type", "version")
    inlines = (SurveyParticipantInline, PlanReviewInline)
    fieldsets = (
        ("采购项目", {"fields": ("project", "task", "status", "version")}),
        ("一、征集人基本情况", {"fields": ("collector_nature", "collector_address", "collector_contact")}),
        ("二、采购项目概况", {"fields": ("content", "legal_ground", "legal_ground_statement")}),
        ("三、适用主体范围", {"fields": ("user_scope",)}),
        ("四、框架协议采购类型", {"fields": ("agreement_type",)}),
        ("五、框架协议有效期", {"fields": ("subject_kind", "valid_from", "valid_until")}),
        ("六、需求管理情况", {"fields": ("survey_methods", "requirements")}),
        ("七、定价机制", {"fields": ("pricing_note",)}),
        ("十、确定第二阶段成交供应商的方法",
         {"fields": ("second_stage_method", "second_stage_rules", "rotation_order_rule", "bidding_response_hours",
                     "bidding_tie_break", "shortlist_tie_break")}),
        ("十一、入围供应商清退和补充规则", {"fields": ("removal_rules", "supplement_rules")}),
        ("十二、落实政府采购政策", {"fields": ("sme_measures", "green_measures")}),
        ("十三、其他事项", {"fields": ("other_matters",)}),
        ("执行", {"fields": ("join_review_working_days", "supplier_ceiling_yuan")}),
        ("记录", {"fields": ("submitted_at", "approved_at", "filed_at", "created_by", "created_at", "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return plan_selectors.plans_readable(user)

    @admin.display(description="项目名称")
    def plan_title(self, obj: FrameworkPlan) -> str:
        return obj.project.title

    @admin.display(description="项目编号")
    def project_code(self, obj: FrameworkPlan) -> str:
        return obj.project.code

    @admin.display(description="征集人（采购中心）")
    def center(self, obj: FrameworkPlan) -> str:
        return obj.project.organizer.name

    @admin.display(description="框架协议有效期")
    def validity(self, obj: FrameworkPlan) -> str:
        if obj.valid_from is None and obj.valid_until is None:
            return NOT_SET
        return f"{_date(obj.valid_from)}至{_date(obj.valid_until)}"


@admin.register(FrameworkLot)
class FrameworkLotAdmin(ReadOnlyAdmin):
    list_display = ("lot", "project_code", "max_unit_price", "price_basis", "evaluation_method",
                    "elimination_rate_percent", "is_lab_instrument", "allows_imported")
    list_filter = ("price_basis", "evaluation_method", "is_lab_instrument", "allows_imported")
    search_fields = ("lot__name", "lot__project__code", "lot__project__title")
    list_select_related = ("lot", "lot__project")
    sortable_by = ("price_basis", "evaluation_method", "elimination_rate_percent")
    fields = ("lot", "max_unit_price", "price_basis", "price_basis_note", "is_lab_instrument", "evaluation_method",
              "elimination_rate_percent", "allows_imported", "ceiling_yuan")
    readonly_fields = ("max_unit_price",)

    def scoped_queryset(self, user) -> QuerySet:
        return plan_selectors.plan_lots_readable(user)

    @admin.display(description="项目编号")
    def project_code(self, obj: FrameworkLot) -> str:
        return obj.lot.project.code

    @admin.display(description="最高限制单价（元）")
    def max_unit_price(self, obj: FrameworkLot) -> str:
        return _yuan(obj.lot.max_unit_price_yuan)


# --- agreements slice: agreements, removals, listings, execution --------------------------------------------------

@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("code", "lot", "supplier", "status", "signed_on", "price", "rank", "rotation_position",
                    "valid_until")
    list_filter = ("status",)
    search_fields = ("code", "supplier__name")
    list_select_related = ("lot", "lot__project", "supplier")
    fieldsets = (
        ("入围", {"fields": ("code", "lot", "supplier", "response", "price_yuan", "rank", "rotation_position",
                           "status")}),
        ("签订、公开和备案", {"fields": ("letter_sent_on", "sign_due", "signed_on", "signed_file", "publish_due",
                                   "published_on", "filing_due", "filed_on", "valid_until")}),
        ("终止", {"fields": ("ended_on", "end_reason")}),
        ("记录", {"fields": ("created_at", "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return agreement_selectors.visible_agreements(user)

    @admin.display(description="协议单价（元）", ordering="price_yuan")
    def price(self, obj: Agreement) -> str:
        return _yuan(obj.price_yuan)


@admin.register(Removal)
class RemovalAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "supplier", "lot", "ground", "effect", "decided_on", "decided_by")
    list_filter = ("effect", "ground")
    search_fields = ("agreement__code", "agreement__supplier__name", "agreement__lot__project__code")
    list_select_related = ("agreement", "agreement__supplier", "agreement__lot", "agreement__lot__project",
                           "decided_by")
    sortable_by = ("agreement", "ground", "effect", "decided_on")
    fields = ("agreement", "ground", "evidence", "evidence_file", "effect", "decided_on", "decided_by", "created_at")

    def scoped_queryset(self, user) -> QuerySet:
        return agreement_selectors.visible_removals(user)

    @admin.display(description="供应商")
    def supplier(self, obj: Removal) -> str:
        return obj.agreement.supplier.name

    @admin.display(description="采购包")
    def lot(self, obj: Removal) -> str:
        return str(obj.agreement.lot)


@admin.register(ProductListing)
class ProductListingAdmin(ReadOnlyAdmin):
    list_display = ("name", "brand", "model_number", "supplier", "agreement", "unit_price", "is_imported",
                    "status")
    list_filter = ("status", "is_imported")
    search_fields = ("name", "brand", "model_number", "agreement__code", "agreement__supplier__name")
    list_select_related = ("agreement", "agreement__supplier")
    sortable_by = ("name", "brand", "model_number", "agreement", "unit_price", "is_imported", "status")
    fields = ("agreement", "name", "brand", "model_number", "specification", "unit_price_yuan", "is_imported",
              "status", "review_note", "reviewed_at", "created_at", "updated_at")

    def scoped_queryset(self, user) -> QuerySet:
        return agreement_selectors.visible_listings(user)

    @admin.display(description="供应商")
    def supplier(self, obj: ProductListing) -> str:
        return obj.agreement.supplier.name

    @admin.display(description="单价（元）", ordering="unit_price_yuan")
    def unit_price(self, obj: ProductListing) -> str:
        return _yuan(obj.unit_price_yuan)


@admin.register(FrameworkDetails)
class FrameworkDetailsAdmin(ReadOnlyAdmin):
    list_display = ("project", "solicitation_notice", "shortlist_notice", "execution_notice", "executing_from",
                    "summary_notice", "summary_due", "expired_at")
    search_fields = ("project__code", "project__title")
    list_select_related = ("project", "solicitation_notice", "shortlist_notice", "execution_notice",
                           "summary_notice")
    sortable_by = ("project", "executing_from", "summary_due", "expired_at")
    fields = ("project", "solicitation_notice", "shortlist_notice", "execution_notice", "execution_scope",
              "execution_procedure", "executing_from", "summary_notice", "summary_due", "expired_at")

    def scoped_queryset(self, user) -> QuerySet:
        return agreement_selectors.visible_details(user)


# --- open agreements slice -------------------------------------------------------------------------------------

@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "lot", "status", "accepts_terms", "review_due", "reviewed_at", "created_at")
    list_filter = ("status",)
    search_fields = ("supplier__name", "lot__name", "lot__project__code", "lot__project__title")
    list_select_related = ("supplier", "lot", "lot__project")
    fields = ("lot", "supplier", "accepts_terms", "qualification_file", "status", "review_due", "review_note",
              "reviewed_at", "agreement", "created_at")

    def scoped_queryset(self, user) -> QuerySet:
        return open_selectors.visible_requests(user)


# --- supplement slice ------------------------------------------------------------------------------------------

@admin.register(Supplement)
class SupplementAdmin(ReadOnlyAdmin):
    list_display = ("lot", "project_code", "status", "shortlisted_count", "remaining_count", "response_deadline",
                    "created_at")
    list_filter = ("status",)
    search_fields = ("lot__name", "lot__project__code", "lot__project__title")
    list_select_related = ("lot", "lot__project")
    sortable_by = ("lot", "status", "response_deadline", "created_at")
    fields = ("lot", "reason", "shortlisted_count", "remaining_count", "response_deadline", "notice", "status",
              "created_by", "created_at")

    def scoped_queryset(self, user) -> QuerySet:
        return supplement_selectors.center_supplements(user)

    @admin.display(description="项目编号")
    def project_code(self, obj: Supplement) -> str:
        return obj.lot.project.code


# --- orders slice: the second stage ----------------------------------------------------------------------------

@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("code", "description", "purchaser", "lot", "method", "status", "winner", "award_amount",
                    "created_at")
    list_filter = ("status", "method")
    search_fields = ("code", "description", "purchaser__name", "agreement__supplier__name")
    list_select_related = ("lot", "lot__project", "purchaser", "agreement", "agreement__supplier")
    sortable_by = ("code", "purchaser", "lot", "method", "status", "award_amount", "created_at")
    fieldsets = (
        ("订单", {"fields": ("code", "lot", "purchaser", "plan_filing_ref", "description", "quantity", "budget_yuan",
                           "needs_imported", "import_approval_ref", "method", "status")}),
        ("确定成交供应商", {"fields": ("listing", "selection_reason", "bidding_closes_at", "agreement",
                                  "unit_price_yuan", "amount_yuan", "awarded_at")}),
        ("合同和公告", {"fields": ("contract", "award_notice", "award_notice_due")}),
        ("记录", {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return order_selectors.visible_orders(user)

    @admin.display(description="成交供应商")
    def winner(self, obj: Order) -> str:
        return obj.agreement.supplier.name if obj.agreement_id else "尚未确定"

    @admin.display(description="成交金额（元）", ordering="amount_yuan")
    def award_amount(self, obj: Order) -> str:
        return "尚未确定" if obj.amount_yuan is None else amount(obj.amount_yuan)


@admin.register(OrderBid)
class OrderBidAdmin(ReadOnlyAdmin):
    list_display = ("order", "supplier", "sealed_price", "submitted_at", "closes_at", "invited_at")
    search_fields = ("order__code", "agreement__code", "agreement__supplier__name")
    list_select_related = ("order", "agreement", "agreement__supplier")
    sortable_by = ("order", "submitted_at", "invited_at")
    fields = ("order", "agreement", "sealed_price", "submitted_at", "closes_at", "invited_at")
    readonly_fields = fields
    sealed_fields = ("unit_price_yuan",)

    def scoped_queryset(self, user) -> QuerySet:
        return order_selectors.visible_bids(user)

    @admin.display(description="报价单价（元）")
    def sealed_price(self, obj: OrderBid) -> str:
        return order_selectors.bid_row(obj).price_text

    @admin.display(description="供应商")
    def supplier(self, obj: OrderBid) -> str:
        return obj.agreement.supplier.name

    @admin.display(description="竞价截止时间")
    def closes_at(self, obj: OrderBid) -> str:
        closes = obj.order.bidding_closes_at
        return chinese_datetime(closes) if closes else NOT_SET

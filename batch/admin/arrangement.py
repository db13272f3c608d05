"""Admin: the arrangement tables (部门预算政府采购项目安排情况表) and the center's proposals, read-only.

A table only comes in through the import (the finance page, the API or ``import_arrangement``),
all rows or none; the admin shows what was imported and never edits it. Lines have their own
changelist (a table has up to hundreds of thousands of them: no inline), with filters and search.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from batch.analysis import arrangement_list
from batch.models import Arrangement, ArrangementLine, CategoryProposal, ProposedCategory
from batch.proposals import proposals_visible
from procurement import access
from procurement.admin.reference import ReadOnlyAdminMixin, ScopedAdminMixin


@admin.register(Arrangement)
class ArrangementAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "year", "finance_bureau", "row_count", "total_amount_wan", "is_current",
                    "replaced_at", "imported_by", "imported_at", "lines_link")
    list_filter = ("year", "is_current")
    search_fields = ("title", "file_name", "finance_bureau__name")
    list_select_related = ("finance_bureau", "imported_by")
    date_hierarchy = "imported_at"
    fields = ("year", "finance_bureau", "title", "file_name", "file_sha256", "row_count", "total_quantity",
              "total_amount_wan", "is_current", "replaced_by", "replaced_at", "imported_by", "imported_at",
              "lines_link", "analysis_links")
    readonly_fields = fields

    def scoped_queryset(self, user) -> QuerySet:
        return arrangement_list(user=user)

    @admin.display(description="三维度分析")
    def analysis_links(self, obj: Arrangement) -> str:
        # The analysis and 拟定品目 (the center's proposal to finance) are the portal's pages; a replaced
        # table's analysis stays readable, proposals are made from the current table only.
        analysis = reverse("batch:arrangement-analysis", args=[obj.pk])
        if not obj.is_current:
            return format_html('<a href="{}">查看分析</a>（已被替换，不能据此拟定品目）', analysis)
        return format_html('<a href="{}">查看分析</a>　<a href="{}">拟定品目报财政部门</a>',
                           analysis, reverse("batch:proposal-new", args=[obj.pk]))

    @admin.display(description="明细")
    def lines_link(self, obj: Arrangement) -> str:
        url = reverse("admin:batch_arrangementline_changelist")
        return format_html('<a href="{}?arrangement__id__exact={}">查看{}行明细</a>', url, obj.pk, obj.row_count)


@admin.register(ArrangementLine)
class ArrangementLineAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("row_number", "arrangement", "serial", "unit_code", "unit", "category", "quantity", "amount_wan")
    list_filter = ("arrangement__year", "arrangement__is_current", "category__in_centralized_catalog")
    search_fields = ("unit__unit_code", "unit__name", "category__code", "category__name")
    list_select_related = ("arrangement", "arrangement__finance_bureau", "unit", "category")
    show_full_result_count = False  # a table can hold hundreds of thousands of lines
    list_per_page = 100
    fields = ("arrangement", "row_number", "serial", "unit", "category", "quantity", "amount_wan")
    readonly_fields = fields

    def scoped_queryset(self, user) -> QuerySet:
        return ArrangementLine.objects.filter(arrangement__in=arrangement_list(user=user).values("pk"))

    def get_queryset(self, request):
        if access.is_superuser(request.user):
            return super().get_queryset(request)
        # The scoped mixin filters by primary key; filtering by the visible tables is cheaper here.
        return self.scoped_queryset(request.user).select_related(*self.list_select_related)

    @admin.display(description="单位代码", ordering="unit__unit_code")
    def unit_code(self, obj: ArrangementLine) -> str:
        return obj.unit.unit_code


# --- 拟定品目: the center's proposals to finance (written on the portal's pages) -------------------

class ProposedCategoryInline(admin.TabularInline):
    model = ProposedCategory
    fields = ("rank", "category", "score", "unit_count", "amount_wan", "recommended", "status", "decision_note",
              "decided_at", "task")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CategoryProposal)
class CategoryProposalAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the center proposes from the analysis page, finance decides on the proposal's page."""

    list_display = ("__str__", "year", "center", "finance_bureau", "submitted_at", "page_link")
    list_filter = ("year", "items__status")
    search_fields = ("center__name", "finance_bureau__name", "items__category__name", "items__category__code")
    list_select_related = ("center", "finance_bureau")
    fields = ("arrangement", "center", "finance_bureau", "year", "note", "submitted_by", "submitted_at", "page_link")
    readonly_fields = fields
    inlines = [ProposedCategoryInline]

    def scoped_queryset(self, user) -> QuerySet:
        return proposals_visible(user)

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()  # the status filter joins the items

    @admin.display(description="办理页面")
    def page_link(self, obj: CategoryProposal) -> str:
        return format_html('<a href="{}">在门户中论证或查看</a>', reverse("batch:proposal-detail", args=[obj.pk]))

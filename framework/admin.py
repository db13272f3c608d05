"""Framework admin. Each slice keeps its own section.

--- solicitation slice ---------------------------------------------------------------------------------------
``SolicitationResponse`` read only: every change goes through ``framework.services.solicitation``. Its price is
sealed until the project's response deadline (Order 110; seed 000 三(二)(3)): the changelist and the change page
show 「截止前密封」 instead, for operators and superusers alike, and nothing sorts, filters or searches by it.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from framework.models import SolicitationResponse
from framework.selectors import solicitation as selectors
from procurement.admin.reference import ScopedAdminMixin


@admin.register(SolicitationResponse)
class SolicitationResponseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("supplier", "lot", "status", "sealed_price", "submitted_at", "qualification")
    list_filter = ("status", "qualification")
    search_fields = ("supplier__name", "lot__name", "lot__project__code", "lot__project__title")
    list_select_related = ("supplier", "lot", "lot__project")
    sortable_by = ("supplier", "lot", "status", "submitted_at", "qualification")
    fields = ("lot", "supplier", "supplement", "status", "sealed_price", "sme_size", "is_green", "qualification_file",
              "submitted_at", "qualification", "qualification_note", "quality_score", "evaluated_at")
    readonly_fields = fields

    def scoped_queryset(self, user) -> QuerySet:
        return selectors.visible_responses(user)

    def get_queryset(self, request):
        # The price column is never fetched with the rows: it is read per row, after the seal is checked.
        return super().get_queryset(request).defer("price_yuan", "quality_statement")

    @admin.display(description="响应单价（元）")
    def sealed_price(self, obj: SolicitationResponse) -> str:
        row = selectors.response_row(obj)
        return row.price_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

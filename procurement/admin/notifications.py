"""Admin: reminders sent by the deadline sweep (read-only) and in-app notifications (站内消息)."""

from __future__ import annotations

from django.contrib import admin

from procurement.models import Notification, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The record of what the sweep sent: written only by the sweep, never by hand."""

    list_display = ["key", "kind", "subject_type", "subject_id", "due_on", "recipients", "sent_at"]
    list_filter = ["kind", "subject_type"]
    search_fields = ["key"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadFilter(admin.SimpleListFilter):
    title = "阅读状态"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", "未读"), ("yes", "已读")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "organization", "level", "created_at", "is_read"]
    list_filter = ["level", ReadFilter]
    search_fields = ["title", "body", "recipient__username", "organization__name"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "organization"]
    raw_id_fields = ["recipient", "organization", "reminder"]
    readonly_fields = ["recipient", "organization", "reminder", "level", "title", "body", "url", "created_at"]
    fields = [*readonly_fields, "read_at"]

    @admin.display(description="已读", boolean=True, ordering="read_at")
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    def has_add_permission(self, request) -> bool:
        # Notifications come from the services (the deadline sweep and the workflows), not from the admin.
        return False

"""Admin: the e-mail outbox (外发邮件), read-only, with 「重新发送」 for the mails that failed.

A mail is written by the services and sent by a worker (``procurement.services.mail``); here an operator
sees what was sent, what waits and what failed (with the mail server's answer), and sends failed ones again
once the cause is fixed. The list starts from ``access.visible_outbound_mails``; the admin index warns whoever
may see the outbox that mails failed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from procurement import access
from procurement.models import OutboundMail
from procurement.services.mail import outbound_mails_resend

from .reference import ScopedAdminMixin

FIELDS = ("recipient", "organization", "subject", "body", "status", "attempts", "last_error", "next_attempt_at",
          "created_at", "sent_at", "reminder")


def warn_failed_mails(request) -> None:
    """On the admin index: how many mails failed, with a link to them."""
    failed = access.visible_outbound_mails(request.user).filter(status=OutboundMail.Status.FAILED).count()
    if failed:
        url = reverse("admin:procurement_outboundmail_changelist") + f"?status__exact={OutboundMail.Status.FAILED}"
        messages.warning(request, format_html(
            '有{}封邮件多次发送失败，收件人尚未收到。请排除邮件服务器故障后<a href="{}" data-testid="failed-mails">'
            "查看并重新发送</a>。", failed, url))


@admin.register(OutboundMail)
class OutboundMailAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "status", "attempts", "sent_at", "error_summary"]
    list_filter = ["status"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
    fields = FIELDS
    readonly_fields = FIELDS
    actions = ["resend"]

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_outbound_mails(user)

    @admin.display(description="最近一次错误")
    def error_summary(self, obj: OutboundMail) -> str:
        return obj.last_error[:80] + ("…" if len(obj.last_error) > 80 else "")

    @admin.action(description="重新发送", permissions=["resend"])
    def resend(self, request, queryset: QuerySet) -> None:
        chosen = queryset.count()
        sent_again = outbound_mails_resend(mails=queryset, actor=request.user)
        if sent_again:
            messages.success(request, f"已将{sent_again}封发送失败的邮件重新加入发送队列。")
        if chosen > sent_again:
            messages.warning(request, f"所选邮件中有{chosen - sent_again}封不是「发送失败」状态，未重新发送。")

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("procurement.resend_outboundmail")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

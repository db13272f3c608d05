"""站内消息 pages: every signed-in user's own messages; opening one marks it read and follows its link."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from procurement.models import Notification
from procurement.selectors import home as home_selectors
from procurement.services import notifications as notification_services
from procurement.templatetags.portal import local_url
from procurement.views.common import paginate


@login_required
def message_list(request):
    unread_only = request.GET.get("unread") == "1"
    items = home_selectors.notification_list(request.user, unread_only=unread_only)
    return render(request, "portal/messages.html", {"page": paginate(request, items), "unread_only": unread_only})


@login_required
def message_open(request, pk: int):
    """Reading a message: mark it read, then go where it points (or back to the list)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_services.notification_read(notification=notification, user=request.user)
    return redirect(local_url(notification.url) or "message-list")


@require_POST
@login_required
def message_read_all(request):
    count = notification_services.notifications_read_all(user=request.user)
    flash.success(request, f"已将{count}条消息标为已读。" if count else "没有未读消息。")
    return redirect("message-list")

"""站内消息: a user marks the notifications the portal sent them read (reads: ``selectors.home``).

Only the recipient reads or marks their own messages; marking is idempotent (the first reading time stays).
"""

from __future__ import annotations

from django.utils import timezone

from procurement.models import Notification


def notification_read(*, notification: Notification, user) -> Notification:
    """已读: one message of ``user``'s (another user's message is not found)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, user) -> int:
    """全部标为已读: returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())

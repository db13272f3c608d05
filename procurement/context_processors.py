from django.conf import settings
from django.utils.functional import SimpleLazyObject

from procurement.services.notifications import notification_unread_count


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        # Counted only where a page shows it (the top bar of a signed-in user).
        "unread_message_count": SimpleLazyObject(lambda: notification_unread_count(user=user)),
    }

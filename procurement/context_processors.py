from django.conf import settings
from django.utils.functional import SimpleLazyObject

from procurement.selectors.home import unread_notifications


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        # Counted once, only where a page shows it (the top bar, a home's tile, the messages page).
        "unread_message_count": SimpleLazyObject(
            lambda: unread_notifications(user).count() if getattr(user, "is_authenticated", False) else 0),
    }

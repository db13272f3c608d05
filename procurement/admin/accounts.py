"""django-axes' sign-in records in the admin, with the two labels its catalog cannot translate.

Its locked-out column is labelled from the method's name ("Status") and its clean-up action reports in an
f-string passed to gettext, which no catalog can match; the rest is translated in locale/zh_Hans.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin


class PortalAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description="状态")
    def status(self, obj: AccessAttempt) -> str:
        return super().status(obj)

    @admin.action(description="清理已过期的失败记录")
    def cleanup_expired_attempts(self, request, queryset) -> None:
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"已清理 {count} 条过期的登录失败记录。")


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, PortalAccessAttemptAdmin)

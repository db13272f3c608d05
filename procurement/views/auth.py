"""Sign-in, sign-out and one's own password: Django's auth views with the portal's Chinese templates.

A sign-in refused for too many failures (django-axes, ``settings.AXES_*``) is answered by
``login_locked_out``, on the portal's login and on the admin's alike.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from procurement.selectors.accounts import sign_in_unlocks_at
from procurement.services.accounts import DEMO_PASSWORD_NOTICE, demo_password_change_pending, password_change
from procurement.views.forms import PortalLoginForm, PortalPasswordChangeForm


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    """Logout by POST only (Django 5); the header's 退出 button posts here."""


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    """「修改密码」: every signed-in person changes their own password; the session stays signed in."""

    template_name = "registration/password_change.html"
    form_class = PortalPasswordChangeForm

    def form_valid(self, form):
        user = password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        # The session was signed with the old password's hash: without this it would end here.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改，下次登录请使用新密码。")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={self.request.get_host()},
                                                      require_https=self.request.is_secure()):
            return wanted
        return reverse("workbench")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.request.POST.get("next") or self.request.GET.get("next") or ""
        context["demo_password_notice"] = DEMO_PASSWORD_NOTICE if demo_password_change_pending(self.request) else ""
        return context


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): what happened and when to try again, in Chinese,
    on the admin's login page for the admin and on the portal's otherwise; 429 Too Many Requests."""
    unlocks_at = sign_in_unlocks_at(request, credentials)
    minutes = max(1, math.ceil((unlocks_at - timezone.now()).total_seconds() / 60))
    context = {
        "message": f"登录失败次数过多，账户已暂时锁定，请于{minutes}分钟后再试。",
        "unlocks_at": timezone.localtime(unlocks_at),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    match = getattr(request, "resolver_match", None)
    if match is not None and match.app_name == "admin":
        context.update(admin.site.each_context(request), title="登录已暂时锁定")
        return render(request, "admin/login_locked_out.html", context, status=429)
    return render(request, "registration/login_locked_out.html", context, status=429)

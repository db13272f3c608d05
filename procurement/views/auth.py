"""Sign-in and sign-out: Django's auth views with the portal's Chinese templates.

A sign-in refused for too many failures (django-axes, ``settings.AXES_*``) is answered by
``login_locked_out``, on the portal's login and on the admin's alike.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from procurement.selectors.accounts import sign_in_unlocks_at
from procurement.views.forms import PortalLoginForm


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    """Logout by POST only (Django 5); the header's 退出 button posts here."""


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

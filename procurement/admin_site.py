"""The portal's admin site: Chinese titles; the index warns about calendar years not loaded and failed mails;
修改密码 is the portal's one page for it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    site_header = "吉林省政府集中采购平台 · 管理后台"
    site_title = "集中采购管理后台"
    index_title = "业务管理"
    # The app list beside every page took a fifth of a 1366-pixel screen and squeezed the project lists and
    # forms into overflowing; the index and the breadcrumbs lead everywhere it did.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        # A year with no holiday calendar falls back to Monday–Friday; whoever may see the
        # calendar is told on the index page, not only on the calendar's own pages.
        if request.user.has_perm("procurement.view_calendaryear"):
            from procurement.admin.calendar import warn_missing_calendar_years

            warn_missing_calendar_years(request)
        # Mails that failed every attempt wait for an operator: whoever may see the outbox is told here.
        if request.user.has_perm("procurement.view_outboundmail"):
            from procurement.admin.mail import warn_failed_mails

            warn_failed_mails(request)
        return super().index(request, extra_context)

    def password_change(self, request, extra_context=None):
        # One page changes a password, with one set of rules and one audit row (procurement.views.auth); it
        # leads back to the admin.
        query = urlencode({"next": reverse("admin:index", current_app=self.name)})
        return redirect(f"{reverse('password-change')}?{query}")

"""Login and logout: Django's auth views with the portal's Chinese templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from procurement.views.forms import PortalLoginForm


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    """Logout by POST only (Django 5); the header's 退出 button posts here."""

"""The portal's authentication backend: Django's ModelBackend, which also notes a sign-in with the
demo's shared password so that its session is led to the password change first
(``procurement.services.accounts``).

django-axes' ``AxesStandaloneBackend`` stands before it in ``AUTHENTICATION_BACKENDS``: a locked-out
sign-in is refused there and never reaches the password check.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in

from procurement.services.accounts import demo_password_mark, is_shared_demo_password


class PortalModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        # Compared with the typed password here, at no cost, rather than by hashing the demo password
        # again for every session: only a sign-in knows the password in clear.
        if user is not None and request is not None and is_shared_demo_password(password):
            request.signed_in_with_demo_password = True
        return user


def _mark_demo_password_session(sender, request, user, **kwargs) -> None:
    # login() has already given the session its new key: the mark goes into the signed-in session.
    if request is not None and getattr(request, "signed_in_with_demo_password", False):
        demo_password_mark(request, user)


def connect_signals() -> None:
    user_logged_in.connect(_mark_demo_password_session, dispatch_uid="procurement.demo_password_session")

"""Accounts: a person's own password, and the demo's shared password that must not outlive the demo.

The demo (``seed_demo``) gives every demo login one shared password, printed on the console. On the
local demo (``make run``) that is the point; anywhere else a login still using it is open to anyone
who has seen the demo, so its holder must choose a password of their own before doing anything else
(``settings.DEMO_PASSWORD_CHANGE_REQUIRED``). No column records it: the sign-in that used the shared
password marks its session (``procurement.backends``), and the mark holds only while the password is
the one signed in with, so any change of password, wherever it is made, lifts it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.utils.crypto import constant_time_compare

from procurement.services.demo import DEFAULT_DEMO_PASSWORD, demo_password
from procurement.services.events import event_record

# The session's mark: the session auth hash (Django's HMAC of the password hash) of the demo password signed in with.
DEMO_PASSWORD_SESSION_KEY = "demo_password_auth_hash"
DEMO_PASSWORD_NOTICE = (
    "您当前使用的是演示账号的公共初始密码，任何看过演示说明的人都知道它。"
    "为保障账户安全，请先设置一个只有您知道的新密码；修改完成前无法使用平台的其他功能。"
)
DEMO_PASSWORD_API_REFUSAL = (
    "当前登录使用的是演示账号的公共初始密码：请先在平台的「修改密码」页面设置新密码，再使用接口。"
)


def is_shared_demo_password(password: str | None) -> bool:
    """Whether ``password`` is the demo's shared one (the default, or the one ``DEMO_PASSWORD`` sets)."""
    if not password:
        return False
    return any(constant_time_compare(password, shared) for shared in {DEFAULT_DEMO_PASSWORD, demo_password()})


def demo_password_mark(request, user) -> None:
    """Mark the session of ``user``, just signed in with the demo's shared password."""
    request.session[DEMO_PASSWORD_SESSION_KEY] = user.get_session_auth_hash()


def demo_password_change_pending(request) -> bool:
    """Whether the signed-in person must still replace the demo's shared password before anything else."""
    if not settings.DEMO_PASSWORD_CHANGE_REQUIRED:
        return False
    session = getattr(request, "session", None)
    marked = session.get(DEMO_PASSWORD_SESSION_KEY) if session is not None else None
    if not marked:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated
                and constant_time_compare(marked, user.get_session_auth_hash()))


@transaction.atomic
def password_change(*, user, new_password: str):
    """A person sets their own new password; the audit log records that it changed (never the password).

    The rules are the ones ``AUTH_PASSWORD_VALIDATORS`` declare, the demo's shared password among them
    (``procurement.validators.SharedDemoPasswordValidator``); a refused password (``ValidationError``)
    changes nothing. Returns the user as saved, for the session to follow the new password.
    """
    locked = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    password_validation.validate_password(new_password, locked)
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    event_record(subject=locked, action="password_change", action_label="修改密码", actor=locked)
    return locked

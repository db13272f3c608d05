"""API token authentication: DRF's, with the token and its user read by one statement built once per process.

Every request an external system sends (the budget management system filing sub-plans on deadline day) looks
up its token; building that query with the ORM cost more CPU than PostgreSQL spent answering it (issue 7 point
16). The answers are DRF's own: an unknown token or an inactive user is refused with the same messages.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from procurement import rows
from procurement.services.accounts import DEMO_PASSWORD_API_REFUSAL, demo_password_change_pending


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql, token_columns, user_columns = _token_statement(alias, model)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = rows.instance(connection, alias, row, token_columns)
        token.user = rows.instance(connection, alias, row, user_columns)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


@lru_cache(maxsize=4)
def _token_statement(alias: str, model) -> tuple[str, rows.ModelColumns, rows.ModelColumns]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    user_model = get_user_model()
    token_columns, token_selected = rows.model_columns(connection, model, "t", start=0)
    user_columns, user_selected = rows.model_columns(connection, user_model, "u", start=len(token_selected))
    token_user, user_pk = rows.column(connection, model, "user"), qn(user_model._meta.pk.column)
    sql = (f"SELECT {', '.join(token_selected + user_selected)} FROM {qn(model._meta.db_table)} t "
           f"JOIN {qn(user_model._meta.db_table)} u ON u.{user_pk} = t.{token_user} "
           f"WHERE t.{qn(model._meta.pk.column)} = %s")
    return sql, token_columns, user_columns


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication; a session signed in with the demo's shared password is refused until
    that password is changed (``procurement.services.accounts``), as every page of the portal is."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and demo_password_change_pending(request._request):
            raise exceptions.PermissionDenied(DEMO_PASSWORD_API_REFUSAL)
        return result

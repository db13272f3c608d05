"""API token authentication (``procurement.api.authentication``): DRF's answers, with the token and its user read
by one statement built once per process (issue 7 point 16: every request of the budget system looks its token up)."""

from __future__ import annotations

import pytest
from django.db.models.sql.compiler import SQLCompiler
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from procurement.api.authentication import TokenAuthentication
from tests.factories import BudgetUnitFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_token_authenticates_its_user_as_drf_would(monkeypatch):
    user = member_of(BudgetUnitFactory(), username="budget-system", first_name="预算一体化")
    key = Token.objects.create(user=user).key
    TokenAuthentication().authenticate_credentials(Token.objects.create(user=UserFactory()).key)  # built once
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or original(self, *a, **k))

    authenticated, token = TokenAuthentication().authenticate_credentials(key)

    assert compiled == []
    monkeypatch.undo()
    expected = Token.objects.select_related("user").get(key=key)
    assert field_values(token) == field_values(expected)
    assert field_values(authenticated) == field_values(expected.user) and token.user is authenticated
    assert authenticated.check_password("Test@12345")


def test_an_unknown_token_and_an_inactive_users_token_are_refused_with_drfs_messages():
    retired = UserFactory(username="retired", is_active=False)
    key = Token.objects.create(user=retired).key
    with pytest.raises(AuthenticationFailed, match="认证令牌无效"):
        TokenAuthentication().authenticate_credentials("0" * 40)
    with pytest.raises(AuthenticationFailed) as refused:
        TokenAuthentication().authenticate_credentials(key)
    assert str(refused.value.detail) == "用户未激活或者已删除。"

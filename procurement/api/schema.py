"""How the OpenAPI document describes the API: the schema class and the authentication schemes.

drf-spectacular's own descriptions of the schemes are English; these extensions take precedence (priority 1).
Imported by ``procurement.api.views`` so that they are registered before a schema is generated.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme, TokenScheme
from rest_framework import serializers


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with decimal patterns that say what the API accepts and answers, and the 415 of a body.

    Its pattern ``^-?\\d{0,12}(?:\\.\\d{0,2})?$`` also matches ``""``, ``"-"`` and ``"."``, which every decimal
    field refuses, and offers a minus sign to fields whose minimum is 0 or more (a quantity, a budget).
    """

    def _get_response_bodies(self, direction="response"):
        """An operation that reads a body also answers 415 to a body of another media type (or of none)."""
        responses = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            from procurement.api.views import UNSUPPORTED_MEDIA_TYPE  # the views import this module

            responses.setdefault("415", self._get_response_for_code(
                UNSUPPORTED_MEDIA_TYPE, "415", ["application/json"], direction))
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions=bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            schema["pattern"] = decimal_pattern(field)
        return schema


def decimal_pattern(field: serializers.DecimalField) -> str:
    """At least one digit, at most ``max_whole_digits`` before the point and ``decimal_places`` after it."""
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    whole = fr"\d{{1,{field.max_whole_digits}}}" if field.max_whole_digits else "0"
    fraction = fr"(?:\.\d{{1,{field.decimal_places}}})?" if field.decimal_places else ""
    return f"^{sign}{whole}{fraction}$"


class TokenSchemeZh(TokenScheme):
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"令牌认证（供外部系统使用）：请求头 Authorization: {self.target.keyword} <令牌>。"
                           "令牌由管理员执行 manage.py api_token <用户名> 发放或更换。",
        }


class SessionSchemeZh(SessionScheme):
    priority = 1
    match_subclasses = True  # the portal's own (procurement.api.authentication.SessionAuthentication)

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "浏览器会话认证：登录门户后自动携带；修改类请求须同时提交 CSRF 令牌。",
        }

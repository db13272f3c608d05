"""Chinese descriptions of the API's authentication schemes in the OpenAPI document.

drf-spectacular's own descriptions are English; these extensions take precedence (priority 1).
Imported by ``procurement.api.views`` so that they are registered before a schema is generated.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.authentication import SessionScheme, TokenScheme


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

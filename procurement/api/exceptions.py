"""The API's exception handler: every error answers with a Chinese ``detail`` and the right status.

Installed by ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "procurement.api.exceptions.api_exception_handler"``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from procurement.services.errors import ServiceError

# An object outside the user's visible set and one that does not exist answer alike: nothing leaks.
NOT_FOUND = "未找到该对象或无权查看"
FORBIDDEN = "您无权执行该操作"
CSRF_FAILED = "CSRF 校验失败：请刷新页面后重试，或改用令牌（Token）认证"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许执行该操作"
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ServiceError):
        return _service_error(exc)
    exc = _translate(exc)
    return exception_handler(exc, context)


def _service_error(exc: ServiceError) -> Response:
    data: dict = {"detail": exc.message}
    if exc.field:
        data[exc.field] = [exc.message]
    code = exc.status_code if exc.status_code in (status.HTTP_400_BAD_REQUEST, status.HTTP_409_CONFLICT) else 400
    return Response(data, status=code)


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, (Http404, exceptions.NotFound)) and not _is_own_message(exc):
        return exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or FORBIDDEN)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return exceptions.PermissionDenied(CSRF_FAILED)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, TransitionNotAllowed):
        return Conflict()
    return exc


def _is_own_message(exc: Exception) -> bool:
    """A NotFound raised by DRF itself with a specific message (e.g. an invalid page) keeps it."""
    return isinstance(exc, exceptions.NotFound) and str(exc.detail) != str(exceptions.NotFound.default_detail)

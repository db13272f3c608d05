"""The API's exception handler: every error answers with a Chinese ``detail`` and the right status.

Installed by ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "procurement.api.exceptions.api_exception_handler"``.
"""

from __future__ import annotations

import re

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
JSON_POSITION = re.compile(r"line (?P<line>\d+) column (?P<column>\d+)")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许执行该操作"
    default_code = "conflict"


# A 400's ``detail`` lists at most this many of its problems; every one stays under its field's key.
DETAIL_PROBLEMS = 10


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ServiceError):
        return _service_error(exc)
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _with_detail(response.data, request=context.get("request"))
    return response


def _with_detail(errors, *, request) -> dict:
    """A refused request's body: one Chinese ``detail`` naming each wrong parameter or field, then DRF's own errors.

    DRF answers a serializer's or a filter's errors keyed by field only (``{"year": ["该字段是必填项。"]}``), or as
    a bare list; every other API error has a ``detail``, and a client that reads only it learns what and where.
    """
    if isinstance(errors, dict) and isinstance(errors.get("detail"), str):
        return errors
    problems = [f"「{where}」{message}" if where else message for where, message in _problems(errors)]
    lead = "查询参数有误" if request is not None and request.method in ("GET", "HEAD") else "提交的数据有误"
    shown = "；".join(problems[:DETAIL_PROBLEMS])
    if len(problems) > DETAIL_PROBLEMS:
        shown += f"；等共{len(problems)}处"
    detail = f"{lead}：{shown}。" if shown else f"{lead}。"
    fields = {key: value for key, value in errors.items() if key != "detail"} if isinstance(errors, dict) else {}
    return {"detail": detail, **fields}


def _problems(errors, where: str = ""):
    """(parameter or field path, message) for every message in DRF's nested errors: ``funding_lines[1].amount_yuan``."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # a list's errors keyed by the item's position
                yield from _problems(value, f"{where}[{key}]")
                continue
            inner = "" if key in ("non_field_errors", "detail") else str(key)
            yield from _problems(value, f"{where}.{inner}" if where and inner else where or inner)
    elif isinstance(errors, list | tuple):
        for index, item in enumerate(errors):
            yield from _problems(item, f"{where}[{index}]" if isinstance(item, dict) else where)
    else:
        yield where, str(errors).rstrip("。.")


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
    if isinstance(exc, exceptions.ParseError):
        return exceptions.ParseError(_parse_error_detail(str(exc.detail)))
    return exc


def _parse_error_detail(message: str) -> str:
    """DRF's parse errors quote the parser in English (``JSON parse error - Expecting ',' delimiter: line 1 …``)."""
    position = JSON_POSITION.search(message)
    if message.startswith("JSON parse error") and position:
        return f"请求体不是有效的 JSON：第{position['line']}行第{position['column']}列附近有误"
    if message.startswith("JSON parse error"):
        return "请求体不是有效的 JSON"
    return "请求体无法解析：请按接口文档的格式（JSON 或 multipart/form-data）提交"


def _is_own_message(exc: Exception) -> bool:
    """A NotFound raised by DRF itself with a specific message (e.g. an invalid page) keeps it."""
    return isinstance(exc, exceptions.NotFound) and str(exc.detail) != str(exceptions.NotFound.default_detail)

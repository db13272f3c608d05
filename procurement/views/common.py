"""What every portal page shares: the role check, pagination, and turning refusals into Chinese."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import PurePath
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest

from procurement import access
from procurement.services.errors import REFUSALS, ServiceError

PAGE_SIZE = 20
T = TypeVar("T")

FORBIDDEN_KIND = "您所在的机构无权访问此页面。"
FORBIDDEN_ACTION = "您无权执行此操作（只读账号或非本单位事项）。"


def kind_required(*kinds: str) -> Callable:
    """Login, then at least one active seat in an organization of one of ``kinds``; otherwise 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not access.has_seat(request.user, *kinds):
                raise PermissionDenied(FORBIDDEN_KIND)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def paginate(request: HttpRequest, queryset, *, param: str = "page", per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def refusal_message(error: Exception) -> str:
    """The Chinese sentence to show for a refused write."""
    if isinstance(error, ServiceError):
        return error.message
    if isinstance(error, PermissionDenied):
        text = str(error)
        # A PermissionDenied raised by our services carries a Chinese sentence; a bare one does not.
        return text if text and not text.isascii() else FORBIDDEN_ACTION
    return str(error)


def add_refusal(form: forms.BaseForm, error: Exception) -> None:
    """Put a service refusal on the form: on the named field when the form has it, else on top."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, refusal_message(error))


def form_errors_flash(request: HttpRequest, form: forms.BaseForm) -> None:
    """The errors of a form posted from a page that redirects (no form shown again), one message each, naming its
    field (「资格证明文件（PDF）：该字段是必填项。」): the user sees what is wrong and where."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def run_step(request: HttpRequest, call: Callable[[], T], *, done: str | Callable[[T], str]) -> bool:
    """A button's service call: a refusal becomes an error message, success the ``done`` message."""
    try:
        result = call()
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
        return False
    messages.success(request, done(result) if callable(done) else done)
    return True


def run_form_step(request: HttpRequest, form: forms.BaseForm, call: Callable[[], T], *,
                  done: str | Callable[[T], str]) -> T | None:
    """A form's service call: a refusal goes onto the form (None); success shows ``done`` and returns the result."""
    try:
        result = call()
    except REFUSALS as error:
        add_refusal(form, error)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return result


def file_download(stored: File, *, name: str) -> FileResponse:
    """A stored file as a download named ``name`` (its extension added when missing); 404 when it is gone."""
    if not stored:
        raise Http404("文件不存在")
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件不存在") from None
    suffix = PurePath(stored.name).suffix
    return FileResponse(handle, as_attachment=True, filename=name if name.endswith(suffix) else f"{name}{suffix}")

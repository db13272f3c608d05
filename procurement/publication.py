"""The public notices the core's own steps require, published by the app that publishes notices.

Imports run one way (``notices`` → ``procurement``): the core declares here what it needs published, and
``notices`` registers how (``NoticesConfig.ready()``). 合同公告 is the one so far: publishing a contract
(《政府采购法实施条例》第五十条) puts a contract notice on the public portal with the contract attached.
"""

from __future__ import annotations

from collections.abc import Callable

from procurement.services.errors import ServiceError

_contract_notice_publisher: Callable[..., int] | None = None


def register_contract_notice_publisher(publish: Callable[..., int]) -> None:
    """``publish(contract=..., actor=...)`` publishes the contract notice and returns the notice's id."""
    global _contract_notice_publisher
    _contract_notice_publisher = publish


def contract_notice_publish(*, contract, actor) -> int:
    """Publish ``contract``'s notice in the caller's transaction; the notice's id."""
    if _contract_notice_publisher is None:
        raise ServiceError("公告发布服务未启用，暂不能发布合同公告，请联系系统管理员")
    return _contract_notice_publisher(contract=contract, actor=actor)


# --- notices of a project's own steps (award notice, termination notice): the core words them, notices publishes ---
_project_notice_publisher: Callable[..., object] | None = None


def register_project_notice_publisher(publish: Callable[..., object]) -> None:
    """``publish(type=..., title=..., body=..., project=..., publisher=..., actor=..., attachments=...)`` publishes
    a notice of a project (``type`` a ``notices.Notice.Type`` value) and returns the notice."""
    global _project_notice_publisher
    _project_notice_publisher = publish


def project_notice_publish(*, type: str, title: str, body: str, project, publisher, actor,
                           attachments=()):
    """Publish a notice of ``project`` in the caller's transaction; the notice (its ``pk`` and ``published_at``)."""
    if _project_notice_publisher is None:
        raise ServiceError("公告发布服务未启用，暂不能发布公告，请联系系统管理员")
    return _project_notice_publisher(type=type, title=title, body=body, project=project, publisher=publisher,
                                     actor=actor, attachments=attachments)

"""Framework agreements in force (框架协议), as far as other modes must ask about them.

753号 一: 集中带量采购以集中采购目录外品目为主；采购集中采购目录内品目的，应当以集中采购机构统一征集的框架协议
为先. A mode that opens a project on a catalog category asks ``agreements_in_force(category, on=day)`` and refuses
the category while an agreement covers it. The core keeps no agreement itself: the app that runs framework
agreements registers a source (``register_agreements_source``) from its ``AppConfig.ready()``; until one does,
no agreement is in force and nothing is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AgreementInForce:
    """One framework agreement in force for a category: what a refusal names."""

    code: str
    title: str
    supplier_count: int = 0
    valid_until: date | None = None

    def __str__(self) -> str:
        return f"「{self.title}」（编号{self.code}）" if self.code else f"「{self.title}」"


# A source answers, for a category and a day, the agreements in force that cover it.
AgreementsSource = Callable[..., list[AgreementInForce]]

_sources: list[AgreementsSource] = []


def register_agreements_source(source: AgreementsSource) -> AgreementsSource:
    """Add ``source(category, on=day) -> list[AgreementInForce]`` (once; a second registration is ignored)."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_agreements_source(source: AgreementsSource) -> None:
    """Remove ``source`` (tests, an app that stops offering agreements)."""
    if source in _sources:
        _sources.remove(source)


def agreements_in_force(category, *, on: date) -> list[AgreementInForce]:
    """The framework agreements in force on ``on`` covering ``category``, from every registered source."""
    found: list[AgreementInForce] = []
    for source in _sources:
        found.extend(source(category, on=on))
    return found

"""Small helpers that let a state machine explain itself in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def refusal(message: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Attach the message shown when this transition condition does not hold."""

    def decorate(condition: Callable[..., bool]) -> Callable[..., bool]:
        condition.refusal = message  # type: ignore[attr-defined]
        return condition

    return decorate


def transition_meta(bound_method: Any):
    """The django-fsm Transition for the instance's current state, or None."""
    meta = getattr(bound_method, "_django_fsm", None)
    if meta is None:
        return None
    instance = bound_method.__self__
    return meta.get_transition(meta.field.get_state(instance))


def transition_label(bound_method: Any) -> str:
    meta = getattr(bound_method, "_django_fsm", None)
    if meta is None:
        return bound_method.__name__
    for t in meta.transitions.values():
        label = t.custom.get("label")
        if label:
            return label
    return bound_method.__name__


def failed_conditions(bound_method: Any) -> list[str]:
    """Chinese reasons for every condition of the transition that does not hold now."""
    found = transition_meta(bound_method)
    if found is None:
        return []
    instance = bound_method.__self__
    return [getattr(c, "refusal", c.__name__) for c in found.conditions if not c(instance)]

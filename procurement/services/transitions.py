"""The one door every state change walks through.

lock the row → check the user's right → check the conditions → prepare → step → save →
write the ProjectEvent → queue side effects after commit. No side effects live in ``save()``,
signals or transition bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django_fsm import can_proceed

from procurement.services.errors import TransitionRefused
from procurement.services.events import event_record
from procurement.workflow import failed_conditions, transition_label, transition_meta

M = TypeVar("M", bound=models.Model)


def _state_field(instance: models.Model) -> str:
    for field in instance._meta.concrete_fields:
        if field.__class__.__name__ in {"FSMField", "FSMIntegerField", "FSMKeyField"}:
            return field.attname
    raise TypeError(f"{type(instance).__name__} has no state field")


@transaction.atomic
def transition_run(
    *,
    instance: M,
    name: str,
    actor,
    note: str = "",
    prepare: Callable[[M], dict[str, Any]] | None = None,
    after_commit: Iterable[Callable[[M], None]] = (),
) -> M:
    """Run transition ``name`` on ``instance`` for ``actor`` and return the saved, locked copy.

    ``prepare`` sets the step's own fields (dates, reasons) on the locked row before the step and
    returns what it changed for the audit log. ``after_commit`` callbacks (notices, e-mails,
    tasks) run only once the transaction has committed.
    """
    model = type(instance)
    locked = model._base_manager.select_for_update().get(pk=instance.pk)
    step = getattr(locked, name, None)
    if step is None or not hasattr(step, "_django_fsm"):
        raise TransitionRefused(f"不存在的操作「{name}」")
    label = transition_label(step)
    state = _state_field(locked)
    source = getattr(locked, state)
    source_label = getattr(locked, f"get_{state}_display")()
    meta = transition_meta(step)
    # A state the step cannot start from is reported as such, whoever asks. (django-fsm's
    # has_transition_perm also checks the conditions; the permission alone is asked here.)
    if meta is not None and not meta.has_perm(locked, actor):
        raise PermissionDenied(f"您无权执行「{label}」")
    if meta is None or not can_proceed(step, check_conditions=False):
        raise TransitionRefused(f"当前状态为「{source_label}」，不能执行「{label}」")
    reasons = failed_conditions(step)
    if reasons:
        raise TransitionRefused(f"不能执行「{label}」：{'；'.join(reasons)}")
    changes = prepare(locked) if prepare else {}
    step()
    locked.save()
    event_record(
        subject=locked,
        action=name,
        action_label=label,
        actor=actor,
        source=source,
        target=getattr(locked, state),
        changes=changes,
        note=note,
    )
    for callback in after_commit:
        transaction.on_commit(partial(callback, locked))
    return locked

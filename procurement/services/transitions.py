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
from django.utils import timezone
from django_fsm import can_proceed

from procurement.models import ProjectEvent
from procurement.services.errors import TransitionRefused
from procurement.services.events import event_build, event_record
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


@transaction.atomic
def transition_run_many(
    *,
    queryset: models.QuerySet[M],
    name: str,
    actor,
    note: str = "",
    fields: Iterable[str] = (),
) -> list[M]:
    """Run transition ``name`` on every row of ``queryset`` for ``actor``: ``transition_run`` for thousands of rows
    (the sub-plans frozen with a master plan), all or none.

    The rows are locked in one query (the queryset's ``select_related`` is kept, for the permissions and
    conditions to read; only the rows themselves are locked); each row's right and conditions are checked as
    ``transition_run`` checks them, and one refusal refuses every row. The state, the auto_now fields and the
    ``fields`` the step sets are saved in bulk, with one audit row per row, written in bulk.
    """
    model = queryset.model
    rows = list(queryset.select_for_update(of=("self",)).order_by("pk"))
    if not rows:
        return rows
    state = _state_field(rows[0])
    stamped = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    now = timezone.now()
    events = []
    for row in rows:
        step = getattr(row, name, None)
        if step is None or not hasattr(step, "_django_fsm"):
            raise TransitionRefused(f"不存在的操作「{name}」")
        label = transition_label(step)
        source = getattr(row, state)
        meta = transition_meta(step)
        if meta is not None and not meta.has_perm(row, actor):
            raise PermissionDenied(f"您无权执行「{label}」")
        if meta is None or not can_proceed(step, check_conditions=False):
            shown = getattr(row, f"get_{state}_display")()
            raise TransitionRefused(f"{row}：当前状态为「{shown}」，不能执行「{label}」")
        reasons = failed_conditions(step)
        if reasons:
            raise TransitionRefused(f"{row}：不能执行「{label}」：{'；'.join(reasons)}")
        step()
        for attname in stamped:
            setattr(row, attname, now)
        events.append(event_build(subject=row, action=name, action_label=label, actor=actor, source=source,
                                  target=getattr(row, state), note=note))
    _save_in_groups(model, rows, list(dict.fromkeys([state, *fields, *stamped])))
    ProjectEvent.objects.bulk_create(events, batch_size=1000)
    return rows


def _save_in_groups(model: type[models.Model], rows: list, attnames: list[str]) -> None:
    """Write ``attnames`` of ``rows``: one UPDATE per distinct set of values (per 1,000 rows).

    A step usually gives every row the same values (a state, a moment), where ``bulk_update``'s per-row CASE
    would cost seconds for thousands of rows.
    """
    groups: dict[object, list] = {}
    for row in rows:
        values = tuple(getattr(row, attname) for attname in attnames)
        try:
            hash(values)
        except TypeError:  # a JSON value, say: that row on its own
            key: tuple = (False, row.pk)
        else:
            key = (True, values)
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        values = {attname: getattr(members[0], attname) for attname in attnames}
        pks = [row.pk for row in members]
        for start in range(0, len(pks), 1000):
            model._base_manager.filter(pk__in=pks[start:start + 1000]).update(**values)

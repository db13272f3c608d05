"""Writing the audit log. Every service that changes something that matters calls ``event_record``."""

from __future__ import annotations

from typing import Any

from django.db import models

from procurement import access
from procurement.models import Project, ProjectEvent

SUBJECT_TYPES = {
    "Project": "project",
    "SubPlan": "sub_plan",
    "Contract": "contract",
    "Award": "award",
    "Filing": "filing",
    "Lot": "lot",
}


def subject_type_of(obj: models.Model) -> str:
    for klass in type(obj).__mro__:
        if klass.__name__ in SUBJECT_TYPES:
            return SUBJECT_TYPES[klass.__name__]
    return type(obj)._meta.model_name


def project_of(obj: models.Model) -> Project | None:
    if isinstance(obj, Project):
        return obj
    return getattr(obj, "project", None)


def acting_organization_id(actor, obj: models.Model) -> int | None:
    """The organization the actor acted for on ``obj``: the one of its seats involved, else its first."""
    seats = access.seats(actor)
    involved = {
        getattr(obj, name, None)
        for name in ("organizer_id", "agency_id", "unit_id", "buyer_id", "supplier_id", "filed_by_id",
                     "finance_bureau_id", "center_id")
    }
    for seat in seats:
        if seat.organization_id in involved:
            return seat.organization_id
    return seats[0].organization_id if seats else None


def event_record(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    action_label: str = "",
    source: str = "",
    target: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> ProjectEvent:
    event = event_build(subject=subject, action=action, actor=actor, action_label=action_label, source=source,
                        target=target, changes=changes, note=note)
    event.save(force_insert=True)
    return event


def event_build(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    action_label: str = "",
    source: str = "",
    target: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> ProjectEvent:
    """The audit row ``event_record`` writes, not yet saved: for many rows at once with ``bulk_create``."""
    return ProjectEvent(
        project=project_of(subject),
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
        action=action,
        action_label=action_label,
        source=source,
        target=target,
        changes=changes or {},
        note=note,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_organization_id=acting_organization_id(actor, subject) if actor is not None else None,
    )

"""Opening a project in any mode: the project, its lots (or items), the units that may answer, the window.

A mode builds what is its own around this (batch: the task notice, the configuration table and the
solicitation notice; volume: the lead unit's item list and invitations) and calls ``project_open`` for the
shared part, so every mode's project is numbered, audited and opened for collection the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from procurement import access
from procurement.models import Category, EligibleUnit, Lot, Organization, Project, Region
from procurement.numbering import project_create_numbered
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.transitions import transition_run

NAME_MAX = Lot._meta.get_field("name").max_length
UNIT_OF_MEASURE_MAX = Lot._meta.get_field("unit_of_measure").max_length


@dataclass(frozen=True)
class LotSpec:
    """One lot (采购包) or item (采购内容) of a project being opened."""

    name: str
    unit_of_measure: str
    category_id: int | None = None
    specification: str = ""
    reference_price_yuan: Decimal | None = None


def window_check(opens_at: datetime | None, deadline: datetime | None) -> datetime:
    """The moment the response window opens: ``opens_at`` or now; refuses a window that is past or inverted."""
    now = timezone.now()
    if deadline is None:
        raise ServiceError("请填写需求响应截止时间", field="response_deadline")
    if deadline <= now:
        raise ServiceError("需求响应截止时间必须晚于当前时间", field="response_deadline")
    if opens_at is None:
        return now
    # A time picked to the minute (the form's precision) for "now" still counts as now.
    if opens_at < now.replace(second=0, microsecond=0):
        raise ServiceError("需求响应开始时间不能早于当前时间", field="response_opens_at")
    if deadline <= opens_at:
        raise ServiceError("需求响应截止时间必须晚于开始时间", field="response_deadline")
    return opens_at


def _checked_lots(lots: Sequence[LotSpec]) -> list[LotSpec]:
    if not lots:
        raise ServiceError("请至少设置一个采购包", field="lots")
    for number, spec in enumerate(lots, start=1):
        if not spec.name.strip():
            raise ServiceError(f"第{number}包：请填写名称", field="lots")
        if len(spec.name.strip()) > NAME_MAX:
            raise ServiceError(f"第{number}包：名称不能超过{NAME_MAX}个字", field="lots")
        if not spec.unit_of_measure.strip():
            raise ServiceError(f"第{number}包：请填写计量单位", field="lots")
        if len(spec.unit_of_measure.strip()) > UNIT_OF_MEASURE_MAX:
            raise ServiceError(f"第{number}包：计量单位不能超过{UNIT_OF_MEASURE_MAX}个字", field="lots")
        if spec.reference_price_yuan is not None and spec.reference_price_yuan < 0:
            raise ServiceError(f"第{number}包：参考单价不能为负数", field="lots")
    category_ids = {spec.category_id for spec in lots if spec.category_id is not None}
    known = set(Category.objects.filter(pk__in=category_ids).values_list("pk", flat=True))
    if category_ids - known:
        raise ServiceError("采购包的采购品目不存在", field="lots")
    return list(lots)


def _checked_units(unit_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(unit_ids))
    if not ids:
        raise ServiceError("可响应单位范围不能为空", field="eligible_units")
    found = set(Organization.objects.filter(pk__in=ids, kind=Organization.Kind.BUDGET_UNIT)
                .values_list("pk", flat=True))
    if len(found) != len(ids):
        raise ServiceError(f"有{len(ids) - len(found)}个单位不存在或不是预算单位", field="eligible_units")
    return ids


@transaction.atomic
def project_open(
    *,
    mode: str,
    title: str,
    year: int,
    organizer: Organization,
    scope_region: Region,
    lots: Sequence[LotSpec],
    unit_ids: Iterable[int],
    response_deadline: datetime | None,
    response_opens_at: datetime | None = None,
    category: Category | None = None,
    purchase_limit_yuan: Decimal | None = None,
    description: str = "",
    scope_note: str = "",
    model: type[Project] = Project,
    actor: AbstractBaseUser,
    changes: dict | None = None,
) -> Project:
    """立项并开放需求响应: number the project, create its lots and eligible units, open collection.

    The actor must act for the organizer (the center, or the lead unit in volume). ``changes`` adds the mode's
    own facts to the audit row of the creation. A mode attaches its own rows to the returned project in the same
    transaction. Every eligible unit is told when the window opens (``collection_deadlines``): the sweep runs
    as soon as the transaction commits, the beat's next run being the fallback.
    """
    if not (access.is_privileged(actor) or access.acts_for(actor, organizer.pk)):
        raise PermissionDenied("只有组织单位可以立项")
    title = title.strip()
    if not title:
        raise ServiceError("请填写项目名称", field="title")
    specs = _checked_lots(lots)
    ids = _checked_units(unit_ids)
    opens_at = window_check(response_opens_at, response_deadline)

    project = project_create_numbered(
        model=model, mode=mode, title=title[:200], year=year, organizer_id=organizer.pk,
        category_id=category.pk if category else None, scope_region=scope_region, scope_note=scope_note[:255],
        purchase_limit_yuan=purchase_limit_yuan, description=description.strip(),
        response_opens_at=opens_at, response_deadline=response_deadline,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    created = Lot.objects.bulk_create([
        Lot(project=project, number=number, name=spec.name.strip(), category_id=spec.category_id,
            specification=spec.specification, unit_of_measure=spec.unit_of_measure.strip(),
            reference_price_yuan=spec.reference_price_yuan)
        for number, spec in enumerate(specs, start=1)
    ])
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit_id=pk) for pk in ids], batch_size=1000)
    event_record(subject=project, action="create", action_label="立项", actor=actor, changes={
        **(changes or {}), "eligible_units": len(ids), "lots": [lot.name for lot in created],
    })
    opened = transition_run(instance=project, name="open_collection", actor=actor)
    # The first check is the opening itself: every eligible unit is told then.
    COLLECTION_DEADLINES.reschedule(opened, sweep_now=True)
    return opened

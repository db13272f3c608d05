"""Test data of open framework agreements (开放式框架协议) and of expiry: an open plan filed (the solicitation
slice's ``filed_plan``) with its review period declared and its validity around today, its solicitation notice
published (``published``: no response deadline, as ``solicitation_publish`` for an open plan), and requests to
join made through the service."""

from __future__ import annotations

from datetime import date, timedelta

from framework.models import AgreementType, FrameworkPlan, JoinRequest
from framework.services import open_agreements as services
from procurement import deadlines
from procurement.models import Lot, Project
from tests.factories import SupplierFactory, member_of
from tests.framework.solicitation_data import filed_plan, pdf, published
from tests.world import World

REVIEW_DAYS = 5


def open_project(world: World, *, lots: int = 1, review_days: int | None = REVIEW_DAYS,
                 valid_from: date | None = None, valid_until: date | None = None, notice: bool = True,
                 agreement_type: str = AgreementType.OPEN) -> Project:
    """A framework project of the world's center with an open plan filed (no §八–§十一, ``review_days`` declared),
    valid from 100 days ago to 200 days ahead unless told, and (``notice``) its solicitation notice published. An
    open project has no response deadline at any point (annex 8 note 1), so none is set here."""
    today = deadlines.today()
    plan = filed_plan(world, lots=lots, agreement_type=agreement_type)
    if plan.is_open:
        Project.objects.filter(pk=plan.project_id).update(response_opens_at=None, response_deadline=None)
    FrameworkPlan.objects.filter(pk=plan.pk).update(
        valid_from=valid_from or today - timedelta(days=100), valid_until=valid_until or today + timedelta(days=200),
        join_review_working_days=review_days)
    return published(plan) if notice else Project.objects.get(pk=plan.project_id)


def lot_of(project: Project, number: int = 1) -> Lot:
    return project.lots.get(number=number)


def supplier_with_user(name: str = "开放式供应商"):
    supplier = SupplierFactory(name=name)
    return supplier, member_of(supplier)


def join(world: World, lot: Lot, supplier, user, **overrides) -> JoinRequest:
    values = {"lot": lot, "supplier": supplier, "accepts_terms": True, "qualification_file": pdf(), "actor": user}
    values.update(overrides)
    return services.join_request_create(**values)


def joined(world: World, lot: Lot, supplier, user):
    """``supplier`` asks and the center approves: its signed agreement on ``lot``."""
    request = join(world, lot, supplier, user)
    return services.join_request_approve(join=request, actor=world.user(world.center)).agreement

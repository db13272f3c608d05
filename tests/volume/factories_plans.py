"""Test data of the plans slice (753号 steps 3–4): volume projects with their details, and units' responses as
documents (``volume.models.Response`` with the core's sub-plans and funding lines), written straight to the
tables (the responses slice's services are not needed to aggregate what they would have written)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from procurement.models import FundingLine, Lot, Organization, Project, SubPlan
from tests.volume.factories import volume_project
from tests.world import World
from volume.models import Response, VolumeDetails

Source = FundingLine.Source


def volume_details(project: Project, *, kind: str = VolumeDetails.Kind.CROSS_DEPARTMENT) -> VolumeDetails:
    """What volume's project creation records beside the core project (a cross-department project by default)."""
    return VolumeDetails.objects.create(project=project, kind=kind, question_handler=project.organizer)


def opened_volume_project(world: World, *, participants: list[Organization] | None = None, lots: int = 2,
                          status: str = Project.Status.COLLECTING, **fields) -> Project:
    """A volume project (``volume_project``) with its ``VolumeDetails``: one the core's sweep and volume's pages
    know as volume's."""
    project = volume_project(world, participants=participants, lots=lots, status=status, **fields)
    volume_details(project)
    return project


def respond(project: Project, unit: Organization, items: list[tuple[Lot, str, str, list[tuple[str, str, str]]]], *,
            status: str = Response.Status.SUBMITTED,
            sub_plan_status: str = SubPlan.Status.SUBMITTED) -> Response:
    """``unit``'s response: ``items`` are (item, quantity, budget, funding lines (source, amount, indicator code))."""
    now = timezone.now()
    response = Response.objects.create(project=project, unit=unit, status=status, contact_name="王芳",
                                       contact_phone="0431-88880000",
                                       submitted_at=now if status == Response.Status.SUBMITTED else None)
    for lot, quantity, budget, lines in items:
        sub_plan = SubPlan.objects.create(project=project, lot=lot, unit=unit, quantity=Decimal(quantity),
                                          budget_yuan=Decimal(budget), status=sub_plan_status, submitted_at=now)
        FundingLine.objects.bulk_create([
            FundingLine(sub_plan=sub_plan, source=source, amount_yuan=Decimal(amount), budget_index_code=code)
            for source, amount, code in lines])
    return response


def decline(project: Project, unit: Organization, reason: str = "本年度已通过其他方式采购，不参与本项目") -> Response:
    return Response.objects.create(project=project, unit=unit, status=Response.Status.DECLINED, decline_reason=reason,
                                   submitted_at=timezone.now())


def close_window(project: Project) -> Project:
    """The response deadline passed and the window closed (归集汇总), as the sweep leaves it."""
    Project.objects.filter(pk=project.pk).update(status=Project.Status.AGGREGATED,
                                                 response_deadline=timezone.now() - timedelta(hours=1),
                                                 response_opens_at=timezone.now() - timedelta(days=10))
    project.refresh_from_db()
    return project


def plan_values(**overrides) -> dict:
    """Valid values of ``implementation_plan_file`` (dates from tomorrow on, in order)."""
    today = timezone.localdate()
    values = {
        "method": "open_tender",
        "documents_planned_on": today + timedelta(days=1),
        "opening_planned_on": today + timedelta(days=25),
        "award_planned_on": today + timedelta(days=30),
        "contracts_planned_on": today + timedelta(days=45),
        "note": "分两个采购包公开招标",
    }
    values.update(overrides)
    return values

"""The organizer's collection pages, whatever the mode: the master plan, a lot's drill-down, the Excel export,
closing the window (截止汇总) and confirming the master plan (确认总计划).

Seed 000 三(一)(4) 需求响应: the live master plan (总计划) per lot with a drill-down to each unit, the eligible
units that have not answered, the export. Every lookup goes through
``procurement.selectors.collection.managed_projects`` (a project the user does not run → 404, a supplier or finance
→ 403); every
write calls a service of ``procurement.services.collection``. After a step the organizer goes back to its
mode's project page (``ModePlugin.organizer_project_page``), which includes ``collection/_master_plan.html``
with ``master_plan_context``; a mode without a page of its own has ``collection-master-plan``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from procurement import access
from procurement.master_plan_export import master_plan_file_name, master_plan_workbook
from procurement.models import Project
from procurement.selectors.collection import MANAGERS, managed_projects, pending_units
from procurement.selectors.plans import flags_for_sub_plan, master_plan, master_plan_drilldown
from procurement.services import collection as collection_services
from procurement.services.collection_deadlines import organizer_project_page
from procurement.views.common import kind_required, paginate, run_step

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def master_plan_context(request, project: Project) -> dict:
    """What ``collection/_master_plan.html`` and ``collection/_actions.html`` show of ``project`` (annotated with
    ``eligible_count`` and ``answered_count``) to the organizer."""
    now = timezone.now()
    manages = access.runs_project(request.user, project, step=access.Step.COLLECTION)
    return {
        "plan": master_plan(project=project),
        "pending": paginate(request, pending_units(project), param="upage"),
        "window_open": project.window_open(now),
        "can_close": manages and project.status == Project.Status.COLLECTING
        and project.response_deadline is not None and now >= project.response_deadline,
        "can_confirm": manages and project.status == Project.Status.AGGREGATED and project.answered_count > 0,
    }


def _managed(request, pk: int) -> Project:
    return get_object_or_404(managed_projects(request.user), pk=pk)


@kind_required(*MANAGERS)
def project_master_plan(request, pk: int):
    """The core's page of a project's master plan, for a mode without a project page of its own."""
    project = _managed(request, pk)
    page = organizer_project_page(project)
    if page != request.path:
        return redirect(page)
    return render(request, "collection/master_plan.html", {"project": project,
                                                           **master_plan_context(request, project)})


@kind_required(*MANAGERS)
def project_lot(request, pk: int, lot_pk: int):
    project = _managed(request, pk)
    lot = get_object_or_404(project.lots.all(), pk=lot_pk)
    line = next((line for line in master_plan(project=project).lines if line.lot.pk == lot.pk), None)
    flagged_only = request.GET.get("flagged") == "1"
    page = paginate(request, master_plan_drilldown(project=project, lot=lot, flagged_only=flagged_only))
    return render(request, "collection/lot.html", {
        "project": project,
        "project_page": organizer_project_page(project),
        "lot": lot,
        "line": line,
        "flagged_only": flagged_only,
        "page": page,
        # Each unit's row with what looks wrong in it (procurement.plan_checks), for the center to check.
        "rows": [(sub_plan, flags_for_sub_plan(sub_plan)) for sub_plan in page],
    })


@kind_required(*MANAGERS)
def project_export(request, pk: int):
    project = _managed(request, pk)
    workbook = master_plan_workbook(project=project, visible=access.visible_sub_plans(request.user))
    response = HttpResponse(workbook, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, master_plan_file_name(project))
    return response


def _act(request, pk: int, service, done: str):
    project = _managed(request, pk)
    run_step(request, lambda: service(project=project, actor=request.user), done=done)
    return redirect(organizer_project_page(project))


@require_POST
@kind_required(*MANAGERS)
def project_close(request, pk: int):
    return _act(request, pk, collection_services.collection_close, "需求响应已截止，总计划已形成，请核对后确认。")


@require_POST
@kind_required(*MANAGERS)
def project_confirm(request, pk: int):
    return _act(request, pk, collection_services.master_plan_confirm, "总计划已确认，各单位已提交的分计划已锁定。")


urlpatterns = [
    path("projects/<int:pk>/master-plan/", project_master_plan, name="collection-master-plan"),
    path("projects/<int:pk>/master-plan/export/", project_export, name="collection-export"),
    path("projects/<int:pk>/lots/<int:lot_pk>/", project_lot, name="collection-lot"),
    path("projects/<int:pk>/close/", project_close, name="collection-close"),
    path("projects/<int:pk>/confirm/", project_confirm, name="collection-confirm"),
]

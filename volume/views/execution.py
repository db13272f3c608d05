"""Volume pages: 753号 steps 5–6 (see volume/urls.py): the lead's execution page ``volume:execution`` — the award per
item, the lead's confirmation of the result, the contract generation that follows it and the signing board — read
by the entrusted agency and, for their region's participants, by finance. The procurement itself (method, dates,
documents, the award, the award notice) is the core's workspace (``award-project``); each participant signs,
publishes, files, accepts and pays on its own contract pages (``unit-contract-list``).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from procurement import access, deadlines
from procurement.models import Mode, Organization, Project
from procurement.services.execution import contracts_generate
from procurement.views.common import kind_required, paginate, run_step
from volume import board as boards
from volume.models import VolumeDetails
from volume.services.execution import is_lead, result_confirm

UNIT, AGENCY, FINANCE = Organization.Kind.BUDGET_UNIT, Organization.Kind.AGENCY, Organization.Kind.FINANCE
READERS = (UNIT, AGENCY, FINANCE)
BOARD_PAGE_SIZE = 50


def _run(request, pk: int) -> Project:
    """A volume project the user runs (the lead, or the agency for the entrusted steps); another's is a 404."""
    projects = access.projects_run_by(request.user).filter(mode=Mode.VOLUME)
    return get_object_or_404(projects.select_related("organizer", "agency"), pk=pk)


def execution_context(request, project: Project) -> dict:
    details = VolumeDetails.objects.filter(project=project).select_related("result_confirmed_by").first()
    confirmed = details is not None and details.result_confirmed_at is not None
    lead = is_lead(request.user, project)
    runs = access.runs_project(request.user, project, step=access.Step.CONTRACTS)
    board = boards.board(project, request.user)
    return {
        "project": project,
        "details": details,
        "confirmed": confirmed,
        "is_lead": lead,
        "runs": runs,
        "award_lines": boards.award_lines(project),
        "board": board,
        "can_confirm": lead and project.status == Project.Status.AWARDED and details is not None and not confirmed,
        "can_generate": runs and confirmed and project.status == Project.Status.AWARDED
        and board.without_contract_count > 0,
        "signing_rule": deadlines.CONTRACT_SIGNING.rule,
        "publication_rule": deadlines.CONTRACT_PUBLICATION.rule,
    }


@kind_required(*READERS)
def execution_detail(request, pk: int):
    """The award per item, the result confirmation and the signing board of a volume project."""
    project = get_object_or_404(boards.board_projects(request.user).select_related(
        "organizer", "agency", "award_notice"), pk=pk)
    context = execution_context(request, project)
    context["page"] = paginate(request, context["board"].rows, per_page=BOARD_PAGE_SIZE)
    return render(request, "volume/execution/detail.html", context)


@require_POST
@kind_required(UNIT)
def execution_confirm(request, pk: int):
    project = _run(request, pk)
    run_step(request, lambda: result_confirm(project=project, actor=request.user),
             done="采购结果已确认，已通知各参与单位和代理机构；请生成分签合同。")
    return redirect("volume:execution", pk=project.pk)


@require_POST
@kind_required(UNIT, AGENCY)
def execution_generate(request, pk: int):
    project = _run(request, pk)

    def done(created) -> str:
        if not created:
            return "没有需要生成的合同：每个参与单位已锁定的品目都已有合同。"
        return (f"已生成 {len(created)} 份分签合同（每个参与单位与每家中标供应商一份），"
                "请督促各参与单位在中标（成交）通知书发出之日起30日内签订。")

    run_step(request, lambda: contracts_generate(project=project, actor=request.user), done=done)
    return redirect("volume:execution", pk=project.pk)


urlpatterns = [
    path("projects/<int:pk>/execution/", execution_detail, name="execution"),
    path("projects/<int:pk>/execution/confirm/", execution_confirm, name="execution-confirm"),
    path("projects/<int:pk>/execution/contracts/", execution_generate, name="execution-generate"),
]


def hub_context(request, project) -> dict:
    """What this step's section of the lead's project page (templates/volume/projects/_section_execution.html) needs."""
    if project.status not in (Project.Status.CONFIRMED, Project.Status.PROCURING, Project.Status.AWARDED,
                              Project.Status.COMPLETED):
        return {"execution_shown": False}
    return {"execution_shown": True, **execution_context(request, project)}

"""Volume pages of 753号 steps 3 and 4: the aggregate (归集汇总) with its Excel export, and the implementation plan
(备案采购实施计划) with the entrusted agency.

The aggregate is read by the lead unit (and its read-only colleagues), the entrusted agency and finance of the
region (``volume.selectors.aggregate.aggregate_projects``); a participant, which reads only its own response, and
anyone else hears 404, an organization of another kind 403. The plan is filed by the lead only
(``plan_projects``); after filing, the page shows the filed plan and its filing to whoever reads the aggregate.
Every write calls ``volume.services.plans``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header

from procurement import access
from procurement.models import Organization, Project
from procurement.views.common import kind_required, paginate, run_form_step
from procurement.views.forms import _style as bootstrap
from volume.aggregate_export import XLSX_TYPE, aggregate_file_name, aggregate_workbook
from volume.models import ImplementationPlan
from volume.selectors.aggregate import (
    READERS,
    aggregate,
    aggregate_projects,
    declined_responses,
    participant_rows,
    participants,
    unanswered_units,
)
from volume.services import plans as plan_services

DATE = "%Y-%m-%d"


# --- the form ------------------------------------------------------------------------------------------

class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}（{obj.region.name}）" if obj.region_id else obj.name


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, input_formats=[DATE],
                           widget=forms.DateInput(attrs={"type": "date"}, format=DATE))


class PlanForm(forms.Form):
    """采购实施计划: method, entrusted agency, timetable, note (items, quantities, budget, funding: the aggregate)."""

    method = forms.ChoiceField(label="采购方式", choices=[])
    agency = AgencyChoiceField(label="受托采购代理机构", queryset=Organization.objects.none(),
                               empty_label="请选择采购代理机构")
    documents_planned_on = _date_field("计划发布采购文件日期")
    opening_planned_on = _date_field("计划开标（响应截止）日期")
    award_planned_on = _date_field("计划确定结果日期")
    contracts_planned_on = _date_field("计划签订合同日期")
    note = forms.CharField(label="说明", required=False, max_length=plan_services.NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：分包方式、评审方法、特殊要求"}))

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(plan_services.procurement_methods(project))
        self.fields["method"].choices = [("", "请选择采购方式"), *[
            (value, label) for value, label in Project._meta.get_field("procurement_method").choices
            if value in allowed]]
        self.fields["agency"].queryset = (Organization.objects.filter(kind=Organization.Kind.AGENCY, is_active=True)
                                          .select_related("region").order_by("name", "pk"))
        bootstrap(self)


# --- lookups -------------------------------------------------------------------------------------------

def _readable(request, pk: int) -> Project:
    return get_object_or_404(aggregate_projects(request.user).select_related("organizer", "agency", "scope_region"),
                             pk=pk)


def _plan_of(project: Project) -> ImplementationPlan | None:
    return (ImplementationPlan.objects.filter(project_id=project.pk)
            .select_related("agency", "filing", "filing__finance_bureau", "filed_by").first())


def _is_lead(request, project: Project) -> bool:
    return access.is_superuser(request.user) or access.acts_for(request.user, project.organizer_id, write=False)


# --- pages ---------------------------------------------------------------------------------------------

@kind_required(*READERS)
def aggregate_page(request, pk: int):
    """归集汇总: per item, per participant (paged), per funding source, the grand total, who declined or is silent."""
    project = _readable(request, pk)
    summary = aggregate(project)
    page = paginate(request, participants(project))
    return render(request, "volume/plans/aggregate.html", {
        "project": project,
        "summary": summary,
        "page": page,
        "rows": participant_rows(project, page),
        "declined": paginate(request, declined_responses(project), param="dpage"),
        "unanswered": paginate(request, unanswered_units(project), param="upage"),
        "plan": _plan_of(project),
        "is_lead": _is_lead(request, project),
        "collecting": project.status in (Project.Status.DRAFT, Project.Status.COLLECTING),
    })


@kind_required(*READERS)
def aggregate_export(request, pk: int):
    project = _readable(request, pk)
    response = HttpResponse(aggregate_workbook(project=project), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, aggregate_file_name(project))
    return response


@kind_required(*READERS)
def plan_page(request, pk: int):
    """采购实施计划: the lead's form with the aggregate summary; once filed, the plan and its filing, read-only."""
    project = _readable(request, pk)
    plan = _plan_of(project)
    refusal = plan_services.plan_refusal(project, request.user) if plan is None else None
    form = None
    if plan is None and refusal is None:
        form = PlanForm(request.POST or None, project=project)
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            filed = run_form_step(request, form, lambda: plan_services.implementation_plan_file(
                project=project, method=values["method"], agency=values["agency"],
                documents_planned_on=values["documents_planned_on"], opening_planned_on=values["opening_planned_on"],
                award_planned_on=values["award_planned_on"], contracts_planned_on=values["contracts_planned_on"],
                note=values["note"], actor=request.user),
                done="采购实施计划已备案，总计划已确认，已通知受托代理机构和财政部门。")
            if filed is not None:
                return redirect("volume:plan", pk=project.pk)
    elif request.method == "POST":
        if plan is None and not (access.is_superuser(request.user) or access.acts_for(request.user,
                                                                                       project.organizer_id)):
            raise PermissionDenied(refusal)
        messages.error(request, refusal or "该项目的采购实施计划已备案，不能重复备案。")
    return render(request, "volume/plans/plan.html", {
        "project": project,
        "summary": aggregate(project),
        "plan": plan,
        "form": form,
        "refusal": refusal,
        "is_lead": _is_lead(request, project),
    })


def hub_context(request, project) -> dict:
    """What this step's section of the lead's project page (templates/volume/projects/_section_plans.html) needs."""
    summary = aggregate(project)
    plan = _plan_of(project)
    return {
        "plans_summary": summary,
        "plans_plan": plan,
        "plans_refusal": plan_services.plan_refusal(project, request.user) if plan is None else None,
        "plans_collecting": project.status in (Project.Status.DRAFT, Project.Status.COLLECTING),
    }


urlpatterns = [
    path("projects/<int:pk>/aggregate/", aggregate_page, name="aggregate"),
    path("projects/<int:pk>/aggregate/export/", aggregate_export, name="aggregate-export"),
    path("projects/<int:pk>/plan/", plan_page, name="plan"),
]

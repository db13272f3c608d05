"""A budget unit's sub-plans (分计划): list, detail, file, edit, submit, withdraw.

Every lookup goes through ``own_sub_plans`` (the access policy narrowed to the user's units), so
another unit's sub-plan answers 404 and none of its data is rendered. Writes call the services.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from procurement.models import Organization, SubPlan
from procurement.selectors import buyer
from procurement.services import sub_plans as sub_plan_services
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import FileSubPlanForm, SubPlanFilterForm, SubPlanForm, funding_line_formset

UNIT = Organization.Kind.BUDGET_UNIT


def _own_sub_plan(request, pk: int) -> SubPlan:
    return get_object_or_404(buyer.own_sub_plans(request.user), pk=pk)


def _editable(sub_plan: SubPlan) -> bool:
    return sub_plan.status != SubPlan.Status.FROZEN and sub_plan.project.window_open()


@kind_required(UNIT)
def sub_plan_list(request):
    user = request.user
    form = SubPlanFilterForm(request.GET, projects=buyer.own_sub_plan_projects(user))
    filters = form.cleaned_data if form.is_valid() else {}
    sub_plans = buyer.own_sub_plan_list(
        user,
        status=filters.get("status") or "",
        project_id=filters.get("project"),
        q=(filters.get("q") or "").strip(),
    )
    return render(request, "unit/sub_plan_list.html", {
        "form": form,
        "page": paginate(request, sub_plans),
        "filtered": any(filters.values()),
    })


@kind_required(UNIT)
def sub_plan_detail(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    contract = buyer.own_contracts(request.user).filter(sub_plan=sub_plan).first()
    return render(request, "unit/sub_plan_detail.html", {
        "sub_plan": sub_plan,
        "funding_lines": sub_plan.funding_lines.all(),
        "history": buyer.history_of("sub_plan", sub_plan.pk)[:50],
        "contract": contract,
        "labels": dict(SubPlan.Status.choices),
        "editable": _editable(sub_plan),
        "can_submit": _editable(sub_plan) and sub_plan.status in (SubPlan.Status.DRAFT, SubPlan.Status.WITHDRAWN),
        "can_resubmit": _editable(sub_plan) and sub_plan.status == SubPlan.Status.SUBMITTED,
        "can_withdraw": _editable(sub_plan) and sub_plan.status == SubPlan.Status.SUBMITTED,
    })


@kind_required(UNIT)
def sub_plan_edit(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    if request.method == "POST":
        form = SubPlanForm(request.POST)
        funding = funding_line_formset(data=request.POST)
        if form.is_valid() and funding.is_valid():
            saved = run_form_step(
                request, form,
                lambda: sub_plan_services.sub_plan_save(
                    lot=sub_plan.lot, unit=sub_plan.unit, actor=request.user, sub_plan=sub_plan,
                    funding_lines=funding.lines(), **form.cleaned_data,
                ),
                done="分计划已保存。如需计入总计划，请确认已提交。",
            )
            if saved is not None:
                return redirect("unit-sub-plan-detail", pk=sub_plan.pk)
    else:
        form = SubPlanForm(initial={
            "quantity": sub_plan.quantity,
            "budget_yuan": sub_plan.budget_yuan,
            "contact_name": sub_plan.contact_name,
            "contact_phone": sub_plan.contact_phone,
            "note": sub_plan.note,
        })
        lines = [
            {"source": line.source, "amount_yuan": line.amount_yuan, "budget_index_code": line.budget_index_code}
            for line in sub_plan.funding_lines.all()
        ]
        funding = funding_line_formset(initial=lines, extra=1 if lines else 2)
    return render(request, "unit/sub_plan_form.html", {
        "sub_plan": sub_plan,
        "project": sub_plan.project,
        "form": form,
        "funding": funding,
        "editable": _editable(sub_plan),
    })


@kind_required(UNIT)
def sub_plan_file(request, project_pk: int):
    user = request.user
    project = get_object_or_404(buyer.projects_eligible_for(user), pk=project_pk)
    units = buyer.eligible_units_of(user, project)
    lots = buyer.lots_for_filing(project)
    unit_ids = list(units.values_list("pk", flat=True))
    filed = buyer.filed_lot_ids(project, unit_ids)
    # One unit files each lot once: offer only the lots it has not filed yet.
    choosable = lots.exclude(pk__in=filed.keys()) if len(unit_ids) == 1 else lots
    if request.method == "POST":
        form = FileSubPlanForm(request.POST, lots=choosable, units=units)
        funding = funding_line_formset(data=request.POST)
        if form.is_valid() and funding.is_valid():
            data = dict(form.cleaned_data)
            lot, unit = data.pop("lot"), data.pop("unit")
            # Two buttons: 保存为草稿, or 保存并提交 (filed as submitted in one step, like the API's submit).
            submit = request.POST.get("action") == "submit"
            sub_plan = run_form_step(
                request, form,
                lambda: sub_plan_services.sub_plan_save(
                    lot=lot, unit=unit, actor=user, funding_lines=funding.lines(), submit=submit, **data,
                ),
                done="分计划已提交，将计入总计划。截止前仍可修改后重新提交。" if submit else
                     "分计划已保存为草稿。请核对后点击「提交分计划」，提交后才计入总计划。",
            )
            if sub_plan is not None:
                return redirect("unit-sub-plan-detail", pk=sub_plan.pk)
    else:
        first_unit = units.first()
        form = FileSubPlanForm(lots=choosable, units=units, initial={
            "unit": first_unit,
            "lot": request.GET.get("lot"),
            "contact_name": first_unit.contact_person if first_unit else "",
            "contact_phone": first_unit.contact_phone if first_unit else "",
        })
        funding = funding_line_formset(extra=2)
    return render(request, "unit/sub_plan_file.html", {
        "project": project,
        "lot_rows": [(lot, filed.get(lot.pk)) for lot in lots],
        "form": form,
        "funding": funding,
        "window_open": project.window_open(),
        "single_unit": len(unit_ids) == 1,
        "all_filed": bool(filed) and not choosable.exists(),
    })


def _transition(request, pk: int, *, service, done: str):
    sub_plan = _own_sub_plan(request, pk)
    run_step(request, lambda: service(sub_plan=sub_plan, actor=request.user), done=done)
    return redirect("unit-sub-plan-detail", pk=sub_plan.pk)


@require_POST
@kind_required(UNIT)
def sub_plan_submit(request, pk: int):
    return _transition(request, pk, service=sub_plan_services.sub_plan_submit,
                       done="分计划已提交，将计入总计划。截止前仍可修改后重新提交。")


@require_POST
@kind_required(UNIT)
def sub_plan_withdraw(request, pk: int):
    return _transition(request, pk, service=sub_plan_services.sub_plan_withdraw,
                       done="分计划已撤回，不再计入总计划。截止前可修改后重新提交。")

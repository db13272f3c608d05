"""A budget unit's sub-plans (分计划): list, detail, file, edit, submit, withdraw.

Every lookup goes through ``own_sub_plans`` (the access policy narrowed to the user's units), so
another unit's sub-plan answers 404 and none of its data is rendered. Writes call the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from procurement.formats import quantity_text, yuan_text
from procurement.models import SubPlan
from procurement.modes import mode_plugin
from procurement.plan_checks import Flag
from procurement.selectors import buyer
from procurement.selectors.plans import flags_for_sub_plan, flags_for_values
from procurement.services import sub_plans as sub_plan_services
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import FileSubPlanForm, SubPlanFilterForm, SubPlanForm, funding_line_formset

# What each step tells the unit: what the center now sees, and what is left to do (issue 7 point 8).
COUNTED_NOW = ("集中采购机构在总计划中看到的就是这些数字。截止前仍可修改（保存后立即生效，无需再次提交）或撤回。")
NOT_COUNTED = "尚未计入总计划，集中采购机构看不到；核对无误后请点击「提交分计划」。"
FLAGS_TO_CONFIRM = "请先核对下方的核查提示；确认无误请勾选「我已核对以上核查提示，确认按此填报」后再提交，或修改数值。"


def _counted_message(sub_plan: SubPlan, *, opening: str) -> str:
    lot = sub_plan.lot
    quantity = quantity_text(sub_plan.quantity)
    return (f"{opening}总计划已按本单位第{lot.number}包的采购数量{quantity}{lot.unit_of_measure}、"
            f"预算金额{yuan_text(sub_plan.budget_yuan)}计算。{COUNTED_NOW}")


def _own_sub_plan(request, pk: int) -> SubPlan:
    return get_object_or_404(buyer.own_sub_plans(request.user), pk=pk)


def _editable(sub_plan: SubPlan) -> bool:
    return sub_plan.status != SubPlan.Status.FROZEN and sub_plan.project.window_open()


@kind_required(*buyer.BUYERS)
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


@kind_required(*buyer.BUYERS)
def sub_plan_detail(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    # A mode whose units answer on a page of its own (volume: the response document) shows its items there.
    answer_page = mode_plugin(sub_plan.project.mode).unit_response_page(sub_plan.project)
    if answer_page:
        return redirect(answer_page)
    contract = buyer.own_contracts(request.user).filter(lines__sub_plan=sub_plan).first()
    editable = _editable(sub_plan)
    return render(request, "unit/sub_plan_detail.html", {
        "sub_plan": sub_plan,
        "funding_lines": sub_plan.funding_lines.all(),
        "history": buyer.history_of("sub_plan", sub_plan.pk)[:50],
        "contract": contract,
        "labels": dict(SubPlan.Status.choices),
        "editable": editable,
        "flags": flags_for_sub_plan(sub_plan) if sub_plan.status != SubPlan.Status.FROZEN else [],
        "can_submit": editable and sub_plan.status in (SubPlan.Status.DRAFT, SubPlan.Status.WITHDRAWN),
        "can_withdraw": editable and sub_plan.status == SubPlan.Status.SUBMITTED,
    })


@kind_required(*buyer.BUYERS)
def sub_plan_edit(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    uom = sub_plan.lot.unit_of_measure
    flags: list[Flag] = []
    if request.method == "POST":
        form = SubPlanForm(request.POST, unit_of_measure=uom)
        funding = funding_line_formset(data=request.POST)
        if form.is_valid() and funding.is_valid():
            values = form.service_values()
            counted = sub_plan.status == SubPlan.Status.SUBMITTED
            # A submitted sub-plan's change counts at once: values that look wrong are confirmed first.
            if counted:
                flags = flags_for_values(lot=sub_plan.lot, unit_id=sub_plan.unit_id, quantity=values["quantity"],
                                         budget_yuan=values["budget_yuan"], exclude_pk=sub_plan.pk)
            if flags and not form.cleaned_data["confirm_flags"]:
                form.add_error(None, FLAGS_TO_CONFIRM)
            else:
                saved = run_form_step(
                    request, form,
                    lambda: sub_plan_services.sub_plan_save(
                        lot=sub_plan.lot, unit=sub_plan.unit, actor=request.user, sub_plan=sub_plan,
                        funding_lines=funding.lines(), **values,
                    ),
                    done=lambda saved: _counted_message(saved, opening="修改已保存并立即生效：")
                    if saved.status == SubPlan.Status.SUBMITTED else f"修改已保存。该分计划{NOT_COUNTED}",
                )
                if saved is not None:
                    return redirect("unit-sub-plan-detail", pk=sub_plan.pk)
    else:
        form = SubPlanForm(unit_of_measure=uom, initial={
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
        "flags": flags,
        "editable": _editable(sub_plan),
    })


@kind_required(*buyer.BUYERS)
def sub_plan_file(request, project_pk: int):
    user = request.user
    project = get_object_or_404(buyer.projects_eligible_for(user), pk=project_pk)
    answer_page = mode_plugin(project.mode).unit_response_page(project)
    if answer_page:  # a mode whose units answer with their own document (volume's response)
        return redirect(answer_page)
    units = buyer.eligible_units_of(user, project)
    lots = buyer.lots_for_filing(project)
    unit_ids = list(units.values_list("pk", flat=True))
    filed = buyer.filed_lot_ids(project, unit_ids)
    # One unit files each lot once: offer only the lots it has not filed yet.
    choosable = lots.exclude(pk__in=filed.keys()) if len(unit_ids) == 1 else lots
    flags: list[Flag] = []
    if request.method == "POST":
        form = FileSubPlanForm(request.POST, lots=choosable, units=units)
        funding = funding_line_formset(data=request.POST)
        if form.is_valid() and funding.is_valid():
            values = form.service_values()
            lot, unit = form.cleaned_data["lot"], form.cleaned_data["unit"]
            # Two buttons: 保存为草稿, or 保存并提交 (filed as submitted in one step, like the API's submit).
            submit = request.POST.get("action") == "submit"
            if submit:
                flags = flags_for_values(lot=lot, unit_id=unit.pk, quantity=values["quantity"],
                                         budget_yuan=values["budget_yuan"])
            if flags and not form.cleaned_data["confirm_flags"]:
                form.add_error(None, FLAGS_TO_CONFIRM)
            else:
                sub_plan = run_form_step(
                    request, form,
                    lambda: sub_plan_services.sub_plan_save(
                        lot=lot, unit=unit, actor=user, funding_lines=funding.lines(), submit=submit, **values,
                    ),
                    done=lambda saved: _counted_message(saved, opening="分计划已提交，")
                    if submit else f"分计划已保存为草稿，{NOT_COUNTED}",
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
        "flags": flags,
    })


@require_POST
@kind_required(*buyer.BUYERS)
def sub_plan_submit(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    if flags_for_sub_plan(sub_plan) and not request.POST.get("confirm_flags"):
        messages.error(request, FLAGS_TO_CONFIRM)
    else:
        run_step(request, lambda: sub_plan_services.sub_plan_submit(sub_plan=sub_plan, actor=request.user),
                 done=lambda submitted: _counted_message(submitted, opening="分计划已提交，"))
    return redirect("unit-sub-plan-detail", pk=sub_plan.pk)


@require_POST
@kind_required(*buyer.BUYERS)
def sub_plan_withdraw(request, pk: int):
    sub_plan = _own_sub_plan(request, pk)
    run_step(request, lambda: sub_plan_services.sub_plan_withdraw(sub_plan=sub_plan, actor=request.user),
             done="分计划已撤回，不再计入总计划：集中采购机构的总计划已减去本单位该采购包的数量和金额。"
                  "截止前可修改后重新提交。")
    return redirect("unit-sub-plan-detail", pk=sub_plan.pk)

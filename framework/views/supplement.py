"""Framework pages: 补充征集 (annex 8 §十一).

The center lists its closed agreements' lots with the numbers of the rule (original shortlist, remaining in force,
whether below 70%) and their supplements (``framework:supplement-center-list``), opens one with the reason execution
suffers (``framework:supplement-new``), and follows it (``framework:supplement-detail``): before the deadline only the
response count (sealed), after it the evaluation, the computation (same method and elimination rate as the first
solicitation) and the shortlist with its notice. A supplier lists the open supplements
(``framework:supplement-supplier-list``) and responds (``framework:supplement-respond``). Another center's lot or
supplement answers 404; a budget unit is refused (403).
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from framework.models import SolicitationResponse, Supplement
from framework.selectors import supplement as selectors
from framework.services import solicitation as solicitation_services
from framework.services import supplement as services
from framework.views.solicitation import (
    EvaluateForm,
    _supplier_of,
    evaluate_post,
    respond_post,
    response_form,
    seat_or_superuser,
)
from procurement import access
from procurement.models import Organization
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import PortalForm

CENTERS = (Organization.Kind.CENTER,)
SUPPLIERS = (Organization.Kind.SUPPLIER,)


# The center (or a superuser); anyone else 403.
center_only = seat_or_superuser(*CENTERS)


class StartForm(PortalForm):
    reason = forms.CharField(label="影响框架协议执行的情况", widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="说明剩余入围供应商不足对框架协议执行的影响（附件8第十一部分）")
    response_deadline = forms.DateTimeField(label="补充征集响应截止时间",
                                            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


# --- the center ---------------------------------------------------------------------------------------------

@center_only
def center_list(request):
    lots = list(selectors.center_lots(request.user)[:200])
    return render(request, "framework/supplement/center_list.html", {
        "standings": [selectors.lot_standing(lot) for lot in lots],
        "page": paginate(request, selectors.center_supplements(request.user).order_by("-created_at", "-pk")),
    })


@center_only
def new(request, lot_pk: int):
    lot = selectors.center_lot(request.user, lot_pk)
    if lot is None:
        raise Http404("采购包不存在，或不是本中心组织的框架协议采购包")
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = run_form_step(request, form, lambda: services.supplement_start(
            lot=lot, actor=request.user, **form.cleaned_data), done="补充征集公告已发布")
        if started is not None:
            return redirect("framework:supplement-detail", pk=started.pk)
    return render(request, "framework/supplement/new.html", {
        "lot": lot, "project": lot.project, "form": form, "standing": selectors.lot_standing(lot),
        "refusal": services.start_refusal(lot),
        "earliest": solicitation_services.earliest_deadline_day(timezone.localdate()),
    })


def _center_supplement(user, pk: int) -> Supplement:
    supplement = selectors.center_supplements(user).filter(pk=pk).first()
    if supplement is None:
        raise Http404("补充征集不存在，或不是本中心的")
    return supplement


@center_only
def detail(request, pk: int):
    supplement = _center_supplement(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "evaluate":
            response = SolicitationResponse.objects.filter(
                pk=request.POST.get("response") or 0, supplement=supplement).select_related("supplier").first()
            if response is None:
                raise Http404("响应不存在")
            evaluate_post(request, response, services.supplement_response_evaluate)
        elif action == "shortlist":
            run_step(request, lambda: services.supplement_shortlist(supplement=supplement, actor=request.user),
                     done="已确定补充入围供应商，补充征集入围结果公告已发布，入围通知书已发出")
        return redirect("framework:supplement-detail", pk=supplement.pk)
    sealed = selectors.is_sealed(supplement)
    return render(request, "framework/supplement/detail.html", {
        "supplement": supplement, "lot": supplement.lot, "project": supplement.lot.project, "sealed": sealed,
        "counts": selectors.response_counts(supplement),
        "rows": [] if sealed else selectors.response_rows(supplement),
        "computation": None if sealed else selectors.supplement_computation(supplement),
        "agreements": supplement.lot.agreements.filter(response__supplement=supplement).select_related("supplier"),
        "runs": access.is_superuser(request.user) or access.acts_for(request.user, supplement.lot.project.organizer_id),
        "evaluate_form": EvaluateForm(),
        "quality": solicitation_services.is_quality_priority(supplement.lot),
    })


# --- the supplier -------------------------------------------------------------------------------------------

@kind_required(*SUPPLIERS)
def supplier_list(request):
    own = {r.supplement_id: r for r in selectors.own_responses(request.user)}
    now = timezone.now()
    rows = [{"supplement": s, "open": s.status == Supplement.Status.OPEN and s.response_deadline > now,
             "response": own.get(s.pk)} for s in selectors.supplier_supplements(request.user)[:200]]
    return render(request, "framework/supplement/supplier_list.html", {"rows": rows})


@kind_required(*SUPPLIERS)
def respond(request, pk: int):
    supplement = selectors.respondable_supplement(pk)
    if supplement is None:
        raise Http404("补充征集不存在，或其公告尚未发布")
    supplier = _supplier_of(request.user)
    response = selectors.own_response(request.user, supplement)
    form = response_form(request, response, supplier)
    if request.method == "POST":
        done = respond_post(
            request, form, response, withdraw=services.supplement_response_withdraw,
            save=lambda **data: services.supplement_response_save(
                supplement=supplement, supplier=response.supplier if response else supplier, **data))
        if done:
            return redirect("framework:supplement-respond", pk=supplement.pk)
    now = timezone.now()
    return render(request, "framework/supplement/respond.html", {
        "supplement": supplement, "lot": supplement.lot, "project": supplement.lot.project, "response": response,
        "form": form, "open": supplement.status == Supplement.Status.OPEN and supplement.response_deadline > now,
        "quality": solicitation_services.is_quality_priority(supplement.lot),
        "refusal": "" if response else services.join_refusal(supplement, supplier),
    })


urlpatterns = [
    path("supplements/", center_list, name="supplement-center-list"),
    path("supplements/lots/<int:lot_pk>/new/", new, name="supplement-new"),
    path("supplements/<int:pk>/", detail, name="supplement-detail"),
    path("supplements/open/", supplier_list, name="supplement-supplier-list"),
    path("supplements/<int:pk>/respond/", respond, name="supplement-respond"),
]

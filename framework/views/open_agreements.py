"""Framework pages of open agreements (开放式框架协议; MoF Order No. 110) and of the end of an agreement (协议到期,
成交结果汇总公告).

A supplier: the open agreements' lots it may join (accept the published terms and price, upload its qualification
PDF), its requests and their review, its open agreements (leave). The center: the requests to review (approve, or
reject with a reason; overdue flagged), and per project the end of the agreement and the summary notice. Every write
calls ``framework.services.open_agreements`` or ``framework.services.expiry``.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from framework.models import Agreement
from framework.selectors import open_agreements as selectors
from framework.selectors.solicitation import acting_supplier
from framework.services import expiry
from framework.services import open_agreements as services
from procurement import deadlines
from procurement.models import Lot, Organization
from procurement.views.common import form_errors_flash, kind_required, paginate, run_step
from procurement.views.forms import _style as bootstrap

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER


class JoinForm(forms.Form):
    accepts_terms = forms.BooleanField(label="本单位接受征集公告公布的框架协议条件和价格", required=False)
    qualification_file = forms.FileField(label="资格证明文件（PDF）",
                                         widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


# --- the supplier's pages ---------------------------------------------------------------------------------

@kind_required(SUPPLIER)
def open_list(request):
    """开放式框架协议: the lots the supplier may join, its requests, its open agreements."""
    today = deadlines.today()
    lots = list(selectors.joinable_lots(request.user, today=today)[:100])
    agreements = selectors.supplier_open_agreements(request.user)
    return render(request, "framework/open/supplier.html", {
        "lots": lots, "join_form": JoinForm(), "requests": paginate(request, selectors.supplier_requests(request.user)),
        "agreements": agreements, "today": today,
    })


@require_POST
@kind_required(SUPPLIER)
def open_join(request, pk: int):
    lot = get_object_or_404(Lot.objects.filter(pk__in=selectors.joinable_lots(request.user).values("pk")), pk=pk)
    supplier = acting_supplier(request.user)
    form = JoinForm(request.POST, request.FILES)
    if form.is_valid():
        run_step(request, lambda: services.join_request_create(
            lot=lot, supplier=supplier, accepts_terms=form.cleaned_data["accepts_terms"],
            qualification_file=form.cleaned_data["qualification_file"], actor=request.user),
            done=lambda j: f"加入申请已提交，征集人将于{j.review_due:%Y-%m-%d}前完成审核。")
    else:
        form_errors_flash(request, form)
    return redirect("framework:open-list")


@require_POST
@kind_required(SUPPLIER)
def open_leave(request, pk: int):
    agreement = get_object_or_404(selectors.supplier_open_agreements(request.user), pk=pk)
    run_step(request, lambda: services.agreement_leave(agreement=agreement, actor=request.user,
                                                       reason=request.POST.get("reason", "")),
             done="已退出该开放式框架协议，其上架商品已下架。")
    return redirect("framework:open-list")


# --- the center's pages -----------------------------------------------------------------------------------

@kind_required(CENTER)
def request_list(request):
    """加入申请审核: the requests to review (pending first, by due day), with the overdue flag."""
    rows = selectors.center_requests(request.user)
    status = request.GET.get("status", "pending")
    if status in ("pending", "approved", "rejected"):
        rows = rows.filter(status=status)
    page = paginate(request, rows)
    today = deadlines.today()
    return render(request, "framework/open/requests.html", {
        "page": page, "status": status,
        "rows": [{"join": j, "overdue": services.review_overdue(j, today=today)} for j in page],
    })


@require_POST
@kind_required(CENTER)
def request_approve(request, pk: int):
    join = get_object_or_404(selectors.center_requests(request.user), pk=pk)
    run_step(request, lambda: services.join_request_approve(join=join, actor=request.user),
             done=lambda j: f"已同意加入，框架协议{j.agreement.code}已签订。")
    return redirect("framework:open-request-list")


@require_POST
@kind_required(CENTER)
def request_reject(request, pk: int):
    join = get_object_or_404(selectors.center_requests(request.user), pk=pk)
    run_step(request, lambda: services.join_request_reject(join=join, reason=request.POST.get("reason", ""),
                                                           actor=request.user), done="已不同意该加入申请。")
    return redirect("framework:open-request-list")


@kind_required(CENTER)
def summary_list(request):
    """协议到期与汇总公告: the center's framework projects, their end and their summary notice."""
    today = deadlines.today()
    page = paginate(request, selectors.center_framework_projects(request.user))
    rows = []
    for project in page:
        details = getattr(project, "framework", None)
        rows.append({"project": project, "plan": getattr(project, "framework_plan", None), "details": details,
                     "overdue": expiry.summary_overdue(details, today=today)})
    return render(request, "framework/open/summary_list.html", {"page": page, "rows": rows})


@kind_required(CENTER)
def summary(request, pk: int):
    """One project's end: the summary per lot and supplier; publish the 成交结果汇总公告."""
    project = get_object_or_404(selectors.center_framework_projects(request.user), pk=pk)
    details = selectors.details_of(project)
    if request.method == "POST" and run_step(
            request, lambda: expiry.summary_notice_publish(project=project, actor=request.user),
            done="成交结果汇总公告已发布。"):
        return redirect("framework:summary", pk=project.pk)
    return render(request, "framework/open/summary.html", {
        "project": project, "details": details, "plan": getattr(project, "framework_plan", None),
        "rows": expiry.summary_rows(project), "refusal": expiry.summary_refusal(project),
        "overdue": expiry.summary_overdue(details),
        "agreements": Agreement.objects.filter(lot__project=project).select_related("supplier", "lot")
        .order_by("lot__number", "pk"),
    })


urlpatterns = [
    path("open/", open_list, name="open-list"),
    path("open/lots/<int:pk>/join/", open_join, name="open-join"),
    path("open/agreements/<int:pk>/leave/", open_leave, name="open-leave"),
    path("open/requests/", request_list, name="open-request-list"),
    path("open/requests/<int:pk>/approve/", request_approve, name="open-request-approve"),
    path("open/requests/<int:pk>/reject/", request_reject, name="open-request-reject"),
    path("summaries/", summary_list, name="summary-list"),
    path("summaries/<int:pk>/", summary, name="summary"),
]

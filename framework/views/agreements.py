"""Framework pages of the agreements stage (seed 000 三(二)(4)(5); Order 110 Art. 19; annex 8 §十一).

The center (organizer of the framework project): its agreements (with the overdue flags), one agreement (sign,
publish the shortlist information, file with finance, remove), the listings awaiting review, and each project's
execution notice. A supplier: its own agreements (another supplier's is not found: 404), listing products under a
signed one, its listings (delist). Every write calls ``framework.services.agreements``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from framework.models import Agreement, ProductListing, Removal
from framework.selectors import agreements as selectors
from framework.services import agreements as services
from procurement import access, deadlines
from procurement.models import Organization, Project
from procurement.views.common import form_errors_flash, kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER
DATE = "%Y-%m-%d"


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, input_formats=[DATE],
                           widget=forms.DateInput(attrs={"type": "date"}, format=DATE))


class SignForm(forms.Form):
    signed_on = _date_field("签订日期")
    signed_file = forms.FileField(label="签订的框架协议（PDF）",
                                  widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class RemovalForm(forms.Form):
    ground = forms.ChoiceField(label="清退情形（财政部令第110号第十九条第一款）",
                               choices=[("", "请选择清退情形"), *Removal.Ground.choices])
    evidence = forms.CharField(label="事实和证据", max_length=services.MAX_TEXT,
                               widget=forms.Textarea(attrs={"rows": 3}))
    evidence_file = forms.FileField(label="证据材料（可选）", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ListingForm(forms.Form):
    name = forms.CharField(label="商品名称", max_length=200)
    brand = forms.CharField(label="品牌", max_length=100)
    model_number = forms.CharField(label="型号", max_length=100)
    specification = forms.CharField(label="规格参数", required=False, max_length=services.MAX_TEXT,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    unit_price_yuan = forms.DecimalField(label="单价（元）", max_digits=14, decimal_places=2)
    is_imported = forms.BooleanField(label="进口产品", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class RejectForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=services.MAX_TEXT)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ExecutionForm(forms.Form):
    scope = forms.CharField(label="执行范围", max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="适用框架协议的采购人（服务对象）范围、采购包")
    executing_from = _date_field("执行期限起始日期")
    procedure = forms.CharField(label="第二阶段执行程序", max_length=services.MAX_TEXT,
                                widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="立项和采购计划备案、确定成交供应商的方式、合同签订、公开和备案")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


# --- lookups ------------------------------------------------------------------------------------------

def _agreement(request, pk: int) -> Agreement:
    return get_object_or_404(selectors.visible_agreements(request.user), pk=pk)


def _is_center(request, agreement: Agreement) -> bool:
    return selectors.is_center_of(request.user, agreement.lot.project, write=False)


def _rows(agreements) -> list[dict]:
    today = deadlines.today()
    return [{"agreement": a, "flags": services.overdue_steps(a, today=today)} for a in agreements]


# --- the center's pages -----------------------------------------------------------------------------------

@kind_required(CENTER)
def agreement_list(request):
    """框架协议: the center's agreements, with signing, publication and filing due days and overdue flags."""
    rows = selectors.center_agreements(request.user).order_by("lot__project__code", "lot__number", "rank", "pk")
    status = request.GET.get("status", "")
    if status in Agreement.Status.values:
        rows = rows.filter(status=status)
    page = paginate(request, rows)
    return render(request, "framework/agreements/list.html", {
        "page": page, "rows": _rows(page), "status": status, "statuses": Agreement.Status.choices,
        "projects": selectors.center_projects(request.user).order_by("-created_at")[:50],
        "audience": "center",
    })


@kind_required(SUPPLIER)
def my_agreements(request):
    """我的框架协议: the supplier's own agreements."""
    page = paginate(request, selectors.supplier_agreements(request.user).order_by("-created_at", "pk"))
    return render(request, "framework/agreements/list.html", {"page": page, "rows": _rows(page),
                                                               "audience": "supplier"})


@kind_required(CENTER, SUPPLIER)
def agreement_detail(request, pk: int):
    agreement = _agreement(request, pk)
    is_center = _is_center(request, agreement)
    is_supplier = access.is_superuser(request.user) or access.acts_for(request.user, agreement.supplier_id,
                                                                        write=False)
    removal = Removal.objects.filter(agreement=agreement).first()
    plan = selectors.plan_of(agreement.lot.project)
    return render(request, "framework/agreements/detail.html", {
        "agreement": agreement,
        "project": agreement.lot.project,
        "plan": plan,
        "is_center": is_center,
        "is_supplier": is_supplier,
        "flags": services.overdue_steps(agreement),
        "signed_late": services.signed_late(agreement),
        "filing": services.agreement_filing(agreement),
        "removal": removal,
        "listings": agreement.listings.order_by("-created_at", "pk"),
        "sign_form": SignForm() if is_center and agreement.status == Agreement.Status.SHORTLISTED else None,
        "removal_form": (RemovalForm() if is_center and removal is None and not (plan and plan.is_open)
                         and agreement.status in (Agreement.Status.SHORTLISTED, Agreement.Status.SIGNED) else None),
        "listing_form": ListingForm() if is_supplier and not services.listing_refusal(agreement) else None,
        "listing_refusal": services.listing_refusal(agreement),
    })


@require_POST
@kind_required(CENTER)
def agreement_sign(request, pk: int):
    agreement = _agreement(request, pk)
    form = SignForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_form_step(request, form, lambda: services.agreement_sign(
            agreement=agreement, signed_on=form.cleaned_data["signed_on"], signed_file=form.cleaned_data["signed_file"],
            actor=request.user), done=lambda a: (
            "框架协议已签订（逾期签订，已标记）。" if services.signed_late(a) else "框架协议已签订。")
            + f"请于{a.publish_due:%Y-%m-%d}前公开入围信息，{a.filing_due:%Y-%m-%d}前报财政部门备案。")
        if done is not None:
            return redirect("framework:agreement-detail", pk=agreement.pk)
    form_errors_flash(request, form)
    return redirect("framework:agreement-detail", pk=agreement.pk)


@require_POST
@kind_required(CENTER)
def agreement_publish(request, pk: int):
    agreement = _agreement(request, pk)
    run_step(request, lambda: services.agreement_publish(agreement=agreement, actor=request.user),
             done="入围信息已公开。")
    return redirect("framework:agreement-detail", pk=agreement.pk)


@require_POST
@kind_required(CENTER)
def agreement_file(request, pk: int):
    agreement = _agreement(request, pk)
    run_step(request, lambda: services.agreement_file(agreement=agreement, actor=request.user,
                                                      note=request.POST.get("note", "")),
             done="框架协议副本已报财政部门备案。")
    return redirect("framework:agreement-detail", pk=agreement.pk)


@require_POST
@kind_required(CENTER)
def agreement_remove(request, pk: int):
    agreement = _agreement(request, pk)
    form = RemovalForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_form_step(request, form, lambda: services.agreement_remove(
            agreement=agreement, ground=form.cleaned_data["ground"], evidence=form.cleaned_data["evidence"],
            evidence_file=form.cleaned_data["evidence_file"], actor=request.user),
            done=lambda r: f"已清退：{r.get_effect_display()}，其上架商品已下架。")
        if done is not None:
            return redirect("framework:agreement-detail", pk=agreement.pk)
    form_errors_flash(request, form)
    return redirect("framework:agreement-detail", pk=agreement.pk)


@kind_required(CENTER)
def listing_review_list(request):
    """上架审核: listings awaiting the center's approval."""
    page = paginate(request, selectors.listings_to_review(request.user))
    return render(request, "framework/agreements/listing_review.html", {"page": page, "reject_form": RejectForm()})


@require_POST
@kind_required(CENTER)
def listing_approve(request, pk: int):
    listing = get_object_or_404(selectors.visible_listings(request.user), pk=pk)
    run_step(request, lambda: services.listing_approve(listing=listing, actor=request.user), done="商品已审核上架。")
    return redirect("framework:listing-review-list")


@require_POST
@kind_required(CENTER)
def listing_reject(request, pk: int):
    listing = get_object_or_404(selectors.visible_listings(request.user), pk=pk)
    run_step(request, lambda: services.listing_reject(listing=listing, reason=request.POST.get("reason", ""),
                                                      actor=request.user), done="已退回上架申请。")
    return redirect("framework:listing-review-list")


@kind_required(CENTER)
def execution(request, pk: int):
    """框架协议执行通知 (seed 三(二)(5)): per lot readiness, then the form; once issued, the notice."""
    project = get_object_or_404(Project.objects.filter(pk__in=selectors.center_projects(request.user).values("pk")),
                                pk=pk)
    details = selectors.details_of(project)
    issued = details is not None and details.execution_notice_id is not None
    refusal = "" if issued else services.execution_refusal(project)
    form = None
    if not issued and not refusal:
        form = ExecutionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            done = run_form_step(request, form, lambda: services.execution_notice_issue(
                project=project, scope=values["scope"], procedure=values["procedure"],
                executing_from=values["executing_from"], actor=request.user), done="框架协议执行通知已印发并公开。")
            if done is not None:
                return redirect("framework:execution", pk=project.pk)
    elif request.method == "POST":
        messages.error(request, refusal or "该项目已印发框架协议执行通知，不能重复印发")
    return render(request, "framework/agreements/execution.html", {
        "project": project, "details": details, "issued": issued, "refusal": refusal, "form": form,
        "readiness": selectors.lot_readiness(project), "plan": selectors.plan_of(project),
    })


# --- the supplier's pages ---------------------------------------------------------------------------------

@kind_required(SUPPLIER, CENTER)
def listing_list(request):
    """我的上架商品: the supplier's listings (a center sees its projects' listings)."""
    rows = selectors.visible_listings(request.user).order_by("-created_at", "pk")
    status = request.GET.get("status", "")
    if status in ProductListing.Status.values:
        rows = rows.filter(status=status)
    return render(request, "framework/agreements/listings.html", {
        "page": paginate(request, rows), "status": status, "statuses": ProductListing.Status.choices})


@require_POST
@kind_required(SUPPLIER)
def listing_create(request, pk: int):
    agreement = _agreement(request, pk)
    form = ListingForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        done = run_form_step(request, form, lambda: services.listing_create(agreement=agreement, actor=request.user,
                                                                            **values),
                             done="上架申请已提交，待集中采购机构审核。")
        if done is not None:
            return redirect("framework:agreement-detail", pk=agreement.pk)
    form_errors_flash(request, form)
    return redirect("framework:agreement-detail", pk=agreement.pk)


@require_POST
@kind_required(SUPPLIER, CENTER)
def listing_delist(request, pk: int):
    listing = get_object_or_404(selectors.visible_listings(request.user), pk=pk)
    run_step(request, lambda: services.listing_delist(listing=listing, actor=request.user,
                                                      reason=request.POST.get("reason", "")), done="商品已下架。")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("framework:listing-list")


urlpatterns = [
    path("agreements/", agreement_list, name="agreement-list"),
    path("agreements/mine/", my_agreements, name="my-agreements"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/sign/", agreement_sign, name="agreement-sign"),
    path("agreements/<int:pk>/publish/", agreement_publish, name="agreement-publish"),
    path("agreements/<int:pk>/file/", agreement_file, name="agreement-file"),
    path("agreements/<int:pk>/remove/", agreement_remove, name="agreement-remove"),
    path("agreements/<int:pk>/listings/", listing_create, name="listing-create"),
    path("listings/", listing_list, name="listing-list"),
    path("listings/review/", listing_review_list, name="listing-review-list"),
    path("listings/<int:pk>/approve/", listing_approve, name="listing-approve"),
    path("listings/<int:pk>/reject/", listing_reject, name="listing-reject"),
    path("listings/<int:pk>/delist/", listing_delist, name="listing-delist"),
    path("projects/<int:pk>/execution/", execution, name="execution"),
]

"""Framework pages: the solicitation and the shortlist (seed 000 三(二)(3)(4); annex 8 §七–§九).

The center (its agency, finance of the region, read only) follows each project's solicitation on
``framework:solicitation-detail``: the notice to publish, how many responses each lot has (before the deadline,
never a price: ``framework.selectors.solicitation``), the evaluation after it, the shortlist per lot
(``framework:solicitation-shortlist``, with the computation and the ranking) and the shortlist notice. A supplier
lists the open solicitations (``framework:solicitation-supplier-list``) and responds per lot
(``framework:solicitation-respond``). Another organization's project or response answers 404.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from framework.models import FrameworkDetails, FrameworkPlan, SolicitationResponse
from framework.selectors import solicitation as selectors
from framework.services import solicitation as services
from procurement import access
from procurement.models import Lot, Organization, Project
from procurement.views.common import FORBIDDEN_KIND, kind_required, paginate, run_form_step, run_step
from procurement.views.forms import PortalForm

READERS = (Organization.Kind.CENTER, Organization.Kind.AGENCY, Organization.Kind.FINANCE)
SUPPLIERS = (Organization.Kind.SUPPLIER,)


def seat_or_superuser(*kinds: str):
    """Login, then a seat in an organization of one of ``kinds`` or a superuser; anyone else 403."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not (access.has_seat(request.user, *kinds) or access.is_superuser(request.user)):
                raise PermissionDenied(FORBIDDEN_KIND)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


# The center, its agency, finance, or a superuser (who reads every project, and is sealed out like them).
readers_only = seat_or_superuser(*READERS)


def _project(user, project_pk: int) -> Project:
    project = selectors.readable_framework_projects(user).filter(pk=project_pk).select_related("organizer").first()
    if project is None or not FrameworkPlan.objects.filter(project=project).exists():
        raise Http404("项目不存在，或您无权查看")
    return project


# --- forms -------------------------------------------------------------------------------------------------

class PublishForm(PortalForm):
    title = forms.CharField(label="公告标题", max_length=200, required=False,
                            help_text="留空则为「项目名称＋框架协议征集公告」")
    response_deadline = forms.DateTimeField(label="提交响应文件截止时间",
                                            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    body = forms.CharField(label="公告正文", widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="采购包、最高限制单价、评审方法和淘汰率由系统按备案的采购方案附在正文后")

    def __init__(self, *args, open_plan: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if open_plan:
            # An open agreement has no response deadline: suppliers join during the validity (annex 8 note 1).
            del self.fields["response_deadline"]
            self.fields["body"].help_text = ("采购包、协议单价（最高限制单价）、有效期内随时申请加入的方式和审核期限"
                                             "由系统按备案的采购方案附在正文后")


class EvaluateForm(PortalForm):
    qualified = forms.TypedChoiceField(label="资格审查结果", coerce=lambda v: v == "1",
                                       choices=[("1", "符合资格条件和实质性要求"), ("0", "不符合")])
    quality_score = forms.CharField(label="质量（技术）得分", required=False, max_length=10)
    note = forms.CharField(label="审查意见（不符合的须说明理由）", required=False, max_length=1000)


class ResponseForm(PortalForm):
    price_yuan = forms.CharField(label="响应单价（元）", max_length=20)
    sme_size = forms.ChoiceField(label="中小企业声明（企业规模）", required=False,
                                 choices=[("", "请选择"), *Organization.SmeSize.choices])
    is_green = forms.BooleanField(label="响应产品符合绿色采购要求", required=False)
    quality_statement = forms.CharField(label="质量（技术）响应说明", required=False,
                                        widget=forms.Textarea(attrs={"rows": 4}))
    qualification_file = forms.FileField(label="资格证明文件（PDF）", required=False)


# --- the center's pages ------------------------------------------------------------------------------------

@readers_only
def center_list(request):
    projects = (selectors.readable_framework_projects(request.user)
                .filter(framework_plan__status=FrameworkPlan.Status.FILED)
                .select_related("organizer", "framework", "framework_plan").order_by("-created_at"))
    return render(request, "framework/solicitation/center_list.html", {
        "page": paginate(request, projects), "now": timezone.now()})


@readers_only
def detail(request, project_pk: int):
    project = _project(request.user, project_pk)
    plan = FrameworkPlan.objects.get(project=project)
    runs = access.runs_project(request.user, project, step=access.Step.COLLECTION)
    publish_form = PublishForm(request.POST if request.POST.get("action") == "publish" else None,
                               open_plan=plan.is_open)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publish" and publish_form.is_valid():
            done = run_form_step(request, publish_form, lambda: services.solicitation_publish(
                project=project, actor=request.user, **publish_form.cleaned_data), done="框架协议征集公告已发布")
            if done is not None:
                return redirect("framework:solicitation-detail", project_pk=project.pk)
        elif action == "evaluate":
            response = _project_response(request.user, project, request.POST.get("response"))
            evaluate_post(request, response, services.response_evaluate)
            return redirect("framework:solicitation-detail", project_pk=project.pk)
        elif action == "publish_shortlist":
            run_step(request, lambda: services.shortlist_publish(project=project, actor=request.user),
                     done="入围结果公告已发布，入围通知书已发出")
            return redirect("framework:solicitation-detail", project_pk=project.pk)
    details = FrameworkDetails.objects.filter(project=project).select_related(
        "solicitation_notice", "shortlist_notice").first()
    sealed = selectors.is_sealed(project)
    return render(request, "framework/solicitation/detail.html", {
        "project": project, "plan": plan, "details": details, "runs": runs, "sealed": sealed,
        "publish_form": publish_form, "counts": selectors.lot_counts(project),
        "rows": [] if sealed else selectors.response_rows(request.user, project),
        "computations": [] if sealed or plan.is_open else [
            selectors.shortlist_computation(lot, plan=plan) for lot in Lot.objects.filter(project=project)],
        "evaluate_form": EvaluateForm(),
        "earliest": services.earliest_deadline_day(timezone.localdate()),
    })


def _project_response(user, project: Project, response_pk) -> SolicitationResponse:
    try:
        pk = int(response_pk)
    except (TypeError, ValueError):
        raise Http404("响应不存在") from None
    response = (selectors.visible_responses(user).filter(pk=pk, lot__project=project)
                .select_related("lot", "supplier").first())
    if response is None:
        raise Http404("响应不存在")
    return response


@readers_only
def shortlist(request, lot_pk: int):
    lot = Lot.objects.filter(pk=lot_pk).select_related("project").first()
    if lot is None:
        raise Http404("采购包不存在")
    project = _project(request.user, lot.project_id)
    plan = FrameworkPlan.objects.get(project=project)
    if request.method == "POST":
        run_step(request, lambda: services.shortlist_confirm(lot=lot, actor=request.user),
                 done=f"{services.lot_label(lot)}已确定入围供应商")
        return redirect("framework:solicitation-shortlist", lot_pk=lot.pk)
    return render(request, "framework/solicitation/shortlist.html", {
        "project": project, "plan": plan, "lot": lot,
        "computation": selectors.shortlist_computation(lot, plan=plan),
        "runs": access.runs_project(request.user, project, step=access.Step.AWARD),
    })


# --- the supplier's pages ------------------------------------------------------------------------------------

@kind_required(*SUPPLIERS)
def supplier_list(request):
    projects = list(selectors.supplier_projects(request.user)[:200])
    own = {r.lot_id: r for r in selectors.own_responses(request.user)}
    now = timezone.now()
    rows = [{"project": project, "open": project.response_deadline is not None and project.response_deadline > now,
             "lots": [(lot, own.get(lot.pk)) for lot in project.lots.order_by("number")]} for project in projects]
    return render(request, "framework/solicitation/supplier_list.html", {"rows": rows})


def _supplier_of(user) -> Organization:
    supplier = selectors.acting_supplier(user)
    if supplier is None:
        raise PermissionDenied(FORBIDDEN_KIND)
    return supplier


def evaluate_post(request, response: SolicitationResponse, evaluate) -> None:
    """The center records ``response``'s qualification result from the posted ``EvaluateForm``, in either round
    (the first solicitation or a 补充征集: the same evaluation, annex 8 §十一): ``evaluate`` is the round's service."""
    form = EvaluateForm(request.POST)
    if form.is_valid():
        run_step(request, lambda: evaluate(response=response, actor=request.user, **form.cleaned_data),
                 done=f"已录入{response.supplier.name}的资格审查结果")
    else:
        messages.error(request, "请选择资格审查结果")


def response_form(request, response: SolicitationResponse | None, supplier: Organization) -> ResponseForm:
    """The supplier's response form, filled from its response (or its SME size when it has none yet)."""
    initial = {"sme_size": supplier.sme_size}
    if response is not None:
        initial = {"price_yuan": f"{response.price_yuan:f}", "sme_size": response.sme_size,
                   "is_green": response.is_green, "quality_statement": response.quality_statement}
    return ResponseForm(request.POST or None, request.FILES or None, initial=initial)


def respond_post(request, form: ResponseForm, response: SolicitationResponse | None, *, withdraw, save) -> bool:
    """A supplier's POST on its response page, in either round: withdraw ``response`` or save (submit) the form
    through the round's services. True when the page should redirect to itself."""
    action = request.POST.get("action", "save")
    if action == "withdraw":
        if response is None:
            raise Http404("响应不存在")
        run_step(request, lambda: withdraw(response=response, actor=request.user), done="响应已撤回")
        return True
    if form.is_valid():
        saved = run_form_step(request, form, lambda: save(actor=request.user, submit=action == "submit",
                                                          **form.cleaned_data),
                              done=lambda r: "响应已提交，截止前仍可修改或撤回"
                              if r.status == SolicitationResponse.Status.SUBMITTED
                              else "响应已保存为草稿，请在截止前提交")
        return saved is not None
    return False


@kind_required(*SUPPLIERS)
def respond(request, lot_pk: int):
    lot = selectors.respondable_lot(lot_pk)
    if lot is None:
        raise Http404("采购包不存在，或其征集公告尚未发布")
    supplier = _supplier_of(request.user)
    response = selectors.own_response(request.user, lot)
    project = lot.project
    form = response_form(request, response, supplier)
    if request.method == "POST":
        done = respond_post(
            request, form, response, withdraw=services.response_withdraw,
            save=lambda **data: services.response_save(
                lot=lot, supplier=response.supplier if response else supplier, **data))
        if done:
            return redirect("framework:solicitation-respond", lot_pk=lot.pk)
    return render(request, "framework/solicitation/respond.html", {
        "project": project, "lot": lot, "response": response, "form": form,
        "open": services.solicitation_open(project),
        "quality": services.is_quality_priority(lot),
        "deadline": project.response_deadline,
    })


urlpatterns = [
    path("solicitation/", center_list, name="solicitation-center-list"),
    path("solicitation/<int:project_pk>/", detail, name="solicitation-detail"),
    path("solicitation/lots/<int:lot_pk>/shortlist/", shortlist, name="solicitation-shortlist"),
    path("solicitation/responses/", supplier_list, name="solicitation-supplier-list"),
    path("solicitation/lots/<int:lot_pk>/respond/", respond, name="solicitation-respond"),
]

"""Pages of the framework plan (框架协议采购方案, annex 8; seed 000 三(二)(2)–(3)).

The center lists its plans, opens a project with its plan (from an acknowledged framework task notice or not),
edits the sections (one form per section, an open agreement's form without §八–§十一), the survey participants and
the lots, submits (every broken rule shown together), files the approved plan and downloads the PDF. Finance (of the
center's level) has its review queue and reads the whole plan to approve it or return it with its opinion. Lookups
go through ``framework.selectors.plans`` (anyone else's plan answers 404); writes call ``framework.services.plans``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import models
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from framework.models import FrameworkLot, FrameworkPlan, PlanReview, SurveyParticipant
from framework.plan_pdf import pdf_disposition, plan_pdf
from framework.selectors import plans as selectors
from framework.services import plans as services
from procurement import access
from procurement.models import Lot, Organization, TaskNotice
from procurement.services.errors import REFUSALS
from procurement.views.common import kind_required, paginate, refusal_message, run_form_step, run_step
from procurement.views.forms import PortalForm
from procurement.views.forms import _style as bootstrap

CENTER = Organization.Kind.CENTER
FINANCE = Organization.Kind.FINANCE
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- forms ------------------------------------------------------------------------------------------------------

class PlanNewForm(forms.Form):
    center = forms.ModelChoiceField(label="集中采购机构", queryset=Organization.objects.none(), empty_label=None)
    task = forms.ModelChoiceField(label="框架协议采购任务通知单", queryset=TaskNotice.objects.none(), required=False,
                                  empty_label="不依据任务通知单",
                                  help_text="依据已签收的任务通知单编制时，采购品目、限额、适用范围和有效期自动带入")
    title = forms.CharField(label="项目名称", max_length=services.TITLE_MAX,
                            help_text="例如：2026年度台式计算机框架协议采购")
    year = forms.IntegerField(label="年度", min_value=services.YEAR_MIN, max_value=services.YEAR_MAX)

    def __init__(self, *args, centers, tasks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        if centers.count() == 1:
            self.fields["center"].initial = centers.first()
            self.fields["center"].widget = forms.HiddenInput()
        self.fields["task"].queryset = TaskNotice.objects.filter(pk__in=[t.pk for t in tasks])
        self.fields["task"].label_from_instance = lambda t: f"{t.year}年 {t.category.name}（{t.category.code}）" + (
            f" {t.document_number}" if t.document_number else "")
        bootstrap(self)


def section_form(section: str, *, plan: FrameworkPlan, data=None) -> forms.ModelForm:
    """The form of one section (``services.SECTIONS``): the plan's own fields, the service checks the rules. An open
    agreement's form does not ask for what only an evaluation uses (annex 8 note 1)."""
    names = list(services.section_fields(section, is_open=plan.is_open))
    widgets = {name: DATE_INPUT for name in ("valid_from", "valid_until")}
    widgets.update({name: forms.Textarea(attrs={"rows": 3}) for name in names
                    if isinstance(FrameworkPlan._meta.get_field(name), models.TextField)})
    form_class = forms.modelform_factory(FrameworkPlan, fields=names, widgets=widgets)
    form = form_class(data, instance=plan if data is None else None, prefix=section)
    if section == "s4":
        form.fields["agreement_type"].required = True
        form.fields["join_review_working_days"].help_text = "开放式框架协议填写：征集人审核供应商加入申请的期限"
    bootstrap(form)
    return form


class ParticipantForm(forms.Form):
    kind = forms.ChoiceField(label="调查对象类别", choices=SurveyParticipant.Kind.choices)
    name = forms.CharField(label="名称", max_length=services.NAME_MAX)
    opinion = forms.CharField(label="意见摘要", required=False, max_length=services.TEXT_MAX)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="participant", **kwargs)
        bootstrap(self)


class LotForm(forms.Form):
    name = forms.CharField(label="采购包名称", max_length=200)
    category_code = forms.CharField(label="采购品目编码（底级）", max_length=16,
                                    help_text="按《政府采购品目分类目录》细化到底级品目，如 A02010105")
    unit_of_measure = forms.CharField(label="计量单位", max_length=16)
    max_unit_price_yuan = forms.DecimalField(label="最高限制单价（元）", max_digits=14, decimal_places=2, min_value=0)
    specification = forms.CharField(label="技术、商务要求（等次、规格或标准）",
                                    widget=forms.Textarea(attrs={"rows": 3}))
    price_basis = forms.ChoiceField(label="最高限制单价确定方式", choices=FrameworkLot.PriceBasis.choices)
    price_basis_note = forms.CharField(label="定价依据说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_lab_instrument = forms.BooleanField(label="对质量有特别要求的检测、实验等仪器设备", required=False)
    evaluation_method = forms.ChoiceField(label="评审方法（第八部分）", required=False,
                                          choices=[("", "---------"), *FrameworkLot._meta.get_field(
                                              "evaluation_method").choices])
    elimination_rate_percent = forms.DecimalField(label="淘汰率（%，第九部分）", required=False, max_digits=5,
                                                  decimal_places=2, min_value=0, max_value=100)
    allows_imported = forms.BooleanField(label="可采购进口产品（第十二部分）", required=False)
    ceiling_yuan = forms.DecimalField(label="采购包成交金额上限（元）", required=False, max_digits=16, decimal_places=2,
                                      min_value=0)

    def __init__(self, *args, is_open: bool, **kwargs) -> None:
        super().__init__(*args, prefix="lot", **kwargs)
        if is_open:  # annex 8 note 1: an open agreement has no §八–§九
            del self.fields["evaluation_method"], self.fields["elimination_rate_percent"]
        bootstrap(self)

    def values(self) -> services.LotValues:
        data = self.cleaned_data
        return services.LotValues(
            name=data["name"], category_code=data["category_code"], unit_of_measure=data["unit_of_measure"],
            specification=data["specification"], max_unit_price_yuan=data["max_unit_price_yuan"],
            price_basis=data["price_basis"], price_basis_note=data["price_basis_note"],
            is_lab_instrument=data["is_lab_instrument"], evaluation_method=data.get("evaluation_method", ""),
            elimination_rate_percent=data.get("elimination_rate_percent"),
            allows_imported=data["allows_imported"], ceiling_yuan=data["ceiling_yuan"])


def lot_initial(lot: Lot) -> dict:
    extra = getattr(lot, "framework", None)
    initial = {"name": lot.name, "category_code": lot.category.code if lot.category_id else "",
               "unit_of_measure": lot.unit_of_measure, "max_unit_price_yuan": lot.max_unit_price_yuan,
               "specification": lot.specification}
    if extra is not None:
        initial.update({name: getattr(extra, name) for name in (
            "price_basis", "price_basis_note", "is_lab_instrument", "evaluation_method", "elimination_rate_percent",
            "allows_imported", "ceiling_yuan")})
    return initial


class ReviewForm(PortalForm):
    decision = forms.ChoiceField(label="审核结论", choices=PlanReview.Decision.choices,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                 error_messages={"required": "请选择审核结论"})
    opinion = forms.CharField(label="审核意见", max_length=services.TEXT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                              help_text="退回修改时必须填写，说明需要修改的内容。")


# --- shared ------------------------------------------------------------------------------------------------------

def _writes(request, plan: FrameworkPlan) -> bool:
    return access.is_superuser(request.user) or access.acts_for(request.user, plan.project.organizer_id)


def _sections(plan: FrameworkPlan, *, editable: bool, bound: dict | None = None) -> list[dict]:
    """Each section of the plan in the annex's order: its heading, its read-only rows, and its form when editable
    (an open plan has no §十–§十一 form: they show "开放式框架协议不涉及")."""
    bound = bound or {}
    shown = []
    for key, (heading, _) in services.SECTIONS.items():
        rows = []
        for name in services.section_fields(key, is_open=plan.is_open):
            field = FrameworkPlan._meta.get_field(name)
            value = getattr(plan, f"get_{name}_display")() if field.choices and getattr(plan, name) else getattr(
                plan, name)
            rows.append((field.verbose_name, value))
        closed_only = key in services.CLOSED_ONLY_SECTIONS
        not_applicable = closed_only and plan.is_open
        form = None
        if editable and not not_applicable:
            form = bound.get(key) or section_form(key, plan=plan)
        shown.append({"key": key, "heading": heading, "rows": rows, "form": form, "not_applicable": not_applicable})
    return shown


def _detail_context(request, plan: FrameworkPlan, **extra) -> dict:
    writes = _writes(request, plan)
    editable = writes and plan.status in services.EDITABLE
    lots = services.plan_lots(plan)
    context = {
        "plan": plan, "project": plan.project, "writes": writes, "editable": editable, "lots": lots,
        "sections": _sections(plan, editable=editable, bound=extra.pop("bound", None)),
        "participants": list(plan.survey_participants.all()),
        "participant_form": extra.pop("participant_form", None) or (ParticipantForm() if editable else None),
        "lot_form": extra.pop("lot_form", None) or (LotForm(is_open=plan.is_open) if editable else None),
        "reviews": list(plan.reviews.all()),
        "pending_problems": services.plan_problems(plan) if editable else [],
        "subject_kind": services.plan_subject_kind(plan, lots),
    }
    context.update(extra)
    return context


def _center_plan(request, pk: int) -> FrameworkPlan:
    return get_object_or_404(selectors.plans_of_centers(request.user), pk=pk)


def _pdf_response(plan: FrameworkPlan) -> HttpResponse:
    response = HttpResponse(plan_pdf(plan=plan), content_type="application/pdf")
    response["Content-Disposition"] = pdf_disposition(plan)
    return response


# --- the center's pages ------------------------------------------------------------------------------------------

@kind_required(CENTER)
def plan_list(request):
    plans = selectors.plans_of_centers(request.user).order_by("-created_at", "-pk")
    query = request.GET.get("q", "").strip()
    if query:
        plans = plans.filter(Q(project__title__icontains=query) | Q(project__code__icontains=query))
    centers = Organization.objects.filter(pk__in=access.org_ids(request.user, kind=CENTER, write=True))
    return render(request, "framework/plans/list.html", {
        "page": paginate(request, plans), "query": query, "drafts": centers.exists(),
        "tasks": services.acknowledged_tasks(centers.values_list("pk", flat=True)),
    })


@kind_required(CENTER)
def plan_new(request):
    centers = Organization.objects.filter(pk__in=access.org_ids(request.user, kind=CENTER, write=True),
                                          is_active=True).order_by("name")
    if not centers.exists():
        return render(request, "framework/plans/new.html", {"form": None})
    tasks = services.acknowledged_tasks(centers.values_list("pk", flat=True))
    if request.method == "POST":
        form = PlanNewForm(request.POST, centers=centers, tasks=tasks)
        if form.is_valid():
            data = form.cleaned_data
            plan = run_form_step(
                request, form,
                lambda: services.plan_create(center=data["center"], task=data["task"], title=data["title"],
                                             year=data["year"], actor=request.user),
                done="框架协议采购项目已立项，请逐项编制采购方案。")
            if plan is not None:
                return redirect("framework:plan-detail", pk=plan.pk)
    else:
        chosen = next((t for t in tasks if str(t.pk) == request.GET.get("task")), None)
        form = PlanNewForm(centers=centers, tasks=tasks, initial={
            "task": chosen, "year": chosen.year if chosen else None,
            "title": f"{chosen.year}年度{chosen.category.name}框架协议采购" if chosen else ""})
    return render(request, "framework/plans/new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@kind_required(CENTER)
def plan_detail(request, pk: int):
    plan = _center_plan(request, pk)
    return render(request, "framework/plans/detail.html", _detail_context(request, plan))


@require_POST
@kind_required(CENTER)
def plan_section(request, pk: int, section: str):
    plan = _center_plan(request, pk)
    if section not in services.SECTIONS:
        return redirect("framework:plan-detail", pk=plan.pk)
    form = section_form(section, plan=plan, data=request.POST)
    if form.is_valid():
        saved = run_form_step(
            request, form,
            lambda: services.plan_section_save(plan=plan, section=section, values=form.cleaned_data,
                                               actor=request.user),
            done=f"方案「{services.SECTIONS[section][0]}」已保存。")
        if saved is not None:
            return redirect(f"{reverse('framework:plan-detail', args=[plan.pk])}#section-{section}")
    plan = _center_plan(request, pk)
    return render(request, "framework/plans/detail.html",
                  _detail_context(request, plan, bound={section: form}), status=400)


@require_POST
@kind_required(CENTER)
def participant_add(request, pk: int):
    plan = _center_plan(request, pk)
    form = ParticipantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        added = run_form_step(
            request, form,
            lambda: services.participant_add(plan=plan, kind=data["kind"], name=data["name"],
                                             opinion=data["opinion"], actor=request.user),
            done=lambda p: f"已增加调查对象：{p.get_kind_display()}「{p.name}」。")
        if added is not None:
            return redirect("framework:plan-detail", pk=plan.pk)
    return render(request, "framework/plans/detail.html",
                  _detail_context(request, plan, participant_form=form), status=400)


@require_POST
@kind_required(CENTER)
def participant_remove(request, pk: int, participant_pk: int):
    plan = _center_plan(request, pk)
    participant = get_object_or_404(SurveyParticipant, plan=plan, pk=participant_pk)
    run_step(request, lambda: services.participant_remove(participant=participant, actor=request.user),
             done=f"已删除调查对象「{participant.name}」。")
    return redirect("framework:plan-detail", pk=plan.pk)


@require_POST
@kind_required(CENTER)
def lot_add(request, pk: int):
    plan = _center_plan(request, pk)
    form = LotForm(request.POST, is_open=plan.is_open)
    if form.is_valid():
        added = run_form_step(request, form,
                              lambda: services.lot_add(plan=plan, values=form.values(), actor=request.user),
                              done=lambda lot: f"已增加第{lot.number}包「{lot.name}」。")
        if added is not None:
            return redirect("framework:plan-detail", pk=plan.pk)
    return render(request, "framework/plans/detail.html", _detail_context(request, plan, lot_form=form), status=400)


@kind_required(CENTER)
def lot_edit(request, pk: int, lot_pk: int):
    plan = _center_plan(request, pk)
    lot = get_object_or_404(Lot.objects.select_related("category", "framework"), project_id=plan.project_id,
                            pk=lot_pk)
    editable = _writes(request, plan) and plan.status in services.EDITABLE
    if request.method == "POST":
        form = LotForm(request.POST, is_open=plan.is_open)
        if form.is_valid():
            saved = run_form_step(request, form,
                                  lambda: services.lot_update(lot=lot, values=form.values(), actor=request.user),
                                  done=f"第{lot.number}包已修改。")
            if saved is not None:
                return redirect("framework:plan-detail", pk=plan.pk)
    else:
        form = LotForm(initial=lot_initial(lot), is_open=plan.is_open)
    return render(request, "framework/plans/lot_edit.html", {"plan": plan, "lot": lot, "form": form,
                                                             "editable": editable},
                  status=400 if request.method == "POST" else 200)


@require_POST
@kind_required(CENTER)
def lot_remove(request, pk: int, lot_pk: int):
    plan = _center_plan(request, pk)
    lot = get_object_or_404(Lot, project_id=plan.project_id, pk=lot_pk)
    run_step(request, lambda: services.lot_remove(lot=lot, actor=request.user), done=f"已删除第{lot.number}包。")
    return redirect("framework:plan-detail", pk=plan.pk)


@require_POST
@kind_required(CENTER)
def plan_submit(request, pk: int):
    plan = _center_plan(request, pk)
    try:
        submitted = services.plan_submit(plan=plan, actor=request.user)
    except services.PlanIncomplete as incomplete:
        plan = _center_plan(request, pk)
        return render(request, "framework/plans/detail.html",
                      _detail_context(request, plan, submit_problems=incomplete.problems), status=400)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
        return redirect("framework:plan-detail", pk=plan.pk)
    messages.success(request, f"第{submitted.version}版已提交财政部门审核。")
    return redirect("framework:plan-detail", pk=plan.pk)


@require_POST
@kind_required(CENTER)
def plan_file(request, pk: int):
    plan = _center_plan(request, pk)
    run_step(request, lambda: services.plan_file(plan=plan, actor=request.user),
             done="采购方案已备案，可据此编制框架协议征集文件。")
    return redirect("framework:plan-detail", pk=plan.pk)


@kind_required(CENTER)
def plan_pdf_view(request, pk: int):
    return _pdf_response(_center_plan(request, pk))


# --- finance's pages -------------------------------------------------------------------------------------------

@kind_required(FINANCE)
def review_list(request):
    tab = "all" if request.GET.get("tab") == "all" else "pending"
    plans = selectors.plans_for_review(request.user)
    pending_count = plans.filter(status=FrameworkPlan.Status.SUBMITTED).count()
    if tab == "pending":
        plans = plans.filter(status=FrameworkPlan.Status.SUBMITTED)
    query = request.GET.get("q", "").strip()
    if query:
        plans = plans.filter(Q(project__title__icontains=query) | Q(project__organizer__name__icontains=query))
    return render(request, "framework/plans/review_list.html", {
        "page": paginate(request, plans.order_by("-submitted_at", "-pk")), "tab": tab, "query": query,
        "pending_count": pending_count,
    })


@kind_required(FINANCE)
def review(request, pk: int):
    plan = get_object_or_404(selectors.plans_for_review(request.user), pk=pk)
    decides = (services.reviewing_bureau_for(request.user, plan) is not None
               and plan.status == FrameworkPlan.Status.SUBMITTED)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_form_step(
            request, form,
            lambda: services.plan_review(plan=plan, decision=form.cleaned_data["decision"],
                                         opinion=form.cleaned_data["opinion"], actor=request.user),
            done=lambda r: f"已{r.get_decision_display()}，审核意见已告知{plan.project.organizer.name}。")
        if done is not None:
            return redirect("framework:plan-review", pk=plan.pk)
    lots = services.plan_lots(plan)
    return render(request, "framework/plans/review.html", {
        "plan": plan, "project": plan.project, "form": form, "decides": decides, "lots": lots,
        "sections": _sections(plan, editable=False), "participants": list(plan.survey_participants.all()),
        "reviews": list(plan.reviews.all()), "subject_kind": services.plan_subject_kind(plan, lots),
    }, status=400 if request.method == "POST" else 200)


@kind_required(FINANCE)
def review_pdf(request, pk: int):
    return _pdf_response(get_object_or_404(selectors.plans_for_review(request.user), pk=pk))


urlpatterns = [
    path("plans/", plan_list, name="plan-list"),
    path("plans/new/", plan_new, name="plan-new"),
    path("plans/<int:pk>/", plan_detail, name="plan-detail"),
    path("plans/<int:pk>/sections/<str:section>/", plan_section, name="plan-section"),
    path("plans/<int:pk>/participants/add/", participant_add, name="plan-participant-add"),
    path("plans/<int:pk>/participants/<int:participant_pk>/remove/", participant_remove,
         name="plan-participant-remove"),
    path("plans/<int:pk>/lots/add/", lot_add, name="plan-lot-add"),
    path("plans/<int:pk>/lots/<int:lot_pk>/", lot_edit, name="plan-lot-edit"),
    path("plans/<int:pk>/lots/<int:lot_pk>/remove/", lot_remove, name="plan-lot-remove"),
    path("plans/<int:pk>/submit/", plan_submit, name="plan-submit"),
    path("plans/<int:pk>/file/", plan_file, name="plan-file"),
    path("plans/<int:pk>/pdf/", plan_pdf_view, name="plan-pdf"),
    path("plan-reviews/", review_list, name="plan-review-list"),
    path("plan-reviews/<int:pk>/", review, name="plan-review"),
    path("plan-reviews/<int:pk>/pdf/", review_pdf, name="plan-review-pdf"),
]

"""Pages of the framework task notice (框架协议采购任务通知单, seed 000 annex 7).

Finance staff draft, revise, issue and withdraw their bureau's framework task notices; the center reads and
acknowledges the notices issued to it, and either downloads the notice as annex 7 lays it out (PDF). Every lookup
goes through a queryset narrowed to the user's own organizations (``framework.selectors.tasks``), so another
bureau's or center's notice answers 404; every write calls a service (``framework.services.tasks``, the core's
task notice services with the framework's rules).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from framework.selectors import tasks as selectors
from framework.services import tasks as services
from procurement import access, deadlines
from procurement.models import Category, Organization, Region, TaskNotice
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
STATUS_LABELS = dict(TaskNotice.Status.choices)
DATE_INPUT = {"type": "date"}


# --- forms ---------------------------------------------------------------------------------------

class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.code} {obj.name}"


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.level == Region.Level.COUNTY and obj.parent else obj.name


class TaskFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs={"placeholder": "全部年度"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *TaskNotice.Status.choices])

    def __init__(self, *args, statuses=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if statuses is not None:
            self.fields["status"].choices = [("", "全部状态"), *[(s.value, s.label) for s in statuses]]
        bootstrap(self)

    def filtered(self, queryset: QuerySet) -> QuerySet:
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("year"):
            queryset = queryset.filter(year=self.cleaned_data["year"])
        if self.cleaned_data.get("status"):
            queryset = queryset.filter(status=self.cleaned_data["status"])
        return queryset

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class TaskForm(forms.Form):
    """Annex 7's four items (采购品目, 采购限额, 适用范围, 框架协议有效期), and who issues it to whom."""

    finance_bureau = forms.ModelChoiceField(label="下达财政部门", queryset=Organization.objects.none(),
                                            empty_label=None)
    center = forms.ModelChoiceField(label="执行集中采购机构", queryset=Organization.objects.none(),
                                    empty_label="请选择集中采购机构")
    category = CategoryChoiceField(label="采购品目", queryset=Category.objects.none(), empty_label="请选择采购品目",
                                   help_text="货物类（A）或服务类（C）品目（品目名称+编码）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    purchase_limit = forms.CharField(label="采购限额", max_length=200,
                                     help_text="小额零星项目，如：单笔采购金额在200万元以下的小额零星采购")
    purchase_limit_yuan = forms.DecimalField(label="采购限额金额（元）", required=False, max_digits=14,
                                             decimal_places=2, min_value=Decimal("0"))
    scope = forms.ChoiceField(label="适用范围", choices=TaskNotice.Scope.choices,
                              help_text="一般为全省各级预算单位")
    scope_regions = RegionChoiceField(label="适用地区", required=False, queryset=Region.objects.none(),
                                      help_text="适用范围为分地区时必选；可按住 Ctrl 多选")
    valid_from = forms.DateField(label="有效期起", required=False,
                                 widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    valid_until = forms.DateField(label="有效期止", required=False,
                                  widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    validity_months = forms.IntegerField(label="或：有效期（月）", required=False, min_value=1, max_value=120,
                                         help_text="不填起止日期时填写；货物类不超过12个月，服务类不超过24个月")
    document_number = forms.CharField(label="文号", max_length=64, required=False)
    basis = forms.CharField(label="论证情况", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bureaus = Organization.objects.filter(pk__in=access.org_ids(user, kind=FINANCE, write=True),
                                              kind=FINANCE).select_related("region")
        paths = [bureau.region.path for bureau in bureaus]
        self.fields["finance_bureau"].queryset = bureaus
        self.fields["center"].queryset = Organization.objects.filter(
            access.under_regions("region__path", paths), kind=CENTER, is_active=True)
        self.fields["category"].queryset = Category.objects.filter(
            Q(code__startswith="A") | Q(code__startswith="C")).order_by("code")
        below = Q(pk__in=[])
        for region_path in paths:
            below |= Q(path__startswith=region_path) & ~Q(path=region_path)
        self.fields["scope_regions"].queryset = Region.objects.filter(below).select_related("parent").order_by("path")
        self.fields["scope_regions"].widget.attrs["size"] = 8
        self.fields["purchase_limit_yuan"].widget.attrs["step"] = "0.01"
        if editing:
            del self.fields["finance_bureau"]
        bootstrap(self)

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("finance_bureau", None)
        data["scope_regions"] = list(data.get("scope_regions") or [])
        return data


class IssueForm(forms.Form):
    issued_on = forms.DateField(label="下达日期", required=False,
                                widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", required=False, max_length=500)


# --- lookups -------------------------------------------------------------------------------------

def _drafted(request, pk: int) -> TaskNotice:
    return get_object_or_404(selectors.tasks_drafted(request.user), pk=pk)


def _received(request, pk: int) -> TaskNotice:
    return get_object_or_404(selectors.tasks_received(request.user), pk=pk)


def _pdf_response(task: TaskNotice) -> HttpResponse:
    response = HttpResponse(services.task_pdf(task=task), content_type="application/pdf")
    response["Content-Disposition"] = services.task_pdf_disposition(task)
    return response


def _listed(request, queryset: QuerySet, *, statuses=None) -> dict:
    form = TaskFilterForm(request.GET, statuses=statuses)
    return {"form": form, "page": paginate(request, form.filtered(queryset)), "filtered": form.active}


def _facts(task: TaskNotice) -> dict:
    return {
        "task": task,
        "title": services.task_title(task),
        "scope_text": services.task_scope_text(task),
        "validity_text": services.task_validity_text(task),
        "history": selectors.task_history(task)[:50],
        "labels": STATUS_LABELS,
        "plans": selectors.task_plans(task),
    }


# --- finance -------------------------------------------------------------------------------------

@kind_required(*selectors.DRAFTERS)
def task_list(request):
    return render(request, "framework/tasks/task_list.html", _listed(request, selectors.tasks_drafted(request.user)))


@kind_required(*selectors.DRAFTERS)
def task_create(request):
    user = request.user
    if request.method == "POST":
        form = TaskForm(request.POST, user=user)
        if form.is_valid():
            task = run_form_step(
                request, form,
                lambda: services.framework_task_create(
                    finance_bureau=form.cleaned_data["finance_bureau"], actor=user, **form.service_values()),
                done="框架协议采购任务通知单已保存为草稿。请核对后点击「下达任务」。",
            )
            if task is not None:
                return redirect("framework:task-detail", pk=task.pk)
    else:
        form = TaskForm(user=user, initial={"year": deadlines.today().year, "scope": TaskNotice.Scope.PROVINCE})
    return render(request, "framework/tasks/task_form.html", {"form": form, "task": None})


@kind_required(*selectors.DRAFTERS)
def task_edit(request, pk: int):
    task = _drafted(request, pk)
    if task.status != TaskNotice.Status.DRAFT:
        messages.error(request, f"任务通知单{task.get_status_display()}，只有草稿可以修改。")
        return redirect("framework:task-detail", pk=task.pk)
    if request.method == "POST":
        form = TaskForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: services.framework_task_update(task=task, actor=request.user, **form.service_values()),
                done="框架协议采购任务通知单已保存。",
            )
            if saved is not None:
                return redirect("framework:task-detail", pk=task.pk)
    else:
        form = TaskForm(user=request.user, editing=True, initial={
            "center": task.center, "category": task.category, "year": task.year,
            "purchase_limit": task.purchase_limit, "purchase_limit_yuan": task.purchase_limit_yuan,
            "scope": task.scope, "scope_regions": list(task.scope_regions.all()), "valid_from": task.valid_from,
            "valid_until": task.valid_until, "validity_months": task.validity_months,
            "document_number": task.document_number, "basis": task.basis,
        })
    return render(request, "framework/tasks/task_form.html", {"form": form, "task": task})


@kind_required(*selectors.DRAFTERS)
def task_detail(request, pk: int):
    task = _drafted(request, pk)
    return render(request, "framework/tasks/task_detail.html", {
        **_facts(task),
        "issue_form": IssueForm(initial={"issued_on": deadlines.today()}),
        "can_edit": task.status == TaskNotice.Status.DRAFT,
        "can_issue": task.status == TaskNotice.Status.DRAFT,
        "can_withdraw": task.status in (TaskNotice.Status.DRAFT, TaskNotice.Status.ISSUED),
    })


@require_POST
@kind_required(*selectors.DRAFTERS)
def task_issue(request, pk: int):
    task = _drafted(request, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的下达日期。")
        return redirect("framework:task-detail", pk=task.pk)
    run_step(
        request,
        lambda: services.framework_task_issue(task=task, actor=request.user, issued_on=form.cleaned_data["issued_on"]),
        done=f"框架协议采购任务通知单已下达{task.center.name}。",
    )
    return redirect("framework:task-detail", pk=task.pk)


@require_POST
@kind_required(*selectors.DRAFTERS)
def task_withdraw(request, pk: int):
    task = _drafted(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_step(
        request,
        lambda: services.framework_task_withdraw(task=task, actor=request.user, reason=reason),
        done="框架协议采购任务通知单已撤回。",
    )
    return redirect("framework:task-detail", pk=task.pk)


@kind_required(*selectors.DRAFTERS)
def task_pdf(request, pk: int):
    return _pdf_response(_drafted(request, pk))


# --- center --------------------------------------------------------------------------------------

RECEIVED_STATUSES = (TaskNotice.Status.ISSUED, TaskNotice.Status.ACKNOWLEDGED, TaskNotice.Status.WITHDRAWN)


@kind_required(*selectors.RECEIVERS)
def received_list(request):
    context = _listed(request, selectors.tasks_received(request.user), statuses=RECEIVED_STATUSES)
    return render(request, "framework/tasks/received_list.html", context)


@kind_required(*selectors.RECEIVERS)
def received_detail(request, pk: int):
    task = _received(request, pk)
    return render(request, "framework/tasks/received_detail.html", {
        **_facts(task),
        "can_acknowledge": task.status == TaskNotice.Status.ISSUED,
    })


@require_POST
@kind_required(*selectors.RECEIVERS)
def received_acknowledge(request, pk: int):
    task = _received(request, pk)
    run_step(
        request,
        lambda: services.framework_task_acknowledge(task=task, actor=request.user),
        done="框架协议采购任务通知单已签收。请据此编制框架协议采购方案。",
    )
    return redirect("framework:received-detail", pk=task.pk)


@kind_required(*selectors.RECEIVERS)
def received_pdf(request, pk: int):
    return _pdf_response(_received(request, pk))


urlpatterns = [
    path("finance/tasks/", task_list, name="task-list"),
    path("finance/tasks/new/", task_create, name="task-create"),
    path("finance/tasks/<int:pk>/", task_detail, name="task-detail"),
    path("finance/tasks/<int:pk>/edit/", task_edit, name="task-edit"),
    path("finance/tasks/<int:pk>/issue/", task_issue, name="task-issue"),
    path("finance/tasks/<int:pk>/withdraw/", task_withdraw, name="task-withdraw"),
    path("finance/tasks/<int:pk>/pdf/", task_pdf, name="task-pdf"),
    path("center/tasks/", received_list, name="received-list"),
    path("center/tasks/<int:pk>/", received_detail, name="received-detail"),
    path("center/tasks/<int:pk>/acknowledge/", received_acknowledge, name="received-acknowledge"),
    path("center/tasks/<int:pk>/pdf/", received_pdf, name="received-pdf"),
]

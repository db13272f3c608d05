"""Pages of the task notice (采购任务通知单), once for every mode: batch annex 5, framework annex 7.

Finance staff draft, revise, issue and withdraw their bureau's notices; the center reads, acknowledges and
downloads the notices issued to it. Each mode routes its own paths (``batch:task-list``, ``framework:task-list``
…) to these views with ``mode`` as a keyword argument, and says what differs through
``mode_plugin(mode).task_notice_pages()``: a ``TaskNoticePages`` (its form fields, help texts, wording templates,
what its detail pages show beyond the notice, its PDF). Every lookup goes through a queryset narrowed to the
user's own organizations and to the mode (``procurement.selectors.tasks``), so another bureau's or center's notice
answers 404; every write calls the core's services (``procurement.services.tasks``), which apply the mode's rules.
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

from procurement import access, deadlines
from procurement.models import Category, Organization, Region, TaskNotice
from procurement.modes import mode_plugin
from procurement.selectors import tasks as task_selectors
from procurement.services import tasks as task_services
from procurement.task_pdf import limit_text, notice_context, notice_disposition, notice_pdf
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
STATUS_LABELS = dict(TaskNotice.Status.choices)
DATE_INPUT = {"type": "date"}
RECEIVED_STATUSES = (TaskNotice.Status.ISSUED, TaskNotice.Status.ACKNOWLEDGED, TaskNotice.Status.WITHDRAWN)


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"), **kwargs)


# --- what a mode says about its pages ----------------------------------------------------------------------

class TaskNoticePages:
    """What one mode's task notice pages (and API) add to the core's; every default is neutral.

    A mode subclasses it, overrides what is its own and registers one instance with ``register`` (its page
    module does, at import); ``ModePlugin.task_notice_pages`` answers it for the mode.
    """

    #: ``Mode`` value; also the URL namespace of the mode's task pages (``<namespace>:task-detail`` …).
    mode: str = ""
    namespace: str = ""
    #: The notice's name in the flash messages ("任务通知单已下达…").
    noun: str = "任务通知单"
    #: What the center does next, said when it acknowledges.
    acknowledged_next: str = ""
    category_help: str = "品目名称+编码"
    limit_help: str = ""
    scope_help: str = ""
    basis_help: str = ""
    #: The mode's rows of the notice's facts (a template given ``part``: "items" after 适用范围, "links" at the end).
    facts_template: str = ""
    #: The list's column of the mode's own item (its heading, and a template of its cell given ``task``).
    column: str = ""
    column_template: str = ""
    #: Overrides of the core's page templates (``tasks/pages/*.html``) by name, like ``ModePlugin.templates``.
    templates: dict[str, str] = {}

    def template(self, name: str) -> list[str]:
        core = f"tasks/pages/{name}"
        override = self.templates.get(name)
        return [override, core] if override else [core]

    def url(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    # the form
    def form_fields(self) -> dict[str, forms.Field]:
        """The mode's own fields of the form (names of ``TaskNotice`` fields the services take), new each time."""
        return {}

    def initial(self) -> dict:
        """Initial values of the mode's own fields on a new notice."""
        return {}

    def categories(self) -> QuerySet:
        """The categories a notice of the mode may name (the services check again)."""
        return Category.objects.order_by("code")

    # what the notice reads like
    def title(self, task: TaskNotice) -> str:
        return str(task)

    def scope_text(self, task: TaskNotice) -> str:
        return task_selectors.scope_text(task)

    def facts(self, task: TaskNotice) -> dict:
        """What both detail pages show beyond the core's facts (context of the mode's ``_task_facts`` block)."""
        return {}

    def received_extras(self, request, task: TaskNotice) -> dict:
        """What the center's detail page shows beyond the facts (batch: its configuration tables)."""
        return {}

    def pdf(self, task: TaskNotice) -> bytes:
        """The notice as its annex lays it out (neutral: the core's layout with the core's items)."""
        return notice_pdf(notice_context(task, title=str(task), opening="", closing="", items=[
            ("采购品目", f"{task.category.name}（{task.category.code}）"),
            ("采购限额", limit_text(task)),
            ("适用范围", self.scope_text(task)),
        ]))

    def pdf_disposition(self, task: TaskNotice) -> str:
        return notice_disposition(f"{task.year}年{self.title(task)}.pdf")


NEUTRAL = TaskNoticePages()


def pages_of(mode: str) -> TaskNoticePages:
    return mode_plugin(mode).task_notice_pages()


# --- forms ---------------------------------------------------------------------------------------

class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.code} {obj.name}"


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        # A county shows its prefecture, so that same-named counties stay apart.
        return f"{obj.parent.name} · {obj.name}" if obj.level == Region.Level.COUNTY and obj.parent else obj.name


class TaskNoticeFilterForm(forms.Form):
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


class TaskNoticeForm(forms.Form):
    """The items every notice names (采购品目, 采购限额, 适用范围), who issues it to whom, and the mode's own."""

    finance_bureau = forms.ModelChoiceField(label="下达财政部门", queryset=Organization.objects.none(),
                                            empty_label=None)
    center = forms.ModelChoiceField(label="执行集中采购机构", queryset=Organization.objects.none(),
                                    empty_label="请选择集中采购机构")
    category = CategoryChoiceField(label="采购品目", queryset=Category.objects.none(), empty_label="请选择采购品目")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    purchase_limit = forms.CharField(label="采购限额", max_length=200)
    purchase_limit_yuan = forms.DecimalField(label="采购限额金额（元）", required=False, max_digits=14,
                                             decimal_places=2, min_value=Decimal("0"))
    scope = forms.ChoiceField(label="适用范围", choices=TaskNotice.Scope.choices)
    scope_regions = RegionChoiceField(label="适用地区", required=False, queryset=Region.objects.none(),
                                      help_text="适用范围为分地区时必选；可按住 Ctrl 多选")
    document_number = forms.CharField(label="文号", max_length=64, required=False)
    basis = forms.CharField(label="论证情况", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, pages: TaskNoticePages, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(pages.form_fields())
        bureaus = Organization.objects.filter(pk__in=access.org_ids(user, kind=FINANCE, write=True),
                                              kind=FINANCE).select_related("region")
        paths = [bureau.region.path for bureau in bureaus]
        self.fields["finance_bureau"].queryset = bureaus
        self.fields["center"].queryset = Organization.objects.filter(
            access.under_regions("region__path", paths), kind=CENTER, is_active=True)
        self.fields["category"].queryset = pages.categories()
        helps = {"category": pages.category_help, "purchase_limit": pages.limit_help, "scope": pages.scope_help,
                 "basis": pages.basis_help}
        for name, text in helps.items():
            self.fields[name].help_text = text
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
    issued_on = date_field("下达日期", required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", required=False, max_length=500)


# --- lookups and shared context ------------------------------------------------------------------

def _drafted(request, pk: int, mode: str) -> TaskNotice:
    return get_object_or_404(task_selectors.task_notices_drafted(request.user, mode=mode), pk=pk)


def _received(request, pk: int, mode: str) -> TaskNotice:
    return get_object_or_404(task_selectors.task_notices_received(request.user, mode=mode), pk=pk)


def _pdf_response(pages: TaskNoticePages, task: TaskNotice) -> HttpResponse:
    response = HttpResponse(pages.pdf(task), content_type="application/pdf")
    response["Content-Disposition"] = pages.pdf_disposition(task)
    return response


def _render(request, pages: TaskNoticePages, name: str, context: dict, **kwargs) -> HttpResponse:
    shared = {"ns": pages.namespace, "mode_facts": pages.facts_template, "column": pages.column,
              "column_template": pages.column_template}
    return render(request, pages.template(name), {**shared, **context}, **kwargs)


def _listed(request, queryset: QuerySet, *, statuses=None) -> dict:
    form = TaskNoticeFilterForm(request.GET, statuses=statuses)
    return {"form": form, "page": paginate(request, form.filtered(queryset)), "filtered": form.active}


def _facts(pages: TaskNoticePages, task: TaskNotice) -> dict:
    return {
        "task": task,
        "title": pages.title(task),
        "scope_text": pages.scope_text(task),
        "history": task_selectors.task_notice_history(task)[:50],
        "labels": STATUS_LABELS,
        **pages.facts(task),
    }


# --- finance -------------------------------------------------------------------------------------

@kind_required(*task_selectors.DRAFTERS)
def task_list(request, *, mode: str):
    pages = pages_of(mode)
    return _render(request, pages, "task_list.html",
                   _listed(request, task_selectors.task_notices_drafted(request.user, mode=mode)))


@kind_required(*task_selectors.DRAFTERS)
def task_create(request, *, mode: str):
    user, pages = request.user, pages_of(mode)
    if request.method == "POST":
        form = TaskNoticeForm(request.POST, user=user, pages=pages)
        if form.is_valid():
            task = run_form_step(
                request, form,
                lambda: task_services.task_notice_create(
                    mode=mode, finance_bureau=form.cleaned_data["finance_bureau"], actor=user,
                    **form.service_values()),
                done=f"{pages.noun}已保存为草稿。请核对后点击「下达任务」。",
            )
            if task is not None:
                return redirect(pages.url("task-detail"), pk=task.pk)
    else:
        form = TaskNoticeForm(user=user, pages=pages, initial={
            "year": deadlines.today().year, "scope": TaskNotice.Scope.PROVINCE, **pages.initial()})
    return _render(request, pages, "task_form.html", {"form": form, "task": None})


@kind_required(*task_selectors.DRAFTERS)
def task_edit(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _drafted(request, pk, mode)
    if task.status != TaskNotice.Status.DRAFT:
        messages.error(request, f"任务通知单{task.get_status_display()}，只有草稿可以修改。")
        return redirect(pages.url("task-detail"), pk=task.pk)
    if request.method == "POST":
        form = TaskNoticeForm(request.POST, user=request.user, pages=pages, editing=True)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: task_services.task_notice_update(task=task, actor=request.user, **form.service_values()),
                done=f"{pages.noun}已保存。",
            )
            if saved is not None:
                return redirect(pages.url("task-detail"), pk=task.pk)
    else:
        names = ["center", "category", "year", "purchase_limit", "purchase_limit_yuan", "scope", "document_number",
                 "basis", *pages.form_fields()]
        initial = {name: getattr(task, name) for name in names}
        initial["scope_regions"] = list(task.scope_regions.all())
        form = TaskNoticeForm(user=request.user, pages=pages, editing=True, initial=initial)
    return _render(request, pages, "task_form.html", {"form": form, "task": task})


@kind_required(*task_selectors.DRAFTERS)
def task_detail(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _drafted(request, pk, mode)
    return _render(request, pages, "task_detail.html", {
        **_facts(pages, task),
        "issue_form": IssueForm(initial={"issued_on": deadlines.today()}),
        "can_edit": task.status == TaskNotice.Status.DRAFT,
        "can_issue": task.status == TaskNotice.Status.DRAFT,
        "can_withdraw": task.status in (TaskNotice.Status.DRAFT, TaskNotice.Status.ISSUED),
    })


@require_POST
@kind_required(*task_selectors.DRAFTERS)
def task_issue(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _drafted(request, pk, mode)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的下达日期。")
        return redirect(pages.url("task-detail"), pk=task.pk)
    run_step(
        request,
        lambda: task_services.task_notice_issue(task=task, actor=request.user,
                                                issued_on=form.cleaned_data["issued_on"]),
        done=f"{pages.noun}已下达{task.center.name}。",
    )
    return redirect(pages.url("task-detail"), pk=task.pk)


@require_POST
@kind_required(*task_selectors.DRAFTERS)
def task_withdraw(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _drafted(request, pk, mode)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_step(
        request,
        lambda: task_services.task_notice_withdraw(task=task, actor=request.user, reason=reason),
        done=f"{pages.noun}已撤回。",
    )
    return redirect(pages.url("task-detail"), pk=task.pk)


@kind_required(*task_selectors.DRAFTERS)
def task_pdf(request, pk: int, *, mode: str):
    return _pdf_response(pages_of(mode), _drafted(request, pk, mode))


# --- center --------------------------------------------------------------------------------------

@kind_required(*task_selectors.RECEIVERS)
def received_list(request, *, mode: str):
    context = _listed(request, task_selectors.task_notices_received(request.user, mode=mode),
                      statuses=RECEIVED_STATUSES)
    return _render(request, pages_of(mode), "received_list.html", context)


@kind_required(*task_selectors.RECEIVERS)
def received_detail(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _received(request, pk, mode)
    return _render(request, pages, "received_detail.html", {
        **_facts(pages, task),
        "can_acknowledge": task.status == TaskNotice.Status.ISSUED,
        **pages.received_extras(request, task),
    })


@require_POST
@kind_required(*task_selectors.RECEIVERS)
def received_acknowledge(request, pk: int, *, mode: str):
    pages = pages_of(mode)
    task = _received(request, pk, mode)
    run_step(
        request,
        lambda: task_services.task_notice_acknowledge(task=task, actor=request.user),
        done=f"{pages.noun}已签收。{pages.acknowledged_next}",
    )
    return redirect(pages.url("received-detail"), pk=task.pk)


@kind_required(*task_selectors.RECEIVERS)
def received_pdf(request, pk: int, *, mode: str):
    return _pdf_response(pages_of(mode), _received(request, pk, mode))


def urlpatterns_for(mode: str) -> list:
    """The task notice pages of ``mode`` at the paths and names every mode uses (included under its namespace)."""
    kwargs = {"mode": mode}
    return [
        path("finance/tasks/", task_list, kwargs, name="task-list"),
        path("finance/tasks/new/", task_create, kwargs, name="task-create"),
        path("finance/tasks/<int:pk>/", task_detail, kwargs, name="task-detail"),
        path("finance/tasks/<int:pk>/edit/", task_edit, kwargs, name="task-edit"),
        path("finance/tasks/<int:pk>/issue/", task_issue, kwargs, name="task-issue"),
        path("finance/tasks/<int:pk>/withdraw/", task_withdraw, kwargs, name="task-withdraw"),
        path("finance/tasks/<int:pk>/pdf/", task_pdf, kwargs, name="task-pdf"),
        path("center/tasks/", received_list, kwargs, name="received-list"),
        path("center/tasks/<int:pk>/", received_detail, kwargs, name="received-detail"),
        path("center/tasks/<int:pk>/acknowledge/", received_acknowledge, kwargs, name="received-acknowledge"),
        path("center/tasks/<int:pk>/pdf/", received_pdf, kwargs, name="received-pdf"),
    ]

"""Pages of the task notice (annex 5) and the product configuration table (annex 6).

Finance staff draft, issue and withdraw their bureau's task notices; the center acknowledges the
notices it received and keeps its configuration tables (with Excel import and export). Every lookup
goes through a queryset narrowed to the user's own organizations, so another bureau's or center's
object answers 404; every write calls a service: the core's ``procurement.services.tasks`` (with the batch mode;
the lookups show batch notices only) or ``batch.configuration``.
An Excel upload is imported by a Celery worker (``batch.imports.configuration_import_queue``): the page
sends the user to the import job's page, which shows its progress and result.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from batch import configuration as configuration_services
from batch.imports import configuration_import_queue
from batch.models import ConfigurationTable, ConfigurationType
from batch.pdf import pdf_disposition, task_notice_pdf
from procurement import access, deadlines
from procurement.models import Category, Cycle, Mode, Organization, Region, TaskNotice
from procurement.selectors import tasks as task_selectors
from procurement.services import tasks as task_services
from procurement.views.common import REFUSALS, add_refusal, kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
STATUS_LABELS = dict(TaskNotice.Status.choices)
BATCH = Mode.BATCH


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
    finance_bureau = forms.ModelChoiceField(label="下达财政部门", queryset=Organization.objects.none(),
                                            empty_label=None)
    center = forms.ModelChoiceField(label="执行集中采购机构", queryset=Organization.objects.none(),
                                    empty_label="请选择集中采购机构")
    category = CategoryChoiceField(label="采购品目", queryset=Category.objects.none(), empty_label="请选择采购品目",
                                   help_text="仅列出纳入政府集中采购目录的品目（品目名称+编码）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    purchase_limit = forms.CharField(label="采购限额", max_length=200,
                                     help_text="如：集中采购目录内单项或批量金额在50万元以下的小额零星项目")
    purchase_limit_yuan = forms.DecimalField(label="采购限额金额（元）", required=False, max_digits=14,
                                             decimal_places=2, min_value=Decimal("0"))
    scope = forms.ChoiceField(label="适用范围", choices=TaskNotice.Scope.choices)
    scope_regions = RegionChoiceField(label="适用地区", required=False, queryset=Region.objects.none(),
                                                   help_text="适用范围为分地区时必选；可按住 Ctrl 多选")
    cycle = forms.ChoiceField(label="采购周期", choices=Cycle.choices, help_text="一般为每季度开展一次")
    document_number = forms.CharField(label="文号", max_length=64, required=False)
    basis = forms.CharField(label="论证情况", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="从采购品目、预算金额和采购单位三个维度分析的结论")

    def __init__(self, *args, user, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bureaus = Organization.objects.filter(pk__in=access.org_ids(user, kind=FINANCE, write=True),
                                              kind=FINANCE).select_related("region")
        paths = [bureau.region.path for bureau in bureaus]
        self.fields["finance_bureau"].queryset = bureaus
        self.fields["center"].queryset = Organization.objects.filter(
            access.under_regions("region__path", paths), kind=CENTER, is_active=True)
        self.fields["category"].queryset = Category.objects.filter(in_centralized_catalog=True).order_by("code")
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
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", required=False, max_length=500)


class ConfigurationTableForm(forms.Form):
    center = forms.ModelChoiceField(label="集中采购机构", queryset=Organization.objects.none(), empty_label=None)
    task = forms.ModelChoiceField(label="任务通知单", queryset=TaskNotice.objects.none(), required=False,
                                  empty_label="（不关联任务通知单）")
    title = forms.CharField(label="表名", max_length=200, help_text="如：台式计算机批量集中采购产品配置表")
    filled_on = forms.DateField(label="填报日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, user, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = _own_centers(user)
        self.fields["task"].queryset = task_selectors.task_notices_received(user, mode=BATCH).filter(
            status=TaskNotice.Status.ACKNOWLEDGED)
        self.fields["task"].label_from_instance = lambda task: f"{task.year}年 {task}（{task.finance_bureau.name}）"
        if editing:
            del self.fields["center"]
            del self.fields["task"]
        bootstrap(self)


class ConfigurationImportForm(forms.Form):
    file = forms.FileField(label="产品配置表文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ConfigurationImportNewForm(ConfigurationImportForm):
    center = forms.ModelChoiceField(label="集中采购机构", queryset=Organization.objects.none(), empty_label=None)
    task = forms.ModelChoiceField(label="任务通知单", queryset=TaskNotice.objects.none(), required=False,
                                  empty_label="（不关联任务通知单）")

    field_order = ["center", "task", "file"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = _own_centers(user)
        self.fields["task"].queryset = task_selectors.task_notices_received(user, mode=BATCH).filter(
            status=TaskNotice.Status.ACKNOWLEDGED)
        self.fields["task"].label_from_instance = lambda task: f"{task.year}年 {task}"
        self.order_fields(self.field_order)
        bootstrap(self)


class ConfigurationTypeForm(forms.Form):
    category = forms.CharField(label="采购标的品目", max_length=200,
                               help_text="填写品目编码、名称或“编码 名称”，如 A02010105 台式计算机")
    number = forms.IntegerField(label="配置序号", min_value=1, max_value=configuration_services.MAX_CONFIGURATIONS,
                                help_text="即表中的“配置1”“配置2”……")
    name = forms.CharField(label="配置名称", max_length=100, required=False, help_text="不填则为“配置N”")
    parameters = forms.CharField(label="技术参数", widget=forms.Textarea(attrs={"rows": 8}))
    unit_of_measure = forms.CharField(label="计量单位", max_length=16, initial="台")
    reference_price_yuan = forms.DecimalField(label="参考单价（元）", required=False, max_digits=14,
                                              decimal_places=2, min_value=Decimal("0"))

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference_price_yuan"].widget.attrs["step"] = "0.01"
        if editing:
            del self.fields["category"]
            del self.fields["number"]
        bootstrap(self)


# --- lookups -------------------------------------------------------------------------------------

def _own_centers(user) -> QuerySet:
    return Organization.objects.filter(pk__in=access.org_ids(user, kind=CENTER, write=True), kind=CENTER)


def _drafted(request, pk: int) -> TaskNotice:
    return get_object_or_404(task_selectors.task_notices_drafted(request.user, mode=BATCH), pk=pk)


def _received(request, pk: int) -> TaskNotice:
    return get_object_or_404(task_selectors.task_notices_received(request.user, mode=BATCH), pk=pk)


def _own_table(request, pk: int) -> ConfigurationTable:
    return get_object_or_404(configuration_services.configuration_tables_of_centers(request.user), pk=pk)


def _own_type(table: ConfigurationTable, type_pk: int) -> ConfigurationType:
    return get_object_or_404(table.types.select_related("category"), pk=type_pk)


def _pdf_response(task: TaskNotice) -> HttpResponse:
    response = HttpResponse(task_notice_pdf(task=task), content_type="application/pdf")
    response["Content-Disposition"] = pdf_disposition(task)
    return response


def _year_status_list(request, queryset: QuerySet, *, statuses=None) -> dict:
    form = TaskNoticeFilterForm(request.GET, statuses=statuses)
    return {"form": form, "page": paginate(request, form.filtered(queryset)), "filtered": form.active}


# --- finance: task notices -----------------------------------------------------------------------

@kind_required(*task_selectors.DRAFTERS)
def task_list(request):
    return render(request, "batch/tasks/task_list.html",
                  _year_status_list(request, task_selectors.task_notices_drafted(request.user, mode=BATCH)))


@kind_required(*task_selectors.DRAFTERS)
def task_create(request):
    user = request.user
    if request.method == "POST":
        form = TaskNoticeForm(request.POST, user=user)
        if form.is_valid():
            task = run_form_step(
                request, form,
                lambda: task_services.task_notice_create(
                    mode=BATCH, finance_bureau=form.cleaned_data["finance_bureau"], actor=user,
                    **form.service_values(),
                ),
                done="任务通知单已保存为草稿。请核对后点击「下达任务」。",
            )
            if task is not None:
                return redirect("batch:task-detail", pk=task.pk)
    else:
        form = TaskNoticeForm(user=user, initial={
            "year": deadlines.today().year, "scope": TaskNotice.Scope.PROVINCE, "cycle": Cycle.QUARTERLY,
        })
    return render(request, "batch/tasks/task_form.html", {"form": form, "task": None})


@kind_required(*task_selectors.DRAFTERS)
def task_edit(request, pk: int):
    task = _drafted(request, pk)
    if task.status != TaskNotice.Status.DRAFT:
        messages.error(request, f"任务通知单{task.get_status_display()}，只有草稿可以修改。")
        return redirect("batch:task-detail", pk=task.pk)
    if request.method == "POST":
        form = TaskNoticeForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: task_services.task_notice_update(task=task, actor=request.user, **form.service_values()),
                done="任务通知单已保存。",
            )
            if saved is not None:
                return redirect("batch:task-detail", pk=task.pk)
    else:
        form = TaskNoticeForm(user=request.user, editing=True, initial={
            "center": task.center, "category": task.category, "year": task.year,
            "purchase_limit": task.purchase_limit, "purchase_limit_yuan": task.purchase_limit_yuan,
            "scope": task.scope, "scope_regions": list(task.scope_regions.all()), "cycle": task.cycle,
            "document_number": task.document_number, "basis": task.basis,
        })
    return render(request, "batch/tasks/task_form.html", {"form": form, "task": task})


@kind_required(*task_selectors.DRAFTERS)
def task_detail(request, pk: int):
    task = _drafted(request, pk)
    return render(request, "batch/tasks/task_detail.html", {
        "task": task,
        "scope_text": task_selectors.scope_text(task),
        "history": task_selectors.task_notice_history(task)[:50],
        "labels": STATUS_LABELS,
        "issue_form": IssueForm(initial={"issued_on": deadlines.today()}),
        "can_edit": task.status == TaskNotice.Status.DRAFT,
        "can_issue": task.status == TaskNotice.Status.DRAFT,
        "can_withdraw": task.status in (TaskNotice.Status.DRAFT, TaskNotice.Status.ISSUED),
    })


@require_POST
@kind_required(*task_selectors.DRAFTERS)
def task_issue(request, pk: int):
    task = _drafted(request, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的下达日期。")
        return redirect("batch:task-detail", pk=task.pk)
    run_step(
        request,
        lambda: task_services.task_notice_issue(
            task=task, actor=request.user, issued_on=form.cleaned_data["issued_on"],
        ),
        done=f"任务通知单已下达{task.center.name}。",
    )
    return redirect("batch:task-detail", pk=task.pk)


@require_POST
@kind_required(*task_selectors.DRAFTERS)
def task_withdraw(request, pk: int):
    task = _drafted(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_step(
        request,
        lambda: task_services.task_notice_withdraw(task=task, actor=request.user, reason=reason),
        done="任务通知单已撤回。",
    )
    return redirect("batch:task-detail", pk=task.pk)


@kind_required(*task_selectors.DRAFTERS)
def task_pdf(request, pk: int):
    return _pdf_response(_drafted(request, pk))


# --- center: task notices received ---------------------------------------------------------------

RECEIVED_STATUSES = (TaskNotice.Status.ISSUED, TaskNotice.Status.ACKNOWLEDGED, TaskNotice.Status.WITHDRAWN)


@kind_required(*task_selectors.RECEIVERS)
def received_list(request):
    context = _year_status_list(request, task_selectors.task_notices_received(request.user, mode=BATCH),
                                statuses=RECEIVED_STATUSES)
    return render(request, "batch/tasks/received_list.html", context)


@kind_required(*task_selectors.RECEIVERS)
def received_detail(request, pk: int):
    task = _received(request, pk)
    tables = configuration_services.configuration_tables_of_centers(request.user).filter(task=task)
    return render(request, "batch/tasks/received_detail.html", {
        "task": task,
        "scope_text": task_selectors.scope_text(task),
        "history": task_selectors.task_notice_history(task)[:50],
        "labels": STATUS_LABELS,
        "tables": tables.annotate(type_count=Count("types")).order_by("-filled_on", "-pk"),
        "can_acknowledge": task.status == TaskNotice.Status.ISSUED,
        "can_configure": task.status == TaskNotice.Status.ACKNOWLEDGED,
    })


@require_POST
@kind_required(*task_selectors.RECEIVERS)
def received_acknowledge(request, pk: int):
    task = _received(request, pk)
    run_step(
        request,
        lambda: task_services.task_notice_acknowledge(task=task, actor=request.user),
        done="任务通知单已签收。请据此编制产品配置表。",
    )
    return redirect("batch:received-detail", pk=task.pk)


@kind_required(*task_selectors.RECEIVERS)
def received_pdf(request, pk: int):
    return _pdf_response(_received(request, pk))


# --- center: configuration tables ----------------------------------------------------------------

@kind_required(*configuration_services.COMPILERS)
def configuration_list(request):
    tables = (configuration_services.configuration_tables_of_centers(request.user)
              .annotate(type_count=Count("types"), category_count=Count("types__category", distinct=True))
              .order_by("-filled_on", "-pk"))
    return render(request, "batch/tasks/configuration_list.html", {
        "page": paginate(request, tables),
        "import_form": ConfigurationImportNewForm(user=request.user),
    })


@kind_required(*configuration_services.COMPILERS)
def configuration_create(request):
    user = request.user
    if request.method == "POST":
        form = ConfigurationTableForm(request.POST, user=user)
        if form.is_valid():
            table = run_form_step(
                request, form,
                lambda: configuration_services.configuration_table_create(actor=user, **form.cleaned_data),
                done="产品配置表已创建。请逐项添加配置，或导入Excel表格。",
            )
            if table is not None:
                return redirect("batch:configuration-detail", pk=table.pk)
    else:
        task = task_selectors.task_notices_received(user, mode=BATCH).filter(
            status=TaskNotice.Status.ACKNOWLEDGED, pk=request.GET.get("task") or 0).first()
        form = ConfigurationTableForm(user=user, initial={
            "task": task,
            "center": task.center if task else None,
            "title": f"{task.category.name}批量集中采购产品配置表" if task else "",
            "filled_on": deadlines.today(),
        })
    return render(request, "batch/tasks/configuration_form.html", {"form": form, "table": None})


@kind_required(*configuration_services.COMPILERS)
def configuration_edit(request, pk: int):
    table = _own_table(request, pk)
    if request.method == "POST":
        form = ConfigurationTableForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: configuration_services.configuration_table_update(
                    table=table, actor=request.user, **form.cleaned_data,
                ),
                done="产品配置表已保存。",
            )
            if saved is not None:
                return redirect("batch:configuration-detail", pk=table.pk)
    else:
        form = ConfigurationTableForm(user=request.user, editing=True,
                                      initial={"title": table.title, "filled_on": table.filled_on})
    return render(request, "batch/tasks/configuration_form.html", {"form": form, "table": table})


def _configuration_detail(request, table: ConfigurationTable, *, import_form=None, status=200):
    rows, highest = configuration_services.configuration_table_rows(table)
    numbers = list(range(1, highest + 1))
    return render(request, "batch/tasks/configuration_detail.html", {
        "table": table,
        "numbers": numbers,
        "grid": [(row, [row.types.get(number) for number in numbers]) for row in rows],
        "type_count": sum(len(row.types) for row in rows),
        "import_form": import_form or ConfigurationImportForm(),
        "locked": table.projects.exists(),
    }, status=status)


@kind_required(*configuration_services.COMPILERS)
def configuration_detail(request, pk: int):
    return _configuration_detail(request, _own_table(request, pk))


@require_POST
@kind_required(*configuration_services.COMPILERS)
def configuration_import(request, pk: int):
    table = _own_table(request, pk)
    form = ConfigurationImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _configuration_detail(request, table, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        job = configuration_import_queue(table=table, file=upload, file_name=upload.name, actor=request.user)
    except REFUSALS as error:
        add_refusal(form, error)
        return _configuration_detail(request, table, import_form=form, status=400)
    return redirect("import-job-detail", pk=job.pk)


@require_POST
@kind_required(*configuration_services.COMPILERS)
def configuration_import_new(request):
    user = request.user
    form = ConfigurationImportNewForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = configuration_import_queue(center=form.cleaned_data["center"], task=form.cleaned_data["task"],
                                             file=upload, file_name=upload.name, actor=user)
        except REFUSALS as error:
            add_refusal(form, error)
        else:
            return redirect("import-job-detail", pk=job.pk)
    tables = (configuration_services.configuration_tables_of_centers(user)
              .annotate(type_count=Count("types"), category_count=Count("types__category", distinct=True))
              .order_by("-filled_on", "-pk"))
    return render(request, "batch/tasks/configuration_list.html", {
        "page": paginate(request, tables), "import_form": form,
    }, status=400)


@kind_required(*configuration_services.COMPILERS)
def configuration_export(request, pk: int):
    table = _own_table(request, pk)
    response = HttpResponse(configuration_services.configuration_table_export(table=table),
                            content_type=configuration_services.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, configuration_services.configuration_table_filename(table))
    return response


@kind_required(*configuration_services.COMPILERS)
def configuration_type_create(request, pk: int):
    table = _own_table(request, pk)
    if request.method == "POST":
        form = ConfigurationTypeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)

            def save_type():
                category = configuration_services.category_resolve(data.pop("category"))
                return configuration_services.configuration_type_set(table=table, category=category,
                                                                      actor=request.user, **data)

            saved = run_form_step(request, form, save_type, done="配置已保存。")
            if saved is not None:
                return redirect("batch:configuration-detail", pk=table.pk)
    else:
        initial = {"unit_of_measure": "台"}
        if table.task_id and not table.types.exists():
            initial["category"] = f"{table.task.category.code} {table.task.category.name}"
        form = ConfigurationTypeForm(initial=initial)
    return render(request, "batch/tasks/configuration_type_form.html", {"form": form, "table": table, "config": None})


@kind_required(*configuration_services.COMPILERS)
def configuration_type_edit(request, pk: int, type_pk: int):
    table = _own_table(request, pk)
    config = _own_type(table, type_pk)
    if request.method == "POST":
        form = ConfigurationTypeForm(request.POST, editing=True)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: configuration_services.configuration_type_update(
                    configuration_type=config, actor=request.user, **form.cleaned_data,
                ),
                done="配置已保存。",
            )
            if saved is not None:
                return redirect("batch:configuration-detail", pk=table.pk)
    else:
        form = ConfigurationTypeForm(editing=True, initial={
            "name": config.name, "parameters": config.parameters, "unit_of_measure": config.unit_of_measure,
            "reference_price_yuan": config.reference_price_yuan,
        })
    return render(request, "batch/tasks/configuration_type_form.html",
                  {"form": form, "table": table, "config": config})


@require_POST
@kind_required(*configuration_services.COMPILERS)
def configuration_type_delete(request, pk: int, type_pk: int):
    table = _own_table(request, pk)
    config = _own_type(table, type_pk)
    run_step(
        request,
        lambda: configuration_services.configuration_type_delete(configuration_type=config, actor=request.user),
        done=f"已删除「{config}」。",
    )
    return redirect("batch:configuration-detail", pk=table.pk)


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
    path("center/configurations/", configuration_list, name="configuration-list"),
    path("center/configurations/new/", configuration_create, name="configuration-create"),
    path("center/configurations/import/", configuration_import_new, name="configuration-import-new"),
    path("center/configurations/<int:pk>/", configuration_detail, name="configuration-detail"),
    path("center/configurations/<int:pk>/edit/", configuration_edit, name="configuration-edit"),
    path("center/configurations/<int:pk>/import/", configuration_import, name="configuration-import"),
    path("center/configurations/<int:pk>/export/", configuration_export, name="configuration-export"),
    path("center/configurations/<int:pk>/types/new/", configuration_type_create, name="configuration-type-create"),
    path("center/configurations/<int:pk>/types/<int:type_pk>/edit/", configuration_type_edit,
         name="configuration-type-edit"),
    path("center/configurations/<int:pk>/types/<int:type_pk>/delete/", configuration_type_delete,
         name="configuration-type-delete"),
]

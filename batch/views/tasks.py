"""Pages of the task notice (annex 5) and the product configuration table (annex 6).

The task notice pages are the core's (``procurement.views.task_pages``, every mode's), routed here with the batch
mode; ``BatchTaskPages`` says what is batch's own (采购周期, the catalog's categories, the configuration tables on
the center's page, annex 5's PDF). The center keeps its configuration tables here (with Excel import and export).
Every lookup goes through a queryset narrowed to the user's own organizations, so another center's table answers
404; every write calls a service (``batch.configuration``).
An Excel upload is imported by a Celery worker (``batch.imports.configuration_import_queue``): the page
sends the user to the import job's page, which shows its progress and result.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Count, QuerySet
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
from procurement.models import Category, Cycle, Mode, Organization, TaskNotice
from procurement.selectors import tasks as task_selectors
from procurement.views import task_pages
from procurement.views.common import REFUSALS, add_refusal, kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
STATUS_LABELS = dict(TaskNotice.Status.choices)
BATCH = Mode.BATCH


# --- the task notice pages: the core's (procurement.views.task_pages), with batch's part (annex 5) ------------

class BatchTaskPages(task_pages.TaskNoticePages):
    """Annex 5: 采购周期, a category of the centralized catalog; the center designs configuration tables from it."""

    mode = namespace = BATCH
    acknowledged_next = "请据此编制产品配置表。"
    category_help = "仅列出纳入政府集中采购目录的品目（品目名称+编码）"
    limit_help = "如：集中采购目录内单项或批量金额在50万元以下的小额零星项目"
    basis_help = "从采购品目、预算金额和采购单位三个维度分析的结论"
    facts_template = "batch/tasks/_task_facts.html"
    column = "采购周期"
    column_template = "batch/tasks/_task_column.html"
    templates = {name: f"batch/tasks/{name}"
                 for name in ("task_list.html", "task_form.html", "received_list.html", "received_detail.html")}

    def form_fields(self) -> dict[str, forms.Field]:
        return {"cycle": forms.ChoiceField(label="采购周期", choices=Cycle.choices, help_text="一般为每季度开展一次")}

    def initial(self) -> dict:
        return {"cycle": Cycle.QUARTERLY}

    def categories(self) -> QuerySet:
        return Category.objects.filter(in_centralized_catalog=True).order_by("code")

    def received_extras(self, request, task: TaskNotice) -> dict:
        tables = configuration_services.configuration_tables_of_centers(request.user).filter(task=task)
        return {
            "tables": tables.annotate(type_count=Count("types")).order_by("-filled_on", "-pk"),
            "can_configure": task.status == TaskNotice.Status.ACKNOWLEDGED,
        }

    def pdf(self, task: TaskNotice) -> bytes:
        return task_notice_pdf(task=task)

    def pdf_disposition(self, task: TaskNotice) -> str:
        return pdf_disposition(task)


PAGES = BatchTaskPages()


# --- forms ---------------------------------------------------------------------------------------

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


def _own_table(request, pk: int) -> ConfigurationTable:
    return get_object_or_404(configuration_services.configuration_tables_of_centers(request.user), pk=pk)


def _own_type(table: ConfigurationTable, type_pk: int) -> ConfigurationType:
    return get_object_or_404(table.types.select_related("category"), pk=type_pk)


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
    *task_pages.urlpatterns_for(BATCH),
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

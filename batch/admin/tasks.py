"""Admin: task notices (annex 5) and product configuration tables (annex 6).

The task notice is the core's (``procurement.models.TaskNotice``); its admin stays batch's, on batch's proxy
(``batch.models.TaskNotice``: batch notices only), because it is annex 5's (its cycle, its PDF). A framework
notice (annex 7) gets its own admin in its own app.

A non-superuser reaches only the notices of the bureaus and centers it acts for and the tables of
its centers. ``status`` is read-only: 下达/签收/撤回 are admin actions calling the services, and every
write (drafts, tables, configuration types) goes through the core's ``procurement.services.tasks`` or
``batch.configuration``; forms check the same rules first so that a refusal shows as a form error.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header

from batch import configuration as configuration_services
from batch.models import ConfigurationTable, ConfigurationType, TaskNotice
from batch.pdf import pdf_disposition, task_notice_pdf
from procurement import access
from procurement.admin.reference import ScopedAdminMixin, ScopedChoicesMixin
from procurement.models import Mode, Organization
from procurement.selectors import tasks as task_selectors
from procurement.services import tasks as task_services
from procurement.services.errors import REFUSALS, ServiceError
from procurement.views.common import refusal_message

TASK_FIELDS = ("center", "category", "year", "purchase_limit", "purchase_limit_yuan", "scope", "scope_regions",
               "cycle", "basis", "document_number")


def _report(modeladmin: admin.ModelAdmin, request, *, done: list[str], refused: list[str], verb: str) -> None:
    if done:
        modeladmin.message_user(request, f"已{verb}{len(done)}份：{'、'.join(done)}。", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)
    if not done and not refused:
        modeladmin.message_user(request, "没有选择任何对象。", messages.WARNING)


# --- task notices --------------------------------------------------------------------------------

class TaskNoticeAdminForm(forms.ModelForm):
    class Meta:
        model = TaskNotice
        fields = ("finance_bureau", *TASK_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "cycle" in self.fields:
            self.fields["cycle"].required = True  # annex 5 names the cycle (the core's field may be empty)

    def clean(self):
        data = super().clean()
        bureau = data.get("finance_bureau") or getattr(self.instance, "finance_bureau", None)
        needed = ("center", "category", "year", "purchase_limit", "scope", "cycle")
        if bureau is None or any(data.get(name) in (None, "") for name in needed):
            return data  # the missing fields already carry their own errors
        try:
            task_services.task_notice_check(
                mode=Mode.BATCH, finance_bureau=bureau, center=data["center"], category=data["category"],
                year=data["year"], purchase_limit=data["purchase_limit"],
                purchase_limit_yuan=data.get("purchase_limit_yuan"),
                scope=data["scope"], scope_regions=data.get("scope_regions") or [], cycle=data["cycle"],
                basis=data.get("basis", ""), document_number=data.get("document_number", ""),
            )
        except ServiceError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(TaskNotice)
class TaskNoticeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = TaskNoticeAdminForm
    list_display = ("__str__", "year", "finance_bureau", "center", "scope", "cycle", "status", "issued_on",
                    "pdf_link")
    list_filter = ("status", "year", "scope", "cycle")
    search_fields = ("category__code", "category__name", "document_number", "finance_bureau__name", "center__name")
    list_select_related = ("category", "finance_bureau", "center")
    autocomplete_fields = ("category",)
    filter_horizontal = ("scope_regions",)
    own_organization_fields = ("finance_bureau",)
    organization_kinds = {"finance_bureau": (Organization.Kind.FINANCE,), "center": (Organization.Kind.CENTER,)}
    readonly_fields = ("status", "issued_on", "acknowledged_at", "created_by", "created_at", "pdf_link", "history")
    actions = ("issue_selected", "acknowledge_selected", "withdraw_selected")
    fieldsets = (
        ("任务内容（附件5）", {"fields": ("finance_bureau", "center", "category", "year", "purchase_limit",
                                       "purchase_limit_yuan", "scope", "scope_regions", "cycle", "document_number",
                                       "basis")}),
        ("状态（只能通过“下达/签收/撤回”操作变更）",
         {"fields": ("status", "issued_on", "acknowledged_at", "pdf_link")}),
        ("记录", {"fields": ("created_by", "created_at", "history")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return task_selectors.task_notices_visible(user, mode=Mode.BATCH)

    def can_change_object(self, user, obj) -> bool:
        return obj.status == TaskNotice.Status.DRAFT and access.acts_for(user, obj.finance_bureau_id)

    def has_add_permission(self, request):
        allowed = super().has_add_permission(request)
        return allowed and (access.is_superuser(request.user)
                            or bool(access.org_ids(request.user, kind=Organization.Kind.FINANCE, write=True)))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and obj.status != TaskNotice.Status.DRAFT:
            return False  # an issued notice is fixed, for everyone
        return allowed

    def has_delete_permission(self, request, obj=None):
        return False  # a notice is withdrawn, never deleted: its history stays

    def has_transition_permission(self, request) -> bool:
        # The services check each notice's own rule (the bureau issues, the center acknowledges).
        return self.has_view_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("finance_bureau")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "center" and formfield is not None:
            formfield.queryset = formfield.queryset.filter(kind=Organization.Kind.CENTER, is_active=True)
        if db_field.name == "category" and formfield is not None:
            formfield.help_text = "须为纳入政府集中采购目录的品目"
        return formfield

    # Every write goes through the services (the form has already checked the same rules).
    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in TASK_FIELDS}
        values["scope_regions"] = list(values["scope_regions"] or [])
        values["basis"] = values["basis"] or ""
        values["document_number"] = values["document_number"] or ""
        if change:
            saved = task_services.task_notice_update(task=obj, actor=request.user, **values)
        else:
            saved = task_services.task_notice_create(mode=Mode.BATCH,
                                                     finance_bureau=form.cleaned_data["finance_bureau"],
                                                     actor=request.user, **values)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The service has set the regions; a TaskNotice has no inlines."""

    @admin.display(description="通知书PDF")
    def pdf_link(self, obj: TaskNotice) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">下载PDF</a>', reverse("admin:batch_tasknotice_pdf", args=[obj.pk]))

    @admin.display(description="办理记录")
    def history(self, obj: TaskNotice) -> str:
        if obj.pk is None:
            return "—"
        events = task_selectors.task_notice_history(obj)[:30]
        if not events:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} {}（{}）</li>",
            ((f"{event.created_at:%Y-%m-%d %H:%M}", event.action_label or event.action,
              event.actor.get_username() if event.actor else "系统") for event in events)))

    def get_urls(self):
        return [
            path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="batch_tasknotice_pdf"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        task = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if task is None:
            raise Http404("未找到该任务通知单")
        response = HttpResponse(task_notice_pdf(task=task), content_type="application/pdf")
        response["Content-Disposition"] = pdf_disposition(task)
        return response

    def _run(self, request, queryset, *, service, verb: str) -> None:
        done, refused = [], []
        for task in queryset:
            try:
                service(task=task, actor=request.user)
            except REFUSALS as error:
                refused.append(f"{task.year}年 {task}：{refusal_message(error)}")
            else:
                done.append(f"{task.year}年 {task}")
        _report(self, request, done=done, refused=refused, verb=verb)

    @admin.action(description="下达所选任务通知单", permissions=["transition"])
    def issue_selected(self, request, queryset):
        self._run(request, queryset, service=task_services.task_notice_issue, verb="下达")

    @admin.action(description="签收所选任务通知单", permissions=["transition"])
    def acknowledge_selected(self, request, queryset):
        self._run(request, queryset, service=task_services.task_notice_acknowledge, verb="签收")

    @admin.action(description="撤回所选任务通知单", permissions=["transition"])
    def withdraw_selected(self, request, queryset):
        self._run(request, queryset, service=task_services.task_notice_withdraw, verb="撤回")


# --- product configuration tables ----------------------------------------------------------------

class ConfigurationTypeInlineForm(forms.ModelForm):
    class Meta:
        model = ConfigurationType
        fields = ("category", "number", "name", "parameters", "unit_of_measure", "reference_price_yuan")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "不填则为“配置N”"

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE") or not self.has_changed():
            return data
        try:
            configuration_services.configuration_type_values_check(
                number=data.get("number"), name=data.get("name", ""), parameters=data.get("parameters", ""),
                unit_of_measure=data.get("unit_of_measure", ""),
                reference_price_yuan=data.get("reference_price_yuan"))
            table = self.instance.table if self.instance.table_id else None
            if data.get("category") is not None and table is not None:
                configuration_services.category_check_for_table(category=data["category"], task=table.task)
        except ServiceError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


class ConfigurationTypeInline(ScopedChoicesMixin, admin.StackedInline):
    model = ConfigurationType
    form = ConfigurationTypeInlineForm
    extra = 0
    fields = ("category", "number", "name", "parameters", "unit_of_measure", "reference_price_yuan", "row_number")
    readonly_fields = ("row_number",)
    autocomplete_fields = ("category",)
    ordering = ("row_number", "number")

    def _editable(self, request, obj) -> bool:
        if obj is None:
            return True
        acts = access.is_superuser(request.user) or access.acts_for(request.user, obj.center_id)
        return acts and not obj.projects.exists()

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


class ConfigurationTableAdminForm(forms.ModelForm):
    class Meta:
        model = ConfigurationTable
        fields = ("center", "task", "title", "filled_on")

    def clean(self):
        data = super().clean()
        center = data.get("center") or getattr(self.instance, "center", None)
        if center is not None and "task" in self.fields:
            try:
                configuration_services.configuration_table_task_check(task=data.get("task"), center=center)
            except ServiceError as error:
                self.add_error("task", error.message)
        return data


@admin.register(ConfigurationTable)
class ConfigurationTableAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = ConfigurationTableAdminForm
    list_display = ("title", "center", "task", "filled_on", "type_count", "created_at")
    list_filter = ("filled_on",)
    search_fields = ("title", "center__name", "task__category__name", "task__category__code")
    list_select_related = ("center", "task__category")
    own_organization_fields = ("center",)
    organization_kinds = {"center": (Organization.Kind.CENTER,)}
    readonly_fields = ("created_at",)
    inlines = (ConfigurationTypeInline,)
    actions = ("export_selected",)

    def scoped_queryset(self, user) -> QuerySet:
        return configuration_services.configuration_tables_visible(user)

    def can_change_object(self, user, obj) -> bool:
        return access.acts_for(user, obj.center_id) and not obj.projects.exists()

    def has_delete_permission(self, request, obj=None):
        return False  # types are removed one by one (a type a lot was made from stays)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["center", "task"]
        return fields

    def get_inlines(self, request, obj):
        # Types are checked against the table's task, so they are added once the table exists.
        return self.inlines if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "task" and formfield is not None:
            formfield.queryset = task_selectors.task_notices_received(request.user, mode=Mode.BATCH).filter(
                status=TaskNotice.Status.ACKNOWLEDGED)
            formfield.help_text = "只能选择已签收的任务通知单；表中品目须为其品目或下级品目"
        return formfield

    @admin.display(description="配置数")
    def type_count(self, obj: ConfigurationTable) -> int:
        return obj.types.count()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = configuration_services.configuration_table_update(
                table=obj, title=data["title"], filled_on=data["filled_on"], actor=request.user)
        else:
            saved = configuration_services.configuration_table_create(
                center=data["center"], task=data.get("task"), title=data["title"], filled_on=data["filled_on"],
                actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads these three lists, as a formset's own save() would fill them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        table = formset.instance
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                configuration_services.configuration_type_delete(configuration_type=inline_form.instance,
                                                                 actor=request.user)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            previous = inline_form.instance if inline_form.instance.pk else None
            moved = previous is not None and (previous.category_id, previous.number) != (
                data["category"].pk, data["number"])
            if moved:
                original = ConfigurationType.objects.get(pk=previous.pk)
                configuration_services.configuration_type_delete(configuration_type=original, actor=request.user)
                formset.deleted_objects.append(original)
            saved = configuration_services.configuration_type_set(
                table=table, category=data["category"], number=data["number"], name=data.get("name", ""),
                parameters=data["parameters"], unit_of_measure=data["unit_of_measure"],
                reference_price_yuan=data.get("reference_price_yuan"), actor=request.user)
            if previous is None or moved:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, inline_form.changed_data))

    @admin.action(description="导出所选产品配置表（Excel，附件6格式）", permissions=["view"])
    def export_selected(self, request, queryset):
        tables = list(queryset)
        if len(tables) == 1:
            table = tables[0]
            response = HttpResponse(configuration_services.configuration_table_export(table=table),
                                    content_type=configuration_services.XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = content_disposition_header(
                True, configuration_services.configuration_table_filename(table))
            return response
        buffer = BytesIO()
        used: set[str] = set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in tables:
                name = configuration_services.configuration_table_filename(table)
                if name in used:
                    name = f"{name.removesuffix('.xlsx')}（{table.pk}）.xlsx"
                used.add(name)
                archive.writestr(name, configuration_services.configuration_table_export(table=table))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, "产品配置表.zip")
        return response

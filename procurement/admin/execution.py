"""Admin: procurement documents, and the workflow actions of 实施采购 → 定标 → 统采分签 and 终止, for every mode.

The actions are standalone functions (``execution_actions``), attached to a mode's project admin with
``actions = [...]``. Each calls the same service as the portal pages and the API; a refusal becomes a
Chinese message per project and changes nothing. The actions that need input (the procurement method and
dates, the termination reason) first show a small form. Who may run them is the pages' declaration
(``procurement.selectors.execution.MANAGERS``), checked again by every service.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from procurement import access
from procurement.admin.reference import ScopedAdminMixin
from procurement.models import ProcurementMethod, Project, ProjectDocument
from procurement.services import execution as services
from procurement.services.errors import REFUSALS
from procurement.views.common import refusal_message

# --- procurement documents ----------------------------------------------------------------------

class ProjectDocumentForm(forms.ModelForm):
    class Meta:
        model = ProjectDocument
        fields = ("project", "kind", "title", "file")

    def clean(self):
        data = super().clean()
        project = data.get("project")
        if self.instance.pk is None and project is not None:
            refusal = services.document_refusal(project=project, title=data.get("title", ""),
                                                      file=data.get("file"),
                                                      kind=data.get("kind") or ProjectDocument.Kind.OTHER)
            if refusal is not None:
                field = refusal.field if refusal.field in self.fields else None
                self.add_error(field, refusal.message)
        return data


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """采购文件: uploaded through ``document_add``; kept for the record (never deleted here)."""

    form = ProjectDocumentForm
    list_display = ("title", "kind", "project", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "project__status")
    search_fields = ("title", "project__code", "project__title")
    date_hierarchy = "uploaded_at"
    list_select_related = ("project", "uploaded_by")
    autocomplete_fields = ("project",)

    def scoped_queryset(self, user) -> QuerySet:
        return ProjectDocument.objects.filter(project__in=access.projects_readable(user).values("pk"))

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj.project, step=access.Step.DOCUMENTS)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["uploaded_by", "uploaded_at"]
        return [*readonly, "project", "kind", "file"] if obj is not None else readonly

    def get_fields(self, request, obj=None):
        return ["project", "kind", "title", "file", "uploaded_by", "uploaded_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "project" and formfield is not None:
            # Only projects whose documents may still be kept.
            formfield.queryset = formfield.queryset.filter(status__in=services.DOCUMENT_STATES)
        return formfield

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = services.document_add(project=obj.project, kind=obj.kind, title=obj.title, file=obj.file,
                                      actor=request.user)
        obj.pk, obj.file, obj.uploaded_by, obj.uploaded_at = saved.pk, saved.file, saved.uploaded_by, saved.uploaded_at

    def has_delete_permission(self, request, obj=None):
        return False


# --- workflow actions (attach to a mode's project admin) ---------------------------------------

def projects_run_each(modeladmin, request, queryset: QuerySet, run: Callable, done: str) -> None:
    """Run ``run(project)`` for every selected project; one message per refusal, one for the successes."""
    succeeded = 0
    for project in queryset.order_by("pk"):
        try:
            run(project)
        except REFUSALS as error:
            modeladmin.message_user(request, f"{project.code}：{refusal_message(error)}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done.format(count=succeeded), messages.SUCCESS)


def _intermediate(modeladmin, request, queryset: QuerySet, *, action: str, title: str, intro: str,
                  form: forms.Form, submit_label: str) -> TemplateResponse:
    """The small form an action needs before it runs, carrying the selection through."""
    return TemplateResponse(request, "execution/admin_action_form.html", {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "projects": list(queryset.select_related("organizer").order_by("pk")),
        "form": form,
        "action": action,
        "submit_label": submit_label,
        "selected_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "changelist_url": request.get_full_path(),
    })


class ProcurementStartActionForm(forms.Form):
    method = forms.ChoiceField(label="采购方式", choices=(),
                               help_text="根据当次采购各品目的采购计划数量和项目特点选择适当的采购方式。")
    documents_issued_on = forms.DateField(label="采购文件发布日期（选填）", required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    bid_opening_at = forms.DateTimeField(label="开标（响应截止）时间（选填）", required=False,
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                         input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])

    def __init__(self, *args, projects: list[Project], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The methods every selected project's mode allows (the service checks each project again).
        allowed = set(ProcurementMethod.values)
        for project in projects:
            allowed &= set(services.procurement_methods(project))
        self.fields["method"].choices = [(m.value, m.label) for m in ProcurementMethod if m.value in allowed]


class TerminateActionForm(forms.Form):
    reason = forms.CharField(label="终止原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
                             help_text="将在终止公告中公开。项目只能在定标前终止。")


@admin.action(description="开始采购（实施采购）")
def start_procurement(modeladmin, request, queryset):
    form = ProcurementStartActionForm(request.POST if "apply" in request.POST else None, projects=list(queryset))
    if not form.is_valid():
        return _intermediate(modeladmin, request, queryset, action="start_procurement", title="开始采购（实施采购）",
                             intro="为所选项目确定采购方式并记录采购日期；项目须已确认总计划。", form=form,
                             submit_label="确认开始采购")
    projects_run_each(modeladmin, request, queryset, lambda project: services.procurement_start(
        project=project, actor=request.user, **form.cleaned_data), "已有 {count} 个项目开始实施采购。")
    return None


@admin.action(description="确认定标并发布结果公告")
def finalize_award(modeladmin, request, queryset):
    projects_run_each(modeladmin, request, queryset,
              lambda project: services.award_finalize(project=project, actor=request.user),
              "已有 {count} 个项目定标：中标（成交）结果公告已发布，采购结果已报财政部门备案。")


@admin.action(description="生成分签合同")
def generate_contracts(modeladmin, request, queryset):
    created = []

    def run(project):
        created.extend(services.contracts_generate(project=project, actor=request.user))

    projects_run_each(modeladmin, request, queryset, run, "已处理 {count} 个项目。")
    modeladmin.message_user(request, f"本次共生成 {len(created)} 份分签合同（已生成的不会重复生成）。",
                            messages.INFO)


@admin.action(description="终止项目（发布终止公告）")
def terminate_project(modeladmin, request, queryset):
    form = TerminateActionForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _intermediate(modeladmin, request, queryset, action="terminate_project", title="终止项目",
                             intro="终止后将发布终止公告，已填报的分计划保持原状；此操作不可撤销。", form=form,
                             submit_label="确认终止")
    projects_run_each(modeladmin, request, queryset, lambda project: services.project_terminate(
        project=project, actor=request.user, reason=form.cleaned_data["reason"]),
        "已终止 {count} 个项目并发布终止公告。")
    return None


@admin.action(description="录入中标（成交）结果（转到定标页面）")
def open_award_page(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "请只选择一个项目。", messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("award-project", args=[queryset.get().pk]))


# Attach to a mode's project admin: ``actions = [*execution_actions, ...]``.
execution_actions = [start_procurement, open_award_page, finalize_award, generate_contracts, terminate_project]

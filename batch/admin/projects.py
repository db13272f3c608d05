"""Admin: batch projects (the core Project through the BatchProject proxy), their details and lot links.

Operators of the center run the workflow from here as admin actions calling the same services as the
pages and the API (发布征集公告, 确认总计划, and the execution steps of ``procurement.admin.execution``), and extend a
collecting project's response deadline from its page (延长需求响应截止时间: the service writes the event,
publishes the 更正公告, tells the units and moves ``next_check``). A project is opened from a task on the
center's pages or over the API (it needs the task, the table and the scope), never added here; its page
only shows it (a batch project is never a draft: it collects from its opening), states are never edited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from batch.models import BatchDetails, BatchLot, BatchProject
from batch.projects import batch_solicitation_publish, solicitation_notice
from batch.views.projects import DeadlineExtendForm, extension_refusal
from procurement import access
from procurement.admin.execution import execution_actions, projects_run_each
from procurement.admin.reference import ReadOnlyAdminMixin, ScopedAdminMixin
from procurement.admin.workflow import settled
from procurement.services.collection import master_plan_confirm, response_deadline_extend
from procurement.services.errors import REFUSALS
from procurement.services.events import event_record
from procurement.views.common import add_refusal


@admin.action(description="发布征集公告")
def publish_solicitation(modeladmin, request, queryset):
    projects_run_each(modeladmin, request, queryset,
                      lambda project: batch_solicitation_publish(project=project, actor=request.user),
                      "已为 {count} 个项目发布征集公告。")


@admin.action(description="确认总计划（锁定分计划）")
def confirm_master_plan(modeladmin, request, queryset):
    projects_run_each(modeladmin, request, queryset,
                      lambda project: master_plan_confirm(project=project, actor=request.user),
                      "已确认 {count} 个项目的总计划，已提交的分计划已锁定。")


class BatchDetailsInline(admin.StackedInline):
    model = BatchDetails
    fk_name = "project"
    extra = 0
    max_num = 1
    can_delete = False
    fields = ("task", "configuration_table", "eligibility", "procedure")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("task__category", "configuration_table")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BatchProject)
class BatchProjectAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """批量集中采购项目: read here, acted on through the actions."""

    list_display = ("code", "title", "status", "organizer", "response_deadline", "master_plan_link")
    list_filter = ("status", "year")
    search_fields = ("code", "title", "organizer__name")
    date_hierarchy = "created_at"
    list_select_related = ("organizer",)
    actions = [publish_solicitation, confirm_master_plan, *execution_actions]
    inlines = (BatchDetailsInline,)
    fields = ("code", "title", "year", "organizer", "category", "scope_region", "scope_note", "description",
              "response_opens_at", "response_deadline", "status", "procurement_method", "next_check", "created_by",
              "created_at")
    readonly_fields = fields

    change_form_template = "admin/batch/batchproject/change_form.html"

    def scoped_queryset(self, user) -> QuerySet:
        return access.projects_readable(user)

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj)

    def has_add_permission(self, request):
        return False

    # Past the draft stage the page only shows the project, to every operator: saving the form would write the
    # row back over what a service changed meanwhile (a deadline extended), and nothing on it is editable.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not settled(obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="总计划")
    def master_plan_link(self, obj: BatchProject) -> str:
        return format_html('<a href="{}">查看总计划</a>', reverse("batch:project-detail", args=[obj.pk]))

    # --- 延长需求响应截止时间 ----------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}),
                         "can_extend_deadline": obj is not None and extension_refusal(obj, request.user) is None,
                         "portal_url": reverse("batch:project-detail", args=[obj.pk]) if obj else ""}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("<path:object_id>/extend-deadline/", self.admin_site.admin_view(self.extend_deadline_view),
                 name="batch_batchproject_extend_deadline"),
            *super().get_urls(),
        ]

    def extend_deadline_view(self, request, object_id):
        """The same form and service as the center's project page; a refusal lands on the form's fields."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:batch_batchproject_change", args=[obj.pk])
        form = DeadlineExtendForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                extended = response_deadline_extend(
                    project=obj, new_deadline=form.cleaned_data["new_deadline"], reason=form.cleaned_data["reason"],
                    actor=request.user)
            except REFUSALS as error:
                add_refusal(form, error)
            else:
                corrected = "，更正公告已发布" if solicitation_notice(extended) else ""
                deadline = timezone.localtime(extended.response_deadline)
                self.message_user(request, f"{extended.code}：需求响应截止时间已延长至{deadline:%Y-%m-%d %H:%M}"
                                           f"{corrected}，各可响应单位将收到通知。", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return TemplateResponse(request, "admin/batch/batchproject/extend_deadline.html", {
            **self.admin_site.each_context(request),
            "title": "延长需求响应截止时间",
            "subtitle": str(obj),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "change_url": change_url,
            "notice": solicitation_notice(obj),
            "refusal": extension_refusal(obj, request.user),
        })


@admin.register(BatchDetails)
class BatchDetailsAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("project", "task", "configuration_table", "eligibility")
    list_filter = ("eligibility",)
    search_fields = ("project__code", "project__title")
    list_select_related = ("project", "task__category", "configuration_table")
    fields = ("project", "task", "configuration_table", "eligibility", "procedure")
    # Only the procedure text is the center's to edit here; the rest is set by the services.
    readonly_fields = ("project", "task", "configuration_table", "eligibility")

    def scoped_queryset(self, user) -> QuerySet:
        return BatchDetails.objects.filter(project__in=access.projects_readable(user).values("pk"))

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj.project)

    def save_model(self, request, obj, form, change):
        # Only the procedure: the dates beside it are the services' (written with updates meanwhile).
        obj.save(update_fields=["procedure"])
        if form.changed_data:
            event_record(subject=obj.project, action="update", action_label="后台修改需求征集和采购执行程序",
                         actor=request.user, changes={"procedure": obj.procedure})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BatchLot)
class BatchLotAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("lot", "project_code", "configuration_type")
    search_fields = ("lot__name", "lot__project__code", "configuration_type__name")
    list_select_related = ("lot__project", "configuration_type__category")
    fields = ("lot", "configuration_type")
    readonly_fields = fields

    def scoped_queryset(self, user) -> QuerySet:
        return BatchLot.objects.filter(lot__project__in=access.projects_readable(user).values("pk"))

    @admin.display(description="项目编号", ordering="lot__project__code")
    def project_code(self, obj: BatchLot) -> str:
        return obj.lot.project.code

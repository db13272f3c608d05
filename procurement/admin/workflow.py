"""Admin: projects, lots, sub-plans, awards, contracts, filings and the audit log.

Every changelist starts from the access policy (``procurement.access.visible_*``) for anyone but a
superuser. ``status`` fields are read-only here: states change only through the transition service
(``procurement.services.transitions.transition_run``); admin actions calling it can be added per mode.

A project is edited here only while it is a draft. Once it collects (or later), its code, mode, category,
window, lots and eligible units are what the solicitation notice published and what the units, the
deadline sweep and the services work from: the admin shows them read-only to everyone, superusers
included, and a change goes through the mode's service, which writes the event, publishes the 更正公告,
tells the units and moves ``next_check`` (``procurement.services.collection.response_deadline_extend``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet

from procurement import access
from procurement.models import (
    Award,
    Contract,
    ContractLine,
    EligibleUnit,
    Filing,
    FundingLine,
    Lot,
    Organization,
    Project,
    ProjectEvent,
    SubPlan,
)
from procurement.numbering import project_save_numbered
from procurement.services.events import event_record

from .reference import ProjectInlineMixin, ReadOnlyAdminMixin, ScopedAdminMixin, ScopedChoicesMixin

RelatedOnly = admin.RelatedOnlyFieldListFilter


def _projects_of(user) -> QuerySet:
    return access.projects_readable(user).values("pk")


def settled(project: Project | None) -> bool:
    """Past the draft stage: the project's own data belong to the services (see the module's docstring)."""
    return project is not None and project.status != Project.Status.DRAFT


SETTLED_NOTE = ("项目处于「{status}」阶段，项目信息、采购包和可响应单位只能查看；"
                "变更须通过相应的业务操作办理（如延长需求响应截止时间），以便记录操作、发布更正公告并通知有关单位。")


def _changes(form) -> dict:
    """What an admin form changed, for the audit row: each changed field's new value as text."""
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data}


def draft_edit_record(request, *, subject, form, created: bool, label: str) -> None:
    """The audit row of a draft project's edit in the admin (新建/修改 of the project, a lot, an eligible unit)."""
    event_record(subject=subject, action="create" if created else "update", action_label=label, actor=request.user,
                 changes=_changes(form))


class DraftOnlyInlineMixin:
    """Inline rows of a project (its lots, its eligible units): added, changed or deleted only in a draft."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not settled(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not settled(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not settled(obj)


# --- projects -----------------------------------------------------------------------------------

class LotInline(DraftOnlyInlineMixin, ProjectInlineMixin, admin.TabularInline):
    model = Lot
    extra = 0
    fields = ("number", "name", "category", "unit_of_measure", "reference_price_yuan", "max_unit_price_yuan",
              "specification")
    autocomplete_fields = ("category",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


class EligibleUnitInline(DraftOnlyInlineMixin, ProjectInlineMixin, admin.TabularInline):
    model = EligibleUnit
    extra = 0
    fields = ("unit", "invited_at")
    readonly_fields = ("invited_at",)
    autocomplete_fields = ("unit",)
    organization_kinds = {"unit": (Organization.Kind.BUDGET_UNIT,)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "unit")

    def has_change_permission(self, request, obj=None):
        # A unit is added or removed (in a draft), never swapped: existing rows render read-only, which
        # also spares one widget query per row on a project with hundreds of eligible units.
        return False


# The execution record (实施采购 → 定标), written by procurement.services.execution only.
EXECUTION_FIELDS = ("master_plan_confirmed_at", "documents_issued_on", "bid_opening_at", "evaluation_on",
                    "evaluation_experts", "award_notice")


@admin.register(Project)
class ProjectAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "mode", "status", "organizer", "scope_region", "year", "response_deadline")
    list_filter = ("mode", "status", "year", ("organizer", RelatedOnly), ("scope_region", RelatedOnly))
    search_fields = ("code", "title", "organizer__name")
    date_hierarchy = "created_at"
    list_select_related = ("organizer", "scope_region")
    autocomplete_fields = ("organizer", "agency", "category", "scope_region")
    own_organization_fields = ("organizer",)
    organization_kinds = {
        "organizer": (Organization.Kind.CENTER, Organization.Kind.BUDGET_UNIT, Organization.Kind.AGENCY),
        "agency": (Organization.Kind.AGENCY,),
    }
    # The code is numbered when the project is saved (procurement.numbering), never typed in.
    readonly_fields = ("code", "status", "next_check", "termination_reason", "created_by", "created_at",
                       "updated_at", *EXECUTION_FIELDS)
    inlines = (LotInline, EligibleUnitInline)

    class Media:
        css = {"all": ("css/admin.css",)}
    fieldsets = (
        ("项目信息", {"fields": ("code", "mode", "title", "year", "category", "description"),
                      "description": "项目编号在保存时按统一规则自动生成：JL+采购方式代码-立项年度-序号"
                                     "（如 JLPL-2027-0001）。"}),
        ("组织与范围", {"fields": ("organizer", "agency", "scope_region", "scope_note", "procurement_method")}),
        ("需求响应时间", {"fields": ("response_opens_at", "response_deadline")}),
        ("状态（只能通过业务操作变更）", {"fields": ("status", "termination_reason", "next_check")}),
        ("采购实施（只能通过业务操作变更）", {"fields": EXECUTION_FIELDS}),
        ("记录", {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return access.projects_readable(user)

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj, step=access.Step.SETUP)

    # Past the draft stage the page only shows the project, to every operator (superusers too): a POST is
    # refused (403) and the inlines offer no add, change or delete.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not settled(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not settled(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if settled(obj):
                self.message_user(request, SETTLED_NOTE.format(status=obj.get_status_display()), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "lot" and request.GET.get("field_name") == "project":
            # A lot is added only to a draft project.
            queryset = queryset.filter(status=Project.Status.DRAFT)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            if obj.created_by_id is None:
                obj.created_by = request.user
            project_save_numbered(obj)
        draft_edit_record(request, subject=obj, form=form, created=not change,
                          label="后台修改项目信息" if change else "后台新建项目")

    def save_formset(self, request, form, formset, change):
        # Lots and eligible units of a draft: each added, changed or removed row is recorded on the project.
        super().save_formset(request, form, formset, change)
        name = formset.model._meta.verbose_name
        rows = {
            "added": [str(o) for o in formset.new_objects],
            "changed": [f"{o}：{'、'.join(fields)}" for o, fields in formset.changed_objects],
            "deleted": [str(o) for o in formset.deleted_objects],
        }
        if any(rows.values()):
            event_record(subject=form.instance, action="update", action_label=f"后台修改{name}", actor=request.user,
                         changes={key: value for key, value in rows.items() if value})


@admin.register(Lot)
class LotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("project", "number", "name", "category", "unit_of_measure", "reference_price_yuan",
                    "max_unit_price_yuan")
    list_filter = ("project__mode",)
    search_fields = ("name", "project__code", "project__title", "category__code", "category__name")
    list_select_related = ("project", "category")
    autocomplete_fields = ("project", "category")

    def scoped_queryset(self, user) -> QuerySet:
        return Lot.objects.filter(project__in=_projects_of(user))

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj.project, step=access.Step.SETUP)

    # A lot of a project past its draft stage is only shown, as on its project's page; a new lot goes
    # only to a draft project (the maximum price the documents set has its own service in the mode).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not settled(obj and obj.project)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not settled(obj and obj.project)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        draft_edit_record(request, subject=obj, form=form, created=not change,
                          label="后台修改采购包" if change else "后台新增采购包")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "project" and formfield is not None:
            formfield.queryset = formfield.queryset.filter(status=Project.Status.DRAFT)
            formfield.help_text = "只能为草稿状态的项目添加采购包"
        return formfield


# --- sub-plans -----------------------------------------------------------------------------------

class FundingLineInline(ScopedChoicesMixin, admin.TabularInline):
    model = FundingLine
    extra = 0
    fields = ("source", "amount_yuan", "budget_index_code")

    def _unit_edits(self, request, obj) -> bool:
        return obj is None or access.can_edit_sub_plan(obj, request.user)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._unit_edits(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._unit_edits(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._unit_edits(request, obj)


@admin.register(SubPlan)
class SubPlanAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("project", "lot", "unit", "quantity", "budget_yuan", "status", "submitted_at")
    list_filter = ("status", "project__mode", ("project", RelatedOnly))
    search_fields = ("project__code", "project__title", "unit__name", "unit__unit_code")
    date_hierarchy = "created_at"
    list_select_related = ("project", "lot", "unit")
    autocomplete_fields = ("project", "lot", "unit")
    organization_kinds = {"unit": (Organization.Kind.BUDGET_UNIT,)}
    readonly_fields = ("status", "revision", "submitted_at", "created_at", "updated_at")
    inlines = (FundingLineInline,)
    fieldsets = (
        (None, {"fields": ("project", "lot", "unit", "quantity", "budget_yuan")}),
        ("联系人", {"fields": ("contact_name", "contact_phone", "note")}),
        ("状态（只能通过业务操作变更）",
         {"fields": ("status", "revision", "submitted_at", "created_at", "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_sub_plans(user)

    def can_change_object(self, user, obj) -> bool:
        return access.can_edit_sub_plan(obj, user)


# --- awards, contracts, filings --------------------------------------------------------------------

@admin.register(Award)
class AwardAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("project", "lot", "supplier", "unit_price_yuan", "awarded_on", "notice_published_at")
    list_filter = ("project__mode",)
    search_fields = ("project__code", "project__title", "lot__name", "supplier__name", "supplier__credit_code")
    date_hierarchy = "awarded_on"
    list_select_related = ("project", "lot", "supplier")
    autocomplete_fields = ("project", "lot", "supplier")
    readonly_fields = ("created_at",)

    def scoped_queryset(self, user) -> QuerySet:
        return Award.objects.filter(project__in=_projects_of(user))

    def can_change_object(self, user, obj) -> bool:
        return access.runs_project(user, obj.project, step=access.Step.AWARD)


class ContractLineInline(admin.TabularInline):
    """A contract's lines, read-only: they and the amount they sum to come from the services that make contracts
    (``procurement.services.contracts.contract_draft_create``)."""

    model = ContractLine
    fields = ("number", "lot", "award", "sub_plan", "description", "quantity", "unit_of_measure", "unit_price_yuan",
              "amount_yuan")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "buyer", "supplier", "amount_yuan", "status", "signed_on", "publish_due",
                    "filing_due")
    list_filter = ("status", "project__mode")
    search_fields = ("code", "title", "project__code", "buyer__name", "buyer__unit_code", "supplier__name")
    date_hierarchy = "signed_on"
    list_select_related = ("buyer", "supplier")
    autocomplete_fields = ("project", "award", "supplier")
    organization_kinds = {"supplier": (Organization.Kind.SUPPLIER,)}
    # The buyer and the amount are the lines' (their buyer, their sum): the services keep them, not this form.
    readonly_fields = ("buyer", "amount_yuan", "status", "next_check", "created_at", "updated_at")
    inlines = [ContractLineInline]
    fieldsets = (
        ("合同信息", {"fields": ("code", "title", "project", "award")}),
        ("合同双方", {"fields": ("buyer", "supplier")}),
        ("金额（合同明细见下）", {"fields": ("amount_yuan",)}),
        ("履约", {"fields": ("signed_on", "publish_due", "filing_due", "published_on", "filed_on", "accepted_on",
                             "acceptance_note", "paid_on", "paid_amount_yuan")}),
        ("状态（只能通过业务操作变更）", {"fields": ("status", "termination_reason", "next_check", "created_at",
                                                    "updated_at")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_contracts(user)

    def can_change_object(self, user, obj) -> bool:
        return access.can_act_as_buyer(obj, user)

    def has_add_permission(self, request):
        # A contract is made with its lines by the services (统采分签 generation, an order), never blank here.
        return False


@admin.register(Filing)
class FilingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "project", "subject_type", "subject_id", "filed_by", "finance_bureau", "status",
                    "external_ref", "filed_at")
    list_filter = ("kind", "subject_type", "status")
    search_fields = ("project__code", "project__title", "filed_by__name", "external_ref")
    date_hierarchy = "filed_at"
    list_select_related = ("project", "filed_by", "finance_bureau")
    autocomplete_fields = ("project", "filed_by", "finance_bureau")
    readonly_fields = ("filed_at",)

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_filings(user)

    def can_change_object(self, user, obj) -> bool:
        return access.acts_for(user, obj.filed_by_id) or access.acts_for(user, obj.finance_bureau_id)


# --- the audit log -------------------------------------------------------------------------------

@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """操作日志: append-only, so the admin only reads it."""

    list_display = ("created_at", "project", "subject_type", "subject_id", "action_label", "source", "target",
                    "actor", "actor_organization")
    list_filter = ("subject_type", "action")
    search_fields = ("project__code", "action", "action_label", "note", "actor__username")
    date_hierarchy = "created_at"
    list_select_related = ("project", "actor", "actor_organization")

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_events(user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

"""Admin: reference data (regions, organizations, memberships, the category catalog), and the scoping
mixins every procurement admin uses so that a non-superuser only ever reaches what
``procurement.access`` lets them see."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet

from procurement import access
from procurement.models import (
    Award,
    Category,
    Contract,
    Lot,
    Membership,
    Organization,
    Project,
    Region,
    SubPlan,
)
from procurement.reference_data import is_internal_region_code


def related_scope(model, user) -> QuerySet | None:
    """The rows of ``model`` that ``user`` may pick in a form, or None when the model is public."""
    if model is Project:
        return access.projects_readable(user)
    if model is Organization:
        return access.visible_organizations(user)
    if model is SubPlan:
        return access.visible_sub_plans(user)
    if model is Contract:
        return access.visible_contracts(user)
    if model in (Lot, Award):
        return model.objects.filter(project__in=access.projects_readable(user).values("pk"))
    return None


class ScopedChoicesMixin:
    """Foreign-key choices limited to what the user may see, so a crafted POST cannot point elsewhere.

    ``own_organization_fields`` name the fields that must be one of the user's own organizations
    (e.g. a project's organizer); ``organization_kinds`` limits a field to some kinds of organization.
    """

    own_organization_fields: tuple[str, ...] = ()
    organization_kinds: dict[str, tuple[str, ...]] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is None or not hasattr(formfield, "queryset"):
            return formfield
        kinds = self.organization_kinds.get(db_field.name)
        if kinds:
            formfield.queryset = formfield.queryset.filter(kind__in=kinds)
        if access.is_superuser(request.user):
            return formfield
        if db_field.name in self.own_organization_fields:
            formfield.queryset = formfield.queryset.filter(pk__in=access.org_ids(request.user, write=True))
        else:
            allowed = related_scope(db_field.related_model, request.user)
            if allowed is not None:
                formfield.queryset = formfield.queryset.filter(pk__in=allowed.values("pk"))
        return formfield


class ReadOnlyAdminMixin:
    """Looked up, never written here: no add, change or delete, for superusers too (the writes go through the
    services, with their state machines, audit rows and locks). For model admins and inlines alike."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ScopedAdminMixin(ScopedChoicesMixin):
    """Changelists, change pages, history, delete and autocomplete all start from ``scoped_queryset``.

    An object outside it is simply not found: the admin redirects to its index with a
    "does not exist" message and never shows the data. ``can_change_object`` adds the object-level
    rule on top of the model permission (e.g. only the organizer changes a project).
    """

    def scoped_queryset(self, user) -> QuerySet:
        raise NotImplementedError

    def can_change_object(self, user, obj) -> bool:
        return True

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not access.is_superuser(request.user):
            qs = qs.filter(pk__in=self.scoped_queryset(request.user).values("pk"))
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and not access.is_superuser(request.user):
            return self.can_change_object(request.user, obj)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and not access.is_superuser(request.user):
            return self.can_change_object(request.user, obj)
        return allowed


class ProjectInlineMixin(ScopedChoicesMixin):
    """Inline rows of a project (its lots, its eligible units): changed only by whoever sets the project up."""

    def _manages(self, request, obj) -> bool:
        project = obj if isinstance(obj, Project) else getattr(obj, "project", None)
        return project is None or access.runs_project(request.user, project, step=access.Step.SETUP)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)


# --- regions -----------------------------------------------------------------------------------

@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "code_kind", "sort_order")
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    list_select_related = ("parent",)
    fields = ("code", "name", "level", "parent", "path", "sort_order")

    @admin.display(description="代码类型")
    def code_kind(self, obj: Region) -> str:
        return "内部编码（功能区，无国家区划代码）" if is_internal_region_code(obj.code) else "国家行政区划代码"


# --- organizations and memberships ----------------------------------------------------------------

class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    verbose_name = "任职人员"
    verbose_name_plural = "任职人员"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organization")


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "region", "unit_code", "supervising_unit", "credit_code", "sme_size", "is_active")
    list_filter = ("kind", "region__level", "sme_size", "is_active")
    search_fields = ("name", "short_name", "unit_code", "credit_code")
    list_select_related = ("region", "supervising_unit")
    autocomplete_fields = ("region", "supervising_unit")
    organization_kinds = {"supervising_unit": (Organization.Kind.BUDGET_UNIT,)}
    readonly_fields = ("created_at",)
    inlines = (MembershipInline,)
    fieldsets = (
        ("基本信息", {"fields": ("kind", "name", "short_name", "region", "is_active", "created_at")}),
        ("预算单位信息", {"fields": ("unit_code", "supervising_unit"),
                          "description": "预算单位必须填写单位代码；主管部门的主管预算单位为其本身。"}),
        ("企业信息", {"fields": ("credit_code", "sme_size"),
                      "description": "供应商必须填写统一社会信用代码和企业规模。"}),
        ("联系方式", {"fields": ("address", "contact_person", "contact_phone", "email")}),
    )

    def scoped_queryset(self, user) -> QuerySet:
        return access.visible_organizations(user)

    def can_change_object(self, user, obj) -> bool:
        return access.acts_for(user, obj.pk)


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "organization__kind")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organization__name")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization")
    readonly_fields = ("created_at",)

    def scoped_queryset(self, user) -> QuerySet:
        return Membership.objects.filter(organization__in=access.visible_organizations(user).values("pk"))

    def can_change_object(self, user, obj) -> bool:
        # Only an organization's own administrator (机构管理员) manages its memberships.
        return Membership.objects.filter(user=user, organization_id=obj.organization_id,
                                         role=Membership.Role.ADMIN, is_active=True).exists()


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("organization",)
    verbose_name = "任职机构"
    verbose_name_plural = "任职机构"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organization")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (UserMembershipInline,)


# --- the category catalog --------------------------------------------------------------------------

class CategoryKindFilter(admin.SimpleListFilter):
    title = "品目类别"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return Category.Kind.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value in Category.Kind.values:
            return queryset.filter(code__startswith=value)
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "tree_name", "level", "parent", "in_centralized_catalog", "centralized_limit_yuan")
    list_display_links = ("code",)
    list_editable = ("in_centralized_catalog", "centralized_limit_yuan")
    list_filter = ("in_centralized_catalog", CategoryKindFilter, "level")
    search_fields = ("code", "name", "description")
    list_select_related = ("parent",)
    list_per_page = 100
    ordering = ("code",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    fields = ("code", "name", "level", "parent", "path", "description", "in_centralized_catalog",
              "centralized_limit_yuan")
    actions = ("centralized_include", "centralized_exclude")

    @admin.display(description="品目名称", ordering="name")
    def tree_name(self, obj: Category) -> str:
        # Full-width spaces show the depth in the flat list.
        return "　" * obj.level + obj.name

    @admin.action(description="纳入政府集中采购目录", permissions=["change"])
    def centralized_include(self, request, queryset):
        count = queryset.update(in_centralized_catalog=True)
        self.message_user(request, f"已将{count}个品目纳入政府集中采购目录。", messages.SUCCESS)

    @admin.action(description="移出政府集中采购目录（同时清除限额）", permissions=["change"])
    def centralized_exclude(self, request, queryset):
        count = queryset.update(in_centralized_catalog=False, centralized_limit_yuan=None)
        self.message_user(request, f"已将{count}个品目移出政府集中采购目录。", messages.SUCCESS)


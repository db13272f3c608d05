"""Admin: notices (公告). A new notice is published through ``notices.services.notice_publish``."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet

from notices.models import Notice
from notices.services import notice_publish
from procurement import access
from procurement.admin.reference import ScopedAdminMixin


@admin.register(Notice)
class NoticeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "type", "region", "project", "publisher", "published_at", "is_withdrawn")
    list_filter = ("type", "is_withdrawn", "region__level")
    search_fields = ("title", "body", "project__code", "project__title", "publisher__name")
    date_hierarchy = "published_at"
    list_select_related = ("region", "project", "publisher")
    autocomplete_fields = ("region", "project", "publisher")
    own_organization_fields = ("publisher",)
    readonly_fields = ("published_by", "created_at")
    fields = ("type", "title", "body", "region", "project", "publisher", "published_at", "is_withdrawn",
              "published_by", "created_at")

    def scoped_queryset(self, user) -> QuerySet:
        return Notice.objects.filter(
            Q(publisher_id__in=access.org_ids(user)) | Q(project__in=access.projects_readable(user).values("pk"))
        )

    def can_change_object(self, user, obj) -> bool:
        if obj.project_id is not None:
            return access.runs_project(user, obj.project)
        return access.acts_for(user, obj.publisher_id)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        published = notice_publish(
            type=obj.type, title=obj.title, body=obj.body, region=obj.region, project=obj.project,
            publisher=obj.publisher, actor=request.user, published_at=obj.published_at,
        )
        # The admin goes on with ``obj`` (messages, log entry, redirect): make it the published row.
        obj.pk = published.pk
        obj.published_by = published.published_by
        obj.created_at = published.created_at
        obj._state.adding = False

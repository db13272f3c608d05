"""ProjectEvent: the append-only audit log (操作日志) of every transition and every write that matters."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .projects import Project
from .reference import Organization


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class ProjectEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("操作日志只能追加，不能修改")

    def delete(self):
        raise AppendOnlyError("操作日志只能追加，不能删除")


class ProjectEvent(models.Model):
    project = models.ForeignKey(Project, verbose_name="采购项目", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="events")
    # What the event is about: "project", "sub_plan", "contract", … and its primary key.
    subject_type = models.CharField("对象类型", max_length=32, db_index=True)
    subject_id = models.BigIntegerField("对象ID", db_index=True)
    action = models.CharField("操作", max_length=64)
    action_label = models.CharField("操作名称", max_length=64, blank=True)
    source = models.CharField("原状态", max_length=32, blank=True)
    target = models.CharField("新状态", max_length=32, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_organization = models.ForeignKey(Organization, verbose_name="操作机构", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    objects = ProjectEventQuerySet.as_manager()

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action_label or self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("操作日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("操作日志只能追加，不能删除")

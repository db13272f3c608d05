"""Import jobs (导入任务): an uploaded Excel file handed to a Celery worker, its progress and its result.

Issue 8 point 2: a long import must not hold a web worker. The request stores the upload and queues a
job; the worker runs the import (all or nothing, one transaction) and writes here what it read, what it
made, or what was wrong with the file, sheet by sheet, row by row. The user may leave and come back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from .reference import Organization

# A job that has not moved for this long lost its worker (killed, or its message lost): it may be queued
# again. An import reports progress every few seconds (and its longest silent phase, opening a
# 100,000-row workbook, takes seconds), so ten minutes of silence is not a slow import.
STALLED_AFTER = timedelta(minutes=10)


def import_file_storage():
    """The private storage of uploads awaiting their import (``STORAGES["imports"]``): outside MEDIA_ROOT,
    never served; the web process writes there and the worker reads."""
    return storages["imports"]


def import_file_path(job: ImportJob, filename: str) -> str:
    """A name of our own: the user's file name is kept in ``file_name``, never used as a path."""
    return f"{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One uploaded file and its import, run by a Celery worker (``procurement.tasks.import_run``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导入"
        SUCCEEDED = "succeeded", "导入成功"
        FAILED = "failed", "未导入"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    # What is imported: a key of the registry in procurement.imports (e.g. "arrangement"); the mode apps
    # register their kinds, so the core names none of them and a new kind needs no migration.
    kind = models.CharField("导入类型", max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.SET_NULL,
                             related_name="import_jobs")
    organization = models.ForeignKey(Organization, verbose_name="所属机构", on_delete=models.CASCADE,
                                     related_name="import_jobs")
    file = models.FileField("上传的文件", storage=import_file_storage, upload_to=import_file_path, max_length=255,
                            blank=True)
    file_name = models.CharField("原文件名", max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    parameters = models.JSONField("导入参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    rows_read = models.PositiveIntegerField("已读取行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    queued_at = models.DateTimeField("排队时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    progress_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    summary = models.TextField("结果说明", blank=True)
    result_url = models.CharField("结果链接", max_length=255, blank=True)
    result_id = models.PositiveBigIntegerField("导入生成的对象编号", null=True, blank=True)
    errors = models.JSONField("错误列表", default=list, blank=True,
                              help_text="每项为 {sheet, row, column, message}：工作表、行号、列和错误说明")

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="import_job_user_idx"),
            models.Index(fields=["organization", "-created_at"], name="import_job_org_idx"),
            models.Index(fields=["status", "progress_at"], name="import_job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"导入任务第{self.pk}号（{self.file_name}）"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    def last_moved_at(self) -> datetime | None:
        """When the job last showed a sign of life: queued, or its worker's last progress."""
        if self.status == self.Status.QUEUED:
            return self.queued_at
        if self.status == self.Status.RUNNING:
            return self.progress_at or self.started_at
        return None

    def is_stalled(self, now: datetime | None = None) -> bool:
        """Queued or running, and silent for ``STALLED_AFTER``: its worker is gone."""
        moved = self.last_moved_at()
        return moved is not None and moved < (now or timezone.now()) - STALLED_AFTER

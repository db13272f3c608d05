"""Procurement documents of a project (采购文件、评审报告 …), kept for the record, whatever the mode."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .projects import Project


class ProjectDocument(models.Model):
    """A procurement document of a project (招标文件, 评审报告 …), kept for the record.

    《政府采购法实施条例》第四十三条: the procurement documents (招标文件、竞争性谈判文件、询价通知书) are published
    with the award notice, and the award follows the evaluation report: the award is final only with both on file.
    """

    class Kind(models.TextChoices):
        PROCUREMENT_DOCUMENTS = "procurement_documents", "采购文件（招标文件、谈判文件、磋商文件、询价通知书等）"
        EVALUATION_REPORT = "evaluation_report", "评审报告"
        OTHER = "other", "其他文件"

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                related_name="documents")
    kind = models.CharField("文件类别", max_length=24, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField("文件名称", max_length=200)
    # Files kept before the move stay where they were uploaded; their names are stored with the row.
    file = models.FileField("文件", upload_to="project_documents/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "采购文件"
        verbose_name_plural = "采购文件"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title

"""In-app notifications (站内消息) and the record that makes each reminder go out once."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .reference import Organization


class Reminder(models.Model):
    """One reminder that was sent. The unique key makes a retried or doubled sweep send nothing twice."""

    key = models.CharField("提醒键", max_length=160, unique=True)
    subject_type = models.CharField("对象类型", max_length=32)
    subject_id = models.BigIntegerField("对象ID")
    kind = models.CharField("提醒类型", max_length=32)
    due_on = models.DateField("截止日期", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    recipients = models.PositiveIntegerField("接收人数", default=0)

    class Meta:
        verbose_name = "提醒记录"
        verbose_name_plural = "提醒记录"
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", "通知"
        WARNING = "warning", "提醒"
        DANGER = "danger", "逾期"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    organization = models.ForeignKey(Organization, verbose_name="所属机构", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="notifications")
    reminder = models.ForeignKey(Reminder, verbose_name="提醒", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="notifications")
    level = models.CharField("级别", max_length=8, choices=Level.choices, default=Level.INFO)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

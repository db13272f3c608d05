"""In-app notifications (站内消息), the record that makes each reminder go out once, and the e-mail outbox."""

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


class OutboundMail(models.Model):
    """One e-mail the portal sends (外发邮件): the outbox.

    Written in the transaction of the event it tells of, so a committed event never loses its e-mail and a
    rolled-back one never sends any; a Celery worker delivers it after the commit, with a timeout and
    retries (``procurement.services.mail``). The web request never waits for the mail server.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    reminder = models.ForeignKey(Reminder, verbose_name="提醒", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="mails")
    organization = models.ForeignKey(Organization, verbose_name="收件人所属机构", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    recipient = models.EmailField("收件人", max_length=254)
    subject = models.CharField("主题", max_length=255)
    body = models.TextField("正文")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    last_error = models.TextField("最近一次错误", blank=True)
    # When the next attempt is due: the sweep re-queues a pending mail left well past it (its task was lost).
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "外发邮件"
        verbose_name_plural = "外发邮件"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"),
                         name="outbound_mail_pending_due"),
            models.Index(fields=["status", "created_at"], name="outbound_mail_status"),
        ]
        permissions = [("resend_outboundmail", "可以重新发送外发邮件")]

    def __str__(self) -> str:
        return f"{self.recipient}：{self.subject}"

"""公告: every notice the portal publishes (one-stop publication, seed 004)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from procurement.models import Contract, Organization, Project, Region


class NoticeQuerySet(models.QuerySet):
    def public(self) -> NoticeQuerySet:
        return self.filter(is_withdrawn=False)


class Notice(models.Model):
    class Type(models.TextChoices):
        INTENTION = "intention", "采购意向公开"
        SOLICITATION = "solicitation", "需求征集公告"
        PROCUREMENT = "procurement", "采购公告"
        CORRECTION = "correction", "更正公告"
        AWARD = "award", "中标（成交）结果公告"
        SHORTLIST = "shortlist", "入围结果公告"
        CONTRACT = "contract", "合同公告"
        TERMINATION = "termination", "终止公告"
        FRAMEWORK_SOLICITATION = "framework_solicitation", "框架协议征集公告"
        FRAMEWORK_EXECUTION = "framework_execution", "框架协议执行通知"
        SINGLE_AWARD = "single_award", "成交结果单笔公告"
        AWARD_SUMMARY = "award_summary", "成交结果汇总公告"
        SME_DISCLOSURE = "sme_disclosure", "中小企业预留份额执行情况"
        OTHER = "other", "其他公告"

    type = models.CharField("公告类型", max_length=24, choices=Type.choices, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    project = models.ForeignKey(Project, verbose_name="采购项目", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="notices")
    # 合同公告: the contract it publishes (《政府采购法实施条例》第五十条).
    contract = models.ForeignKey(Contract, verbose_name="采购合同", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="notices")
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="notices")
    publisher = models.ForeignKey(Organization, verbose_name="发布单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="notices")
    published_at = models.DateTimeField("发布时间", db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    is_withdrawn = models.BooleanField("已撤回", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "公告"
        verbose_name_plural = "公告"
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["type", "-published_at"]), models.Index(fields=["region", "-published_at"])]

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    """A file published with a notice: the procurement documents with the award notice (《政府采购法实施条例》
    第四十三条), the public version of a contract with its contract notice (第五十条). Anyone may download it."""

    notice = models.ForeignKey(Notice, verbose_name="公告", on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField("附件名称", max_length=200)
    file = models.FileField("文件", upload_to="notices/%Y/%m/", max_length=255)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "公告附件"
        verbose_name_plural = "公告附件"
        ordering = ["notice", "pk"]

    def __str__(self) -> str:
        return self.title

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


class EventAction(models.TextChoices):
    """Every action the audit log knows: the transitions (by their method name) and the writes that matter.

    A new write adds its action here (with its label) before it records one; ``event_build`` refuses any
    other value, so the log holds an enumerated action, never a free string.
    """

    # Transitions (the state machines' method names).
    OPEN_COLLECTION = "open_collection", "发布征集"
    CLOSE_COLLECTION = "close_collection", "截止汇总"
    CONFIRM_MASTER_PLAN = "confirm_master_plan", "确认总计划"
    START_PROCUREMENT = "start_procurement", "实施采购"
    RECORD_AWARD = "record_award", "定标"
    COMPLETE = "complete", "项目完成"
    TERMINATE = "terminate", "终止"
    SUBMIT = "submit", "提交"
    WITHDRAW = "withdraw", "撤回"
    FREEZE = "freeze", "锁定"
    SIGN = "sign", "签订合同"
    PUBLISH = "publish", "合同公告"
    FILE = "file", "备案"
    ACCEPT = "accept", "履约验收"
    PAY = "pay", "资金支付"
    ISSUE = "issue", "下达"
    ACKNOWLEDGE = "acknowledge", "签收"
    ADOPT = "adopt", "采纳"
    DECLINE = "decline", "不予采纳"
    # Writes.
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    REVISE = "revise", "修改分计划"
    EXTEND_RESPONSE_DEADLINE = "extend_response_deadline", "延长需求响应截止时间"
    DOCUMENT_ADD = "document_add", "上传采购文件"
    EVALUATION_RECORD = "evaluation_record", "录入评审情况"
    LOT_MAX_PRICE_SET = "lot_max_price_set", "设定最高限制单价"
    LOT_AWARD = "lot_award", "录入中标结果"
    LOT_AWARD_REPLACE = "lot_award_replace", "变更中标结果"
    CONTRACTS_GENERATE = "contracts_generate", "生成分签合同"
    NOTICE_PUBLISH = "notice_publish", "发布公告"
    CONFIGURATION_TYPE_CREATE = "configuration_type_create", "新增产品配置分型"
    CONFIGURATION_TYPE_UPDATE = "configuration_type_update", "修改产品配置分型"
    CONFIGURATION_TYPE_DELETE = "configuration_type_delete", "删除产品配置分型"
    IMPORT_CREATE = "import_create", "导入产品配置表"
    IMPORT_REPLACE = "import_replace", "导入产品配置表（覆盖）"
    ARRANGEMENT_IMPORT = "arrangement_import", "导入安排情况表"
    ARRANGEMENT_REPLACE = "arrangement_replace", "安排情况表被替换"
    PASSWORD_CHANGE = "password_change", "修改密码"
    OUTBOUND_MAIL_RESEND = "outbound_mail_resend", "重新发送邮件"
    DEMO_SEED = "demo_seed", "生成演示数据"


class ProjectEvent(models.Model):
    project = models.ForeignKey(Project, verbose_name="采购项目", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="events")
    # What the event is about: "project", "sub_plan", "contract", … and its primary key.
    subject_type = models.CharField("对象类型", max_length=32, db_index=True)
    subject_id = models.BigIntegerField("对象ID", db_index=True)
    action = models.CharField("操作", max_length=64, choices=EventAction.choices)
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

"""Framework task notices (框架协议采购任务通知单, seed 000 annex 7) under ``/api/v1/framework/task-notices/``.

The viewset is the core's (``procurement.api.task_notices``, every mode's task notice API: scoped reads, one POST
per transition with the page's right, the core's services), with the framework's part: annex 7's items in the
representation (框架协议有效期, as dates or months, and as the notice words it), and drafting through the API
(POST to the list) with the validity; the rules (goods or services, at most 1 or 2 years) are the services'.
"""

from __future__ import annotations

from rest_framework import serializers

from framework.services import tasks as services
from procurement.api.task_notices import (
    COMMON_FIELDS,
    STATE_FIELDS,
    TaskNoticeBaseSerializer,
    TaskNoticeCreateBaseSerializer,
    TaskNoticeDraftingMixin,
    TaskNoticeViewSet,
    task_notice_schema,
)
from procurement.models import Mode, TaskNotice


class FrameworkTaskSerializer(TaskNoticeBaseSerializer):
    """框架协议采购任务通知单（附件7）：采购品目、采购限额、适用范围、框架协议有效期，由财政部门下达集中采购机构。"""

    validity_text = serializers.SerializerMethodField(label="框架协议有效期（通知书表述）")

    class Meta(TaskNoticeBaseSerializer.Meta):
        fields = [*COMMON_FIELDS, "valid_from", "valid_until", "validity_months", "validity_text", *STATE_FIELDS]
        read_only_fields = fields

    def get_validity_text(self, task: TaskNotice) -> str:
        return services.task_validity_text(task)


class FrameworkTaskCreateSerializer(TaskNoticeCreateBaseSerializer):
    """起草框架协议采购任务通知单（附件7）：有效期填写起止日期，或期限（月）。"""

    valid_from = serializers.DateField(required=False, allow_null=True, label="有效期起")
    valid_until = serializers.DateField(required=False, allow_null=True, label="有效期止")
    validity_months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=120,
                                               label="有效期（月）", help_text="货物类不超过12个月，服务类不超过24个月")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].help_text = "货物类（A）或服务类（C）品目"
        self.fields["purchase_limit"].help_text = "小额零星项目的限额说明"


@task_notice_schema
class FrameworkTaskViewSet(TaskNoticeDraftingMixin, TaskNoticeViewSet):
    """框架协议采购任务通知单：财政部门看本部门起草和下达的，集中采购机构看下达给本机构的（不含草稿）。"""

    mode = Mode.FRAMEWORK
    noun = short_noun = "框架协议采购任务通知单"
    annex = "附件7"
    serializer_class = FrameworkTaskSerializer
    create_serializer_class = FrameworkTaskCreateSerializer
    create_description = ("财政部门起草任务通知单草稿（附件7）：品目须为货物类或服务类；框架协议有效期必填，"
                          "货物类不超过1年、服务类不超过2年。")


routes = [
    ("task-notices", FrameworkTaskViewSet, "task-notice"),
]

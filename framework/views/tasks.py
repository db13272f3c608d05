"""Pages of the framework task notice (框架协议采购任务通知单, seed 000 annex 7).

The pages are the core's (``procurement.views.task_pages``, every mode's task notice pages), routed here with the
framework mode: finance drafts, revises, issues and withdraws; the center reads, acknowledges and downloads.
``FrameworkTaskPages`` says what is the framework's own: the validity (dates, or a period in months) instead of a
cycle, goods and services categories, annex 7's wording, title and PDF (``framework.services.tasks``) and the
framework plans drafted from the notice (``framework.selectors.tasks``).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from framework.selectors import tasks as selectors
from framework.services import tasks as services
from procurement.models import Category, Mode, TaskNotice
from procurement.views import task_pages

FRAMEWORK = Mode.FRAMEWORK


class FrameworkTaskPages(task_pages.TaskNoticePages):
    """Annex 7's four items (采购品目, 采购限额, 适用范围, 框架协议有效期)."""

    mode = namespace = FRAMEWORK
    noun = "框架协议采购任务通知单"
    acknowledged_next = "请据此编制框架协议采购方案。"
    category_help = "货物类（A）或服务类（C）品目（品目名称+编码）"
    limit_help = "小额零星项目，如：单笔采购金额在200万元以下的小额零星采购"
    scope_help = "一般为全省各级预算单位"
    facts_template = "framework/tasks/_task_facts.html"
    column = "框架协议有效期"
    column_template = "framework/tasks/_task_column.html"
    templates = {name: f"framework/tasks/{name}" for name in (
        "task_list.html", "task_form.html", "task_detail.html", "received_list.html", "received_detail.html")}

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "valid_from": task_pages.date_field("有效期起", required=False),
            "valid_until": task_pages.date_field("有效期止", required=False),
            "validity_months": forms.IntegerField(
                label="或：有效期（月）", required=False, min_value=1, max_value=120,
                help_text="不填起止日期时填写；货物类不超过12个月，服务类不超过24个月"),
        }

    def categories(self) -> QuerySet:
        return Category.objects.filter(Q(code__startswith="A") | Q(code__startswith="C")).order_by("code")

    def title(self, task: TaskNotice) -> str:
        return services.task_title(task)

    def scope_text(self, task: TaskNotice) -> str:
        return services.task_scope_text(task)

    def facts(self, task: TaskNotice) -> dict:
        return {"validity_text": services.task_validity_text(task), "plans": selectors.task_plans(task)}

    def pdf(self, task: TaskNotice) -> bytes:
        return services.task_pdf(task=task)

    def pdf_disposition(self, task: TaskNotice) -> str:
        return services.task_pdf_disposition(task)


PAGES = FrameworkTaskPages()
urlpatterns = task_pages.urlpatterns_for(FRAMEWORK)

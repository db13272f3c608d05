"""The task notice as a PDF laid out like annex 5 of seed 000 (批量集中采购项目任务通知书), rendered by
the core (``procurement.task_pdf``: one layout for every mode's notice, WeasyPrint, the CJK font embedded)."""

from __future__ import annotations

from procurement.models import TaskNotice
from procurement.selectors.tasks import scope_text
from procurement.task_pdf import limit_text, notice_context, notice_disposition, notice_pdf

# Annex 5's opening paragraph. The annex's own text ends "…大力开展政府集中采购目录内项目框架协议采购工作",
# a sentence carried over from annex 7 (the framework notice); a batch notice names batch procurement,
# as its closing paragraph does ("高质量完成批量集中采购任务"). The annexes are samples (样表仅作参考).
OPENING = (
    "为持续深化政府采购制度改革，提升我省政府集中采购工作水平，推动政府采购降本增效，依据《中华人民共和国政府采购法》"
    "及其实施条例等法律法规规定，请你中心积极履行法定职责，充分发挥集采机构职能作用，大力开展政府集中采购目录内项目"
    "批量集中采购工作。现将采购任务通知如下："
)
CLOSING = "请你中心根据以上任务要求，认真做好需求确定、文件编制、采购执行等工作，高质量完成批量集中采购任务。"


def task_notice_title(task: TaskNotice) -> str:
    return f"{task.category.name}批量集中采购项目任务通知书"


def task_notice_pdf_filename(task: TaskNotice) -> str:
    return f"{task.year}年{task_notice_title(task)}.pdf"


def task_notice_context(task: TaskNotice) -> dict:
    return notice_context(task, title=task_notice_title(task), opening=OPENING, closing=CLOSING, items=[
        ("采购品目", f"{task.category.name}（{task.category.code}）"),
        ("采购限额", limit_text(task)),
        ("适用范围", scope_text(task)),
        ("采购周期", task.get_cycle_display()),
    ])


def task_notice_pdf(*, task: TaskNotice) -> bytes:
    """The notice as PDF bytes (a draft carries a "草稿" stamp and no date)."""
    return notice_pdf(task_notice_context(task))


def pdf_disposition(task: TaskNotice, *, as_attachment: bool = True) -> str:
    return notice_disposition(task_notice_pdf_filename(task), as_attachment=as_attachment)

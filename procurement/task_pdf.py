"""Every mode's task notice (采购任务通知单) as a PDF: one official-document layout (``tasks/pdf/task_notice.html``),
rendered by WeasyPrint with the CJK font embedded (Noto Serif CJK SC, subset to the characters used).

A mode gives the words of its annex (batch: seed 000 annex 5, ``batch.pdf``; framework: annex 7,
``framework.services.tasks``): the title, the opening and closing paragraphs and its items; the layout, the stamp
of a draft, the blank date and the limit's wording are shared here.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from procurement.formats import chinese_date, yuan_text
from procurement.models import TaskNotice

TEMPLATE = "tasks/pdf/task_notice.html"
BLANK_DATE = "　　年　　月　　日"
STAMPS = {TaskNotice.Status.DRAFT: "草稿", TaskNotice.Status.WITHDRAWN: "已撤回"}


def limit_text(task: TaskNotice) -> str:
    """采购限额 as the notice prints it: the text, and the amount when one is set."""
    if task.purchase_limit_yuan is None:
        return task.purchase_limit
    return f"{task.purchase_limit}（限额金额：{yuan_text(task.purchase_limit_yuan)}）"


def notice_context(task: TaskNotice, *, title: str, opening: str, items: list[tuple[str, str]],
                   closing: str) -> dict:
    """The template's context: the mode's words, and what every notice prints the same way."""
    return {
        "title": title,
        "document_number": task.document_number,
        "center_name": task.center.name,
        "opening": opening,
        "items": items,
        "closing": closing,
        "issuer": task.finance_bureau.name,
        "date_text": chinese_date(task.issued_on) if task.issued_on else BLANK_DATE,
        "stamp": STAMPS.get(task.status, ""),
    }


def notice_pdf(context: dict) -> bytes:
    """The notice as PDF bytes (a draft carries a "草稿" stamp and no date)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return HTML(string=render_to_string(TEMPLATE, context)).write_pdf()


def notice_disposition(filename: str, *, as_attachment: bool = True) -> str:
    return content_disposition_header(as_attachment, filename)

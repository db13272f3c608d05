"""The framework plan as a PDF laid out like annex 8 of seed 000 (政府采购框架协议项目采购方案): its thirteen numbered
sections under the annex's headings, the lots as a table; an open agreement's §八–§十一 read "开放式框架协议不涉及"
(annex 8 note 1). Rendered by WeasyPrint with the CJK font embedded, as ``batch.pdf`` renders annex 5."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from framework.models import FrameworkPlan
from framework.services.plans import plan_lots, plan_subject_kind
from procurement.formats import chinese_date

TEMPLATE = "framework/plans/pdf/plan.html"
TITLE = "政府采购框架协议项目采购方案"
NOT_APPLICABLE = "开放式框架协议不涉及"
STAMPS = {FrameworkPlan.Status.DRAFT: "草稿", FrameworkPlan.Status.RETURNED: "退回修改",
          FrameworkPlan.Status.SUBMITTED: "待审核"}


def plan_pdf_filename(plan: FrameworkPlan) -> str:
    return f"{plan.project.title}采购方案（第{plan.version}版）.pdf"


def _validity(plan: FrameworkPlan) -> str:
    if not (plan.valid_from and plan.valid_until):
        return "（未填写）"
    kind = plan_subject_kind(plan)
    what = {"goods": "货物项目", "services": "服务项目"}.get(kind or "", "")
    return f"自{chinese_date(plan.valid_from)}起至{chinese_date(plan.valid_until)}止（{what}）" if what else (
        f"自{chinese_date(plan.valid_from)}起至{chinese_date(plan.valid_until)}止")


def plan_context(plan: FrameworkPlan) -> dict:
    project = plan.project
    lots = plan_lots(plan)
    participants = list(plan.survey_participants.order_by("kind", "pk"))
    by_kind = {kind: [p.name for p in participants if p.kind == kind] for kind in ("purchaser", "supplier", "expert")}
    return {
        "title": TITLE, "plan": plan, "project": project, "center": project.organizer, "lots": lots,
        "participants": by_kind, "validity": _validity(plan), "is_open": plan.is_open,
        "categories": list(dict.fromkeys(lot.category for lot in lots if lot.category_id)),
        "not_applicable": NOT_APPLICABLE, "stamp": STAMPS.get(plan.status, ""),
    }


def plan_pdf(*, plan: FrameworkPlan) -> bytes:
    """The plan as PDF bytes (a plan not yet approved carries a stamp of its status)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return HTML(string=render_to_string(TEMPLATE, plan_context(plan))).write_pdf()


def pdf_disposition(plan: FrameworkPlan, *, as_attachment: bool = True) -> str:
    return content_disposition_header(as_attachment, plan_pdf_filename(plan))

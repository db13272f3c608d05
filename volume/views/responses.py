"""Volume pages: an invited unit's response (753号 三、2), and the responses section of the lead's hub.

``volume:response-list``: the unit's invitations (project, lead, deadline, its answer). ``volume:response-edit``:
the response of the signed-in unit to one project, as one document (contact, items chosen from the lead's list with
quantity and budget, each item's funding lines); saved as a draft, submitted, or declined with a reason, and
read-only after the deadline (753号 四(三)). A project to which none of the user's units is invited answers 404:
a unit only ever sees its own response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from procurement import access
from procurement.formats import chinese_datetime
from procurement.models import EligibleUnit, FundingLine, Lot, Mode, Organization, Project
from procurement.selectors.collection import unanswered_units
from procurement.services.errors import REFUSALS
from procurement.views.common import kind_required, paginate, refusal_message
from volume.models import Response
from volume.services import responses as services

BUYERS = (Organization.Kind.BUDGET_UNIT,)
HUB_PENDING_SHOWN = 20


# --- reads -------------------------------------------------------------------------------------------------

def invitations(user, q: str = "") -> QuerySet[EligibleUnit]:
    """The volume projects the user's budget units are invited to (one row per unit and project), with the unit's
    answer (``response_status``, ``response_revision``)."""
    units = access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT)
    responses = Response.objects.filter(project=OuterRef("project_id"), unit=OuterRef("unit_id"))
    rows = (
        EligibleUnit.objects.filter(unit_id__in=units, project__mode=Mode.VOLUME)
        .exclude(project__status=Project.Status.DRAFT)
        .select_related("project", "project__organizer", "unit")
        .annotate(response_status=Subquery(responses.values("status")[:1]),
                  response_revision=Subquery(responses.values("revision")[:1]))
        .order_by("-project__response_deadline", "project__pk", "unit__unit_code")
    )
    if q:
        rows = rows.filter(Q(project__code__icontains=q) | Q(project__title__icontains=q)
                           | Q(project__organizer__name__icontains=q))
    return rows


def invited_project(user, project_pk: int) -> tuple[Project, Organization]:
    """The volume project ``project_pk`` and the user's unit invited to it; 404 when none of its units is."""
    invitation = (
        EligibleUnit.objects.select_related("project", "project__organizer", "unit")
        .filter(unit_id__in=access.org_ids(user, kind=Organization.Kind.BUDGET_UNIT), project_id=project_pk,
                project__mode=Mode.VOLUME)
        .exclude(project__status=Project.Status.DRAFT).order_by("unit__unit_code").first()
    )
    if invitation is None:
        raise Http404("项目不存在，或本单位不是该项目的参与单位")
    return invitation.project, invitation.unit


# --- the document as the form shows it --------------------------------------------------------------------

@dataclass
class FundingRow:
    source: str = ""
    amount_yuan: str = ""
    budget_index_code: str = ""


@dataclass
class ItemRow:
    key: str
    lot_id: str = ""
    quantity: str = ""
    budget_yuan: str = ""
    funding: list[FundingRow] = field(default_factory=list)


ITEM_FIELD = re.compile(r"^item-(\d+)-(lot|quantity|budget)$")
FUNDING_FIELD = re.compile(r"^item-(\d+)-funding-(\d+)-(source|amount|code)$")


def rows_from_post(data) -> list[ItemRow]:
    """The item rows the form posted (``item-<i>-lot`` …, ``item-<i>-funding-<j>-source`` …), in the page's order;
    a row left entirely blank (the spare row) is no item, and a blank funding row is no line."""
    items: dict[int, ItemRow] = {}
    funding: dict[tuple[int, int], FundingRow] = {}
    for name in data:
        if match := ITEM_FIELD.match(name):
            index, part = int(match[1]), match[2]
            row = items.setdefault(index, ItemRow(key=str(index)))
            setattr(row, {"lot": "lot_id", "quantity": "quantity", "budget": "budget_yuan"}[part],
                    data.get(name, "").strip())
        elif match := FUNDING_FIELD.match(name):
            index, line, part = int(match[1]), int(match[2]), match[3]
            items.setdefault(index, ItemRow(key=str(index)))
            row = funding.setdefault((index, line), FundingRow())
            setattr(row, {"source": "source", "amount": "amount_yuan", "code": "budget_index_code"}[part],
                    data.get(name, "").strip())
    for (index, _), line in sorted(funding.items()):
        if line.amount_yuan or line.budget_index_code:
            items[index].funding.append(line)
    return [row for _, row in sorted(items.items()) if row.lot_id or row.quantity or row.budget_yuan or row.funding]


def rows_as_items(rows: list[ItemRow]) -> list[dict]:
    return [{"lot_id": row.lot_id, "quantity": row.quantity or "0", "budget_yuan": row.budget_yuan or "0",
             "funding": [{"source": line.source, "amount_yuan": line.amount_yuan or "0",
                          "budget_index_code": line.budget_index_code} for line in row.funding]}
            for row in rows]


def rows_from_saved(project: Project, unit: Organization) -> list[ItemRow]:
    return [ItemRow(key=str(index), lot_id=str(plan.lot_id), quantity=f"{plan.quantity.normalize():f}",
                    budget_yuan=f"{plan.budget_yuan:f}",
                    funding=[FundingRow(line.source, f"{line.amount_yuan:f}", line.budget_index_code)
                             for line in plan.funding_lines.all()])
            for index, plan in enumerate(services.response_items(project, unit), start=1)]


def _with_spare(rows: list[ItemRow]) -> list[ItemRow]:
    """Every row with at least one funding row to fill, and one blank item row at the end."""
    for row in rows:
        if not row.funding:
            row.funding.append(FundingRow())
    next_key = max((int(row.key) for row in rows), default=0) + 1
    return [*rows, ItemRow(key=str(next_key), funding=[FundingRow()])]


# --- pages -------------------------------------------------------------------------------------------------

@kind_required(*BUYERS)
def response_list(request):
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "volume/responses/list.html", {
        "page": paginate(request, invitations(request.user, q)),
        "q": q,
        "statuses": dict(Response.Status.choices),
        "now": timezone.now(),
    })


@kind_required(*BUYERS)
def response_edit(request, project_pk: int):
    project, unit = invited_project(request.user, project_pk)
    response = Response.objects.filter(project=project, unit=unit).first()
    lots = list(Lot.objects.filter(project=project).order_by("number"))
    error = ""
    rows: list[ItemRow] | None = None
    contact = {"contact_name": response.contact_name if response else unit.contact_person,
               "contact_phone": response.contact_phone if response else unit.contact_phone,
               "note": response.note if response else ""}
    reason = response.decline_reason if response else ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        contact = {name: request.POST.get(name, "").strip() for name in ("contact_name", "contact_phone", "note")}
        rows = rows_from_post(request.POST)
        reason = request.POST.get("reason", "").strip()
        try:
            if action == "decline":
                services.response_decline(project=project, unit=unit, reason=reason, actor=request.user)
                done = "已选择不参与本项目，理由已告知牵头单位。截止前仍可改为参与。"
            else:
                saved = services.response_save(project=project, unit=unit, items=rows_as_items(rows),
                                               actor=request.user, submit=action == "submit", **contact)
                done = (f"响应已提交（第{saved.revision}版），已计入牵头单位的汇总；截止前仍可修改。"
                        if saved.status == Response.Status.SUBMITTED else
                        "响应已保存为草稿。草稿不计入汇总，核对无误后请点击「提交响应」。")
        except REFUSALS as refused:
            error = refusal_message(refused)
        else:
            messages.success(request, done)
            return redirect("volume:response-edit", project_pk=project.pk)
    if rows is None:
        rows = rows_from_saved(project, unit)
    window_open = project.window_open()
    deadline_passed = project.response_deadline is not None and timezone.now() >= project.response_deadline
    return render(request, "volume/responses/edit.html", {
        "project": project,
        "unit": unit,
        "response": response,
        "lots": lots,
        "rows": _with_spare(rows) if window_open else rows,
        "contact": contact,
        "reason": reason,
        "error": error,
        "window_open": window_open,
        "may_write": window_open and access.acts_for(request.user, unit.pk),
        "deadline_passed": deadline_passed,
        "deadline_text": chinese_datetime(project.response_deadline) if project.response_deadline else "",
        "sources": FundingLine.Source.choices,
        "blank_row": ItemRow(key="__I__", funding=[FundingRow()]),
    })


urlpatterns: list = [
    path("responses/", response_list, name="response-list"),
    path("responses/<int:project_pk>/", response_edit, name="response-edit"),
]


# --- the lead's hub: the responses section -------------------------------------------------------------------

def response_counts(project: Project) -> dict[str, int]:
    """How the invited units answered: submitted, declined, pending (draft or nothing yet)."""
    invited = EligibleUnit.objects.filter(project=project).count()
    by_status = dict.fromkeys(Response.Status.values, 0)
    for status in (Response.objects.filter(project=project, unit__eligibilities__project=project)
                   .values_list("status", flat=True)):
        by_status[status] += 1
    submitted, declined = by_status[Response.Status.SUBMITTED], by_status[Response.Status.DECLINED]
    return {"invited": invited, "submitted": submitted, "declined": declined,
            "pending": invited - submitted - declined, "drafts": by_status[Response.Status.DRAFT]}


def hub_context(request, project) -> dict:
    """What this step's section of the lead's project page (templates/volume/projects/_section_responses.html) needs:
    the counts (responded / declined / pending) and the first pending units, with whether each keeps a draft."""
    drafts = set(Response.objects.filter(project=project, status=Response.Status.DRAFT).values_list("unit_id",
                                                                                                    flat=True))
    pending = list(unanswered_units(project).select_related("region").order_by("unit_code", "pk")[:HUB_PENDING_SHOWN])
    declined = list(Response.objects.filter(project=project, status=Response.Status.DECLINED)
                    .select_related("unit").order_by("unit__unit_code")[:HUB_PENDING_SHOWN])
    return {
        "response_counts": response_counts(project),
        "pending_units": [(unit, unit.pk in drafts) for unit in pending],
        "declined_responses": declined,
        "pending_shown": HUB_PENDING_SHOWN,
    }

"""The workbench (工作台): one home page per role, chosen by the user's first active membership."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from procurement import access
from procurement.models import Contract, Organization, Project
from procurement.modes import mode_plugin
from procurement.selectors import home as home_selectors
from procurement.selectors.accounts import acting_organizations
from procurement.selectors.buyer import own_contracts, own_sub_plans
from procurement.services.collection_deadlines import organizer_project_page
from procurement.views.common import kind_required, paginate
from procurement.views.forms import SearchForm

Kind = Organization.Kind

HOME_OF_KIND = {
    Kind.FINANCE: "finance-home",
    Kind.CENTER: "center-home",
    Kind.AGENCY: "center-home",
    Kind.BUDGET_UNIT: "unit-home",
    Kind.SUPPLIER: "supplier-home",
}

RECENT = 10


@login_required
def workbench(request):
    kind = access.primary_kind(request.user)
    if kind in HOME_OF_KIND:
        return redirect(HOME_OF_KIND[kind])
    if access.is_superuser(request.user):
        return redirect("admin:index")
    return render(request, "portal/no_membership.html")


def _unread(user) -> dict:
    """The newest unread messages of a home page (站内消息: reminders, tasks arrived, decisions)."""
    # Their number is the top bar's ``unread_message_count`` (procurement.context_processors).
    return {"notifications": home_selectors.unread_notifications(user)[:5]}


@kind_required(Kind.FINANCE)
def finance_home(request):
    user = request.user
    today = timezone.localdate()
    search = SearchForm(request.GET, placeholder="项目编号或名称")
    overview = home_selectors.finance_overview(user, today=today)
    return render(request, "portal/finance_home.html", {
        "organizations": [o for o in acting_organizations(user) if o.kind == Kind.FINANCE],
        "overview": overview,
        "publish_overdue": overview.publish_overdue[:RECENT],
        "publish_overdue_count": overview.publish_overdue.count(),
        "search": search,
        "projects": paginate(request, home_selectors.finance_recent_projects(user, q=search.term)),
        "today": today,
        **_unread(user),
    })


@kind_required(Kind.CENTER, Kind.AGENCY)
def center_home(request):
    user = request.user
    search = SearchForm(request.GET, placeholder="项目编号或名称")
    status = request.GET.get("status", "")
    if status not in Project.Status.values:
        status = ""
    unsigned = home_selectors.center_unsigned_contracts(user)
    organizations = [o for o in acting_organizations(user) if o.kind in (Kind.CENTER, Kind.AGENCY)]
    return render(request, "portal/center_home.html", {
        "organizations": organizations,
        "is_agency": all(o.kind == Kind.AGENCY for o in organizations),
        "status_counts": home_selectors.center_status_counts(user),
        "status": status,
        "statuses": Project.Status.choices,
        "search": search,
        "projects": _with_workspace_links(user, paginate(
            request, home_selectors.center_projects(user, q=search.term, status=status))),
        "unsigned": unsigned[:RECENT],
        "unsigned_count": unsigned.count(),
        **_unread(user),
    })


def _with_workspace_links(user, page):
    """Each project of the page with ``workspace_url``: the organizer's project page (the mode's, else the master
    plan) for whoever organizes it, the execution page for the agency it is entrusted to."""
    for project in page:
        if access.runs_project(user, project, step=access.Step.COLLECTION):
            project.workspace_url = organizer_project_page(project)
        else:
            project.workspace_url = reverse("award-project", args=[project.pk])
    return page


def _with_answer_links(projects) -> list[Project]:
    """Each open project with where its unit answers (``answer_url``, ``answer_label``): the core's filing page, or
    the mode's own (volume: the response document)."""
    found = list(projects)
    for project in found:
        plugin = mode_plugin(project.mode)
        project.answer_url = plugin.unit_response_page(project) or reverse("unit-sub-plan-file", args=[project.pk])
        project.answer_label = plugin.unit_answer_label
    return found


@kind_required(Kind.BUDGET_UNIT)
def unit_home(request):
    user = request.user
    sub_plans = own_sub_plans(user).order_by("-updated_at", "-pk")
    contracts = own_contracts(user).order_by("-created_at", "-pk")
    today = timezone.localdate()
    return render(request, "portal/unit_home.html", {
        "organizations": [o for o in acting_organizations(user) if o.kind == Kind.BUDGET_UNIT],
        "open_projects": _with_answer_links(home_selectors.unit_open_projects(user)),
        "led_projects": home_selectors.unit_led_projects(user)[:RECENT],
        "sub_plans": sub_plans[:RECENT],
        "sub_plan_count": sub_plans.count(),
        "contracts": contracts[:RECENT],
        "contract_count": contracts.count(),
        "overdue_count": (contracts.publish_overdue(today) | contracts.filing_overdue(today)).count(),
        **_unread(user),
        "contract_statuses": Contract.Status,
    })


@kind_required(Kind.SUPPLIER)
def supplier_home(request):
    user = request.user
    search = SearchForm(request.GET, placeholder="合同编号、名称或采购人")
    return render(request, "portal/supplier_home.html", {
        "organizations": [o for o in acting_organizations(user) if o.kind == Kind.SUPPLIER],
        "awards": paginate(request, home_selectors.supplier_awards(user), param="apage"),
        "search": search,
        "contracts": paginate(request, home_selectors.supplier_contracts(user, q=search.term)),
    })

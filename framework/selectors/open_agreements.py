"""Reads of open framework agreements (开放式框架协议) and of the end of an agreement (协议到期, 成交结果汇总公告).

Who sees what: a supplier its own requests and open agreements, and the lots it may ask to join; the center that
organizes the project the requests to review and its projects' end; another organization's row is not found (404).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from framework.models import Agreement, AgreementType, FrameworkDetails, FrameworkPlan, JoinRequest
from procurement import access, deadlines
from procurement.models import Lot, Mode, Organization, Project

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER


def _open_plans(today: date) -> QuerySet[FrameworkPlan]:
    return FrameworkPlan.objects.filter(agreement_type=AgreementType.OPEN, status=FrameworkPlan.Status.FILED,
                                        valid_until__gte=today, project__framework__solicitation_notice__isnull=False,
                                        project__framework__expired_at__isnull=True)


def joinable_lots(user, *, today: date | None = None) -> QuerySet[Lot]:
    """Lots of open agreements in their validity, after the solicitation notice, on which the user's supplier has no
    place (an agreement it has not left: having left, it may join again) and no request awaiting review. Each
    exclusion is one subquery, so that its conditions hold on one row (another supplier's pending request, or the
    supplier's own left agreement, does not hide the lot)."""
    today = today or deadlines.today()
    suppliers = access.org_ids(user, kind=SUPPLIER)
    placed = (Agreement.objects.filter(supplier_id__in=suppliers).exclude(status=Agreement.Status.LEFT)
              .values("lot_id"))
    waiting = JoinRequest.objects.filter(supplier_id__in=suppliers, status=JoinRequest.Status.PENDING).values("lot_id")
    rows = (Lot.objects.filter(project_id__in=_open_plans(today).values("project_id"),
                               max_unit_price_yuan__isnull=False)
            .exclude(pk__in=placed).exclude(pk__in=waiting)
            .select_related("project", "project__organizer", "project__framework_plan")
            .order_by("project__code", "number"))
    return rows


def _requests() -> QuerySet[JoinRequest]:
    return JoinRequest.objects.select_related("lot", "lot__project", "lot__project__organizer", "supplier",
                                              "agreement")


def supplier_requests(user) -> QuerySet[JoinRequest]:
    return _requests().filter(supplier_id__in=access.org_ids(user, kind=SUPPLIER)).order_by("-created_at", "-pk")


def center_requests(user) -> QuerySet[JoinRequest]:
    rows = _requests()
    if not access.is_superuser(user):
        rows = rows.filter(lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))
    return rows.order_by("review_due", "created_at", "pk")


def visible_requests(user) -> QuerySet[JoinRequest]:
    rows = _requests()
    if access.is_superuser(user):
        return rows
    return rows.filter(Q(lot__project__organizer_id__in=access.org_ids(user, kind=CENTER))
                       | Q(supplier_id__in=access.org_ids(user, kind=SUPPLIER)))


def supplier_open_agreements(user) -> QuerySet[Agreement]:
    """The supplier's agreements on open framework projects, every one (those it left, and the one it joined again
    with, each its own row), newest first."""
    return (Agreement.objects.filter(supplier_id__in=access.org_ids(user, kind=SUPPLIER),
                                     lot__project__framework_plan__agreement_type=AgreementType.OPEN)
            .select_related("lot", "lot__project", "supplier").order_by("-created_at", "-pk"))


def center_framework_projects(user) -> QuerySet[Project]:
    """The framework projects the user's center organizes whose solicitation notice is out (their end and summary)."""
    rows = (Project.objects.filter(mode=Mode.FRAMEWORK, framework__solicitation_notice__isnull=False)
            .select_related("framework", "framework_plan", "organizer").order_by("-pk"))
    if access.is_superuser(user):
        return rows
    return rows.filter(organizer_id__in=access.org_ids(user, kind=CENTER))


def details_of(project: Project) -> FrameworkDetails | None:
    return FrameworkDetails.objects.filter(project_id=project.pk).select_related("summary_notice").first()

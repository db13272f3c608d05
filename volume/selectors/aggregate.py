"""归集汇总 (753号 step 3): what the lead sees of a volume project once the response window has closed.

Counted are the sub-plans (the core's ``SubPlan``, one per unit and item) that are submitted or frozen, of the
units whose volume ``Response`` is submitted: a draft, a decline or a withdrawn sub-plan counts nothing. Every sum
is the database's (``Sum`` over ``DecimalField``, Decimal in Python), so the aggregate is the sum of the responses
to the cent:

- per item (采购内容): quantity, budget, number of units;
- per participant: its items, quantity, budget and funding;
- per funding source (资金构成): amount per source, overall and per item;
- the grand total; the units that declined (with their reason) and those that never answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from procurement import access
from procurement.models import FundingLine, Lot, Organization, Project, SubPlan
from volume.models import Response, VolumeDetails

CENT = Decimal("0.01")

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)

# Who reads the aggregate: the lead (and a read-only colleague), the entrusted agency, finance of the region.
READERS = (Organization.Kind.BUDGET_UNIT, Organization.Kind.AGENCY, Organization.Kind.FINANCE)
READERS_REFUSAL = "只有牵头单位、受托代理机构和财政部门可以查看集中带量采购汇总"


def _zero() -> Value:
    return Value(ZERO, output_field=MONEY)


# --- who reads it ------------------------------------------------------------------------------------

def volume_projects() -> QuerySet[Project]:
    """Every volume project opened through volume's services (it has its ``VolumeDetails``)."""
    return Project.objects.filter(pk__in=VolumeDetails.objects.values("project_id"))


def aggregate_projects(user) -> QuerySet[Project]:
    """The volume projects whose aggregate ``user`` reads: those it runs (the lead, the entrusted agency) and, for
    finance staff, those of their region and below. A participant reads only its own response: not here (404)."""
    projects = volume_projects()
    if access.is_superuser(user):
        return projects
    q = Q(pk__in=access.projects_run_by(user).values("pk"))
    finance = access.region_paths(user, kind=Organization.Kind.FINANCE)
    if finance:
        q |= (access.under_regions("scope_region__path", finance)
              | access.under_regions("organizer__region__path", finance))
    return projects.filter(q)


def plan_projects(user) -> QuerySet[Project]:
    """The volume projects whose implementation plan ``user`` files: those whose lead it acts for."""
    projects = volume_projects()
    if access.is_superuser(user):
        return projects
    return projects.filter(organizer_id__in=access.org_ids(user))


# --- what counts --------------------------------------------------------------------------------------

def submitted_units(project: Project) -> QuerySet:
    """The ids of the units whose volume response to ``project`` is submitted."""
    return Response.objects.filter(project_id=project.pk, status=Response.Status.SUBMITTED).values("unit_id")


def counted_sub_plans(project: Project) -> QuerySet[SubPlan]:
    """The sub-plans the aggregate counts: submitted or frozen, of units whose response is submitted."""
    return SubPlan.objects.filter(project_id=project.pk, status__in=SubPlan.COUNTED,
                                  unit_id__in=submitted_units(project))


def counted_funding_lines(project: Project) -> QuerySet[FundingLine]:
    return FundingLine.objects.filter(sub_plan__in=counted_sub_plans(project))


# --- the totals ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceAmount:
    source: str
    label: str
    amount_yuan: Decimal


@dataclass
class ItemTotal:
    """One item of the 采购内容清单 with what the counted responses ask of it."""

    lot: Lot
    quantity: Decimal
    budget_yuan: Decimal
    unit_count: int
    funding: list[SourceAmount] = field(default_factory=list)

    @property
    def funding_yuan(self) -> Decimal:
        return sum((line.amount_yuan for line in self.funding), ZERO)


@dataclass
class ParticipantTotal:
    """One participant's counted response: its items (sub-plans with their funding lines) and its totals."""

    unit: Organization
    item_count: int
    budget_yuan: Decimal
    funding_yuan: Decimal
    sub_plans: list[SubPlan] = field(default_factory=list)


@dataclass
class Aggregate:
    project: Project
    items: list[ItemTotal]
    sources: list[SourceAmount]
    budget_yuan: Decimal
    funding_yuan: Decimal
    sub_plan_count: int
    participant_count: int
    eligible_count: int
    declined_count: int
    unanswered_count: int

    @property
    def counted_items(self) -> list[ItemTotal]:
        return [item for item in self.items if item.unit_count]

    @property
    def funding_gap_yuan(self) -> Decimal:
        """Budget not covered by funding lines (0 when every counted response's funding sums to its budget)."""
        return self.budget_yuan - self.funding_yuan


def _source_labels() -> dict[str, str]:
    return dict(FundingLine.Source.choices)


def item_totals(project: Project) -> list[ItemTotal]:
    """Every item of ``project`` (by number) with its counted quantity, budget, units and funding per source."""
    rows = {
        row["lot_id"]: row for row in counted_sub_plans(project).order_by().values("lot_id").annotate(
            quantity=Coalesce(Sum("quantity"), _zero()), budget=Coalesce(Sum("budget_yuan"), _zero()),
            units=Count("unit_id", distinct=True))
    }
    labels = _source_labels()
    funding: dict[int, list[SourceAmount]] = {}
    for row in (counted_funding_lines(project).order_by().values("sub_plan__lot_id", "source")
                .annotate(amount=Sum("amount_yuan")).order_by("sub_plan__lot_id", "source")):
        funding.setdefault(row["sub_plan__lot_id"], []).append(
            SourceAmount(row["source"], labels.get(row["source"], row["source"]), row["amount"]))
    order = list(FundingLine.Source.values)
    found = []
    for lot in project.lots.order_by("number"):
        row = rows.get(lot.pk, {})
        lines = sorted(funding.get(lot.pk, []), key=lambda line: order.index(line.source)
                       if line.source in order else len(order))
        found.append(ItemTotal(lot=lot, quantity=row.get("quantity", ZERO), budget_yuan=row.get("budget", ZERO),
                               unit_count=row.get("units", 0), funding=lines))
    return found


def source_totals(project: Project) -> list[SourceAmount]:
    """The amount of each funding source over every counted response, in the order of ``FundingLine.Source``."""
    amounts = dict(counted_funding_lines(project).order_by().values("source").annotate(amount=Sum("amount_yuan"))
                   .values_list("source", "amount"))
    labels = _source_labels()
    return [SourceAmount(source, labels[source], amounts[source]) for source in FundingLine.Source.values
            if source in amounts]


def participants(project: Project) -> QuerySet[Organization]:
    """The units with a counted response, by unit code, annotated with ``item_count``, ``budget_yuan`` and
    ``funding_yuan`` (sums in the database); page it, then ``participant_rows`` for a page's details."""
    counted = Q(sub_plans__in=counted_sub_plans(project))
    funded = FundingLine.objects.filter(sub_plan__in=counted_sub_plans(project), sub_plan__unit_id=OuterRef("pk"))
    funding = (funded.order_by().values("sub_plan__unit_id").annotate(total=Sum("amount_yuan")).values("total"))
    return (Organization.objects.filter(pk__in=counted_sub_plans(project).values("unit_id"))
            .annotate(item_count=Count("sub_plans", filter=counted),
                      budget_yuan=Coalesce(Sum("sub_plans__budget_yuan", filter=counted), _zero()),
                      funding_yuan=Coalesce(Subquery(funding, output_field=MONEY), _zero()))
            .select_related("region").order_by("unit_code", "pk"))


def participant_rows(project: Project, units) -> list[ParticipantTotal]:
    """``units`` (from ``participants``, e.g. one page of it) with their counted sub-plans and funding lines."""
    units = list(units)
    plans: dict[int, list[SubPlan]] = {}
    rows = (counted_sub_plans(project).filter(unit_id__in=[unit.pk for unit in units])
            .select_related("lot").prefetch_related(Prefetch("funding_lines",
                                                             queryset=FundingLine.objects.order_by("pk")))
            .order_by("lot__number"))
    for sub_plan in rows:
        plans.setdefault(sub_plan.unit_id, []).append(sub_plan)
    return [ParticipantTotal(unit=unit, item_count=unit.item_count, budget_yuan=unit.budget_yuan,
                             funding_yuan=unit.funding_yuan, sub_plans=plans.get(unit.pk, []))
            for unit in units]


def declined_responses(project: Project) -> QuerySet[Response]:
    """The units that declined, with their reason."""
    return (Response.objects.filter(project_id=project.pk, status=Response.Status.DECLINED)
            .select_related("unit", "unit__region").order_by("unit__unit_code", "pk"))


def unanswered_units(project: Project) -> QuerySet[Organization]:
    """The invited units that never answered (no response, or a draft never submitted), with ``has_draft``."""
    answered = Response.objects.filter(project_id=project.pk, status__in=Response.ANSWERED).values("unit_id")
    drafts = Response.objects.filter(project_id=project.pk, unit_id=OuterRef("pk"), status=Response.Status.DRAFT)
    return (Organization.objects.filter(eligibilities__project_id=project.pk).exclude(pk__in=answered)
            .annotate(has_draft=Exists(drafts)).select_related("region").order_by("unit_code", "pk"))


def aggregate(project: Project) -> Aggregate:
    """The whole aggregate of ``project`` (items, sources, grand total, counts of who answered how)."""
    items = item_totals(project)
    sources = source_totals(project)
    totals = counted_sub_plans(project).aggregate(
        budget=Coalesce(Sum("budget_yuan"), _zero()), count=Count("pk"), units=Count("unit_id", distinct=True))
    return Aggregate(
        project=project,
        items=items,
        sources=sources,
        budget_yuan=totals["budget"],
        funding_yuan=counted_funding_lines(project).aggregate(total=Coalesce(Sum("amount_yuan"), _zero()))["total"],
        sub_plan_count=totals["count"],
        participant_count=totals["units"],
        eligible_count=project.eligible_units.count(),
        declined_count=declined_responses(project).count(),
        unanswered_count=unanswered_units(project).count(),
    )


def _cents(value) -> str:
    """A sum as a string with its two decimals, whatever the database returned (SQLite's sums drop the scale:
    62400 where PostgreSQL says 62400.00)."""
    return str(Decimal(value).quantize(CENT))


def aggregate_snapshot(summary: Aggregate) -> dict:
    """The aggregate as the implementation plan keeps it (JSON: amounts and quantities as strings, to the cent)."""
    return {
        "items": [{
            "lot_id": item.lot.pk, "number": item.lot.number, "name": item.lot.name,
            "category": item.lot.category.code if item.lot.category_id else "",
            "unit_of_measure": item.lot.unit_of_measure, "quantity": _cents(item.quantity),
            "budget_yuan": _cents(item.budget_yuan), "unit_count": item.unit_count,
            "funding": [{"source": line.source, "amount_yuan": _cents(line.amount_yuan)} for line in item.funding],
        } for item in summary.counted_items],
        "funding": [{"source": line.source, "amount_yuan": _cents(line.amount_yuan)} for line in summary.sources],
        "budget_yuan": _cents(summary.budget_yuan),
        "funding_yuan": _cents(summary.funding_yuan),
        "sub_plan_count": summary.sub_plan_count,
        "participant_count": summary.participant_count,
        "eligible_count": summary.eligible_count,
        "declined_count": summary.declined_count,
        "unanswered_count": summary.unanswered_count,
    }

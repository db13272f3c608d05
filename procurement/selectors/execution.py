"""Reads of the execution half of a procurement (实施采购 → 定标 → 统采分签), whatever the mode.

- who runs and who reads the execution of a project: ``MANAGERS`` and ``READERS``, with the project lookups
  ``execution_projects_managed`` and ``execution_projects_readable``, one declaration for the pages, the API and
  the admin;
- ``project_savings``: 节约率 per lot and for the project;
- ``signing_board``: who has signed, who has not, and every legal deadline of the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from procurement import access, deadlines
from procurement.models import Award, Contract, ContractLine, Lot, Organization, Project, SubPlan
from procurement.models.contracts import line_amount
from procurement.services.signing_deadlines import signing_due

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=2))


def award_notice_due(awarded_on: date) -> date:
    """The last day to publish the award notice (《政府采购法实施条例》第四十三条, working days)."""
    return deadlines.due_date(awarded_on, deadlines.AWARD_NOTICE)


# --- selectors: who runs the procurement and who reads its results -----------------------------

# The one declaration of these rights, for the pages (``kind_required``) and the API (``seats_required``) alike
# (issue 8 point 4: the API served the signing board and the savings to units and suppliers the pages refused).
# The center, or its entrusted agency, runs the procurement of its own projects; finance staff read the savings
# and the signing board of the projects of their region. A unit sees its own contracts, a supplier its own, on
# their own pages: the board holds every unit's contract and the savings every lot's budget, so neither reads them.
# The lead unit of a volume project (a budget unit) runs its own project likewise (``access.RUNNER_KINDS``); a unit
# that leads nothing finds ``execution_projects_managed`` empty.
MANAGERS = access.RUNNER_KINDS
READERS = (*MANAGERS, Organization.Kind.FINANCE)


def execution_projects_managed(user) -> QuerySet[Project]:
    """The projects the user's center, agency or lead unit runs (``access.projects_run_by``), of every mode: the
    workspace
    and each of its steps (each step asks ``access.runs_project`` again with its own name)."""
    return access.projects_run_by(user, kinds=MANAGERS)


def execution_projects_readable(user) -> QuerySet[Project]:
    """Managed projects and, for finance staff, the projects of their region and below: the award list,
    the savings and the signing board."""
    q = Q(pk__in=execution_projects_managed(user).values("pk"))
    if access.has_seat(user, Organization.Kind.FINANCE):
        q |= Q(pk__in=access.projects_readable(user).values("pk"))
    return Project.objects.filter(q)


# --- selectors: savings ----------------------------------------------------------------------

def saving_rate(saving: Decimal, budget: Decimal) -> Decimal | None:
    """节约率 in percent with two decimals; None when there is no budget to save against."""
    if not budget:
        return None
    return (saving / budget * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SavingsLine:
    lot: Lot
    award: Award | None
    total_quantity: Decimal
    budget_yuan: Decimal
    unit_count: int
    awarded_amount_yuan: Decimal | None
    saving_yuan: Decimal | None
    saving_rate: Decimal | None

    @property
    def has_demand(self) -> bool:
        return self.unit_count > 0


@dataclass(frozen=True)
class Savings:
    project: Project
    lines: list[SavingsLine] = field(default_factory=list)
    # Budget units with at least one frozen sub-plan.
    unit_count: int = 0

    @property
    def budget_yuan(self) -> Decimal:
        """The budget of every lot with demand (the frozen sub-plans)."""
        return sum((line.budget_yuan for line in self.lines), Decimal(0))

    @property
    def total_quantity(self) -> Decimal:
        return sum((line.total_quantity for line in self.lines), Decimal(0))

    @property
    def awarded_lines(self) -> list[SavingsLine]:
        return [line for line in self.lines if line.awarded_amount_yuan is not None]

    @property
    def awarded_budget_yuan(self) -> Decimal:
        """The budget of the awarded lots only: the saving compares like with like."""
        return sum((line.budget_yuan for line in self.awarded_lines), Decimal(0))

    @property
    def awarded_amount_yuan(self) -> Decimal:
        return sum((line.awarded_amount_yuan for line in self.awarded_lines), Decimal(0))

    @property
    def saving_yuan(self) -> Decimal:
        return self.awarded_budget_yuan - self.awarded_amount_yuan

    @property
    def saving_rate(self) -> Decimal | None:
        return saving_rate(self.saving_yuan, self.awarded_budget_yuan)

    @property
    def all_awarded(self) -> bool:
        """Every lot with demand has an award (the condition of 定标)."""
        return all(line.award is not None for line in self.lines if line.has_demand)

    @property
    def first_awarded_on(self) -> date | None:
        return min((line.award.awarded_on for line in self.lines if line.award is not None), default=None)

    @property
    def award_notice_due(self) -> date | None:
        first = self.first_awarded_on
        return award_notice_due(first) if first else None


def project_savings(project: Project) -> Savings:
    """节约率 per lot and for the project: budget = the frozen sub-plans' budgets, awarded amount =
    their total quantity × the award's unit price, saving = budget − awarded amount. Two queries."""
    frozen = Q(sub_plans__status=SubPlan.Status.FROZEN)
    lots = (
        Lot.objects.filter(project_id=project.pk)
        .select_related("award", "award__supplier", "category")
        .annotate(
            frozen_quantity=Coalesce(Sum("sub_plans__quantity", filter=frozen), ZERO),
            frozen_budget_yuan=Coalesce(Sum("sub_plans__budget_yuan", filter=frozen), ZERO),
            frozen_unit_count=Count("sub_plans__unit", filter=frozen, distinct=True),
        )
        .order_by("number", "pk")
    )
    lines = []
    for lot in lots:
        award = getattr(lot, "award", None)
        amount = saving = rate = None
        if award is not None:
            amount = line_amount(lot.frozen_quantity, award.unit_price_yuan)
            saving = lot.frozen_budget_yuan - amount
            rate = saving_rate(saving, lot.frozen_budget_yuan)
        lines.append(SavingsLine(lot, award, lot.frozen_quantity, lot.frozen_budget_yuan, lot.frozen_unit_count,
                                 amount, saving, rate))
    units = (
        SubPlan.objects.filter(project_id=project.pk, status=SubPlan.Status.FROZEN)
        .values("unit_id").distinct().count()
    )
    return Savings(project=project, lines=lines, unit_count=units)


# --- selectors: the signing board --------------------------------------------------------------

@dataclass(frozen=True)
class UnsignedUnit:
    """A budget unit with at least one contract still to sign."""

    unit_id: int
    name: str
    unit_code: str
    contract_count: int
    amount_yuan: Decimal
    signing_due: date | None
    overdue: bool


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SigningBoard:
    project: Project
    today: date
    contracts: QuerySet[Contract]
    unsigned_units: list[UnsignedUnit]
    status_counts: list[StatusCount]
    total: int
    signing_overdue_count: int
    publish_overdue_count: int
    filing_overdue_count: int
    # Frozen sub-plans of awarded lots that have no contract yet (not generated).
    without_contract_count: int
    # {award id: last day to sign} for the template (one award per lot).
    signing_dues: dict[int, date]


BOARD_FILTERS = {"unsigned", "overdue"}


def _signing_overdue(today: date) -> Q:
    """Draft contracts whose 30-day signing limit has passed (awarded_on + 30 < today)."""
    cutoff = today - timedelta(days=deadlines.CONTRACT_SIGNING.days)
    return Q(status=Contract.Status.DRAFT, award__awarded_on__lt=cutoff)


def signing_board(
    project: Project,
    *,
    today: date | None = None,
    status: str = "",
    lot_id: int | None = None,
    q: str = "",
) -> SigningBoard:
    """Every unit's contract of ``project`` with its deadlines and overdue flags; unsigned ones first.

    ``status`` filters by contract status, or "unsigned" / "overdue" (any legal deadline passed).
    """
    today = today or deadlines.today()
    all_contracts = Contract.objects.filter(project_id=project.pk)
    same_row = {"pk": OuterRef("pk")}
    contracts = (
        all_contracts.select_related("buyer", "buyer__region", "supplier", "award")
        .prefetch_related(Prefetch("lines", queryset=ContractLine.objects.select_related("lot")))
        .annotate(
            first_lot_number=Subquery(ContractLine.objects.filter(contract=OuterRef("pk")).order_by("number")
                                      .values("lot__number")[:1]),
            is_signing_overdue=Case(When(_signing_overdue(today), then=Value(True)), default=Value(False),
                                    output_field=BooleanField()),
            is_publish_overdue=Exists(Contract.objects.publish_overdue(today).filter(**same_row)),
            is_filing_overdue=Exists(Contract.objects.filing_overdue(today).filter(**same_row)),
            unsigned_first=Case(When(status=Contract.Status.DRAFT, then=Value(0)), default=Value(1),
                                output_field=IntegerField()),
        )
        .order_by("unsigned_first", "first_lot_number", "buyer__name", "pk")
    )
    if status == "unsigned":
        contracts = contracts.filter(status=Contract.Status.DRAFT)
    elif status == "overdue":
        contracts = contracts.filter(
            _signing_overdue(today)
            | Q(pk__in=Contract.objects.publish_overdue(today).values("pk"))
            | Q(pk__in=Contract.objects.filing_overdue(today).values("pk"))
        )
    elif status in Contract.Status.values:
        contracts = contracts.filter(status=status)
    if lot_id:
        contracts = contracts.filter(pk__in=ContractLine.objects.filter(lot_id=lot_id).values("contract_id"))
    q = (q or "").strip()
    if q:
        contracts = contracts.filter(Q(buyer__name__icontains=q) | Q(buyer__unit_code__icontains=q)
                                     | Q(code__icontains=q))

    unsigned_rows = (
        all_contracts.filter(status=Contract.Status.DRAFT)
        .values("buyer_id", "buyer__name", "buyer__unit_code")
        .annotate(n=Count("pk"), amount=Sum("amount_yuan"), first_awarded=Min("award__awarded_on"))
        .order_by("first_awarded", "buyer__name", "buyer_id")
    )
    unsigned = []
    for row in unsigned_rows:
        due = signing_due(row["first_awarded"]) if row["first_awarded"] else None
        unsigned.append(UnsignedUnit(row["buyer_id"], row["buyer__name"], row["buyer__unit_code"], row["n"],
                                     row["amount"] or Decimal(0), due, due is not None and today > due))
    unsigned.sort(key=lambda u: (not u.overdue, u.signing_due or date.max, u.name))

    found = dict(all_contracts.order_by().values_list("status").annotate(n=Count("pk")))
    counts = [StatusCount(value, label, found.get(value, 0)) for value, label in Contract.Status.choices]
    awards = Award.objects.filter(project_id=project.pk).values_list("pk", "awarded_on")
    return SigningBoard(
        project=project,
        today=today,
        contracts=contracts,
        unsigned_units=unsigned,
        status_counts=counts,
        total=sum(found.values()),
        signing_overdue_count=all_contracts.filter(_signing_overdue(today)).count(),
        publish_overdue_count=all_contracts.publish_overdue(today).count(),
        filing_overdue_count=all_contracts.filing_overdue(today).count(),
        without_contract_count=SubPlan.objects.filter(project_id=project.pk, status=SubPlan.Status.FROZEN,
                                                      contract_line__isnull=True, lot__award__isnull=False).count(),
        signing_dues={pk: signing_due(day) for pk, day in awards},
    )

"""The lead's signing board of a volume project (753号 第6步, 四(三)): each participant's contract with where it stands
— signed, published (合同公告, 2 working days: 《政府采购法实施条例》第五十条), filed, accepted, paid — the days elapsed
since the award notice for a contract not yet signed, and the core's overdue flags
(``procurement.selectors.execution.signing_board``: signing, publication, filing).

Who reads it: the lead and the entrusted agency (every row), finance of a participant's region (that region's rows
only, read-only). Finance also sees the unsigned volume contracts of its region on its home (``finance_unsigned``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from procurement import access, deadlines
from procurement.models import Contract, Mode, Organization, Project
from procurement.selectors.execution import project_savings, signing_board
from procurement.services.signing_deadlines import signing_due

FINANCE = Organization.Kind.FINANCE


def finance_region_q(user, field: str = "buyer__region__path") -> Q | None:
    """Rows of the user's finance regions and below, or None when the user holds no finance seat."""
    paths = access.region_paths(user, kind=FINANCE)
    return access.under_regions(field, paths) if paths else None


def board_projects(user) -> QuerySet[Project]:
    """Volume projects whose board ``user`` reads: those it runs (lead, agency), and for finance those with a
    contract or a participant in its region."""
    volume = Project.objects.filter(mode=Mode.VOLUME)
    if access.is_superuser(user):
        return volume
    q = Q(pk__in=access.projects_run_by(user).values("pk"))
    region = finance_region_q(user)
    if region is not None:
        q |= Q(pk__in=Contract.objects.filter(region).values("project_id"))
        q |= Q(pk__in=access.projects_readable(user).values("pk"))
    return volume.filter(q)


def sees_every_row(user, project: Project) -> bool:
    return access.is_superuser(user) or access.runs_project(user, project) or access.acts_for(
        user, project.organizer_id, write=False) or access.acts_for(user, project.agency_id, write=False)


def award_notice_day(project: Project) -> date | None:
    notice = project.award_notice
    return timezone.localdate(notice.published_at) if notice is not None and notice.published_at else None


@dataclass(frozen=True)
class BoardRow:
    contract: Contract
    items: str
    since: date | None
    days_elapsed: int | None
    signing_due: date | None
    signing_overdue: bool
    publish_overdue: bool
    filing_overdue: bool

    @property
    def signed(self) -> bool:
        return self.contract.signed_on is not None

    @property
    def overdue(self) -> bool:
        return self.signing_overdue or self.publish_overdue or self.filing_overdue


@dataclass(frozen=True)
class Board:
    project: Project
    today: date
    rows: list[BoardRow]
    without_contract_count: int

    def count(self, attr: str) -> int:
        return sum(1 for row in self.rows if getattr(row.contract, attr) is None
                   and row.contract.status != Contract.Status.TERMINATED)

    @property
    def unsigned(self) -> int:
        return self.count("signed_on")

    @property
    def unpublished(self) -> int:
        return self.count("published_on")

    @property
    def unfiled(self) -> int:
        return self.count("filed_on")

    @property
    def unaccepted(self) -> int:
        return self.count("accepted_on")

    @property
    def unpaid(self) -> int:
        return self.count("paid_on")

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)

    @property
    def amount_yuan(self) -> Decimal:
        return sum((row.contract.amount_yuan for row in self.rows), Decimal(0))


def _items(contract: Contract) -> str:
    return "、".join(f"{line.description} {line.quantity.normalize():f}{line.unit_of_measure}"
                     for line in contract.lines.all())


def board(project: Project, user, *, today: date | None = None) -> Board:
    """Every participant's contract of ``project`` as ``user`` may see it (finance: its region's rows)."""
    today = today or deadlines.today()
    core = signing_board(project, today=today)
    contracts = core.contracts.exclude(status=Contract.Status.TERMINATED)
    if not sees_every_row(user, project):
        region = finance_region_q(user)
        contracts = contracts.filter(region) if region is not None else contracts.none()
    since_notice = award_notice_day(project)
    rows = []
    for contract in contracts:
        since = since_notice or (contract.award.awarded_on if contract.award_id else None)
        unsigned = contract.status == Contract.Status.DRAFT
        rows.append(BoardRow(
            contract=contract, items=_items(contract), since=since,
            days_elapsed=(today - since).days if unsigned and since else None,
            signing_due=signing_due(contract.award.awarded_on) if contract.award_id else None,
            signing_overdue=contract.is_signing_overdue, publish_overdue=contract.is_publish_overdue,
            filing_overdue=contract.is_filing_overdue,
        ))
    return Board(project=project, today=today, rows=rows, without_contract_count=core.without_contract_count)


@dataclass(frozen=True)
class AwardLine:
    number: int
    name: str
    supplier: str
    unit_price_yuan: Decimal
    quantity: Decimal
    unit_of_measure: str
    amount_yuan: Decimal | None


def award_lines(project: Project) -> list[AwardLine]:
    """The award per item (supplier, price) over the participants' frozen quantities."""
    return [
        AwardLine(line.lot.number, line.lot.name, line.award.supplier.name, line.award.unit_price_yuan,
                  line.total_quantity, line.lot.unit_of_measure, line.awarded_amount_yuan)
        for line in project_savings(project).lines if line.award is not None
    ]


def finance_unsigned(user, *, today: date | None = None, limit: int = 50) -> list[dict]:
    """Unsigned volume contracts whose participant is in the finance user's region, oldest award first, with the
    days elapsed since the award notice (753号 四(三): a participant may not refuse to sign)."""
    region = finance_region_q(user)
    if region is None:
        return []
    today = today or deadlines.today()
    found = (Contract.objects.filter(region, project__mode=Mode.VOLUME, status=Contract.Status.DRAFT)
             .select_related("project", "project__award_notice", "buyer", "supplier", "award")
             .order_by("award__awarded_on", "buyer__name", "pk")[:limit])
    rows = []
    for contract in found:
        since = award_notice_day(contract.project) or (contract.award.awarded_on if contract.award_id else None)
        due = signing_due(contract.award.awarded_on) if contract.award_id else None
        rows.append({"contract": contract, "since": since, "days_elapsed": (today - since).days if since else None,
                     "signing_due": due, "overdue": bool(due and today > due)})
    return rows

from .audit import AppendOnlyError, ProjectEvent
from .calendar import CalendarDay, CalendarYear
from .contracts import Contract, ContractLine, Filing
from .imports import ImportJob
from .notifications import Notification, OutboundMail, Reminder
from .projects import (
    Award,
    EligibleUnit,
    FundingLine,
    Lot,
    Mode,
    ModeManager,
    ProcurementMethod,
    Project,
    SubPlan,
)
from .reference import Category, Membership, Organization, Region

__all__ = [
    "AppendOnlyError",
    "Award",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "Contract",
    "ContractLine",
    "EligibleUnit",
    "Filing",
    "FundingLine",
    "ImportJob",
    "Lot",
    "Membership",
    "Mode",
    "ModeManager",
    "Notification",
    "Organization",
    "OutboundMail",
    "ProcurementMethod",
    "Project",
    "ProjectEvent",
    "Region",
    "Reminder",
    "SubPlan",
]

from .audit import AppendOnlyError, EventAction, ProjectEvent
from .calendar import CalendarDay, CalendarYear
from .contracts import Contract, ContractLine, Filing
from .documents import ProjectDocument
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
from .tasks import Cycle, TaskNotice

__all__ = [
    "AppendOnlyError",
    "Award",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "Contract",
    "ContractLine",
    "Cycle",
    "EligibleUnit",
    "EventAction",
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
    "ProjectDocument",
    "ProjectEvent",
    "Region",
    "Reminder",
    "SubPlan",
    "TaskNotice",
]

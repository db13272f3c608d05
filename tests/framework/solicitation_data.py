"""Test data of the solicitation slice: a framework project with its plan filed (the plan slice's end state, made
directly with the models), its solicitation published, suppliers and their responses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from framework.models import (
    AgreementType,
    EvaluationMethod,
    FrameworkDetails,
    FrameworkLot,
    FrameworkPlan,
    SolicitationResponse,
    SubjectKind,
    TieBreakRule,
)
from procurement.models import Lot, Organization, Project
from tests.factories import SupplierFactory
from tests.framework.factories import framework_project
from tests.world import World


def pdf(name: str = "资格证明文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% qualification\n", content_type="application/pdf")


def filed_plan(world: World, *, lots: int = 1, agreement_type: str = AgreementType.CLOSED,
               method: str = EvaluationMethod.PRICE_PRIORITY, rate: Decimal | str = "20",
               tie_break: str = TieBreakRule.EARLIER_SUBMISSION, is_lab_instrument: bool = False,
               deduction: int = 10) -> FrameworkPlan:
    """A framework project of the world's center with ``lots`` lots (最高限制单价 5000元) and its plan filed; a closed
    one gives small and micro enterprises a ``deduction``% price deduction (财库〔2022〕17号 五)."""
    project = framework_project(world, lots=lots)
    is_open = agreement_type == AgreementType.OPEN
    plan = FrameworkPlan.objects.create(
        project=project, status=FrameworkPlan.Status.FILED, agreement_type=agreement_type,
        subject_kind=SubjectKind.GOODS, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
        content="台式计算机", shortlist_tie_break="" if is_open else tie_break,
        small_micro_deduction_percent=None if is_open else deduction, filed_at=timezone.now())
    for lot in Lot.objects.filter(project=project):
        FrameworkLot.objects.create(
            lot=lot, price_basis=FrameworkLot.PriceBasis.SURVEY, is_lab_instrument=is_lab_instrument,
            evaluation_method="" if is_open else method,
            elimination_rate_percent=None if is_open else Decimal(str(rate)))
    return plan


def published(plan: FrameworkPlan, *, deadline: datetime | None = None) -> Project:
    """The plan's solicitation published (a notice row, the deadline set) without the service's period check. An
    open plan's notice sets no deadline, as ``solicitation_publish`` (annex 8 note 1: suppliers join at any time)."""
    from notices.models import Notice

    project = plan.project
    notice = Notice.objects.create(type=Notice.Type.FRAMEWORK_SOLICITATION, title=f"{project.title}框架协议征集公告",
                                   body="征集", region=project.scope_region, project=project,
                                   publisher=project.organizer, published_at=timezone.now())
    FrameworkDetails.objects.update_or_create(project=project, defaults={"solicitation_notice": notice})
    if plan.is_open:
        project.response_opens_at = project.response_deadline = None
        project.save(update_fields=["response_opens_at", "response_deadline"])
        return project
    project.response_opens_at = timezone.now() - timedelta(days=30)
    project.response_deadline = deadline or timezone.now() + timedelta(days=10)
    project.save(update_fields=["response_opens_at", "response_deadline"])
    return project


def close(project: Project) -> Project:
    """Move the deadline into the past (the responses are unsealed)."""
    project.response_deadline = timezone.now() - timedelta(minutes=1)
    project.response_opens_at = min(project.response_opens_at or project.response_deadline,
                                    project.response_deadline - timedelta(days=20))
    project.save(update_fields=["response_deadline", "response_opens_at"])
    return project


def suppliers(count: int, *, prefix: str = "征集供应商") -> list[Organization]:
    return [SupplierFactory(name=f"{prefix}{i:02d}") for i in range(1, count + 1)]


def responses(lot: Lot, prices: list[Decimal | int | str], *, qualified: bool | None = None,
              scores: list | None = None, start: datetime | None = None, prefix: str = "征集供应商",
              sizes: list[str] | None = None) -> list[SolicitationResponse]:
    """Submitted responses of new suppliers to ``lot`` at ``prices`` (submitted one minute apart, in order), each
    declared a small enterprise unless ``sizes`` says otherwise; evaluated as ``qualified`` when given."""
    start = start or timezone.now() - timedelta(days=5)
    made = []
    for index, (supplier, price) in enumerate(zip(suppliers(len(prices), prefix=f"{prefix}{lot.pk}-"), prices,
                                                  strict=True)):
        fields = {}
        if qualified is not None:
            fields["qualification"] = (SolicitationResponse.Qualification.QUALIFIED if qualified
                                       else SolicitationResponse.Qualification.DISQUALIFIED)
        if scores is not None:
            fields["quality_score"] = Decimal(str(scores[index]))
        made.append(SolicitationResponse.objects.create(
            lot=lot, supplier=supplier, price_yuan=Decimal(str(price)),
            sme_size=sizes[index] if sizes else Organization.SmeSize.SMALL,
            status=SolicitationResponse.Status.SUBMITTED, submitted_at=start + timedelta(minutes=index),
            qualification_file=pdf(), **fields))
    return made

"""拟定品目 (seed 000 三(一)1(1)): the center proposes batch categories to finance, which deliberates.

The step between the three-dimension analysis and the task notice. The seed says:
集中采购机构从采购品目、预算金额和采购单位三个维度对政府采购预算资金安排情况进行综合分析……拟定实施批量
集中采购品目报同级财政部门。财政部门在完成对拟开展批量集中采购品目相关情况论证后，形成《批量集中采购任务通知单》.

Rules:
- the center proposes from the table of its own level's finance bureau (同级), and only from the
  current table of the year;
- only categories of that table inside the government centralized catalog (seed 000 二(一)2);
  the analysis' figures and reasoning are kept with each category as they stood;
- a category the analysis does not recommend needs the center's reasons (报送说明);
- a category still under deliberation (待论证) is not proposed twice for the same table;
- the finance bureau the proposal went to decides on each category: 采纳 drafts a task notice for
  it (the bureau then completes and issues it), 不予采纳 needs a reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from batch.analysis import Candidate, batch_candidates
from batch.models import Arrangement, CategoryProposal, ProposedCategory
from procurement import access
from procurement.formats import chinese_date_padded
from procurement.models import Category, Cycle, Mode, Organization, Region, TaskNotice
from procurement.services.errors import ServiceError
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify
from procurement.services.tasks import task_notice_create
from procurement.services.transitions import transition_run

Kind = Organization.Kind
NOTE_MAX = 2000


# --- reads ---------------------------------------------------------------------------------------

def _visible(user, prefix: str = "") -> Q:
    """Finance sees the proposals sent to its bureau and the bureaus below; a center sees its own."""
    if access.is_superuser(user):
        return Q()
    q = access.under_regions(f"{prefix}finance_bureau__region__path", access.region_paths(user, kind=Kind.FINANCE))
    return q | Q(**{f"{prefix}center_id__in": access.org_ids(user, kind=Kind.CENTER)})


def proposals_visible(user) -> QuerySet[CategoryProposal]:
    items = ProposedCategory.objects.select_related("category", "task").order_by("rank", "pk")
    return (
        CategoryProposal.objects.filter(_visible(user))
        .select_related("center", "finance_bureau", "arrangement", "submitted_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .annotate(pending_count=Count("items", filter=Q(items__status=ProposedCategory.Status.PENDING)))
    )


def proposed_category_visible(user, *, proposal_id: int, pk: int) -> ProposedCategory | None:
    """One category of a proposal ``user`` sees, with what deciding on it reads, in one query."""
    return (
        ProposedCategory.objects.filter(_visible(user, "proposal__"), proposal_id=proposal_id, pk=pk)
        .select_related("category", "proposal__center", "proposal__finance_bureau__region").first()
    )


def proposing_centers(user, arrangement: Arrangement) -> list[Organization]:
    """The centers ``user`` may propose for from ``arrangement``: those it acts for, of the bureau's level."""
    centers = Organization.objects.filter(kind=Kind.CENTER, is_active=True,
                                          region_id=arrangement.finance_bureau.region_id)
    if not access.is_superuser(user):
        centers = centers.filter(pk__in=access.org_ids(user, kind=Kind.CENTER, write=True))
    return list(centers.order_by("name"))


def pending_category_ids(arrangement: Arrangement) -> set[int]:
    """Categories of ``arrangement`` already proposed and still under deliberation."""
    return set(
        ProposedCategory.objects.filter(proposal__arrangement=arrangement, status=ProposedCategory.Status.PENDING)
        .values_list("category_id", flat=True)
    )


# --- the center proposes -------------------------------------------------------------------------

def _check_center(*, center: Organization, arrangement: Arrangement, actor) -> None:
    if center.kind != Kind.CENTER:
        raise ServiceError(f"「{center.name}」不是集中采购机构，不能报送批量集中采购品目建议", field="center")
    if not (access.is_superuser(actor) or access.acts_for(actor, center.pk)):
        raise PermissionDenied(f"您不是{center.name}的经办人员，不能以其名义报送品目建议")
    bureau = arrangement.finance_bureau
    if center.region_id != bureau.region_id:
        raise ServiceError(f"{center.name}与{bureau.name}不是同级，品目建议应报送同级财政部门", field="center")
    if not arrangement.is_current:
        raise ServiceError(f"该安排情况表已被{bureau.name}新导入的{arrangement.year}年度安排情况表替代，"
                           "请依据现行表分析后报送")


def _chosen(arrangement: Arrangement, category_ids: Iterable[int], note: str) -> list[Candidate]:
    try:
        wanted = list(dict.fromkeys(int(pk) for pk in category_ids))
    except (TypeError, ValueError):
        raise ServiceError("所选品目无效，请刷新页面后重新选择", field="categories") from None
    if not wanted:
        raise ServiceError("请至少选择一个拟实施批量集中采购的品目", field="categories")
    candidates = {c.stats.category_id: c for c in batch_candidates(arrangement=arrangement)}
    missing = [pk for pk in wanted if pk not in candidates]
    if missing:
        names = "、".join(f"{c.code} {c.name}" for c in Category.objects.filter(pk__in=missing).order_by("code"))
        raise ServiceError(f"品目「{names or '不存在的品目'}」不在该安排情况表的政府集中采购目录内品目中，"
                           "不能建议批量集中采购", field="categories")
    pending = pending_category_ids(arrangement) & set(wanted)
    if pending:
        names = "、".join(candidates[pk].stats.name for pk in wanted if pk in pending)
        raise ServiceError(f"品目「{names}」已报送财政部门，正在论证，不能重复报送", field="categories")
    chosen = [candidates[pk] for pk in wanted]
    not_recommended = [c.stats.name for c in chosen if not c.recommended]
    if not_recommended and not note:
        raise ServiceError(f"品目「{'、'.join(not_recommended)}」的分析结果为暂不建议，"
                           "请在报送说明中写明建议实施批量集中采购的理由", field="note")
    return sorted(chosen, key=lambda c: c.rank)


@transaction.atomic
def category_proposal_submit(*, arrangement: Arrangement, center: Organization, category_ids: Iterable[int],
                             note: str = "", actor) -> CategoryProposal:
    """拟定品目报财政部门: the chosen categories of ``arrangement``, each with its analysis as it stands now."""
    arrangement = Arrangement.objects.select_for_update().select_related("finance_bureau").get(pk=arrangement.pk)
    _check_center(center=center, arrangement=arrangement, actor=actor)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(f"报送说明不能超过{NOTE_MAX}个字", field="note")
    chosen = _chosen(arrangement, category_ids, note)
    proposal = CategoryProposal.objects.create(
        arrangement=arrangement, center=center, finance_bureau=arrangement.finance_bureau, year=arrangement.year,
        note=note, submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ProposedCategory.objects.bulk_create([
        ProposedCategory(proposal=proposal, category_id=c.stats.category_id, rank=c.rank, score=c.score,
                         unit_count=c.stats.unit_count, amount_wan=c.stats.total_amount_wan,
                         recommended=c.recommended, reasoning=c.reasoning)
        for c in chosen
    ])
    event_record(subject=proposal, action="submit", action_label="报送批量集中采购品目建议", actor=actor,
                 changes={"arrangement_id": arrangement.pk, "finance_bureau": arrangement.finance_bureau_id,
                          "categories": [c.stats.code for c in chosen], "note": note})
    names = "、".join(c.stats.name for c in chosen)
    organization_notify(
        organization=arrangement.finance_bureau, subject=proposal, kind="submitted",
        title=f"{center.name}报送了批量集中采购品目建议，待论证",
        body=f"{center.name}依据{arrangement.year}年度部门预算政府采购项目安排情况表的三维度分析，"
             f"建议对{names}实施批量集中采购，请论证后采纳（起草任务通知单）或说明不予采纳的理由。",
        url=reverse("batch:proposal-detail", args=[proposal.pk]),
    )
    return proposal


# --- finance deliberates (论证) ------------------------------------------------------------------

def _default_scope(bureau: Organization) -> tuple[str, list[Region]]:
    """The provincial bureau's task covers the province; a city or county bureau's, its own region."""
    if bureau.region.level == Region.Level.PROVINCE:
        return TaskNotice.Scope.PROVINCE, []
    return TaskNotice.Scope.REGIONS, [bureau.region]


def _purchase_limit(category: Category) -> str:
    limit = category.centralized_limit_yuan
    if limit:
        return f"集中采购目录内单项或批量金额在{limit / 10000:,.0f}万元以下的{category.name}采购项目（小额零星项目）"
    return f"集中采购目录内的{category.name}小额零星采购项目"


@transaction.atomic
def proposed_category_adopt(*, item: ProposedCategory, actor, note: str = "") -> ProposedCategory:
    """采纳: a draft task notice for the category, to the proposing center, its 论证情况 the analysis and the
    proposal; the bureau completes and issues it on the task notice's own page."""
    proposal = item.proposal
    bureau = proposal.finance_bureau
    note = (note or "").strip()
    basis = (f"{proposal.center.name}于{chinese_date_padded(proposal.submitted_at)}报送的批量集中采购"
             f"品目建议（依据{proposal.year}年度部门预算政府采购项目安排情况表，分析排名第{item.rank}位）："
             f"{item.reasoning}")
    if proposal.note:
        basis += f"报送说明：{proposal.note}"
    if note:
        basis += f"论证意见：{note}"
    scope, regions = _default_scope(bureau)
    task = task_notice_create(
        mode=Mode.BATCH, finance_bureau=bureau, center=proposal.center, category=item.category, year=proposal.year,
        purchase_limit=_purchase_limit(item.category), purchase_limit_yuan=item.category.centralized_limit_yuan,
        scope=scope, scope_regions=regions, cycle=Cycle.QUARTERLY, basis=basis, actor=actor,
    )

    def prepare(locked: ProposedCategory) -> dict[str, object]:
        locked.task, locked.decided_at, locked.decision_note = task, timezone.now(), note
        return {"task_id": task.pk, "note": note}

    adopted = transition_run(instance=item, name="adopt", actor=actor, note=note, prepare=prepare)
    _tell_center(adopted, title=f"{bureau.name}采纳了品目建议：{item.category.name}",
                 body=f"{bureau.name}已采纳您报送的{item.category.name}批量集中采购建议，并据此起草任务通知单，"
                      f"下达后请签收。" + (f"论证意见：{note}" if note else ""))
    return adopted


@transaction.atomic
def proposed_category_decline(*, item: ProposedCategory, actor, reason: str) -> ProposedCategory:
    """不予采纳, with the reason the center will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写不予采纳的理由", field="reason")
    if len(reason) > NOTE_MAX:
        raise ServiceError(f"理由不能超过{NOTE_MAX}个字", field="reason")

    def prepare(locked: ProposedCategory) -> dict[str, object]:
        locked.decided_at, locked.decision_note = timezone.now(), reason
        return {"reason": reason}

    declined = transition_run(instance=item, name="decline", actor=actor, note=reason, prepare=prepare)
    bureau = item.proposal.finance_bureau
    _tell_center(declined, title=f"{bureau.name}未采纳品目建议：{item.category.name}",
                 body=f"{bureau.name}决定不对{item.category.name}实施批量集中采购。理由：{reason}")
    return declined


def _tell_center(item: ProposedCategory, *, title: str, body: str) -> None:
    proposal = item.proposal
    organization_notify(organization=proposal.center, subject=item, kind=item.status, title=title, body=body,
                        url=reverse("batch:proposal-detail", args=[proposal.pk]))

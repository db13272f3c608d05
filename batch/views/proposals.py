"""Pages of 拟定品目 (seed 000 三(一)1(1)): the center proposes batch categories from the analysis to its
finance bureau; the bureau adopts each (drafting a task notice) or declines it with a reason.

Lookups go through ``proposals_visible`` (the bureau and the bureaus above it, the proposing center),
so anyone else's proposal answers 404; writes call ``batch.proposals``.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from batch import analysis
from batch import proposals as proposal_services
from batch.models import CategoryProposal, ProposedCategory, may_decide_proposal
from procurement.models import Organization
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER


class ProposalForm(forms.Form):
    center = forms.ModelChoiceField(label="报送单位", queryset=Organization.objects.none(), empty_label=None)
    categories = forms.TypedMultipleChoiceField(
        label="拟实施批量集中采购的品目", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个拟实施批量集中采购的品目",
                        "invalid_choice": "所选品目不在可选范围内，请刷新页面后重新选择"})
    note = forms.CharField(label="报送说明", required=False, max_length=proposal_services.NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="可结合国采中心批量采购计划和我省框架协议开展情况说明；选择分析结果为“暂不建议”"
                                     "的品目时必须填写理由。")

    def __init__(self, *args, centers: list[Organization], candidates, pending: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Organization.objects.filter(pk__in=[c.pk for c in centers])
        if len(centers) == 1:
            self.fields["center"].initial = centers[0]
            self.fields["center"].widget = forms.HiddenInput()
        self.fields["categories"].choices = [
            (c.stats.category_id, f"{c.stats.code} {c.stats.name}") for c in candidates
            if c.stats.category_id not in pending
        ]
        bootstrap(self)


class DecisionForm(forms.Form):
    note = forms.CharField(label="论证意见", required=False, max_length=proposal_services.NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DeclineForm(forms.Form):
    reason = forms.CharField(label="不予采纳的理由", max_length=proposal_services.NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写不予采纳的理由"})


def _visible(request, pk: int) -> CategoryProposal:
    return get_object_or_404(proposal_services.proposals_visible(request.user), pk=pk)


def _item(request, pk: int, item_pk: int) -> ProposedCategory:
    item = proposal_services.proposed_category_visible(request.user, proposal_id=pk, pk=item_pk)
    if item is None:
        raise Http404
    return item


@kind_required(CENTER)
def proposal_new(request, pk: int):
    """拟定品目: the analysis' candidates of one arrangement table, to tick and send to finance."""
    arrangement = get_object_or_404(analysis.arrangement_list(user=request.user), pk=pk)
    centers = proposal_services.proposing_centers(request.user, arrangement)
    candidates = analysis.batch_candidates(arrangement=arrangement)
    pending = proposal_services.pending_category_ids(arrangement)
    options = {"centers": centers, "candidates": candidates, "pending": pending}
    if request.method == "POST" and centers:
        form = ProposalForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            proposal = run_form_step(
                request, form,
                lambda: proposal_services.category_proposal_submit(
                    arrangement=arrangement, center=data["center"], category_ids=data["categories"],
                    note=data["note"], actor=request.user),
                done=f"品目建议已报送{arrangement.finance_bureau.name}，等待论证。",
            )
            if proposal is not None:
                return redirect("batch:proposal-detail", pk=proposal.pk)
    else:
        form = ProposalForm(initial={"categories": [c.stats.category_id for c in candidates if c.recommended]},
                            **options)
    selected = {int(value) for value in form["categories"].value() or [] if str(value).isdigit()}
    return render(request, "batch/proposals/new.html", {
        "arrangement": arrangement,
        "form": form,
        "may_propose": bool(centers) and arrangement.is_current,
        "rows": [(c, c.stats.category_id in pending, c.stats.category_id in selected) for c in candidates],
    })


@kind_required(FINANCE, CENTER)
def proposal_list(request):
    proposals = proposal_services.proposals_visible(request.user).order_by("-submitted_at", "-pk")
    return render(request, "batch/proposals/list.html", {"page": paginate(request, proposals)})


@kind_required(FINANCE, CENTER)
def proposal_detail(request, pk: int):
    proposal = _visible(request, pk)
    return render(request, "batch/proposals/detail.html", {
        "proposal": proposal,
        "decides": may_decide_proposal(proposal, request.user),
    })


@require_POST
@kind_required(FINANCE)
def proposal_item_adopt(request, pk: int, item_pk: int):
    item = _item(request, pk, item_pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    adopted = run_step(
        request, lambda: proposal_services.proposed_category_adopt(item=item, actor=request.user, note=note),
        done=f"已采纳「{item.category.name}」，并起草了任务通知单。请补充采购限额、适用范围、采购周期和文号后下达。",
    )
    if adopted:
        item.refresh_from_db(fields=["task"])
        return redirect("batch:task-detail", pk=item.task_id)
    return redirect("batch:proposal-detail", pk=pk)


@require_POST
@kind_required(FINANCE)
def proposal_item_decline(request, pk: int, item_pk: int):
    item = _item(request, pk, item_pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_step(
        request, lambda: proposal_services.proposed_category_decline(item=item, actor=request.user, reason=reason),
        done=f"已决定不予采纳「{item.category.name}」，理由已告知{item.proposal.center.name}。",
    )
    return redirect("batch:proposal-detail", pk=pk)


urlpatterns = [
    path("arrangements/<int:pk>/propose/", proposal_new, name="proposal-new"),
    path("proposals/", proposal_list, name="proposal-list"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/items/<int:item_pk>/adopt/", proposal_item_adopt, name="proposal-item-adopt"),
    path("proposals/<int:pk>/items/<int:item_pk>/decline/", proposal_item_decline, name="proposal-item-decline"),
]

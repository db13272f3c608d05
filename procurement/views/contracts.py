"""A budget unit's own contracts (统采分签): list, detail, and the steps sign → publish → file → accept → pay.

Lookups go through ``own_contracts`` so another unit's contract answers 404; each step calls its
contract service, and a refusal becomes a Chinese message with nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from procurement import access
from procurement.contract_text import contract_text_filename, contract_text_pdf
from procurement.models import Contract, Organization
from procurement.selectors import buyer
from procurement.services import contracts as contract_services
from procurement.views.common import file_download, kind_required, paginate, run_step
from procurement.views.forms import (
    ContractAcceptForm,
    ContractFilterForm,
    ContractPayForm,
    ContractPublishForm,
    ContractSignForm,
    ContractStepForm,
)

UNIT = Organization.Kind.BUDGET_UNIT
Status = Contract.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    source: str
    date_label: str
    date_kwarg: str
    form_class: type[forms.Form]
    help_text: str

    def service(self) -> Callable:
        return getattr(contract_services, f"contract_{self.name}")

    def form(self, contract: Contract, data=None, files=None) -> forms.Form:
        initial = {"amount_yuan": contract.amount_yuan} if self.form_class is ContractPayForm else {}
        return self.form_class(data, files, date_label=self.date_label, initial=initial)

    def arguments(self, cleaned: dict) -> dict:
        kwargs = {self.date_kwarg: cleaned["on"]} if "on" in cleaned else {}
        # The form's other fields are the service's own keyword arguments, by the same names.
        for name in ("note", "amount_yuan", "signed_file", "public_file", "withheld_note"):
            if name in cleaned:
                kwargs[name] = cleaned[name]
        return kwargs


STEPS = {
    step.name: step
    for step in (
        Step("sign", "签订合同", Status.DRAFT, "签订日期", "signed_on", ContractSignForm,
             "请上传双方签字盖章后的合同文本（PDF）；签订后系统按工作日计算合同公告和备案的截止日期。"),
        Step("publish", "合同公告", Status.SIGNED, "公告日期", "published_on", ContractPublishForm,
             "合同应自签订之日起2个工作日内公告（《政府采购法实施条例》第五十条）。确认后即在公告公示栏目发布合同公告，"
             "附合同文本（已上传公开版本的，发布公开版本）。"),
        Step("file", "合同备案", Status.PUBLISHED, "备案日期", "filed_on", ContractStepForm,
             "合同应自签订之日起7个工作日内报财政部门备案。"),
        Step("accept", "履约验收", Status.FILED, "验收日期", "accepted_on", ContractAcceptForm,
             "请按合同约定组织履约验收并填写验收意见。"),
        Step("pay", "资金支付", Status.ACCEPTED, "支付日期", "paid_on", ContractPayForm,
             "验收合格后按合同约定及时支付资金。"),
    )
}
NEXT_STEP = {step.source: step for step in STEPS.values()}
ORDER = [Status.DRAFT, Status.SIGNED, Status.PUBLISHED, Status.FILED, Status.ACCEPTED, Status.PAID]


def step_track(contract: Contract) -> list[tuple[Step, str]]:
    """Each step with "done", "current" (the next one to take) or "" for the progress bar."""
    if contract.status not in ORDER:
        return [(step, "") for step in STEPS.values()]
    reached = ORDER.index(contract.status)
    return [
        (step, "done" if ORDER.index(step.source) < reached else "current" if step.source == contract.status else "")
        for step in STEPS.values()
    ]


def _own_contract(request, pk: int) -> Contract:
    return get_object_or_404(buyer.own_contracts(request.user), pk=pk)


@kind_required(UNIT)
def contract_list(request):
    form = ContractFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    contracts = buyer.own_contract_list(request.user, status=filters.get("status") or "",
                                        q=(filters.get("q") or "").strip())
    return render(request, "unit/contract_list.html", {
        "form": form,
        "page": paginate(request, contracts),
        "filtered": any(filters.values()),
    })


@kind_required(UNIT)
def contract_detail(request, pk: int):
    contract = _own_contract(request, pk)
    step = NEXT_STEP.get(contract.status)
    return render(request, "unit/contract_detail.html", {
        "contract": contract,
        "step": step,
        "step_form": step.form(contract) if step else None,
        "history": buyer.history_of("contract", contract.pk)[:50],
        "labels": dict(Contract.Status.choices),
        "track": step_track(contract),
        "notice": contract_notice(contract),
    })


@require_POST
@kind_required(UNIT)
def contract_step(request, pk: int, step: str):
    contract = _own_contract(request, pk)
    spec = STEPS.get(step)
    if spec is None:
        raise Http404("没有这个操作")
    form = spec.form(contract, data=request.POST, files=request.FILES)
    if not form.is_valid():
        errors = [(f"{form.fields[name].label}：" if name in form.fields else "") + " ".join(msgs)
                  for name, msgs in form.errors.items()]
        messages.error(request, f"「{spec.label}」未完成：" + "；".join(errors))
        return redirect("unit-contract-detail", pk=contract.pk)
    run_step(
        request,
        lambda: spec.service()(contract=contract, actor=request.user, **spec.arguments(form.cleaned_data)),
        done=f"「{spec.label}」已完成。",
    )
    return redirect("unit-contract-detail", pk=contract.pk)


def contract_notice(contract: Contract):
    """The contract's published notice (合同公告), if any (the notices app keeps it, keyed to the contract)."""
    return contract.notices.filter(is_withdrawn=False).order_by("-published_at", "-pk").first()


DOCUMENTS = {"signed": ("signed_file", "合同文本"), "public": ("public_file", "合同文本（公开版本）")}


@login_required
def contract_document(request, pk: int, which: str):
    """The signed contract (or its public version), for whoever may see the contract: the buyer, the supplier,
    the center running the project, finance of the buyer's region (``access.visible_contracts``)."""
    if which not in DOCUMENTS:
        raise Http404("没有这个文件")
    contract = get_object_or_404(access.visible_contracts(request.user), pk=pk)
    field, label = DOCUMENTS[which]
    if not getattr(contract, field):
        raise Http404("该合同尚未上传此文件")
    return file_download(getattr(contract, field), name=f"{contract.code}{label}.pdf")


@login_required
def contract_text(request, pk: int):
    """The contract text to print, sign with the supplier and upload signed (for whoever may see the contract)."""
    contract = get_object_or_404(
        access.visible_contracts(request.user).select_related("project", "buyer", "supplier"), pk=pk)
    pdf = contract_text_pdf(contract=contract)
    return HttpResponse(pdf, content_type="application/pdf", headers={
        "Content-Disposition": content_disposition_header(True, contract_text_filename(contract)),
    })

"""A supplier's own contracts (统采分签: one per buying unit), each on its own page.

Lookups go through ``home.supplier_contracts`` (the access policy narrowed to the supplier's organizations),
so another supplier's contract answers 404 and none of its data is rendered.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from procurement.models import Contract, Organization
from procurement.selectors import buyer
from procurement.selectors import home as home_selectors
from procurement.views.common import kind_required, paginate
from procurement.views.contracts import contract_notice, step_track
from procurement.views.forms import ContractFilterForm

SUPPLIER = Organization.Kind.SUPPLIER


@kind_required(SUPPLIER)
def contract_list(request):
    form = ContractFilterForm(request.GET)
    form.fields["q"].widget.attrs["placeholder"] = "合同编号、名称、项目编号或采购人"
    filters = form.cleaned_data if form.is_valid() else {}
    contracts = home_selectors.supplier_contracts(request.user, q=(filters.get("q") or "").strip())
    if filters.get("status"):
        contracts = contracts.filter(status=filters["status"])
    return render(request, "supplier/contract_list.html", {
        "form": form,
        "page": paginate(request, contracts),
        "filtered": any(filters.values()),
    })


@kind_required(SUPPLIER)
def contract_detail(request, pk: int):
    contract = get_object_or_404(home_selectors.supplier_contracts(request.user), pk=pk)
    return render(request, "supplier/contract_detail.html", {
        "contract": contract,
        "notice": contract_notice(contract),
        "track": step_track(contract),
        "history": buyer.history_of("contract", contract.pk)[:50],
        "labels": dict(Contract.Status.choices),
    })

"""Second-stage pages (授予合同, seed 000 三(二)(6)).

The purchaser: the catalog of listed products of the framework agreements open to it (search by name, brand or
model, filter by lot), the order form (直接选定 from a listing; 二次竞价 or 顺序轮候 on a lot), its orders with their
status and contract. The supplier: its 二次竞价 invitations with the bid form, and the orders it won. The order's
page serves the purchaser, the suppliers concerned and the center running the project; others get 404.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from framework.models import Order, ProductListing, SecondStageMethod
from framework.selectors import orders as selectors
from framework.services import orders as services
from procurement import access
from procurement.models import Lot, Organization
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import PortalForm

BUYERS = (Organization.Kind.BUDGET_UNIT,)
SUPPLIERS = (Organization.Kind.SUPPLIER,)
ORDER_READERS = (Organization.Kind.BUDGET_UNIT, Organization.Kind.SUPPLIER, Organization.Kind.CENTER,
                 Organization.Kind.AGENCY, Organization.Kind.FINANCE)


# --- the purchaser's catalog ------------------------------------------------------------------------------

@kind_required(*BUYERS)
def catalog(request):
    q = request.GET.get("q", "").strip()[:100]
    try:
        lot_id = int(request.GET.get("lot") or 0) or None
    except ValueError:
        lot_id = None
    return render(request, "framework/orders/catalog.html", {
        "page": paginate(request, selectors.catalog_listings(request.user, q=q, lot_id=lot_id)),
        "lots": selectors.catalog_lots(request.user),
        "q": q,
        "lot_id": lot_id,
    })


# --- the order form -----------------------------------------------------------------------------------------

class OrderForm(PortalForm):
    purchaser = forms.ModelChoiceField(label="采购单位", queryset=Organization.objects.none(), empty_label=None)
    plan_filing_ref = forms.CharField(label="采购计划备案编号", max_length=64,
                                      help_text="预算管理一体化系统中第二阶段采购项目立项及采购计划备案编号")
    description = forms.CharField(label="采购内容", max_length=200)
    quantity = forms.DecimalField(label="数量", max_digits=14, decimal_places=2, min_value=0)
    budget = forms.DecimalField(label="预算金额（元）", max_digits=16, decimal_places=2, min_value=0)
    needs_imported = forms.BooleanField(label="需要采购进口产品", required=False)
    import_approval_ref = forms.CharField(label="进口产品核准文号", max_length=64, required=False,
                                          help_text="采购进口产品须经财政部门核准（财库〔2022〕17号 五）")
    selection_reason = forms.CharField(label="选定理由", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text="直接选定须记录选定理由")
    bidding_closes_at = forms.DateTimeField(label="报价截止时间", required=False,
                                            widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                       format="%Y-%m-%dT%H:%M"),
                                            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args, units, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchaser"].queryset = units
        if method != SecondStageMethod.DIRECT:
            del self.fields["selection_reason"]
        if method != SecondStageMethod.SECONDARY_BIDDING:
            del self.fields["bidding_closes_at"]


def _order_target(request) -> tuple[Lot, ProductListing | None]:
    """The lot (and for 直接选定 the listing) the form orders, from ?listing= or ?lot=; 404 outside the catalog."""
    source = request.POST if request.method == "POST" else request.GET
    listing_id, lot_id = source.get("listing"), source.get("lot")
    if listing_id:
        listing = selectors.catalog_listings(request.user).filter(pk=listing_id if listing_id.isdigit() else 0).first()
        if listing is None:
            raise Http404("商品不存在或不在本单位可采购的框架协议范围内")
        return listing.agreement.lot, listing
    lot = selectors.catalog_lots(request.user).filter(pk=lot_id if (lot_id or "").isdigit() else 0).first()
    if lot is None:
        raise Http404("采购包不存在或不在本单位可采购的框架协议范围内")
    return lot, None


@kind_required(*BUYERS)
def order_new(request):
    lot, listing = _order_target(request)
    plan = lot.project.framework_plan
    method = plan.second_stage_method or SecondStageMethod.DIRECT
    if method == SecondStageMethod.DIRECT and listing is None:
        raise Http404("直接选定须从上架商品下单")
    units = Organization.objects.filter(pk__in=[u.pk for u in selectors.buyer_units(request.user)
                                                if selectors.unit_in_scope(u, lot.project)]).order_by("name")
    initial = {"description": listing.name if listing else lot.name, "quantity": 1,
               "budget": listing.unit_price_yuan if listing else None}
    form = OrderForm(request.POST or None, units=units, method=method, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = run_form_step(request, form, lambda: services.order_open(
            purchaser=data["purchaser"], lot=lot, method=method, plan_filing_ref=data["plan_filing_ref"],
            description=data["description"], quantity=data["quantity"], budget=data["budget"],
            needs_imported=data["needs_imported"], import_approval_ref=data["import_approval_ref"],
            listing=listing, selection_reason=data.get("selection_reason", ""),
            bidding_closes_at=data.get("bidding_closes_at"), actor=request.user),
            done=lambda made: (f"订单{made.code}已提交，已邀请入围供应商报价" if made.status == Order.Status.BIDDING
                               else f"订单{made.code}已成交，合同已生成，请签订合同"))
        if order is not None:
            return redirect("framework:order-detail", pk=order.pk)
    return render(request, "framework/orders/new.html", {
        "form": form, "lot": lot, "listing": listing, "plan": plan, "method": method,
        "method_label": SecondStageMethod(method).label, "project": lot.project,
    })


# --- orders ----------------------------------------------------------------------------------------------

@kind_required(*BUYERS)
def order_list(request):
    status = request.GET.get("status", "")
    status = status if status in Order.Status.values else ""
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "framework/orders/list.html", {
        "page": paginate(request, selectors.purchaser_orders(request.user, status=status, q=q)),
        "statuses": Order.Status.choices, "status": status, "q": q,
    })


class CancelForm(PortalForm):
    reason = forms.CharField(label="取消原因", widget=forms.Textarea(attrs={"rows": 2}))


@kind_required(*ORDER_READERS)
def order_detail(request, pk: int):
    order = get_object_or_404(selectors.visible_orders(request.user), pk=pk)
    is_purchaser = access.acts_for(request.user, order.purchaser_id)
    cancel_form = CancelForm(request.POST or None) if request.POST.get("action") == "cancel" else CancelForm()
    if request.method == "POST" and is_purchaser:
        action = request.POST.get("action")
        if action == "award":
            run_step(request, lambda: services.order_award(order=order, actor=request.user),
                     done="已确定成交供应商，合同已生成")
            return redirect("framework:order-detail", pk=order.pk)
        if action == "cancel" and cancel_form.is_valid() and run_form_step(
                request, cancel_form, lambda: services.order_cancel(
                    order=order, actor=request.user, reason=cancel_form.cleaned_data["reason"]),
                done="订单已取消") is not None:
            return redirect("framework:order-detail", pk=order.pk)
    now = timezone.now()
    bids = [(bid, selectors.bid_price_shown(bid, request.user, now=now))
            for bid in order.bids.select_related("agreement", "agreement__supplier")]
    contract_url = ""
    if order.contract_id:
        if access.acts_for(request.user, order.purchaser_id, write=False):
            contract_url = "unit-contract-detail"
        elif order.agreement and access.acts_for(request.user, order.agreement.supplier_id, write=False):
            contract_url = "supplier-contract-detail"
    return render(request, "framework/orders/detail.html", {
        "order": order, "bids": bids, "sealed": selectors.bids_sealed(order, now=now),
        "is_purchaser": is_purchaser, "cancel_form": cancel_form, "contract_url": contract_url,
        "may_award": (is_purchaser and order.status == Order.Status.BIDDING
                      and not selectors.bids_sealed(order, now=now)),
        "may_cancel": is_purchaser and order.status in (Order.Status.DRAFT, Order.Status.BIDDING,
                                                        Order.Status.AWARDED),
    })


# --- the supplier ----------------------------------------------------------------------------------------

@kind_required(*SUPPLIERS)
def supplier_bids(request):
    now = timezone.now()
    return render(request, "framework/orders/supplier_bids.html", {
        "page": paginate(request, selectors.supplier_bids(request.user)), "now": now,
    })


class BidForm(PortalForm):
    price = forms.DecimalField(label="报价单价（元）", max_digits=14, decimal_places=2, min_value=0)


@kind_required(*SUPPLIERS)
def bid_edit(request, pk: int):
    bid = get_object_or_404(selectors.supplier_bids(request.user), pk=pk)
    form = BidForm(request.POST or None, initial={"price": bid.unit_price_yuan})
    if request.method == "POST" and form.is_valid():
        done = run_form_step(request, form, lambda: services.bid_submit(
            bid=bid, price=form.cleaned_data["price"], actor=request.user),
            done="报价已提交，截止前可修改；报价在截止前密封，任何人不能查看")
        if done is not None:
            return redirect("framework:bid-edit", pk=bid.pk)
    order = bid.order
    return render(request, "framework/orders/bid.html", {
        "bid": bid, "order": order, "form": form,
        "open": order.status == Order.Status.BIDDING and selectors.bids_sealed(order),
    })


@kind_required(*SUPPLIERS)
def supplier_orders(request):
    return render(request, "framework/orders/supplier_orders.html", {
        "page": paginate(request, selectors.supplier_orders(request.user)),
    })


# --- the center's and finance's list of second-stage orders ----------------------------------------------

OVERSEERS = (Organization.Kind.CENTER, Organization.Kind.AGENCY, Organization.Kind.FINANCE)


@kind_required(*OVERSEERS)
def order_admin_list(request):
    """The center: its framework projects' orders; finance: the orders of purchasers in its region."""
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in Order.Status.values else ""
    method = request.GET.get("method", "")
    method = method if method in SecondStageMethod.values else ""
    lots = list(selectors.admin_order_lots(request.user))
    lot_id = request.GET.get("lot", "")
    lot_id = int(lot_id) if lot_id.isdigit() and any(lot.pk == int(lot_id) for lot in lots) else None
    rows = selectors.admin_orders(request.user, q=q, lot_id=lot_id, status=status, method=method)
    return render(request, "framework/orders/admin_list.html", {
        "page": paginate(request, rows), "q": q, "status": status, "method": method, "lot_id": lot_id,
        "lots": lots, "statuses": Order.Status.choices, "methods": SecondStageMethod.choices,
        "filtered": bool(q or status or method or lot_id),
    })


urlpatterns: list = [
    path("orders/all/", order_admin_list, name="order-admin-list"),
    path("catalog/", catalog, name="catalog"),
    path("orders/new/", order_new, name="order-new"),
    path("orders/", order_list, name="order-list"),
    path("orders/<int:pk>/", order_detail, name="order-detail"),
    path("supplier/bids/", supplier_bids, name="supplier-bids"),
    path("supplier/bids/<int:pk>/", bid_edit, name="bid-edit"),
    path("supplier/orders/", supplier_orders, name="supplier-orders"),
]

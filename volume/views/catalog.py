"""Pages of the department centralized catalog (部门集中采购目录, seed 000 三(三)(1)).

The department (a provincial budget unit that supervises itself) lists, drafts, fills, submits and issues its
catalogs and authorizes lead units; the units it binds read its issued catalogs; the provincial finance bureau
reviews submitted catalogs (待审核) and keeps their history. Lookups go through ``volume.selectors.catalog``
(anyone else's catalog answers 404); writes call ``volume.services.catalog``.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from procurement import access
from procurement.models import Category, Organization
from procurement.views.common import kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap
from volume.models import CatalogReview, DepartmentCatalog, DepartmentCatalogItem
from volume.selectors import catalog as selectors
from volume.services import catalog as services

BUDGET_UNIT = Organization.Kind.BUDGET_UNIT
FINANCE = Organization.Kind.FINANCE


# --- forms ------------------------------------------------------------------------------------------

class CatalogForm(forms.Form):
    department = forms.ModelChoiceField(label="主管部门", queryset=Organization.objects.none(), empty_label=None)
    year = forms.IntegerField(label="年度", min_value=services.YEAR_MIN, max_value=services.YEAR_MAX)
    title = forms.CharField(label="目录名称", max_length=services.TITLE_MAX,
                            help_text="例如：吉林省教育厅2026年度部门集中采购目录")

    def __init__(self, *args, departments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if departments.count() == 1:
            self.fields["department"].initial = departments.first()
            self.fields["department"].widget = forms.HiddenInput()
        bootstrap(self)


class ItemForm(forms.Form):
    category = forms.ModelChoiceField(label="采购品目", queryset=Category.objects.none(), empty_label=None,
                                      error_messages={"required": "请先搜索并选择品目",
                                                      "invalid_choice": "所选品目不可列入部门集中采购目录，请重新搜索"})
    special_need = forms.CharField(label="部门特殊需求", max_length=services.TEXT_MAX,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   error_messages={"required": "请填写部门特殊需求"})
    note = forms.CharField(label="备注", max_length=services.NOTE_MAX, required=False)

    def __init__(self, *args, categories=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if categories is None:  # a POST names one category: any category, the service says why it is refused
            self.fields["category"].queryset = Category.objects.all()
        else:
            self.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in categories])
        bootstrap(self)


class ItemEditForm(forms.Form):
    special_need = forms.CharField(label="部门特殊需求", max_length=services.TEXT_MAX,
                                   widget=forms.Textarea(attrs={"rows": 4}),
                                   error_messages={"required": "请填写部门特殊需求"})
    note = forms.CharField(label="备注", max_length=services.NOTE_MAX, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结论", choices=CatalogReview.Decision.choices,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                 error_messages={"required": "请选择审核结论"})
    opinion = forms.CharField(label="论证意见", max_length=services.TEXT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                              help_text="对目录的合法性、合规性和合理性提出论证意见；退回修改时必须填写。")


# --- the department's pages ------------------------------------------------------------------------

def _readable(request, pk: int) -> DepartmentCatalog:
    return get_object_or_404(selectors.catalogs_readable(request.user), pk=pk)


def _writes(request, catalog: DepartmentCatalog) -> bool:
    return access.is_superuser(request.user) or access.acts_for(request.user, catalog.department_id)


@kind_required(BUDGET_UNIT)
def catalog_list(request):
    """The department's catalogs, and the issued catalogs that bind the user's units."""
    catalogs = selectors.catalogs_readable(request.user).order_by("-year", "department__name", "-pk")
    query = request.GET.get("q", "").strip()
    if query:
        catalogs = catalogs.filter(title__icontains=query)
    return render(request, "volume/catalog/list.html", {
        "page": paginate(request, catalogs),
        "query": query,
        "drafts": selectors.departments_acted_for(request.user).exists(),
    })


@kind_required(BUDGET_UNIT)
def catalog_new(request):
    departments = selectors.departments_acted_for(request.user)
    if not departments.exists():
        return render(request, "volume/catalog/new.html", {"form": None})
    if request.method == "POST":
        form = CatalogForm(request.POST, departments=departments)
        if form.is_valid():
            data = form.cleaned_data
            catalog = run_form_step(
                request, form,
                lambda: services.catalog_create(department=data["department"], year=data["year"],
                                                title=data["title"], actor=request.user),
                done="部门集中采购目录草稿已建立，请逐项列入品目及部门特殊需求。")
            if catalog is not None:
                return redirect("volume:catalog-detail", pk=catalog.pk)
    else:
        year = timezone.localdate().year
        department = departments.first()
        form = CatalogForm(departments=departments,
                           initial={"year": year, "title": f"{department.name}{year}年度部门集中采购目录"})
    return render(request, "volume/catalog/new.html", {"form": form})


def _detail_context(request, catalog: DepartmentCatalog, *, item_form=None, query: str | None = None) -> dict:
    writes = _writes(request, catalog)
    editable = writes and catalog.status in services.EDITABLE
    query = request.GET.get("q", "").strip() if query is None else query
    found = list(selectors.catalog_categories(query=query)) if editable and query else []
    taken = {item.category_id for item in catalog.items.all()}
    found = [c for c in found if c.pk not in taken]
    leads = catalog.authorized_leads.all()
    units = []
    if writes:
        units = selectors.department_units(catalog.department).exclude(pk=catalog.department_id)
        unit_query = request.GET.get("unit_q", "").strip()
        if unit_query:
            units = units.filter(Q(name__icontains=unit_query) | Q(unit_code__startswith=unit_query))
        units = list(units[:200])
    return {
        "catalog": catalog,
        "writes": writes,
        "editable": editable,
        "query": query,
        "found": found,
        "item_form": item_form or (ItemForm(categories=found) if found else None),
        "reviews": list(catalog.reviews.all()),
        "leads": leads,
        "lead_ids": {unit.pk for unit in leads},
        "units": units,
        "unit_query": request.GET.get("unit_q", "").strip(),
    }


@kind_required(BUDGET_UNIT)
def catalog_detail(request, pk: int):
    catalog = _readable(request, pk)
    return render(request, "volume/catalog/detail.html", _detail_context(request, catalog))


@require_POST
@kind_required(BUDGET_UNIT)
def catalog_item_add(request, pk: int):
    catalog = _readable(request, pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        added = run_form_step(
            request, form,
            lambda: services.catalog_item_add(catalog=catalog, category=data["category"],
                                              special_need=data["special_need"], note=data["note"],
                                              actor=request.user),
            done=lambda item: f"品目「{item.category.code} {item.category.name}」已列入目录。")
        if added is not None:
            return redirect("volume:catalog-detail", pk=catalog.pk)
    context = _detail_context(request, catalog, query=request.POST.get("q", ""))
    # Offer the searched categories again (and the chosen one), with what was typed and why it was refused.
    offered = list(context["found"])
    chosen = getattr(form, "cleaned_data", {}).get("category")
    if chosen is not None and chosen not in offered:
        offered.append(chosen)
    form.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in offered])
    context["item_form"], context["found"] = form, offered
    return render(request, "volume/catalog/detail.html", context, status=400)


@kind_required(BUDGET_UNIT)
def catalog_item_edit(request, pk: int, item_pk: int):
    catalog = _readable(request, pk)
    item = get_object_or_404(DepartmentCatalogItem.objects.select_related("category"), catalog=catalog, pk=item_pk)
    if request.method == "POST":
        form = ItemEditForm(request.POST)
        if form.is_valid():
            saved = run_form_step(
                request, form,
                lambda: services.catalog_item_update(item=item, special_need=form.cleaned_data["special_need"],
                                                     note=form.cleaned_data["note"], actor=request.user),
                done=f"品目「{item.category.code} {item.category.name}」已修改。")
            if saved is not None:
                return redirect("volume:catalog-detail", pk=catalog.pk)
    else:
        form = ItemEditForm(initial={"special_need": item.special_need, "note": item.note})
    return render(request, "volume/catalog/item_edit.html", {"catalog": catalog, "item": item, "form": form,
                                                             "editable": _writes(request, catalog)
                                                             and catalog.status in services.EDITABLE})


@require_POST
@kind_required(BUDGET_UNIT)
def catalog_item_remove(request, pk: int, item_pk: int):
    catalog = _readable(request, pk)
    item = get_object_or_404(DepartmentCatalogItem.objects.select_related("category"), catalog=catalog, pk=item_pk)
    run_step(request, lambda: services.catalog_item_remove(item=item, actor=request.user),
             done=f"品目「{item.category.code} {item.category.name}」已从目录中删除。")
    return redirect("volume:catalog-detail", pk=catalog.pk)


@require_POST
@kind_required(BUDGET_UNIT)
def catalog_submit(request, pk: int):
    catalog = _readable(request, pk)
    run_step(request, lambda: services.catalog_submit(catalog=catalog, actor=request.user),
             done=lambda done: f"第{done.version}版已提交省级财政部门审核。")
    return redirect("volume:catalog-detail", pk=catalog.pk)


@require_POST
@kind_required(BUDGET_UNIT)
def catalog_issue(request, pk: int):
    catalog = _readable(request, pk)
    run_step(request, lambda: services.catalog_issue(catalog=catalog, document_number=request.POST.get(
                 "document_number", ""), actor=request.user),
             done="目录已印发，已通知本部门、本系统各单位。")
    return redirect("volume:catalog-detail", pk=catalog.pk)


@require_POST
@kind_required(BUDGET_UNIT)
def catalog_leads(request, pk: int):
    catalog = _readable(request, pk)
    ids = [int(value) for value in request.POST.getlist("units") if value.isdigit()]
    shown = [int(value) for value in request.POST.getlist("shown") if value.isdigit()]
    # Units not shown by the page's search keep their authorization; the shown ones take the ticks.
    kept = set(catalog.authorized_leads.exclude(pk__in=shown).values_list("pk", flat=True))
    units = list(Organization.objects.filter(pk__in=kept | set(ids)))
    run_step(request, lambda: services.catalog_leads_authorize(catalog=catalog, units=units, actor=request.user),
             done=f"已授权{len(units)}家单位牵头。" if units else "已取消全部授权牵头单位。")
    return redirect("volume:catalog-detail", pk=catalog.pk)


# --- finance's pages ------------------------------------------------------------------------------

@kind_required(FINANCE)
def catalog_review_list(request):
    tab = "all" if request.GET.get("tab") == "all" else "pending"
    catalogs = selectors.catalogs_for_review(request.user)
    pending_count = catalogs.filter(status=DepartmentCatalog.Status.SUBMITTED).count()
    if tab == "pending":
        catalogs = catalogs.filter(status=DepartmentCatalog.Status.SUBMITTED)
    query = request.GET.get("q", "").strip()
    if query:
        catalogs = catalogs.filter(Q(title__icontains=query) | Q(department__name__icontains=query))
    return render(request, "volume/catalog/review_list.html", {
        "page": paginate(request, catalogs.order_by("-submitted_at", "-pk")),
        "tab": tab, "query": query, "pending_count": pending_count,
    })


@kind_required(FINANCE)
def catalog_review(request, pk: int):
    catalog = get_object_or_404(selectors.catalogs_for_review(request.user), pk=pk)
    reviews = selectors.reviewing_bureau_for(request.user, catalog) is not None
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_form_step(
            request, form,
            lambda: services.catalog_review(catalog=catalog, decision=form.cleaned_data["decision"],
                                            opinion=form.cleaned_data["opinion"], actor=request.user),
            done=lambda review: f"已{review.get_decision_display()}，论证意见已告知{catalog.department.name}。")
        if done is not None:
            return redirect("volume:catalog-review", pk=catalog.pk)
    return render(request, "volume/catalog/review.html", {
        "catalog": catalog, "form": form, "reviews": list(catalog.reviews.all()),
        "decides": reviews and catalog.status == DepartmentCatalog.Status.SUBMITTED,
    }, status=400 if request.method == "POST" else 200)


urlpatterns = [
    path("catalogs/", catalog_list, name="catalog-list"),
    path("catalogs/new/", catalog_new, name="catalog-new"),
    path("catalogs/<int:pk>/", catalog_detail, name="catalog-detail"),
    path("catalogs/<int:pk>/items/add/", catalog_item_add, name="catalog-item-add"),
    path("catalogs/<int:pk>/items/<int:item_pk>/", catalog_item_edit, name="catalog-item-edit"),
    path("catalogs/<int:pk>/items/<int:item_pk>/remove/", catalog_item_remove, name="catalog-item-remove"),
    path("catalogs/<int:pk>/submit/", catalog_submit, name="catalog-submit"),
    path("catalogs/<int:pk>/issue/", catalog_issue, name="catalog-issue"),
    path("catalogs/<int:pk>/leads/", catalog_leads, name="catalog-leads"),
    path("catalog-reviews/", catalog_review_list, name="catalog-review-list"),
    path("catalog-reviews/<int:pk>/", catalog_review, name="catalog-review"),
]

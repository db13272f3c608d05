"""The lead unit's pages of a volume project (753号 step 1): its list, the creation form with the participant
picker, and the project hub on which every later step adds its section (``volume.hub``).

Every lookup goes through ``volume.services.projects.led_projects`` (another unit's project → 404, a participant's
view of the project is the responses slice's); every write calls ``volume_project_open``, whose refusals land on
the form's fields.

The participant picker (勾选参与单位): the organization tree is filtered on the server (name or unit code, region
and below, level, supervising unit) and paged; the ticked ids live in one hidden field managed by
``static/volume/project_form.js`` (kept across searches and pages), "勾选全部筛选结果" adds every id of the current
filter at once, and the POST is validated by the service like any other input.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import formset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from procurement.models import Organization, Region
from procurement.views.common import REFUSALS, add_refusal, kind_required, paginate
from procurement.views.forms import _style as bootstrap
from volume.hub import hub_sections
from volume.models import DepartmentCatalog, Response, VolumeDetails
from volume.services import projects as services

BUDGET_UNIT = Organization.Kind.BUDGET_UNIT
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PICKER_PAGE = 100


# --- the participant picker -------------------------------------------------------------------------

def picker_supervisors():
    """The departments (主管预算单位) that supervise at least one other active unit."""
    return (Organization.objects.budget_units()
            .filter(pk__in=Organization.objects.budget_units().filter(is_active=True)
                    .exclude(supervising_unit=None).values("supervising_unit"))
            .order_by("name"))


class UnitFilterForm(forms.Form):
    """筛选参与单位: by name or unit code, region (and below), level, supervising unit."""

    pq = forms.CharField(label="单位名称或代码", required=False, max_length=100,
                         widget=forms.TextInput(attrs={"type": "search", "placeholder": "输入单位名称或单位代码"}))
    pregion = forms.ModelChoiceField(label="区划（含下级）", required=False, queryset=Region.objects.none(),
                                     empty_label="全部区划")
    plevel = forms.ChoiceField(label="级次", required=False, choices=[("", "全部级次"), *Region.Level.choices])
    psupervisor = forms.ModelChoiceField(label="主管预算单位", required=False, queryset=Organization.objects.none(),
                                         empty_label="全部主管单位")
    pselected = forms.BooleanField(label="只看已勾选", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pregion"].queryset = Region.objects.order_by("path")
        self.fields["pregion"].label_from_instance = (
            lambda r: {"province": "", "prefecture": "　", "county": "　　"}.get(r.level, "") + r.name)
        self.fields["psupervisor"].queryset = picker_supervisors()
        bootstrap(self)
        self.fields["pselected"].widget.attrs["class"] = "form-check-input"


def parse_ids(text: str) -> list[int]:
    """The ids of the hidden field ("12,15,…"); anything else in it is dropped (the service checks each id)."""
    return list(dict.fromkeys(int(part) for part in re.split(r"[\s,]+", text or "") if part.isdigit()))


def picker_units(data, *, selected: list[int] = ()):
    """The active budget units the filter ``data`` matches, ordered by region and code."""
    form = UnitFilterForm(data)
    units = (Organization.objects.budget_units().filter(is_active=True)
             .select_related("region", "supervising_unit").order_by("region__path", "unit_code"))
    filters = form.cleaned_data if form.is_valid() else {}
    if term := (filters.get("pq") or "").strip():
        units = units.filter(Q(name__icontains=term) | Q(unit_code__startswith=term))
    if filters.get("pregion"):
        units = units.filter(region__path__startswith=filters["pregion"].path)
    if filters.get("plevel"):
        units = units.filter(region__level=filters["plevel"])
    if filters.get("psupervisor"):
        department = filters["psupervisor"]
        units = units.filter(Q(supervising_unit=department) | Q(pk=department.pk))
    if filters.get("pselected"):
        units = units.filter(pk__in=selected)
    return form, units


def picker_context(request, data, selected: list[int]) -> dict:
    form, units = picker_units(data, selected=selected)
    page = Paginator(units, PICKER_PAGE).get_page(data.get("ppage"))
    matching = list(units.values_list("pk", flat=True))
    return {"picker_form": form, "picker_page": page, "matching_ids": ",".join(map(str, matching)),
            "matching_count": len(matching), "selected_ids": set(selected)}


@kind_required(BUDGET_UNIT)
def project_units(request):
    """The picker's result table (fetched by the page's script on every search, filter and page)."""
    data = request.POST if request.method == "POST" else request.GET
    selected = parse_ids(data.get("unit_ids", ""))
    return render(request, "volume/projects/_picker_results.html", picker_context(request, data, selected))


# --- the creation form --------------------------------------------------------------------------------

class CatalogChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DepartmentCatalog) -> str:
        number = f"（{obj.document_number}）" if obj.document_number else ""
        return f"{obj.year}年 {obj.title}{number}"


class ProjectForm(forms.Form):
    lead = forms.ModelChoiceField(label="牵头单位", queryset=Organization.objects.none(), empty_label=None)
    title = forms.CharField(label="项目名称", max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": "如：2026年度教育系统台式计算机集中带量采购"}))
    year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="组织形式", choices=VolumeDetails.Kind.choices,
                             initial=VolumeDetails.Kind.CROSS_DEPARTMENT)
    catalog = CatalogChoiceField(label="依据的部门集中采购目录", required=False,
                                 queryset=DepartmentCatalog.objects.none(), empty_label="（跨部门联合采购不选）",
                                 help_text="部门集中采购须依据已印发的部门集中采购目录")
    response_opens_at = forms.DateTimeField(
        label="需求响应开始时间", required=False, input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL), help_text="不填则立即开始")
    response_deadline = forms.DateTimeField(
        label="需求响应截止时间", input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    question_handler = forms.CharField(label="答复询问、质疑的单位代码", required=False, max_length=32,
                                       help_text="不填则由牵头单位负责答复（753号 四(二)）；可填某一参与单位的单位代码")
    description = forms.CharField(label="项目说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    unit_ids = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-picker-selected": "1"}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        leads = services.lead_units(user)
        self.fields["lead"].queryset = leads
        self.fields["catalog"].queryset = (
            DepartmentCatalog.objects.filter(status=DepartmentCatalog.Status.ISSUED)
            .filter(Q(department__in=leads) | Q(authorized_leads__in=leads)).distinct().order_by("-year", "title"))
        self.fields["year"].initial = timezone.localdate().year
        bootstrap(self)

    def clean_unit_ids(self) -> list[int]:
        return parse_ids(self.cleaned_data.get("unit_ids", ""))

    def clean_question_handler(self) -> Organization | None:
        code = (self.cleaned_data.get("question_handler") or "").strip()
        if not code:
            return None
        found = Organization.objects.budget_units().filter(unit_code=code).first()
        if found is None:
            raise forms.ValidationError(f"单位代码「{code}」不存在或不是预算单位")
        return found


class ItemForm(forms.Form):
    name = forms.CharField(label="采购内容名称", max_length=200)
    category_code = forms.CharField(label="品目编码", max_length=16,
                                    widget=forms.TextInput(attrs={"placeholder": "最末级品目，如A02010105"}))
    specification = forms.CharField(label="规格要求", required=False,
                                    widget=forms.Textarea(attrs={"rows": 1}))
    unit_of_measure = forms.CharField(label="计量单位", max_length=16)
    quantity_guidance = forms.DecimalField(label="预估数量", required=False, min_value=0, max_digits=14,
                                           decimal_places=2)
    reference_price_yuan = forms.DecimalField(label="参考单价（元）", required=False, min_value=0, max_digits=14,
                                              decimal_places=2)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


ItemFormSet = formset_factory(ItemForm, extra=0, min_num=1, validate_min=True)


def _items(formset) -> list[services.ItemSpec]:
    return [services.ItemSpec(
        name=data["name"], category_code=data["category_code"], unit_of_measure=data["unit_of_measure"],
        specification=data.get("specification") or "", quantity_guidance=data.get("quantity_guidance"),
        reference_price_yuan=data.get("reference_price_yuan"),
    ) for data in formset.cleaned_data if data and not data.get("DELETE")]


@kind_required(BUDGET_UNIT)
def project_new(request):
    form = ProjectForm(request.POST or None, user=request.user)
    items = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = form.cleaned_data
        try:
            project = services.volume_project_open(
                lead=data["lead"], title=data["title"], year=data["year"], kind=data["kind"],
                catalog=data["catalog"], items=_items(items), unit_ids=data["unit_ids"],
                response_deadline=data["response_deadline"], response_opens_at=data["response_opens_at"],
                question_handler=data["question_handler"], description=data["description"], actor=request.user,
            )
        except REFUSALS as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"已发起集中带量采购项目 {project.code}，采购意向已公开；"
                                      f"{project.eligible_units.count()}家参与单位将收到需求响应通知。")
            return redirect("volume:project-detail", pk=project.pk)
    selected = form.cleaned_data.get("unit_ids", []) if form.is_bound else []
    return render(request, "volume/projects/new.html", {
        "form": form, "items": items, **picker_context(request, {}, selected),
        "selected_value": ",".join(map(str, selected)), "selected_count": len(selected),
    })


# --- the lead's list and hub ----------------------------------------------------------------------------

class ProjectFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "项目编号或名称", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *services.Project.Status.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


@kind_required(BUDGET_UNIT)
def project_list(request):
    form = ProjectFilterForm(request.GET)
    projects = services.led_projects(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("status"):
        projects = projects.filter(status=filters["status"])
    if term := (filters.get("q") or "").strip():
        projects = projects.filter(Q(code__icontains=term) | Q(title__icontains=term))
    return render(request, "volume/projects/list.html", {
        "form": form, "filtered": any(filters.values()),
        "page": paginate(request, projects.order_by("-created_at", "-pk")),
    })


def participant_rows(project, request):
    """The invited units, paged, each with its response's status (none yet: 未响应)."""
    eligible = (project.eligible_units.select_related("unit", "unit__region").order_by("unit__region__path",
                                                                                         "unit__unit_code"))
    page = paginate(request, eligible, param="upage", per_page=50)
    responses = dict(Response.objects.filter(project=project, unit_id__in=[e.unit_id for e in page])
                     .values_list("unit_id", "status"))
    labels = dict(Response.Status.choices)
    rows = [(e.unit, labels.get(responses.get(e.unit_id), "未响应"), responses.get(e.unit_id, "")) for e in page]
    return page, rows


@kind_required(BUDGET_UNIT)
def project_detail(request, pk: int):
    project = get_object_or_404(services.led_projects(request.user), pk=pk)
    counts = dict(Response.objects.filter(project=project).values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    page, rows = participant_rows(project, request)
    return render(request, "volume/projects/detail.html", {
        "project": project, "details": getattr(project, "volume", None),
        "items": services.project_items(project),
        "participants_page": page, "participant_rows": rows,
        "submitted_count": counts.get(Response.Status.SUBMITTED, 0),
        "declined_count": counts.get(Response.Status.DECLINED, 0),
        "sections": [(template, {**context, "project": project})
                     for template, context in hub_sections(request, project)],
    })


urlpatterns = [
    path("lead/projects/", project_list, name="project-list"),
    path("lead/projects/new/", project_new, name="project-new"),
    path("lead/projects/units/", project_units, name="project-units"),
    path("lead/projects/<int:pk>/", project_detail, name="project-detail"),
]

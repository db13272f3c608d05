"""Finance pages of the arrangement table (部门预算政府采购项目安排情况表): list and upload, detail
with its lines, the three-dimension analysis with the batch candidates, and the Excel export.

Only finance staff reach them (403 otherwise); a table outside the user's region answers 404.
An upload is stored and imported by a Celery worker (``batch.imports.arrangement_import_queue``, which
runs ``batch.arrangement.arrangement_import``): the page asks first to confirm replacing a year's current
table, then sends the user to the import job's page, which shows its progress and result.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from batch import analysis
from batch.arrangement import YEAR_RANGE, ArrangementReplaceRequired
from batch.excel_export import analysis_export_response
from batch.imports import arrangement_import_queue
from batch.models import Arrangement
from batch.proposals import proposing_centers
from procurement.models import Organization
from procurement.services.errors import ServiceError
from procurement.views.common import kind_required, paginate, refusal_message
from procurement.views.forms import SearchForm

FINANCE = Organization.Kind.FINANCE
CENTER = Organization.Kind.CENTER
LINES_PER_PAGE = 50


class ArrangementUploadForm(forms.Form):
    finance_bureau = forms.ModelChoiceField(label="财政部门", queryset=Organization.objects.none(), empty_label=None)
    year = forms.IntegerField(label="年度", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1],
                              error_messages={"required": "请填写年度", "invalid": "年度应为四位数字"})
    file = forms.FileField(label="安排情况表文件（.xlsx）", error_messages={"required": "请选择要导入的Excel文件"},
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
                           help_text="按《部门预算政府采购项目安排情况表》格式填写；全部导入或全部不导入。"
                                     "同一年度已有现行表时，须确认后才替换。")
    # Shown only once the page has named what a replacement would affect (issue 7 point 3).
    replace = forms.BooleanField(label="确认替换现行表", required=False)
    replacing = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, bureaus: QuerySet[Organization], only: Organization | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finance_bureau"].queryset = bureaus
        if only is not None:  # the user acts for one bureau: no choice to make
            del self.fields["finance_bureau"]
        self.fields["year"].initial = timezone.localdate().year
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["replace"].widget.attrs["class"] = "form-check-input"

    def ask_to_confirm(self, current_pk: int) -> None:
        """Render again with the table to replace and the box unticked: the user decides on what is named."""
        self.data = self.data.copy()
        self.data["replacing"] = str(current_pk)
        self.data.pop("replace", None)


def _visible(request, pk: int) -> Arrangement:
    return get_object_or_404(analysis.arrangement_list(user=request.user), pk=pk)


@kind_required(FINANCE, CENTER)
def arrangement_list(request):
    user = request.user
    bureau_choices = analysis.importable_bureaus(user=user)
    bureaus = list(bureau_choices)
    only = bureaus[0] if len(bureaus) == 1 else None
    replacement = None
    if request.method == "POST":
        analysis.import_bureaus_required(user=user)
        form = ArrangementUploadForm(request.POST, request.FILES, bureaus=bureau_choices, only=only)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = arrangement_import_queue(file=upload, year=form.cleaned_data["year"],
                                               finance_bureau=form.cleaned_data.get("finance_bureau") or only,
                                               actor=user, file_name=upload.name,
                                               replace=form.cleaned_data["replace"],
                                               replacing=form.cleaned_data["replacing"])
            except ArrangementReplaceRequired as error:
                replacement = error
                form.ask_to_confirm(error.impact.current.pk)
            except (ServiceError, PermissionDenied) as error:
                form.add_error(None, refusal_message(error))
            else:
                return redirect("import-job-detail", pk=job.pk)
    else:
        form = ArrangementUploadForm(bureaus=bureau_choices, only=only)
    arrangements = (analysis.arrangement_list(user=user).select_related("replaced_by")
                    .order_by("-year", "-is_current", "-imported_at", "-pk"))
    return render(request, "batch/arrangement/list.html", {
        "form": form if bureaus else None,
        "single_bureau": only,
        "replacement": replacement,
        "page": paginate(request, arrangements),
    })


@kind_required(FINANCE, CENTER)
def arrangement_detail(request, pk: int):
    arrangement = _visible(request, pk)
    search = SearchForm(request.GET, placeholder="单位代码、单位名称、品目编码或名称")
    lines = analysis.arrangement_line_list(arrangement=arrangement, q=search.term)
    return render(request, "batch/arrangement/detail.html", {
        "arrangement": arrangement,
        "search": search,
        "page": paginate(request, lines, per_page=LINES_PER_PAGE),
    })


@kind_required(FINANCE, CENTER)
def arrangement_analysis(request, pk: int):
    arrangement = _visible(request, pk)
    overview = analysis.arrangement_overview(arrangement=arrangement)
    categories = analysis.category_analysis(arrangement=arrangement)
    regions = analysis.region_analysis(arrangement=arrangement)
    candidates = analysis.batch_candidates(arrangement=arrangement, categories=categories,
                                           table_unit_count=overview.unit_count)
    return render(request, "batch/arrangement/analysis.html", {
        "arrangement": arrangement,
        "overview": overview,
        "bands": analysis.AMOUNT_BANDS,
        "candidate_rule": analysis.candidate_rule_text(),
        "recommended_count": sum(c.recommended for c in candidates),
        "candidates": Paginator(candidates, 20).get_page(request.GET.get("kpage")),
        "categories": Paginator(categories, 20).get_page(request.GET.get("cpage")),
        "regions": regions,
        "region_level": analysis.region_level_label(arrangement),
        "units": paginate(request, analysis.unit_totals(arrangement=arrangement), param="upage"),
        "charts": analysis.analysis_charts(categories=categories, regions=regions, candidates=candidates),
        "charted_categories": analysis.CHARTED_CATEGORIES,
        "charted_candidates": analysis.CHARTED_CANDIDATES,
        # 拟定品目 (seed 000 三(一)1(1)): the center of the bureau's level proposes categories from here.
        "may_propose": arrangement.is_current and bool(proposing_centers(request.user, arrangement)),
    })


@kind_required(FINANCE, CENTER)
def arrangement_export(request, pk: int):
    return analysis_export_response(_visible(request, pk))


urlpatterns = [
    path("arrangements/", arrangement_list, name="arrangement-list"),
    path("arrangements/<int:pk>/", arrangement_detail, name="arrangement-detail"),
    path("arrangements/<int:pk>/analysis/", arrangement_analysis, name="arrangement-analysis"),
    path("arrangements/<int:pk>/export/", arrangement_export, name="arrangement-export"),
]

"""Pages of 实施采购, 定标, 统采分签 and 终止 of a project, whatever its mode (seed 000 三(一)(5)(6)).

The center (or its entrusted agency) works on its own projects only: the procurement record,
documents, the award of each lot, 定标 with the result notice, contract generation, the savings
table, the signing board and termination. Finance staff read the savings and the signing board of
the projects in their region. Who may (``MANAGERS``, ``READERS``) and every lookup
(``execution_projects_managed``, ``execution_projects_readable``) come from ``procurement.selectors.execution``,
the same as the API's and the admin's (issue 8 point 4), so another center's project answers 404; every write
calls a service of ``procurement.services.execution``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from procurement import access, deadlines
from procurement.formats import yuan_text
from procurement.models import Contract, Filing, Lot, Organization, Project, ProjectDocument
from procurement.selectors import execution as selectors
from procurement.services import execution as services
from procurement.views.common import file_download, kind_required, paginate, run_form_step, run_step
from procurement.views.forms import _style as bootstrap

Status = Project.Status
BOARD_PAGE_SIZE = 50


# --- forms ---------------------------------------------------------------------------------------

def method_choices(project: Project) -> list[tuple[str, str]]:
    """The methods the project's mode allows, as choices (the service checks the same list)."""
    allowed = services.procurement_methods(project)
    return [(value, label) for value, label in Project._meta.get_field("procurement_method").choices
            if value in allowed]


class ProcurementStartForm(forms.Form):
    method = forms.ChoiceField(
        label="采购方式", choices=[("", "请选择采购方式")],
        help_text="根据当次采购各品目的采购计划数量和项目特点选择适当的采购方式。",
    )
    documents_issued_on = forms.DateField(label="采购文件发布日期", required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    bid_opening_at = forms.DateTimeField(
        label="开标（响应截止）时间", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text="招标方式下，自采购文件发布之日至投标截止之日不得少于二十日（《政府采购法》第三十五条）。",
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [("", "请选择采购方式"), *method_choices(project)]
        bootstrap(self)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="文件类别", choices=ProjectDocument.Kind.choices,
                             initial=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS,
                             help_text="采购文件随中标（成交）结果公告同时公告；评审报告仅留档。")
    title = forms.CharField(label="文件名称", max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": "如：招标文件、评审报告"}))
    file = forms.FileField(label="文件", help_text="支持PDF、OFD、Word、Excel、压缩包和图片，不超过50MB。")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class EvaluationForm(forms.Form):
    evaluation_on = forms.DateField(label="评审日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    experts = forms.CharField(label="评审专家名单", max_length=2000, widget=forms.Textarea(
        attrs={"rows": 2, "placeholder": "每行一位，或用顿号、逗号分隔"}),
        help_text="将在中标（成交）结果公告中列明（《政府采购法实施条例》第四十三条）。")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class LotMaxPriceForm(forms.Form):
    max_unit_price_yuan = forms.DecimalField(
        label="最高限制单价（元）", required=False, max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        help_text="采购文件设定的最高限价；不得超过本包预算折算的单价，留空表示采购文件未设定。")

    def __init__(self, *args, lot: Lot, **kwargs) -> None:
        kwargs.setdefault("prefix", f"max{lot.pk}")
        super().__init__(*args, **kwargs)
        self.fields["max_unit_price_yuan"].widget.attrs["step"] = "0.01"
        bootstrap(self)


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}（{obj.credit_code}）" if obj.credit_code else obj.name


class LotAwardForm(forms.Form):
    supplier = SupplierChoiceField(label="中标（成交）供应商", queryset=Organization.objects.none(),
                                   empty_label="请选择供应商")
    unit_price_yuan = forms.DecimalField(label="中标单价（元）", max_digits=14, decimal_places=2,
                                         min_value=Decimal("0.01"))
    awarded_on = forms.DateField(label="定标日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, lot: Lot, **kwargs) -> None:
        kwargs.setdefault("prefix", f"lot{lot.pk}")
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = (
            Organization.objects.suppliers().filter(is_active=True).order_by("name", "pk")
        )
        self.fields["unit_price_yuan"].widget.attrs["step"] = "0.01"
        if lot.max_unit_price_yuan is not None:
            self.fields["unit_price_yuan"].help_text = (f"不得超过采购文件设定的最高限制单价 "
                                                        f"{yuan_text(lot.max_unit_price_yuan)}，中标金额不得超过本包预算")
        else:
            self.fields["unit_price_yuan"].help_text = "中标金额（单价×数量）不得超过本包预算"
        bootstrap(self)


class TerminateForm(forms.Form):
    reason = forms.CharField(label="终止原因", max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": "请说明终止采购活动的原因，将在终止公告中公开"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class BoardFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "单位名称、单位代码或合同编号", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "全部合同"), ("unsigned", "未签订"), ("overdue", "有逾期事项"), *Contract.Status.choices,
    ])
    lot = forms.TypedChoiceField(label="采购包", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, lots=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "全部采购包")] + [(lot.pk, f"第{lot.number}包 {lot.name}") for lot in lots]
        bootstrap(self)


# --- lookups: the same selectors as the API's and the admin's (procurement.selectors.execution) ---------

MANAGERS, READERS = selectors.MANAGERS, selectors.READERS


def _managed(request, pk: int) -> Project:
    projects = selectors.execution_projects_managed(request.user)
    return get_object_or_404(projects.select_related("organizer", "scope_region", "category", "award_notice"),
                             pk=pk)


def _readable(request, pk: int) -> Project:
    projects = selectors.execution_projects_readable(request.user)
    return get_object_or_404(projects.select_related("organizer", "scope_region"), pk=pk)


def _is_manager(request, project: Project) -> bool:
    return selectors.execution_projects_managed(request.user).filter(pk=project.pk).exists()


# --- pages ---------------------------------------------------------------------------------------

@kind_required(*READERS)
def award_project_list(request):
    """Projects from the confirmed master plan on: the center's own, or finance's region's."""
    status = request.GET.get("status", "")
    stages = [Status.CONFIRMED, Status.PROCURING, Status.AWARDED, Status.COMPLETED, Status.TERMINATED]
    projects = (
        selectors.execution_projects_readable(request.user).filter(status__in=stages)
        .select_related("organizer", "scope_region")
        .annotate(lot_count=Count("lots", distinct=True), contract_count=Count("contracts", distinct=True))
        .order_by("-created_at", "-pk")
    )
    if status in stages:
        projects = projects.filter(status=status)
    else:
        status = ""
    managed_ids = set(selectors.execution_projects_managed(request.user).values_list("pk", flat=True))
    return render(request, "execution/project_list.html", {
        "page": paginate(request, projects),
        "status": status,
        "stages": [(s.value, s.label) for s in stages],
        "managed_ids": managed_ids,
    })


def _workspace(request, project: Project, *, start_form=None, document_form=None, award_forms=None,
               evaluation_form=None, price_forms=None):
    savings = selectors.project_savings(project)
    award_forms = dict(award_forms or {})
    price_forms = dict(price_forms or {})
    if project.status == Status.PROCURING:
        for line in savings.lines:
            if line.has_demand and line.lot.pk not in award_forms:
                initial = {}
                if line.award is not None:
                    initial = {"supplier": line.award.supplier_id, "unit_price_yuan": line.award.unit_price_yuan,
                               "awarded_on": line.award.awarded_on}
                award_forms[line.lot.pk] = LotAwardForm(lot=line.lot, initial=initial)
    if project.status in (Status.CONFIRMED, Status.PROCURING):
        for line in savings.lines:
            if line.has_demand and line.award is None and line.lot.pk not in price_forms:
                initial = {"max_unit_price_yuan": line.lot.max_unit_price_yuan}
                price_forms[line.lot.pk] = LotMaxPriceForm(lot=line.lot, initial=initial)
    if evaluation_form is None and project.status == Status.PROCURING:
        evaluation_form = EvaluationForm(initial={
            "evaluation_on": project.evaluation_on,
            "experts": project.evaluation_experts,
        })
    if start_form is None and project.status == Status.CONFIRMED:
        start_form = ProcurementStartForm(project=project, initial={
            "method": project.procurement_method,
            "documents_issued_on": project.documents_issued_on,
            "bid_opening_at": project.bid_opening_at,
        })
    contracts = Contract.objects.filter(project=project)
    return render(request, "execution/project.html", {
        "project": project,
        "savings": savings,
        "lines": [(line, award_forms.get(line.lot.pk), price_forms.get(line.lot.pk)) for line in savings.lines],
        "evaluation_form": evaluation_form,
        "finalize_missing": services.finalize_missing(project)
        if project.status == Status.PROCURING else [],
        "start_form": start_form,
        "document_form": document_form or (DocumentForm() if project.status in services.DOCUMENT_STATES
                                           else None),
        "documents": ProjectDocument.objects.filter(project=project).select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk"),
        "award_notice": project.award_notice,
        "award_filing": Filing.objects.filter(project=project, kind=Filing.Kind.AWARD)
        .select_related("finance_bureau").order_by("-filed_at", "-pk").first(),
        "contract_count": contracts.count(),
        "unsigned_count": contracts.filter(status=Contract.Status.DRAFT).count(),
        # Stopping the project is the organizer's, not an entrusted step (access.ENTRUSTED_STEPS).
        "terminable": project.status in Project.TERMINABLE
        and access.runs_project(request.user, project, step=access.Step.TERMINATION),
    })


@kind_required(*MANAGERS)
def award_project(request, pk: int):
    return _workspace(request, _managed(request, pk))


def _form_step(request, project: Project, form: forms.Form, call, *, done, **workspace):
    """A form of the workspace: a valid one goes to its service and back to the workspace; a refused or
    invalid one is shown again in the workspace (``workspace`` names which form it is)."""
    if form.is_valid() and run_form_step(request, form, lambda: call(**form.cleaned_data), done=done) is not None:
        return redirect("award-project", pk=project.pk)
    return _workspace(request, project, **workspace)


@require_POST
@kind_required(*MANAGERS)
def award_start(request, pk: int):
    project = _managed(request, pk)
    form = ProcurementStartForm(request.POST, project=project)
    return _form_step(
        request, project, form,
        lambda **data: services.procurement_start(project=project, actor=request.user, **data),
        done="已开始实施采购。请上传采购文件，采购结果产生后逐包录入中标（成交）结果。", start_form=form,
    )


@require_POST
@kind_required(*MANAGERS)
def award_document_add(request, pk: int):
    project = _managed(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    return _form_step(
        request, project, form,
        lambda **data: services.document_add(project=project, actor=request.user, **data),
        done=lambda document: f"采购文件「{document.title}」已上传。", document_form=form,
    )


@require_POST
@kind_required(*MANAGERS)
def award_lot(request, pk: int, lot_pk: int):
    project = _managed(request, pk)
    lot = get_object_or_404(Lot, pk=lot_pk, project=project)
    form = LotAwardForm(request.POST, lot=lot)
    return _form_step(
        request, project, form,
        lambda **data: services.lot_award(project=project, lot=lot, actor=request.user, **data),
        done=f"第{lot.number}包的中标（成交）结果已保存。", award_forms={lot.pk: form},
    )


@require_POST
@kind_required(*MANAGERS)
def award_evaluation(request, pk: int):
    project = _managed(request, pk)
    form = EvaluationForm(request.POST)
    return _form_step(
        request, project, form,
        lambda **data: services.evaluation_record(project=project, actor=request.user, **data),
        done="评审情况已保存，评审专家名单将在结果公告中列明。", evaluation_form=form,
    )


@require_POST
@kind_required(*MANAGERS)
def award_lot_max_price(request, pk: int, lot_pk: int):
    project = _managed(request, pk)
    lot = get_object_or_404(Lot, pk=lot_pk, project=project)
    form = LotMaxPriceForm(request.POST, lot=lot)
    return _form_step(
        request, project, form,
        lambda **data: services.lot_max_price_set(project=project, lot=lot, actor=request.user, **data),
        done=lambda saved: f"第{lot.number}包的最高限制单价已保存。" if saved.max_unit_price_yuan is not None
        else f"第{lot.number}包已取消最高限制单价（采购文件未设定）。",
        price_forms={lot.pk: form},
    )


@kind_required(*READERS)
def award_document(request, pk: int, document_pk: int):
    """A kept procurement document, for the center running the project and finance of its region."""
    project = _readable(request, pk)
    document = get_object_or_404(ProjectDocument, pk=document_pk, project=project)
    return file_download(document.file, name=document.title)


def _post_action(request, pk: int, *, service, done: str, target: str = "award-project"):
    project = _managed(request, pk)
    run_step(request, lambda: service(project=project, actor=request.user), done=done)
    return redirect(target, pk=project.pk)


@require_POST
@kind_required(*MANAGERS)
def award_finalize(request, pk: int):
    return _post_action(request, pk, service=services.award_finalize,
                        done="已定标：中标（成交）结果公告已发布，采购结果已报财政部门备案。")


@require_POST
@kind_required(*MANAGERS)
def award_contracts_generate(request, pk: int):
    def done(created) -> str:
        if not created:
            return "没有需要生成的合同：每份已锁定的分计划都已有合同。"
        return f"已生成 {len(created)} 份分签合同，请督促各预算单位在中标（成交）通知书发出之日起30日内签订。"

    return _post_action(request, pk, service=services.contracts_generate, done=done,
                        target="award-signing-board")


@kind_required(*MANAGERS)
def award_terminate(request, pk: int):
    project = _managed(request, pk)
    form = TerminateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = run_form_step(
            request, form,
            lambda: services.project_terminate(
                project=project, actor=request.user, reason=form.cleaned_data["reason"],
            ),
            done="项目已终止，终止公告已发布。",
        )
        if saved is not None:
            return redirect("award-project", pk=project.pk)
    return render(request, "execution/terminate.html", {
        "project": project,
        "form": form,
        "terminable": project.status in Project.TERMINABLE,
    })


@kind_required(*READERS)
def award_savings(request, pk: int):
    project = _readable(request, pk)
    return render(request, "execution/savings.html", {
        "project": project,
        "savings": selectors.project_savings(project),
        "is_manager": _is_manager(request, project),
    })


@kind_required(*READERS)
def award_signing_board(request, pk: int):
    project = _readable(request, pk)
    lots = Lot.objects.filter(project=project).order_by("number", "pk")
    form = BoardFilterForm(request.GET, lots=lots)
    filters = form.cleaned_data if form.is_valid() else {}
    board = selectors.signing_board(
        project, status=filters.get("status") or "", lot_id=filters.get("lot"), q=filters.get("q") or "",
    )
    return render(request, "execution/signing_board.html", {
        "project": project,
        "board": board,
        "form": form,
        "filtered": any(filters.values()),
        "page": paginate(request, board.contracts, per_page=BOARD_PAGE_SIZE),
        "is_manager": _is_manager(request, project),
        "signing_rule": deadlines.CONTRACT_SIGNING.rule,
    })


# Included at "/" by ``procurement.views.urls``: /award/… (the center's workspace, the savings, the signing board).
urlpatterns = [
    path("award/", award_project_list, name="award-project-list"),
    path("award/projects/<int:pk>/", award_project, name="award-project"),
    path("award/projects/<int:pk>/start/", award_start, name="award-start"),
    path("award/projects/<int:pk>/documents/", award_document_add, name="award-document-add"),
    path("award/projects/<int:pk>/lots/<int:lot_pk>/award/", award_lot, name="award-lot"),
    path("award/projects/<int:pk>/lots/<int:lot_pk>/max-price/", award_lot_max_price, name="award-lot-max-price"),
    path("award/projects/<int:pk>/evaluation/", award_evaluation, name="award-evaluation"),
    path("award/projects/<int:pk>/documents/<int:document_pk>/", award_document, name="award-document"),
    path("award/projects/<int:pk>/finalize/", award_finalize, name="award-finalize"),
    path("award/projects/<int:pk>/contracts/generate/", award_contracts_generate, name="award-contracts-generate"),
    path("award/projects/<int:pk>/terminate/", award_terminate, name="award-terminate"),
    path("award/projects/<int:pk>/savings/", award_savings, name="award-savings"),
    path("award/projects/<int:pk>/signing/", award_signing_board, name="award-signing-board"),
]

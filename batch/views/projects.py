"""The center's pages of a batch project: open it from a task, publish the solicitation, watch the master plan.

Seed 000 三(一)(3) 征集计划 and (4) 需求响应: the project page shows the core's live master plan
(``collection/_master_plan.html``; the drill-down, the export, closing the window and confirming the master
plan are the core's pages, ``procurement.views.collection``) with batch's own buttons: publish the
solicitation notice and extend the response deadline (更正公告). Every lookup goes through
``batch.projects.managed_batch_projects`` (another center's project → 404); every write calls a service of
``batch.projects`` or, for the extension, the core's ``response_deadline_extend``. The unit's side is
``procurement.views.sub_plans``.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from batch import projects as project_services
from batch.models import BatchDetails, ConfigurationTable, TaskNotice
from procurement import access
from procurement.models import Organization, Project, Region
from procurement.services.collection import (
    REASON_MAX_LENGTH,
    response_deadline_extend,
    response_deadline_extension_refusal,
)
from procurement.views.collection import master_plan_context
from procurement.views.common import REFUSALS, add_refusal, kind_required, paginate, run_step
from procurement.views.forms import _style as bootstrap

CENTER = Organization.Kind.CENTER
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


# --- forms ---------------------------------------------------------------------------------------

class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TaskNotice) -> str:
        number = f"（{obj.document_number}）" if obj.document_number else ""
        return f"{obj.year}年 {obj.category.code} {obj.category.name}{number}"


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        indent = {"province": "", "prefecture": "　", "county": "　　"}.get(obj.level, "")
        return f"{indent}{obj.name}（{obj.code}）"


class ProjectOpenForm(forms.Form):
    """立项: the acknowledged task, its configuration table, the eligible units, the window, the procedure."""

    task = TaskChoiceField(label="任务通知单", queryset=TaskNotice.objects.none(),
                           empty_label="请选择已签收的任务通知单")
    configuration_table = forms.ModelChoiceField(label="产品配置表", queryset=ConfigurationTable.objects.none(),
                                                 empty_label="请选择产品配置表",
                                                 help_text="按表中该品目的每种配置分型设一个采购包")
    title = forms.CharField(label="项目名称", max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": "如：2026年第二季度台式计算机批量集中采购"}))
    eligibility = forms.ChoiceField(label="可响应单位确定方式", choices=BatchDetails.Eligibility.choices,
                                    initial=BatchDetails.Eligibility.REGION, widget=forms.RadioSelect)
    regions = RegionChoiceField(label="地区（含下级区划）", queryset=Region.objects.none(), required=False,
                                widget=forms.SelectMultiple(attrs={"size": 8}),
                                help_text="按地区确定时选择，可多选（按住 Ctrl 键）")
    levels = forms.MultipleChoiceField(label="级次", choices=Region.Level.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple, help_text="按级次确定时选择")
    unit_codes = forms.CharField(label="预算单位代码名单", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4,
                                                              "placeholder": "每行一个单位代码，或用逗号、空格分隔"}),
                                 help_text="指定名单时填写")
    response_opens_at = forms.DateTimeField(
        label="需求响应开始时间", required=False, input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="不填则立即开始")
    response_deadline = forms.DateTimeField(
        label="需求响应截止时间", input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    procedure = forms.CharField(label="需求征集和采购执行程序", required=False,
                                widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="将写入征集公告的“采购活动执行程序”")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tasks = TaskNotice.objects.filter(status=TaskNotice.Status.ACKNOWLEDGED).select_related("category")
        tables = ConfigurationTable.objects.all()
        if not access.is_superuser(user):
            centers = access.org_ids(user, kind=CENTER)
            tasks, tables = tasks.filter(center_id__in=centers), tables.filter(center_id__in=centers)
        self.fields["task"].queryset = tasks.order_by("-year", "-pk")
        self.fields["configuration_table"].queryset = tables.order_by("-filled_on", "-pk")
        self.fields["regions"].queryset = Region.objects.order_by("path")
        bootstrap(self)
        for name in ("eligibility", "levels"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_unit_codes(self) -> list[int]:
        codes = [code for code in re.split(r"[\s,，、;；]+", self.cleaned_data.get("unit_codes", "")) if code]
        if not codes:
            return []
        found = dict(
            Organization.objects.budget_units().filter(unit_code__in=codes).values_list("unit_code", "pk")
        )
        unknown = [code for code in dict.fromkeys(codes) if code not in found]
        if unknown:
            raise forms.ValidationError(f"以下单位代码不存在或不是预算单位：{'、'.join(unknown[:10])}"
                                        + (f"等{len(unknown)}个" if len(unknown) > 10 else ""))
        return list(dict.fromkeys(found[code] for code in codes))


class DeadlineExtendForm(forms.Form):
    """延长需求响应截止时间: the new deadline and the reason, which the 更正公告 and the units' message carry."""

    new_deadline = forms.DateTimeField(
        label="新的需求响应截止时间", input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": "请填写新的需求响应截止时间",
                        "invalid": "新的截止时间格式不正确，请按“年-月-日 时:分”填写"},
        help_text="只能延长：须晚于原截止时间和当前时间")
    reason = forms.CharField(
        label="延长原因", max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：应部分单位申请，为便于各单位核实采购需求"}),
        error_messages={"required": "请填写延长截止时间的原因（将写入更正公告）",
                        "max_length": f"延长原因不能超过{REASON_MAX_LENGTH}字"},
        help_text="将写入更正公告，并随通知发给各可响应单位")


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "项目编号或名称", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Project.Status.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


# --- pages ---------------------------------------------------------------------------------------

def _managed(request, pk: int):
    return get_object_or_404(project_services.managed_batch_projects(request.user), pk=pk)


@kind_required(*project_services.MANAGERS)
def project_list(request):
    form = ProjectFilterForm(request.GET)
    projects = project_services.managed_batch_projects(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("status"):
        projects = projects.filter(status=filters["status"])
    if term := (filters.get("q") or "").strip():
        projects = projects.filter(Q(code__icontains=term) | Q(title__icontains=term))
    return render(request, "batch/projects/list.html", {
        "form": form,
        "filtered": any(filters.values()),
        "page": paginate(request, projects.order_by("-created_at", "-pk")),
    })


@kind_required(*project_services.OPENERS)
def project_open(request):
    form = ProjectOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = project_services.batch_project_open(
                task=data["task"], configuration_table=data["configuration_table"], title=data["title"],
                eligibility=data["eligibility"], regions=data["regions"], levels=data["levels"],
                unit_ids=data["unit_codes"], response_opens_at=data["response_opens_at"],
                response_deadline=data["response_deadline"], procedure=data["procedure"], actor=request.user,
            )
        except REFUSALS as error:
            add_refusal(form, error)
        else:
            opens = timezone.localtime(project.response_opens_at)
            told = ("各可响应单位将收到需求征集开始的通知" if opens <= timezone.now()
                    else f"{opens:%Y-%m-%d %H:%M}需求响应开始时，系统将通知各可响应单位")
            messages.success(request, f"已立项并开放需求响应：{project.code}。{told}；请发布征集公告。")
            return redirect("batch:project-detail", pk=project.pk)
    return render(request, "batch/projects/open.html", {"form": form})


@kind_required(*project_services.MANAGERS)
def project_detail(request, pk: int):
    project = _managed(request, pk)
    notice = project_services.solicitation_notice(project)
    now = timezone.now()
    collecting = project.status == Project.Status.COLLECTING
    manages = access.runs_project(request.user, project, step=access.Step.COLLECTION)
    return render(request, "batch/projects/detail.html", {
        "project": project,
        "details": getattr(project, "batch", None),
        **master_plan_context(request, project),
        "notice": notice,
        "can_publish": manages and collecting and notice is None,
        "can_extend": extension_refusal(project, request.user, now) is None,
        "corrections": project_services.correction_notices(project),
    })


# Why the center cannot extend now (None: the form is offered): the core's rule, shown by the page and the admin.
extension_refusal = response_deadline_extension_refusal


@kind_required(*project_services.MANAGERS)
def project_extend(request, pk: int):
    """延长需求响应截止时间 (更正公告): the service checks every rule; its refusals land on the form's fields."""
    project = _managed(request, pk)
    form = DeadlineExtendForm(request.POST or None)
    bootstrap(form)
    if request.method == "POST" and form.is_valid():
        try:
            extended = response_deadline_extend(
                project=project, new_deadline=form.cleaned_data["new_deadline"], reason=form.cleaned_data["reason"],
                actor=request.user)
        except REFUSALS as error:
            add_refusal(form, error)
        else:
            # A 更正公告 corrects the solicitation notice, when there is one (batch_correction_publish).
            corrected = "，更正公告已发布" if project_services.solicitation_notice(extended) else ""
            deadline = timezone.localtime(extended.response_deadline)
            messages.success(request, f"需求响应截止时间已延长至{deadline:%Y-%m-%d %H:%M}{corrected}，"
                                      "各可响应单位将收到通知。")
            return redirect("batch:project-detail", pk=project.pk)
    return render(request, "batch/projects/extend.html", {
        "project": project,
        "form": form,
        "notice": project_services.solicitation_notice(project),
        "refusal": extension_refusal(project, request.user),
    })


def _act(request, pk: int, service, done: str):
    project = _managed(request, pk)
    run_step(request, lambda: service(project=project, actor=request.user), done=done)
    return redirect("batch:project-detail", pk=project.pk)


@require_POST
@kind_required(*project_services.MANAGERS)
def project_publish(request, pk: int):
    return _act(request, pk, project_services.batch_solicitation_publish,
                "征集公告已发布，可在公告公示栏目查看。")


urlpatterns = [
    path("center/projects/", project_list, name="project-list"),
    path("center/projects/open/", project_open, name="project-open"),
    path("center/projects/<int:pk>/", project_detail, name="project-detail"),
    path("center/projects/<int:pk>/publish-solicitation/", project_publish, name="project-publish"),
    path("center/projects/<int:pk>/extend-deadline/", project_extend, name="project-extend"),
]

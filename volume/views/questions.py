"""Volume pages: inquiries, challenges and complaints (753号 四(二); 《政府采购法》第五十二条至第五十六条).

- A supplier: its questions (``question-list``), a new one about a public volume project (``question-new``), the
  answer and, when the law allows, the complaint form (``question-detail``).
- The handler (the lead by default), the lead, the agency and the participating units: the questions of their
  projects (``question-list``, and the section of the lead's project page: ``hub_context``), the contributions and,
  for the handler only, the answer form (``question-detail``).
- Finance: the complaints to its bureau (``complaint-list``) and the decision form (``complaint-detail``).

Every lookup goes through ``volume.services.questions.visible_questions`` / ``visible_complaints`` (anything
else → 404); every write calls a service of that module.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from procurement import access, deadlines
from procurement.models import Organization
from procurement.views.common import kind_required, paginate, run_form_step
from procurement.views.forms import _style as bootstrap
from volume.models import Complaint, SupplierQuestion
from volume.services import questions as services

Kind = Organization.Kind
SUPPLIER, BUDGET_UNIT, FINANCE, AGENCY = Kind.SUPPLIER, Kind.BUDGET_UNIT, Kind.FINANCE, Kind.AGENCY
# Who reads a question's page: the supplier, the handler and participants (budget units), the agency, finance.
QUESTION_READERS = (SUPPLIER, BUDGET_UNIT, AGENCY, FINANCE)
COMPLAINT_READERS = (FINANCE, SUPPLIER)


# --- forms ---------------------------------------------------------------------------------------------

class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=SupplierQuestion.Kind.choices, widget=forms.RadioSelect,
                             initial=SupplierQuestion.Kind.INQUIRY,
                             help_text="询问：3个工作日内答复；质疑：须在知道或应当知道权益受损之日起7个工作日内提出，"
                                       "7个工作日内书面答复")
    subject = forms.ChoiceField(label="事项", choices=SupplierQuestion.Subject.choices)
    knew_on = forms.DateField(label="知道或应当知道权益受损之日", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "请填写知道或应当知道权益受损之日",
                                              "invalid": "日期格式不正确，请按“年-月-日”填写"})
    content = forms.CharField(label="询问、质疑事项及理由", max_length=services.MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": "请填写询问、质疑事项及理由"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"


class ContributionForm(forms.Form):
    text = forms.CharField(label="答复意见", max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "请填写意见"})


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复内容", max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}),
                             error_messages={"required": "请填写答复内容"})
    changes_result = forms.BooleanField(label="答复影响采购结果（将通知全部参与单位、代理机构和有关供应商）",
                                        required=False)


class ComplaintForm(forms.Form):
    content = forms.CharField(label="投诉事项及理由", max_length=services.MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              error_messages={"required": "请填写投诉事项及理由"})


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=Complaint.Outcome.choices, widget=forms.RadioSelect)
    decision = forms.CharField(label="处理决定", max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}),
                               error_messages={"required": "请填写处理决定"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["outcome"].widget.attrs["class"] = "form-check-input"


class FilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "项目编号、名称或供应商", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "全部状态"), *SupplierQuestion.Status.choices, ("overdue", "已逾期未答复")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


def _styled(form: forms.Form) -> forms.Form:
    bootstrap(form)
    return form


# --- helpers --------------------------------------------------------------------------------------------

def _question(request, pk: int) -> SupplierQuestion:
    return get_object_or_404(services.visible_questions(request.user), pk=pk)


def _acting_org(user, ids: list[int]) -> Organization | None:
    """The first of ``ids`` the user writes for (the unit a participant contributes as)."""
    for organization_id in ids:
        if access.acts_for(user, organization_id):
            return Organization.objects.get(pk=organization_id)
    return None


def _contributor(user, question: SupplierQuestion) -> Organization | None:
    from procurement.models import EligibleUnit

    ids = [question.handler_id, question.project.organizer_id]
    ids += list(EligibleUnit.objects.filter(project_id=question.project_id,
                                            unit_id__in=access.org_ids(user, write=True))
                .values_list("unit_id", flat=True))
    return _acting_org(user, list(dict.fromkeys(ids)))


def overdue_filter() -> Q:
    return Q(status=SupplierQuestion.Status.OPEN, reply_due_on__lt=deadlines.today())


# --- pages ----------------------------------------------------------------------------------------------

@kind_required(SUPPLIER, BUDGET_UNIT)
def question_list(request):
    """A supplier's own questions (and the public projects it may ask about); a unit's questions to answer or
    assist with."""
    form = FilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    questions = services.visible_questions(request.user)
    status = filters.get("status")
    if status == "overdue":
        questions = questions.filter(overdue_filter())
    elif status:
        questions = questions.filter(status=status)
    if term := (filters.get("q") or "").strip():
        questions = questions.filter(Q(project__code__icontains=term) | Q(project__title__icontains=term)
                                     | Q(supplier__name__icontains=term))
    is_supplier = access.has_seat(request.user, SUPPLIER)
    projects = None
    if is_supplier:
        askable = services.askable_projects().select_related("organizer")
        if term := request.GET.get("p", "").strip():
            askable = askable.filter(Q(code__icontains=term) | Q(title__icontains=term))
        projects = paginate(request, askable.order_by("-created_at", "-pk"), param="projects_page", per_page=10)
    return render(request, "volume/questions/list.html", {
        "form": form,
        "filtered": any(filters.values()),
        "page": paginate(request, questions.order_by("-submitted_at", "-pk")),
        "is_supplier": is_supplier,
        "projects": projects,
        "project_term": request.GET.get("p", ""),
        "today": deadlines.today(),
    })


@kind_required(SUPPLIER)
def question_new(request, pk: int):
    project = get_object_or_404(services.askable_projects().select_related("organizer", "volume__question_handler"),
                                pk=pk)
    supplier = _acting_org(request.user, access.org_ids(request.user, kind=SUPPLIER, write=True))
    form = QuestionForm(request.POST or None, initial={"knew_on": deadlines.today()})
    if request.method == "POST" and form.is_valid() and supplier is not None:
        data = form.cleaned_data
        question = run_form_step(request, form, lambda: services.question_submit(
            project=project, supplier=supplier, kind=data["kind"], subject=data["subject"], content=data["content"],
            knew_on=data["knew_on"], actor=request.user),
            done=lambda q: f"已提交{q.get_kind_display()}，答复单位应于{q.reply_due_on:%Y-%m-%d}前答复。")
        if question is not None:
            return redirect("volume:question-detail", pk=question.pk)
    return render(request, "volume/questions/new.html", {
        "project": project, "form": form, "handler": project.volume.question_handler,
        "read_only": supplier is None,
        "challenge_rule": deadlines.CHALLENGE_PERIOD.rule,
    })


def _detail_context(request, question: SupplierQuestion, **forms_) -> dict:
    user = request.user
    own_supplier = access.acts_for(user, question.supplier_id, write=False)
    handler = services.is_handler(user, question)
    open_ = question.status == SupplierQuestion.Status.OPEN
    contributor = _contributor(user, question) if open_ and not own_supplier else None
    refusal = services.complaint_refusal(question) if question.kind == SupplierQuestion.Kind.CHALLENGE else None
    may_complain = (question.kind == SupplierQuestion.Kind.CHALLENGE and refusal is None
                    and access.acts_for(user, question.supplier_id))
    complaints = question.complaints.select_related("finance_bureau").order_by("-submitted_at")
    return {
        "question": question,
        "project": question.project,
        "own_supplier": own_supplier,
        # The participants' drafts are the purchaser side's: the supplier reads only the answer.
        "contributions": (question.contributions.select_related("organization", "author")
                          if not own_supplier else None),
        "answer_form": forms_.get("answer_form") or (_styled(AnswerForm()) if handler and open_ else None),
        "contribution_form": forms_.get("contribution_form") or (_styled(ContributionForm()) if contributor else None),
        "contributor": contributor,
        "complaint_form": forms_.get("complaint_form") or (_styled(ComplaintForm()) if may_complain else None),
        "complaint_refusal": refusal if own_supplier and question.kind == SupplierQuestion.Kind.CHALLENGE else None,
        "complaint_last_day": (services.complaint_last_day(question)
                               if question.kind == SupplierQuestion.Kind.CHALLENGE else None),
        "complaints": complaints,
        "overdue": open_ and question.reply_due_on < deadlines.today(),
        "reply_rule": services.reply_duration(question.kind).rule,
        "complaint_rule": deadlines.COMPLAINT_PERIOD.rule,
    }


@kind_required(*QUESTION_READERS)
def question_detail(request, pk: int):
    question = _question(request, pk)
    return render(request, "volume/questions/detail.html", _detail_context(request, question))


@require_POST
@kind_required(BUDGET_UNIT, AGENCY)
def question_contribute(request, pk: int):
    question = _question(request, pk)
    form = _styled(ContributionForm(request.POST))
    organization = _contributor(request.user, question)
    if form.is_valid() and organization is not None:
        done = run_form_step(request, form, lambda: services.contribution_add(
            question=question, organization=organization, text=form.cleaned_data["text"], actor=request.user),
            done="已提交答复意见，答复单位将收到通知。")
        if done is not None:
            return redirect("volume:question-detail", pk=question.pk)
    elif organization is None:
        form.add_error(None, "只有答复单位和项目参与单位可以填写答复意见（吉财采购〔2024〕753号 四(二)）")
    return render(request, "volume/questions/detail.html",
                  _detail_context(request, question, contribution_form=form), status=400)


@require_POST
@kind_required(BUDGET_UNIT, AGENCY)
def question_answer(request, pk: int):
    question = _question(request, pk)
    form = _styled(AnswerForm(request.POST))
    if form.is_valid():
        done = run_form_step(request, form, lambda: services.question_answer(
            question=question, answer=form.cleaned_data["answer"],
            changes_result=form.cleaned_data["changes_result"], actor=request.user),
            done=lambda q: "已答复并通知供应商" + ("（已超过答复期限，记为逾期答复）" if q.answered_late else "")
            + ("；答复影响采购结果，已通知各方。" if q.changes_result else "。"))
        if done is not None:
            return redirect("volume:question-detail", pk=question.pk)
    return render(request, "volume/questions/detail.html",
                  _detail_context(request, question, answer_form=form), status=400)


@require_POST
@kind_required(SUPPLIER)
def complaint_submit(request, pk: int):
    question = _question(request, pk)
    form = _styled(ComplaintForm(request.POST))
    if form.is_valid():
        complaint = run_form_step(request, form, lambda: services.complaint_submit(
            challenge=question, content=form.cleaned_data["content"], actor=request.user),
            done=lambda c: f"投诉已提交至{c.finance_bureau.name}，应于{c.decision_due_on:%Y-%m-%d}前作出处理决定。")
        if complaint is not None:
            return redirect("volume:complaint-detail", pk=complaint.pk)
    return render(request, "volume/questions/detail.html",
                  _detail_context(request, question, complaint_form=form), status=400)


@kind_required(*COMPLAINT_READERS)
def complaint_list(request):
    complaints = services.visible_complaints(request.user)
    status = request.GET.get("status", "")
    if status in Complaint.Status.values:
        complaints = complaints.filter(status=status)
    if term := request.GET.get("q", "").strip():
        complaints = complaints.filter(Q(challenge__project__code__icontains=term)
                                       | Q(challenge__project__title__icontains=term)
                                       | Q(supplier__name__icontains=term))
    return render(request, "volume/questions/complaint_list.html", {
        "page": paginate(request, complaints.order_by("-submitted_at", "-pk")),
        "statuses": Complaint.Status.choices,
        "status": status,
        "term": request.GET.get("q", ""),
        "filtered": bool(status or request.GET.get("q", "").strip()),
        "today": deadlines.today(),
    })


@kind_required(*COMPLAINT_READERS)
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(services.visible_complaints(request.user), pk=pk)
    form = None
    deciding = (complaint.status == Complaint.Status.RECEIVED
                and access.acts_for(request.user, complaint.finance_bureau_id))
    if deciding:
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = run_form_step(request, form, lambda: services.complaint_decide(
                complaint=complaint, outcome=form.cleaned_data["outcome"], decision=form.cleaned_data["decision"],
                actor=request.user), done="处理决定已作出，并已通知投诉人和有关当事人。")
            if done is not None:
                return redirect("volume:complaint-detail", pk=complaint.pk)
    elif request.method == "POST":
        return redirect("volume:complaint-detail", pk=complaint.pk)
    challenge = complaint.challenge
    return render(request, "volume/questions/complaint_detail.html", {
        "complaint": complaint, "challenge": challenge, "project": challenge.project, "form": form,
        "overdue": complaint.status == Complaint.Status.RECEIVED and complaint.decision_due_on < deadlines.today(),
        "decision_rule": deadlines.COMPLAINT_DECISION.rule,
    })


urlpatterns = [
    path("questions/", question_list, name="question-list"),
    path("questions/new/<int:pk>/", question_new, name="question-new"),
    path("questions/<int:pk>/", question_detail, name="question-detail"),
    path("questions/<int:pk>/contribute/", question_contribute, name="question-contribute"),
    path("questions/<int:pk>/answer/", question_answer, name="question-answer"),
    path("questions/<int:pk>/complaint/", complaint_submit, name="question-complaint"),
    path("complaints/", complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", complaint_detail, name="complaint-detail"),
]


def hub_context(request, project) -> dict:
    """The questions section of the lead's project page: open, overdue and answered counts, the overdue open
    questions and the latest ones, each linking to its page."""
    questions = SupplierQuestion.objects.filter(project=project).select_related("supplier", "handler")
    overdue = list(questions.filter(overdue_filter()).order_by("reply_due_on", "pk")[:20])
    return {
        "questions_open": questions.filter(status=SupplierQuestion.Status.OPEN).count(),
        "questions_overdue": questions.filter(overdue_filter()).count(),
        "questions_answered": questions.filter(status=SupplierQuestion.Status.ANSWERED).count(),
        "questions_overdue_list": overdue,
        "questions_latest": list(questions.order_by("-submitted_at", "-pk")[:10]),
        "questions_today": deadlines.today(),
    }

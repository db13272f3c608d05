"""Inquiries (询问), challenges (质疑) and complaints (投诉) of a volume project (753号 四(二)).

753号 四(二): 一般由牵头单位负责答复供应商询问或质疑，并配合同级财政部门处理投诉；参与单位要协助牵头单位答复.
The unit that answers is ``VolumeDetails.question_handler`` (the lead by default). The periods are the law's,
declared in ``procurement.deadlines``:

- a challenge within 7 working days of the day the supplier knew or should have known (《政府采购法》第五十二条,
  ``CHALLENGE_PERIOD``); an inquiry at any time;
- the answer within 3 working days for an inquiry (《政府采购法实施条例》第五十二条, ``INQUIRY_REPLY``) and 7 for a
  challenge (第五十三条, ``CHALLENGE_REPLY``), from the day it is received; a later answer is allowed and flagged
  late (``SupplierQuestion.answered_late``);
- a complaint to the finance bureau of the lead's level within 15 working days (第五十五条, ``COMPLAINT_PERIOD``),
  counted from the end of the answer period (答复期满后): the answer's due date, or the answer itself when it came
  late (the supplier never loses days to a late answer);
- finance decides within 30 working days of receipt (第五十六条, ``COMPLAINT_DECISION``).

Who sees what (``visible_questions`` / ``visible_complaints``): the supplier its own; the handler, the lead, the
entrusted agency and the participating units the questions of the project; finance the complaints to its bureau
(and the challenges they concern). Another supplier sees nothing (404).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from procurement import access, deadlines
from procurement.formats import chinese_date
from procurement.models import Award, EligibleUnit, Mode, Notification, Organization, Project
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.events import event_record
from procurement.services.reminders import organization_notify, organizations_notify
from volume.models import Complaint, QuestionContribution, SupplierQuestion, VolumeDetails
from volume.question_deadlines import COMPLAINT_DEADLINES, QUESTION_DEADLINES

Kind = Organization.Kind

# Audit actions (declared in VolumePlugin.event_actions).
QUESTION_SUBMIT = "volume_question_submit"
QUESTION_CONTRIBUTE = "volume_question_contribute"
QUESTION_ANSWER = "answer_send"  # the transition SupplierQuestion.answer_send
COMPLAINT_SUBMIT = "volume_complaint_submit"
COMPLAINT_DECIDE = "decide"  # the transition Complaint.decide
EVENT_ACTIONS = {
    QUESTION_SUBMIT: "供应商提出询问或质疑",
    QUESTION_CONTRIBUTE: "填写答复意见",
    QUESTION_ANSWER: "答复询问或质疑",
    COMPLAINT_SUBMIT: "供应商提起投诉",
    COMPLAINT_DECIDE: "财政部门作出投诉处理决定",
}

# The project statuses from which the procurement has begun (a supplier may then ask whatever was published).
PROCUREMENT_REACHED = [Project.Status.PROCURING, Project.Status.AWARDED, Project.Status.COMPLETED,
                       Project.Status.TERMINATED]
RESULT_REACHED = [Project.Status.AWARDED, Project.Status.COMPLETED]
MAX_TEXT = 5000


# --- durations -----------------------------------------------------------------------------------------

def reply_duration(kind: str) -> deadlines.Duration:
    return deadlines.CHALLENGE_REPLY if kind == SupplierQuestion.Kind.CHALLENGE else deadlines.INQUIRY_REPLY


def challenge_last_day(knew_on: date) -> date:
    """The last day a challenge may be raised (《政府采购法》第五十二条)."""
    return deadlines.due_date(knew_on, deadlines.CHALLENGE_PERIOD)


def complaint_counted_from(challenge: SupplierQuestion) -> date:
    """The day the complaint period runs from (第五十五条 "答复期满后十五个工作日内"): the end of the answer period,
    or the answer itself when it came after its due date."""
    if challenge.answered_at is not None:
        return max(timezone.localdate(challenge.answered_at), challenge.reply_due_on)
    return challenge.reply_due_on


def complaint_last_day(challenge: SupplierQuestion) -> date:
    return deadlines.due_date(complaint_counted_from(challenge), deadlines.COMPLAINT_PERIOD)


def finance_bureau_of(project: Project) -> Organization | None:
    """The finance bureau of the lead's level: the finance organization of the lead's region (同级财政部门)."""
    return (Organization.objects.filter(kind=Kind.FINANCE, region_id=project.organizer.region_id, is_active=True)
            .order_by("pk").first())


# --- who sees what ---------------------------------------------------------------------------------------

def askable_projects() -> QuerySet:
    """The volume projects a supplier may ask about: made public (an intention, solicitation or procurement
    notice on the portal) or in procurement, with their question handler recorded."""
    from notices.models import Notice

    public = Notice.objects.filter(project_id=OuterRef("pk"), is_withdrawn=False)
    return (Project.objects.filter(mode=Mode.VOLUME, volume__isnull=False)
            .filter(Q(status__in=PROCUREMENT_REACHED) | Q(volume__intention_notice__isnull=False) | Exists(public))
            .exclude(status=Project.Status.DRAFT))


def _party_project_q(user, prefix: str = "project__") -> Q:
    """The questions of the projects ``user`` handles, leads, runs as agency or participates in."""
    orgs = access.org_ids(user)
    if not orgs:
        return Q(pk__in=[])
    eligible = EligibleUnit.objects.filter(unit_id__in=orgs).values("project_id")
    return (Q(handler_id__in=orgs) | Q(**{f"{prefix}organizer_id__in": orgs})
            | Q(**{f"{prefix}agency_id__in": orgs}) | Q(project_id__in=eligible))


def visible_questions(user) -> QuerySet:
    qs = SupplierQuestion.objects.select_related("project", "supplier", "handler")
    if access.is_superuser(user):
        return qs
    orgs = access.org_ids(user)
    if not orgs:
        return qs.none()
    q = Q(supplier_id__in=access.org_ids(user, kind=Kind.SUPPLIER)) | _party_project_q(user)
    finance = access.org_ids(user, kind=Kind.FINANCE)
    if finance:
        q |= Q(pk__in=Complaint.objects.filter(finance_bureau_id__in=finance).values("challenge_id"))
    return qs.filter(q)


def visible_complaints(user) -> QuerySet:
    qs = Complaint.objects.select_related("challenge", "challenge__project", "supplier", "finance_bureau")
    if access.is_superuser(user):
        return qs
    return qs.filter(Q(supplier_id__in=access.org_ids(user, kind=Kind.SUPPLIER))
                     | Q(finance_bureau_id__in=access.org_ids(user, kind=Kind.FINANCE)))


def is_handler(user, question: SupplierQuestion) -> bool:
    return access.is_superuser(user) or access.acts_for(user, question.handler_id)


def may_contribute(user, question: SupplierQuestion) -> bool:
    """The handler and the participating units (753号 四(二): 参与单位要协助牵头单位答复)."""
    if is_handler(user, question) or access.acts_for(user, question.project.organizer_id):
        return True
    units = access.org_ids(user, kind=Kind.BUDGET_UNIT, write=True)
    return bool(units) and EligibleUnit.objects.filter(project_id=question.project_id, unit_id__in=units).exists()


def complaint_refusal(challenge: SupplierQuestion, *, today: date | None = None) -> str | None:
    """Why a complaint about ``challenge`` cannot be filed now (None: it can), naming the article."""
    today = today or deadlines.today()
    if challenge.kind != SupplierQuestion.Kind.CHALLENGE:
        return "只有对质疑的答复不满意或未按期答复的，才可以投诉；询问不能直接投诉（《政府采购法》第五十五条）"
    if challenge.complaints.filter(status=Complaint.Status.RECEIVED).exists():
        return "该质疑已有投诉正在处理，请等待财政部门的处理决定"
    if challenge.status == SupplierQuestion.Status.OPEN and today <= challenge.reply_due_on:
        return (f"质疑答复期限至{chinese_date(challenge.reply_due_on)}尚未届满，答复后或期满未答复的，方可投诉"
                "（《政府采购法》第五十五条）")
    last = complaint_last_day(challenge)
    if today > last:
        late_answer = challenge.answered_at is not None and challenge.answered_late
        counted = "逾期答复之日" if late_answer else "答复期满之日"
        return (f"已超过投诉期限：应在{counted}（{chinese_date(complaint_counted_from(challenge))}）后十五个工作日内，"
                f"即{chinese_date(last)}前投诉（《政府采购法》第五十五条）")
    return None


# --- notifications -----------------------------------------------------------------------------------------

def question_url(question: SupplierQuestion) -> str:
    return reverse("volume:question-detail", args=[question.pk])


def complaint_url(complaint: Complaint) -> str:
    return reverse("volume:complaint-detail", args=[complaint.pk])


def _participants(project: Project) -> list[Organization]:
    return [e.unit for e in EligibleUnit.objects.filter(project=project).select_related("unit").order_by("unit_id")]


def _tell(organizations, *, subject, kind: str, title: str, body: str, url: str,
          level: str = Notification.Level.INFO) -> int:
    told, seen = 0, set()
    for organization in organizations:
        if organization is None or organization.pk in seen:
            continue
        seen.add(organization.pk)
        told += organization_notify(organization=organization, subject=subject, kind=kind, title=title, body=body,
                                    url=url, level=level)
    return told


def _tell_many(organizations, *, subject, kind: str, title: str, body: str, url: str,
               level: str = Notification.Level.INFO) -> int:
    """``_tell`` for the participants of a project (a thousand units, say), in a few queries."""
    return organizations_notify(organizations=organizations, subject=subject, kind=kind, title=title, body=body,
                                url=url, level=level)


def result_parties(question: SupplierQuestion) -> list[Organization]:
    """Every party of the project (答复影响采购结果时): the lead, the handler, the participants, the agency, every
    supplier that asked or holds an award."""
    project = question.project
    suppliers = Organization.objects.filter(
        Q(pk__in=SupplierQuestion.objects.filter(project=project).values("supplier_id"))
        | Q(pk__in=Award.objects.filter(project=project).values("supplier_id"))).order_by("pk")
    return [project.organizer, question.handler, *_participants(project), project.agency, *suppliers]


# --- services --------------------------------------------------------------------------------------------

def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(f"请填写{label}", field=field)
    if len(value) > MAX_TEXT:
        raise ServiceError(f"{label}不能超过{MAX_TEXT}字", field=field)
    return value


@transaction.atomic
def question_submit(*, project: Project, supplier: Organization, kind: str, subject: str, content: str,
                    knew_on: date, actor) -> SupplierQuestion:
    """A supplier's 询问 or 质疑 to the project's handler (753号 四(二); 《政府采购法》第五十二条)."""
    if supplier.kind != Kind.SUPPLIER or not (access.is_superuser(actor) or access.acts_for(actor, supplier.pk)):
        raise PermissionDenied("只有供应商本身可以提出询问或质疑")
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not askable_projects().filter(pk=project.pk).exists():
        raise ServiceError("该项目尚未公开，不能提出询问或质疑", field="project")
    details = VolumeDetails.objects.select_related("question_handler").get(project=project)
    if kind not in SupplierQuestion.Kind.values:
        raise ServiceError("请选择询问或质疑", field="kind")
    if subject not in SupplierQuestion.Subject.values:
        raise ServiceError("请选择询问或质疑的事项（采购文件、采购过程或中标、成交结果）", field="subject")
    if subject == SupplierQuestion.Subject.RESULT and project.status not in RESULT_REACHED:
        raise ServiceError("该项目尚未确定中标（成交）结果，不能就结果提出询问或质疑", field="subject")
    content = _text(content, "content", "询问、质疑事项及理由")
    today = deadlines.today()
    if knew_on is None:
        raise ServiceError("请填写知道或应当知道权益受损之日", field="knew_on")
    if knew_on > today:
        raise ServiceError("知道或应当知道权益受损之日不能晚于今天（《政府采购法》第五十二条）", field="knew_on")
    if kind == SupplierQuestion.Kind.CHALLENGE:
        last = challenge_last_day(knew_on)
        if today > last:
            raise ServiceError(
                f"已超过质疑期限：应在知道或应当知道权益受损之日（{chinese_date(knew_on)}）起七个工作日内，即"
                f"{chinese_date(last)}前提出质疑（《政府采购法》第五十二条）", field="knew_on")
    now = timezone.now()
    due = deadlines.due_date(timezone.localdate(now), reply_duration(kind))
    question = SupplierQuestion.objects.create(
        project=project, kind=kind, subject=subject, supplier=supplier, handler=details.question_handler,
        content=content, knew_on=knew_on, submitted_at=now, reply_due_on=due,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(subject=question, action=QUESTION_SUBMIT, actor=actor, target=supplier.name,
                 changes={"kind": kind, "subject": subject, "reply_due_on": due.isoformat()})
    label = question.get_kind_display()
    url = question_url(question)
    rule = reply_duration(kind).rule
    _tell([question.handler], subject=question, kind="question_received", url=url, level=Notification.Level.WARNING,
          title=f"收到供应商{label}：{project.code}",
          body=f"{supplier.name}就项目「{project.title}」的{question.get_subject_display()}提出{label}，请于"
               f"{chinese_date(due)}前书面答复（依据{rule}）。")
    _tell_many([u for u in [project.organizer, *_participants(project)] if u.pk != question.handler_id],
               subject=question, kind="question_to_assist", url=url,
               title=f"供应商{label}待协助答复：{project.code}",
               body=f"{supplier.name}就项目「{project.title}」提出{label}，由{question.handler.name}于{chinese_date(due)}"
                    "前答复。参与单位请协助答复（吉财采购〔2024〕753号 四(二)），可在该页面填写意见。")
    _question_deadlines_store(question)
    return question


@transaction.atomic
def contribution_add(*, question: SupplierQuestion, organization: Organization, text: str,
                     actor) -> QuestionContribution:
    """A participant's (or the handler's) text toward the answer (753号 四(二): 参与单位要协助牵头单位答复)."""
    question = SupplierQuestion.objects.select_for_update(of=("self",)).select_related("project").get(pk=question.pk)
    if not (access.is_superuser(actor) or access.acts_for(actor, organization.pk)):
        raise PermissionDenied("只能以本单位名义填写意见")
    own = (organization.pk in (question.handler_id, question.project.organizer_id)
           or EligibleUnit.objects.filter(project_id=question.project_id, unit=organization).exists())
    if not own:
        raise PermissionDenied("只有答复单位和项目参与单位可以填写答复意见（吉财采购〔2024〕753号 四(二)）")
    if question.status != SupplierQuestion.Status.OPEN:
        raise TransitionRefused("该询问、质疑已答复，不能再填写意见")
    text = _text(text, "text", "意见")
    contribution = QuestionContribution.objects.create(
        question=question, organization=organization, text=text,
        author=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(subject=question, action=QUESTION_CONTRIBUTE, actor=actor, target=organization.name,
                 changes={"contribution": contribution.pk})
    if organization.pk != question.handler_id:
        _tell([question.handler], subject=contribution, kind="question_contribution", url=question_url(question),
              title=f"参与单位提交了答复意见：{question.project.code}",
              body=f"{organization.name}对{question.supplier.name}的{question.get_kind_display()}填写了答复意见，"
                   "请在答复时参考。")
    return contribution


@transaction.atomic
def question_answer(*, question: SupplierQuestion, answer: str, changes_result: bool, actor) -> SupplierQuestion:
    """The handler's written answer (《政府采购法》第五十三条; 实施条例第五十二条). After its due date it is still
    accepted, and flagged late wherever it shows."""
    question = SupplierQuestion.objects.select_for_update(of=("self",)).select_related(
        "project", "project__organizer", "project__agency", "supplier", "handler").get(pk=question.pk)
    if not is_handler(actor, question):
        raise PermissionDenied(
            f"只有答复单位（{question.handler.name}）可以答复供应商询问或质疑（吉财采购〔2024〕753号 四(二)）")
    if question.status != SupplierQuestion.Status.OPEN:
        raise TransitionRefused("该询问、质疑已经答复")
    question.answer = _text(answer, "answer", "答复内容")
    question.changes_result = bool(changes_result)
    question.answered_at = timezone.now()
    question.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    question.answer_send()
    question.save()
    late = question.answered_late
    event_record(subject=question, action=QUESTION_ANSWER, actor=actor, target=question.supplier.name,
                 changes={"changes_result": question.changes_result, "late": late})
    _question_deadlines_store(question)
    project, url = question.project, question_url(question)
    label = question.get_kind_display()
    late_text = f"（已超过答复期限{chinese_date(question.reply_due_on)}）" if late else ""
    _tell([question.supplier], subject=question, kind="question_answered", url=url,
          title=f"您的{label}已答复：{project.code}",
          body=f"{question.handler.name}已书面答复您就项目「{project.title}」提出的{label}{late_text}。"
               + ("对质疑答复不满意的，可在规定期限内向同级财政部门投诉（《政府采购法》第五十五条）。"
                  if question.kind == SupplierQuestion.Kind.CHALLENGE else ""))
    if question.changes_result:
        parties = [o for o in result_parties(question) if o is not None and o.pk != question.supplier_id]
        wording = {
            "subject": question, "kind": "question_result_changed", "level": Notification.Level.WARNING,
            "title": f"质疑答复影响采购结果：{project.code}",
            "body": f"{question.handler.name}对{question.supplier.name}提出的{label}作出答复，答复影响项目"
                    f"「{project.title}」的采购结果（《政府采购法》第五十三条：书面通知质疑供应商和其他有关供应商）。"
                    f"答复：{question.answer}",
        }
        # The other suppliers read the answer in the message itself; the project's own parties open the page.
        _tell_many([o for o in parties if o.kind != Kind.SUPPLIER], url=url, **wording)
        _tell_many([o for o in parties if o.kind == Kind.SUPPLIER], url="", **wording)
    return question


@transaction.atomic
def complaint_submit(*, challenge: SupplierQuestion, content: str, actor) -> Complaint:
    """投诉 to the finance bureau of the lead's level (753号 四(二); 《政府采购法》第五十五条)."""
    challenge = SupplierQuestion.objects.select_for_update(of=("self",)).select_related(
        "project", "project__organizer", "supplier", "handler").get(pk=challenge.pk)
    if not (access.is_superuser(actor) or access.acts_for(actor, challenge.supplier_id)):
        raise PermissionDenied("只有提出质疑的供应商可以就该质疑投诉（《政府采购法》第五十五条）")
    refusal = complaint_refusal(challenge)
    if refusal:
        raise ServiceError(refusal, field="content")
    content = _text(content, "content", "投诉事项及理由")
    bureau = finance_bureau_of(challenge.project)
    if bureau is None:
        raise ServiceError(f"未找到{challenge.project.organizer.name}同级的财政部门，暂不能受理投诉，请联系系统管理员")
    now = timezone.now()
    due = deadlines.due_date(timezone.localdate(now), deadlines.COMPLAINT_DECISION)
    complaint = Complaint.objects.create(
        challenge=challenge, supplier=challenge.supplier, finance_bureau=bureau, content=content, submitted_at=now,
        decision_due_on=due, submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(subject=complaint, action=COMPLAINT_SUBMIT, actor=actor, target=bureau.name,
                 changes={"challenge": challenge.pk, "decision_due_on": due.isoformat()})
    _complaint_deadlines_store(complaint)
    project = challenge.project
    _tell([bureau], subject=complaint, kind="complaint_received", url=complaint_url(complaint),
          level=Notification.Level.WARNING, title=f"收到供应商投诉：{project.code}",
          body=f"{challenge.supplier.name}对项目「{project.title}」的质疑答复提起投诉，请于{chinese_date(due)}前作出"
               f"处理决定（依据{deadlines.COMPLAINT_DECISION.rule}）。")
    _tell([challenge.handler, project.organizer], subject=complaint, kind="complaint_to_assist",
          url=question_url(challenge), title=f"供应商已就质疑提起投诉：{project.code}",
          body=f"{challenge.supplier.name}已向{bureau.name}投诉，请配合财政部门处理（吉财采购〔2024〕753号 四(二)）。")
    return complaint


def _question_deadlines_store(question: SupplierQuestion) -> None:
    QUESTION_DEADLINES.store_next_check(question, QUESTION_DEADLINES.next_check(question))


def _complaint_deadlines_store(complaint: Complaint) -> None:
    COMPLAINT_DEADLINES.store_next_check(complaint, COMPLAINT_DEADLINES.next_check(complaint))


@transaction.atomic
def complaint_decide(*, complaint: Complaint, outcome: str, decision: str, actor) -> Complaint:
    """The finance bureau's decision (《政府采购法》第五十六条), told in writing to the complainant and the parties."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related(
        "challenge", "challenge__project", "challenge__handler", "supplier", "finance_bureau").get(pk=complaint.pk)
    if not (access.is_superuser(actor) or access.acts_for(actor, complaint.finance_bureau_id)):
        raise PermissionDenied(f"只有受理投诉的财政部门（{complaint.finance_bureau.name}）可以作出处理决定"
                               "（《政府采购法》第五十六条）")
    if complaint.status != Complaint.Status.RECEIVED:
        raise TransitionRefused("该投诉已作出处理决定")
    if outcome not in Complaint.Outcome.values:
        raise ServiceError("请选择处理结果（投诉成立或驳回投诉）", field="outcome")
    complaint.outcome = outcome
    complaint.decision = _text(decision, "decision", "处理决定")
    complaint.decided_at = timezone.now()
    complaint.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    complaint.decide()
    complaint.save()
    event_record(subject=complaint, action=COMPLAINT_DECIDE, actor=actor, target=complaint.supplier.name,
                 changes={"outcome": outcome,
                          "late": timezone.localdate(complaint.decided_at) > complaint.decision_due_on})
    _complaint_deadlines_store(complaint)
    challenge = complaint.challenge
    project = challenge.project
    _tell([complaint.supplier, challenge.handler, project.organizer], subject=complaint, kind="complaint_decided",
          url="", title=f"投诉处理决定：{project.code}",
          body=f"{complaint.finance_bureau.name}对{complaint.supplier.name}就项目「{project.title}」的投诉作出处理决定："
               f"{complaint.get_outcome_display()}。{complaint.decision}（《政府采购法》第五十六条）")
    return complaint

"""Inquiries, challenges and complaints of a volume project: the rules of 753号 四(二) and 《政府采购法》第五十二条至
第五十六条, through the services, on the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from procurement import deadlines
from procurement.models import CalendarDay, Notification, Project, ProjectEvent
from procurement.services.errors import ServiceError
from tests.factories import AwardFactory, FinanceFactory, SupplierFactory
from tests.volume.factories_questions import answered_days_ago, backdate, public_volume_project
from volume.models import Complaint, QuestionContribution, SupplierQuestion
from volume.services import questions as services

pytestmark = pytest.mark.usefixtures("calendar_loaded")

INQUIRY, CHALLENGE = SupplierQuestion.Kind.INQUIRY, SupplierQuestion.Kind.CHALLENGE
DOCUMENTS, RESULT = SupplierQuestion.Subject.DOCUMENTS, SupplierQuestion.Subject.RESULT


def ask(world, project, *, kind=CHALLENGE, subject=DOCUMENTS, knew_on=None, supplier=None,
        content="采购文件的技术参数指向特定品牌"):
    supplier = supplier or world.supplier
    return services.question_submit(project=project, supplier=supplier, kind=kind, subject=subject, content=content,
                                    knew_on=knew_on or deadlines.today(), actor=world.user(supplier))


def titles(organization) -> list[str]:
    return list(Notification.objects.filter(organization=organization).values_list("title", flat=True))


@pytest.fixture
def project(world):
    return public_volume_project(world)


# --- submitting --------------------------------------------------------------------------------------------

def test_a_challenge_goes_to_the_lead_with_its_due_date_and_tells_every_participant(world, project):
    """753号 四(二): 一般由牵头单位负责答复；参与单位要协助. 《政府采购法》第五十三条: 七个工作日内答复."""
    question = ask(world, project)

    assert question.handler == world.province_unit == project.organizer
    assert question.reply_due_on == deadlines.add_working_days(deadlines.today(), 7)
    assert question.status == SupplierQuestion.Status.OPEN
    assert any("收到供应商质疑" in t for t in titles(world.province_unit))
    for unit in (world.prefecture_unit, world.county_unit, world.other_prefecture_unit):
        assert any("待协助答复" in t for t in titles(unit)), unit
    assert ProjectEvent.objects.filter(project=project, action=services.QUESTION_SUBMIT).count() == 1


def test_an_inquiry_is_due_in_three_working_days(world, project):
    """《政府采购法实施条例》第五十二条: 3个工作日内答复询问."""
    question = ask(world, project, kind=INQUIRY)
    assert question.reply_due_on == deadlines.add_working_days(deadlines.today(), 3)


def test_the_handler_named_on_the_project_answers_instead_of_the_lead(world):
    """753号 四(二): the handler is whoever the project names (the lead only by default)."""
    project = public_volume_project(world, handler=world.prefecture_unit)
    question = ask(world, project)
    assert question.handler == world.prefecture_unit
    assert any("收到供应商质疑" in t for t in titles(world.prefecture_unit))


def test_a_challenge_eight_working_days_after_the_supplier_knew_is_refused_naming_article_52(world, project):
    """《政府采购法》第五十二条: 知道或者应知其权益受到损害之日起七个工作日内."""
    late = deadlines.subtract_working_days(deadlines.today(), 8)
    with pytest.raises(ServiceError) as refused:
        ask(world, project, knew_on=late)
    assert "第五十二条" in refused.value.message and refused.value.field == "knew_on"
    assert not SupplierQuestion.objects.exists()


def test_a_challenge_on_the_seventh_working_day_is_accepted(world, project):
    """《政府采购法》第五十二条: the seventh working day is still within the period."""
    question = ask(world, project, knew_on=deadlines.subtract_working_days(deadlines.today(), 7))
    assert question.pk


def test_an_inquiry_has_no_period(world, project):
    """Only a challenge has the period of 第五十二条; an inquiry (第五十一条) may come at any time."""
    question = ask(world, project, kind=INQUIRY, knew_on=deadlines.today() - timedelta(days=90))
    assert question.kind == INQUIRY


def test_a_day_of_knowledge_in_the_future_is_refused(world, project):
    """《政府采购法》第五十二条: the day the supplier knew cannot be after today."""
    with pytest.raises(ServiceError) as refused:
        ask(world, project, knew_on=deadlines.today() + timedelta(days=1))
    assert "第五十二条" in refused.value.message


def test_only_a_supplier_may_ask(world, project):
    """《政府采购法》第五十一条、第五十二条: 供应商 asks; a budget unit cannot raise one."""
    with pytest.raises(PermissionDenied):
        services.question_submit(project=project, supplier=world.prefecture_unit, kind=INQUIRY, subject=DOCUMENTS,
                                 content="问", knew_on=deadlines.today(), actor=world.user(world.prefecture_unit))
    with pytest.raises(PermissionDenied):  # acting for another supplier
        services.question_submit(project=project, supplier=world.supplier, kind=INQUIRY, subject=DOCUMENTS,
                                 content="问", knew_on=deadlines.today(), actor=world.user(world.large_supplier))


def test_a_project_not_yet_public_cannot_be_asked_about(world):
    """A supplier asks about what was published: a project still collecting, with no notice, is not."""
    project = public_volume_project(world, status=Project.Status.COLLECTING)
    with pytest.raises(ServiceError) as refused:
        ask(world, project)
    assert refused.value.field == "project"


def test_the_result_cannot_be_challenged_before_there_is_one(world, project):
    """《政府采购法》第五十二条: 中标、成交结果 — a challenge of the result needs the award."""
    with pytest.raises(ServiceError) as refused:
        ask(world, project, subject=RESULT)
    assert refused.value.field == "subject"
    Project.objects.filter(pk=project.pk).update(status=Project.Status.AWARDED)
    assert ask(world, project, subject=RESULT).subject == RESULT


# --- due dates on the calendar --------------------------------------------------------------------------------

def _walk(start, n, holidays):
    day = start
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            n -= 1
    return day


def test_the_due_date_skips_the_weekend_and_a_holiday_of_the_calendar_table(world, project):
    """《政府采购法实施条例》第五十二条 and 《政府采购法》第五十三条 count working days: the calendar table's holidays
    (CalendarDay) and the weekend are not counted."""
    today = deadlines.today()
    holidays = []
    day = today
    while len(holidays) < 2:
        day += timedelta(days=1)
        if day.weekday() < 5:
            holidays.append(day)
    for holiday in holidays:
        CalendarDay.objects.update_or_create(date=holiday, defaults={"kind": CalendarDay.Kind.HOLIDAY,
                                                                     "name": "测试假日"})
    CalendarDay.objects.filter(date__gt=today, date__lte=today + timedelta(days=30),
                               kind=CalendarDay.Kind.WORKDAY).delete()
    CalendarDay.objects.filter(date__gt=holidays[-1], date__lte=today + timedelta(days=30),
                               kind=CalendarDay.Kind.HOLIDAY).delete()

    inquiry = ask(world, project, kind=INQUIRY)
    challenge = ask(world, project, kind=CHALLENGE)

    assert inquiry.reply_due_on == _walk(today, 3, set(holidays))
    assert challenge.reply_due_on == _walk(today, 7, set(holidays))
    # Crosses a weekend and both holidays: later than three weekdays would be.
    assert inquiry.reply_due_on > _walk(today, 3, set())
    assert (inquiry.reply_due_on - today).days >= 5


# --- contributions -----------------------------------------------------------------------------------------

def test_a_participant_adds_to_the_answer_and_the_handler_is_told(world, project):
    """753号 四(二): 参与单位要协助牵头单位答复供应商询问或质疑."""
    question = ask(world, project)
    contribution = services.contribution_add(question=question, organization=world.county_unit,
                                             text="本院所需为国产设备，参数无品牌指向",
                                             actor=world.user(world.county_unit))
    assert contribution.question == question
    assert any("参与单位提交了答复意见" in t for t in titles(world.province_unit))


def test_a_unit_not_participating_cannot_add_to_the_answer(world):
    """753号 四(二): only the participating units assist."""
    project = public_volume_project(world, participants=[world.prefecture_unit])
    question = ask(world, project)
    with pytest.raises(PermissionDenied):
        services.contribution_add(question=question, organization=world.county_unit, text="意见",
                                  actor=world.user(world.county_unit))
    assert not QuestionContribution.objects.exists()


# --- answering ---------------------------------------------------------------------------------------------

def test_only_the_handler_answers(world, project):
    """753号 四(二): 由牵头单位负责答复 — a participant may not answer in its place."""
    question = ask(world, project)
    with pytest.raises(PermissionDenied) as refused:
        services.question_answer(question=question, answer="答复", changes_result=False,
                                 actor=world.user(world.county_unit))
    assert "753号 四(二)" in str(refused.value)
    question.refresh_from_db()
    assert question.status == SupplierQuestion.Status.OPEN and question.answer == ""


def test_an_answer_in_time_goes_to_the_supplier_alone(world, project):
    """《政府采购法》第五十三条: 书面通知质疑供应商; the result unchanged, no one else is told."""
    question = ask(world, project)
    answered = services.question_answer(question=question, answer="参数无品牌指向，质疑不成立", changes_result=False,
                                        actor=world.user(world.province_unit))
    assert answered.status == SupplierQuestion.Status.ANSWERED and not answered.answered_late
    assert any("已答复" in t for t in titles(world.supplier))
    assert not any("影响采购结果" in t for t in titles(world.county_unit))


def test_an_answer_after_its_due_date_is_flagged_late(world, project):
    """《政府采购法》第五十三条: an answer after the seventh working day is accepted and flagged late."""
    question = backdate(ask(world, project), working_days=8)
    assert question.reply_due_on < deadlines.today()

    answered = services.question_answer(question=question, answer="迟到的答复", changes_result=False,
                                        actor=world.user(world.province_unit))

    assert answered.answered_late
    event = ProjectEvent.objects.get(project=project, action=services.QUESTION_ANSWER)
    assert event.changes["late"] is True


def test_an_answer_that_changes_the_result_goes_to_every_party(world, project):
    """《政府采购法》第五十三条 (以书面形式通知质疑供应商和其他有关供应商) and issue 10 point 9: where the answer
    changes the result, every party is told: participants, agency, every supplier that asked or was awarded."""
    Project.objects.filter(pk=project.pk).update(agency=world.agency, status=Project.Status.AWARDED)
    project.refresh_from_db()
    AwardFactory(lot=project.lots.first(), supplier=world.large_supplier)
    other = SupplierFactory(name="延边丁商贸有限公司")
    ask(world, project, kind=INQUIRY, supplier=other)
    question = ask(world, project, subject=RESULT)

    services.question_answer(question=question, answer="质疑成立，重新评审", changes_result=True,
                             actor=world.user(world.province_unit))

    for party in (world.prefecture_unit, world.county_unit, world.other_prefecture_unit, world.agency,
                  world.large_supplier, other):
        assert any("影响采购结果" in t for t in titles(party)), party
    assert any("已答复" in t for t in titles(world.supplier))


def test_an_answer_cannot_be_given_twice(world, project):
    question = ask(world, project)
    services.question_answer(question=question, answer="答复", changes_result=False,
                             actor=world.user(world.province_unit))
    with pytest.raises(ServiceError):
        services.question_answer(question=question, answer="再答复", changes_result=False,
                                 actor=world.user(world.province_unit))


# --- complaints --------------------------------------------------------------------------------------------

@pytest.fixture
def bureau(world):
    """The finance bureau of the lead's level: the provincial lead's is the world's 吉林省财政厅."""
    return world.finance


def test_a_complaint_goes_to_the_finance_bureau_of_the_leads_level(world, project, bureau):
    """753号 四(二): 配合同级财政部门处理投诉; 《政府采购法》第五十五条; decided within 30 working days (第五十六条)."""
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    complaint = services.complaint_submit(challenge=question, content="答复未回应技术参数问题",
                                          actor=world.user(world.supplier))
    assert complaint.finance_bureau == bureau
    assert complaint.decision_due_on == deadlines.add_working_days(deadlines.today(), 30)
    assert any("收到供应商投诉" in t for t in titles(bureau))


def test_a_county_leads_complaint_goes_to_the_county_bureau(world):
    """同级财政部门: a county lead's project is complained about to the county's finance bureau."""
    county_bureau = FinanceFactory(name="南关区财政局", region=world.nanguan)
    project = public_volume_project(world, lead=world.county_unit, participants=[world.county_unit])
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.county_unit))
    complaint = services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    assert complaint.finance_bureau == county_bureau


def test_a_complaint_after_fifteen_working_days_from_the_answer_period_is_refused_naming_article_55(world, project):
    """《政府采购法》第五十五条: 答复期满后十五个工作日内投诉."""
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    answered_days_ago(question, working_days=16)
    with pytest.raises(ServiceError) as refused:
        services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    assert "第五十五条" in refused.value.message
    assert not Complaint.objects.exists()

    answered_days_ago(question, working_days=15)
    assert services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier)).pk


def test_an_early_answer_does_not_shorten_the_complaint_period(world, project):
    """《政府采购法》第五十五条: 答复期满后十五个工作日内 — counted from the answer's due date, not from an earlier
    answer."""
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    due = deadlines.subtract_working_days(deadlines.today(), 15)
    SupplierQuestion.objects.filter(pk=question.pk).update(
        reply_due_on=due, answered_at=deadlines.start_of_day(deadlines.subtract_working_days(due, 4)))
    question.refresh_from_db()
    assert services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier)).pk


def test_without_an_answer_the_complaint_period_runs_from_the_due_date(world, project):
    """《政府采购法》第五十五条: 未在规定的时间内作出答复的，答复期满后十五个工作日内投诉."""
    question = ask(world, project)
    with pytest.raises(ServiceError) as refused:  # the answer's period has not run out yet
        services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    assert "第五十五条" in refused.value.message

    question = backdate(question, working_days=7 + 16)  # due 16 working days ago, never answered
    with pytest.raises(ServiceError) as refused:
        services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    assert "第五十五条" in refused.value.message

    question = backdate(question, working_days=7 + 15)
    assert services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier)).pk


def test_only_the_supplier_who_challenged_may_complain(world, project):
    """《政府采购法》第五十五条: 质疑供应商 complains."""
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    with pytest.raises(PermissionDenied):
        services.complaint_submit(challenge=question, content="不服", actor=world.user(world.large_supplier))


def test_an_inquiry_cannot_be_complained_about(world, project):
    """《政府采购法》第五十五条: a complaint follows a challenge, not an inquiry."""
    question = ask(world, project, kind=INQUIRY)
    services.question_answer(question=question, answer="答复", changes_result=False,
                             actor=world.user(world.province_unit))
    with pytest.raises(ServiceError) as refused:
        services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    assert "第五十五条" in refused.value.message


def test_only_that_bureau_decides_and_the_parties_are_told(world, project, bureau):
    """《政府采购法》第五十六条: the bureau that received it decides, and tells the complainant and the parties."""
    question = ask(world, project)
    services.question_answer(question=question, answer="不成立", changes_result=False,
                             actor=world.user(world.province_unit))
    complaint = services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    with pytest.raises(PermissionDenied) as refused:
        services.complaint_decide(complaint=complaint, outcome=Complaint.Outcome.DISMISSED, decision="驳回",
                                  actor=world.user(world.city_finance))
    assert "第五十六条" in str(refused.value)

    decided = services.complaint_decide(complaint=complaint, outcome=Complaint.Outcome.DISMISSED,
                                        decision="投诉缺乏事实依据，驳回", actor=world.user(bureau))
    assert decided.status == Complaint.Status.DECIDED and not decided.decided_late
    assert any("投诉处理决定" in t for t in titles(world.supplier))
    assert any("投诉处理决定" in t for t in titles(world.province_unit))


def test_every_participant_of_a_large_project_is_told_in_a_few_queries(world, django_assert_max_num_queries):
    """753号 四(二) with a thousand-unit project in mind: telling 300 participants costs a bounded number of
    queries, not a few per unit, and each is told once."""
    units = world.units(300, people=True)
    project = public_volume_project(world, participants=units)
    with django_assert_max_num_queries(60):
        question = ask(world, project)
    told = Notification.objects.filter(organization__in=units, title__contains="待协助答复")
    assert told.count() == 300 and told.values("organization").distinct().count() == 300
    assert question.pk

"""The pages and the API of 753号 四(二): each role sees what is its own (supplier its questions, the handler and
participants their project's, finance its bureau's complaints), anything else answers 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from procurement import deadlines
from tests.volume.factories_questions import backdate, public_volume_project
from volume.models import Complaint, QuestionContribution, SupplierQuestion
from volume.services import questions as services
from volume.views.questions import hub_context

pytestmark = pytest.mark.usefixtures("calendar_loaded")

CHALLENGE = SupplierQuestion.Kind.CHALLENGE


@pytest.fixture
def project(world):
    return public_volume_project(world)


@pytest.fixture
def question(world, project):
    return services.question_submit(project=project, supplier=world.supplier, kind=CHALLENGE,
                                    subject=SupplierQuestion.Subject.DOCUMENTS, content="技术参数指向特定品牌",
                                    knew_on=deadlines.today(), actor=world.user(world.supplier))


def answer(world, question, text="质疑不成立"):
    return services.question_answer(question=question, answer=text, changes_result=False,
                                    actor=world.user(world.province_unit))


# --- supplier ---------------------------------------------------------------------------------------------

def test_a_supplier_asks_from_its_page_and_sees_its_question_listed(world, project):
    client = world.client_for(world.supplier)
    listing = client.get(reverse("volume:question-list"))
    assert listing.status_code == 200 and project.code in listing.content.decode()  # the project it may ask about

    page = client.get(reverse("volume:question-new", args=[project.pk]))
    assert page.status_code == 200 and "提出询问或质疑" in page.content.decode()
    response = client.post(reverse("volume:question-new", args=[project.pk]), {
        "kind": "inquiry", "subject": "documents", "knew_on": deadlines.today().isoformat(),
        "content": "交货期能否延长"})
    question = SupplierQuestion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("volume:question-detail",
                                                                            args=[question.pk])
    listing = client.get(reverse("volume:question-list")).content.decode()
    assert "交货期" not in listing and project.title in listing and "待答复" in listing


def test_a_late_challenge_is_refused_on_the_page_naming_article_52(world, project):
    """《政府采购法》第五十二条, on the supplier's form."""
    late = deadlines.subtract_working_days(deadlines.today(), 8)
    response = world.client_for(world.supplier).post(reverse("volume:question-new", args=[project.pk]), {
        "kind": "challenge", "subject": "documents", "knew_on": late.isoformat(), "content": "参数指向"})
    assert response.status_code == 200 and "第五十二条" in response.content.decode()
    assert not SupplierQuestion.objects.exists()


def test_another_supplier_gets_404_for_a_question_not_its_own(world, question):
    """Other suppliers 404: a question is its supplier's and the project's parties' business."""
    client = world.client_for(world.large_supplier)
    assert client.get(reverse("volume:question-detail", args=[question.pk])).status_code == 404
    assert question.project.title not in client.get(reverse("volume:question-list")).content.decode().split(
        "可提出询问或质疑的项目")[0]
    assert client.post(reverse("volume:question-complaint", args=[question.pk]),
                       {"content": "不服"}).status_code == 404


def test_the_supplier_reads_the_answer_but_not_the_participants_drafts(world, question):
    services.contribution_add(question=question, organization=world.county_unit, text="内部意见：参数合理",
                              actor=world.user(world.county_unit))
    answer(world, question, "经核实，参数合理，质疑不成立")
    page = world.client_for(world.supplier).get(reverse("volume:question-detail", args=[question.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "质疑不成立" in body and "内部意见" not in body
    assert 'data-testid="complaint-form"' in body  # 第五十五条: the complaint is open to it now


def test_the_supplier_complains_from_the_question_page_and_finance_decides(world, question):
    """《政府采购法》第五十五条、第五十六条 through the pages."""
    answer(world, question)
    response = world.client_for(world.supplier).post(reverse("volume:question-complaint", args=[question.pk]),
                                                     {"content": "答复未回应实质问题"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("volume:complaint-detail",
                                                                            args=[complaint.pk])

    finance = world.client_for(world.finance)
    listing = finance.get(reverse("volume:complaint-list"))
    assert listing.status_code == 200 and question.project.code in listing.content.decode()
    detail = finance.get(reverse("volume:complaint-detail", args=[complaint.pk]))
    assert detail.status_code == 200 and 'data-testid="decision-form"' in detail.content.decode()
    finance.post(reverse("volume:complaint-detail", args=[complaint.pk]),
                 {"outcome": "dismissed", "decision": "投诉缺乏事实依据"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.DECIDED

    supplier_view = world.client_for(world.supplier).get(reverse("volume:complaint-detail", args=[complaint.pk]))
    assert supplier_view.status_code == 200 and "投诉缺乏事实依据" in supplier_view.content.decode()


def test_another_finance_bureau_gets_404_for_the_complaint(world, question):
    answer(world, question)
    complaint = services.complaint_submit(challenge=question, content="不服", actor=world.user(world.supplier))
    client = world.client_for(world.city_finance)
    assert client.get(reverse("volume:complaint-detail", args=[complaint.pk])).status_code == 404
    assert question.project.code not in client.get(reverse("volume:complaint-list")).content.decode()


def test_a_late_complaint_is_refused_on_the_page_naming_article_55(world, question):
    answer(world, question)
    from tests.volume.factories_questions import answered_days_ago

    answered_days_ago(question, working_days=16)
    page = world.client_for(world.supplier).get(reverse("volume:question-detail", args=[question.pk]))
    body = page.content.decode()
    assert 'data-testid="complaint-form"' not in body and "第五十五条" in body


# --- handler and participants ----------------------------------------------------------------------------------

def test_the_handler_answers_from_the_page_and_a_late_answer_is_flagged(world, question):
    """《政府采购法》第五十三条: an answer after the due date is flagged on the page."""
    backdate(question, working_days=9)
    client = world.client_for(world.province_unit)
    page = client.get(reverse("volume:question-detail", args=[question.pk])).content.decode()
    assert 'data-testid="answer-form"' in page and 'data-testid="overdue-flag"' in page

    client.post(reverse("volume:question-answer", args=[question.pk]), {"answer": "经核实，质疑不成立"})
    question.refresh_from_db()
    assert question.status == SupplierQuestion.Status.ANSWERED and question.answered_late
    for who in (world.province_unit, world.supplier):
        body = world.client_for(who).get(reverse("volume:question-detail", args=[question.pk])).content.decode()
        assert 'data-testid="late-flag"' in body
    listing = world.client_for(world.supplier).get(reverse("volume:question-list")).content.decode()
    assert 'data-testid="answered-late"' in listing


def test_a_participant_sees_the_question_adds_to_it_but_cannot_answer(world, question):
    """753号 四(二): 参与单位协助答复 — it sees and adds, the lead answers."""
    client = world.client_for(world.county_unit)
    page = client.get(reverse("volume:question-detail", args=[question.pk])).content.decode()
    assert 'data-testid="contribution-form"' in page and 'data-testid="answer-form"' not in page
    client.post(reverse("volume:question-contribute", args=[question.pk]), {"text": "我院需求可接受其他品牌"})
    assert QuestionContribution.objects.filter(question=question, organization=world.county_unit).exists()

    refused = client.post(reverse("volume:question-answer", args=[question.pk]), {"answer": "越权答复"})
    assert refused.status_code == 400 and "753号 四(二)" in refused.content.decode()
    question.refresh_from_db()
    assert question.status == SupplierQuestion.Status.OPEN
    listing = client.get(reverse("volume:question-list")).content.decode()
    assert question.project.title in listing


def test_a_unit_outside_the_project_gets_404(world):
    project = public_volume_project(world, participants=[world.prefecture_unit])
    question = services.question_submit(project=project, supplier=world.supplier, kind=CHALLENGE,
                                        subject=SupplierQuestion.Subject.DOCUMENTS, content="参数",
                                        knew_on=deadlines.today(), actor=world.user(world.supplier))
    assert world.client_for(world.county_unit).get(
        reverse("volume:question-detail", args=[question.pk])).status_code == 404


def test_the_wrong_kind_of_organization_gets_403(world, project):
    assert world.client_for(world.finance).get(reverse("volume:question-new", args=[project.pk])).status_code == 403
    assert world.client_for(world.supplier).get(reverse("volume:complaint-list")).status_code == 200
    assert world.client_for(world.province_unit).get(reverse("volume:complaint-list")).status_code == 403


def test_the_leads_hub_section_counts_open_overdue_and_answered_and_lists_the_overdue(world, project, question):
    """The lead's page lists overdue open questions (《政府采购法》第五十三条)."""
    overdue = backdate(services.question_submit(
        project=project, supplier=world.large_supplier, kind=SupplierQuestion.Kind.INQUIRY,
        subject=SupplierQuestion.Subject.PROCESS, content="开标时间", knew_on=deadlines.today(),
        actor=world.user(world.large_supplier)), working_days=5)
    answered = services.question_submit(project=project, supplier=world.supplier,
                                        kind=SupplierQuestion.Kind.INQUIRY, subject=SupplierQuestion.Subject.PROCESS,
                                        content="评审方法", knew_on=deadlines.today(),
                                        actor=world.user(world.supplier))
    answer(world, answered)
    request = RequestFactory().get("/")
    request.user = world.user(world.province_unit)
    context = hub_context(request, project)
    assert (context["questions_open"], context["questions_overdue"], context["questions_answered"]) == (2, 1, 1)
    html = render_to_string("volume/projects/_section_questions.html", {**context, "project": project})
    assert html.count('data-testid="overdue-question"') == 1
    assert reverse("volume:question-detail", args=[overdue.pk]) in html
    assert reverse("volume:question-detail", args=[question.pk]) in html


def test_the_nav_shows_the_entries_to_supplier_and_finance(world):
    assert "询问与质疑" in world.client_for(world.supplier).get(reverse("volume:question-list")).content.decode()
    assert "投诉处理" in world.client_for(world.finance).get(reverse("volume:complaint-list")).content.decode()


# --- API ------------------------------------------------------------------------------------------------------

def test_the_api_walks_question_answer_complaint_and_decision(world, project):
    supplier = world.api_for(world.supplier)
    created = supplier.post("/api/v1/volume/questions/", {
        "project": project.pk, "kind": "challenge", "subject": "documents", "content": "参数指向",
        "knew_on": deadlines.today().isoformat()}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["reply_due_on"] == deadlines.add_working_days(deadlines.today(), 7).isoformat()
    assert [row["id"] for row in supplier.get("/api/v1/volume/questions/").json()["results"]] == [pk]
    assert world.api_for(world.large_supplier).get(f"/api/v1/volume/questions/{pk}/").status_code == 404

    refused = world.api_for(world.county_unit).post(f"/api/v1/volume/questions/{pk}/answer/",
                                                    {"answer": "越权"}, format="json")
    assert refused.status_code == 403 and "753号 四(二)" in refused.json()["detail"]
    answered = world.api_for(world.province_unit).post(f"/api/v1/volume/questions/{pk}/answer/",
                                                       {"answer": "不成立"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    complaint = supplier.post(f"/api/v1/volume/questions/{pk}/complaint/", {"content": "不服"}, format="json")
    assert complaint.status_code == 201, complaint.content
    cid = complaint.json()["id"]
    assert world.api_for(world.city_finance).get(f"/api/v1/volume/complaints/{cid}/").status_code == 404
    decided = world.api_for(world.finance).post(f"/api/v1/volume/complaints/{cid}/decide/",
                                                {"outcome": "upheld", "decision": "投诉成立，责令重新评审"},
                                                format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "decided"


def test_the_api_refuses_a_late_challenge_naming_article_52(world, project):
    """《政府采购法》第五十二条 over the API."""
    late = deadlines.subtract_working_days(deadlines.today(), 8)
    response = world.api_for(world.supplier).post("/api/v1/volume/questions/", {
        "project": project.pk, "kind": "challenge", "subject": "documents", "content": "参数指向",
        "knew_on": late.isoformat()}, format="json")
    assert response.status_code == 400 and "第五十二条" in str(response.json())
    assert not SupplierQuestion.objects.exists()


def test_the_api_refuses_a_late_complaint_naming_article_55(world, question):
    """《政府采购法》第五十五条 over the API."""
    backdate(question, working_days=7 + 16)
    response = world.api_for(world.supplier).post(f"/api/v1/volume/questions/{question.pk}/complaint/",
                                                  {"content": "不服"}, format="json")
    assert response.status_code == 400 and "第五十五条" in str(response.json())
    assert not Complaint.objects.exists()
    assert question.reply_due_on < deadlines.today() - timedelta(days=1)

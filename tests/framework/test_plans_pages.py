"""The framework plan's pages and API (annex 8): the center's list, plan page with its section forms (an open plan's
without §八–§十一), submit showing every broken rule together, file, PDF; finance's queue and review page. Another
center's or bureau's plan answers 404, a budget unit 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from framework.models import FrameworkPlan, PlanReview
from procurement.models import Filing
from tests.framework import plans_data as data

pytestmark = pytest.mark.django_db


def test_center_creates_a_plan_from_its_acknowledged_task(world):
    task = data.task_acknowledged(world)
    client = world.client_for(world.center)
    listing = client.get(reverse("framework:plan-list"))
    assert listing.status_code == 200 and "据此编制方案" in listing.content.decode()
    response = client.post(reverse("framework:plan-new"), {"center": world.center.pk, "task": task.pk,
                                                           "title": "2026年度台式计算机框架协议采购", "year": 2026})
    plan = FrameworkPlan.objects.get(task=task)
    assert response.status_code == 302 and response["Location"] == reverse("framework:plan-detail", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "一、征集人基本情况" in page and "十三、其他事项" in page and 'data-testid="plan-submit"' in page


def test_annex8_submit_page_shows_every_broken_rule_together(world):
    plan = data.plan_draft(world)
    client = world.client_for(world.center)
    response = client.post(reverse("framework:plan-submit", args=[plan.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="plan-submit-problems"' in page
    for text in ("第三条", "附件8第五部分", "需求调查的采购人不少于3个", "请至少设置一个采购包（附件8第七部分）",
                 "附件8第十部分"):
        assert text in page, text
    assert FrameworkPlan.objects.get(pk=plan.pk).status == FrameworkPlan.Status.DRAFT


def test_section_form_saves_and_refuses_with_its_error(world):
    plan = data.plan_draft(world)
    client = world.client_for(world.center)
    response = client.post(reverse("framework:plan-section", args=[plan.pk, "s2"]),
                           {"s2-content": "台式计算机", "s2-legal_ground": "catalog_small",
                            "s2-legal_ground_statement": "集中采购目录以内品目，小额零星"})
    assert response.status_code == 302
    assert FrameworkPlan.objects.get(pk=plan.pk).legal_ground == "catalog_small"
    response = client.post(reverse("framework:plan-lot-add", args=[plan.pk]), {
        "lot-name": "计算机设备", "lot-category_code": data.categories().goods_parent.code, "lot-unit_of_measure": "台",
        "lot-max_unit_price_yuan": "5000", "lot-specification": "通用", "lot-price_basis": "survey"})
    assert response.status_code == 400 and "不是最末级品目" in response.content.decode()


def test_annex8_note1_open_plan_form_has_no_s8_to_s11(world):
    plan = data.plan_complete(world, open_type=True)
    page = world.client_for(world.center).get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    assert "开放式框架协议不涉及" in page
    assert 'name="s10-second_stage_method"' not in page and 'name="s11-removal_rules"' not in page
    assert 'name="lot-evaluation_method"' not in page and 'name="lot-elimination_rate_percent"' not in page
    closed = data.plan_complete(world)
    page = world.client_for(world.center).get(reverse("framework:plan-detail", args=[closed.pk])).content.decode()
    assert 'name="s10-second_stage_method"' in page and 'name="lot-evaluation_method"' in page


def test_finance_reviews_returns_then_approves_and_center_files(world):
    plan = data.plan_submitted(world)
    finance = world.client_for(world.finance)
    queue = finance.get(reverse("framework:plan-review-list")).content.decode()
    assert plan.project.title in queue
    page = finance.get(reverse("framework:plan-review", args=[plan.pk])).content.decode()
    assert 'data-testid="plan-review-form"' in page and "甲电脑公司" in page and "台式计算机第1包" in page
    refused = finance.post(reverse("framework:plan-review", args=[plan.pk]), {"decision": "return", "opinion": ""})
    assert refused.status_code == 400 and "请填写审核意见" in refused.content.decode()
    finance.post(reverse("framework:plan-review", args=[plan.pk]), {"decision": "return", "opinion": "单价偏高"})
    center = world.client_for(world.center)
    assert "单价偏高" in center.get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    center.post(reverse("framework:plan-submit", args=[plan.pk]))
    finance.post(reverse("framework:plan-review", args=[plan.pk]), {"decision": "approve", "opinion": ""})
    assert list(PlanReview.objects.filter(plan=plan).values_list("version", "decision")) == [
        (1, "return"), (2, "approve")]
    page = center.get(reverse("framework:plan-detail", args=[plan.pk])).content.decode()
    assert "第1版" in page and "第2版" in page and 'data-testid="plan-file"' in page
    center.post(reverse("framework:plan-file", args=[plan.pk]))
    assert FrameworkPlan.objects.get(pk=plan.pk).status == FrameworkPlan.Status.FILED
    assert Filing.objects.filter(kind=Filing.Kind.FRAMEWORK_PLAN, project=plan.project).count() == 1


def test_pdf_pages_answer_a_pdf(world):
    plan = data.plan_submitted(world)
    for client, name in ((world.client_for(world.center), "framework:plan-pdf"),
                         (world.client_for(world.finance), "framework:plan-review-pdf")):
        response = client.get(reverse(name, args=[plan.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_another_center_or_finance_404_and_a_budget_unit_403(world):
    assert world.city_finance
    plan = data.plan_submitted(world)
    other_center = world.client_for(world.city_center)
    assert other_center.get(reverse("framework:plan-detail", args=[plan.pk])).status_code == 404
    assert other_center.post(reverse("framework:plan-submit", args=[plan.pk])).status_code == 404
    assert other_center.get(reverse("framework:plan-pdf", args=[plan.pk])).status_code == 404
    other_finance = world.client_for(world.city_finance)
    assert other_finance.get(reverse("framework:plan-review", args=[plan.pk])).status_code == 404
    unit = world.client_for(world.province_unit)
    assert unit.get(reverse("framework:plan-list")).status_code == 403
    assert unit.get(reverse("framework:plan-detail", args=[plan.pk])).status_code == 403
    assert unit.get(reverse("framework:plan-review-list")).status_code == 403
    # The API: the same doors.
    assert world.api_for(world.city_center).get(f"/api/v1/framework/plans/{plan.pk}/").status_code == 404
    assert world.api_for(world.city_finance).post(f"/api/v1/framework/plans/{plan.pk}/review/",
                                                  {"decision": "approve"}).status_code == 404
    assert world.api_for(world.province_unit).post(f"/api/v1/framework/plans/{plan.pk}/submit/").status_code == 403
    assert world.api_for(world.province_unit).get("/api/v1/framework/plans/").json()["count"] == 0


def test_api_submit_lists_problems_review_and_file(world):
    plan = data.plan_draft(world)
    center = world.api_for(world.center)
    refused = center.post(f"/api/v1/framework/plans/{plan.pk}/submit/")
    assert refused.status_code == 400 and any("第七部分" in p for p in refused.json()["problems"])
    plan = data.plan_complete(world)
    assert center.post(f"/api/v1/framework/plans/{plan.pk}/submit/").json()["status"] == "submitted"
    finance = world.api_for(world.finance)
    review = finance.post(f"/api/v1/framework/plans/{plan.pk}/review/", {"decision": "approve"}, format="json")
    assert review.status_code == 201 and review.json()["snapshot"]["lots"][0]["number"] == 1
    filed = center.post(f"/api/v1/framework/plans/{plan.pk}/file/")
    assert filed.status_code == 201 and filed.json()["plan"]["status"] == "filed"
    detail = finance.get(f"/api/v1/framework/plans/{plan.pk}/").json()
    assert detail["lots"][0]["framework"]["price_basis"] == "survey" and len(detail["survey_participants"]) == 7
    pdf = center.get(f"/api/v1/framework/plans/{plan.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

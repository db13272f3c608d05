"""The solicitation walked through the pages and the API (seed 000 三(二)(3)(4); annex 8 §九)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from framework.models import Agreement, SolicitationResponse
from tests.framework import solicitation_data as data


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_seed_3_2_3_publish_respond_evaluate_shortlist_through_pages_and_api(world):
    plan = data.filed_plan(world)
    project = plan.project
    center = world.client_for(world.center)
    deadline = (timezone.localtime() + timedelta(days=25)).strftime("%Y-%m-%dT%H:%M")
    page = center.post(reverse("framework:solicitation-detail", args=[project.pk]),
                       {"action": "publish", "response_deadline": deadline, "body": "欢迎参与"})
    assert page.status_code == 302
    lot = project.lots.get()
    supplier = world.client_for(world.supplier)
    assert "框架协议第1包" in supplier.get(reverse("framework:solicitation-supplier-list")).content.decode()
    refused = supplier.post(reverse("framework:solicitation-respond", args=[lot.pk]),
                            {"action": "submit", "price_yuan": "6000", "sme_size": "small",
                             "qualification_file": data.pdf()})
    assert "最高限制单价" in refused.content.decode()
    done = supplier.post(reverse("framework:solicitation-respond", args=[lot.pk]),
                         {"action": "submit", "price_yuan": "4000", "sme_size": "small",
                          "qualification_file": data.pdf()})
    assert done.status_code == 302
    api = world.api_for(world.large_supplier)
    answer = api.post("/api/v1/framework/responses/respond/",
                      {"lot": lot.pk, "price_yuan": "4100", "sme_size": "large", "submit": True,
                       "qualification_file": data.pdf()}, format="multipart")
    assert answer.status_code == 200, answer.content
    assert SolicitationResponse.objects.filter(status=SolicitationResponse.Status.SUBMITTED).count() == 2
    project.refresh_from_db()
    data.close(project)
    center_api = world.api_for(world.center)
    for response in SolicitationResponse.objects.all():
        evaluated = center_api.post(f"/api/v1/framework/solicitations/{project.pk}/evaluate/",
                                    {"response": response.pk, "qualified": True}, format="json")
        assert evaluated.status_code == 200, evaluated.content
    shortlisted = center_api.post(f"/api/v1/framework/solicitations/{project.pk}/shortlist/", {"lot": lot.pk},
                                  format="json")
    assert shortlisted.status_code == 200, shortlisted.content
    assert shortlisted.json()["summary"] == "合格供应商2家，淘汰率20%，应至少淘汰1家，入围上限1家"
    assert Agreement.objects.get().supplier == world.supplier
    ranking = center.get(reverse("framework:solicitation-shortlist", args=[lot.pk])).content.decode()
    assert "入围上限1家" in ranking and "未入围" in ranking
    notice = center.post(reverse("framework:solicitation-detail", args=[project.pk]),
                         {"action": "publish_shortlist"})
    assert notice.status_code == 302
    assert Agreement.objects.get().sign_due is not None

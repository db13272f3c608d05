"""The volume part of seed_demo (volume/demo.py): one joint volume project at each stage of 753号, made through
volume's services, that the demo logins can open and continue."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from procurement.models import Contract, Project
from procurement.services.demo import UNIT_CODE, demo_seed
from volume import demo
from volume.models import Complaint, DepartmentCatalog, ImplementationPlan, Response, SupplierQuestion, VolumeDetails
from volume.selectors.aggregate import aggregate

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@Test-2026"


def _project(title: str) -> Project:
    return Project.objects.get(mode="volume", title=title)


def test_the_demo_holds_a_volume_project_at_each_stage_that_its_logins_can_open(client):
    demo_seed(password=PASSWORD)
    collecting, aggregated = _project(demo.COLLECTING_TITLE), _project(demo.AGGREGATED_TITLE)
    procuring, awarded = _project(demo.PROCURING_TITLE), _project(demo.AWARDED_TITLE)
    assert [p.status for p in (collecting, aggregated, procuring, awarded)] == [
        Project.Status.COLLECTING, Project.Status.AGGREGATED, Project.Status.PROCURING, Project.Status.AWARDED]
    assert all(VolumeDetails.objects.filter(project=p).exists() for p in (collecting, aggregated, procuring, awarded))

    # Step 2: answers of every kind; 教育厅 (login "unit") still has to answer.
    statuses = set(Response.objects.filter(project=collecting).values_list("status", flat=True))
    assert statuses == {Response.Status.SUBMITTED, Response.Status.DECLINED}
    assert not Response.objects.filter(project=collecting, unit__unit_code=UNIT_CODE).exists()
    # Step 3: the aggregate of the closed window is the sum of its responses, the plan not filed yet.
    summary = aggregate(aggregated)
    assert summary.budget_yuan > 0 and summary.budget_yuan == summary.funding_yuan
    assert not ImplementationPlan.objects.filter(project=aggregated).exists()
    # Steps 4–6: the plan filed with the agency, the award confirmed, contracts at every stage, some unsigned.
    assert ImplementationPlan.objects.get(project=procuring).agency.name == demo.AGENCY_NAME
    assert awarded.volume.result_confirmed_at is not None
    contracts = Contract.objects.filter(project=awarded)
    assert contracts.filter(status=Contract.Status.DRAFT).exists() and contracts.filter(paid_on__isnull=False)
    assert contracts.filter(buyer__unit_code=UNIT_CODE, status=Contract.Status.DRAFT).exists()
    # The catalogs, a question, a complaint.
    assert DepartmentCatalog.objects.filter(status=DepartmentCatalog.Status.ISSUED).count() == 1
    assert DepartmentCatalog.objects.filter(status=DepartmentCatalog.Status.SUBMITTED).count() == 1
    assert SupplierQuestion.objects.filter(status=SupplierQuestion.Status.OPEN).exists()
    assert Complaint.objects.filter(status=Complaint.Status.RECEIVED).exists()

    pages = {
        "unit2": [reverse("volume:project-detail", args=[p.pk]) for p in (collecting, aggregated, awarded)],
        "unit": [reverse("volume:response-edit", args=[collecting.pk])],
        "agency": [reverse("award-project", args=[procuring.pk]), reverse("volume:execution", args=[awarded.pk])],
        "finance": [reverse("volume:catalog-review-list"), reverse("volume:complaint-list")],
        "supplier": [reverse("volume:question-list")],
    }
    for username, urls in pages.items():
        client.force_login(get_user_model().objects.get(username=username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)

    # A second seed makes no second volume row.
    counts = {model: model.objects.count() for model in (Response, VolumeDetails, Contract, SupplierQuestion)}
    again = demo_seed(password=PASSWORD)
    assert {model: model.objects.count() for model in counts} == counts
    assert all(created == 0 for label, (_, created) in again.counts.items() if label in dict(demo.COUNTED))

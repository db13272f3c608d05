"""终止: a batch project may be stopped at any stage before the award, with a reason and a 终止公告.

Issue 3 point 10 ("Termination at any stage before award with a reason and a termination notice");
Project.TERMINABLE; 吉财采购〔2024〕753号 四(三) forbids halting a procurement without a proper reason.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from notices.models import Notice
from procurement.models import ProcurementMethod, Project, ProjectEvent, SubPlan
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.execution import project_terminate
from tests.factories import SupplierFactory
from tests.procurement.test_award import award_world, awarded_world

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Project.Status
REASON = "市场价格大幅波动，采购需求需重新论证"


def snapshot(project: Project) -> tuple:
    project.refresh_from_db()
    return (project.status, project.termination_reason, Notice.objects.count(),
            ProjectEvent.objects.filter(action="terminate").count())


@pytest.mark.parametrize("status", [s for s in Project.TERMINABLE])
def test_terminating_before_the_award_publishes_a_termination_notice_with_the_reason(status):
    """Every state before 定标 (Project.TERMINABLE) may be terminated; the notice carries the reason."""
    world = award_world(status=status, procurement_method=ProcurementMethod.INQUIRY)
    frozen_before = list(SubPlan.objects.order_by("pk").values_list("pk", "status", "quantity"))

    terminated = project_terminate(project=world.project, actor=world.operator, reason=f"  {REASON}  ")

    terminated.refresh_from_db()
    assert terminated.status == Status.TERMINATED
    assert terminated.termination_reason == REASON
    notice = Notice.objects.get()
    assert notice.type == Notice.Type.TERMINATION
    assert notice.title == "2026年第二季度台式计算机批量集中采购终止公告"
    assert f"终止原因：{REASON}" in notice.body and world.project.code in notice.body
    assert (notice.project_id, notice.publisher) == (world.project.pk, world.center)
    event = ProjectEvent.objects.get(project=world.project, action="terminate")
    assert (event.source, event.target, event.note) == (status, Status.TERMINATED, REASON)
    assert event.changes == {"termination_reason": REASON, "notice_id": notice.pk}
    # Sub-plans stay as they are (issue brief).
    assert list(SubPlan.objects.order_by("pk").values_list("pk", "status", "quantity")) == frozen_before


@pytest.mark.parametrize("status", [Status.AWARDED, Status.COMPLETED, Status.TERMINATED])
def test_termination_is_refused_after_the_award(status):
    """After 定标 the award notice binds both sides (《政府采购法》第四十六条第二款): no termination here."""
    world = award_world(status=status, procurement_method=ProcurementMethod.INQUIRY)
    before = snapshot(world.project)
    with pytest.raises(TransitionRefused, match="不能执行「终止项目」"):
        project_terminate(project=world.project, actor=world.operator, reason=REASON)
    assert snapshot(world.project) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(reason):
    """Issue 3 point 10: termination "with a reason"."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    before = snapshot(world.project)
    with pytest.raises(ServiceError, match="终止项目必须填写终止原因") as refused:
        project_terminate(project=world.project, actor=world.operator, reason=reason)
    assert refused.value.field == "reason"
    assert snapshot(world.project) == before


def test_a_unit_cannot_terminate_by_service_page_or_api(client):
    """A forged request from a budget unit (eligible, so it sees the project) is refused: the service says 403, the
    page and the API, whose door lets units in for the projects they lead, find no project it runs (404)."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    world.project.eligible_units.create(unit=world.units[0])
    clerk = world.clerk(world.units[0])
    before = snapshot(world.project)

    with pytest.raises(PermissionDenied):
        project_terminate(project=world.project, actor=clerk, reason=REASON)

    api = APIClient()
    api.force_authenticate(clerk)
    response = api.post(reverse("api-v1:award-terminate", args=[world.project.pk]), {"reason": REASON},
                        format="json")
    assert response.status_code == 404  # a project the unit does not run (issue 10: a lead unit runs its own)

    client.force_login(clerk)
    response = client.post(reverse("award-terminate", args=[world.project.pk]), {"reason": REASON})
    assert response.status_code == 404
    assert snapshot(world.project) == before


def test_a_supplier_hears_the_door_refusal_on_termination():
    """The door of the steps (issue 8 point 4): a supplier hears 403 with the Chinese refusal before the lookup."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    before = snapshot(world.project)
    api = APIClient()
    api.force_authenticate(world.clerk(SupplierFactory()))
    response = api.post(reverse("api-v1:award-terminate", args=[world.project.pk]), {"reason": REASON},
                        format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有组织该项目的采购中心、牵头单位或受托代理机构可以办理"
    assert snapshot(world.project) == before


def test_another_centers_operator_finds_nothing_to_terminate(client):
    """Another center's project answers 404 on the page and the API (access policy)."""
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    stranger = award_world().operator
    before = snapshot(world.project)
    client.force_login(stranger)
    assert client.post(reverse("award-terminate", args=[world.project.pk]), {"reason": REASON}).status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    response = api.post(reverse("api-v1:award-terminate", args=[world.project.pk]), {"reason": REASON},
                        format="json")
    assert response.status_code == 404
    assert snapshot(world.project) == before


def test_the_center_terminates_through_its_page(client):
    world = award_world(status=Status.CONFIRMED)
    client.force_login(world.operator)
    url = reverse("award-terminate", args=[world.project.pk])
    page = client.get(url)
    assert page.status_code == 200 and "确认终止并发布终止公告" in page.content.decode()

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200 and "该字段是必填项" in refused.content.decode()
    assert Project.objects.get(pk=world.project.pk).status == Status.CONFIRMED

    response = client.post(url, {"reason": REASON}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("award-project", args=[world.project.pk])
    assert "项目已终止，终止公告已发布。" in response.content.decode()
    assert Project.objects.get(pk=world.project.pk).status == Status.TERMINATED


def test_the_page_after_the_award_says_it_cannot_terminate(client):
    world = awarded_world(units=1, lots=1)
    client.force_login(world.operator)
    url = reverse("award-terminate", args=[world.project.pk])
    assert 'data-testid="not-terminable"' in client.get(url).content.decode()
    response = client.post(url, {"reason": REASON})
    assert "不能执行「终止项目」" in response.content.decode()
    assert Project.objects.get(pk=world.project.pk).status == Status.AWARDED


def test_the_center_terminates_through_the_api_and_gets_409_after_the_award():
    world = award_world(status=Status.COLLECTING)
    api = APIClient()
    api.force_authenticate(world.operator)
    url = reverse("api-v1:award-terminate", args=[world.project.pk])
    assert api.post(url, {"reason": ""}, format="json").status_code == 400
    response = api.post(url, {"reason": REASON}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["termination_reason"]) == ("terminated", REASON)
    again = api.post(url, {"reason": REASON}, format="json")
    assert again.status_code == 409
    assert Notice.objects.filter(type=Notice.Type.TERMINATION).count() == 1

"""A draft project's data edited in the admin leave their audit row (issue 9 point 5: every write is attributable)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Lot, Project, ProjectEvent
from tests.factories import LotFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client, user


def test_a_lot_changed_in_the_admin_is_recorded_with_what_changed(admin_client):
    client, user = admin_client
    project = ProjectFactory(status=Project.Status.DRAFT)
    lot = LotFactory(project=project, number=1, name="台式计算机", unit_of_measure="台")

    answer = client.post(reverse("admin:procurement_lot_change", args=[lot.pk]), {
        "project": project.pk, "number": 1, "name": "台式计算机（高配）", "category": "", "unit_of_measure": "台",
        "reference_price_yuan": "5200.00", "max_unit_price_yuan": "", "specification": "",
    })

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Lot.objects.get(pk=lot.pk).name == "台式计算机（高配）"
    event = ProjectEvent.objects.get(project=project, subject_type="lot", subject_id=lot.pk)
    assert (event.action, event.action_label, event.actor_id) == ("update", "后台修改采购包", user.pk)
    assert event.changes == {"name": "台式计算机（高配）", "reference_price_yuan": "5200.00"}


def test_a_lot_of_a_settled_project_cannot_be_changed_in_the_admin(admin_client):
    client, _ = admin_client
    project = ProjectFactory(status=Project.Status.COLLECTING)
    lot = LotFactory(project=project, number=1, name="台式计算机", unit_of_measure="台")

    client.post(reverse("admin:procurement_lot_change", args=[lot.pk]), {
        "project": project.pk, "number": 1, "name": "改名", "category": "", "unit_of_measure": "台",
        "reference_price_yuan": "", "max_unit_price_yuan": "", "specification": "",
    })

    assert Lot.objects.get(pk=lot.pk).name == "台式计算机"
    assert not ProjectEvent.objects.filter(project=project).exists()

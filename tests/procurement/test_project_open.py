"""Opening a project through the core service alone, in a mode other than batch (issue 9 points 1 and 8)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement.models import EligibleUnit, Mode, Project, ProjectEvent
from procurement.services.errors import ServiceError
from procurement.services.projects import LotSpec, project_open
from tests.factories import BudgetUnitFactory, CategoryFactory, CenterFactory, SupplierFactory, member_of, province

pytestmark = pytest.mark.django_db

ITEMS = [LotSpec(name="台式计算机", unit_of_measure="台", reference_price_yuan=Decimal("5000.00")),
         LotSpec(name="复印纸", unit_of_measure="箱", specification="A4 70g")]


@pytest.fixture
def lead():
    """A provincial department leading a joint volume procurement (集中带量采购的牵头单位)."""
    unit = BudgetUnitFactory(name="吉林省教育厅", region=province())
    return unit, member_of(unit)


def _open(lead, **overrides):
    unit, user = lead
    values = {
        "mode": Mode.VOLUME, "title": "2026年度教育系统办公设备集中带量采购", "year": 2026, "organizer": unit,
        "scope_region": province(), "lots": ITEMS,
        "unit_ids": [BudgetUnitFactory().pk for _ in range(3)],
        "response_deadline": timezone.now() + timedelta(days=10), "category": CategoryFactory(),
        "actor": user,
    }
    values.update(overrides)
    return project_open(**values)


def test_a_volume_project_opens_for_collection_with_its_items_and_units(lead):
    project = _open(lead)

    assert project.mode == Mode.VOLUME
    assert project.code.startswith("JLDL-")
    assert project.status == Project.Status.COLLECTING
    assert project.organizer_id == lead[0].pk
    assert [(lot.number, lot.name, lot.unit_of_measure) for lot in project.lots.order_by("number")] == [
        (1, "台式计算机", "台"), (2, "复印纸", "箱")]
    assert EligibleUnit.objects.filter(project=project).count() == 3
    actions = list(ProjectEvent.objects.filter(project=project).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "open_collection"]


def test_only_the_organizer_may_open_it(lead):
    stranger = member_of(CenterFactory())
    with pytest.raises(PermissionDenied):
        _open(lead, actor=stranger)
    assert not Project.objects.exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": "  "}, "请填写项目名称"),
    ({"lots": []}, "请至少设置一个采购包"),
    ({"lots": [LotSpec(name="服务", unit_of_measure="")]}, "第1包：请填写计量单位"),
    ({"unit_ids": []}, "可响应单位范围不能为空"),
    ({"response_deadline": timezone.now() - timedelta(minutes=1)}, "需求响应截止时间必须晚于当前时间"),
])
def test_what_is_refused_changes_nothing(lead, overrides, message):
    with pytest.raises(ServiceError, match=message):
        _open(lead, **overrides)
    assert not Project.objects.exists()


def test_a_supplier_cannot_be_made_an_eligible_unit(lead):
    with pytest.raises(ServiceError, match="有1个单位不存在或不是预算单位"):
        _open(lead, unit_ids=[BudgetUnitFactory().pk, SupplierFactory().pk])
    assert not Project.objects.exists()

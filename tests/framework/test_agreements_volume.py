"""753号 一 through the core's agreements source (procurement.agreements): volume refuses a catalog category while a
framework agreement covers it. The framework's source (framework.selectors.agreements.framework_agreements_in_force)
counts a project whose execution notice is issued (seed 三(二)(5)), on a day within its plan's validity, with at least
one supplier in force, whose lot's category is the asked one, an ancestor or a descendant of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from framework.selectors.agreements import framework_agreements_in_force
from framework.services import agreements as services
from procurement import deadlines
from procurement.agreements import agreements_in_force
from procurement.services.errors import ServiceError
from tests.framework.agreements_data import PRICE, agreement_of, framework_with_agreements, pdf
from tests.volume.factories_projects import CATALOG_LEAF, categories, item, open_volume

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]


def _in_force(world, *, category):
    project = framework_with_agreements(world, suppliers=1)
    project.lots.update(category=category)
    center = world.user(world.center)
    agreement = services.agreement_sign(agreement=agreement_of(project, world.supplier), signed_on=deadlines.today(),
                                        signed_file=pdf(), actor=center)
    made = services.listing_create(agreement=agreement, name="打印机", brand="得力", model_number="P1",
                                   unit_price_yuan=PRICE, actor=world.user(world.supplier))
    services.listing_approve(listing=made, actor=center)
    return project


def test_753_1_a_catalog_category_under_a_framework_agreement_is_refused_by_volume(world):
    """753号 一: 采购集中采购目录内品目的，应当以集中采购机构统一征集的框架协议为先."""
    found = categories()
    project = _in_force(world, category=found["catalog_leaf"])
    open_volume(world, items=[item(CATALOG_LEAF, name="打印机")])  # no execution notice yet: not in force
    services.execution_notice_issue(project=project, scope="全省", procedure="直接选定",
                                    executing_from=deadlines.today(), actor=world.user(world.center))
    with pytest.raises(ServiceError, match=f"框架协议「{project.title}」（编号{project.code}）正在有效期内"):
        open_volume(world, items=[item(CATALOG_LEAF, name="打印机")])
    [found_agreement] = agreements_in_force(found["catalog_leaf"], on=deadlines.today())
    assert found_agreement.supplier_count == 1
    assert found_agreement.valid_until == project.framework_plan.valid_until


def test_the_source_covers_ancestors_and_descendants_within_the_validity_only(world):
    """A lot on the parent category covers its leaves, a lot on a leaf answers for its parent; outside the plan's
    validity, or with every supplier removed, nothing is in force."""
    found = categories()
    project = _in_force(world, category=found["parent"])
    services.execution_notice_issue(project=project, scope="全省", procedure="直接选定",
                                    executing_from=deadlines.today(), actor=world.user(world.center))
    today = deadlines.today()
    assert [a.code for a in framework_agreements_in_force(found["catalog_leaf"], on=today)] == [project.code]
    assert framework_agreements_in_force(found["parent"], on=today)
    after = project.framework_plan.valid_until + timedelta(days=1)
    assert framework_agreements_in_force(found["catalog_leaf"], on=after) == []
    project.lots.update(category=found["leaf"])
    assert framework_agreements_in_force(found["parent"], on=today)  # a descendant's agreement
    assert framework_agreements_in_force(found["catalog_leaf"], on=today) == []  # a sibling is not covered

"""Who may do what through the pages: another unit's sub-plan or contract is a 404 that shows none
of its data, and a write aimed at it changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import Contract, EligibleUnit, FundingLine, ProjectEvent, SubPlan
from tests.factories import (
    BudgetUnitFactory,
    CenterFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.django_db

# Numbers that appear nowhere else, so their absence from a page means the data did not leak.
SECRET_QUANTITY = Decimal("7777")
SECRET_BUDGET = Decimal("9876543.21")
SECRET_TEXTS = ["7,777", "7777", "9,876,543.21", "9876543.21", "机密联系人甲", "13900009999"]


@pytest.fixture
def two_units():
    """Unit A (the signed-in user) and unit B, both eligible for one open project; B has filed."""
    unit_a, unit_b = BudgetUnitFactory(name="甲单位"), BudgetUnitFactory(name="乙单位")
    project = ProjectFactory()
    for unit in (unit_a, unit_b):
        EligibleUnit.objects.create(project=project, unit=unit)
    lot = LotFactory(project=project)
    theirs = SubPlanFactory(lot=lot, unit=unit_b, quantity=SECRET_QUANTITY, budget_yuan=SECRET_BUDGET,
                            contact_name="机密联系人甲", contact_phone="13900009999")
    FundingLine.objects.create(sub_plan=theirs, source=FundingLine.Source.GENERAL_BUDGET, amount_yuan=SECRET_BUDGET)
    contract = ContractFactory(buyer=unit_b, project=project, lot=lot, sub_plan=theirs, title="乙单位的机密合同",
                               quantity=SECRET_QUANTITY, amount_yuan=SECRET_BUDGET)
    return {"a": member_of(unit_a), "b": member_of(unit_b), "unit_a": unit_a, "unit_b": unit_b,
            "project": project, "lot": lot, "sub_plan": theirs, "contract": contract}


def assert_hidden(response) -> None:
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    for text in [*SECRET_TEXTS, "乙单位"]:
        assert text not in body


def snapshot_sub_plan(sub_plan: SubPlan) -> tuple:
    sub_plan.refresh_from_db()
    lines = list(sub_plan.funding_lines.values_list("source", "amount_yuan"))
    events = ProjectEvent.objects.filter(subject_type="sub_plan", subject_id=sub_plan.pk).count()
    return (sub_plan.status, sub_plan.quantity, sub_plan.budget_yuan, sub_plan.contact_name, sub_plan.revision,
            lines, events)


def snapshot_contract(contract: Contract) -> tuple:
    contract.refresh_from_db()
    events = ProjectEvent.objects.filter(subject_type="contract", subject_id=contract.pk).count()
    return (contract.status, contract.signed_on, contract.published_on, contract.filed_on, contract.accepted_on,
            contract.paid_on, contract.paid_amount_yuan, events)


# --- sub-plans --------------------------------------------------------------------------------

@pytest.mark.parametrize("url_name", ["unit-sub-plan-detail", "unit-sub-plan-edit"])
def test_a_unit_cannot_read_another_units_sub_plan(client, two_units, url_name):
    client.force_login(two_units["a"])
    assert_hidden(client.get(reverse(url_name, args=[two_units["sub_plan"].pk])))


def test_the_owner_can_read_the_same_sub_plan(client, two_units):
    """The control for the test above: the page does show these numbers to their owner."""
    client.force_login(two_units["b"])
    response = client.get(reverse("unit-sub-plan-detail", args=[two_units["sub_plan"].pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "9,876,543.21" in body and "7,777" in body


def test_a_unit_cannot_edit_another_units_sub_plan(client, two_units):
    sub_plan = two_units["sub_plan"]
    before = snapshot_sub_plan(sub_plan)
    client.force_login(two_units["a"])
    response = client.post(reverse("unit-sub-plan-edit", args=[sub_plan.pk]), {
        "quantity": "1", "budget_yuan": "1", "contact_name": "篡改", "contact_phone": "", "note": "",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    assert_hidden(response)
    assert snapshot_sub_plan(sub_plan) == before


@pytest.mark.parametrize("url_name", ["unit-sub-plan-submit", "unit-sub-plan-withdraw"])
def test_a_unit_cannot_submit_or_withdraw_another_units_sub_plan(client, two_units, url_name):
    sub_plan = two_units["sub_plan"]
    if url_name == "unit-sub-plan-submit":
        SubPlan.objects.filter(pk=sub_plan.pk).update(status=SubPlan.Status.DRAFT)
    before = snapshot_sub_plan(sub_plan)
    client.force_login(two_units["a"])
    assert_hidden(client.post(reverse(url_name, args=[sub_plan.pk])))
    assert snapshot_sub_plan(sub_plan) == before


def test_another_units_sub_plan_is_not_in_the_list(client, two_units):
    client.force_login(two_units["a"])
    response = client.get(reverse("unit-sub-plan-list"))
    assert response.status_code == 200
    assert two_units["sub_plan"] not in list(response.context["page"])
    assert "9,876,543.21" not in response.content.decode()


def test_a_unit_cannot_file_for_a_project_it_is_not_eligible_for(client, two_units):
    stranger = member_of(BudgetUnitFactory(name="丙单位"))
    client.force_login(stranger)
    url = reverse("unit-sub-plan-file", args=[two_units["project"].pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {
        "unit": two_units["unit_b"].pk, "lot": two_units["lot"].pk, "quantity": "1", "budget_yuan": "1",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    assert response.status_code == 404
    assert SubPlan.objects.count() == 1


def test_a_unit_cannot_file_in_the_name_of_another_unit(client, two_units):
    """The unit field only offers the user's own units: choosing unit B is a form error, nothing saved."""
    other_lot = LotFactory(project=two_units["project"])
    client.force_login(two_units["a"])
    response = client.post(reverse("unit-sub-plan-file", args=[two_units["project"].pk]), {
        "unit": two_units["unit_b"].pk, "lot": other_lot.pk, "quantity": "1", "budget_yuan": "1",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not SubPlan.objects.filter(lot=other_lot).exists()


# --- contracts --------------------------------------------------------------------------------

def test_a_unit_cannot_read_another_units_contract(client, two_units):
    client.force_login(two_units["a"])
    response = client.get(reverse("unit-contract-detail", args=[two_units["contract"].pk]))
    assert_hidden(response)
    assert "乙单位的机密合同" not in response.content.decode()


def test_the_owner_can_read_the_same_contract(client, two_units):
    client.force_login(two_units["b"])
    response = client.get(reverse("unit-contract-detail", args=[two_units["contract"].pk]))
    assert response.status_code == 200 and "乙单位的机密合同" in response.content.decode()


@pytest.mark.parametrize(("step", "status"), [
    ("sign", Contract.Status.DRAFT),
    ("publish", Contract.Status.SIGNED),
    ("file", Contract.Status.PUBLISHED),
    ("accept", Contract.Status.FILED),
    ("pay", Contract.Status.ACCEPTED),
])
def test_a_unit_cannot_take_a_step_on_another_units_contract(client, two_units, step, status):
    contract = two_units["contract"]
    signed = timezone.localdate() - timedelta(days=3)
    Contract.objects.filter(pk=contract.pk).update(status=status, signed_on=None if step == "sign" else signed)
    before = snapshot_contract(contract)
    client.force_login(two_units["a"])
    response = client.post(reverse("unit-contract-step", args=[contract.pk, step]),
                           {"on": timezone.localdate().isoformat(), "note": "", "amount_yuan": "1"})
    assert_hidden(response)
    assert snapshot_contract(contract) == before


def test_another_units_contract_is_not_in_the_list(client, two_units):
    client.force_login(two_units["a"])
    response = client.get(reverse("unit-contract-list"))
    assert two_units["contract"] not in list(response.context["page"])
    assert "乙单位的机密合同" not in response.content.decode()


# --- other kinds on buyer pages -----------------------------------------------------------------

@pytest.mark.parametrize("url_name", ["unit-home", "unit-sub-plan-list", "unit-contract-list"])
def test_a_supplier_cannot_open_a_buyer_page(client, url_name):
    client.force_login(member_of(SupplierFactory()))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_supplier_cannot_open_the_buyer_page_of_its_own_contract(client):
    supplier = SupplierFactory()
    contract = ContractFactory(supplier=supplier)
    client.force_login(member_of(supplier))
    assert client.get(reverse("unit-contract-detail", args=[contract.pk])).status_code == 403
    response = client.post(reverse("unit-contract-step", args=[contract.pk, "sign"]),
                           {"on": timezone.localdate().isoformat()})
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT


def test_the_center_cannot_change_a_units_sub_plan_through_the_unit_pages(client, two_units):
    center = two_units["project"].organizer
    sub_plan = two_units["sub_plan"]
    before = snapshot_sub_plan(sub_plan)
    client.force_login(member_of(center))
    assert client.post(reverse("unit-sub-plan-withdraw", args=[sub_plan.pk])).status_code == 403
    assert snapshot_sub_plan(sub_plan) == before


# --- finance sees its region and below ----------------------------------------------------------

def test_changchun_finance_does_not_see_jilin_city_items_on_its_home(client):
    changchun, jilin_city = prefecture("220100", "长春市"), prefecture("220200", "吉林市")
    cc_unit = BudgetUnitFactory(region=changchun, name="长春市教育局")
    jl_unit = BudgetUnitFactory(region=jilin_city, name="吉林市卫生健康委员会")
    overdue = {"status": Contract.Status.SIGNED, "signed_on": timezone.localdate() - timedelta(days=10),
               "publish_due": timezone.localdate() - timedelta(days=7)}
    cc_contract = ContractFactory(buyer=cc_unit, title="长春市教育局电脑合同", **overdue)
    jl_contract = ContractFactory(buyer=jl_unit, title="吉林市卫健委电脑合同", **overdue)
    ProjectFactory(scope_region=changchun, organizer=CenterFactory(region=changchun), title="长春市本级批量采购")
    ProjectFactory(scope_region=jilin_city, organizer=CenterFactory(region=jilin_city), title="吉林市本级批量采购")

    client.force_login(member_of(FinanceFactory(region=changchun, name="长春市财政局")))
    response = client.get(reverse("finance-home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert cc_contract.code in body and "长春市本级批量采购" in body
    assert jl_contract.code not in body and "吉林市卫健委电脑合同" not in body and "吉林市本级批量采购" not in body
    assert response.context["overview"].unit_count == 1
    assert response.context["publish_overdue_count"] == 1


def test_provincial_finance_sees_both_cities(client):
    changchun, jilin_city = prefecture("220100", "长春市"), prefecture("220200", "吉林市")
    overdue = {"status": Contract.Status.SIGNED, "signed_on": timezone.localdate() - timedelta(days=10),
               "publish_due": timezone.localdate() - timedelta(days=7)}
    ContractFactory(buyer=BudgetUnitFactory(region=changchun), **overdue)
    ContractFactory(buyer=BudgetUnitFactory(region=jilin_city), **overdue)
    client.force_login(member_of(FinanceFactory()))  # the factory's default region is the province
    response = client.get(reverse("finance-home"))
    assert response.context["publish_overdue_count"] == 2

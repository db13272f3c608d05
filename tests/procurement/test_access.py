"""Who may see what (issue: 'Who may do what'): the visibility querysets every interface filters through."""

import pytest

from procurement import access
from procurement.models import EligibleUnit, Membership
from tests.factories import (
    AwardFactory,
    CenterFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    changchun, jilin_city, nanguan = world.changchun, world.jilin_city, world.nanguan
    center, other_center = world.center, CenterFactory()  # another provincial center: outside Changchun's view
    unit_cc, unit_jl = world.county_unit, world.other_prefecture_unit
    supplier, other_supplier = world.supplier, world.large_supplier
    project = ProjectFactory(organizer=center, scope_region=changchun)
    other_project = ProjectFactory(organizer=other_center, scope_region=jilin_city)
    lot = LotFactory(project=project)
    EligibleUnit.objects.create(project=project, unit=unit_cc)
    plan_cc = SubPlanFactory(lot=lot, unit=unit_cc)
    plan_jl = SubPlanFactory(lot=LotFactory(project=other_project), unit=unit_jl)
    contract_cc = ContractFactory(project=project, buyer=unit_cc, supplier=supplier)
    contract_jl = ContractFactory(project=other_project, buyer=unit_jl, supplier=other_supplier)
    return locals()


def test_a_budget_unit_sees_only_its_own_sub_plans_and_contracts(world):
    user = member_of(world["unit_cc"])
    assert list(access.visible_sub_plans(user)) == [world["plan_cc"]]
    assert list(access.visible_contracts(user)) == [world["contract_cc"]]
    assert list(access.projects_readable(user)) == [world["project"]]


def test_a_supplier_sees_only_its_own_contracts(world):
    user = member_of(world["supplier"])
    assert list(access.visible_contracts(user)) == [world["contract_cc"]]
    assert not access.visible_sub_plans(user).exists()


def test_a_supplier_sees_the_projects_it_won(world):
    user = member_of(world["supplier"])
    assert not access.projects_readable(user).exists()
    AwardFactory(lot=world["lot"], supplier=world["supplier"])
    assert list(access.projects_readable(user)) == [world["project"]]


def test_finance_staff_see_their_region_and_below(world):
    changchun_bureau = FinanceFactory(region=world["changchun"])
    user = member_of(changchun_bureau)
    assert list(access.visible_sub_plans(user)) == [world["plan_cc"]]
    assert list(access.visible_contracts(user)) == [world["contract_cc"]]
    assert list(access.projects_readable(user)) == [world["project"]]
    assert world["unit_cc"] in access.visible_organizations(user)
    assert world["unit_jl"] not in access.visible_organizations(user)


def test_provincial_finance_sees_the_whole_province(world):
    user = member_of(FinanceFactory())  # region defaults to 吉林省
    assert set(access.visible_contracts(user)) == {world["contract_cc"], world["contract_jl"]}


def test_the_center_sees_its_own_projects_with_their_sub_plans_and_contracts(world):
    user = member_of(world["center"])
    assert list(access.projects_readable(user)) == [world["project"]]
    assert list(access.visible_sub_plans(user)) == [world["plan_cc"]]
    assert list(access.visible_contracts(user)) == [world["contract_cc"]]


def test_a_user_without_membership_sees_nothing(world):
    user = UserFactory()
    for selector in (access.projects_readable, access.visible_sub_plans, access.visible_contracts,
                     access.visible_organizations):
        assert not selector(user).exists()


def test_an_inactive_membership_grants_nothing(world):
    user = member_of(world["unit_cc"])
    Membership.objects.filter(user=user).update(is_active=False)
    access.forget(user)
    assert not access.visible_sub_plans(user).exists()


def test_a_read_only_member_sees_but_may_not_act(world):
    user = member_of(world["unit_cc"], role=Membership.Role.VIEWER)
    assert access.visible_sub_plans(user).exists()
    assert not access.can_edit_sub_plan(world["plan_cc"], user)
    assert not access.can_act_as_buyer(world["contract_cc"], user)


def test_a_superuser_sees_everything(world):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert access.visible_contracts(admin).count() == 2

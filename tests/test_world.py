"""The tests' world (tests/world.py) and the per-mode factories give what their texts promise."""

import pytest
from django.urls import reverse

from procurement.models import Membership, Mode, Organization, Region
from tests.batch.factories import batch_world, open_project
from tests.framework.factories import framework_project
from tests.volume.factories import volume_project, volume_responses
from tests.world import PASSWORD, world_build

pytestmark = pytest.mark.django_db


def test_the_world_has_every_level_and_a_signed_in_person_for_each_organization(world):
    assert [(r.name, r.level) for r in (world.province, world.prefecture, world.county)] == [
        ("吉林省", Region.Level.PROVINCE), ("长春市", Region.Level.PREFECTURE), ("南关区", Region.Level.COUNTY)]
    assert world.county.parent == world.prefecture and world.prefecture.parent == world.province
    assert (world.finance.name, world.finance.region) == ("吉林省财政厅", world.province)
    assert (world.center.name, world.center.region) == ("吉林省政府采购中心", world.province)
    assert [u.region for u in (world.province_unit, world.prefecture_unit, world.county_unit)] == [
        world.province, world.changchun, world.nanguan]
    assert world.province_unit.supervising_unit == world.province_unit  # a department supervises itself
    assert world.user(world.center).username == "zhongxin"
    assert world.user(world.prefecture_unit).email == "changchun@example.gov.cn"
    assert world.user(world.county_unit).check_password(PASSWORD)
    membership = Membership.objects.get(user=world.user(world.finance))
    assert (membership.organization, membership.role) == (world.finance, Membership.Role.OPERATOR)


def test_what_a_test_does_not_ask_for_is_not_made(world):
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds == {Organization.Kind.FINANCE, Organization.Kind.CENTER, Organization.Kind.BUDGET_UNIT}
    assert Organization.objects.count() == 6
    assert (world.city_finance.region, world.city_center.region) == (world.changchun, world.changchun)
    assert world.agency.kind == Organization.Kind.AGENCY and world.agency.credit_code
    assert world.supplier.sme_size == Organization.SmeSize.SMALL
    assert world.large_supplier.sme_size == Organization.SmeSize.LARGE
    assert world.user(world.supplier).username == "gongying"
    assert Organization.objects.count() == 11


def test_a_viewer_is_made_once_and_may_not_write(world):
    viewer = world.user(world.finance, role=Membership.Role.VIEWER)
    assert viewer.username == "caizheng_viewer"
    assert world.user(world.finance, role=Membership.Role.VIEWER) == viewer
    assert not Membership.objects.get(user=viewer).can_write


def test_client_for_signs_in_the_organizations_person_or_a_user(world):
    assert world.client_for(world.center).get(reverse("center-home")).status_code == 200
    assert world.client_for(world.user(world.county_unit)).get(reverse("unit-home")).status_code == 200
    assert world.api_for(world.center).get("/api/v1/projects/").status_code == 200


def test_more_units_come_in_bulk_with_the_next_codes_or_given_ones(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        units = world.units(50, region=world.jilin_city, people=True)
    assert [u.unit_code for u in units[:2]] == ["80100005", "80100006"]
    assert units[0].name == "测试预算单位001" and units[0].region == world.jilin_city
    assert world.user(units[0]).username == "clerk_80100005"
    [coded] = world.units(1, name="吉林省图书馆", codes=["101005"], supervising=world.province_unit)
    assert (coded.unit_code, coded.supervising_unit) == ("101005", world.province_unit)


def test_a_second_world_is_another_set_of_organizations_with_its_own_logins(world):
    second = world_build()
    assert second.center != world.center and second.center.name == world.center.name
    assert second.user(second.center).username == "zhongxin_2"
    assert second.province == world.province


def test_the_batch_world_builds_on_the_world(world):
    batch = batch_world(world)
    assert (batch.center, batch.finance, batch.center_user) == (world.center, world.finance, world.user(world.center))
    assert batch.units == world.budget_units and batch.task.center == world.center
    assert open_project(batch).eligible_units.count() == 4


def test_a_volume_project_is_led_by_a_unit_and_a_framework_project_organized_by_the_center(world):
    volume = volume_project(world, lots=2)
    assert (volume.mode, volume.organizer) == (Mode.VOLUME, world.province_unit)
    assert volume.eligible_units.count() == 4 and volume.lots.count() == 2
    assert len(volume_responses(volume)) == 8
    framework = framework_project(world)
    assert (framework.mode, framework.organizer) == (Mode.FRAMEWORK, world.center)
    assert not framework.sub_plans.exists() and framework.lots.get().max_unit_price_yuan

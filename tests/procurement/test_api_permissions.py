"""Who may read what through the API (issue: 'Who may do what … pages, admin and API alike').

A unit cannot read or change another unit's sub-plan or contract; a forbidden object answers
404 with no data; writes answer 403/404/405 and change nothing.
"""

import json

import pytest
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement.models import Contract, EligibleUnit, Membership, SubPlan
from tests.factories import (
    CategoryFactory,
    CenterFactory,
    ContractFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Test@12345"
NOT_FOUND = {"detail": "未找到该对象或无权查看"}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def session_client(user, *, enforce_csrf_checks: bool = False) -> APIClient:
    client = APIClient(enforce_csrf_checks=enforce_csrf_checks)
    # django-axes watches every password sign-in through its request (it counts failures per address).
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def list_ids(client: APIClient, name: str, **params) -> list[int]:
    response = client.get(reverse(f"api-v1:{name}-list"), params)
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def detail_url(name: str, pk: int) -> str:
    return reverse(f"api-v1:{name}-detail", args=[pk])


@pytest.fixture
def world(world):
    changchun, jilin_city, nanguan = world.changchun, world.jilin_city, world.nanguan
    center, other_center = world.center, CenterFactory()
    # Units and suppliers named here: a forbidden answer must not carry these names.
    [unit_a] = world.units(1, name="南关区教育局", region=nanguan)
    [unit_b] = world.units(1, name="吉林市卫生健康委员会", region=jilin_city)
    supplier_x = SupplierFactory(name="长春甲科技有限公司")
    supplier_y = SupplierFactory(name="吉林乙贸易有限公司")
    finance_cc = world.city_finance  # 长春市财政局
    project = ProjectFactory(organizer=center)
    lot = LotFactory(project=project)
    for unit in (unit_a, unit_b):
        EligibleUnit.objects.create(project=project, unit=unit)
    plan_a = SubPlanFactory(lot=lot, unit=unit_a, contact_name="张三")
    plan_b = SubPlanFactory(lot=lot, unit=unit_b, contact_name="李四", contact_phone="13900000000")
    contract_a = ContractFactory(project=project, lot=lot, buyer=unit_a, supplier=supplier_x)
    contract_b = ContractFactory(project=project, lot=lot, buyer=unit_b, supplier=supplier_y,
                                 title="吉林市卫健委台式计算机采购合同")
    other_project = ProjectFactory(organizer=other_center, title="其他中心的项目")
    other_lot = LotFactory(project=other_project)
    plan_other = SubPlanFactory(lot=other_lot, unit=unit_b)
    contract_other = ContractFactory(project=other_project, lot=other_lot, buyer=unit_b, supplier=supplier_y)
    return locals()


# --- a budget unit ------------------------------------------------------------------------

@pytest.mark.parametrize("make_client", [token_client, session_client], ids=["token", "session"])
def test_a_budget_unit_lists_only_its_own_sub_plans_and_contracts(world, make_client):
    client = make_client(member_of(world["unit_a"]))
    assert list_ids(client, "sub-plan") == [world["plan_a"].pk]
    assert list_ids(client, "contract") == [world["contract_a"].pk]


@pytest.mark.parametrize("make_client", [token_client, session_client], ids=["token", "session"])
def test_a_budget_unit_filtering_by_another_unit_gets_nothing(world, make_client):
    client = make_client(member_of(world["unit_a"]))
    assert list_ids(client, "sub-plan", unit=world["unit_b"].pk) == []
    assert list_ids(client, "contract", buyer=world["unit_b"].pk) == []


@pytest.mark.parametrize("make_client", [token_client, session_client], ids=["token", "session"])
@pytest.mark.parametrize("name, key", [("sub-plan", "plan_b"), ("contract", "contract_b")])
def test_another_units_object_answers_404_without_its_data(world, make_client, name, key):
    client = make_client(member_of(world["unit_a"]))
    response = client.get(detail_url(name, world[key].pk))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    body = response.content.decode()
    for secret in ("吉林市卫生健康委员会", "李四", "13900000000", "吉林乙贸易有限公司", world["contract_b"].code):
        assert secret not in body


@pytest.mark.parametrize("make_client", [token_client, session_client], ids=["token", "session"])
@pytest.mark.parametrize("name, model, key", [("sub-plan", SubPlan, "plan_b"), ("contract", Contract, "contract_b")])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_budget_unit_cannot_change_another_units_object(world, make_client, name, model, key, method):
    target = world[key]
    before = model_to_dict(model.objects.get(pk=target.pk))
    client = make_client(member_of(world["unit_a"]))
    payload = {"quantity": "999", "status": "terminated", "unit": world["unit_a"].pk, "buyer": world["unit_a"].pk}
    response = getattr(client, method)(detail_url(name, target.pk), data=json.dumps(payload),
                                       content_type="application/json")
    assert response.status_code in (403, 404, 405)
    assert "李四" not in response.content.decode()
    assert model_to_dict(model.objects.get(pk=target.pk)) == before
    assert model.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize("name, model", [("sub-plan", SubPlan), ("contract", Contract)])
def test_a_budget_unit_cannot_create_through_the_api(world, name, model):
    count = model.objects.count()
    client = token_client(member_of(world["unit_a"]))
    payload = {"project": world["project"].pk, "lot": world["lot"].pk, "unit": world["unit_b"].pk,
               "buyer": world["unit_b"].pk, "quantity": "1"}
    response = client.post(reverse(f"api-v1:{name}-list"), payload, format="json")
    assert response.status_code in (403, 405)
    assert model.objects.count() == count


def test_a_session_write_without_csrf_token_is_refused_in_chinese(world):
    contract = world["contract_a"]
    client = session_client(member_of(world["unit_a"]), enforce_csrf_checks=True)
    response = client.patch(detail_url("contract", contract.pk), {"status": "paid"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF 校验失败")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT


def test_a_unit_sees_only_its_own_share_in_a_projects_lot_counts(world):
    as_unit = token_client(member_of(world["unit_a"])).get(detail_url("project", world["project"].pk)).json()
    as_center = token_client(member_of(world["center"])).get(detail_url("project", world["project"].pk)).json()
    assert as_unit["lots"][0]["sub_plan_count"] == 1
    assert as_unit["sub_plan_count"] == 1
    assert as_center["lots"][0]["sub_plan_count"] == 2


def test_a_read_only_member_still_reads_its_units_contracts(world):
    client = token_client(member_of(world["unit_a"], role=Membership.Role.VIEWER))
    assert list_ids(client, "contract") == [world["contract_a"].pk]


def test_an_inactive_membership_sees_nothing(world):
    user = member_of(world["unit_a"])
    Membership.objects.filter(user=user).update(is_active=False)
    client = token_client(user)
    assert list_ids(client, "sub-plan") == []
    assert list_ids(client, "contract") == []
    assert client.get(detail_url("contract", world["contract_a"].pk)).status_code == 404


# --- a supplier --------------------------------------------------------------------------

def test_a_supplier_sees_only_its_own_contracts(world):
    client = token_client(member_of(world["supplier_x"]))
    assert list_ids(client, "contract") == [world["contract_a"].pk]
    assert list_ids(client, "sub-plan") == []
    response = client.get(detail_url("contract", world["contract_b"].pk))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- finance ------------------------------------------------------------------------------

def test_changchun_finance_sees_units_under_changchun_but_not_jilin_city(world):
    client = token_client(member_of(world["finance_cc"]))
    organizations = list_ids(client, "organization")
    assert world["unit_a"].pk in organizations
    assert world["finance_cc"].pk in organizations
    assert world["unit_b"].pk not in organizations
    assert list_ids(client, "sub-plan") == [world["plan_a"].pk]
    assert list_ids(client, "contract") == [world["contract_a"].pk]
    for name, key in [("organization", "unit_b"), ("sub-plan", "plan_b"), ("contract", "contract_b")]:
        assert client.get(detail_url(name, world[key].pk)).status_code == 404


# --- the procurement center ---------------------------------------------------------------

def test_the_center_sees_its_own_projects_only(world):
    client = token_client(member_of(world["center"]))
    assert list_ids(client, "project") == [world["project"].pk]
    assert list_ids(client, "sub-plan") == sorted([world["plan_a"].pk, world["plan_b"].pk])
    assert list_ids(client, "contract") == sorted([world["contract_a"].pk, world["contract_b"].pk])
    response = client.get(detail_url("project", world["other_project"].pk))
    assert response.status_code == 404
    assert "其他中心的项目" not in response.content.decode()


def test_a_superuser_sees_everything(world):
    client = token_client(UserFactory(is_superuser=True, is_staff=True))
    assert len(list_ids(client, "contract")) == Contract.objects.count() == 3
    assert len(list_ids(client, "sub-plan")) == SubPlan.objects.count() == 3


# --- anyone signed in, and no one ---------------------------------------------------------

def test_reference_data_is_open_to_any_signed_in_user_but_organizations_are_not(world):
    CategoryFactory()
    client = token_client(UserFactory())  # no membership at all
    assert client.get(reverse("api-v1:region-list")).json()["count"] == 4
    assert client.get(reverse("api-v1:category-list")).json()["count"] == 1
    assert list_ids(client, "organization") == []
    assert list_ids(client, "project") == []


@pytest.mark.parametrize("name", ["region", "organization", "category", "project", "sub-plan", "contract"])
def test_anonymous_requests_answer_401_in_chinese(world, name):
    response = APIClient().get(reverse(f"api-v1:{name}-list"))
    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。"}
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_detail_answers_401_without_data(world):
    response = APIClient().get(detail_url("contract", world["contract_a"].pk))
    assert response.status_code == 401
    assert world["contract_a"].code not in response.content.decode()


def test_an_unknown_token_answers_401_in_chinese(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = client.get(reverse("api-v1:contract-list"))
    assert response.status_code == 401
    assert response.json() == {"detail": "认证令牌无效。"}


def test_a_deactivated_users_token_stops_working(world):
    user = member_of(world["unit_a"])
    client = token_client(user)
    user.is_active = False
    user.save()
    response = client.get(reverse("api-v1:contract-list"))
    assert response.status_code == 401
    assert response.json() == {"detail": "用户未激活或者已删除。"}

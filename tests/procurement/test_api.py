"""The REST API frame: versioned read endpoints, filters, search, stable pages, Chinese errors, tokens."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from procurement.api.exceptions import api_exception_handler
from procurement.models import Category, Contract, FundingLine, Mode, Project, Region, SubPlan
from procurement.services.errors import ServiceError, TransitionRefused
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    UserFactory,
    county,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def admin_api() -> APIClient:
    return client_for(UserFactory(is_superuser=True, is_staff=True))


def results(client: APIClient, name: str, **params) -> list[dict]:
    response = client.get(reverse(f"api-v1:{name}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def codes(rows: list[dict], key: str = "code") -> list[str]:
    return [row[key] for row in rows]


# --- routes -------------------------------------------------------------------------------

def test_every_resource_lives_under_api_v1():
    for name in ["region", "organization", "category", "project", "sub-plan", "contract"]:
        assert reverse(f"api-v1:{name}-list").startswith("/api/v1/")
    assert reverse("api-v1:contract-detail", args=[7]) == "/api/v1/contracts/7/"
    assert reverse("api-v1:category-detail", args=["A02010104"]) == "/api/v1/categories/A02010104/"


def test_the_v1_root_lists_the_resources(admin_api):
    body = admin_api.get("/api/v1/").json()
    assert set(body) == {"regions", "organizations", "categories", "projects", "sub-plans", "contracts", "import-jobs",
                         "awards"}


def test_a_signed_in_browser_gets_the_browsable_api_in_chinese():
    client = APIClient()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for url, title in [("/api/v1/", "接口首页（第 1 版）"), ("/api/v1/contracts/", "采购合同列表"),
                       ("/api/v1/regions/", "行政区划列表")]:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert f"<h1>{title}</h1>" in response.content.decode()


# --- pagination and ordering --------------------------------------------------------------

def test_lists_are_paginated_with_count_and_links(admin_api):
    ContractFactory.create_batch(5)
    body = admin_api.get(reverse("api-v1:contract-list"), {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=3" in body["next"]
    assert "page_size=2" in body["previous"]


def test_page_size_is_capped_at_500(admin_api):
    Category.objects.bulk_create(
        Category(code=f"A99{n:04d}", name=f"测试品目{n}", level=3, path=f"A99{n:04d}/") for n in range(501)
    )
    body = admin_api.get(reverse("api-v1:category-list"), {"page_size": 1000}).json()
    assert body["count"] == 501
    assert len(body["results"]) == 500


def test_a_page_past_the_end_answers_404_in_chinese(admin_api):
    response = admin_api.get(reverse("api-v1:contract-list"), {"page": 9})
    assert response.status_code == 404
    assert response.json() == {"detail": "页码无效：page=9（本页结果为空）"}


def test_pages_never_repeat_or_skip_rows_when_the_sort_key_ties(admin_api):
    created = ContractFactory.create_batch(7, amount_yuan=Decimal("1000.00"))
    seen = []
    with CaptureQueriesContext(connection) as queries:
        for page in range(1, 8):
            body = admin_api.get(reverse("api-v1:contract-list"),
                                 {"ordering": "-amount_yuan", "page_size": 1, "page": page}).json()
            seen += [row["id"] for row in body["results"]]
    assert seen == sorted(c.pk for c in created)
    # The database, not luck, decides the order of ties: the primary key closes every ORDER BY.
    tie_broken = re.compile(r'ORDER BY .*"amount_yuan" DESC, "procurement_contract"\."id" ASC')
    pages = [sql for sql in (q["sql"] for q in queries.captured_queries)
             if "LIMIT" in sql and 'FROM "procurement_contract"' in sql]
    assert len(pages) == 7
    assert all(tie_broken.search(sql) for sql in pages)


def test_the_default_order_of_contracts_is_newest_first(admin_api):
    older, newer = ContractFactory(), ContractFactory()
    Contract.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert codes(results(admin_api, "contract")) == [newer.code, older.code]


# --- regions and categories ---------------------------------------------------------------

def test_regions_filter_by_level_parent_and_subtree_and_search_by_name(admin_api):
    changchun = prefecture("220100", "长春市")
    county("220102", "南关区", parent=changchun)
    jilin_city = prefecture("220200", "吉林市")
    county("220202", "昌邑区", parent=jilin_city)
    assert codes(results(admin_api, "region", level=Region.Level.PREFECTURE)) == ["220100", "220200"]
    assert codes(results(admin_api, "region", parent="220200")) == ["220202"]
    assert codes(results(admin_api, "region", within="220100")) == ["220100", "220102"]
    assert codes(results(admin_api, "region", search="南关")) == ["220102"]
    detail = admin_api.get(reverse("api-v1:region-detail", args=["220102"])).json()
    assert detail | {"id": None} == {"id": None, "code": "220102", "name": "南关区", "level": "county",
                                     "parent": "220100", "sort_order": 0}


def test_categories_filter_as_a_tree(admin_api):
    goods = CategoryFactory(code="A", name="货物", level=1, in_centralized_catalog=False)
    equipment = CategoryFactory(code="A02", name="设备", level=2, parent=goods, in_centralized_catalog=False)
    CategoryFactory(code="A02010105", name="台式计算机", level=4, parent=equipment, in_centralized_catalog=True)
    CategoryFactory(code="C", name="服务", level=1, in_centralized_catalog=False)
    assert codes(results(admin_api, "category", code_prefix="A02")) == ["A02", "A02010105"]
    assert codes(results(admin_api, "category", level=1)) == ["A", "C"]
    assert codes(results(admin_api, "category", parent="A")) == ["A02"]
    assert codes(results(admin_api, "category", in_centralized_catalog="true")) == ["A02010105"]
    assert codes(results(admin_api, "category", search="计算机")) == ["A02010105"]
    detail = admin_api.get(reverse("api-v1:category-detail", args=["A02"])).json()
    assert (detail["parent"], detail["level"], detail["kind"]) == ("A", 2, "A")


# --- organizations ------------------------------------------------------------------------

def test_organizations_filter_by_kind_and_region_subtree(admin_api):
    changchun = prefecture("220100", "长春市")
    unit_cc = BudgetUnitFactory(region=county("220102", "南关区", parent=changchun))
    BudgetUnitFactory(region=prefecture("220200", "吉林市"))
    supplier = SupplierFactory(region=changchun)
    assert [r["id"] for r in results(admin_api, "organization", region="220100", kind="budget_unit")] == [unit_cc.pk]
    assert [r["id"] for r in results(admin_api, "organization", search=supplier.credit_code)] == [supplier.pk]
    row = admin_api.get(reverse("api-v1:organization-detail", args=[unit_cc.pk])).json()
    assert row["region"] == {"code": "220102", "name": "南关区", "level": "county"}
    assert row["unit_code"] == unit_cc.unit_code


# --- projects -----------------------------------------------------------------------------

def test_projects_filter_by_mode_status_year_organizer_category_and_region(admin_api):
    center = CenterFactory()
    changchun = prefecture("220100", "长春市")
    printers = CategoryFactory(code="A02021001", name="打印机", level=4)
    target = ProjectFactory(mode=Mode.FRAMEWORK, year=2025, organizer=center, category=printers,
                            scope_region=county("220102", "南关区", parent=changchun), status=Project.Status.DRAFT)
    ProjectFactory(mode=Mode.BATCH, year=2026)
    assert [r["id"] for r in results(admin_api, "project", mode="framework")] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", status="draft")] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", year=2025)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", organizer=center.pk)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", category="A0202")] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", region="220100")] == [target.pk]
    assert [r["id"] for r in results(admin_api, "project", search=target.code)] == [target.pk]


def test_a_project_carries_its_lots_with_their_counts(admin_api):
    project = ProjectFactory()
    first, second = LotFactory(project=project, number=1), LotFactory(project=project, number=2)
    SubPlanFactory.create_batch(3, lot=first)
    body = admin_api.get(reverse("api-v1:project-detail", args=[project.pk])).json()
    assert body["lot_count"] == 2
    assert body["sub_plan_count"] == 3
    assert [(lot["id"], lot["number"], lot["sub_plan_count"]) for lot in body["lots"]] == [
        (first.pk, 1, 3), (second.pk, 2, 0)]
    assert body["organizer"]["id"] == project.organizer_id
    assert body["status"] == "collecting"


# --- sub-plans ----------------------------------------------------------------------------

def test_sub_plans_filter_by_project_lot_unit_and_status(admin_api):
    lot = LotFactory()
    target = SubPlanFactory(lot=lot, status=SubPlan.Status.DRAFT)
    SubPlanFactory(lot=lot)
    SubPlanFactory()
    assert len(results(admin_api, "sub-plan", project=lot.project_id)) == 2
    assert len(results(admin_api, "sub-plan", lot=lot.pk)) == 2
    assert [r["id"] for r in results(admin_api, "sub-plan", unit=target.unit_id)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "sub-plan", unit_code=target.unit.unit_code)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "sub-plan", status="draft")] == [target.pk]


def test_a_sub_plan_carries_its_funding_lines(admin_api):
    plan = SubPlanFactory(budget_yuan=Decimal("50000.00"))
    FundingLine.objects.create(sub_plan=plan, source=FundingLine.Source.GENERAL_BUDGET,
                               amount_yuan=Decimal("30000.00"), budget_index_code="ZB-001")
    FundingLine.objects.create(sub_plan=plan, source=FundingLine.Source.OWN_FUNDS, amount_yuan=Decimal("20000.00"))
    body = admin_api.get(reverse("api-v1:sub-plan-detail", args=[plan.pk])).json()
    assert [(f["source"], f["amount_yuan"], f["budget_index_code"]) for f in body["funding_lines"]] == [
        ("general_budget", "30000.00", "ZB-001"), ("own_funds", "20000.00", "")]
    assert body["budget_yuan"] == "50000.00"
    assert body["unit"]["id"] == plan.unit_id
    assert body["lot"] == {"id": plan.lot_id, "number": plan.lot.number, "name": plan.lot.name}


# --- contracts ----------------------------------------------------------------------------

def test_contracts_filter_by_project_buyer_supplier_and_status(admin_api):
    target = ContractFactory(status=Contract.Status.SIGNED)
    ContractFactory()
    assert [r["id"] for r in results(admin_api, "contract", project=target.project_id)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "contract", buyer=target.buyer_id)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "contract", supplier=target.supplier_id)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "contract",
                                     supplier_credit_code=target.supplier.credit_code)] == [target.pk]
    assert [r["id"] for r in results(admin_api, "contract", status="signed")] == [target.pk]


def test_contracts_filter_and_flag_overdue_publication_and_filing(admin_api):
    today = timezone.localdate()
    late_notice = ContractFactory(status=Contract.Status.SIGNED, publish_due=today - timedelta(days=1),
                                  filing_due=today + timedelta(days=3))
    late_filing = ContractFactory(status=Contract.Status.PUBLISHED, publish_due=today - timedelta(days=5),
                                  filing_due=today - timedelta(days=1))
    on_time = ContractFactory(status=Contract.Status.SIGNED, publish_due=today, filing_due=today)
    assert [r["id"] for r in results(admin_api, "contract", publish_overdue="true")] == [late_notice.pk]
    assert sorted(r["id"] for r in results(admin_api, "contract", publish_overdue="false")) == sorted(
        [late_filing.pk, on_time.pk])
    assert [r["id"] for r in results(admin_api, "contract", filing_overdue="true")] == [late_filing.pk]
    flags = {r["id"]: (r["publish_overdue"], r["filing_overdue"]) for r in results(admin_api, "contract")}
    assert flags == {late_notice.pk: (True, False), late_filing.pk: (False, True), on_time.pk: (False, False)}


# --- Chinese errors -----------------------------------------------------------------------

def test_the_exception_handler_is_installed():
    assert api_settings.EXCEPTION_HANDLER is api_exception_handler


def test_a_missing_object_answers_404_in_chinese(admin_api):
    response = admin_api.get(reverse("api-v1:contract-detail", args=[999999]))
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该对象或无权查看"}


def test_an_invalid_filter_value_answers_400_in_chinese(admin_api):
    response = admin_api.get(reverse("api-v1:contract-list"), {"status": "bogus", "buyer": "abc"})
    assert response.status_code == 400
    body = response.json()
    assert "选择一个有效的选项" in body["status"][0]
    assert body["buyer"] == ["输入整数。"]


def test_an_unsupported_method_answers_405_in_chinese(admin_api):
    response = admin_api.post(reverse("api-v1:region-list"), {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"detail": "方法 “POST” 不被允许。"}


@pytest.mark.parametrize(
    "exc, status, body",
    [
        (ServiceError("采购数量必须大于0"), 400, {"detail": "采购数量必须大于0"}),
        (ServiceError("采购数量必须大于0", field="quantity"), 400,
         {"detail": "采购数量必须大于0", "quantity": ["采购数量必须大于0"]}),
        (TransitionRefused("当前状态为「草稿」，不能执行「合同公告」"), 409,
         {"detail": "当前状态为「草稿」，不能执行「合同公告」"}),
        (DjangoPermissionDenied("您无权执行「签订合同」"), 403, {"detail": "您无权执行「签订合同」"}),
        (DjangoPermissionDenied(), 403, {"detail": "您无权执行该操作"}),
        (Http404("No Contract matches the given query."), 404, {"detail": "未找到该对象或无权查看"}),
        (DjangoValidationError({"quantity": ["采购数量必须大于0"]}), 400,
         {"detail": "提交的数据有误：「quantity」采购数量必须大于0。", "quantity": ["采购数量必须大于0"]}),
        (TransitionNotAllowed("Can't switch from state 'draft'"), 409, {"detail": "当前状态不允许执行该操作"}),
    ],
    ids=["service", "service-field", "refused", "denied", "denied-bare", "404", "validation", "fsm"],
)
def test_service_and_django_errors_map_to_status_and_chinese_detail(exc, status, body):
    response = api_exception_handler(exc, {})
    assert response.status_code == status
    assert response.data == body


# --- no N+1 -------------------------------------------------------------------------------

def _fifty_of_everything_for(unit):
    project = ProjectFactory()
    lots = LotFactory.create_batch(5, project=project)
    for n in range(50):
        plan = SubPlanFactory(lot=lots[n % 5], unit=unit if n < 5 else BudgetUnitFactory())
        FundingLine.objects.create(sub_plan=plan, source=FundingLine.Source.GENERAL_BUDGET,
                                   amount_yuan=plan.budget_yuan)
        ContractFactory(buyer=unit, lot=LotFactory(), supplier=SupplierFactory())
        LotFactory(project=ProjectFactory(organizer=project.organizer, category=CategoryFactory(code=f"A99{n:02d}")))
    return project


# token + memberships (access policy) + count + page, and one per prefetched relation (lots, funding lines,
# contract lines).
@pytest.mark.parametrize("name, max_queries", [("contract", 5), ("sub-plan", 5), ("project", 5),
                                                ("organization", 4), ("category", 3), ("region", 3)])
def test_a_page_of_50_rows_takes_a_fixed_number_of_queries(django_assert_max_num_queries, name, max_queries):
    finance = FinanceFactory()
    _fifty_of_everything_for(BudgetUnitFactory())
    for n in range(50):
        county(f"2201{n:02d}", f"测试区{n}")
    client = client_for(member_of(finance))
    with django_assert_max_num_queries(max_queries):
        response = client.get(reverse(f"api-v1:{name}-list"), {"page_size": 50})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


# --- tokens for system accounts -----------------------------------------------------------

def test_api_token_creates_a_token_that_authenticates():
    user = UserFactory(username="budget-system")
    out = StringIO()
    call_command("api_token", "budget-system", stdout=out)
    key = Token.objects.get(user=user).key
    assert f"已为用户「budget-system」创建 API 令牌：{key}" in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api-v1:region-list")).status_code == 200


def test_api_token_refuses_to_replace_an_existing_token_without_rotate():
    user = UserFactory(username="budget-system")
    key = Token.objects.create(user=user).key
    with pytest.raises(CommandError, match="已有 API 令牌；如需更换，请加 --rotate"):
        call_command("api_token", "budget-system", stdout=StringIO())
    assert Token.objects.get(user=user).key == key


def test_api_token_rotate_invalidates_the_old_token():
    user = UserFactory(username="budget-system")
    old = Token.objects.create(user=user).key
    out = StringIO()
    call_command("api_token", "budget-system", "--rotate", stdout=out)
    new = Token.objects.get(user=user).key
    assert new != old
    assert "更换 API 令牌" in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get(reverse("api-v1:region-list")).status_code == 401


def test_api_token_revoke_removes_the_token():
    user = UserFactory(username="budget-system")
    Token.objects.create(user=user)
    out = StringIO()
    call_command("api_token", "budget-system", "--revoke", stdout=out)
    assert not Token.objects.filter(user=user).exists()
    assert "已作废" in out.getvalue()


@pytest.mark.parametrize("username, message", [("nobody", "用户「nobody」不存在"),
                                               ("retired", "用户「retired」已停用，不能发放 API 令牌")])
def test_api_token_refuses_unknown_and_inactive_users(username, message):
    UserFactory(username="retired", is_active=False)
    with pytest.raises(CommandError, match=message):
        call_command("api_token", username, stdout=StringIO())
    assert not Token.objects.exists()

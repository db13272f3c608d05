"""Every error the API answers is JSON with a Chinese ``detail``, and the schema documents what the API answers.

Source: issue 8 point 9 — schemathesis found HTML 404s for non-integer ids, an undocumented 404 for ``?page=0``,
blank enum values and nulls the schema forbade, 400 bodies without ``detail`` and error bodies labelled as xlsx
or pdf. Each root is pinned here in a few milliseconds; tests/procurement/test_api_conformance.py runs
schemathesis over the whole API.
"""

from __future__ import annotations

import re

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import BudgetUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin_api() -> APIClient:
    return client_for(UserFactory(is_superuser=True, is_staff=True))


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return yaml.safe_load(APIClient().get("/api/schema/").content)


def assert_json_detail(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert re.search(r"[\u4e00-\u9fff]", body["detail"]), body
    return body


@pytest.mark.parametrize("path", [
    "/api/v1/projects/0.5/",
    "/api/v1/contracts/-1/",
    "/api/v1/sub-plans/1e3/submit/",
    "/api/v1/batch/task-notices/abc/pdf/",
    "/api/v1/no-such-resource/",
])
def test_an_api_path_that_matches_no_endpoint_answers_json_404_not_the_portal_page(admin_api, schema, path):
    body = assert_json_detail(admin_api.get(path), 404)
    assert body["detail"] == f"接口地址不存在：{path}（请核对路径；路径中的内部编号只能是数字）"
    ids = [parameter["schema"]["type"] for item in schema["paths"].values() for operation in item.values()
           for parameter in operation.get("parameters", []) if parameter["in"] == "path" and parameter["name"] == "id"]
    assert ids and set(ids) == {"integer"}  # what the schema promises, and the routes now enforce


def test_a_page_that_does_not_exist_answers_404_with_detail_and_every_list_documents_it(admin_api, schema):
    body = assert_json_detail(admin_api.get(reverse("api-v1:contract-list"), {"page": 0}), 404)
    assert body == {"detail": "页码无效：page=0（页码小于 1）"}
    paginated = [(path, operation) for path, item in schema["paths"].items() for operation in item.values()
                 if any(parameter["name"] == "page" for parameter in operation.get("parameters", []))]
    assert len(paginated) >= 10
    undocumented = [path for path, operation in paginated
                    if "application/json" not in operation["responses"].get("404", {}).get("content", {})]
    assert undocumented == []


def test_a_bad_filter_value_answers_400_whose_detail_names_the_parameter(admin_api, schema):
    body = assert_json_detail(admin_api.get(reverse("api-v1:contract-list"), {"status": "bogus", "buyer": "x"}), 400)
    assert body["detail"].startswith("查询参数有误：")
    assert "「status」" in body["detail"] and "「buyer」" in body["detail"]
    assert set(body) == {"detail", "status", "buyer"}
    documented = schema["paths"]["/api/v1/contracts/"]["get"]["responses"]["400"]["content"]["application/json"]
    assert documented["schema"] == {"$ref": "#/components/schemas/ValidationError"}
    assert schema["components"]["schemas"]["ValidationError"]["required"] == ["detail"]


@pytest.mark.parametrize(("path", "param"), [("/api/v1/sub-plans/", "unit"),
                                             ("/api/v1/batch/configuration-tables/", "center")])
def test_an_id_filter_past_the_databases_integer_answers_400_naming_it(admin_api, path, param):
    """What the conformance run found on a fresh clone's SQLite: an id filter of 23 digits was a 500 (OverflowError)."""
    huge = str(2**63)
    body = assert_json_detail(admin_api.get(path, {param: huge}), 400)
    assert f"「{param}」" in body["detail"]
    assert admin_api.get(path, {param: str(2**63 - 1)}).status_code == 200  # the largest id finds nothing


def test_a_path_id_past_the_databases_integer_is_a_404(admin_api):
    assert_json_detail(admin_api.get(f"/api/v1/projects/{2**70}/"), 404)


def test_a_refused_body_answers_400_whose_detail_names_each_field_down_to_a_funding_line(admin_api):
    unit = BudgetUnitFactory()
    response = admin_api.post("/api/v1/sub-plans/", {
        "unit": unit.pk, "lot": 1, "quantity": "", "budget_yuan": "10",
        "funding_lines": [{"source": "general_budget", "amount_yuan": "10"}, {"source": "x", "amount_yuan": "1"}],
    }, format="json")
    body = assert_json_detail(response, 400)
    assert body["detail"].startswith("提交的数据有误：")
    assert "「quantity」" in body["detail"] and "「funding_lines[1].source」资金来源「x」无效" in body["detail"]
    assert body["quantity"] and body["funding_lines"]["1"]["source"]  # DRF keys a list's errors by position


def test_a_body_that_is_not_json_is_refused_in_chinese_with_its_position(admin_api):
    response = admin_api.post("/api/v1/sub-plans/", '{"quantity": ', content_type="application/json")
    assert assert_json_detail(response, 400) == {"detail": "请求体不是有效的 JSON：第1行第14列附近有误"}


def test_a_form_encoded_body_is_refused_because_the_api_takes_json(admin_api, schema):
    response = admin_api.post("/api/v1/batch/projects/", "title=x", content_type="application/x-www-form-urlencoded")
    assert_json_detail(response, 415)
    operation = schema["paths"]["/api/v1/batch/projects/"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json"}
    assert set(operation["responses"]["415"]["content"]) == {"application/json"}


@pytest.mark.parametrize(("path", "accept"), [
    ("/api/v1/batch/task-notices/999999/pdf/?format=pdf", "*/*"),
    ("/api/v1/batch/task-notices/999999/pdf/", "application/pdf"),
    ("/api/v1/batch/configuration-tables/999999/export/?format=xlsx", "*/*"),
    ("/api/v1/collections/999999/master-plan/export/?format=xlsx", "*/*"),
    ("/api/v1/batch/arrangements/999999/export/",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_a_file_endpoint_answers_its_errors_as_json_whatever_format_was_asked(admin_api, schema, path, accept):
    body = assert_json_detail(admin_api.get(path, HTTP_ACCEPT=accept), 404)
    assert body == {"detail": "未找到该对象或无权查看"}
    template = re.sub(r"999999", "{id}", path.split("?")[0])
    documented = schema["paths"][template]["get"]["responses"]["404"]["content"]
    assert set(documented) == {"application/json"}


def test_an_unauthenticated_file_request_is_json_too():
    assert_json_detail(APIClient().get("/api/v1/batch/configuration-tables/1/export/?format=xlsx"), 401)


def test_blank_choices_empty_emails_and_root_parents_are_what_the_schema_says(admin_api, schema):
    unit = BudgetUnitFactory(email="")  # a size is a supplier's; no e-mail on record
    components = schema["components"]["schemas"]
    organization, project = components["Organization"]["properties"], components["Project"]["properties"]
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    assert blank in organization["sme_size"]["oneOf"] and blank in project["procurement_method"]["oneOf"]
    assert {"type": "string", "maxLength": 0} in organization["email"]["oneOf"]
    assert components["Region"]["properties"]["parent"]["nullable"] is True
    assert components["Category"]["properties"]["parent"]["nullable"] is True

    answered = admin_api.get(reverse("api-v1:organization-detail", args=[unit.pk])).json()
    assert (answered["sme_size"], answered["email"]) == ("", "")


def test_a_decimal_field_documents_a_pattern_that_only_matches_numbers_it_accepts(schema):
    quantity = schema["components"]["schemas"]["SubPlanCreateRequest"]["properties"]["quantity"]  # min 0.01

    def matches(value: str) -> bool:
        return re.fullmatch(quantity["pattern"].strip("^$"), value) is not None

    assert all(matches(value) for value in ["12.5", "0.01", "12", "1234567890.12"])
    assert not any(matches(value) for value in ["", "-", ".", "-3", "1.234", "1234567890123"])

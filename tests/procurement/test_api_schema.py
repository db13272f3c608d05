"""The OpenAPI 3 document and its documentation page: valid, every enum documented, Chinese, no CDN."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from batch.models import BatchDetails, Cycle, TaskNotice
from framework.models import (
    Agreement,
    AgreementType,
    EvaluationMethod,
    FrameworkLot,
    FrameworkPlan,
    JoinRequest,
    LegalGround,
    Order,
    ProductListing,
    Removal,
    RotationOrderRule,
    SecondStageMethod,
    SolicitationResponse,
    SubjectKind,
    Supplement,
    SurveyParticipant,
    TieBreakRule,
)
from notices.models import Notice
from procurement.models import (
    Category,
    Contract,
    FundingLine,
    ImportJob,
    Mode,
    Organization,
    ProcurementMethod,
    Project,
    ProjectDocument,
    Region,
    SubPlan,
)
from procurement.plan_checks import FlagKind
from volume.models import CatalogReview, Complaint, DepartmentCatalog, SupplierQuestion, VolumeDetails

CJK = re.compile(r"[\u4e00-\u9fff]")
V1_PATHS = {
    "/api/v1/regions/", "/api/v1/regions/{code}/",
    "/api/v1/organizations/", "/api/v1/organizations/{id}/",
    "/api/v1/categories/", "/api/v1/categories/{code}/",
    "/api/v1/projects/", "/api/v1/projects/{id}/",
    "/api/v1/sub-plans/", "/api/v1/sub-plans/{id}/",
    "/api/v1/contracts/", "/api/v1/contracts/{id}/",
    "/api/v1/import-jobs/", "/api/v1/import-jobs/{id}/",
}
ENUMS = {
    "ProjectStatusEnum": Project.Status,
    "SubPlanStatusEnum": SubPlan.Status,
    "ContractStatusEnum": Contract.Status,
    "OrganizationKindEnum": Organization.Kind,
    "SmeSizeEnum": Organization.SmeSize,
    "CategoryKindEnum": Category.Kind,
    "RegionLevelEnum": Region.Level,
    "FundingSourceEnum": FundingLine.Source,
    "SubPlanWarningKindEnum": FlagKind,
    "ProjectDocumentKindEnum": ProjectDocument.Kind,
    "ModeEnum": Mode,
    "ProcurementMethodEnum": ProcurementMethod,
    "BatchEligibilityEnum": BatchDetails.Eligibility,
    "NoticeTypeEnum": Notice.Type,
    "TaskNoticeStatusEnum": TaskNotice.Status,
    "TaskNoticeScopeEnum": TaskNotice.Scope,
    "TaskNoticeCycleEnum": Cycle,
    "ImportJobStatusEnum": ImportJob.Status,
    "VolumeKindEnum": VolumeDetails.Kind,
    # volume: inquiries, challenges, complaints (questions slice)
    "VolumeQuestionKindEnum": SupplierQuestion.Kind,
    "VolumeQuestionSubjectEnum": SupplierQuestion.Subject,
    "VolumeQuestionStatusEnum": SupplierQuestion.Status,
    "VolumeComplaintStatusEnum": Complaint.Status,
    "VolumeComplaintOutcomeEnum": Complaint.Outcome,
    # volume: department catalog (seed 000 三(三)(1))
    "DepartmentCatalogStatusEnum": DepartmentCatalog.Status,
    "CatalogReviewDecisionEnum": CatalogReview.Decision,
    # framework: the plan (annex 8; plans slice)
    "FrameworkPlanStatusEnum": FrameworkPlan.Status,
    "FrameworkLegalGroundEnum": LegalGround,
    "FrameworkAgreementTypeEnum": AgreementType,
    "FrameworkSubjectKindEnum": SubjectKind,
    "FrameworkSecondStageMethodEnum": SecondStageMethod,
    "FrameworkRotationOrderRuleEnum": RotationOrderRule,
    "FrameworkTieBreakRuleEnum": TieBreakRule,
    "FrameworkEvaluationMethodEnum": EvaluationMethod,
    "FrameworkPriceBasisEnum": FrameworkLot.PriceBasis,
    "SurveyParticipantKindEnum": SurveyParticipant.Kind,
    # framework: solicitation responses (solicitation slice)
    "FrameworkResponseStatusEnum": SolicitationResponse.Status,
    "FrameworkResponseQualificationEnum": SolicitationResponse.Qualification,
    # framework: agreements, listings, removals (agreements slice)
    "FrameworkAgreementStatusEnum": Agreement.Status,
    "FrameworkListingStatusEnum": ProductListing.Status,
    "FrameworkRemovalGroundEnum": Removal.Ground,
    "FrameworkRemovalEffectEnum": Removal.Effect,
    # framework: second-stage orders (orders slice)
    "FrameworkOrderStatusEnum": Order.Status,
    # framework: 补充征集 (annex 8 §十一; supplement slice)
    "FrameworkSupplementStatusEnum": Supplement.Status,
    # framework: open agreements (join requests)
    "FrameworkJoinRequestStatusEnum": JoinRequest.Status,
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_spectacular_validates_the_schema_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["openapi"].startswith("3.")


def test_the_schema_endpoint_answers_openapi_3_with_every_v1_resource(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "吉林省政府集中采购平台 API"
    assert set(schema["paths"]) >= V1_PATHS


def test_the_v1_core_api_writes_only_sub_plans_collection_and_execution_one_endpoint_per_step(schema):
    """Outside the mode apps (/api/v1/batch/ …) only a unit's sub-plans, a project's collection (closed, master
    plan confirmed) and its execution (实施采购 → 定标 → 统采分签 → 终止) are written: the core's since issue 9,
    one endpoint per step."""
    writes = {
        (path, method) for path, item in schema["paths"].items() if path.startswith("/api/v1/")
        for method in item if method != "get"
    }
    core = {(path, method) for path, method in writes
            if not path.startswith(("/api/v1/batch/", "/api/v1/volume/", "/api/v1/framework/"))}
    assert core == {
        ("/api/v1/sub-plans/", "post"),
        ("/api/v1/sub-plans/{id}/", "patch"),
        ("/api/v1/sub-plans/{id}/submit/", "post"),
        ("/api/v1/sub-plans/{id}/withdraw/", "post"),
        ("/api/v1/collections/{id}/close/", "post"),
        ("/api/v1/collections/{id}/confirm/", "post"),
        ("/api/v1/awards/{id}/start-procurement/", "post"),
        ("/api/v1/awards/{id}/documents/", "post"),
        ("/api/v1/awards/{id}/evaluation/", "post"),
        ("/api/v1/awards/{id}/lot-max-price/", "post"),
        ("/api/v1/awards/{id}/award-lot/", "post"),
        ("/api/v1/awards/{id}/finalize/", "post"),
        ("/api/v1/awards/{id}/generate-contracts/", "post"),
        ("/api/v1/awards/{id}/terminate/", "post"),
    }


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_every_enum_is_named_after_its_model_and_lists_its_chinese_labels(schema, name):
    enum = schema["components"]["schemas"][name]
    choices = ENUMS[name]
    assert enum["enum"] == list(choices.values)
    for value, label in choices.choices:
        assert f"* `{value}` - {label}" in enum["description"]


def test_no_enum_falls_back_to_a_generated_name(schema):
    enums = [name for name, component in schema["components"]["schemas"].items() if "enum" in component]
    assert not [name for name in enums if re.search(r"[0-9a-f]{3}Enum$|^Status|^Kind", name)]
    assert set(enums) - {"BlankEnum", "NullEnum"} == set(ENUMS)


def test_the_status_filters_document_their_chinese_labels(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/contracts/"]["get"]["parameters"]}
    assert "* `signed` - 已签订" in params["status"]["description"]
    assert params["publish_overdue"]["schema"]["type"] == "boolean"
    assert params["buyer"]["schema"]["type"] == "integer"


def test_every_field_of_every_component_is_labelled_in_chinese(schema):
    unlabelled = []
    for component_name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            text = f"{spec.get('title', '')}{spec.get('description', '')}"
            if not CJK.search(text):
                unlabelled.append(f"{component_name}.{field}")
    assert unlabelled == []


def test_no_component_is_described_in_english(schema):
    for name, component in schema["components"]["schemas"].items():
        description = component.get("description", "")
        assert not description or CJK.search(description), name


def test_every_operation_parameter_and_security_scheme_is_described_in_chinese(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert CJK.search(operation.get("summary", "")), f"{method} {path}"
            assert all(CJK.search(tag) for tag in operation["tags"]), f"{method} {path}"
            for parameter in operation.get("parameters", []):
                assert CJK.search(parameter.get("description", "")), f"{method} {path} {parameter['name']}"
            for status, response in operation["responses"].items():
                assert status == "200" or CJK.search(response["description"]), f"{method} {path} {status}"
    for name, scheme in schema["components"]["securitySchemes"].items():
        assert CJK.search(scheme["description"]), name


def test_clients_authenticate_by_token_or_browser_session(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] | {"description": ""} == {"type": "apiKey", "in": "header", "name": "Authorization",
                                                          "description": ""}
    assert schemes["cookieAuth"]["in"] == "cookie"
    operation = schema["paths"]["/api/v1/contracts/"]["get"]
    assert {"tokenAuth": []} in operation["security"]
    assert {"cookieAuth": []} in operation["security"]
    assert "401" in operation["responses"]


def test_the_docs_page_renders_from_local_static_files_only():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "吉林省政府集中采购平台 API" in html
    assert "cdn" not in html.lower()
    assert "://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    # Swagger UI's start-up script is served by the view itself (?script), not inline: the CSP (issue 8 point 8).
    start_up = "/api/docs/?script="
    assert start_up in assets
    assets.remove(start_up)
    assert len(assets) >= 4
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"missing static file {asset}"
    script = APIClient().get(start_up).content.decode()
    assert '"validatorUrl": null' in script
    assert "://" not in script

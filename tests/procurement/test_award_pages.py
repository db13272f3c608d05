"""The center's pages, admin actions and API for 实施采购 → 定标 → 统采分签, and finance's read-only pages.

Issue 3 point 11: "Center operators can drive every step in the admin; finance staff and units in
their pages." Access policy: another center's project answers 404; a unit gets 403.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from batch.models import BatchProject
from notices.models import Notice
from procurement import deadlines
from procurement.admin.execution import (
    ProjectDocumentAdmin,
    execution_actions,
    finalize_award,
    generate_contracts,
    start_procurement,
    terminate_project,
)
from procurement.models import Award, Contract, ProcurementMethod, Project, ProjectDocument
from procurement.services.contracts import contract_sign
from procurement.services.demo import center_group_ensure
from procurement.services.execution import contracts_generate
from tests.factories import FinanceFactory, SupplierFactory, county, member_of, prefecture
from tests.procurement.test_award import award_all, award_world, awarded_world

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Project.Status


def html(response) -> str:
    return response.content.decode()


def url(name: str, project: Project, *args) -> str:
    return reverse(name, args=[project.pk, *args])


# --- access --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["award-project", "award-savings", "award-signing-board", "award-terminate"])
def test_another_centers_project_answers_404(client, name):
    world = award_world()
    client.force_login(award_world().operator)
    assert client.get(url(name, world.project)).status_code == 404


@pytest.mark.parametrize("name", ["award-project", "award-savings", "award-signing-board"])
def test_a_unit_running_nothing_finds_nothing_on_the_centers_pages(client, name):
    """The door lets budget units in (a volume lead runs its project here), but a unit that runs no project finds
    the center's project absent (404) and its award list empty."""
    world = award_world()
    world.project.eligible_units.create(unit=world.units[0])
    client.force_login(world.clerk(world.units[0]))
    assert client.get(url(name, world.project)).status_code == 404
    listing = client.get(reverse("award-project-list"))
    assert listing.status_code == 200
    assert world.project.code not in listing.content.decode()


@pytest.mark.parametrize("name", ["award-project", "award-savings", "award-signing-board"])
def test_a_supplier_gets_403_on_the_centers_pages(client, name):
    world = award_world()
    supplier = SupplierFactory()
    client.force_login(world.clerk(supplier))
    assert client.get(url(name, world.project)).status_code == 403


def test_finance_reads_the_savings_and_the_board_of_its_region_but_not_the_workspace(client):
    """Finance staff: read-only savings and signing board for projects in their region."""
    world = awarded_world(units=2, lots=1)
    contracts_generate(project=world.project, actor=world.operator)
    client.force_login(member_of(world.finance))
    savings = client.get(url("award-savings", world.project))
    assert savings.status_code == 200 and 'data-testid="saving-rate">10.00%' in html(savings)
    board = client.get(url("award-signing-board", world.project))
    assert board.status_code == 200 and world.units[0].name in html(board)
    assert "采购实施与定标" not in html(board)  # no tab to the center's workspace
    assert client.get(url("award-project", world.project)).status_code == 403
    assert client.post(url("award-contracts-generate", world.project)).status_code == 403
    listing = client.get(reverse("award-project-list"))
    assert world.project.code in html(listing) and "办理" not in html(listing)


def test_finance_of_another_region_finds_nothing(client):
    world = awarded_world(units=1, lots=1)
    client.force_login(member_of(FinanceFactory(region=county(parent=prefecture()))))
    assert client.get(url("award-savings", world.project)).status_code == 404
    assert client.get(url("award-signing-board", world.project)).status_code == 404
    assert world.project.code not in html(client.get(reverse("award-project-list")))


# --- the center drives every step in its pages -------------------------------------------------------

def test_the_center_runs_the_project_from_the_confirmed_plan_to_the_contracts(client):
    """Seed 000 三(一)(5)-(6) through the pages: method and dates → award per lot → 定标 → contracts."""
    world = award_world(units=2, lots=2, max_unit_price_yuan="5000.00")
    client.force_login(world.operator)
    page = client.get(url("award-project", world.project))
    assert page.status_code == 200 and "确认并开始采购" in html(page)

    response = client.post(url("award-start", world.project), {
        "method": ProcurementMethod.OPEN_TENDER,
        "documents_issued_on": deadlines.today().isoformat(),
        "bid_opening_at": (timezone.localtime() + timedelta(days=25)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 302
    assert Project.objects.get(pk=world.project.pk).status == Status.PROCURING
    # The opening is in the future, so the award below is dated after it (the rule is tested elsewhere).
    Project.objects.filter(pk=world.project.pk).update(bid_opening_at=None)

    lot = world.lots[0]
    refused = client.post(url("award-lot", world.project, lot.pk), {
        f"lot{lot.pk}-supplier": world.supplier.pk, f"lot{lot.pk}-unit_price_yuan": "5200.00",
        f"lot{lot.pk}-awarded_on": deadlines.today().isoformat(),
    })
    assert refused.status_code == 200 and "不能超过本包最高限制单价（5,000.00元）" in html(refused)
    assert not Award.objects.exists()
    for lot in world.lots:
        response = client.post(url("award-lot", world.project, lot.pk), {
            f"lot{lot.pk}-supplier": world.supplier.pk, f"lot{lot.pk}-unit_price_yuan": "4500.00",
            f"lot{lot.pk}-awarded_on": deadlines.today().isoformat(),
        })
        assert response.status_code == 302
    page = client.get(url("award-project", world.project))
    assert 'data-testid="notice-due"' in html(page) and "第四十三条" in html(page)

    response = client.post(url("award-finalize", world.project), follow=True)
    assert "已定标：中标（成交）结果公告已发布" in html(response)
    assert Notice.objects.filter(type=Notice.Type.AWARD, project=world.project).exists()

    response = client.post(url("award-contracts-generate", world.project), follow=True)
    assert response.redirect_chain[-1][0] == url("award-signing-board", world.project)
    assert "已生成 4 份分签合同" in html(response)
    assert Contract.objects.filter(project=world.project).count() == 4


def test_a_bad_start_form_shows_the_refusal_in_chinese_and_changes_nothing(client):
    world = award_world()
    client.force_login(world.operator)
    response = client.post(url("award-start", world.project), {
        "method": ProcurementMethod.OPEN_TENDER,
        "documents_issued_on": deadlines.today().isoformat(),
        "bid_opening_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 200 and "不得少于二十日" in html(response)
    assert Project.objects.get(pk=world.project.pk).status == Status.CONFIRMED


def test_the_center_uploads_a_document_through_its_page(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY, documents=False)
    client.force_login(world.operator)
    response = client.post(url("award-document-add", world.project),
                           {"kind": "procurement_documents", "title": "询价通知书",
                            "file": SimpleUploadedFile("询价通知书.pdf", b"%PDF-1.7")})
    assert response.status_code == 302
    assert ProjectDocument.objects.get(project=world.project).title == "询价通知书"
    assert "询价通知书" in html(client.get(url("award-project", world.project)))


def test_the_signing_board_puts_unsigned_units_first_and_overdue_rows_in_red(client):
    """Issue 3 point 9: overdue flags; any unit that does not sign shows on the center's board."""
    world = awarded_world(units=3, lots=1, awarded_on=deadlines.today() - timedelta(days=31))
    contracts_generate(project=world.project, actor=world.operator)
    signer = world.units[2]
    contract_sign(contract=Contract.objects.get(buyer=signer), actor=world.clerk(signer),
                  signed_on=deadlines.today())
    client.force_login(world.operator)

    body = html(client.get(url("award-signing-board", world.project)))

    assert 'data-testid="unsigned-unit-count">2' in body
    assert 'data-testid="signing-overdue-count">2' in body
    assert body.count('data-testid="signing-overdue"') == 2
    assert body.count('class="table-danger"') == 4  # two unsigned units, two unsigned contracts
    board = body[body.index('data-testid="board"'):]
    positions = [board.index(unit.name) for unit in world.units]
    assert positions[2] > max(positions[:2])  # the one that signed comes last
    filtered = html(client.get(url("award-signing-board", world.project), {"status": "signed"}))
    filtered_board = filtered[filtered.index('data-testid="board"'):]
    assert signer.name in filtered_board and world.units[0].name not in filtered_board


def test_the_project_list_shows_the_centers_projects_from_the_confirmed_plan_on(client):
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    collecting = award_world(status=Status.COLLECTING)
    collecting.project.organizer = world.center
    collecting.project.save()
    client.force_login(world.operator)
    body = html(client.get(reverse("award-project-list")))
    assert world.project.code in body and collecting.project.code not in body


# --- admin actions -------------------------------------------------------------------------------

class ProjectActionsAdmin(admin.ModelAdmin):
    actions = execution_actions


@pytest.fixture
def model_admin():
    return ProjectActionsAdmin(BatchProject, admin.site)


def admin_request(user, data=None):
    request = RequestFactory().post("/admin/batch/batchproject/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def texts(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def staff(world):
    world.operator.is_staff = True
    world.operator.save()
    world.operator.groups.add(center_group_ensure())
    return world.operator


def test_admin_start_action_asks_for_the_method_then_starts(model_admin):
    world = award_world()
    operator = staff(world)
    queryset = BatchProject.objects.filter(pk=world.project.pk)

    asked = start_procurement(model_admin, admin_request(operator), queryset)
    asked.render()
    assert "确认开始采购" in asked.rendered_content and world.project.code in asked.rendered_content

    request = admin_request(operator, {"apply": "1", "method": ProcurementMethod.COMPETITIVE_NEGOTIATION})
    assert start_procurement(model_admin, request, queryset) is None
    assert texts(request) == ["已有 1 个项目开始实施采购。"]
    project = Project.objects.get(pk=world.project.pk)
    assert (project.status, project.procurement_method) == (Status.PROCURING, "competitive_negotiation")


def test_admin_finalize_and_generate_actions_call_the_services(model_admin):
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY, units=2, lots=1)
    operator = staff(world)
    queryset = BatchProject.objects.filter(pk=world.project.pk)

    refused = admin_request(operator)
    finalize_award(model_admin, refused, queryset)
    assert texts(refused) == [f"{world.project.code}：不能执行「定标」：仍有采购包未确定中标（成交）结果"]

    award_all(world)
    request = admin_request(operator)
    finalize_award(model_admin, request, queryset)
    assert Project.objects.get(pk=world.project.pk).status == Status.AWARDED
    request = admin_request(operator)
    generate_contracts(model_admin, request, queryset)
    assert "本次共生成 2 份分签合同（已生成的不会重复生成）。" in texts(request)
    assert Contract.objects.filter(project=world.project).count() == 2


def test_admin_terminate_action_requires_a_reason(model_admin):
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    operator = staff(world)
    queryset = BatchProject.objects.filter(pk=world.project.pk)

    again = terminate_project(model_admin, admin_request(operator, {"apply": "1", "reason": ""}), queryset)
    again.render()
    assert "确认终止" in again.rendered_content
    assert Project.objects.get(pk=world.project.pk).status == Status.PROCURING

    request = admin_request(operator, {"apply": "1", "reason": "需求发生重大变化"})
    terminate_project(model_admin, request, queryset)
    assert texts(request) == ["已终止 1 个项目并发布终止公告。"]
    assert Project.objects.get(pk=world.project.pk).termination_reason == "需求发生重大变化"


def test_admin_actions_refuse_another_centers_project_per_project(model_admin):
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY)
    stranger = staff(award_world())
    request = admin_request(stranger, {"apply": "1", "reason": "越权终止"})
    terminate_project(model_admin, request, BatchProject.objects.filter(pk=world.project.pk))
    assert texts(request) == [f"{world.project.code}：您无权执行「终止项目」"]
    assert Project.objects.get(pk=world.project.pk).status == Status.PROCURING


def test_the_document_admin_adds_through_the_service_and_refuses_bad_files(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY, documents=False)
    operator = staff(world)
    operator.user_permissions.add(*Permission.objects.filter(content_type__app_label="procurement",
                                                             codename__endswith="projectdocument"))
    assert isinstance(admin.site._registry[ProjectDocument], ProjectDocumentAdmin)
    client.force_login(operator)
    add = reverse("admin:procurement_projectdocument_add")
    bad = client.post(add, {"project": world.project.pk, "title": "病毒", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 200 and "不支持的文件类型" in html(bad)
    good = client.post(add, {"project": world.project.pk, "kind": "evaluation_report", "title": "评审报告",
                             "file": SimpleUploadedFile("评审报告.pdf", b"%PDF")})
    assert good.status_code == 302
    document = ProjectDocument.objects.get()
    assert (document.title, document.uploaded_by) == ("评审报告", operator)
    assert client.get(reverse("admin:procurement_projectdocument_changelist")).status_code == 200


# --- the API -------------------------------------------------------------------------------------

def test_the_api_drives_the_award_and_answers_the_signing_board():
    world = award_world(units=2, lots=1)
    api = APIClient()
    api.force_authenticate(world.operator)
    pk = world.project.pk

    started = api.post(reverse("api-v1:award-start-procurement", args=[pk]),
                       {"method": "inquiry"}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "procuring"
    bad = api.post(reverse("api-v1:award-award-lot", args=[pk]),
                   {"lot": world.lots[0].pk, "supplier": world.units[0].pk, "unit_price_yuan": "4500.00",
                    "awarded_on": deadlines.today().isoformat()}, format="json")
    assert bad.status_code == 400 and bad.json()["supplier"] == ["中标（成交）供应商必须是已启用的供应商"]
    awarded = api.post(reverse("api-v1:award-award-lot", args=[pk]),
                       {"lot": world.lots[0].pk, "supplier": world.supplier.pk, "unit_price_yuan": "4500.00",
                        "awarded_on": deadlines.today().isoformat()}, format="json")
    assert awarded.status_code == 200 and awarded.json()["unit_price_yuan"] == "4500.00"
    finalized = api.post(reverse("api-v1:award-finalize", args=[pk]), format="json")
    assert finalized.status_code == 200 and finalized.json()["award_notice_id"] is not None
    generated = api.post(reverse("api-v1:award-generate-contracts", args=[pk]), format="json")
    assert generated.status_code == 201 and generated.json()["created"] == 2
    assert {c["amount_yuan"] for c in generated.json()["contracts"]} == {"45000.00"}
    assert api.post(reverse("api-v1:award-generate-contracts", args=[pk]),
                    format="json").json()["created"] == 0

    board = api.get(reverse("api-v1:award-signing-board", args=[pk]), {"status": "unsigned"}).json()
    assert board["total"] == 2 and len(board["unsigned_units"]) == 2
    assert board["contracts"][0]["signing_due"] == (deadlines.today() + timedelta(days=30)).isoformat()
    assert board["contracts"][0]["signing_overdue"] is False


def test_the_api_answers_404_to_a_unit_running_nothing_and_409_out_of_order():
    world = award_world(units=1, lots=1)
    world.project.eligible_units.create(unit=world.units[0])
    api = APIClient()
    api.force_authenticate(world.clerk(world.units[0]))
    assert api.post(reverse("api-v1:award-start-procurement", args=[world.project.pk]),
                    {"method": "inquiry"}, format="json").status_code == 404
    assert api.get(reverse("api-v1:award-list")).json()["count"] == 0
    api.force_authenticate(world.operator)
    assert api.post(reverse("api-v1:award-finalize", args=[world.project.pk]),
                    format="json").status_code == 409
    assert Project.objects.get(pk=world.project.pk).status == Status.CONFIRMED
    listing = api.get(reverse("api-v1:award-list")).json()
    assert [row["code"] for row in listing["results"]] == [world.project.code]
    assert listing["results"][0]["awards"] == []
    assert api.get(reverse("api-v1:award-list"), {"status": "awarded"}).json()["count"] == 0

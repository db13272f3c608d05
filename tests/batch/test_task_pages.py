"""Task notice and configuration table pages, API and admin: who sees what, who may do what, in Chinese."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch import configuration as configuration_services
from batch.models import ConfigurationTable
from procurement.models import ImportJob, ProjectEvent, TaskNotice
from procurement.services import tasks as task_services
from tests.batch.test_configuration_table import annex_rows, workbook_bytes
from tests.batch.test_task_notices import build_world, draft
from tests.factories import UserFactory
from tests.procurement.import_jobs import job_of, jobs_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    return build_world(world)


def issued(world, **overrides) -> TaskNotice:
    return task_services.task_notice_issue(task=draft(world, **overrides),
                                           actor=overrides.get("actor", world.finance_user))


def acknowledged(world) -> TaskNotice:
    return task_services.task_notice_acknowledge(task=issued(world), actor=world.center_user)


def theirs(world) -> TaskNotice:
    """A notice of Changchun's bureau to Changchun's center."""
    return issued(world, finance_bureau=world.city_finance, center=world.other_center, actor=world.city_finance_user)


def signed_in(client, user):
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def status_of(task: TaskNotice) -> str:
    return TaskNotice.objects.get(pk=task.pk).status


FINANCE_PAGES = ["batch:task-list", "batch:task-create"]
CENTER_PAGES = ["batch:received-list", "batch:configuration-list", "batch:configuration-create"]


# --- who may open which pages --------------------------------------------------------------------

@pytest.mark.parametrize("name", FINANCE_PAGES + CENTER_PAGES)
def test_a_budget_unit_gets_403_in_chinese(client, world, name):
    """Issue 3: finance pages need a finance membership, center pages a center one; a unit has neither."""
    response = signed_in(client, world.unit_user).get(reverse(name))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.parametrize("name", FINANCE_PAGES)
def test_the_center_cannot_open_finance_pages(client, world, name):
    """Seed 000 三(一)1(1): drafting and issuing the task notice is finance's work."""
    assert signed_in(client, world.center_user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", CENTER_PAGES)
def test_finance_cannot_open_center_pages(client, world, name):
    """Seed 000 三(一)1(2): acknowledging and the configuration table are the center's work."""
    assert signed_in(client, world.finance_user).get(reverse(name)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    """Issue 3: the pages belong to signed-in finance and center staff."""
    response = client.get(reverse("batch:task-list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- finance pages --------------------------------------------------------------------------------

def test_finance_lists_its_own_notices_filtered_by_year_and_status(client, world):
    """Seed 000 三(一)1(1): a bureau manages its own notices; another bureau's are not listed."""
    mine = draft(world)
    issued_mine = issued(world, year=2025)
    other = theirs(world)
    client = signed_in(client, world.finance_user)
    listed = list(client.get(reverse("batch:task-list")).context["page"])
    assert set(listed) == {mine, issued_mine}
    assert other not in listed
    assert list(client.get(reverse("batch:task-list"), {"year": 2025}).context["page"]) == [issued_mine]
    assert list(client.get(reverse("batch:task-list"), {"status": "draft"}).context["page"]) == [mine]


def test_finance_drafts_a_notice_through_the_form(client, world):
    """Annex 5: category, limit, scope, cycle entered by finance; saved as a draft."""
    response = signed_in(client, world.finance_user).post(reverse("batch:task-create"), {
        "finance_bureau": world.finance.pk, "center": world.center.pk, "category": world.category.pk,
        "year": 2026, "purchase_limit": "单项50万元以下", "purchase_limit_yuan": "500000", "scope": "regions",
        "scope_regions": [world.changchun.pk], "cycle": "quarterly", "document_number": "", "basis": "",
    })
    task = TaskNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("batch:task-detail", args=[task.pk])
    assert (task.status, task.purchase_limit, list(task.scope_regions.all())) == (
        TaskNotice.Status.DRAFT, "单项50万元以下", [world.changchun])


def test_a_refused_draft_shows_the_reason_on_its_field(client, world):
    """Annex 5 适用范围 分地区 needs regions: the form says so in Chinese and nothing is saved."""
    response = signed_in(client, world.finance_user).post(reverse("batch:task-create"), {
        "finance_bureau": world.finance.pk, "center": world.center.pk, "category": world.category.pk,
        "year": 2026, "purchase_limit": "单项50万元以下", "scope": "regions", "cycle": "quarterly",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["scope_regions"] == ["适用范围为分地区时，请至少选择一个适用地区"]
    assert not TaskNotice.objects.exists()


def test_the_category_choices_are_the_centralized_catalog(client, world):
    """Seed 000 二(一)2: only catalog items can be tasked for batch procurement."""
    form = signed_in(client, world.finance_user).get(reverse("batch:task-create")).context["form"]
    assert list(form.fields["category"].queryset) == [world.category]


def test_finance_issues_and_withdraws_from_the_detail_page(client, world):
    """Seed 000 三(一)1(1): finance 下达 the notice; before the center signs, it may withdraw it."""
    task = draft(world)
    client = signed_in(client, world.finance_user)
    page = client.get(reverse("batch:task-detail", args=[task.pk])).content.decode()
    assert "下达任务" in page and "下载PDF" in page
    response = client.post(reverse("batch:task-issue", args=[task.pk]), {"issued_on": ""}, follow=True)
    assert "任务通知单已下达吉林省政府采购中心。" in page_messages(response)
    assert status_of(task) == TaskNotice.Status.ISSUED
    response = client.post(reverse("batch:task-withdraw", args=[task.pk]), {"reason": "品目调整"}, follow=True)
    assert "任务通知单已撤回。" in page_messages(response)
    assert status_of(task) == TaskNotice.Status.WITHDRAWN


def test_another_bureaus_notice_answers_404_and_cannot_be_issued(client, world):
    """Seed 000 三(一)1(1): a bureau reaches only its own notices; another's is not found and stays as it was."""
    other = draft(world, finance_bureau=world.city_finance, center=world.other_center, actor=world.city_finance_user)
    client = signed_in(client, world.finance_user)
    for name in ("batch:task-detail", "batch:task-edit", "batch:task-pdf"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    for name in ("batch:task-issue", "batch:task-withdraw"):
        assert client.post(reverse(name, args=[other.pk])).status_code == 404
    assert status_of(other) == TaskNotice.Status.DRAFT


def test_an_issued_notice_is_not_editable(client, world):
    """Seed 000 三(一)1(1): an issued notice is fixed; the edit page sends back with a Chinese reason."""
    task = issued(world)
    response = signed_in(client, world.finance_user).get(reverse("batch:task-edit", args=[task.pk]), follow=True)
    assert "任务通知单已下达，只有草稿可以修改。" in page_messages(response)


def test_finance_downloads_the_pdf(client, world):
    """Annex 5: the notice as a PDF, named after its category."""
    task = issued(world)
    response = signed_in(client, world.finance_user).get(reverse("batch:task-pdf", args=[task.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


# --- center pages ---------------------------------------------------------------------------------

def test_the_center_acknowledges_and_a_second_time_is_refused_in_chinese(client, world):
    """Seed 000 三(一)1(1): the center signs for the issued notice once."""
    task = issued(world)
    client = signed_in(client, world.center_user)
    response = client.post(reverse("batch:received-acknowledge", args=[task.pk]), follow=True)
    assert "任务通知单已签收。请据此编制产品配置表。" in page_messages(response)
    assert status_of(task) == TaskNotice.Status.ACKNOWLEDGED
    response = client.post(reverse("batch:received-acknowledge", args=[task.pk]), follow=True)
    assert "当前状态为「已签收」，不能执行「签收任务」" in page_messages(response)
    assert ProjectEvent.objects.filter(subject_type="tasknotice", subject_id=task.pk,
                                       action="acknowledge").count() == 1


def test_the_center_cannot_reach_a_draft(client, world):
    """Seed 000 三(一)1(1): a draft has not been issued; acknowledging it by a forged request finds nothing."""
    task = draft(world)
    client = signed_in(client, world.center_user)
    assert client.get(reverse("batch:received-detail", args=[task.pk])).status_code == 404
    assert client.post(reverse("batch:received-acknowledge", args=[task.pk])).status_code == 404
    assert status_of(task) == TaskNotice.Status.DRAFT


def test_another_center_cannot_see_or_acknowledge(client, world):
    """Seed 000 三(一)1(1): the notice belongs to the center it is addressed to."""
    task = issued(world)
    client = signed_in(client, world.other_center_user)
    assert task not in list(client.get(reverse("batch:received-list")).context["page"])
    assert client.post(reverse("batch:received-acknowledge", args=[task.pk])).status_code == 404
    assert status_of(task) == TaskNotice.Status.ISSUED


def test_the_center_builds_a_table_adds_a_type_and_exports_it(client, world):
    """Seed 000 三(一)1(2) and annex 6: the center designs the types and takes the table out as Excel."""
    task = acknowledged(world)
    client = signed_in(client, world.center_user)
    form = client.get(reverse("batch:configuration-create"), {"task": task.pk}).context["form"]
    assert form.initial["title"] == "台式计算机批量集中采购产品配置表"
    response = client.post(reverse("batch:configuration-create"), {
        "center": world.center.pk, "task": task.pk, "title": "台式计算机批量集中采购产品配置表",
        "filled_on": "2026-03-02"})
    table = ConfigurationTable.objects.get()
    assert response["Location"] == reverse("batch:configuration-detail", args=[table.pk])
    response = client.post(reverse("batch:configuration-type-create", args=[table.pk]), {
        "category": "A02010105", "number": 1, "name": "通用办公型", "parameters": "CPU≥8核",
        "unit_of_measure": "台", "reference_price_yuan": ""})
    assert response.status_code == 302
    assert table.types.get().name == "通用办公型"
    exported = client.get(reverse("batch:configuration-export", args=[table.pk]))
    assert exported["Content-Type"] == configuration_services.XLSX_CONTENT_TYPE
    sheet = load_workbook(BytesIO(exported.content)).active
    assert sheet["C3"].value == "配置1（通用办公型）" and sheet["C4"].value == "CPU≥8核"


def test_a_refused_type_shows_the_reason(client, world):
    """Seed 000 三(一)1(2): a row of the table is the task's category; another category is refused in Chinese."""
    task = acknowledged(world)
    table = configuration_services.configuration_table_create(
        center=world.center, task=task, title="表", filled_on=date(2026, 3, 2), actor=world.center_user)
    response = signed_in(client, world.center_user).post(
        reverse("batch:configuration-type-create", args=[table.pk]),
        {"category": "C23120300", "number": 1, "parameters": "参数", "unit_of_measure": "项"})
    assert response.status_code == 200
    assert "不属于任务通知单的采购品目" in response.context["form"].errors["category"][0]
    assert not table.types.exists()


def test_an_import_with_errors_lists_them_and_changes_nothing(client, world):
    """Issue 3 point 4: all-or-nothing import; the page lists each error with sheet, row and column."""
    task = acknowledged(world)
    table = configuration_services.configuration_table_create(
        center=world.center, task=task, title="表", filled_on=date(2026, 3, 2), actor=world.center_user)
    bad = workbook_bytes(annex_rows([1, "A02010105", "甲", None, None], [2, "不存在的品目", "乙", None, None]))
    upload = BytesIO(bad)
    upload.name = "配置表.xlsx"
    with jobs_run():
        response = signed_in(client, world.center_user).post(
            reverse("batch:configuration-import", args=[table.pk]), {"file": upload})
    job = job_of(response)
    assert (job.status, job.kind, job.organization, job.file_name) == (
        ImportJob.Status.FAILED, "configuration_into", world.center, "配置表.xlsx")
    html = client.get(response["Location"]).content.decode()
    assert "导入失败，未做任何更改。请修改文件中的以下1处错误后重新导入：" in html
    assert "工作表「Sheet1」第5行B列（采购标的品目）：未找到名称为「不存在的品目」的品目，请填写品目编码" in html
    assert job.errors == [{"sheet": "Sheet1", "row": 5, "column": "B（采购标的品目）", "message": (
        "工作表「Sheet1」第5行B列（采购标的品目）：未找到名称为「不存在的品目」的品目，请填写品目编码")}]
    assert f'href="{reverse("batch:configuration-detail", args=[table.pk])}">修改后重新上传</a>' in html
    assert not table.types.exists()


def test_a_good_import_creates_a_new_table(client, world):
    """Annex 6 layout in, a new table out."""
    task = acknowledged(world)
    upload = BytesIO(workbook_bytes(annex_rows([1, "A02010105 台式计算机", "甲", "乙", None])))
    upload.name = "配置表.xlsx"
    with jobs_run():
        response = signed_in(client, world.center_user).post(reverse("batch:configuration-import-new"), {
            "center": world.center.pk, "task": task.pk, "file": upload})
    table = ConfigurationTable.objects.get()
    job = job_of(response)
    assert (job.status, job.result_id, job.rows_read, job.rows_total) == (ImportJob.Status.SUCCEEDED, table.pk, 1, 1)
    assert table.types.count() == 2
    html = client.get(response["Location"]).content.decode()
    assert f"产品配置表已导入：{table.title}，共1个品目、2款配置。" in html
    assert f'href="{reverse("batch:configuration-detail", args=[table.pk])}"' in html


def test_another_centers_table_answers_404(client, world):
    """Seed 000 三(一)1(2): a center's configuration table is its own."""
    table = configuration_services.configuration_table_create(
        center=world.other_center, title="长春表", filled_on=date(2026, 3, 2), actor=world.other_center_user)
    client = signed_in(client, world.center_user)
    for name in ("batch:configuration-detail", "batch:configuration-edit", "batch:configuration-export",
                 "batch:configuration-type-create"):
        assert client.get(reverse(name, args=[table.pk])).status_code == 404
    assert table not in list(client.get(reverse("batch:configuration-list")).context["page"])


# --- API -----------------------------------------------------------------------------------------

def test_api_lists_only_the_users_own_notices(world):
    """Seed 000 三(一)1(1): each bureau and center reads only its notices; the center no drafts."""
    mine_draft, mine_issued, other = draft(world), issued(world), theirs(world)
    url = reverse("batch-api:task-notice-list")
    assert {row["id"] for row in api(world.finance_user).get(url).json()["results"]} == {mine_draft.pk,
                                                                                          mine_issued.pk}
    assert {row["id"] for row in api(world.center_user).get(url).json()["results"]} == {mine_issued.pk}
    assert {row["id"] for row in api(world.city_finance_user).get(url).json()["results"]} == {other.pk}
    assert api(world.unit_user).get(url).json()["results"] == []
    row = api(world.center_user).get(reverse("batch-api:task-notice-detail", args=[mine_issued.pk])).json()
    assert (row["category"]["code"], row["scope_text"], row["status"]) == ("A02010105", "全省", "issued")


def test_api_another_bureau_cannot_see_or_issue(world):
    """Seed 000 三(一)1(1): another bureau's notice is not found, and stays a draft."""
    task = draft(world)
    client = api(world.city_finance_user)
    response = client.get(reverse("batch-api:task-notice-detail", args=[task.pk]))
    assert (response.status_code, response.json()["detail"]) == (404, "未找到该对象或无权查看")
    assert client.post(reverse("batch-api:task-notice-issue", args=[task.pk])).status_code == 404
    assert status_of(task) == TaskNotice.Status.DRAFT


def test_api_issue_and_acknowledge(world):
    """Seed 000 三(一)1(1): finance issues, the center acknowledges, each through one POST."""
    task = draft(world)
    response = api(world.finance_user).post(reverse("batch-api:task-notice-issue", args=[task.pk]), {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "issued")
    response = api(world.center_user).post(reverse("batch-api:task-notice-acknowledge", args=[task.pk]))
    assert (response.status_code, response.json()["status"]) == (200, "acknowledged")


def test_api_forged_acknowledgements_are_refused_in_chinese(world):
    """Seed 000 三(一)1(1): only the addressed center acknowledges, and only an issued notice. Like the center's
    page, the API asks who is calling before the notice's state (issue 8 point 4): finance hears 403 either way."""
    task = draft(world)
    url = reverse("batch-api:task-notice-acknowledge", args=[task.pk])
    assert api(world.center_user).post(url).status_code == 404  # a draft never reached the center
    # Nor any center: the superuser looks it up among the notices received too.
    assert api(UserFactory(username="api_root", is_superuser=True, is_staff=True)).post(url).status_code == 404
    response = api(world.finance_user).post(url)
    assert (response.status_code, response.json()["detail"]) == (403, "只有收到任务通知单的集中采购机构可以签收")
    task.refresh_from_db()
    assert (task.status, task.acknowledged_at) == (TaskNotice.Status.DRAFT, None)
    sent = issued(world)
    response = api(world.finance_user).post(reverse("batch-api:task-notice-acknowledge", args=[sent.pk]))
    assert (response.status_code, response.json()["detail"]) == (403, "只有收到任务通知单的集中采购机构可以签收")
    assert status_of(sent) == TaskNotice.Status.ISSUED


def test_api_a_future_issue_date_is_a_400_with_the_field(world):
    """Annex 5 is dated on issue, never later than today."""
    task = draft(world)
    response = api(world.finance_user).post(reverse("batch-api:task-notice-issue", args=[task.pk]),
                                            {"issued_on": "2999-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["issued_on"] == ["下达日期不能晚于今天"]
    assert status_of(task) == TaskNotice.Status.DRAFT


def test_api_pdf(world):
    """Annex 5 as PDF through the API."""
    task = issued(world)
    response = api(world.center_user).get(reverse("batch-api:task-notice-pdf", args=[task.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_api_configuration_import_and_export(world):
    """Annex 6 through the API: import a workbook into a new table, read it, export it again."""
    task = acknowledged(world)
    client = api(world.center_user)
    upload = BytesIO(workbook_bytes(annex_rows([1, "A02010105", "甲", "乙", None])))
    upload.name = "配置表.xlsx"
    with jobs_run():
        response = client.post(reverse("batch-api:configuration-table-import-new"),
                               {"task": task.pk, "file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "succeeded", job
    body = client.get(job["result_url"]).json()
    assert [(t["category"]["code"], t["number"], t["parameters"]) for t in body["types"]] == [
        ("A02010105", 1, "甲"), ("A02010105", 2, "乙")]
    exported = client.get(reverse("batch-api:configuration-table-export", args=[body["id"]]))
    assert exported.status_code == 200
    assert load_workbook(BytesIO(exported.content)).active["D4"].value == "乙"


def test_api_a_bad_import_is_a_failed_job_listing_the_errors(world):
    """Issue 3 point 4: all-or-nothing with the place of each error (issue 8 point 2: in the job polled)."""
    task = acknowledged(world)
    upload = BytesIO(workbook_bytes(annex_rows([1, "A99999999", "甲", None, None])))
    upload.name = "配置表.xlsx"
    client = api(world.center_user)
    with jobs_run():
        response = client.post(reverse("batch-api:configuration-table-import-new"),
                               {"task": task.pk, "file": upload}, format="multipart")
    assert response.status_code == 202
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "failed"
    assert job["errors"] == [{"sheet": "Sheet1", "row": 4, "column": "B（采购标的品目）", "message": (
        "工作表「Sheet1」第4行B列（采购标的品目）：品目编码「A99999999」不在政府采购品目分类目录中")}]
    assert not ConfigurationTable.objects.exists()


def test_api_an_import_refused_before_reading_answers_at_once_and_stores_nothing(world):
    """A task not yet acknowledged is refused by the request itself (400), as before: no job, no file."""
    task = issued(world)
    upload = BytesIO(workbook_bytes(annex_rows([1, "A02010105", "甲", None, None])))
    upload.name = "配置表.xlsx"
    response = api(world.center_user).post(reverse("batch-api:configuration-table-import-new"),
                                           {"task": task.pk, "file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == "任务通知单已下达，签收后才能编制产品配置表"
    assert not ImportJob.objects.exists()


def test_api_another_centers_table_answers_404(world):
    """Seed 000 三(一)1(2): a center's configuration table is its own."""
    table = configuration_services.configuration_table_create(
        center=world.other_center, title="长春表", filled_on=date(2026, 3, 2), actor=world.other_center_user)
    client = api(world.center_user)
    assert client.get(reverse("batch-api:configuration-table-detail", args=[table.pk])).status_code == 404
    assert client.get(reverse("batch-api:configuration-table-export", args=[table.pk])).status_code == 404


# --- admin ---------------------------------------------------------------------------------------

@pytest.fixture
def center_operator(world):
    """The center's operator with the admin rights the center group needs for these models."""
    user = world.center_user
    user.is_staff = True
    user.save()
    codenames = ["view_tasknotice", "change_tasknotice", "view_configurationtable", "add_configurationtable",
                 "change_configurationtable", "view_configurationtype", "add_configurationtype",
                 "change_configurationtype", "delete_configurationtype"]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="batch", codename__in=codenames))
    return user


def test_admin_lists_only_the_centers_notices_and_acknowledges_them(client, world, center_operator):
    """Issue 3: center operators drive every step in the admin, through the same services and scope."""
    ours, other = issued(world), theirs(world)
    client = signed_in(client, center_operator)
    changelist = client.get(reverse("admin:batch_tasknotice_changelist"))
    assert list(changelist.context["cl"].result_list) == [ours]
    response = client.post(reverse("admin:batch_tasknotice_changelist"), {
        "action": "acknowledge_selected", "_selected_action": [ours.pk, other.pk]}, follow=True)
    assert any("已签收1份" in m for m in page_messages(response))
    assert (status_of(ours), status_of(other)) == (TaskNotice.Status.ACKNOWLEDGED, TaskNotice.Status.ISSUED)


def test_admin_forged_acknowledgement_of_a_draft_is_refused_in_chinese(client, world):
    """Seed 000 三(一)1(1): even a superuser cannot acknowledge a notice finance has not issued."""
    task = draft(world)
    admin = UserFactory(username="admin_root", is_superuser=True, is_staff=True)
    response = signed_in(client, admin).post(reverse("admin:batch_tasknotice_changelist"), {
        "action": "acknowledge_selected", "_selected_action": [task.pk]}, follow=True)
    assert any("当前状态为「草稿」，不能执行「签收任务」" in m for m in page_messages(response))
    assert status_of(task) == TaskNotice.Status.DRAFT


def test_admin_pdf_link_is_scoped(client, world, center_operator):
    """Annex 5 PDF from the admin, for the center's own notices only."""
    ours, other = issued(world), theirs(world)
    client = signed_in(client, center_operator)
    response = client.get(reverse("admin:batch_tasknotice_pdf", args=[ours.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("admin:batch_tasknotice_pdf", args=[other.pk])).status_code == 404


def test_admin_exports_the_configuration_table(client, world, center_operator):
    """Annex 6 from the admin: the export action returns the workbook."""
    task = acknowledged(world)
    table = configuration_services.configuration_table_create(
        center=world.center, task=task, title="台式计算机批量集中采购产品配置表", filled_on=date(2026, 3, 2),
        actor=world.center_user)
    configuration_services.configuration_type_set(table=table, category=world.category, number=1,
                                                  parameters="CPU≥8核", actor=world.center_user)
    response = signed_in(client, center_operator).post(reverse("admin:batch_configurationtable_changelist"), {
        "action": "export_selected", "_selected_action": [table.pk]})
    assert response["Content-Type"] == configuration_services.XLSX_CONTENT_TYPE
    assert load_workbook(BytesIO(response.content)).active["A1"].value == "台式计算机批量集中采购产品配置表"


def test_admin_type_inline_goes_through_the_service(client, world, center_operator):
    """Seed 000 三(一)1(2): a type added in the admin obeys the table's rules and is recorded."""
    task = acknowledged(world)
    table = configuration_services.configuration_table_create(
        center=world.center, task=task, title="表", filled_on=date(2026, 3, 2), actor=world.center_user)
    url = reverse("admin:batch_configurationtable_change", args=[table.pk])
    data = {
        "title": "表", "filled_on": "2026-03-02",
        "types-TOTAL_FORMS": "1", "types-INITIAL_FORMS": "0", "types-MIN_NUM_FORMS": "0", "types-MAX_NUM_FORMS": "1000",
        "types-0-category": world.outside_catalog.pk, "types-0-number": "1", "types-0-name": "",
        "types-0-parameters": "参数", "types-0-unit_of_measure": "台", "types-0-reference_price_yuan": "",
    }
    client = signed_in(client, center_operator)
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with the reason
    assert "不属于任务通知单的采购品目" in response.content.decode()
    assert not table.types.exists()
    data["types-0-category"] = world.category.pk
    assert client.post(url, data).status_code == 302
    assert table.types.get().name == "配置1"
    assert ProjectEvent.objects.filter(subject_type="configurationtable", subject_id=table.pk,
                                       action="configuration_type_create").exists()


def test_admin_drafts_through_the_service_and_shows_a_refusal_on_the_form(client, world):
    """Annex 5 in the admin: the same rules as the pages (catalog category), and the draft is recorded."""
    admin = UserFactory(username="admin_drafter", is_superuser=True, is_staff=True)
    client = signed_in(client, admin)
    url = reverse("admin:batch_tasknotice_add")
    assert client.get(url).status_code == 200
    data = {"finance_bureau": world.finance.pk, "center": world.center.pk, "category": world.outside_catalog.pk,
            "year": 2026, "purchase_limit": "单项50万元以下", "purchase_limit_yuan": "", "scope": "province",
            "cycle": "quarterly", "document_number": "", "basis": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "未纳入政府集中采购目录" in response.content.decode()
    assert not TaskNotice.objects.exists()
    data["category"] = world.category.pk
    assert client.post(url, data).status_code == 302
    task = TaskNotice.objects.get()
    assert task.status == TaskNotice.Status.DRAFT
    assert ProjectEvent.objects.filter(subject_type="tasknotice", subject_id=task.pk, action="create").exists()
    assert client.get(reverse("admin:batch_tasknotice_change", args=[task.pk])).status_code == 200


def test_admin_shows_an_issued_notice_read_only(client, world, center_operator):
    """Seed 000 三(一)1(1): an issued notice is fixed; the admin shows it without a save button."""
    task = issued(world)
    response = signed_in(client, center_operator).get(reverse("admin:batch_tasknotice_change", args=[task.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "下载PDF" in response.content.decode()


def test_every_page_opens_for_its_owner(client, world):
    """Issue 3: finance and center staff drive each step in their pages; every page renders for them."""
    draft_task, task = draft(world), acknowledged(world)
    table = configuration_services.configuration_table_create(
        center=world.center, task=task, title="台式计算机批量集中采购产品配置表", filled_on=date(2026, 3, 2),
        actor=world.center_user)
    config = configuration_services.configuration_type_set(table=table, category=world.category, number=1,
                                                           parameters="CPU≥8核", actor=world.center_user)
    finance_pages = [reverse("batch:task-list"), reverse("batch:task-create"),
                     reverse("batch:task-detail", args=[draft_task.pk]),
                     reverse("batch:task-edit", args=[draft_task.pk]),
                     reverse("batch:task-detail", args=[task.pk])]
    center_pages = [reverse("batch:received-list"), reverse("batch:received-detail", args=[task.pk]),
                    reverse("batch:configuration-list"), reverse("batch:configuration-create"),
                    reverse("batch:configuration-detail", args=[table.pk]),
                    reverse("batch:configuration-edit", args=[table.pk]),
                    reverse("batch:configuration-type-create", args=[table.pk]),
                    reverse("batch:configuration-type-edit", args=[table.pk, config.pk])]
    for user, urls in ((world.finance_user, finance_pages), (world.center_user, center_pages)):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "任务通知单" in response.content.decode() or "产品配置表" in response.content.decode(), url


def test_admin_creates_a_table_for_an_acknowledged_task_only(client, world, center_operator):
    """Seed 000 三(一)1(2): in the admin too, a table is made for a task the center has signed for."""
    signed, unsigned = acknowledged(world), issued(world)
    client = signed_in(client, center_operator)
    url = reverse("admin:batch_configurationtable_add")
    form = client.get(url).context["adminform"].form
    assert list(form.fields["task"].queryset) == [signed]
    data = {"center": world.center.pk, "task": unsigned.pk, "title": "表", "filled_on": "2026-03-02"}
    assert client.post(url, data).status_code == 200
    assert not ConfigurationTable.objects.exists()
    data["task"] = signed.pk
    assert client.post(url, data).status_code == 302
    table = ConfigurationTable.objects.get()
    assert (table.center, table.task) == (world.center, signed)
    assert ProjectEvent.objects.filter(subject_type="configurationtable", subject_id=table.pk,
                                       action="create").exists()

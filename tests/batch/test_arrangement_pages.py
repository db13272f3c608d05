"""The arrangement table's finance pages, API endpoints and admin.

Rules: procurement/access.py (finance staff see their region and below; others are refused),
issue 3 points 1–2 (upload with every error listed; analysis with reasoning; Excel export) and issue 8
point 2 (an upload becomes an import job: the page redirects to it, the API answers 202 with it).
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch.models import Arrangement, ArrangementLine
from procurement.models import ImportJob, Membership
from tests.batch.test_arrangement_import import GOOD_ROWS, xlsx_bytes
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    FinanceFactory,
    SupplierFactory,
    UserFactory,
    county,
    member_of,
    prefecture,
    province,
)
from tests.procurement.import_jobs import job_of, jobs_run

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bureau():
    return FinanceFactory(name="吉林省财政厅", region=province())


@pytest.fixture
def reference(bureau):
    changchun = prefecture()
    BudgetUnitFactory(unit_code="101001", name="吉林省教育厅", short_name="省教育厅")
    BudgetUnitFactory(unit_code="101002", name="吉林省卫生健康委员会")
    BudgetUnitFactory(unit_code="201001", name="长春市财政局机关", region=changchun)
    BudgetUnitFactory(unit_code="201002", name="南关区教育局", region=county(parent=changchun))
    CategoryFactory(code="A02010105", name="台式计算机")
    CategoryFactory(code="A02010108", name="便携式计算机")
    CategoryFactory(code="A02021003", name="A4黑白打印机")
    CategoryFactory(code="C21040000", name="物业管理服务（含保安）", level=2, in_centralized_catalog=False)


@pytest.fixture
def officer(bureau):
    return member_of(bureau, first_name="王", last_name="经办")


def upload(name: str = "2026.xlsx", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(GOOD_ROWS) if data is None else data, content_type=XLSX)


def imported(client, officer) -> Arrangement:
    client.force_login(officer)
    with jobs_run():
        response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    assert job_of(response).status == ImportJob.Status.SUCCEEDED
    return Arrangement.objects.get(is_current=True)


def html(response) -> str:
    return response.content.decode()


# --- pages ----------------------------------------------------------------------------------------

def test_the_list_page_offers_the_upload_form_to_finance_staff(client, bureau, officer):
    client.force_login(officer)
    response = client.get(reverse("batch:arrangement-list"))
    assert response.status_code == 200
    body = html(response)
    assert "部门预算政府采购项目安排情况表" in body and "导入安排情况表" in body
    assert 'enctype="multipart/form-data"' in body and "吉林省财政厅" in body
    assert "尚未导入安排情况表" in body


def test_uploading_a_good_file_imports_it_and_shows_its_lines(client, reference, bureau, officer):
    client.force_login(officer)
    with jobs_run():
        response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    job = job_of(response)
    arrangement = Arrangement.objects.get(is_current=True)
    assert arrangement.row_count == 5 and arrangement.imported_by == officer
    assert (job.status, job.result_id, job.rows_read, job.file) == (ImportJob.Status.SUCCEEDED, arrangement.pk, 6, "")
    result = html(client.get(response["Location"]))
    assert "已导入2026年度安排情况表：共5行，采购金额合计112.50万元。合计行与各行之和一致。" in result
    detail_url = reverse("batch:arrangement-detail", args=[arrangement.pk])
    assert f'href="{detail_url}" data-testid="import-result-link">查看安排情况表</a>' in result
    response = client.get(detail_url)
    body = html(response)
    assert "吉林省教育厅" in body and "A02010108" in body and "便携式计算机" in body
    assert body.count("<tr>") == 1 + 5


def test_the_lines_can_be_searched(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    response = client.get(reverse("batch:arrangement-detail", args=[arrangement.pk]), {"q": "南关区"})
    body = html(response)
    assert "南关区教育局" in body and "吉林省教育厅" not in body


def test_a_bad_file_lists_every_error_and_imports_nothing(client, reference, bureau, officer):
    client.force_login(officer)
    rows = [("999999", "不存在的单位", "A02010105", "1", "1"), ("101001", "吉林省教育厅", "量子计算机", "x", "1")]
    with jobs_run():
        response = client.post(reverse("batch:arrangement-list"),
                               {"year": 2026, "file": upload(data=xlsx_bytes(rows, total=None))})
    assert job_of(response).status == ImportJob.Status.FAILED
    body = html(client.get(response["Location"]))
    assert "安排情况表未导入（全部数据均未写入），共发现3处错误" in body
    assert "工作表「Sheet1」第3行「单位代码」列：单位代码「999999」不是平台已登记的预算单位" in body
    assert "工作表「Sheet1」第4行「采购品目」列" in body
    assert "工作表「Sheet1」第4行「采购数量(个)」列：「x」不是有效的数字" in body
    assert 'href="/batch/arrangements/">修改后重新上传</a>' in body
    assert not Arrangement.objects.exists() and not ArrangementLine.objects.exists()


def test_a_missing_file_or_year_is_asked_for_in_chinese(client, bureau, officer):
    client.force_login(officer)
    response = client.post(reverse("batch:arrangement-list"), {})
    body = html(response)
    assert "请选择要导入的Excel文件" in body and "请填写年度" in body


def test_a_read_only_member_sees_the_tables_but_no_upload_form(client, reference, bureau, officer):
    imported(client, officer)
    viewer = member_of(bureau, role=Membership.Role.VIEWER)
    client.force_login(viewer)
    response = client.get(reverse("batch:arrangement-list"))
    assert response.status_code == 200
    assert "导入安排情况表" not in html(response) and "2026年度" in html(response)
    assert client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()}).status_code == 403


@pytest.mark.parametrize("make_org", [BudgetUnitFactory, SupplierFactory])
def test_units_and_suppliers_are_refused_every_page(client, reference, bureau, officer, make_org):
    arrangement = imported(client, officer)
    client.force_login(member_of(make_org()))
    pages = [("batch:arrangement-list", []), ("batch:arrangement-detail", [arrangement.pk]),
             ("batch:arrangement-analysis", [arrangement.pk]), ("batch:arrangement-export", [arrangement.pk])]
    for name, args in pages:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 403, name
        assert "无权访问" in html(response)


def test_the_center_of_the_same_level_analyses_the_table_but_cannot_import(client, reference, bureau, officer):
    """Seed 000 三(一)1(1): finance gives the table to 本级集中采购机构, which analyses it along three dimensions."""
    arrangement = imported(client, officer)
    client.force_login(member_of(CenterFactory(name="吉林省政府采购中心", region=province())))
    pages = [("batch:arrangement-list", []), ("batch:arrangement-detail", [arrangement.pk]),
             ("batch:arrangement-analysis", [arrangement.pk]), ("batch:arrangement-export", [arrangement.pk])]
    for name, args in pages:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    assert response.status_code == 403
    assert Arrangement.objects.count() == 1


def test_a_city_center_does_not_see_the_provincial_table(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    client.force_login(member_of(CenterFactory(name="长春市政府采购中心", region=prefecture())))
    assert client.get(reverse("batch:arrangement-detail", args=[arrangement.pk])).status_code == 404


def test_a_table_of_another_region_answers_404(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    city_staff = member_of(FinanceFactory(name="长春市财政局", region=prefecture()))
    client.force_login(city_staff)
    assert client.get(reverse("batch:arrangement-detail", args=[arrangement.pk])).status_code == 404
    assert client.get(reverse("batch:arrangement-analysis", args=[arrangement.pk])).status_code == 404
    assert "尚未导入安排情况表" in html(client.get(reverse("batch:arrangement-list")))


def test_the_analysis_page_shows_three_dimensions_and_the_reasoned_ranking(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    response = client.get(reverse("batch:arrangement-analysis", args=[arrangement.pk]))
    assert response.status_code == 200
    body = html(response)
    for heading in ("批量集中采购品目建议", "按品目", "按地区", "按采购单位"):
        assert f"<h2>{heading}</h2>" in body
    assert 'data-testid="candidates"' in body and "得分 = 单位覆盖（以少汇多" in body
    assert "吉林省本级" in body and "长春市" in body  # by region: prefectures of a province bureau
    assert "不足1万元" in body and "100万元及以上" in body
    assert reverse("batch:arrangement-export", args=[arrangement.pk]) in body


def test_the_export_button_downloads_the_workbook(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    response = client.get(reverse("batch:arrangement-export", args=[arrangement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["按品目", "按单位", "按地区", "批量采购建议"]


def test_a_second_upload_asks_for_confirmation_and_changes_nothing_until_given(client, reference, bureau, officer):
    """Issue 7 point 3: the page names the table to be replaced and what rests on it; nothing changes unconfirmed."""
    first = imported(client, officer)
    response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    assert response.status_code == 200
    body = html(response)
    assert f"吉林省财政厅2026年度已有现行安排情况表（第{first.pk}号" in body
    assert "依据该表尚未报送品目建议" in body
    assert "如确需替换，请勾选下方「确认替换现行表」，并重新选择文件后导入" in body
    assert 'data-testid="replace-confirm"' in body
    assert f'name="replacing" value="{first.pk}"' in body
    assert Arrangement.objects.get() == first and first.lines.count() == 5

    with jobs_run():
        response = client.post(reverse("batch:arrangement-list"),
                               {"year": 2026, "file": upload(), "replace": "on", "replacing": first.pk})
    assert job_of(response).status == ImportJob.Status.SUCCEEDED
    second = Arrangement.objects.get(is_current=True)
    assert second != first
    message = html(client.get(response["Location"]))
    assert f"原2026年度安排情况表（第{first.pk}号）已被替换，其明细和三维度分析仍可查看。" in message


def test_a_replaced_table_stays_listed_and_readable(client, reference, bureau, officer):
    first = imported(client, officer)
    with jobs_run():
        client.post(reverse("batch:arrangement-list"),
                    {"year": 2026, "file": upload(), "replace": "on", "replacing": first.pk})
    second = Arrangement.objects.get(is_current=True)
    first.refresh_from_db()
    replaced_at = f"{timezone.localtime(first.replaced_at):%Y-%m-%d %H:%M}"
    second_url = reverse("batch:arrangement-detail", args=[second.pk])
    listing = html(client.get(reverse("batch:arrangement-list")))
    assert "已被替换" in listing and "现行" in listing
    assert f'{replaced_at}被<a href="{second_url}">第{second.pk}号表</a>替换' in listing
    assert listing.count(">三维度分析</a>") == 2  # the replaced table's analysis stays open

    detail = html(client.get(reverse("batch:arrangement-detail", args=[first.pk])))
    assert f'新导入的<a href="{second_url}">2026年度安排情况表（第{second.pk}号）</a>替换' in detail
    assert detail.count("<tr>") == 1 + 5  # its lines are kept

    analysis_page = client.get(reverse("batch:arrangement-analysis", args=[first.pk]))
    assert analysis_page.status_code == 200
    body = html(analysis_page)
    assert 'data-testid="superseded"' in body and "台式计算机" in body and "拟定品目报财政部门" not in body


# --- API ------------------------------------------------------------------------------------------

def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def api_upload(client: APIClient, **fields):
    data = {"year": 2026, "file": upload(), **fields}
    with jobs_run():
        return client.post("/api/v1/batch/arrangements/import/", data, format="multipart")


def test_the_api_accepts_a_file_with_202_and_the_job_tells_the_result(reference, bureau, officer):
    """Issue 8 point 2: 202 with the job to poll; the job, once run, points at the imported table."""
    api = api_for(officer)
    response = api_upload(api)
    assert response.status_code == 202, response.json()
    accepted = response.json()
    job_url = f"http://testserver/api/v1/import-jobs/{accepted['id']}/"
    assert (accepted["status"], accepted["url"], response["Location"]) == ("queued", job_url, job_url)
    assert accepted["page_url"] == f"http://testserver/imports/{accepted['id']}/"
    assert accepted["kind"] == "arrangement" and accepted["file_name"] == "2026.xlsx"

    job = api.get(job_url).json()
    table = Arrangement.objects.get()
    assert (job["status"], job["rows_read"], job["errors"], job["result_id"]) == ("succeeded", 6, [], table.pk)
    assert job["summary"] == "已导入2026年度安排情况表：共5行，采购金额合计112.50万元。合计行与各行之和一致。"
    assert job["result_url"] == f"http://testserver/api/v1/batch/arrangements/{table.pk}/"
    body = api.get(job["result_url"]).json()
    assert body["row_count"] == 5 and body["total_amount_wan"] == "112.4956"
    assert body["finance_bureau"]["name"] == "吉林省财政厅"


def test_the_api_job_lists_the_errors_of_a_bad_file(reference, bureau, officer):
    api = api_for(officer)
    response = api_upload(api, file=upload(data=b"not excel"))
    assert response.status_code == 202
    job = api.get(response.json()["url"]).json()
    assert job["status"] == "failed" and job["summary"].startswith("安排情况表未导入")
    assert job["errors"] == [{"sheet": "", "row": None, "column": "",
                              "message": "文件不是Excel工作簿（.xlsx），请上传用Excel或WPS保存的.xlsx文件"}]
    assert job["result_url"] is None
    assert not Arrangement.objects.exists()


def test_the_api_refuses_an_import_for_another_bureau_with_403(reference, bureau):
    other = member_of(FinanceFactory(name="长春市财政局", region=prefecture()))
    response = api_upload(api_for(other), finance_bureau=bureau.pk)
    assert response.status_code == 403
    assert response.json()["detail"] == "您无权为吉林省财政厅导入安排情况表"
    assert api_upload(api_for(member_of(BudgetUnitFactory()))).status_code == 403
    assert not Arrangement.objects.exists()


def test_the_api_answers_409_naming_the_current_table_until_replace_is_true(reference, bureau, officer):
    """Issue 7 point 3: a 409 with detail and the dependents; replace=true confirms."""
    api = api_for(officer)
    first = ImportJob.objects.get(pk=api_upload(api).json()["id"]).result_id
    response = api_upload(api, file=upload(data=xlsx_bytes(GOOD_ROWS[:2])))
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith(f"安排情况表未导入：吉林省财政厅2026年度已有现行安排情况表（第{first}号")
    assert body["detail"].endswith("如确需替换，请在请求中加上 replace=true 重新提交。")
    assert (body["current"], body["proposal_count"], body["categories"], body["confirm"]) == (
        first, 0, [], "replace=true")
    assert Arrangement.objects.get().pk == first
    assert ImportJob.objects.count() == 1  # nothing was stored for the refused upload

    response = api_upload(api, file=upload(data=xlsx_bytes(GOOD_ROWS[:2])), replace="true")
    assert response.status_code == 202
    job = api.get(response.json()["url"]).json()
    assert f"原2026年度安排情况表（第{first}号）已被替换" in job["summary"]
    replaced = api.get(f"/api/v1/batch/arrangements/{first}/").json()
    new = job["result_id"]
    assert (replaced["is_current"], replaced["replaced_by"]) == (False, new) and replaced["replaced_at"]
    assert api.get(f"/api/v1/batch/arrangements/{first}/lines/").json()["count"] == 5


def test_the_api_lists_only_visible_tables(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    mine = api_for(officer).get("/api/v1/batch/arrangements/").json()
    assert [a["id"] for a in mine["results"]] == [arrangement.pk]
    city = api_for(member_of(FinanceFactory(name="长春市财政局", region=prefecture())))
    assert city.get("/api/v1/batch/arrangements/").json()["results"] == []
    assert city.get(f"/api/v1/batch/arrangements/{arrangement.pk}/").status_code == 404
    assert city.get(f"/api/v1/batch/arrangements/{arrangement.pk}/analysis/").status_code == 404


def test_the_api_analysis_has_the_three_dimensions_and_candidates(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    response = api_for(officer).get(f"/api/v1/batch/arrangements/{arrangement.pk}/analysis/")
    assert response.status_code == 200
    body = response.json()
    assert body["overview"]["total_amount_wan"] == "112.4956"
    desktop = next(c for c in body["by_category"] if c["code"] == "A02010105")
    assert desktop["unit_count"] == 2 and desktop["band_units"] == {  # 4.2 and 60.5 万元
        "under_1": 0, "1_to_5": 1, "5_to_20": 0, "20_to_100": 1, "100_up": 0}
    assert [r["name"] for r in body["by_region"]] == ["吉林省本级", "长春市"]
    assert body["by_region"][1]["region_code"] == "220100"
    assert [(c["code"], c["score"]) for c in body["candidates"]] == [
        ("A02010105", "53.6"), ("A02010108", "17.2"), ("A02021003", "12.6")]
    desktop = body["candidates"][0]
    parts = (desktop["gather"], desktop["carry"], desktop["levels"], desktop["share"])
    assert parts == ("50.0", "100.0", "0.0", "57.5")
    assert desktop["table_unit_count"] == 4 and desktop["recommended"] is False  # two units: under three
    assert desktop["large_buyers"] == [{"name": "吉林省教育厅", "amount_wan": "60.5000"}]
    assert desktop["reasoning"].startswith("纳入政府集中采购目录；共2家单位")
    assert body["candidate_rule"].startswith("仅列纳入政府集中采购目录的品目")
    assert body["amount_bands"][0]["label"] == "不足1万元"


def test_the_api_pages_units_and_lines(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    api = api_for(officer)
    units = api.get(f"/api/v1/batch/arrangements/{arrangement.pk}/units/", {"page_size": 2}).json()
    assert units["count"] == 4 and len(units["results"]) == 2
    assert units["results"][0]["unit_code"] == "101001"  # 95.5 万元, the largest
    lines = api.get(f"/api/v1/batch/arrangements/{arrangement.pk}/lines/", {"q": "打印机"}).json()
    assert lines["count"] == 1 and lines["results"][0]["category"]["code"] == "A02021003"


def test_the_api_exports_the_workbook(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    response = api_for(officer).get(f"/api/v1/batch/arrangements/{arrangement.pk}/export/", HTTP_ACCEPT=XLSX)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook["批量采购建议"]["B4"].value == "A02010105"


# --- admin ----------------------------------------------------------------------------------------

def test_the_admin_shows_tables_and_lines_read_only(client, reference, bureau, officer):
    arrangement = imported(client, officer)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    changelist = client.get(reverse("admin:batch_arrangement_changelist"))
    assert changelist.status_code == 200 and "查看5行明细" in html(changelist)
    change = client.get(reverse("admin:batch_arrangement_change", args=[arrangement.pk]))
    assert change.status_code == 200 and 'name="_save"' not in html(change)
    assert reverse("batch:proposal-new", args=[arrangement.pk]) in html(change)  # 拟定品目 from the admin
    lines = client.get(reverse("admin:batch_arrangementline_changelist"),
                       {"arrangement__id__exact": arrangement.pk, "q": "101001"})
    assert lines.status_code == 200 and html(lines).count("吉林省教育厅") >= 2
    assert client.get(reverse("admin:batch_arrangement_add")).status_code == 403

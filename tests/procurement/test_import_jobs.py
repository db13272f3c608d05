"""Import jobs: an upload leaves the request, a Celery worker imports it, the page and the API follow it.

Rules: issue 8 point 2 ("A large upload is stored and handed to Celery; the page shows its progress and
its result (rows read, errors with sheet/row/column) and the user may leave and come back; the API
answers 202 with a job to poll. Imports stay all-or-nothing. The web workers stay free for everyone else
during any import.") and the guarantees of procurement/services/imports.py: one transaction per import
with its outcome, progress visible while it is open, numbered attempts, stalled jobs queued again, the
upload deleted when the job ends.

The workers here are real: a worker thread on the configured broker (as tests/procurement/
test_celery_worker.py starts one) and, to kill one mid-import, a ``celery worker`` process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from batch.imports import arrangement_import_queue
from batch.models import Arrangement, ArrangementLine, ConfigurationTable
from procurement.celery import app
from procurement.imports import _KINDS, ImportKind, ImportOutcome, import_kind_register, sheet_error
from procurement.models import ImportJob, Membership, Notification, Reminder
from procurement.services import imports as import_services
from procurement.services.errors import ServiceError
from tests.batch.bench_arrangement import _excel_file, _table
from tests.batch.test_arrangement_import import xlsx_bytes
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    FinanceFactory,
    member_of,
    prefecture,
    province,
)
from tests.procurement.import_jobs import job_of, jobs_run
from tests.procurement.test_celery_worker import (  # noqa: F401  (fixtures)
    TIMEOUT_SECONDS,
    broker,
    drop_connection_pools,
    wait_for,
    worker_closes_its_connections,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status = ImportJob.Status
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite (a first run) allows one writer at a time and its test database lives in this process only",
)


# --- the scene --------------------------------------------------------------------------------------

@pytest.fixture
def bureau():
    return FinanceFactory(name="吉林省财政厅", region=province())


@pytest.fixture
def reference(bureau):
    BudgetUnitFactory(unit_code="101001", name="吉林省教育厅")
    BudgetUnitFactory(unit_code="101002", name="吉林省卫生健康委员会")
    CategoryFactory(code="A02010105", name="台式计算机")


@pytest.fixture
def officer(bureau):
    return member_of(bureau, first_name="王", last_name="经办")


ROWS = [("101001", "吉林省教育厅", "A02010105", 2, "1.2"), ("101002", "吉林省卫生健康委员会", "台式计算机", 3, "2.4")]


def upload(data: bytes | None = None, name: str = "2026年度安排情况表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(ROWS) if data is None else data, content_type=XLSX)


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def stored(job: ImportJob) -> bool:
    job.refresh_from_db()
    return bool(job.file) and storages["imports"].exists(job.file.name)


@pytest.fixture
def import_queue(settings, broker):  # noqa: F811
    """Import jobs go to a queue of this test only: a worker of another test run never takes them."""
    name = f"imports-test-{uuid.uuid4().hex[:10]}"
    settings.IMPORT_QUEUE = name
    yield name
    with app.connection_for_write() as conn, contextlib.suppress(Exception):  # a queue never declared
        conn.default_channel.queue_purge(name)
    # A worker started with queues=[name] narrowed the app's own queue selection (celery's Queues.select): the
    # next test's worker would consume this queue only, and never see a task sent to the default one.
    app.amqp.__dict__.pop("queues", None)


@pytest.fixture
def waiting_kind():
    """A kind whose import writes a row, reports 10 of 40 rows, then waits for the test to open its gate."""
    gate, reached = threading.Event(), threading.Event()

    def run(job, progress):
        Reminder.objects.create(key=f"import-marker-{job.pk}", subject_type="test", subject_id=job.pk, kind="test")
        progress(10, 40)
        reached.set()
        if not gate.wait(TIMEOUT_SECONDS):
            raise RuntimeError("the test never opened the gate")
        progress(40, 40)
        if job.parameters.get("fault"):
            raise RuntimeError("a fault of ours, not of the file")
        return ImportOutcome(summary="测试表已导入。", result_id=job.pk, result_url="/")

    import_kind_register(ImportKind(key="test_waiting", label="测试表", run=run, max_bytes=1 << 20,
                                    upload_url=lambda job: "/"))
    yield SimpleNamespace(gate=gate, reached=reached)
    gate.set()
    _KINDS.pop("test_waiting", None)


def waiting_job(bureau, officer, **parameters) -> ImportJob:
    job = ImportJob(kind="test_waiting", user=officer, organization=bureau, file_name="测试.xlsx",
                    parameters=parameters)
    job.file.save("测试.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job


def run_in_thread(job: ImportJob) -> tuple[threading.Thread, dict]:
    """The worker's part in a thread of its own, with its own database connection, as a worker runs it."""
    result: dict = {}

    def target() -> None:
        try:
            result["outcome"] = import_services.import_job_run(job_id=job.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def marker_written(job: ImportJob) -> bool:
    return Reminder.objects.filter(key=f"import-marker-{job.pk}").exists()


# --- the request only stores and queues; a real worker imports --------------------------------------

@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_page_only_stores_the_upload_and_a_real_worker_imports_it(
        client, import_queue, worker_closes_its_connections, reference, bureau, officer):  # noqa: F811
    """The request answers before any row is read (the web worker is free); the worker imports; the page shows it."""
    client.force_login(officer)
    started = time.monotonic()
    response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    answered = time.monotonic() - started
    job = job_of(response)
    assert (job.status, job.kind, job.organization, job.user) == (Status.QUEUED, "arrangement", bureau, officer)
    assert job.parameters == {"year": 2026, "replace": False, "replacing": None}
    assert stored(job) and job.file_name == "2026年度安排情况表.xlsx" and job.file.name.endswith(".xlsx")
    assert "2026年度安排情况表" not in job.file.name  # stored under a name of our own
    assert not Arrangement.objects.exists()
    waiting = client.get(response["Location"]).content.decode()
    assert "正在排队等待导入" in waiting and f'data-refresh="/imports/{job.pk}/status/"' in waiting
    assert answered < 5, answered

    with start_worker(app, pool="solo", queues=[import_queue], perform_ping_check=False,
                      shutdown_timeout=TIMEOUT_SECONDS):
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == Status.SUCCEEDED)

    arrangement = Arrangement.objects.get()
    assert (arrangement.row_count, arrangement.imported_by, arrangement.file_name) == (2, officer,
                                                                                      "2026年度安排情况表.xlsx")
    assert not stored(job)  # the upload is deleted once imported
    assert (job.attempts, job.result_id, job.rows_read) == (1, arrangement.pk, 3)
    done = client.get(response["Location"]).content.decode()
    assert "已导入2026年度安排情况表：共2行，采购金额合计3.60万元。合计行与各行之和一致。" in done
    assert "data-refresh=" not in done


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_api_answers_202_and_the_job_is_polled_until_a_real_worker_has_imported(
        import_queue, worker_closes_its_connections, reference, bureau, officer):  # noqa: F811
    api = api_for(officer)
    response = api.post("/api/v1/batch/arrangements/import/", {"year": 2026, "file": upload()}, format="multipart")
    assert response.status_code == 202, response.json()
    accepted = response.json()
    assert accepted["status"] == "queued" and response["Location"] == accepted["url"]
    assert not Arrangement.objects.exists()

    polled = []
    with start_worker(app, pool="solo", queues=[import_queue], perform_ping_check=False,
                      shutdown_timeout=TIMEOUT_SECONDS):
        def finished():
            body = api.get(accepted["url"]).json()
            polled.append(body["status"])
            return body if body["status"] in ("succeeded", "failed") else None

        job = wait_for(finished)
    assert job["status"] == "succeeded", job
    assert set(polled) <= {"queued", "running", "succeeded"}
    table = api.get(job["result_url"])
    assert table.status_code == 200 and table.json()["row_count"] == 2
    assert job["result_page_url"] == f"http://testserver/batch/arrangements/{table.json()['id']}/"


# --- who may see a job -----------------------------------------------------------------------------

def test_another_users_job_answers_404_and_a_colleague_reads_it(client, reference, bureau, officer):
    """A job is its uploader's and their organization's colleagues' (any seat); anyone else: 404, page and API."""
    client.force_login(officer)
    with jobs_run():
        job = job_of(client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()}))
    pages = [reverse("import-job-detail", args=[job.pk]), reverse("import-job-status", args=[job.pk])]
    api_url = f"/api/v1/import-jobs/{job.pk}/"

    stranger = member_of(FinanceFactory(name="长春市财政局", region=prefecture()))
    client.force_login(stranger)
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("import-job-requeue", args=[job.pk])).status_code == 404
    assert "尚无导入记录" in client.get(reverse("import-job-list")).content.decode()
    assert api_for(stranger).get(api_url).status_code == 404
    assert api_for(stranger).get("/api/v1/import-jobs/").json()["results"] == []
    assert api_for(member_of(CenterFactory(region=province()))).get(api_url).status_code == 404

    colleague = member_of(bureau, role=Membership.Role.VIEWER)
    client.force_login(colleague)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert api_for(colleague).get(api_url).json()["status"] == "succeeded"
    assert "尚无导入记录" in client.get(reverse("import-job-list")).content.decode()  # 我的导入: one's own

    client.force_login(officer)
    mine = client.get(reverse("import-job-list")).content.decode()
    assert f'href="/imports/{job.pk}/"' in mine and "2026年度安排情况表.xlsx" in mine and "导入成功" in mine
    assert [row["id"] for row in api_for(officer).get("/api/v1/import-jobs/").json()["results"]] == [job.pk]


def test_the_import_pages_link_to_my_imports(client, bureau, officer):
    client.force_login(officer)
    assert 'data-testid="my-imports-link"' in client.get(reverse("batch:arrangement-list")).content.decode()
    center = CenterFactory(region=province())
    client.force_login(member_of(center))
    assert 'data-testid="my-imports-link"' in client.get(reverse("batch:configuration-list")).content.decode()


# --- the page refreshes itself, without inline code ------------------------------------------------

def test_a_running_jobs_page_refreshes_its_card_with_a_static_script_and_no_inline_code(client, bureau, officer):
    """Issue 8 point 8 forbids inline script and style: a static script fetches the card; <progress> shows rows."""
    job = ImportJob.objects.create(kind="arrangement", user=officer, organization=bureau, file_name="大表.xlsx",
                                   status=Status.RUNNING, attempts=1, rows_read=35_000, started_at=timezone.now(),
                                   progress_at=timezone.now())
    client.force_login(officer)
    page = client.get(reverse("import-job-detail", args=[job.pk])).content.decode()
    assert '<script src="/static/js/import_job.js"></script>' in page
    assert f'data-refresh="/imports/{job.pk}/status/"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "正在导入：已读取 35,000 行。" in page and 'data-testid="import-progress"' in page
    assert "<script>" not in page and " style=" not in page and "onclick=" not in page

    card = client.get(reverse("import-job-status", args=[job.pk])).content.decode()
    assert card.lstrip().startswith("<div data-import-job") and "<html" not in card
    assert "已读取 35,000 行" in card

    ImportJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED, summary="已导入。", rows_total=35_000)
    card = client.get(reverse("import-job-status", args=[job.pk])).content.decode()
    assert "data-refresh=" not in card and "已导入。" in card  # the script stops on this card
    assert "noscript" not in client.get(reverse("import-job-detail", args=[job.pk])).content.decode()


# --- progress, attempts, faults -------------------------------------------------------------------

@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_imports_transaction_is_still_open(bureau, officer, waiting_kind):
    """Progress goes through a connection of its own: seen at once, though the import has committed nothing."""
    job = waiting_job(bureau, officer)
    thread, result = run_in_thread(job)
    try:
        assert waiting_kind.reached.wait(TIMEOUT_SECONDS)
        seen = ImportJob.objects.get(pk=job.pk)
        assert (seen.status, seen.attempts, seen.rows_read, seen.rows_total) == (Status.RUNNING, 1, 10, 40)
        assert not marker_written(job)  # what the import wrote is not committed yet
    finally:
        waiting_kind.gate.set()
        thread.join(TIMEOUT_SECONDS)
    seen.refresh_from_db()
    assert result["outcome"] == "succeeded"
    assert (seen.status, seen.rows_read, seen.rows_total, seen.summary) == (Status.SUCCEEDED, 40, 40, "测试表已导入。")
    assert marker_written(job)  # committed together with the job's 导入成功


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_attempt_superseded_by_a_requeue_cannot_record_its_import(
        settings, import_queue, bureau, officer, waiting_kind):
    """A job queued again (its worker looked dead) belongs to its new attempt: the old one rolls back."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = waiting_job(bureau, officer)
    thread, result = run_in_thread(job)
    try:
        assert waiting_kind.reached.wait(TIMEOUT_SECONDS)
        ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - timedelta(minutes=11))
        import_services.import_job_requeue(job=job, actor=officer)
    finally:
        waiting_kind.gate.set()
        thread.join(TIMEOUT_SECONDS)
    assert result["outcome"] == "superseded"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.QUEUED, 1) and not marker_written(job)

    assert import_services.import_job_run(job_id=job.pk) == "succeeded"  # the requeued attempt
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.SUCCEEDED, 2) and marker_written(job)


def test_a_finished_or_live_job_is_not_run_again(reference, bureau, officer):
    """acks_late: a message delivered twice finds its job finished (or running, alive) and does nothing."""
    with jobs_run():
        job = arrangement_import_queue(file=upload(), year=2026, finance_bureau=bureau, actor=officer)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert import_services.import_job_run(job_id=job.pk) == "skipped"
    assert Arrangement.objects.count() == 1 and ImportJob.objects.get(pk=job.pk).attempts == 1

    live = ImportJob.objects.create(kind="arrangement", user=officer, organization=bureau, status=Status.RUNNING,
                                    attempts=1, started_at=timezone.now(), progress_at=timezone.now())
    assert import_services.import_job_run(job_id=live.pk) == "skipped"
    assert ImportJob.objects.get(pk=live.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_fault_of_ours_fails_the_job_in_chinese_and_writes_nothing(bureau, officer, waiting_kind, caplog):
    job = waiting_job(bureau, officer, fault=True)
    waiting_kind.gate.set()
    assert import_services.import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.summary == import_services.SYSTEM_FAILURE
    assert not marker_written(job)
    assert "a fault of ours" in caplog.text  # logged for the operators, never shown to the user


def test_a_long_job_tells_its_uploader_by_message_when_it_ends(reference, bureau, officer):
    with jobs_run():
        quick = arrangement_import_queue(file=upload(), year=2026, finance_bureau=bureau, actor=officer)
    assert not Notification.objects.exists()  # they watched it finish

    slow = import_services.import_job_create(kind="arrangement", user=officer, organization=bureau,
                                             file=upload(b"not excel"), parameters={"year": 2027})
    ImportJob.objects.filter(pk=slow.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    import_services.import_job_run(job_id=slow.pk)
    message = Notification.objects.get(recipient=officer)
    assert (message.title, message.url, message.level) == ("安排情况表未导入", f"/imports/{slow.pk}/", "warning")
    assert message.body.startswith("2026年度安排情况表.xlsx：安排情况表未导入（全部数据均未写入）")
    assert quick.pk != slow.pk


# --- stalled jobs: queued again from their page; given up after a week ---------------------------

def test_a_stalled_job_is_offered_again_on_its_page_and_runs_when_requeued(client, reference, bureau, officer):
    """A worker killed (or a message lost) leaves the job silent; after STALLED_AFTER its page offers a requeue."""
    client.force_login(officer)
    response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    job = job_of(response)  # never run: this test's transaction never commits, so nothing was queued
    page = client.get(response["Location"]).content.decode()
    assert "正在排队等待导入" in page and "重新提交导入" not in page
    refused = client.post(reverse("import-job-requeue", args=[job.pk]), follow=True).content.decode()
    assert "该导入仍在进行中，请稍候，无需重新提交" in refused

    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=11))
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-stalled"' in page and "重新提交导入" in page and "data-refresh=" not in page
    with jobs_run():
        requeued = client.post(reverse("import-job-requeue", args=[job.pk]))
    done = client.get(requeued["Location"]).content.decode()
    assert "已重新提交导入" in done and "已导入2026年度安排情况表：共2行" in done
    assert Arrangement.objects.get().row_count == 2 and not stored(job)

    again = client.post(reverse("import-job-requeue", args=[job.pk]), follow=True).content.decode()
    assert "该导入已结束，不能重新提交；如需再次导入，请重新上传文件" in again
    client.force_login(member_of(bureau, role=Membership.Role.VIEWER))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED, queued_at=timezone.now() - timedelta(hours=1))
    refused = client.post(reverse("import-job-requeue", args=[job.pk]), follow=True).content.decode()
    assert "您无权重新提交该导入任务" in refused


def test_clean_deletes_leftover_uploads_and_gives_up_jobs_silent_for_a_week(bureau, officer):
    def job_with_file(**fields) -> ImportJob:
        job = ImportJob(kind="arrangement", user=officer, organization=bureau, file_name="表.xlsx", **fields)
        job.file.save("表.xlsx", ContentFile(b"PK"), save=False)
        job.save()
        return job

    now = timezone.now()
    finished = job_with_file(status=Status.SUCCEEDED)  # its worker died between the commit and the deletion
    abandoned = job_with_file(status=Status.RUNNING, attempts=1, progress_at=now - timedelta(days=8))
    recent = job_with_file(status=Status.RUNNING, attempts=1, progress_at=now - timedelta(days=1))

    assert import_services.import_jobs_clean(now=now) == {"files": 1, "given_up": 1}
    assert not stored(finished) and not stored(abandoned) and stored(recent)
    abandoned.refresh_from_db()
    assert abandoned.status == Status.FAILED and abandoned.summary == import_services.GIVEN_UP
    assert ImportJob.objects.get(pk=recent.pk).status == Status.RUNNING  # may still be queued again


# --- what the request refuses itself --------------------------------------------------------------

def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(client):
    from tests.batch.test_task_notices import build_world

    world = build_world()
    client.force_login(world.center_user)
    big = SimpleUploadedFile("配置表.xlsx", b"PK" + b"\0" * (5 * 1024 * 1024), content_type=XLSX)
    response = client.post(reverse("batch:configuration-import-new"), {"center": world.center.pk, "file": big})
    assert response.status_code == 400
    assert "文件过大（5.0MB）：产品配置表文件不能超过5MB，请检查是否选错了文件，或分表导入" in response.content.decode()
    assert not ImportJob.objects.exists() and not ConfigurationTable.objects.exists()


def test_a_year_with_a_current_table_asks_before_anything_is_stored(client, reference, bureau, officer):
    with jobs_run():
        arrangement_import_queue(file=upload(), year=2026, finance_bureau=bureau, actor=officer)
    client.force_login(officer)
    response = client.post(reverse("batch:arrangement-list"), {"year": 2026, "file": upload()})
    assert response.status_code == 200 and 'data-testid="replace-required"' in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_a_table_made_current_while_the_job_waited_fails_it_asking_to_confirm(reference, bureau, officer):
    """Issue 7 point 3 still holds when the job runs: replacing a current table needs the user's confirmation."""
    waiting = arrangement_import_queue(file=upload(), year=2026, finance_bureau=bureau, actor=officer)
    with jobs_run():  # another import of the same year is queued and done first
        arrangement_import_queue(file=upload(), year=2026, finance_bureau=bureau, actor=officer)
    first = Arrangement.objects.get()
    assert import_services.import_job_run(job_id=waiting.pk) == "failed"
    waiting.refresh_from_db()
    assert waiting.summary.startswith(f"安排情况表未导入：吉林省财政厅2026年度已有现行安排情况表（第{first.pk}号")
    assert waiting.summary.endswith("如确需替换，请回到安排情况表页面重新导入，并勾选「确认替换现行表」。")
    assert Arrangement.objects.get() == first and not stored(waiting)


# --- errors read into sheet, row and column ------------------------------------------------------

@pytest.mark.parametrize(("text", "place"), [
    ("工作表「Sheet1」第3行「单位代码」列：单位代码「999999」不是平台已登记的预算单位", ("Sheet1", 3, "单位代码")),
    ("工作表「Sheet1」第5行B列（采购标的品目）：未找到名称为「X」的品目", ("Sheet1", 5, "B（采购标的品目）")),
    ("工作表「表」第2行C列（配置1（通用办公型））：只有配置名称", ("表", 2, "C（配置1（通用办公型））")),
    ("工作表「Sheet1」第7行：合计行重复（第3行已有合计行）", ("Sheet1", 7, "")),
    ("工作表「Sheet1」：表头下没有数据行", ("Sheet1", None, "")),
    ("工作表“安排情况”第12行C列：单元格内容无法读取", ("安排情况", 12, "C")),
    ("文件是空的（0字节），请选择填好的安排情况表Excel文件", ("", None, "")),
])
def test_each_error_is_read_into_its_sheet_row_and_column(text, place):
    error = sheet_error(text)
    assert (error.sheet, error.row, error.column) == place
    assert error.message == text  # the whole sentence, as the pages have always shown it


# --- a worker process killed mid-import -------------------------------------------------------------

def _database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings.get("PASSWORD"):
        credentials += f":{quote(settings['PASSWORD'])}"
    return (f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
            f"{settings['NAME']}")


@pytest.fixture
def worker_process(settings, import_queue, tmp_path):
    """``celery -A procurement worker`` processes on this test's database, broker and queue."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "IMPORT_QUEUE": import_queue,
           "CELERY_TASK_ALWAYS_EAGER": "0", "PORTAL_VAR_DIR": str(tmp_path / "var"),
           "IMPORT_ROOT": str(settings.STORAGES["imports"]["OPTIONS"]["location"])}
    if not settings.REDIS_URL:  # the file-system broker: the folders the process will use, for this one too
        folder = tmp_path / "var" / "celery-broker"
        for sub in ("processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(folder), "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        drop_connection_pools(app)
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = open(tmp_path / f"worker{len(started)}.log", "wb")  # noqa: SIM115  closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procurement", "worker", "--pool", "solo", "-Q", import_queue,
             "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@on_postgresql
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_the_database_unchanged_and_the_job_can_be_queued_again(
        worker_process, bureau, officer, tmp_path):
    """All or nothing: the import is one transaction, so a worker killed while it runs leaves no row behind;
    the job keeps its file, is seen to stall, and a new worker imports it once."""
    rows = 20_000
    units = [(f"BK{i:04d}", f"测试预算单位{i:04d}") for i in range(60)]
    for code, name in units:
        BudgetUnitFactory(unit_code=code, name=name, region=bureau.region)
    categories = [("A02010105", "台式计算机"), ("A02010108", "便携式计算机"), ("A02021003", "A4黑白打印机")]
    for code, name in categories:
        CategoryFactory(code=code, name=name)
    path = tmp_path / "大表.xlsx"
    _excel_file(path, _table(rows, 2026, units, categories), rows=rows + rows // 1000 + 5)

    with open(path, "rb") as handle:
        job = arrangement_import_queue(file=SimpleUploadedFile("大表.xlsx", handle.read(), content_type=XLSX),
                                       year=2026, finance_bureau=bureau, actor=officer)
    first = worker_process()
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).rows_read >= 2000, timeout=120)
    assert not Arrangement.objects.exists()  # mid-import: nothing committed, though rows were read
    os.kill(first.pid, signal.SIGKILL)
    first.wait(TIMEOUT_SECONDS)

    time.sleep(1)  # PostgreSQL rolls back the dead connection's transaction
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.RUNNING, 1) and job.rows_read >= 2000
    assert not Arrangement.objects.exists() and not ArrangementLine.objects.exists()
    assert stored(job)
    with pytest.raises(ServiceError, match="仍在进行中"):
        import_services.import_job_requeue(job=job, actor=officer)

    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - timedelta(minutes=11))
    import_services.import_job_requeue(job=job, actor=officer)
    worker_process()
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status in (Status.SUCCEEDED, Status.FAILED), timeout=180)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.SUCCEEDED, 2), job.summary
    arrangement = Arrangement.objects.get()
    assert arrangement.row_count == rows and arrangement.lines.count() == rows
    assert not stored(job)

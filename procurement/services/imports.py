"""Import jobs (issue 8 point 2): the request stores the upload and queues it; a Celery worker imports it.

- ``import_job_create`` (the request): the upload goes to the private import storage and a job is queued
  once the row is committed. The web worker is free again as soon as the file is on disk.
- ``import_job_run`` (the worker, ``procurement.tasks.import_run``): claims the job, runs its kind's import
  in ONE transaction, and records the outcome in that same transaction, so a job is marked 导入成功 exactly
  when its import is committed. A worker killed mid-import leaves the database as it was (the transaction
  dies with its connection) and the job 正在导入 until it is seen to have stalled; it may then be queued
  again (``import_job_requeue``), and a late duplicate of its message finds it finished or running and
  does nothing. Each attempt is numbered; an attempt that was superseded cannot record its outcome.
- Progress is written on a second database connection, committed at once, so the page sees the rows read
  while the import's own transaction is still open (``_ProgressWriter``).
- The upload is deleted when the job ends, successful or not: what was imported is in the database (with
  the file's name and SHA-256 where the import keeps them, and the audit log), and a refused file is
  corrected and uploaded again. Only a stalled job keeps its file, to be queued again; after
  ``KEEP_STALLED`` it is given up and its file deleted (``import_jobs_clean``, hourly).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Q
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import ROW_COUNT
from django.urls import reverse
from django.utils import timezone

from procurement.imports import ImportFailed, ImportKind, ImportOutcome, import_kind
from procurement.models import ImportJob, Notification
from procurement.selectors.imports import import_job_may_requeue
from procurement.services.errors import ServiceError

logger = logging.getLogger(__name__)

Status = ImportJob.Status

MAX_STORED_ERRORS = 200  # a file this wrong is corrected and uploaded again: the first 200 say what to fix
PROGRESS_INTERVAL_SECONDS = 0.5  # at most two progress writes a second, however often the import reports
NOTIFY_AFTER = timedelta(seconds=10)  # a job that ran longer tells its user by a message when it ends
KEEP_STALLED = timedelta(days=7)
SYSTEM_FAILURE = ("导入时平台发生内部错误，未导入任何数据（数据库未作任何更改）。"
                  "请稍后重新上传；如仍不成功，请联系平台管理员。")
GIVEN_UP = (f"导入中断后{KEEP_STALLED.days}天内未重新排队，已停止，上传的文件已删除。"
            "数据库未作任何更改；如需导入，请重新上传文件。")


def import_job_url(job: ImportJob) -> str:
    return reverse("import-job-detail", args=[job.pk])


# --- the request ------------------------------------------------------------------------------------

def import_job_create(*, kind: str, user, organization, file: File, file_name: str = "",
                      parameters: dict | None = None) -> ImportJob:
    """Store ``file`` privately and queue its import as ``kind`` for ``organization``, by ``user``.

    The caller has checked what can be checked without reading the file (the user's right, the target,
    a replacement to confirm); everything inside the file is the worker's to check. Raises ``ServiceError``
    for an unknown kind or a file over the kind's size limit (nothing is stored then).
    """
    spec = _kind(kind)
    size = file.size or 0
    if size > spec.max_bytes:
        limit = spec.max_bytes // (1024 * 1024)
        raise ServiceError(f"文件过大（{size / 1024 / 1024:.1f}MB）：{spec.label}文件不能超过{limit}MB，"
                           "请检查是否选错了文件，或分表导入", field="file")
    name = (file_name or getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    job = ImportJob(kind=kind, user=user, organization=organization, file_name=name[:255], file_size=size,
                    parameters=parameters or {})
    job.file.save(name or "upload.xlsx", file, save=False)
    try:
        job.save()
    except Exception:
        job.file.delete(save=False)
        raise
    transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    """Hand the job to Celery. Should the broker be down, the job stays 排队中 and is seen to stall."""
    from procurement import tasks

    tasks.import_run.apply_async((job_id,), queue=settings.IMPORT_QUEUE or None)


def _kind(key: str) -> ImportKind:
    spec = import_kind(key)
    if spec is None:
        raise ServiceError(f"未知的导入类型「{key}」")
    return spec


# --- the worker -------------------------------------------------------------------------------------

class _Superseded(Exception):
    """This attempt is no longer the job's (it was queued again meanwhile): roll its import back."""


class _ProgressWriter:
    """The ``progress(rows_read, rows_total)`` callback of an import: writes to the job on its own connection.

    The import runs in one transaction on the default connection, and nothing it writes is visible to
    anyone else until it commits; progress written there would be just as invisible (and rolled back with
    a refused file). So progress goes through a second connection in autocommit, one short UPDATE at a
    time, and the page sees it at once. That UPDATE never waits for the import: the import touches the job
    row only at its very end, after its last progress call, in the same thread. Each write is fenced by the
    attempt number, so a superseded attempt cannot move a newer one's figures.

    SQLite (a first run without a database server) allows one writer at a time: the second connection
    would wait for the import's commit. There the page shows 正在导入 without the count.
    """

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.rows_read = 0
        self.rows_total: int | None = None
        self._connection = None
        self._written_at = 0.0
        self._broken = connections[DEFAULT_DB_ALIAS].vendor == "sqlite"

    def __call__(self, rows_read: int, rows_total: int | None = None) -> None:
        self.rows_read, self.rows_total = rows_read, rows_total
        now = time.monotonic()
        if self._broken or now - self._written_at < PROGRESS_INTERVAL_SECONDS:
            return
        self._written_at = now
        try:
            self._write()
        except DatabaseError:
            # A progress figure is not worth failing an import for: the result is still recorded at the end.
            logger.warning("import job %s: progress not written", self.job_id, exc_info=True)
            self._broken = True

    def _write(self) -> None:
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        query = ImportJob.objects.filter(pk=self.job_id, attempts=self.attempt, status=Status.RUNNING).query
        update = query.chain(UpdateQuery)
        update.add_update_values({"rows_read": self.rows_read, "rows_total": self.rows_total,
                                  "progress_at": timezone.now()})
        update.get_compiler(connection=self._connection).execute_sql(ROW_COUNT)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def import_job_run(*, job_id: int) -> str:
    """Run job ``job_id`` (queued, or running but stalled); answers what became of it, for the task's log."""
    attempt = _claim(job_id)
    if attempt is None:
        return "skipped"  # finished, running elsewhere, or gone
    job = ImportJob.objects.select_related("user", "organization").get(pk=job_id)
    progress = _ProgressWriter(job.pk, attempt)
    try:
        spec = _kind(job.kind)
        with transaction.atomic():
            outcome = spec.run(job, progress)
            if not _succeed(job, attempt, outcome, progress):
                raise _Superseded
    except _Superseded:
        return "superseded"
    except ImportFailed as failed:
        _fail(job, attempt, failed.summary, [e.as_data() for e in failed.errors], progress)
        outcome = None
    except ServiceError as error:
        _fail(job, attempt, error.message, [], progress)
        outcome = None
    except Exception:
        logger.exception("import job %s (%s) failed", job_id, job.kind)
        _fail(job, attempt, SYSTEM_FAILURE, [], progress)
        outcome = None
    finally:
        progress.close()
    _discard_file(job)
    return "succeeded" if outcome is not None else "failed"


def _claim(job_id: int) -> int | None:
    """Mark the job running under a new attempt number; None when it is not ours to run."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not (job.status == Status.QUEUED or (job.status == Status.RUNNING and job.is_stalled(now))):
            return None
        job.status, job.attempts = Status.RUNNING, job.attempts + 1
        job.started_at = job.progress_at = now
        job.rows_read, job.rows_total = 0, None
        job.save(update_fields=["status", "attempts", "started_at", "progress_at", "rows_read", "rows_total"])
        return job.attempts


def _record(job: ImportJob, attempt: int, **values) -> bool:
    """Write the outcome of attempt ``attempt``, unless the job has been queued again since."""
    now = timezone.now()
    return bool(ImportJob.objects.filter(pk=job.pk, attempts=attempt, status=Status.RUNNING)
                .update(finished_at=now, progress_at=now, **values))


def _succeed(job: ImportJob, attempt: int, outcome: ImportOutcome, progress: _ProgressWriter) -> bool:
    """Inside the import's transaction: the job is 导入成功 exactly when the import commits."""
    recorded = _record(job, attempt, status=Status.SUCCEEDED, summary=outcome.summary, errors=[],
                       result_id=outcome.result_id, result_url=outcome.result_url, rows_read=progress.rows_read,
                       rows_total=progress.rows_total)
    if recorded:
        _tell(job, title=f"{_label(job)}导入完成", body=outcome.summary, level=Notification.Level.INFO)
    return recorded


def _fail(job: ImportJob, attempt: int, summary: str, errors: list[dict], progress: _ProgressWriter) -> None:
    shown = errors[:MAX_STORED_ERRORS]
    if len(errors) > len(shown):
        summary += f"（共{len(errors)}处错误，以下列出前{len(shown)}处）"
    with transaction.atomic():
        if _record(job, attempt, status=Status.FAILED, summary=summary, errors=shown, result_id=None,
                   result_url="", rows_read=progress.rows_read, rows_total=progress.rows_total):
            _tell(job, title=f"{_label(job)}未导入", body=summary, level=Notification.Level.WARNING)


def _label(job: ImportJob) -> str:
    spec = import_kind(job.kind)
    return spec.label if spec else "文件"


def _tell(job: ImportJob, *, title: str, body: str, level: str) -> None:
    """A message to the uploader when a long job ends: they may have left the page long ago."""
    if job.user is None or timezone.now() - job.created_at < NOTIFY_AFTER:
        return
    Notification.objects.create(recipient=job.user, organization=job.organization, level=level, title=title[:200],
                                body=f"{job.file_name}：{body}"[:2000], url=import_job_url(job))


def _discard_file(job: ImportJob) -> None:
    """Delete the upload of a finished job (see the module docstring for why none is kept)."""
    if not job.file:
        return
    try:
        job.file.delete(save=False)
    except OSError:
        logger.warning("import job %s: upload %s not deleted", job.pk, job.file.name, exc_info=True)
        return
    ImportJob.objects.filter(pk=job.pk).update(file="")


# --- the user ---------------------------------------------------------------------------------------

def import_job_requeue(*, job: ImportJob, actor) -> ImportJob:
    """Queue a stalled job again (its worker died, or its message was lost), with the file it still keeps."""
    if not import_job_may_requeue(job=job, user=actor):
        raise PermissionDenied("您无权重新提交该导入任务")
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.finished:
            raise ServiceError("该导入已结束，不能重新提交；如需再次导入，请重新上传文件")
        if not locked.is_stalled():
            raise ServiceError("该导入仍在进行中，请稍候，无需重新提交")
        if not locked.file:
            raise ServiceError("上传的文件已不存在，请重新上传文件")
        locked.status, locked.queued_at = Status.QUEUED, timezone.now()
        locked.save(update_fields=["status", "queued_at"])
        transaction.on_commit(partial(_enqueue, locked.pk), robust=True)
    return locked


# --- housekeeping (celery beat) --------------------------------------------------------------------

def import_jobs_clean(*, now: datetime | None = None) -> dict[str, int]:
    """Delete the uploads finished jobs left behind, and give up jobs stalled for ``KEEP_STALLED``."""
    now = now or timezone.now()
    counts = {"files": 0, "given_up": 0}
    for job in ImportJob.objects.filter(status__in=ImportJob.FINISHED).exclude(file=""):
        _discard_file(job)
        counts["files"] += 1
    cutoff = now - KEEP_STALLED
    abandoned = ImportJob.objects.filter(Q(status=Status.QUEUED, queued_at__lt=cutoff)
                                         | Q(status=Status.RUNNING, progress_at__lt=cutoff))
    for job in abandoned:
        if ImportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
                status=Status.FAILED, summary=GIVEN_UP, finished_at=now):
            _discard_file(job)
            counts["given_up"] += 1
    return counts

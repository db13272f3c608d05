"""The batch imports as import jobs (issue 8 point 2): the arrangement table and the configuration table.

Every upload of either table goes to a Celery worker, small or large: one path for all (a small file is
done within a second or two and its page shows the result as soon as it loads), and no request ever
holds a web worker for the length of an import. The ``*_queue`` functions are what pages and API call:
they check, before anything is stored, what needs no reading of the file (the user's right, the target,
a year's current table to confirm replacing: the pages and the API ask the same questions as before),
then store the file and queue the job. The registered ``run`` of each kind is what the worker calls: the
existing import service, with a progress callback, its refusals turned into ``ImportFailed``.
"""

from __future__ import annotations

from django.core.files import File
from django.urls import reverse

from batch import arrangement, configuration
from batch.arrangement import ArrangementImportError, ArrangementReplaceRequired, arrangement_import
from batch.configuration import ImportRefused, configuration_table_import
from batch.models import ConfigurationTable, TaskNotice
from procurement.formats import wan_text
from procurement.imports import (
    ImportFailed,
    ImportKind,
    ImportOutcome,
    Progress,
    import_kind_register,
)
from procurement.models import ImportJob, Organization
from procurement.services.errors import REFUSALS, ServiceError
from procurement.services.imports import import_job_create

ARRANGEMENT = "arrangement"
CONFIGURATION_NEW = "configuration_new"
CONFIGURATION_INTO = "configuration_into"


def _actor(job: ImportJob):
    """The uploader, whose rights are checked again by the service when the job runs."""
    if job.user is None or not job.user.is_active:
        raise ImportFailed("导入人的账号已停用或已删除，未导入。")
    return job.user


def _refusal(error: Exception) -> ImportFailed:
    """A refusal of the service (its Chinese sentence): the uploader's right withdrawn, a task withdrawn…"""
    text = error.message if isinstance(error, ServiceError) else str(error)
    return ImportFailed(text or "您无权执行此导入。")


def _upload(job: ImportJob) -> File:
    """The stored upload, under the name the user gave it (the services record it in the audit log)."""
    return File(job.file.open("rb"), name=job.file_name)


# --- 安排情况表 ----------------------------------------------------------------------------------------

def arrangement_import_queue(*, file: File, year: int, finance_bureau: Organization, actor, file_name: str = "",
                             replace: bool = False, replacing: int | None = None) -> ImportJob:
    """Queue ``file`` as ``finance_bureau``'s arrangement table for ``year``.

    Raises, before storing anything, what ``arrangement_import`` would raise before reading the file:
    ``PermissionDenied``, ``ServiceError`` (not a finance bureau, a wrong year) and
    ``ArrangementReplaceRequired`` (a current table for the year, not confirmed). The worker checks all
    of it again when it runs the job.
    """
    arrangement.arrangement_import_check(year=year, finance_bureau=finance_bureau, actor=actor, replace=replace,
                                         replacing=replacing)
    return import_job_create(kind=ARRANGEMENT, user=actor, organization=finance_bureau, file=file,
                             file_name=file_name, parameters={"year": year, "replace": replace,
                                                              "replacing": replacing})


def _arrangement_run(job: ImportJob, progress: Progress) -> ImportOutcome:
    parameters = job.parameters
    try:
        with _upload(job) as upload:
            result = arrangement_import(file=upload, year=parameters["year"], finance_bureau=job.organization,
                                        actor=_actor(job), file_name=job.file_name,
                                        replace=parameters.get("replace", False),
                                        replacing=parameters.get("replacing"), progress=progress)
    except ArrangementReplaceRequired as error:
        # Another import of the same year became current after this one was queued.
        raise ImportFailed(f"{error.message}如确需替换，请回到安排情况表页面重新导入，"
                           "并勾选「确认替换现行表」。") from None
    except ArrangementImportError as error:
        summary = (f"安排情况表未导入（全部数据均未写入），共发现{len(error.errors)}处错误，"
                   "请按下列提示修改后重新导入。")
        if error.truncated:
            summary += "错误较多，仅列出前面部分，其余行未再检查。"
        raise ImportFailed(summary, error.errors) from None
    except REFUSALS as error:
        raise _refusal(error) from None
    table = result.arrangement
    text = (f"已导入{table.year}年度安排情况表：共{table.row_count:,}行，"
            f"采购金额合计{wan_text(table.total_amount_wan)}。")
    text += "合计行与各行之和一致。" if result.total_row_checked else "表中没有合计行，未核对合计。"
    if result.superseded is not None:
        text += (f"原{table.year}年度安排情况表（第{result.superseded.pk}号）已被替换，"
                 "其明细和三维度分析仍可查看。")
    return ImportOutcome(summary=text, result_id=table.pk,
                         result_url=reverse("batch:arrangement-detail", args=[table.pk]))


import_kind_register(ImportKind(
    key=ARRANGEMENT, label="安排情况表", run=_arrangement_run, max_bytes=arrangement.MAX_FILE_BYTES,
    upload_url=lambda job: reverse("batch:arrangement-list"), result_label="查看安排情况表",
    result_api_url=lambda pk: reverse("batch-api:arrangement-detail", args=[pk]),
))


# --- 产品配置表 -----------------------------------------------------------------------------------------

def configuration_import_queue(*, file: File, actor, table: ConfigurationTable | None = None,
                               center: Organization | None = None, task: TaskNotice | None = None,
                               file_name: str = "") -> ImportJob:
    """Queue ``file`` into ``table``, or as a new table of ``center`` (for ``task``).

    Raises, before storing anything, what ``configuration_table_import`` would raise before reading the
    file: not the center's member (``PermissionDenied``), a task not acknowledged or not the center's, a
    table already used by a project (``ServiceError``).
    """
    configuration.configuration_import_check(actor=actor, table=table, center=center, task=task)
    if table is None:
        return import_job_create(kind=CONFIGURATION_NEW, user=actor, organization=center, file=file,
                                 file_name=file_name, parameters={"task": task.pk if task else None})
    return import_job_create(kind=CONFIGURATION_INTO, user=actor, organization=table.center, file=file,
                             file_name=file_name, parameters={"table": table.pk})


def _configuration_run(job: ImportJob, progress: Progress) -> ImportOutcome:
    parameters = job.parameters
    table = task = None
    if job.kind == CONFIGURATION_INTO:
        table = ConfigurationTable.objects.filter(pk=parameters["table"]).first()
        if table is None:
            raise ImportFailed("要导入的产品配置表已被删除，未导入。")
    elif parameters.get("task"):
        task = TaskNotice.objects.filter(pk=parameters["task"]).first()
        if task is None:
            raise ImportFailed("所选的任务通知单已不存在，未导入。")
    try:
        with _upload(job) as upload:
            made = configuration_table_import(file=upload, actor=_actor(job), table=table,
                                              center=job.organization if table is None else None, task=task,
                                              progress=progress)
    except ImportRefused as error:
        raise ImportFailed(f"导入失败，未做任何更改。请修改文件中的以下{len(error.errors)}处错误后重新导入：",
                           error.errors) from None
    except REFUSALS as error:
        raise _refusal(error) from None
    categories = made.types.values("category_id").distinct().count()
    done = "产品配置表已按导入文件更新" if table is not None else "产品配置表已导入"
    return ImportOutcome(summary=f"{done}：{made.title}，共{categories}个品目、{made.types.count()}款配置。",
                         result_id=made.pk, result_url=reverse("batch:configuration-detail", args=[made.pk]))


def _configuration_upload_url(job: ImportJob) -> str:
    if job.kind == CONFIGURATION_INTO and ConfigurationTable.objects.filter(pk=job.parameters.get("table")).exists():
        return reverse("batch:configuration-detail", args=[job.parameters["table"]])
    return reverse("batch:configuration-list")


for _key in (CONFIGURATION_NEW, CONFIGURATION_INTO):
    import_kind_register(ImportKind(
        key=_key, label="产品配置表", run=_configuration_run, max_bytes=configuration.MAX_FILE_BYTES,
        upload_url=_configuration_upload_url, result_label="查看产品配置表",
        result_api_url=lambda pk: reverse("batch-api:configuration-table-detail", args=[pk]),
    ))

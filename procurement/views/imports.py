"""导入任务 pages (issue 8 point 2): a job's progress and result, the user's recent imports, re-queueing.

The import pages (arrangement, configuration) store the upload and redirect here. The page shows the
job's status card and, while the job is queued or running, ``static/js/import_job.js`` fetches the card
again (``…/status/``) every couple of seconds, with no inline script or style (the portal's
Content-Security-Policy forbids both); without JavaScript a ``<meta http-equiv="refresh">`` does the same.
A job is its uploader's and their organization's colleagues'; anyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from procurement.imports import import_kind
from procurement.models import ImportJob
from procurement.selectors.imports import import_job_may_requeue, import_jobs_of, import_jobs_visible
from procurement.services import imports as import_services
from procurement.services.errors import REFUSALS
from procurement.views.common import paginate, refusal_message

REFRESH_SECONDS = 2


def _job(request, pk: int) -> ImportJob:
    return get_object_or_404(import_jobs_visible(request.user), pk=pk)


def _card_context(request, job: ImportJob) -> dict:
    kind = import_kind(job.kind)
    return {
        "job": job,
        "kind": kind,
        "kind_label": kind.label if kind else "文件",
        "upload_url": kind.upload_url(job) if kind else "",
        "result_label": kind.result_label if kind else "查看导入结果",
        "stalled": job.is_stalled(),
        "may_requeue": import_job_may_requeue(job=job, user=request.user),
        "refresh_seconds": REFRESH_SECONDS,
    }


@login_required
def import_job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "imports/job_detail.html", _card_context(request, job))


@login_required
def import_job_status(request, pk: int):
    """The status card alone: what the page's script swaps in while the job runs."""
    job = _job(request, pk)
    return render(request, "imports/_job_status.html", _card_context(request, job))


@require_POST
@login_required
def import_job_requeue(request, pk: int):
    job = _job(request, pk)
    try:
        import_services.import_job_requeue(job=job, actor=request.user)
    except REFUSALS as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, "已重新提交导入，文件仍是原先上传的文件。")
    return redirect("import-job-detail", pk=job.pk)


@login_required
def import_job_list(request):
    """我的导入: the user's uploads, newest first, with their status."""
    jobs = import_jobs_of(request.user)
    page = paginate(request, jobs)
    now = timezone.now()
    for job in page:
        kind = import_kind(job.kind)
        job.kind_label = kind.label if kind else "文件"
        job.stalled = job.is_stalled(now)
    return render(request, "imports/job_list.html", {"page": page})

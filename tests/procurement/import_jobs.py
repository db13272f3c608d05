"""Helpers for tests of pages and API actions whose uploads become import jobs (issue 8 point 2).

An upload is queued once its job row is committed (``transaction.on_commit``). A test wrapped in a
transaction never commits: ``jobs_run()`` runs the callbacks queued inside the block when it ends, as the
commit would. With the test settings' eager Celery, the job then runs at once, in this thread, after the
request that queued it has answered, as a worker would run it.
"""

from __future__ import annotations

from django.test import TestCase
from django.urls import resolve

from procurement.models import ImportJob


def jobs_run():
    return TestCase.captureOnCommitCallbacks(execute=True)


def job_of(response) -> ImportJob:
    """The job a page redirected to (its Location is /imports/<id>/) or an API action answered with."""
    if response.status_code == 202:
        return ImportJob.objects.get(pk=response.json()["id"])
    assert response.status_code == 302, response.content.decode()[:2000]
    match = resolve(response["Location"])
    assert match.url_name == "import-job-detail", response["Location"]
    return ImportJob.objects.get(pk=match.kwargs["pk"])

"""Reads of import jobs: a job is its uploader's and their organization's colleagues', nobody else's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from procurement import access
from procurement.models import ImportJob


def import_jobs_visible(user) -> QuerySet[ImportJob]:
    """The user's own jobs and those of the organizations the user acts for (any active seat)."""
    jobs = ImportJob.objects.select_related("user", "organization")
    if user is None or not user.is_authenticated:
        return jobs.none()
    return jobs.filter(Q(user_id=user.pk) | Q(organization_id__in=access.org_ids(user)))


def import_jobs_of(user) -> QuerySet[ImportJob]:
    """我的导入: the jobs the user uploaded, newest first."""
    return import_jobs_visible(user).filter(user_id=user.pk).order_by("-created_at", "-pk")


def import_job_may_requeue(*, job: ImportJob, user) -> bool:
    """The uploader, or a colleague who may write for the organization."""
    if user is None or not user.is_authenticated:
        return False
    return job.user_id == user.pk or access.acts_for(user, job.organization_id, write=True)

"""Publishing notices. The mode apps call ``notice_publish``; notices never call back into them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from notices.models import Notice, NoticeAttachment
from procurement.models import Contract, Organization, Project, Region
from procurement.services.errors import ServiceError
from procurement.services.events import event_record


@transaction.atomic
def notice_publish(
    *,
    type: str,
    title: str,
    body: str,
    region: Region | None = None,
    project: Project | None = None,
    publisher: Organization | None = None,
    actor=None,
    published_at: datetime | None = None,
    contract: Contract | None = None,
    attachments: Iterable[tuple[str, File | str]] = (),
) -> Notice:
    """Publish a notice on the public portal. ``attachments`` are (title, file) published with it; a file given
    by its storage name (a string) is the stored file itself, not a copy."""
    title, body = title.strip(), body.strip()
    if type not in Notice.Type.values:
        raise ServiceError(f"未知的公告类型「{type}」", field="type")
    if not title:
        raise ServiceError("公告标题不能为空", field="title")
    if not body:
        raise ServiceError("公告正文不能为空", field="body")
    if region is None:
        if project is None:
            raise ServiceError("请指定公告所属区划或采购项目", field="region")
        region = project.scope_region
    notice = Notice.objects.create(
        type=type,
        title=title,
        body=body,
        region=region,
        project=project,
        contract=contract,
        publisher=publisher or (project.organizer if project else None),
        published_at=published_at or timezone.now(),
        published_by=actor if actor is not None and actor.is_authenticated else None,
    )
    for attachment_title, file in attachments:
        attachment = NoticeAttachment(notice=notice, title=attachment_title[:200])
        if isinstance(file, str):
            attachment.file.name = file
        else:
            attachment.file = file
        attachment.save()
    if project is not None:
        event_record(subject=project, action="notice_publish", action_label="发布公告", actor=actor,
                     changes={"notice_id": notice.pk, "type": type, "title": title})
    return notice

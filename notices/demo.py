"""Demo notices for the demo province (called by procurement's seed_demo through its app discovery).

The notices of the awarded batch project, which the core demo builds in the past. The batch project
collecting sub-plans publishes its own solicitation notice through ``batch_solicitation_publish``
(batch/demo.py), as a center does.
"""

from __future__ import annotations

from datetime import timedelta

from notices.models import Notice
from notices.services import notice_publish
from procurement.models import Project
from procurement.services.demo import CENTER_NAME, batch_awarded_project


def _publish_once(project: Project, notice_type: str, **fields) -> None:
    if not Notice.objects.filter(project=project, type=notice_type).exists():
        notice_publish(type=notice_type, project=project, publisher=project.organizer, **fields)


def demo_extend(*, users: dict) -> dict[str, tuple[int, int]]:
    before = Notice.objects.count()
    actor = users.get("center")

    awarded = batch_awarded_project()
    if awarded is not None:
        _publish_once(
            awarded, Notice.Type.PROCUREMENT, actor=actor,
            published_at=awarded.response_deadline + timedelta(days=5),
            title=f"{awarded.title}公开招标公告",
            body=f"{CENTER_NAME}受省直各预算单位委托，对{awarded.title}进行公开招标，欢迎合格供应商参加。",
        )
        # Its award notice (with the procurement documents it publishes) and its contract notices come with the
        # batch details (batch/demo.py), as 定标 and 合同公告 publish them.

    total = Notice.objects.count()
    return {"公告": (total, total - before)}

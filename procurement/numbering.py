"""项目编号: the one numbering scheme of every project, whatever its mode, and of the contracts under it.

A project code reads ``JL{mode}-{year}-{sequence}``, e.g. ``JLPL-2027-0001``:

- ``JL`` for Jilin, then the mode's two letters (``MODE_CODES``: PL 批量, KJ 框架, DL 带量);
- the year the project is opened (立项), in the portal's time zone (Asia/Shanghai), not its budget
  year: a project opened in January 2027 for the 2026 budget is ``JLPL-2027-…``;
- a sequence per mode and year, four digits, starting at 0001 (it grows past 9999 if it must).

A contract code is its project's code followed by ``-HT`` and a four-digit number (统采分签: one per unit).

Two centers opening at the same moment may draw the same number: the unique code decides, and the
loser draws again (``project_save_numbered``). Every project is numbered here: opened by a mode's service,
made by the demo, or added as a draft in the admin (where the code is not typed in).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length
from django.utils import timezone

from procurement.models import Mode, Project
from procurement.services.errors import ServiceError

PROVINCE_CODE = "JL"  # 吉林
MODE_CODES = {
    Mode.BATCH: "PL",  # 批量集中采购
    Mode.FRAMEWORK: "KJ",  # 框架协议采购
    Mode.VOLUME: "DL",  # 集中带量采购
}
SEQUENCE_DIGITS = 4
CONTRACT_DIGITS = 4
# Draws of a number before giving up (each lost draw means another opening committed that number meanwhile).
DRAWS = 5

PROJECT_CODE = re.compile(r"^JL(?P<mode>[A-Z]{2})-(?P<year>\d{4})-(?P<sequence>\d{4,})$")


def opening_year(at: datetime | None = None) -> int:
    """The year of ``at`` (default: now) on the portal's clock."""
    return timezone.localdate(at or timezone.now()).year


def _prefix(mode: str, year: int) -> str:
    if mode not in MODE_CODES:
        raise ValueError(f"no project code for mode {mode!r}")
    return f"{PROVINCE_CODE}{MODE_CODES[mode]}-{year}-"


def project_code(*, mode: str, year: int, sequence: int) -> str:
    return f"{_prefix(mode, year)}{sequence:0{SEQUENCE_DIGITS}d}"


def project_code_next(*, mode: str, opened_at: datetime | None = None) -> str:
    """The next free code of ``mode`` for a project opened at ``opened_at`` (default: now)."""
    prefix = _prefix(mode, opening_year(opened_at))
    last = (
        Project.objects.filter(code__regex=rf"^{re.escape(prefix)}[0-9]+$")
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    return f"{prefix}{(int(last.removeprefix(prefix)) + 1 if last else 1):0{SEQUENCE_DIGITS}d}"


def project_create_numbered(*, model: type[models.Model] = Project, opened_at: datetime | None = None,
                            **fields) -> Project:
    """Create a project (of ``model``, Project or a mode's proxy) under the next code of its mode."""
    return project_save_numbered(model(**fields), opened_at=opened_at)


def project_save_numbered(project: Project, *, opened_at: datetime | None = None) -> Project:
    """Insert the new ``project`` under the next code of its mode (whatever code it carried).

    Concurrency: each draw inserts inside a savepoint; a concurrent opening that committed the same code
    first makes the insert fail on the unique code, and the next draw reads the committed number.
    """
    for _ in range(DRAWS):
        project.code = project_code_next(mode=project.mode, opened_at=opened_at)
        try:
            with transaction.atomic():
                project.save(force_insert=True)
                return project
        except IntegrityError:
            if not Project.objects.filter(code=project.code).exists():
                raise  # another constraint failed: not a numbering collision
    raise ServiceError("项目编号生成冲突，请稍后重试")


def contract_code(*, project_code: str, number: int) -> str:
    """合同编号: derived from the project's code (JLPL-2027-0001-HT0001)."""
    return f"{project_code}-HT{number:0{CONTRACT_DIGITS}d}"

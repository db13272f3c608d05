"""What batch centralized procurement tells the shared core (``procurement.modes``): its wording and its rules."""

from __future__ import annotations

from procurement.models import Mode, ProcurementMethod
from procurement.modes import ModePlugin


class BatchPlugin(ModePlugin):
    mode = Mode.BATCH

    # Batch keeps its own sentences in the award notice and the award message to the winning supplier.
    templates = {
        "execution/wording/award_notice.txt": "batch/wording/award_notice.txt",
        "execution/wording/supplier_awarded.txt": "batch/wording/supplier_awarded.txt",
    }

    def procurement_methods(self, project) -> list[str]:
        """Batch procurement chooses among the statutory methods (《政府采购法》第二十六条); the framework
        solicitation belongs to framework agreement procurement."""
        return [m.value for m in ProcurementMethod if m != ProcurementMethod.FRAMEWORK_SOLICITATION]

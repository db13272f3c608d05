"""What joint volume procurement (集中带量采购, 统采分签) tells the shared core: ``VolumePlugin``, registered from
``VolumeConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each step of 753号 keeps its own
section, so that the pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from procurement.models import Mode
from procurement.modes import HomePanel, ModePlugin, NavEntry

FINANCE = "finance"
BUDGET_UNIT = "budget_unit"
AGENCY = "agency"
SUPPLIER = "supplier"


class VolumePlugin(ModePlugin):
    mode = Mode.VOLUME

    templates: dict[str, str] = {}

    nav_entries: tuple[NavEntry, ...] = ()

    badge_colours: dict[str, str] = {}

    event_actions: dict[str, str] = {}

    # --- department catalog (seed 三(三)(1)) ------------------------------------------------------------

    # --- project creation (753 step 1) ---------------------------------------------------------------

    # --- responses (753 step 2) ----------------------------------------------------------------------

    # --- aggregation and implementation plan (753 steps 3–4) ------------------------------------------

    # --- procurement and separate signing (753 steps 5–6) ---------------------------------------------
    event_actions = {**event_actions, "volume_result_confirm": "牵头单位确认采购结果"}
    home_panels = (*ModePlugin.home_panels, HomePanel(
        template="volume/execution/_finance_unsigned.html", kinds=(FINANCE,),
        context=lambda request: _execution_finance_panel(request), order=60))

    def contracts_generate_refusal(self, project) -> str:
        """753号 三、第6步: the contracts follow the lead's confirmation of the result."""
        from volume.services.execution import CONFIRM_FIRST, result_confirmed

        return "" if result_confirmed(project) else CONFIRM_FIRST

    def contract_grouping(self, project) -> str:
        """Each participant signs one contract with each winning supplier, one line per item it responded for."""
        return "buyer_supplier"

    def contract_terminate_refusal(self, contract, actor) -> str:
        """753号 四(三): no refusal to sign."""
        from volume.services.execution import contract_terminate_refusal

        return contract_terminate_refusal(contract, actor)

    # --- inquiries, challenges, complaints (753 四(二)) ------------------------------------------------


def _execution_finance_panel(request) -> dict:
    """The finance home's panel of unsigned volume contracts in its region (execution slice)."""
    from volume.board import finance_unsigned

    return {"volume_unsigned": finance_unsigned(request.user)}

"""What joint volume procurement (集中带量采购, 统采分签) tells the shared core: ``VolumePlugin``, registered from
``VolumeConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each step of 753号 keeps its own
section, so that the pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from procurement.models import Mode
from procurement.modes import ModePlugin, NavEntry

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
    # The department's catalog pages and finance's review queue; the catalog's own actions and status colours.
    nav_entries = (
        *nav_entries,
        NavEntry("部门集中采购目录", "volume:catalog-list", order=200, kinds=(BUDGET_UNIT,),
                 active=("volume:catalog-list", "volume:catalog-new", "volume:catalog-detail",
                         "volume:catalog-item-edit")),
        NavEntry("部门目录审核", "volume:catalog-review-list", order=200, kinds=(FINANCE,),
                 active=("volume:catalog-review-list", "volume:catalog-review")),
    )
    event_actions = {
        **event_actions,
        "approve": "审核通过",
        "return_for_revision": "退回修改",
        "catalog_item_add": "目录增加品目",
        "catalog_item_update": "修改目录品目",
        "catalog_item_remove": "删除目录品目",
        "catalog_leads_authorize": "授权牵头单位",
    }
    badge_colours = {**badge_colours, "returned": "warning", "approved": "info", "issued": "success"}

    # --- project creation (753 step 1) ---------------------------------------------------------------

    # --- responses (753 step 2) ----------------------------------------------------------------------

    # --- aggregation and implementation plan (753 steps 3–4) ------------------------------------------

    # --- procurement and separate signing (753 steps 5–6) ---------------------------------------------

    # --- inquiries, challenges, complaints (753 四(二)) ------------------------------------------------

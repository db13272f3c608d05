"""What joint volume procurement (集中带量采购, 统采分签) tells the shared core: ``VolumePlugin``, registered from
``VolumeConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each step of 753号 keeps its own
section, so that the pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from procurement.models import Mode, ProcurementMethod
from procurement.modes import HomePanel, ModePlugin, NavEntry, SubPlanRules
from volume.question_deadlines import COMPLAINT_DEADLINES, QUESTION_DEADLINES  # questions slice
from volume.services import questions as question_services  # questions slice

FINANCE = "finance"
BUDGET_UNIT = "budget_unit"
AGENCY = "agency"
SUPPLIER = "supplier"

# The audit action of filing the implementation plan (753 step 4).
PLAN_FILE = "volume_plan_file"


class VolumePlugin(ModePlugin):
    mode = Mode.VOLUME

    templates: dict[str, str] = {
        # The invited units respond with one document (items and funding) or decline: volume's own sentences.
        "collection/messages/opened.txt": "volume/messages/collection_opened.txt",
        "collection/messages/reminder.txt": "volume/messages/collection_reminder.txt",
    }
    #: The unit home's button on an open volume project (the core's says 填报分计划).
    unit_answer_label = "填写响应"

    nav_entries: tuple[NavEntry, ...] = (
        # --- responses (753 step 2) ---
        NavEntry("带量采购响应", "volume:response-list", active=("volume:response-list", "volume:response-edit"),
                 order=200, kinds=(BUDGET_UNIT,)),
    )

    badge_colours: dict[str, str] = {}

    event_actions: dict[str, str] = {
        # --- responses (753 step 2) ---
        "volume_response_save": "保存需求响应草稿",
        "volume_response_submit": "提交需求响应",
        "volume_response_decline": "不参与集中带量采购",
        "reopen": "重新参与",  # volume.models.Response.reopen: a declined unit fills its response in again
    }

    # --- department catalog (seed 三(三)(1)) ------------------------------------------------------------
    # The department's catalog pages and finance's review queue; the catalog's own actions and status colours.
    nav_entries = (
        *nav_entries,
        NavEntry("部门集中采购目录", "volume:catalog-list", order=220, kinds=(BUDGET_UNIT,),
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
    # The lead unit's pages: its projects (with the creation form) and each project's hub.
    PROJECT_PAGES = ("volume:project-list", "volume:project-new", "volume:project-detail")
    nav_entries = (*nav_entries,
                   NavEntry("我牵头的带量采购", "volume:project-list", active=PROJECT_PAGES, order=210,
                            kinds=(BUDGET_UNIT,)))

    def organizer_project_page(self, project) -> str:
        from django.urls import reverse

        return reverse("volume:project-detail", args=[project.pk])

    # --- responses (753 step 2) ----------------------------------------------------------------------
    # A unit answers with one document (volume.services.responses): its items are the core's sub-plans, written
    # by that service alone, so the core's batch-style filing (file one lot at a time, revise, withdraw) is closed
    # to volume projects; the core's pages send the unit to the response page instead.
    def sub_plan_rules(self, project) -> SubPlanRules:
        return SubPlanRules(has_sub_plans=True, may_file=False, may_revise=False, may_withdraw=False)

    def answered_units(self, project):
        """Submitted or declined (with a reason) answers the invitation; a draft does not."""
        from volume.models import Response

        return Response.objects.filter(project=project, status__in=Response.ANSWERED).values("unit_id")

    def unit_response_page(self, project) -> str:
        return reverse("volume:response-edit", args=[project.pk])

    # --- aggregation and implementation plan (753 steps 3–4) ------------------------------------------
    def collection_scope(self) -> Q:
        # Only projects opened through volume's services (with their VolumeDetails) carry a volume response window:
        # the sweep closes it at the deadline (COLLECTING → AGGREGATED). A subquery, not a join: the sweep locks
        # the due row, which an outer join would not allow.
        from volume.models import VolumeDetails

        return Q(pk__in=VolumeDetails.objects.values("project_id"))

    def procurement_methods(self, project) -> list[str]:
        """The lead entrusts the procurement under one of the statutory methods (《政府采购法》第二十六条); the
        framework solicitation belongs to framework agreement procurement."""
        return [m.value for m in ProcurementMethod if m != ProcurementMethod.FRAMEWORK_SOLICITATION]

    event_actions = {**event_actions, PLAN_FILE: "备案采购实施计划"}

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
    # Suppliers ask and challenge; the handler and the participating units (budget units) answer and assist on the
    # same list; finance handles the complaints to its bureau. The audit actions are volume.services.questions'.
    nav_entries = (
        *nav_entries,
        NavEntry("询问与质疑", "volume:question-list", order=230, kinds=(SUPPLIER, BUDGET_UNIT),
                 active=("volume:question-list", "volume:question-new", "volume:question-detail")),
        NavEntry("投诉处理", "volume:complaint-list", order=210, kinds=(FINANCE,),
                 active=("volume:complaint-list", "volume:complaint-detail")),
    )
    event_actions = {**event_actions, **question_services.EVENT_ACTIONS}
    # SupplierQuestion.Status and Complaint.Status.
    badge_colours = {**badge_colours, "open": "warning", "answered": "success", "received": "warning",
                     "decided": "success"}

    def deadline_sources(self) -> list:
        """The reply to an inquiry or challenge and finance's decision on a complaint (volume.question_deadlines)."""
        return [*super().deadline_sources(), QUESTION_DEADLINES, COMPLAINT_DEADLINES]


def _execution_finance_panel(request) -> dict:
    """The finance home's panel of unsigned volume contracts in its region (execution slice)."""
    from volume.board import finance_unsigned

    return {"volume_unsigned": finance_unsigned(request.user)}

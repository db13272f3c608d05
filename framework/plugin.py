"""What framework agreement procurement (框架协议采购) tells the shared core: ``FrameworkPlugin``, registered from
``FrameworkConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each stage of the framework (plan,
solicitation and shortlist, agreements and listings, second-stage orders) keeps its own section, so that the
pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from django.db.models import Q

from procurement.models import Mode, Organization
from procurement.modes import ModePlugin, NavEntry

CENTER = Organization.Kind.CENTER
FINANCE = Organization.Kind.FINANCE
SUPPLIER = Organization.Kind.SUPPLIER
BUDGET_UNIT = Organization.Kind.BUDGET_UNIT
AGENCY = Organization.Kind.AGENCY


class FrameworkPlugin(ModePlugin):
    mode = Mode.FRAMEWORK

    # --- the audit actions of the framework's own state machines (framework.models) -----------------------
    event_actions: dict[str, str] = {
        # FrameworkPlan (annex 8): finance's review and the filing.
        "return_for_revision": "退回修改",
        "file": "备案",
        # Supplement (annex 8 §十一) and SolicitationResponse.
        "close": "截止响应",
        "shortlist": "确定入围供应商",
        # Agreement: removal before and after signing (Order 110 Art. 19), leaving an open agreement, expiry.
        "cancel": "取消",
        "leave": "退出框架协议",
        "expire": "协议到期",
        # ProductListing and JoinRequest.
        "reject": "不同意",
        "delist": "下架",
        # Order (second stage).
        "open_bidding": "发起二次竞价",
        "award": "确定成交供应商",
        "contract_made": "生成合同",
    }

    # --- plans slice: 框架协议采购方案 (annex 8; seed 三(二)(2)–(3)) ---------------------------------------------
    # The center's plan pages and finance's review queue; the plan's own audit actions and status colours.
    # (locals(): whatever a section above has already set, so the sections add up in any order.)
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议采购方案", "framework:plan-list", order=300, kinds=(CENTER,),
                 active=("framework:plan-list", "framework:plan-new", "framework:plan-detail",
                         "framework:plan-lot-edit")),
        NavEntry("框架协议方案审核", "framework:plan-review-list", order=300, kinds=(FINANCE,),
                 active=("framework:plan-review-list", "framework:plan-review")),
    )
    event_actions = {
        **event_actions,
        "approve": "审核通过",
        "framework_plan_section_save": "修改框架协议采购方案",
        "framework_plan_participant_add": "增加需求调查对象",
        "framework_plan_participant_remove": "删除需求调查对象",
        "framework_plan_lot_add": "增加采购包",
        "framework_plan_lot_update": "修改采购包",
        "framework_plan_lot_remove": "删除采购包",
    }
    badge_colours = {**locals().get("badge_colours", {}), "returned": "warning", "approved": "info"}
    # --- solicitation slice (seed 000 三(二)(3)(4); annex 8 §七–§九): the solicitation notice, the sealed
    # responses, the evaluation, the shortlist per lot, the shortlist notice and letters -----------------------
    event_actions = {
        **event_actions,
        "framework_solicitation_publish": "发布框架协议征集公告",
        "framework_response_save": "保存框架协议征集响应",
        "framework_response_evaluate": "录入资格审查结果",
        "framework_shortlist_publish": "发布入围结果公告并发出入围通知书",
    }
    # (another slice's section may have declared nav_entries before this one: keep its entries)
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议征集", "framework:solicitation-center-list", order=301, kinds=(CENTER, AGENCY, FINANCE),
                 active=("framework:solicitation-center-list", "framework:solicitation-detail",
                         "framework:solicitation-shortlist")),
        NavEntry("框架协议征集响应", "framework:solicitation-supplier-list", order=300, kinds=(SUPPLIER,),
                 active=("framework:solicitation-supplier-list", "framework:solicitation-respond")),
    )
    # --- agreements slice: signing, publication, filing, listings, execution notice, removal, supplement ------
    # (seed 000 三(二)(4)(5); Order 110 Art. 19; annex 8 §十一). The sweep's source is
    # framework.agreement_deadlines; the core's agreements source (753号 一) is registered in FrameworkConfig.ready.
    from framework.services.agreements import EVENT_ACTIONS as _AGREEMENT_ACTIONS

    event_actions = {
        **event_actions,
        **_AGREEMENT_ACTIONS,
        "terminate": "解除框架协议",
        "approve": "审核通过",
    }
    # Merged with what earlier sections declared (locals(): the class namespace so far).
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议", "framework:agreement-list", order=302, kinds=(CENTER,),
                 active=("framework:agreement-list", "framework:agreement-detail", "framework:execution")),
        NavEntry("上架审核", "framework:listing-review-list", order=303, kinds=(CENTER,),
                 active=("framework:listing-review-list",)),
        NavEntry("我的框架协议", "framework:my-agreements", order=303, kinds=(SUPPLIER,),
                 active=("framework:my-agreements", "framework:agreement-detail")),
        NavEntry("我的上架商品", "framework:listing-list", order=304, kinds=(SUPPLIER,),
                 active=("framework:listing-list",)),
    )
    badge_colours = {**locals().get("badge_colours", {}), "shortlisted": "warning", "signed": "success",
                     "cancelled": "secondary", "terminated": "danger", "left": "secondary", "expired": "secondary",
                     "delisted": "secondary", "rejected": "danger"}

    def deadline_sources(self) -> list:
        """Signing, publication and filing of the framework agreements (framework.agreement_deadlines), the
        closing of a 二次竞价 order (framework.order_deadlines), of the solicitation
        (framework.solicitation_deadlines) and of a supplementary solicitation (framework.supplement_deadlines)."""
        from framework.agreement_deadlines import AGREEMENT_DEADLINES
        from framework.order_deadlines import ORDER_BIDDING_DEADLINES
        from framework.solicitation_deadlines import SOLICITATION_DEADLINES
        from framework.supplement_deadlines import SUPPLEMENT_DEADLINES

        return [*super().deadline_sources(), AGREEMENT_DEADLINES, ORDER_BIDDING_DEADLINES, SOLICITATION_DEADLINES,
                SUPPLEMENT_DEADLINES, *self.openexp_deadline_sources()]

    def collection_scope(self) -> Q:
        # A framework project has no demand-collection window: the core's collection schedule takes none of them,
        # and the sweep's look at a project's solicitation deadline is framework.solicitation_deadlines' alone.
        return Q(pk__in=[])

    # --- orders slice: the second stage (授予合同, seed 三(二)(6); annex 8 §十, §十二) ----------------------------
    event_actions = {
        **event_actions,
        "framework_order_open": "第二阶段立项下单",
        "framework_bid_submit": "二次竞价报价",
        "framework_rotation_fix": "确定轮候顺序",
    }
    # (``locals()``: the class body so far, whichever other slice's section defined these first.)
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议商品", "framework:catalog", order=300, kinds=(BUDGET_UNIT,),
                 active=("framework:catalog", "framework:order-new")),
        NavEntry("框架协议订单", "framework:order-list", order=301, kinds=(BUDGET_UNIT,),
                 active=("framework:order-list", "framework:order-detail")),
        NavEntry("二次竞价", "framework:supplier-bids", order=305, kinds=(SUPPLIER,),
                 active=("framework:supplier-bids", "framework:bid-edit")),
        NavEntry("框架协议订单", "framework:supplier-orders", order=306, kinds=(SUPPLIER,),
                 active=("framework:supplier-orders",)),
    )
    badge_colours = {**locals().get("badge_colours", {}),
                     "bidding": "warning", "awarded": "info", "contracted": "success"}
    # --- tasks slice: 框架协议采购任务通知单 (seed 000 annex 7) -------------------------------------------------
    # The core drafts, issues, acknowledges and withdraws the notice (procurement.services.tasks); the framework's
    # rules, pages and wording are framework.services.tasks, framework.views.tasks and the templates below. Each
    # slice adds to ``nav_entries`` and ``templates`` (whichever section comes first starts from the neutral ones).
    def task_notice_extra_checks(self, values: dict, *, issuing: bool = False) -> None:
        from framework.services.tasks import task_rules_check

        task_rules_check(values, issuing=issuing)

    def task_notice_withdraw_check(self, task) -> None:
        from framework.services.tasks import task_withdraw_check

        task_withdraw_check(task)

    def task_notice_page(self, task, *, audience: str) -> str:
        from django.urls import reverse

        name = "framework:received-detail" if audience == "receiver" else "framework:task-detail"
        return reverse(name, args=[task.pk])

    def task_notice_pages(self):
        """Annex 7's part of the core's task notice pages: the validity, goods or services, its PDF."""
        from framework.views.tasks import PAGES

        return PAGES

    templates = {
        **locals().get("templates", {}),
        # The center drafts its framework plan (annex 8) from the task it acknowledged.
        "tasks/messages/issued.txt": "framework/messages/task_notice_issued.txt",
    }
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议任务", "framework:task-list", order=299, kinds=(FINANCE,),
                 active=("framework:task-list", "framework:task-detail", "framework:task-create",
                         "framework:task-edit")),
        NavEntry("框架协议任务", "framework:received-list", order=299, kinds=(CENTER,),
                 active=("framework:received-list", "framework:received-detail")),
    )

    # --- openexp slice: open agreements (开放式框架协议, Order 110; annex 8 note 1) and expiry (协议到期,
    # 成交结果汇总公告) ---------------------------------------------------------------------------------------------
    # The sweep's sources: the review of requests to join (framework.open_deadlines) and the end of an agreement with
    # its summary notice (framework.expiry_deadlines), added to ``deadline_sources`` above.
    from framework.services.expiry import EVENT_ACTIONS as _EXPIRY_ACTIONS
    from framework.services.open_agreements import EVENT_ACTIONS as _OPEN_ACTIONS

    event_actions = {**event_actions, **_OPEN_ACTIONS, **_EXPIRY_ACTIONS}
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("开放式框架协议", "framework:open-list", order=301, kinds=(SUPPLIER,),
                 active=("framework:open-list",)),
        NavEntry("加入申请审核", "framework:open-request-list", order=304, kinds=(CENTER,),
                 active=("framework:open-request-list",)),
        NavEntry("协议到期与汇总公告", "framework:summary-list", order=307, kinds=(CENTER,),
                 active=("framework:summary-list", "framework:summary")),
    )
    badge_colours = {**locals().get("badge_colours", {}), "pending": "warning"}

    def openexp_deadline_sources(self) -> list:
        from framework.expiry_deadlines import EXPIRY_DEADLINES
        from framework.open_deadlines import JOIN_REVIEW_DEADLINES

        return [JOIN_REVIEW_DEADLINES, EXPIRY_DEADLINES]
    # --- wiring (round 2): the project's core status, the orders of the center and of finance ----------------
    # FrameworkProject's framework-only steps of the core status (framework.models; framework.services.plans).
    event_actions = {
        **event_actions,
        "framework_solicit": "发布框架协议征集公告",
        "framework_complete": "框架协议期满",
    }
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("框架协议订单", "framework:order-admin-list", order=306, kinds=(CENTER, FINANCE),
                 active=("framework:order-admin-list",)),
    )
    # --- supplement slice: 补充征集 (annex 8 §十一) -------------------------------------------------------------
    # The center opens a supplement of a closed agreement's lot (below 70% of the shortlist, execution suffering),
    # evaluates and shortlists it as the first solicitation; suppliers respond (sealed until its deadline).
    from framework.services.supplement import EVENT_ACTIONS as _SUPPLEMENT_ACTIONS

    event_actions = {**event_actions, **_SUPPLEMENT_ACTIONS}
    nav_entries = (
        *locals().get("nav_entries", ()),
        NavEntry("补充征集", "framework:supplement-center-list", order=305, kinds=(CENTER,),
                 active=("framework:supplement-center-list", "framework:supplement-new",
                         "framework:supplement-detail")),
        NavEntry("补充征集响应", "framework:supplement-supplier-list", order=302, kinds=(SUPPLIER,),
                 active=("framework:supplement-supplier-list", "framework:supplement-respond")),
    )
    badge_colours = {**locals().get("badge_colours", {}), "open": "warning", "closed": "info"}

    # --- one link per role in the top navigation (all slices) ---------------------------------------------------
    # Each role has several framework pages (task, plan, solicitation, agreements, listings, orders …), more than
    # the top navigation holds at 1366 px beside batch and volume. It carries one link, 框架协议采购, to the role's
    # framework home (framework:home), which lists that role's pages (``framework_links``) in the order of the stages.
    framework_links: tuple[NavEntry, ...] = tuple(sorted(locals().get("nav_entries", ()), key=lambda e: e.order))
    nav_entries = (
        NavEntry("框架协议采购", "framework:home", order=300,
                 active=("framework:home", *sorted({name for entry in framework_links for name in entry.active})),
                 kinds=tuple(sorted({kind for entry in framework_links for kind in entry.kinds}))),
    )

"""What framework agreement procurement (框架协议采购) tells the shared core: ``FrameworkPlugin``, registered from
``FrameworkConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each stage of the framework (plan,
solicitation and shortlist, agreements and listings, second-stage orders) keeps its own section, so that the
pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from procurement.models import Mode
from procurement.modes import ModePlugin, NavEntry


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
        NavEntry("框架协议商品", "framework:catalog", order=240, kinds=("budget_unit",),
                 active=("framework:catalog", "framework:order-new")),
        NavEntry("框架协议订单", "framework:order-list", order=241, kinds=("budget_unit",),
                 active=("framework:order-list", "framework:order-detail")),
        NavEntry("二次竞价", "framework:supplier-bids", order=240, kinds=("supplier",),
                 active=("framework:supplier-bids", "framework:bid-edit")),
        NavEntry("框架协议订单", "framework:supplier-orders", order=241, kinds=("supplier",),
                 active=("framework:supplier-orders",)),
    )
    badge_colours = {**locals().get("badge_colours", {}),
                     "bidding": "warning", "awarded": "info", "contracted": "success"}

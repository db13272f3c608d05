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
        *vars().get("nav_entries", ()),
        NavEntry("框架协议征集", "framework:solicitation-center-list", order=240, kinds=("center", "agency", "finance"),
                 active=("framework:solicitation-center-list", "framework:solicitation-detail",
                         "framework:solicitation-shortlist")),
        NavEntry("框架协议征集响应", "framework:solicitation-supplier-list", order=200, kinds=("supplier",),
                 active=("framework:solicitation-supplier-list", "framework:solicitation-respond")),
    )

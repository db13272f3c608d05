"""What framework agreement procurement (框架协议采购) tells the shared core: ``FrameworkPlugin``, registered from
``FrameworkConfig.ready()`` with ``procurement.modes.register_mode``.

Each section below is one group of hooks of ``procurement.modes.ModePlugin``; each stage of the framework (plan,
solicitation and shortlist, agreements and listings, second-stage orders) keeps its own section, so that the
pieces built in parallel meet here without stepping on each other.
"""

from __future__ import annotations

from procurement.models import Mode, Organization
from procurement.modes import ModePlugin, NavEntry

CENTER = Organization.Kind.CENTER
SUPPLIER = Organization.Kind.SUPPLIER


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
        *locals().get("nav_entries", ModePlugin.nav_entries),
        NavEntry("框架协议", "framework:agreement-list", order=300, kinds=(CENTER,),
                 active=("framework:agreement-list", "framework:agreement-detail", "framework:execution")),
        NavEntry("上架审核", "framework:listing-review-list", order=301, kinds=(CENTER,),
                 active=("framework:listing-review-list",)),
        NavEntry("我的框架协议", "framework:my-agreements", order=300, kinds=(SUPPLIER,),
                 active=("framework:my-agreements", "framework:agreement-detail")),
        NavEntry("我的上架商品", "framework:listing-list", order=301, kinds=(SUPPLIER,),
                 active=("framework:listing-list",)),
    )
    badge_colours = {**locals().get("badge_colours", {}), "shortlisted": "warning", "signed": "success",
                     "cancelled": "secondary", "terminated": "danger", "left": "secondary", "expired": "secondary",
                     "delisted": "secondary", "rejected": "danger"}

    def deadline_sources(self) -> list:
        """Signing, publication and filing of the framework agreements (framework.agreement_deadlines)."""
        from framework.agreement_deadlines import AGREEMENT_DEADLINES

        return [*super().deadline_sources(), AGREEMENT_DEADLINES]

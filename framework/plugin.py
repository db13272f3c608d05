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

    templates = {
        **vars().get("templates", {}),
        # The center drafts its framework plan (annex 8) from the task it acknowledged.
        "tasks/messages/issued.txt": "framework/messages/task_notice_issued.txt",
    }
    nav_entries = (
        *vars().get("nav_entries", ()),
        NavEntry("框架协议任务", "framework:task-list", order=300, kinds=("finance",),
                 active=("framework:task-list", "framework:task-detail", "framework:task-create",
                         "framework:task-edit")),
        NavEntry("框架协议任务", "framework:received-list", order=300, kinds=("center",),
                 active=("framework:received-list", "framework:received-detail")),
    )

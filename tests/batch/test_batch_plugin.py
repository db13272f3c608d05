"""Batch plugs into the core through ``batch.plugin.BatchPlugin``: its pages in the top navigation (the same
links, labels and order the portal always showed), its proposal statuses' badge colours, its deadline sources."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from batch.models import ProposedCategory
from batch.plugin import BatchPlugin
from procurement.models import Mode
from procurement.modes import mode_plugin
from procurement.services.reminders import deadline_sources
from tests.factories import AgencyFactory, BudgetUnitFactory, CenterFactory, FinanceFactory, SupplierFactory, member_of

NAV = {
    "finance": (FinanceFactory, "/finance/", [
        ("首页", "/"), ("公告公示", "/notices/"), ("我的工作台", "/finance/"),
        ("预算安排与分析", "/batch/arrangements/"), ("品目建议", "/batch/proposals/"),
        ("任务通知单", "/batch/finance/tasks/"), ("采购结果", "/award/"),
        ("部门目录审核", "/volume/catalog-reviews/"), ("投诉处理", "/volume/complaints/"),  # volume's
        ("框架协议采购", "/framework/"),  # framework's: one link to the role's framework home
    ]),
    "center": (CenterFactory, "/center/", [
        ("首页", "/"), ("公告公示", "/notices/"), ("我的工作台", "/center/"),
        ("预算安排分析", "/batch/arrangements/"), ("品目建议", "/batch/proposals/"),
        ("任务通知单", "/batch/center/tasks/"), ("产品配置表", "/batch/center/configurations/"),
        ("批量采购项目", "/batch/center/projects/"), ("定标与合同", "/award/"),
        ("框架协议采购", "/framework/"),  # framework's
    ]),
    "agency": (AgencyFactory, "/center/", [("首页", "/"), ("公告公示", "/notices/"), ("我的工作台", "/center/"),
                                            ("受托项目执行", "/award/"), ("框架协议采购", "/framework/")]),
    "budget_unit": (BudgetUnitFactory, "/unit/", [
        ("首页", "/"), ("公告公示", "/notices/"), ("我的工作台", "/unit/"),
        ("我的分计划", "/unit/sub-plans/"), ("我的合同", "/unit/contracts/"),
        # volume's, in the order of 753号's steps
        ("带量采购响应", "/volume/responses/"), ("我牵头的带量采购", "/volume/lead/projects/"),
        ("部门集中采购目录", "/volume/catalogs/"), ("询问与质疑", "/volume/questions/"),
        ("框架协议采购", "/framework/"),  # framework's
    ]),
    "supplier": (SupplierFactory, "/supplier/", [
        ("首页", "/"), ("公告公示", "/notices/"), ("我的工作台", "/supplier/"), ("我的合同", "/supplier/contracts/"),
        ("询问与质疑", "/volume/questions/"),  # volume's
        ("框架协议采购", "/framework/"),  # framework's
    ]),
}
LINK = re.compile(r'<a class="nav-link( active)?" href="([^"]+)">([^<]+)</a>')


def nav_of(page: str) -> list[tuple[str, str, bool]]:
    nav = page[page.index('<nav class="navbar'):page.index("</nav>")]
    return [(label, href, bool(active)) for active, href, label in LINK.findall(nav)]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(NAV))
def test_each_role_sees_the_same_links_in_the_same_order(client, kind):
    factory, home, expected = NAV[kind]
    user = member_of(factory())
    client.force_login(user)
    links = nav_of(client.get(home).content.decode())
    assert [(label, href) for label, href, _ in links] == expected
    assert [label for label, _, active in links if active] == ["我的工作台"]

    user.is_staff = True
    user.save()
    assert nav_of(client.get(home).content.decode())[-1] == ("管理后台", "/admin/", False)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "path", "active"), [
    ("finance", "/batch/arrangements/", "预算安排与分析"),
    ("finance", "/batch/finance/tasks/", "任务通知单"),
    ("center", "/batch/center/configurations/", "产品配置表"),
    ("center", "/batch/center/projects/", "批量采购项目"),
    ("center", "/award/", "定标与合同"),
])
def test_the_link_of_the_current_batch_page_is_active(client, kind, path, active):
    client.force_login(member_of(NAV[kind][0]()))
    response = client.get(path)
    assert response.status_code == 200
    assert [label for label, _, is_active in nav_of(response.content.decode()) if is_active] == [active]


def test_batch_registers_its_plugin():
    assert isinstance(mode_plugin(Mode.BATCH), BatchPlugin)


def test_the_badge_colours_of_proposed_categories_come_from_the_batch_plugin():
    colours = {"pending": "warning", "adopted": "success", "declined": "secondary"}
    for status, colour in colours.items():
        item = ProposedCategory(status=status)
        html = Template("{% load portal %}{% status_badge item %}").render(Context({"item": item}))
        assert f"text-bg-{colour}" in html
        assert item.get_status_display() in html
    assert set(BatchPlugin.badge_colours) == set(ProposedCategory.Status.values)


def test_the_sweep_runs_the_core_sources_for_batch_which_declares_none_of_its_own():
    """Since issue 9 the response window and the 30-day signing limit are the core's, for every mode."""
    names = [source.name for source in deadline_sources()]
    # (volume registers its own: the inquiry/challenge answers and the complaints, 753号 四(二))
    assert sorted(names) == ["collection", "contract", "contract_signing", "framework_agreement", "framework_expiry",
                             "framework_join_review", "framework_order_bidding", "framework_solicitation_deadline",
                             "framework_supplement_deadline", "volume_complaint", "volume_question"]
    assert BatchPlugin().deadline_sources() == []

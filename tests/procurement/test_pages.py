"""The portal pages: login, the workbench and one home per role, the unit's sub-plan and contract pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from notices.services import notice_publish
from procurement.models import Contract, EligibleUnit, FundingLine, Membership, Notification, Project, SubPlan
from procurement.services.sub_plans import sub_plan_save
from tests.factories import (
    AgencyFactory,
    BudgetUnitFactory,
    CenterFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    UserFactory,
    contract_pdf,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.django_db

HOMES = {
    "finance": ("finance-home", "财政部门工作台"),
    "center": ("center-home", "采购中心工作台"),
    "budget_unit": ("unit-home", "预算单位工作台"),
    "supplier": ("supplier-home", "供应商工作台"),
}
ORG_FACTORIES = {
    "finance": FinanceFactory,
    "center": CenterFactory,
    "budget_unit": BudgetUnitFactory,
    "supplier": SupplierFactory,
}


def html(response) -> str:
    return response.content.decode()


def user_of_kind(kind: str, **org_fields):
    return member_of(ORG_FACTORIES[kind](**org_fields))


def open_project_for(unit, **fields) -> Project:
    project = ProjectFactory(**fields)
    EligibleUnit.objects.create(project=project, unit=unit)
    return project


# --- login, logout, workbench ----------------------------------------------------------------

def test_login_page_is_in_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = html(response)
    assert "用户登录" in body and "用户名" in body and "密码" in body and "吉林省政府集中采购平台" in body


def test_login_with_a_wrong_password_shows_a_chinese_error(client):
    UserFactory(username="wang")
    response = client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in html(response)
    assert "_auth_user_id" not in client.session


def test_login_through_the_form_lands_on_the_role_home(client):
    member_of(BudgetUnitFactory(), username="unit-li")
    response = client.post(reverse("login"), {"username": "unit-li", "password": "Test@12345"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("workbench")
    assert response.redirect_chain[-1][0] == reverse("unit-home")
    assert "预算单位工作台" in html(response)


def test_logout_is_a_post_and_ends_the_session(client):
    user = user_of_kind("supplier")
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("kind", ["finance", "center", "budget_unit", "supplier"])
def test_workbench_redirects_to_the_home_of_the_primary_kind(client, kind):
    client.force_login(user_of_kind(kind))
    response = client.get(reverse("workbench"))
    assert response.status_code == 302
    assert response["Location"] == reverse(HOMES[kind][0])


def test_workbench_sends_an_agency_to_the_center_like_home_of_its_entrusted_projects(client):
    agency = AgencyFactory()
    project = ProjectFactory(agency=agency, title="受托的带量采购项目")
    ProjectFactory(title="别人的项目")
    client.force_login(member_of(agency))
    assert client.get(reverse("workbench"))["Location"] == reverse("center-home")
    body = html(client.get(reverse("center-home")))
    assert "代理机构工作台" in body and project.title in body and "别人的项目" not in body


def test_workbench_sends_a_superuser_without_membership_to_the_admin(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Test@12345")
    client.force_login(admin)
    assert client.get(reverse("workbench"))["Location"] == reverse("admin:index")


def test_workbench_without_membership_shows_a_friendly_chinese_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("workbench"))
    assert response.status_code == 200
    assert "您的账号尚未关联任何机构" in html(response)


# --- each role's home -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["finance", "center", "budget_unit", "supplier"])
def test_each_role_home_renders_its_chinese_heading(client, kind):
    user = user_of_kind(kind)
    client.force_login(user)
    url_name, heading = HOMES[kind]
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    body = html(response)
    assert f"<h1>{heading}</h1>" in body
    assert user.memberships.get().organization.name in body  # the header names the organization
    assert "退出登录" in body


@pytest.mark.parametrize(("kind", "home"), [(k, h) for k in HOMES for h in HOMES if k != h])
def test_a_home_of_another_kind_answers_403(client, kind, home):
    client.force_login(user_of_kind(kind))
    response = client.get(reverse(HOMES[home][0]))
    assert response.status_code == 403
    assert "无权访问" in html(response)


@pytest.mark.parametrize("url_name", ["workbench", "finance-home", "center-home", "unit-home", "supplier-home",
                                      "unit-sub-plan-list", "unit-contract-list"])
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_unit_home_lists_its_sub_plan_and_not_anothers(client):
    mine, other = BudgetUnitFactory(), BudgetUnitFactory()
    project = open_project_for(mine, title="办公电脑批量采购")
    EligibleUnit.objects.create(project=project, unit=other)
    lot = LotFactory(project=project, name="台式计算机配置一")
    own = SubPlanFactory(lot=lot, unit=mine, quantity=Decimal("12"), budget_yuan=Decimal("61234.00"))
    SubPlanFactory(lot=lot, unit=other, quantity=Decimal("99"), budget_yuan=Decimal("987654.00"))
    client.force_login(member_of(mine))
    body = html(client.get(reverse("unit-home")))
    assert reverse("unit-sub-plan-detail", args=[own.pk]) in body
    assert "61,234.00 元" in body
    assert "987,654.00" not in body
    assert "办公电脑批量采购" in body  # the open project, with its filing link
    assert reverse("unit-sub-plan-file", args=[project.pk]) in body


def test_unit_home_shows_deadline_countdown_overdue_badges_and_unread_notifications(client):
    unit = BudgetUnitFactory()
    open_project_for(unit, response_deadline=timezone.now() + timedelta(days=2, hours=3))
    ContractFactory(buyer=unit, status=Contract.Status.SIGNED, signed_on=timezone.localdate() - timedelta(days=10),
                    publish_due=timezone.localdate() - timedelta(days=6),
                    filing_due=timezone.localdate() + timedelta(days=1))
    user = member_of(unit)
    Notification.objects.create(recipient=user, title="合同公告即将到期提醒")
    Notification.objects.create(recipient=user, title="已读的旧消息", read_at=timezone.now())
    client.force_login(user)
    body = html(client.get(reverse("unit-home")))
    assert "剩余 2 天" in body
    assert "已逾期 6 天" in body
    assert "合同公告即将到期提醒" in body and "已读的旧消息" not in body


def test_unit_home_shows_chinese_empty_states(client):
    client.force_login(user_of_kind("budget_unit"))
    body = html(client.get(reverse("unit-home")))
    assert "目前没有向本单位开放的需求征集项目" in body
    assert "本单位暂无分计划" in body
    assert "本单位暂无合同" in body


def test_finance_home_counts_its_region_units_and_overdue_contracts(client):
    changchun = prefecture("220100", "长春市")
    finance = FinanceFactory(region=changchun)
    BudgetUnitFactory.create_batch(3, region=changchun)
    unit = BudgetUnitFactory(region=changchun)
    late = ContractFactory(buyer=unit, status=Contract.Status.SIGNED, title="逾期未公告的合同",
                           signed_on=timezone.localdate() - timedelta(days=9),
                           publish_due=timezone.localdate() - timedelta(days=5),
                           filing_due=timezone.localdate() - timedelta(days=1))
    ContractFactory(buyer=unit, status=Contract.Status.SIGNED, title="按期的合同",
                    signed_on=timezone.localdate(), publish_due=timezone.localdate() + timedelta(days=2))
    ProjectFactory(scope_region=changchun, title="长春市办公家具批量采购")
    client.force_login(member_of(finance))
    response = client.get(reverse("finance-home"))
    body = html(response)
    assert response.context["overview"].unit_count == 4
    assert response.context["publish_overdue_count"] == 1
    assert late.code in body and "逾期未公告的合同" in body and "按期的合同" not in body
    assert "长春市办公家具批量采购" in body


def test_finance_home_searches_its_projects(client):
    changchun = prefecture("220100", "长春市")
    ProjectFactory(scope_region=changchun, title="长春市公务用车采购")
    ProjectFactory(scope_region=changchun, title="长春市打印机采购")
    client.force_login(member_of(FinanceFactory(region=changchun)))
    body = html(client.get(reverse("finance-home"), {"q": "公务用车"}))
    assert "长春市公务用车采购" in body and "长春市打印机采购" not in body


def test_center_home_counts_eligible_units_and_counted_sub_plans(client):
    center = CenterFactory()
    project = ProjectFactory(organizer=center, title="全省台式计算机批量采购")
    lot = LotFactory(project=project)
    units = BudgetUnitFactory.create_batch(3)
    for unit in units:
        EligibleUnit.objects.create(project=project, unit=unit)
    SubPlanFactory(lot=lot, unit=units[0], status=SubPlan.Status.SUBMITTED)
    SubPlanFactory(lot=lot, unit=units[1], status=SubPlan.Status.DRAFT)
    unsigned = ContractFactory(project=ProjectFactory(organizer=center, status=Project.Status.AWARDED),
                               status=Contract.Status.DRAFT)
    ProjectFactory(title="其他中心的项目")
    client.force_login(member_of(center))
    response = client.get(reverse("center-home"))
    row = next(p for p in response.context["projects"] if p.pk == project.pk)
    assert (row.eligible_count, row.submitted_count) == (3, 1)
    body = html(response)
    assert "全省台式计算机批量采购" in body and "其他中心的项目" not in body
    assert unsigned.code in body


def test_center_home_filters_by_status(client):
    center = CenterFactory()
    ProjectFactory(organizer=center, title="征集中的项目")
    ProjectFactory(organizer=center, title="已定标的项目", status=Project.Status.AWARDED)
    client.force_login(member_of(center))
    body = html(client.get(reverse("center-home"), {"status": "awarded"}))
    assert "已定标的项目" in body and "征集中的项目" not in body


def test_supplier_home_lists_its_contracts_only(client):
    supplier = SupplierFactory()
    mine = ContractFactory(supplier=supplier, title="我方中标的电脑合同")
    ContractFactory(title="别家供应商的合同")
    client.force_login(member_of(supplier))
    body = html(client.get(reverse("supplier-home")))
    assert mine.code in body and "我方中标的电脑合同" in body and "别家供应商的合同" not in body


# --- the unit's sub-plan pages ----------------------------------------------------------------

def test_unit_files_a_sub_plan_through_the_form_then_submits_it(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    client.force_login(member_of(unit))
    page = client.get(reverse("unit-sub-plan-file", args=[project.pk]))
    assert page.status_code == 200 and "填报分计划" in html(page)
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": unit.pk, "lot": lot.pk, "quantity": "8", "budget_yuan": "40000",
        "contact_name": "张三", "contact_phone": "0431-88888888", "note": "",
        "funding-TOTAL_FORMS": "2", "funding-INITIAL_FORMS": "0",
        "funding-0-source": "general_budget", "funding-0-amount_yuan": "30000", "funding-0-budget_index_code": "ZB-1",
        "funding-1-source": "own_funds", "funding-1-amount_yuan": "10000", "funding-1-budget_index_code": "",
    })
    sub_plan = SubPlan.objects.get(unit=unit, lot=lot)
    assert response.status_code == 302
    assert response["Location"] == reverse("unit-sub-plan-detail", args=[sub_plan.pk])
    assert sub_plan.status == SubPlan.Status.DRAFT
    assert (sub_plan.quantity, sub_plan.budget_yuan) == (Decimal("8"), Decimal("40000"))
    assert sorted(sub_plan.funding_lines.values_list("source", "amount_yuan")) == [
        ("general_budget", Decimal("30000.00")), ("own_funds", Decimal("10000.00"))]

    client.post(reverse("unit-sub-plan-submit", args=[sub_plan.pk]))
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.SUBMITTED
    detail = html(client.get(reverse("unit-sub-plan-detail", args=[sub_plan.pk])))
    history = detail.split('data-testid="history"', 1)[1]
    assert "提交分计划" in history and "填报分计划" in history  # the audit trail names both steps
    assert "30,000.00 元" in detail


def test_save_and_submit_files_the_sub_plan_as_submitted_in_one_step(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    client.force_login(member_of(unit))
    assert "保存并提交" in html(client.get(reverse("unit-sub-plan-file", args=[project.pk])))
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": unit.pk, "lot": lot.pk, "quantity": "3", "budget_yuan": "15000", "action": "submit",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    }, follow=True)
    sub_plan = SubPlan.objects.get(unit=unit, lot=lot)
    assert (sub_plan.status, sub_plan.revision) == (SubPlan.Status.SUBMITTED, 1)
    assert sub_plan.submitted_at is not None
    body = html(response)
    assert "分计划已提交" in body and "填报并提交分计划" in body.split('data-testid="history"', 1)[1]


def test_save_and_submit_after_the_deadline_is_refused_and_saves_nothing(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    client.force_login(member_of(unit))
    Project.objects.filter(pk=project.pk).update(response_deadline=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": unit.pk, "lot": lot.pk, "quantity": "3", "budget_yuan": "15000", "action": "submit",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and "截止" in html(response)
    assert not SubPlan.objects.filter(unit=unit).exists()


def test_a_refused_sub_plan_shows_the_service_reason_in_chinese_and_saves_nothing(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    client.force_login(member_of(unit))
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": unit.pk, "lot": lot.pk, "quantity": "8", "budget_yuan": "40000",
        "funding-TOTAL_FORMS": "1", "funding-INITIAL_FORMS": "0",
        "funding-0-source": "general_budget", "funding-0-amount_yuan": "100", "funding-0-budget_index_code": "",
    })
    assert response.status_code == 200
    assert "资金构成合计" in html(response)
    assert not SubPlan.objects.filter(unit=unit).exists()


def test_an_invalid_quantity_is_a_chinese_field_error(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    client.force_login(member_of(unit))
    response = client.post(reverse("unit-sub-plan-file", args=[project.pk]), {
        "unit": unit.pk, "lot": lot.pk, "quantity": "0", "budget_yuan": "",
        "funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0",
    })
    body = html(response)
    assert response.status_code == 200
    assert "确保该值大于或等于0.01" in body and "必填项" in body
    assert not SubPlan.objects.exists()


def test_unit_edits_its_sub_plan_through_the_form(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    user = member_of(unit)
    sub_plan = sub_plan_save(lot=LotFactory(project=project), unit=unit, actor=user, quantity=5, budget_yuan=5000)
    client.force_login(user)
    form = client.get(reverse("unit-sub-plan-edit", args=[sub_plan.pk]))
    assert form.status_code == 200 and "修改分计划" in html(form)
    client.post(reverse("unit-sub-plan-edit", args=[sub_plan.pk]), {
        "quantity": "6", "budget_yuan": "6000", "contact_name": "李四", "contact_phone": "", "note": "加2台",
        "funding-TOTAL_FORMS": "1", "funding-INITIAL_FORMS": "0",
        "funding-0-source": "general_budget", "funding-0-amount_yuan": "6000", "funding-0-budget_index_code": "",
    })
    sub_plan.refresh_from_db()
    assert (sub_plan.quantity, sub_plan.budget_yuan, sub_plan.contact_name) == (6, 6000, "李四")
    assert FundingLine.objects.filter(sub_plan=sub_plan).count() == 1


def test_withdraw_then_the_sub_plan_no_longer_counts(client):
    unit = BudgetUnitFactory()
    sub_plan = SubPlanFactory(lot=LotFactory(project=open_project_for(unit)), unit=unit)
    client.force_login(member_of(unit))
    response = client.post(reverse("unit-sub-plan-withdraw", args=[sub_plan.pk]), follow=True)
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.WITHDRAWN
    assert "分计划已撤回" in html(response)


def test_submitting_after_the_deadline_is_refused_with_a_chinese_message(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit, response_opens_at=timezone.now() - timedelta(days=9),
                               response_deadline=timezone.now() - timedelta(hours=1))
    sub_plan = SubPlanFactory(lot=LotFactory(project=project), unit=unit, status=SubPlan.Status.DRAFT)
    client.force_login(member_of(unit))
    response = client.post(reverse("unit-sub-plan-submit", args=[sub_plan.pk]), follow=True)
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.DRAFT
    assert "截止" in html(response)


def test_sub_plan_list_filters_and_paginates_20_per_page(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    for _ in range(21):
        SubPlanFactory(lot=LotFactory(project=project), unit=unit)
    SubPlanFactory(lot=LotFactory(project=project), unit=unit, status=SubPlan.Status.DRAFT)
    client.force_login(member_of(unit))
    first = client.get(reverse("unit-sub-plan-list"))
    assert len(first.context["page"]) == 20 and first.context["page"].paginator.count == 22
    assert "下一页" in html(first)
    drafts = client.get(reverse("unit-sub-plan-list"), {"status": "draft"})
    assert drafts.context["page"].paginator.count == 1


def test_a_viewer_cannot_change_a_sub_plan_and_is_told_why(client):
    unit = BudgetUnitFactory()
    sub_plan = SubPlanFactory(lot=LotFactory(project=open_project_for(unit)), unit=unit)
    client.force_login(member_of(unit, role=Membership.Role.VIEWER))
    response = client.post(reverse("unit-sub-plan-withdraw", args=[sub_plan.pk]), follow=True)
    sub_plan.refresh_from_db()
    assert sub_plan.status == SubPlan.Status.SUBMITTED
    assert "无权" in html(response)


# --- the unit's contract pages ----------------------------------------------------------------

def test_unit_signs_its_contract_through_the_page_and_deadlines_appear(client, calendar_loaded):
    unit = BudgetUnitFactory()
    contract = ContractFactory(buyer=unit)
    client.force_login(member_of(unit))
    detail = html(client.get(reverse("unit-contract-detail", args=[contract.pk])))
    assert "下一步：签订合同" in detail and "45,000.00 元" in detail
    response = client.post(reverse("unit-contract-step", args=[contract.pk, "sign"]),
                           {"on": timezone.localdate().isoformat(), "signed_file": contract_pdf()}, follow=True)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED and contract.publish_due is not None
    body = html(response)
    assert "「签订合同」已完成" in body and "下一步：合同公告" in body


def test_a_refused_contract_step_is_a_chinese_message_and_nothing_changes(client):
    unit = BudgetUnitFactory()
    contract = ContractFactory(buyer=unit)
    client.force_login(member_of(unit))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(reverse("unit-contract-step", args=[contract.pk, "sign"]),
                           {"on": tomorrow, "signed_file": contract_pdf()}, follow=True)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT and contract.signed_on is None
    assert "签订日期不能晚于今天" in html(response)


def test_a_step_out_of_order_is_refused(client):
    unit = BudgetUnitFactory()
    contract = ContractFactory(buyer=unit)
    client.force_login(member_of(unit))
    response = client.post(reverse("unit-contract-step", args=[contract.pk, "pay"]),
                           {"on": timezone.localdate().isoformat(), "amount_yuan": "100"}, follow=True)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT
    assert "不能执行「资金支付」" in html(response)


def test_contract_list_searches_by_supplier(client):
    unit = BudgetUnitFactory()
    ContractFactory(buyer=unit, supplier=SupplierFactory(name="长春华信科技有限公司"), title="电脑合同")
    ContractFactory(buyer=unit, supplier=SupplierFactory(name="吉林恒远办公设备有限公司"), title="打印机合同")
    client.force_login(member_of(unit))
    response = client.get(reverse("unit-contract-list"), {"q": "华信"})
    assert [c.title for c in response.context["page"]] == ["电脑合同"]


# --- the landing page, error pages and the template helpers -------------------------------------

def test_landing_page_shows_latest_notices_and_a_login_button(client):
    notice = notice_publish(type="procurement", title="吉林省2026年第一批台式计算机批量集中采购公告",
                            body="正文", region=prefecture())
    body = html(client.get(reverse("portal-home")))
    assert notice.title in body and "登录平台" in body


def test_landing_page_offers_the_workbench_to_a_signed_in_user(client):
    client.force_login(user_of_kind("supplier"))
    body = html(client.get(reverse("portal-home")))
    assert "进入我的工作台" in body and reverse("workbench") in body


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in html(response)


def test_static_assets_are_vendored_not_from_a_cdn(client):
    body = html(client.get(reverse("portal-home")))
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert "cdn" not in body.lower() and "https://" not in body


def render(source: str, **context) -> str:
    request = RequestFactory().get("/", {"q": "电脑", "page": "3"})
    return Template("{% load portal %}" + source).render(Context({"request": request, **context}))


def test_amount_filters_group_thousands_in_yuan_and_wan():
    assert render("{{ v|yuan }}", v=Decimal("1234567.5")) == "1,234,567.50 元"
    assert render("{{ v|yuan_as_wan }}", v=Decimal("1234567")) == "123.46 万元"
    assert render("{{ v|wan }}", v=Decimal("12345.678")) == "12,345.68 万元"
    assert render("{{ v|qty }}", v=Decimal("1200.00")) == "1,200"
    assert render("{{ v|qty }}", v=Decimal("2.50")) == "2.5"
    assert render("{{ v|yuan }}", v=None) == "—"


def test_status_badge_shows_the_chinese_label():
    contract = Contract(status=Contract.Status.SIGNED)
    assert "已签订" in render("{% status_badge c %}", c=contract)


def test_page_url_keeps_the_search_when_changing_page():
    assert render("{% page_url 4 %}") == "?q=%E7%94%B5%E8%84%91&amp;page=4"  # escaped inside href=""


def test_local_url_refuses_off_site_links():
    assert render("{{ u|local_url }}", u="/unit/contracts/1/") == "/unit/contracts/1/"
    assert render("{{ u|local_url }}", u="//evil.example/") == ""
    assert render("{{ u|local_url }}", u="javascript:alert(1)") == ""


# --- no query per row ---------------------------------------------------------------------------

def queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_unit_rows(unit, supplier):
    project = open_project_for(unit)
    lot = LotFactory(project=project)
    SubPlanFactory(lot=lot, unit=unit)
    ContractFactory(buyer=unit, supplier=supplier, lot=lot, project=project, status=Contract.Status.SIGNED,
                    signed_on=timezone.localdate(), publish_due=timezone.localdate() - timedelta(days=1))


@pytest.mark.parametrize("kind", ["finance", "center", "budget_unit", "supplier"])
def test_home_pages_do_not_query_per_row(client, kind):
    unit, supplier, center = BudgetUnitFactory(), SupplierFactory(), CenterFactory()
    user = {"finance": lambda: member_of(FinanceFactory()), "center": lambda: member_of(center),
            "budget_unit": lambda: member_of(unit), "supplier": lambda: member_of(supplier)}[kind]()
    client.force_login(user)

    def add_rows():
        add_unit_rows(unit, supplier)
        ProjectFactory(organizer=center)

    add_rows()
    url = reverse(HOMES[kind][0])
    few = queries_for(client, url)
    for _ in range(4):
        add_rows()
    assert queries_for(client, url) == few


@pytest.mark.parametrize("url_name", ["unit-sub-plan-list", "unit-contract-list"])
def test_unit_lists_do_not_query_per_row(client, url_name):
    unit, supplier = BudgetUnitFactory(), SupplierFactory()
    client.force_login(member_of(unit))
    add_unit_rows(unit, supplier)
    few = queries_for(client, reverse(url_name))
    for _ in range(4):
        add_unit_rows(unit, supplier)
    assert queries_for(client, reverse(url_name)) == few


def test_the_500_page_renders_in_chinese_without_a_request():
    from django.template.loader import render_to_string

    assert "系统繁忙，请稍后再试" in render_to_string("500.html")


def test_a_form_posted_without_csrf_gets_a_chinese_page():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    UserFactory(username="zhao")
    response = client.post(reverse("login"), {"username": "zhao", "password": "Test@12345"})
    assert response.status_code == 403
    assert "页面已过期，请刷新后重试" in html(response)


def test_the_file_page_offers_only_lots_not_yet_filed(client):
    unit = BudgetUnitFactory()
    project = open_project_for(unit)
    filed_lot, free_lot = LotFactory(project=project, name="已填报的包"), LotFactory(project=project, name="未填报的包")
    filed = SubPlanFactory(lot=filed_lot, unit=unit)
    client.force_login(member_of(unit))
    response = client.get(reverse("unit-sub-plan-file", args=[project.pk]))
    assert list(response.context["form"].fields["lot"].queryset) == [free_lot]
    assert reverse("unit-sub-plan-detail", args=[filed.pk]) in html(response)  # "已填报，查看"
    SubPlanFactory(lot=free_lot, unit=unit)
    assert "本单位已填报该项目的全部采购包" in html(client.get(reverse("unit-sub-plan-file", args=[project.pk])))

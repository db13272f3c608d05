"""拟定品目: the center proposes batch categories from the analysis to finance, which deliberates.

Rule: seed 000 三(一)1(1) — 集中采购机构从采购品目、预算金额和采购单位三个维度……综合分析……拟定实施批量集中
采购品目报同级财政部门。财政部门在完成对拟开展批量集中采购品目相关情况论证后，形成《批量集中采购任务通知单》;
seed 000 二(一)2 — batch procurement is for categories inside the government centralized catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from batch.arrangement import arrangement_import
from batch.models import Arrangement, CategoryProposal, ProposedCategory, TaskNotice
from batch.proposals import (
    category_proposal_submit,
    proposals_visible,
    proposed_category_adopt,
    proposed_category_decline,
)
from procurement.models import Membership, Organization, ProjectEvent
from procurement.services.errors import ServiceError, TransitionRefused
from tests.batch.test_analysis import arrangement_of
from tests.batch.test_arrangement_import import xlsx_bytes
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    CenterFactory,
    FinanceFactory,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    bureau: Organization
    center: Organization
    arrangement: Arrangement
    finance_user: object
    center_user: object
    desktop: object  # recommended: five units, small and large mixed
    printer: object  # recommended: four small units
    laptop: object  # in the catalog, two units: not recommended
    service: object  # outside the centralized catalog


@pytest.fixture
def scene(world) -> Scene:
    changchun = world.changchun
    bureau, center = world.finance, world.center  # 吉林省财政厅, 吉林省政府采购中心
    units = world.units(3, name="省直单位{}", codes=[f"10100{i}" for i in range(1, 4)])
    units += world.units(2, name="长春单位{}", codes=[f"20100{i}" for i in range(1, 3)], region=changchun)
    desktop = CategoryFactory(code="A02010105", name="台式计算机", centralized_limit_yuan=Decimal("500000"))
    printer = CategoryFactory(code="A02021003", name="A4黑白打印机")
    laptop = CategoryFactory(code="A02010108", name="便携式计算机")
    service = CategoryFactory(code="C21040000", name="物业管理服务", level=2, in_centralized_catalog=False)
    amounts = ("0.8", "3", "4", "30", "150")
    lines = [(unit, desktop, 1, amount) for unit, amount in zip(units, amounts, strict=True)]
    lines += [(unit, printer, 1, "0.3") for unit in units[:4]]
    lines += [(units[0], laptop, 10, 6), (units[1], laptop, 12, 8), (units[0], service, 1, 100)]
    arrangement = arrangement_of(bureau, lines)
    return Scene(bureau, center, arrangement, world.user(bureau), world.user(center), desktop, printer, laptop,
                 service)


def propose(scene: Scene, *categories, note: str = "", actor=None) -> CategoryProposal:
    return category_proposal_submit(arrangement=scene.arrangement, center=scene.center,
                                    category_ids=[c.pk for c in categories], note=note,
                                    actor=actor or scene.center_user)


# --- the center proposes -----------------------------------------------------------------------

def test_the_center_proposes_categories_with_the_analysis_as_it_stood(scene):
    proposal = propose(scene, scene.printer, scene.desktop, note="结合国采中心计划")

    assert (proposal.finance_bureau, proposal.center, proposal.year) == (scene.bureau, scene.center, 2026)
    items = list(proposal.items.order_by("rank"))
    assert [i.category for i in items] == [scene.desktop, scene.printer]  # in the analysis' order
    desktop = items[0]
    assert (desktop.rank, desktop.unit_count, desktop.amount_wan) == (1, 5, Decimal("187.8000"))
    assert desktop.recommended and "以大带小" in desktop.reasoning and desktop.status == "pending"
    assert ProjectEvent.objects.filter(action="submit", action_label="报送批量集中采购品目建议").exists()


def test_a_category_outside_the_centralized_catalog_cannot_be_proposed(scene):
    """Seed 000 二(一)2: batch procurement is for items inside the government centralized catalog."""
    with pytest.raises(ServiceError, match=r"物业管理服务.*不在该安排情况表的政府集中采购目录内品目中"):
        propose(scene, scene.desktop, scene.service)
    assert not CategoryProposal.objects.exists()


def test_a_category_not_in_the_table_cannot_be_proposed(scene):
    other = CategoryFactory(code="A02061804", name="空调机")
    with pytest.raises(ServiceError, match="空调机"):
        propose(scene, other)


def test_a_category_the_analysis_does_not_recommend_needs_the_centers_reasons(scene):
    with pytest.raises(ServiceError, match=r"便携式计算机.*暂不建议.*理由") as refused:
        propose(scene, scene.laptop)
    assert refused.value.field == "note"
    proposal = propose(scene, scene.laptop, note="国采中心本年度未安排便携式计算机批量采购，省内需求集中。")
    assert proposal.items.get().recommended is False


def test_nothing_chosen_is_refused(scene):
    with pytest.raises(ServiceError, match="请至少选择一个"):
        propose(scene)


def test_a_forged_category_id_is_refused_in_chinese(scene):
    with pytest.raises(ServiceError, match="所选品目无效"):
        category_proposal_submit(arrangement=scene.arrangement, center=scene.center, category_ids=["台式计算机"],
                                 actor=scene.center_user)
    assert not CategoryProposal.objects.exists()


def test_a_category_under_deliberation_is_not_proposed_twice(scene):
    propose(scene, scene.desktop)
    with pytest.raises(ServiceError, match=r"台式计算机.*正在论证"):
        propose(scene, scene.printer, scene.desktop)
    assert CategoryProposal.objects.count() == 1
    # Once finance has decided, the category may come again (e.g. next quarter's reasons).
    proposed_category_decline(item=ProposedCategory.objects.get(), actor=scene.finance_user, reason="暂缓")
    assert propose(scene, scene.desktop).items.count() == 1


def test_only_the_center_of_the_bureaus_level_proposes(scene):
    """同级: a city's center does not propose to the provincial bureau."""
    city_center = CenterFactory(name="长春市政府采购中心", region=prefecture())
    with pytest.raises(ServiceError, match="不是同级"):
        category_proposal_submit(arrangement=scene.arrangement, center=city_center,
                                 category_ids=[scene.desktop.pk], actor=member_of(city_center))


def test_only_a_member_of_the_center_proposes_in_its_name(scene):
    with pytest.raises(PermissionDenied):
        propose(scene, scene.desktop, actor=scene.finance_user)
    viewer = member_of(scene.center, role=Membership.Role.VIEWER)
    with pytest.raises(PermissionDenied):
        propose(scene, scene.desktop, actor=viewer)


def test_a_superseded_table_is_not_proposed_from(scene):
    Arrangement.objects.filter(pk=scene.arrangement.pk).update(is_current=False)
    scene.arrangement.refresh_from_db()
    with pytest.raises(ServiceError, match=r"已被.*替代"):
        propose(scene, scene.desktop)


def test_a_proposal_still_links_to_the_table_it_rests_on_after_that_table_is_replaced(client, scene):
    """Issue 7 point 3: the replaced table stays readable; a proposal made from it still opens its analysis."""
    proposal = propose(scene, scene.desktop)
    data = xlsx_bytes([("101001", "省直单位1", "A02010105", "1", "1")])
    new = arrangement_import(file=BytesIO(data), year=2026, finance_bureau=scene.bureau, actor=scene.finance_user,
                             replace=True).arrangement
    proposal.refresh_from_db()
    assert proposal.arrangement == scene.arrangement != new

    client.force_login(scene.finance_user)
    detail = client.get(reverse("batch:proposal-detail", args=[proposal.pk])).content.decode()
    old_analysis = reverse("batch:arrangement-analysis", args=[scene.arrangement.pk])
    assert old_analysis in detail
    page = client.get(old_analysis).content.decode()
    assert "已被替换" in page and "187.80" in page  # the old table's figures, not the new one's


# --- finance deliberates ---------------------------------------------------------------------------

def test_adopting_drafts_a_task_notice_for_the_proposing_center(scene):
    item = propose(scene, scene.desktop, note="各单位需求集中在第二季度").items.get()

    adopted = proposed_category_adopt(item=item, actor=scene.finance_user, note="同意")

    task = adopted.task
    assert adopted.status == "adopted" and adopted.decision_note == "同意" and adopted.decided_at
    assert (task.status, task.finance_bureau, task.center, task.category, task.year) == (
        TaskNotice.Status.DRAFT, scene.bureau, scene.center, scene.desktop, 2026)
    assert task.scope == TaskNotice.Scope.PROVINCE and task.cycle == "quarterly"
    assert task.purchase_limit_yuan == Decimal("500000.00") and "50万元以下" in task.purchase_limit
    assert "分析排名第1位" in task.basis and "各单位需求集中在第二季度" in task.basis and "论证意见：同意" in task.basis


def test_a_city_bureau_adopting_scopes_the_task_to_its_own_region(scene):
    city = prefecture()
    bureau = FinanceFactory(name="长春市财政局", region=city)
    center = CenterFactory(name="长春市政府采购中心", region=city)
    arrangement = arrangement_of(bureau, [(BudgetUnitFactory(region=city), scene.printer, 1, "0.2")
                                          for _ in range(3)])
    proposal = category_proposal_submit(arrangement=arrangement, center=center, category_ids=[scene.printer.pk],
                                        actor=member_of(center))
    task = proposed_category_adopt(item=proposal.items.get(), actor=member_of(bureau)).task
    assert task.scope == TaskNotice.Scope.REGIONS and list(task.scope_regions.all()) == [city]


def test_declining_needs_a_reason(scene):
    item = propose(scene, scene.desktop).items.get()
    with pytest.raises(ServiceError, match="请填写不予采纳的理由"):
        proposed_category_decline(item=item, actor=scene.finance_user, reason="  ")
    declined = proposed_category_decline(item=item, actor=scene.finance_user, reason="已纳入国采中心批量采购计划")
    assert (declined.status, declined.decision_note, declined.task) == ("declined", "已纳入国采中心批量采购计划", None)


def test_only_the_bureau_the_proposal_went_to_decides(scene):
    item = propose(scene, scene.desktop).items.get()
    other = FinanceFactory(name="吉林市财政局", region=prefecture("220200", "吉林市"))
    for actor in (scene.center_user, member_of(other), member_of(scene.bureau, role=Membership.Role.VIEWER)):
        with pytest.raises(PermissionDenied):
            proposed_category_adopt(item=item, actor=actor)
        with pytest.raises(PermissionDenied):
            proposed_category_decline(item=item, actor=actor, reason="不同意")
    item.refresh_from_db()
    assert item.status == "pending" and not TaskNotice.objects.exists()


def test_a_decided_category_is_not_decided_again_and_no_task_is_left_behind(scene):
    item = propose(scene, scene.desktop).items.get()
    proposed_category_adopt(item=item, actor=scene.finance_user)
    with pytest.raises(TransitionRefused):
        proposed_category_adopt(item=item, actor=scene.finance_user)
    with pytest.raises(TransitionRefused):
        proposed_category_decline(item=item, actor=scene.finance_user, reason="改变主意")
    assert TaskNotice.objects.count() == 1  # the refused second adoption drafted nothing


# --- who sees what -----------------------------------------------------------------------------------

def test_the_bureau_and_the_proposing_center_see_a_proposal_and_no_one_else(scene):
    proposal = propose(scene, scene.desktop)
    other_center = CenterFactory(name="吉林市政府采购中心", region=prefecture("220200", "吉林市"))
    assert list(proposals_visible(scene.finance_user)) == [proposal]
    assert list(proposals_visible(scene.center_user)) == [proposal]
    assert not proposals_visible(member_of(other_center)).exists()
    assert not proposals_visible(member_of(BudgetUnitFactory())).exists()


# --- pages -------------------------------------------------------------------------------------------

def test_the_center_proposes_from_the_analysis_page_and_finance_adopts_on_the_proposal_page(client, scene):
    client.force_login(scene.center_user)
    analysis = client.get(reverse("batch:arrangement-analysis", args=[scene.arrangement.pk])).content.decode()
    assert reverse("batch:proposal-new", args=[scene.arrangement.pk]) in analysis
    page = client.get(reverse("batch:proposal-new", args=[scene.arrangement.pk])).content.decode()
    # The recommended categories come ticked; the one outside the catalog is not offered.
    assert f'value="{scene.desktop.pk}" id="category-{scene.desktop.pk}" aria-label="报送台式计算机" checked' in page
    assert f'value="{scene.laptop.pk}"' in page and 'aria-label="报送便携式计算机" checked' not in page
    assert "物业管理服务" not in page
    assert f'<label for="category-{scene.desktop.pk}">台式计算机</label>' in page
    response = client.post(reverse("batch:proposal-new", args=[scene.arrangement.pk]), {
        "center": scene.center.pk, "categories": [scene.desktop.pk, scene.printer.pk], "note": ""})
    proposal = CategoryProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("batch:proposal-detail",
                                                                            args=[proposal.pk])
    assert proposal.items.count() == 2

    client.force_login(scene.finance_user)
    detail = client.get(reverse("batch:proposal-detail", args=[proposal.pk])).content.decode()
    assert "采纳并起草任务通知单" in detail and "台式计算机" in detail
    item = proposal.items.get(category=scene.desktop)
    adopted = client.post(reverse("batch:proposal-item-adopt", args=[proposal.pk, item.pk]), {"note": "同意"})
    item.refresh_from_db()
    assert item.status == "adopted"
    assert adopted["Location"] == reverse("batch:task-detail", args=[item.task_id])
    task_page = client.get(adopted["Location"]).content.decode()
    assert reverse("batch:proposal-detail", args=[proposal.pk]) in task_page  # the task names its proposal


def test_a_refused_proposal_shows_the_reason_and_saves_nothing(client, scene):
    client.force_login(scene.center_user)
    response = client.post(reverse("batch:proposal-new", args=[scene.arrangement.pk]), {
        "center": scene.center.pk, "categories": [scene.laptop.pk], "note": ""})
    assert response.status_code == 200
    assert "暂不建议" in response.content.decode() and "请在报送说明中写明" in response.content.decode()
    assert not CategoryProposal.objects.exists()


def test_declining_on_the_page_without_a_reason_changes_nothing(client, scene):
    proposal = propose(scene, scene.desktop)
    item = proposal.items.get()
    client.force_login(scene.finance_user)
    response = client.post(reverse("batch:proposal-item-decline", args=[proposal.pk, item.pk]), {"reason": ""},
                           follow=True)
    assert "请填写不予采纳的理由" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_center_cannot_decide_and_another_center_gets_404(client, scene):
    proposal = propose(scene, scene.desktop)
    item = proposal.items.get()
    client.force_login(scene.center_user)
    assert "采纳并起草任务通知单" not in client.get(reverse("batch:proposal-detail",
                                                          args=[proposal.pk])).content.decode()
    assert client.post(reverse("batch:proposal-item-adopt", args=[proposal.pk, item.pk])).status_code == 403
    other = CenterFactory(name="吉林市政府采购中心", region=prefecture("220200", "吉林市"))
    client.force_login(member_of(other))
    assert client.get(reverse("batch:proposal-detail", args=[proposal.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_admin_lists_a_centers_proposals_read_only(client, scene):
    from procurement.services.demo import center_group_ensure

    proposal = propose(scene, scene.desktop)
    operator = scene.center_user
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    operator.groups.add(center_group_ensure())
    client.force_login(operator)
    changelist = client.get(reverse("admin:batch_categoryproposal_changelist"))
    assert changelist.status_code == 200 and str(proposal) in changelist.content.decode()
    change = client.get(reverse("admin:batch_categoryproposal_change", args=[proposal.pk])).content.decode()
    assert "台式计算机" in change and 'name="_save"' not in change
    assert reverse("batch:proposal-detail", args=[proposal.pk]) in change
    other = CenterFactory(name="吉林市政府采购中心", region=prefecture("220200", "吉林市"))
    stranger = member_of(other)
    stranger.is_staff = True
    stranger.save(update_fields=["is_staff"])
    stranger.groups.add(center_group_ensure())
    client.force_login(stranger)
    assert str(proposal) not in client.get(reverse("admin:batch_categoryproposal_changelist")).content.decode()


# --- who is told ---------------------------------------------------------------------------------------

def test_finance_is_told_of_a_proposal_and_the_center_of_each_decision(scene, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    from procurement.models import Notification

    scene.finance_user.email = "caizheng@example.gov.cn"
    scene.finance_user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(scene, scene.desktop, scene.printer)
    assert [m.to for m in mailoutbox] == [["caizheng@example.gov.cn"]]  # by e-mail once committed
    assert "/batch/proposals/" in mailoutbox[0].body
    told = Notification.objects.get(recipient=scene.finance_user)
    assert told.title == "吉林省政府采购中心报送了批量集中采购品目建议，待论证"
    assert "台式计算机、A4黑白打印机" in told.body
    assert told.url == reverse("batch:proposal-detail", args=[proposal.pk])
    assert not Notification.objects.filter(recipient=scene.center_user).exists()

    desktop, printer = proposal.items.get(category=scene.desktop), proposal.items.get(category=scene.printer)
    proposed_category_adopt(item=desktop, actor=scene.finance_user, note="同意")
    proposed_category_decline(item=printer, actor=scene.finance_user, reason="国采中心已安排")
    titles = list(Notification.objects.filter(recipient=scene.center_user).order_by("pk")
                  .values_list("title", flat=True))
    assert titles == ["吉林省财政厅采纳了品目建议：台式计算机", "吉林省财政厅未采纳品目建议：A4黑白打印机"]
    assert "国采中心已安排" in Notification.objects.get(title__startswith="吉林省财政厅未采纳").body


def test_an_event_is_told_once_however_often_it_is_replayed(scene):
    from procurement.models import Notification
    from procurement.services.reminders import organization_notify

    proposal = propose(scene, scene.desktop)
    again = organization_notify(organization=scene.bureau, subject=proposal, kind="submitted", title="重复",
                                body="重复")
    assert again == 0 and Notification.objects.filter(recipient=scene.finance_user).count() == 1

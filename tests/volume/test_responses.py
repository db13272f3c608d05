"""An invited unit's response to a volume project (753号 三、2), as the service writes it: one document per unit,
its items the core's sub-plans with their funding lines; every refusal names its source (753号 三、1 and 三、2, 四(三)).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement.models import FundingLine, Notification, Project, ProjectEvent, SubPlan
from procurement.selectors.collection import answered_unit_ids, response_of, unanswered_units
from procurement.services.errors import ServiceError
from tests.volume.factories_responses import CONTACT, item, open_volume
from volume.models import Response
from volume.services.responses import response_decline, response_save, response_submit
from volume.views.responses import response_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return open_volume(world)


def save(world, project, unit=None, *, items=None, submit=False, contact=CONTACT):
    unit = unit or world.prefecture_unit
    return response_save(project=project, unit=unit, items=items if items is not None else [item(project, 1)],
                         actor=world.user(unit), submit=submit, **contact)


def plans(project, unit):
    return list(SubPlan.objects.filter(project=project, unit=unit).order_by("lot__number"))


def snapshot(project):
    """Everything a refused write must leave as it was."""
    return (list(Response.objects.filter(project=project).values_list("status", "revision", "contact_name")),
            list(SubPlan.objects.filter(project=project).values_list("lot_id", "status", "quantity", "budget_yuan")),
            list(FundingLine.objects.filter(sub_plan__project=project).values_list("amount_yuan", "budget_index_code")),
            ProjectEvent.objects.filter(project=project).count())


def past_deadline(project):
    now = timezone.now()
    Project.objects.filter(pk=project.pk).update(response_opens_at=now - timedelta(days=10),
                                                 response_deadline=now - timedelta(minutes=1))
    return Project.objects.get(pk=project.pk)


# --- what a response is -------------------------------------------------------------------------------------

def test_a_response_is_one_document_with_two_items_and_three_funding_lines(world, project):
    """753号 三、2: 参与单位填写的采购清单内容可以为牵头单位确定的项目清单中的一项或者多项, with its 资金构成."""
    unit = world.prefecture_unit
    response = save(world, project, items=[
        item(project, 1, quantity="12", budget="57600.00", funding=[
            ("general_budget", "40000.00", "YS2026-0101"), ("special_account", "10000.00", "YS2026-0102"),
            ("own_funds", "7600.00", "DW2026-0001")]),
        item(project, 2, quantity="3", budget="6000.00"),
    ], submit=True)
    assert response.status == Response.Status.SUBMITTED and response.revision == 1
    assert (response.contact_name, response.contact_phone) == ("王芳", "0431-88880000")
    first, second = plans(project, unit)
    assert (first.quantity, first.budget_yuan, first.status) == (Decimal("12"), Decimal("57600.00"),
                                                                 SubPlan.Status.SUBMITTED)
    assert sorted(first.funding_lines.values_list("source", "amount_yuan", "budget_index_code")) == [
        ("general_budget", Decimal("40000.00"), "YS2026-0101"), ("own_funds", Decimal("7600.00"), "DW2026-0001"),
        ("special_account", Decimal("10000.00"), "YS2026-0102")]
    assert second.status == SubPlan.Status.SUBMITTED and second.contact_name == "王芳"
    event = ProjectEvent.objects.filter(project=project, action="volume_response_submit").get()
    assert event.subject_id == response.pk and event.target == Response.Status.SUBMITTED


def test_a_draft_keeps_its_items_as_drafts_and_submitting_counts_them(world, project):
    unit = world.prefecture_unit
    draft = save(world, project, contact={})
    assert draft.status == Response.Status.DRAFT
    assert [p.status for p in plans(project, unit)] == [SubPlan.Status.DRAFT]
    assert unit in unanswered_units(project)
    with pytest.raises(ServiceError, match="提交响应须填写联系人"):
        response_submit(project=project, unit=unit, actor=world.user(unit))
    save(world, project)  # the contact added to the draft
    submitted = response_submit(project=project, unit=unit, actor=world.user(unit))
    assert submitted.status == Response.Status.SUBMITTED
    assert [p.status for p in plans(project, unit)] == [SubPlan.Status.SUBMITTED]
    assert unit not in unanswered_units(project)


def test_a_unit_revises_its_submitted_response_until_the_deadline_and_it_counts_at_once(world, project):
    """Revision until the deadline (753号 三、2 在规定时间内): the items are replaced at once, the response stays
    submitted with its next revision; an item dropped from the document leaves the count."""
    unit = world.prefecture_unit
    save(world, project, items=[item(project, 1), item(project, 2, quantity="2", budget="4000.00")], submit=True)
    revised = save(world, project, items=[item(project, 1, quantity="15", budget="72000.00")])
    assert revised.status == Response.Status.SUBMITTED and revised.revision == 2
    [only] = plans(project, unit)
    assert (only.lot.number, only.quantity, only.budget_yuan, only.status) == (
        1, Decimal("15"), Decimal("72000.00"), SubPlan.Status.SUBMITTED)
    assert list(only.funding_lines.values_list("amount_yuan", flat=True)) == [Decimal("72000.00")]


def test_declining_takes_the_items_out_of_the_count_and_tells_the_lead(world, project):
    unit = world.prefecture_unit
    save(world, project, submit=True)
    world.user(world.province_unit)  # the lead has a member to tell
    declined = response_decline(project=project, unit=unit, reason="本年度预算未安排该项支出", actor=world.user(unit))
    assert declined.status == Response.Status.DECLINED and declined.decline_reason == "本年度预算未安排该项支出"
    assert [p.status for p in plans(project, unit)] == [SubPlan.Status.WITHDRAWN]
    assert unit.pk in set(answered_unit_ids(project).values_list("unit_id", flat=True))
    told = Notification.objects.get(organization=world.province_unit, title__contains="不参与")
    assert "本年度预算未安排该项支出" in told.body
    # It may change its mind before the deadline: a new draft, then a submission.
    again = save(world, project, submit=True)
    assert again.status == Response.Status.SUBMITTED and again.decline_reason == ""
    assert [p.status for p in plans(project, unit)] == [SubPlan.Status.SUBMITTED]


def test_the_counts_say_responded_declined_and_pending(world, project):
    save(world, project, world.prefecture_unit, submit=True)
    response_decline(project=project, unit=world.county_unit, reason="已通过其他方式采购",
                     actor=world.user(world.county_unit))
    save(world, project, world.other_prefecture_unit)  # a draft is not an answer
    assert response_counts(project) == {"invited": 3, "submitted": 1, "declined": 1, "pending": 1, "drafts": 1}
    counted = response_of(project)
    assert (counted.eligible, counted.answered, counted.pending) == (3, 2, 1)
    assert list(unanswered_units(project)) == [world.other_prefecture_unit]


def test_the_lead_is_told_of_a_submission_in_the_last_working_day(world, calendar_loaded):
    project = open_volume(world, deadline_in=timedelta(hours=2))
    world.user(world.province_unit)
    save(world, project, submit=True)
    told = Notification.objects.get(organization=world.province_unit)
    assert "截止前提交响应" in told.title and world.prefecture_unit.name in told.title


# --- refusals, each with its source --------------------------------------------------------------------------

def test_753_step1_a_unit_the_lead_did_not_tick_is_refused(world, project):
    """753号 三、1: 牵头单位……勾选此项目参与单位名单 — only ticked units respond."""
    lead = world.province_unit  # not among the participants it ticked
    before = snapshot(project)
    with pytest.raises(ServiceError, match="不在牵头单位勾选的参与单位名单中"):
        save(world, project, lead)
    with pytest.raises(ServiceError, match="不在牵头单位勾选的参与单位名单中"):
        response_decline(project=project, unit=lead, reason="不参与", actor=world.user(lead))
    assert snapshot(project) == before


def test_another_unit_cannot_answer_for_a_unit(world, project):
    with pytest.raises(PermissionDenied):
        response_save(project=project, unit=world.prefecture_unit, items=[item(project, 1)],
                      actor=world.user(world.county_unit), **CONTACT)
    assert not Response.objects.filter(project=project).exists()


@pytest.mark.parametrize("step", ["save", "submit", "decline"])
def test_753_4_3_nothing_is_changed_submitted_or_withdrawn_after_the_deadline(world, project, step):
    """753号 四(三): 禁止出现中途退出集中带量采购活动 — after the deadline no change, no withdrawal, no decline."""
    unit = world.prefecture_unit
    save(world, project, submit=True)
    project = past_deadline(project)
    before = snapshot(project)
    calls = {
        "save": lambda: save(world, project, items=[item(project, 1, quantity="1", budget="4800.00")]),
        "submit": lambda: response_submit(project=project, unit=unit, actor=world.user(unit)),
        "decline": lambda: response_decline(project=project, unit=unit, reason="预算调整", actor=world.user(unit)),
    }
    with pytest.raises(ServiceError, match=r"截止后不能再修改、提交或撤回响应（753号 四\(三\)"):
        calls[step]()
    assert snapshot(project) == before


def test_753_step2_nothing_before_the_window_opens(world, project):
    """753号 三、1: 确定……响应时间 — a response outside the window is refused."""
    later = timezone.now() + timedelta(days=1)
    Project.objects.filter(pk=project.pk).update(response_opens_at=later, response_deadline=later + timedelta(days=5))
    with pytest.raises(ServiceError, match="不在需求响应时间内"):
        save(world, Project.objects.get(pk=project.pk))


def test_753_step2_an_item_outside_the_leads_list_is_refused(world, project):
    """753号 三、2: 项目清单中的一项或者多项 — only items of the lead's list."""
    other = open_volume(world)
    with pytest.raises(ServiceError, match="第2项：所选采购内容不在牵头单位确定的采购内容清单中"):
        save(world, project, items=[item(project, 1), item(other, 1)])
    assert not SubPlan.objects.filter(project__in=[project, other]).exists()


def test_753_step2_an_item_twice_is_refused(world, project):
    with pytest.raises(ServiceError, match="第2项（清单第1项 台式计算机）与第1项重复"):
        save(world, project, items=[item(project, 1), item(project, 1, quantity="2", budget="9600.00")])


@pytest.mark.parametrize(("quantity", "budget", "message"), [
    ("0", "100.00", "第1项（清单第1项 台式计算机）的采购数量必须大于0"),
    ("-2", "100.00", "的采购数量必须大于0"),
    ("2.5", "100.00", "须为整数"),
    ("2", "0", "第1项（清单第1项 台式计算机）的预算金额必须大于0"),
    ("2", "-1.00", "的预算金额必须大于0"),
    ("2", "1.005", "最多保留两位小数"),
])
def test_753_step2_quantity_and_budget_must_be_above_zero(world, project, quantity, budget, message):
    """753号 三、2: 明确本单位的采购内容 — a quantity and a budget above zero for every item."""
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save(world, project, items=[item(project, 1, quantity=quantity, budget=budget,
                                         funding=[("general_budget", "100.00", "YS1")])])


def test_753_step2_a_submission_without_any_item_is_refused(world, project):
    with pytest.raises(ServiceError, match="提交响应须至少填写一项采购内容"):
        save(world, project, items=[], submit=True)


def test_753_step2_funding_must_sum_to_the_budget_to_the_cent(world, project):
    """753号 三、2: 明确本单位的……资金构成 — the funding lines sum exactly to the item's budget (Decimal, to the
    cent): 100.00 against 99.99 is refused, 100.00 against 100.00 accepted."""
    lines = [("general_budget", "60.00", "YS1"), ("own_funds", "39.99", "DW1")]
    before = snapshot(project)
    refused = r"第1项（清单第1项 台式计算机）的资金构成合计99\.99元与预算金额100\.00元不一致"
    with pytest.raises(ServiceError, match=refused):
        save(world, project, items=[item(project, 1, quantity="1", budget="100.00", funding=lines)], submit=True)
    assert snapshot(project) == before
    lines[1] = ("own_funds", "40.00", "DW1")
    done = save(world, project, items=[item(project, 1, quantity="1", budget="100.00", funding=lines)], submit=True)
    assert done.status == Response.Status.SUBMITTED


def test_753_step2_an_item_without_funding_lines_is_not_submitted(world, project):
    with pytest.raises(ServiceError, match="第1项（清单第1项 台式计算机）未填写资金构成"):
        save(world, project, items=[item(project, 1, funding=[])], submit=True)


@pytest.mark.parametrize(("line", "message"), [
    (("general_budget", "48000.00", ""), "第1项（清单第1项 台式计算机）第2条资金构成未填写预算指标编号"),
    (("general_budget", "0", "YS9"), "第1项（清单第1项 台式计算机）第2条资金构成的金额必须大于0"),
    (("general_budget", "-5", "YS9"), "第2条资金构成的金额必须大于0"),
    (("lottery", "100", "YS9"), "第2条资金构成的资金来源「lottery」无效"),
])
def test_753_step2_each_funding_line_has_an_amount_and_its_budget_indicator_code(world, project, line, message):
    """753号 三、2 资金构成: each line names its source, an amount above zero and its 预算指标编号 (draft too)."""
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save(world, project, items=[item(project, 1, funding=[("general_budget", "48000.00", "YS1"), line])])


def test_a_submission_needs_a_contact(world, project):
    with pytest.raises(ServiceError, match="提交响应须填写联系人"):
        save(world, project, contact={"contact_name": "", "contact_phone": "0431-1"}, submit=True)
    with pytest.raises(ServiceError, match="提交响应须填写联系电话"):
        save(world, project, contact={"contact_name": "王芳", "contact_phone": ""}, submit=True)


def test_a_decline_needs_a_reason(world, project):
    unit = world.prefecture_unit
    with pytest.raises(ServiceError, match="选择不参与须说明理由"):
        response_decline(project=project, unit=unit, reason="  ", actor=world.user(unit))
    assert not Response.objects.filter(project=project).exists()


def test_the_core_filing_services_are_closed_to_volume_units(world, project):
    """A volume unit answers with its response document, never through the core's batch-style filing."""
    from procurement.services.sub_plans import sub_plan_save

    unit = world.prefecture_unit
    with pytest.raises(ServiceError, match="该项目不允许填报分计划"):
        sub_plan_save(lot=project.lots.get(number=1), unit=unit, actor=world.user(unit), quantity="1",
                      budget_yuan="4800")


def test_submitted_items_are_frozen_with_the_master_plan(world, project):
    """The core freezes the submitted items when the lead confirms the master plan; drafts never count."""
    from procurement.services.collection import collection_close, master_plan_confirm

    save(world, project, world.prefecture_unit, submit=True)
    save(world, project, world.county_unit)
    project = past_deadline(project)
    collection_close(project=project)
    master_plan_confirm(project=project, actor=world.user(world.province_unit))
    assert [p.status for p in plans(project, world.prefecture_unit)] == [SubPlan.Status.FROZEN]
    assert [p.status for p in plans(project, world.county_unit)] == [SubPlan.Status.DRAFT]

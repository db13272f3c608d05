"""The framework plan (框架协议采购方案, seed 000 三(二)(2)–(3), annex 8): each rule refused on submit with its section
named, the review with its versions and snapshots, the filing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from framework.models import FrameworkLot, FrameworkPlan, PlanReview, SurveyParticipant
from framework.services import plans as services
from procurement.models import Filing, Lot, Mode, ProcurementMethod, ProjectEvent, TaskNotice
from procurement.services.errors import ServiceError, TransitionRefused
from tests.framework import plans_data as data

pytestmark = pytest.mark.django_db


def center_user(world):
    return world.user(world.center)


def problems(plan) -> list[str]:
    return services.plan_problems(FrameworkPlan.objects.get(pk=plan.pk))


def save(world, plan, section, **values):
    return services.plan_section_save(plan=plan, section=section, values=values, actor=center_user(world))


def refused_with(world, plan, text: str) -> list[str]:
    with pytest.raises(services.PlanIncomplete) as raised:
        services.plan_submit(plan=plan, actor=center_user(world))
    assert any(text in problem for problem in raised.value.problems), raised.value.problems
    return raised.value.problems


# --- opening ---------------------------------------------------------------------------------------------------

def test_seed_3_2_2_plan_create_from_acknowledged_task_copies_category_limit_scope_validity(world):
    task = data.task_acknowledged(world)
    plan = data.plan_draft(world, task=task)
    project = plan.project
    assert project.mode == Mode.FRAMEWORK and project.code.startswith("JLKJ-")
    assert project.procurement_method == ProcurementMethod.FRAMEWORK_SOLICITATION
    assert project.organizer == world.center and project.category == task.category
    assert project.purchase_limit_yuan == Decimal("2000000")
    assert plan.task == task and plan.status == FrameworkPlan.Status.DRAFT and plan.version == 1
    assert (plan.valid_from.isoformat(), plan.valid_until.isoformat()) == ("2026-01-01", "2026-12-31")
    assert plan.user_scope == "全省各级预算单位" and plan.subject_kind == "goods"
    assert ProjectEvent.objects.filter(project=project, action="create").exists()


def test_plan_create_refuses_a_task_not_acknowledged_or_used_or_of_another_center(world):
    task = data.task_acknowledged(world)
    data.plan_draft(world, task=task)
    with pytest.raises(ServiceError, match="已编制采购方案"):
        data.plan_draft(world, task=task)
    issued = data.task_acknowledged(world)
    TaskNotice.objects.filter(pk=issued.pk).update(status=TaskNotice.Status.ISSUED)
    with pytest.raises(ServiceError, match="签收后"):
        data.plan_draft(world, task=TaskNotice.objects.get(pk=issued.pk))
    other = data.task_acknowledged(world, center=world.city_center)
    with pytest.raises(ServiceError, match="其他集中采购机构"):
        data.plan_draft(world, task=other)
    batch = data.task_acknowledged(world, mode=Mode.BATCH)
    with pytest.raises(ServiceError, match="不是框架协议"):
        data.plan_draft(world, task=batch)


def test_plan_create_only_for_the_centers_own_people(world):
    with pytest.raises(PermissionDenied):
        services.plan_create(center=world.center, title="x", actor=world.user(world.province_unit))


def test_complete_plan_has_no_problem_and_submits_as_version_1(world):
    plan = data.plan_complete(world)
    assert problems(plan) == []
    submitted = services.plan_submit(plan=plan, actor=center_user(world))
    assert submitted.status == FrameworkPlan.Status.SUBMITTED and submitted.version == 1
    assert submitted.submitted_at is not None


# --- the rules of submit, each naming its section ----------------------------------------------------------------

def test_annex8_s2_order110_art3_legal_ground_chosen_and_stated(world):
    plan = data.plan_complete(world, s2={"legal_ground": "", "legal_ground_statement": ""})
    found = refused_with(world, plan, "第三条")
    assert any("法定情形的理由" in p and "第二部分" in p for p in found)
    with pytest.raises(ServiceError, match="不是可选的值"):
        save(world, plan, "s2", content="x", legal_ground="somewhere", legal_ground_statement="x")


def test_annex8_s4_type_closed_or_open_required(world):
    plan = data.plan_complete(world)
    with pytest.raises(ServiceError, match="第四部分"):
        save(world, plan, "s4", agreement_type="")
    FrameworkPlan.objects.filter(pk=plan.pk).update(agreement_type="")
    refused_with(world, plan, "封闭式或开放式（附件8第四部分）")


def test_annex8_s5_goods_validity_one_year_counted_as_the_law_counts(world):
    """2026-01-01 → 2026-12-31 is one year (ok); → 2027-01-01 is more than one year (refused)."""
    plan = data.plan_complete(world, s5={"valid_from": "2026-01-01", "valid_until": "2026-12-31"})
    assert problems(plan) == []
    save(world, plan, "s5", valid_from="2026-01-01", valid_until="2027-01-01")
    found = refused_with(world, plan, "货物项目框架协议有效期不得超过1年")
    assert any("第五部分" in p for p in found)


def test_annex8_s5_services_validity_two_years(world):
    cats = data.categories()
    plan = data.plan_complete(world, s5={"valid_from": "2026-01-01", "valid_until": "2027-12-31"})
    lot = Lot.objects.get(project=plan.project)
    services.lot_update(lot=lot, values=data.lot_values(cats.services_leaf, name="法律服务", unit_of_measure="项"),
                        actor=center_user(world))
    assert problems(plan) == []
    assert FrameworkPlan.objects.get(pk=plan.pk).subject_kind == "services"
    save(world, plan, "s5", valid_from="2026-01-01", valid_until="2028-01-01")
    refused_with(world, plan, "服务项目框架协议有效期不得超过2年")


def test_annex8_s5_validity_missing_or_reversed(world):
    plan = data.plan_complete(world, s5={"valid_from": "", "valid_until": ""})
    refused_with(world, plan, "请填写框架协议有效期的起止日期（方案第五部分）")
    save(world, plan, "s5", valid_from="2026-06-01", valid_until="2026-05-01")
    refused_with(world, plan, "截止日期早于起始日期")


def test_annex8_s6_at_least_three_purchasers_and_three_suppliers_named(world):
    plan = data.plan_complete(world)
    participant = SurveyParticipant.objects.filter(plan=plan, kind="supplier").first()
    services.participant_remove(participant=participant, actor=center_user(world))
    refused_with(world, plan, "需求调查的供应商不少于3个，现有2个")
    purchaser = SurveyParticipant.objects.filter(plan=plan, kind="purchaser").first()
    services.participant_remove(participant=purchaser, actor=center_user(world))
    found = refused_with(world, plan, "需求调查的采购人不少于3个，现有2个")
    assert all("第六部分" in p for p in found if "需求调查的" in p)


def test_annex8_s6_participant_named_and_once(world):
    plan = data.plan_complete(world)
    with pytest.raises(ServiceError, match="请填写调查对象名称"):
        services.participant_add(plan=plan, kind="supplier", name=" ", actor=center_user(world))
    with pytest.raises(ServiceError, match="已在调查对象中"):
        services.participant_add(plan=plan, kind="supplier", name="甲电脑公司", actor=center_user(world))
    with pytest.raises(ServiceError, match="调查对象类别"):
        services.participant_add(plan=plan, kind="friend", name="丁", actor=center_user(world))


def test_annex8_s7_at_least_one_lot(world):
    plan = data.plan_complete(world)
    services.lot_remove(lot=Lot.objects.get(project=plan.project), actor=center_user(world))
    refused_with(world, plan, "请至少设置一个采购包（附件8第七部分）")


def test_annex8_s7_lot_at_lowest_catalog_level_with_max_price_and_basis(world):
    cats = data.categories()
    plan = data.plan_complete(world)
    actor = center_user(world)
    with pytest.raises(ServiceError, match=r"不是最末级品目.*第七部分"):
        services.lot_add(plan=plan, values=data.lot_values(cats.goods_parent), actor=actor)
    with pytest.raises(ServiceError, match="最高限制单价"):
        services.lot_add(plan=plan, values=data.lot_values(max_unit_price_yuan=None), actor=actor)
    with pytest.raises(ServiceError, match="确定方式"):
        services.lot_add(plan=plan, values=data.lot_values(price_basis=""), actor=actor)
    with pytest.raises(ServiceError, match="计量单位"):
        services.lot_add(plan=plan, values=data.lot_values(unit_of_measure=""), actor=actor)
    with pytest.raises(ServiceError, match="规格"):
        services.lot_add(plan=plan, values=data.lot_values(specification=""), actor=actor)
    assert Lot.objects.filter(project=plan.project).count() == 1
    # A lot whose category gained a child since (the catalog changed) is refused on submit.
    Lot.objects.filter(project=plan.project).update(category=cats.goods_parent)
    refused_with(world, plan, "采购品目须细化到底级品目（附件8第七部分（一））")
    Lot.objects.filter(project=plan.project).update(category=cats.desktop, max_unit_price_yuan=None)
    refused_with(world, plan, "请填写最高限制单价（附件8第七部分（二））")


def test_annex8_s8_quality_priority_only_for_priced_items_or_lab_instruments(world):
    plan = data.plan_complete(world)
    lot = Lot.objects.get(project=plan.project)
    actor = center_user(world)
    services.lot_update(lot=lot, values=data.lot_values(evaluation_method="quality_priority"), actor=actor)
    refused_with(world, plan, "质量优先法只适用于有政府定价、政府指导价的项目")
    services.lot_update(lot=lot, values=data.lot_values(evaluation_method="quality_priority",
                                                        price_basis="government_guided"), actor=actor)
    assert problems(plan) == []
    services.lot_update(lot=lot, values=data.lot_values(evaluation_method="quality_priority", is_lab_instrument=True,
                                                        elimination_rate_percent=Decimal("40")), actor=actor)
    assert problems(plan) == []


def test_annex8_s9_elimination_rate_at_least_20_or_40_for_quality_lab_instruments(world):
    plan = data.plan_complete(world)
    lot = Lot.objects.get(project=plan.project)
    actor = center_user(world)
    services.lot_update(lot=lot, values=data.lot_values(elimination_rate_percent=Decimal("19.99")), actor=actor)
    refused_with(world, plan, "淘汰比例不得低于20%，现为19.99%（附件8第九部分）")
    services.lot_update(lot=lot, values=data.lot_values(evaluation_method="quality_priority", is_lab_instrument=True,
                                                        elimination_rate_percent=Decimal("39")), actor=actor)
    refused_with(world, plan, "检测、实验等仪器设备淘汰比例不得低于40%")
    services.lot_update(lot=lot, values=data.lot_values(elimination_rate_percent=None), actor=actor)
    refused_with(world, plan, "请填写淘汰率（附件8第九部分）")


def test_annex8_s10_second_stage_method_and_its_rules(world):
    plan = data.plan_complete(world, s10={"second_stage_method": "", "shortlist_tie_break": ""})
    found = refused_with(world, plan, "直接选定、二次竞价或顺序轮候（附件8第十部分）")
    assert any("入围排名并列" in p for p in found)
    save(world, plan, "s10", second_stage_method="rotation", shortlist_tie_break="higher_rank")
    refused_with(world, plan, "顺序轮候须明确轮候顺序的确定方式")
    save(world, plan, "s10", second_stage_method="rotation", rotation_order_rule="shortlist_rank",
         shortlist_tie_break="higher_rank")
    assert problems(plan) == []
    save(world, plan, "s10", second_stage_method="secondary_bidding", bidding_response_hours="0",
         shortlist_tie_break="higher_rank")
    found = refused_with(world, plan, "二次竞价须明确供应商的响应时间")
    assert any("报价相同时" in p for p in found)
    save(world, plan, "s10", second_stage_method="secondary_bidding", bidding_response_hours="24",
         bidding_tie_break="earlier_submission", shortlist_tie_break="higher_rank")
    assert problems(plan) == []


def test_annex8_note1_open_plan_has_no_s8_to_s11_and_states_join_review_days(world):
    plan = data.plan_complete(world, open_type=True)
    assert plan.is_open and problems(plan) == []
    with pytest.raises(ServiceError, match="开放式框架协议不涉及第八至第十一项"):
        save(world, plan, "s10", second_stage_method="direct")
    with pytest.raises(ServiceError, match="不涉及评审方法和淘汰率"):
        services.lot_add(plan=plan, values=data.lot_values(), actor=center_user(world))
    FrameworkPlan.objects.filter(pk=plan.pk).update(removal_rules="清退", join_review_working_days=None)
    found = refused_with(world, plan, "开放式框架协议不涉及第八至第十一项内容，请清空：清退规则（附件8注1）")
    assert any("加入申请的审核期限" in p for p in found)


def test_annex8_note1_turning_a_plan_open_empties_s8_to_s11(world):
    plan = data.plan_complete(world)
    plan = save(world, plan, "s4", agreement_type="open", join_review_working_days="5")
    assert (plan.second_stage_method, plan.removal_rules, plan.shortlist_tie_break) == ("", "", "")
    extra = FrameworkLot.objects.get(lot__project=plan.project)
    assert extra.evaluation_method == "" and extra.elimination_rate_percent is None
    assert problems(plan) == []


def test_submit_collects_every_problem_and_changes_nothing(world):
    plan = data.plan_draft(world)
    with pytest.raises(services.PlanIncomplete) as raised:
        services.plan_submit(plan=plan, actor=center_user(world))
    found = raised.value.problems
    assert len(found) >= 8
    for section in ("第二部分", "第三部分", "第五部分", "第六部分", "第七部分", "第十部分", "第十一部分", "第十二部分"):
        assert any(section in p for p in found), section
    assert FrameworkPlan.objects.get(pk=plan.pk).status == FrameworkPlan.Status.DRAFT


# --- review, versions, filing ------------------------------------------------------------------------------------

def test_seed_3_2_2_return_revise_resubmit_keeps_both_versions_snapshots(world):
    plan = data.plan_submitted(world)
    finance = world.user(world.finance)
    with pytest.raises(ServiceError, match="请填写审核意见"):
        services.plan_review(plan=plan, decision="return", opinion="", actor=finance)
    first = services.plan_review(plan=plan, decision="return", opinion="最高限制单价偏高", actor=finance)
    plan.refresh_from_db()
    assert plan.status == FrameworkPlan.Status.RETURNED and plan.version == 1
    lot = Lot.objects.get(project=plan.project)
    services.lot_update(lot=lot, values=data.lot_values(max_unit_price_yuan=Decimal("4500")),
                        actor=center_user(world))
    resubmitted = services.plan_submit(plan=plan, actor=center_user(world))
    assert resubmitted.version == 2
    second = services.plan_review(plan=plan, decision="approve", opinion="", actor=finance)
    reviews = list(PlanReview.objects.filter(plan=plan).order_by("version"))
    assert [(r.version, r.decision) for r in reviews] == [(1, "return"), (2, "approve")]
    assert first.snapshot["lots"][0]["max_unit_price_yuan"] == "5000.00"
    assert second.snapshot["lots"][0]["max_unit_price_yuan"] == "4500.00"
    assert len(first.snapshot["participants"]) == 7 and first.snapshot["legal_ground"] == "catalog_small"
    assert first.finance_bureau == world.finance
    plan.refresh_from_db()
    assert plan.status == FrameworkPlan.Status.APPROVED and plan.approved_at is not None


def test_no_edit_while_submitted_or_approved(world):
    plan = data.plan_submitted(world)
    with pytest.raises(TransitionRefused, match="只有草稿或退回修改"):
        save(world, plan, "s13", other_matters="x")
    with pytest.raises(TransitionRefused):
        services.plan_submit(plan=plan, actor=center_user(world))


def test_review_only_by_the_finance_of_the_centers_level(world):
    assert world.city_finance
    plan = data.plan_submitted(world)
    with pytest.raises(PermissionDenied):
        services.plan_review(plan=plan, decision="approve", opinion="", actor=world.user(world.city_finance))
    with pytest.raises(PermissionDenied):
        services.plan_review(plan=plan, decision="approve", opinion="", actor=center_user(world))


def test_city_center_plan_is_reviewed_by_city_finance(world):
    assert world.city_finance  # made on first use: the city's finance bureau exists before the plan is submitted
    plan = data.plan_submitted(world, center=world.city_center)
    with pytest.raises(PermissionDenied):
        services.plan_review(plan=plan, decision="approve", opinion="", actor=world.user(world.finance))
    review = services.plan_review(plan=plan, decision="approve", opinion="", actor=world.user(world.city_finance))
    assert review.finance_bureau == world.city_finance


def test_seed_3_2_3_approved_plan_is_filed_with_finance(world):
    plan = data.plan_submitted(world)
    with pytest.raises(TransitionRefused, match="审核通过后才能备案"):
        services.plan_file(plan=plan, actor=center_user(world))
    services.plan_review(plan=plan, decision="approve", opinion="同意", actor=world.user(world.finance))
    filing = services.plan_file(plan=plan, actor=center_user(world))
    plan.refresh_from_db()
    assert plan.status == FrameworkPlan.Status.FILED and plan.filed_at is not None
    assert filing.kind == Filing.Kind.FRAMEWORK_PLAN and filing.finance_bureau == world.finance
    assert filing.filed_by == world.center and filing.project == plan.project
    assert filing.payload["lots"][0]["name"] == "台式计算机第1包"
    assert list(Filing.objects.about(plan)) == [filing]
    with pytest.raises(TransitionRefused):
        services.plan_file(plan=plan, actor=center_user(world))


def test_lot_remove_renumbers(world):
    plan = data.plan_complete(world, lots=3)
    first = Lot.objects.get(project=plan.project, number=1)
    services.lot_remove(lot=first, actor=center_user(world))
    assert list(Lot.objects.filter(project=plan.project).order_by("number").values_list("number", "name")) == [
        (1, "台式计算机第2包"), (2, "台式计算机第3包")]

"""Issue 7 points 5, 6, 7 and 11 on the batch award.

- Point 6: the reference price (参考单价) informs and binds nothing; the award is refused only above a maximum
  price the procurement documents set, or above the lot's budget (《政府采购货物和服务招标投标管理办法》第六十三条),
  and a maximum price is set within the budget (同办法第十二条).
- Point 7: 定标 needs what the award notice cites on file (《政府采购法实施条例》第四十三条): the procurement documents,
  published with it; the evaluation report; the evaluation experts, named in it.
- Point 5: every date follows the dates it comes from.
- Point 11: each winning supplier is told of its award.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notices.models import Notice, NoticeAttachment
from procurement import deadlines
from procurement.models import Award, Lot, Notification, ProcurementMethod, Project, ProjectDocument
from procurement.services.errors import ServiceError
from procurement.services.execution import (
    award_finalize,
    document_add,
    evaluation_record,
    finalize_missing,
    lot_award,
    lot_max_price_set,
    procurement_start,
)
from tests.procurement.test_award import award_world, member_of

pytestmark = pytest.mark.usefixtures("calendar_loaded")

Status = Project.Status
D = Decimal


def procuring(**kwargs):
    """Two lots, three units each with 10 台 and a budget of 50,000 元: 30 台 and 150,000 元 per lot."""
    return award_world(status=Status.PROCURING, procurement_method=ProcurementMethod.INQUIRY, **kwargs)


def award(world, lot, price: str, **kwargs):
    return lot_award(project=world.project, lot=lot, supplier=world.supplier, unit_price_yuan=D(price),
                           awarded_on=kwargs.pop("awarded_on", deadlines.today()), actor=world.operator, **kwargs)


# --- point 6: reference price, maximum price, budget ----------------------------------------------------

def test_the_reference_price_binds_nothing_at_award():
    """Issue 7 point 6: a 参考单价 of 4,800 元 does not stop an award at 4,990 元 within the budget."""
    world = procuring()
    Lot.objects.filter(pk=world.lots[0].pk).update(reference_price_yuan=D("4800"))
    saved = award(world, world.lots[0], "4990.00")
    assert saved.unit_price_yuan == D("4990.00")


def test_an_award_above_the_lots_budget_is_refused_naming_both_amounts():
    """Order 87 Art. 63: a price above the budget is invalid. 30 台 × 5,000.01 元 > 150,000 元."""
    world = procuring()
    with pytest.raises(ServiceError) as refused:
        award(world, world.lots[0], "5000.01")
    assert refused.value.field == "unit_price_yuan"
    assert "中标（成交）金额150,000.30元" in refused.value.message
    assert "超过本包采购预算150,000.00元" in refused.value.message
    assert "第六十三条" in refused.value.message
    assert not Award.objects.exists()
    assert award(world, world.lots[0], "5000.00").unit_price_yuan == D("5000.00")  # exactly the budget


def test_a_maximum_price_set_by_the_documents_binds_the_award():
    world = procuring()
    lot = world.lots[0]
    lot_max_price_set(project=world.project, lot=lot, max_unit_price_yuan=D("4600.00"), actor=world.operator)
    with pytest.raises(ServiceError, match=re.escape("不能超过本包最高限制单价（4,600.00元）：该限价由采购文件设定")):
        award(world, lot, "4600.01")
    assert not Award.objects.exists()
    award(world, lot, "4600.00")
    # Once awarded, the maximum price of that lot no longer changes.
    with pytest.raises(ServiceError, match="已录入中标（成交）结果，不能再变更最高限制单价"):
        lot_max_price_set(project=world.project, lot=lot, max_unit_price_yuan=None, actor=world.operator)


def test_a_maximum_price_is_set_within_the_budget():
    """Order 87 Art. 12: 在采购预算额度内设定最高限价 — at most 150,000 元 ÷ 30 台 = 5,000 元."""
    world = procuring()
    with pytest.raises(ServiceError, match=re.escape("不能超过采购预算折算的单价5,000.00元")) as refused:
        lot_max_price_set(project=world.project, lot=world.lots[0], max_unit_price_yuan=D("5000.01"),
                                actor=world.operator)
    assert refused.value.field == "max_unit_price_yuan"
    assert Lot.objects.get(pk=world.lots[0].pk).max_unit_price_yuan is None
    lot = lot_max_price_set(project=world.project, lot=world.lots[0], max_unit_price_yuan=D("5000.00"),
                                  actor=world.operator)
    assert lot.max_unit_price_yuan == D("5000.00")


def test_only_the_center_sets_a_maximum_price():
    world = procuring()
    with pytest.raises(Exception, match="无权"):
        lot_max_price_set(project=world.project, lot=world.lots[0], max_unit_price_yuan=D("4000"),
                                actor=member_of(world.units[0]))


# --- point 7: what the award notice cites ----------------------------------------------------------------

def test_finalizing_without_the_documents_is_refused_naming_each_missing_one():
    world = procuring(documents=False)
    for lot in world.lots:
        award(world, lot, "4500.00")
    with pytest.raises(ServiceError) as refused:
        award_finalize(project=world.project, actor=world.operator)
    for missing in ("采购文件", "评审报告", "评审专家名单"):
        assert missing in refused.value.message
    assert Project.objects.get(pk=world.project.pk).status == Status.PROCURING
    assert not Notice.objects.exists()
    assert len(finalize_missing(world.project)) == 3


def test_the_award_notice_publishes_the_procurement_documents_and_names_the_experts(client, settings, tmp_path):
    """实施条例第四十三条: the documents go with the notice, the experts are named; the report stays on file."""
    settings.MEDIA_ROOT = tmp_path
    world = procuring(documents=False)
    document_add(project=world.project, kind=ProjectDocument.Kind.PROCUREMENT_DOCUMENTS, title="询价通知书",
                       file=SimpleUploadedFile("询价通知书.pdf", b"%PDF-1.4 inquiry"), actor=world.operator)
    document_add(project=world.project, kind=ProjectDocument.Kind.EVALUATION_REPORT, title="评审报告",
                       file=SimpleUploadedFile("评审报告.pdf", b"%PDF-1.4 report"), actor=world.operator)
    assert finalize_missing(world.project) == ["评审专家名单（结果公告须列明）"]
    evaluation_record(project=world.project, evaluation_on=deadlines.today(), experts="张三\n李四，王五",
                            actor=world.operator)
    for lot in world.lots:
        award(world, lot, "4500.00")
    award_finalize(project=world.project, actor=world.operator)

    notice = Notice.objects.get(type=Notice.Type.AWARD)
    assert "七、评审专家名单：张三、李四、王五" in notice.body
    assert "八、采购文件：《询价通知书》随本公告同时公告（见附件）。" in notice.body
    [attachment] = NoticeAttachment.objects.filter(notice=notice)
    assert attachment.title == "询价通知书"
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "询价通知书" in page and "评审报告" not in page
    download = client.get(reverse("notices:attachment", args=[notice.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 inquiry"


def test_experts_are_required_and_split_into_names():
    world = procuring(documents=False)
    with pytest.raises(ServiceError, match="请填写评审专家名单") as refused:
        evaluation_record(project=world.project, evaluation_on=deadlines.today(), experts=" ，、 ",
                                actor=world.operator)
    assert refused.value.field == "experts"


# --- point 5: dates that could not have happened ----------------------------------------------------------

def confirmed_at(world, moment) -> None:
    Project.objects.filter(pk=world.project.pk).update(master_plan_confirmed_at=moment)


def test_documents_cannot_be_dated_before_the_master_plan_was_confirmed():
    world = award_world()
    confirmed_at(world, timezone.now() - timedelta(days=2))
    with pytest.raises(ServiceError, match="采购文件发布日期不能早于总计划确认日期") as refused:
        procurement_start(project=world.project, method=ProcurementMethod.INQUIRY,
                                documents_issued_on=deadlines.today() - timedelta(days=10), actor=world.operator)
    assert refused.value.field == "documents_issued_on"
    assert Project.objects.get(pk=world.project.pk).status == Status.CONFIRMED


def test_an_opening_cannot_lie_before_the_master_plan_was_confirmed():
    world = award_world()
    confirmed_at(world, timezone.now() - timedelta(days=2))
    with pytest.raises(ServiceError, match="开标（响应截止）时间不能早于总计划确认时间") as refused:
        procurement_start(project=world.project, method=ProcurementMethod.INQUIRY,
                                bid_opening_at=timezone.now() - timedelta(days=30), actor=world.operator)
    assert refused.value.field == "bid_opening_at"


def test_the_evaluation_follows_the_opening_and_is_not_in_the_future():
    world = procuring(documents=False)
    opening = timezone.now() - timedelta(days=3)
    Project.objects.filter(pk=world.project.pk).update(bid_opening_at=opening)
    with pytest.raises(ServiceError, match="评审日期不能早于开标日期"):
        evaluation_record(project=world.project, evaluation_on=deadlines.today() - timedelta(days=5),
                                experts="张三", actor=world.operator)
    with pytest.raises(ServiceError, match="评审日期不能晚于今天"):
        evaluation_record(project=world.project, evaluation_on=deadlines.today() + timedelta(days=1),
                                experts="张三", actor=world.operator)
    assert not Project.objects.get(pk=world.project.pk).evaluation_experts


def test_an_award_cannot_precede_the_evaluation():
    world = procuring(documents=False)
    Project.objects.filter(pk=world.project.pk).update(bid_opening_at=timezone.now() - timedelta(days=5))
    evaluation_record(project=world.project, evaluation_on=deadlines.today() - timedelta(days=1),
                            experts="张三", actor=world.operator)
    with pytest.raises(ServiceError, match="定标日期不能早于评审日期") as refused:
        award(world, world.lots[0], "4500.00", awarded_on=deadlines.today() - timedelta(days=2))
    assert refused.value.field == "awarded_on"
    assert not Award.objects.exists()


# --- point 11: the supplier is told -----------------------------------------------------------------------

def test_each_winning_supplier_is_told_of_its_award():
    world = procuring()
    supplier_user = member_of(world.supplier)
    for lot in world.lots:
        award(world, lot, "4500.00")
    award_finalize(project=world.project, actor=world.operator)
    told = list(Notification.objects.filter(recipient=supplier_user).order_by("pk"))
    assert [n.title for n in told] == [f"中标（成交）通知：{world.project.title}第{n}包" for n in (1, 2)]
    assert "单价4,500.00元，数量30台" in told[0].body and "中标（成交）金额135,000.00元" in told[0].body
    assert "3家预算单位将按各自分计划数量分别与贵单位签订合同" in told[0].body
    notice = Notice.objects.get(type=Notice.Type.AWARD)
    assert told[0].url == reverse("notices:detail", args=[notice.pk])

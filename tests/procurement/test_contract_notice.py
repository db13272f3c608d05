"""合同公告 publishes the contract (issue 7 point 12, 《政府采购法实施条例》第五十条), suppliers see their contracts
each on its own page, and whoever must act on a contract is told (point 11).

A unit uploads the signed contract (PDF) when it records the signing; publishing puts a contract notice on the
public portal with the purchaser, supplier, project, subject, amount and date, and the contract attached — its
public version when the purchaser withholds parts (国家秘密、商业秘密), which the notice says.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notices.models import Notice, NoticeAttachment
from procurement import deadlines
from procurement.models import Contract, Notification, Reminder
from procurement.services.contracts import contract_publish, contract_sign
from procurement.services.errors import ServiceError
from procurement.services.execution import contracts_generate
from procurement.services.reminders import sweep_due_deadlines
from tests.factories import SupplierFactory, contract_pdf, member_of
from tests.procurement.test_award import awarded_world

pytestmark = pytest.mark.usefixtures("calendar_loaded")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(media):
    world = awarded_world(units=2, lots=1)
    contracts_generate(project=world.project, actor=world.operator)
    return world


def contract_of(world, index: int = 0) -> Contract:
    return Contract.objects.select_related("buyer", "supplier", "project").get(buyer=world.units[index])


# --- signing with the signed contract ------------------------------------------------------------------

def test_publishing_puts_a_contract_notice_with_the_contract_on_the_portal(world, client):
    contract = contract_of(world)
    clerk = world.clerk(world.units[0])
    contract_sign(contract=contract, actor=clerk, signed_on=deadlines.today(),
                  signed_file=contract_pdf("签订版.pdf"))
    published = contract_publish(contract=contract, actor=clerk)
    assert published.status == Contract.Status.PUBLISHED and published.published_on == deadlines.today()

    notice = Notice.objects.get(type=Notice.Type.CONTRACT, contract=contract)
    assert notice.title == f"{contract.buyer.name}{contract.title}公告"  # …采购合同公告: 合同 once
    assert notice.publisher == contract.buyer and notice.region == contract.buyer.region
    for required in (f"合同编号：{contract.code}", f"项目编号：{world.project.code}",
                     f"采购人（甲方）：{contract.buyer.name}", f"供应商（乙方）：{contract.supplier.name}",
                     "主要标的名称：配置1", "主要标的数量：10台", "主要标的单价：4,500.00元", "合同金额：45,000.00元",
                     f"合同签订日期：{deadlines.today():%Y年%m月%d日}"):
        assert required in notice.body, required
    [attachment] = NoticeAttachment.objects.filter(notice=notice)
    assert attachment.title == f"{contract.code}合同文本.pdf"
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert attachment.title in page
    download = client.get(reverse("notices:attachment", args=[notice.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


def test_withheld_parts_publish_the_public_version_and_say_what_is_withheld(world):
    """实施条例第五十条: 涉及国家秘密、商业秘密的内容除外."""
    contract = contract_of(world)
    clerk = world.clerk(world.units[0])
    contract_sign(contract=contract, actor=clerk, signed_on=deadlines.today(), signed_file=contract_pdf(),
                  public_file=SimpleUploadedFile("公开版.pdf", b"%PDF-1.4 public"),
                  withheld_note="附件3供应商报价明细涉及商业秘密")
    contract_publish(contract=contract, actor=clerk)
    notice = Notice.objects.get(contract=contract)
    assert "以下内容不予公开：附件3供应商报价明细涉及商业秘密" in notice.body
    [attachment] = notice.attachments.all()
    assert attachment.title.endswith("合同文本（公开版本）.pdf")
    assert attachment.file.name == Contract.objects.get(pk=contract.pk).public_file.name


@pytest.mark.parametrize(("files", "field", "message"), [
    ({"signed_file": SimpleUploadedFile("合同.docx", b"PK")}, "signed_file", "签订的合同文本须为PDF文件"),
    ({"signed_file": SimpleUploadedFile("合同.pdf", b"not a pdf")}, "signed_file", "不是有效的PDF文件"),
    ({"signed_file": SimpleUploadedFile("合同.pdf", b"")}, "signed_file", "空文件"),
    ({"signed_file": "pdf", "public_file": "pdf"}, "withheld_note", "请说明不予公开的内容及理由"),
    ({"signed_file": "pdf", "withheld_note": "报价明细"}, "public_file", "请另行上传已隐去该部分的合同公开版本"),
])
def test_a_bad_signed_contract_is_refused_and_nothing_changes(world, files, field, message):
    contract = contract_of(world)
    arguments = {name: contract_pdf() if value == "pdf" else value for name, value in files.items()}
    with pytest.raises(ServiceError) as refused:
        contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_on=deadlines.today(),
                      **arguments)
    assert refused.value.field == field and message in refused.value.message
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT and not contract.signed_file


def test_publishing_without_the_signed_contract_is_refused(world):
    contract = contract_of(world)
    clerk = world.clerk(world.units[0])
    contract_sign(contract=contract, actor=clerk, signed_on=deadlines.today())
    with pytest.raises(ServiceError, match="合同公告须附合同文本"):
        contract_publish(contract=contract, actor=clerk)
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.SIGNED
    assert not Notice.objects.filter(type=Notice.Type.CONTRACT).exists()


def test_a_contract_cannot_be_signed_before_its_award(world):
    """Issue 7 point 5: the signing follows the award it executes."""
    contract = contract_of(world)
    with pytest.raises(ServiceError, match="签订日期不能早于中标（成交）日期") as refused:
        contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_file=contract_pdf(),
                      signed_on=deadlines.today() - timedelta(days=1))
    assert refused.value.field == "signed_on"


def test_the_unit_signs_with_the_file_on_its_page_and_publishes_with_one_click(world, client):
    contract = contract_of(world)
    client.force_login(world.clerk(world.units[0]))
    step = reverse("unit-contract-step", args=[contract.pk, "sign"])
    missing = client.post(step, {"on": deadlines.today().isoformat()}, follow=True).content.decode()
    assert "签订的合同文本（PDF）" in missing and Contract.objects.get(pk=contract.pk).status == "draft"
    client.post(step, {"on": deadlines.today().isoformat(), "signed_file": contract_pdf()})
    detail = client.get(reverse("unit-contract-detail", args=[contract.pk])).content.decode()
    assert "下一步：合同公告" in detail and "下载签订的合同文本（PDF）" in detail
    client.post(reverse("unit-contract-step", args=[contract.pk, "publish"]))
    notice = Notice.objects.get(contract=contract)
    detail = client.get(reverse("unit-contract-detail", args=[contract.pk])).content.decode()
    assert reverse("notices:detail", args=[notice.pk]) in detail


# --- the supplier's own contracts -----------------------------------------------------------------------

def test_the_supplier_sees_each_of_its_contracts_on_its_own_page(world, client):
    contract = contract_of(world)
    contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_on=deadlines.today(),
                  signed_file=contract_pdf())
    client.force_login(member_of(world.supplier))
    listing = client.get(reverse("supplier-contract-list")).content.decode()
    assert contract.code in listing and contract_of(world, 1).code in listing
    detail = client.get(reverse("supplier-contract-detail", args=[contract.pk])).content.decode()
    assert contract.buyer.name in detail and "45,000.00" in detail
    download = client.get(reverse("contract-document", args=[contract.pk, "signed"]))
    assert download.status_code == 200

    client.force_login(member_of(SupplierFactory(name="另一家供应商有限公司")))
    assert client.get(reverse("supplier-contract-detail", args=[contract.pk])).status_code == 404
    assert client.get(reverse("contract-document", args=[contract.pk, "signed"])).status_code == 404
    assert contract.code not in client.get(reverse("supplier-contract-list")).content.decode()


def test_the_signed_contract_is_not_public(world, client):
    contract = contract_of(world)
    contract_sign(contract=contract, actor=world.clerk(world.units[0]), signed_on=deadlines.today(),
                  signed_file=contract_pdf())
    response = client.get(reverse("contract-document", args=[contract.pk, "signed"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- who is told (point 11) ---------------------------------------------------------------------------------

def test_the_supplier_is_told_once_of_every_contract_to_sign(media):
    world = awarded_world(units=3, lots=1)
    supplier_user = member_of(world.supplier)
    created = contracts_generate(project=world.project, actor=world.operator)
    [told] = Notification.objects.filter(recipient=supplier_user)
    assert told.title == f"待签订合同3份：{world.project.title}"
    for contract in created:
        assert contract.code in told.body and contract.buyer.name in told.body
    assert "合计135,000.00元" in told.body
    assert contracts_generate(project=world.project, actor=world.operator) == []
    assert Notification.objects.filter(recipient=supplier_user).count() == 1


def test_each_unit_is_told_its_contract_awaits_signing(world):
    clerk = world.clerk(world.units[0])
    sweep_due_deadlines()
    [ready] = Notification.objects.filter(recipient=clerk, title__startswith="合同待签订")
    contract = contract_of(world)
    assert contract.code in ready.body and "合同金额45,000.00元" in ready.body
    assert "上传双方签字盖章的合同文本" in ready.body
    assert ready.url == reverse("unit-contract-detail", args=[contract.pk])
    sweep_due_deadlines()  # once only
    assert Reminder.objects.filter(kind="sign_ready").count() == 2


# --- the contract text to sign ---------------------------------------------------------------------------

def test_the_unit_downloads_the_contract_text_to_sign_and_another_unit_cannot(world, client):
    from io import BytesIO

    from pypdf import PdfReader

    contract = contract_of(world)
    client.force_login(world.clerk(world.units[0]))
    detail = client.get(reverse("unit-contract-detail", args=[contract.pk])).content.decode()
    assert reverse("contract-text", args=[contract.pk]) in detail
    response = client.get(reverse("contract-text", args=[contract.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for expected in ("政府采购合同", contract.code, contract.buyer.name, contract.supplier.name, "45,000.00",
                     "肆万伍仟元整", "统采分签"):
        assert expected in text, expected
    client.force_login(world.clerk(world.units[1]))
    assert client.get(reverse("contract-text", args=[contract.pk])).status_code == 404


def test_amounts_in_capitals():
    from decimal import Decimal

    from procurement.contract_text import rmb_capitals

    cases = {"45000": "肆万伍仟元整", "1005.30": "壹仟零伍元叁角整", "10010": "壹万零壹拾元整", "0.05": "伍分",
             "1000001": "壹佰万零壹元整", "200000.04": "贰拾万元零肆分",
             "123456789.12": "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"}
    assert {value: rmb_capitals(Decimal(value)) for value in cases} == cases


def test_a_contract_notice_names_the_purchaser_once():
    from notices.services import contract_notice_title
    from procurement.models import Organization

    buyer = Organization(name="吉林省教育厅")
    assert contract_notice_title(Contract(title="吉林省教育厅壁挂式空调机采购合同", buyer=buyer)) == \
        "吉林省教育厅壁挂式空调机采购合同公告"
    assert contract_notice_title(Contract(title="办公家具采购", buyer=buyer)) == "吉林省教育厅办公家具采购合同公告"

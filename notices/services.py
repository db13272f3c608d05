"""Publishing notices. The mode apps call ``notice_publish``; notices never call back into them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from notices.models import Notice, NoticeAttachment
from procurement.formats import chinese_date_padded, quantity_text, yuan_text
from procurement.models import Contract, Organization, Project, Region
from procurement.services.errors import ServiceError
from procurement.services.events import event_record


@transaction.atomic
def notice_publish(
    *,
    type: str,
    title: str,
    body: str,
    region: Region | None = None,
    project: Project | None = None,
    publisher: Organization | None = None,
    actor=None,
    published_at: datetime | None = None,
    contract: Contract | None = None,
    attachments: Iterable[tuple[str, File | str]] = (),
) -> Notice:
    """Publish a notice on the public portal. ``attachments`` are (title, file) published with it; a file given
    by its storage name (a string) is the stored file itself, not a copy."""
    title, body = title.strip(), body.strip()
    if type not in Notice.Type.values:
        raise ServiceError(f"未知的公告类型「{type}」", field="type")
    if not title:
        raise ServiceError("公告标题不能为空", field="title")
    if not body:
        raise ServiceError("公告正文不能为空", field="body")
    if region is None:
        if project is None:
            raise ServiceError("请指定公告所属区划或采购项目", field="region")
        region = project.scope_region
    notice = Notice.objects.create(
        type=type,
        title=title,
        body=body,
        region=region,
        project=project,
        contract=contract,
        publisher=publisher or (project.organizer if project else None),
        published_at=published_at or timezone.now(),
        published_by=actor if actor is not None and actor.is_authenticated else None,
    )
    for attachment_title, file in attachments:
        attachment = NoticeAttachment(notice=notice, title=attachment_title[:200])
        if isinstance(file, str):
            attachment.file.name = file
        else:
            attachment.file = file
        attachment.save()
    if project is not None:
        event_record(subject=project, action="notice_publish", action_label="发布公告", actor=actor,
                     changes={"notice_id": notice.pk, "type": type, "title": title})
    return notice


# --- 合同公告 (《政府采购法实施条例》第五十条) -------------------------------------------------------------

def _party(organization: Organization) -> str:
    parts = [organization.name]
    if organization.address:
        parts.append(f"地址：{organization.address}")
    contact = " ".join(x for x in (organization.contact_person, organization.contact_phone) if x)
    if contact:
        parts.append(f"联系方式：{contact}")
    return "；".join(parts)


def contract_notice_body(contract: Contract) -> str:
    """What a contract notice carries: the contract and project, the purchaser and the supplier with their
    addresses and contacts, the subject of each contract line (name, specification, quantity, unit price), the
    amount (the lines' sum), the signing date, and what the purchaser withholds (国家秘密、商业秘密 are not
    published)."""
    project = contract.project
    contract_lines = list(contract.lines.select_related("lot").order_by("number"))
    lines = [
        f"一、合同编号：{contract.code}",
        f"二、合同名称：{contract.title}",
        f"三、项目编号：{project.code}",
        f"四、项目名称：{project.title}",
        f"五、采购人（甲方）：{_party(contract.buyer)}",
        f"六、供应商（乙方）：{_party(contract.supplier)}",
        "七、合同主要信息：",
    ]
    for item in contract_lines:
        lot = item.lot
        numbered = f"（{item.number}）" if len(contract_lines) > 1 else ""
        lines.append(f"　　{numbered}主要标的名称：{lot.name if lot else item.description}")
        if lot is not None and lot.specification:
            spec = lot.specification.strip().replace("\n", " ")
            lines.append(f"　　规格型号（或服务要求）：{spec[:300]}{'…' if len(spec) > 300 else ''}")
        lines += [
            f"　　主要标的数量：{quantity_text(item.quantity)}{item.unit_of_measure}",
            f"　　主要标的单价：{yuan_text(item.unit_price_yuan)}",
        ]
    lines += [
        f"八、合同金额：{yuan_text(contract.amount_yuan)}",
        f"九、采购方式：{project.get_mode_display()}"
        + (f"（{project.get_procurement_method_display()}）" if project.procurement_method else ""),
        f"十、合同签订日期：{chinese_date_padded(contract.signed_on)}" if contract.signed_on else "十、合同签订日期：—",
        "十一、合同文本：见附件。",
    ]
    if contract.withheld_note:
        lines.append("　　依据《中华人民共和国政府采购法实施条例》第五十条，以下内容不予公开："
                     f"{contract.withheld_note}")
    return "\n".join(lines)


def contract_notice_title(contract: Contract) -> str:
    """「{purchaser}{contract}公告」: the purchaser named once, 合同 said once (…采购合同公告)."""
    subject = contract.title if contract.title.startswith(contract.buyer.name) else contract.buyer.name + contract.title
    return (subject + ("公告" if subject.endswith("合同") else "合同公告"))[:200]


def contract_notice_publish(*, contract: Contract, actor, published_at: datetime | None = None) -> int:
    """合同公告 of a signed contract, the contract attached (its public version when parts are withheld).
    Registered with ``procurement.publication`` by ``NoticesConfig.ready()``; runs in the caller's transaction."""
    public = contract.public_file if contract.public_file else contract.signed_file
    name = "合同文本（公开版本）" if contract.public_file else "合同文本"
    notice = notice_publish(
        type=Notice.Type.CONTRACT,
        title=contract_notice_title(contract),
        body=contract_notice_body(contract),
        project=contract.project,
        publisher=contract.buyer,
        region=contract.buyer.region,
        contract=contract,
        actor=actor,
        published_at=published_at,
        attachments=[(f"{contract.code}{name}.pdf", public.name)],
    )
    return notice.pk

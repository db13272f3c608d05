"""The framework plan PDF, laid out as annex 8 of seed 000 (政府采购框架协议项目采购方案): the title, the thirteen
numbered sections under their headings, the lots as a table; an open plan's §八–§十一 read "开放式框架协议不涉及"."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from framework import plan_pdf
from tests.framework import plans_data as data

pytestmark = pytest.mark.django_db

HEADINGS = ("一、征集人基本情况", "二、采购项目概况", "三、适用主体范围", "四、框架协议采购类型", "五、框架协议有效期",
            "六、需求管理情况", "七、定价机制", "八、评审方法", "九、淘汰率", "十、确定第二阶段成交供应商的方法",
            "十一、入围供应商清退和补充规则", "十二、落实政府采购政策", "十三、其他事项")


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_annex8_pdf_closed_plan_has_title_13_sections_and_lots(world):
    plan = data.plan_approved(world, lots=2)
    text = text_of(plan_pdf.plan_pdf(plan=plan))
    assert "政府采购框架协议项目采购方案" in text
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    assert "吉林省政府采购中心" in text and "封闭式框架协议" in text
    assert "第三条（一）集中采购目录以内品目" in text
    assert "自2026年1月1日起至2026年12月31日止（货物项目）" in text
    assert "台式计算机第1包" in text and "台式计算机第2包" in text and "A02010105" in text
    assert "5,000.00" in text and "价格优先法" in text and "淘汰比例20%" in text and "直接选定" in text
    assert "甲电脑公司" in text and "开放式框架协议不涉及" not in text
    assert "草稿" not in text  # an approved plan carries no stamp
    assert plan_pdf.plan_pdf_filename(plan) == "2026年度台式计算机框架协议采购采购方案（第1版）.pdf"


def test_annex8_note1_pdf_open_plan_shows_s8_to_s11_not_applicable(world):
    plan = data.plan_complete(world, open_type=True)
    text = text_of(plan_pdf.plan_pdf(plan=plan))
    assert text.count("开放式框架协议不涉及") == 4
    assert "开放式框架协议" in text and "5个工作日内完成审核" in text
    assert "草稿" in text

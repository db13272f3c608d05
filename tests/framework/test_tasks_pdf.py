"""The framework task notice as a PDF laid out as annex 7 of seed 000 (框架协议采购项目任务通知书): its Chinese
text extracts in the annex's order, the CJK font is embedded, the title is centred and the signature on the right."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from framework.services import tasks as services
from procurement.models import TaskNotice
from tests.framework.tasks_data import LIMIT, task_draft, task_issued, task_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(world):
    return task_world(world)


def text_of(data: bytes) -> str:
    """All text of the PDF with whitespace removed (line breaks fall where the layout puts them)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages))


def test_annex7_the_pdf_reads_like_the_annex(tw):
    """Annex 7: title, addressee, the opening paragraph (Order 110), the four items, the closing paragraph, the
    issuer and the date, in that order."""
    task = task_issued(tw, document_number="吉财采购〔2026〕30号")
    text = text_of(services.task_pdf(task=task))
    year, day = task.year, task.issued_on
    expected = [
        "台式计算机框架协议采购项目任务通知书",
        "吉财采购〔2026〕30号",
        "吉林省政府采购中心：",
        "《政府采购框架协议采购方式管理暂行办法》（财政部令第110号）",
        "大力开展政府集中采购目录内项目框架协议采购工作。现将采购任务通知如下：",
        "采购品目：台式计算机（A02010105）",
        f"采购限额：{LIMIT}（限额金额：2,000,000.00元）",
        "适用范围：全省各级预算单位",
        f"框架协议有效期：{year}年1月1日至{year}年12月31日",
        "认真做好需求确定、文件编制、采购执行和第二阶段合同授予管理等工作，高质量完成框架协议采购项目征集任务。",
        "吉林省财政厅",
        f"{day.year}年{day.month}月{day.day}日",
    ]
    positions = []
    for line in expected:
        assert line in text, line
        positions.append(text.index(line))
    assert positions == sorted(positions)
    assert "草稿" not in text and "采购周期" not in text


def test_annex7_a_period_in_months_and_regions(tw):
    """框架协议有效期 as a period (服务类一般为2年), 适用范围 of some regions."""
    world = tw.world
    task = task_draft(tw, category=tw.services, valid_from=None, valid_until=None, validity_months=24,
                      scope=TaskNotice.Scope.REGIONS, scope_regions=[world.changchun, world.jilin_city])
    text = text_of(services.task_pdf(task=task))
    assert "物业管理服务框架协议采购项目任务通知书" in text
    assert "框架协议有效期：24个月（自框架协议生效之日起计算）" in text
    assert "适用范围：长春市、吉林市各级预算单位" in text
    assert "草稿" in text and "吉林省财政厅年月日" in text  # a draft is stamped and undated


def test_the_cjk_font_is_embedded(tw):
    page = PdfReader(BytesIO(services.task_pdf(task=task_issued(tw)))).pages[0]
    names = []
    for font in page["/Resources"]["/Font"].values():
        for descendant in font.get_object().get("/DescendantFonts", [font]):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.append(str(descendant.get_object()["/BaseFont"]))
    assert any("CJK" in name for name in names), names


def test_the_file_name(tw):
    task = task_draft(tw, year=2026, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    assert services.task_pdf_filename(task) == "2026年台式计算机框架协议采购项目任务通知书.pdf"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_annex7_layout_title_centred_signature_right(tw, tmp_path):
    """Annex 7's layout: the title centred at the top, 吉林省财政厅 and the date at the lower right."""
    from PIL import Image

    source = tmp_path / "notice.pdf"
    source.write_bytes(services.task_pdf(task=task_issued(tw)))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    pixels = image.load()
    rows = [y for y in range(height) if any(pixels[x, y] < 128 for x in range(width))]
    first = rows[0]
    title = [x for x in range(width) if any(pixels[x, y] < 128 for y in range(first, first + 12))]
    assert abs(title[0] - (width - 1 - title[-1])) <= width * 0.03
    assert first < height * 0.25
    body_bottom = max(y for y in rows if y < height * 0.9)
    signature = [x for x in range(width) if any(pixels[x, y] < 128 for y in range(body_bottom - 40, body_bottom))]
    assert signature and signature[0] > width * 0.5

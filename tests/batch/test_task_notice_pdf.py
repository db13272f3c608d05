"""The task notice PDF (annex 5 of seed 000): Chinese text that extracts, an embedded CJK font, the layout."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from batch import pdf
from procurement.models import TaskNotice
from procurement.services import tasks as services
from tests.batch.test_task_notices import build_world, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    return build_world(world)


@pytest.fixture
def issued_notice(world) -> TaskNotice:
    task = draft(world, document_number="吉财采购〔2026〕12号")
    return services.task_notice_issue(task=task, actor=world.finance_user)


def text_of(data: bytes) -> str:
    """All text of the PDF with whitespace removed (line breaks fall where the layout puts them)."""
    reader = PdfReader(BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has an embedded font file) for every font used on page 1."""
    page = PdfReader(BytesIO(data)).pages[0]
    found = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descendant = descendant.get_object()
            descriptor = descendant.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            has_file = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(descendant["/BaseFont"]), has_file))
    return found


def test_the_pdf_reads_like_annex_5(issued_notice):
    """Annex 5: title, addressee, the four items, the closing paragraph, the issuer and the date in Chinese."""
    task = issued_notice
    text = text_of(pdf.task_notice_pdf(task=task))
    today = task.issued_on
    expected = [
        "台式计算机批量集中采购项目任务通知书",
        "吉财采购〔2026〕12号",
        "吉林省政府采购中心：",
        "现将采购任务通知如下：",
        "采购品目：台式计算机（A02010105）",
        "采购限额：集中采购目录内单项或批量金额在50万元以下的小额零星项目（限额金额：500,000.00元）",
        "适用范围：全省",
        "采购周期：每季度一次",
        "高质量完成批量集中采购任务。",
        "吉林省财政厅",
        f"{today.year}年{today.month}月{today.day}日",
    ]
    for line in expected:
        assert line in text, line
    assert text.index("吉林省政府采购中心：") < text.index("采购品目") < text.index("吉林省财政厅")
    assert "草稿" not in text


def test_a_regional_notice_names_its_regions(world):
    """Annex 5 适用范围: 全省或分地区; the regions are printed."""
    task = draft(world, scope=TaskNotice.Scope.REGIONS, scope_regions=[world.changchun, world.jilin_city])
    assert "适用范围：分地区：长春市、吉林市" in text_of(pdf.task_notice_pdf(task=task))


def test_a_draft_is_stamped_and_undated(world):
    """Annex 5 is dated when issued (××年××月××日); a draft shows it is one."""
    text = text_of(pdf.task_notice_pdf(task=draft(world)))
    assert "草稿" in text
    assert "吉林省财政厅年月日" in text


def test_the_cjk_font_is_embedded_as_a_subset(issued_notice):
    """Architecture: PDFs carry an embedded CJK font, so they read the same on every machine."""
    fonts = embedded_fonts(pdf.task_notice_pdf(task=issued_notice))
    cjk = [name for name, has_file in fonts if has_file and "Noto" in name and "CJK" in name]
    assert cjk, fonts
    assert all(re.match(r"^/[A-Z]{6}\+", name) for name in cjk), cjk  # a subset, not the whole font
    assert all(has_file for _, has_file in fonts), fonts


def test_the_page_is_a4(issued_notice):
    """Annex 5 is an A4 official document (GB/T 9704-2012)."""
    box = PdfReader(BytesIO(pdf.task_notice_pdf(task=issued_notice))).pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)


def test_the_file_name_names_the_year_and_category(issued_notice):
    """Annex 5 title: ×××(品目)批量集中采购项目任务通知书."""
    assert pdf.task_notice_pdf_filename(issued_notice) == "2026年台式计算机批量集中采购项目任务通知书.pdf"
    assert "filename*=utf-8''" in pdf.pdf_disposition(issued_notice)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_page_one_renders_with_a_centred_title_and_the_signature_on_the_right(issued_notice, tmp_path):
    """Annex 5 layout: the title centred at the top, the issuer and date at the lower right of the text."""
    from PIL import Image

    source = tmp_path / "notice.pdf"
    source.write_bytes(pdf.task_notice_pdf(task=issued_notice))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    pixels = image.load()

    def ink_columns(top: int, bottom: int) -> list[int]:
        return [x for x in range(width) if any(pixels[x, y] < 128 for y in range(top, bottom))]

    def ink_rows() -> list[int]:
        return [y for y in range(height) if any(pixels[x, y] < 128 for x in range(width))]

    rows = ink_rows()
    assert rows, "the page is blank"
    first = rows[0]
    title = ink_columns(first, first + 12)
    left_gap, right_gap = title[0], width - 1 - title[-1]
    assert abs(left_gap - right_gap) <= width * 0.03, (left_gap, right_gap)  # centred
    assert first < height * 0.25  # at the top of the page
    # The signature block (issuer and date) sits right of the page centre, below the body.
    body_bottom = max(y for y in rows if y < height * 0.9)  # above the page number
    signature = ink_columns(body_bottom - 40, body_bottom)
    assert signature and signature[0] > width * 0.5, signature[:3]

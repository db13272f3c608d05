"""Hostile and malformed .xlsx files, written part by part, and the peak memory of an import run in a child.

Issue 8 points 1 and 3. The files are built the way an attacker builds them: the XML parts are
written by hand and the zip around them too (``zip_write``), so a part can unpack to 1.2 GB from a
file of about a megabyte without the test ever holding or compressing 1.2 GB: deflate output taken
after a full flush restarts from an empty state, so one compressed megabyte of repetitive XML can be
repeated as often as wanted (``repeated_part``). The zip's directory can also state sizes that are
not the real ones.

``run_in_child`` forks the test process and runs the import in the child, which inherits the test's
database connection (and its open transaction, so it sees the test's rows on PostgreSQL and SQLite
alike) and exits with ``os._exit`` so that it never closes that connection. The parent reads the
child's peak resident memory from ``os.wait4`` (the kernel's ``ru_maxrss`` for that child), and the
child reports its own baseline: its resident size when it started, which is the test process's.
The child's address space is capped so that an unbounded import fails with MemoryError there
instead of taking the machine's memory.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

MB = 1024 * 1024
DEFLATED = 8

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
# Cell style 1 shows a number as a date (built-in format 14), as Excel writes a date cell.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)
SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
STRINGS_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


# --- writing a zip by hand ----------------------------------------------------------------------------

@dataclass
class Part:
    """One zip member: its deflated bytes (in chunks), and the CRC and sizes the zip's headers state."""

    name: str
    chunks: Iterable[bytes]
    crc: int
    compressed_size: int
    size: int


def deflated(name: str, data: bytes | str) -> Part:
    """A part as any zip tool writes it: ``data`` deflated, with its true CRC and sizes."""
    raw = data.encode() if isinstance(data, str) else data
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(raw) + packer.flush()
    return Part(name, [packed], zlib.crc32(raw), len(packed), len(raw))


def repeated_part(name: str, head: bytes, unit: bytes, times: int, tail: bytes) -> Part:
    """``head + unit × times + tail`` deflated, built from one compressed ``unit`` repeated ``times`` times.

    Each piece is compressed after a full flush (``Z_FULL_FLUSH``: the compressor restarts from an empty
    state), so the unit's compressed bytes are the same every time and the whole is valid deflate data.
    The CRC is left 0: a reader checks it only once it has unpacked the whole part, which is the harm a
    bomb does, and computing it would cost each test run gigabytes of hashing.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    middle = packer.compress(unit) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = 0

    def chunks() -> Iterator[bytes]:
        yield first
        for _ in range(times):
            yield middle
        yield last

    return Part(name, chunks(), crc, len(first) + len(middle) * times + len(last),
                len(head) + len(unit) * times + len(tail))


def zip_write(target: Path | BinaryIO, parts: list[Part]) -> Path | BinaryIO:
    """A zip of ``parts`` (deflated) written to ``target`` (a path or a binary stream), headers as stated by
    each part (ZIP APPNOTE 4.3.7, 4.3.12, 4.3.16)."""
    directory = []
    with open(target, "wb") if isinstance(target, Path) else nullcontext(target) as out:
        for part in parts:
            offset = out.tell()
            name = part.name.encode()
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, DEFLATED, 0, 0x21,
                                  part.crc, part.compressed_size, part.size, len(name), 0) + name)
            for chunk in part.chunks:
                out.write(chunk)
            directory.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, DEFLATED, 0, 0x21,
                                         part.crc, part.compressed_size, part.size, len(name), 0, 0, 0, 0, 0,
                                         offset) + name)
        start = out.tell()
        for entry in directory:
            out.write(entry)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(directory), len(directory),
                              out.tell() - start, start, 0))
    return target


def workbook_parts(sheet: Part, *, strings: Part | None = None, sheet_name: str = "Sheet1") -> list[Part]:
    """The parts of a one-sheet workbook around ``sheet`` (and ``strings``, the shared-strings part)."""
    return [
        deflated("[Content_Types].xml", CONTENT_TYPES),
        deflated("_rels/.rels", PACKAGE_RELS),
        deflated("xl/workbook.xml", WORKBOOK.format(sheet=sheet_name)),
        deflated("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        deflated("xl/styles.xml", STYLES),
        strings or deflated("xl/sharedStrings.xml", f"{STRINGS_START}<si><t>共享文字</t></si></sst>"),
        sheet,
    ]


def sheet_xml(rows: str, *, dimension: str | None = None) -> str:
    """A worksheet part holding ``rows`` (``<row>`` elements as XML text)."""
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_START}{dimension_xml}<sheetData>{rows}</sheetData></worksheet>"


def xlsx_bytes(rows: str, *, strings: Iterable[str] = ("共享文字",), dimension: str | None = None,
               sheet_name: str = "Sheet1") -> bytes:
    """A small workbook whose one sheet holds ``rows`` exactly as written (``<row>`` elements as XML text)."""
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    stream = BytesIO()
    zip_write(stream, workbook_parts(
        deflated("xl/worksheets/sheet1.xml", sheet_xml(rows, dimension=dimension)),
        strings=deflated("xl/sharedStrings.xml", f"{STRINGS_START}{items}</sst>"), sheet_name=sheet_name,
    ))
    return stream.getvalue()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# Cells that cannot be read (issue 8 point 3): the XML of the cell at ``{ref}`` and the reason given for it.
# The workbook's one shared string is 共享文字; cell style 1 is a date format.
MALFORMED_CELLS = {
    "数值单元格中是文字": ('<c r="{ref}" t="n"><v>{text}</v></c>', "数值单元格中的内容「{text}」不是数字"),
    "公式结果缺少类型": ('<c r="{ref}"><f>LEFT("{text}",99)</f><v>{text}</v></c>',
                         "公式的计算结果「{text}」不是数字，但文件中未标明其为文本"),
    "日期序号不可能": ('<c r="{ref}" s="1"><v>99999999999</v></c>', "日期单元格的数值99999999999超出了有效日期的范围"),
    "内联字符串损坏": ('<c r="{ref}" t="inlineStr"><is><t>{text}</is></c>', "文件中此处的XML格式错误"),
    "共享字符串编号越界": ('<c r="{ref}" t="s"><v>7</v></c>', "共享字符串编号7超出范围（文件中共1条）"),
}


def malformed_cell(kind: str, ref: str, text: str) -> tuple[str, str]:
    """(the cell's XML, the reason the import gives) for a ``MALFORMED_CELLS`` kind at ``ref``."""
    xml, reason = MALFORMED_CELLS[kind]
    return xml.format(ref=ref, text=text), reason.format(text=text)


# --- the bombs ------------------------------------------------------------------------------------------

ARRANGEMENT_HEADER = ('<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c>'
                      '<c r="B1" t="inlineStr"><is><t>单位代码</t></is></c>'
                      '<c r="C1" t="inlineStr"><is><t>预算单位</t></is></c>'
                      '<c r="D1" t="inlineStr"><is><t>采购品目</t></is></c>'
                      '<c r="E1" t="inlineStr"><is><t>采购数量(个)</t></is></c>'
                      '<c r="F1" t="inlineStr"><is><t>采购金额(万元)</t></is></c></row>')
CONFIGURATION_HEADER = ('<row r="2"><c r="A2" t="inlineStr"><is><t>序号</t></is></c>'
                        '<c r="B2" t="inlineStr"><is><t>采购标的品目</t></is></c>'
                        '<c r="C2" t="inlineStr"><is><t>配置1</t></is></c></row>')
GIGABYTES_1_2 = 1200  # megabyte units


def wide_rows_bomb(path: Path) -> Path:
    """The probe's first file: a sheet that declares 40,000 rows reaching column XFD, and fills them.

    Both imports' headers come first (so each finds its table); then every row holds a value in
    column A and one in column XFD.
    """
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="XFD{n}"><v>1</v></c></row>'
                   for n in range(3, 40_001))
    return zip_write(path, workbook_parts(deflated(
        "xl/worksheets/sheet1.xml", sheet_xml(ARRANGEMENT_HEADER + CONFIGURATION_HEADER + rows,
                                              dimension="A1:XFD40000"))))


def _unit(element: bytes) -> bytes:
    return element * (MB // len(element))


SHEET_UNIT = _unit(b"<row><c><v>1</v></c></row>")


def sheet_xml_bomb(path: Path) -> Path:
    """1.2 GB of worksheet XML in 3 MB (deflate packs it 400 to 1): 48 million small rows, no <dimension>."""
    head = (SHEET_START + "<sheetData>" + ARRANGEMENT_HEADER.replace('<row r="1">', "<row>")).encode()
    return zip_write(path, workbook_parts(repeated_part(
        "xl/worksheets/sheet1.xml", head, SHEET_UNIT, GIGABYTES_1_2, b"</sheetData></worksheet>")))


def shared_strings_bomb(path: Path) -> Path:
    """1.2 GB of shared strings (70 million short ones) in 3 MB, and a small sheet that uses the first one."""
    strings = repeated_part("xl/sharedStrings.xml", STRINGS_START.encode(), _unit(b"<si><t>B</t></si>"),
                            GIGABYTES_1_2, b"</sst>")
    rows = ARRANGEMENT_HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return zip_write(path, workbook_parts(deflated("xl/worksheets/sheet1.xml", sheet_xml(rows)), strings=strings))


def lying_zip_bomb(path: Path) -> Path:
    """The 1.2 GB sheet again, but the zip's headers say it unpacks to 100 KB (a ratio nothing refuses)."""
    head = SHEET_START + '<dimension ref="A1:F2"/><sheetData>' + ARRANGEMENT_HEADER + CONFIGURATION_HEADER
    part = repeated_part("xl/worksheets/sheet1.xml", head.encode(),
                         SHEET_UNIT, GIGABYTES_1_2, b"</sheetData></worksheet>")
    part.size = 100 * 1024
    return zip_write(path, workbook_parts(part))


BOMBS: dict[str, Callable[[Path], Path]] = {
    "40000行×XFD列": wide_rows_bomb,
    "1.2GB工作表XML": sheet_xml_bomb,
    "1.2GB共享字符串": shared_strings_bomb,
    "声明大小不实的zip": lying_zip_bomb,
}


# --- measuring an import in a child process -------------------------------------------------------------

@dataclass(frozen=True)
class ChildRun:
    """What a child run reports: ``result`` (what the function returned), or ``refused`` (a ServiceError's
    message, or ``errors`` when it has a list), or ``crashed`` (any other exception, with its traceback)."""

    result: object
    refused: str | None
    errors: list[str] | None
    crashed: str | None
    seconds: float
    baseline_mb: float
    peak_mb: float
    killed: bool

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.baseline_mb

    def summary(self) -> str:
        return (f"峰值内存{self.peak_mb:.0f} MB（子进程起始{self.baseline_mb:.0f} MB，增加{self.growth_mb:.0f} MB），"
                f"用时{self.seconds:.1f}秒{'，超时被终止' if self.killed else ''}；"
                f"结果：{self.refused or self.crashed or self.result!r}")


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def run_in_child(work: Callable[[], object], *, timeout: float = 60, headroom_mb: int = 1024) -> ChildRun:
    """Run ``work()`` in a forked child; its address space may grow ``headroom_mb`` past the parent's."""
    from procurement.services.errors import ServiceError

    report = Path(f"/tmp/excel-child-{os.getpid()}-{time.monotonic_ns()}.json")
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest, never run the parent's clean-ups
        code = 0
        try:
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            limit = _vm_size() + headroom_mb * MB
            resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
            outcome: dict = {"baseline_kb": baseline}
            start = time.perf_counter()
            try:
                outcome["result"] = work()
            except ServiceError as error:
                outcome["refused"] = error.message
                outcome["errors"] = getattr(error, "errors", None)
            except BaseException as error:  # reported to the parent, which fails the test
                outcome["crashed"] = f"{type(error).__name__}: {error}\n{traceback.format_exc()[-2000:]}"
            outcome["seconds"] = time.perf_counter() - start
            report.write_text(json.dumps(outcome, ensure_ascii=False, default=str))
        except BaseException:  # the report could not be written: the parent sees no report
            code = 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    killed = False
    while True:
        done, _status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            killed = True
            _done, _status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.05)
    outcome = json.loads(report.read_text()) if report.exists() else {}
    report.unlink(missing_ok=True)
    return ChildRun(
        result=outcome.get("result"), refused=outcome.get("refused"), errors=outcome.get("errors"),
        crashed=outcome.get("crashed") or (None if outcome else "子进程没有报告结果"),
        seconds=outcome.get("seconds", timeout), baseline_mb=outcome.get("baseline_kb", 0) / 1024,
        peak_mb=usage.ru_maxrss / 1024, killed=killed,
    )

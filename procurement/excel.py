"""Reading uploaded Excel workbooks: what every import (arrangement, configuration, volume, framework) shares.

An import reads what the clerk sees in Excel or WPS, and nothing else. A workbook often carries
hidden sheets: a stale copy of last year's table, the source lists of a drop-down, a template's
instructions. Hidden and very hidden sheets ("veryHidden", which only the VBA editor can show) are
never read, and no message ever names one: the clerk cannot see it, so a message about it could not
be acted on. When a hidden sheet was skipped, a refusal may say so (without naming it), because a
clerk who hid the real table by mistake needs to know where to look. A sheet's state comes from the
workbook's ``<sheet state="…">`` attribute: "visible", "hidden" or "veryHidden"; an absent attribute
reads as "visible". Chart sheets are not worksheets, so they are never read either.

Bounded memory and time, whatever the file claims (issue 8 points 1 and 3). A probe found that a
5.8 KB upload grew a web worker by 2.9 GB in under five seconds. An .xlsx file is a zip of XML
parts, so a few kilobytes can unpack to gigabytes, and openpyxl trusts what it unpacks: opened
read-only it loads every shared string into memory before anything else, parses the whole of each
sheet that lacks a ``<dimension>`` just to size it (hidden sheets included) while opening the
workbook, and pads every row it yields to the widest column a sheet declares (16,384 values a row
when a sheet claims column XFD). So the portal reads workbooks itself, with the standard library:

1. Before any part is unpacked, the zip's directory is checked (``archive_check``): the number of
   members, each member's declared unpacked size, their total and their compression ratio, and the
   shared-strings part on its own. What exceeds ``Limits`` is refused in Chinese.
2. Every part is then read through ``_PartStream``, which counts what actually comes out of the
   decompressor and refuses a part that unpacks to more than its declared (and checked) size, so a
   zip whose directory lies about its sizes gains nothing. (CPython's ``zipfile`` already stops at
   the declared size and then fails the CRC check; the stream does not rely on it.) It also refuses
   a single XML token (a tag with its attributes, or a run of text) longer than
   ``Limits.max_token_bytes``: the XML parser has to hold a whole tag before it can report it.
3. XML is parsed by expat, pushed in 64 KB chunks, with handlers that keep only what is needed: no
   tree is built, nesting depth is capped, and a DOCTYPE (never present in a workbook; the door to
   entity expansion) is refused. Shared strings are read once, each reference giving the same
   string object, within a memory budget.
4. Rows are streamed (``rows``): each row is yielded as soon as its ``</row>`` is read, holding
   values up to its last non-empty cell only, and the row and column limits are applied as they
   are reached. ``<dimension>`` is never read.
5. A cell that cannot be read (a number cell holding text, a formula's cached text without its
   type, an impossible date serial, a broken inline string, a shared-string index out of range…)
   is refused naming its sheet, row and column (``CellUnreadable``), never an exception page.

Values are those openpyxl gives with ``read_only=True, data_only=True``: the cached result of a
formula (what Excel last showed), numbers as ``int`` or ``float``, cells with a date or time
number format as ``datetime``/``time``/``timedelta``, error cells as their text ("#N/A"). Empty
cells and empty strings are ``None``.
"""

from __future__ import annotations

import math
import posixpath
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import IO, NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from procurement.services.errors import ServiceError

VISIBLE = "visible"

UNREADABLE = ("文件无法作为Excel工作簿（.xlsx）读取：文件可能已损坏或未完整保存，"
              "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入")
NO_VISIBLE_SHEET = "工作簿中没有可见的工作表：请在Excel或WPS中取消隐藏含有表格的工作表，保存后重新导入"
RESAVE = "请在Excel或WPS中打开后另存为.xlsx文件，再重新导入"
BROKEN_PART = f"文件中的压缩数据已损坏，或与文件声明的大小不符，文件可能已损坏或被篡改，{RESAVE}"

MB = 1024 * 1024


# --- limits ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """What an uploaded workbook may hold. ``current_limits()`` applies ``settings.EXCEL_IMPORT_LIMITS`` (a dict).

    Sized from the largest legitimate table: a province-wide arrangement table has about 100,000 rows
    of about 20 columns. Measured on such a file written by openpyxl (20 columns, every text cell an
    inline string, five of them unique on each row): the sheet part unpacks to 114 MB from 12.6 MB
    (ratio 9). Excel's own 100,000-row six-column arrangement table (``tests/batch/bench_arrangement``)
    holds a 21 MB sheet (ratio 6.6) and a 1.2 MB shared-strings part (ratio 12.7). Every other part
    of a real workbook is a few kilobytes.

    What reading can be made to hold: the shared strings (``max_shared_strings_memory``), the rows of one
    64 KB chunk, one XML token (``max_token_bytes``); and an import holds what it keeps of the values,
    which is never more text than the sheet's XML (``max_part_bytes``), because every reference to a
    shared string is the same object. Time is that of parsing at most ``max_total_bytes`` of XML.
    """

    max_members: int = 1000
    """Parts in the zip. A workbook has about 10; with many sheets, drawings and printer settings a few
    hundred. ``zipfile`` reads the whole directory when it opens a file, so it is checked first."""

    max_directory_bytes: int = 1 * MB
    """The zip's central directory (about 100 bytes a member): 1,000 members with long names fit."""

    max_part_bytes: int = 256 * MB
    """Any one part, unpacked: twice the widest legitimate sheet measured (114 MB), and room for the
    arrangement import's own 500,000-row limit (six columns: about 110 MB as Excel writes it). Parts are
    streamed, so this bounds time (about 20 s of parsing), not memory."""

    max_total_bytes: int = 512 * MB
    """All parts together, unpacked: two sheets at the part limit (a table and last year's copy)."""

    max_ratio: int = 100
    """Unpacked size over packed size, for a part larger than ``ratio_grace_bytes``. Real parts measure
    2 to 13; 100 is Apache POI's default. A bomb's XML is repetitive and packs at about 1,000."""

    ratio_grace_bytes: int = 1 * MB
    """Below this a part may pack as well as it likes (an empty sheet's XML packs 20 times or more)."""

    max_shared_strings_bytes: int = 64 * MB
    """The shared-strings part, unpacked. Excel's 100,000-row arrangement table needs 1.2 MB; 20 columns
    with five unique texts a row about 25 MB."""

    max_shared_strings_memory: int = 128 * MB
    """What the shared strings may take in memory once read (Python's size of each string, and its slot
    in the list). They are read whole before the first row, since a row may refer to any of them, and
    every reference returns the same string object, so a cell of a few bytes cannot multiply them.
    A Python string costs about 50 bytes over its text (four bytes a character if one needs it): 500,000
    unique texts of 30 Chinese characters take about 67 MB."""

    max_package_part_bytes: int = 16 * MB
    """The workbook, its relationships and its styles, unpacked (parsed whole, keeping a few numbers per
    entry). Excel's ceiling of 64,000 cell formats writes about 10 MB of styles."""

    max_sheets: int = 1000
    """Sheets listed in the workbook. Excel has no fixed ceiling; a real workbook has a few dozen."""

    max_rows: int = 500_000
    """The last sheet row that may hold a value, unless an import sets its own (``rows(max_rows=…)``):
    five times the largest legitimate table."""

    max_columns: int = 256
    """The last column that may hold a value: column IV, the old .xls format's last, so any table that
    came from an .xls fits. A row's values are held up to its last non-empty cell, so this bounds a
    row's memory."""

    max_cell_chars: int = 32_767
    """Characters in one cell: Excel's own ceiling."""

    max_token_bytes: int = 4 * MB
    """One XML tag or run of text in a part, in bytes: a full cell (32,767 characters) escaped is at most
    about 330 KB; long range lists in conditional formats reach a few hundred KB."""

    max_depth: int = 64
    """XML nesting. A sheet's cell sits at depth 4 and rich text at 7."""


DEFAULT_LIMITS = Limits()


def current_limits() -> Limits:
    """The limits in force: the defaults, with any values from ``settings.EXCEL_IMPORT_LIMITS``."""
    from django.conf import settings

    overrides = getattr(settings, "EXCEL_IMPORT_LIMITS", None) or {}
    return replace(DEFAULT_LIMITS, **overrides) if overrides else DEFAULT_LIMITS


# --- refusals -----------------------------------------------------------------------------------------

class ExcelRefused(ServiceError):
    """The workbook was refused; ``message`` says why in Chinese (never an exception's name)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class ExcelUnreadable(ExcelRefused):
    """The upload is not a workbook that can be read: a broken or truncated zip, a zip that is not a
    workbook, a part that is not well-formed XML (issue 7 point 14: the user is told what to do)."""

    def __init__(self, message: str = UNREADABLE) -> None:
        super().__init__(message)


class ExcelTooLarge(ExcelRefused):
    """The workbook exceeds ``Limits`` before its rows are read (its zip directory, a part's size)."""


class SheetRefused(ExcelRefused):
    """A refusal at a place in a sheet: ``sheet`` (title), ``row`` and ``column`` (1-based; 0 when unknown)."""

    def __init__(self, *, sheet: str, row: int, column: int, message: str) -> None:
        super().__init__(message)
        self.sheet, self.row, self.column = sheet, row, column


class CellUnreadable(SheetRefused):
    """A cell whose content cannot be read: 工作表「…」第12行C列：单元格内容无法读取（reason）.

    Outside a cell (a broken row, XML that is not a sheet's) the message says 内容 instead of 单元格内容.
    """

    def __init__(self, *, sheet: str, row: int, column: int, reason: str) -> None:
        self.reason = reason
        what = "单元格内容" if column else "内容"
        super().__init__(sheet=sheet, row=row, column=column,
                         message=f"{place(sheet, row, column)}：{what}无法读取（{reason}），文件可能已损坏，{RESAVE}")


class TooManyRows(SheetRefused):
    """A value below the last row an import reads (``limit``)."""

    def __init__(self, *, sheet: str, row: int, limit: int) -> None:
        self.limit = limit
        super().__init__(sheet=sheet, row=row, column=0,
                         message=f"工作表「{sheet}」第{row:,}行超过了导入允许的{limit:,}行，请分表后分别导入")


class TooManyColumns(SheetRefused):
    """A value right of the last column an import reads (``limit``)."""

    def __init__(self, *, sheet: str, row: int, column: int, limit: int) -> None:
        self.limit = limit
        super().__init__(sheet=sheet, row=row, column=column,
                         message=f"{place(sheet, row, column)}：表格超过{limit}列"
                                 f"（最后一列为{column_letter(limit)}列），请删除多余的列后重新导入")


def column_letter(column: int) -> str:
    """1 → A, 27 → AA (Excel's column names)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def place(sheet: str, row: int, column: int = 0) -> str:
    """工作表「Sheet1」第12行C列 (the row or column left out when unknown)."""
    if not row:
        return f"工作表「{sheet}」"
    return f"工作表「{sheet}」第{row}行{column_letter(column) + '列' if column else ''}"


# --- the zip ------------------------------------------------------------------------------------------

END_OF_DIRECTORY = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_END_OF_DIRECTORY = b"PK\x06\x06"


def _directory_size(stream: IO[bytes]) -> tuple[int, int]:
    """(members, bytes) of the zip's central directory, from its end record, before ``zipfile`` reads it.

    ``zipfile.ZipFile`` builds an object for every member listed, so a file of tiny entries could cost
    hundreds of MB just to open; the end record (ZIP APPNOTE 4.3.16, 4.3.14 for zip64) says how much
    there is to read.
    """
    stream.seek(0, 2)
    size = stream.tell()
    tail_size = min(size, 22 + 0xFFFF + 20)  # end record, its comment, and a zip64 locator before it
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise ExcelUnreadable()
    members, directory = struct.unpack("<H L", tail[at + 10:at + 16])
    if members == 0xFFFF or directory == 0xFFFFFFFF:
        locator = tail[at - 20:at] if at >= 20 else b""
        if not locator.startswith(ZIP64_LOCATOR):
            raise ExcelUnreadable()
        (offset,) = struct.unpack("<Q", locator[8:16])
        if offset > size - 56:
            raise ExcelUnreadable()
        stream.seek(offset)
        record = stream.read(56)
        if not record.startswith(ZIP64_END_OF_DIRECTORY):
            raise ExcelUnreadable()
        members, directory = struct.unpack("<Q Q", record[32:48])
    return members, directory


def archive_check(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse, before anything is unpacked, a zip whose declared sizes exceed ``limits``."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ExcelTooLarge(f"文件中的部件超过{limits.max_members:,}个，不像是Excel表格，请检查后重新导入")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise ExcelUnreadable("文件已加密，无法读取：请在Excel或WPS中取消密码保护后另存为.xlsx文件，再重新导入")
        size = member.file_size
        if size > limits.max_part_bytes:
            raise ExcelTooLarge(_too_large(size, limits.max_part_bytes))
        if size > limits.ratio_grace_bytes and size > limits.max_ratio * max(member.compress_size, 1):
            raise ExcelTooLarge(f"文件中的部件压缩比异常（{size / max(member.compress_size, 1):,.0f}倍，"
                                f"正常的Excel表格不超过{limits.max_ratio}倍），文件可能已损坏或被篡改，不能导入")
        total += size
    if total > limits.max_total_bytes:
        raise ExcelTooLarge(_too_large(total, limits.max_total_bytes))


def _too_large(size: int, limit: int) -> str:
    return (f"文件解压后的内容过大（{size / MB:,.0f} MB，导入最多允许{limit / MB:,.0f} MB），"
            "请删除多余的行、列和工作表，或分表后分别导入")


class _PartStream:
    """One part of the zip, read in chunks: never more than the zip's directory declared for it (which
    ``archive_check`` and the part's reader have held against the limits), and no token over ``max_token``.

    A part that unpacks to more than its declared size is refused as broken: ``zipfile`` cuts it at that
    size and then fails its CRC check, and this stream does not rely on either. A token is what lies
    between two ``<``: in well-formed XML a run of text or a tag with its attributes, which the parser must
    hold whole. Only the gap across chunks needs tracking: inside one 64 KB chunk it is shorter anyway.
    """

    CHUNK = 64 * 1024

    def __init__(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, max_token: int) -> None:
        try:
            self._source = archive.open(member)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
            raise ExcelUnreadable(BROKEN_PART) from None  # a broken local header, an unknown compression…
        self._declared, self._max_token = member.file_size, max_token
        self._read = 0
        self._gap = 0  # bytes since the last "<"

    def chunks(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._source.read(self.CHUNK)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
                raise ExcelUnreadable(BROKEN_PART) from None  # broken compressed data, or a CRC that does not match
            if not chunk:
                return
            self._read += len(chunk)
            if self._read > self._declared:
                raise ExcelUnreadable(BROKEN_PART)
            first = chunk.find(b"<")
            if first < 0:
                self._gap += len(chunk)
            else:
                self._gap += first
                if self._gap <= self._max_token:
                    self._gap = len(chunk) - 1 - chunk.rfind(b"<")
            if self._gap > self._max_token:
                raise ExcelUnreadable(f"文件中有一段内容超过{self._max_token / MB:g} MB而没有分隔，"
                                      f"不像是Excel表格，文件可能已损坏，{RESAVE}")
            yield chunk

    def close(self) -> None:
        self._source.close()


class _Malformed(Exception):
    """Raised inside the XML handlers: the part is not what a workbook holds (the reason in Chinese)."""


def _refuse_doctype(*_args) -> None:
    raise _Malformed("含有文档类型声明（DOCTYPE）")


def _parser(start, end, text=None) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


class _Stop(Exception):
    """Raised by a handler once it has everything it needs from a part: the rest is not parsed."""


MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
RELATIONSHIP_ATTRIBUTES = tuple(f"{ns} id" for ns in (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
))


def _names(local: str) -> frozenset[str]:
    return frozenset(f"{ns} {local}" for ns in MAIN)


# --- the workbook -----------------------------------------------------------------------------------

@dataclass(eq=False)
class Worksheet:
    """A worksheet of an open ``Workbook``: read its rows with ``rows(sheet)``."""

    title: str
    sheet_state: str
    workbook: Workbook
    path: str


class Workbook:
    """An uploaded workbook, open for reading (``workbook_open``): its worksheets, in the workbook's order."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive = archive
        self.limits = limits
        self._members = {info.filename.lower(): info for info in archive.infolist()}
        self.epoch_1904 = False
        self.date_styles: frozenset[str] = frozenset()  # the ``s`` of cells whose number format is a date
        self.timedelta_styles: frozenset[str] = frozenset()
        self.shared_strings: list[str] = []
        self.worksheets: list[Worksheet] = []

    def __getitem__(self, title: str) -> Worksheet:
        for sheet in self.worksheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # reading the parts

    def member(self, path: str) -> zipfile.ZipInfo | None:
        """The zip member of a part name (part names are case-insensitive, OPC Part 2 §6.2.2.3)."""
        path = path.lstrip("/")
        return self._members.get(path.lower()) or self._members.get(unquote(path).lower())

    def parse(self, member: zipfile.ZipInfo, parser: expat.XMLParserType) -> None:
        """Push ``member`` through ``parser`` in chunks, stopping early when a handler raises ``_Stop``."""
        stream = _PartStream(self.archive, member, max_token=self.limits.max_token_bytes)
        try:
            for chunk in stream.chunks():
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Stop:
            pass
        except (_Malformed, expat.ExpatError):
            raise ExcelUnreadable() from None
        finally:
            stream.close()

    def _package_part(self, path: str) -> zipfile.ZipInfo | None:
        member = self.member(path)
        if member is not None and member.file_size > self.limits.max_package_part_bytes:
            raise ExcelTooLarge(_too_large(member.file_size, self.limits.max_package_part_bytes))
        return member

    def relationships(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type's last segment, target part) of the relationships of part ``source``."""
        folder, name = posixpath.split(source.lstrip("/"))
        member = self._package_part(posixpath.join(folder, "_rels", f"{name}.rels"))
        if member is None:
            return []
        found: list[tuple[str, str, str]] = []
        cap = self.limits.max_sheets * 10

        def start(tag, attrs):
            if tag == f"{PACKAGE_RELATIONSHIPS} Relationship" and attrs.get("TargetMode") != "External":
                if len(found) >= cap:
                    raise _Malformed("关系过多")
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
                found.append((attrs.get("Id", ""), attrs.get("Type", "").rsplit("/", 1)[-1], path))

        self.parse(member, _parser(start, lambda tag: None))
        return found


def workbook_open(stream: IO[bytes], *, limits: Limits | None = None) -> Workbook:
    """The workbook in ``stream`` (seekable), checked against ``limits`` before anything is unpacked.

    Raises ``ExcelUnreadable`` for anything that is not a readable workbook and ``ExcelTooLarge`` for a
    workbook over the limits, each with its Chinese message (issue 7 point 14, issue 8 point 1).
    """
    limits = limits or current_limits()
    try:
        members, directory = _directory_size(stream)
    except (OSError, struct.error, ValueError):
        raise ExcelUnreadable() from None
    if members > limits.max_members or directory > limits.max_directory_bytes:
        raise ExcelTooLarge(f"文件中的部件超过{limits.max_members:,}个，不像是Excel表格，请检查后重新导入")
    try:
        stream.seek(0)
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise ExcelUnreadable() from None
    try:
        archive_check(archive, limits)
        workbook = Workbook(archive, limits)
        _read_workbook(workbook)
        return workbook
    except BaseException:
        archive.close()
        raise


def _read_workbook(workbook: Workbook) -> None:
    """The sheets (names, states, parts), the date styles and the shared strings of ``workbook``."""
    limits = workbook.limits
    main = next((path for _id, kind, path in workbook.relationships("") if kind == "officeDocument"),
                "xl/workbook.xml")
    main_member = workbook._package_part(main)
    if main_member is None:
        raise ExcelUnreadable()
    sheets: list[tuple[str, str, str]] = []  # (name, state, relationship id)
    sheet_tags, properties_tags = _names("sheet"), _names("workbookPr")

    def start(tag, attrs):
        if tag in sheet_tags:
            if len(sheets) >= limits.max_sheets:
                raise ExcelTooLarge(f"工作簿中的工作表超过{limits.max_sheets:,}个，请删除多余的工作表后重新导入")
            rid = next((attrs[name] for name in RELATIONSHIP_ATTRIBUTES if name in attrs), "")
            sheets.append((attrs.get("name", ""), attrs.get("state") or VISIBLE, rid))
        elif tag in properties_tags:
            workbook.epoch_1904 = attrs.get("date1904", "").lower() in ("1", "true")

    workbook.parse(main_member, _parser(start, lambda tag: None))

    relationships = workbook.relationships(main)
    by_id = {rid: (kind, path) for rid, kind, path in relationships}
    folder = posixpath.dirname(main.lstrip("/"))

    def part_of(kind: str, default: str) -> zipfile.ZipInfo | None:
        path = next((path for _id, k, path in relationships if k == kind), posixpath.join(folder, default))
        return workbook.member(path)

    strings = part_of("sharedStrings", "sharedStrings.xml")
    if strings is not None and strings.file_size > limits.max_shared_strings_bytes:
        limit = limits.max_shared_strings_bytes / MB
        raise ExcelTooLarge(f"文件中的共享字符串表（文字内容）解压后超过{limit:,.0f} MB，"
                            "请删除多余的内容，或分表后分别导入")
    for name, state, rid in sheets:
        kind, path = by_id.get(rid, ("", ""))
        member = workbook.member(path) if kind == "worksheet" else None
        if member is not None:
            workbook.worksheets.append(Worksheet(title=name, sheet_state=state, workbook=workbook,
                                                 path=member.filename))
    styles = part_of("styles", "styles.xml")
    if styles is not None and workbook._package_part(styles.filename) is not None:
        _read_styles(workbook, styles)
    if strings is not None:
        workbook.shared_strings = _read_shared_strings(workbook, strings)


def _read_styles(workbook: Workbook, member: zipfile.ZipInfo) -> None:
    """Which cell styles (the ``s`` of a cell: an index into ``<cellXfs>``) show a number as a date or time.

    As openpyxl decides it (``openpyxl.styles.stylesheet.Stylesheet._normalise_numbers``): the style's
    number format, custom or built in, read with ``is_date_format`` and ``is_timedelta_format``.
    """
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom: dict[str, str] = {}
    formats: list[str] = []  # numFmtId of each cell style, in order
    in_cell_xfs = [False]
    num_fmt, cell_xfs, xf = _names("numFmt"), _names("cellXfs"), _names("xf")

    def start(tag, attrs):
        if tag in xf:
            if in_cell_xfs[0]:
                formats.append(attrs.get("numFmtId", "0"))
        elif tag in num_fmt:
            custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif tag in cell_xfs:
            in_cell_xfs[0] = True

    def end(tag):
        if tag in cell_xfs:
            in_cell_xfs[0] = False

    workbook.parse(member, _parser(start, end))
    dates, durations = set(), set()
    for index, number_format in enumerate(formats):
        code = custom.get(number_format)
        if code is None:
            try:
                code = BUILTIN_FORMATS.get(int(number_format))
            except ValueError:
                code = None
        if code and is_date_format(code):
            dates.add(str(index))
        if code and is_timedelta_format(code):
            durations.add(str(index))
    workbook.date_styles, workbook.timedelta_styles = frozenset(dates), frozenset(durations)


def _read_shared_strings(workbook: Workbook, member: zipfile.ZipInfo) -> list[str]:
    """Each ``<si>``'s text: its ``<t>``, or its runs' ``<t>`` (phonetic ``<rPh>`` runs left out), as openpyxl
    reads them (``openpyxl.reader.strings.read_string_table``, which also drops "x005F_")."""
    limits = workbook.limits
    strings: list[str] = []
    si, t, rph = _names("si"), _names("t"), _names("rPh")
    state = {"parts": None, "length": 0, "collect": False, "phonetic": 0, "memory": 0}

    def start(tag, attrs):
        if tag in t:
            state["collect"] = state["parts"] is not None and not state["phonetic"]
        elif tag in si:
            state["parts"], state["length"] = [], 0
        elif tag in rph:
            state["phonetic"] += 1

    def end(tag):
        if tag in t:
            state["collect"] = False
        elif tag in si:
            text = "".join(state["parts"] or ()).replace("x005F_", "")
            state["parts"] = None
            state["memory"] += sys.getsizeof(text) + 8
            if state["memory"] > limits.max_shared_strings_memory:
                budget = limits.max_shared_strings_memory / MB
                raise ExcelTooLarge(f"文件中的共享字符串（文字内容）过多：读取第{len(strings) + 1:,}条时已超过"
                                    f"{budget:,.0f} MB，请删除多余的内容，或分表后分别导入")
            strings.append(text)
        elif tag in rph:
            state["phonetic"] -= 1

    def text(data):
        if state["collect"]:
            state["length"] += len(data)
            if state["length"] > limits.max_cell_chars:
                raise ExcelTooLarge(f"文件中的共享字符串第{len(strings) + 1:,}条超过{limits.max_cell_chars:,}个字符"
                                    f"（Excel单元格的上限），文件可能已损坏，{RESAVE}")
            state["parts"].append(data)

    workbook.parse(member, _parser(start, end, text))
    return strings


def sheet_is_visible(worksheet) -> bool:
    return (getattr(worksheet, "sheet_state", None) or VISIBLE) == VISIBLE


@dataclass(frozen=True)
class VisibleSheets:
    """The worksheets a clerk sees, in the workbook's order, and how many hidden ones were left unread."""

    sheets: tuple
    hidden_count: int

    @property
    def titles(self) -> list[str]:
        return [sheet.title for sheet in self.sheets]

    def hidden_note(self) -> str:
        """A sentence to append to a refusal when hidden sheets were skipped (it names none of them)."""
        if not self.hidden_count:
            return ""
        return (f"（工作簿中另有{self.hidden_count}个隐藏的工作表，导入时不读取；"
                "如表格在隐藏的工作表中，请在Excel或WPS中取消隐藏后重新导入）")


def visible_worksheets(workbook) -> VisibleSheets:
    """The visible worksheets of ``workbook``; raises ``ServiceError(NO_VISIBLE_SHEET)`` when there is none.

    Excel and WPS never save a workbook without a visible sheet, but other programs can.
    """
    sheets = tuple(ws for ws in workbook.worksheets if sheet_is_visible(ws))
    if not sheets:
        raise ServiceError(NO_VISIBLE_SHEET, field="file")
    return VisibleSheets(sheets=sheets, hidden_count=len(workbook.worksheets) - len(sheets))


# --- rows -------------------------------------------------------------------------------------------

class SheetRow(NamedTuple):
    """A row holding at least one value: its sheet row number and its values up to the last non-empty one."""

    number: int
    values: tuple


EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384
_COLUMN_INDEX: dict[str, int] = {column_letter(i): i for i in range(1, EXCEL_MAX_COLUMN + 1)}


def rows(sheet: Worksheet, *, max_rows: int | None = None, max_columns: int | None = None,
         on_row: Callable[[int], None] | None = None) -> Iterator[SheetRow]:
    """The rows of ``sheet`` that hold a value, in order, each yielded as soon as it has been read.

    A value in a row after ``max_rows`` raises ``TooManyRows``, one right of ``max_columns``
    ``TooManyColumns`` (defaults: ``current_limits()``), when it is reached; empty cells past the last column
    are skipped without being kept. A cell that cannot be read raises ``CellUnreadable`` naming its
    place. ``on_row(number)`` is called for each row yielded (for progress reports). Rows missing from
    the file (blank lines) are not yielded: compare ``number`` with the previous row's to see them.
    """
    workbook = sheet.workbook
    limits = workbook.limits
    reader = _SheetReader(sheet, max_rows=max_rows or limits.max_rows, max_columns=max_columns or limits.max_columns)
    stream = _PartStream(workbook.archive, workbook.member(sheet.path), max_token=limits.max_token_bytes)
    try:
        for chunk in _chunks_of(stream, sheet):
            refusal = reader.feed(chunk)
            for row in reader.done:  # the rows completed before any refusal are still the caller's to see
                if on_row is not None:
                    on_row(row.number)
                yield row
            reader.done.clear()
            if refusal is not None:
                raise refusal
            if reader.finished:
                return
        refusal = reader.feed(b"", final=True)
        for row in reader.done:
            if on_row is not None:
                on_row(row.number)
            yield row
        if refusal is not None:
            raise refusal
    finally:
        stream.close()


def _chunks_of(stream: _PartStream, sheet: Worksheet) -> Iterator[bytes]:
    """The chunks of a sheet's part, its refusals naming the sheet."""
    try:
        yield from stream.chunks()
    except ExcelUnreadable as error:  # the zip's data is broken, or lies about its size
        raise ExcelUnreadable(f"工作表「{sheet.title}」无法读取：{error.message}") from None


class _CellError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _SheetReader:
    """expat handlers for one worksheet part: completed rows are appended to ``done`` as they end.

    State lives in attributes rather than a tree: the row being read (``values``), the cell being read
    (its column, type, style, whether it has a formula) and the text being collected for it.
    """

    SHEET_DATA, ROW, CELL, VALUE, FORMULA = _names("sheetData"), _names("row"), _names("c"), _names("v"), _names("f")
    INLINE, TEXT, PHONETIC = _names("is"), _names("t"), _names("rPh")

    def __init__(self, sheet: Worksheet, *, max_rows: int, max_columns: int) -> None:
        workbook = sheet.workbook
        self.sheet = sheet.title
        self.max_rows, self.max_columns = max_rows, max_columns
        self.max_depth = workbook.limits.max_depth
        self.max_chars = workbook.limits.max_cell_chars
        self.strings = workbook.shared_strings
        self.date_styles, self.timedelta_styles = workbook.date_styles, workbook.timedelta_styles
        self.epoch_1904 = workbook.epoch_1904
        self.done: list[SheetRow] = []
        self.finished = False  # the sheet's data has ended, or a refusal stopped the reading
        self.depth = 0
        self.in_data = False
        self.row = 0  # the current (or last) row number
        self.values: list | None = None  # the current row's values; None outside <row>
        self.column = 0  # the current (or last) cell's column
        self.cell_depth = 0  # depth of the open <c>, 0 outside one
        self.kind = "n"
        self.style: str | None = None
        self.formula = False
        self.value: list[str] | None = None  # text of <v>
        self.inline: list[str] | None = None  # text of <is>
        self.collect: list[str] | None = None  # where character data goes now
        self.collected = 0
        self.inline_depth = 0
        self.phonetic = 0
        parser = _parser(self.start, self.end, self.text)
        self.parser = parser

    def feed(self, chunk: bytes, *, final: bool = False) -> SheetRefused | None:
        """Parse ``chunk``: completed rows go to ``done``; a refusal is returned (after ``done`` is complete)."""
        if self.finished:
            return None
        try:
            self.parser.Parse(chunk, final)
        except _Stop:
            self.finished = True
        except SheetRefused as refusal:
            self.finished = True
            return refusal
        except _Malformed as error:
            self.finished = True
            return self.unreadable(str(error))
        except expat.ExpatError:
            self.finished = True
            return self.unreadable("XML格式错误：文件不完整" if final else "文件中此处的XML格式错误")
        return None

    def unreadable(self, reason: str) -> CellUnreadable:
        return CellUnreadable(sheet=self.sheet, row=self.row, column=self.column if self.cell_depth else 0,
                              reason=reason)

    # handlers

    def start(self, tag, attrs):
        self.depth += 1
        if self.depth > self.max_depth:
            raise _Malformed("XML嵌套层数过多")
        if self.cell_depth:
            if tag in self.VALUE:
                self.value = self.collect = []
            elif tag in self.FORMULA:
                self.formula = True
            elif tag in self.INLINE:
                self.inline = []
                self.inline_depth = self.depth
            elif tag in self.TEXT and self.inline_depth and not self.phonetic:
                self.collect = self.inline
            elif tag in self.PHONETIC:
                self.phonetic += 1
            return
        if tag in self.CELL and self.values is not None:
            self.cell_depth = self.depth
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = _COLUMN_INDEX.get(letters) or _COLUMN_INDEX.get(letters.upper())
                if column is None or len(letters) == len(ref):
                    raise _Malformed(f"单元格位置「{ref[:20]}」无效")
                self.column = column
            else:
                self.column += 1
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.formula = False
            self.value = self.inline = None
            self.collected = 0
        elif tag in self.ROW and self.in_data:
            number = attrs.get("r")
            if number is None:
                number = self.row + 1
            else:
                try:
                    number = int(number)
                except ValueError:
                    raise _Malformed(f"行号「{number[:20]}」无效") from None
            if not self.row < number <= EXCEL_MAX_ROW:
                raise _Malformed(f"第{self.row}行之后的行号{number}重复、顺序颠倒或超出范围")
            self.row, self.column = number, 0
            self.values = []
        elif tag in self.SHEET_DATA:
            self.in_data = True

    def end(self, tag):
        self.depth -= 1
        if self.cell_depth:
            if self.depth >= self.cell_depth:  # inside the cell
                if tag in self.VALUE or tag in self.TEXT:
                    self.collect = None
                elif tag in self.INLINE:
                    self.inline_depth = 0
                elif tag in self.PHONETIC:
                    self.phonetic -= 1
                return
            self.cell_depth = 0
            self.collect = None
            try:
                value = self.decode()
            except _CellError as error:
                raise CellUnreadable(sheet=self.sheet, row=self.row, column=self.column, reason=error.reason) from None
            if value is None:
                return
            if self.column > self.max_columns:
                raise TooManyColumns(sheet=self.sheet, row=self.row, column=self.column, limit=self.max_columns)
            if self.row > self.max_rows:
                raise TooManyRows(sheet=self.sheet, row=self.row, limit=self.max_rows)
            values = self.values
            index = self.column - 1
            if index >= len(values):
                if index > len(values):
                    values.extend([None] * (index - len(values)))
                values.append(value)
            else:
                values[index] = value
            return
        if tag in self.ROW and self.values is not None:
            if self.values:
                self.done.append(SheetRow(self.row, tuple(self.values)))
            self.values = None
        elif tag in self.SHEET_DATA:
            raise _Stop  # what follows the cells (merged ranges, formats, drawings) is not read

    def text(self, data):
        if self.collect is not None:
            self.collected += len(data)
            if self.collected > self.max_chars:
                raise CellUnreadable(sheet=self.sheet, row=self.row, column=self.column,
                                     reason=f"内容超过{self.max_chars:,}个字符，超出Excel单元格的上限")
            self.collect.append(data)

    # values

    def decode(self):
        """The value of the cell just read, as openpyxl gives it with ``data_only=True``; None when empty."""
        kind = self.kind
        if kind == "inlineStr":
            if self.inline is None:
                return None
            return "".join(self.inline) or None
        if self.value is None:
            return None
        text = "".join(self.value)
        if not text:
            return None
        if kind == "n":
            return self.number(text)
        if kind == "s":
            try:
                index = int(text)
            except ValueError:
                raise _CellError(f"共享字符串编号「{text[:20]}」不是整数") from None
            if not 0 <= index < len(self.strings):
                raise _CellError(f"共享字符串编号{index}超出范围（文件中共{len(self.strings)}条）")
            return self.strings[index] or None
        if kind in ("str", "e"):
            return text
        if kind == "b":
            if text not in ("0", "1"):
                raise _CellError(f"逻辑值「{text[:20]}」应为0或1")
            return text == "1"
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            try:
                return from_ISO8601(text)
            except (ValueError, TypeError, OverflowError):
                raise _CellError(f"日期「{text[:40]}」不是有效的ISO 8601日期") from None
        raise _CellError(f"单元格类型「{kind[:20]}」无法识别")

    def number(self, text: str):
        try:
            if "." in text or "e" in text or "E" in text:
                number = float(text)
                if not math.isfinite(number):
                    raise ValueError(text)
            else:
                number = int(text)
        except ValueError:
            shown = text[:40]
            if self.formula:
                raise _CellError(f"公式的计算结果「{shown}」不是数字，但文件中未标明其为文本") from None
            raise _CellError(f"数值单元格中的内容「{shown}」不是数字") from None
        style = self.style
        if style is not None and style in self.date_styles:
            from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

            try:
                return from_excel(number, MAC_EPOCH if self.epoch_1904 else WINDOWS_EPOCH,
                                  timedelta=style in self.timedelta_styles)
            except (OverflowError, ValueError):
                raise _CellError(f"日期单元格的数值{text[:40]}超出了有效日期的范围") from None
        return number

"""The parts of an xlsx package: which zip part holds which sheet, and cutting one big
sheet's XML into pieces that calamine parses at the same time on several cores.

calamine parses a worksheet in one go and most of the time of reading a big BOM goes
there. It releases the GIL while it parses, so a sheet cut between two ``<row>`` elements
into pieces (each a small package of its own: the same workbook, styles and shared strings,
the sheet holding only its share of the rows) is parsed by two threads in a little more
than half the time. The cut is only made where it cannot change what is read: every piece
keeps the sheet's head (dimension, columns) and tail (merged cells), the row where a piece
starts must carry its number (``r="..."``), and the sheet data may hold no comments,
CDATA or processing instructions (where a ``<row`` could be text). Whoever reads the pieces
also checks that their rows do not overlap (see ``readers._read_in_pieces``); any doubt and
the sheet is read whole, as before.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

_RE_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RE_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_RE_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*>")
_RE_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_MAX_LOOKS = 10_000  # '!' and '?' in a sheet's text checked one by one before giving up
_LEFT_OUT = ("xl/media/", "xl/embeddings/", "xl/printerSettings/", "xl/drawings/", "xl/charts/")


def attr(tag: bytes, name: bytes) -> str | None:
    """The value of attribute `name` in one XML start tag (double-quoted, as Excel writes)."""
    m = re.search(rb"\b" + re.escape(name) + rb'="([^"]*)"', tag)
    return m.group(1).decode("utf-8", "replace") if m else None


def xml_unescape(s: str) -> str:
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def relationship_targets(rels: bytes) -> dict[str | None, str | None]:
    """Relationship id → target of one ``.rels`` part."""
    return {attr(t, b"Id"): attr(t, b"Target") for t in _RE_RELATIONSHIP.findall(rels)}


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding its XML, for the sheets whose part exists."""
    names = set(zf.namelist())
    wbxml = zf.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = relationship_targets(zf.read(rels_name) if rels_name in names else b"")
    out: dict[str, str] = {}
    for tag in _RE_SHEET_TAG.findall(wbxml):
        name = attr(tag, b"name")
        rid = attr(tag, b"r:id") or attr(tag, b"id")
        target = targets.get(rid) if rid else None
        if name is None or not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if part in names:
            out[xml_unescape(name)] = part
    return out


@dataclass(frozen=True)
class Cut:
    """Where a sheet's XML is cut: the end of the ``<sheetData>`` start tag, the start of
    each piece after the first (a ``<row`` start tag), the start of ``</sheetData>``, and
    the 0-based row each later piece starts at."""

    data_start: int
    starts: tuple[int, ...]
    data_end: int
    first_rows: tuple[int, ...]


def cut_sheet(xml: bytes, shares: Sequence[float]) -> Cut | None:
    """Cut points that give pieces of about `shares` of the rows' bytes (the last piece takes
    the rest), or None when the sheet should be read whole."""
    m = _RE_SHEET_DATA.search(xml)
    if m is None or m.group(0).endswith(b"/>"):
        return None
    prefix = m.group(1) or b""
    data_start = m.end()
    data_end = xml.rfind(b"</" + prefix + b"sheetData>")
    if data_end <= data_start:
        return None
    if _has_comments_or_instructions(xml, data_start, data_end):
        return None
    row_tag = re.compile(rb"<" + re.escape(prefix) + rb"row[\s>/]")
    size = data_end - data_start
    starts: list[int] = []
    rows: list[int] = []
    share = 0.0
    for s in shares:
        share += s
        found = row_tag.search(xml, data_start + int(size * share), data_end)
        if found is None:
            break
        tag_end = xml.find(b">", found.start(), data_end)
        number = _RE_ROW_NUMBER.search(xml, found.start(), tag_end) if tag_end > 0 else None
        if number is None:
            return None  # rows without numbers are counted by position: only a whole read knows
        row = int(number.group(1)) - 1
        if row < 1 or (rows and row <= rows[-1]) or (starts and found.start() <= starts[-1]):
            return None
        starts.append(found.start())
        rows.append(row)
    if not starts:
        return None
    return Cut(data_start, tuple(starts), data_end, tuple(rows))


def _has_comments_or_instructions(xml: bytes, start: int, end: int) -> bool:
    """Whether xml[start:end] holds '<!' (comment, CDATA) or '<?' (processing instruction).
    Looked for by the rare '!' and '?' (a one-byte search is fast; '<' is everywhere), so a
    sheet whose text is full of them counts as having them: it is read whole."""
    for char in (b"!", b"?"):
        at, looks = xml.find(char, start, end), 0
        while at >= 0:
            if xml[at - 1 : at] == b"<" or looks >= _MAX_LOOKS:
                return True
            at, looks = xml.find(char, at + 1, end), looks + 1
    return False


def read_part(zf: zipfile.ZipFile, part: str) -> bytes:
    """A part of the package as ``zf.read(part)`` gives it. A plain deflated part is
    inflated by ISA-L (the ``isal`` package) where it is installed: about three times
    zlib's speed, which counts before a big sheet can be cut. The result must have the size
    and CRC the zip directory states, and is never allowed to grow past that size; anything
    unusual (no isal, encryption, another method, a header that does not add up) is left
    to zipfile, which also says what is wrong with a damaged file."""
    info = zf.getinfo(part)
    try:
        from isal import isal_zlib
    except ImportError:
        return zf.read(info)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or zf.fp is None:
        return zf.read(info)
    try:
        with open(zf.fp.name, "rb") as fh:  # our own handle: zipfile's position stays
            fh.seek(info.header_offset)
            head = fh.read(30)
            if len(head) != 30 or head[:4] != b"PK\x03\x04":
                return zf.read(info)
            name_len, extra_len = struct.unpack("<HH", head[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            raw = fh.read(info.compress_size)
        inflater = isal_zlib.decompressobj(-15)
        data = inflater.decompress(raw, info.file_size + 1)
    except Exception:  # isal's own error included: zipfile says what is wrong, if anything
        return zf.read(info)
    if len(data) != info.file_size or not inflater.eof or isal_zlib.crc32(data) != info.CRC:
        return zf.read(info)
    return data


def piece_xml(xml: bytes, cut: Cut, index: int) -> list[memoryview]:
    """The XML of piece `index` as slices of `xml` (head, its rows, tail), without copying."""
    view = memoryview(xml)
    bounds = (cut.data_start, *cut.starts, cut.data_end)
    return [
        view[: cut.data_start],
        view[bounds[index] : bounds[index + 1]],
        view[cut.data_end :],
    ]


def piece_packages(zf: zipfile.ZipFile, part: str, xml: bytes, cut: Cut) -> list[bytes]:
    """One small uncompressed xlsx package per piece: the workbook's parts calamine needs
    (workbook, relationships, styles, shared strings, ...) and the sheet's piece in `part`.
    The other worksheets, pictures and embedded objects are left out."""
    kept: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info in zf.infolist():
        name = info.filename
        if name == part or name.startswith(_LEFT_OUT) or name.endswith(".bin"):
            continue
        if name.startswith("xl/worksheets/") and not name.endswith(".rels"):
            continue
        kept.append((info, zf.read(info)))
    packages = []
    for index in range(len(cut.starts) + 1):
        chunks = piece_xml(xml, cut, index)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for info, data in kept:
                out.writestr(info.filename, data)
            size = sum(len(c) for c in chunks)
            with out.open(part, "w", force_zip64=size > 0x7FFF0000) as fh:
                for chunk in chunks:
                    fh.write(chunk)
        packages.append(buf.getvalue())
    return packages

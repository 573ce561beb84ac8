"""Builders for hostile and odd files, made in code so the tests need no binary fixtures.

Every builder writes into a folder the test owns (tmp_path) and returns the path.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

# ----------------------------------------------------------------------------- raw zip

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="BOM" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
EMPTY_SST = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
)


class RawEntry:
    """One zip member given as already-deflated bytes (so a bomb need not be inflated here)."""

    def __init__(
        self, name: str, deflated: bytes, crc: int, size: int, declared_size: int | None = None
    ) -> None:
        self.name = name
        self.deflated = deflated
        self.crc = crc
        self.size = size
        self.declared_size = size if declared_size is None else declared_size

    @classmethod
    def of(cls, name: str, data: bytes) -> RawEntry:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def write_raw_zip(path: Path, entries: list[RawEntry]) -> Path:
    """A plain (non-zip64) zip file from pre-deflated members."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e.name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0x21,
            e.crc,
            len(e.deflated),
            e.declared_size,
            len(name),
            0,
        )
        out += name + e.deflated
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            e.crc,
            len(e.deflated),
            e.declared_size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0
    )
    path.write_bytes(bytes(out))
    return path


def xlsx_entries(sheet_xml: bytes, shared_strings: bytes = EMPTY_SST) -> list[RawEntry]:
    return [
        RawEntry.of("[Content_Types].xml", _CONTENT_TYPES),
        RawEntry.of("_rels/.rels", _ROOT_RELS),
        RawEntry.of("xl/workbook.xml", _WORKBOOK),
        RawEntry.of("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        RawEntry.of("xl/worksheets/sheet1.xml", sheet_xml),
        RawEntry.of("xl/sharedStrings.xml", shared_strings),
    ]


def write_xlsx(path: Path, sheet_xml: bytes, shared_strings: bytes = EMPTY_SST) -> Path:
    """A minimal hand-made workbook with one sheet 'BOM'."""
    return write_raw_zip(path, xlsx_entries(sheet_xml, shared_strings))


def inline_row(r: int, values: list[str]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
        % (chr(65 + j).encode(), r, v.replace("&", "&amp;").replace("<", "&lt;").encode())
        for j, v in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (r, cells)


def small_bom_sheet() -> bytes:
    rows = [
        ["Item", "Part Number", "Description", "Qty"],
        ["1", "M-100", "NdFeB magnet N42SH 20x10x5", "4"],
        ["2", "S-200", "Socket head cap screw M3x8", "12"],
    ]
    body = b"".join(inline_row(i + 1, r) for i, r in enumerate(rows))
    return SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"


# ---------------------------------------------------------------------------- hostile


def zip_bomb(path: Path, inflated: int = 1 << 30, *, lie: bool = False) -> Path:
    """A workbook of about 1 MB whose sheet inflates to `inflated` bytes of cells.

    The deflate stream is built from one full-flushed segment repeated, so making it costs
    milliseconds. With ``lie=True`` the zip headers declare the sheet as 10 kB.
    """
    segment_raw = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = SHEET_HEAD + b"<sheetData>"
    tail = b"</sheetData></worksheet>"
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    segment = c.compress(segment_raw) + c.flush(zlib.Z_FULL_FLUSH)
    n = max(1, (inflated - len(head) - len(tail)) // len(segment_raw))
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(segment_raw, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + n * len(segment_raw) + len(tail)
    sheet = RawEntry(
        "xl/worksheets/sheet1.xml",
        first + segment * n + last,
        crc,
        size,
        declared_size=10_000 if lie else size,
    )
    entries = [e for e in xlsx_entries(b"") if not e.name.endswith("sheet1.xml")]
    return write_raw_zip(path, [*entries, sheet])


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def entity_expansion(path: Path, part: str = "sheet") -> Path:
    """'Billion laughs': nine levels of entities expanding to ~3 GB of text."""
    sheet = small_bom_sheet()
    sst = EMPTY_SST
    if part == "sheet":
        sheet = BILLION_LAUGHS + sheet.split(b"\n", 1)[1].replace(b"<t>NdFeB", b"<t>&lol9;NdFeB", 1)
    elif part == "sst":
        sst = (
            BILLION_LAUGHS
            + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
        )
    elif part == "late":
        # the DTD hidden behind 70 kB of comment, past where a lazy check would look
        sheet = (
            b'<?xml version="1.0"?>\n<!--'
            + b"x" * 70_000
            + b"-->"
            + BILLION_LAUGHS.split(b"\n", 1)[1]
            + sheet.split(b"\n", 1)[1]
        )
    return write_xlsx(path, sheet, sst)


def huge_dimension(path: Path, *, declared: bool = True) -> Path:
    """A sheet that claims A1:XFD1048576 (17 billion cells). With ``declared=False`` there
    is no <dimension>, but two real cells at A1 and XFD1048576 span the same range."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>end</t></is></c></row>'
    body = inline_row(1, ["Description", "Qty"]) + far
    dim = b'<dimension ref="A1:XFD1048576"/>' if declared else b""
    return write_xlsx(path, SHEET_HEAD + dim + b"<sheetData>" + body + b"</sheetData></worksheet>")


CSV_HEADER = "Level,Item,Part Number,Description,Manufacturer,MPN,Supplier,Qty,UoM,Unit Price,Currency,Country of Origin\n"


def big_csv(path: Path, size: int, *, wide: bool = False) -> Path:
    """A CSV BOM of about `size` bytes, written in 1 MB blocks. ``wide`` rows carry long
    descriptions (few cells per byte); otherwise rows are short (many cells per byte)."""
    lines = []
    for i in range(1, 20_001):
        desc = (
            f"NdFeB magnet N42SH {i % 50}x10x5 mm" if i % 20 == 0 else f"Screw M3x{i % 40} DIN 912"
        )
        if wide:
            desc = (desc + " - " + "long engineering note " * 90)[:2000]
        lines.append(
            f'1,{i},P-{i:06d},"{desc}",Acme,A-{i},Digi-Key,{i % 7 + 1},pcs,0.{i % 97:02d},USD,CN\n'
        )
    block = "".join(lines).encode()
    with path.open("wb") as fh:
        fh.write(CSV_HEADER.encode())
        written = len(CSV_HEADER)
        while written + len(block) <= size:
            fh.write(block)
            written += len(block)
        rest = block[: size - written]
        fh.write(rest[: rest.rfind(b"\n") + 1])
    return path

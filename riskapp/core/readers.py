"""Reading raw cells out of the user's file: xlsx/xlsm/xlsb/xls/ods through calamine, CSV/TSV/TXT
through the standard library. The file is only ever opened for reading.

The result is a list of :class:`RawSheet` grids (row-major, padded from A1) with what the
layout stage needs besides values: hidden rows and columns, merged ranges and hyperlinks.
Safety pre-checks (size, zip inflation, claimed dimensions) run before any parser sees the
bytes, because a native parser can be made to allocate without bound.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskapp.core.errors import InputFileError, LimitExceededError


@dataclass(frozen=True)
class Limits:
    """Safety limits for untrusted files (all user-adjustable settings)."""

    max_file_bytes: int = 300 * 1024 * 1024
    max_uncompressed_bytes: int = 600 * 1024 * 1024
    max_compression_ratio: float = 400.0
    max_cells: int = 30_000_000
    max_seconds: float = 120.0


@dataclass
class RawSheet:
    name: str
    cells: list[list[Any]]
    hidden_rows: set[int] = field(default_factory=set)  # 0-based
    hidden_cols: set[int] = field(default_factory=set)  # 0-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 incl.
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    visible: bool = True
    row_numbers: list[int] | None = None  # CSV: line where each record starts (1-based)
    widths: list[int] | None = None  # CSV: number of fields each record really had

    def row_number(self, index: int) -> int:
        """The row number a user sees for a 0-based grid row."""
        if self.row_numbers is not None:
            return self.row_numbers[index]
        return index + 1


@dataclass
class RawWorkbook:
    path: str
    file_format: str  # xlsx, xlsm, xlsb, xls, ods, csv
    sheets: list[RawSheet]
    notes: list[str] = field(default_factory=list)  # things worth telling the user


SPREADSHEET_EXTS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xltx", ".xltm"}
TEXT_EXTS = {".csv", ".tsv", ".txt", ".tab"}
SUPPORTED_EXTS = SPREADSHEET_EXTS | TEXT_EXTS


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    n = 0
    for ch in letters.strip().upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column letter: {letters!r}")
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def sniff_kind(head: bytes) -> str:
    """What the first bytes say the file is: 'zip', 'ole', 'text' or 'binary'."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return "text"
    sample = head[:4096]
    if not sample:
        return "text"
    if b"\x00" in sample:
        # UTF-16 without BOM: every other byte is NUL for ASCII text
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.3 * len(odd) or even.count(0) > 0.3 * len(even):
            return "text"
        return "binary"
    return "text"


def open_workbook(path: str | Path, limits: Limits | None = None) -> RawWorkbook:
    """Read every sheet of a spreadsheet or CSV into raw grids.

    Raises InputFileError with a clear sentence for anything that is not a readable BOM.
    """
    limits = limits or Limits()
    p = Path(path)
    name = str(p)
    if not p.exists():
        raise InputFileError("the file does not exist.", file=name)
    if p.is_dir():
        raise InputFileError("this is a folder, not a file.", file=name)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8192)
    except PermissionError:
        raise InputFileError(
            "permission denied: you do not have the right to read this file.", file=name
        ) from None
    except OSError as exc:
        raise InputFileError(
            f"the file cannot be read ({exc.strerror or exc}).", file=name
        ) from None
    if size == 0:
        raise InputFileError("the file is empty (0 bytes).", file=name)
    if size > limits.max_file_bytes:
        raise LimitExceededError(
            f"the file is {size / 1e6:.0f} MB, above the file-size limit of "
            f"{limits.max_file_bytes / 1e6:.0f} MB (setting: max file size).",
            file=name,
        )
    ext = p.suffix.lower()
    kind = sniff_kind(head)
    notes: list[str] = []
    if kind == "zip":
        fmt = _zip_format(p, ext)
        if ext in TEXT_EXTS or (ext and ext not in SPREADSHEET_EXTS):
            notes.append(
                f"The file is named {ext or '(no extension)'} but is a {fmt} workbook; read it as {fmt}."
            )
        _check_zip(p, limits)
        sheets = _read_calamine(p, fmt, limits)
        if fmt in ("xlsx", "xlsm"):
            _add_xlsx_metadata(p, sheets)
        elif fmt == "ods":
            _add_ods_metadata(p, sheets)
        return RawWorkbook(name, fmt, sheets, notes)
    if kind == "ole":
        if _is_encrypted_ooxml(p):
            raise InputFileError(
                "the workbook is password-protected (encrypted). Open it in Excel, remove the "
                "password (File › Info › Protect Workbook), save a copy and open that.",
                file=name,
            )
        if ext not in (".xls", ""):
            notes.append(
                f"The file is named {ext} but is an old Excel (.xls) workbook; read it as xls."
            )
        sheets = _read_calamine(p, "xls", limits)
        return RawWorkbook(name, "xls", sheets, notes)
    if kind == "binary":
        raise InputFileError(
            "this is not a spreadsheet or a text/CSV file (its content is binary data of an "
            "unknown kind). Supported: .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv, .txt.",
            file=name,
        )
    if ext in SPREADSHEET_EXTS:
        text_head = head[:200].lstrip().lower()
        if text_head.startswith((b"<!doctype html", b"<html", b"<table")):
            raise InputFileError(
                f"the file is named {ext} but is a web page (HTML), not a workbook. Save it from "
                "Excel as .xlsx and open that.",
                file=name,
            )
        notes.append(f"The file is named {ext} but contains plain text; read it as CSV.")
    sheet = read_csv_sheet(p, limits)
    return RawWorkbook(name, "csv", [sheet], notes)


def _zip_format(p: Path, ext: str) -> str:
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mt = zf.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mt:
                    return "ods"
                raise InputFileError(
                    "this is an OpenDocument file but not a spreadsheet (not .ods).", file=str(p)
                )
            if any(n.lower().endswith(".bin") and "workbook" in n.lower() for n in names):
                return "xlsb"
            if any(n.lower().startswith("xl/") for n in names) or "[Content_Types].xml" in names:
                return "xlsm" if ext == ".xlsm" or "xl/vbaProject.bin" in names else "xlsx"
            if "word/document.xml" in names:
                raise InputFileError("this is a Word document, not a spreadsheet.", file=str(p))
    except zipfile.BadZipFile:
        raise InputFileError(
            "the workbook is damaged (its zip container cannot be read). It may be truncated "
            "or only partly downloaded.",
            file=str(p),
        ) from None
    raise InputFileError("this zip file does not contain a spreadsheet.", file=str(p))


def _check_zip(p: Path, limits: Limits) -> None:
    """Reject zip bombs before any parser inflates them."""
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise InputFileError(
            "the workbook is damaged (broken zip container).", file=str(p)
        ) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limits.max_uncompressed_bytes:
        raise LimitExceededError(
            f"the workbook unpacks to {total / 1e6:.0f} MB, above the limit of "
            f"{limits.max_uncompressed_bytes / 1e6:.0f} MB (setting: max uncompressed size). "
            "It may be a 'zip bomb'.",
            file=str(p),
        )
    if total > 50_000_000 and total / packed > limits.max_compression_ratio:
        raise LimitExceededError(
            f"the workbook is compressed {total / packed:.0f}:1, above the limit of "
            f"{limits.max_compression_ratio:.0f}:1 (setting: max compression ratio). It may be "
            "a 'zip bomb'.",
            file=str(p),
        )
    with zipfile.ZipFile(p) as zf:
        for info in infos:
            n = info.filename.lower()
            if n.endswith(".xml") and ("worksheets/" in n or n.endswith("content.xml")):
                with zf.open(info) as fh:
                    head = fh.read(4096)
                if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                    raise InputFileError(
                        "the workbook contains XML entity declarations, which Excel never writes "
                        "and which can be used to attack a reader; it was not opened.",
                        file=str(p),
                    )
                m = re.search(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', head)
                if m and m.group(3):
                    rows = int(m.group(4)) - int(m.group(2)) + 1
                    cols = column_index(m.group(3).decode()) - column_index(m.group(1).decode()) + 1
                    if rows * cols > limits.max_cells:
                        raise LimitExceededError(
                            f"a sheet claims {rows:,} rows × {cols:,} columns "
                            f"({rows * cols:,} cells), above the limit of {limits.max_cells:,} "
                            "cells (setting: max cells).",
                            file=str(p),
                        )


def _is_encrypted_ooxml(p: Path) -> bool:
    try:
        data = p.read_bytes()[:65536]
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data


def _read_calamine(p: Path, fmt: str, limits: Limits) -> list[RawSheet]:
    import python_calamine as pc

    name = str(p)
    try:
        wb = pc.CalamineWorkbook.from_path(name)
    except pc.PasswordError:
        raise InputFileError(
            "the workbook is password-protected. Remove the password in Excel or LibreOffice, "
            "save a copy and open that.",
            file=name,
        ) from None
    except Exception as exc:  # calamine raises several exception types for broken files
        raise InputFileError(_broken_message(fmt, exc), file=name) from None
    sheets: list[RawSheet] = []
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        for sheet_name in wb.sheet_names:
            m = meta.get(sheet_name)
            if m is not None and "WorkSheet" not in str(m.typ):
                continue  # chart sheets and macro sheets hold no BOM
            try:
                sh = wb.get_sheet_by_name(sheet_name)
                h, w = sh.total_height, sh.total_width
                if h * w > limits.max_cells:
                    raise LimitExceededError(
                        f"sheet '{sheet_name}' has {h:,} rows × {w:,} columns, above the limit "
                        f"of {limits.max_cells:,} cells (setting: max cells).",
                        file=name,
                        sheet=sheet_name,
                    )
                cells = sh.to_python(skip_empty_area=False)
                merged = [(a[0], a[1], b[0], b[1]) for a, b in (sh.merged_cell_ranges or [])]
            except LimitExceededError:
                raise
            except Exception as exc:
                raise InputFileError(
                    _broken_message(fmt, exc), file=name, sheet=sheet_name
                ) from None
            visible = m is None or ("Visible" in str(m.visible) and "Hidden" not in str(m.visible))
            sheets.append(RawSheet(sheet_name, list(cells), merged=merged, visible=visible))
    finally:
        wb.close()
    if not sheets:
        raise InputFileError("the workbook has no worksheets.", file=name)
    return sheets


def _broken_message(fmt: str, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return (
        f"the {fmt} workbook is damaged or in a form that cannot be read ({detail}). Open it in "
        "Excel or LibreOffice and save a fresh copy as .xlsx."
    )


def _attr(tag: bytes, name: bytes) -> str | None:
    m = re.search(rb"\b" + re.escape(name) + rb'="([^"]*)"', tag)
    return m.group(1).decode("utf-8", "replace") if m else None


_RE_HIDDEN = re.compile(rb'hidden="(?:1|true)"')


def _add_xlsx_metadata(p: Path, sheets: list[RawSheet]) -> None:
    """Hidden rows/columns and hyperlinks, which calamine does not expose, from the sheet XML."""
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            wbxml = zf.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
            rels = (
                zf.read("xl/_rels/workbook.xml.rels")
                if "xl/_rels/workbook.xml.rels" in names
                else b""
            )
            targets = {
                _attr(t, b"Id"): _attr(t, b"Target")
                for t in re.findall(rb"<Relationship\b[^>]*>", rels)
            }
            by_name = {s.name: s for s in sheets}
            for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", wbxml):
                sname = _attr(tag, b"name")
                rid = _attr(tag, b"r:id") or _attr(tag, b"id")
                if sname is None or rid is None:
                    continue
                sname = _xml_unescape(sname)
                target = targets.get(rid)
                sheet = by_name.get(sname)
                if not target or sheet is None:
                    continue
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if path not in names:
                    continue
                xml = zf.read(path)
                data_at = xml.find(b"<sheetData")
                data_end = xml.rfind(b"</sheetData>")
                head = xml[: data_at if data_at >= 0 else len(xml)]
                tail = xml[data_end:] if data_end >= 0 else b""
                for col in re.findall(rb"<(?:\w+:)?col\b[^>]*>", head):
                    if _attr(col, b"hidden") in ("1", "true"):
                        lo, hi = int(_attr(col, b"min") or 0), int(_attr(col, b"max") or 0)
                        if 0 < lo <= hi <= 16384:
                            sheet.hidden_cols.update(range(lo - 1, hi))
                for m_hidden in _RE_HIDDEN.finditer(xml, max(data_at, 0)):
                    start = xml.rfind(b"<", 0, m_hidden.start())
                    tag = xml[start : m_hidden.end() + 1]
                    if re.match(rb"<(?:\w+:)?row\b", tag):
                        r = _attr(tag, b"r")
                        if r and r.isdigit():
                            sheet.hidden_rows.add(int(r) - 1)
                links = re.findall(rb"<(?:\w+:)?hyperlink\b[^>]*>", tail)
                if links:
                    rels_path = (
                        path.rsplit("/", 1)[0] + "/_rels/" + path.rsplit("/", 1)[1] + ".rels"
                    )
                    srels = zf.read(rels_path) if rels_path in names else b""
                    stargets = {
                        _attr(t, b"Id"): _attr(t, b"Target")
                        for t in re.findall(rb"<Relationship\b[^>]*>", srels)
                    }
                    for link in links:
                        ref = _attr(link, b"ref") or ""
                        rid2 = _attr(link, b"r:id")
                        url = stargets.get(rid2) if rid2 else None
                        m = re.match(r"([A-Z]+)(\d+)", ref)
                        if url and m:
                            key = (int(m.group(2)) - 1, column_index(m.group(1)))
                            sheet.links[key] = _xml_unescape(url)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return  # metadata is a nicety; the values were read already


def _add_ods_metadata(p: Path, sheets: list[RawSheet]) -> None:
    """Hidden (collapsed) columns and rows of an ODS file."""
    try:
        with zipfile.ZipFile(p) as zf:
            xml = zf.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return
    by_name = {s.name: s for s in sheets}
    parts = re.split(rb"<table:table\b", xml)[1:]
    for part in parts:
        m = re.match(rb'[^>]*table:name="([^"]*)"', part)
        if not m:
            continue
        sheet = by_name.get(_xml_unescape(m.group(1).decode("utf-8", "replace")))
        if sheet is None:
            continue
        col = 0
        row = 0
        for tag in re.finditer(rb"<table:table-(column|row)\b([^>]*)>", part):
            kind, attrs = tag.group(1), tag.group(2)
            if kind == b"column":
                n = int(_attr(attrs, b"table:number-columns-repeated") or 1)
                if _attr(attrs, b"table:visibility") in ("collapse", "filter"):
                    if col < 16384:
                        sheet.hidden_cols.update(range(col, min(col + n, 16384)))
                col += n
            else:
                n = int(_attr(attrs, b"table:number-rows-repeated") or 1)
                if _attr(attrs, b"table:visibility") in ("collapse", "filter") and row < 1_048_576:
                    sheet.hidden_rows.update(range(row, min(row + n, len(sheet.cells))))
                row += n


def _xml_unescape(s: str) -> str:
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


# ---------------------------------------------------------------- CSV / text


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file; returns (text, encoding name)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:4096]
    if sample and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        enc = "utf-16-le" if odd.count(0) >= even.count(0) else "utf-16-be"
        return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str, ext: str = "") -> str:
    """Pick the delimiter whose count per line is most consistent (comma, semicolon, tab, pipe)."""
    lines = [ln for ln in text.splitlines()[:200] if ln.strip()][:60]
    if not lines:
        return ","
    best, best_score = ",", -1.0
    for d in (",", ";", "\t", "|"):
        counts = []
        for ln in lines:
            try:
                counts.append(len(next(csv.reader([ln], delimiter=d))) - 1)
            except (csv.Error, StopIteration):
                counts.append(0)
        nonzero = [c for c in counts if c > 0]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=nonzero.count)
        consistency = nonzero.count(mode) / len(lines)
        score = consistency * 10 + min(mode, 20) * 0.1
        if d == "\t" and ext in (".tsv", ".tab"):
            score += 5
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_sheet(p: Path, limits: Limits) -> RawSheet:
    try:
        data = p.read_bytes()
    except PermissionError:
        raise InputFileError("permission denied: you cannot read this file.", file=str(p)) from None
    except OSError as exc:
        raise InputFileError(f"the file cannot be read ({exc}).", file=str(p)) from None
    text, _enc = decode_text(data)
    if "\x00" in text[:100000]:
        raise InputFileError("this is not a text/CSV file (it contains binary data).", file=str(p))
    delim = sniff_delimiter(text, p.suffix.lower())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    cells: list[list[object]] = []
    starts: list[int] = []
    prev = 0
    ncells = 0
    try:
        for record in reader:
            starts.append(prev + 1)
            prev = reader.line_num
            cells.append(list(record))
            ncells += len(record)
            if ncells > limits.max_cells:
                raise LimitExceededError(
                    f"the file has more than {limits.max_cells:,} cells, the limit (setting: max cells).",
                    file=str(p),
                    row=starts[-1],
                )
    except csv.Error as exc:
        raise InputFileError(
            f"the CSV file is malformed ({exc}).", file=str(p), row=prev + 1
        ) from None
    widths = [len(r) for r in cells]
    width = max(widths, default=0)
    for r in cells:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return RawSheet("", cells, row_numbers=starts, widths=widths)

"""Reading raw cells out of the user's file: xlsx/xlsm/xlsb/xls/ods through calamine, CSV/TSV/TXT
through the standard library. The file is only ever opened for reading.

The result is a list of :class:`RawSheet` grids (row-major, padded from A1) with what the
layout stage needs besides values: hidden rows and columns, merged ranges and hyperlinks.
Safety pre-checks (size, zip inflation, claimed dimensions) run before any parser sees the
bytes, because a native parser can be made to allocate without bound.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import logging
import os
import re
import stat
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from riskapp.core.errors import InputFileError, LimitExceededError
from riskapp.core.xlsxparts import (
    Cut,
    attr,
    cut_sheet,
    piece_packages,
    read_part,
    relationship_targets,
    sheet_parts,
    xml_unescape,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Safety limits for untrusted files (all user-adjustable settings).

    Each limit, when hit, raises :class:`LimitExceededError` whose sentence names the
    setting (``max file size``, ``max uncompressed size``, ...). See docs/robustness.md.
    """

    max_file_bytes: int = 100 * 1024 * 1024
    """Largest file read at all (checked before anything is parsed)."""
    max_uncompressed_bytes: int = 600 * 1024 * 1024
    """Largest total size a zip-based workbook (xlsx, xlsm, xlsb, ods) may unpack to."""
    max_compression_ratio: float = 100.0
    """Largest unpacked/packed ratio of a zip-based workbook that unpacks to over 50 MB."""
    max_cells: int = 5_000_000
    """Most cells (rows × columns, empty ones included) in any one sheet or CSV file."""
    max_seconds: float = 120.0
    """Longest time reading one file may take (the reader is stopped after this)."""
    max_memory_bytes: int = 2048 * 1024 * 1024
    """Most memory the reader may add while parsing one file (guarded reads, Linux)."""

    def user_value(self, name: str) -> float:
        """A limit in the unit people set it in (MB for the byte limits, else as stored)."""
        return float(getattr(self, name)) / _USER_UNITS.get(name, 1)

    def with_user_values(self, values: Mapping[str, float]) -> Limits:
        """A copy with some limits changed, each given in the unit people set it in
        (``{"max_cells": 2e7, "max_memory_bytes": 8000}`` = 20 M cells, 8,000 MB)."""
        return replace(
            self,
            **{
                name: type(getattr(self, name))(value * _USER_UNITS.get(name, 1))
                for name, value in values.items()
            },
        )

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting name, current value for people, what it limits) for docs and dialogs."""
        return [
            ("max file size", f"{self.max_file_bytes / MB:,.0f} MB", "size of the file"),
            (
                "max uncompressed size",
                f"{self.max_uncompressed_bytes / MB:,.0f} MB",
                "what a zip-based workbook unpacks to",
            ),
            (
                "max compression ratio",
                f"{self.max_compression_ratio:,.0f}:1",
                "unpacked/packed size of a workbook above 50 MB unpacked",
            ),
            ("max cells", f"{self.max_cells:,}", "cells in one sheet (rows × columns)"),
            ("max seconds", f"{self.max_seconds:,.0f} s", "time to read one file"),
            (
                "max memory",
                f"{self.max_memory_bytes / MB:,.0f} MB",
                "memory the reader may add while parsing (Linux)",
            ),
        ]


MB = 1024 * 1024
_USER_UNITS = {"max_file_bytes": MB, "max_uncompressed_bytes": MB, "max_memory_bytes": MB}
"""Limits people set in MB; the others (cells, seconds) are set as stored."""
PACK_ROWS = 50_000  # rows converted to Python values and packed at a time (reader child)

# one column of a block of rows: (rows, kind per cell, distinct texts, int32 text codes,
# float64 numbers, [(row, value)] of the other non-empty cells)
PackedColumn = tuple[int, bytes, list[str], bytes, bytes, list[tuple[int, Any]]]


def pack_rows(rows: list[list[Any]], width: int, pad: int = 0) -> list[PackedColumn]:
    """A block of rows in compact columnar form: each distinct text once plus 32-bit codes,
    numbers as one float64 buffer, the few other cells (dates, booleans) as they are. A
    million-line sheet then leaves the reader child as buffers, not twelve million Python
    objects. `pad` empty columns are put in front (calamine's rows start at the first used
    column)."""
    import numpy as np
    import pandas as pd

    n = len(rows)
    even = bool(n) and set(map(len, rows)) == {width - pad}
    if even and not pad:
        grid = np.array(rows, dtype=object).reshape(n, width)
    elif even:
        grid = np.empty((n, width), dtype=object)
        grid[:, :pad] = ""  # calamine shows the empty cells left of the used range as ''
        grid[:, pad:] = np.array(rows, dtype=object).reshape(n, width - pad)
    else:  # ragged rows (CSV): short rows end in empty cells
        grid = np.empty((n, width), dtype=object)
        for j in range(width):
            k = j - pad
            grid[:, j] = "" if k < 0 else [r[k] if k < len(r) else None for r in rows]
    from riskapp.core.values import cell_kinds

    out: list[PackedColumn] = []
    for j in range(width):
        col = np.ascontiguousarray(grid[:, j])
        kinds = cell_kinds(col)
        kinds[kinds == 2] = 3  # ints travel as they are, with the other cells
        texts = col[kinds == 0]
        codes, uniq = pd.factorize(texts) if len(texts) else (np.empty(0, np.int64), [])
        floats = col[kinds == 1].astype(np.float64)
        others = [(int(i), col[i]) for i in np.nonzero(kinds == 3)[0] if col[i] is not None]
        out.append(
            (
                n,
                kinds.tobytes(),
                list(uniq),
                np.asarray(codes, dtype=np.int32).tobytes(),
                floats.tobytes(),
                others,
            )
        )
    return out


def _unpack_column(packed: PackedColumn) -> Any:
    import numpy as np

    n, kinds_b, uniq, codes_b, floats_b, others = packed
    kinds = np.frombuffer(kinds_b, dtype=np.int8)
    col = np.full(n, None, dtype=object)
    texts = np.empty(len(uniq), dtype=object)
    texts[:] = uniq
    col[kinds == 0] = texts[np.frombuffer(codes_b, dtype=np.int32)]
    col[kinds == 1] = np.frombuffer(floats_b, dtype=np.float64).astype(object)
    for i, v in others:
        col[i] = v
    return col


MAX_ZIP_ENTRIES = 20_000
"""A workbook with more parts than this is not something Excel or LibreOffice writes."""
XML_PROLOG_BYTES = 65_536
"""How far into each XML part we look for DTDs and the sheet dimension."""


_FORM_LOCK = threading.RLock()
"""Held while a sheet changes form (unpack) and while its size is read meanwhile."""


@dataclass
class RawSheet:
    name: str
    cells: list[list[Any]]
    hidden_rows: set[int] = field(default_factory=set)  # 0-based
    outline_rows: dict[int, int] = field(default_factory=dict)  # 0-based row -> group level
    hidden_cols: set[int] = field(default_factory=set)  # 0-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 incl.
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    visible: bool = True
    row_numbers: list[int] | None = None  # CSV: line where each record starts (1-based)
    widths: list[int] | None = None  # CSV: number of fields each record really had
    columns: list[Any] | None = None  # the grid by column (object arrays), set by unpack()
    packed: list[list[PackedColumn]] | None = None  # row blocks in compact form, see pack()

    @property
    def n_rows(self) -> int:
        with _FORM_LOCK:
            if self.packed is not None:
                return sum(block[0][0] for block in self.packed if block)
            if self.columns is not None:
                return len(self.columns[0]) if self.columns else 0
            return len(self.cells)

    @property
    def n_cols(self) -> int:
        with _FORM_LOCK:
            if self.packed is not None:
                return max((len(block) for block in self.packed), default=0)
            if self.columns is not None:
                return len(self.columns)
            return max((len(r) for r in self.cells), default=0)

    def used_columns(self) -> list[bool]:
        """Per column, whether any of its cells holds something (not '' or None)."""
        with _FORM_LOCK:
            width = self.n_cols
            used = [False] * width
            if self.packed is not None:
                for block in self.packed:
                    for j, part in enumerate(block):
                        if part is not None and not used[j]:
                            _, _, uniq, _, floats_b, others = part
                            used[j] = bool(floats_b) or bool(others) or any(t != "" for t in uniq)
            elif self.columns is not None:
                for j, col in enumerate(self.columns):
                    used[j] = any(v is not None and v != "" for v in col)
            else:
                for row in self.cells:
                    for j, v in enumerate(row):
                        if not used[j] and v is not None and v != "":
                            used[j] = True
            return used

    def keep_columns(self, width: int) -> None:
        """Leave out every column from `width` on (cells far right of the table)."""
        with _FORM_LOCK:
            if self.packed is not None:
                self.packed = [block[:width] for block in self.packed]
            elif self.columns is not None:
                self.columns = self.columns[:width]
            else:
                self.cells = [row[:width] for row in self.cells]
            self.hidden_cols = {c for c in self.hidden_cols if c < width}
            self.merged = [m for m in self.merged if m[1] < width]
            self.merged = [(r0, c0, r1, min(c1, width - 1)) for r0, c0, r1, c1 in self.merged]
            self.links = {k: v for k, v in self.links.items() if k[1] < width}

    def grid(self) -> list[list[Any]]:
        """The cells as rows (padded to the sheet's width), whichever form they are held in."""
        self.unpack()
        if self.columns is not None:
            return [list(r) for r in zip(*self.columns, strict=True)] if self.columns else []
        width = self.n_cols
        return [list(r) + [None] * (width - len(r)) for r in self.cells]

    def pack(self) -> None:
        """Turn the row lists into the compact columnar form used for the trip out of the
        reader child (see guard and :func:`pack_rows`)."""
        if self.packed is None:
            self.packed = [pack_rows(self.cells, self.n_cols)] if self.cells else []
            self.cells = []

    def unpack(self, each: Callable[[list[PackedColumn]], None] | None = None) -> None:
        """The inverse of pack(): one object array per column (equal texts share a string).
        `each` is shown every column's packed blocks before they are let go (the importer
        builds the column's display text from them, see layout.sheet_frames)."""
        import numpy as np

        with _FORM_LOCK:  # two threads may look at one sheet (the import dialog's jobs)
            if self.packed is None:
                return
            blocks: list[list[Any]] = self.packed
            width = self.n_cols
            self.packed = None
            columns = []
            # every block of a sheet has the sheet's width (pack_rows pads short rows)
            for j in range(width):
                parts = [block[j] for block in blocks]
                columns.append(np.concatenate([_unpack_column(part) for part in parts]))
                if each is not None:
                    each(parts)
                for block in blocks:
                    block[j] = None  # a column's buffers go as soon as it is unpacked
            self.columns = columns

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


def open_workbook(
    path: str | Path,
    limits: Limits | None = None,
    *,
    packed: bool = False,
    piece_setup: PieceSetup | None = None,
) -> RawWorkbook:
    """Read every sheet of a spreadsheet or CSV into raw grids, in this process.

    With ``packed`` the sheets come in the compact columnar form (``RawSheet.packed``, see
    :func:`pack_rows`), workbook sheets converted a block of rows at a time; the reader
    child uses it to keep its memory and the pipe small. A big xlsx sheet is parsed in two
    pieces at once: in forked processes when ``piece_setup`` is given (the reader child),
    else on threads.

    Raises InputFileError with a clear sentence for anything that is not a readable BOM,
    LimitExceededError (a subclass) naming the setting when a safety limit is hit. Files
    from outside should be read through ``riskapp.core.guard.open_workbook_guarded``,
    which runs this function in a child process with a memory cap and a time limit.
    """
    limits = limits or Limits()
    deadline = time.monotonic() + limits.max_seconds
    p = Path(path)
    name = str(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputFileError("the file does not exist.", file=name) from None
    except PermissionError:
        raise InputFileError(_PERMISSION_MESSAGE, file=name) from None
    except OSError as exc:
        raise InputFileError(
            f"the file cannot be read ({exc.strerror or exc}).", file=name
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError("this is a folder, not a file.", file=name)
    if not stat.S_ISREG(st.st_mode):
        # a FIFO or a device would block or never end
        raise InputFileError(
            "this is not a regular file (it is a pipe, socket or device).", file=name
        )
    size = st.st_size
    if size == 0:
        raise InputFileError("the file is empty (0 bytes).", file=name)
    if size > limits.max_file_bytes:
        raise LimitExceededError(
            f"the file is {size / MB:,.0f} MB, above the file-size limit of "
            f"{limits.max_file_bytes / MB:,.0f} MB (setting: max file size).",
            file=name,
        )
    try:
        with p.open("rb") as fh:
            head = fh.read(8192)
    except PermissionError:
        raise InputFileError(_PERMISSION_MESSAGE, file=name) from None
    except OSError as exc:
        raise InputFileError(
            f"the file cannot be read ({exc.strerror or exc}).", file=name
        ) from None
    if not head:
        raise InputFileError("the file is empty (0 bytes).", file=name)
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
        if fmt in ("xlsx", "xlsm"):
            # big sheets are parsed in pieces on both cores (forked before any thread starts)
            xml_read: dict[str, bytes] = {}  # sheet XML already unpacked, for the scan
            pieces = _start_pieces(p, limits, deadline, piece_setup, xml_read)
            try:
                # calamine releases the GIL for much of its parse: the hidden-row and
                # hyperlink scan of the sheet XML runs meanwhile
                with ThreadPoolExecutor(1) as pool:
                    meta = pool.submit(_xlsx_metadata, p, xml_read)
                    sheets = _read_calamine(p, fmt, limits, deadline, packed, pieces)
                    _apply_xlsx_metadata(sheets, meta.result())
            finally:
                for started in pieces.values():
                    started.close()
        else:
            sheets = _read_calamine(p, fmt, limits, deadline, packed)
            if fmt == "ods":
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
        sheets = _read_calamine(p, "xls", limits, deadline, packed)
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
        if text_head.startswith(b"<?xml"):
            raise InputFileError(
                f"the file is named {ext} but is an XML document (perhaps an 'XML Spreadsheet "
                "2003'), which is not supported. Save it from Excel as .xlsx and open that.",
                file=name,
            )
        notes.append(f"The file is named {ext} but contains plain text; read it as CSV.")
    if _is_json(head, ext):
        raise InputFileError(
            "this is a JSON file, not a spreadsheet or CSV. Export the BOM from the program "
            "that made it as .xlsx or .csv and open that.",
            file=name,
        )
    sheet = read_csv_sheet(p, limits, deadline=deadline)
    return RawWorkbook(name, "csv", [sheet], notes)


def _is_json(head: bytes, ext: str) -> bool:
    """A JSON document (riskapp's own --json output, an API dump): named .json, or starting
    like an object or a list of objects, which no CSV does."""
    start = head.lstrip(codecs.BOM_UTF8).lstrip()
    return ext == ".json" or re.match(rb'^(\{\s*"|\[\s*[{\["])', start) is not None


_PERMISSION_MESSAGE = (
    "permission denied: you do not have the right to read this file, or another program "
    "has it locked. Close it there (or copy it somewhere you can read) and try again."
)


def _check_time(deadline: float | None, limits: Limits, name: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise LimitExceededError(time_limit_message(limits), file=name)


def time_limit_message(limits: Limits) -> str:
    return (
        f"reading the file took longer than {limits.max_seconds:,.0f} s, the time limit "
        "(setting: max seconds). It is very large or built to be slow to read."
    )


def memory_limit_message(limits: Limits) -> str:
    return (
        f"reading the file needed more than {limits.max_memory_bytes / MB:,.0f} MB of memory, "
        "the memory limit (setting: max memory). It is very large or built to exhaust memory."
    )


_ZIP_ERRORS = (OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error)
"""What reading a damaged, encrypted or exotic zip member can raise besides BadZipFile."""


def _zip_format(p: Path, ext: str) -> str:
    name = str(p)
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            lower = {n.lower() for n in names}
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mt = fh.read(100)
                if b"opendocument.spreadsheet" in mt:
                    return "ods"
                raise InputFileError(
                    "this is an OpenDocument file but not a spreadsheet (not .ods).", file=name
                )
            if "word/document.xml" in lower:
                raise InputFileError("this is a Word document, not a spreadsheet.", file=name)
            if any(n.startswith("ppt/") for n in lower):
                raise InputFileError(
                    "this is a PowerPoint presentation, not a spreadsheet.", file=name
                )
            if any(n.endswith(".bin") and "workbook" in n for n in lower):
                return "xlsb"
            if any(n.startswith("xl/") for n in lower) or "[content_types].xml" in lower:
                return "xlsm" if ext == ".xlsm" or "xl/vbaproject.bin" in lower else "xlsx"
    except (zipfile.BadZipFile, *_ZIP_ERRORS) as exc:
        raise _damaged_zip(exc, name) from None
    raise InputFileError("this zip file does not contain a spreadsheet.", file=name)


def _damaged_zip(exc: BaseException, name: str) -> InputFileError:
    """The sentence for a zip container that cannot be read or unpacked."""
    if isinstance(exc, zipfile.BadZipFile):
        return InputFileError(
            "the workbook is damaged (its zip container cannot be read). It may be truncated "
            "or only partly downloaded.",
            file=name,
        )
    return InputFileError(
        f"the workbook is damaged (a part of it cannot be unpacked: {_first_line(exc)}).",
        file=name,
    )


def _check_zip(p: Path, limits: Limits) -> None:
    """Reject zip bombs, DTDs and absurd sheet dimensions before any parser inflates them."""
    name = str(p)
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise LimitExceededError(
                    f"the workbook has {len(infos):,} parts, more than the {MAX_ZIP_ENTRIES:,} "
                    "any spreadsheet program writes; it was not opened.",
                    file=name,
                )
            total = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            if total > limits.max_uncompressed_bytes:
                raise LimitExceededError(
                    f"the workbook unpacks to {total / MB:,.0f} MB, above the limit of "
                    f"{limits.max_uncompressed_bytes / MB:,.0f} MB (setting: max uncompressed "
                    "size). It may be a 'zip bomb'.",
                    file=name,
                )
            if total > 50 * MB and total / packed > limits.max_compression_ratio:
                raise LimitExceededError(
                    f"the workbook is compressed {total / packed:,.0f}:1, above the limit of "
                    f"{limits.max_compression_ratio:,.0f}:1 (setting: max compression ratio). "
                    "It may be a 'zip bomb'.",
                    file=name,
                )
            for info in infos:
                n = info.filename.lower()
                if not n.endswith((".xml", ".rels")) or info.is_dir():
                    continue
                with zf.open(info) as fh:
                    head = fh.read(XML_PROLOG_BYTES)
                _check_xml_head(head, info.filename, name)
                if "worksheets/" in n or n.endswith("content.xml"):
                    _check_dimension(head, limits, name)
    except (zipfile.BadZipFile, *_ZIP_ERRORS) as exc:
        raise _damaged_zip(exc, name) from None


_RE_ROOT_START = re.compile(rb"<[A-Za-z_]")
_RE_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.S)


def _check_xml_head(head: bytes, part: str, name: str) -> None:
    """Excel and LibreOffice never write a DTD; entity declarations are how 'billion laughs'
    and external-entity attacks start, so a part with one is refused outright."""
    probe = head.replace(b"\x00", b"") if b"\x00" in head[:64] else head  # UTF-16 XML
    upper = probe.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise InputFileError(
            f"the workbook contains XML entity declarations (in {part}), which Excel never "
            "writes and which can be used to attack a reader; it was not opened.",
            file=name,
        )
    if len(head) >= XML_PROLOG_BYTES and not _RE_ROOT_START.search(_RE_COMMENT.sub(b"", probe)):
        raise InputFileError(
            f"the workbook part {part} starts with over {XML_PROLOG_BYTES // 1024} KB of "
            "comments or declarations, which Excel never writes; it was not opened.",
            file=name,
        )


_RE_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*\bref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"'
)


def _check_dimension(head: bytes, limits: Limits, name: str) -> None:
    m = _RE_DIMENSION.search(head)
    if not (m and m.group(3)):
        return
    rows = abs(int(m.group(4)) - int(m.group(2))) + 1
    cols = abs(column_index(m.group(3).decode()) - column_index(m.group(1).decode())) + 1
    if rows * cols > limits.max_cells:
        raise LimitExceededError(
            f"a sheet claims {rows:,} rows × {cols:,} columns ({rows * cols:,} cells), above "
            f"the limit of {limits.max_cells:,} cells (setting: max cells).",
            file=name,
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


def _is_encrypted_ooxml(p: Path) -> bool:
    """An encrypted xlsx/xlsb is an OLE file with an 'EncryptedPackage' stream."""
    markers = ("EncryptedPackage".encode("utf-16-le"), b"EncryptedPackage")
    keep = max(len(m) for m in markers)
    try:
        with p.open("rb") as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                if any(m in data for m in markers):
                    return True
                tail = data[-keep:]
    except OSError:
        return False
    return False


def _read_calamine(
    p: Path,
    fmt: str,
    limits: Limits,
    deadline: float | None = None,
    packed: bool = False,
    pieces: Mapping[str, _Pieces] | None = None,
) -> list[RawSheet]:
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
    except MemoryError:
        raise  # the guard turns this into the memory-limit message
    except Exception as exc:  # calamine raises several exception types for broken files
        _limit_from_parser(exc, limits, name)
        raise InputFileError(_broken_message(fmt, exc), file=name) from None
    sheets: list[RawSheet] = []
    pieces = pieces or {}
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        for sheet_name in wb.sheet_names:
            _check_time(deadline, limits, name)
            m = meta.get(sheet_name)
            if m is not None and "WorkSheet" not in str(m.typ):
                continue  # chart sheets and macro sheets hold no BOM
            visible = m is None or ("Visible" in str(m.visible) and "Hidden" not in str(m.visible))
            started = pieces.get(sheet_name)
            in_pieces = started.sheet() if started is not None else None
            if in_pieces is not None:
                in_pieces.visible = visible
                if not packed:
                    in_pieces.unpack()
                sheets.append(in_pieces)
                continue
            try:
                sh = wb.get_sheet_by_name(sheet_name)
                _check_cells(sh, sheet_name, limits, name)
                blocks = _packed_blocks(sh, deadline, limits, name) if packed else None
                cells = [] if packed else sh.to_python(skip_empty_area=False)
                merged = _merged_ranges(sh)
            except (LimitExceededError, MemoryError):
                raise
            except Exception as exc:
                _limit_from_parser(exc, limits, name, sheet_name)
                raise InputFileError(
                    _broken_message(fmt, exc), file=name, sheet=sheet_name
                ) from None
            sheets.append(
                RawSheet(sheet_name, list(cells), merged=merged, visible=visible, packed=blocks)
            )
    finally:
        wb.close()
    if not sheets:
        raise InputFileError("the workbook has no worksheets.", file=name)
    return sheets


def _check_cells(sh: Any, sheet_name: str, limits: Limits, name: str) -> None:
    h, w = sh.total_height, sh.total_width
    if h * w > limits.max_cells:
        raise LimitExceededError(
            f"sheet '{sheet_name}' has {h:,} rows × {w:,} columns ({h * w:,} cells), "
            f"above the limit of {limits.max_cells:,} cells (setting: max cells).",
            file=name,
            sheet=sheet_name,
        )


def _merged_ranges(sh: Any) -> list[tuple[int, int, int, int]]:
    return [(a[0], a[1], b[0], b[1]) for a, b in (sh.merged_cell_ranges or [])]


def _packed_blocks(
    sh: Any, deadline: float | None, limits: Limits, name: str, skip: int = 0
) -> list[Any]:
    """A calamine sheet packed PACK_ROWS rows at a time (as to_python(skip_empty_area=False)
    would give it: rows from row 1, columns from A), so only one block of rows exists as
    Python objects at any moment. The first `skip` rows are left out."""
    start, end = sh.start, sh.end
    if start is None or end is None:
        return []
    pad, width = int(start[1]), int(end[1]) + 1
    rows = itertools.islice(sh.iter_rows(), skip, None)
    blocks: list[list[PackedColumn]] = []
    while True:
        block = list(itertools.islice(rows, PACK_ROWS))
        if not block:
            return blocks
        blocks.append(pack_rows(block, width, pad))
        _check_time(deadline, limits, name)


SPLIT_MIN_BYTES = 8 * MB
"""A worksheet whose XML unpacks to at least this is parsed in pieces on two cores (about
13,000 BOM lines; below it the pieces' overhead eats the gain)."""
SPLIT_MAX_BYTES = 256 * MB
"""...and at most this, and at most a sixth of the reader's memory limit: the pieces are
copies, which a bigger sheet cannot afford within the limit."""
SPLIT_SHARES = (0.5,)
"""Where the sheet is cut: in two halves, one per core."""


PieceSetup = Callable[[set[int]], None]
"""Run first in a process forked to parse a piece (given the descriptors it must keep): the
guard's reader child passes one that closes the others and ties the process to its own
life."""


class _Pieces:
    """A big sheet being parsed in pieces: the first here, the later ones at the same time in
    forked processes (inside the guard's reader child, given a PieceSetup) or threads."""

    def __init__(
        self,
        p: Path,
        sheet_name: str,
        cut: Cut,
        packages: list[bytes],
        limits: Limits,
        deadline: float | None,
        setup: PieceSetup | None,
    ) -> None:
        self.sheet_name = sheet_name
        self.firsts = (0, *cut.first_rows)
        self._args = (sheet_name, limits, deadline, str(p))
        self._first = packages[0]
        self._pool: ThreadPoolExecutor | None = None
        self._later: list[Callable[[], _PieceResult | None]] = []
        self._pids: list[int] = []
        for package, skip in zip(packages[1:], cut.first_rows, strict=True):
            if setup is not None:
                self._later.append(self._fork(package, skip, setup))
            else:
                self._pool = self._pool or ThreadPoolExecutor(len(packages) - 1)
                future = self._pool.submit(_parse_piece, package, skip, *self._args)
                self._later.append(future.result)

    def _fork(self, package: bytes, skip: int, setup: PieceSetup) -> Callable[[], Any]:
        import pickle

        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the piece's process, reported through the pipe
            code = 1
            try:
                os.close(r)
                setup({w})
                result = _parse_piece(package, skip, *self._args)
                with os.fdopen(w, "wb", buffering=1 << 20) as fh:
                    pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self._pids.append(pid)

        def collect() -> Any:
            try:
                with os.fdopen(r, "rb", buffering=1 << 20) as fh:
                    return pickle.load(fh)
            except Exception:  # the process died: the sheet is read whole
                return None
            finally:
                os.waitpid(pid, 0)
                self._pids.remove(pid)

        return collect

    def close(self) -> None:
        """Stop what still runs (after an error elsewhere in the workbook)."""
        import signal

        for pid in list(self._pids):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        self._pids.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def sheet(self) -> RawSheet | None:
        """The whole sheet, packed, or None when it must be read whole (a piece did not
        parse, or the pieces' rows overlap: rows out of order in the file)."""
        try:
            first = _parse_piece(self._first, 0, *self._args, merged=True)
            self._first = b""  # parsed: its copy is not needed any more
            results = [first, *(collect() for collect in self._later)]
        finally:
            self.close()
        blocks: list[list[PackedColumn]] = []
        rows_done = width = 0
        for i, result in enumerate(results):
            if result is None:
                return None
            piece_blocks, start, end, _ = result
            if start is None or end is None:
                continue
            ends_before = self.firsts[i + 1] if i + 1 < len(self.firsts) else None
            if start[0] < self.firsts[i] or (ends_before is not None and end[0] >= ends_before):
                return None  # rows out of order: only a whole read places them right
            if rows_done < self.firsts[i]:
                blocks.append(_widened([], 0, self.firsts[i] - rows_done))
            blocks += piece_blocks
            rows_done, width = end[0] + 1, max(width, end[1] + 1)
        merged = results[0][3] if results[0] else []
        return RawSheet(
            self.sheet_name, [], merged=merged, packed=[_widened(b, width) for b in blocks]
        )


# (packed blocks, first cell, last cell, merged ranges) of one piece
_PieceResult = tuple[list[Any], tuple[int, int] | None, tuple[int, int] | None, list[Any]]


def _parse_piece(
    package: bytes,
    skip: int,
    sheet_name: str,
    limits: Limits,
    deadline: float | None,
    name: str,
    *,
    merged: bool = False,
) -> _PieceResult | None:
    """Parse and pack one piece, its rows from `skip` on; None when it does not parse (the
    whole read then says what is wrong with the file)."""
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(package))
        sh = wb.get_sheet_by_name(sheet_name)
    except MemoryError:
        raise
    except Exception as exc:
        log.info("a piece of a big sheet did not parse (%s); read whole", type(exc).__name__)
        return None
    try:
        _check_cells(sh, sheet_name, limits, name)
        start = (int(sh.start[0]), int(sh.start[1])) if sh.start is not None else None
        end = (int(sh.end[0]), int(sh.end[1])) if sh.end is not None else None
        blocks = _packed_blocks(sh, deadline, limits, name, skip=skip)
        return blocks, start, end, _merged_ranges(sh) if merged else []
    finally:
        wb.close()


def _start_pieces(
    p: Path,
    limits: Limits,
    deadline: float | None,
    setup: PieceSetup | None,
    xml_read: dict[str, bytes],
) -> dict[str, _Pieces]:
    """Start parsing, in pieces, the biggest sheet if it is worth it (see xlsxparts): its XML
    unpacks to SPLIT_MIN_BYTES..SPLIT_MAX_BYTES and the machine has a second core. The
    unpacked XML is left in `xml_read` (by part) for the hidden-row and hyperlink scan."""
    if (os.cpu_count() or 1) < 2:
        return {}
    started: dict[str, _Pieces] = {}
    try:
        with zipfile.ZipFile(p) as zf:
            sizes = {info.filename: info.file_size for info in zf.infolist()}
            # the pieces are copies: they must leave the reader most of its memory
            worth_it = [
                (sizes[part], sheet, part)
                for sheet, part in sheet_parts(zf).items()
                if SPLIT_MIN_BYTES <= sizes.get(part, 0) <= SPLIT_MAX_BYTES
                and 3 * sizes[part] <= limits.max_memory_bytes // 2
            ]
            # the biggest sheet only (the BOM): more would hold several sheets' copies at once
            for _, sheet, part in sorted(worth_it, reverse=True)[:1]:
                xml = xml_read[part] = read_part(zf, part)
                cut = cut_sheet(xml, SPLIT_SHARES)
                if cut is not None:
                    packages = piece_packages(zf, part, xml, cut)
                    started[sheet] = _Pieces(p, sheet, cut, packages, limits, deadline, setup)
    except (zipfile.BadZipFile, KeyError, *_ZIP_ERRORS):
        pass  # the whole read says what is wrong
    except MemoryError:  # no room for the copies: read whole, as a smaller machine would
        for pieces in started.values():
            pieces.close()
        started.clear()
        xml_read.clear()
    except BaseException:
        for pieces in started.values():
            pieces.close()
        raise
    return started


def _widened(block: list[PackedColumn], width: int, n: int = 0) -> list[PackedColumn]:
    """A packed block with empty cells ('' as calamine gives them) added on the right (an
    empty block: `n` rows of them)."""
    import numpy as np

    n = block[0][0] if block else n
    empty: PackedColumn = (n, bytes(n), [""], np.zeros(n, np.int32).tobytes(), b"", [])
    return block + [empty] * (max(width, 1) - len(block))


_RE_CALAMINE_CELL_LIMIT = re.compile(r"Cell limit exceeded \((\d+) cells requested")


def _limit_from_parser(exc: BaseException, limits: Limits, name: str, sheet: str = "") -> None:
    """calamine's own cell cap (a sheet that claims billions of cells) is our cells limit."""
    m = _RE_CALAMINE_CELL_LIMIT.search(str(exc))
    if m:
        raise LimitExceededError(
            f"a sheet claims {int(m.group(1)):,} cells, above the limit of {limits.max_cells:,} "
            "cells (setting: max cells).",
            file=name,
            sheet=sheet,
        )


def _broken_message(fmt: str, exc: BaseException) -> str:
    return (
        f"the {fmt} workbook is damaged or in a form that cannot be read ({_first_line(exc)}). "
        "Open it in Excel or LibreOffice and save a fresh copy as .xlsx."
    )


_RE_HIDDEN = re.compile(rb'hidden="(?:1|true)"')
_RE_OUTLINE_LEVEL = re.compile(rb' outlineLevel="(\d{1,2})"')  # a row's group level


# per sheet name: (hidden columns, hidden rows, {(row, col): url}, {row: outline level}),
# all 0-based
_SheetMeta = tuple[set[int], set[int], dict[tuple[int, int], str], dict[int, int]]


def _apply_xlsx_metadata(sheets: list[RawSheet], meta: dict[str, _SheetMeta]) -> None:
    for sheet in sheets:
        found = meta.get(sheet.name)
        if found is not None:
            sheet.hidden_cols.update(found[0])
            sheet.hidden_rows.update(found[1])
            sheet.links.update(found[2])
            sheet.outline_rows.update(found[3])


def _row_attributes(
    xml: bytes, pattern: re.Pattern[bytes], start: int
) -> Iterator[tuple[int, re.Match[bytes]]]:
    """The 0-based row of each <row> tag holding `pattern` (an attribute) from `start` on,
    with the match."""
    for m in pattern.finditer(xml, start):
        tag = xml[xml.rfind(b"<", 0, m.start()) : m.end() + 1]
        if re.match(rb"<(?:\w+:)?row\b", tag):
            r = attr(tag, b"r")
            if r and r.isdigit():
                yield int(r) - 1, m


def _xlsx_metadata(p: Path, xml_read: Mapping[str, bytes] | None = None) -> dict[str, _SheetMeta]:
    """Hidden rows/columns and hyperlinks, which calamine does not expose, from the sheet XML
    (by sheet name; {} when the parts cannot be read: metadata is a nicety)."""
    out: dict[str, _SheetMeta] = {}
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            for sname, path in sheet_parts(zf).items():
                hidden_cols: set[int] = set()
                hidden_rows: set[int] = set()
                links_at: dict[tuple[int, int], str] = {}
                outline: dict[int, int] = {}
                out[sname] = (hidden_cols, hidden_rows, links_at, outline)
                xml = (xml_read or {}).get(path) or zf.read(path)
                data_at = xml.find(b"<sheetData")
                data_end = xml.rfind(b"</sheetData>")
                head = xml[: data_at if data_at >= 0 else len(xml)]
                tail = xml[data_end:] if data_end >= 0 else b""
                for col in re.findall(rb"<(?:\w+:)?col\b[^>]*>", head):
                    if attr(col, b"hidden") in ("1", "true"):
                        lo, hi = int(attr(col, b"min") or 0), int(attr(col, b"max") or 0)
                        if 0 < lo <= hi <= 16384:
                            hidden_cols.update(range(lo - 1, hi))
                for row, _ in _row_attributes(xml, _RE_HIDDEN, max(data_at, 0)):
                    hidden_rows.add(row)
                for row, m_level in _row_attributes(xml, _RE_OUTLINE_LEVEL, max(data_at, 0)):
                    if int(m_level.group(1)) > 0:
                        outline[row] = min(int(m_level.group(1)), 7)
                links = re.findall(rb"<(?:\w+:)?hyperlink\b[^>]*>", tail)
                if links:
                    rels_path = (
                        path.rsplit("/", 1)[0] + "/_rels/" + path.rsplit("/", 1)[1] + ".rels"
                    )
                    srels = zf.read(rels_path) if rels_path in names else b""
                    stargets = relationship_targets(srels)
                    for link in links:
                        ref = attr(link, b"ref") or ""
                        rid2 = attr(link, b"r:id")
                        url = stargets.get(rid2) if rid2 else None
                        m = re.match(r"([A-Z]+)(\d+)", ref)
                        if url and m:
                            key = (int(m.group(2)) - 1, column_index(m.group(1)))
                            links_at[key] = xml_unescape(url)
    except (zipfile.BadZipFile, KeyError, *_ZIP_ERRORS):
        return out  # metadata is a nicety; the values are read by calamine
    return out


def _add_ods_metadata(p: Path, sheets: list[RawSheet]) -> None:
    """Hidden (collapsed) columns and rows of an ODS file, and its rows' outline groups."""
    try:
        with zipfile.ZipFile(p) as zf:
            xml = zf.read("content.xml")
    except (zipfile.BadZipFile, KeyError, *_ZIP_ERRORS):
        return
    by_name = {s.name: s for s in sheets}
    # the tables themselves ('<table:table-row' is not one: split at the element name's end)
    parts = re.split(rb"<table:table(?=[\s>])", xml)[1:]
    for part in parts:
        m = re.match(rb'[^>]*table:name="([^"]*)"', part)
        if not m:
            continue
        sheet = by_name.get(xml_unescape(m.group(1).decode("utf-8", "replace")))
        if sheet is None:
            continue
        col = 0
        row = 0
        depth = 0  # nesting of row groups (the sheet's outline)
        for tag in re.finditer(
            rb"<(/?)table:table-(column-group|row-group|column|row)\b([^>]*)>", part
        ):
            close, kind, attrs = tag.group(1), tag.group(2), tag.group(3)
            if kind == b"row-group":
                depth = max(0, depth - 1) if close else depth + (not attrs.endswith(b"/"))
                continue
            if close or kind == b"column-group":
                continue
            if kind == b"column":
                n = _countattr(attrs, b"table:number-columns-repeated")
                if attr(attrs, b"table:visibility") in ("collapse", "filter"):
                    if col < 16384:
                        sheet.hidden_cols.update(range(col, min(col + n, 16384)))
                col += n
            else:
                n = _countattr(attrs, b"table:number-rows-repeated")
                if attr(attrs, b"table:visibility") in ("collapse", "filter") and row < 1_048_576:
                    sheet.hidden_rows.update(range(row, min(row + n, sheet.n_rows)))
                if depth and row < sheet.n_rows:
                    sheet.outline_rows.update(
                        dict.fromkeys(range(row, min(row + n, sheet.n_rows)), min(depth, 7))
                    )
                row += n


def _countattr(attrs: bytes, name: bytes) -> int:
    """A repeat count attribute; junk counts as 1 (calamine decides what the cells are)."""
    value = attr(attrs, name) or "1"
    return max(1, int(value)) if value.isdigit() else 1


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


CSV_SAMPLE_BYTES = 1 << 20
"""Bytes read up front to choose the delimiter and estimate the number of cells."""


def detect_encoding(p: Path) -> str:
    """The text encoding of a file, as :func:`decode_text` would choose it, read in chunks
    (a large file is never held in memory twice)."""
    with p.open("rb") as fh:
        head = fh.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head and b"\x00" in head:
            even, odd = head[0::2], head[1::2]
            return "utf-16-le" if odd.count(0) >= even.count(0) else "utf-16-be"
        for encoding in ("utf-8", "cp1252"):
            fh.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    return "latin-1"


def read_csv_sheet(p: Path, limits: Limits, *, deadline: float | None = None) -> RawSheet:
    """Read a CSV/TSV/TXT file into one raw grid, streaming (the text is never held whole).

    The cells limit is checked twice: first as an estimate from the first megabyte (so a
    huge file is refused in milliseconds), then exactly while reading.
    """
    name = str(p)
    try:
        encoding = detect_encoding(p)
        size = p.stat().st_size
        with p.open("rb") as fh:
            raw_sample = fh.read(CSV_SAMPLE_BYTES)
    except PermissionError:
        raise InputFileError(_PERMISSION_MESSAGE, file=name) from None
    except OSError as exc:
        raise InputFileError(
            f"the file cannot be read ({exc.strerror or exc}).", file=name
        ) from None
    sample = raw_sample.decode(encoding, errors="replace")
    if "\x00" in sample[:100000]:
        raise InputFileError("this is not a text/CSV file (it contains binary data).", file=name)
    delim = sniff_delimiter(sample, p.suffix.lower())
    _check_estimated_cells(sample, len(raw_sample), size, delim, limits, name)
    cells: list[list[object]] = []
    starts: list[int] = []
    prev = 0
    ncells = 0
    try:
        with p.open(encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delim)
            for record in reader:
                starts.append(prev + 1)
                if reader.line_num - prev > 1:  # quoted line breaks: '\r\n' reads as '\n'
                    record = [f.replace("\r\n", "\n") for f in record]
                prev = reader.line_num
                cells.append(record)  # type: ignore[arg-type]
                ncells += len(record)
                if ncells > limits.max_cells:
                    raise LimitExceededError(
                        f"the file has more than {limits.max_cells:,} cells, the limit "
                        "(setting: max cells).",
                        file=name,
                        row=starts[-1],
                    )
                if not len(cells) & 0xFFF:
                    _check_time(deadline, limits, name)
    except csv.Error as exc:
        text = str(exc)
        if "field larger than field limit" in text:
            text = (
                f"a field is longer than {csv.field_size_limit():,} characters; a quote is "
                "probably never closed"
            )
        raise InputFileError(
            f"the CSV file is malformed ({text}).", file=name, row=prev + 1
        ) from None
    except OSError as exc:
        raise InputFileError(
            f"the file cannot be read ({exc.strerror or exc}).", file=name
        ) from None
    widths = [len(r) for r in cells]
    width = max(widths, default=0)
    for r in cells:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return RawSheet("", cells, row_numbers=starts, widths=widths)


def _check_estimated_cells(
    sample: str, sample_bytes: int, size: int, delim: str, limits: Limits, name: str
) -> None:
    """Refuse a file whose first megabyte says it holds far more cells than allowed."""
    if size <= 2 * sample_bytes:
        return  # small enough to count exactly while reading
    cut = sample.rfind("\n")
    if cut <= 0:
        return
    try:
        cells = sum(len(r) for r in csv.reader(io.StringIO(sample[: cut + 1]), delimiter=delim))
    except csv.Error:
        return
    estimate = cells * size * len(sample) / (sample_bytes * (cut + 1))
    if estimate > 2 * limits.max_cells:
        raise LimitExceededError(
            f"the file holds about {estimate:,.0f} cells (estimated from its first megabyte), "
            f"above the limit of {limits.max_cells:,} cells (setting: max cells).",
            file=name,
        )

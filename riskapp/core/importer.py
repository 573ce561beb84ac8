"""The BOM import engine: any workbook or CSV a buyer receives -> one typed frame of BOM lines
plus an :class:`ImportReport` naming every problem with its sheet, row and column.

Stages: read raw cells (readers) -> find tables (layout) -> map columns (mapping) -> classify
rows (lines, section headings, repeated headers, totals) -> parse values (values) -> link
multi-level parents (multilevel). The input file is only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.errors import CancelledError, InputFileError, UsageError
from riskapp.core.fastre import ColumnPattern
from riskapp.core.guard import open_workbook_guarded
from riskapp.core.layout import TableSpec, TextCodes, find_tables, nonempty_mask, sheet_frames
from riskapp.core.mapping import KEY_FIELDS, normalize_header
from riskapp.core.model import (
    EXTRA_PREFIX,
    FIELDS,
    CancelCheck,
    FieldMatch,
    ImportReport,
    ImportResult,
    Issue,
    ProgressCallback,
    TableInfo,
    empty_lines,
)
from riskapp.core.multilevel import link_levels
from riskapp.core.readers import Limits, RawSheet, column_index, column_letter
from riskapp.core.values import (
    count_designators_series,
    currency_in,
    mass_unit_factor,
    parse_masses,
    parse_prices,
    parse_quantities,
    python_texts,
    quantity_from_descriptions,
    unit_in_header,
)

MAX_ISSUES_PER_CODE = 200
_RE_TOTAL = ColumnPattern(
    r"^(?:grand\s+)?(?:sub\s*-?)?totals?\b|^summe\b|^gesamt(?:summe|preis|kosten)?\b|^sum\b"
    r"|^total\s+cost|^(?:freight|shipping(?: cost)?|versand(?:kosten)?|fracht|vat|mwst|sales tax|discount|rabatt)\s*(?:$|[:(])",
    re.I,
)
# a printed report's ruled lines ('----------', '====|====') and page furniture ('Page 2 of
# 5', 'Continued on next page', '*** END OF REPORT ***'): one pattern, one pass over the keys
_RE_REPORT_FURNITURE = ColumnPattern(
    r"[-=_*~+.|\s]{3,}"
    r"|(?:page|seite|pg\.?)\s*\d+(?:\s*(?:of|/|von)\s*\d+)?|-\s*\d+\s*-"
    r"|(?:\(?\s*)?(?:continued|cont'd|fortsetzung)(?:\s+(?:on|from)\s+(?:next|previous)\s+page)?\.?\s*\)?"
    r"|\*{0,3}\s*end of (?:report|list|bom|listing)\s*\*{0,3}",
    re.I,
)
_RE_LINKWORD = ColumnPattern(
    r"^(?:link\d*|url|here|click here|see link|buy|https?://\S+|www\.\S+)$", re.I
)
_RE_NUMBER = ColumnPattern(r"^[+-]?\d+(?:[.,]\d+)*$")
_RE_URL = ColumnPattern(r"^(?:https?://|www\.|ftp://)", re.I)
_RE_DIGIT = ColumnPattern(r"\d")


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose (all optional): sheet(s), header row (1-based), column mapping
    {canonical field: column letter}, and the safety limits."""

    sheets: tuple[str, ...] = ()
    header_row: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_bom(
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> ImportResult:
    """Import a BOM file. Raises InputFileError (a RiskappError) for unreadable files."""
    options = options or ImportOptions()
    started = time.perf_counter()
    progress = on_progress or (lambda f, m: None)
    cancelled = should_cancel or (lambda: False)
    report = ImportReport(file=str(path))
    progress(0.0, "Reading the file")
    wb = open_workbook_guarded(path, options.limits, should_cancel=cancelled)
    report.sha256 = file_sha256(path)
    report.file_format = wb.file_format
    report.sheets = [s.name for s in wb.sheets]
    for note in wb.notes:
        report.add("info", "format_mismatch", note)
    if cancelled():
        raise CancelledError()
    chosen = _sheets_to_scan(wb.sheets, options, report)
    per_sheet: list[tuple[RawSheet, list[TableSpec], list[pd.DataFrame], float]] = []
    for i, sheet in enumerate(chosen):
        progress(0.1 + 0.8 * i / max(1, len(chosen)), f"Finding the BOM in sheet '{sheet.name}'")
        if cancelled():
            raise CancelledError()
        _drop_far_columns(sheet, report)
        distinct: dict[Any, tuple[np.ndarray, pd.Series]] = {}
        raw, text = sheet_frames(sheet, distinct)
        forced = options.header_row - 1 if options.header_row else None
        if forced is not None and not 0 <= forced < len(text):
            raise UsageError(
                f"header row {options.header_row} is outside the sheet (it has {len(text)} rows).",
                file=str(path),
                sheet=sheet.name,
            )
        codes = TextCodes(text, distinct)
        specs = find_tables(sheet, raw, text, forced, codes)
        if options.mapping:
            specs = [_apply_user_mapping(s, options.mapping, text) for s in specs]
        frames = []
        kept_specs = []
        issued: dict[int, list[Issue]] = {}  # by table: the issues reading it raised
        for spec in specs:
            if cancelled():
                raise CancelledError()
            before = len(report.issues)
            lines = _table_lines(sheet, raw, text, codes, spec, report)
            issued[id(spec)] = report.issues[before:]
            if len(lines):
                frames.append(lines)
                kept_specs.append(spec)
        if len(frames) > 1:
            frames, kept_specs = _without_revision_blocks(sheet, frames, kept_specs, report, issued)
        quality = sum(len(f) * _spec_quality(s) for f, s in zip(frames, kept_specs, strict=True))
        per_sheet.append((sheet, kept_specs, frames, quality))
    progress(0.9, "Putting the lines together")
    # a revision history, cover or notes sheet is read only when no other sheet has lines
    bom_sheets = [q for sh, _, frames, q in per_sheet if frames and not _document_sheet(sh.name)]
    best = max(bom_sheets or [q for *_, q in per_sheet], default=0.0)
    frames_out: list[pd.DataFrame] = []
    for sheet, specs, frames, quality in per_sheet:
        document = bool(bom_sheets) and _document_sheet(sheet.name)
        take = bool(frames) and (
            bool(options.sheets)
            or (not document and quality >= 0.5 * best and (quality > 0 or best == 0))
        )
        if not take:
            # what was found reading a sheet that is not read says nothing about the BOM
            report.issues = [
                i for i in report.issues if i.sheet != sheet.name or i.code == "hidden_sheet"
            ]
            if frames:
                why = (
                    "its name says it is not the BOM"
                    if document
                    else "looks less like the BOM than the chosen sheet"
                )
                report.add(
                    "info",
                    "sheet_skipped",
                    f"Sheet '{sheet.name}' also has a table ({sum(len(f) for f in frames)} rows) but "
                    f"{why}; choose it in the import options to read it.",
                    sheet=sheet.name,
                )
            continue
        report.chosen_sheets.append(sheet.name)
        for spec, frame in zip(specs, frames, strict=True):
            report.tables.append(_table_info(spec, len(frame)))
            for note in spec.notes:
                report.add(
                    "warning" if spec.inferred else "info",
                    "table_inferred",
                    note[0].upper() + note[1:] + ".",
                    sheet=sheet.name,
                    row=(spec.header_row + 1) if spec.header_row is not None else None,
                    column=column_letter(spec.first_col),
                )
        frames_out.extend(frames)
    if not frames_out:
        raise InputFileError(
            "no BOM table was found: no sheet has a header row with a description or part-number "
            "column and lines under it. Choose the sheet and header row in the import options.",
            file=str(path),
        )
    lines = pd.concat(frames_out, ignore_index=True, sort=False)
    lines = _finish(lines)
    report.n_lines = len(lines)
    _cap_issues(report)
    report.seconds = time.perf_counter() - started
    progress(1.0, f"Imported {len(lines):,} lines")
    return ImportResult(lines, report)


def _sheets_to_scan(
    sheets: list[RawSheet], options: ImportOptions, report: ImportReport
) -> list[RawSheet]:
    if options.sheets:
        by_name = {s.name: s for s in sheets}
        missing = [n for n in options.sheets if n not in by_name]
        if missing:
            raise UsageError(
                f"the workbook has no sheet named {', '.join(repr(m) for m in missing)}; it has "
                f"{', '.join(repr(s.name) for s in sheets)}.",
                file=report.file,
            )
        return [by_name[n] for n in options.sheets]
    visible = [s for s in sheets if s.visible]
    for s in sheets:
        if not s.visible:
            report.add(
                "info",
                "hidden_sheet",
                f"Sheet '{s.name}' is hidden and was not read; choose it in the import options to read it.",
                sheet=s.name,
            )
    return visible or sheets


_RE_DOCUMENT_SHEET = re.compile(
    r"\b(?:rev(?:ision)?s?|revision\s*history|history|historie|change\s*-?logs?|changes|"
    r"änderung\w*|aenderung\w*|cover|deckblatt|notes?|instructions?|read\s*me|legend|legende|"
    r"anleitung|hinweise|approvals?|sign[- ]?off)\b",
    re.I,
)
_RE_BOM_SHEET = re.compile(r"bom|b\.o\.m|stück|stueck|parts?|teile|nomenclature|material", re.I)


def _document_sheet(name: str) -> bool:
    """A sheet named as a revision history, cover, notes or instructions (and not as a
    BOM or parts list: 'BOM rev C' is the BOM)."""
    return bool(_RE_DOCUMENT_SHEET.search(name)) and not _RE_BOM_SHEET.search(name)


FAR_COLUMNS_GAP = 100
"""Empty columns that cut a sheet: cells beyond such a gap (a stray value in column XFD)
are no part of a BOM, and reading 16,000 empty columns would take minutes."""


def _drop_far_columns(sheet: RawSheet, report: ImportReport) -> None:
    """Leave out the columns right of the first run of FAR_COLUMNS_GAP empty columns that
    follows the sheet's first filled column (and a long empty tail)."""
    if sheet.n_cols <= FAR_COLUMNS_GAP:
        return
    used = sheet.used_columns()
    filled = [j for j, u in enumerate(used) if u]
    if not filled:
        return
    last = filled[0]
    far: list[int] = []
    for k, j in enumerate(filled[1:], start=1):
        if j - last - 1 >= FAR_COLUMNS_GAP:
            far = filled[k:]
            break
        last = j
    if not far and len(used) - (last + 1) < FAR_COLUMNS_GAP:
        return
    sheet.keep_columns(last + 1)
    if far:
        report.add(
            "info",
            "far_columns",
            f"Cells in {len(far)} column(s) far right of the table (from column "
            f"{column_letter(far[0])}, after {far[0] - last - 1} empty columns) were left out.",
            sheet=sheet.name,
            column=column_letter(far[0]),
        )


_RE_REV_FIRST = re.compile(
    r"^(?:rev\.?|revision|rev\.?\s*(?:no\.?|level)|version|ver\.?|index|änderung|aenderung"
    r"|änd\.?|eco|ecn|ecr|change(?:\s*no\.?)?)$"
)
_REV_OTHER = frozenset(
    {
        "date",
        "datum",
        "by",
        "approved",
        "approved by",
        "drawn",
        "checked",
        "author",
        "name",
        "von",
        "erstellt",
        "geprüft",
        "freigabe",
        "signature",
        "initials",
    }
)


def _without_revision_blocks(
    sheet: RawSheet,
    frames: list[pd.DataFrame],
    specs: list[TableSpec],
    report: ImportReport,
    issued: dict[int, list[Issue]],
) -> tuple[list[pd.DataFrame], list[TableSpec]]:
    """A revision box beside the BOM ('Rev | Date | Description | By') is no second BOM: its
    'Changed magnet grade' would be scored as a magnet. Left out when another table stays."""
    keep = []
    for spec in specs:
        columns = range(spec.first_col, spec.last_col + 1)
        heads = [h for h in (normalize_header(spec.headers.get(c, "")) for c in columns) if h]
        revision = (
            bool(heads)
            and _RE_REV_FIRST.match(heads[0]) is not None
            and any(h in _REV_OTHER for h in heads[1:])
            and spec.col("quantity") is None
        )
        keep.append(not revision)
    if not any(keep) or all(keep):
        return frames, specs
    for spec, kept in zip(specs, keep, strict=True):
        if not kept:
            dropped = {id(i) for i in issued.get(id(spec), [])}
            report.issues = [i for i in report.issues if id(i) not in dropped]
            report.add(
                "info",
                "revision_block",
                f"The table at {column_letter(spec.first_col)}{(spec.header_row or 0) + 1} is a "
                "revision history (revision, date, by), not BOM lines; it was left out.",
                sheet=sheet.name,
                row=(spec.header_row or 0) + 1,
                column=column_letter(spec.first_col),
            )
    return (
        [f for f, k in zip(frames, keep, strict=True) if k],
        [s for s, k in zip(specs, keep, strict=True) if k],
    )


def _spec_quality(spec: TableSpec) -> float:
    confs = [c for _, f, c, _ in spec.mapping if f in KEY_FIELDS or f == "quantity"]
    base = sum(confs) / len(confs) if confs else 0.1
    return base * (0.5 if spec.inferred else 1.0)


def _apply_user_mapping(spec: TableSpec, mapping: dict[str, str], text: pd.DataFrame) -> TableSpec:
    """The user's explicit mapping always wins over what was proposed."""
    valid = {f.name for f in FIELDS if f.mappable} | {"mass", "magnet_mass"}
    new = list(spec.mapping)
    for fld, letter in mapping.items():
        if fld not in valid:
            raise UsageError(f"'{fld}' is not a BOM field; fields are {', '.join(sorted(valid))}.")
        if not letter:
            new = [m for m in new if m[1] != fld]
            continue
        try:
            col = column_index(letter)
        except ValueError:
            raise UsageError(f"'{letter}' is not a column letter (mapping for {fld}).") from None
        if not spec.first_col <= col <= max(spec.last_col, col) or col >= text.shape[1]:
            continue
        new = [m for m in new if m[1] != fld and m[0] != col]
        new.append((col, fld, 1.0, "user"))
        spec.last_col = max(spec.last_col, col)
        if spec.header_row is not None:
            spec.headers.setdefault(col, str(text.iat[spec.header_row, col]))
    spec.mapping = sorted(new)
    return spec


def _table_info(spec: TableSpec, n: int) -> TableInfo:
    desc = spec.col("description")
    if desc is None:
        desc = spec.col("name")
    if desc is None:
        desc = next((c for c, f, _, _ in spec.mapping if f in KEY_FIELDS), spec.first_col)
    matches = [
        FieldMatch(f, column_letter(c), spec.headers.get(c, ""), round(conf, 2), how)  # type: ignore[arg-type]
        for c, f, conf, how in spec.mapping
    ]
    return TableInfo(
        sheet=spec.sheet,
        table_id=_table_id(spec),
        header_row=int(spec.header_row) + 1 if spec.header_row is not None else None,
        first_col=column_letter(spec.first_col),
        last_col=column_letter(spec.last_col),
        description_column=column_letter(desc),
        mapping=matches,
        n_lines=n,
        inferred=spec.inferred,
    )


def _table_id(spec: TableSpec) -> str:
    anchor = spec.header_row + 1 if spec.header_row is not None else spec.row_start + 1
    prefix = f"{spec.sheet}!" if spec.sheet else ""
    return f"{prefix}{column_letter(spec.first_col)}{anchor}{'*' if spec.inferred else ''}"


def _by_unique(texts: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """A string test run once per distinct text of a column (BOM columns repeat a lot)."""
    return _by_unique_all(texts, test)[0]


def _by_unique_all(texts: pd.Series, *tests: Callable[[pd.Series], pd.Series]) -> list[pd.Series]:
    """Several string tests, each run once per distinct text (the column factorized once)."""
    codes, uniq = pd.factorize(texts)
    if len(uniq) * 2 > len(texts):
        return [test(texts).fillna(False).astype(bool) for test in tests]
    distinct = pd.Series(uniq, dtype="str")
    return [pd.Series(_tested_distinct(distinct, test)[codes], index=texts.index) for test in tests]


def _tested_distinct(uniq: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """`test` of each distinct text, and False after them for code -1 (a missing cell)."""
    return np.append(test(uniq).fillna(False).to_numpy(dtype=bool), False)


def _objects(texts: pd.Series) -> np.ndarray:
    """A text column as Python strings where equal texts share one object: a BOM repeats
    its manufacturers, suppliers and units thousands of times, and one string per cell
    would cost ~50 bytes each (gigabytes at a million lines)."""
    codes, uniq = pd.factorize(texts)
    if len(uniq) * 2 > len(texts):
        return texts.to_numpy(dtype=object)
    return np.append(np.asarray(uniq, dtype=object), "")[codes]


def _col_text(text: pd.DataFrame, col: int | None, r0: int, r1: int) -> pd.Series:
    if col is None or col >= text.shape[1]:
        return pd.Series([""] * (r1 - r0), index=range(r0, r1), dtype=object)
    return text.iloc[r0:r1, col]


NamedTest = tuple[str, Callable[[pd.Series], pd.Series]]
"""A Series -> Series string test and a name that tells it from the others on a column."""


class _TableText:
    """The text of one table's rows (r0:r1) by sheet column. What _table_lines asks of a
    column is answered per distinct text of the column (found once for the sheet, see
    layout.TextCodes): a test (several per column: link words, repeated headers, URLs) and
    the texts as Python strings where equal texts share one object."""

    def __init__(self, text: pd.DataFrame, codes: TextCodes, r0: int, r1: int) -> None:
        self._text, self._codes, self._r0, self._r1 = text, codes, r0, r1
        self._distinct: dict[int, tuple[np.ndarray, pd.Series]] = {}
        self._shown: dict[int, np.ndarray] = {}
        self._tests: dict[tuple[int, str], np.ndarray] = {}

    def col(self, c: int | None) -> pd.Series:
        return _col_text(self._text, c, self._r0, self._r1)

    def _key(self, c: int | None) -> int:
        return c if c is not None and c < self._text.shape[1] else -1

    def _factors(self, c: int | None) -> tuple[np.ndarray, pd.Series]:
        """(codes, distinct texts) of the table's rows in column `c`."""
        key = self._key(c)
        if key not in self._distinct:
            codes: np.ndarray
            uniq: pd.Series
            if key < 0:  # no such column: every row ''
                codes, found = pd.factorize(self.col(c))
                uniq = pd.Series(found, dtype="str")
            else:  # the sheet column's distinct texts (a few may lie outside the table)
                codes, uniq = self._codes.of(self._text.columns[key])
                codes = codes[self._r0 : self._r1]
            self._distinct[key] = (codes, uniq)
        return self._distinct[key]

    def _tested(self, c: int | None, test: NamedTest) -> np.ndarray:
        """The test's answer per distinct text of column `c` (see _tested_distinct)."""
        key = (self._key(c), test[0])
        if key not in self._tests:
            self._tests[key] = _tested_distinct(self._factors(c)[1], test[1])
        return self._tests[key]

    def test(self, c: int | None, test: NamedTest) -> np.ndarray:
        """A string test (its name tells tests apart) of every row's text in column `c`."""
        return self._tested(c, test)[self._factors(c)[0]]

    def objects(
        self, c: int | None, rows: np.ndarray | None, blank: NamedTest | None = None
    ) -> np.ndarray:
        """The texts of the table rows at positions `rows` (None: all) as shared Python
        strings; '' where the test `blank` holds."""
        codes, uniq = self._factors(c)
        key = self._key(c)
        if key not in self._shown:  # the distinct texts as Python strings, '' for code -1
            self._shown[key] = np.append(uniq.to_numpy(dtype=object), "")
        shown = self._shown[key]
        if blank is not None:
            shown = np.where(self._tested(c, blank), "", shown)
        return shown[codes if rows is None else codes[rows]]


def _repeated(text: str, n: int) -> np.ndarray:
    """`n` times the one string object (np.full would make a new string per element)."""
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def _put_text(out: pd.DataFrame, name: str, values: np.ndarray, shared: bool = True) -> None:
    """Set a column of Python strings as it is: assigning the bare array would turn it into
    a string array, only for _finish to turn it back. _finish keeps such a column as it is,
    so equal texts must already share one object (`shared`; if not, they are made to)."""
    if not shared:
        values = _objects(pd.Series(values, dtype=object))
    out[name] = pd.Series(values, index=out.index, dtype=object)


def _put_texts(out: pd.DataFrame, name: str, texts: pd.Series) -> None:
    """Set a text column from a Series: Python strings as they are, anything else as text."""
    if python_texts(texts):
        _put_text(out, name, texts.to_numpy(), shared=False)
    else:
        out[name] = texts.astype("str").array


def _table_lines(
    sheet: RawSheet,
    raw: pd.DataFrame,
    text: pd.DataFrame,
    text_codes: TextCodes,
    spec: TableSpec,
    report: ImportReport,
) -> pd.DataFrame:
    """Classify the rows of one table and build its typed lines."""
    r0, r1 = spec.row_start, spec.row_end
    if r1 <= r0:
        return empty_lines()
    a, b = spec.first_col, min(spec.last_col, text.shape[1] - 1)
    block = text.iloc[r0:r1, a : b + 1]
    ne = nonempty_mask(block)
    cnt = ne.sum(axis=1)
    merged_rows = _merged_rows(sheet, r0, r1, a, b)
    single = (cnt == 1) | (merged_rows & (cnt >= 1))
    first_idx = ne.argmax(axis=1)
    first_val = np.full(len(block), "", dtype=object)
    for j, label in enumerate(block.columns):  # the text of each row's first filled cell
        rows_j = (cnt >= 1) & (first_idx == j)
        if rows_j.any():
            first_val[rows_j] = block[label][rows_j].to_numpy(dtype=object)
    single_val = np.where(single, first_val, "")
    sheet_name = sheet.name
    tt = _TableText(text, text_codes, r0, r1)

    def ctext(fld: str) -> pd.Series:
        return tt.col(spec.col(fld))

    # the line's identity: the first key field with text
    # (as arrays of the columns' shared strings: a few pandas calls per column cost more)
    keys = np.full(r1 - r0, "", dtype=object)
    key_is_code = np.zeros(r1 - r0, dtype=bool)
    for fld in KEY_FIELDS:
        for c in spec.cols(fld):
            t = tt.objects(c, None, blank=_LINKWORD)
            fill = (keys == "") & (t != "")
            keys = np.where(fill, t, keys)
            if fld in ("ipn", "mpn", "spn"):
                key_is_code |= fill
    key = pd.Series(keys, index=range(r0, r1), dtype=object)
    qty_text = ctext("quantity")
    has_qty = qty_text.ne("")
    key_number, key_total = _by_unique_all(key, _is_number, _tester(_RE_TOTAL.match))
    numeric_key = key_number & ~key_is_code
    # repeated header rows
    hdr_cols = [(c, normalize_header(h)) for c, h in spec.headers.items() if h]
    repeat_header: pd.Series
    if hdr_cols:
        same = _header_repeats(tt, hdr_cols, r1 - r0)
        repeat_header = pd.Series(same >= max(2, int(0.6 * len(hdr_cols))), index=key.index)
    else:
        repeat_header = pd.Series(False, index=key.index)
    is_total = key_total & ~key_is_code
    has_cat_col = spec.col("category") is not None
    nonempty_rows = cnt > 0
    dense = bool(np.median(cnt[nonempty_rows]) >= 2) if nonempty_rows.any() else False
    sv = pd.Series(single_val, index=key.index, dtype=object)
    sv_number, colon, not_heading = _by_unique_all(
        sv,
        _is_number,
        lambda t: t.str.endswith(":"),
        lambda t: _tester(_RE_DIGIT.search)(t) | t.str.len().gt(40),
    )
    sv_ok = sv.ne("") & ~sv_number
    heading_like = ~not_heading
    section = (
        pd.Series(single, index=key.index)
        & sv_ok
        & ~has_qty
        & (colon | (~pd.Series(has_cat_col, index=key.index) & dense & heading_like))
    )
    continued = pd.Series(_continued_rows(sheet, ne, r0, r1, a, b), index=key.index)
    # a report's ruled lines and page furniture ('Page 2 of 5', 'Continued on next page')
    ruled = pd.Series(_RE_REPORT_FURNITURE.fullmatch(key), index=key.index)
    is_line = (
        key.ne("") & ~repeat_header & ~section & ~is_total & ~numeric_key & ~continued & ~ruled
    )
    # footnotes under a table ('Prices as of 2024-01-01', '* optional'): one-cell rows after
    # the last line with a quantity, in a table whose lines almost all state one
    single_s = pd.Series(single, index=key.index)
    if spec.col("quantity") is not None and is_line.any():
        with_qty = is_line & has_qty
        last_qty = with_qty[with_qty].index.max() if with_qty.any() else None
        body = is_line & (key.index <= last_qty) if last_qty is not None else is_line
        if last_qty is not None and with_qty.sum() >= 0.8 * body.sum():
            # ... and rows led by a label ('Notes:', 'Prepared by:', 'Approved:')
            after = np.asarray(key.index > last_qty) & ~has_qty.to_numpy()
            labelled = np.zeros(len(key), dtype=bool)
            for pos in np.nonzero(after)[0]:
                v = first_val[pos]
                labelled[pos] = isinstance(v, str) and v.endswith(":") and len(v) <= 30
            footnote = is_line & (single_s | labelled) & after
            for pos in np.nonzero(footnote.to_numpy())[0][:20]:
                report.add(
                    "info",
                    "note_row",
                    f"Row under the table ('{key.iloc[pos][:40]}') read as a note, not a line.",
                    sheet=sheet_name,
                    row=sheet.row_number(r0 + int(pos)),
                    column=column_letter(a),
                )
            is_line = is_line & ~footnote
    for idx in np.nonzero(is_total.to_numpy() & ~repeat_header.to_numpy())[0][:20]:
        report.add(
            "info",
            "total_row",
            f"Row looks like a total ('{key.iloc[idx][:40]}') and was not read as a line.",
            sheet=sheet_name,
            row=sheet.row_number(r0 + idx),
            column=column_letter(a),
        )
    # category: a category column (filled down) or section headings, else the table title
    if has_cat_col:
        cat = ctext("category").replace("", np.nan).ffill()
    else:
        cat = sv.where(section, np.nan).str.rstrip(":").str.strip().ffill()
    title = spec.title or None
    cat = cat.fillna(title) if title else cat
    rows = np.nonzero(is_line.to_numpy())[0]
    if len(rows) == 0:
        return empty_lines()
    idx = key.index[rows]
    out = pd.DataFrame(index=range(len(rows)))
    _put_text(out, "sheet", _repeated(sheet_name, len(rows)))
    grid_rows = np.asarray(idx)
    out["row"] = _row_numbers(sheet, grid_rows)
    _put_text(out, "table", _repeated(_table_id(spec), len(rows)))
    desc_col = spec.col("description")
    main_col = desc_col if desc_col is not None else spec.col("name")
    if main_col is None:
        main_col = next((c for c, f, _, _ in spec.mapping if f in KEY_FIELDS), a)
    _put_text(out, "description_column", _repeated(column_letter(main_col), len(rows)))
    _put_texts(out, "category", cat.iloc[rows].fillna(""))

    def pick(fld: str) -> Any:  # as text (item and level: multilevel reads them as text)
        return ctext(fld).array.take(rows)

    def put(fld: str) -> None:  # as Python strings, from the column's distinct texts
        cols = spec.cols(fld)
        if len(cols) <= 1:
            _put_text(out, fld, tt.objects(spec.col(fld), rows))
        else:
            joined = _join_parts([tt.objects(c, rows) for c in cols], None, " | ")
            _put_text(out, fld, joined, shared=False)

    # quantity, with the stray-cell repair for rows like 'Chain - 1m | 2 End Sets | 1'
    qcol = spec.col("quantity")
    q_raw = _col_raw(raw, qcol, r0, r1).iloc[rows].copy()
    q_txt = qty_text.iloc[rows].copy()
    extra_desc = pd.Series([""] * len(idx), index=idx, dtype=object)
    q_shifted = False
    if qcol is not None and qcol + 1 < text.shape[1]:
        right = qcol + 1
        mapped_right = any(c == right for c, _, _, _ in spec.mapping)
        right_txt = tt.col(right).iloc[rows]
        right_fill = float(right_txt.ne("").mean()) if len(idx) else 0.0
        if not mapped_right and right_fill <= 0.1:
            rt = right_txt
            shifted = (
                q_txt.ne("")
                & ~_RE_NUMBER.fullmatch(q_txt)
                & _RE_NUMBER.fullmatch(rt)
                & q_raw.map(lambda v: isinstance(v, str))
            )
            for i in np.nonzero(shifted.to_numpy())[0]:
                gi = idx[int(i)]
                report.add(
                    "warning",
                    "stray_cell",
                    f"The quantity cell holds text ('{q_txt.loc[gi].strip()}') and the cell to its right "
                    f"a number ({rt.loc[gi]}): read the text as part of the description and "
                    f"{rt.loc[gi]} as the quantity.",
                    sheet=sheet_name,
                    row=sheet.row_number(int(gi)),
                    column=column_letter(qcol),
                )
            q_shifted = bool(shifted.any())
            extra_desc = extra_desc.where(~shifted, q_txt.str.strip())
            q_raw = q_raw.where(~shifted, _col_raw(raw, right, r0, r1).iloc[rows])
            q_txt = q_txt.where(~shifted, rt)
    # description: name / description — further descriptions, without link words
    parts: list[np.ndarray] = []
    for fld in ("name", "description"):
        for c in spec.cols(fld):
            parts.append(tt.objects(c, rows, blank=_LINKWORD))
    desc = _join_parts(parts, extra_desc.to_numpy(dtype=object))
    if not parts:
        desc = _objects(key.iloc[rows])
    # one part (and no stray cell): the part's own shared strings
    _put_text(out, "description", desc, shared=len(parts) <= 1 and not extra_desc.ne("").any())
    if len(spec.cols("item")) <= 1:
        out["item"] = pick("item")
    else:
        put("item")
    for fld in (
        "ref_des",
        "ipn",
        "manufacturer",
        "mpn",
        "supplier",
        "spn",
        "uom",
        "country_of_origin",
        "material",
        "lead_time",
        "notes",
    ):
        put(fld)
    if qcol is not None:
        q = parse_quantities(q_raw)
        out["quantity"] = q["value"].to_numpy()
        if q_shifted:
            out["quantity_text"] = q_txt.array
        else:
            _put_text(out, "quantity_text", tt.objects(qcol, rows))
        uom_blank = out["uom"] == ""
        out.loc[uom_blank, "uom"] = q["unit"].to_numpy(dtype=object)[uom_blank.to_numpy()]
        _qty_issues(report, sheet, idx, q, q_txt, qcol)
    else:
        out["quantity_text"] = ""
        if spec.col("ref_des") is not None:
            out["quantity"] = count_designators_series(ctext("ref_des").iloc[rows]).to_numpy()
            report.add(
                "info",
                "qty_from_designators",
                "There is no quantity column; quantities were counted from the reference designators.",
                sheet=sheet_name,
                column=column_letter(spec.col("ref_des") or a),
            )
        else:
            out["quantity"] = quantity_from_descriptions(pd.Series(desc)).to_numpy()
            report.add(
                "warning",
                "no_quantity_column",
                "There is no quantity column; quantities were taken from pack sizes written in "
                "descriptions (e.g. '(4-pack)') where there are any, and left empty elsewhere.",
                sheet=sheet_name,
                row=(spec.header_row + 1) if spec.header_row is not None else None,
            )
    ecol = spec.col("extended_quantity")
    out["extended_quantity"] = (
        parse_quantities(_col_raw(raw, ecol, r0, r1).iloc[rows])["value"].to_numpy()
        if ecol is not None
        else np.nan
    )
    # prices and currency
    cur_col = spec.col("currency")
    currency = pd.Series(
        tt.objects(cur_col, rows) if cur_col is not None else [""] * len(idx), dtype=object
    )
    for fld in ("unit_price", "ext_price"):
        pc = spec.col(fld)
        if pc is None:
            out[fld] = np.nan
            continue
        c = pc
        p = parse_prices(_col_raw(raw, c, r0, r1).iloc[rows])
        out[fld] = p["value"].to_numpy()
        currency = currency.where(currency.ne(""), p["currency"].to_numpy())
        header_cur = currency_in(spec.headers.get(c, ""))
        if header_cur:
            currency = currency.where(currency.ne(""), header_cur)
        _value_issues(report, sheet, idx, p["problem"], c, "bad_price", "is not a price")
    codes, uniq = pd.factorize(currency.to_numpy(dtype=object))
    cur_names = [currency_in(t) or t.strip().upper()[:3] if t else "" for t in uniq]
    _put_text(out, "currency", np.array([*cur_names, ""], dtype=object)[codes])
    for fld, target in (("mass", "mass_g"), ("magnet_mass", "magnet_mass_g")):
        mcol = spec.col(fld)
        if mcol is None:
            out[target] = np.nan
            continue
        unit = unit_in_header(spec.headers.get(mcol, ""))
        unit = unit if mass_unit_factor(unit) else "g"
        m = parse_masses(_col_raw(raw, mcol, r0, r1).iloc[rows], unit)
        out[target] = m["grams"].to_numpy()
        _value_issues(report, sheet, idx, m["problem"], mcol, "bad_mass", "is not a mass")
    scol = spec.col("stock")
    out["stock"] = (
        parse_quantities(_col_raw(raw, scol, r0, r1).iloc[rows])["value"].to_numpy()
        if scol is not None
        else np.nan
    )
    _put_text(out, "link", _links(sheet, tt, spec, idx, rows, main_col))
    lcol = spec.col("level")
    out["level"] = pick("level") if lcol is not None else ""
    outlined = spec.col("item") is not None and _outline_items(ctext("item").iloc[rows])
    if lcol is None and not outlined:
        implied = _implied_levels(sheet, spec, raw, r0, r1, rows, grid_rows)
        if implied is not None:
            levels, where, at = implied
            out["level"] = levels
            report.add(
                "info",
                "levels_implied",
                f"There is no level column; the BOM levels were read from {where}.",
                sheet=sheet_name,
                row=sheet.row_number(int(idx[0])),
                column=at or "",
            )
    hidden_rows = (
        np.isin(grid_rows, list(sheet.hidden_rows))
        if sheet.hidden_rows
        else np.zeros(len(idx), bool)
    )
    out["hidden"] = hidden_rows | (main_col in sheet.hidden_cols)
    # unmapped headed columns are kept as they are
    mapped = {c for c, _, _, _ in spec.mapping}
    for c, h in spec.headers.items():
        if c not in mapped:
            _put_text(out, f"{EXTRA_PREFIX}{h}", tt.objects(c, rows))
    if sheet.widths is not None:
        _stray_fields(report, sheet, spec, grid_rows)
    return out


def _tester(test: Callable[[Any], np.ndarray]) -> Callable[[pd.Series], pd.Series]:
    """A ColumnPattern test as a Series -> Series test (see _by_unique)."""
    return lambda t: pd.Series(test(t), index=t.index)


_is_linkword = _tester(_RE_LINKWORD.match)
_LINKWORD: NamedTest = ("link word", _is_linkword)
_NOT_URL: NamedTest = ("not a URL", _tester(lambda texts: ~_RE_URL.match(texts)))


def _header_repeats(tt: _TableText, hdr_cols: list[tuple[int, str]], n: int) -> np.ndarray:
    """Per row, how many cells repeat their column's (normalised) header, as a page-break
    header row does. Each distinct text is normalised once: per column in a big table, all
    columns together in a small one (where pandas' cost per call is what counts)."""
    headers = [h for _, h in hdr_cols]
    if n * len(hdr_cols) > 20_000:
        counts = [tt.test(c, (f"header {h}", _repeats(h))).astype(int) for c, h in hdr_cols]
        return np.sum(counts, axis=0)
    columns = [tt.col(c) for c, _ in hdr_cols]
    codes, uniq = pd.factorize(pd.concat(columns, ignore_index=True))
    norm = _normal_header_text(pd.Series(uniq, dtype="str")).to_numpy(dtype=object)
    cells = np.append(norm, "")[codes].reshape(len(hdr_cols), n)
    return np.asarray(cells == np.array(headers, dtype=object)[:, None], dtype=int).sum(axis=0)


def _normal_header_text(texts: pd.Series) -> pd.Series:
    return texts.str.lower().str.rstrip(":*").str.strip()


def _repeats(header: str) -> Callable[[pd.Series], pd.Series]:
    return lambda texts: _normal_header_text(texts).eq(header)


_is_number = _tester(_RE_NUMBER.fullmatch)


def _row_numbers(sheet: RawSheet, grid_rows: np.ndarray) -> np.ndarray:
    """The row numbers a user sees for 0-based grid rows (CSV: the line a record starts on)."""
    if sheet.row_numbers is None:
        return grid_rows.astype(np.int64) + 1
    return np.asarray(sheet.row_numbers, dtype=np.int64)[grid_rows]


def _outline_items(items: pd.Series) -> bool:
    """Whether an item column numbers the lines as an outline ('1', '1.1', '1.1.2')."""
    sample = items.iloc[:2000]
    filled = sample[sample.ne("")]
    return len(filled) > 0 and bool(filled.str.contains(".", regex=False).mean() >= 0.3)


_INDENT_FIELDS = ("name", "description", "ipn", "mpn")
_INDENT_CHARS = " \u00a0\u3000\t"


def _implied_levels(
    sheet: RawSheet,
    spec: TableSpec,
    raw: pd.DataFrame,
    r0: int,
    r1: int,
    rows: np.ndarray,
    grid_rows: np.ndarray,
) -> tuple[np.ndarray, str, str | None] | None:
    """Levels of a BOM with no level column, where the sheet shows them another way: the
    rows' outline grouping (Excel's Data › Group), or names indented with leading spaces
    (Creo's and many ERP reports' indented BOMs). As '1', '2'... texts, or None. Two levels
    at least, a fifth of the lines below the top, and the first line on the top level."""
    n = len(rows)
    if n < 3:
        return None
    if sheet.outline_rows:
        lv = np.fromiter((sheet.outline_rows.get(int(g), 0) for g in grid_rows), int, n)
        if _looks_like_levels(lv):
            levels = (lv - lv.min() + 1).astype(str).astype(object)
            return levels, "the rows' outline grouping (Data › Group)", None
    best: tuple[np.ndarray, np.ndarray, int] | None = None  # widths, indentation, column
    for fld in _INDENT_FIELDS:
        for c in spec.cols(fld):
            values = _col_raw(raw, c, r0, r1).to_numpy(dtype=object)[rows]
            head = values[:2000]
            if not any(isinstance(v, str) and v[:1] in _INDENT_CHARS for v in head):
                continue
            lead = np.fromiter(
                (
                    len(v) - len(v.lstrip(_INDENT_CHARS))
                    if isinstance(v, str) and v.strip()
                    else -1
                    for v in values
                ),
                int,
                n,
            )
            filled = lead >= 0
            if not filled.any() or not _looks_like_levels(lead[filled]):
                continue
            widths = np.unique(lead[filled])
            if best is None or len(widths) > len(best[0]):
                best = (widths, lead, c)
    if best is None:
        return None
    widths, lead, c = best
    # each distinct indentation is one level deeper; a line without text keeps the one above
    rank = np.searchsorted(widths, np.maximum(lead, 0)) + 1
    levels = pd.Series(np.where(lead >= 0, rank, np.nan)).ffill().fillna(1).astype(int)
    at = column_letter(c)
    return levels.astype(str).to_numpy(dtype=object), f"the indentation of column {at}", at


def _looks_like_levels(lv: np.ndarray) -> bool:
    """Whether outline levels or indentation widths, line by line, read as a BOM's levels:
    two at least, the first line on the top one, a fifth of the lines below it, and no line
    more than one level deeper than the line above (stray spaces jump about)."""
    if len(lv) < 3:
        return False
    widths, rank = np.unique(lv, return_inverse=True)
    if rank[0] != 0 and rank[-1] == 0:  # assemblies after their parts (summary rows below)
        rank = rank[::-1]
    return (
        len(widths) >= 2
        and rank[0] == 0
        and bool((rank > 0).mean() >= 0.2)
        and bool((np.diff(rank) <= 1).all())
    )


def _col_raw(raw: pd.DataFrame, col: int | None, r0: int, r1: int) -> pd.Series:
    if col is None or col >= raw.shape[1]:
        return pd.Series([None] * (r1 - r0), index=range(r0, r1), dtype=object)
    return raw.iloc[r0:r1, col]


def _continued_rows(
    sheet: RawSheet, ne: np.ndarray, r0: int, r1: int, a: int, b: int
) -> np.ndarray:
    """Rows whose every filled cell continues a cell merged down from a row above (a line
    written over two merged rows): the merge copied them, they are not a line again."""
    out = np.zeros(r1 - r0, dtype=bool)
    down = [m for m in sheet.merged if m[2] > m[0] and m[1] <= b and m[3] >= a]
    if not down:
        return out
    cover = np.zeros(ne.shape, dtype=bool)
    for mr0, mc0, mr1, mc1 in down:
        lo, hi = max(mr0 + 1, r0), min(mr1, r1 - 1)
        if lo <= hi:
            cover[lo - r0 : hi - r0 + 1, max(mc0, a) - a : min(mc1, b) - a + 1] = True
    return np.asarray(ne.any(axis=1) & ~(ne & ~cover).any(axis=1), dtype=bool)


def _merged_rows(sheet: RawSheet, r0: int, r1: int, a: int, b: int) -> np.ndarray:
    out = np.zeros(r1 - r0, dtype=bool)
    for mr0, mc0, mr1, mc1 in sheet.merged:
        if mc1 > mc0 and mc0 <= b and mc1 >= a:
            lo, hi = max(mr0, r0), min(mr1, r1 - 1)
            if lo <= hi:
                out[lo - r0 : hi - r0 + 1] = True
    return out


def _join_parts(parts: list[np.ndarray], tail: np.ndarray | None, sep: str = " / ") -> np.ndarray:
    """Join a line's description parts, skipping empty ones and parts already contained."""
    if not parts:
        return tail if tail is not None else np.array([], dtype=object)
    n = len(parts[0])
    if len(parts) == 1:  # one part: nothing to de-duplicate, only the tail to add
        out = np.where(pd.isna(parts[0]), "", parts[0]).astype(object)
        if tail is not None:
            for k in np.nonzero(tail != "")[0]:
                if tail[k]:
                    out[k] = f"{out[k]}, {tail[k]}" if out[k] else str(tail[k])
        return out
    out = np.empty(n, dtype=object)
    cols = list(zip(*parts, strict=True)) if len(parts) > 1 else [(p,) for p in parts[0]]
    for i, vals in enumerate(cols):
        acc: list[str] = []
        for v in vals:
            if v and not any(v.lower() in x.lower() for x in acc):
                acc = [x for x in acc if x.lower() not in v.lower()]
                acc.append(v)
        s = sep.join(acc)
        if tail is not None and tail[i]:
            s = f"{s}, {tail[i]}" if s else str(tail[i])
        out[i] = s
    return out


def _links(
    sheet: RawSheet,
    tt: _TableText,
    spec: TableSpec,
    idx: pd.Index,
    rows: np.ndarray,
    main_col: int,
) -> np.ndarray:
    lcol = spec.col("link")
    if lcol is not None:
        base = tt.objects(lcol, rows, blank=_NOT_URL)
    else:
        base = np.array([""] * len(idx), dtype=object)
    if sheet.links:
        cols = (
            [main_col]
            + ([lcol] if lcol is not None else [])
            + list(range(spec.first_col, spec.last_col + 1))
        )
        for i, r in enumerate(idx):
            if base[i]:
                continue
            for c in cols:
                url = sheet.links.get((int(r), c))
                if url:
                    base[i] = url
                    break
    return base


def _within_cap(report: ImportReport, code: str, positions: np.ndarray) -> np.ndarray:
    """The first positions that still fit under the per-code cap; the rest are only counted."""
    written = sum(1 for i in report.issues if i.code == code)
    room = max(0, MAX_ISSUES_PER_CODE - written)
    if len(positions) > room:
        report.overflow[code] = report.overflow.get(code, 0) + len(positions) - room
    return positions[:room]


def _qty_issues(
    report: ImportReport,
    sheet: RawSheet,
    idx: pd.Index,
    q: pd.DataFrame,
    q_txt: pd.Series,
    qcol: int,
) -> None:
    notes = q["note"].to_numpy(dtype=object)
    problem = q["problem"].to_numpy(dtype=bool)
    missing = q_txt.eq("").to_numpy()
    rows = _row_numbers(sheet, np.asarray(idx))
    flagged = np.nonzero(problem | (notes != ""))[0]
    keep = np.sort(
        np.concatenate(
            [
                _within_cap(report, "qty_unreadable", flagged[problem[flagged]]),
                _within_cap(report, "qty_text", flagged[~problem[flagged]]),
            ]
        )
    )
    for i in keep:
        report.add(
            "warning" if problem[i] else "info",
            "qty_text" if not problem[i] else "qty_unreadable",
            f"Quantity {notes[i]}." if notes[i] else f"Quantity '{q_txt.iloc[i]}' needs a look.",
            sheet=sheet.name,
            row=rows[i],
            column=column_letter(qcol),
        )
    for i in _within_cap(report, "qty_missing", np.nonzero(missing)[0]):
        report.add(
            "warning",
            "qty_missing",
            "The line has no quantity.",
            sheet=sheet.name,
            row=rows[i],
            column=column_letter(qcol),
        )


def _value_issues(
    report: ImportReport,
    sheet: RawSheet,
    idx: pd.Index,
    problem: pd.Series,
    col: int,
    code: str,
    what: str,
) -> None:
    rows = _row_numbers(sheet, np.asarray(idx))
    for i in _within_cap(report, code, np.nonzero(problem.to_numpy(dtype=bool))[0]):
        report.add(
            "warning",
            code,
            f"The value {what}; left empty.",
            sheet=sheet.name,
            row=rows[i],
            column=column_letter(col),
        )


def _stray_fields(
    report: ImportReport, sheet: RawSheet, spec: TableSpec, grid_rows: np.ndarray
) -> None:
    assert sheet.widths is not None
    if spec.header_row is None:
        return
    header_width = sheet.widths[spec.header_row]
    for r in grid_rows:
        w = sheet.widths[int(r)]
        if w > header_width:
            report.add(
                "warning",
                "extra_field",
                f"The record has {w} fields but the header has {header_width}; the extra field(s) "
                "were kept in their own columns, not shifted. A decimal comma in an unquoted number "
                "often causes this.",
                sheet=sheet.name,
                row=sheet.row_number(int(r)),
                column=column_letter(header_width),
            )


def _finish(lines: pd.DataFrame) -> pd.DataFrame:
    """Canonical column order and dtypes, multi-level links and extended quantities."""
    for f in FIELDS:
        if f.name not in lines.columns:
            lines[f.name] = (
                np.nan if f.kind in ("float", "int") else ("" if f.kind == "str" else False)
            )
    lines = link_levels(lines)
    canon = [f.name for f in FIELDS]
    extras = [c for c in lines.columns if c not in canon]
    lines = lines[canon + extras]
    for f in FIELDS:
        if f.kind == "str":
            lines[f.name] = pd.Series(_shared_text(lines[f.name]), index=lines.index, dtype=object)
        elif f.kind == "float":
            lines[f.name] = pd.to_numeric(lines[f.name], errors="coerce").astype("float64")
        elif f.kind == "int":
            lines[f.name] = pd.to_numeric(lines[f.name], errors="coerce").astype("Int64")
        else:
            lines[f.name] = lines[f.name].fillna(False).astype(bool)
    for c in extras:
        lines[c] = pd.Series(_shared_text(lines[c]), index=lines.index, dtype=object)
    return lines


def _shared_text(texts: pd.Series) -> np.ndarray:
    """A lines column as Python strings ('' for missing), equal texts sharing one object. A
    column _table_lines set as Python strings (see _put_text) already is one."""
    if python_texts(texts):
        return texts.to_numpy()
    return _objects(texts.fillna("").astype("str"))


def _cap_issues(report: ImportReport) -> None:
    counts: dict[str, int] = {}
    kept = []
    for issue in report.issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
        if counts[issue.code] <= MAX_ISSUES_PER_CODE:
            kept.append(issue)
    for code, n in report.overflow.items():  # counted only (see _within_cap)
        counts[code] = counts.get(code, 0) + n
    for code, n in counts.items():
        if n > MAX_ISSUES_PER_CODE:
            kept.append(
                Issue(
                    "info",
                    code,
                    f"... and {n - MAX_ISSUES_PER_CODE:,} more of the same kind ({code}).",
                    report.file,
                )
            )
    report.issues = kept
    report.overflow = {}


# ------------------------------------------------------------ saved mappings


def layout_signature(headers: list[str]) -> str:
    """A key for 'files with the same column layout': the normalised header texts."""
    norm = "|".join(normalize_header(h) for h in headers)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


def load_mapping_file(path: str | Path) -> ImportOptions:
    """Read a mapping file: {"sheet": ..., "header_row": N, "mapping": {field: letter}}
    (or just {field: letter})."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"the mapping file cannot be read ({exc}).", file=str(path)) from None
    if not isinstance(data, dict):
        raise UsageError("the mapping file must hold a JSON object.", file=str(path))
    if "mapping" in data:
        mapping = data.get("mapping") or {}
        sheets = data.get("sheets") or ([data["sheet"]] if data.get("sheet") else [])
        header_row = data.get("header_row")
    else:
        mapping, sheets, header_row = data, [], None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise UsageError("the mapping must map field names to column letters.", file=str(path))
    return ImportOptions(tuple(sheets), int(header_row) if header_row else None, dict(mapping))

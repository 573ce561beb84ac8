"""Finding the BOM tables in a sheet: header rows, tables that start in any column, several
tables side by side, repeated headers, and header-less blocks that repeat a neighbour's shape.

Works on the sheet as two aligned frames: `raw` (cell values as read) and `text` (stripped
display text, '' for empty). Everything that scans the whole sheet is vectorised; only the
few candidate header rows are looked at one by one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.fastre import ColumnPattern, as_arrow, have_arrow
from riskapp.core.mapping import (
    ANCHOR_FIELDS,
    KEY_FIELDS,
    MULTI_FIELDS,
    ColumnProfile,
    _exact_index,
    _variants,
    match_header,
    normalize_header,
    number_cells,
    profile,
    propose_mapping,
)
from riskapp.core.readers import PackedColumn, RawSheet
from riskapp.core.values import cell_kinds

MAX_MERGED_FILL_CELLS = 200_000
PACKED_TEXT_MIN_ROWS = 2_000
"""Sheets with fewer rows get their text cell by cell (Arrow's set-up costs more there)."""


@dataclass
class TableSpec:
    """One table in a sheet, with everything needed to read its lines (0-based indices)."""

    sheet: str
    header_row: int | None
    first_col: int
    last_col: int
    headers: dict[int, str]
    mapping: list[tuple[int, str, float, str]]
    row_start: int
    row_end: int  # exclusive
    title: str = ""
    inferred: bool = False
    notes: list[str] = field(default_factory=list)

    def col(self, field_name: str) -> int | None:
        for c, f, _, _ in self.mapping:
            if f == field_name:
                return c
        return None

    def cols(self, field_name: str) -> list[int]:
        return [c for c, f, _, _ in self.mapping if f == field_name]

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in self.mapping}


def sheet_frames(
    sheet: RawSheet, distinct: dict[Any, tuple[np.ndarray, pd.Series]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(raw, text) frames of a sheet with merged ranges filled from their top-left cell.
    `distinct` is given the distinct texts of the columns whose text came from the compact
    form (see TextCodes), which tells them apart on the way."""
    texts: list[pd.Series] = []
    found: list[tuple[np.ndarray, pd.Series]] = []
    if sheet.packed is not None and sheet.n_rows >= PACKED_TEXT_MIN_ROWS and have_arrow():
        # after a guarded read: text straight from the compact form
        sheet.unpack(lambda parts: texts.append(packed_text(parts, found)))
    sheet.unpack()
    if sheet.columns is not None:  # the grid by column
        raw = (
            pd.DataFrame(dict(enumerate(sheet.columns)), dtype=object)
            if sheet.columns and len(sheet.columns[0])
            else pd.DataFrame()
        )
    else:
        cells = sheet.cells
        width = max((len(r) for r in cells), default=0)
        if cells and any(len(r) != width for r in cells):
            cells = [list(r) + [None] * (width - len(r)) for r in cells]
        raw = pd.DataFrame(cells, dtype=object) if cells else pd.DataFrame()
    stale: set[int] = set()  # columns whose cells a merged range changed
    if sheet.merged and not raw.empty:
        filled = 0
        arr = raw.to_numpy(copy=True)
        for r0, c0, r1, c1 in sheet.merged:
            r1 = min(r1, arr.shape[0] - 1)
            c1 = min(c1, arr.shape[1] - 1)
            if r0 > r1 or c0 > c1:
                continue
            n = (r1 - r0 + 1) * (c1 - c0 + 1)
            filled += n
            if filled > MAX_MERGED_FILL_CELLS:
                break
            arr[r0 : r1 + 1, c0 : c1 + 1] = arr[r0, c0]
            stale.update(range(c0, c1 + 1))
        raw = pd.DataFrame(arr, dtype=object)
    if len(texts) != raw.shape[1]:
        texts, stale = [], set(range(raw.shape[1]))
    if distinct is not None and texts:
        distinct.update((j, found[j]) for j in range(raw.shape[1]) if j not in stale)
    text = pd.DataFrame(
        {
            j: fast_text(raw[j]) if j in stale else texts[j].set_axis(raw.index)
            for j in range(raw.shape[1])
        },
        index=raw.index,
    )
    return raw, text


def packed_text(
    parts: list[PackedColumn], distinct: list[tuple[np.ndarray, pd.Series]] | None = None
) -> pd.Series:
    """fast_text of a column still in the compact form of the guarded read (its row
    blocks): each distinct text is cleaned once and the column is assembled in Arrow,
    with no Python string per cell. Gives exactly what fast_text gives on the cells.
    `distinct` is given the column's (codes, distinct texts), as TextCodes holds them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    words: list[Any] = []  # distinct texts and the odd other cells, cleaned below
    number_texts: list[Any] = []  # formatted numbers (never need cleaning)
    index_parts = []
    n_words = sum(len(p[2]) + len(p[5]) for p in parts) + 1  # +1: the empty text
    n_numbers = 0
    for n, kinds_b, uniq, codes_b, floats_b, others in parts:
        kinds = np.frombuffer(kinds_b, dtype=np.int8)
        idx = np.full(n, n_words - 1, dtype=np.int64)  # '' for empty cells
        idx[kinds == 0] = np.frombuffer(codes_b, dtype=np.int32) + len(words)
        words.extend(uniq)
        for i, v in others:
            idx[i] = len(words)
            words.append(v)
        floats = np.frombuffer(floats_b, dtype=np.float64)
        at = np.nonzero(kinds == 1)[0]
        shown = ~np.isnan(floats)
        idx[at[~shown]] = n_words - 1
        idx[at[shown]] = n_words + n_numbers + np.arange(int(shown.sum()))
        n_numbers += int(shown.sum())
        number_texts.append(_number_texts(floats[shown]))
        index_parts.append(idx)
    cleaned = fast_text(pd.Series(np.array([*words, ""], dtype=object), dtype=object))
    table = pa.concat_arrays([pa.array(cleaned.array, type=pa.large_string()), *number_texts])
    index = np.concatenate(index_parts) if index_parts else np.empty(0, np.int64)
    values = table.take(pa.array(index))
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what "str" is with pyarrow
    if distinct is not None:  # the table's distinct entries are the column's distinct texts
        encoded = pc.dictionary_encode(table)
        cell_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)[index]
        once = pd.arrays.ArrowStringArray(pa.chunked_array([encoded.dictionary]), dtype=dtype)  # type: ignore[call-arg]
        distinct.append((cell_codes, pd.Series(once)))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values]), dtype=dtype))  # type: ignore[call-arg]


def _number_texts(vals: np.ndarray) -> Any:
    """Number cells as a workbook shows them (as fast_text formats them): integral values
    without '.0' (formatted by Arrow), others as Python's shortest repr."""
    import pyarrow as pa
    import pyarrow.compute as pc

    integral = (np.floor(vals) == vals) & (np.abs(vals) < 1e16)
    k = int(integral.sum())
    whole = pc.cast(pa.array(vals[integral].astype(np.int64)), pa.large_string())
    if k == len(vals):
        return whole
    # each distinct value written once (prices repeat)
    distinct, at = np.unique(vals[~integral], return_inverse=True)
    rest = pa.array([repr(float(v)) for v in distinct], type=pa.large_string()).take(
        pa.array(at.reshape(-1))
    )
    order = np.empty(len(vals), dtype=np.int64)
    order[integral] = np.arange(k)
    order[~integral] = np.arange(k, len(vals))
    return pa.concat_arrays([whole, rest]).take(pa.array(order))


def fast_text(col: pd.Series) -> pd.Series:
    """Display text of a column of cell values: '' for empty, '2' for 2.0, stripped.

    Text cells are taken as they are; numbers are formatted in bulk (integral floats
    without '.0', as a workbook shows part numbers and quantities); only the odd other
    cells (dates, booleans) are formatted one by one.
    """
    cells = col.to_numpy(dtype=object)
    n = len(cells)
    kinds = cell_kinds(cells)
    out = np.full(n, "", dtype=object)
    is_str = kinds == 0
    out[is_str] = cells[is_str]
    floats = np.nonzero(kinds == 1)[0]
    if len(floats):
        vals = cells[floats].astype(np.float64)
        finite = np.isfinite(vals)
        integral = finite & (np.floor(vals) == vals) & (np.abs(vals) < 1e16)
        out[floats[integral]] = vals[integral].astype(np.int64).astype(str).astype(object)
        other = ~integral & ~np.isnan(vals)
        out[floats[other]] = [repr(float(v)) for v in vals[other]]
    ints = np.nonzero(kinds == 2)[0]
    if len(ints):
        out[ints] = [str(v) for v in cells[ints]]
    for i in np.nonzero(kinds == 3)[0]:
        v = cells[i]
        if v is None or (isinstance(v, float) and v != v):
            continue
        out[i] = str(v)
    txt = pd.Series(out, index=col.index, dtype="str")
    # '2.0' written as text (and -0.0) shows as '2', like a number cell
    if txt.str.endswith(".0").any():
        txt = txt.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
    return txt.str.strip()


class TextCodes:
    """The distinct texts of each column of a sheet's text frame, found once (by
    pd.factorize) and shared by header detection and the importer, which ask many things of
    the same columns. A column's codes number its distinct texts (`uniques`)."""

    def __init__(
        self, text: pd.DataFrame, known: dict[Any, tuple[np.ndarray, pd.Series]] | None = None
    ) -> None:
        self._text = text
        self._columns: dict[Any, tuple[np.ndarray, pd.Series]] = dict(known or {})

    def of(self, c: Any) -> tuple[np.ndarray, pd.Series]:
        """(codes, uniques) of column `c` (-1 codes for missing cells; 32-bit: a million-line
        sheet holds a dozen of these)."""
        if c not in self._columns:
            codes, uniq = pd.factorize(self._text[c])
            self._columns[c] = (codes.astype(np.int32), pd.Series(uniq, dtype="str"))
        return self._columns[c]


def nonempty_mask(text: pd.DataFrame) -> np.ndarray:
    """cells != '' as a 2-D bool array, column by column (no object copy of the grid)."""
    if text.shape[1] == 0:
        return np.zeros(text.shape, dtype=bool)
    if text.size <= 20_000:  # a small grid: one comparison beats a pandas call per column
        return np.asarray(text.to_numpy(dtype=object) != "", dtype=bool)
    return np.column_stack([text[c].ne("").to_numpy(dtype=bool) for c in text.columns])


def _exact_field_ids(text: pd.DataFrame, codes: TextCodes) -> tuple[np.ndarray, list[str]]:
    """Per cell, the id of the field its text is an exact header synonym of (-1 if none)."""
    idx = _exact_index()
    fields = sorted({f for v in idx.values() for f, _ in v})
    fid = {f: i for i, f in enumerate(fields)}
    out = np.full(text.shape, -1, dtype=np.int16)
    cache: dict[str, int] = {}

    def lookup(t: str) -> int:
        if t in cache:
            return cache[t]
        res = -1
        if t and len(t) <= 60:
            n = normalize_header(t)
            for v in _variants(n):
                hit = idx.get(v)
                if hit and hit[0][1] >= 0.55:
                    res = fid[hit[0][0]]
                    break
        cache[t] = res
        return res

    first_words = _first_words()
    for j, c in enumerate(text.columns):
        # work on the column's distinct texts, then spread the result back to the cells
        cells, uniq = codes.of(c)
        # cheap vectorised filters first, each on what the one before let through: at most 6
        # spaces, no run of 5 digits (the same in either case), 1-60 characters lower-cased,
        # and a first word that starts some header synonym
        cand = np.flatnonzero(_header_shaped(uniq))
        low = uniq.iloc[cand].str.lower()
        short = low.str.len().between(1, 60).to_numpy(dtype=bool)
        cand, low = cand[short], low[short]
        if not len(cand):
            continue
        found, first = _FIRST_WORD_RE.extract(low)
        # plain set lookups: Series.isin hashes all 300+ header words again on every call
        known = found & np.fromiter(
            (w in first_words for w in first["word"]), dtype=bool, count=len(cand)
        )
        cand = cand[known]
        if not len(cand):
            continue
        table = np.full(len(uniq) + 1, -1, dtype=np.int16)  # codes of -1 (none) -> -1
        table[cand] = [lookup(str(uniq.iat[int(k)])) for k in cand]
        out[:, j] = table[cells]
    return out, fields


_LETTER = "a-zäöüßéèêàâíìóòúùñçå"
_FIRST_WORD = rf"^[^{_LETTER}#]*(?P<word>[{_LETTER}]+|#)"
_FIRST_WORD_RE = ColumnPattern(_FIRST_WORD)
_FIVE_DIGITS = ColumnPattern(r"(?:\d\D*){5}")


def _header_shaped(texts: pd.Series) -> np.ndarray:
    """Per text: at most 6 spaces and fewer than 5 digits (as _FIVE_DIGITS finds them). The
    spaces are counted by Arrow (pandas' str.count goes through a regex: ~8x slower)."""
    arr = as_arrow(texts) if len(texts) > 256 else None
    if arr is None:
        spaces = texts.str.count(" ").to_numpy(dtype=np.int64)
    else:
        import pyarrow.compute as pc

        spaces = pc.count_substring(arr, " ").to_numpy(zero_copy_only=False)
    return (spaces <= 6) & ~_FIVE_DIGITS.search(texts)


@functools.cache
def _first_words() -> frozenset[str]:
    words = set()
    for key in _exact_index():
        m = re.match(_FIRST_WORD, key, re.S)
        if m:
            words.add(m.group(1))
    return frozenset(words)


def _is_numberish(raw: pd.DataFrame, text: pd.DataFrame) -> np.ndarray:
    num = np.zeros(text.shape, dtype=bool)
    for j, c in enumerate(text.columns):
        num[:, j] = number_cells(raw[c], text[c])
    return num & nonempty_mask(text)


def header_candidates(
    raw: pd.DataFrame, text: pd.DataFrame, codes: TextCodes | None = None
) -> list[int]:
    """Rows that look like BOM header rows (0-based)."""
    if text.empty:
        return []
    ids, _fields = _exact_field_ids(text, codes or TextCodes(text))
    nonempty = nonempty_mask(text)
    hits = ids >= 0
    # distinct field ids per row
    masked = np.where(hits, ids, -1).astype(np.int32)
    masked.sort(axis=1)
    distinct = ((np.diff(masked, axis=1) != 0) & (masked[:, 1:] >= 0)).sum(axis=1) + (
        masked[:, 0] >= 0
    )
    n_nonempty = nonempty.sum(axis=1)
    cand = set(np.nonzero((distinct >= 2) & (hits.sum(axis=1) * 2 >= n_nonempty))[0].tolist())
    cand.update(np.nonzero(nonempty[:40].sum(axis=1) >= 2)[0].tolist())
    out: list[int] = []
    rows = sorted(cand)
    numish = _is_numberish(raw.iloc[rows], text.iloc[rows]) if rows else np.zeros((0, 0), bool)
    for k, r in enumerate(rows):
        cells = [(int(j), str(text.iat[r, int(j)])) for j in np.nonzero(nonempty[r])[0]]
        if not cells or numish[k].sum() > 1:
            continue
        found: dict[str, float] = {}
        n_hit = 0
        # header words do not start with a digit or a currency sign ('2 pcs', '$3.50')
        if sum(1 for _, t in cells if t[:1].isdigit() or t[:1] in "$€£¥+-") > 1:
            continue
        for _, t in cells:
            m = match_header(t)
            if m and m[0][1] >= 0.5:
                n_hit += 1
                found[m[0][0]] = max(found.get(m[0][0], 0), m[0][1])
        if len(found) < 2 or n_hit < 0.5 * len(cells):
            continue
        # a header names at least one field that identifies or counts the part, unless every
        # cell of a short row near the top is a header word ('Item, Purchase Link')
        if not any(f in ANCHOR_FIELDS for f in found) and not (n_hit == len(cells) and r < 50):
            continue
        out.append(r)
    return out


SPACER_COLUMNS = 2
"""Empty columns a table may have between its own columns (a spacer before 'Qty')."""


def segment_header(text: pd.DataFrame, h: int) -> list[tuple[int, int]]:
    """Split one header row into side-by-side tables: [(first_col, last_col)] (inclusive)."""
    row = text.iloc[h]
    ncols = len(row)
    below = text.iloc[h + 1 : h + 201]
    col_empty_below = (below == "").all(axis=0).to_numpy() if len(below) else np.ones(ncols, bool)
    segments: list[list[int]] = []
    cur: list[int] | None = None
    first_text = ""
    first_field = ""
    first_strong = False
    seen: set[str] = set()
    names = [normalize_header(t) if t != "" else "" for t in row.tolist()]
    fields = []
    strong = []  # a header word that surely names its field ('Type' is a weak description)
    for t in row.tolist():
        m = match_header(t) if t != "" else ()
        fields.append(m[0][0] if m and m[0][1] >= 0.5 else "")
        strong.append(bool(m) and m[0][1] >= 0.8)

    def repeats_table(c: int, seen: set[str]) -> bool:
        """Whether the header from column c on starts the table again: a second header
        of the first column's field (Altium's 'Comment' then 'Description', Teamcenter's
        'BOM Line' then 'Find No.') starts a new table only when another field of the
        current one follows it again."""
        return any(f in seen and f != fields[c] and f not in MULTI_FIELDS for f in fields[c + 1 :])

    for c in range(ncols):
        t = row.iloc[c]
        if t == "":
            if cur is not None and col_empty_below[c] and c + 1 < ncols and row.iloc[c + 1] != "":
                cur[1] = c - 1
                segments.append(cur)
                cur = None
            continue
        f, n = fields[c], names[c]
        if cur is not None and (
            n == first_text
            or (f and f == first_field and first_strong and f in seen and repeats_table(c, seen))
        ):
            cur[1] = c - 1
            segments.append(cur)
            cur = None
        if cur is None:
            cur = [c, c]
            first_text, first_field, first_strong, seen = n, f, strong[c], set()
        cur[1] = c
        if f:
            seen.add(f)
    if cur is not None:
        segments.append(cur)
    # extend each segment over following header-less columns that hold data
    out: list[tuple[int, int]] = []
    for i, (a, b) in enumerate(segments):
        limit = segments[i + 1][0] - 1 if i + 1 < len(segments) else ncols - 1
        end = b
        for c in range(b + 1, limit + 1):
            if not col_empty_below[c]:
                end = c
        out.append((a, end))
    # a part without a key field whose fields the table on its left lacks (a Qty column
    # kept apart by an empty spacer column) is no table of its own but that table's; a
    # side box ('Total cost w/ controller' beside the prices) stays apart
    merged: list[tuple[int, int]] = []
    for a, b in out:
        own = {f for f in fields[a : b + 1] if f}
        if (
            merged
            and own
            and not own.intersection(KEY_FIELDS)
            and a - merged[-1][1] <= SPACER_COLUMNS + 1
        ):
            left = {f for f in fields[merged[-1][0] : merged[-1][1] + 1] if f}
            if not own & left:
                merged[-1] = (merged[-1][0], b)
                continue
        merged.append((a, b))
    return merged


def find_tables(
    sheet: RawSheet,
    raw: pd.DataFrame,
    text: pd.DataFrame,
    forced_header: int | None = None,
    codes: TextCodes | None = None,
) -> list[TableSpec]:
    """All BOM tables of a sheet, in reading order (`codes`: the text's, if already found)."""
    if text.empty:
        return []
    nrows = len(text)
    headers = [forced_header] if forced_header is not None else header_candidates(raw, text, codes)
    headers = _drop_repeated_headers(text, headers)
    specs: list[TableSpec] = []
    if not headers:
        spec = _headerless_table(sheet, raw, text)
        return [spec] if spec else []
    segs_by_header = {h: segment_header(text, h) for h in headers}
    for hi, h in enumerate(headers):
        for a, b in segs_by_header[h]:
            end = nrows
            for h2 in headers[hi + 1 :]:
                if any(max(a, a2) <= min(b, b2) for a2, b2 in segs_by_header[h2]):
                    end = h2
                    break
            hdrs = {c: str(text.iat[h, c]) for c in range(a, b + 1) if text.iat[h, c] != ""}
            hdrs = _with_group_headers(sheet, text, h, a, b, hdrs)
            profiles = _profiles(raw, text, h + 1, end, range(a, b + 1))
            mapping = propose_mapping(hdrs, profiles, a)
            mapping, notes = _visible_first(mapping, sheet.hidden_cols, hdrs)
            spec = TableSpec(sheet.name, h, a, b, hdrs, mapping, h + 1, end, notes=notes)
            spec.title = _title_above(text, h, a, b, set(headers))
            specs.append(spec)
            specs.extend(_headerless_blocks(sheet, raw, text, spec, profiles))
    return [s for s in specs if s.fields & {"description", "name", "ipn", "mpn", "ref_des", "spn"}]


def _with_group_headers(
    sheet: RawSheet, text: pd.DataFrame, h: int, a: int, b: int, hdrs: dict[int, str]
) -> dict[int, str]:
    """A two-row header: a header word merged across columns in the row above
    ('Quantity' over 'per axis | per turbine') is put in front of each header below it
    ('Quantity per axis'), so that the columns under it can be recognised."""
    if h == 0:
        return hdrs
    out = dict(hdrs)
    grouped: set[int] = set()  # columns under a merged group word
    for _r0, c0, r1, c1 in sheet.merged:
        if r1 != h - 1 or c1 <= c0 or c1 < a or c0 > b:
            continue
        grouped.update(range(c0, c1 + 1))
        group = str(text.iat[h - 1, c0]).strip()
        found = [m for m in match_header(group) if m[1] >= 0.5] if group else []
        if not found:  # a title merged over the table ('Motor assembly BOM rev C')
            continue
        cols = range(max(a, c0), min(b, c1) + 1)
        if found[0][0] == "quantity":
            # 'Quantities' over 'Per Node | Nodes | Total': the quantity is the one per
            # unit, the total is the extended quantity, the others are something else
            subs = {c: out.get(c, "") for c in cols}
            per = [c for c, t in subs.items() if _RE_PER.match(t)]
            for c, t in subs.items():
                if _RE_TOTAL_WORD.search(t):
                    out[c] = "total quantity"
                elif c in per or not per:
                    out[c] = f"{group} {t}" if t else group
            continue
        for c in cols:
            sub = out.get(c, "")
            out[c] = f"{group} {sub}" if sub else group
    return _upper_header_words(text, h, a, b, hdrs, out, grouped)


def _upper_header_words(
    text: pd.DataFrame,
    h: int,
    a: int,
    b: int,
    hdrs: dict[int, str],
    out: dict[int, str],
    grouped: set[int],
) -> dict[int, str]:
    """The rest of a two-row header: a header word in the row above a column whose own
    header is empty ('Manufacturer' over nothing) names it, and one over a modifier ('Qty'
    over 'per unit') goes in front of it. Only in a header that is two rows for sure: one
    with a merged group word, or with such a modifier."""
    upper: dict[int, str] = {}
    for c in range(a, b + 1):
        if c in grouped or c >= text.shape[1]:
            continue
        word = str(text.iat[h - 1, c]).strip()
        found = match_header(word) if word else ()
        if found and found[0][1] >= 0.8:
            upper[c] = word
    modifiers = [c for c in upper if _RE_PER.match(hdrs.get(c, ""))]
    if not upper or not (grouped or modifiers):
        return out
    for c, word in upper.items():
        below = hdrs.get(c, "")
        if not below:
            out[c] = word
        elif c in modifiers:
            out[c] = f"{word} {below}"
    return out


_RE_PER = re.compile(r"^\s*(per|each|pro|je|par|por|x)\b|/\s*\w+$", re.I)
_RE_TOTAL_WORD = re.compile(r"\b(total|gesamt|sum|summe|totale?)\b", re.I)


def _visible_first(
    mapping: list[tuple[int, str, float, str]], hidden: set[int], headers: dict[int, str]
) -> tuple[list[tuple[int, str, float, str]], list[str]]:
    """A field read from several columns (description, notes, link) leaves out the hidden
    ones when a visible one has it: a hidden 'Old description' is not today's text."""
    visible = {f for c, f, _, _ in mapping if c not in hidden}
    kept, notes = [], []
    for m in mapping:
        c, f = m[0], m[1]
        if c in hidden and f in MULTI_FIELDS and f in visible:
            notes.append(
                f"Hidden column {_letters(c)} ('{headers.get(c, '')}') is not read as the "
                f"{f}: a visible column has it (it is kept as an extra column)"
            )
            continue
        kept.append(m)
    return kept, notes


def _drop_repeated_headers(text: pd.DataFrame, headers: list[int]) -> list[int]:
    """A header row that repeats the one above it word for word (a page break in an export)
    does not start a new table; the row classifier skips it as a repeated header."""
    kept: list[int] = []
    prev: tuple[tuple[int, str], ...] | None = None
    for h in headers:
        sig = tuple((c, normalize_header(v)) for c, v in enumerate(text.iloc[h].tolist()) if v)
        if sig != prev:
            kept.append(h)
        prev = sig
    return kept


def _profiles(
    raw: pd.DataFrame, text: pd.DataFrame, r0: int, r1: int, cols: range
) -> dict[int, ColumnProfile]:
    return {c: profile(raw.iloc[r0:r1, c], text.iloc[r0:r1, c]) for c in cols}


def _title_above(text: pd.DataFrame, h: int, a: int, b: int, header_rows: set[int]) -> str:
    """A one-cell text just above a header ('Motors:', 'Voron 1 250x250') titles the table."""
    for r in range(h - 1, max(-1, h - 3), -1):
        if r in header_rows:
            return ""
        vals = [v for v in text.iloc[r, a : b + 1].tolist() if v]
        if not vals:
            continue
        distinct = set(vals)
        if len(distinct) == 1:
            v = vals[0]
            # right above the header, or a heading ending in ':' one blank row higher
            if (
                (r == h - 1 or v.endswith(":"))
                and not re.fullmatch(r"[+-]?[\d.,]+", v)
                and len(v) <= 80
            ):
                return v.rstrip(":").strip()
        return ""
    return ""


def _headerless_blocks(
    sheet: RawSheet,
    raw: pd.DataFrame,
    text: pd.DataFrame,
    spec: TableSpec,
    profiles: dict[int, ColumnProfile],
) -> list[TableSpec]:
    """Columns with data but no header inside a table that repeat the table's own shape
    (a text column followed by a number column) are a table of their own (e.g. a hidden
    variant of the BOM pasted beside it without its header)."""
    if not (spec.fields & {"description", "name"}) or "quantity" not in spec.fields:
        return []
    mapped = {c for c, _, _, _ in spec.mapping}
    free = [
        c
        for c in range(spec.first_col, spec.last_col + 1)
        if c not in mapped and c not in spec.headers
    ]
    out: list[TableSpec] = []
    used: set[int] = set()
    for c in free:
        if c in used or c + 1 not in free:
            continue
        pt, pq = profiles[c], profiles[c + 1]
        if not (
            pt.texty
            and pt.fill >= 0.2
            and pt.avg_len >= 5
            and pq.numeric >= 0.7
            and pq.fill >= 0.15
        ):
            continue
        mapping: list[tuple[int, str, float, str]] = [
            (c, "description", 0.5, "inferred"),
            (c + 1, "quantity", 0.5, "inferred"),
        ]
        left = c - 1
        if (
            left in free
            and left not in used
            and profiles[left].texty
            and profiles[left].fill < pt.fill
        ):
            mapping.insert(0, (left, "category", 0.4, "inferred"))
            used.add(left)
        used.update({c, c + 1})
        block = TableSpec(
            sheet.name,
            None,
            mapping[0][0],
            c + 1,
            {},
            mapping,
            spec.row_start,
            spec.row_end,
            inferred=True,
        )
        block.notes.append(
            f"columns {_letters(mapping[0][0])}–{_letters(c + 1)} have no header but hold a "
            "description and a quantity like the table beside them; read them as a table of "
            "their own"
        )
        out.append(block)
    return out


def _letters(c: int) -> str:
    from riskapp.core.readers import column_letter

    return column_letter(c)


def _headerless_table(sheet: RawSheet, raw: pd.DataFrame, text: pd.DataFrame) -> TableSpec | None:
    """No header row anywhere: take the longest text column as the description and the
    column of small whole numbers beside it as the quantity."""
    profiles = _profiles(raw, text, 0, len(text), range(text.shape[1]))
    texty = [(p.avg_len * p.fill, c) for c, p in profiles.items() if p.texty and p.fill >= 0.3]
    if not texty:
        return None
    _, desc = max(texty)
    mapping: list[tuple[int, str, float, str]] = [(desc, "description", 0.3, "content")]
    qty = [
        (p.small_int * p.fill, c)
        for c, p in profiles.items()
        if c != desc and p.numeric >= 0.8 and p.small_int >= 0.8 and p.fill >= 0.3
    ]
    if qty:
        mapping.append((max(qty)[1], "quantity", 0.3, "content"))
    cols = [c for c, _, _, _ in mapping]
    spec = TableSpec(
        sheet.name, None, min(cols), max(cols), {}, sorted(mapping), 0, len(text), inferred=True
    )
    spec.notes.append(
        "no header row was found; columns were chosen by their content — check the mapping"
    )
    return spec

"""Mapping source columns to canonical BOM fields: synonyms (English and common European
languages, in resources/import/header_synonyms.csv), fuzzy matching for typos, and a look at
the column's content where a header is ambiguous ("Item" holding descriptions, "Description"
holding only the word "Link").
"""

from __future__ import annotations

import csv
import difflib
import functools
import importlib.resources
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.fastre import ColumnPattern
from riskapp.core.model import RE_PARENT_HEADER, FieldMatch
from riskapp.core.values import count_designators

# fields whose values must be numbers
NUMERIC_TARGETS = frozenset(
    {
        "quantity",
        "extended_quantity",
        "unit_price",
        "ext_price",
        "mass",
        "magnet_mass",
        "stock",
        "level",
    }
)
# fields that can hold the line's identity (a line without any of them is not a line)
KEY_FIELDS = ("description", "name", "ipn", "mpn", "ref_des", "spn")
# fields a header row is expected to contain at least one of
ANCHOR_FIELDS = frozenset(
    {"description", "name", "ipn", "mpn", "quantity", "ref_des", "spn", "manufacturer"}
)
MULTI_FIELDS = frozenset({"description", "notes", "link"})


@dataclass(frozen=True)
class Synonym:
    field: str
    text: str
    weight: float


@functools.lru_cache(maxsize=1)
def synonyms() -> tuple[Synonym, ...]:
    """The header synonyms shipped in resources/import/header_synonyms.csv."""
    path = importlib.resources.files("riskapp.resources") / "import" / "header_synonyms.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Synonym(r["field"], normalize_header(r["synonym"]), float(r["weight"])) for r in rows
    )


@functools.lru_cache(maxsize=1)
def _contained_patterns() -> tuple[tuple[Synonym, re.Pattern[str]], ...]:
    return tuple(
        (s, re.compile(r"(?:^|[^a-z0-9äöüß])" + re.escape(s.text) + r"(?:$|[^a-z0-9äöüß])"))
        for s in synonyms()
        if len(s.text) >= 3 or s.text == "#"
    )


@functools.lru_cache(maxsize=1)
def _exact_index() -> dict[str, tuple[tuple[str, float], ...]]:
    idx: dict[str, list[tuple[str, float]]] = {}
    for s in synonyms():
        idx.setdefault(s.text, []).append((s.field, s.weight))
    return {k: tuple(sorted(v, key=lambda x: -x[1])) for k, v in idx.items()}


_RE_HEADER_LETTER = re.compile(r"[^\W\d_]|#")
"""A header has a letter of any script (Latin, Cyrillic, Greek, kana, Chinese characters,
Hangul...) or is '#'."""


def normalize_header(text: object) -> str:
    """Lower-case, single spaces, no trailing ':' or '*', '_' read as a space."""
    t = str(text or "").replace("\u00a0", " ").replace("_", " ").replace("\n", " ").strip().lower()
    t = re.sub(r"\s+", " ", t)
    t = t.rstrip(":*").strip()
    return t


def _variants(n: str) -> list[str]:
    out = [n]
    no_paren = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*", " ", n).strip()
    if no_paren and no_paren != n:
        out.append(no_paren)
    no_digits = re.sub(r"\s*\d+$", "", no_paren or n).strip()
    if no_digits and no_digits not in out:
        out.append(no_digits)
    no_dots = n.replace(".", "").strip()
    if no_dots and no_dots not in out:
        out.append(no_dots)
    return out


@functools.lru_cache(maxsize=65536)
def match_header(text: str) -> tuple[tuple[str, float, str], ...]:
    """Candidate fields for a header text: ((field, confidence, how), ...), best first."""
    n = normalize_header(text)
    if not n or len(n) > 60 or not _RE_HEADER_LETTER.search(n) or RE_PARENT_HEADER.match(n):
        return ()
    best: dict[str, tuple[float, str]] = {}

    def offer(field: str, conf: float, how: str) -> None:
        if conf > best.get(field, (0.0, ""))[0]:
            best[field] = (conf, how)

    idx = _exact_index()
    for v in _variants(n):
        for field, weight in idx.get(v, ()):
            offer(field, weight if v == n else weight * 0.97, "synonym")
    if not best:
        for s, pattern in _contained_patterns():
            if s.text in n and pattern.search(n):
                share = len(s.text) / max(len(n), 1)
                offer(s.field, s.weight * (0.6 + 0.3 * share), "synonym")
    if not best and 4 <= len(n) <= 40:
        matcher = difflib.SequenceMatcher(None, "", n)
        for s in synonyms():
            if len(s.text) < 4 or abs(len(s.text) - len(n)) > 0.4 * len(n):
                continue
            matcher.set_seq1(s.text)
            if matcher.real_quick_ratio() < 0.84 or matcher.quick_ratio() < 0.84:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.84:
                offer(s.field, s.weight * ratio * 0.85, "fuzzy")
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    return tuple((f, round(c, 3), how) for f, (c, how) in ranked)


def header_field(text: str) -> tuple[str, float]:
    """Best field for a header text and its confidence, ('', 0) when none."""
    m = match_header(text)
    return (m[0][0], m[0][1]) if m else ("", 0.0)


_RE_URL = ColumnPattern(
    r"^(?:https?://|www\.|ftp://)|^(?:link\d*|url|here|click|see link|buy)$", re.I
)
_RE_CODE = ColumnPattern(r"^[A-Za-z0-9][A-Za-z0-9\-_./#+]{2,}$")
_RE_NUMBER_TEXT = ColumnPattern(r"[+-]?\d+(?:[.,]\d+)?")
_RE_SPACED = ColumnPattern(r"\S\s+\S")
_RE_DESIGNATOR_START = ColumnPattern(r"^[,;\s\u00a0\u2009\u202f]*[A-Za-z][A-Za-z_]*\d")


@dataclass(frozen=True)
class ColumnProfile:
    fill: float
    numeric: float
    small_int: float
    spaced: float
    url: float
    code: float
    designators: float
    avg_len: float
    distinct: float
    values: int = 0  # distinct values in the sample

    @property
    def texty(self) -> bool:
        return self.fill > 0 and self.numeric < 0.5 and self.url < 0.5


def profile(raw: pd.Series, text: pd.Series) -> ColumnProfile:
    """What a column's values look like (fractions of the non-empty cells)."""
    n = len(text)
    filled = text.ne("").to_numpy(dtype=bool)
    k = int(filled.sum())
    if n == 0 or k == 0:
        return ColumnProfile(0, 0, 0, 0, 0, 0, 0, 0, 0)
    # the first 2,000 non-empty cells (looked for in the first rows before the whole column)
    at = np.flatnonzero(filled[:20_000])[:2000]
    if len(at) < min(2000, k):
        at = np.flatnonzero(filled)[:2000]
    # the sample as plain arrays: a few thousand cells, where pandas' per-call cost would
    # outweigh the work (this runs for every column of every table); the patterns read the
    # sample's text as it is held (Arrow-backed text without a copy)
    shown = text.iloc[at]
    sample = shown.to_numpy(dtype=object)
    m = len(sample)
    is_num = number_cells(raw.iloc[at].to_numpy(dtype=object), shown)
    nums = pd.to_numeric(
        np.array([t.replace(",", ".") for t in sample[is_num]], dtype=object), errors="coerce"
    )
    small_int = int(((nums % 1 == 0) & (nums >= 0) & (nums <= 10000)).sum()) / m
    return ColumnProfile(
        fill=k / n,
        numeric=float(is_num.mean()),
        small_int=float(small_int),
        spaced=float(_RE_SPACED.search(shown).mean()),
        url=float(_RE_URL.search(shown).mean()),
        code=float(_RE_CODE.fullmatch(shown).mean()),
        designators=float(_designator_share(shown)),
        avg_len=float(sum(map(len, sample)) / m),
        distinct=float(len(set(sample)) / m),
        values=len(set(sample)),
    )


def number_cells(raw: Iterable[Any], texts: Any) -> np.ndarray:
    """Per cell: a number (not a boolean), or text that reads as one ('12', '-3,5')."""
    kind = pd.api.types.infer_dtype(raw, skipna=False) if isinstance(raw, np.ndarray) else ""
    if kind == "string":  # only texts (the usual column): no cell is a number itself
        is_number = np.zeros(len(texts), dtype=bool)
    else:
        is_number = np.fromiter(
            (isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw),
            dtype=bool,
            count=len(texts),
        )
    return is_number | _RE_NUMBER_TEXT.fullmatch(texts)


def _designator_share(shown: pd.Series) -> float:
    """Share of cells that are reference-designator lists ('R1, R2', 'C1-C4'); only cells
    that start like a designator (letters then a digit) are parsed."""
    sample = shown.to_numpy(dtype=object)
    stripped = pd.Series(shown, dtype="str").str.strip()
    maybe = _RE_DESIGNATOR_START.match(stripped)
    if not maybe.any():
        return 0.0
    # each distinct text parsed once (a column repeats its designator lists)
    texts, counts = np.unique(sample[maybe], return_counts=True)
    hits = sum(
        int(k)
        for t, k in zip(texts, counts, strict=True)
        if count_designators(t) is not None and not t.isdigit()
    )
    return hits / len(sample)


def propose_mapping(
    headers: dict[int, str], profiles: dict[int, ColumnProfile], first_col: int
) -> list[tuple[int, str, float, str]]:
    """Assign canonical fields to columns of one table.

    headers: column index -> header text; profiles: column index -> content profile.
    Returns [(column index, field, confidence, how)].
    """
    cands: list[tuple[float, int, str, str]] = []
    child = _child_headers(headers)
    for col, text in headers.items():
        prof = profiles.get(col)
        for rank, (field, conf, how) in enumerate(match_header(child.get(col, text))):
            if rank > 2:
                break
            c, f, h = _adjust(field, conf, how, prof)
            cands.append((c, col, f, h))
    cands.sort(key=lambda x: (-x[0], x[1] not in child, x[1]))  # ties: the lines' column
    taken_cols: set[int] = set()
    taken_fields: dict[str, int] = {}
    result: list[tuple[int, str, float, str]] = []
    for conf, col, field, how in cands:
        if conf < 0.35 or col in taken_cols:
            continue
        if field in taken_fields and field not in MULTI_FIELDS:
            continue
        taken_cols.add(col)
        taken_fields[field] = taken_fields.get(field, 0) + 1
        result.append((col, field, conf, how))
    if child:
        # an export of parents with their lines ('Product | Quantity | BoM Lines/Component
        # | BoM Lines/Quantity'): the lines' columns are the BOM, the parent's columns of
        # the same fields describe the parent and stay extra columns
        line_fields = {_FAMILY.get(f, f) for c, f, _, _ in result if c in child}
        dropped = {
            c for c, f, _, _ in result if c not in child and _FAMILY.get(f, f) in line_fields
        }
        result = [m for m in result if m[0] not in dropped]
        taken_cols -= dropped
    result = _codes_are_no_description(result, headers, profiles, taken_cols)
    fields = {f for _, f, _, _ in result}
    # the leftmost text column with no header meaning usually names the item
    parent_cols = {c for c, t in headers.items() if RE_PARENT_HEADER.match(normalize_header(t))}
    taken_cols |= parent_cols  # the parent's part number names no field of the line
    if "name" not in fields and first_col in headers and first_col not in taken_cols:
        prof = profiles.get(first_col)
        if prof and prof.texty and prof.fill >= 0.5 and prof.url < 0.2:
            result.append((first_col, "name", 0.4, "content"))
            taken_cols.add(first_col)
    result = _no_constant_name(result, profiles, taken_cols)
    result = _coded_name_is_a_number(result, profiles)
    # no description or name under a header riskapp knows ('Blurb', 'Artikeltext', or
    # none at all): the column that reads most like prose describes the line (else the
    # part number would)
    if not {f for _, f, _, _ in result} & {"description", "name"}:
        prose = _most_prose(headers, profiles, taken_cols)
        if prose is not None:
            result.append((prose, "description", 0.45, "content"))
    result.sort(key=lambda x: x[0])
    return result


def _most_prose(
    headers: dict[int, str], profiles: dict[int, ColumnProfile], taken_cols: set[int]
) -> int | None:
    """The column not yet mapped that reads most like prose (most cells of several words,
    then the longest), or None."""
    prose = [
        (p.spaced, p.avg_len, -col)
        for col in sorted(set(headers) | set(profiles))
        if col not in taken_cols
        and (p := profiles.get(col)) is not None
        and p.texty
        and p.fill >= 0.5
        and p.spaced >= 0.5
        and p.avg_len >= 12
        and p.url < 0.2
    ]
    return -max(prose)[2] if prose else None


def _coded_name_is_a_number(
    result: list[tuple[int, str, float, str]], profiles: dict[int, ColumnProfile]
) -> list[tuple[int, str, float, str]]:
    """A 'name' that holds only codes ('Part' over P-1, P-2; Creo's 'Component' over
    MOTOR-ASM.ASM) beside a description of words numbers the line: it is the part number,
    not words to put in front of every description."""
    fields = [f for _, f, _, _ in result]
    if "ipn" in fields or "description" not in fields or fields.count("name") != 1:
        return result
    out = []
    for col, field, conf, how in result:
        prof = profiles.get(col)
        if field == "name" and prof is not None and prof.code >= 0.9 and prof.spaced <= 0.05:
            field, how = "ipn", "content"
        out.append((col, field, conf, how))
    return out


def _no_constant_name(
    result: list[tuple[int, str, float, str]],
    profiles: dict[int, ColumnProfile],
    taken_cols: set[int],
) -> list[tuple[int, str, float, str]]:
    """A name or description that holds one value all the way down a table of five lines or
    more (NetSuite's assembly name on every member line, a flat export's 'Parent
    Description') beside one that does
    not names the parent, not the line: joined to each description, 'gimbal with 3x
    brushless NdFeB motors' would make every line a motor."""

    def constant(col: int) -> bool:
        prof = profiles.get(col)
        return prof is not None and prof.fill >= 0.5 and prof.values == 1 and prof.distinct <= 0.2

    texts = [c for c, f, _, _ in result if f in ("name", "description")]
    varied = [c for c in texts if not constant(c)]
    if not varied or len(varied) == len(texts):
        return result
    taken_cols.difference_update(set(texts) - set(varied))
    return [m for m in result if m[1] not in ("name", "description") or m[0] in varied]


def _codes_are_no_description(
    result: list[tuple[int, str, float, str]],
    headers: dict[int, str],
    profiles: dict[int, ColumnProfile],
    taken_cols: set[int],
) -> list[tuple[int, str, float, str]]:
    """A description found by a weak header word ('Product' over 5862K104, 5857K14) that
    holds nothing but codes, beside a column of prose under no header riskapp knows
    (McMaster's order history): the prose describes the line, the codes number it."""
    at = [m for m in result if m[1] == "description"]
    if len(at) != 1 or {f for _, f, _, _ in result} & {"name"}:
        return result
    col, _, conf, how = at[0]
    prof = profiles.get(col)
    if how != "synonym" or conf >= 0.9 or prof is None or prof.code < 0.8 or prof.spaced > 0.1:
        return result
    prose = _most_prose(headers, profiles, taken_cols)
    if prose is None:
        return result
    taken_cols.add(prose)
    fields = {f for _, f, _, _ in result}
    out = [m for m in result if m[0] != col]
    if "ipn" not in fields:
        out.append((col, "ipn", round(conf * 0.8, 2), "content"))
    else:
        taken_cols.discard(col)
    out.append((prose, "description", 0.5, "content"))
    return out


_FAMILY = {"name": "text", "description": "text"}
"""Fields that say what the line is, for telling a parent's columns from its lines'."""


def _child_headers(headers: dict[int, str]) -> dict[int, str]:
    """Headers written as paths that share their first part ('BoM Lines/Component',
    'BoM Lines/Quantity'), by column, as their last part ('Component', 'Quantity'): the
    columns of the lines under a parent record. Empty when fewer than two share one."""
    groups: dict[str, list[int]] = {}
    for col, text in headers.items():
        head, sep, _ = text.rpartition("/")
        if sep and len(head.strip()) >= 3 and not _exact_index().get(normalize_header(text)):
            groups.setdefault(normalize_header(head), []).append(col)
    out: dict[int, str] = {}
    for cols in groups.values():
        if len(cols) >= 2:
            out.update({c: headers[c].rpartition("/")[2].strip() for c in cols})
    return out


def _adjust(
    field: str, conf: float, how: str, prof: ColumnProfile | None
) -> tuple[float, str, str]:
    """Let the column's content confirm, weaken or redirect a header's meaning."""
    if prof is None or prof.fill == 0:
        return conf, field, how
    if field in NUMERIC_TARGETS and field != "level":
        if prof.numeric < 0.3 and prof.fill > 0.2:
            return conf * 0.5, field, how
    if field in ("description", "name", "notes") and prof.url >= 0.6:
        return max(conf, 0.7), "link", "content"
    if (
        field in ("item", "ipn", "name")
        and prof.spaced >= 0.5
        and prof.avg_len >= 12
        and prof.numeric < 0.2
    ):
        # "Item" or "Part" holding prose: the description of the line
        return max(conf * 0.95, 0.6), "description" if field != "name" else "name", "content"
    if field == "item" and prof.designators >= 0.6:
        return conf, "ref_des", "content"
    if field in ("ipn", "mpn", "spn") and prof.spaced >= 0.6 and prof.avg_len > 25:
        return conf * 0.6, field, how
    if field == "ref_des" and prof.designators < 0.3 and prof.fill > 0.3:
        return conf * 0.6, field, how
    return conf, field, how


def to_field_matches(
    mapping: list[tuple[int, str, float, str]],
    headers: dict[int, str],
    letter: Callable[[int], str],
) -> list[FieldMatch]:
    return [
        FieldMatch(field, letter(col), headers.get(col, ""), round(conf, 2), how)  # type: ignore[arg-type]
        for col, field, conf, how in mapping
    ]

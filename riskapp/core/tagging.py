"""Tagging: for every BOM line, does it carry rare earths, which elements and how many grams,
and where does each stage of that material come from — with the evidence and a confidence.

Everything runs on whole columns. Text rules (archetype keywords, traps, grades, dimensions)
run once per *distinct* line text and are mapped back to the lines, so a 100,000-line BOM
with its thousands of repeated descriptions costs little. All domain numbers come from the
reference data (resources/reference); the evidence strings name the file and line used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.reference import Reference, split_list

STAGES = ("mining", "separation", "metal", "magnet")
ORIGIN_COLUMNS = tuple(f"origin_{s}" for s in (*STAGES, "component"))
RE_CLASSES_WITH_RE = frozenset(
    {"ndfeb_sintered", "ndfeb_bonded", "ndfeb_hot_deformed", "ndfeb_gbd", "smco"}
)
LIKELIHOOD_PROBABILITY = {"high": 0.9, "medium": 0.6, "low": 0.25}
_EXPLICIT_RE_MATERIALS = frozenset(
    {"ndfeb_sintered", "ndfeb_gbd", "ndfeb_bonded", "ndfeb_hot_deformed", "sm2co17", "smco5"}
)
_CLASS_TO_MATERIAL = {"smco": "sm2co17", "ndfeb_gbd": "ndfeb_gbd"}
OVERRIDE_FIELDS = frozenset(
    {
        "re_class",
        "archetype",
        "grade",
        "magnet_mass_g",
        "criticality",
        "single_source",
        *ORIGIN_COLUMNS,
    }
)

# How a material is named in a description or material cell (keywords, not numbers).
_MATERIAL_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ndfeb_gbd", r"\bgbd\b|grain[- ]boundary[- ]diffus|korngrenzendiffus"),
    ("ndfeb_hot_deformed", r"hot[- ]deformed|hot[- ]pressed\s*nd|\bmq3\b|warmumgeformt"),
    (
        "ndfeb_bonded",
        r"\bbonded\b.{0,20}(ndfeb|nd-?fe-?b|neo\w*|magnet)|plastic[- ]bonded|kunststoffgebunden|\bmq1\b|\bbonded\s*nd",
    ),
    ("sm2co17", r"\bsm2co17\b|\bsmco\s*2:17|\b2:17\b.{0,12}smco|\byxg-?\d{2}\w*|\brecoma\s*\d+"),
    ("smco5", r"\bsm1?co5\b|\bsmco\s*1:5|\byx-?\d{2}\b"),
    ("sm2co17", r"\bsmco\b|samarium"),
    (
        "ndfeb_sintered",
        r"neod[iy]m|neodyn|n[ée]odyme|neod[íi]mio|\bndfeb\b|\bnd-?fe-?b\b|\bnd2fe14b\b|\bneo\s*magnets?|"
        r"rare[- ]earth\s*(permanent\s*)?magnet|seltenerd\w*magnet|tierras?\s*raras",
    ),
    (
        "ferrite",
        r"\bferrit[ea]?\b(?!\s*(bead|core|ring|choke|clamp|sleeve|toroid|filter|tube|kern|perle))|\bceramic\s*magnet|\bkeramik\w*magnet|strontium\s*ferrite|barium\s*ferrite",
    ),
    ("alnico", r"\balnico\w*|\bal-ni-co\b"),
)
# 'N52', 'N42SH', '38UH'; without the N only the unmistakable suffixes ('36H' is a bicycle
# rim with 36 holes), unless the text speaks of a magnet
_RE_GRADE = re.compile(
    r"(?<![a-z0-9.,/-])(?:n\s?(?P<e1>2[8-9]|[3-5]\d)(?P<t1>m|h|sh|uh|eh|ah|th)?|(?P<e2>2[8-9]|[3-5]\d)(?P<t2>sh|uh|eh|ah|th))(?![a-z0-9])"
)
_RE_GRADE_MH = re.compile(r"(?<![a-z0-9.,/-])(?P<e2>2[8-9]|[3-5]\d)(?P<t2>m|h)(?![a-z0-9])")
_RE_MAGNET_WORD = re.compile(r"magnet|aimant|im[aá]n|magnete")
_NUM = r"(\d+(?:[.,]\d+)?(?:\s*/\s*\d+)?)"
_SEP = r"\s*[x×*]\s*"
_UNIT = r"\s*(mm|cm|in\b|inch(?:es)?|\")?"
_RE_DIM3 = re.compile(_NUM + _UNIT + _SEP + _NUM + _UNIT + _SEP + _NUM + _UNIT)
_RE_DIM2 = re.compile(r"(?:\b(?:d|ø|⌀|dia\.?|diameter)\s*)?" + _NUM + _UNIT + _SEP + _NUM + _UNIT)
_RE_RING = re.compile(r"\bring|\bringmagnet|\banillo|\banneau|\bod\b.{0,12}\bid\b|\bR\d")
_RE_NEMA = re.compile(
    r"\bnema\s*-?\s*(8|11|14|17|23|24|34|42)\b|\b(8|11|14|17|23|34)hs\d|\b(20|28|35|42|57|86|110)\s*(?:x\s*\2\b|bygh?)"
)
_NEMA_FROM_MM = {"20": 8.0, "28": 11.0, "35": 14.0, "42": 17.0, "57": 23.0, "86": 34.0, "110": 42.0}
_RE_STATOR = re.compile(r"(?<![\d.])([1-9]\d)([0-6]\d)(?![\d.])")
_RE_KW = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kw|w)\b")
_RE_MW = re.compile(r"(\d+(?:[.,]\d+)?)\s*mw\b")
_RE_DIAMETER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mm|cm|in\b|inch(?:es)?|\"|'')")


@dataclass(frozen=True)
class Override:
    """A user's correction: for one line (scope 'line', key 'sheet!row' or 'row') or for every
    line of a manufacturer / supplier / mpn / ipn (key = that value, case-insensitive)."""

    scope: str
    key: str
    field: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class TagParams:
    """Inputs to tagging besides the lines: build volume (finished units per year) and the
    user's overrides. Evaluation date matters for scoring, not for what a part contains."""

    build_volume: float = 1000.0
    evaluation_date: date | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)


def element_symbols(ref: Reference) -> list[str]:
    """The 17 rare-earth element symbols, in atomic-number order."""
    el = ref.elements
    re_el = el[el["group"] != "non_re"].sort_values("atomic_number")
    return [str(s) for s in re_el["symbol"]]


def line_key(lines: pd.DataFrame) -> pd.Series:
    """'sheet!row' (or 'row' for CSV) — the key line overrides use."""
    sheet = lines["sheet"].astype(str)
    row = lines["row"].astype(str)
    return (sheet + "!" + row).where(sheet != "", row)


# ------------------------------------------------------------------ text rules (per unique text)


@dataclass
class _TextTags:
    archetype: str
    arch_line: int
    trap: str
    trap_line: int
    material: str
    material_kw: str
    grade: str
    energy: str
    temp_class: str
    dims_mm: tuple[float, ...]
    ring: bool
    size_value: float
    size_rule: str
    size_text: str


def _compile_rows(frame: pd.DataFrame, col: str) -> list[tuple[int, re.Pattern[str] | None]]:
    out = []
    for line, pat in frame[col].items():
        p = str(pat or "")
        out.append((_int(line), re.compile(p, re.I) if p else None))
    return out


class _Rules:
    """Compiled text rules from the reference data (built once per Reference)."""

    def __init__(self, ref: Reference) -> None:
        arch = ref.archetypes.sort_values("priority", ascending=False)
        self.arch_rows = arch
        self.includes = _compile_rows(arch, "include_regex")
        self.excludes = dict(_compile_rows(arch, "exclude_regex"))
        self.arch_ids = {_int(i): str(a) for i, a in arch["archetype_id"].items()}
        self.traps = [
            (int(i), re.compile(str(p), re.I), str(r))
            for i, p, r in zip(
                ref.traps.index, ref.traps["pattern"], ref.traps["reason"], strict=True
            )
        ]
        self.materials = [(m, re.compile(p, re.I)) for m, p in _MATERIAL_PATTERNS]

    def tag_text(self, text: str) -> _TextTags:
        t = text.lower()
        trap, trap_line = "", 0
        for line, pat, reason in self.traps:
            if pat.search(t):
                trap, trap_line = reason, line
                break
        archetype, arch_line = "", 0
        for line, inc in self.includes:
            if inc is not None and inc.search(t):
                exc = self.excludes.get(line)
                if exc is not None and exc.search(t):
                    continue
                archetype, arch_line = self.arch_ids[line], line
                break
        material, material_kw = "", ""
        for mid, pat in self.materials:
            m = pat.search(t)
            if m:
                material, material_kw = mid, m.group(0)
                break
        grade = energy = temp_class = ""
        g = _RE_GRADE.search(t)
        if g is None and _RE_MAGNET_WORD.search(t):
            g = _RE_GRADE_MH.search(t)
        if g:
            gd = g.groupdict()
            energy = gd.get("e1") or gd.get("e2") or ""
            temp_class = (gd.get("t1") or gd.get("t2") or "").upper()
            grade = ("N" + energy if gd.get("e1") else energy) + temp_class
            if not temp_class:
                temp_class = "N"
        dims: tuple[float, ...] = ()
        m3 = _RE_DIM3.search(t)
        if m3:
            dims = _dims(m3.groups(), 3)
        else:
            m2 = _RE_DIM2.search(t)
            if m2:
                dims = _dims(m2.groups(), 2)
        ring = bool(_RE_RING.search(text))
        size_value, size_rule, size_text = _size(t)
        return _TextTags(
            archetype,
            arch_line,
            trap,
            trap_line,
            material,
            material_kw,
            grade,
            energy,
            temp_class,
            dims,
            ring,
            size_value,
            size_rule,
            size_text,
        )


def _num(x: Any) -> float:
    return float(x)


def _int(x: Any) -> int:
    return int(x)


def _to_mm(num: str, unit: str | None) -> float:
    num = num.replace(",", ".").replace(" ", "")
    if "/" in num:
        a, b = num.split("/", 1)
        value = float(a) / float(b) if float(b) else 0.0
    else:
        value = float(num)
    u = (unit or "").strip().lower()
    if u in ("in", "inch", "inches", '"'):
        return value * 25.4
    if u == "cm":
        return value * 10.0
    return value


def _dims(groups: Sequence[str | None], n: int) -> tuple[float, ...]:
    nums = [groups[2 * i] for i in range(n)]
    units = [groups[2 * i + 1] for i in range(n)]
    # a unit written once (at the end, '1/2 x 1/8 x 1/16in') applies to all
    unit = next((u for u in reversed(units) if u), None)
    try:
        return tuple(_to_mm(str(num), units[i] or unit) for i, num in enumerate(nums))
    except (ValueError, ZeroDivisionError):
        return ()


def _size(t: str) -> tuple[float, str, str]:
    m = _RE_NEMA.search(t)
    if m:
        if m.group(1) or m.group(2):
            return float(m.group(1) or m.group(2)), "nema_frame", m.group(0)
        frame = _NEMA_FROM_MM.get(m.group(3) or "")
        if frame:
            return frame, "nema_frame", m.group(0)
    m = _RE_MW.search(t)
    if m:
        return float(m.group(1).replace(",", ".")), "per_mw", m.group(0)
    m = _RE_KW.search(t)
    if m:
        v = float(m.group(1).replace(",", "."))
        return (v if m.group(2) == "kw" else v / 1000.0), "per_kw", m.group(0)
    return math.nan, "", ""


def _stator(t: str) -> tuple[float, str]:
    for m in _RE_STATOR.finditer(t):
        d, h = int(m.group(1)), int(m.group(2))
        if 11 <= d <= 99 and 2 <= h <= 60:
            return float(d * h), m.group(0)
    return math.nan, ""


def _diameter(t: str) -> tuple[float, str]:
    m = _RE_DIAMETER.search(t)
    if not m:
        return math.nan, ""
    return _to_mm(m.group(1), m.group(2)), m.group(0)


_RULES_CACHE: dict[int, _Rules] = {}


def _rules(ref: Reference) -> _Rules:
    key = id(ref)
    if key not in _RULES_CACHE:
        _RULES_CACHE.clear()
        _RULES_CACHE[key] = _Rules(ref)
    return _RULES_CACHE[key]


# ------------------------------------------------------------------ the tagger


_KEY_COLUMNS = (
    "description",
    "mpn",
    "material",
    "magnet_mass_g",
    "mass_g",
    "manufacturer",
    "supplier",
    "country_of_origin",
)


def tag_lines(lines: pd.DataFrame, ref: Reference, params: TagParams | None = None) -> pd.DataFrame:
    """Add the tagging columns (see docs/tagging.md) to a copy of an imported line frame.

    Lines that share every input of tagging (text, material, masses, manufacturer, supplier,
    country, overrides) are tagged once and the result is shared.
    """
    params = params or TagParams()
    out = lines.copy()
    n = len(out)
    symbols = element_symbols(ref)
    if n == 0:
        return _empty_tags(out, symbols)
    ov = _override_frame(out, params.overrides)
    keys = out[list(_KEY_COLUMNS)].astype(str)
    for name, series in ov.items():
        keys[f"ov:{name}"] = series.astype(str)
    codes = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    sub = out.iloc[first].reset_index(drop=True)
    sub_ov = {k: v.iloc[first].reset_index(drop=True) for k, v in ov.items()}
    tags = _tag_unique(sub, ref, sub_ov, symbols)
    for c in tags.columns:
        out[c] = tags[c].to_numpy()[codes]
    evidence = [list(e) for e in out["evidence"]]
    rare_earth = out["rare_earth"].to_numpy(dtype=bool)
    # assemblies whose magnets are listed as child lines are not counted twice
    counted_below = _parents_of(out, rare_earth) & rare_earth
    for i in np.nonzero(counted_below)[0]:
        evidence[i].append(
            "Assembly line: its magnets are counted in the child lines below it, not here."
        )
    if counted_below.any():
        keep = ~counted_below
        for c in ["magnet_mass_g", "re_g_per_unit", *(f"g_{s}" for s in symbols)]:
            out[c] = out[c].to_numpy() * keep
        out["confidence"] = np.where(counted_below, "low", out["confidence"].to_numpy(dtype=object))
        # the assembly itself is not scored: its magnets are scored in its child lines
        rare_earth = rare_earth & keep
        out["rare_earth"] = rare_earth
    ext = out["extended_quantity"].astype(float)
    ext = ext.where(ext.notna(), out["quantity"].astype(float)).fillna(1.0)
    out["units_per_year"] = ext.to_numpy() * float(params.build_volume)
    out["re_g_per_year"] = out["re_g_per_unit"] * out["units_per_year"]
    # NaN = not set by the user (scoring then uses its default and says so)
    out["criticality"] = _override_float(ov, "criticality", n, math.nan)
    ss = ov.get("single_source")
    out["single_source"] = (
        ss.fillna("").astype(str).str.lower().isin(["1", "true", "yes", "y"]).to_numpy()
        if ss is not None
        else False
    )
    conf = out["confidence"].to_numpy(dtype=object)
    unknown_origin = (out["origin_magnet"] == "").to_numpy() | (
        out["origin_separation"] == ""
    ).to_numpy()
    suspect = (out["re_class"] == "suspect").to_numpy()
    out["needs_review"] = suspect | (rare_earth & ((conf == "low") | unknown_origin))
    out["evidence"] = pd.Series(evidence, index=out.index, dtype=object)
    return out


def _lookup(frame: pd.DataFrame, key: str, column: str) -> dict[str, Any]:
    return {str(k): v for k, v in zip(frame[key], frame[column], strict=True)}


def _tag_unique(
    out: pd.DataFrame, ref: Reference, ov: dict[str, pd.Series], symbols: list[str]
) -> pd.DataFrame:
    """Tag distinct lines; returns a frame of the tag columns only."""
    n = len(out)
    res = pd.DataFrame(index=out.index)
    rules = _rules(ref)
    text = (
        out["description"].astype(str)
        + " | "
        + out["mpn"].astype(str)
        + " | "
        + out["material"].astype(str)
    )
    codes, uniques = pd.factorize(text)
    tags = [rules.tag_text(str(u)) for u in uniques]
    # material and grade written in the material column win over the description
    mat_codes, mat_uniques = pd.factorize(out["material"].astype(str))
    mat_tags = [rules.tag_text(str(u)) if str(u).strip() else None for u in mat_uniques]

    def col(attr: str) -> np.ndarray:
        return np.array([getattr(t, attr) for t in tags] + [None], dtype=object)[codes]

    archetype = col("archetype")
    arch_line = col("arch_line")
    trap = col("trap")
    trap_line = col("trap_line")
    material = col("material")
    material_kw = col("material_kw")
    grade = col("grade")
    temp_class = col("temp_class")
    dims = col("dims_mm")
    ring = col("ring").astype(bool)
    size_value = col("size_value").astype(float)
    size_rule = col("size_rule")
    size_text = col("size_text")
    mat_material = np.array([t.material if t else "" for t in mat_tags], dtype=object)[mat_codes]
    mat_grade = np.array([t.grade if t else "" for t in mat_tags], dtype=object)[mat_codes]
    mat_temp = np.array([t.temp_class if t else "" for t in mat_tags], dtype=object)[mat_codes]
    material = np.where(mat_material != "", mat_material, material)
    grade = np.where(mat_grade != "", mat_grade, grade)
    temp_class = np.where(mat_temp != "", mat_temp, temp_class)

    arch = ref.archetypes
    a_name = _lookup(arch, "archetype_id", "name")
    a_like = _lookup(arch, "archetype_id", "re_likelihood")
    a_mat = _lookup(arch, "archetype_id", "material_id")
    a_temp = _lookup(arch, "archetype_id", "temp_class")
    m_class = _lookup(ref.materials, "material_id", "re_class")
    evidence: list[list[str]] = [[] for _ in range(n)]
    desc_col = out["description_column"].astype(str).to_numpy()
    rows = out["row"].to_numpy()

    def where(i: Any) -> str:
        return f"{desc_col[i]}{rows[i]}" if desc_col[i] else f"row {rows[i]}"

    re_class = np.full(n, "none", dtype=object)
    material_id = np.full(n, "", dtype=object)
    probability = np.zeros(n)
    explicit_re = np.isin(material, list(_EXPLICIT_RE_MATERIALS))
    explicit_non = np.isin(material, ["ferrite", "alnico"])
    has_grade = grade != ""
    ov_arch = ov.get("archetype")
    if ov_arch is not None:
        mask = ov_arch.notna().to_numpy()
        archetype = np.where(mask, ov_arch.fillna("").to_numpy(dtype=object), archetype)
        for i in np.nonzero(mask)[0]:
            evidence[i].append(f"Archetype set by the user to '{archetype[i] or 'none'}'.")
    arch_valid = archetype != ""
    trapped = (trap != "") & ~explicit_re & ~has_grade
    for i in np.nonzero(trapped)[0]:
        evidence[i].append(f"Not a magnet part: {trap[i]} (traps.csv line {trap_line[i]}).")
    likelihood = np.array([str(a_like.get(a, "")) for a in archetype], dtype=object)
    arch_material = np.array([str(a_mat.get(a, "") or "") for a in archetype], dtype=object)
    # 1. an explicit rare-earth material or an N-grade: the line is (or holds) such a magnet
    m_explicit = explicit_re | (has_grade & ~explicit_non)
    material_id = np.where(
        m_explicit, np.where(explicit_re, material, "ndfeb_sintered"), material_id
    )
    probability = np.where(m_explicit, 0.97, probability)
    for i in np.nonzero(m_explicit)[0]:
        if explicit_re[i]:
            evidence[i].append(
                f"'{material_kw[i]}' in the text ({where(i)}) names the magnet material {material_id[i]}."
            )
        if has_grade[i]:
            evidence[i].append(
                f"Magnet grade {str(grade[i]).upper()} found ({where(i)}): an NdFeB grade."
            )
    if ov_arch is None:
        loose = m_explicit & ~arch_valid
        smco = np.isin(material_id, ["sm2co17", "smco5"])
        archetype = np.where(loose & smco, "loose_smco_magnet", archetype)
        archetype = np.where(loose & (archetype == ""), "loose_magnet", archetype)
    # 2. explicit ferrite / AlNiCo: no rare earth
    m_non = explicit_non & ~m_explicit
    material_id = np.where(m_non, material, material_id)
    for i in np.nonzero(m_non)[0]:
        evidence[i].append(
            f"'{material_kw[i]}' in the text ({where(i)}): {material[i]} magnet, no rare earth."
        )
    # 3. archetype by keywords
    m_arch = arch_valid & ~m_explicit & ~m_non & ~trapped
    probability = np.where(
        m_arch, np.array([LIKELIHOOD_PROBABILITY.get(x, 0.0) for x in likelihood]), probability
    )
    material_id = np.where(m_arch & (arch_material != ""), arch_material, material_id)
    for i in np.nonzero(m_arch | (arch_valid & m_explicit))[0]:
        a = archetype[i]
        if a in a_name:
            evidence[i].append(
                f"Matches archetype '{a_name[a]}' ({where(i)}; archetypes.csv line "
                f"{int(arch_line[i] or 0) or '-'}): rare-earth magnets "
                f"{likelihood[i] or a_like.get(a, '')} likelihood."
            )
    mat_class = np.array([str(m_class.get(m, "")) for m in material_id], dtype=object)
    mat_class = np.where(material_id == "ndfeb_gbd", "ndfeb_gbd", mat_class)
    is_re = np.isin(mat_class, list(RE_CLASSES_WITH_RE))
    rare_earth = is_re & (probability >= 0.5)
    suspect = m_arch & (probability > 0) & (probability < 0.5)
    re_class = np.where(rare_earth, mat_class, re_class)
    re_class = np.where(m_non, mat_class, re_class)
    re_class = np.where(suspect, "suspect", re_class)
    re_class = np.where(m_arch & ~is_re & ~suspect & (mat_class != ""), mat_class, re_class)
    for i in np.nonzero(suspect)[0]:
        evidence[i].append(
            "Often built with ferrite or bonded magnets instead of sintered NdFeB: flagged for "
            "review, not counted as rare-earth bearing."
        )
    ov_class = ov.get("re_class")
    if ov_class is not None:
        mask = ov_class.notna().to_numpy()
        re_class = np.where(mask, ov_class.fillna("").to_numpy(dtype=object), re_class)
        rare_earth = np.where(mask, np.isin(re_class, list(RE_CLASSES_WITH_RE)), rare_earth)
        probability = np.where(mask, np.where(rare_earth, 1.0, 0.0), probability)
        suspect = suspect & ~mask
        for i in np.nonzero(mask)[0]:
            evidence[i].append(f"Class set by the user to '{re_class[i]}'.")
            if rare_earth[i] and not material_id[i]:
                material_id[i] = _CLASS_TO_MATERIAL.get(str(re_class[i]), str(re_class[i]))
    ov_grade = ov.get("grade")
    if ov_grade is not None:
        for i in np.nonzero(ov_grade.notna().to_numpy())[0]:
            g = _RE_GRADE.search(str(ov_grade.iloc[i]).lower())
            if g:
                gd = g.groupdict()
                grade[i] = str(ov_grade.iloc[i]).upper()
                temp_class[i] = (gd.get("t1") or gd.get("t2") or "N").upper()
                evidence[i].append(f"Grade set by the user to {grade[i]}.")
    # temperature class: from the grade, else the archetype's typical class
    arch_temp = np.array([str(a_temp.get(a, "") or "") for a in archetype], dtype=object)
    sintered = material_id == "ndfeb_sintered"
    temp_class = np.where((temp_class == "") & rare_earth, arch_temp, temp_class)
    temp_class = np.where((temp_class == "") & rare_earth & sintered, "N", temp_class)
    temp_class = np.where(sintered, temp_class, "")

    # ---- magnet mass per unit
    relevant = rare_earth | m_non
    mass, basis = _magnet_mass(
        out,
        ref,
        archetype,
        material_id,
        dims,
        ring,
        size_value,
        size_rule,
        size_text,
        uniques,
        codes,
        relevant,
    )
    ov_mass = ov.get("magnet_mass_g")
    if ov_mass is not None:
        vals = pd.to_numeric(ov_mass, errors="coerce").to_numpy(dtype=float)
        mask = ~np.isnan(vals)
        mass = np.where(mask, vals, mass)
        basis = np.where(mask, "set by the user", basis)
    mass = np.where(relevant, mass, 0.0)
    for i in np.nonzero(relevant & (mass > 0))[0]:
        evidence[i].append(f"Magnet mass {_fmt_g(mass[i])} per unit: {basis[i]}.")

    # ---- elements
    fractions = _fractions(ref, material_id, temp_class, symbols)
    tc = {str(r.temp_class): r for r in ref.temperature_classes.itertuples()}
    for i in np.nonzero(rare_earth & (mass > 0) & sintered)[0]:
        row = tc.get(str(temp_class[i]))
        if row is not None:
            evidence[i].append(
                f"Temperature class {temp_class[i]} (max {_num(row.max_temp_c):.0f} °C): Dy+Tb "
                f"{_num(row.dy_tb_default) * 100:.2f} % of the magnet mass "
                f"(temperature_classes.csv, {row.status})."
            )
    for s in symbols:
        res[f"g_{s}"] = np.where(rare_earth, mass * fractions[s], 0.0)
    res["re_g_per_unit"] = sum(res[f"g_{s}"].to_numpy() for s in symbols)
    dy_tb = fractions["Dy"] + fractions["Tb"]
    res["dy_tb_fraction"] = np.where(rare_earth, dy_tb, 0.0)

    # ---- origins per stage
    origins, bases = _origins(out, ref, archetype, ov)
    for c in ORIGIN_COLUMNS:
        res[c] = origins[c]
        res[f"origin_basis_{c.removeprefix('origin_')}"] = bases[c]
    heavy = rare_earth & (dy_tb > 0)
    for stage in STAGES:
        res[f"cn_share_{stage}"] = _cn_share(ref, stage, origins[f"origin_{stage}"], heavy)
    for i in np.nonzero(rare_earth)[0]:
        for stage in ("separation", "magnet"):
            evidence[i].append(f"{stage.capitalize()} stage: {bases[f'origin_{stage}'][i]}.")

    res["re_class"] = re_class
    res["rare_earth"] = rare_earth.astype(bool)
    res["re_probability"] = np.round(probability, 3)
    res["archetype"] = archetype
    res["material_id"] = np.where(relevant, material_id, "")
    res["grade"] = np.where(rare_earth, [str(x).upper() for x in grade], "")
    res["temp_class"] = np.where(rare_earth, temp_class, "")
    res["magnet_mass_g"] = mass
    res["magnet_mass_basis"] = np.where(relevant, basis, "")
    # ---- confidence: how sure we are of the rare-earth answer (yes or no)
    measured = (
        pd.Series(basis, dtype=object)
        .astype(str)
        .str.contains("stated|dimensions|user", regex=True)
        .to_numpy()
    )
    conf = np.full(n, "medium", dtype=object)
    conf = np.where(rare_earth & ~m_explicit & (probability < 0.9), "low", conf)
    conf = np.where(rare_earth & m_explicit & measured, "high", conf)
    conf = np.where(~rare_earth & ((trap != "") | (archetype == "") | m_non), "high", conf)
    conf = np.where(suspect, "low", conf)
    res["confidence"] = conf
    for k in range(n):
        if not evidence[k] and not rare_earth[k]:
            evidence[k].append(
                "No magnet keyword, grade or magnet material found in the line's text."
            )
    res["evidence"] = pd.Series(evidence, index=out.index, dtype=object)
    return res


def ov_has(ov_col: pd.Series | None) -> bool:
    return ov_col is not None and bool(ov_col.notna().any())


def _fmt_g(g: float) -> str:
    if g >= 1000:
        return f"{g / 1000:.3g} kg"
    return f"{g:.3g} g"


def _empty_tags(out: pd.DataFrame, symbols: list[str]) -> pd.DataFrame:
    for c in (
        "re_class",
        "archetype",
        "material_id",
        "grade",
        "temp_class",
        "magnet_mass_basis",
        "confidence",
    ):
        out[c] = pd.Series(dtype=object)
    for c in (
        "re_probability",
        "magnet_mass_g",
        "re_g_per_unit",
        "dy_tb_fraction",
        "units_per_year",
        "re_g_per_year",
        "criticality",
    ):
        out[c] = pd.Series(dtype=float)
    for s in symbols:
        out[f"g_{s}"] = pd.Series(dtype=float)
    for c in ORIGIN_COLUMNS:
        out[c] = pd.Series(dtype=object)
        out[f"origin_basis_{c.removeprefix('origin_')}"] = pd.Series(dtype=object)
    for stage in STAGES:
        out[f"cn_share_{stage}"] = pd.Series(dtype=float)
    out["rare_earth"] = pd.Series(dtype=bool)
    out["single_source"] = pd.Series(dtype=bool)
    out["needs_review"] = pd.Series(dtype=bool)
    out["evidence"] = pd.Series(dtype=object)
    return out


def _interp(xs: np.ndarray, ys: np.ndarray, x: float) -> float:
    """Log-log interpolation through (size, magnet mass) points, clamped at the ends."""
    if len(xs) == 0 or not x > 0:
        return math.nan
    if len(xs) == 1:
        return float(ys[0] * x / xs[0])
    lx = np.log(np.clip(x, xs[0], xs[-1]))
    return float(np.exp(np.interp(lx, np.log(xs), np.log(ys))))


@dataclass(frozen=True)
class _ArchInfo:
    name: str
    rule: str
    mass: float
    lo: float
    hi: float
    status: str


def _arch_info(ref: Reference) -> dict[str, _ArchInfo]:
    a = ref.archetypes
    return {
        str(r.archetype_id): _ArchInfo(
            str(r.name),
            str(r.scale_rule or ""),
            _num(r.magnet_mass_g),
            _num(r.magnet_mass_g_min),
            _num(r.magnet_mass_g_max),
            str(r.status),
        )
        for r in a.itertuples()
    }


def _size_points(ref: Reference) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    sizes = ref.archetype_sizes
    for (arch_id, rule), grp in sizes.groupby(["archetype_id", "size_rule"], sort=False):
        g = grp.sort_values("size_value")
        out[(str(arch_id), str(rule))] = (
            g["size_value"].astype(float).to_numpy(),
            g["magnet_mass_g"].astype(float).to_numpy(),
        )
    return out


def _magnet_mass(
    out: pd.DataFrame,
    ref: Reference,
    archetype: np.ndarray,
    material_id: np.ndarray,
    dims: np.ndarray,
    ring: np.ndarray,
    size_value: np.ndarray,
    size_rule: np.ndarray,
    size_text: np.ndarray,
    uniques: Iterable[Any],
    codes: np.ndarray,
    relevant: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Magnet mass per unit: stated magnet mass > dimensions × density (loose magnets) >
    the part's own mass (loose magnets) > archetype scaled by size > archetype default."""
    n = len(out)
    mass = np.full(n, np.nan)
    basis = np.full(n, "", dtype=object)
    info = _arch_info(ref)
    density = {
        str(k): float(v)
        for k, v in zip(ref.materials["material_id"], ref.materials["density_g_cm3"], strict=True)
    }
    points = _size_points(ref)
    stated = (
        out["magnet_mass_g"].to_numpy(dtype=float) if "magnet_mass_g" in out else np.full(n, np.nan)
    )
    part_mass = out["mass_g"].to_numpy(dtype=float)
    texts = [str(u).lower() for u in uniques]
    size_cache: dict[tuple[int, str], tuple[float, str]] = {}
    for i in np.nonzero(relevant)[0]:
        a = str(archetype[i])
        ai = info.get(a)
        rho = density.get(str(material_id[i]), math.nan)
        rule = ai.rule if ai else ""
        if not math.isnan(stated[i]) and stated[i] > 0:
            mass[i], basis[i] = stated[i], "stated in the magnet-mass column"
            continue
        if rule == "dimensions" or (ai is None and material_id[i]):
            d = dims[i]
            if d and not math.isnan(rho):
                vol = _volume_mm3(d, bool(ring[i]))
                if vol > 0:
                    mass[i] = vol / 1000.0 * rho
                    shape = (
                        "ring" if ring[i] and len(d) == 3 else ("disc" if len(d) == 2 else "block")
                    )
                    basis[i] = (
                        f"from its dimensions {' × '.join(f'{x:g}' for x in d)} mm ({shape}) × "
                        f"density {rho:g} g/cm³ (materials.csv)"
                    )
                    continue
            if part_mass[i] > 0:
                mass[i], basis[i] = part_mass[i], "the part's stated mass (the part is the magnet)"
                continue
        if ai is not None:
            x, used = math.nan, ""
            if rule in ("nema_frame", "per_kw", "per_mw") and size_rule[i] == rule:
                x, used = float(size_value[i]), str(size_text[i])
            elif rule in ("stator_dxh", "diameter_mm"):
                key = (int(codes[i]), rule)
                if key not in size_cache:
                    t = texts[int(codes[i])]
                    size_cache[key] = _stator(t) if rule == "stator_dxh" else _diameter(t)
                x, used = size_cache[key]
            pts = points.get((a, rule))
            if pts is not None and not math.isnan(x):
                v = _interp(pts[0], pts[1], x)
                if not math.isnan(v):
                    mass[i] = min(max(v, ai.lo), ai.hi)
                    basis[i] = f"scaled from '{used}' ({rule}, archetype_sizes.csv; estimate)"
                    continue
            mass[i] = ai.mass
            basis[i] = f"typical for a {ai.name} (archetypes.csv; {ai.status})"
        elif part_mass[i] > 0:
            mass[i], basis[i] = part_mass[i], "the part's stated mass"
    mass = np.where(np.isnan(mass), 0.0, mass)
    return mass, basis


def _volume_mm3(d: tuple[float, ...], ring: bool) -> float:
    if len(d) == 3:
        if ring and d[1] < d[0]:
            return math.pi / 4 * (d[0] ** 2 - d[1] ** 2) * d[2]
        return d[0] * d[1] * d[2]
    if len(d) == 2:
        return math.pi / 4 * d[0] ** 2 * d[1]
    return 0.0


def _fractions(
    ref: Reference, material_id: np.ndarray, temp_class: np.ndarray, symbols: list[str]
) -> dict[str, np.ndarray]:
    """Mass fraction of each element per line: the material's base composition, with the
    temperature class's Dy+Tb taking the place of the same mass of Nd in sintered NdFeB."""
    mf = ref.material_fractions
    n = len(material_id)
    out = {s: np.zeros(n) for s in symbols}
    table: dict[str, dict[str, float]] = {}
    for m, el, f in zip(mf["material_id"], mf["element"], mf["fraction_default"], strict=True):
        table.setdefault(str(m), {})[str(el)] = float(f)
    for m in set(material_id.tolist()):
        if not m or m not in table:
            continue
        mask = material_id == m
        for el, f in table[m].items():
            if el in out:
                out[el] = np.where(mask, f, out[el])
    tc = ref.temperature_classes.set_index("temp_class")
    for cls in set(temp_class.tolist()):
        if not cls or cls not in tc.index:
            continue
        mask = (temp_class == cls) & (material_id == "ndfeb_sintered")
        dytb = _num(tc.at[cls, "dy_tb_default"])
        tb = dytb * _num(tc.at[cls, "tb_share_default"])
        out["Dy"] = np.where(mask, dytb - tb, out["Dy"])
        out["Tb"] = np.where(mask, tb, out["Tb"])
        out["Nd"] = np.where(mask, np.maximum(out["Nd"] - dytb, 0.0), out["Nd"])
    return out


def _parents_of(out: pd.DataFrame, rare_earth: np.ndarray) -> np.ndarray:
    """Lines that have a rare-earth line somewhere below them in a multi-level BOM."""
    if "parent_row" not in out or not out["has_children"].any():
        return np.zeros(len(out), dtype=bool)
    key = out["table"].astype(str) + "#" + out["row"].astype(str)
    parent = out["table"].astype(str) + "#" + out["parent_row"].astype("Int64").astype(str)
    parent_of = dict(zip(key, parent, strict=True))
    marked: set[str] = set()
    for k in key[rare_earth]:
        p = parent_of.get(k)
        depth = 0
        while p and p in parent_of and p not in marked and depth < 50:
            marked.add(p)
            p = parent_of.get(p)
            depth += 1
    return key.isin(marked).to_numpy()


# ------------------------------------------------------------------ origins


def _country_lookup(ref: Reference) -> dict[str, str]:
    look: dict[str, str] = {}
    for code, name, aliases in zip(
        ref.countries["code"], ref.countries["name"], ref.countries["aliases"], strict=True
    ):
        for a in [str(code), str(name), *split_list(aliases)]:
            if a:
                look[a.strip().lower()] = str(code)
    return look


def country_code(text: str, lookup: dict[str, str]) -> str:
    """'Volksrepublik China' -> 'CN'; '' when not recognised."""
    t = re.sub(r"\s+", " ", str(text or "").strip().lower()).strip(" .")
    if not t:
        return ""
    if t in lookup:
        return lookup[t]
    t2 = re.sub(r"^(made in|origin:?|hergestellt in)\s+", "", t)
    return lookup.get(t2, "")


def _producer_matcher(
    ref: Reference,
) -> tuple[re.Pattern[str] | None, dict[str, list[tuple[int, str, str, str]]]]:
    prod = ref.producers
    by_alias: dict[str, list[tuple[int, str, str, str]]] = {}
    for line, name, aliases, country, stage in zip(
        prod.index, prod["name"], prod["aliases"], prod["country"], prod["stage"], strict=True
    ):
        for a in {str(name).lower(), *split_list(aliases)}:
            a = a.strip().lower()
            if len(a) >= 2:
                by_alias.setdefault(a, []).append((int(line), str(name), str(country), str(stage)))
    if not by_alias:
        return None, by_alias
    alts = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![a-z0-9])(" + "|".join(re.escape(a) for a in alts) + r")(?![a-z0-9])"
    )
    return pattern, by_alias


def _origins(
    out: pd.DataFrame,
    ref: Reference,
    archetype: np.ndarray,
    ov: dict[str, pd.Series],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Origin per stage: user override > producer named in manufacturer/supplier > country of
    origin column > unknown ('' — scored with the global stage shares)."""
    n = len(out)
    origins = {c: np.full(n, "", dtype=object) for c in ORIGIN_COLUMNS}
    bases = {
        c: np.full(
            n, "unknown: scored with the global stage share (stage_shares.csv)", dtype=object
        )
        for c in ORIGIN_COLUMNS
    }
    lookup = _country_lookup(ref)
    coo_codes, coo_uniques = pd.factorize(out["country_of_origin"].astype(str))
    coo = (
        np.array([country_code(u, lookup) for u in coo_uniques], dtype=object)[coo_codes]
        if n
        else np.array([])
    )
    has_coo = coo != ""
    origins["origin_component"] = np.where(has_coo, coo, "")
    bases["origin_component"] = np.where(
        has_coo,
        "country of origin column: " + out["country_of_origin"].astype(str).to_numpy(dtype=object),
        bases["origin_component"],
    )
    # a loose magnet's country of origin is where the magnet was made
    loose = np.isin(archetype, ["loose_magnet", "loose_smco_magnet", "generic_magnet"])
    m = has_coo & loose
    origins["origin_magnet"] = np.where(m, coo, origins["origin_magnet"])
    bases["origin_magnet"] = np.where(
        m, "country of origin of the magnet part: " + coo.astype(str), bases["origin_magnet"]
    )
    pattern, by_alias = _producer_matcher(ref)
    if pattern is not None:
        for column in ("supplier", "manufacturer"):  # manufacturer wins: applied last
            vals = out[column].astype(str)
            codes, uniques = pd.factorize(vals)
            hits = []
            for u in uniques:
                mm = pattern.search(str(u).lower())
                hits.append(by_alias.get(mm.group(1), []) if mm else [])
            for k, found in enumerate(hits):
                if not found:
                    continue
                mask = codes == k
                for line, name, country, stage in found:
                    c = f"origin_{stage}" if stage in STAGES else ""
                    if not c:
                        continue
                    origins[c] = np.where(mask, country, origins[c])
                    bases[c] = np.where(
                        mask,
                        f"{column} '{uniques[k]}' is {name} ({country}; producers.csv line {line})",
                        bases[c],
                    )
    # a magnet made in China is assumed to use Chinese metal and separation when unknown
    cn_magnet = origins["origin_magnet"] == "CN"
    for stage in ("metal", "separation"):
        c = f"origin_{stage}"
        m = cn_magnet & (origins[c] == "")
        origins[c] = np.where(m, "CN", origins[c])
        bases[c] = np.where(m, "assumed Chinese because the magnet is made in China", bases[c])
    for c in ORIGIN_COLUMNS:
        o = ov.get(c)
        if o is None:
            continue
        mask = o.notna().to_numpy()
        codes_ov = np.array(
            [country_code(v, lookup) or str(v).upper()[:2] for v in o.fillna("")], dtype=object
        )
        origins[c] = np.where(mask, codes_ov, origins[c])
        bases[c] = np.where(mask, "set by the user", bases[c])
    return origins, bases


def _cn_share(ref: Reference, stage: str, origin: np.ndarray, heavy: np.ndarray) -> np.ndarray:
    ss = ref.stage_shares
    cn = ss[(ss["stage"] == stage) & (ss["country"] == "CN")]

    def share(group: str) -> float:
        row = cn[cn["element_group"] == group]
        if len(row):
            return float(row["share"].iloc[0])
        row = cn[cn["element_group"] == "all"]
        return float(row["share"].iloc[0]) if len(row) else 1.0

    base = np.where(heavy, share("heavy"), share("all"))
    known = origin != ""
    return np.where(known, (origin == "CN").astype(float), base)


# ------------------------------------------------------------------ overrides


def _override_frame(lines: pd.DataFrame, overrides: Sequence[Override]) -> dict[str, pd.Series]:
    """Per field, a Series of override values aligned with the lines (NaN where none).
    Line overrides win over manufacturer/supplier/part-number ones."""
    result: dict[str, pd.Series] = {}
    if not overrides:
        return result
    keys = {
        "line": line_key(lines),
        "manufacturer": lines["manufacturer"].astype(str).str.strip().str.lower(),
        "supplier": lines["supplier"].astype(str).str.strip().str.lower(),
        "mpn": lines["mpn"].astype(str).str.strip().str.lower(),
        "ipn": lines["ipn"].astype(str).str.strip().str.lower(),
    }
    order = {"manufacturer": 0, "supplier": 1, "ipn": 2, "mpn": 3, "line": 4}
    for o in sorted(overrides, key=lambda o: order.get(o.scope, 0)):
        if o.field not in OVERRIDE_FIELDS or o.scope not in keys:
            continue
        key = o.key if o.scope == "line" else o.key.strip().lower()
        mask = keys[o.scope] == key
        if o.scope == "line" and not mask.any():
            mask = lines["row"].astype(str) == key
        if not mask.any():
            continue
        s = result.setdefault(
            o.field, pd.Series([None] * len(lines), index=lines.index, dtype=object)
        )
        s[mask.to_numpy()] = o.value
    return result


def _override_float(
    ov: dict[str, pd.Series], field_name: str, n: int, default: float
) -> np.ndarray:
    s = ov.get(field_name)
    if s is None:
        return np.full(n, default)
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(v), default, np.clip(v, 0.0, 1.0))

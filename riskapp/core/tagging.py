"""Tagging: for every BOM line, does it carry rare earths, which elements and how many grams,
and where does each stage of that material come from — with the evidence and a confidence.

Everything runs on whole columns. Text rules (archetype keywords, traps, grades, dimensions)
run once per *distinct* line text and are mapped back to the lines, so a 100,000-line BOM
with its thousands of repeated descriptions costs little. All domain numbers come from the
reference data (resources/reference); the evidence strings name the file and line used.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.fastre import FEW, ColumnPattern, as_arrow, have_arrow
from riskapp.core.model import FIELDS
from riskapp.core.reference import Reference, split_list
from riskapp.core.values import python_texts

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
OVERRIDE_CLASSES: tuple[str, ...] = (
    "ndfeb_sintered",
    "ndfeb_gbd",
    "ndfeb_bonded",
    "ndfeb_hot_deformed",
    "smco",
    "ferrite",
    "alnico",
    "none",
)
"""The magnet classes a user may set for a line (the override dialog offers these)."""
TRUE_WORDS = frozenset({"1", "true", "yes", "y"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n"})
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
        r"\bbonded\b.{0,20}(ndfeb|nd-?fe-?b|neo\w*|magnet)|plastic[- ]bonded|kunststoffgebunden|\bmq1\b|\bbonded\s*nd|"
        r"\bmq[pu]-[a-z0-9]+|^(?!.*(ferrit|ceramic)).*\b(compression|injection)[- ]?(molded\s*)?bonded\b",
    ),
    (
        "sm2co17",
        r"\bsm2co17\b|\bsmco\s*2:17|\b2:17\b.{0,12}smco|\byxg-?\d{2}\w*|\brecoma\s*\d+|\bvacomax\b|"
        r"\brec-?(2[0-9]|3[0-2])\w*\b(?=.{0,40}\b(ring|disc|disk|block|blk|magnet|arc|seg)\w*)",
    ),
    ("smco5", r"\bsm1?co5\b|\bsmco\s*1:5|\byx-?\d{2}\b"),
    ("sm2co17", r"\bsm-?co\b|samarium|钐钴|釤鈷|サマリウム|サマコバ|사마륨"),
    (
        "ndfeb_sintered",
        r"neod[iy]m|neodyn|n[ée]odyme|neod[íi]mio|\bndfeb\b|\bnd-?fe-?b\b|\bnd2fe14b\b|\bneo\s*magnets?|"
        r"rare[- ]earth\s*(permanent\s*)?(magnet|mags?\b)|seltenerd\w*magnet|tierras?\s*raras|"
        r"钕|釹|ネオジ|네오디|neodyum|неодим|\bvacodym\b|\bneorec\b|\bneomax\b|\bhalbach\b|"
        # trade names, and properties only NdFeB reaches: (BH)max 33-59 MGOe, Br 1.16-1.49 T
        r"\b(3[3-9]|[45]\d)\s*mgoe\b|\bbr\s*[:=]?\s*1[.,](1[6-9]|[2-4]\d?)\d*\s*t\b|"
        # 'NEO' beside an audio or magnet word ('NEO DOME', 'HF108 NEO 1IN EXIT')
        r"\bneo\b(?=.{0,30}\b(domes?|tweeters?|woofers?|drivers?|horns?|exit|compression|speakers?|"
        r"spkrs?|magnets?|motors?)\b)|\b(domes?|tweeters?|woofers?|drivers?|speakers?)\b.{0,30}\bneo\b",
    ),
    (
        "ferrite",
        r"\bferriet\w*|феррит\w*|ферит\w*|\bferrit[ea]?\b(?!\s*(bead|core|ring|choke|clamp|sleeve|toroid|filter|tube|kern|perle))|\bceramic\s*magnet|\bkeramik\w*magnet|strontium\s*ferrite|barium\s*ferrite|\bmag\s*ceramic\b|\bceramic\s*mags?\b|\bceramic\s*c\d{1,2}\b|^(?=.*magnet).*\bceramic\s*-?\s*(1|5|8|10)\b|铁氧体磁|鐵氧體磁|フェライト磁石|フェライトマグネット|페라이트\s*자석",
    ),
    ("alnico", r"\balnico\w*|\bal-ni-co\b|铝镍钴|鋁鎳鈷|アルニコ|알니코"),
)
# 'N52', 'N42SH', '38UH'; without the N only the unmistakable suffixes ('36H' is a bicycle
# rim with 36 holes), unless the text speaks of a magnet
_RE_GRADE = re.compile(
    r"(?<![a-z0-9.,/-])(?:n\s?(?P<e1>2[8-9]|[3-5]\d)(?P<t1>m|h|sh|uh|eh|ah|th)?|(?P<e2>2[8-9]|[3-5]\d)(?P<t2>sh|uh|eh|ah|th))(?![a-z0-9])"
)
_RE_GRADE_MH = re.compile(r"(?<![a-z0-9.,/-])(?P<e2>2[8-9]|[3-5]\d)(?P<t2>m|h)(?![a-z0-9])")
_RE_MACHINE_WORD = re.compile(
    r"\b(motors?|mtrs?|moteurs?|motore|motoren|generators?|alternators?|e-?machines?)\b"
)
_RE_MAGNET_NOUN = re.compile(r"\bmagnet|\bmag\b|\bsegments?\b|\baimant|\bim[aá]n")
_PM_MACHINE = "industrial_servo_motor"
"""The archetype of a motor or generator that names its NdFeB or SmCo and no archetype."""


def _words_in(uniques: Any, codes: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """Per line: whether its (lowercased) tagging text holds `pattern`."""
    hits = np.array([pattern.search(str(u).lower()) is not None for u in uniques] + [False])
    return hits[codes]


_SOFT_FERRITE = "ferrit"
"""A grade-like 'N30' beside this word names a ferrite material (TDK/EPCOS N30, N49, N87),
not an NdFeB grade."""
_RE_BATTERY = re.compile(
    r"\d\s*v\b|\bbatter|\blithium|\bli-?ion|\blifepo|\blfp\b|\bcells?\b|\bakku|\bpin\b|\bpack\b"
)


def _no_grade(grade: re.Match[str], text: str) -> bool:
    """A grade-like match that is none: an N-number beside 'ferrite' (TDK/EPCOS N30, N49,
    N87), or '38AH' in a battery's line ('72V 38Ah LFP': ampere-hours)."""
    return _SOFT_FERRITE in text or (
        grade.group(0).endswith("ah") and _RE_BATTERY.search(text) is not None
    )


_RE_MAGNET_WORD = re.compile(r"magnet|aimant|im[aá]n|magnete|磁铁|磁鐵|磁石|マグネット|자석")
_NUM = r"(\d+(?:[.,]\d+)?(?:\s*/\s*\d+)?)"
_SEP = r"\s*[x×*х]\s*"  # the last is Cyrillic 'х': Russian BOMs write '10х5'
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
_RE_DIAMETER = re.compile(r"(\d+(?:[.,]\d+)?(?:/\d+)?)\s*(mm|cm|in\b|inch(?:es)?|\"|'')")


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


# Most lines name no magnet. Rather than run every rule's regex on every text, a regex runs only on
# texts holding the literal substrings its matches need, read off the parsed regex. What cannot be
# read off is not required, so a regex is skipped only where it cannot match: the answers are
# exactly those of running every regex.

# Non-ASCII characters an ASCII character matches under re.IGNORECASE (the engine's simple
# lowercase mapping and its extra equivalences). Texts are folded with this table before the
# literals are looked up, so a match through one still shows its literal;
# tests/core/test_tagging_prefilter.py checks the table is complete.
_FOLDS = {"ı": "i", "İ": "i", "ſ": "s", "\u212a": "k"}
_FOLD_TO_ASCII = str.maketrans(_FOLDS)
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
# caps on the size of what is read off a regex (a capped part is read less closely, not wrongly)
_MAX_STRINGS = 64
_MAX_ALTERNATIVES = 96

# What every match of a regex needs: for one of its alternatives, one literal of each of that
# alternative's sets (None: nothing known, the regex has to run on every text).
Needs = tuple[tuple[frozenset[str], ...], ...]
_Alternatives = list[list[frozenset[str]]]  # the same, while being built


def needs_met(needs: Needs | None, found: set[str]) -> bool:
    """Whether a text holding (of the literals concerned) just `found` meets `needs`."""
    return needs is None or any(all(not s.isdisjoint(found) for s in alt) for alt in needs)


def _sre_parser() -> Any:
    # the stdlib's own regex parser (private, hence looked up by name; sre_parse is deprecated)
    return importlib.import_module("re._parser")


def required_literals(pattern: re.Pattern[str]) -> Needs | None:
    """The literals every match of `pattern` in a lowercased text needs (lowercase, ASCII), or
    None when nothing can be read off (the pattern then has to run on every text)."""
    try:
        parsed = _sre_parser().parse(pattern.pattern, pattern.flags)
        alternatives = _seq_info(parsed, bool(pattern.flags & re.IGNORECASE))[2]
    except (ImportError, AttributeError, TypeError, ValueError, IndexError, re.error):
        return None  # a parse tree of another shape (another Python): run the pattern
    if not all(alternatives):
        return None
    return tuple(tuple(alt) for alt in alternatives)


def _literal_char(code: int, ignore_case: bool) -> str | None:
    ch = chr(code)
    if ch.isascii():
        return ch.lower() if ignore_case else ch
    # other letters have case folds beyond the table above; where case counts, a character
    # matches just itself (and is looked up as itself unless the table folds it), and so
    # does, whatever the flags, a character without case (Chinese, Japanese, Korean, digits
    # of other scripts, symbols): the engine compiles it as a plain literal
    if ch in _FOLDS:
        return None
    return ch if not ignore_case or not _is_cased(code) or _plain_lower(code) else None


@functools.lru_cache(maxsize=4096)
def _plain_lower(code: int) -> bool:
    """A lowercase letter (Cyrillic 'м', Greek 'λ') that IGNORECASE matches only in letters
    whose lowercase it is: in a lowercased text such a match shows as the letter itself,
    so it is a literal. Letters with extra equivalences in the engine ('в' and 'ᲀ') are not."""
    try:
        import _sre
        from re import _casefix  # type: ignore[attr-defined]

        extra = _casefix._EXTRA_CASES
        tolower = _sre.unicode_tolower
    except (ImportError, AttributeError):  # another Python: count it as unknown
        return False
    ch = chr(code)
    return ch == ch.lower() and tolower(code) == code and code not in extra


def _is_cased(code: int) -> bool:
    try:
        import _sre

        return bool(_sre.unicode_iscased(code))
    except (ImportError, AttributeError):  # another Python: count it as cased
        return True


# What is known of the matches of a part of a regex: strings one of which every match starts
# with, whether the match is always exactly one of them, and the literals a match needs.
_Info = tuple[frozenset[str], bool, _Alternatives]
_UNKNOWN: _Info = (frozenset({""}), False, [[]])


def _seq_info(items: Iterable[Any], ignore_case: bool) -> _Info:
    """A match of a sequence needs what each of its parts needs; a part with alternatives
    multiplies the sequence's alternatives. Parts that match one of a few known strings (plain
    characters, small classes, '?', groups of those) join into a stretch: the match holds one of
    the stretch's strings, with the start of the next part's match appended."""
    alts: _Alternatives = [[]]

    def need(part: _Alternatives) -> None:
        nonlocal alts
        if not all(part):  # one of the part's alternatives needs nothing
            return
        if len(alts) * len(part) <= _MAX_ALTERNATIVES:
            alts = [a + b for a in alts for b in part]
        else:  # too many: the part needs one literal of its alternatives' sets merged
            merged = frozenset().union(*(_most_selective(b) for b in part))
            alts = [[*a, merged] for a in alts]

    def close(stretch: frozenset[str]) -> None:
        if "" not in stretch:
            need([[_fewest(stretch)]])

    stretch = frozenset({""})
    starts: frozenset[str] | None = None  # set once the sequence's start is known
    for op, av in _runs(items, ignore_case):
        item_starts, whole, item_needs = _item_info(op, av, ignore_case)
        joined = _join(stretch, item_starts)
        if whole:
            if joined is None:
                starts = stretch if starts is None else starts
                close(stretch)
            stretch = joined if joined is not None else item_starts
            continue
        if starts is None:
            starts = joined if joined is not None else stretch
        close(joined if joined is not None else stretch)
        stretch = frozenset({""})
        need(item_needs)
    close(stretch)
    if starts is None:  # every part is one of known strings
        return stretch, True, alts
    return starts, False, alts


def _runs(items: Iterable[Any], ignore_case: bool) -> list[tuple[Any, Any]]:
    """The parts of a sequence, each run of plain characters as one part ('RUN', text)."""
    out: list[tuple[Any, Any]] = []
    text = ""
    for op, av in items:
        ch = _literal_char(av, ignore_case) if getattr(op, "name", "") == "LITERAL" else None
        if ch is not None:
            text += ch
            continue
        if text:
            out.append(("RUN", text))
            text = ""
        out.append((op, av))
    if text:
        out.append(("RUN", text))
    return out


def _item_info(op: Any, av: Any, ignore_case: bool) -> _Info:
    if op == "RUN":
        return frozenset({av}), True, [[]]
    name = getattr(op, "name", "")
    if name == "IN":
        chars = _class_chars(av, ignore_case)
        return (chars, True, [[]]) if chars else _UNKNOWN
    if name in _ZERO_WIDTH:  # matches the empty string: what it looks at is not in the match
        return frozenset({""}), True, [[]]
    if name == "SUBPATTERN" and not av[1] and not av[2]:  # a group without flag changes
        return _seq_info(av[3], ignore_case)
    if name == "ATOMIC_GROUP":
        return _seq_info(av, ignore_case)
    if name == "BRANCH":
        infos = [_seq_info(alt, ignore_case) for alt in av[1]]
        needs = [b for _, _, alts in infos for b in alts]
        strings = frozenset().union(*(s for s, _, _ in infos))
        if len(strings) > _MAX_STRINGS:
            return frozenset({""}), False, needs
        return strings, all(whole for _, whole, _ in infos), needs
    if name in _REPEATS:
        low, high, sub = av
        strings, whole, needs = _seq_info(sub, ignore_case)
        if low == high == 1:
            return strings, whole, needs
        if low >= 1:
            return strings, False, needs
        if high == 1 and whole:  # optional
            return strings | {""}, True, [[]]
    # anything else (any character, categories, references) tells nothing
    return _UNKNOWN


def _join(heads: frozenset[str], tails: frozenset[str]) -> frozenset[str] | None:
    """Each head followed by each tail; None when that makes too many strings."""
    if len(heads) * len(tails) > _MAX_STRINGS:
        return None
    return frozenset(h + t for h in heads for t in tails)


def _fewest(strings: frozenset[str]) -> frozenset[str]:
    """One of `strings` is in the text: then so is one of these (a string containing a shorter
    one adds nothing)."""
    kept: list[str] = []
    for s in sorted(strings, key=len):
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _most_selective(sets: Sequence[frozenset[str]]) -> frozenset[str]:
    """The set of the longest shortest literal (fewest literals on a tie)."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)))


def _class_chars(items: Iterable[Any], ignore_case: bool) -> frozenset[str] | None:
    """A character class of plain characters ('[x×*]') needs one of them."""
    out: set[str] = set()
    for op, av in items:
        ch = _literal_char(av, ignore_case) if getattr(op, "name", "") == "LITERAL" else None
        if ch is None:
            return None
        out.add(ch)
    return frozenset(out) or None


class _LiteralFinder:
    """Which of a fixed set of literals a text contains, in one scan: at each position a trie of
    the literals, as a regex, matches the longest literal starting there, and every other literal
    starting there is a prefix of that one. Single characters are looked up directly."""

    def __init__(self, literals: Iterable[str]) -> None:
        unique = set(literals)
        words = sorted(w for w in unique if len(w) > 1)
        self._chars = frozenset(w for w in unique if len(w) == 1)
        trie: dict[str, Any] = {}
        for w in words:
            node = trie
            for ch in w:
                node = node.setdefault(ch, {})
            node[""] = {}  # a literal ends here
        self._scan = re.compile(f"(?=({_trie_regex(trie)}))") if words else None
        known = set(words)
        self._prefixes = {
            w: frozenset(w[:k] for k in range(2, len(w) + 1) if w[:k] in known) for w in words
        }

    def __call__(self, text: str) -> set[str]:
        found = set(self._chars.intersection(text))
        if self._scan is not None:
            found.update(*map(self._prefixes.__getitem__, self._scan.findall(text)))
        return found


def _trie_regex(node: dict[str, Any]) -> str:
    alts = [re.escape(ch) + _trie_regex(child) for ch, child in node.items() if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    # greedy: the longer literal is tried first, the one ending here when that fails
    return f"(?:{body})?" if "" in node else body


class _RuleFilter:
    """Which of a list of regexes can match a text: those whose needs the text meets. Each
    alternative of a regex's needs is filed under the literals of its most selective set, so
    only the alternatives filed under a literal the text holds are looked at. The literals a
    text holds are bits of one integer, so an alternative is checked with a few `&`s."""

    def __init__(self, needs: list[Needs | None]) -> None:
        self._always = frozenset(k for k, n in enumerate(needs) if n is None)
        literals = sorted({lit for alts in needs for alt in alts or () for s in alt for lit in s})
        self._bit = {lit: 1 << i for i, lit in enumerate(literals)}
        # literal -> (regex number, bits all needed, bits of which each needs one)
        self._filed: dict[str, list[tuple[int, int, tuple[int, ...]]]] = {}
        for k, alts in enumerate(needs):
            for alt in alts or ():
                all_of = self._bits(lit for s in alt if len(s) == 1 for lit in s)
                entry = (k, all_of, tuple(self._bits(s) for s in alt if len(s) > 1))
                for lit in _most_selective(alt):
                    self._filed.setdefault(lit, []).append(entry)
        self._keys = frozenset(self._filed)
        self._find = _LiteralFinder(literals)

    def _bits(self, literals: Iterable[str]) -> int:
        bits = 0
        for lit in literals:
            bits |= self._bit[lit]
        return bits

    def live(self, text: str) -> set[int]:
        """The regexes (by number) whose needs `text` (lowercased) meets."""
        found = self._find(text if text.isascii() else text.translate(_FOLD_TO_ASCII))
        bits = self._bits(found)
        live = set(self._always)
        for lit in self._keys.intersection(found):
            for k, all_of, one_of_each in self._filed[lit]:
                if bits & all_of == all_of and k not in live:
                    for one in one_of_each:
                        if not bits & one:
                            break
                    else:
                        live.add(k)
        return live


def _compile_rows(frame: pd.DataFrame, col: str) -> list[tuple[int, re.Pattern[str] | None]]:
    out = []
    for line, pat in frame[col].items():
        p = str(pat or "")
        out.append((_int(line), re.compile(p, re.I) if p else None))
    return out


class _Rules:
    """Compiled text rules from the reference data (built once per Reference). Every regex gets a
    number in `self.filter`, which tells the ones that can match a text (see _RuleFilter)."""

    def __init__(self, ref: Reference) -> None:
        needs: list[Needs | None] = []

        def number(pat: re.Pattern[str]) -> int:
            needs.append(required_literals(pat))
            return len(needs) - 1

        arch = ref.archetypes.sort_values("priority", ascending=False)
        self.arch_rows = arch
        # part-number series first (a series names its product more surely than a word);
        # their rules are numbered by minus their part_series.csv line
        series = ref.part_series
        self.includes = [
            (number(inc), -line, inc)
            for line, inc in _compile_rows(series, "pattern")
            if inc is not None
        ]
        self.includes += [
            (number(inc), line, inc)
            for line, inc in _compile_rows(arch, "include_regex")
            if inc is not None
        ]
        self.excludes = {
            line: (number(exc), exc)
            for line, exc in _compile_rows(arch, "exclude_regex")
            if exc is not None
        }
        self.arch_ids = {_int(i): str(a) for i, a in arch["archetype_id"].items()}
        self.arch_ids.update({-_int(i): str(a) for i, a in series["archetype_id"].items()})
        self.traps = []
        for i, p, r in zip(ref.traps.index, ref.traps["pattern"], ref.traps["reason"], strict=True):
            pat = re.compile(str(p), re.I)
            self.traps.append((number(pat), int(i), pat, str(r)))
        self.materials = []
        for m, p in _MATERIAL_PATTERNS:
            pat = re.compile(p, re.I)
            self.materials.append((number(pat), m, pat))
        # this module's dimension and size regexes run on the same lowercased text
        self.gated = {p: number(p) for p in (_RE_DIM3, _RE_DIM2, _RE_NEMA, _RE_MW, _RE_KW)}
        self.filter = _RuleFilter(needs)
        self._needs = needs
        # by regex number: a text's live regexes, sorted, come in each list's order
        self._trap_at = {k: (line, pat, reason) for k, line, pat, reason in self.traps}
        self._include_at = {k: (line, inc) for k, line, inc in self.includes}
        self._material_at = {k: (mid, pat) for k, mid, pat in self.materials}
        self.size_points = _size_points(ref)
        self.cn_shares = _cn_shares(ref)

    def tag_text(self, text: str) -> _TextTags:
        t = text.lower()
        live = self.filter.live(t)
        ordered = sorted(live)
        trap, trap_line = "", 0
        for k in ordered:
            at = self._trap_at.get(k)
            if at is not None and at[1].search(t):
                trap_line, _, trap = at
                break
        archetype, arch_line = "", 0
        for k in ordered:
            inc = self._include_at.get(k)
            if inc is not None and inc[1].search(t):
                line = inc[0]
                exc = self.excludes.get(line)
                if exc is not None and exc[0] in live and exc[1].search(t):
                    continue
                archetype, arch_line = self.arch_ids[line], line
                break
        material, material_kw = "", ""
        for k in ordered:
            mat = self._material_at.get(k)
            m = mat[1].search(t) if mat is not None else None
            if mat is not None and m is not None:
                material, material_kw = mat[0], m.group(0)
                break
        g = _RE_GRADE.search(t)
        if g is None and _RE_MAGNET_WORD.search(t):
            g = _RE_GRADE_MH.search(t)
        if g is not None and _no_grade(g, t):
            g = None
        grade, energy, temp_class = _grade_parts(g)
        runs = {p for p, k in self.gated.items() if k in live}
        m3 = _RE_DIM3.search(t) if _RE_DIM3 in runs else None
        m2 = _RE_DIM2.search(t) if m3 is None and _RE_DIM2 in runs else None
        dims = _dims_of(m3, m2)
        ring = bool(_RE_RING.search(text))
        size_value, size_rule, size_text = _size(t, runs)
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

    def tag_texts(self, texts: Sequence[str]) -> list[_TextTags]:
        """tag_text of each text, with the same answers. Many texts are read rule by rule
        instead of text by text: Arrow finds, in all texts at once, those that hold one of
        the literals a rule's regex needs (see required_literals), and the regex runs on
        those only. First match wins as in tag_text: a text taken by a trap, archetype or
        material is not tried with the later ones."""
        if len(texts) < BATCH_MIN_TEXTS or not have_arrow():
            return [self.tag_text(t) for t in texts]
        low = [t.lower() for t in texts]
        folded = as_arrow([t if t.isascii() else t.translate(_FOLD_TO_ASCII) for t in low])
        if folded is None:  # Arrow cannot hold them (a lone surrogate)
            return [self.tag_text(t) for t in texts]
        n = len(low)
        holders = _Holders(folded, as_arrow(low))

        def first_match(
            rules: Sequence[tuple[Needs | None, re.Pattern[str], Any]],
            accept: Any = None,
        ) -> tuple[list[Any], list[re.Match[str] | None]]:
            """Per text, the payload and match of the first rule whose regex matches (and
            that `accept(payload, text)` takes)."""
            open_ = np.ones(n, dtype=bool)
            payloads: list[Any] = [None] * n
            found: list[re.Match[str] | None] = [None] * n
            for needs, pat, payload in rules:
                for i in holders.may_match(pat, needs, open_):
                    m = pat.search(low[i])
                    if m is not None and (accept is None or accept(payload, low[i])):
                        payloads[i], found[i], open_[i] = payload, m, False
            return payloads, found

        needs = self._needs
        traps, _ = first_match([(needs[k], pat, (line, r)) for k, line, pat, r in self.traps])
        excludes = self.excludes

        def not_excluded(line: int, t: str) -> bool:
            exc = excludes.get(line)
            return exc is None or exc[1].search(t) is None

        arch, _ = first_match(
            [(needs[k], inc, line) for k, line, inc in self.includes], not_excluded
        )
        materials, material_m = first_match([(needs[k], p, m) for k, m, p in self.materials])
        grades = holders.search(_RE_GRADE, low)
        words = holders.search(_RE_MAGNET_WORD, low)
        mh = [i for i in range(n) if grades[i] is None and words[i] is not None]
        for i in mh:
            grades[i] = _RE_GRADE_MH.search(low[i])
        for i in range(n):
            g = grades[i]
            if g is not None and _no_grade(g, low[i]):
                grades[i] = None
        dim3 = holders.search(_RE_DIM3, low, needs[self.gated[_RE_DIM3]])
        dim2 = holders.search(_RE_DIM2, low, needs[self.gated[_RE_DIM2]], skip=dim3)
        sizes = {p: holders.search(p, low, needs[self.gated[p]]) for p in _SIZE_PATTERNS}
        ring = _column_pattern(_RE_RING).search(texts)
        out = []
        for i in range(n):
            trap_line, trap = traps[i] or (0, "")
            line = arch[i]
            m = material_m[i]
            grade, energy, temp_class = _grade_parts(grades[i])
            dims = _dims_of(dim3[i], dim2[i])
            size = _size_of(lambda p: sizes[p][i])  # noqa: B023 - called right here
            out.append(
                _TextTags(
                    self.arch_ids[line] if line is not None else "",
                    line or 0,
                    trap,
                    trap_line,
                    materials[i] or "",
                    m.group(0) if m else "",
                    grade,
                    energy,
                    temp_class,
                    dims,
                    bool(ring[i]),
                    *size,
                )
            )
        return out


BATCH_MIN_TEXTS = 3000
"""From this many texts on, tag_texts reads them rule by rule. Its ~80 Arrow passes cost
~30 ms whatever the number of texts; measured on BOM texts, it breaks even at 2,000-4,000
texts and takes half the time at 100,000 (docs/performance.md)."""


class _Holders:
    """Which of many texts (lowercased, folded to ASCII, as one Arrow array) hold one of the
    literals a regex needs: one RE2 search per regex for an alternation of the literals of
    each alternative's most selective set. A text that meets the needs holds one of them;
    one that holds one may still not meet them (the regex then says no)."""

    def __init__(self, folded: Any, low: Any) -> None:
        self._folded = folded
        self._low = low  # the texts lowercased (not folded), where the regexes run
        self._n = len(folded)
        self._cache: dict[Any, np.ndarray] = {}

    def may_match(
        self, pattern: re.Pattern[str], needs: Needs | None, among: np.ndarray
    ) -> list[int]:
        """The texts of `among` that hold what `pattern` needs and, when RE2 can tell (see
        fastre), that it matches: the texts `pattern.search` has to be asked about."""
        idx = np.nonzero(self.of(needs) & among)[0]
        if len(idx) > FEW and self._low is not None:  # fewer: fastre would ask re anyway
            column = _column_pattern(pattern)
            if column.re2 is None:  # lookarounds: RE2 can still say where they may match
                loose = _without_lookarounds(pattern)
                column = _column_pattern(loose) if loose is not None else column
            if column.re2 is not None:
                import pyarrow as pa

                idx = idx[column.search(self._low.take(pa.array(idx)))]
        return idx.tolist()

    def of(self, needs: Needs | None) -> np.ndarray:
        if needs is None:
            return np.ones(self._n, dtype=bool)
        if needs not in self._cache:
            alternation = _alternation(needs)
            if alternation is None:
                self._cache[needs] = np.ones(self._n, dtype=bool)
            else:
                import pyarrow.compute as pc

                hit = pc.match_substring_regex(self._folded, alternation)
                self._cache[needs] = hit.fill_null(False).to_numpy(zero_copy_only=False)
        return self._cache[needs]

    def search(
        self,
        pattern: re.Pattern[str],
        low: Sequence[str],
        needs: Needs | None = None,
        skip: Sequence[Any] | None = None,
    ) -> list[re.Match[str] | None]:
        """pattern.search of each lowercased text (None where it does not match), run on the
        texts holding what it needs (read off the pattern when not given); texts where `skip`
        has a match are left out."""
        if needs is None:
            needs = required_literals(pattern)
        among = np.ones(self._n, dtype=bool)
        if skip is not None:
            among = np.array([m is None for m in skip], dtype=bool)
        found: list[re.Match[str] | None] = [None] * len(low)
        for i in self.may_match(pattern, needs, among):
            found[i] = pattern.search(low[i])
        return found


@functools.lru_cache(maxsize=512)
def _column_pattern(pattern: re.Pattern[str]) -> ColumnPattern:
    return ColumnPattern(pattern)


@functools.lru_cache(maxsize=512)
def _without_lookarounds(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """`pattern` with its lookahead and lookbehind assertions taken out: it matches wherever
    `pattern` matches (an assertion only rules matches out), and more. None when there are
    none, or what is left is not a regex."""
    text = pattern.pattern
    cut: list[tuple[int, int]] = []
    opened: list[tuple[int, bool]] = []  # (position, is an assertion)
    i, in_class, first_member = 0, False, -1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or i == first_member  # '[]a]', '[^]a]': a member
        elif ch == "[":
            in_class = True
            first_member = i + 2 if text[i + 1 : i + 2] == "^" else i + 1
        elif ch == "(":
            head = text[i : i + 4]
            opened.append((i, head[:3] in ("(?=", "(?!") or head in ("(?<=", "(?<!")))
        elif ch == ")" and opened:
            start, assertion = opened.pop()
            if assertion and not any(a for _, a in opened):  # the outermost one goes
                cut.append((start, i + 1))
        i += 1
    if not cut:
        return None
    kept, at = [], 0
    for start, end in cut:
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    try:
        return re.compile("".join(kept), pattern.flags)
    except re.error:
        return None


@functools.lru_cache(maxsize=1024)
def _alternation(needs: Needs) -> str | None:
    """An RE2 pattern matching the texts that hold a literal of the most selective set of one
    of `needs`' alternatives (None: every text may meet them)."""
    literals = sorted({lit for alt in needs for lit in _most_selective(alt)})
    if not literals or "" in literals:
        return None
    return "|".join(_re2_literal(lit) for lit in literals)


def _re2_literal(literal: str) -> str:
    """A literal as RE2 pattern text (letters and digits as they are, others by code)."""
    return "".join(ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}" for ch in literal)


def _grade_parts(g: re.Match[str] | None) -> tuple[str, str, str]:
    """(grade, energy, temperature class) of a grade match ('N42SH' -> 'N42SH', '42', 'SH')."""
    if g is None:
        return "", "", ""
    gd = g.groupdict()
    energy = gd.get("e1") or gd.get("e2") or ""
    temp_class = (gd.get("t1") or gd.get("t2") or "").upper()
    grade = ("N" + energy if gd.get("e1") else energy) + temp_class
    return grade, energy, temp_class or "N"


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
        if unit is None and all(_to_mm(str(num), None) < 1.0 for num in nums):
            unit = "in"  # 'MAG 0.5X0.25': no magnet is half a millimetre; inches are meant
        return tuple(_to_mm(str(num), units[i] or unit) for i, num in enumerate(nums))
    except (ValueError, ZeroDivisionError):
        return ()


def _dims_of(m3: re.Match[str] | None, m2: re.Match[str] | None) -> tuple[float, ...]:
    """The dimensions from a three-dimension match, else a two-dimension one."""
    if m3:
        return _dims(m3.groups(), 3)
    return _dims(m2.groups(), 2) if m2 else ()


def _size(t: str, runs: Container[re.Pattern[str]]) -> tuple[float, str, str]:
    """The size that scales an archetype's magnet mass; `runs`: the regexes that can match."""
    return _size_of(lambda p: p.search(t) if p in runs else None)


_SIZE_PATTERNS = (_RE_NEMA, _RE_MW, _RE_KW)


def _size_of(search: Callable[[re.Pattern[str]], re.Match[str] | None]) -> tuple[float, str, str]:
    """The size from the matches of the size regexes (`search`: the match of each in the
    text, None if none), read in order: a NEMA frame, megawatts, kilowatts or watts."""
    m = search(_RE_NEMA)
    if m:
        if m.group(1) or m.group(2):
            return float(m.group(1) or m.group(2)), "nema_frame", m.group(0)
        frame = _NEMA_FROM_MM.get(m.group(3) or "")
        if frame:
            return frame, "nema_frame", m.group(0)
    m = search(_RE_MW)
    if m:
        return float(m.group(1).replace(",", ".")), "per_mw", m.group(0)
    m = search(_RE_KW)
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


def prepare(ref: Reference) -> None:
    """Build the compiled text rules of a reference set now (~0.2 s), e.g. in a thread while
    a file is being read, so the first tag_lines call does not wait for them."""
    _rules(ref)


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
    n = len(lines)
    symbols = element_symbols(ref)
    if n == 0:
        return _empty_tags(lines.copy(), symbols)
    ov = _override_frame(lines, usable_overrides(params.overrides, ref)[0])
    codes = _group_codes([*(lines[c] for c in _KEY_COLUMNS), *ov.values()])
    _, first = np.unique(codes, return_index=True)
    sub = _texts_filled(lines.iloc[first].reset_index(drop=True))
    sub_ov = {k: v.iloc[first].reset_index(drop=True) for k, v in ov.items()}
    tags = _tag_unique(sub, ref, sub_ov, symbols)
    # the new columns are gathered as arrays and joined to the lines once, at the end
    cols: dict[str, Any] = {c: _take(tags[c], codes) for c in tags.columns}
    # lines of one group share one evidence list; a line that gets its own sentence gets a copy
    evidence = cols["evidence"]
    rare_earth = cols["rare_earth"].astype(bool)
    # assemblies whose magnets are listed as child lines are not counted twice
    counted_below = _parents_of(lines, rare_earth) & rare_earth
    for i in np.nonzero(counted_below)[0]:
        evidence[i] = [
            *evidence[i],
            "Assembly line: its magnets are counted in the child lines below it, not here.",
        ]
    if counted_below.any():
        keep = ~counted_below
        for c in ["magnet_mass_g", "re_g_per_unit", *(f"g_{s}" for s in symbols)]:
            cols[c] = cols[c] * keep
        cols["confidence"][counted_below] = "low"
        # the assembly itself is not scored: its magnets are scored in its child lines
        rare_earth = rare_earth & keep
        cols["rare_earth"] = rare_earth
    ext = lines["extended_quantity"].astype(float)
    ext = ext.where(ext.notna(), lines["quantity"].astype(float)).fillna(1.0)
    cols["units_per_year"] = ext.to_numpy() * float(params.build_volume)
    cols["re_g_per_year"] = cols["re_g_per_unit"] * cols["units_per_year"]
    # NaN = not set by the user (scoring then uses its default and says so)
    cols["criticality"] = _override_float(ov, "criticality", n, math.nan)
    ss = ov.get("single_source")
    cols["single_source"] = (
        ss.fillna("").astype(str).str.strip().str.lower().isin(sorted(TRUE_WORDS)).to_numpy()
        if ss is not None
        else np.zeros(n, dtype=bool)
    )
    # per distinct line, then per line
    low = (tags["confidence"] == "low").to_numpy()[codes] | counted_below
    unknown_origin = (
        (tags["origin_magnet"] == "").to_numpy() | (tags["origin_separation"] == "").to_numpy()
    )[codes]
    suspect = (tags["re_class"] == "suspect").to_numpy()[codes]
    cols["needs_review"] = suspect | (rare_earth & (low | unknown_origin))
    cols["evidence"] = evidence
    return _with_columns(lines, cols)


_TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind == "str")


def _texts_filled(lines: pd.DataFrame) -> pd.DataFrame:
    """The (distinct) lines with missing values in their text fields as '', as the importer
    writes them (a caller's frame may hold None or NaN: read as text they are 'None' or
    'nan', and looked up by code they take another value's answer)."""
    fills = [
        c
        for c in _TEXT_FIELDS
        if c in lines.columns and not python_texts(lines[c]) and lines[c].hasnans
    ]
    if not fills:
        return lines
    out = lines.copy(deep=False)
    for c in fills:
        out[c] = out[c].fillna("")
    return out


def _take(s: pd.Series, rows: np.ndarray) -> Any:
    # a text column stays a string array: taking rows is cheap, turning 100,000 Python strings
    # into one again is not
    return s.array.take(rows) if isinstance(s.dtype, pd.StringDtype) else s.to_numpy()[rows]


# pandas 3 copies on write: a shallow copy is then as independent of the lines as a deep one
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _with_columns(lines: pd.DataFrame, cols: dict[str, Any]) -> pd.DataFrame:
    """A copy of `lines` with the columns set as `out[c] = cols[c]` one by one would set them (a
    column already there is replaced in place, a new one appended), in one concat instead of ~70
    inserts."""
    out = lines.copy(deep=not _COPY_ON_WRITE)
    for c in [c for c in cols if c in out.columns]:
        out[c] = cols[c]
    new = pd.DataFrame({c: v for c, v in cols.items() if c not in out.columns}, index=out.index)
    result = pd.concat([out, new], axis=1)
    result.attrs = out.attrs  # concat keeps only the attrs all its frames share
    return result


def _group_codes(columns: Iterable[pd.Series]) -> np.ndarray:
    """One code per distinct combination of the columns' text forms (`astype(str)`), numbered in
    order of first appearance."""
    codes: np.ndarray | None = None
    for s in columns:
        if s.dtype == np.float64:
            # distinct floats have distinct text forms (also 0.0 and -0.0; every NaN is missing):
            # their bit patterns tell them apart without writing each number as text
            v = s.to_numpy()
            part = pd.factorize(np.where(np.isnan(v), np.nan, v).view(np.int64))[0]
        elif python_texts(s):
            part = pd.factorize(s.to_numpy(), use_na_sentinel=False)[0]  # already its text form
        else:
            part = pd.factorize(s.astype(str), use_na_sentinel=False)[0]
        codes = part if codes is None else pd.factorize(codes * (int(part.max()) + 1) + part)[0]
    assert codes is not None
    return codes


def _lookup(frame: pd.DataFrame, key: str, column: str) -> dict[str, Any]:
    return {str(k): v for k, v in zip(frame[key], frame[column], strict=True)}


def _tag_unique(
    out: pd.DataFrame, ref: Reference, ov: dict[str, pd.Series], symbols: list[str]
) -> pd.DataFrame:
    """Tag distinct lines; returns a frame of the tag columns only."""
    n = len(out)
    res: dict[str, Any] = {}  # the tag columns, made a frame once at the end
    rules = _rules(ref)
    text = (
        out["description"].astype(str)
        + " | "
        + out["mpn"].astype(str)
        + " | "
        + out["material"].astype(str)
    )
    codes, uniques = pd.factorize(text)
    tags = rules.tag_texts([str(u) for u in uniques])
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
        arch_line = np.where(mask, 0, arch_line)
        for i in np.nonzero(mask)[0]:
            evidence[i].append(f"Archetype set by the user to '{archetype[i] or 'none'}'.")
    arch_valid = archetype != ""
    trapped = (trap != "") & ~explicit_re & ~has_grade
    for i in np.nonzero(trapped)[0]:
        evidence[i].append(f"Not a magnet part: {trap[i]} (traps.csv line {trap_line[i]}).")
    likelihood = _mapped(archetype, lambda a: str(a_like.get(a, "")))
    arch_material = _mapped(archetype, lambda a: str(a_mat.get(a, "") or ""))
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
    # a motor or generator naming its magnet material but no magnet ('Spindle motor,
    # built-in synchronous, NdFeB rotor sleeve, 15 kW') is a permanent-magnet machine, not
    # a loose magnet of a gram
    machine = np.zeros(n, dtype=bool)
    if ov_arch is None and _PM_MACHINE in a_name:
        machine = m_explicit & np.isin(archetype, ["", "loose_magnet", "loose_smco_magnet"])
        if machine.any():
            machine &= _words_in(uniques, codes, _RE_MACHINE_WORD)
            machine &= ~_words_in(uniques, codes, _RE_MAGNET_NOUN)
        archetype = np.where(machine, _PM_MACHINE, archetype)
        arch_line = np.where(machine, 0, arch_line)
        for i in np.nonzero(machine)[0]:
            evidence[i].append(
                f"A motor or generator that names its magnet material ({where(i)}): taken "
                f"as a permanent-magnet machine, archetype '{a_name[_PM_MACHINE]}'."
            )
    if ov_arch is None:
        loose = m_explicit & ~arch_valid & ~machine
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
        m_arch,
        _mapped(likelihood, lambda x: LIKELIHOOD_PROBABILITY.get(x, 0.0), float),
        probability,
    )
    material_id = np.where(m_arch & (arch_material != ""), arch_material, material_id)
    series = ref.part_series["series"]
    for i in np.nonzero((m_arch | (arch_valid & m_explicit)) & ~machine)[0]:
        a = archetype[i]
        line = int(arch_line[i] or 0)
        if a in a_name and line < 0:
            evidence[i].append(
                f"Part number of the series {series.get(-line, '?')} ({where(i)}; "
                f"part_series.csv line {-line}): archetype '{a_name[a]}', rare-earth magnets "
                f"{likelihood[i] or a_like.get(a, '')} likelihood."
            )
        elif a in a_name:
            evidence[i].append(
                f"Matches archetype '{a_name[a]}' ({where(i)}; archetypes.csv line "
                f"{int(arch_line[i] or 0) or '-'}): rare-earth magnets "
                f"{likelihood[i] or a_like.get(a, '')} likelihood."
            )
    mat_class = _mapped(material_id, lambda m: str(m_class.get(m, "")))
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
    arch_temp = _mapped(archetype, lambda a: str(a_temp.get(a, "") or ""))
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
    res["re_g_per_unit"] = sum(res[f"g_{s}"] for s in symbols)
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
    res["grade"] = np.where(rare_earth, _mapped(grade, lambda x: str(x).upper()).astype(str), "")
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
    return pd.DataFrame(res, index=out.index)


def _mapped(values: np.ndarray, fn: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
    """`[fn(v) for v in values]` as an array, with `fn` called once per distinct value (a
    column of distinct lines holds a few archetypes, materials and grades)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    out = np.empty(len(codes), dtype=dtype)
    if len(uniques):
        table = np.empty(len(uniques), dtype=dtype)
        table[:] = [fn(u) for u in uniques]
        out[:] = table[codes]
    for i in np.nonzero(codes < 0)[0]:  # missing values, each as it is
        out[i] = fn(values[i])
    return out


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
    uniques: pd.Index,
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
    points = _rules(ref).size_points
    stated = (
        out["magnet_mass_g"].to_numpy(dtype=float) if "magnet_mass_g" in out else np.full(n, np.nan)
    )
    part_mass = out["mass_g"].to_numpy(dtype=float)
    size_cache: dict[tuple[int, str], tuple[float, str]] = {}
    # many lines share an archetype and a size: each interpolation is done once
    scaled: dict[tuple[str, str, float], float] = {}
    for i in np.nonzero(relevant)[0]:
        a = str(archetype[i])
        ai = info.get(a)
        rho = density.get(str(material_id[i]), math.nan)
        rule = ai.rule if ai else ""
        if not math.isnan(stated[i]) and stated[i] > 0:
            mass[i], basis[i] = stated[i], "stated in the magnet-mass column"
            continue
        too_big = ""
        if rule == "dimensions" or (ai is None and material_id[i]):
            d = dims[i]
            if d and not math.isnan(rho):
                vol = _volume_mm3(d, bool(ring[i]))
                if vol > 0 and ai is not None and vol / 1000.0 * rho > ai.hi:
                    # 'MAGNETIC CHUCK NDFEB 300X600': the product's size, not a magnet's
                    too_big = (
                        f"the sizes {' × '.join(f'{x:g}' for x in d)} mm in its text would make "
                        f"{vol / 1e6 * rho:,.3g} kg, more than one such magnet weighs "
                        f"({ai.hi:g} g at most): they are taken as the product's size; "
                    )
                elif vol > 0:
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
            elif rule == "per_kw" and size_rule[i] == "per_mw":  # 'PMSM 5MW'
                x, used = float(size_value[i]) * 1000.0, str(size_text[i])
            elif rule == "per_mw" and size_rule[i] == "per_kw":  # 'wind generator 850 kW'
                x, used = float(size_value[i]) / 1000.0, str(size_text[i])
            elif rule in ("stator_dxh", "diameter_mm"):
                key = (int(codes[i]), rule)
                if key not in size_cache:
                    t = str(uniques[int(codes[i])]).lower()
                    size_cache[key] = _stator(t) if rule == "stator_dxh" else _diameter(t)
                x, used = size_cache[key]
            pts = points.get((a, rule))
            if pts is not None and not math.isnan(x):
                if (a, rule, x) not in scaled:
                    scaled[(a, rule, x)] = _interp(pts[0], pts[1], x)
                v = scaled[(a, rule, x)]
                if not math.isnan(v):
                    mass[i] = min(max(v, ai.lo), ai.hi)
                    basis[i] = f"scaled from '{used}' ({rule}, archetype_sizes.csv; estimate)"
                    continue
            mass[i] = ai.mass
            basis[i] = (
                f"{too_big}typical for the archetype '{ai.name}' (archetypes.csv; {ai.status})"
            )
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
    key, parent = _line_key_codes(out)
    # each key's parent; a key given to several lines takes the last line's parent
    size = int(max(key.max(), parent.max())) + 1
    uniq, first_from_end = np.unique(key[::-1], return_index=True)
    parent_of = np.full(size, -1, dtype=np.int64)
    parent_of[uniq] = parent[len(key) - 1 - first_from_end]
    is_key = np.zeros(size, dtype=bool)
    is_key[uniq] = True
    up, known = parent_of.tolist(), is_key.tolist()
    marked = [False] * size
    for k in key[rare_earth].tolist():
        p = up[k]
        depth = 0
        while known[p] and not marked[p] and depth < 50:
            marked[p] = True
            p = up[p]
            depth += 1
    return np.array(marked, dtype=bool)[key]


def _line_key_codes(out: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of each line's (table, row) and of its parent's (table, parent_row): equal
    codes for equal keys, one shared code for all keys with a missing part."""
    n = len(out)
    rows: pd.Series = out["row"]
    parents: pd.Series = out["parent_row"].astype("Int64")
    if not pd.api.types.is_integer_dtype(rows.dtype):
        # rows of another type are told apart as the text they are written as
        rows, parents = rows.astype(str), parents.astype(str)
    table, _ = pd.factorize(out["table"].astype(str))
    row, _ = pd.factorize(pd.concat([rows, parents], ignore_index=True))
    both = np.concatenate([table, table])
    pair = np.where((both < 0) | (row < 0), -1, both * (int(row.max()) + 1) + row)
    codes, _ = pd.factorize(pair)
    return codes[:n], codes[n:]


# ------------------------------------------------------------------ origins


@functools.lru_cache(maxsize=8)
def _country_lookup(ref: Reference) -> dict[str, str]:
    """Lower-case code, name and alias -> country code (callers only read it)."""
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


def _cn_shares(ref: Reference) -> dict[str, tuple[float, float]]:
    """Per stage, China's share of heavy and of all rare earths (built once per Reference)."""
    ss = ref.stage_shares
    out = {}
    for stage in STAGES:
        cn = ss[(ss["stage"] == stage) & (ss["country"] == "CN")]
        out[stage] = (_share(cn, "heavy"), _share(cn, "all"))
    return out


def _share(cn: pd.DataFrame, group: str) -> float:
    row = cn[cn["element_group"] == group]
    if len(row):
        return float(row["share"].iloc[0])
    row = cn[cn["element_group"] == "all"]
    return float(row["share"].iloc[0]) if len(row) else 1.0


def _cn_share(ref: Reference, stage: str, origin: np.ndarray, heavy: np.ndarray) -> np.ndarray:
    heavy_share, all_share = _rules(ref).cn_shares[stage]
    base = np.where(heavy, heavy_share, all_share)
    known = origin != ""
    return np.where(known, (origin == "CN").astype(float), base)


# ------------------------------------------------------------------ overrides


@functools.lru_cache(maxsize=8)
def _archetype_ids(ref: Reference) -> frozenset[str]:
    return frozenset(str(a) for a in ref.archetypes["archetype_id"])


def override_problem(o: Override, ref: Reference) -> str | None:
    """Why the value of override *o* cannot be used (None when it can). Tagging itself takes
    any text, so an override file is checked with this when it is read: a class name with
    a typo would otherwise mark a magnet line 'not a rare earth' without a word."""
    v = o.value.strip()
    if o.field == "re_class" and v not in OVERRIDE_CLASSES:
        return f"'{v}' is not a magnet class; use one of {', '.join(OVERRIDE_CLASSES)}."
    if o.field == "archetype":
        if v not in _archetype_ids(ref):
            return f"'{v}' is not an archetype id of the reference data (archetypes.csv)."
    if o.field == "grade" and not _RE_GRADE.search(v.lower()):
        return f"'{v}' is not a magnet grade (such as N42SH, 45UH or N52)."
    if o.field in ("magnet_mass_g", "criticality"):
        try:
            number = float(v)
        except ValueError:
            number = math.nan
        top = 1.0 if o.field == "criticality" else math.inf
        if not (0.0 <= number <= top):
            wanted = "a number from 0 to 1" if o.field == "criticality" else "grams (0 or more)"
            return f"'{v}' is not {wanted}."
    if o.field == "single_source" and v.lower() not in TRUE_WORDS | FALSE_WORDS:
        return f"'{v}' is not yes or no."
    if o.field in ORIGIN_COLUMNS and v and not country_code(v, _country_lookup(ref)):
        return f"'{v}' is not a country of the reference data (a code such as CN, or a name)."
    return None


def usable_overrides(
    overrides: Sequence[Override], ref: Reference
) -> tuple[tuple[Override, ...], list[str]]:
    """The overrides whose values can be used, and one sentence for each of the others.
    Tagging leaves the others out: a hand-edited session file may hold a value no dialog
    or override file would let through (see override_problem)."""
    usable: list[Override] = []
    ignored: list[str] = []
    for k, o in enumerate(overrides, start=1):
        problem = override_problem(o, ref)
        if problem is None:
            usable.append(o)
        else:
            ignored.append(f"override {k} ({o.scope} {o.key!r}, {o.field}): {problem}")
    return tuple(usable), ignored


def overrides_matched(lines: pd.DataFrame, overrides: Sequence[Override]) -> list[bool]:
    """Per override, whether it applies to at least one of the lines."""
    matched = [False] * len(overrides)
    _override_frame(lines, overrides, matched)
    return matched


def _override_frame(
    lines: pd.DataFrame, overrides: Sequence[Override], matched: list[bool] | None = None
) -> dict[str, pd.Series]:
    """Per field, a Series of override values aligned with the lines (NaN where none).
    Line overrides win over manufacturer/supplier/part-number ones. *matched* (one flag
    per override) is set for those that apply to a line."""
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
    ranked = sorted(range(len(overrides)), key=lambda k: order.get(overrides[k].scope, 0))
    for k in ranked:
        o = overrides[k]
        if o.field not in OVERRIDE_FIELDS or o.scope not in keys:
            continue
        key = o.key if o.scope == "line" else o.key.strip().lower()
        mask = keys[o.scope] == key
        if o.scope == "line" and not mask.any():
            mask = lines["row"].astype(str) == key
        if not mask.any():
            continue
        if matched is not None:
            matched[k] = True
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

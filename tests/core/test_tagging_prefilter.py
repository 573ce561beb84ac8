"""The literal prefilter of the text rules: a rule's regex is skipped only for texts it cannot
match, so tagging gives exactly what running every regex on every text gives."""

from __future__ import annotations

import csv
import re
import string
from functools import cache
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskapp.core import tagging
from riskapp.core.fastre import FEW
from riskapp.core.reference import load_reference
from riskapp.core.tagging import (
    _FOLD_TO_ASCII,
    _RE_RING,
    Needs,
    _plain_lower,
    _rules,
    needs_met,
    required_literals,
)
from tests.conftest import SAMPLE_BOMS

RULES = _rules(load_reference())
# every numbered regex of the rules, with its number
NUMBERED: list[tuple[int, re.Pattern[str]]] = [
    *((k, p) for k, _, p, _ in RULES.traps),
    *((k, p) for k, _, p in RULES.includes),
    *RULES.excludes.values(),
    *((k, p) for k, _, p in RULES.materials),
    *((k, p) for p, k in RULES.gated.items()),
]


@cache
def _non_ascii() -> str:
    return "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)


@pytest.mark.parametrize("letter", string.ascii_lowercase)
def test_fold_table_covers_every_case_insensitive_match(letter: str) -> None:
    # only letters have case; a non-ASCII character they match must fold to them
    for pattern in (letter, f"[{letter}]"):
        for m in re.finditer(pattern, _non_ascii(), re.IGNORECASE):
            assert m.group().translate(_FOLD_TO_ASCII) == letter, hex(ord(m.group()))


def _met(needs: Needs | None, text: str) -> bool:
    found = {lit for alt in needs or () for s in alt for lit in s if lit in text}
    return needs_met(needs, found)


@pytest.mark.parametrize(
    ("pattern", "flags", "met", "not_met"),
    [
        (r"\bneod[iy]m\w*|\bndfeb\b", re.I, ["neodym", "a ndfeb b"], ["neodm", "nd-fe-b", ""]),
        (r"magnets?\b", re.I, ["magnet"], ["magne"]),
        (r"\bnd-?fe-?b\b", re.I, ["nd-feb", "ndfe-b"], ["nd fe b"]),
        (r"\bn(2[89]|3\d)(?=.*magnet)", re.I, ["n28", "n35"], ["n2", "n40 magnet"]),
        (r"(hub|wheel)\s*motor", re.I, ["hub motor"], ["hub", "motor"]),
        # where case counts, a non-ASCII character is a literal too, and so is a character
        # without case whatever the flags ('×', Chinese, Japanese, Korean)
        (r"10\s*[x×]\s*5", 0, ["10 × 5", "10x5"], ["10 5"]),
        (r"10\s*[x×]\s*5", re.I, ["10 × 5", "10x5"], ["10 5"]),
        (
            r"钕铁硼|ネオジ|네오디",
            re.I,
            ["钕铁硼磁铁", "ネオジム磁石", "네오디뮴 자석"],
            ["磁铁", ""],
        ),
        # a cased non-ASCII letter is not (its folds are not in the table): 'ł' is read off
        # as the literals around it
        (r"gło[sś]nik", re.I, ["głośnik", "GŁOSNIK".lower()], ["nik", "glosnik"]),
    ],
)
def test_required_literals(pattern: str, flags: int, met: list[str], not_met: list[str]) -> None:
    needs = required_literals(re.compile(pattern, flags))
    assert needs is not None
    for text in met:
        assert _met(needs, text), text
    for text in not_met:
        assert not _met(needs, text), text


@pytest.mark.parametrize("pattern", [r"\w+", r"a?", r"(?-i:abc)", r"[^x]", r"(a|)b?", r".*"])
def test_nothing_is_required_where_nothing_can_be_read_off(pattern: str) -> None:
    assert required_literals(re.compile(pattern, re.I)) is None


def _texts() -> list[str]:
    texts = [
        "ſmco 2:17 magnet",  # long s: matches 's' when case is ignored
        "NEODYMıUM block N52",  # dotless i
        "ELECTRO-MAGNET 24V",
        "Motor 2,2 \u212aW",  # Kelvin sign
        "disc magnet d10×5 n45",
        "rotor magnet segment ndfeb n42sh 50x20x5 mm | 1234 | N42SH",
        "",
        # Chinese, Japanese, Korean and German words the rules know (and their neighbours)
        "钕铁硼磁铁 N35 20x10x2",
        "轮毂电机 350W 36V",
        "无刷电机 48V 500W",
        "ネオジム磁石 φ10×5",
        "ステッピングモーター 42角",
        "フェライトコア",
        "스피커 8Ω",
        "Dauermagnet NdFeB N42SH 20x8x3",
        "PM-Synchronmotor 4 kW",
        "EC-Lüfter 24V 120mm",
        "Generator speed encoder, incremental, magnetic tape + sensor head",
        "SPKR 8OHM 2W 28MM",
        "STPR MTR 42MM 1.8DEG",
        "MAG NEO 10X5X2",
        "1404 3800KV",
        "MN5008 KV340",
        "ROTOR ASSY IPM 8P",
        "IC MAGNETIC ENCODER 12BIT 8SOIC",
        "Głośnik 4 Ω",
        "Bezkartáčový motor 24 V",
        "Sterownik silnika krokowego",
    ]
    for path in sorted(SAMPLE_BOMS.glob("*.labels.csv")):
        with path.open(encoding="utf-8") as fh:
            texts += [row["description"] for row in csv.DictReader(fh)]
    return texts


def test_a_regex_that_matches_is_never_filtered_out() -> None:
    for text in _texts():
        t = text.lower()
        live = RULES.filter.live(t)
        for k, pattern in NUMBERED:
            if pattern.search(t):
                assert k in live, (text, pattern.pattern[:60])


def _derandomized(examples: int) -> settings:
    """Hypothesis settings for these tests: the same examples every run."""
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@st.composite
def _matching_texts(draw: st.DrawFn) -> tuple[int, re.Pattern[str], str]:
    k, pattern = draw(st.sampled_from(NUMBERED))
    text = draw(st.text(max_size=8)) + draw(st.from_regex(pattern)) + draw(st.text(max_size=8))
    return k, pattern, text


@_derandomized(60)
@given(_matching_texts())
def test_generated_matches_are_never_filtered_out(case: tuple[int, re.Pattern[str], str]) -> None:
    k, pattern, text = case
    t = text.lower()
    if pattern.search(t):
        assert k in RULES.filter.live(t)


def test_the_ring_regex_runs_on_the_text_as_written_and_is_not_filtered() -> None:
    assert _RE_RING not in RULES.gated


# ------------------------------------------------------------------ many texts at once


def _same(texts: list[str]) -> None:
    """tag_texts reads the texts rule by rule (whatever their number) as tag_text reads them."""
    with mock.patch.object(tagging, "BATCH_MIN_TEXTS", 2):
        batch = RULES.tag_texts(texts)
    one_by_one = [RULES.tag_text(t) for t in texts]
    assert len(batch) == len(one_by_one)
    for a, b in zip(batch, one_by_one, strict=True):
        assert repr(a) == repr(b)  # repr: NaN sizes compare equal


def _variants(texts: list[str]) -> list[str]:
    out = list(texts)
    out += [t.upper() for t in texts]
    out += [t.replace("o", "ö").replace("a", "á").replace("e", "é") for t in texts]
    out += [f"{t} | MPN-{i} | {texts[-1 - i % len(texts)]}" for i, t in enumerate(texts)]
    out += [t.replace(" ", "\n", 1) for t in texts]  # a line break: Python's answer, not RE2's
    return out


# grades, sizes and shapes each step of tag_text reads
_STEPS = [
    "block magnet 38H 10x5x2 mm",  # a grade without the N only next to a magnet word
    "38H rim",
    "aimant néodyme 45M d8x3",
    "ring magnet OD 20 ID 10 x 5",
    "Ringmagnet R8",
    "stepper motor nema 17 42x42x40",
    "57BYGH stepper",
    "servo 0,75 kW",
    "wind generator 3.6 MW pmsg",
    "hub motor 250W",
    "magnet 1/2 x 1/8 x 1/16in",
]


def test_many_texts_read_rule_by_rule_tag_as_one_by_one() -> None:
    texts = _variants(_STEPS + _texts())
    assert len(texts) > FEW  # RE2 is asked before re
    _same(texts)


def test_odd_texts_read_rule_by_rule_tag_as_one_by_one() -> None:
    odd = [
        "neodymium magnet N52 " * 1500,  # as long as an Excel cell gets
        "magnet\x00N52 10x5x2mm",
        "ring magnet 🧲 N42SH ø10×5",
        "ne\u0301odyme aimant N45",  # a combining accent
        "مغناطيس نيوديميوم N52 magnet",
        "\t\r\v\x1c stepper motor nema 17\u2028",
        "ＮＥＯＤＹＭ magnet Ｎ５２",  # full-width letters and digits
    ]
    _same(odd + _texts())


def test_few_texts_and_texts_arrow_cannot_hold() -> None:
    _same(_texts()[:5])
    _same(["magnet n52 \ud800", *_texts()])  # a lone surrogate: no Arrow string for it


def test_the_batch_is_only_for_many_texts() -> None:
    texts = _texts()[:3]
    with mock.patch.object(tagging, "_Holders", side_effect=AssertionError("batch")):
        RULES.tag_texts(texts)
        with (
            mock.patch.object(tagging, "BATCH_MIN_TEXTS", 2),
            pytest.raises(AssertionError, match="batch"),
        ):
            RULES.tag_texts(texts)


@_derandomized(15)
@given(st.lists(_matching_texts(), min_size=10, max_size=40))
def test_generated_matches_read_rule_by_rule_tag_as_one_by_one(
    cases: list[tuple[int, re.Pattern[str], str]],
) -> None:
    # texts built to match the rules' regexes, among the sample texts (more than FEW, so
    # RE2 answers first)
    _same([text for _, _, text in cases] + _texts())


@pytest.mark.parametrize(
    ("pattern", "loose"),
    [
        (r"a(?!b)c", "ac"),
        (r"[]()](?=x)y", "[]()]y"),  # brackets and parentheses in a class are members
        (r"[^](](?<!q)z", "[^](]z"),
        (r"x(?=(a|b))y", "xy"),
        (r"(?:(?!x)|y)z", "(?:|y)z"),
        (r"\(?!a\)", None),  # escaped: no assertion
        (r"(?=a)+b", None),  # what is left is no regex
        (r"ab", None),
    ],
)
def test_without_lookarounds(pattern: str, loose: str | None) -> None:
    got = tagging._without_lookarounds(re.compile(pattern))
    assert (got.pattern if got is not None else None) == loose


@_derandomized(60)
@given(_matching_texts())
def test_a_regex_without_its_lookarounds_matches_where_it_matches(
    case: tuple[int, re.Pattern[str], str],
) -> None:
    _, pattern, text = case
    loose = tagging._without_lookarounds(pattern)
    t = text.lower()
    if loose is not None and pattern.search(t):
        assert loose.search(t)


@pytest.mark.parametrize("block", [(0x430, 0x460), (0x3B1, 0x3CA)])  # Cyrillic, Greek lowercase
def test_a_plain_lowercase_letter_shows_as_itself_in_every_text_it_matches(
    block: tuple[int, int],
) -> None:
    # what _plain_lower lets the prefilter read as a literal must be in the lowercased text
    # of every match; the letters it refuses ('в', which also matches 'ᲀ') run their regex
    text = _non_ascii()
    plain = [c for c in range(*block) if _plain_lower(c)]
    assert len(plain) > (block[1] - block[0]) // 2
    for code in plain:
        for m in re.finditer(re.escape(chr(code)), text, re.IGNORECASE):
            assert m.group().lower() == chr(code), (hex(code), hex(ord(m.group())))
    assert not _plain_lower(ord("в"))


def test_cyrillic_words_are_literals_for_the_prefilter() -> None:
    needs = required_literals(re.compile(r"магнит|двигател\w*", re.IGNORECASE))
    assert needs is not None
    assert _met(needs, "неодимовый магнит 10х5") and not _met(needs, "болт м6")


def test_no_rule_is_read_as_one_loose_set_of_words() -> None:
    # a regex with more top-level alternatives than the reader keeps apart collapses into one
    # set of words that a text needs one of ('motor', 'rotor'...): the rule then runs on
    # nearly every text (industrial_servo_motor did, at 64)
    from re import _constants, _parser  # type: ignore[attr-defined]

    for k, pattern in NUMBERED:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        items = list(parsed)
        top = len(items[0][1][1]) if len(items) == 1 and items[0][0] == _constants.BRANCH else 1
        needs = RULES._needs[k]
        if needs is not None and top > 8:
            assert len(needs) > 1, (k, pattern.pattern[:60])

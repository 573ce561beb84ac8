"""fastre runs regexes through RE2 where that gives Python's answer, and through re where
it might not: every test here compares against re itself."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from riskapp.core import fastre, importer, layout, mapping, values
from riskapp.core.fastre import ColumnPattern, ascii_re2

# characters where Python's re and RE2 part ways: Python's \s takes \v and \x1c-\x1f and
# Unicode spaces, \d takes every script's digits, re.I folds 'ſ' to 's' and 'K' to 'k',
# '$' matches before a final line break
_ALPHABET = [
    *"aAbBsSkKiIzZxX019 .,-_$€£¥:;/()#+*%'\"[]\\",
    "\x0b", "\x1c", "\x1f", "\t", "\n", "\r", "\f", "\xa0", "\u2009", "\u202f", "\u3000",
    "\x85", "٣", "४", "ſ", "\u212a", "ß", "é", "ü", "İ", "ı", "µ", "Ω", "\u200b",
]  # fmt: skip
_WORDS = [
    "link", "url", "here", "click here", "http://x.y/a", "www.a.b", "total", "Grand total",
    "sub-total", "summe", "Gesamtpreis", "shipping cost", "vat:", "1,5", "12.50", "1.234,50",
    "1,234.50", "$3", "€4.5", "£ 12.00", "R1, R2", "C1-C4", "qty", "part no", "https://",
    "P-12345", "M3x8", "2.0", "-0", "Ωmega", "ftp://h",
]  # fmt: skip


def _fuzz(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.random()
        noise = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 4)))
        if k < 0.35:
            out.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 10))))
        elif k < 0.7:
            out.append(rng.choice(_WORDS) + noise)
        elif k < 0.9:
            out.append(noise + rng.choice(_WORDS))
        else:
            out.append(rng.choice(_WORDS).upper() + noise + rng.choice(_WORDS))
    return out


TEXTS = _fuzz(6000, 7)

# patterns used by the importer, plus some built to trip a rewrite
_USED = [
    p
    for mod in (importer, layout, mapping, values)
    for p in vars(mod).values()
    if isinstance(p, ColumnPattern)
]
_TRICKY = [
    r"\bab\b",
    r"(?i)k+s",
    r"[]a]+",
    r"[^]a]+",
    r"\w+\W",
    r"\s$",
    r"^\S+$",
    r"[\s,]+\d",
    r"[^\d\s]{2}",
    r"x{2,}",
    r"\x41|\u00e9",
    r"(?i:total)\s*\d",
    r"a|b|",
    r"[a-z]*\Z",
    r"\A\d",
    r"[.]\.",
]


@pytest.fixture(params=["arrow", "python"], autouse=True)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs both ways: through Arrow (and re for the odd cells), and through re
    alone as short inputs go."""
    monkeypatch.setattr(fastre, "FEW", 0 if request.param == "arrow" else 10**9)
    return str(request.param)


def _all_patterns() -> list[ColumnPattern]:
    return _USED + [ColumnPattern(p) for p in _TRICKY] + [ColumnPattern(r"total\s+\w", re.I)]


def test_the_core_patterns_are_found() -> None:
    assert len(_USED) >= 10  # the hot patterns of importer, layout, mapping and values
    assert all(p.re2 is not None for p in _USED), [p.py.pattern for p in _USED if p.re2 is None]


@pytest.mark.parametrize("pat", _all_patterns(), ids=lambda p: p.py.pattern[:40])
@pytest.mark.parametrize("how", ["search", "match", "fullmatch"])
def test_tests_agree_with_re(pat: ColumnPattern, how: str) -> None:
    got = getattr(pat, how)(TEXTS)
    expected = np.array([getattr(pat.py, how)(t) is not None for t in TEXTS])
    wrong = [TEXTS[i] for i in np.nonzero(got != expected)[0][:5]]
    assert not wrong, wrong


@pytest.mark.parametrize(
    "pat",
    [p for p in _all_patterns() if p.py.groupindex and p.py.groups == len(p.py.groupindex)]
    + [ColumnPattern(r"(?P<a>\d+)(?P<b>[a-z])?"), ColumnPattern(r"(?P<sp>\s+)(?P<w>\w*)")],
    ids=lambda p: p.py.pattern[:40],
)
def test_extract_agrees_with_re(pat: ColumnPattern) -> None:
    matched, groups = pat.extract(TEXTS)
    for i, t in enumerate(TEXTS):
        m = pat.py.search(t)
        assert bool(m) == matched[i], t
        for g in pat.py.groupindex:
            assert groups[g][i] == ((m.group(g) or "") if m else ""), (t, g)


@pytest.mark.parametrize(
    "pattern, flags",
    [
        (r"(?<=a)b", 0),  # lookbehind
        (r"(a)\1", 0),  # back-reference
        (r"a{,3}", 0),  # '{,n}' is a repeat only in Python
        (r"\N{EM DASH}", 0),
        (r"a b", re.X),
        (r"\d", re.A),  # ASCII mode: \s has no \x1c
        (r"[\b]", 0),  # a backspace in Python
        (r"(?a:\s)", 0),
        (r"x[a[:digit:]]", 0),  # a POSIX class in RE2, literal characters in Python
    ],
)
def test_patterns_without_an_re2_form_run_in_python(pattern: str, flags: int) -> None:
    assert ascii_re2(pattern, flags) is None
    pat = ColumnPattern(pattern, flags)
    texts = ["ab", "aab", "aa", "a", "—", "a b", "ab", "1", "\x1c", "\x08", " "]
    assert pat.search(texts).tolist() == [bool(pat.py.search(t)) for t in texts]


def test_rewrite_spells_out_pythons_classes() -> None:
    assert ascii_re2(r"\d+\s\w") == r"[0-9]+[\t\n\x0b\x0c\r\x1c-\x1f\x20][0-9A-Za-z_]"
    assert ascii_re2(r"[\d,]") == "[0-9,]"
    assert ascii_re2(r"[\D]") is None  # no RE2 spelling of 'not a digit' inside a class
    assert ascii_re2(r"abc\Z") == r"abc\z"
    assert ascii_re2("total", re.I) == "(?i)total"


def test_inputs_of_every_kind() -> None:
    pat = ColumnPattern(r"^\d+$")
    texts = ["12", "x", "٣", "", None, float("nan")]
    expected = [True, False, True, False, False, False]
    assert pat.fullmatch(texts).tolist() == expected
    assert pat.fullmatch(np.array(texts, dtype=object)).tolist() == expected
    assert pat.fullmatch(pd.Series(texts, dtype="str")).tolist() == expected
    assert pat.fullmatch(pd.Series(texts, dtype=object)).tolist() == expected
    chunked = pa.chunked_array([["12", "x"], ["٣", None]])
    assert pat.fullmatch(chunked).tolist() == [True, False, True, False]
    assert pat.fullmatch([]).tolist() == []
    matched, groups = ColumnPattern(r"(?P<n>\d+)").extract(pd.Series(["a1", None, "b"]))
    assert matched.tolist() == [True, False, False]
    assert groups["n"].tolist() == ["1", "", ""]


def test_extract_needs_named_groups() -> None:
    with pytest.raises(ValueError):
        ColumnPattern(r"(\d)").extract(["1"])


def test_only_the_odd_cells_go_through_python(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """'Würth' or '€12' alone no longer sends a whole column through re: only cells with
    characters the pattern's classes treat their own way do."""
    pat = ColumnPattern(r"^\s*(?P<num>\d+)\s*$")
    texts = ["12", "€12", "Würth", " 7 ", "٣", "1\xa02", "3\n"]
    seen: list[str] = []

    class Spy:
        def __init__(self, real: re.Pattern[str]) -> None:
            self.real = real

        def fullmatch(self, t: str) -> re.Match[str] | None:
            seen.append(t)
            return self.real.fullmatch(t)

    monkeypatch.setattr(pat, "py", Spy(pat.py))
    assert pat.fullmatch(texts).tolist() == [True, False, False, True, True, False, True]
    assert seen == (["٣", "1\xa02", "3\n"] if path == "arrow" else texts)


def test_a_pattern_re2_refuses_falls_back(path: str) -> None:
    if path == "python":
        pytest.skip("short inputs never reach RE2")
    pat = ColumnPattern(r"a+")
    pat.re2 = "a{2000}"  # beyond RE2's repeat limit: refused when run
    assert pat.search(["a", "b"]).tolist() == [True, False]
    assert pat.re2 is None
    pat2 = ColumnPattern(r"(?P<x>a+)")
    pat2.re2 = "(?P<x>a{2000})"
    assert pat2.extract(["aa"])[1]["x"].tolist() == ["aa"]


def test_module_does_not_load_pyarrow_on_import() -> None:
    assert "pyarrow" not in fastre.__dict__


def test_texts_arrow_cannot_hold_go_through_re() -> None:
    """A lone surrogate (not valid UTF-8) or a number among the texts: no Arrow array, so
    every cell goes through re, and nothing that is not text matches."""
    pat = ColumnPattern(r"(?P<d>\d)")
    texts = ["a\udcff1", 7, "x", None, "2"]
    assert pat.search(texts).tolist() == [True, False, False, False, True]
    matched, groups = pat.extract(np.array(texts, dtype=object))
    assert matched.tolist() == [True, False, False, False, True]
    assert groups["d"].tolist() == ["1", "", "", "", "2"]

"""Regular expressions over text columns at Arrow speed, with Python's meaning.

pandas runs a column's regex in pyarrow (RE2, in C) only when RE2 means the same as
Python's ``re`` for *every* cell; one 'Würth' or '€12' in a column sends all of its cells
through Python one by one. Here the decision is made per cell instead: cells that are
plain ASCII without a line break go through RE2 with a pattern rewritten to Python's
ASCII meaning (``\\d`` is ``[0-9]``, ``\\s`` also takes ``\\v`` and ``\\x1c``-``\\x1f``),
and only the other cells go through ``re``. A pattern RE2 cannot run (lookarounds,
back-references) goes through ``re`` whole. tests/core/test_fastre.py compares both
ways on fuzzed text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

# Python's classes on ASCII text, as RE2 class contents (without the brackets)
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f\x20"
_DIGIT = "0-9"
_WORD = "0-9A-Za-z_"
_OUTSIDE = {
    "d": f"[{_DIGIT}]",
    "D": f"[^{_DIGIT}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
}
_INSIDE = {"d": _DIGIT, "s": _SPACE, "w": _WORD}  # \D, \S, \W in a class: no rewrite
_LETTER_ESCAPES = set("bBAtnrfv")  # the same in RE2 (\\b on ASCII text too)
_UNSUPPORTED_FLAGS = re.VERBOSE | re.LOCALE | re.DEBUG | re.ASCII
_INLINE_FLAGS = re.IGNORECASE | re.DOTALL | re.MULTILINE
# the non-ASCII characters Python's \s takes (str.isspace)
_UNICODE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_OTHER_DIGIT = r"[^\P{Nd}0-9]"  # a decimal digit of another script (RE2 knows them all)
# what sends a cell to Python, by the classes a pattern uses (see _rewrite)
_RISKY = {
    "": r"\n",
    "d": rf"\n|{_OTHER_DIGIT}",
    "s": rf"\n|{_UNICODE_SPACE}",
    "ds": rf"\n|{_OTHER_DIGIT}|{_UNICODE_SPACE}",
    "w": r"[^\x00-\x09\x0b-\x7f]",
}


@functools.lru_cache(maxsize=256)
def ascii_re2(pattern: str, flags: int = 0) -> str | None:
    """`pattern` rewritten for RE2 so that it matches ASCII text without line breaks
    exactly as Python's ``re`` does; None when that cannot be promised."""
    return _rewrite(pattern, flags)[0]


@functools.lru_cache(maxsize=256)
def _rewrite(pattern: str, flags: int) -> tuple[str | None, str]:
    """(RE2 form or None, the classes whose non-ASCII members make a cell need Python:
    'd' digits, 's' spaces, 'w' anything non-ASCII)."""
    if flags & _UNSUPPORTED_FLAGS:
        return None, ""
    try:
        parsed = re._parser.parse(pattern, flags)  # type: ignore[attr-defined]
    except re.error:
        return None, ""
    if parsed.state.flags & _UNSUPPORTED_FLAGS or _has_unsupported(parsed):
        return None, ""
    explicit = flags
    flags |= parsed.state.flags
    used: set[str] = set()
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                return None, ""
            nxt = pattern[i + 1]
            if nxt in _OUTSIDE:
                used.add(nxt.lower())
                if in_class:
                    if nxt not in _INSIDE:
                        return None, ""
                    out.append(_INSIDE[nxt])
                else:
                    out.append(_OUTSIDE[nxt])
                i += 2
                continue
            if nxt == "Z":
                out.append(r"\z")
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                code = pattern[i + 2 : i + 2 + width]
                if len(code) != width or not all(c in "0123456789abcdefABCDEF" for c in code):
                    return None, ""
                out.append(f"\\x{{{code}}}")
                i += 2 + width
                continue
            if nxt == "x":
                code = pattern[i + 2 : i + 4]
                if len(code) != 2 or not all(c in "0123456789abcdefABCDEF" for c in code):
                    return None, ""
                out.append(f"\\x{{{code}}}")
                i += 4
                continue
            if nxt.isdigit() or (nxt.isalpha() and nxt not in _LETTER_ESCAPES) or ord(nxt) > 127:
                return None, ""  # back-references, octal, \N{...}, other letters
            if nxt in "bB":
                if in_class:
                    return None, ""  # [\b] is a backspace in Python
                used.add("w")
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and not _class_start(pattern, i):
                in_class = False
            elif ch == "[":
                if pattern[i + 1 : i + 2] in (":", "=", "."):
                    return None, ""  # POSIX classes mean something else in RE2
        elif ch == "[":
            in_class = True
        elif ch == "{" and pattern[i + 1 : i + 2] == ",":
            return None, ""  # '{,n}' repeats in Python, is a literal in RE2
        out.append(ch)
        i += 1
    prefix = "".join(
        flag
        for bit, flag in ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m"))
        if explicit & bit  # inline flags stay in the pattern's text
    )
    body = "".join(out)
    if flags & re.IGNORECASE:
        used.add("w")  # case folding reaches past ASCII ('ſ' is 's')
    risky = "w" if "w" in used else "".join(sorted(used & {"d", "s"}))
    return (f"(?{prefix}){body}" if prefix else body), risky


def _class_start(pattern: str, i: int) -> bool:
    """Whether the ']' at i is the first character of a class ('[]a]', '[^]a]')."""
    j = i - 1
    if j >= 0 and pattern[j] == "^":
        j -= 1
    return j >= 0 and pattern[j] == "[" and (j == 0 or pattern[j - 1] != "\\")


def _has_unsupported(parsed: Any) -> bool:
    names = {"ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS", "ATOMIC_GROUP",
             "POSSESSIVE_REPEAT"}  # fmt: skip
    for op, av in parsed:
        if str(op) in names:
            return True
        if str(op) == "SUBPATTERN" and (av[1] | av[2]) & ~_INLINE_FLAGS:
            return True  # (?a:...), (?x:...): no RE2 form
        for item in av if isinstance(av, (list, tuple)) else (av,):
            if isinstance(item, re._parser.SubPattern):  # type: ignore[attr-defined]
                if _has_unsupported(item):
                    return True
            elif isinstance(item, (list, tuple)):
                for sub in item:
                    if isinstance(sub, re._parser.SubPattern) and _has_unsupported(sub):  # type: ignore[attr-defined]
                        return True
    return False


class ColumnPattern:
    """One compiled pattern run over many texts: search/match/fullmatch give a bool
    array (False for missing values), extract the named groups."""

    def __init__(self, pattern: str | re.Pattern[str], flags: int = 0) -> None:
        self.py = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
        self.re2, self.risky = _rewrite(self.py.pattern, self.py.flags & ~re.UNICODE)

    def search(self, texts: Sequence[Any] | Any) -> np.ndarray:
        return self._test(texts, "search")

    def match(self, texts: Sequence[Any] | Any) -> np.ndarray:
        return self._test(texts, "match")

    def fullmatch(self, texts: Sequence[Any] | Any) -> np.ndarray:
        return self._test(texts, "fullmatch")

    def _test(self, texts: Any, how: str) -> np.ndarray:
        fn = getattr(self.py, how)
        arr = None if _few(texts) else as_arrow(texts)
        if arr is None:  # a few texts (Arrow's fixed cost outweighs re), no Arrow for them
            return np.array(_tested_by_re(fn, _values(texts)), dtype=bool)
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(arr)
        out = np.zeros(n, dtype=bool)
        if n == 0:
            return out
        slow = self._slow_cells(arr)
        if slow is None:
            slow = np.ones(n, dtype=bool)
        else:
            anchored = {"search": "{}", "match": "^(?:{})", "fullmatch": "^(?:{})$"}[how]
            try:
                hit = pc.match_substring_regex(arr, anchored.format(self.re2))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 refused it after all
                self.re2 = None
                return self._test(texts, how)
            out[:] = hit.fill_null(False).to_numpy(zero_copy_only=False)
        idx = np.nonzero(slow)[0]
        if len(idx):
            out[idx] = _tested_by_re(fn, arr.take(pa.array(idx)).to_pylist())
        return out

    def extract(self, texts: Sequence[Any] | Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(matched, {group name: text}) like ``str.extract`` with ``re.search``; a group
        that did not take part, or a text that did not match, gives ''."""
        names = list(self.py.groupindex)
        if not names or self.py.groups != len(names):
            raise ValueError("extract needs a pattern whose groups are all named")
        arr = None if _few(texts) else as_arrow(texts)
        if arr is None:
            values = _values(texts)
            matched = np.zeros(len(values), dtype=bool)
            groups = {g: np.full(len(values), "", dtype=object) for g in names}
            self._extract_by_re(range(len(values)), values, matched, groups)
            return matched, groups
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(arr)
        matched = np.zeros(n, dtype=bool)
        groups = {g: np.full(n, "", dtype=object) for g in names}
        if n == 0:
            return matched, groups
        slow = self._slow_cells(arr)
        if slow is None:
            slow = np.ones(n, dtype=bool)
        else:
            try:
                got = pc.extract_regex(arr, self.re2)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                self.re2 = None
                return self.extract(texts)
            ok = got.is_valid().to_numpy(zero_copy_only=False) & ~slow
            matched[ok] = True
            if ok.any():
                fast_idx = np.nonzero(ok)[0]
                sub = got.take(pa.array(fast_idx))
                for g in names:
                    groups[g][fast_idx] = sub.field(g).to_numpy(zero_copy_only=False)
        idx = np.nonzero(slow)[0]
        if len(idx):
            values = arr.take(pa.array(idx)).to_pylist()
            self._extract_by_re(idx.tolist(), values, matched, groups)
        return matched, groups

    def _extract_by_re(
        self,
        at: Iterable[int],
        values: Sequence[Any],
        matched: np.ndarray,
        groups: dict[str, np.ndarray],
    ) -> None:
        """Fill `matched` and `groups` at positions `at` from `values` (texts or None)
        with Python's re."""
        for k, v in zip(at, values, strict=True):
            m = self.py.search(v) if isinstance(v, str) else None
            if m is not None:
                matched[k] = True
                for g, column in groups.items():
                    column[k] = m.group(g) or ""

    def _slow_cells(self, arr: pa.Array) -> np.ndarray | None:
        """Cells RE2 may not answer for; None when none may (the pattern has no RE2 form).
        A cell needs Python when it has a line break ('$' differs), or non-ASCII
        characters the pattern's classes treat their own way: digits of other scripts for
        \\d, Unicode spaces for \\s, anything non-ASCII for \\w, \\b and case folding."""
        import pyarrow.compute as pc

        if self.re2 is None:
            return None
        hit = pc.match_substring_regex(arr, _RISKY[self.risky])
        return hit.fill_null(True).to_numpy(zero_copy_only=False)


def _tested_by_re(fn: Callable[[str], Any], values: Iterable[Any]) -> list[bool]:
    """`fn` (a compiled pattern's search, match or fullmatch) on each text; False for
    missing values."""
    return [isinstance(v, str) and fn(v) is not None for v in values]


FEW = 256
"""Up to this many texts go through re directly (pyarrow's fixed cost per call is about
what re takes for a few hundred short texts)."""


def _few(texts: Any) -> bool:
    return len(texts) <= FEW


@functools.cache
def have_arrow() -> bool:
    """Whether pyarrow can be used: the frozen app is built without it by default (see
    installer/riskapp.spec), and then every text goes through re."""
    try:
        import pyarrow
        import pyarrow.compute  # noqa: F401
    except ImportError:
        return False
    return True


def _values(texts: Any) -> list[Any]:
    """A few texts as Python values (None for missing ones)."""
    if hasattr(texts, "to_pylist"):
        return list(texts.to_pylist())
    if hasattr(texts, "to_numpy"):
        texts = texts.to_numpy(dtype=object)
    return list(texts)


def as_arrow(texts: Any) -> pa.Array | None:
    """Texts as one pyarrow string array (pandas' Arrow-backed columns without a copy);
    None when Arrow cannot hold them (a lone surrogate, a value that is not text) or
    there is no pyarrow."""
    if not have_arrow():
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else None
    try:
        if arr is None:
            arr = pa.array(texts, type=pa.large_string(), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            arr = pc.cast(arr, pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return None
    return arr

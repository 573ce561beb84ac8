"""Parsing cell values the way buyers write them: quantities, prices, masses, designators.

Every parser works on a whole pandas Series and parses each *distinct* text once (BOMs
repeat the same few quantity spellings thousands of times), so the cost is per unique
value, not per line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskapp.core.fastre import ColumnPattern

_MISSING_WORDS = {
    "",
    "-",
    "--",
    "—",
    "–",
    "?",
    "n/a",
    "na",
    "nan",
    "none",
    "null",
    "tbd",
    "tba",
    "tbc",
    "a lot",
    "lots",
    "many",
    "several",
    "some",
    "as required",
    "as needed",
    "ar",
    "a/r",
    "bulk",
    "various",
    "varies",
    "x",
    "nach bedarf",
    "bei bedarf",
    "viele",
    "según necesidad",
}

_NUM = r"\d+(?:[.,]\d+)*"
_RE_NUMBER_ONLY = re.compile(r"^[+]?\d+(?:[.,' \u00a0\u202f]\d+)*$")
_RE_LEADING = re.compile(
    r"^\s*(?:ca\.?|approx\.?|~|≈|x|qty:?)?\s*([+]?\d+(?:[.,]\d+)*(?:\s*/\s*\d+)?)\s*(.*)$", re.I
)
_RE_TRAILING_X = re.compile(r"^\s*x\s*(\d+)\s*$", re.I)
_RE_PACK_ONLY = re.compile(
    r"^\s*(?:(\d+)\s*[- ]?\s*(?:pack|pk)\b.*|(?:a\s+)?(?:pack|set|box|bag|lot)\s+of\s+(\d+)\b.*)$",
    re.I,
)
_RE_RANGE = re.compile(rf"^\s*({_NUM})\s*(?:-|–|—|to|bis|a)\s*({_NUM})\s*(.*)$", re.I)
_RE_FRACTION = re.compile(r"^(\d+)\s*/\s*(\d+)$")
_RE_MIXED_FRACTION = re.compile(r"^(\d+)[ -](\d+)/(\d+)$")
_RE_EXPONENT = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d{1,3}")
_RE_DATE_TEXT = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\d{1,2}[./]\d{1,2}[./]\d{4}|\d{1,2}:\d{2}:\d{2})$"
)
_RE_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class ParsedQuantity:
    value: float | None
    unit: str  # unit word found after the number ("pcs", "m", ...), lower-case
    note: str  # why the value is what it is, for the import report ('' when plain)
    problem: bool  # True when a buyer should look at it


_RE_COMMA_STYLE = ColumnPattern(r"^\D*\d+(?:\.\d{3})*,\d{1,2}\D*$|^\D*\d+,\d{1,2}\D*$")
_RE_DOT_STYLE = ColumnPattern(r"^\D*\d+(?:,\d{3})*\.\d+\D*$")
# ... of which these could be a comma column's thousands: '1.250', '12.500'
_RE_DOT_THREE = ColumnPattern(r"^\D*\d{1,3}\.\d{3}\D*$")
# a comma no thousands separator can be: after a lone 0 ('0,350'), before four or more
# digits ('1,2500'), after four or more ('1000,5'), or after dot-grouped thousands
_RE_COMMA_ONLY = ColumnPattern(
    r"^\D*0,\d+\D*$|^\D*\d+,\d{4,}\D*$|^\D*\d{4,},\d+\D*$|^\D*\d{1,3}(?:\.\d{3})+,\d+\D*$"
)
_RE_COMMA_THREE = ColumnPattern(r"^\D*\d{1,3},\d{3}\D*$")  # '1,000', '12,500 ST'
_RE_DIGIT = ColumnPattern(r"\d")
FIXED_DECIMALS_SHARE = 0.8
"""A quantity column is read as written with three decimals after a comma (SAP's '1,000'
for one piece) when at least this share of its cells with digits look so and none says
otherwise: read with thousands separators, every quantity would be 1,000 or more."""


def number_style(texts: pd.Series, *, quantities: bool = False) -> str:
    """Guess whether a column writes decimals with a comma ('comma') or a dot ('dot').

    '1,5', '0,350' or '1.234,50' mean comma; '1,234.50' or '0.5' mean dot. A column whose
    cells nearly all read 'd,ddd' ('1,000', '12,000', as SAP writes quantities with three
    decimals) means comma too when the column holds *quantities*. When nothing tells,
    return 'dot'.
    """
    sample = _style_sample(texts, 5000)
    # a cell is one vote: '0,35' reads as both patterns
    comma = (_RE_COMMA_STYLE.search(sample) | _RE_COMMA_ONLY.search(sample)).sum()
    dot_any = _RE_DOT_STYLE.search(sample)
    dot = dot_any.sum()
    if comma > dot:
        return "comma"
    if comma and not (dot_any & ~_RE_DOT_THREE.search(sample)).any():
        return "comma"  # every dot could group thousands, and a comma cannot
    if quantities and dot == 0 and comma == 0:
        three = int(_RE_COMMA_THREE.search(sample).sum())
        with_digits = int(_RE_DIGIT.search(sample).sum())
        if three >= 2 and three >= FIXED_DECIMALS_SHARE * with_digits:
            return "comma"
    return "dot"


def _style_sample(texts: pd.Series, n: int) -> pd.Series:
    """The first `n` cells of a column that are not empty once stripped, stripped. Only as
    many cells as that takes are turned into text (a column of 100,000 texts would cost
    ~30 ms for a sample of 5,000)."""
    if texts.dtype == object:  # plain arrays: pandas' per-call costs are most of the work
        cells = texts.to_numpy()
        filled = texts.iloc[np.flatnonzero(~pd.isna(cells) & (cells != ""))]
    else:
        filled = texts.dropna()
        filled = filled[(filled != "").to_numpy(dtype=bool)]  # '' is never in the sample
    take = n
    while True:
        sample = filled.iloc[:take].astype(str).str.strip()
        sample = sample[sample != ""]
        if len(sample) >= n or take >= len(filled):
            return sample.head(n)
        take *= 4


_ZEROS = frozenset({"0", "+0", "-0"})  # '0,350' is no thousand


def to_float(text: str, style: str = "dot") -> float | None:
    """Convert '1.234,50' / '1,234.50' / '1 234' / '1,5' into a float, else None."""
    t = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("'", "")
    if not t:
        return None
    m = _RE_FRACTION.match(t)
    if m and int(m.group(2)) != 0:
        return int(m.group(1)) / int(m.group(2))
    m = _RE_MIXED_FRACTION.match(t)  # '1 1/2'
    if m and 0 < int(m.group(2)) < int(m.group(3)):
        return int(m.group(1)) + int(m.group(2)) / int(m.group(3))
    t = t.replace(" ", "")
    if _RE_EXPONENT.fullmatch(t):  # '1e3', '2.5E-1', as a cell formatted as text shows them
        return float(t)
    if not _RE_PLAIN_NUMBER.fullmatch(t):
        return None
    has_dot, has_comma = "." in t, "," in t
    if has_dot and has_comma:
        # the last separator is the decimal one
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif has_comma:
        parts = t.split(",")
        if style == "comma" or (len(parts) == 2 and (len(parts[1]) != 3 or parts[0] in _ZEROS)):
            if len(parts) > 2:  # 1,234,567 with comma style makes no sense: thousands
                t = t.replace(",", "")
            else:
                t = t.replace(",", ".")
        else:
            t = t.replace(",", "")
    elif has_dot:
        parts = t.split(".")
        if len(parts) > 2 or (style == "comma" and len(parts[1]) == 3):
            t = t.replace(".", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_quantity_text(text: str, style: str = "dot") -> ParsedQuantity:
    """Read a quantity as a buyer writes it: '2 pcs', '2 (comes in pack of 2)', '4-pack'."""
    raw = text.strip()
    low = raw.lower()
    if low in _MISSING_WORDS:
        return ParsedQuantity(None, "", "" if not low else f"'{raw}' is not a number", bool(low))
    value = to_float(raw, style)
    if value is not None:
        return ParsedQuantity(value, "", "", value < 0)
    if _RE_DATE_TEXT.match(raw):  # a date cell in the quantity column: not 2,024 pieces
        return ParsedQuantity(None, "", f"'{raw}' is a date or time, not a quantity", True)
    m = _RE_PACK_ONLY.match(low)
    if m:
        n = m.group(1) or m.group(2)
        return ParsedQuantity(float(n), "pcs", f"read '{raw}' as {n}", False)
    m2 = _RE_RANGE.match(low)
    if m2:
        lo, hi = to_float(m2.group(1), style), to_float(m2.group(2), style)
        if lo is not None and hi is not None and hi >= lo:
            return ParsedQuantity(
                hi, m2.group(3).strip(), f"range '{raw}': used the upper value {hi:g}", True
            )
    m3 = _RE_TRAILING_X.match(low)
    if m3:
        return ParsedQuantity(float(m3.group(1)), "", "", False)
    m4 = _RE_LEADING.match(low)
    if m4:
        num = m4.group(1).replace(" ", "")
        v = to_float(num, style)
        if v is not None:
            rest = m4.group(2).strip()
            unit = re.match(r"^([a-zäöüéèà.]+)", rest)
            u = unit.group(1).rstrip(".") if unit else ""
            note = f"read '{raw}' as {v:g}" if rest else ""
            return ParsedQuantity(v, u, note, False)
    return ParsedQuantity(None, "", f"'{raw}' is not a quantity", True)


def _map_unique(texts: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    codes, uniques = pd.factorize(texts.to_numpy(dtype=object))
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [fn(u) for u in uniques]
    return pd.Series(results[codes], index=texts.index, dtype=object)


_NUMBER_TYPES = (int, float, np.integer, np.floating)
_TYPE_OF = np.frompyfunc(type, 1, 1)
# cell value type -> 0 text, 1 float, 2 int, 3 anything else (None, dates, booleans, numpy)
_KIND: dict[type, int] = {str: 0, float: 1, int: 2}


def cell_kinds(cells: np.ndarray) -> np.ndarray:
    """Per cell 0 text, 1 float, 2 int, 3 other. A column of only texts or only floats (the
    usual case) is recognised in one C-level pass (numpy floats then count as floats; the
    readers never produce them); mixed columns from one array of the cells' types."""
    n = len(cells)
    inferred = pd.api.types.infer_dtype(cells, skipna=False)
    if inferred == "string":
        return np.zeros(n, dtype=np.int8)
    if inferred == "floating":  # floats only, NaN included
        return np.ones(n, dtype=np.int8)
    types = _TYPE_OF(cells)
    kinds = np.full(n, 3, dtype=np.int8)
    for t, k in _KIND.items():
        kinds[types == t] = k
    return kinds


def python_texts(column: pd.Series) -> bool:
    """Whether a column holds Python strings and nothing else (no missing values)."""
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=False) == "string"


def split_cells(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, texts) of a column of cell values: the value of every numeric cell (NaN
    elsewhere), and the display text of every other cell ('' for empty and numeric ones).
    One pass over the cells; parsing then works on the distinct texts."""
    cells = raw.to_numpy(dtype=object)
    n = len(cells)
    numbers = np.full(n, np.nan)
    texts = np.full(n, "", dtype=object)
    kinds = cell_kinds(cells)
    is_str, is_float = kinds == 0, kinds == 1
    if is_str.all():  # a text column
        return numbers, cells.copy()
    if is_float.all():  # a number column (NaN = empty)
        return cells.astype(np.float64), texts
    texts[is_str] = cells[is_str]
    numbers[is_float] = cells[is_float].astype(np.float64)
    for i in np.nonzero(kinds >= 2)[0]:  # empties, ints, dates, booleans
        v = cells[i]
        if v is None:
            continue
        if isinstance(v, _NUMBER_TYPES) and not isinstance(v, bool):
            f = float(v)
            if not math.isnan(f):
                numbers[i] = f
            continue
        texts[i] = _as_text(v)
    return numbers, texts


def _parse_unique(
    texts: np.ndarray, fn: Callable[[str], tuple[object, ...]], width: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """Run `fn` once per distinct non-empty text; returns one object array per field of
    fn's result (None where the text was empty) and the non-empty mask."""
    filled = texts != ""
    codes, uniques = pd.factorize(texts[filled])
    parsed = [fn(str(u)) for u in uniques]
    out = []
    for k in range(width):
        col = np.full(len(texts), None, dtype=object)
        col[filled] = np.array([p[k] for p in parsed] + [None], dtype=object)[codes]
        out.append(col)
    return out, filled


def _blank(texts: np.ndarray) -> np.ndarray:
    """Texts that are empty or only whitespace (checked once per distinct text)."""
    codes, uniq = pd.factorize(texts)
    return np.array([not str(u).strip() for u in uniq], dtype=bool)[codes]


def _floats(values: np.ndarray) -> np.ndarray:
    """An object array of numbers and None as float64 (None is NaN)."""
    out = np.full(len(values), np.nan)
    given = ~pd.isna(values)
    out[given] = values[given].astype("float64")
    return out


def parse_quantities(raw: pd.Series, style: str | None = None) -> pd.DataFrame:
    """Parse a column of quantity cells (numbers or text).

    Returns a frame with `value` (float, NaN when missing), `unit`, `note`, `problem`.
    """
    numbers, texts = split_cells(raw)
    st = style or number_style(pd.Series(texts, dtype=object), quantities=True)

    def one(t: str) -> tuple[object, ...]:
        p = parse_quantity_text(t, st)
        return (p.value, p.unit, p.note, p.problem)

    (value, unit, note, problem), filled = _parse_unique(texts, one, 4)
    values = np.where(np.isnan(numbers), _floats(value), numbers)
    empty = ~filled
    unit[empty] = ""
    note[empty] = ""
    # an empty cell is not a problem by itself (the importer reports missing quantities)
    problem[empty] = False
    return _frame(
        raw.index,
        value=values,
        unit=unit,
        note=note,
        problem=problem.astype(bool) | (numbers < 0),
    )


def _as_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return repr(int(v)) if v.is_integer() else repr(v)
    return str(v)


_CURRENCY_SYMBOLS = {
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "CNY",
    "￥": "CNY",
    "rmb": "CNY",
    "cn¥": "CNY",
    "chf": "CHF",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "cny": "CNY",
    "jpy": "JPY",
    "sek": "SEK",
    "dkk": "DKK",
    "pln": "PLN",
    "czk": "CZK",
    "cad": "CAD",
    "aud": "AUD",
    "inr": "INR",
    "krw": "KRW",
    "twd": "TWD",
    "mxn": "MXN",
    "brl": "BRL",
    "euro": "EUR",
    "dollar": "USD",
}
_RE_CURRENCY = re.compile(
    r"(us\$|cn¥|[$€£¥￥]|\b(?:rmb|chf|usd|eur|gbp|cny|jpy|sek|dkk|pln|czk|cad|aud|inr|krw|twd|mxn|brl|euro|dollar)\b)",
    re.I,
)


def currency_in(text: str) -> str:
    """ISO code of the first currency symbol or code in a text, '' when none."""
    m = _RE_CURRENCY.search(text)
    return _CURRENCY_SYMBOLS.get(m.group(1).lower(), "") if m else ""


_RE_PRICE_PREFIX = re.compile(r"^(?:ca\.?|approx\.?|~)\s*", re.I)
_RE_PRICE_SUFFIX = re.compile(r"\s*(?:/\s*(?:pc|pcs|ea|each|stk|unit)\.?|each|ea\.?)$", re.I)
_RE_COMMA_CENTS = re.compile(r"\d+,\d{2}")


def parse_price_text(text: str, style: str = "dot") -> tuple[float | None, str]:
    """'$355,80' -> (355.8, 'USD'); '1.234,50 €' -> (1234.5, 'EUR')."""
    cur = currency_in(text)
    t = (_RE_CURRENCY.sub(" ", text) if cur else text).strip().rstrip("-").strip()
    t = _RE_PRICE_PREFIX.sub("", t)
    t = _RE_PRICE_SUFFIX.sub("", t)
    if _RE_COMMA_CENTS.fullmatch(t.replace(" ", "")):
        style = "comma"
    return to_float(t, style), cur


# the common shape of a price written as text, '$34.89' or '12.5', read in bulk: a plain
# number with at most two decimals means the same in either decimal style
_RE_PLAIN_PRICE = ColumnPattern(r"^\s*(?P<sym>[$€£¥])?\s*(?P<num>\d+(?:\.\d{1,2})?)\s*$")


def parse_prices(raw: pd.Series) -> pd.DataFrame:
    """Parse a price column; returns `value` (float) and `currency` ('' when none written)."""
    numbers, texts = split_cells(raw)
    st = number_style(pd.Series(texts, dtype=object))
    filled = texts != ""
    codes, uniq = pd.factorize(texts[filled])
    u_value = np.full(len(uniq) + 1, np.nan)
    u_cur = np.full(len(uniq) + 1, "", dtype=object)
    texts_once = np.asarray(uniq, dtype=object)
    fast, plain = _RE_PLAIN_PRICE.extract(texts_once)
    u_value[:-1][fast] = plain["num"][fast].astype("float64")
    sym_codes, syms = pd.factorize(plain["sym"][fast])  # a handful of symbols, or none
    u_cur[:-1][fast] = np.array([*(_CURRENCY_SYMBOLS.get(x, "") for x in syms), ""])[sym_codes]
    for k in np.nonzero(~fast)[0]:  # everything else, one distinct text at a time
        text = str(uniq[k])
        value, cur = parse_price_text(text, st) if text.strip() else (None, "")
        u_value[k] = np.nan if value is None else value
        u_cur[k] = cur
    parsed = np.full(len(texts), np.nan)
    parsed[filled] = u_value[codes]
    currency = np.full(len(texts), "", dtype=object)
    currency[filled] = u_cur[codes]
    values = np.where(np.isnan(numbers), parsed, numbers)
    blank = ~filled  # '' and, among the distinct texts, those of only whitespace
    u_blank = np.zeros(len(uniq) + 1, dtype=bool)  # a plain price ('fast') is never blank
    u_blank[:-1][~fast] = [not str(u).strip() for u in texts_once[~fast]]
    blank[filled] = u_blank[codes]
    return _frame(raw.index, value=values, currency=currency, problem=~blank & np.isnan(values))


def _frame(index: pd.Index, **columns: np.ndarray) -> pd.DataFrame:
    """Parse results as a frame; text columns stay Python strings (object), as the importer
    uses them, instead of being turned into a string array and back."""
    return pd.DataFrame(
        {
            k: pd.Series(v, index=index, dtype=object) if v.dtype == object else v
            for k, v in columns.items()
        },
        index=index,
    )


_MASS_UNITS = {
    "mg": 0.001,
    "g": 1.0,
    "gr": 1.0,
    "gram": 1.0,
    "grams": 1.0,
    "gramm": 1.0,
    "gramos": 1.0,
    "kg": 1000.0,
    "kilo": 1000.0,
    "kilogram": 1000.0,
    "kilograms": 1000.0,
    "t": 1_000_000.0,
    "ton": 1_000_000.0,
    "tonne": 1_000_000.0,
    "tonnes": 1_000_000.0,
    "oz": 28.349523125,
    "ounce": 28.349523125,
    "ounces": 28.349523125,
    "lb": 453.59237,
    "lbs": 453.59237,
    "pound": 453.59237,
    "pounds": 453.59237,
}
_RE_MASS = re.compile(r"^\s*(" + _NUM + r")\s*([a-z]+)?\.?\s*$", re.I)


def mass_unit_factor(unit: str) -> float | None:
    """Grams per unit for a mass unit word ('kg' -> 1000), None when unknown."""
    return _MASS_UNITS.get(unit.strip().lower().rstrip("."))


def unit_in_header(header: str) -> str:
    """The unit written in a header like 'Mass (kg)' or 'Gewicht [g]', '' when none."""
    m = re.search(r"[\(\[]\s*([a-z]+)\s*[\)\]]|\bin\s+([a-z]+)\s*$", header.lower())
    if not m:
        return ""
    return m.group(1) or m.group(2) or ""


def parse_mass_text(
    text: str, default_unit: str = "g", style: str = "dot"
) -> tuple[float | None, bool]:
    """'12 g' -> 12.0; '0.4kg' -> 400.0; '3 oz' -> 85.05. Returns (grams, unit_was_written)."""
    m = _RE_MASS.match(text.replace("\u00a0", " "))
    if not m:
        return None, False
    value = to_float(m.group(1), style)
    if value is None:
        return None, False
    unit = m.group(2) or ""
    factor = mass_unit_factor(unit) if unit else mass_unit_factor(default_unit)
    if factor is None:
        return None, bool(unit)
    return value * factor, bool(unit)


def parse_masses(raw: pd.Series, default_unit: str = "g") -> pd.DataFrame:
    """Parse a mass column into grams; `unit_written` tells whether the cell said its unit."""
    factor = mass_unit_factor(default_unit) or 1.0
    numbers, texts = split_cells(raw)
    st = number_style(pd.Series(texts, dtype=object))
    (grams, written), filled = _parse_unique(
        texts, lambda t: parse_mass_text(t, default_unit, st), 2
    )
    values = np.where(np.isnan(numbers), _floats(grams), numbers * factor)
    written[~filled] = False
    return pd.DataFrame(
        {
            "grams": values,
            "unit_written": written.astype(bool),
            "problem": ~_blank(texts) & np.isnan(values),
        },
        index=raw.index,
    )


_RE_DESIGNATOR = re.compile(r"^([A-Za-z]+[A-Za-z_]*)(\d+)$")


def count_designators(text: str) -> int | None:
    """'R1,R2,R5' -> 3; 'C1-C4, C7' -> 5; 'U1 U2' -> 2; None when it is not a designator list."""
    t = text.strip()
    if not t:
        return None
    total = 0
    for token in re.split(r"[,;\s]+", t):
        if not token:
            continue
        rng = re.match(r"^([A-Za-z]+)(\d+)\s*[-–:]\s*([A-Za-z]*)(\d+)$", token)
        if rng and (not rng.group(3) or rng.group(3) == rng.group(1)):
            lo, hi = int(rng.group(2)), int(rng.group(4))
            if hi < lo or hi - lo > 10000:
                return None
            total += hi - lo + 1
        elif _RE_DESIGNATOR.match(token):
            total += 1
        else:
            return None
    return total or None


def count_designators_series(raw: pd.Series) -> pd.Series:
    texts = raw.map(_as_text)
    return _map_unique(texts, count_designators).astype("float64")


_RE_DESC_QTY = re.compile(
    r"\(\s*(\d+)\s*[- ]?\s*(?:pack|pk|pcs|pieces|stück|stk|count|ct)\s*\)|\b(\d+)\s*[- ]\s*pack\b|"
    r"\b(?:pack|set|box|bag)\s+of\s+(\d+)\b|\((?:x\s*)?(\d+)\s*(?:x|pcs|stk)?\)\s*$",
    re.I,
)


def quantity_from_description(text: str) -> float | None:
    """A pack size written in a description: 'MG996R servo motors (4-pack)' -> 4."""
    m = _RE_DESC_QTY.search(text)
    if not m:
        return None
    n = next(g for g in m.groups() if g)
    return float(n)


def quantity_from_descriptions(raw: pd.Series) -> pd.Series:
    texts = raw.map(_as_text)
    return _map_unique(texts, quantity_from_description).astype("float64")

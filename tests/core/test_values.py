"""Values as buyers write them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from riskapp.core.values import (
    count_designators,
    number_style,
    parse_mass_text,
    parse_masses,
    parse_price_text,
    parse_quantities,
    parse_quantity_text,
    quantity_from_description,
    to_float,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 pcs", 2),
        ("2 (comes in pack of 2)", 2),
        ("1,5", 1.5),
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("4-pack", 4),
        ("pack of 6", 6),
        ("5 meters", 5),
        ("x3", 3),
        ("1/2", 0.5),
        ("12", 12),
        ("2-4", 4),
    ],
)
def test_quantity_text(text: str, value: float) -> None:
    assert parse_quantity_text(text).value == pytest.approx(value)


@pytest.mark.parametrize("text", ["A lot", "—", "-", "n/a", "TBD", "as required"])
def test_missing_quantities_are_none_with_a_note(text: str) -> None:
    q = parse_quantity_text(text)
    assert q.value is None
    assert q.problem
    assert text in q.note


def test_range_is_flagged() -> None:
    q = parse_quantity_text("2-4")
    assert q.problem and "upper" in q.note


def test_quantity_column_mixes_numbers_and_text() -> None:
    out = parse_quantities(pd.Series([2.0, "3 pcs", None, "A lot", "1,5"], dtype=object))
    assert out["value"].tolist()[:2] == [2.0, 3.0]
    assert math.isnan(out["value"][2]) and math.isnan(out["value"][3])
    assert out["value"][4] == 1.5
    assert out["problem"].tolist() == [False, False, False, True, False]


def test_decimal_comma_column_style() -> None:
    # '1,250' alone would be a thousand, but the column writes decimals with a comma
    out = parse_quantities(pd.Series(["1,5", "2,25", "1,250"], dtype=object))
    assert out["value"].tolist() == [1.5, 2.25, 1.25]


@pytest.mark.parametrize(
    ("cells", "values"),
    [
        # SAP writes every quantity with three decimals after a comma
        (["1,000", "12,000", "0,350", "1,000"], [1.0, 12.0, 0.35, 1.0]),
        (["1,000", "2,000", "4,000 ST"], [1.0, 2.0, 4.0]),  # nothing but 'd,ddd': still SAP
        (["0,350", "1.250"], [0.35, 1250.0]),  # a comma column: the dot groups thousands
        (["1000,5", "2"], [1000.5, 2.0]),
        # English thousands stay thousands when the column says nothing else
        (["1,000", "4", "25"], [1000.0, 4.0, 25.0]),
        (["1,000", "2.5"], [1000.0, 2.5]),
        (["1,000"], [1000.0]),
    ],
)
def test_decimal_comma_evidence_in_a_quantity_column(cells: list[str], values: list[float]) -> None:
    out = parse_quantities(pd.Series(cells, dtype=object))
    assert out["value"].tolist() == values


@pytest.mark.parametrize(
    ("cells", "style"),
    [
        (["0,35", "2.5"], "dot"),  # one vote each: a tie says dot
        (["0,35", "1,5", "2.5"], "comma"),
        (["0,35", "2.5", "3.5"], "dot"),
        (["0,350", "1.250"], "comma"),  # the dot can group thousands, the comma cannot
    ],
)
def test_number_style_counts_each_cell_once(cells: list[str], style: str) -> None:
    assert number_style(pd.Series(cells, dtype=object)) == style


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("$355,80", 355.8, "USD"),
        ("€ 12.50", 12.5, "EUR"),
        ("1.234,50 €", 1234.5, "EUR"),
        ("USD 3.20", 3.2, "USD"),
        ("12.5", 12.5, ""),
        ("£7", 7.0, "GBP"),
    ],
)
def test_prices(text: str, value: float, currency: str) -> None:
    assert parse_price_text(text) == (pytest.approx(value), currency)


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("12 g", 12),
        ("0.4kg", 400),
        ("3 oz", 85.0486),
        ("500 mg", 0.5),
        ("2.7 t", 2.7e6),
        ("1 lb", 453.592),
    ],
)
def test_masses(text: str, grams: float) -> None:
    g, written = parse_mass_text(text)
    assert g == pytest.approx(grams, rel=1e-4)
    assert written


def test_mass_column_uses_header_unit_for_bare_numbers() -> None:
    out = parse_masses(pd.Series([1.2, "300 g", "0,4 kg"], dtype=object), default_unit="kg")
    assert out["grams"].tolist() == pytest.approx([1200.0, 300.0, 400.0])


@pytest.mark.parametrize(
    ("text", "n"),
    [("R1,R2,R5", 3), ("C1-C4, C7", 5), ("U1 U2", 2), ("Motor", None), ("", None), ("10k", None)],
)
def test_designators(text: str, n: int | None) -> None:
    assert count_designators(text) == n


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("MG996R servo motors (4-pack)", 4),
        ("Pack of 10 magnets", 10),
        ("Arduino Uno R3", None),
        ("PCA9685 16-channel PWM driver", None),
        ("M2.5/M3 Phillips screw kit", None),
    ],
)
def test_quantity_from_description(text: str, n: float | None) -> None:
    assert quantity_from_description(text) == n


def test_to_float_rejects_words() -> None:
    assert to_float("abc") is None
    assert to_float("1.2.3.4") == 1234.0  # dotted thousands


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 1/2", 1.5), ("2 3/4", 2.75), ("3-1/2", 3.5), ("1e3", 1000.0), ("2.5E-1", 0.25)],
)
def test_mixed_fractions_and_exponents(text: str, value: float) -> None:
    assert to_float(text) == value

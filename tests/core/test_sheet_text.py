"""The display text of a guarded read is built from the packed columns (layout.packed_text)
without a Python string per cell: it must equal fast_text on the cells, on every file we
have and on cells of every kind."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskapp.core import layout
from riskapp.core.layout import fast_text, packed_text, sheet_frames
from riskapp.core.readers import Limits, RawSheet, open_workbook, pack_rows
from tests.conftest import ODDSHEETS, REAL_BOMS, SAMPLE_BOMS

LIMITS = Limits(max_cells=10**8)


@pytest.fixture(autouse=True)
def packed_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small sheets too take the packed path here (the app keeps it for big ones)."""
    monkeypatch.setattr(layout, "PACKED_TEXT_MIN_ROWS", 0)


def _files() -> list[Path]:
    found = []
    for folder in (SAMPLE_BOMS, REAL_BOMS, ODDSHEETS):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".md")
    return found


def _text_from_cells(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: fast_text(raw[c]) for c in raw.columns}, index=raw.index)


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_text_from_packed_columns_is_the_text_of_the_cells(path: Path) -> None:
    try:
        wb = open_workbook(path, LIMITS, packed=True)
    except Exception:  # files no reader takes are tested elsewhere
        pytest.skip("not readable")
    for sheet in wb.sheets:
        sheet.pack()  # CSV sheets too, as the guard sends them
        distinct: dict[object, tuple[np.ndarray, pd.Series]] = {}
        raw, text = sheet_frames(sheet, distinct)
        assert sheet.packed is None and sheet.columns is not None
        pd.testing.assert_frame_equal(text, _text_from_cells(raw), check_exact=True)
        _check_distinct(text, distinct, stale=_merged_columns(sheet))


def _merged_columns(sheet: RawSheet) -> set[int]:
    return {c for _, c0, _, c1 in sheet.merged for c in range(c0, c1 + 1)}


def _check_distinct(
    text: pd.DataFrame, distinct: dict[object, tuple[np.ndarray, pd.Series]], stale: set[int]
) -> None:
    """The distinct texts found on the way (layout.TextCodes) name every cell's text, once
    each; columns a merged range changed are left to TextCodes to factorize."""
    assert set(distinct) == {c for c in text.columns if c not in stale}
    for c, (codes, uniq) in distinct.items():
        assert uniq.is_unique
        assert uniq.to_numpy(dtype=object)[codes].tolist() == text[c].tolist()


ODD_CELLS: list[object] = [
    "plain",
    "  padded  ",
    "2.0",
    "-3.0",
    " 4.0",
    "x\x1c",
    "\xa0nbsp\xa0",
    "",
    None,
    0.0,
    -0.0,
    2.0,
    1.5,
    0.1,
    1e-7,
    123456789012345.0,
    1e16,
    -2.5e17,
    math.inf,
    -math.inf,
    math.nan,
    7,
    -12,
    10**20,
    True,
    False,
    dt.datetime(2026, 11, 29, 8, 30),
    dt.date(2026, 1, 2),
    dt.time(12, 0),
    dt.timedelta(days=1),
    np.float64(3.0),
    "duplicate",
    "duplicate",
]


@pytest.mark.parametrize("blocks", [1, 3])
def test_every_kind_of_cell_gives_the_same_text(blocks: int) -> None:
    rows = [[v, ODD_CELLS[-(i + 1)]] for i, v in enumerate(ODD_CELLS)] * 3
    size = -(-len(rows) // blocks)
    packed = [pack_rows(rows[i : i + size], 2) for i in range(0, len(rows), size)]
    sheet = RawSheet("S", [], packed=packed)
    distinct: dict[object, tuple[np.ndarray, pd.Series]] = {}
    raw, text = sheet_frames(sheet, distinct)
    _check_distinct(text, distinct, stale=set())
    expected = _text_from_cells(raw)
    pd.testing.assert_frame_equal(text, expected, check_exact=True)
    assert text[0].tolist()[:5] == ["plain", "padded", "2", "-3", "4.0"]


def test_merged_ranges_refresh_the_text_of_their_columns() -> None:
    rows = [["Motor", 1.0, "a"], ["", 2.0, "b"], ["", None, "c"]]
    sheet = RawSheet("S", [], merged=[(0, 0, 2, 0)], packed=[pack_rows(rows, 3)])
    distinct: dict[object, tuple[np.ndarray, pd.Series]] = {}
    raw, text = sheet_frames(sheet, distinct)
    _check_distinct(text, distinct, stale={0})
    assert text[0].tolist() == ["Motor", "Motor", "Motor"]
    assert text[1].tolist() == ["1", "2", ""]
    pd.testing.assert_frame_equal(text, _text_from_cells(raw), check_exact=True)


def test_small_sheets_take_their_text_from_the_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "PACKED_TEXT_MIN_ROWS", 100)
    used: list[int] = []
    monkeypatch.setattr(
        layout, "packed_text", lambda parts, found: used.append(1) or packed_text(parts, found)
    )
    small = RawSheet("S", [], packed=[pack_rows([["a", 1.0]] * 99, 2)])
    big = RawSheet("S", [], packed=[pack_rows([["a", 1.0]] * 100, 2)])
    assert sheet_frames(small)[1][1].tolist() == ["1"] * 99
    assert used == []
    assert sheet_frames(big)[1][1].tolist() == ["1"] * 100
    assert used == [1, 1]


def test_packed_text_of_an_empty_column() -> None:
    assert packed_text([]).tolist() == []
    assert packed_text(pack_rows([[None], [None]], 1)).tolist() == ["", ""]
    assert str(packed_text(pack_rows([["a"]], 1)).dtype) == "str"


def test_threads_reading_one_packed_sheet_all_get_its_text() -> None:
    """The import dialog may start a new search while a cancelled one still runs (threads
    where there is no fork): both unpack the same sheet, one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    rows = [[f"part {i % 50}", float(i), None if i % 3 else "x"] for i in range(3000)]
    blocks = [pack_rows(rows[i : i + 500], 3) for i in range(0, len(rows), 500)]
    expected = sheet_frames(RawSheet("S", [], packed=[list(b) for b in blocks]))[1]
    sheet = RawSheet("S", [], packed=blocks)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: (sheet.n_rows, sheet_frames(sheet)[1]), range(12)))
    for n_rows, text in results:
        assert n_rows == 3000
        pd.testing.assert_frame_equal(text, expected, check_exact=True)

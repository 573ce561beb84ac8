"""LinesTableModel: Qt's model tester, formatting, sorting and filtering by row map, speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from riskapp.core.model import empty_lines
from riskapp.gui.table_model import (
    COLUMN_NAME_ROLE,
    HIDDEN_ROLE,
    ROW_ID_ROLE,
    SORT_ROLE,
    LinesTableModel,
    ordered_columns,
)

ASC = Qt.SortOrder.AscendingOrder
DESC = Qt.SortOrder.DescendingOrder


def lines(**columns: list[object]) -> pd.DataFrame:
    """A line frame with the canonical columns; the given ones filled."""
    n = len(next(iter(columns.values())))
    frame = empty_lines().reindex(range(n))
    for name, values in columns.items():
        frame[name] = pd.Series(values, dtype=frame[name].dtype)
    frame["hidden"] = frame["hidden"].fillna(False).astype(bool)
    return frame


@pytest.fixture
def frame() -> pd.DataFrame:
    return lines(
        sheet=["BOM"] * 5,
        row=[2, 3, 4, 5, 6],
        description=["NdFeB magnet", "stepper Motor", None, "BLDC motor", "resistor"],
        quantity=[4.0, np.nan, 20.0, 1.5, 4.0],
        unit_price=[1.2, 12.0, 0.004, np.nan, 0.0],
        manufacturer=["Arnold", "StepperOnline", "Würth", "", "Yageo"],
        hidden=[False, False, True, False, False],
    )


@pytest.fixture
def model(qapp, frame: pd.DataFrame) -> LinesTableModel:  # type: ignore[no-untyped-def]
    m = LinesTableModel()
    m.set_frame(frame)
    return m


def column(model: LinesTableModel, name: str) -> list[str]:
    c = model.column_index(name)
    return [model.display_text(r, c) for r in range(model.rowCount())]


def test_passes_qt_model_tester(qtmodeltester, model: LinesTableModel) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(model, force_py=False)
    model.sort(model.column_index("quantity"), DESC)
    qtmodeltester.check(model, force_py=False)
    model.set_filter("motor")
    qtmodeltester.check(model, force_py=False)
    model.clear()
    qtmodeltester.check(model, force_py=False)


def test_model_tester_watches_sort_and_filter(qtmodeltester, model: LinesTableModel) -> None:  # type: ignore[no-untyped-def]
    """The tester stays attached while the order changes (layoutChanged / reset)."""
    qtmodeltester.check(model, force_py=True)
    model.sort(model.column_index("description"), ASC)
    model.set_filter("m")
    model.sort(-1, ASC)
    model.set_filter("")


def test_columns_in_buyer_order(model: LinesTableModel) -> None:
    cols = model.columns()
    assert cols[:11] == [
        "sheet",
        "row",
        "description",
        "quantity",
        "extended_quantity",
        "manufacturer",
        "mpn",
        "supplier",
        "country_of_origin",
        "unit_price",
        "category",
    ]
    assert sorted(cols) == sorted(empty_lines().columns)
    assert ordered_columns(["x", "mpn", "extra:Notes", "sheet"]) == [
        "sheet",
        "mpn",
        "x",
        "extra:Notes",
    ]


def test_display_strings_are_preformatted(model: LinesTableModel) -> None:
    assert column(model, "quantity") == ["4", "", "20", "1.5", "4"]
    assert column(model, "unit_price") == ["1.20", "12.00", "0.004", "", "0.00"]
    assert column(model, "description")[2] == ""
    assert column(model, "row") == ["2", "3", "4", "5", "6"]
    # Python str, not numpy scalars (those show as blank cells).
    value = model.data(model.index(0, model.column_index("quantity")))
    assert type(value) is str
    header = model.headerData(model.column_index("quantity"), Qt.Orientation.Horizontal)
    assert header == "Qty"
    name = model.headerData(model.column_index("mpn"), Qt.Orientation.Horizontal, COLUMN_NAME_ROLE)
    assert name == "mpn"


def test_numbers_right_aligned_text_left(model: LinesTableModel) -> None:
    align = int(Qt.ItemDataRole.TextAlignmentRole)
    qty = model.data(model.index(0, model.column_index("quantity")), align)
    desc = model.data(model.index(0, model.column_index("description")), align)
    assert qty & int(Qt.AlignmentFlag.AlignRight)
    assert desc & int(Qt.AlignmentFlag.AlignLeft)


def test_custom_roles(model: LinesTableModel) -> None:
    qty = model.column_index("quantity")
    assert model.data(model.index(1, qty), SORT_ROLE) is None
    assert model.data(model.index(2, qty), SORT_ROLE) == 20.0
    assert model.data(model.index(2, 0), ROW_ID_ROLE) == 2
    assert model.data(model.index(2, 0), HIDDEN_ROLE) is True
    assert model.data(model.index(0, 0), HIDDEN_ROLE) is False


def test_hidden_source_rows_greyed_with_tooltip(model: LinesTableModel) -> None:
    fg = int(Qt.ItemDataRole.ForegroundRole)
    tip = int(Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(2, 0), fg) is not None
    assert model.data(model.index(0, 0), fg) is None
    assert "hidden in the source file" in model.data(model.index(2, 0), tip)
    header_tip = model.headerData(model.column_index("mpn"), Qt.Orientation.Horizontal, tip)
    assert "part number" in header_tip.lower()


def test_sort_numbers_stable_blanks_last(model: LinesTableModel) -> None:
    qty = model.column_index("quantity")
    model.sort(qty, ASC)
    assert column(model, "quantity") == ["1.5", "4", "4", "20", ""]
    assert column(model, "row") == ["5", "2", "6", "4", "3"]  # ties keep file order
    model.sort(qty, DESC)
    assert column(model, "quantity") == ["20", "4", "4", "1.5", ""]
    assert column(model, "row") == ["4", "2", "6", "5", "3"]
    model.sort(-1, ASC)
    assert column(model, "row") == ["2", "3", "4", "5", "6"]


def test_sort_text_case_insensitive_blanks_last(model: LinesTableModel) -> None:
    desc = model.column_index("description")
    model.sort(desc, ASC)
    assert column(model, "description") == [
        "BLDC motor",
        "NdFeB magnet",
        "resistor",
        "stepper Motor",
        "",
    ]
    model.sort(desc, DESC)
    assert column(model, "description") == [
        "stepper Motor",
        "resistor",
        "NdFeB magnet",
        "BLDC motor",
        "",
    ]


def test_selection_follows_lines_when_sorted(model: LinesTableModel) -> None:
    desc = model.column_index("description")
    keep = QPersistentModelIndex(model.index(4, desc))  # "resistor", row 6
    model.sort(model.column_index("quantity"), DESC)
    assert keep.isValid()
    assert model.data(keep) == "resistor"


def test_filter_is_case_insensitive_and_combines_with_sort(model: LinesTableModel) -> None:
    shown: list[tuple[int, int]] = []
    model.view_changed.connect(lambda s, t: shown.append((s, t)))
    model.set_filter("MOTOR")
    assert column(model, "description") == ["stepper Motor", "BLDC motor"]
    assert shown[-1] == (2, 5)
    model.sort(model.column_index("description"), ASC)
    assert column(model, "description") == ["BLDC motor", "stepper Motor"]
    model.set_filter("motor stepper")  # every word must match
    assert column(model, "description") == ["stepper Motor"]
    model.set_filter("arnold")  # other text columns count too
    assert column(model, "description") == ["NdFeB magnet"]
    model.set_filter("nothing like this")
    assert model.rowCount() == 0
    model.set_filter("")
    assert model.rowCount() == 5
    assert column(model, "description")[0] == "BLDC motor"  # the sort stays


def test_filter_does_not_match_across_cells(model: LinesTableModel) -> None:
    model.set_filter("magnetarnold")
    assert model.rowCount() == 0


def test_view_row_and_source_row(model: LinesTableModel) -> None:
    model.sort(model.column_index("quantity"), ASC)
    assert model.source_row(0) == 3
    assert model.view_row(3) == 0
    model.set_filter("magnet")
    assert model.view_row(3) == -1


def test_extra_columns_and_empty_columns(qapp) -> None:  # type: ignore[no-untyped-def]
    frame = lines(description=["a", "b"], quantity=[1.0, 2.0])
    frame["extra:Colour"] = ["red", None]
    model = LinesTableModel()
    model.set_frame(frame)
    col = model.column_index("extra:Colour")
    assert model.headerData(col, Qt.Orientation.Horizontal) == "Colour"
    assert model.is_column_empty(model.column_index("mpn"))
    assert not model.is_column_empty(model.column_index("quantity"))
    assert not model.is_column_empty(col)
    model.set_filter("red")
    assert model.rowCount() == 1


def test_duplicate_column_names_do_not_break_the_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        [["a", "x", "y"], ["b", "z", None]], columns=["description", "extra:Notes", "extra:Notes"]
    )
    model = LinesTableModel()
    model.set_frame(frame)
    assert model.columnCount() == 3
    assert [model.display_text(1, c) for c in range(3)] == ["b", "z", ""]
    qtmodeltester.check(model, force_py=False)


def big_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    words = np.array(["NdFeB magnet", "stepper motor", "screw M3", "resistor 10k", "BLDC motor"])
    makers = np.array(["Arnold", "TDK", "Würth", "Yageo", "", "Murata"])
    frame = empty_lines().reindex(range(n))
    frame["sheet"] = "BOM"
    frame["row"] = pd.array(np.arange(2, n + 2), dtype="Int64")
    frame["description"] = pd.Series(
        words[rng.integers(0, len(words), n)] + " #" + np.arange(n).astype(str)
    )
    frame["manufacturer"] = makers[rng.integers(0, len(makers), n)]
    quantity = rng.integers(1, 50, n).astype(float)
    quantity[rng.random(n) < 0.05] = np.nan
    frame["quantity"] = quantity
    frame["unit_price"] = rng.random(n) * 20
    frame["hidden"] = rng.random(n) < 0.01
    return frame


def test_100k_rows_sort_and_filter_fast(qapp) -> None:  # type: ignore[no-untyped-def]
    frame = big_frame(100_000)
    model = LinesTableModel()
    start = time.perf_counter()
    model.set_frame(frame)
    prepare = time.perf_counter() - start
    timings: dict[str, float] = {}
    for name in ("description", "quantity", "manufacturer", "unit_price"):
        for order in (ASC, DESC):
            start = time.perf_counter()
            model.sort(model.column_index(name), order)
            timings[f"sort {name} {order.name}"] = time.perf_counter() - start
    start = time.perf_counter()
    model.set_filter("motor arnold")
    timings["filter"] = time.perf_counter() - start
    start = time.perf_counter()
    model.set_filter("")
    timings["unfilter"] = time.perf_counter() - start
    print(
        f"\n100k rows: prepare {prepare:.3f} s; "
        + ", ".join(f"{k} {v:.3f} s" for k, v in timings.items())
    )
    assert max(timings.values()) < 1.0, timings
    # the first cell is right after all that
    model.sort(model.column_index("quantity"), DESC)
    assert model.data(model.index(0, model.column_index("quantity"))) == "49"

"""The BOM lines table: one QAbstractTableModel over prepared arrays.

Everything the view asks for is computed once in :meth:`LinesTableModel.set_frame`:
display strings per column (numbers formatted, missing values blank), sort keys, and one
lower-case line of text per row for the quick filter. Sorting and filtering run in
numpy/pandas over whole columns and reach the view only as a new row order (an index
map, as in Orange's ``itemmodels``) — never through ``QSortFilterProxyModel``, which
calls ``data()`` millions of times and takes tens of seconds on 100,000 rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

if TYPE_CHECKING:
    import pandas as pd

# Custom roles, module constants (cached ints: comparing against Qt enums costs µs per call).
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Raw cell value: float for numeric columns (None when missing), str otherwise."""
ROW_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""Position of the line in the source frame (int), stable across sorting and filtering."""
HIDDEN_ROLE = int(Qt.ItemDataRole.UserRole) + 3
"""True when the line's row is hidden in the source file."""
COLUMN_NAME_ROLE = int(Qt.ItemDataRole.UserRole) + 4
"""headerData: the frame column name behind a section (e.g. 'mpn', 'extra:Notes')."""
MARKED_ROLE = int(Qt.ItemDataRole.UserRole) + 5
"""True when the cell's value was set by the user (an override)."""
BAND_ROLE = int(Qt.ItemDataRole.UserRole) + 6
"""The line's band ('Critical', 'High', 'Medium', 'Low', 'Not exposed' or '')."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_HORIZONTAL = Qt.Orientation.Horizontal

_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

PREFERRED_ORDER: tuple[str, ...] = (
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
)
"""Columns shown first, in this order; every other column follows in frame order."""

HEADER_LABELS: dict[str, str] = {
    "sheet": "Sheet",
    "row": "Row",
    "table": "Table",
    "description_column": "Descr. col.",
    "category": "Category",
    "level": "Level",
    "parent_row": "Parent row",
    "item": "Item",
    "ref_des": "Ref. des.",
    "ipn": "Internal P/N",
    "name": "Name",
    "description": "Description",
    "manufacturer": "Manufacturer",
    "mpn": "MPN",
    "supplier": "Supplier",
    "spn": "Supplier P/N",
    "quantity": "Qty",
    "quantity_text": "Qty (as written)",
    "extended_quantity": "Ext. qty",
    "uom": "UoM",
    "unit_price": "Unit price",
    "currency": "Currency",
    "ext_price": "Ext. price",
    "country_of_origin": "Origin",
    "material": "Material",
    "mass_g": "Mass (g)",
    "stock": "Stock",
    "lead_time": "Lead time",
    "link": "Link",
    "notes": "Notes",
    "hidden": "Hidden",
}
"""Short column headings; the field's documentation becomes the header tooltip."""

PRICE_COLUMNS = frozenset({"unit_price", "ext_price"})
FILTER_SEPARATOR = "\x1f"  # joins columns so a search term never spans two cells
EXTRA_PREFIX = "extra:"  # riskapp.core.model.EXTRA_PREFIX; not imported, it pulls in pandas


def ordered_columns(columns: Sequence[str]) -> list[str]:
    """*columns* with :data:`PREFERRED_ORDER` first, the rest in their given order."""
    return [columns[i] for i in _ordered_positions(columns)]


def _ordered_positions(columns: Sequence[str]) -> list[int]:
    # Positions, not names: a frame may carry two columns of the same name.
    first: list[int] = []
    for name in PREFERRED_ORDER:
        if name in columns:
            first.append(list(columns).index(name))
    taken = set(first)
    return first + [i for i in range(len(columns)) if i not in taken]


def header_label(column: str) -> str:
    """The heading shown for a frame column."""
    if column.startswith(EXTRA_PREFIX):
        return column[len(EXTRA_PREFIX) :] or "(no header)"
    return HEADER_LABELS.get(column, column.replace("_", " ").capitalize())


def header_tooltip(column: str) -> str:
    """What a column means (field documentation, or where an unmapped column came from)."""
    if column.startswith(EXTRA_PREFIX):
        return f"Column '{header_label(column)}' of the file, not mapped to a BOM field."
    from riskapp.core.model import FIELDS

    return next((f.doc for f in FIELDS if f.name == column), column)


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    )


NUMBER_FORMATS = ("number", "price", "fixed1", "fixed2", "grams", "thousands")
"""How a numeric column shows: 'number' (integers without decimals, else 6 digits),
'price' (two decimals, tiny prices with four digits), 'fixed1'/'fixed2' (one/two decimals),
'grams' (blank for 0, no decimals from 100, one from 1, three below), 'thousands'."""


def format_number(value: float, kind: str = "number") -> str:
    """The text of one number as a column of *kind* shows it ('' for a missing value).

    Numeric columns are formatted when a cell is shown, not up front: a 100,000-line BOM
    has millions of numbers, and the view only ever asks for the few on screen.
    """
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if kind == "price":
        if abs(value) >= 0.01 or value == 0:
            return f"{value:,.2f}"
        return str(
            np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")
        )
    if kind == "fixed1":
        return f"{value:.1f}"
    if kind == "fixed2":
        return f"{value:.2f}"
    if kind == "thousands":
        return f"{value:,.0f}"
    if kind == "grams":
        if value == 0:
            return ""
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3f}"
    if abs(value) < 1e15 and value == round(value):
        return str(int(value))
    return f"{value:.6g}"


def _format_texts(series: pd.Series) -> np.ndarray:
    """Display strings for any non-numeric column: missing → '', bools → 'yes'/''."""
    import pandas as pd

    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        flags = series.to_numpy(dtype=bool, na_value=False)
        return np.where(flags, "yes", "").astype(object)
    from riskapp.core.values import python_texts

    if python_texts(series):
        # Python strings and nothing else (most text columns of a BOM): the column itself,
        # found in one C pass, quicker than looking for missing values first
        return series.to_numpy()
    present = series.notna().to_numpy(dtype=bool)
    if not present.any():
        return np.full(n, "", dtype=object)
    if pd.api.types.is_string_dtype(series.dtype) or pd.api.types.infer_dtype(
        series, skipna=True
    ) in ("string", "empty"):
        if series.dtype == object and present.all():
            return series.to_numpy()  # the column itself: nothing to fill, and it is shared
        arr: np.ndarray = series.to_numpy(dtype=object, na_value="")
        return arr
    # Mixed cells (numbers, dates in an unmapped column): str() each one that is there.
    out = np.full(n, "", dtype=object)
    out[present] = [str(v) for v in series.to_numpy(dtype=object)[present]]
    return out


BANDS: tuple[str, ...] = ("Critical", "High", "Medium", "Low", "Not exposed")
"""Band names, worst first (riskapp.core.scoring.BANDS plus NOT_EXPOSED; not imported here,
it pulls in pandas at start-up)."""

BAND_COLOURS: dict[str, tuple[str, str]] = {
    "Critical": ("#C00000", "#FFFFFF"),
    "High": ("#F4B183", "#000000"),
    "Medium": ("#FFE699", "#000000"),
    "Low": ("#C6EFCE", "#000000"),
    "Not exposed": ("#F2F2F2", "#595959"),
}
"""(background, text) per band — the Excel report's colours (riskapp.core.report.BAND_COLOURS)."""

MARK_COLOUR = "#DCE6F7"
"""Background of a cell whose value the user set (an override); the text is also italic."""


@dataclass(frozen=True)
class Facets:
    """What the facet filters keep: lines matching every non-empty part.

    bands/classes: the line's band / class is one of these; elements: the line holds
    any of these elements; origins: some supply stage of the line is in one of these
    countries ('?' = a stage whose origin is unknown); needs_review: only lines flagged
    for review (low confidence or unknown origin).
    """

    bands: frozenset[str] = frozenset()
    elements: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()
    needs_review: bool = False

    def is_empty(self) -> bool:
        return not (
            self.bands or self.elements or self.classes or self.origins or self.needs_review
        )


UNKNOWN_ORIGIN = "?"


@dataclass(frozen=True)
class FacetData:
    """Per-line arrays the facet filters look at (built in the worker with the lines)."""

    band: np.ndarray  # object: band name per line ('' when not scored)
    re_class: np.ndarray  # object: class id per line
    elements: dict[str, np.ndarray]  # element symbol -> bool (line holds it)
    origins: np.ndarray  # object, shape (n, stages): country code, '' = unknown
    rare_earth: np.ndarray  # bool
    needs_review: np.ndarray  # bool
    choices: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    """Per facet ('bands', 'elements', 'classes', 'origins'): (value, label, lines)."""

    def mask(self, facets: Facets) -> np.ndarray | None:
        """Lines kept by *facets* (None = all)."""
        if facets.is_empty():
            return None
        n = self.band.shape[0]
        keep = np.ones(n, dtype=bool)
        if facets.bands:
            keep &= np.isin(self.band, list(facets.bands))
        if facets.classes:
            keep &= np.isin(self.re_class, list(facets.classes))
        if facets.elements:
            any_el = np.zeros(n, dtype=bool)
            for symbol in facets.elements:
                hit = self.elements.get(symbol)
                if hit is not None:
                    any_el |= hit
            keep &= any_el
        if facets.origins:
            codes = [c for c in facets.origins if c != UNKNOWN_ORIGIN]
            hit = np.zeros(n, dtype=bool)
            if codes and self.origins.size:
                hit |= np.isin(self.origins, codes).any(axis=1)
            if UNKNOWN_ORIGIN in facets.origins and self.origins.size:
                hit |= self.rare_earth & (self.origins == "").any(axis=1)
            keep &= hit
        if facets.needs_review:
            keep &= self.needs_review
        return keep


@dataclass(frozen=True)
class PreparedLines:
    """Everything the model shows, computed once from a frame (pure numpy; thread-safe).

    Build it with :func:`prepare_lines`, in a worker thread for big frames, then hand it
    to :meth:`LinesTableModel.set_prepared`. The optional parts come from analysed lines
    (see :mod:`riskapp.gui.lines`): band colours, cells the user overrode, sort keys that
    differ from the text (bands sort by severity) and the facet-filter arrays.
    """

    frame: pd.DataFrame
    columns: list[str]
    display: list[np.ndarray | None]  # per column: str per row (None: numeric, see raw)
    raw: list[np.ndarray | None]  # per column: float64 values for numeric columns
    hidden: np.ndarray  # bool per frame row
    haystack: pd.Series  # per row: lower-case text of the non-numeric columns, joined
    band: np.ndarray | None = None  # object: band name per row, colours the 'band' column
    marked: dict[str, np.ndarray] = field(default_factory=dict)  # column -> bool per row
    sort_keys: dict[str, np.ndarray] = field(default_factory=dict)  # column -> float key
    facets: FacetData | None = None
    labels: dict[str, str] = field(default_factory=dict)  # column -> heading
    tooltips: dict[str, str] = field(default_factory=dict)  # column -> heading tooltip
    empty: list[bool] | None = None  # per column: nothing in any line (None: not known yet)
    formats: dict[str, str] = field(default_factory=dict)  # numeric column -> NUMBER_FORMATS

    @property
    def n_rows(self) -> int:
        return int(self.hidden.shape[0])


def prepare_lines(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> PreparedLines:
    """Format every cell of *frame* once and build the quick-filter text.

    *columns* (frame column names) default to :func:`ordered_columns` of the frame.
    """
    import pandas as pd

    names = [str(c) for c in frame.columns]
    positions = _ordered_positions(names) if columns is None else [names.index(c) for c in columns]
    cols = [names[i] for i in positions]
    n = len(frame)
    display: list[np.ndarray | None] = []
    raw: list[np.ndarray | None] = []
    for position in positions:
        series = frame.iloc[:, position]
        if _is_numeric(series):
            values = (
                series.to_numpy()  # the column itself (NaN already marks missing)
                if series.dtype == np.float64
                else series.to_numpy(dtype="float64", na_value=np.nan)
            )
            raw.append(values)
            display.append(None)  # formatted when shown (format_number)
        else:
            raw.append(None)
            display.append(_format_texts(series))
    if "hidden" in frame.columns:
        hidden = frame["hidden"].to_numpy(dtype=bool, na_value=False)
    else:
        hidden = np.zeros(n, dtype=bool)
    # Only columns with some text take part; joined in Python, which beats str.cat here.
    texts = [d for d, r in zip(display, raw, strict=True) if r is None and d is not None and any(d)]
    if len(texts) > 1:
        joined: Any = [FILTER_SEPARATOR.join(parts) for parts in zip(*texts, strict=True)]
    else:
        joined = texts[0] if texts else [""] * n
    haystack = pd.Series(joined, dtype="str").str.lower()
    formats = {
        c: "price" if c in PRICE_COLUMNS else "number"
        for c, r in zip(cols, raw, strict=True)
        if r is not None
    }
    return PreparedLines(frame, cols, display, raw, hidden, haystack, formats=formats)


class LinesTableModel(QAbstractTableModel):
    """Read-only table of BOM lines over a pandas frame, sorted and filtered by row map.

    Signals:
        view_changed(int, int): after the shown rows changed — rows shown, rows in total.

    Roles: ``DisplayRole`` (pre-formatted text), ``ToolTipRole``, ``TextAlignmentRole``
    (numbers right), ``ForegroundRole`` (hidden source rows greyed, band text colour),
    ``BackgroundRole`` (band colour in the band column, overridden cells tinted),
    ``FontRole`` (overridden cells italic) and the custom roles :data:`SORT_ROLE`,
    :data:`ROW_ID_ROLE`, :data:`HIDDEN_ROLE`, :data:`COLUMN_NAME_ROLE`,
    :data:`MARKED_ROLE`, :data:`BAND_ROLE`.
    """

    view_changed = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._columns: list[str] = []
        self._display: list[np.ndarray | None] = []
        self._formats: list[str] = []
        self._raw: list[np.ndarray | None] = []  # float arrays for numeric columns
        self._numeric: list[bool] = []
        self._custom_keys: list[np.ndarray | None] = []  # per column: float sort key
        self._marked: list[np.ndarray | None] = []  # per column: bool per row
        self._labels: dict[str, str] = {}
        self._empty: list[bool] | None = None
        self._tooltips: dict[str, str] = {}
        self._band: np.ndarray | None = None
        self._band_column = -1
        self._facet_data: FacetData | None = None
        self._facets = Facets()
        self._facet_mask: np.ndarray | None = None
        self._sort_keys: dict[int, tuple[np.ndarray, int]] = {}  # lazily: dense int ranks
        self._haystack: pd.Series | None = None  # one lower-case line of text per row
        self._hidden = np.zeros(0, dtype=bool)
        self._n = 0
        self._order = np.zeros(0, dtype=np.intp)  # view row -> source row
        self._sorted = np.zeros(0, dtype=np.intp)  # every source row, in sort order
        self._text_mask: np.ndarray | None = None  # source rows passing the quick filter
        self._mask: np.ndarray | None = None  # text mask & facet mask
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._filter = ""
        self._grey = _grey_color()
        self._band_brushes = {
            band: (QBrush(QColor(bg)), QBrush(QColor(fg)))
            for band, (bg, fg) in BAND_COLOURS.items()
        }
        self._mark_brush = QBrush(QColor(MARK_COLOUR))
        self._mark_text = QBrush(QColor("#1F3864"))
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- loading -------------------------------------------------------------------------
    def set_frame(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> None:
        """Show *frame* (columns in :func:`ordered_columns` order unless given).

        Formats every cell here, in the calling thread; for big frames build the
        :class:`PreparedLines` in a worker and call :meth:`set_prepared`.
        """
        self.set_prepared(prepare_lines(frame, columns))

    def set_prepared(self, prepared: PreparedLines, *, keep_view: bool = False) -> None:
        """Show prepared lines.

        Without *keep_view* sorting, the quick filter and the facets are cleared (a new
        file). With it (the same lines analysed again after an edit) the sort column (by
        name), the quick filter and the facets are applied to the new values, and
        selections of lines that are still shown are kept.
        """
        sort_name = (
            self._columns[self._sort_column]
            if keep_view and 0 <= self._sort_column < len(self._columns)
            else None
        )
        sort_order = self._sort_order
        text = self._filter if keep_view else ""
        facets = self._facets if keep_view else Facets()
        # Same columns and rows: a layout change keeps selections on their lines; anything
        # else (columns added or removed) needs a reset.
        in_place = (
            keep_view and list(prepared.columns) == self._columns and prepared.n_rows == self._n
        )
        persistent: list[QModelIndex] = []
        old_sources: list[int] = []
        old_names: list[str] = []
        if in_place:
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            old_sources = [int(self._order[p.row()]) for p in persistent]
            old_names = [self._columns[p.column()] for p in persistent]
        else:
            self.beginResetModel()
        try:
            self._frame = prepared.frame
            self._columns = list(prepared.columns)
            self._n = prepared.n_rows
            self._display = prepared.display
            self._raw = prepared.raw
            self._formats = [prepared.formats.get(c, "number") for c in prepared.columns]
            self._numeric = [r is not None for r in prepared.raw]
            self._custom_keys = [prepared.sort_keys.get(c) for c in self._columns]
            self._marked = [prepared.marked.get(c) for c in self._columns]
            self._labels = dict(prepared.labels)
            self._empty = prepared.empty
            self._tooltips = dict(prepared.tooltips)
            self._band = prepared.band
            self._band_column = self.column_index("band") if prepared.band is not None else -1
            self._facet_data = prepared.facets
            self._hidden = prepared.hidden
            self._haystack = prepared.haystack
            self._sort_keys = {}
            self._sort_column = -1
            self._sort_order = Qt.SortOrder.AscendingOrder
            self._filter = text
            self._facets = facets
            self._text_mask = self._text_filter_mask(text)
            self._facet_mask = (
                self._facet_data.mask(facets) if self._facet_data is not None else None
            )
            self._mask = _combine(self._text_mask, self._facet_mask)
            self._sorted = np.arange(self._n, dtype=np.intp)
            if sort_name is not None and sort_name in self._columns:
                self._sort_column = self._columns.index(sort_name)
                self._sort_order = sort_order
                self._sorted = self._sorted_rows(self._sort_column, sort_order)
            self._order = (
                self._sorted if self._mask is None else self._sorted[self._mask[self._sorted]]
            )
        finally:
            if in_place:
                self._move_persistent(persistent, old_sources, old_names)
                self.layoutChanged.emit()
            else:
                self.endResetModel()
        self.view_changed.emit(self.rowCount(), self._n)

    def clear(self) -> None:
        """Show nothing."""
        import pandas as pd

        self.set_frame(pd.DataFrame())

    # -- queries -------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame | None:
        """The frame shown (all rows, source order), or None before the first set_frame."""
        return self._frame

    def columns(self) -> list[str]:
        """Frame column names, in section order."""
        return list(self._columns)

    def column_index(self, name: str) -> int:
        """Section of frame column *name*, -1 when it is not shown."""
        try:
            return self._columns.index(name)
        except ValueError:
            return -1

    def column_label(self, column: int) -> str:
        """The heading of a section."""
        name = self._columns[column]
        return self._labels.get(name) or header_label(name)

    def total_rows(self) -> int:
        """Lines in the frame, filtered or not."""
        return self._n

    def row_order(self) -> np.ndarray:
        """Source row of each view row (a copy)."""
        return self._order.copy()

    def source_row(self, view_row: int) -> int:
        """The frame position shown at *view_row*."""
        return int(self._order[view_row])

    def view_row(self, source_row: int) -> int:
        """The view row showing frame position *source_row*, -1 when filtered out."""
        hits = np.flatnonzero(self._order == source_row)
        return int(hits[0]) if hits.size else -1

    def display_text(self, view_row: int, column: int) -> str:
        """The text shown in a cell."""
        return self._text(column, int(self._order[view_row]))

    def _text(self, column: int, row: int) -> str:
        """The text of a cell by frame position."""
        display = self._display[column]
        if display is not None:
            return str(display[row])
        raw = self._raw[column]
        return format_number(float(raw[row]), self._formats[column]) if raw is not None else ""

    def is_column_empty(self, column: int) -> bool:
        """True when every line has nothing in *column* (the view may hide it)."""
        if self._empty is not None:
            return self._empty[column]
        raw = self._raw[column]
        if raw is not None:
            return not bool(np.isfinite(raw).any())
        display = self._display[column]
        return display is None or not any(display)

    def sample_texts(self, column: int, limit: int = 200) -> list[str]:
        """Display texts of the first *limit* shown rows (for sizing columns cheaply)."""
        return [self._text(column, int(r)) for r in self._order[:limit]]

    def sort_column(self) -> int:
        """Column sorted by, -1 for source order."""
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        """The order of the sort in force."""
        return self._sort_order

    def filter_text(self) -> str:
        """The quick filter in force ('' = none)."""
        return self._filter

    def facets(self) -> Facets:
        """The facet filters in force."""
        return self._facets

    def facet_data(self) -> FacetData | None:
        """The arrays the facet filters use (None for lines that were not analysed)."""
        return self._facet_data

    def is_marked(self, source_row: int, name: str) -> bool:
        """True when the user set the value of column *name* for line *source_row*."""
        col = self.column_index(name)
        marks = self._marked[col] if col >= 0 else None
        return bool(marks[source_row]) if marks is not None else False

    # -- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else int(self._order.shape[0])

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._order[index.row()]
        col = index.column()
        if role == _DISPLAY:
            display = self._display[col]
            if display is None:
                raw = self._raw[col]
                return format_number(float(raw[row]), self._formats[col]) if raw is not None else ""
            return display[row]
        if role == _ALIGN:
            return _ALIGN_RIGHT if self._numeric[col] else _ALIGN_LEFT
        if role == _BACKGROUND:
            if col == self._band_column and self._band is not None:
                brushes = self._band_brushes.get(self._band[row])
                return brushes[0] if brushes is not None else None
            marks = self._marked[col]
            if marks is not None and marks[row]:
                return self._mark_brush
            return None
        if role == _FOREGROUND:
            if col == self._band_column and self._band is not None:
                brushes = self._band_brushes.get(self._band[row])
                if brushes is not None:
                    return brushes[1]
            marks = self._marked[col]
            if marks is not None and marks[row]:
                return self._mark_text
            return self._grey if self._hidden[row] else None
        if role == _FONT:
            marks = self._marked[col]
            return self._italic if marks is not None and marks[row] else None
        if role == _TOOLTIP:
            text = self._text(col, int(row))
            notes = []
            marks = self._marked[col]
            if marks is not None and marks[row]:
                notes.append("Set by you (an override). Edit › Undo takes it back.")
            if self._hidden[row]:
                notes.append("This row is hidden in the source file.")
            if notes:
                return "\n\n".join([text, *notes] if text else notes)
            return text if len(text) > 30 else None
        if role == SORT_ROLE:
            raw = self._raw[col]
            if raw is None:
                return self._text(col, int(row))
            value = float(raw[row])
            return None if np.isnan(value) else value
        if role == ROW_ID_ROLE:
            return int(row)
        if role == HIDDEN_ROLE:
            return bool(self._hidden[row])
        if role == MARKED_ROLE:
            marks = self._marked[col]
            return bool(marks[row]) if marks is not None else False
        if role == BAND_ROLE:
            return str(self._band[row]) if self._band is not None else ""
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == _HORIZONTAL:
            if not 0 <= section < len(self._columns):
                return None
            name = self._columns[section]
            if role == _DISPLAY:
                return self._labels.get(name) or header_label(name)
            if role == _TOOLTIP:
                return self._tooltips.get(name) or header_tooltip(name)
            if role == COLUMN_NAME_ROLE:
                return name
            return None
        if role == _DISPLAY and 0 <= section < self._order.shape[0]:
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- sorting -------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort stably by *column* (source order breaks ties; blanks last either way).

        ``column == -1`` restores the file's order. Selections follow their lines.
        """
        if column >= len(self._columns):
            return
        self._sort_column = column
        self._sort_order = order
        self._apply_order(self._sorted_rows(column, order), self._mask, reset=False)

    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> np.ndarray:
        if column < 0 or self._n == 0:
            return np.arange(self._n, dtype=np.intp)
        ranks, n_unique = self._sort_key(column)
        if order == Qt.SortOrder.DescendingOrder:
            key = np.where(ranks >= n_unique, n_unique, (n_unique - 1) - ranks)
        else:
            key = ranks
        return np.argsort(key, kind="stable").astype(np.intp, copy=False)

    def _sort_key(self, column: int) -> tuple[np.ndarray, int]:
        """Dense ranks of a column's values (0 = smallest) and the count of distinct values.

        Blanks get the rank ``n_unique``, so they sort last in both directions.
        """
        key = self._sort_keys.get(column)
        if key is None:
            import pandas as pd

            custom = self._custom_keys[column] if column < len(self._custom_keys) else None
            raw = self._raw[column]
            if custom is not None:
                values: Any = custom
            elif raw is not None:
                values = raw
            else:
                texts = self._display[column]
                assert texts is not None  # a text column
                display = pd.Series(texts, dtype="str")
                values = display.str.lower().where(display != "", None)
            codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
            codes = np.asarray(codes, dtype=np.int64)
            key = (np.where(codes < 0, len(uniques), codes), len(uniques))
            self._sort_keys[column] = key
        return key

    # -- filtering -----------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Show only lines containing every whitespace-separated word of *text*.

        Case-insensitive substring match over the displayed text of the non-numeric
        columns; '' shows every line. Combines with the facets.
        """
        text = text.strip()
        if text == self._filter:
            return
        self._filter = text
        self._text_mask = self._text_filter_mask(text)
        self._apply_order(self._sorted, _combine(self._text_mask, self._facet_mask), reset=True)

    def set_facets(self, facets: Facets) -> None:
        """Show only lines matching *facets* (and the quick filter)."""
        if facets == self._facets:
            return
        self._facets = facets
        data = self._facet_data
        self._facet_mask = data.mask(facets) if data is not None else None
        self._apply_order(self._sorted, _combine(self._text_mask, self._facet_mask), reset=True)

    def _text_filter_mask(self, text: str) -> np.ndarray | None:
        terms = text.lower().split()
        if not terms or self._n == 0:
            return None
        haystack = self._haystack
        assert haystack is not None
        mask = np.ones(self._n, dtype=bool)
        for term in terms:
            mask &= haystack.str.contains(term, regex=False).to_numpy(dtype=bool)
        return mask

    # -- the row map ---------------------------------------------------------------------
    def _apply_order(self, new_sorted: np.ndarray, mask: np.ndarray | None, *, reset: bool) -> None:
        new_order = new_sorted if mask is None else new_sorted[mask[new_sorted]]
        if reset:
            self.beginResetModel()
            self._sorted, self._mask, self._order = new_sorted, mask, new_order
            self.endResetModel()
        else:
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            old_sources = [int(self._order[p.row()]) for p in persistent]
            self._sorted, self._mask, self._order = new_sorted, mask, new_order
            self._move_persistent(persistent, old_sources, None)
            self.layoutChanged.emit()
        self.view_changed.emit(self.rowCount(), self._n)

    def _move_persistent(
        self,
        persistent: list[QModelIndex],
        old_sources: list[int],
        old_names: list[str] | None,
    ) -> None:
        """Point persistent indexes (selections) at the same lines in the new row order."""
        if not persistent:
            return
        position = np.full(self._n, -1, dtype=np.intp)
        position[self._order] = np.arange(self._order.shape[0], dtype=np.intp)
        new_indexes = []
        for k, (p, src) in enumerate(zip(persistent, old_sources, strict=True)):
            row = int(position[src]) if 0 <= src < self._n else -1
            column = p.column()
            if old_names is not None:
                column = self.column_index(old_names[k])
            ok = row >= 0 and 0 <= column < len(self._columns)
            new_indexes.append(self.index(row, column) if ok else QModelIndex())
        self.changePersistentIndexList(persistent, new_indexes)


def _combine(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _grey_color() -> QColor:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return QGuiApplication.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
        )
    return QColor(128, 128, 128)

"""The import dialog: how the file is read — sheet, header row, and the column of every field.

It shows the sheets of the workbook, the tables the importer finds and its proposed
column mapping with confidences over a live preview of the first rows; the user can pick
another sheet or header row (the detection runs again) and change any field's column.
OK hands back :class:`riskapp.core.importer.ImportOptions` (the window makes it one
undoable edit); "Remember" saves the mapping for files with the same header layout.

Reading the workbook and detecting tables run in a worker (:func:`read_workbook`,
:func:`detect`): both are core functions (:func:`riskapp.core.readers.open_workbook`,
:func:`riskapp.core.layout.sheet_frames` / ``find_tables``).

Signals:
    ImportDialog.options_chosen(object): the ImportOptions the user accepted.
    ImportDialog.detected(): a detection finished and is shown (tests wait for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskapp.core.errors import CancelledError, RiskappError
from riskapp.gui.table_model import header_label, header_tooltip
from riskapp.gui.workers import Worker

if TYPE_CHECKING:
    from riskapp.core.importer import ImportOptions
    from riskapp.core.layout import TableSpec
    from riskapp.core.model import ImportReport
    from riskapp.core.readers import RawSheet, RawWorkbook

PREVIEW_ROWS = 60
LOW_CONFIDENCE = 0.7
FIRST_FIELDS: tuple[str, ...] = (
    "description",
    "quantity",
    "manufacturer",
    "mpn",
    "supplier",
    "spn",
    "unit_price",
    "currency",
    "ext_price",
    "country_of_origin",
    "material",
    "magnet_mass",
    "mass",
)
"""Fields listed first in the mapping (what scoring reads most)."""
EXTRA_FIELD_LABELS = {"mass": "Mass (per unit)", "magnet_mass": "Magnet mass"}
EXTRA_FIELD_DOCS = {
    "mass": "Mass per unit (any unit in the header: g, kg, lb …).",
    "magnet_mass": "Stated magnet mass per unit (a 'Magnet mass' column).",
}


def mappable_fields() -> list[str]:
    """Every field a column can be mapped to, most used first."""
    from riskapp.core.model import MAPPABLE_FIELDS

    rest = [f for f in MAPPABLE_FIELDS if f not in FIRST_FIELDS]
    return [*FIRST_FIELDS, *rest]


@dataclass
class Detection:
    """What the detection found in one sheet (built in the worker)."""

    sheet: str
    n_rows: int
    n_cols: int
    preview: list[list[str]]
    row_numbers: list[int]
    specs: list[TableSpec]
    forced_header: int | None  # 1-based, None = automatic
    frames: Any = None  # (raw, text) kept for the next detection of the same sheet
    headers: list[str] = field(default_factory=list)

    @property
    def main(self) -> TableSpec | None:
        """The table whose mapping is shown: the one with the most rows."""
        if not self.specs:
            return None
        return max(self.specs, key=lambda s: s.row_end - s.row_start)


def read_workbook(
    path: str, *, limits: Any = None, on_progress: Any, should_cancel: Any
) -> RawWorkbook:
    """Worker job: the raw sheets of a file, read like an import (guarded, with the limits)."""
    from riskapp.core.guard import open_workbook_guarded

    on_progress(0.1, "Reading the file")
    workbook = open_workbook_guarded(path, limits, should_cancel=should_cancel)
    if should_cancel():
        raise CancelledError()
    return workbook


def detect(
    sheet: RawSheet, forced_header: int | None, frames: Any, *, on_progress: Any, should_cancel: Any
) -> Detection:
    """Worker job: tables and proposed mapping of a sheet (header row forced or found)."""
    from riskapp.core.layout import find_tables, sheet_frames

    on_progress(0.2, f"Looking for tables in '{sheet.name}'")
    raw, text = frames if frames is not None else sheet_frames(sheet)
    if should_cancel():
        raise CancelledError()
    forced = forced_header - 1 if forced_header else None
    if forced is not None and not 0 <= forced < len(text):
        raise RiskappError(
            f"header row {forced_header} is outside the sheet (it has {len(text)} rows)."
        )
    specs = find_tables(sheet, raw, text, forced)
    n = min(PREVIEW_ROWS, len(text))
    top = 0
    main = max(specs, key=lambda s: s.row_end - s.row_start) if specs else None
    if main is not None and main.header_row is not None and main.header_row >= n - 5:
        top = max(0, main.header_row - 5)  # show the header row even when it is far down
        n = min(len(text), top + PREVIEW_ROWS)
    preview = text.iloc[top:n].to_numpy(dtype=object).tolist() if len(text) else []
    headers = [h for s in specs for h in s.headers.values()]
    return Detection(
        sheet=sheet.name,
        n_rows=len(text),
        n_cols=text.shape[1] if len(text) else 0,
        preview=[[str(v) for v in row] for row in preview],
        row_numbers=[sheet.row_number(r) for r in range(top, n)],
        specs=specs,
        forced_header=forced_header,
        frames=(raw, text),
        headers=headers,
    )


class PreviewModel(QAbstractTableModel):
    """The first rows of a sheet as text; the header row bold, mapped columns titled."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[list[str]] = []
        self._numbers: list[int] = []
        self._n_cols = 0
        self._titles: dict[int, str] = {}
        self._header_row = -1  # 1-based row number of the header
        self._bold = QFont()
        self._bold.setBold(True)
        self._header_brush = QBrush(QColor("#DCE6F7"))
        self._header_text = QBrush(QColor("#1F3864"))

    def set_rows(self, rows: list[list[str]], numbers: list[int], n_cols: int) -> None:
        self.beginResetModel()
        self._rows = rows
        self._numbers = numbers
        self._n_cols = n_cols
        self.endResetModel()

    def set_titles(self, titles: dict[int, str], header_row: int | None) -> None:
        """Field names above the mapped columns and the header row to mark."""
        self._titles = dict(titles)
        self._header_row = header_row or -1
        if self._n_cols:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self._n_cols - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, self._n_cols - 1)
            )

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._n_cols

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        is_header = self._numbers[index.row()] == self._header_row
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()] if index.column() < len(row) else ""
        if role == Qt.ItemDataRole.FontRole and is_header:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and is_header:
            return self._header_brush
        if role == Qt.ItemDataRole.ForegroundRole and is_header:
            return self._header_text
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        from riskapp.core.readers import column_letter

        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self._n_cols:
                return None
            title = self._titles.get(section)
            letter = column_letter(section)
            return f"{letter} · {title}" if title else letter
        if 0 <= section < len(self._numbers):
            return str(self._numbers[section])
        return None


class ImportDialog(QDialog):
    """Sheet, header row and mapping, over a live preview (see the module docstring)."""

    options_chosen = Signal(object)
    detected = Signal()

    def __init__(
        self,
        path: str,
        options: ImportOptions,
        report: ImportReport | None,
        parent: QWidget | None = None,
        *,
        signature: str = "",
        limits: Any = None,
    ) -> None:
        super().__init__(parent)
        from pathlib import Path

        self.setObjectName("importDialog")
        self.setWindowTitle(f"How to read {Path(path).name}")
        self.path = path
        self.limits = limits  # the reader's safety limits (None: built-in), a setting
        self.initial = options
        self.report = report
        self.signature = signature
        self.workbook: RawWorkbook | None = None
        self.detection: Detection | None = None
        self.user_mapping: dict[str, str] = dict(options.mapping)
        self._frames: dict[str, Any] = {}
        self._worker: Worker | None = None
        self._updating = False

        self.sheet = QComboBox(self)
        self.sheet.setObjectName("importSheet")
        self.sheet.activated.connect(self._on_sheet)
        self.header = QSpinBox(self)
        self.header.setObjectName("importHeaderRow")
        self.header.setRange(0, 1_048_576)
        self.header.setSpecialValueText("Automatic")
        self.header.setToolTip("The row with the column headings (Automatic = let riskapp find it)")
        self.header.editingFinished.connect(self._on_header)
        self.header.valueChanged.connect(self._on_header_arrows)
        self.tables = QLabel(self)
        self.tables.setObjectName("importTables")
        self.tables.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)

        self.preview_model = PreviewModel(self)
        self.preview = QTableView(self)
        self.preview.setObjectName("importPreview")
        self.preview.setModel(self.preview_model)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setWordWrap(False)
        self.preview.horizontalHeader().setDefaultSectionSize(110)
        self.preview.verticalHeader().setDefaultSectionSize(self.preview.fontMetrics().height() + 6)

        self.mapping_box = QWidget(self)
        grid = QGridLayout(self.mapping_box)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for col, title in enumerate(("Field", "Column", "Confidence", "How")):
            grid.addWidget(QLabel(f"<b>{title}</b>", self.mapping_box), 0, col)
        self.field_combos: dict[str, QComboBox] = {}
        self.confidence_labels: dict[str, QLabel] = {}
        self.how_labels: dict[str, QLabel] = {}
        for row, name in enumerate(mappable_fields(), start=1):
            label = QLabel(EXTRA_FIELD_LABELS.get(name) or header_label(name), self.mapping_box)
            label.setToolTip(EXTRA_FIELD_DOCS.get(name) or header_tooltip(name))
            combo = QComboBox(self.mapping_box)
            combo.setObjectName(f"map_{name}")
            combo.setMinimumContentsLength(16)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.activated.connect(lambda _i, f=name: self._on_mapping(f))
            confidence = QLabel(self.mapping_box)
            confidence.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            how = QLabel(self.mapping_box)
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(confidence, row, 2)
            grid.addWidget(how, row, 3)
            self.field_combos[name] = combo
            self.confidence_labels[name] = confidence
            self.how_labels[name] = how
        grid.setColumnStretch(1, 1)
        mapping_scroll = QScrollArea(self)
        mapping_scroll.setWidgetResizable(True)
        mapping_scroll.setWidget(self.mapping_box)
        mapping_scroll.setMinimumWidth(360)

        self.remember = QCheckBox("Remember this mapping for files with the same columns", self)
        self.remember.setObjectName("importRemember")
        self.redetect = QPushButton("Detect again", self)
        self.redetect.setObjectName("importRedetect")
        self.redetect.setToolTip("Forget the changes and let riskapp propose the mapping again")
        self.redetect.clicked.connect(self._on_redetect)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Read the file this way")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel("Sheet:", self))
        top.addWidget(self.sheet, 2)
        top.addSpacing(12)
        top.addWidget(QLabel("Header row:", self))
        top.addWidget(self.header)
        top.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.preview)
        split.addWidget(mapping_scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.remember, 1)
        bottom.addWidget(self.redetect)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tables)
        layout.addWidget(self.progress)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.resize(1100, 620)
        self._set_enabled(False)
        self._run(read_workbook, self.path, limits=self.limits, done=self._on_workbook)

    # -- running detection ---------------------------------------------------------------
    def _run(self, fn: Any, *args: Any, done: Any, **kwargs: Any) -> None:
        self._stop()
        worker = Worker(fn, *args, **kwargs)
        worker.finished.connect(done)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._done_slot = done
        self.progress.show()
        worker.start()

    def _stop(self) -> None:
        worker = self._worker
        if worker is None:
            return
        worker.cancel()
        worker.finished.disconnect(self._done_slot)
        worker.failed.disconnect(self._on_failed)
        self._worker = None

    def is_busy(self) -> bool:
        """True while the file is read or a sheet is searched."""
        return self._worker is not None

    def _on_failed(self, error: BaseException) -> None:
        self._worker = None
        self.progress.hide()
        if isinstance(error, CancelledError):
            return
        message = (
            str(error) if isinstance(error, RiskappError) else f"Unexpected problem: {error!r}"
        )
        self.tables.setText(f"<span style='color:#B00020'>{escape(message)}</span>")
        self._set_enabled(self.workbook is not None)

    def _on_workbook(self, workbook: RawWorkbook) -> None:
        self._worker = None
        self.workbook = workbook
        self._updating = True
        try:
            self.sheet.clear()
            chosen = list(self.report.chosen_sheets) if self.report is not None else []
            auto = ", ".join(chosen) if chosen else "the best one"
            self.sheet.addItem(f"Automatic ({auto})", "")
            for raw in workbook.sheets:
                rows = raw.n_rows
                label = raw.name or "(CSV file)"
                extra = "" if raw.visible else ", hidden"
                self.sheet.addItem(f"{label}  ({rows:,} rows{extra})", raw.name)
            wanted = self.initial.sheets[0] if self.initial.sheets else ""
            self.sheet.setCurrentIndex(max(0, self.sheet.findData(wanted)))
            self.header.setValue(self.initial.header_row or 0)
        finally:
            self._updating = False
        self._detect()

    def _sheet_to_show(self) -> RawSheet | None:
        if self.workbook is None or not self.workbook.sheets:
            return None
        name = self.sheet.currentData()
        if not name and self.report is not None and self.report.chosen_sheets:
            name = self.report.chosen_sheets[0]
        by_name = {s.name: s for s in self.workbook.sheets}
        return by_name.get(name) or self.workbook.sheets[0]

    def _detect(self) -> None:
        sheet = self._sheet_to_show()
        if sheet is None:
            return
        self._set_enabled(False)
        forced = self.header.value() or None
        self._run(detect, sheet, forced, self._frames.get(sheet.name), done=self._on_detected)

    def _on_detected(self, detection: Detection) -> None:
        self._worker = None
        self.progress.hide()
        self.detection = detection
        self._frames[detection.sheet] = detection.frames
        self.preview_model.set_rows(detection.preview, detection.row_numbers, detection.n_cols)
        if not self.signature and detection.forced_header is None and not self.sheet.currentData():
            from riskapp.core.session import headers_signature

            self.signature = headers_signature(detection.headers)
        self._show_tables()
        self._fill_mapping()
        self._set_enabled(True)
        self.detected.emit()

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.sheet, self.header, self.mapping_box, self.redetect, self.remember):
            widget.setEnabled(on)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(on)

    # -- showing -------------------------------------------------------------------------
    def _show_tables(self) -> None:
        from riskapp.core.readers import column_letter

        d = self.detection
        assert d is not None
        if not d.specs:
            self.tables.setText(
                f"<b>No BOM table found</b> in sheet '{escape(d.sheet)}' with this header row. "
                "Choose another sheet or header row."
            )
            return
        parts = []
        for spec in d.specs:
            where = (
                f"header row {spec.header_row + 1}"
                if spec.header_row is not None
                else "no header row"
            )
            parts.append(
                f"{where}, columns {column_letter(spec.first_col)}–{column_letter(spec.last_col)}, "
                f"{spec.row_end - spec.row_start:,} rows" + (" (guessed)" if spec.inferred else "")
            )
        n = len(d.specs)
        self.tables.setText(
            f"Sheet '<b>{escape(d.sheet or 'CSV')}</b>' ({d.n_rows:,} rows): {n} table{'s' if n != 1 else ''} — "
            + "; ".join(escape(p) for p in parts)
            + ". The preview shows the first rows; the header row is highlighted."
        )

    def proposed(self) -> dict[str, tuple[str, float, str, str]]:
        """field -> (column letter, confidence, how, header) as detected (no user changes)."""
        from riskapp.core.readers import column_letter

        spec = self.detection.main if self.detection is not None else None
        if spec is None:
            return {}
        out: dict[str, tuple[str, float, str, str]] = {}
        for col, name, confidence, how in spec.mapping:
            out.setdefault(
                name, (column_letter(col), float(confidence), how, spec.headers.get(col, ""))
            )
        return out

    def mapping(self) -> dict[str, str]:
        """field -> column letter as it will be read ('' or absent = not used)."""
        current = {f: v[0] for f, v in self.proposed().items()}
        for name, letter in self.user_mapping.items():
            if letter:
                current = {f: c for f, c in current.items() if c != letter or f == name}
                current[name] = letter
            else:
                current.pop(name, None)
        return current

    def _fill_mapping(self) -> None:
        from riskapp.core.readers import column_letter

        d = self.detection
        spec = d.main if d is not None else None
        columns: list[tuple[str, str]] = []
        if d is not None:
            header_texts = spec.headers if spec is not None else {}
            for c in range(d.n_cols):
                text = header_texts.get(c, "")
                columns.append((column_letter(c), text))
        proposed = self.proposed()
        current = self.mapping()
        self._updating = True
        try:
            for name, combo in self.field_combos.items():
                combo.clear()
                combo.addItem("(not used)", "")
                for letter, text in columns:
                    combo.addItem(f"{letter} — {text}" if text else letter, letter)
                combo.setCurrentIndex(max(0, combo.findData(current.get(name, ""))))
                confidence_label = self.confidence_labels[name]
                how_label = self.how_labels[name]
                if name in self.user_mapping:
                    confidence_label.setText("you")
                    how_label.setText("chosen")
                    confidence_label.setStyleSheet("")
                elif name in proposed:
                    _, confidence, how, _ = proposed[name]
                    confidence_label.setText(f"{confidence:.0%}")
                    how_label.setText(how)
                    low = confidence < LOW_CONFIDENCE
                    confidence_label.setStyleSheet(
                        "color: #A05A00; font-weight: bold" if low else ""
                    )
                    confidence_label.setToolTip(
                        "Low confidence: check that this column is what it seems." if low else ""
                    )
                else:
                    confidence_label.setText("")
                    how_label.setText("")
                    confidence_label.setStyleSheet("")
        finally:
            self._updating = False
        self._update_titles()

    def _update_titles(self) -> None:
        from riskapp.core.readers import column_index

        titles: dict[int, str] = {}
        for name, letter in self.mapping().items():
            try:
                col = column_index(letter)
            except ValueError:
                continue
            titles[col] = EXTRA_FIELD_LABELS.get(name) or header_label(name)
        spec = self.detection.main if self.detection is not None else None
        header_row = None
        if spec is not None and spec.header_row is not None and self.detection is not None:
            sheet = self._sheet_to_show()
            header_row = (
                sheet.row_number(spec.header_row) if sheet is not None else spec.header_row + 1
            )
        self.preview_model.set_titles(titles, header_row)

    # -- user changes --------------------------------------------------------------------
    def _on_sheet(self, _index: int) -> None:
        if not self._updating:
            self.header.setValue(0)
            self._detect()

    def _on_header(self) -> None:
        if not self._updating and self.detection is not None:
            if (self.header.value() or None) != self.detection.forced_header:
                self._detect()

    def _on_header_arrows(self, _value: int) -> None:
        if not self._updating and not self.header.hasFocus():
            self._on_header()

    def _on_mapping(self, name: str) -> None:
        if self._updating:
            return
        letter = str(self.field_combos[name].currentData() or "")
        proposed = self.proposed().get(name)
        if (proposed is not None and proposed[0] == letter) or (proposed is None and not letter):
            self.user_mapping.pop(name, None)
        else:
            self.user_mapping[name] = letter
        self._fill_mapping()

    def set_field(self, name: str, letter: str) -> None:
        """Map *name* to column *letter* ('' = not used), as if chosen in the drop-down."""
        combo = self.field_combos[name]
        combo.setCurrentIndex(max(0, combo.findData(letter)))
        self._on_mapping(name)

    def set_sheet(self, name: str) -> None:
        """Choose a sheet ('' = automatic) and detect again."""
        self.sheet.setCurrentIndex(max(0, self.sheet.findData(name)))
        self._on_sheet(self.sheet.currentIndex())

    def set_header_row(self, row: int | None) -> None:
        """Force the header row (None = automatic) and detect again."""
        self.header.setValue(row or 0)
        self._on_header()

    def _on_redetect(self) -> None:
        self.user_mapping = {}
        self._fill_mapping()

    # -- result --------------------------------------------------------------------------
    def options(self) -> ImportOptions:
        """The import options the dialog stands for."""
        from riskapp.core.importer import ImportOptions

        sheet = str(self.sheet.currentData() or "")
        return ImportOptions(
            sheets=(sheet,) if sheet else (),
            header_row=self.header.value() or None,
            mapping=dict(self.user_mapping),
            limits=self.initial.limits,
        )

    def accept(self) -> None:
        options = self.options()
        if self.remember.isChecked():
            from riskapp.core.session import save_layout_mapping

            if self.signature:
                try:
                    save_layout_mapping(self.signature, options)
                except RiskappError as exc:
                    self.tables.setText(f"<span style='color:#B00020'>{escape(str(exc))}</span>")
                    return
        self._stop()
        self.options_chosen.emit(options)
        super().accept()

    def reject(self) -> None:
        self._stop()
        super().reject()

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

"""The scenario panel (pick a preset, edit its parameters) and the side-by-side comparison.

The panel shows the parameters of the scenario the analysis ran under and turns every
change into an edit of the session (:meth:`riskapp.gui.document.Document.edit`), so it is
undoable and the scores follow at once. It never scores anything itself.

Signals:
    ScenarioPanel.edit_requested(str, int, dict): an edit named str, merge id, and the
        session fields to change (scenario, scenario_changes, build_volume,
        evaluation_date, compare_with).
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskapp.gui.charts import BarChart, ChartData, single
from riskapp.gui.table_model import BAND_COLOURS, BANDS

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis
    from riskapp.core.session import Session

EDIT_DELAY_MS = 500
"""Typing pause before a parameter change becomes an edit (and a re-score)."""
PRICE_ELEMENTS: tuple[str, ...] = ("Dy", "Tb", "Nd", "Pr", "Sm")
TARIFFS: tuple[tuple[str, str], ...] = (
    ("us_on_cn", "US tariff on Chinese goods"),
    ("cn_on_us", "Chinese tariff on US goods"),
)
REGIME_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "As dated"),
    ("in_force", "In force"),
    ("suspended", "Suspended"),
    ("lapsed", "Lapsed"),
)
# merge ids: consecutive edits of one parameter are one undo step
_MERGE_VOLUME, _MERGE_DATE, _MERGE_DENIED, _MERGE_TARIFF, _MERGE_PRICE, _MERGE_REGIME = (
    101,
    102,
    103,
    104,
    105,
    106,
)


def _presets() -> list[Any]:
    from riskapp.core.scenarios import list_presets

    return list_presets()


class ScenarioPanel(QScrollArea):
    """Preset, parameters and comparison choice (see the module docstring)."""

    edit_requested = Signal(str, int, dict)
    save_requested = Signal()
    load_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.state: Session | None = None
        self.analysis: Analysis | None = None
        self._updating = False
        self._pending: dict[str, Any] = {}
        self._pending_text = ""
        self._pending_id = -1
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

        inner = QWidget(self)
        self.preset = QComboBox(inner)
        self.preset.setObjectName("scenarioPreset")
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset.setMinimumContentsLength(18)
        self.preset.activated.connect(self._on_preset)
        self.description = QLabel(inner)
        self.description.setWordWrap(True)
        self.description.setObjectName("scenarioDescription")
        self.grade = QLabel(inner)
        self.grade.setObjectName("scenarioGrade")
        self.grade.setWordWrap(True)

        self.today = QCheckBox("Today", inner)
        self.today.setObjectName("scenarioToday")
        self.date = QDateEdit(inner)
        self.date.setObjectName("scenarioDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.today.toggled.connect(self._on_date)
        self.date.dateChanged.connect(self._on_date)
        date_row = QHBoxLayout()
        date_row.setContentsMargins(0, 0, 0, 0)
        date_row.addWidget(self.date, 1)
        date_row.addWidget(self.today)

        self.volume = QSpinBox(inner)
        self.volume.setObjectName("scenarioVolume")
        self.volume.setRange(1, 1_000_000_000)
        self.volume.setGroupSeparatorShown(True)
        self.volume.setSuffix(" units/yr")
        self.volume.valueChanged.connect(self._on_volume)

        self.denied = QSpinBox(inner)
        self.denied.setObjectName("scenarioDenied")
        self.denied.setRange(0, 3650)
        self.denied.setSuffix(" days")
        self.denied.setToolTip("Days without any Chinese export licence (a permit stop).")
        self.denied.valueChanged.connect(self._on_denied)

        self.tariffs: dict[str, QDoubleSpinBox] = {}
        for key, label in TARIFFS:
            box = QDoubleSpinBox(inner)
            box.setObjectName(f"tariff_{key}")
            box.setRange(0.0, 1000.0)
            box.setDecimals(1)
            box.setSuffix(" %")
            box.setToolTip(label)
            box.valueChanged.connect(lambda _v, k=key: self._on_tariff(k))
            self.tariffs[key] = box
        self.prices: dict[str, QDoubleSpinBox] = {}
        for symbol in PRICE_ELEMENTS:
            box = QDoubleSpinBox(inner)
            box.setObjectName(f"price_{symbol}")
            box.setRange(0.1, 100.0)
            box.setDecimals(2)
            box.setSingleStep(0.5)
            box.setPrefix("× ")
            box.setToolTip(f"Price factor for {symbol} (1 = reference price)")
            box.valueChanged.connect(lambda _v, s=symbol: self._on_price(s))
            self.prices[symbol] = box

        params = QFormLayout()
        params.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        params.addRow("Evaluation date:", date_row)
        params.addRow("Build volume:", self.volume)
        params.addRow("Permits denied for:", self.denied)
        for key, label in TARIFFS:
            params.addRow(f"{label}:", self.tariffs[key])
        price_row = QHBoxLayout()
        price_row.setContentsMargins(0, 0, 0, 0)
        price_grid = QFormLayout()
        price_grid.setContentsMargins(0, 0, 0, 0)
        for symbol in PRICE_ELEMENTS:
            price_grid.addRow(f"{symbol} price:", self.prices[symbol])
        price_row.addLayout(price_grid)
        params.addRow(price_row)

        self.regime_box = QGroupBox("Regime status", inner)
        self.regime_box.setObjectName("regimeBox")
        self.regime_form = QFormLayout(self.regime_box)
        self.regime_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.regimes: dict[str, QComboBox] = {}

        self.reset_button = QPushButton("Reset to preset", inner)
        self.reset_button.setObjectName("scenarioReset")
        self.reset_button.setToolTip("Forget the edited parameters of this scenario")
        self.reset_button.clicked.connect(self._on_reset)
        self.save_button = QPushButton("Save as…", inner)
        self.save_button.setToolTip("Save these parameters as a scenario of your own")
        self.save_button.clicked.connect(self.save_requested)
        self.load_button = QPushButton("Open file…", inner)
        self.load_button.setToolTip("Use a scenario TOML file")
        self.load_button.clicked.connect(self.load_requested)

        self.compare = QComboBox(inner)
        self.compare.setObjectName("compareWith")
        self.compare.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compare.setMinimumContentsLength(18)
        self.compare.activated.connect(self._on_compare)

        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.load_button)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(QLabel("<b>Scenario</b>", inner))
        layout.addWidget(self.preset)
        layout.addWidget(self.description)
        layout.addWidget(self.grade)
        layout.addLayout(params)
        layout.addWidget(self.regime_box)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("<b>Compare side by side with</b>", inner))
        layout.addWidget(self.compare)
        layout.addStretch(1)
        self.setWidget(inner)
        self.reload_presets()
        self.setEnabled(False)

    # -- filling -------------------------------------------------------------------------
    def reload_presets(self) -> None:
        """Read the preset list again (a scenario may have been saved)."""
        try:
            presets = _presets()
        except Exception:  # a broken folder must not break the panel; loading explains
            presets = []
        self._updating = True
        try:
            for combo, none in ((self.preset, None), (self.compare, "— no comparison —")):
                current = combo.currentData()
                combo.clear()
                if none:
                    combo.addItem(none, "")
                for info in presets:
                    label = info.title + ("" if info.builtin else " (yours)")
                    combo.addItem(label, info.name)
                    combo.setItemData(
                        combo.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole
                    )
                k = combo.findData(current)
                combo.setCurrentIndex(max(0, k))
        finally:
            self._updating = False

    def set_state(self, state: Session | None, analysis: Analysis | None) -> None:
        """Show the parameters of *analysis*'s scenario and the choices in *state*."""
        self._timer.stop()
        self._pending = {}
        self.state = state
        self.analysis = analysis
        self.setEnabled(state is not None and analysis is not None)
        if state is None or analysis is None:
            return
        self._updating = True
        try:
            scenario = analysis.scenario
            k = self.preset.findData(state.scenario)
            if k < 0:
                self.preset.addItem(_short_name(state.scenario), state.scenario)
                k = self.preset.count() - 1
            self.preset.setCurrentIndex(k)
            edited = " <i>(edited)</i>" if state.scenario_changes else ""
            self.description.setText(
                f"<b>{escape(scenario.title or scenario.name)}</b>{edited}<br>"
                f"{escape(scenario.description or '')}"
            )
            self.description.setToolTip("\n".join(scenario.references))
            pot = analysis.potential
            self.grade.setText(
                f"BOM grade <b>{escape(pot.grade_actual)}</b> (score {pot.bom_score_actual:.1f}) · "
                f"potential <b>{escape(pot.grade_potential)}</b> ({pot.bom_score_potential:.1f})"
            )
            self.today.setChecked(
                state.evaluation_date is None and scenario.evaluation_date is None
            )
            on = analysis.scored.evaluation_date
            self.date.setDate(QDate(on.year, on.month, on.day))
            self.date.setEnabled(not self.today.isChecked())
            self.volume.setValue(round(scenario.build_volume))
            self.denied.setValue(round(scenario.permit_denied_days))
            for key, box in self.tariffs.items():
                box.setValue(float(scenario.tariffs.get(key, 0.0)) * 100.0)
            for symbol, box in self.prices.items():
                box.setValue(float(scenario.price_factors.get(symbol, 1.0)))
            self._fill_regimes(analysis, state)
            self.reset_button.setEnabled(bool(state.scenario_changes))
            k = self.compare.findData(state.compare_with or "")
            self.compare.setCurrentIndex(max(0, k))
        finally:
            self._updating = False

    def _fill_regimes(self, analysis: Analysis, state: Session) -> None:
        overrides = dict(analysis.scenario.regime_overrides)
        wanted = [s.regime_id for s in analysis.scored.regimes]
        if list(self.regimes) != wanted:
            while self.regime_form.rowCount():
                self.regime_form.removeRow(0)
            self.regimes = {}
            for status in analysis.scored.regimes:
                combo = QComboBox(self.regime_box)
                combo.setObjectName(f"regime_{status.regime_id}")
                for value, label in REGIME_CHOICES:
                    combo.addItem(label, value)
                combo.activated.connect(lambda _i, r=status.regime_id: self._on_regime(r))
                name = QLabel(_regime_label(status.regime_id), self.regime_box)
                name.setToolTip(status.name)
                self.regime_form.addRow(name, combo)
                self.regimes[status.regime_id] = combo
        for status in analysis.scored.regimes:
            combo = self.regimes[status.regime_id]
            combo.setItemText(0, f"As dated ({status.status.replace('_', ' ')})")
            combo.setCurrentIndex(max(0, combo.findData(overrides.get(status.regime_id, ""))))
            combo.setToolTip(f"{status.name}\n{status.note}")

    # -- edits ---------------------------------------------------------------------------
    def _changes(self) -> dict[str, Any]:
        base = dict(self.state.scenario_changes) if self.state is not None else {}
        base.update(self._pending.get("scenario_changes", {}))
        return base

    def _queue(self, text: str, merge_id: int, **fields: Any) -> None:
        if self._updating or self.state is None:
            return
        if self._pending and self._pending_id != merge_id:
            self.flush()
        self._pending_text = text
        self._pending_id = merge_id
        self._pending.update(fields)
        self._timer.start(EDIT_DELAY_MS)

    def flush(self) -> None:
        """Send a waiting parameter change now."""
        self._timer.stop()
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        self.edit_requested.emit(self._pending_text, self._pending_id, pending)

    def _on_preset(self, _index: int) -> None:
        name = self.preset.currentData()
        if self._updating or self.state is None or not name or name == self.state.scenario:
            return
        self.flush()
        self.edit_requested.emit(
            f"Scenario: {self.preset.currentText()}", -1, {"scenario": name, "scenario_changes": {}}
        )

    def _on_reset(self) -> None:
        self.flush()
        if self.state is not None and self.state.scenario_changes:
            self.edit_requested.emit("Reset scenario parameters", -1, {"scenario_changes": {}})

    def _on_compare(self, _index: int) -> None:
        if self._updating or self.state is None:
            return
        name = self.compare.currentData() or None
        if name != self.state.compare_with:
            self.flush()
            text = f"Compare with {self.compare.currentText()}" if name else "Stop comparing"
            self.edit_requested.emit(text, -1, {"compare_with": name})

    def _on_date(self, *_args: Any) -> None:
        self.date.setEnabled(not self.today.isChecked())
        if self._updating:
            return
        value = None if self.today.isChecked() else self.date.date().toPython()
        assert value is None or isinstance(value, date)
        self._queue("Evaluation date", _MERGE_DATE, evaluation_date=value)

    def _on_volume(self, value: int) -> None:
        self._queue("Build volume", _MERGE_VOLUME, build_volume=float(value))

    def _on_denied(self, value: int) -> None:
        changes = self._changes()
        changes["permit_denied_days"] = float(value)
        self._queue("Permits denied", _MERGE_DENIED, scenario_changes=changes)

    def _on_tariff(self, key: str) -> None:
        changes = self._changes()
        tariffs = dict(changes.get("tariffs", {}))
        tariffs[key] = round(self.tariffs[key].value() / 100.0, 6)
        changes["tariffs"] = tariffs
        self._queue("Tariff rate", _MERGE_TARIFF, scenario_changes=changes)

    def _on_price(self, symbol: str) -> None:
        changes = self._changes()
        factors = dict(changes.get("price_factors", {}))
        factors[symbol] = round(self.prices[symbol].value(), 4)
        changes["price_factors"] = factors
        self._queue(f"{symbol} price factor", _MERGE_PRICE, scenario_changes=changes)

    def _on_regime(self, regime_id: str) -> None:
        if self._updating:
            return
        changes = self._changes()
        overrides = dict(changes.get("regime_overrides", {}))
        value = self.regimes[regime_id].currentData()
        if value:
            overrides[regime_id] = value
        else:
            overrides.pop(regime_id, None)
        changes["regime_overrides"] = overrides
        if not overrides:
            changes.pop("regime_overrides")
        self.flush()
        self.edit_requested.emit(
            f"Regime {_regime_label(regime_id)}", _MERGE_REGIME, {"scenario_changes": changes}
        )


def _short_name(name: str) -> str:
    from pathlib import Path

    return Path(name).stem if name.lower().endswith(".toml") else name


def _regime_label(regime_id: str) -> str:
    return (
        regime_id.replace("_", " ").replace("CN MOFCOM", "MOFCOM No.").replace("US DFARS", "DFARS")
    )


# =========================================================================== comparison


class ComparisonModel(QAbstractTableModel):
    """BOM figures of two scenarios side by side: figure, A, B, change."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = ("Figure", "A", "B", "Change")
        self._rows: list[tuple[str, str, str, str, int]] = []  # ..., direction -1/0/1
        self._worse = QBrush(QColor("#B00020"))
        self._better = QBrush(QColor("#1E7B34"))

    def set_rows(
        self, headers: tuple[str, str, str, str], rows: list[tuple[str, str, str, str, int]]
    ) -> None:
        self.beginResetModel()
        self._headers = headers
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[tuple[str, str, str, str, int]]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(
                (Qt.AlignmentFlag.AlignLeft if index.column() == 0 else Qt.AlignmentFlag.AlignRight)
                | Qt.AlignmentFlag.AlignVCenter
            )
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 3 and row[4]:
            return self._worse if row[4] > 0 else self._better
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < 4:
                return self._headers[section]
        return None


def comparison_rows(a: Analysis, b: Analysis) -> list[tuple[str, str, str, str, int]]:
    """The figures of :func:`riskapp.core.scoring.compare` a buyer reads, formatted.

    The last element is +1 when B is worse (more exposure), -1 when better, 0 otherwise.
    """
    from riskapp.core.scoring import compare

    _, bom = compare(a.scored, b.scored)

    def num(key: str) -> tuple[float, float]:
        va, vb, _ = bom.get(key, (0.0, 0.0, None))
        return float(va or 0.0), float(vb or 0.0)

    rows: list[tuple[str, str, str, str, int]] = []

    def add(label: str, va: float, vb: float, fmt: str, worse_when_up: bool = True) -> None:
        delta = vb - va
        direction = 0 if abs(delta) < 1e-9 else (1 if (delta > 0) == worse_when_up else -1)
        rows.append(
            (
                label,
                format(va, fmt),
                format(vb, fmt),
                format(delta, "+" + fmt) if direction else "–",
                direction,
            )
        )

    grade_order = "ABCDEF"
    for label, ga, gb in (
        ("BOM grade (actual)", a.potential.grade_actual, b.potential.grade_actual),
        ("BOM grade (potential)", a.potential.grade_potential, b.potential.grade_potential),
    ):
        ia, ib = grade_order.find(ga), grade_order.find(gb)
        direction = 0 if ia == ib else (1 if ib > ia else -1)
        rows.append((label, ga, gb, f"{ga} → {gb}" if direction else "–", direction))
    add("BOM score", *num("bom_score"), ".1f")
    add("Lines needing a permit", *num("n_permit_needed"), ",.0f")
    add("Rare-earth lines", *num("n_rare_earth"), ",.0f")
    for band in ("Critical", "High", "Medium", "Low"):
        add(
            f"Lines {band}",
            *num(f"lines_{band}"),
            ",.0f",
            worse_when_up=band in ("Critical", "High"),
        )
    ca = sum(a.scored.rollup.controlled_kg_per_year.values())
    cb = sum(b.scored.rollup.controlled_kg_per_year.values())
    add("Controlled elements, kg/yr", ca, cb, ",.2f")
    add("Exposed spend / yr", *num("spend_exposed"), ",.0f")
    add("Spend needing a permit / yr", *num("spend_permit"), ",.0f")
    add("US tariff cost on CN lines / yr", *num("tariff_us_on_cn_cost_exposed"), ",.0f")
    return rows


class ComparisonView(QWidget):
    """Two scenarios side by side: the figures table and lines per band for each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparisonView")
        self.title = QLabel(self)
        self.title.setObjectName("comparisonTitle")
        self.title.setWordWrap(True)
        self.model = ComparisonModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("comparisonTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            self.table.horizontalHeader().setSectionResizeMode(
                c, QHeaderView.ResizeMode.ResizeToContents
            )
        self.chart_a = BarChart(self)
        self.chart_a.setObjectName("compareBandsA")
        self.chart_b = BarChart(self)
        self.chart_b.setObjectName("compareBandsB")
        self.lines_label = QLabel(self)
        self.lines_label.setWordWrap(True)
        charts = QWidget(self)
        chart_layout = QVBoxLayout(charts)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart_a)
        chart_layout.addWidget(self.chart_b)
        chart_layout.addWidget(self.lines_label)
        chart_layout.addStretch(1)
        chart_scroll = QScrollArea(self)
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setFrameShape(QFrame.Shape.NoFrame)
        chart_scroll.setWidget(charts)
        split = self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        split.setObjectName("comparisonSplitter")
        split.addWidget(self.table)
        split.addWidget(chart_scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        self.set_pair(None, None, busy=False)

    def splitter_state(self) -> bytes:
        """The splitter position, for the settings."""
        return bytes(self.splitter.saveState().data())

    def restore_splitter(self, state: bytes) -> None:
        """Put the splitter where it was."""
        from PySide6.QtCore import QByteArray

        self.splitter.restoreState(QByteArray(state))

    def set_pair(self, a: Analysis | None, b: Analysis | None, *, busy: bool) -> None:
        """Show *a* against *b* (None: explain how to start a comparison)."""
        if a is None or b is None:
            self.title.setText(
                "Analysing the comparison scenario…"
                if busy
                else "Choose a scenario under <b>Compare side by side with</b> in the Scenario "
                "panel (View › Scenario Panel) to see the two side by side."
            )
            self.model.set_rows(("Figure", "A", "B", "Change"), [])
            self.chart_a.set_data(ChartData("Lines per band — A", empty_text="No comparison."))
            self.chart_b.set_data(ChartData("Lines per band — B", empty_text="No comparison."))
            self.lines_label.clear()
            return
        name_a = a.scenario.title or a.scenario.name
        name_b = b.scenario.title or b.scenario.name
        self.title.setText(
            f"<b>A:</b> {escape(name_a)} &nbsp; <b>B:</b> {escape(name_b)} "
            f"&nbsp;— same BOM, same edits; red = B is more exposed."
        )
        self.model.set_rows(("Figure", "A", "B", "Change (B − A)"), comparison_rows(a, b))
        for chart, analysis, letter in ((self.chart_a, a, "A"), (self.chart_b, b, "B")):
            per_band = analysis.scored.rollup.lines_per_band
            chart.set_data(
                ChartData(
                    f"Lines per band — {letter}",
                    tuple(
                        single(
                            band,
                            float(per_band.get(band, 0)),
                            BAND_COLOURS[band][0],
                            f"{per_band.get(band, 0):,}",
                        )
                        for band in BANDS
                    ),
                )
            )
        band_a = a.scored.lines["band"].astype(str).to_numpy()
        band_b = b.scored.lines["band"].astype(str).to_numpy()
        moved = int((band_a != band_b).sum()) if len(band_a) == len(band_b) else 0
        self.lines_label.setText(
            f"{moved:,} line{'s' if moved != 1 else ''} change band between A and B."
        )

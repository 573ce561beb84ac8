"""The detail panel: why the selected line is tagged and scored as it is, and what to do.

For one line it shows the evidence behind each tag, the origin of each supply stage and
how it was found, every factor of the score with its value, weight and source, and the
design and sourcing options with the grams they remove and the score after — with
Accept / Reject. All of it is read from the analysis; the panel computes nothing.

Signals:
    DetailPanel.accept_requested(int, str): accept option (line index, option id).
    DetailPanel.reject_requested(int, str): reject it.
    DetailPanel.override_requested(str): the user wants to set a field of this line
        ('' = let them choose the field).
    DetailPanel.clear_overrides_requested(): remove the user's values on this line.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskapp.gui.lines import CLASS_LABELS, FIELD_LABELS, STAGE_LABELS, STAGES
from riskapp.gui.table_model import BAND_COLOURS

if TYPE_CHECKING:
    import pandas as pd

    from riskapp.core.pipeline import Analysis

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
OPTION_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""AdviceModel: the option id of a row."""
EXPLANATION_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""FactorsModel: the sentence saying how a factor's value was found, with its sources."""

FACTORS: tuple[tuple[str, str, str], ...] = (
    ("f_china_share", "China share of supply", "likelihood"),
    ("f_control", "Export control", "control"),
    ("f_permit_horizon", "Permit horizon", "permit_horizon"),
    ("f_concentration", "Concentration of other supply", "concentration"),
    ("f_substitutability", "Substitutability", "substitutability"),
    ("f_grams", "Controlled grams per year", "grams"),
    ("f_spend", "Spend", "spend"),
    ("f_single_source", "Single source", "single_source"),
    ("f_criticality", "Criticality", "criticality"),
)
"""(column, name, weight key) in the order of the score evidence sentences."""


class FactorsModel(QAbstractTableModel):
    """The factors of one line's score: factor, value, weight and the reference files the
    value came from; the full sentence (how it was found) is the tooltip and
    :data:`EXPLANATION_ROLE`."""

    HEADERS = ("Factor", "Value", "Weight", "Source")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str]] = []

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Rows of (factor, value, weight, explanation)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[tuple[str, str, str, str]]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == _DISPLAY:
            if index.column() == 3:
                return sources_in(row[3])
            return row[index.column()]
        if role in (_TOOLTIP, EXPLANATION_ROLE):
            return row[3] or None
        if role == _ALIGN:
            return _RIGHT if index.column() in (1, 2) else _LEFT
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.HEADERS):
                return self.HEADERS[section]
        return None


_SOURCE = re.compile(r"[A-Za-z_]+\.csv")


def sources_in(sentence: str) -> str:
    """The reference files a score sentence cites, short ('stage shares, permit facts');
    the full sentence names them exactly."""
    found = [
        name.removesuffix(".csv").replace("scoring_parameters", "parameters").replace("_", " ")
        for name in dict.fromkeys(_SOURCE.findall(sentence))
    ]
    if "user-set" in sentence or "set by the user" in sentence:
        found.append("your value")
    return ", ".join(found) or ("your value" if "user" in sentence else "")


class AdviceModel(QAbstractTableModel):
    """The options for one line, best first: status, option, score and band after,
    controlled grams removed per year, Dy/Tb removed, lead time and the note."""

    HEADERS = (
        "Status",
        "Option",
        "Score after",
        "Band after",
        "Controlled removed / yr",
        "Dy+Tb removed / yr",
        "Lead time",
        "Note",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._brushes = {
            band: (QBrush(QColor(bg)), QBrush(QColor(fg)))
            for band, (bg, fg) in BAND_COLOURS.items()
        }

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        """Rows: dicts with the advice columns plus 'status' ('Accepted' ...)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any]:
        return self._rows[index]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == _DISPLAY:
            return _advice_text(row, col)
        if role == _ALIGN:
            return _RIGHT if col in (2, 4, 5, 6) else _LEFT
        if role == _FONT and col == 0 and row["status"] == "Accepted":
            return self._bold
        if role == _BACKGROUND and col == 3:
            brushes = self._brushes.get(str(row.get("band_after", "")))
            return brushes[0] if brushes else None
        if role == _FOREGROUND and col == 3:
            brushes = self._brushes.get(str(row.get("band_after", "")))
            return brushes[1] if brushes else None
        if role == _TOOLTIP:
            return _advice_tooltip(row)
        if role == OPTION_ROLE:
            return str(row["option_id"])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.HEADERS):
                return self.HEADERS[section]
        return None


def _grams(value: Any) -> str:
    try:
        g = float(value)
    except (TypeError, ValueError):
        return ""
    if g != g or g <= 0:
        return "–"
    if g >= 1e6:
        return f"{g / 1e6:,.2f} t"
    if g >= 1e3:
        return f"{g / 1e3:,.1f} kg"
    return f"{g:,.0f} g"


def _advice_text(row: dict[str, Any], col: int) -> str:
    if col == 0:
        return str(row["status"])
    if col == 1:
        return str(row["title"])
    if col == 2:
        return f"{float(row['score_after']):.1f}"
    if col == 3:
        return str(row.get("band_after", ""))
    if col == 4:
        return _grams(row.get("controlled_g_removed_per_year"))
    if col == 5:
        return _grams(row.get("dy_tb_g_removed_per_year"))
    if col == 6:
        months = float(row.get("lead_time_months") or 0.0)
        return f"{months:.0f} months" if months else "now"
    return str(row.get("note", ""))


def _advice_tooltip(row: dict[str, Any]) -> str:
    parts = [f"<b>{escape(str(row['title']))}</b>"]
    for key, label in (
        ("note", ""),
        ("removed_by_element", "Removes"),
        ("cost_note", "Cost"),
        ("performance_note", "Performance"),
        ("producers", "Producers"),
        ("source", "Source"),
    ):
        value = str(row.get(key) or "").strip()
        if value:
            parts.append(f"{label + ': ' if label else ''}{escape(value)}")
    return "<p>" + "<br>".join(parts) + "</p>"


def accepted_pairs(analysis: Analysis) -> frozenset[tuple[int, str]]:
    """The accepted (line index, option id) pairs in force: the session's list, or the
    recommended option of every line when the user has not chosen (the core default)."""
    chosen = analysis.options.accepted_advice
    if chosen is not None:
        return frozenset((int(i), str(o)) for i, o in chosen)
    from riskapp.core.advice import best_options

    if analysis.advice.empty:
        return frozenset()
    best = best_options(analysis.advice)
    return frozenset(
        zip(
            [int(i) for i in best["line_index"].tolist()],
            [str(o) for o in best["option_id"].tolist()],
            strict=True,
        )
    )


class AdviceIndex:
    """Which rows of ``analysis.advice`` belong to a line: three flat arrays (cheap to send
    between processes and to free), looked up with a binary search."""

    def __init__(self, line_index: Any) -> None:
        import numpy as np

        values = np.asarray(line_index, dtype=np.int64)
        self.order = np.argsort(values, kind="stable")
        self.keys, self.starts = np.unique(values[self.order], return_index=True)
        self.starts = np.append(self.starts, len(values))

    def get(self, line: int, default: Any = None) -> Any:
        """The advice row positions of *line* (in rank order), or *default*."""
        import numpy as np

        k = int(np.searchsorted(self.keys, line))
        if k >= len(self.keys) or int(self.keys[k]) != int(line):
            return default
        return self.order[self.starts[k] : self.starts[k + 1]]


def advice_index(analysis: Analysis) -> AdviceIndex:
    """Positions of each line's rows in ``analysis.advice`` (built once, in the worker)."""
    if analysis.advice.empty:
        return AdviceIndex([])
    return AdviceIndex(analysis.advice["line_index"].to_numpy())


class _Section(QLabel):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(f"<b>{escape(text)}</b>", parent)
        self.setContentsMargins(0, 8, 0, 2)


class DetailPanel(QScrollArea):
    """Everything about one line (see the module docstring)."""

    accept_requested = Signal(int, str)
    reject_requested = Signal(int, str)
    override_requested = Signal(str)
    clear_overrides_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Content follows the panel's width and wraps; only the whole page scrolls.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.analysis: Analysis | None = None
        self.line_index: int | None = None
        self._advice_rows: AdviceIndex = AdviceIndex([])
        self._accepted: frozenset[tuple[int, str]] = frozenset()
        inner = QWidget(self)
        inner.setMinimumWidth(300)

        self.title = _text(inner, "detailTitle")
        self.subtitle = _text(inner)
        self.score = _text(inner, "detailScore", selectable=False)
        self.evidence = _text(inner, "detailEvidence")
        self.origins = _text(inner, "detailOrigins")

        self.factors_model = FactorsModel(self)
        self.factors = _compact_table(self.factors_model, inner, "factorsView")
        header = self.factors.horizontalHeader()
        for col in (0, 1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.factors.selectionModel().currentRowChanged.connect(self._show_explanation)
        self.formula = _text(inner, "scoreFormula", selectable=False)
        self.explanation = _text(inner, "factorExplanation")

        self.advice_model = AdviceModel(self)
        self.advice = _compact_table(self.advice_model, inner, "adviceView")
        self.advice.horizontalHeader().setStretchLastSection(True)
        self.advice.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.advice.selectionModel().currentRowChanged.connect(self._show_option)
        self.option_detail = _text(inner, "optionDetail")
        self.advice.doubleClicked.connect(self._toggle_current)
        self.accept_button = QPushButton("Accept", inner)
        self.accept_button.setObjectName("acceptOption")
        self.accept_button.setToolTip(
            "Count this option in the Potential grade (design or sourcing will adopt it)."
        )
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button = QPushButton("Reject", inner)
        self.reject_button.setObjectName("rejectOption")
        self.reject_button.setToolTip("Do not count this option in the Potential grade.")
        self.reject_button.clicked.connect(self.reject_current)
        self.advice_note = _text(inner, "adviceNote", selectable=False)

        self.overrides_label = _text(inner, selectable=False)
        self.edit_button = QPushButton("Set a value…", inner)
        self.edit_button.setObjectName("editLine")
        self.edit_button.setToolTip("Set origin, class, grade, magnet mass or criticality (F2)")
        self.edit_button.clicked.connect(lambda: self.override_requested.emit(""))
        self.clear_button = QPushButton("Remove my values", inner)
        self.clear_button.setObjectName("clearLine")
        self.clear_button.clicked.connect(self.clear_overrides_requested)

        self.placeholder = QLabel(
            "Select a line to see why it is tagged and scored as it is,\n"
            "and what design or sourcing could change.",
            inner,
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)

        self.body = QWidget(inner)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.title)
        body.addWidget(self.subtitle)
        body.addWidget(self.score)
        body.addWidget(_Section("Why it is tagged so", inner))
        body.addWidget(self.evidence)
        body.addWidget(_Section("Where it comes from", inner))
        body.addWidget(self.origins)
        self.factors_section = _Section("Score factors", inner)
        body.addWidget(self.factors_section)
        body.addWidget(self.formula)
        body.addWidget(self.factors)
        body.addWidget(self.explanation)
        body.addWidget(_Section("Ways to need less (design and sourcing options)", inner))
        body.addWidget(self.advice)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.advice_note, 1)
        body.addLayout(buttons)
        body.addWidget(self.option_detail)
        body.addWidget(_Section("Your values for this line", inner))
        body.addWidget(self.overrides_label)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edit_button)
        edit_row.addWidget(self.clear_button)
        edit_row.addStretch(1)
        body.addLayout(edit_row)

        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body)
        layout.addStretch(1)
        self.setWidget(inner)
        self.show_line(None)

    # -- content -------------------------------------------------------------------------
    def set_analysis(
        self,
        analysis: Analysis | None,
        index: AdviceIndex | None = None,
        accepted: frozenset[tuple[int, str]] | None = None,
    ) -> None:
        """The analysis lines come from (the shown line is refreshed from it).

        *index* and *accepted* are :func:`advice_index` and :func:`accepted_pairs` of it,
        computed in the worker for big BOMs (here when not given).
        """
        self.analysis = analysis
        self._advice_rows = AdviceIndex([])
        self._accepted = frozenset()
        if analysis is not None:
            self._advice_rows = index if index is not None else advice_index(analysis)
            self._accepted = accepted if accepted is not None else accepted_pairs(analysis)
        if self.line_index is not None:
            self.show_line(self.line_index)

    def show_line(self, line_index: int | None) -> None:
        """Show the line with this index of ``analysis.scored.lines`` (None: nothing)."""
        analysis = self.analysis
        if analysis is None or line_index is None or line_index not in analysis.scored.lines.index:
            self.line_index = None
            self.body.hide()
            self.placeholder.show()
            self.factors_model.set_rows([])
            self.advice_model.set_rows([])
            return
        self.line_index = int(line_index)
        line: pd.Series = analysis.scored.lines.loc[line_index]  # type: ignore[assignment]
        self.placeholder.hide()
        self.body.show()
        self._fill_header(line)
        self._fill_evidence(line)
        self._fill_origins(line)
        self._fill_factors(line, analysis)
        self._fill_advice(analysis)
        self._fill_overrides(analysis, line)

    def _fill_header(self, line: pd.Series) -> None:
        description = str(line.get("description") or "(no description)")
        self.title.setText(f"<b style='font-size:115%'>{escape(description)}</b>")
        where = (
            f"{line.get('sheet')}!{line.get('row')}"
            if line.get("sheet")
            else f"row {line.get('row')}"
        )
        bits = [where]
        for key, label in (("manufacturer", ""), ("mpn", "MPN "), ("supplier", "from ")):
            value = str(line.get(key) or "").strip()
            if value and value.lower() != "nan":
                bits.append(f"{label}{value}")
        qty = line.get("quantity")
        if qty == qty and qty is not None:
            bits.append(f"qty {float(qty):g}")
        self.subtitle.setText(escape(" · ".join(bits)))
        band = str(line.get("band") or "")
        bg, fg = BAND_COLOURS.get(band, ("#F2F2F2", "#595959"))
        score = float(line.get("score") or 0.0)
        klass = CLASS_LABELS.get(str(line.get("re_class") or ""), str(line.get("re_class") or ""))
        grams = float(line.get("controlled_g_per_year") or 0.0)
        extra = f" · {klass}" if klass else ""
        if grams > 0:
            extra += f" · {_grams(grams)} controlled per year"
        if bool(line.get("needs_review")):
            extra += " · <b>needs review</b>"
        self.score.setText(
            f"<span style='background:{bg}; color:{fg}'>&nbsp;{escape(band or 'Not scored')}&nbsp;</span>"
            f" &nbsp;Score <b>{score:.1f}</b> = 100 × likelihood {float(line.get('likelihood') or 0):.2f}"
            f" × impact {float(line.get('impact') or 0):.2f}{extra}"
        )

    def _fill_evidence(self, line: pd.Series) -> None:
        items = list(line.get("evidence") or [])
        confidence = str(line.get("confidence") or "")
        head = f"Confidence: <b>{escape(confidence)}</b>" if confidence else ""
        bullets = "".join(f"<li>{escape(str(e))}</li>" for e in items)
        self.evidence.setText(
            head + (f"<ul style='margin-left:-20px'>{bullets}</ul>" if bullets else "")
        )

    def _fill_origins(self, line: pd.Series) -> None:
        rows = []
        for stage in STAGES:
            code = str(line.get(f"origin_{stage}") or "")
            basis = str(line.get(f"origin_basis_{stage}") or "")
            share = line.get(f"cn_share_{stage}")
            if basis.startswith("unknown"):
                basis = "not known: the global share is used (stage_shares.csv)"
            elif basis == "set by the user":
                basis = "<i>set by you</i>"
            else:
                basis = escape(basis)
            share_text = (
                f" · China share {float(share):.0%}"
                if share is not None and share == share and stage != "component"
                else ""
            )
            rows.append(
                f"<b>{escape(STAGE_LABELS[stage])}</b>: {escape(code or 'unknown')}"
                f"{share_text}<br><span style='margin-left:12px'>&nbsp;&nbsp;{basis}</span>"
            )
        self.origins.setText("<br>".join(rows))

    def _fill_factors(self, line: pd.Series, analysis: Analysis) -> None:
        sentences = [str(s) for s in (line.get("score_evidence") or [])]
        explained = sentences[1:] if len(sentences) == len(FACTORS) + 1 else []
        weights = analysis.scenario.weights
        rows = []
        for k, (column, name, weight_key) in enumerate(FACTORS):
            value = line.get(column)
            value_text = f"{float(value):.2f}" if value is not None and value == value else ""
            weight = weights.get(weight_key)
            weight_text = (
                "× (multiplies)"
                if column == "f_china_share"
                else (f"{float(weight):.2f}" if weight is not None else "")
            )
            rows.append((name, value_text, weight_text, explained[k] if explained else ""))
        self.factors_model.set_rows(rows)
        self.formula.setText(f"<small>{escape(sentences[0])}</small>" if sentences else "")
        _fit_height(self.factors)
        self.factors.selectRow(0)
        self._show_explanation(self.factors_model.index(0, 0))

    def _fill_advice(self, analysis: Analysis) -> None:
        assert self.line_index is not None
        positions = self._advice_rows.get(self.line_index)
        rows: list[dict[str, Any]] = []
        if positions is not None and len(positions):
            frame = analysis.advice.iloc[positions]
            for record in frame.to_dict("records"):
                key = (self.line_index, str(record["option_id"]))
                if key in self._accepted:
                    status = "Accepted"
                elif analysis.options.accepted_advice is not None:
                    status = "Rejected" if _was_recommended(record) else "–"
                else:
                    status = "–"
                if not bool(record.get("helps")):
                    status = "Does not help" if status != "Accepted" else status
                record["status"] = status
                rows.append(record)
        self.advice_model.set_rows(rows)
        self.advice.resizeColumnsToContents()
        header = self.advice.horizontalHeader()
        header.resizeSection(1, min(header.sectionSize(1), 170))
        header.resizeSection(7, min(header.sectionSize(7), 320))
        _fit_height(self.advice, max_rows=8)
        if rows:
            self.advice.selectRow(0)
            default = analysis.options.accepted_advice is None
            self.advice_note.setText(
                "The recommended option of every line counts in the Potential grade until you "
                "accept or reject one."
                if default
                else "Accepted options count in the Potential grade."
            )
        else:
            self.advice_note.setText("No option changes this line's exposure.")
            self.option_detail.clear()
        self._update_buttons()

    def _fill_overrides(self, analysis: Analysis, line: pd.Series) -> None:
        mine = []
        for o in overrides_of_line(analysis, self.line_index):
            scope = "this line" if o.scope == "line" else f"all lines of {o.scope} '{o.key}'"
            mine.append(
                f"<li>{escape(FIELD_LABELS.get(o.field, o.field))} = <b>{escape(o.value)}</b>"
                f" ({escape(scope)})</li>"
            )
        self.overrides_label.setText(
            "<ul style='margin-left:-20px'>" + "".join(mine) + "</ul>"
            if mine
            else "None — every value comes from the file and the reference data."
        )
        self.clear_button.setEnabled(bool(mine))

    def scroll_to_factors(self) -> None:
        """Scroll so the score factors and the options are in view."""
        inner = self.widget()
        if inner is None:
            return
        inner.adjustSize()
        top = self.factors_section.mapTo(inner, self.factors_section.rect().topLeft())
        self.verticalScrollBar().setValue(top.y())

    def _show_option(self, current: QModelIndex, *_args: Any) -> None:
        if not current.isValid():
            self.option_detail.clear()
            return
        self.option_detail.setText(_advice_tooltip(self.advice_model.row(current.row())))

    def _show_explanation(self, current: QModelIndex, *_args: Any) -> None:
        text = self.factors_model.data(current, EXPLANATION_ROLE) if current.isValid() else None
        name = (
            self.factors_model.data(self.factors_model.index(current.row(), 0))
            if current.isValid()
            else ""
        )
        self.explanation.setText(f"<b>{escape(str(name))}</b>: {escape(str(text))}" if text else "")

    # -- accept / reject -----------------------------------------------------------------
    def current_option(self) -> str | None:
        """The option id selected in the advice table."""
        index = self.advice.currentIndex()
        if not index.isValid():
            return None
        return str(self.advice_model.row(index.row())["option_id"])

    def select_option(self, option_id: str) -> bool:
        """Select an option of the shown line by id (True when found)."""
        for r in range(self.advice_model.rowCount()):
            if self.advice_model.row(r)["option_id"] == option_id:
                self.advice.selectRow(r)
                return True
        return False

    def accept_current(self) -> None:
        option = self.current_option()
        if option is not None and self.line_index is not None:
            self.accept_requested.emit(self.line_index, option)

    def reject_current(self) -> None:
        option = self.current_option()
        if option is not None and self.line_index is not None:
            self.reject_requested.emit(self.line_index, option)

    def _toggle_current(self, _index: QModelIndex) -> None:
        option = self.current_option()
        if option is None or self.line_index is None:
            return
        if (self.line_index, option) in self._accepted:
            self.reject_current()
        else:
            self.accept_current()

    def _update_buttons(self, *_args: Any) -> None:
        option = self.current_option()
        accepted = option is not None and (self.line_index, option) in self._accepted
        self.accept_button.setEnabled(option is not None and not accepted)
        self.reject_button.setEnabled(option is not None and accepted)

    def set_editable(self, editable: bool) -> None:
        """Disable the edit buttons while a file is being opened."""
        for button in (self.edit_button, self.clear_button):
            button.setEnabled(editable and (button is not self.clear_button or button.isEnabled()))


def overrides_of_line(analysis: Analysis, line_index: int | None) -> list[Any]:
    """The user's overrides that apply to one line (matched by core's rules)."""
    from riskapp.core.tagging import _override_frame

    overrides = analysis.options.overrides
    if line_index is None or not overrides:
        return []
    one = analysis.imported.lines.loc[[line_index]]
    return [
        o for o in overrides if any(s.notna().any() for s in _override_frame(one, (o,)).values())
    ]


def _was_recommended(record: dict[str, Any]) -> bool:
    return int(record.get("rank") or 0) == 1 and bool(record.get("helps"))


def _text(parent: QWidget, name: str = "", *, selectable: bool = True) -> QLabel:
    """A wrapping label of the panel (its text selectable with the mouse unless said)."""
    label = QLabel(parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _compact_table(model: QAbstractTableModel, parent: QWidget, name: str) -> QTableView:
    """A small read-only table of the panel: whole-row selection, one line per row (long
    cells elided)."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setHighlightSections(False)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return view


def _fit_height(view: QTableView, max_rows: int = 12) -> None:
    """Make a small table as tall as its rows (up to *max_rows*), so the panel scrolls
    as one page instead of nesting scroll bars."""
    rows = view.model().rowCount()
    height = view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth() + 2
    for r in range(min(rows, max_rows)):
        height += view.rowHeight(r)
    # room for a horizontal scroll bar: the panel may be narrower than the columns
    height += view.horizontalScrollBar().sizeHint().height()
    view.setFixedHeight(max(height, view.horizontalHeader().height() + 24))

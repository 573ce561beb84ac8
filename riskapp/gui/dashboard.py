"""The dashboard: BOM grade (actual and potential), headline figures and four charts.

:func:`dashboard_data` turns an analysis into plain numbers and chart data in the worker
thread; :class:`Dashboard` only shows them. The figures are the roll-up's
(:class:`riskapp.core.scoring.BomRollup`) and the potential grade is
:attr:`riskapp.core.pipeline.Analysis.potential` — nothing is recomputed here except the
stage-by-country sums of rare-earth mass, which the Excel report's Exposure sheet shows
the same way.

Signals:
    Dashboard.line_activated(int): a top contributor was clicked (frame position).
    Dashboard.band_activated(str): a band bar was clicked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from riskapp.gui.charts import Bar, BarChart, ChartData, Segment, colours, single
from riskapp.gui.table_model import BAND_COLOURS, BANDS

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis

GRADE_COLOURS: dict[str, tuple[str, str]] = {
    "A": ("#1E7B34", "#FFFFFF"),
    "B": ("#5BAA46", "#FFFFFF"),
    "C": ("#E8C547", "#000000"),
    "D": ("#F0A04B", "#000000"),
    "E": ("#E06C2B", "#FFFFFF"),
    "F": ("#B00020", "#FFFFFF"),
}
"""(background, text) of a grade badge, green A to red F."""

CHINA_COLOUR = "#C00000"
UNKNOWN_COLOUR = "#BFBFBF"
STAGE_NAMES = {
    "mining": "Mining",
    "separation": "Separation",
    "metal": "Metal / alloy",
    "magnet": "Magnet making",
    "component": "Component",
}
TOP_LINES = 8


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard shows, as plain values (built off the GUI thread)."""

    grade_actual: str = ""
    grade_potential: str = ""
    score_actual: float = 0.0
    score_potential: float = 0.0
    figures: tuple[tuple[str, str, str], ...] = ()  # (label, value, tooltip)
    notes: tuple[str, ...] = ()
    bands: ChartData = field(default_factory=lambda: ChartData("Lines per band"))
    elements: ChartData = field(default_factory=lambda: ChartData("Controlled elements"))
    stages: ChartData = field(default_factory=lambda: ChartData("Exposure by stage"))
    top: ChartData = field(default_factory=lambda: ChartData("Top contributors"))
    top_rows: tuple[int, ...] = ()  # frame position of each top-contributor bar
    scenario: str = ""


def _kg(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:,.2f} t"
    if value >= 1:
        return f"{value:,.2f} kg"
    return f"{value * 1000:,.0f} g"


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}".strip()


def dashboard_data(analysis: Analysis, default_currency: str = "USD") -> DashboardData:
    """Figures and chart data of an analysis (pure pandas; runs in the worker).

    *default_currency* names money when the BOM states no currency (a setting)."""
    import numpy as np
    import pandas as pd

    scored = analysis.scored
    roll = scored.rollup
    lines = scored.lines
    pot = analysis.potential
    scenario = analysis.scenario
    currency = roll.currency or default_currency

    # ---- headline figures
    controlled = dict(roll.controlled_kg_per_year)
    controlled_total = sum(controlled.values())
    re_total = sum(roll.re_kg_per_year.values())
    share = roll.spend_exposed / roll.spend_total if roll.spend_total > 0 else 0.0
    tariff_rate = float(roll.tariff.get("us_on_cn_rate", 0.0))
    figures = [
        (
            "Lines",
            f"{roll.n_lines:,} · {roll.n_rare_earth:,} with rare earths",
            f"{roll.n_permit_needed:,} need a Chinese export permit; "
            f"{roll.n_needs_review:,} need review (low confidence or unknown origin).",
        ),
        (
            "Need a permit",
            f"{roll.n_permit_needed:,} lines",
            "Lines whose magnet material needs a Chinese export licence in this scenario.",
        ),
        (
            "To review",
            f"{roll.n_needs_review:,} lines",
            "Low confidence or unknown origin — View › Needs Review shows them.",
        ),
        (
            "Controlled elements",
            f"{_kg(controlled_total)} / year",
            ", ".join(f"{el} {_kg(kg)}" for el, kg in controlled.items()) or "none",
        ),
        (
            "All rare earths",
            f"{_kg(re_total)} / year",
            ", ".join(f"{el} {_kg(kg)}" for el, kg in roll.re_kg_per_year.items()) or "none",
        ),
        (
            "Exposed spend",
            f"{_money(roll.spend_exposed, currency)} ({share:.0%})",
            f"Spend per year on rare-earth lines, of {_money(roll.spend_total, currency)} in "
            f"total; {_money(roll.spend_permit, currency)} on lines that need a permit.",
        ),
        (
            f"US tariff on CN ({tariff_rate:.0%})",
            f"{_money(float(roll.tariff.get('us_on_cn_cost_exposed', 0.0)), currency)} / year",
            "Tariff cost per year on rare-earth lines made in China, at the scenario's rate "
            f"(all lines: {_money(float(roll.tariff.get('us_on_cn_cost_all', 0.0)), currency)}).",
        ),
        (
            "Scenario",
            scenario.title or scenario.name,
            f"Evaluated {roll.evaluation_date}, {scenario.build_volume:,.0f} units per year. "
            + (scenario.description or ""),
        ),
    ]

    # ---- charts
    per_band = dict(roll.lines_per_band)
    bands = ChartData(
        "Lines per band",
        tuple(
            single(
                band,
                float(per_band.get(band, 0)),
                BAND_COLOURS[band][0],
                f"{per_band.get(band, 0):,}",
                f"{per_band.get(band, 0):,} lines in band {band}. Click to show them.",
            )
            for band in BANDS
        ),
        empty_text="No lines.",
    )
    element_bars = tuple(
        single(el, kg, colour, _kg(kg), f"{el}: {_kg(kg)} per year under export control")
        for (el, kg), colour in zip(
            sorted(controlled.items(), key=lambda kv: -kv[1]), colours(len(controlled)), strict=True
        )
    )
    elements = ChartData(
        "Controlled elements, per year",
        element_bars,
        empty_text="No export-controlled elements in this BOM under this scenario.",
    )

    stage_bars: list[Bar] = []
    countries_seen: dict[str, str] = {}
    palette = iter(colours(12)[1:])
    if len(lines) and "re_g_per_year" in lines.columns:
        rare = lines["rare_earth"].fillna(False).astype(bool).to_numpy()
        kg = pd.to_numeric(lines["re_g_per_year"], errors="coerce").fillna(0.0).to_numpy(float)
        kg = np.where(rare, kg, 0.0) / 1000.0
        for stage, stage_name in STAGE_NAMES.items():
            column = f"origin_{stage}"
            if column not in lines.columns or kg.sum() <= 0:
                continue
            origin = lines[column].astype(object).where(lines[column].notna(), "").astype(str)
            sums = pd.Series(kg).groupby(origin.to_numpy()).sum().sort_values(ascending=False)
            sums = sums[sums > 0]
            if sums.empty:
                continue
            segments = []
            for country, value in sums.items():
                code = str(country) or "?"
                if code == "CN":
                    colour = CHINA_COLOUR
                elif code == "?":
                    colour = UNKNOWN_COLOUR
                else:
                    colour = countries_seen.get(code) or next(palette, "#7F7F7F")
                countries_seen.setdefault(code, colour)
                segments.append(Segment(float(value), colour, code))
            total = float(sums.sum())
            cn = float(sums.get("CN", 0.0))
            unknown = float(sums.get("", 0.0))
            scored_share = roll.china_share_by_stage.get(stage)
            text = f"CN {cn / total:.0%}" + (f", ? {unknown / total:.0%}" if unknown else "")
            tip = "\n".join(
                f"{(str(c) or 'unknown')}: {_kg(float(v))} per year" for c, v in sums.items()
            )
            if scored_share is not None:
                tip += f"\nChina share used in the score (unknown at global shares): {scored_share:.0%}"
            stage_bars.append(Bar(stage_name, tuple(segments), text, tip))
    legend = [("China", CHINA_COLOUR)] if "CN" in countries_seen else []
    legend += [(c, col) for c, col in countries_seen.items() if c not in ("CN", "?")][:5]
    if "?" in countries_seen:
        legend.append(("Unknown (global shares)", UNKNOWN_COLOUR))
    stages = ChartData(
        "Rare-earth mass by supply stage and country",
        tuple(stage_bars),
        empty_text="No rare-earth lines: nothing is exposed at any supply stage.",
        legend=tuple(legend),
    )

    top = roll.top_contributors.head(TOP_LINES)
    positions = (
        lines.index.get_indexer(pd.Index(top["line_index"])) if len(top) else np.zeros(0, int)
    )
    top_bars = []
    top_rows = []
    for (_, row), pos in zip(top.iterrows(), positions, strict=True):
        band = str(row["band"])
        colour = BAND_COLOURS.get(band, ("#7F7F7F", ""))[0]
        description = str(row["description"] or "(no description)")
        top_bars.append(
            single(
                description,
                float(row["contribution"]),
                colour,
                f"score {float(row['score']):.0f}",
                f"{description}\nScore {float(row['score']):.1f} ({band}); "
                f"{float(row['cumulative_share']):.0%} of the BOM's exposure up to here.\n"
                "Click to show the line.",
            )
        )
        top_rows.append(int(pos))
    top_chart = ChartData(
        "Top contributors to exposure",
        tuple(top_bars),
        empty_text="No line contributes to exposure.",
    )
    notes = _grouped_notes(roll.notes)
    return DashboardData(
        grade_actual=pot.grade_actual,
        grade_potential=pot.grade_potential,
        score_actual=float(pot.bom_score_actual),
        score_potential=float(pot.bom_score_potential),
        figures=tuple(figures),
        notes=notes,
        bands=bands,
        elements=elements,
        stages=stages,
        top=top_chart,
        top_rows=tuple(top_rows),
        scenario=scenario.title or scenario.name,
    )


def _grouped_notes(notes: tuple[str, ...]) -> tuple[str, ...]:
    """'ID: text' notes with the same text become one: 'ID1, ID2: text'."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        head, sep, text = note.partition(": ")
        if not sep:
            head, text = "", note
        grouped.setdefault(text, []).append(head)
    return tuple(
        f"{', '.join(h for h in heads if h)}: {text}" if any(heads) else text
        for text, heads in grouped.items()
    )


class GradeBadge(QFrame):
    """A big coloured grade letter with a caption and the BOM score under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradeBadge")
        self.caption = QLabel(caption, self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.letter = QLabel("–", self)
        self.letter.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.letter.setMinimumSize(84, 72)
        font = self.letter.font()
        font.setPointSizeF(font.pointSizeF() * 3.2)
        font.setBold(True)
        self.letter.setFont(font)
        self.score = QLabel(self)
        self.score.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.letter)
        layout.addWidget(self.score)

    def set_grade(self, grade: str, score: float | None, tooltip: str) -> None:
        bg, fg = GRADE_COLOURS.get(grade, ("#7F7F7F", "#FFFFFF"))
        self.letter.setText(grade or "–")
        self.letter.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {fg}; border-radius: 8px; padding: 2px 10px; }}"
        )
        self.score.setText("" if score is None else f"BOM score {score:.1f}")
        self.setToolTip(tooltip)


class Dashboard(QScrollArea):
    """Grades, headline figures and charts of the analysis shown."""

    line_activated = Signal(int)
    band_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._data = DashboardData()
        inner = QWidget(self)
        self.actual = GradeBadge("Actual grade", inner)
        self.actual.setObjectName("gradeActual")
        self.potential = GradeBadge("Potential grade", inner)
        self.potential.setObjectName("gradePotential")
        self.figures = QGridLayout()
        self.figures.setHorizontalSpacing(18)
        self.figures.setVerticalSpacing(4)
        self.notes = QLabel(inner)
        self.notes.setObjectName("dashboardNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.bands = BarChart(inner)
        self.bands.setObjectName("chartBands")
        self.elements = BarChart(inner)
        self.elements.setObjectName("chartElements")
        self.stages = BarChart(inner)
        self.stages.setObjectName("chartStages")
        self.top = BarChart(inner)
        self.top.setObjectName("chartTop")
        self.bands.bar_activated.connect(self._on_band)
        self.top.bar_activated.connect(self._on_top)

        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(self.actual)
        head.addWidget(self.potential)
        figure_box = QWidget(inner)
        figure_box.setLayout(self.figures)
        figure_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        head.addWidget(figure_box, 1)
        charts = QGridLayout()
        charts.setHorizontalSpacing(18)
        charts.setVerticalSpacing(12)
        charts.addWidget(self.bands, 0, 0)
        charts.addWidget(self.elements, 0, 1)
        charts.addWidget(self.stages, 1, 0)
        charts.addWidget(self.top, 1, 1)
        charts.setColumnStretch(0, 1)
        charts.setColumnStretch(1, 1)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.notes)
        layout.addLayout(charts)
        layout.addStretch(1)
        self.setWidget(inner)
        self.set_data(DashboardData())

    def data(self) -> DashboardData:
        """What is shown."""
        return self._data

    def set_data(self, data: DashboardData) -> None:
        """Show *data*."""
        self._data = data
        empty = not data.grade_actual
        self.actual.set_grade(
            data.grade_actual,
            None if empty else data.score_actual,
            "The BOM's grade now: A (little exposure) to F; the worst line decides it.",
        )
        self.potential.set_grade(
            data.grade_potential,
            None if empty else data.score_potential,
            "The grade the BOM reaches with the accepted design and sourcing options "
            "(by default the recommended option of every line).",
        )
        while self.figures.count():
            item = self.figures.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        half = (len(data.figures) + 1) // 2
        for k, (label, value, tip) in enumerate(data.figures):
            row, col = k % half, (k // half) * 2
            name = QLabel(f"{escape(label)}:", self)
            name.setToolTip(tip)
            shown = QLabel(f"<b>{escape(value)}</b>", self)
            shown.setToolTip(tip)
            shown.setObjectName(f"figure_{k}")
            self.figures.addWidget(name, row, col, Qt.AlignmentFlag.AlignRight)
            self.figures.addWidget(shown, row, col + 1, Qt.AlignmentFlag.AlignLeft)
        if data.notes:
            items = "".join(f"<li>{escape(n)}</li>" for n in data.notes[:4])
            more = f"<li>… and {len(data.notes) - 4} more</li>" if len(data.notes) > 4 else ""
            self.notes.setText(
                "<b>Please confirm:</b><ul style='margin-top:0'>" + items + more + "</ul>"
            )
            self.notes.show()
        else:
            self.notes.clear()
            self.notes.hide()
        self.bands.set_data(data.bands)
        self.elements.set_data(data.elements)
        self.stages.set_data(data.stages)
        self.top.set_data(data.top)

    def _on_band(self, index: int) -> None:
        bars = self._data.bands.bars
        if 0 <= index < len(bars):
            self.band_activated.emit(bars[index].label)

    def _on_top(self, index: int) -> None:
        if 0 <= index < len(self._data.top_rows):
            self.line_activated.emit(self._data.top_rows[index])

"""Small horizontal bar charts drawn with QPainter (the dashboard's four charts).

QtCharts is not part of PySide6-Essentials (it would add PySide6-Addons, ~200 MB, to the
installer) and every dashboard chart here is a labelled horizontal bar chart, possibly
stacked — a hundred lines of painting. Colours come from the data (band colours) or a
fixed, colour-blind-safe palette; text uses the widget palette, so dark themes work.

Signals:
    BarChart.bar_activated(int): a bar was clicked (its index in the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
)
"""Okabe–Ito colours (distinguishable with colour-blindness)."""


@dataclass(frozen=True)
class Segment:
    """One part of a bar: its value, colour and name (for the legend and tooltip)."""

    value: float
    colour: str
    name: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar: a label, its segments, the text shown after it, and a tooltip."""

    label: str
    segments: tuple[Segment, ...]
    value_text: str = ""
    tooltip: str = ""

    @property
    def total(self) -> float:
        return sum(max(0.0, s.value) for s in self.segments)


@dataclass(frozen=True)
class ChartData:
    """What a chart shows; ``empty_text`` replaces the bars when there are none."""

    title: str
    bars: tuple[Bar, ...] = ()
    empty_text: str = "Nothing to show."
    legend: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (name, colour)
    scale_max: float | None = None  # e.g. 1.0 for shares; None: the largest bar


class BarChart(QWidget):
    """A titled horizontal bar chart with labels, values, tooltips and an optional legend."""

    bar_activated = Signal(int)

    ROW_PADDING = 6
    LABEL_MAX_FRACTION = 0.42

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = ChartData("")
        self._bar_rects: list[QRect] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(120)

    def set_data(self, data: ChartData) -> None:
        """Show *data*."""
        self._data = data
        self.setToolTip("")
        self.updateGeometry()
        self.update()

    def data(self) -> ChartData:
        """The data shown."""
        return self._data

    # -- geometry ------------------------------------------------------------------------
    def _row_height(self) -> int:
        return self.fontMetrics().height() + self.ROW_PADDING

    def _title_height(self) -> int:
        return self._bold_metrics().height() + 8

    def _legend_height(self) -> int:
        return self.fontMetrics().height() + 8 if self._data.legend else 0

    def _bold_metrics(self) -> QFontMetrics:
        font = self.font()
        font.setBold(True)
        return QFontMetrics(font)

    def sizeHint(self) -> QSize:
        rows = max(1, len(self._data.bars))
        height = self._title_height() + rows * self._row_height() + self._legend_height() + 10
        return QSize(360, max(120, height))

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 120)

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(palette.ColorRole.WindowText)
        muted = palette.color(palette.ColorGroup.Disabled, palette.ColorRole.WindowText)
        rect = self.rect().adjusted(4, 2, -6, -2)
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_colour)
        title_rect = QRect(rect.left(), rect.top(), rect.width(), self._title_height())
        painter.drawText(
            title_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self._data.title,
        )
        painter.setFont(self.font())
        self._bar_rects = []
        bars = self._data.bars
        top = title_rect.bottom() + 4
        if not bars:
            painter.setPen(muted)
            empty = QRect(rect.left(), top, rect.width(), max(40, rect.bottom() - top))
            painter.drawText(
                empty,
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._data.empty_text,
            )
            painter.end()
            return
        metrics = self.fontMetrics()
        label_width = min(
            int(rect.width() * self.LABEL_MAX_FRACTION),
            max(metrics.horizontalAdvance(b.label) for b in bars) + 8,
        )
        value_width = max(metrics.horizontalAdvance(b.value_text) for b in bars) + 8
        bar_left = rect.left() + label_width
        bar_span = max(10, rect.right() - bar_left - value_width)
        scale = self._data.scale_max or max((b.total for b in bars), default=0.0)
        row_h = self._row_height()
        bar_h = max(6, row_h - self.ROW_PADDING)
        for k, bar in enumerate(bars):
            y = top + k * row_h
            label_rect = QRect(rect.left(), y, label_width - 6, row_h)
            painter.setPen(text_colour)
            painter.drawText(
                label_rect,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_width - 6),
            )
            x = float(bar_left)
            by = y + (row_h - bar_h) / 2
            for segment in bar.segments:
                if segment.value <= 0 or scale <= 0:
                    continue
                width = bar_span * min(1.0, segment.value / scale)
                painter.fillRect(QRectF(x, by, max(1.0, width), bar_h), QColor(segment.colour))
                x += width
            painter.setPen(text_colour)
            painter.drawText(
                QRect(int(x) + 4, y, value_width + 4, row_h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                bar.value_text,
            )
            self._bar_rects.append(QRect(rect.left(), y, rect.width(), row_h))
        if self._data.legend:
            y = top + len(bars) * row_h + 4
            x = bar_left
            box = metrics.height() - 4
            for name, colour in self._data.legend:
                painter.fillRect(QRect(x, y + 2, box, box), QColor(colour))
                painter.setPen(text_colour)
                width = metrics.horizontalAdvance(name)
                painter.drawText(QPoint(x + box + 4, y + metrics.ascent()), name)
                x += box + width + 16
        painter.end()

    # -- interaction ---------------------------------------------------------------------
    def _bar_at(self, pos: QPoint) -> int:
        for k, r in enumerate(self._bar_rects):
            if r.contains(pos):
                return k
        return -1

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QHelpEvent.Type.ToolTip:
            k = self._bar_at(event.pos())
            if k >= 0 and self._data.bars[k].tooltip:
                QToolTip.showText(event.globalPos(), self._data.bars[k].tooltip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)  # type: ignore[arg-type]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        k = self._bar_at(event.position().toPoint())
        self.setCursor(Qt.CursorShape.PointingHandCursor if k >= 0 else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            k = self._bar_at(event.position().toPoint())
            if k >= 0:
                self.bar_activated.emit(k)
        super().mouseReleaseEvent(event)

    def bar_labels(self) -> list[str]:
        """The labels of the bars (for tests and accessibility)."""
        return [b.label for b in self._data.bars]


def single(label: str, value: float, colour: str, value_text: str, tooltip: str = "") -> Bar:
    """A bar of one segment."""
    return Bar(label, (Segment(value, colour, label),), value_text, tooltip)


def colours(n: int) -> Sequence[str]:
    """*n* palette colours (repeating)."""
    return [PALETTE[k % len(PALETTE)] for k in range(n)]

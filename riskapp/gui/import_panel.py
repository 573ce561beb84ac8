"""The "Import" panel: what the importer found — sheets, tables, column mapping, issues.

It only shows an :class:`~riskapp.core.model.ImportReport`; it decides nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from riskapp.gui.table_model import header_label, header_tooltip

if TYPE_CHECKING:
    from riskapp.core.model import ImportReport, Issue

ISSUE_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""IssuesModel: the :class:`~riskapp.core.model.Issue` behind a row."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Note"}
SEVERITY_COLORS = {"error": QColor(176, 0, 32), "warning": QColor(160, 90, 0)}
LOW_CONFIDENCE = 0.7
"""Mappings below this confidence are shown in the warning colour."""

_ISSUE_COLUMNS = ("Severity", "Sheet", "Row", "Column", "Message")


def severity_icon(severity: str) -> QIcon:
    """The standard message-box icon for an issue severity."""
    from PySide6.QtWidgets import QApplication

    pixmap = {
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    }.get(severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
    return QApplication.style().standardIcon(pixmap)


class IssuesModel(QAbstractTableModel):
    """Issues of an import, errors first, one per row (severity, sheet, row, column, message)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._issues: list[Issue] = []
        self._icons: dict[str, QIcon] = {}

    def set_issues(self, issues: list[Issue]) -> None:
        """Show *issues* (kept in their order within each severity)."""
        self.beginResetModel()
        self._issues = sorted(issues, key=lambda i: SEVERITY_ORDER.get(i.severity, 3))
        self._icons = {s: severity_icon(s) for s in {i.severity for i in self._issues}}
        self.endResetModel()

    def issue(self, row: int) -> Issue:
        """The issue shown at *row*."""
        return self._issues[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._issues)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_ISSUE_COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        issue = self._issues[index.row()]
        col = index.column()
        if role == _DISPLAY:
            if col == 0:
                return SEVERITY_LABELS.get(issue.severity, issue.severity)
            if col == 1:
                return issue.sheet
            if col == 2:
                return "" if issue.row is None else str(issue.row)
            if col == 3:
                return issue.column
            return issue.message
        if role == _DECORATION and col == 0:
            return self._icons.get(issue.severity)
        if role == _FOREGROUND and col == 0:
            color = SEVERITY_COLORS.get(issue.severity)
            return QBrush(color) if color is not None else None
        if role == _TOOLTIP:
            return f"{issue.message}\n({issue.code})"
        if role == ISSUE_ROLE:
            return issue
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == _DISPLAY and horizontal and 0 <= section < len(_ISSUE_COLUMNS):
            return _ISSUE_COLUMNS[section]
        return None


class ImportPanel(QWidget):
    """Shows an import report: file summary, tables with their mapping, and the issues.

    Signals:
        issue_activated(object): an :class:`~riskapp.core.model.Issue` was double-clicked
            (or Enter pressed on it); the window shows the line it points at.
    """

    issue_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setContentsMargins(4, 2, 4, 2)

        self.mapping = QTreeWidget(self)
        self.mapping.setObjectName("mappingTree")
        self.mapping.setColumnCount(5)
        self.mapping.setHeaderLabels(["Field", "Column", "Header in file", "Confidence", "How"])
        self.mapping.setAlternatingRowColors(True)
        self.mapping.setRootIsDecorated(True)
        self.mapping.setUniformRowHeights(True)

        self.issues_model = IssuesModel(self)
        self.issues = QTableView(self)
        self.issues.setObjectName("issuesView")
        self.issues.setModel(self.issues_model)
        self.issues.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.issues.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.issues.setAlternatingRowColors(True)
        self.issues.setWordWrap(False)
        self.issues.verticalHeader().hide()
        self.issues.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.issues.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for col, width in enumerate((90, 110, 55, 60)):
            header.resizeSection(col, width)
        self.issues.activated.connect(self._on_issue_activated)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.mapping, "Tables && mapping")
        self.tabs.addTab(self.issues, "Issues")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self.clear()

    def clear(self) -> None:
        """Show that nothing is loaded."""
        self.summary.setText("No file loaded.")
        self.mapping.clear()
        self.issues_model.set_issues([])
        self.tabs.setTabText(1, "Issues")

    def set_report(self, report: ImportReport) -> None:
        """Show *report*."""
        self.summary.setText(_summary_html(report))
        self._fill_mapping(report)
        self.issues_model.set_issues(list(report.issues))
        n_err, n_warn = report.count("error"), report.count("warning")
        self.tabs.setTabText(1, f"Issues ({len(report.issues)})")
        self.tabs.setTabIcon(
            1, severity_icon("error" if n_err else "warning") if n_err or n_warn else QIcon()
        )

    def _fill_mapping(self, report: ImportReport) -> None:
        self.mapping.clear()
        warn = QBrush(SEVERITY_COLORS["warning"])
        for table in report.tables:
            where = (
                f"header row {table.header_row}" if table.header_row else "no header row (inferred)"
            )
            title = (
                f"{table.table_id} — {where}, columns {table.first_col}–{table.last_col}, "
                f"{table.n_lines} line{'s' if table.n_lines != 1 else ''}"
            )
            top = QTreeWidgetItem(self.mapping, [title])
            top.setFirstColumnSpanned(True)
            top.setToolTip(0, f"Sheet '{table.sheet}'" if table.sheet else "CSV file")
            for match in table.mapping:
                child = QTreeWidgetItem(
                    top,
                    [
                        header_label(match.field),
                        match.column,
                        match.header,
                        f"{match.confidence:.0%}",
                        match.how,
                    ],
                )
                child.setToolTip(0, f"{match.field}: {header_tooltip(match.field)}")
                child.setTextAlignment(
                    3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                if match.confidence < LOW_CONFIDENCE:
                    for col in range(5):
                        child.setForeground(col, warn)
                    child.setToolTip(3, "Low confidence: check that this column is what it seems.")
        self.mapping.expandAll()
        for col in range(5):
            self.mapping.resizeColumnToContents(col)

    def _on_issue_activated(self, index: QModelIndex) -> None:
        self.issue_activated.emit(self.issues_model.issue(index.row()))


def _summary_html(report: ImportReport) -> str:
    from html import escape

    name = escape(Path(report.file).name)
    chosen = ", ".join(escape(s) for s in report.chosen_sheets) or "—"
    parts = [f"<b>{name}</b>"]
    if report.file_format:
        parts.append(escape(report.file_format))
    if report.sheets:
        others = len(report.sheets) - len(report.chosen_sheets)
        sheet_text = f"sheet{'s' if len(report.chosen_sheets) != 1 else ''} used: {chosen}"
        if others > 0:
            sheet_text += f" (of {len(report.sheets)})"
        parts.append(sheet_text)
    parts.append(f"{report.n_lines} line{'s' if report.n_lines != 1 else ''}")
    if report.seconds:
        parts.append(f"read in {report.seconds:.1f} s")
    text = " · ".join(parts)
    if report.sha256:
        text += f"<br><span style='color:gray'>SHA-256 {escape(report.sha256[:16])}…</span>"
    return text

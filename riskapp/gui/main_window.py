"""The main window: open a BOM, watch it import, look at its lines and what the import found.

Thin by design: the window runs :func:`riskapp.core.importer.import_bom` in a
:class:`~riskapp.gui.workers.Worker` and shows what comes back; it decides nothing about
the BOM itself.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

import riskapp
from riskapp.core.errors import CancelledError, RiskappError
from riskapp.gui import settings as cfg
from riskapp.gui.import_panel import ImportPanel
from riskapp.gui.table_model import LinesTableModel, PreparedLines, header_label
from riskapp.gui.workers import Worker

if TYPE_CHECKING:
    from riskapp.core.model import ImportReport, ImportResult, Issue

log = logging.getLogger(__name__)

OPEN_FILTER = (
    "Bills of materials (*.xlsx *.xlsm *.xlsb *.xls *.ods *.csv *.tsv *.txt);;"
    "Excel workbooks (*.xlsx *.xlsm *.xlsb *.xls);;"
    "OpenDocument spreadsheets (*.ods);;"
    "Text files (*.csv *.tsv *.txt);;"
    "All files (*)"
)

HIDDEN_COLUMNS = frozenset({"description_column", "quantity_text", "hidden", "parent_row"})
"""Bookkeeping columns the table starts with hidden (the header menu shows them)."""

FILTER_DELAY_MS = 150
"""Quick-filter typing pause before filtering big tables (small ones filter at once)."""
FILTER_DELAY_ROWS = 20_000

COLUMN_MIN_WIDTH = 40
COLUMN_MAX_WIDTH = {"description": 420}
COLUMN_DEFAULT_MAX_WIDTH = 240
SIZING_SAMPLE_ROWS = 200


def import_and_prepare(
    path: str, *, on_progress: Any, should_cancel: Any
) -> tuple[ImportResult, PreparedLines]:
    """Worker job: import *path*, then format its lines for the table, both off the GUI thread."""
    from riskapp.core.importer import import_bom
    from riskapp.gui.table_model import prepare_lines

    result = import_bom(path, on_progress=on_progress, should_cancel=should_cancel)
    on_progress(1.0, "Preparing the table…")
    if should_cancel():
        raise CancelledError()
    return result, prepare_lines(result.lines)


class MainWindow(QMainWindow):
    """The riskapp main window.

    Signals:
        import_started(str): an import of this path began.
        import_finished(str): the path was imported and its lines are shown.
        import_failed(str, str): the import of a path failed or was cancelled; the second
            argument is the message shown to the user ("" when cancelled).
    """

    import_started = Signal(str)
    import_finished = Signal(str)
    import_failed = Signal(str, str)

    def __init__(self, settings: cfg.Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else cfg.Settings()
        self.current_path: str | None = None
        self.report: ImportReport | None = None
        self._worker: Worker | None = None
        self._worker_path = ""
        self.last_message_box: QMessageBox | None = None

        self.setWindowTitle("riskapp")
        self.setAcceptDrops(True)
        self._build_status_bar()
        self._build_central()
        self._build_dock()
        self._build_actions()
        self._build_menus()
        self._restore_window_state()
        self._set_busy(False)

    # -- construction --------------------------------------------------------------------
    def _build_central(self) -> None:
        self.model = LinesTableModel(self)
        self.model.view_changed.connect(self._on_view_changed)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("quickFilter")
        self.filter_edit.setPlaceholderText("Filter lines — type words to find (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(
            "Shows only the lines containing every word typed, in any text column "
            "(not case-sensitive). Esc clears."
        )
        self.filter_count = QLabel(self)
        self.filter_count.setObjectName("filterCount")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._on_filter_text_changed)
        clear_filter = QAction(self.filter_edit)
        clear_filter.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_filter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_filter.triggered.connect(self.filter_edit.clear)
        self.filter_edit.addAction(clear_filter)

        self.table = QTableView(self)
        self.table.setObjectName("linesView")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.table.verticalHeader()
        vheader.hide()
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        hheader = self.table.horizontalHeader()
        hheader.setHighlightSections(False)
        hheader.setSectionsMovable(True)
        hheader.setStretchLastSection(True)
        hheader.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hheader.customContextMenuRequested.connect(self._show_header_menu)
        # setSortingEnabled sorts at once by the indicator column: start from "file order".
        hheader.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        copy = QAction("Copy", self.table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.table.addAction(copy)

        table_page = QWidget(self)
        filter_row = QHBoxLayout()
        filter_row.setContentsMargins(0, 0, 0, 0)
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.filter_count)
        layout = QVBoxLayout(table_page)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)

        self.welcome = _WelcomePage(self)
        self.welcome.open_button.clicked.connect(self.open_dialog)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(table_page)
        self.setCentralWidget(self.pages)

    def _build_dock(self) -> None:
        self.import_panel = ImportPanel(self)
        self.import_panel.issue_activated.connect(self.show_issue)
        self.import_dock = QDockWidget("Import", self)
        self.import_dock.setObjectName("importDock")  # saveState needs a name
        self.import_dock.setWidget(self.import_panel)
        self.import_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.import_dock)

    def _build_actions(self) -> None:
        self.open_action = QAction("&Open…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setStatusTip("Open a bill of materials (Excel, OpenDocument or CSV)")
        self.open_action.triggered.connect(self.open_dialog)

        self.reload_action = QAction("&Reload", self)
        self.reload_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.reload_action.setStatusTip("Read the current file again")
        self.reload_action.triggered.connect(self.reload)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.find_action = QAction("&Filter Lines", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_filter)

        self.cancel_action = QAction("&Cancel Import", self)
        self.cancel_action.triggered.connect(self.cancel_import)

        self.about_action = QAction("&About riskapp", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.reload_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.find_action)
        toggle = self.import_dock.toggleViewAction()
        toggle.setText("&Import Panel")
        view_menu.addAction(toggle)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)
        self._fill_recent_menu()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.file_label = QLabel(self)
        self.file_label.setObjectName("fileLabel")
        self.lines_label = QLabel(self)
        self.lines_label.setObjectName("linesLabel")
        self.issues_label = QLabel(self)
        self.issues_label.setObjectName("issuesLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("importProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setToolTip("Stop reading the file")
        self.cancel_button.clicked.connect(self.cancel_import)
        for widget in (self.file_label, self.lines_label, self.issues_label):
            status.addPermanentWidget(widget)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)

    # -- opening files -------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Ask for a file and open it."""
        start = self.settings.get(cfg.LAST_DIRECTORY)
        if self.current_path:
            start = str(Path(self.current_path).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open bill of materials", start, OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike[str]) -> None:
        """Import *path* in the background; any import already running is cancelled.

        Emits ``import_started`` now and ``import_finished`` or ``import_failed`` later.
        """
        text = os.path.abspath(os.fspath(path))
        self._stop_worker()
        worker = Worker(import_and_prepare, text)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_import_done)
        worker.failed.connect(self._on_import_error)
        self._worker = worker
        self._worker_path = text
        self._set_busy(True, f"Opening {Path(text).name}…")
        self.import_started.emit(text)
        worker.start()

    def reload(self) -> None:
        """Import the current file again."""
        if self.current_path:
            self.open_path(self.current_path)

    def cancel_import(self) -> None:
        """Ask the running import to stop (it reports ``import_failed`` with '')."""
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.statusBar().showMessage("Cancelling…")

    def is_importing(self) -> bool:
        """True while an import runs."""
        return self._worker is not None

    def _stop_worker(self) -> None:
        worker = self._worker
        if worker is None:
            return
        worker.cancel()
        # Its outcome is no longer wanted: it arrives nowhere.
        worker.progress.disconnect(self._on_progress)
        worker.finished.disconnect(self._on_import_done)
        worker.failed.disconnect(self._on_import_error)
        self._worker = None

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        if message:
            self.statusBar().showMessage(message)

    def _on_import_done(self, outcome: tuple[ImportResult, PreparedLines]) -> None:
        path = self._worker_path
        self._worker = None
        self._set_busy(False)
        result, prepared = outcome
        self.current_path = path
        self.report = result.report
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self._filter_timer.stop()
        self.model.set_prepared(prepared)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._apply_default_columns()
        self.import_panel.set_report(result.report)
        self.pages.setCurrentIndex(1)
        self.setWindowTitle(f"{Path(path).name} — riskapp")
        self.setWindowFilePath(path)
        self.file_label.setText(Path(path).name)
        self.file_label.setToolTip(path)
        self.issues_label.setText(_issue_counts(result.report))
        self.settings.add_recent_file(path)
        self.settings.set(cfg.LAST_DIRECTORY, str(Path(path).parent))
        self._fill_recent_menu()
        self._update_actions()
        self.statusBar().showMessage(f"Opened {Path(path).name}", 5000)
        self.import_finished.emit(path)

    def _on_import_error(self, error: BaseException) -> None:
        path = self._worker_path
        self._worker = None
        self._set_busy(False)
        name = Path(path).name
        if isinstance(error, CancelledError):
            self.statusBar().showMessage(f"Stopped opening {name}.", 5000)
            self.import_failed.emit(path, "")
            return
        if isinstance(error, RiskappError):
            message = str(error)
            self.statusBar().showMessage(f"Could not open {name}.", 5000)
            self.show_error(f"Could not open {name}", message)
        else:
            log.error("Unexpected error while opening %s", path, exc_info=error)
            message = f"riskapp hit an unexpected problem while opening {name}."
            details = "".join(traceback.format_exception(error))
            self.statusBar().showMessage(f"Could not open {name}.", 5000)
            self.show_error(
                f"Could not open {name}",
                message,
                informative="This looks like a fault in riskapp rather than in your file. "
                "The details were written to the log; please send them to your support contact.",
                details=details,
            )
        self.import_failed.emit(path, message)

    # -- messages ------------------------------------------------------------------------
    def show_error(
        self, title: str, text: str, *, informative: str = "", details: str = ""
    ) -> QMessageBox:
        """Show an error without blocking (window-modal); with *details*, a Copy button.

        The box is kept in ``last_message_box`` until it closes.
        """
        box = QMessageBox(
            QMessageBox.Icon.Critical if details else QMessageBox.Icon.Warning,
            title,
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("errorBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        if informative:
            box.setInformativeText(informative)
        if details:
            box.setDetailedText(details)
            copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
            copy.setObjectName("copyDetails")
            # ActionRole buttons close the box; this one should only copy.
            copy.clicked.disconnect()
            copy.clicked.connect(
                lambda: QGuiApplication.clipboard().setText(f"{text}\n\n{details}")
            )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._forget_message_box)
        self.last_message_box = box
        box.open()
        return box

    def _forget_message_box(self) -> None:
        self.last_message_box = None

    def show_about(self) -> None:
        """The About box (version, what the app does, privacy)."""
        QMessageBox.about(
            self,
            "About riskapp",
            f"<h3>riskapp {riskapp.__version__}</h3>"
            "<p>Finds the parts of a bill of materials that contain rare-earth magnets "
            "and scores their exposure to export controls.</p>"
            "<p>Your files stay on this computer: riskapp makes no network connections.</p>",
        )

    # -- the table -----------------------------------------------------------------------
    def focus_filter(self) -> None:
        """Put the cursor in the quick filter, text selected."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def apply_filter(self) -> None:
        """Filter the table by the quick-filter text now."""
        self._filter_timer.stop()
        self.model.set_filter(self.filter_edit.text())

    def _on_filter_text_changed(self, _text: str) -> None:
        big = self.model.total_rows() >= FILTER_DELAY_ROWS
        self._filter_timer.start(FILTER_DELAY_MS if big else 0)

    def _on_view_changed(self, shown: int, total: int) -> None:
        if self.model.frame() is None or not self.model.columnCount():
            self.lines_label.clear()
            self.filter_count.clear()
            return
        lines = f"{total:,} line{'s' if total != 1 else ''}"
        self.lines_label.setText(lines if shown == total else f"{shown:,} of {lines}")
        self.filter_count.setText("" if shown == total else f"{shown:,} of {total:,} shown")

    def _apply_default_columns(self) -> None:
        """Hide empty and bookkeeping columns; size columns from a sample of rows."""
        header = self.table.horizontalHeader()
        multi_table = self.report is not None and len(self.report.tables) > 1
        for col, name in enumerate(self.model.columns()):
            hide = name in HIDDEN_COLUMNS or self.model.is_column_empty(col)
            if name == "table" and not multi_table:
                hide = True
            if name == "sheet" and self.report is not None and len(self.report.chosen_sheets) <= 1:
                hide = True  # one sheet: the Import panel names it, the column would repeat it
            self.table.setColumnHidden(col, hide)
        metrics = self.table.fontMetrics()
        header_metrics = header.fontMetrics()
        padding = 18
        for col, name in enumerate(self.model.columns()):
            texts = self.model.sample_texts(col, SIZING_SAMPLE_ROWS)
            widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
            title = header_metrics.horizontalAdvance(header_label(name)) + 14  # sort arrow
            cap = COLUMN_MAX_WIDTH.get(name, COLUMN_DEFAULT_MAX_WIDTH)
            header.resizeSection(col, max(COLUMN_MIN_WIDTH, min(cap, max(widest, title) + padding)))

    def _show_header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for col, name in enumerate(self.model.columns()):
            action = menu.addAction(header_label(name))
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(col))
            action.toggled.connect(lambda on, c=col: self.table.setColumnHidden(c, not on))
        menu.addSeparator()
        menu.addAction("Show All Columns", self._show_all_columns)
        menu.exec(header.mapToGlobal(pos))
        menu.deleteLater()

    def _show_all_columns(self) -> None:
        for col in range(self.model.columnCount()):
            self.table.setColumnHidden(col, False)

    def copy_selection(self) -> None:
        """Copy the selected lines' visible cells as tab-separated text (pastes into Excel)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        if not rows:
            return
        header = self.table.horizontalHeader()
        cols = [
            header.logicalIndex(v)
            for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))
        ]
        lines = ["\t".join(header_label(self.model.columns()[c]) for c in cols)]
        lines += ["\t".join(self.model.display_text(r, c) for c in cols) for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")

    def show_issue(self, issue: Issue) -> None:
        """Select the line an issue points at, if it is in the table."""
        frame = self.model.frame()
        if issue.row is None or frame is None or "row" not in frame.columns:
            return
        import numpy as np

        hit = frame["row"].to_numpy(dtype="float64", na_value=np.nan) == issue.row
        if "sheet" in frame.columns and issue.sheet:
            hit &= frame["sheet"].to_numpy(dtype=object) == issue.sheet
        sources = np.flatnonzero(hit)
        if not sources.size:
            self.statusBar().showMessage("That row is not one of the BOM lines.", 4000)
            return
        if self.model.view_row(int(sources[0])) < 0:
            self.filter_edit.clear()
            self.apply_filter()
        row = self.model.view_row(int(sources[0]))
        index = self.model.index(row, max(0, self.model.column_index("description")))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.table.setFocus()

    # -- recent files --------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for number, path in enumerate(recent, start=1):
            label = f"&{number % 10} {Path(path).name}"
            action = self.recent_menu.addAction(label)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("&Clear List", self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._fill_recent_menu()

    # -- busy state ----------------------------------------------------------------------
    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress_bar.setValue(0)
        if message:
            self.statusBar().showMessage(message)
        elif not busy:
            self.statusBar().clearMessage()
        self._update_actions()

    def _update_actions(self) -> None:
        self.reload_action.setEnabled(bool(self.current_path))
        self.cancel_action.setEnabled(self._worker is not None)

    # -- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _dropped_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        if len(files) > 1:
            self.statusBar().showMessage("One file at a time: opening the first.", 5000)
        self.open_path(files[0])

    # -- window state --------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry = self.settings.get(cfg.WINDOW_GEOMETRY)
        if not geometry or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                available = screen.availableGeometry()
                self.resize(min(1280, available.width()), min(800, available.height()))
            self.resizeDocks([self.import_dock], [220], Qt.Orientation.Vertical)
        state = self.settings.get(cfg.WINDOW_STATE)
        if state:
            self.restoreState(state)

    def save_window_state(self) -> None:
        """Remember geometry, docks and toolbars for the next start."""
        self.settings.set(cfg.WINDOW_GEOMETRY, bytes(self.saveGeometry().data()))
        self.settings.set(cfg.WINDOW_STATE, bytes(self.saveState().data()))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        worker = self._worker
        self._stop_worker()
        if worker is not None:
            worker.wait(10_000)
        self.save_window_state()
        super().closeEvent(event)


class _WelcomePage(QWidget):
    """Shown before any file is open: what to do first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h2>Open a bill of materials</h2>", self)
        text = QLabel(
            # Explicit breaks: a word-wrapped rich-text QLabel gets its height wrong.
            "Drop an Excel, OpenDocument or CSV file here,<br>"
            "or choose one with <b>File › Open</b> (Ctrl+O).<br><br>"
            "riskapp finds the lines with rare-earth magnets<br>and shows what it read.",
            self,
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton("Open…", self)
        self.open_button.setObjectName("welcomeOpen")
        self.open_button.setMinimumWidth(120)
        column = QWidget(self)
        inner = QVBoxLayout(column)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


def _issue_counts(report: ImportReport) -> str:
    counts = [
        (report.count("error"), "error"),
        (report.count("warning"), "warning"),
        (report.count("info"), "note"),
    ]
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n]
    if not counts[0][0] and not counts[1][0]:
        parts.insert(0, "No problems found")
    return ", ".join(parts)


def _dropped_files(mime: Any) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]

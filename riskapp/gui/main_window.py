"""The main window: open a BOM, see its lines scored, change what the file got wrong,
try scenarios, accept design options, export the report, save the session.

Thin by design: a :class:`~riskapp.gui.document.Document` holds the user's edits and runs
:func:`riskapp.core.pipeline.analyse` / ``reanalyse`` in a worker; the window shows what
comes back (lines table, dashboard, detail, scenario, comparison) and turns the user's
actions into edits. It decides nothing about the BOM itself.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import riskapp
from riskapp.core.errors import CancelledError, RiskappError
from riskapp.core.session import SESSION_SUFFIX, Session
from riskapp.gui import settings as cfg
from riskapp.gui.autosave import Autosaver, forget_autosave, orphaned_autosaves
from riskapp.gui.dashboard import Dashboard
from riskapp.gui.detail_panel import DetailPanel, overrides_of_line
from riskapp.gui.document import Document, Outcome
from riskapp.gui.import_panel import ImportPanel
from riskapp.gui.lines import HIDDEN_BY_DEFAULT
from riskapp.gui.scenario_panel import ComparisonView, ScenarioPanel
from riskapp.gui.table_model import (
    BANDS,
    Facets,
    LinesTableModel,
)
from riskapp.gui.workers import Worker

if TYPE_CHECKING:
    from riskapp.core.model import ImportReport, Issue
    from riskapp.core.pipeline import Analysis
    from riskapp.core.tagging import Override
    from riskapp.gui.import_dialog import ImportDialog

log = logging.getLogger(__name__)

OPEN_FILTER = (
    "Bills of materials and sessions (*.xlsx *.xlsm *.xlsb *.xls *.ods *.csv *.tsv *.txt "
    f"*{SESSION_SUFFIX});;"
    "Excel workbooks (*.xlsx *.xlsm *.xlsb *.xls);;"
    "OpenDocument spreadsheets (*.ods);;"
    "Text files (*.csv *.tsv *.txt);;"
    f"riskapp sessions (*{SESSION_SUFFIX});;"
    "All files (*)"
)
SESSION_FILTER = f"riskapp sessions (*{SESSION_SUFFIX})"

HIDDEN_COLUMNS = HIDDEN_BY_DEFAULT | frozenset({"description_column", "quantity_text", "hidden"})
"""Columns the table starts with hidden (the header menu shows them)."""

FILTER_DELAY_MS = 150
"""Quick-filter typing pause before filtering big tables (small ones filter at once)."""
FILTER_DELAY_ROWS = 20_000
AUTOSAVE_DELAY_MS = 1000

COLUMN_MIN_WIDTH = 40
COLUMN_MAX_WIDTH = {"description": 360}
COLUMN_DEFAULT_MAX_WIDTH = 200
SIZING_SAMPLE_ROWS = 100
TAB_LINES, TAB_DASHBOARD, TAB_COMPARISON = 0, 1, 2


class MainWindow(QMainWindow):
    """The riskapp main window.

    Signals:
        import_started(str): opening this path began (a BOM or a session).
        import_finished(str): the path was opened and its lines are shown, scored.
        import_failed(str, str): opening a path failed or was cancelled; the second
            argument is the message shown to the user ("" when cancelled).
        analysis_shown(): the table, dashboard and panels show a new analysis (after an
            open, an edit, undo/redo or a scenario change).
        export_finished(str): an export was written to this path.
        export_failed(str): an export failed (the message shown; '' when cancelled).
    """

    import_started = Signal(str)
    import_finished = Signal(str)
    import_failed = Signal(str, str)
    analysis_shown = Signal()
    export_finished = Signal(str)
    export_failed = Signal(str)

    def __init__(self, settings: cfg.Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else cfg.Settings()
        # No Qt parent: the document and its undo stack must outlive the window's widgets
        # while they are torn down (their signals would reach a half-deleted window).
        self.document = Document()
        self.autosaver = Autosaver()
        self.session_path: str | None = None
        self.report: ImportReport | None = None
        self.last_message_box: QMessageBox | None = None
        self.import_dialog: ImportDialog | None = None
        self.ask_to_save = True
        self.auto_import_dialog = True  # False: never open the import dialog by itself
        self._opening: str | None = None  # the path given to open_path, until it is shown
        self._opening_session: str | None = None  # ... and its session file, if it is one
        self._recovering = False
        self.layout_signature = ""  # header layout of the file as read automatically
        self._export_worker: Worker | None = None
        self._export_target = ""

        self.setWindowTitle("riskapp")
        self.setAcceptDrops(True)
        self._build_status_bar()
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._connect_document()
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.timeout.connect(self.autosave_now)
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

        # facet filters: band, element, class, origin, needs review
        self.facet_buttons: dict[str, QToolButton] = {}
        self.facet_menus: dict[str, QMenu] = {}
        for key, label in (
            ("bands", "Band"),
            ("elements", "Element"),
            ("classes", "Class"),
            ("origins", "Origin"),
        ):
            button = QToolButton(self)
            button.setObjectName(f"facet_{key}")
            button.setText(label)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(button)
            menu.setObjectName(f"facetMenu_{key}")
            button.setMenu(menu)
            self.facet_buttons[key] = button
            self.facet_menus[key] = menu
        self.review_check = QCheckBox("Needs review", self)
        self.review_check.setObjectName("facetReview")
        self.review_check.setToolTip("Only lines with low confidence or an unknown origin")
        self.review_check.toggled.connect(self._on_facets_changed)
        self.clear_facets_button = QToolButton(self)
        self.clear_facets_button.setObjectName("clearFacets")
        self.clear_facets_button.setText("Clear filters")
        self.clear_facets_button.clicked.connect(self.clear_filters)

        self.table = QTableView(self)
        self.table.setObjectName("linesView")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_table_menu)
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
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.detail_dock.raise_())

        table_page = QWidget(self)
        filter_row = QHBoxLayout()
        filter_row.setContentsMargins(0, 0, 0, 0)
        filter_row.addWidget(self.filter_edit, 1)
        for button in self.facet_buttons.values():
            filter_row.addWidget(button)
        filter_row.addWidget(self.review_check)
        filter_row.addWidget(self.clear_facets_button)
        filter_row.addWidget(self.filter_count)
        layout = QVBoxLayout(table_page)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)

        self.dashboard = Dashboard(self)
        self.dashboard.line_activated.connect(self.show_line)
        self.dashboard.band_activated.connect(self.show_band)
        self.comparison_view = ComparisonView(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(table_page, "Lines")
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.tabs.addTab(self.comparison_view, "Comparison")

        self.welcome = _WelcomePage(self)
        self.welcome.open_button.clicked.connect(self.open_dialog)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.tabs)
        self.setCentralWidget(self.pages)

    def _build_docks(self) -> None:
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.import_panel = ImportPanel(self)
        self.import_panel.issue_activated.connect(self.show_issue)
        self.import_dock = QDockWidget("Import", self)
        self.import_dock.setObjectName("importDock")  # saveState needs a name
        self.import_dock.setWidget(self.import_panel)
        self.import_dock.setFeatures(features)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.import_dock)

        self.detail = DetailPanel(self)
        self.detail.accept_requested.connect(self.accept_option)
        self.detail.reject_requested.connect(self.reject_option)
        self.detail.override_requested.connect(self.edit_selected_lines)
        self.detail.clear_overrides_requested.connect(self.clear_selected_overrides)
        self.detail_dock = QDockWidget("Line detail", self)
        self.detail_dock.setObjectName("detailDock")
        self.detail_dock.setWidget(self.detail)
        self.detail_dock.setFeatures(features)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)

        self.scenario_panel = ScenarioPanel(self)
        self.scenario_panel.edit_requested.connect(self._on_scenario_edit)
        self.scenario_panel.save_requested.connect(self.save_scenario_as)
        self.scenario_panel.load_requested.connect(self.load_scenario_file)
        self.scenario_dock = QDockWidget("Scenario", self)
        self.scenario_dock.setObjectName("scenarioDock")
        self.scenario_dock.setWidget(self.scenario_panel)
        self.scenario_dock.setFeatures(features)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scenario_dock)
        self.tabifyDockWidget(self.detail_dock, self.scenario_dock)
        self.detail_dock.raise_()

    def _action(
        self, text: str, shortcut: QKeySequence | str | None, slot: Any, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(
                shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut)
            )
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        a = self._action
        self.open_action = a(
            "&Open…",
            QKeySequence(std.Open),
            self.open_dialog,
            "Open a bill of materials (Excel, OpenDocument or CSV) or a saved session",
        )
        self.reload_action = a("&Reload", "F5", self.reload, "Read the current file again")
        self.import_options_action = a(
            "&Import Options…",
            "Ctrl+I",
            self.show_import_dialog,
            "Choose the sheet, header row and column mapping",
        )
        self.open_session_action = a(
            "Open &Session…", "Ctrl+Shift+O", self.open_session_dialog, "Open a saved session"
        )
        self.save_session_action = a(
            "&Save Session",
            QKeySequence(std.Save),
            self.save_session,
            "Save the mapping, your values, accepted options and scenario",
        )
        self.save_session_as_action = a(
            "Save Session &As…",
            "Ctrl+Shift+S",
            self.save_session_as,
            "Save the session as a new file",
        )
        self.export_action = a(
            "&Export Excel Report…",
            "Ctrl+E",
            lambda: self.export_dialog("xlsx"),
            "Write the Excel risk report",
        )
        self.export_csv_action = a(
            "Export Lines as &CSV…",
            "Ctrl+Shift+E",
            lambda: self.export_dialog("csv"),
            "Write every line with its tags and scores as CSV",
        )
        self.export_json_action = a(
            "Export Scores as &JSON…",
            "Ctrl+Alt+E",
            lambda: self.export_dialog("json"),
            "Write the scores as a JSON document",
        )
        self.settings_action = a(
            "Se&ttings…", "Ctrl+,", self.show_settings, "Defaults, reference data and appearance"
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = a("&Quit", "Ctrl+Q", self.close, "Close riskapp")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.cancel_action = a("&Cancel Work", "Ctrl+.", self.cancel_import, "Stop what is running")

        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(std.Undo))
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.copy_action = QAction("&Copy Lines", self.table)
        self.copy_action.setShortcut(QKeySequence(std.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.table.addAction(self.copy_action)
        self.edit_line_action = a(
            "Set &Value for Selected Lines…",
            "F2",
            lambda: self.edit_selected_lines(""),
            "Set origin, class, grade, magnet mass or criticality",
        )
        self.clear_line_action = a(
            "&Remove My Values from Selected Lines",
            "Ctrl+Shift+Backspace",
            self.clear_selected_overrides,
        )
        self.accept_action = a(
            "&Accept Selected Option",
            "Ctrl+Shift+A",
            self.detail.accept_current,
            "Count the option selected in the detail panel in the Potential grade",
        )
        self.reject_action = a(
            "Re&ject Selected Option", "Ctrl+Shift+J", self.detail.reject_current
        )
        self.accept_recommended_action = a(
            "Accept Recommended &Options",
            "Ctrl+Alt+A",
            self.accept_recommended,
            "Go back to counting the recommended option of every line",
        )
        self.clear_accepted_action = a(
            "Clear Accepted Options",
            "Ctrl+Alt+R",
            self.clear_accepted,
            "Count no option: the Potential grade equals the Actual one",
        )

        self.view_lines_action = a("&Lines", "Ctrl+1", lambda: self.show_tab(TAB_LINES))
        self.view_dashboard_action = a("&Dashboard", "Ctrl+2", lambda: self.show_tab(TAB_DASHBOARD))
        self.view_comparison_action = a(
            "&Comparison", "Ctrl+3", lambda: self.show_tab(TAB_COMPARISON)
        )
        self.find_action = a("&Filter Lines", QKeySequence(std.Find), self.focus_filter)
        self.review_action = a(
            "Needs &Review Only",
            "Ctrl+Shift+R",
            lambda: self.review_check.toggle(),
            "Only lines with low confidence or an unknown origin",
        )
        self.exposed_action = a(
            "E&xposed Lines Only", "Ctrl+Shift+X", self.show_exposed, "Only lines in a band"
        )
        self.clear_filters_action = a(
            "C&lear Filters", "Ctrl+Shift+F", self.clear_filters, "Show every line"
        )

        self.help_action = a("riskapp &Help", QKeySequence(std.HelpContents), self.show_help)
        if self.help_action.shortcut().isEmpty():
            self.help_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action = a("&Keyboard Shortcuts", "Ctrl+/", self.show_shortcuts)
        self.about_action = a("&About riskapp", "Ctrl+F1", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.reload_action)
        file_menu.addAction(self.import_options_action)
        file_menu.addSeparator()
        file_menu.addAction(self.open_session_action)
        file_menu.addAction(self.save_session_action)
        file_menu.addAction(self.save_session_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.export_csv_action)
        file_menu.addAction(self.export_json_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.cancel_action)
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.copy_action)
        edit_menu.addAction(self.edit_line_action)
        edit_menu.addAction(self.clear_line_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.accept_action)
        edit_menu.addAction(self.reject_action)
        edit_menu.addAction(self.accept_recommended_action)
        edit_menu.addAction(self.clear_accepted_action)

        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.view_lines_action)
        view_menu.addAction(self.view_dashboard_action)
        view_menu.addAction(self.view_comparison_action)
        view_menu.addSeparator()
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.review_action)
        view_menu.addAction(self.exposed_action)
        view_menu.addAction(self.clear_filters_action)
        view_menu.addSeparator()
        for dock, text, key in (
            (self.detail_dock, "Line &Detail Panel", "Ctrl+Shift+D"),
            (self.scenario_dock, "&Scenario Panel", "Ctrl+Shift+P"),
            (self.import_dock, "&Import Panel", "Ctrl+Shift+I"),
        ):
            toggle = dock.toggleViewAction()
            toggle.setText(text)
            toggle.setShortcut(QKeySequence(key))
            view_menu.addAction(toggle)
            self.addAction(toggle)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self._fill_recent_menu()

    def menu_actions(self) -> list[QAction]:
        """Every action reachable from the menu bar (for the shortcut list and tests)."""
        found: list[QAction] = []

        def walk(menu: QMenu) -> None:
            for action in menu.actions():
                if action.isSeparator():
                    continue
                sub = action.menu()
                if isinstance(sub, QMenu):
                    if sub is not self.recent_menu:
                        walk(sub)
                    continue
                found.append(action)

        for top in self.menuBar().actions():
            sub = top.menu()
            if isinstance(sub, QMenu):
                walk(sub)
        return found

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.file_label = QLabel(self)
        self.file_label.setObjectName("fileLabel")
        self.lines_label = QLabel(self)
        self.lines_label.setObjectName("linesLabel")
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("selectionLabel")
        self.issues_label = QLabel(self)
        self.issues_label.setObjectName("issuesLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("importProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setToolTip("Stop the work in progress")
        self.cancel_button.clicked.connect(self.cancel_import)
        for widget in (self.file_label, self.lines_label, self.selection_label, self.issues_label):
            status.addPermanentWidget(widget)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)

    def _connect_document(self) -> None:
        doc = self.document
        doc.run_started.connect(self._on_run_started)
        doc.progress.connect(self._on_progress)
        doc.analysed.connect(self._on_analysed)
        doc.failed.connect(self._on_failed)
        doc.state_changed.connect(self._on_state_changed)
        doc.comparison_changed.connect(self._on_comparison)
        doc.busy_changed.connect(self._on_busy_changed)
        doc.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # -- opening files -------------------------------------------------------------------
    @property
    def current_path(self) -> str | None:
        """The BOM shown (None before the first file is open)."""
        return self.document.path or None

    @property
    def analysis(self) -> Analysis | None:
        """The analysis shown."""
        return self.document.analysis

    def open_dialog(self) -> None:
        """Ask for a file and open it."""
        start = self.settings.get(cfg.LAST_DIRECTORY)
        if self.current_path:
            start = str(Path(self.current_path).parent)
        path, _ = QFileDialog.getOpenFileName(
            self, "Open bill of materials or session", start, OPEN_FILTER
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike[str]) -> None:
        """Open a BOM (analysed in the background) or a ``.riskapp`` session.

        Emits ``import_started`` now and ``import_finished`` or ``import_failed`` later.
        """
        text = os.path.abspath(os.fspath(path))
        if text.lower().endswith(SESSION_SUFFIX):
            self.open_session(text)
            return
        state = Session(
            source_path=text,
            scenario=self.settings.get(cfg.DEFAULT_SCENARIO) or "baseline",
            build_volume=float(self.settings.get(cfg.DEFAULT_BUILD_VOLUME)),
            evaluation_date=_parse_date(self.settings.get(cfg.DEFAULT_EVALUATION_DATE)),
            reference_dir=self.settings.get(cfg.REFERENCE_FOLDER) or None,
        )
        self._begin_open(text, state, session_path=None)

    def _begin_open(self, path: str, state: Session, *, session_path: str | None) -> None:
        if not self._confirm_discard():
            return
        self._opening = path
        self._opening_session = session_path
        self.document.default_currency = self.settings.get(cfg.CURRENCY) or "USD"
        self.document.limits = cfg.limits_from(self.settings)
        self.import_started.emit(path)
        self.document.open(state, use_saved_mapping=session_path is None)

    def reload(self) -> None:
        """Read the current file again, keeping the edits."""
        if self.current_path:
            self._opening = self.current_path
            self._opening_session = self.session_path
            self.import_started.emit(self.current_path)
            self.document.reload()

    def cancel_import(self) -> None:
        """Ask the running work to stop (an open reports ``import_failed`` with '')."""
        if self.document.is_busy():
            self.document.cancel()
            self.cancel_button.setEnabled(False)
            self.statusBar().showMessage("Cancelling…")
        if self._export_worker is not None:
            self._export_worker.cancel()
            self.cancel_button.setEnabled(False)

    def is_importing(self) -> bool:
        """True while an analysis runs."""
        return self.document.is_busy()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        if message:
            self.statusBar().showMessage(message)

    def _on_run_started(self, message: str) -> None:
        self._set_busy(True, message)

    def _on_clean_changed(self, _clean: bool) -> None:
        # QUndoStack says "clean" while it is destroyed (at exit): nothing to update then.
        if shiboken6.isValid(self) and shiboken6.isValid(self.document.undo_stack):
            self._update_title()

    def _on_busy_changed(self, busy: bool) -> None:
        if not busy and self._export_worker is None:
            self._set_busy(False)

    def _on_analysed(self, outcome: Outcome) -> None:
        analysis = outcome.analysis
        opened = self._opening
        fresh = outcome.fresh_file or opened is not None
        current = self._current_line_index()
        self.report = analysis.imported.report
        if fresh:
            self.filter_edit.blockSignals(True)
            self.filter_edit.clear()
            self.filter_edit.blockSignals(False)
            self.review_check.blockSignals(True)
            self.review_check.setChecked(False)
            self.review_check.blockSignals(False)
            self._filter_timer.stop()
            self.model.set_prepared(outcome.prepared)
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self._apply_default_columns()
        else:
            self.model.set_prepared(outcome.prepared, keep_view=True)
        if outcome.signature or opened is not None:
            self.layout_signature = outcome.signature
        self.import_panel.set_report(self.report)
        self.detail.set_analysis(analysis, outcome.advice_index, outcome.accepted)
        self.dashboard.set_data(outcome.dashboard)
        self.scenario_panel.set_state(self.document.state, analysis)
        self._fill_facet_menus()
        self.pages.setCurrentIndex(1)
        path = outcome.state.source_path
        self.setWindowFilePath(path)
        self.file_label.setText(Path(path).name)
        self.file_label.setToolTip(path)
        self.issues_label.setText(_issue_counts(self.report))
        if not fresh and current is not None:
            self.select_line(current, scroll=False)
        elif fresh:
            self.detail.show_line(None)
        self._on_comparison(self.document.comparison)
        self._update_title()
        self._update_actions()
        self._update_selection_label()
        if opened is not None:
            self._opening = None
            self.session_path = getattr(self, "_opening_session", None)
            if self.session_path is None:
                self.autosaver.discard()
            recent = self.session_path or path
            self.settings.add_recent_file(recent)
            self.settings.set(cfg.LAST_DIRECTORY, str(Path(recent).parent))
            self._fill_recent_menu()
            if self._recovering:
                # recovered edits are not saved anywhere but in the autosave: keep them dirty
                self._recovering = False
                self.document.undo_stack.resetClean()
                self.autosave_now()
            name = Path(opened).name
            note = " with your saved column mapping" if outcome.applied_saved_mapping else ""
            self.statusBar().showMessage(f"Opened {name}{note}", 5000)
            self._update_title()
            self.analysis_shown.emit()
            self.import_finished.emit(opened)
            if outcome.ignored_overrides:
                self._warn_ignored_overrides(name, outcome.ignored_overrides)
            if self.session_path is None and not outcome.applied_saved_mapping:
                self._maybe_ask_import(analysis)
            return
        self.statusBar().showMessage("Scores updated", 3000)
        self.analysis_shown.emit()

    def _warn_ignored_overrides(self, name: str, ignored: tuple[str, ...]) -> None:
        shown = "\n".join(f"• {text}" for text in ignored[:10])
        more = f"\n… and {len(ignored) - 10} more." if len(ignored) > 10 else ""
        self.show_warning(
            "Some overrides were left out",
            f"{name}: {len(ignored)} override value(s) cannot be used and were left out "
            "of the analysis.",
            informative=f'{shown}{more}\n\nSet them again with "Set a value…" (F2) on the line; '
            "saving the session keeps only the overrides in use.",
        )

    def _on_failed(self, what: str, error: BaseException) -> None:
        opened = self._opening
        if opened is not None:
            self._opening = None
            name = Path(opened).name
            if isinstance(error, CancelledError):
                self.statusBar().showMessage(f"Stopped opening {name}.", 5000)
                self.import_failed.emit(opened, "")
                return
            message = self._report_error(f"Could not open {name}", error)
            self.statusBar().showMessage(f"Could not open {name}.", 5000)
            self.import_failed.emit(opened, message)
            return
        if isinstance(error, CancelledError):
            self.statusBar().showMessage("Stopped.", 3000)
            return
        self._report_error(f"Could not {what}", error)
        self._update_actions()

    def _report_error(self, title: str, error: BaseException) -> str:
        """Show an error: a RiskappError's own sentence, else a logged 'unexpected problem'."""
        if isinstance(error, RiskappError):
            message = str(error)
            self.show_error(title, message)
            return message
        log.error("Unexpected error: %s", title, exc_info=error)
        message = f"riskapp hit an unexpected problem ({title.lower()})."
        self.show_error(
            title,
            message,
            informative="This looks like a fault in riskapp rather than in your file. "
            "The details were written to the log; please send them to your support contact.",
            details="".join(traceback.format_exception(error)),
        )
        return message

    def _on_state_changed(self) -> None:
        self._update_title()
        self._update_actions()
        state = self.document.state
        if state is not None and self.document.analysis is not None:
            k = self.scenario_panel.compare.findData(state.compare_with or "")
            self.scenario_panel.compare.setCurrentIndex(max(0, k))
            self.scenario_panel.state = state
        if not self.document.undo_stack.isClean():
            self._autosave_timer.start(AUTOSAVE_DELAY_MS)

    def _on_comparison(self, other: Analysis | None) -> None:
        state = self.document.state
        wanted = bool(state and state.compare_with)
        self.comparison_view.set_pair(
            self.analysis if other is not None else None,
            other,
            busy=wanted and other is None and self.document.is_comparing(),
        )

    # -- edits ---------------------------------------------------------------------------
    def add_overrides(self, overrides: list[Override], text: str = "") -> None:
        """Add user values (replacing earlier ones for the same target and field)."""
        state = self.document.state
        if state is None or not overrides:
            return
        targets = {(o.scope, o.key.strip().lower(), o.field) for o in overrides}
        kept = tuple(
            o for o in state.overrides if (o.scope, o.key.strip().lower(), o.field) not in targets
        )
        if not text:
            from riskapp.gui.lines import FIELD_LABELS

            first = overrides[0]
            what = FIELD_LABELS.get(first.field, first.field)
            where = (
                f"{len(overrides)} line{'s' if len(overrides) != 1 else ''}"
                if first.scope == "line"
                else f"{first.scope} {first.key}"
            )
            text = f"Set {what} = {first.value} ({where})"
        self.document.edit(text, overrides=kept + tuple(overrides))

    def edit_selected_lines(self, field: str = "") -> None:
        """Open the dialog that sets a value for the selected lines."""
        from riskapp.gui.override_dialog import OverrideDialog

        analysis = self.analysis
        lines = self.selected_line_indexes()
        if analysis is None or not lines:
            self.statusBar().showMessage("Select one or more lines first.", 4000)
            return
        dialog = OverrideDialog(analysis, lines, field, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.add_overrides(dialog.overrides()))
        self.override_dialog = dialog
        dialog.open()

    def clear_selected_overrides(self) -> None:
        """Remove every user value that applies to the selected lines."""
        analysis, state = self.analysis, self.document.state
        if analysis is None or state is None:
            return
        doomed: set[Any] = set()
        for index in self.selected_line_indexes():
            doomed.update(overrides_of_line(analysis, index))
        if doomed:
            self.document.edit(
                f"Remove {len(doomed)} value{'s' if len(doomed) != 1 else ''}",
                overrides=tuple(o for o in state.overrides if o not in doomed),
            )

    def _accepted_now(self) -> set[tuple[int, str]]:
        shown = self.document.shown
        return set(shown.accepted) if shown is not None else set()

    def accept_option(self, line_index: int, option_id: str) -> None:
        """Count an option in the Potential grade."""
        accepted = self._accepted_now() | {(int(line_index), option_id)}
        self.document.edit(
            f"Accept '{option_id}' for line {line_index}", accepted_advice=tuple(sorted(accepted))
        )

    def reject_option(self, line_index: int, option_id: str) -> None:
        """Stop counting an option in the Potential grade."""
        accepted = self._accepted_now() - {(int(line_index), option_id)}
        self.document.edit(
            f"Reject '{option_id}' for line {line_index}", accepted_advice=tuple(sorted(accepted))
        )

    def accept_recommended(self) -> None:
        """Count the recommended option of every line (the default)."""
        self.document.edit("Accept recommended options", accepted_advice=None)

    def clear_accepted(self) -> None:
        """Count no option: Potential equals Actual."""
        self.document.edit("Clear accepted options", accepted_advice=())

    def _on_scenario_edit(self, text: str, merge_id: int, fields: dict[str, Any]) -> None:
        self.document.edit(text, merge_id, **fields)

    def set_scenario(self, name: str) -> None:
        """Analyse under another scenario preset (an undoable edit)."""
        self.document.edit(f"Scenario: {name}", scenario=name, scenario_changes={})

    def save_scenario_as(self) -> None:
        """Save the current scenario parameters as a scenario of the user's own."""
        analysis = self.analysis
        if analysis is None:
            return
        name, ok = QInputDialog.getText(
            self, "Save scenario", "Name of your scenario (letters, digits, _ and -):"
        )
        if not ok or not name.strip():
            return
        from riskapp.core.scenarios import save_scenario, user_scenarios_dir

        try:
            scenario = analysis.scenario.with_changes(name=name.strip(), title=name.strip())
            path = save_scenario(
                scenario, user_scenarios_dir() / f"{name.strip()}.toml", analysis.reference
            )
        except RiskappError as exc:
            self.show_error("Could not save the scenario", str(exc))
            return
        self.scenario_panel.reload_presets()
        self.statusBar().showMessage(f"Scenario saved as {path.name}", 5000)

    def load_scenario_file(self) -> None:
        """Use a scenario TOML file."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Use a scenario file", str(Path.home()), "Scenario files (*.toml)"
        )
        if path:
            self.set_scenario(path)

    # -- import dialog -------------------------------------------------------------------
    def show_import_dialog(self) -> None:
        """Open the import dialog for the current file (sheet, header row, mapping)."""
        from riskapp.gui.import_dialog import ImportDialog

        state = self.document.state
        if state is None or self.analysis is None:
            return
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            return
        dialog = ImportDialog(
            state.source_path,
            state.import_options,
            self.report,
            self,
            signature=self.layout_signature if state.import_options.mapping == {} else "",
            limits=cfg.limits_from(self.settings),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.options_chosen.connect(self._on_import_options)
        dialog.destroyed.connect(self._forget_import_dialog)
        self.import_dialog = dialog
        dialog.open()

    def _forget_import_dialog(self, *_args: Any) -> None:
        self.import_dialog = None

    def _on_import_options(self, options: Any) -> None:
        self.document.edit("Change how the file is read", import_options=options)

    def _maybe_ask_import(self, analysis: Analysis) -> None:
        if (
            self.auto_import_dialog
            and self.settings.get(cfg.ASK_IMPORT_WHEN_UNCLEAR)
            and layout_unclear(analysis.imported.report)
        ):
            self.statusBar().showMessage(
                "The layout of this file is not obvious: please check it.", 8000
            )
            self.show_import_dialog()

    # -- sessions ------------------------------------------------------------------------
    def open_session_dialog(self) -> None:
        start = str(Path(self.session_path or self.current_path or Path.home()).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open session", start, SESSION_FILTER)
        if path:
            self.open_session(path)

    def open_session(self, path: str) -> None:
        """Open a ``.riskapp`` session: its BOM analysed with its edits."""
        from riskapp.core.session import load_session, source_changed

        self.import_started.emit(path)
        try:
            session = load_session(path)
        except RiskappError as exc:
            self.show_error(f"Could not open {Path(path).name}", str(exc))
            self.import_failed.emit(path, str(exc))
            return
        source = Path(session.source_path)
        if not source.is_file():
            message = (
                f"{Path(path).name}: the BOM of this session is not at {source} any more. "
                "Move it back, or open the BOM and redo the edits."
            )
            self.show_error(f"Could not open {Path(path).name}", message)
            self.import_failed.emit(path, message)
            return
        if source_changed(session):
            self.show_warning(
                "The BOM changed",
                f"{source.name} changed since the session was saved "
                f"({session.saved_at:%Y-%m-%d %H:%M})."
                if session.saved_at
                else f"{source.name} changed since the session was saved.",
                informative="The session's values are applied to the file as it is now. Values "
                "set for single lines follow sheet and row numbers: check them if rows moved.",
            )
            session = replace(session, source_sha256="")
        self._begin_open(path, session, session_path=path)

    def save_session(self) -> bool:
        """Save to the session file (asks for one the first time); True when saved."""
        if self.session_path is None:
            return self.save_session_as()
        return self._write_session(self.session_path)

    def save_session_as(self) -> bool:
        state = self.document.state
        if state is None:
            return False
        default = self.session_path or str(Path(state.source_path).with_suffix(SESSION_SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self, "Save session", default, SESSION_FILTER)
        if not path:
            return False
        if not path.lower().endswith(SESSION_SUFFIX):
            path += SESSION_SUFFIX
        return self._write_session(path)

    def _write_session(self, path: str) -> bool:
        from riskapp.core.session import save_session

        session = self.document.session()
        if session is None:
            return False
        try:
            save_session(path, session)
        except RiskappError as exc:
            self.show_error("Could not save the session", str(exc))
            return False
        self.session_path = os.path.abspath(path)
        self.document.undo_stack.setClean()
        self.autosaver.discard()
        self.settings.add_recent_file(self.session_path)
        self._fill_recent_menu()
        self._update_title()
        self.statusBar().showMessage(f"Session saved: {Path(path).name}", 5000)
        return True

    def autosave_now(self) -> None:
        """Write the autosave now (normally a second after the last edit)."""
        self._autosave_timer.stop()
        session = self.document.session()
        if session is None or self.document.undo_stack.isClean():
            self.autosaver.discard()
            return
        self.autosaver.write(session)

    def offer_recovery(self) -> QMessageBox | None:
        """After a crash: offer the newest autosave whose window is gone (non-blocking)."""
        orphans = orphaned_autosaves(self.autosaver.folder)
        orphans = [(p, s) for p, s in orphans if p != self.autosaver.path]
        if not orphans:
            return None
        path, session = orphans[0]
        when = f" (last saved {session.saved_at:%Y-%m-%d %H:%M})" if session.saved_at else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Recover unsaved work?",
            f"riskapp was not closed properly. Your unsaved work on "
            f"{Path(session.source_path).name}{when} can be recovered.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("recoverBox")
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        recover.setObjectName("recoverButton")
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discardButton")
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setInformativeText(
            f"{len(orphans)} autosave{'s' if len(orphans) != 1 else ''} found; the newest is "
            "offered. Later keeps it for the next start."
        )

        def done(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is recover:
                forget_autosave(path)
                self.recover_session(session)
            elif clicked is discard:
                forget_autosave(path)

        box.finished.connect(done)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.recovery_box = box
        box.open()
        return box

    def recover_session(self, session: Session) -> None:
        """Open an autosaved session; its edits stay unsaved (the title shows *)."""
        source = session.source_path
        self._begin_open(source, replace(session, source_sha256=""), session_path=None)
        self._recovering = True

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

    def show_warning(self, title: str, text: str, *, informative: str = "") -> QMessageBox:
        """A non-blocking warning (kept in ``last_message_box``)."""
        box = self.show_error(title, text, informative=informative)
        box.setIcon(QMessageBox.Icon.Information)
        box.setObjectName("warningBox")
        return box

    def _forget_message_box(self) -> None:
        self.last_message_box = None

    def show_about(self) -> None:
        """The About box: version, reference-data version, what the app does, privacy."""
        from html import escape

        ref_version = "not loaded"
        ref_folder = ""
        try:
            from riskapp.core.reference import load_reference

            ref = (
                self.analysis.reference
                if self.analysis is not None
                else load_reference(self.settings.get(cfg.REFERENCE_FOLDER) or None)
            )
            ref_version, ref_folder = ref.version, str(ref.folder)
        except RiskappError as exc:
            ref_version = f"unreadable ({exc})"
        box = QMessageBox(
            QMessageBox.Icon.NoIcon, "About riskapp", "", QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("aboutBox")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<h3>riskapp {escape(riskapp.__version__)}</h3>"
            "<p>Finds the parts of a bill of materials that contain rare-earth magnets, "
            "scores their exposure to export controls and tariffs, and suggests design "
            "changes.</p>"
            f"<p>Reference data version <b>{escape(ref_version)}</b><br>"
            f"<small>{escape(ref_folder)}</small></p>"
            "<p>Your files stay on this computer: riskapp makes no network connections.</p>"
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_box = box
        box.open()

    def show_help(self) -> None:
        """The user guide, in a window of its own."""
        from riskapp.gui.help import HelpWindow

        window = HelpWindow(self)
        self.help_window = window
        window.show()

    def show_shortcuts(self) -> None:
        """List every menu action with its shortcut."""
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(a.text().replace('&', ''))}</td>"
            f"<td><b>{escape(a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))}</b></td></tr>"
            for a in self.menu_actions()
        )
        box = QMessageBox(
            QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "", QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table cellpadding='2'>{rows}</table>")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_box = box
        box.open()

    def show_settings(self) -> None:
        """The settings dialog."""
        from riskapp.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()

    # -- export --------------------------------------------------------------------------
    def export_dialog(self, kind: str) -> None:
        """Ask where to save an export, then write it in the background."""
        from riskapp.gui.export import KINDS, default_name

        analysis = self.analysis
        if analysis is None:
            return
        what, file_filter, suffix = KINDS[kind]
        folder = Path(self.settings.get(cfg.LAST_DIRECTORY) or Path(analysis.path).parent)
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {what}", str(folder / default_name(analysis, kind)), file_filter
        )
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.export(kind, path)

    def export(self, kind: str, path: str) -> None:
        """Write an export of the analysis shown to *path* in the background."""
        from riskapp.gui.export import export_job

        analysis = self.analysis
        if analysis is None or self._export_worker is not None:
            return
        worker = Worker(export_job, kind, analysis, os.path.abspath(path), self.document.comparison)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_exported)
        worker.failed.connect(self._on_export_failed)
        self._export_worker = worker
        self._export_target = os.path.abspath(path)
        self._set_busy(True, f"Writing {Path(path).name}…")
        worker.start()

    def _on_exported(self, path: Path) -> None:
        self._export_worker = None
        self._set_busy(False)
        self.statusBar().showMessage(f"Saved {path.name}", 5000)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Export finished",
            f"Saved {path.name}",
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setObjectName("exportDoneBox")
        box.setInformativeText(str(path.parent))
        open_file = box.addButton("Open", QMessageBox.ButtonRole.ActionRole)
        open_file.setObjectName("openExport")
        open_folder = box.addButton("Open Folder", QMessageBox.ButtonRole.ActionRole)
        open_folder.setObjectName("openExportFolder")
        open_file.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_box = box
        box.open()
        self.export_finished.emit(str(path))

    def _on_export_failed(self, error: BaseException) -> None:
        self._export_worker = None
        self._set_busy(False)
        if isinstance(error, CancelledError):
            self.statusBar().showMessage("Export cancelled; no file was written.", 5000)
            self.export_failed.emit("")
            return
        message = self._report_error(f"Could not write {Path(self._export_target).name}", error)
        self.export_failed.emit(message)

    # -- the table -----------------------------------------------------------------------
    def show_tab(self, index: int) -> None:
        """Show the Lines, Dashboard or Comparison tab."""
        if self.pages.currentIndex() == 1:
            self.tabs.setCurrentIndex(index)

    def focus_filter(self) -> None:
        """Put the cursor in the quick filter, text selected."""
        self.show_tab(TAB_LINES)
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def apply_filter(self) -> None:
        """Filter the table by the quick-filter text now."""
        self._filter_timer.stop()
        self.model.set_filter(self.filter_edit.text())

    def _on_filter_text_changed(self, _text: str) -> None:
        big = self.model.total_rows() >= FILTER_DELAY_ROWS
        self._filter_timer.start(FILTER_DELAY_MS if big else 0)

    def set_facets(self, facets: Facets) -> None:
        """Filter the table by band, element, class, origin and review flag."""
        for key, menu in self.facet_menus.items():
            wanted: frozenset[str] = getattr(facets, key)
            for action in menu.actions():
                if action.isCheckable():
                    action.blockSignals(True)
                    action.setChecked(action.data() in wanted)
                    action.blockSignals(False)
        self.review_check.blockSignals(True)
        self.review_check.setChecked(facets.needs_review)
        self.review_check.blockSignals(False)
        self._apply_facets(facets)

    def _current_facets(self) -> Facets:
        chosen: dict[str, frozenset[str]] = {}
        for key, menu in self.facet_menus.items():
            chosen[key] = frozenset(
                str(a.data()) for a in menu.actions() if a.isCheckable() and a.isChecked()
            )
        return Facets(
            bands=chosen["bands"],
            elements=chosen["elements"],
            classes=chosen["classes"],
            origins=chosen["origins"],
            needs_review=self.review_check.isChecked(),
        )

    def _on_facets_changed(self, *_args: Any) -> None:
        self._apply_facets(self._current_facets())

    def _apply_facets(self, facets: Facets) -> None:
        self.model.set_facets(facets)
        labels = {"bands": "Band", "elements": "Element", "classes": "Class", "origins": "Origin"}
        for key, button in self.facet_buttons.items():
            n = len(getattr(facets, key))
            button.setText(f"{labels[key]} ({n})" if n else labels[key])

    def clear_filters(self) -> None:
        """Show every line: no quick filter, no facets."""
        self.filter_edit.clear()
        self.apply_filter()
        self.set_facets(Facets())

    def show_band(self, band: str) -> None:
        """Show only the lines of one band (from the dashboard)."""
        self.set_facets(replace(self._current_facets(), bands=frozenset({band})))
        self.show_tab(TAB_LINES)

    def show_exposed(self) -> None:
        """Show only lines in a band (not 'Not exposed')."""
        self.set_facets(
            replace(self._current_facets(), bands=frozenset(b for b in BANDS if b != "Not exposed"))
        )
        self.show_tab(TAB_LINES)

    def _fill_facet_menus(self) -> None:
        data = self.model.facet_data()
        if data is None:
            return
        current = self.model.facets()
        for key, menu in self.facet_menus.items():
            menu.clear()
            wanted: frozenset[str] = getattr(current, key)
            choices = data.choices.get(key, [])
            for value, label, count in choices:
                action = menu.addAction(f"{label}  ({count:,})")
                action.setCheckable(True)
                action.setData(value)
                action.setChecked(value in wanted)
                action.toggled.connect(self._on_facets_changed)
            if not choices:
                menu.addAction("(none in this BOM)").setEnabled(False)
        self._apply_facets(current)

    def _on_view_changed(self, shown: int, total: int) -> None:
        if self.model.frame() is None or not self.model.columnCount():
            self.lines_label.clear()
            self.filter_count.clear()
            return
        lines = f"{total:,} line{'s' if total != 1 else ''}"
        text = lines if shown == total else f"{shown:,} of {lines}"
        analysis = self.analysis
        if analysis is not None:
            roll = analysis.scored.rollup
            text += f" · {roll.n_rare_earth:,} with rare earths · {roll.n_needs_review:,} to review"
        self.lines_label.setText(text)
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
            if name in ("band", "score", "description"):
                hide = False
            self.table.setColumnHidden(col, hide)
        metrics = self.table.fontMetrics()
        header_metrics = header.fontMetrics()
        padding = 18
        for col, name in enumerate(self.model.columns()):
            if self.table.isColumnHidden(col):
                continue  # sized when the user shows it (the header menu)
            texts = set(self.model.sample_texts(col, SIZING_SAMPLE_ROWS))
            widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
            title = header_metrics.horizontalAdvance(self.model.column_label(col)) + 14  # arrow
            cap = COLUMN_MAX_WIDTH.get(name, COLUMN_DEFAULT_MAX_WIDTH)
            header.resizeSection(col, max(COLUMN_MIN_WIDTH, min(cap, max(widest, title) + padding)))

    def _show_header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for col in range(self.model.columnCount()):
            action = menu.addAction(self.model.column_label(col))
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(col))
            action.toggled.connect(lambda on, c=col: self.table.setColumnHidden(c, not on))
        menu.addSeparator()
        menu.addAction("Show All Columns", self._show_all_columns)
        menu.exec(header.mapToGlobal(pos))
        menu.deleteLater()

    def _show_table_menu(self, pos: QPoint) -> None:
        if self.analysis is None:
            return
        menu = QMenu(self)
        menu.addAction(self.edit_line_action)
        origin = menu.addMenu("Set Origin")
        from riskapp.gui.lines import FIELD_LABELS

        for field in (
            "origin_separation",
            "origin_metal",
            "origin_magnet",
            "origin_mining",
            "origin_component",
        ):
            origin.addAction(FIELD_LABELS[field] + "…", partial(self.edit_selected_lines, field))
        menu.addAction("Set Class…", lambda: self.edit_selected_lines("re_class"))
        menu.addAction("Set Magnet Mass…", lambda: self.edit_selected_lines("magnet_mass_g"))
        menu.addAction("Set Criticality…", lambda: self.edit_selected_lines("criticality"))
        menu.addAction(self.clear_line_action)
        menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))
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
        lines = ["\t".join(self.model.column_label(c) for c in cols)]
        lines += ["\t".join(self.model.display_text(r, c) for c in cols) for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")

    # -- selection -----------------------------------------------------------------------
    def _line_index_of_row(self, view_row: int) -> int | None:
        frame = self.model.frame()
        if frame is None or not 0 <= view_row < self.model.rowCount():
            return None
        return int(frame.index[self.model.source_row(view_row)])

    def _current_line_index(self) -> int | None:
        index = self.table.currentIndex()
        return self._line_index_of_row(index.row()) if index.isValid() else None

    def selected_line_indexes(self) -> list[int]:
        """Line indexes of the selected rows (the current row when none is selected)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        found = [self._line_index_of_row(r) for r in rows]
        return [i for i in found if i is not None]

    def select_line(self, line_index: int, *, scroll: bool = True) -> bool:
        """Make a line current (clearing filters that hide it); True when shown."""
        frame = self.model.frame()
        if frame is None:
            return False
        import pandas as pd

        positions = frame.index.get_indexer(pd.Index([line_index]))
        if not len(positions) or positions[0] < 0:
            return False
        source = int(positions[0])
        if self.model.view_row(source) < 0 and scroll:
            self.clear_filters()
        row = self.model.view_row(source)
        if row < 0:
            self.detail.show_line(None)
            return False
        # the first column on screen: selecting must not scroll the table sideways
        header = self.table.horizontalHeader()
        column = next(
            (
                header.logicalIndex(v)
                for v in range(header.count())
                if not header.isSectionHidden(header.logicalIndex(v))
            ),
            0,
        )
        index = self.model.index(row, column)
        self.table.selectionModel().setCurrentIndex(
            index,
            self.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.table.selectionModel().SelectionFlag.Rows,
        )
        if scroll:
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.detail.show_line(line_index)
        return True

    def show_line(self, source_row: int) -> None:
        """Show the line at frame position *source_row* in the table and detail panel."""
        frame = self.model.frame()
        if frame is None or not 0 <= source_row < len(frame):
            return
        self.show_tab(TAB_LINES)
        self.select_line(int(frame.index[source_row]))
        self.detail_dock.show()
        self.detail_dock.raise_()

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.detail.show_line(self._line_index_of_row(current.row()) if current.isValid() else None)
        self._update_actions()

    def _on_selection_changed(self, *_args: Any) -> None:
        self._update_selection_label()
        self._update_actions()

    def _update_selection_label(self) -> None:
        analysis = self.analysis
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        if analysis is None or len(rows) < 1:
            self.selection_label.clear()
            return
        import numpy as np

        frame = self.model.frame()
        assert frame is not None
        positions = np.fromiter((self.model.source_row(r) for r in rows), dtype=np.intp)
        lines = analysis.scored.lines
        grams = (
            lines["controlled_g_per_year"].to_numpy(dtype=float, na_value=0.0)[positions]
            if "controlled_g_per_year" in lines
            else np.zeros(0)
        )
        spend = (
            lines["spend_per_year"].to_numpy(dtype=float, na_value=0.0)[positions]
            if "spend_per_year" in lines
            else np.zeros(0)
        )
        currency = analysis.scored.rollup.currency or self.settings.get(cfg.CURRENCY)
        kg = float(np.nansum(grams)) / 1000.0
        self.selection_label.setText(
            f"{len(rows):,} selected · {kg:,.2f} kg controlled/yr · "
            f"{float(np.nansum(spend)):,.0f} {currency}/yr".rstrip()
        )

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
        self.show_tab(TAB_LINES)
        self.select_line(int(frame.index[int(sources[0])]))
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

    # -- busy state and titles -----------------------------------------------------------
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
        has = self.analysis is not None
        opening = self._opening is not None
        editable = has and not opening
        self.reload_action.setEnabled(bool(self.current_path) and not opening)
        self.cancel_action.setEnabled(self.document.is_busy() or self._export_worker is not None)
        self.import_options_action.setEnabled(editable)
        for action in (self.save_session_action, self.save_session_as_action):
            action.setEnabled(editable)
        for action in (self.export_action, self.export_csv_action, self.export_json_action):
            action.setEnabled(has and self._export_worker is None)
        selected = editable and self.table.currentIndex().isValid()
        self.edit_line_action.setEnabled(selected)
        self.clear_line_action.setEnabled(
            selected and bool(self.document.state and self.document.state.overrides)
        )
        for action in (self.accept_recommended_action, self.clear_accepted_action):
            action.setEnabled(editable)
        self.accept_action.setEnabled(editable)
        self.reject_action.setEnabled(editable)
        self.detail.set_editable(editable)

    def _update_title(self) -> None:
        path = self.current_path
        if not path:
            self.setWindowTitle("riskapp")
            return
        name = Path(self.session_path).name if self.session_path else Path(path).name
        self.setWindowTitle(f"{name}[*] — riskapp")
        self.setWindowModified(not self.document.undo_stack.isClean())

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
            self.resizeDocks([self.import_dock], [170], Qt.Orientation.Vertical)
            self.resizeDocks([self.detail_dock], [430], Qt.Orientation.Horizontal)
        state = self.settings.get(cfg.WINDOW_STATE)
        if state:
            self.restoreState(state)
        splitter = self.settings.get(cfg.COMPARISON_SPLITTER)
        if splitter:
            self.comparison_view.restore_splitter(splitter)

    def save_window_state(self) -> None:
        """Remember geometry, docks, toolbars and splitters for the next start."""
        self.settings.set(cfg.WINDOW_GEOMETRY, bytes(self.saveGeometry().data()))
        self.settings.set(cfg.WINDOW_STATE, bytes(self.saveState().data()))
        self.settings.set(cfg.COMPARISON_SPLITTER, self.comparison_view.splitter_state())
        problem = self.settings.sync()
        if problem:  # on the way out: nobody to tell but the log
            log.warning("%s", problem)

    def _confirm_discard(self) -> bool:
        """Before the edits are replaced: save them, throw them away, or stop (True = go on)."""
        if (
            not self.ask_to_save
            or self.document.undo_stack.isClean()
            or self.document.state is None
        ):
            return True
        answer = QMessageBox.question(
            self,
            "Save your changes?",
            "The values you set, accepted options and scenario changes are not saved in a "
            "session yet.",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_session()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_discard():
            event.ignore()
            return
        self.scenario_panel.flush()
        self.document.close()
        if self._export_worker is not None:
            self._export_worker.cancel()
        from riskapp.gui import workers

        workers.wait_for_all(10_000)
        self.autosaver.close()
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
            "riskapp finds the lines with rare-earth magnets, scores their<br>"
            "exposure to export controls and tariffs, and suggests design changes.<br><br>"
            "A saved session (<b>.riskapp</b>) opens the same way.",
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


def layout_unclear(report: ImportReport) -> bool:
    """True when the importer had to guess how to read the file: a table without a header
    row, no confident description/part-number column, or no quantity column."""
    if not report.tables:
        return True
    for table in report.tables:
        if table.inferred:
            return True
        confidences = {m.field: m.confidence for m in table.mapping}
        key = max(
            (confidences.get(f, 0.0) for f in ("description", "name", "mpn", "ipn")), default=0.0
        )
        if key < 0.6 or "quantity" not in confidences:
            return True
    return False


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


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

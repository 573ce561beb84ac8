"""Start the desktop app: ``run(argv)`` (``python -m riskapp`` without a subcommand).

Options besides file paths (BOMs or .riskapp sessions):
  --screenshot PATH   once the first file is analysed (or the window is shown, when no
                      file is given) save the window as an image and quit; for Xvfb
                      screenshots and smoke tests. Under X11 the whole screen is saved
                      (dialogs included).
  --screenshot-view V what to show first: lines (default), detail, dashboard, scenario,
                      comparison (with --compare), import (the import dialog).
  --compare NAME      compare with this scenario preset (for --screenshot-view comparison).
  --quit-after-load   quit once every file given has been imported (exit 1 if one failed).
Unknown options starting with "-" are passed on to Qt (e.g. ``-platform offscreen``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

import riskapp
from riskapp.core.logsetup import logging_to_file
from riskapp.gui import settings as cfg
from riskapp.gui.autosave import NO_PROMPT_ENV

log = logging.getLogger(__name__)

APP_NAME = "riskapp"
ORG_NAME = "riskapp"
HEADLESS_TIMEOUT_MS = 180_000
"""--screenshot / --quit-after-load give up (exit 2) after this long."""
SCREENSHOT_DELAY_MS = 250
"""Pause after the import so the table is laid out and painted before the grab."""
WARM_UP_DELAY_MS = 300
"""The warm-up starts this long after the window is up, so its first paint comes first."""


def _logging() -> AbstractContextManager[Path | None]:
    """Log warnings to stderr and everything from INFO to the rotating log file (both
    through the confidentiality filter: no BOM contents), for this run."""
    return logging_to_file(logging.INFO, console_level=logging.WARNING)


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog=APP_NAME, description="Rare-earth BOM risk (desktop app)."
    )
    parser.add_argument("paths", nargs="*", help="BOM files to open")
    parser.add_argument(
        "--screenshot", metavar="PATH", help="save the window to PATH after loading, then quit"
    )
    parser.add_argument(
        "--screenshot-view",
        default="lines",
        choices=("lines", "detail", "dashboard", "scenario", "comparison", "import"),
        help="what the screenshot shows",
    )
    parser.add_argument("--compare", metavar="NAME", help="compare with this scenario preset")
    parser.add_argument(
        "--quit-after-load", action="store_true", help="quit once the files are loaded"
    )
    return parser.parse_known_args(argv)


def settle_heap() -> None:
    """Move everything loaded at start-up (modules, classes, Qt wrappers) out of the
    garbage collector's sight: it lives until exit anyway, and with a big BOM in memory
    every full collection would otherwise walk it again — a GUI stall each time. It also
    keeps those pages shared with the forked workers (see riskapp.gui.forked)."""
    import gc

    gc.collect()
    gc.freeze()


def run(argv: list[str] | None = None) -> int:
    """Open the main window (one per file given) and run the event loop; the exit code."""
    args, qt_args = _parse(list(sys.argv[1:] if argv is None else argv))
    with _logging() as log_path:
        existing = QApplication.instance()
        app = (
            existing
            if isinstance(existing, QApplication)
            else QApplication([sys.argv[0], *qt_args])
        )
        app.setApplicationName(APP_NAME)
        app.setOrganizationName(ORG_NAME)
        app.setApplicationVersion(riskapp.__version__)
        return _Session(app, args, log_path, own_app=existing is None).exec()


class _Session:
    """One run of the event loop: the windows, the headless options and the exit code."""

    def __init__(
        self, app: QApplication, args: argparse.Namespace, log_path: Path | None, *, own_app: bool
    ) -> None:
        from riskapp.gui.main_window import MainWindow

        self.app = app
        self.own_app = own_app
        self.loop: QEventLoop | None = None
        self.screenshot: str | None = args.screenshot
        self.view: str = args.screenshot_view
        self.compare: str | None = args.compare
        self.quit_after_load: bool = args.quit_after_load
        self.log_path = log_path
        self.exit_code = 0
        self.pending = 0
        self.windows: list[MainWindow] = []
        paths: list[str | None] = [str(p) for p in args.paths]
        from riskapp.gui.settings_dialog import apply_theme

        apply_theme(cfg.Settings())
        for path in paths or [None]:
            window = MainWindow()
            if self.screenshot:
                window.ask_to_save = False
                window.auto_import_dialog = False
                screen = QGuiApplication.primaryScreen()
                if screen is not None:
                    window.setGeometry(screen.availableGeometry())
            window.import_finished.connect(self._on_loaded)
            window.import_failed.connect(self._on_failed)
            window.show()
            self.windows.append(window)
            if path is not None:
                self.pending += 1
                window.open_path(path)
        settle_heap()
        if not paths and not self.headless:
            # while the user picks a file: fill the caches that every run would otherwise
            # fill for itself (see riskapp.gui.document.warm_up)
            QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up)
        self.timeout = QTimer()
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self._on_timeout)
        if self.headless:
            self.timeout.start(HEADLESS_TIMEOUT_MS)
            if not paths:
                QTimer.singleShot(SCREENSHOT_DELAY_MS, self._finish)
        elif self.windows and not os.environ.get(NO_PROMPT_ENV):
            QTimer.singleShot(0, self.windows[0].offer_recovery)

    def _warm_up(self) -> None:
        from riskapp.gui.document import start_warm_up

        start_warm_up(cfg.Settings().get(cfg.REFERENCE_FOLDER) or None)

    @property
    def headless(self) -> bool:
        return bool(self.screenshot or self.quit_after_load)

    def exec(self) -> int:
        old_hook = sys.excepthook
        sys.excepthook = self._excepthook
        try:
            if self.own_app:
                code = self.app.exec()
            else:
                # Inside a running application (tests, an embedding host) QApplication.quit()
                # would end the host's loops too: run and quit a loop of our own.
                self.loop = QEventLoop()
                self.app.lastWindowClosed.connect(self.loop.quit)
                code = self.loop.exec()
                self.app.lastWindowClosed.disconnect(self.loop.quit)
        finally:
            self.timeout.stop()
            sys.excepthook = old_hook
            for window in self.windows:
                window.close()
                window.deleteLater()
            self.windows.clear()
        return self.exit_code or code

    def quit(self) -> None:
        """End this session's event loop."""
        if self.loop is not None:
            self.loop.quit()
        else:
            self.app.quit()

    def _on_loaded(self, _path: str) -> None:
        self._one_done()

    def _on_failed(self, path: str, message: str) -> None:
        self.exit_code = 1
        if self.headless:
            print(f"riskapp: {message or 'cancelled'} ({path})", file=sys.stderr)
        self._one_done()

    def _one_done(self) -> None:
        self.pending -= 1
        if not self.headless:
            return
        if self.screenshot:
            self._prepare_view()
        elif self.pending <= 0:
            QTimer.singleShot(SCREENSHOT_DELAY_MS, self._finish)

    def _prepare_view(self) -> None:
        """Put the first window in the state the screenshot should show, then grab it."""
        from riskapp.gui.main_window import TAB_COMPARISON, TAB_DASHBOARD

        window = self.windows[0]
        view = self.view
        later = lambda: QTimer.singleShot(SCREENSHOT_DELAY_MS, self._finish)  # noqa: E731
        if window.analysis is None:
            later()
            return
        if view in ("lines", "detail"):
            top = window.analysis.scored.rollup.top_contributors
            if len(top):
                window.select_line(int(top["line_index"].iloc[0]))
            window.detail_dock.show()
            window.detail_dock.raise_()
            if view == "detail":
                window.import_dock.hide()
                QTimer.singleShot(SCREENSHOT_DELAY_MS // 2, window.detail.scroll_to_factors)
        elif view == "dashboard":
            window.show_tab(TAB_DASHBOARD)
            window.import_dock.hide()
        elif view in ("scenario", "comparison"):
            window.scenario_dock.show()
            window.scenario_dock.raise_()
            window.import_dock.hide()
            if self.compare:
                window.document.comparison_changed.connect(lambda _a: later())
                window.document.set_comparison(self.compare)
                window.show_tab(TAB_COMPARISON)
                return
        elif view == "import":
            window.show_import_dialog()
            dialog = window.import_dialog
            if dialog is not None:
                dialog.detected.connect(later)
                return
        later()

    def _finish(self) -> None:
        if self.screenshot:
            window = self.windows[0]
            self.app.processEvents()
            screen = QGuiApplication.primaryScreen()
            if QGuiApplication.platformName() == "xcb" and screen is not None:
                image = screen.grabWindow(0)  # the whole screen: dialogs too
            elif self.view == "import" and window.import_dialog is not None:
                image = window.import_dialog.grab()
            else:
                image = window.grab()
            if not image.save(self.screenshot):
                print(
                    f"riskapp: could not save the screenshot to {self.screenshot}", file=sys.stderr
                )
                self.exit_code = self.exit_code or 1
            self.screenshot = None
        if self.pending <= 0 or not self.quit_after_load:
            self.quit()

    def _on_timeout(self) -> None:
        print("riskapp: gave up waiting for the files to load", file=sys.stderr)
        self.exit_code = 2
        self.quit()

    def _excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        """A bug escaped a slot: log it and tell the user, never die silently."""
        log.error("Unexpected error", exc_info=(kind, error, tb))
        if self.headless:
            self.exit_code = 2
            self.quit()
            return
        if self.windows:
            where = f" The log is in {self.log_path}." if self.log_path else ""
            self.windows[0].show_error(
                "Unexpected problem",
                "riskapp hit an unexpected problem. Your files were not changed.",
                informative=f"Please send the details to your support contact.{where}",
                details="".join(traceback.format_exception(kind, error, tb)),
            )


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

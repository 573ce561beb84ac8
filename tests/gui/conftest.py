"""GUI test fixtures: a main window, opening a BOM and waiting for it, small BOM files.

Every test runs with QT_QPA_PLATFORM=offscreen and its own RISKAPP_USER_DIR (see
tests/conftest.py), so settings and recent files start empty and never touch the user's.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from riskapp.gui import settings as cfg
from riskapp.gui import workers
from riskapp.gui.main_window import MainWindow

IMPORT_TIMEOUT_MS = 30_000
SCORE_TIMEOUT_MS = 30_000

OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"
"""Qt's offscreen platform says this whenever a top-level window gets a size constraint;
it is about the test platform, not the app (xcb and Windows do not say it)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


HEADER = ["Description", "Qty", "Manufacturer", "MPN", "Supplier"]
ROWS = [
    ["NdFeB magnet N52 10x5 mm", 4, "Arnold Magnetics", "N52-10x5", "Digi-Key"],
    ["Stepper motor NEMA 17", 2, "StepperOnline", "17HS4401", "Amazon"],
    ["M3x8 socket head screw", 20, "Würth", "M3X8-ISO4762", "Würth"],
    ["BLDC gimbal motor GM4108", 1, "T-Motor", "GM4108H-120T", "T-Motor"],
    ["Resistor 10k 0603", 10, "Yageo", "RC0603FR-0710KL", "Mouser"],
]
"""A small BOM: five lines, header in row 1 (two motors, one magnet)."""


def write_csv(path: Path, header: list[str] = HEADER, rows: list[list[object]] = ROWS) -> Path:
    """Write a CSV BOM (UTF-8, comma separated)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, header: list[str] = HEADER, rows: list[list[object]] = ROWS, sheet: str = "BOM"
) -> Path:
    """Write an xlsx BOM with openpyxl: one sheet, header in row 1."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def bom_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "small_bom.csv")


@pytest.fixture
def bom_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "small_bom.xlsx")


def drain_workers(timeout_ms: int = 10_000) -> None:
    """Wait until every worker thread returned and its outcome was delivered."""
    assert workers.wait_for_all(timeout_ms), "a worker thread did not stop"
    assert QThreadPool.globalInstance().waitForDone(timeout_ms), "a pool thread is still busy"
    for _ in range(100):
        QApplication.processEvents()
        if not workers.active_workers():
            break
    assert not workers.active_workers(), "a worker outcome was never delivered"


@pytest.fixture(autouse=True)
def _no_leaked_work(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """After every GUI test: no worker still running and no forked child left behind."""
    yield
    drain_workers()
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return  # no child processes at all
    assert pid != 0, "a forked worker process is still running after the test"


@pytest.fixture
def main_window(qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """A shown main window; on teardown, closes it and checks no worker thread is left.

    It does not ask to save on close, and does not open the import dialog by itself
    (tests that want either turn it back on).
    """
    settings = cfg.Settings()
    settings.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, False)
    window = MainWindow(settings)
    window.ask_to_save = False
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    drain_workers()


class Opener:
    """``open_bom(path)``: open a file in the window and wait until it is shown."""

    def __init__(self, window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.window = window
        self.qtbot = qtbot

    def __call__(self, path: Path | str) -> MainWindow:
        outcome: list[tuple[str, ...]] = []
        self.window.import_finished.connect(lambda p: outcome.append(("ok", p)))
        self.window.import_failed.connect(lambda p, m: outcome.append(("failed", p, m)))
        self.window.open_path(path)
        self.qtbot.waitUntil(lambda: bool(outcome), timeout=IMPORT_TIMEOUT_MS)
        if outcome[0][0] != "ok":
            pytest.fail(f"import of {path} failed: {outcome[0][2]!r}")
        return self.window

    def expect_failure(self, path: Path | str) -> str:
        """Open a file that must fail; the message shown ('' when cancelled)."""
        with self.qtbot.waitSignal(self.window.import_failed, timeout=IMPORT_TIMEOUT_MS) as blocker:
            self.window.open_path(path)
        assert blocker.args is not None
        return str(blocker.args[1])


@pytest.fixture
def open_bom(main_window: MainWindow, qtbot) -> Opener:  # type: ignore[no-untyped-def]
    """``open_bom(path)`` opens a BOM in ``main_window`` and waits for import_finished."""
    return Opener(main_window, qtbot)


@pytest.fixture
def wait_for(qtbot) -> Callable[[Callable[[], bool]], None]:  # type: ignore[no-untyped-def]
    def _wait(condition: Callable[[], bool], timeout: int = 5000) -> None:
        qtbot.waitUntil(condition, timeout=timeout)

    return _wait


def wait_until_scored(window: MainWindow, qtbot, action: Callable[[], object]) -> None:  # type: ignore[no-untyped-def]
    """Run *action* (an edit) and wait until the window shows the new analysis."""
    with qtbot.waitSignal(window.analysis_shown, timeout=SCORE_TIMEOUT_MS):
        action()
    assert not window.document.is_busy()


def line_of(window: MainWindow, text: str) -> int:
    """The line index of the first line whose description contains *text*."""
    lines = window.document.analysis.scored.lines  # type: ignore[union-attr]
    hits = lines.index[lines["description"].astype(str).str.contains(text, regex=False)]
    assert len(hits), f"no line contains {text!r}"
    return int(hits[0])


def close_dialogs(window: MainWindow) -> None:
    """Close every message box the window left open (so teardown does not wait on them)."""
    from PySide6.QtWidgets import QDialog

    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.done(0)

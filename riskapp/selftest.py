"""``riskapp --self-test``: prove that this riskapp (installed, frozen or from source) works.

In a few seconds and without touching the user's files or settings it

1. finds the sample BOM bundled in ``riskapp.resources/samples``,
2. imports, tags, scores and advises it with the same pipeline the CLI and GUI use,
3. writes the Excel report into a temporary folder and checks it is a workbook,
4. opens the main window (offscreen unless ``--display``), loads the sample in it through
   the GUI's background worker, and closes it,

then prints a short summary and exits 0. Any failure prints one line,
``riskapp self-test failed (<stage>): <reason>``, on stderr and exits 1.

The installer build runs it on every frozen build before packaging it (and fails on
unexpected stderr); the installer test runs it on the installed package.

Options: ``--display`` (use the real display), ``--keep`` (keep the temporary folder and
the report), ``--traceback`` (print the traceback of a failure), ``--sample PATH`` (score
another file instead of the bundled sample).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from riskapp.core.errors import RiskappError
from riskapp.core.reference import bundled_sample

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis

WINDOW_TIMEOUT_S = 120.0
"""Give up on the window's import after this long (a frozen build on a slow machine)."""


class SelfTestError(Exception):
    """A check failed; the message is the one-line reason."""


def main(argv: list[str] | None = None) -> int:
    """Run the self-test; the exit code (0 passed, 1 failed)."""
    parser = argparse.ArgumentParser(
        prog="riskapp --self-test",
        description="Score the bundled sample BOM, write a report, open and close the window.",
    )
    parser.add_argument("--display", action="store_true", help="show the window on the display")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--traceback", action="store_true", help="print a failure's traceback")
    parser.add_argument("--sample", metavar="PATH", help="score this file instead of the sample")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    stage = "setup"
    tmp = Path(tempfile.mkdtemp(prefix="riskapp-selftest-"))
    try:
        with _isolated(tmp, display=args.display):
            header = _header()
            stage = "sample"
            with _sample(args.sample) as sample:
                stage = "score"
                t = time.perf_counter()
                analysis = _score(sample, bundled=args.sample is None)
                score_s = time.perf_counter() - t

                stage = "report"
                t = time.perf_counter()
                report = tmp / f"{sample.stem}_report.xlsx"
                sheets = _write_report(analysis, report)
                report_s = time.perf_counter() - t

                stage = "window"
                t = time.perf_counter()
                shown_lines = _window(sample)
                window_s = time.perf_counter() - t
    except Exception as exc:  # the point of a self-test: any failure becomes one line
        if args.traceback:
            traceback.print_exc()
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if not isinstance(exc, SelfTestError | RiskappError):  # those are written for people
            reason = f"{type(exc).__name__}: {reason}"
        print(f"riskapp self-test failed ({stage}): {reason}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        return 1

    total_s = time.perf_counter() - started
    rollup = analysis.scored.rollup
    size_kb = report.stat().st_size / 1024
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(header)
    print(
        f"  sample   {sample.name}: {rollup.n_lines} lines, {rollup.n_rare_earth} with rare earths"
    )
    print(
        f"  score    grade {rollup.grade_actual} (BOM score {rollup.bom_score:.0f}),"
        f" scenario {analysis.scenario.name}"
    )
    kept = "" if args.keep else " (removed)"
    print(f"  report   {report} ({size_kb:.0f} KB, {sheets} sheets){kept}")
    print(f"  window   opened, showed {shown_lines} lines, closed")
    print(
        f"  seconds  score {score_s:.2f}, report {report_s:.2f}, window {window_s:.2f},"
        f" total {total_s:.2f}"
    )
    print("self-test passed")
    return 0


def _header() -> str:
    import PySide6

    from riskapp import __version__

    kind = "frozen build" if getattr(sys, "frozen", False) else "Python package"
    platform = os.environ.get("QT_QPA_PLATFORM") or "default display"
    return (
        f"riskapp {__version__} self-test ({kind}, Python {sys.version.split()[0]},"
        f" Qt {PySide6.__version__}, {platform})"
    )


@contextlib.contextmanager
def _isolated(tmp: Path, *, display: bool) -> Iterator[None]:
    """Settings and logs go to *tmp*; Qt draws offscreen unless a display is wanted."""
    from riskapp.gui.settings import USER_DIR_ENV

    changes = {USER_DIR_ENV: str(tmp / "user")}
    if not display:
        changes["QT_QPA_PLATFORM"] = "offscreen"
    if sys.platform.startswith("linux") and not os.environ.get("XDG_RUNTIME_DIR"):
        # Without it Qt warns on stderr (a bare `env -i` or a service account).
        runtime = tmp / "runtime"
        runtime.mkdir(mode=0o700)
        changes["XDG_RUNTIME_DIR"] = str(runtime)
    saved = {key: os.environ.get(key) for key in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _sample(path: str | None) -> Iterator[Path]:
    if path is not None:
        sample = Path(path)
        if not sample.is_file():
            raise SelfTestError(f"{sample} does not exist")
        yield sample
        return
    with contextlib.ExitStack() as stack:
        try:
            sample = stack.enter_context(bundled_sample())
        except FileNotFoundError as exc:
            raise SelfTestError(str(exc)) from None
        yield sample


def _score(sample: Path, *, bundled: bool) -> Analysis:
    from riskapp.core.pipeline import analyse

    analysis = analyse(sample)
    rollup = analysis.scored.rollup
    if rollup.n_lines <= 0:
        raise SelfTestError(f"{sample.name} gave no lines")
    if bundled and rollup.n_rare_earth <= 0:  # the sample is a robot arm full of magnets
        raise SelfTestError(f"no rare-earth lines found in {sample.name}")
    return analysis


def _write_report(analysis: Analysis, target: Path) -> int:
    """Write the report; the number of sheets in it."""
    from riskapp.core.report import write_report

    written = Path(write_report([analysis], target))
    if not written.is_file() or not zipfile.is_zipfile(written):
        raise SelfTestError(f"the report {written} is not an Excel workbook")
    with zipfile.ZipFile(written) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    if not sheets:
        raise SelfTestError(f"the report {written} has no sheets")
    return len(sheets)


OFFSCREEN_NOISE = ("This plugin does not support",)
"""Qt messages the offscreen platform prints about window-manager features it lacks."""


def _qt_message(mode: object, context: object, message: str) -> None:
    """Forward Qt's messages to stderr, except the offscreen platform's harmless noise."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen" and message.startswith(OFFSCREEN_NOISE):
        return
    level = getattr(mode, "name", str(mode)).removeprefix("Qt").removesuffix("Msg").lower()
    print(f"Qt {level}: {message}", file=sys.stderr)


def _window(sample: Path) -> int:
    """Open the main window, load *sample* in it, close it; the number of lines shown."""
    from PySide6.QtCore import qInstallMessageHandler

    previous_handler = qInstallMessageHandler(_qt_message)
    try:
        return _open_and_close(sample)
    finally:
        qInstallMessageHandler(previous_handler)


def _open_and_close(sample: Path) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "riskapp"])
    from riskapp.gui.main_window import MainWindow

    window = MainWindow()
    outcome: dict[str, str] = {}
    loop = QEventLoop()

    def finished(_path: str) -> None:
        outcome["ok"] = ""
        loop.quit()

    def failed(_path: str, message: str) -> None:
        outcome["error"] = message or "the import was cancelled"
        loop.quit()

    window.import_finished.connect(finished)
    window.import_failed.connect(failed)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        window.show()
        app.processEvents()
        if not window.isVisible():
            raise SelfTestError("the main window did not open")
        window.open_path(str(sample))
        timer.start(int(WINDOW_TIMEOUT_S * 1000))
        if not outcome:
            loop.exec()
        if "error" in outcome:
            raise SelfTestError(f"the window could not open {sample.name}: {outcome['error']}")
        if not outcome:
            raise SelfTestError(
                f"the window did not load {sample.name} in {WINDOW_TIMEOUT_S:.0f} s"
            )
        app.processEvents()
        shown = _shown_lines(window)
    finally:
        timer.stop()
        window.close()
        window.deleteLater()
        app.processEvents()
    return shown


def _shown_lines(window: object) -> int:
    """Rows in the window's lines table (its first QTableView's model)."""
    from PySide6.QtWidgets import QTableView, QWidget

    if not isinstance(window, QWidget):
        return 0
    views = window.findChildren(QTableView)
    counts = [v.model().rowCount() for v in views if v.model() is not None]
    if not counts or max(counts) <= 0:
        raise SelfTestError("the window loaded the sample but shows no lines")
    return max(counts)

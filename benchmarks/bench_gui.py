"""How responsive the desktop app stays on a big BOM: the longest event-loop stall while it
imports, scores (after an edit) and exports, and how long sorting and filtering take.

    python benchmarks/gen_bom.py 100000 /tmp/bom100k.xlsx
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py /tmp/bom100k.xlsx

A 10 ms QTimer ticks on the GUI thread all along; a stall is the time between two ticks
beyond those 10 ms (the GUI could not paint or react meanwhile). Targets: stalls < 100 ms,
sort and filter < 300 ms. Prints a table and writes JSON next to it with --json PATH.

The process is first warmed up as the app does at start (``warm_up_s``, see
riskapp.gui.document.warm_up); ``--open-again`` also times opening the file a second time,
while the first analysis is let go.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("RISKAPP_USER_DIR", tempfile.mkdtemp(prefix="riskapp-bench-"))

import riskapp.gui  # noqa: F401  # before PySide6, as in the app (see riskapp.gui.PLAIN_IMPORT)

# isort: split
from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

TICK_MS = 10


class StallMeter:
    """Records the gaps between 10 ms ticks of a timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.last = 0
        self.worst = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.worst = 0.0
        self.gaps = []
        self.clock.start()
        self.last = self.clock.elapsed()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.worst

    def _tick(self) -> None:
        now = self.clock.elapsed()
        gap = max(0.0, float(now - self.last - TICK_MS))
        self.gaps.append(gap)
        self.worst = max(self.worst, gap)
        self.last = now


def wait(signal: object, timeout_s: float = 900.0) -> list[object]:
    loop = QEventLoop()
    got: list[object] = []

    def done(*args: object) -> None:
        got.extend(args)
        loop.quit()

    signal.connect(done)  # type: ignore[attr-defined]
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)  # type: ignore[attr-defined]
    return got


def timed(fn: object) -> float:
    app = QApplication.instance()
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    assert app is not None
    app.processEvents()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bom", help="a big BOM (benchmarks/gen_bom.py 100000 /tmp/bom100k.xlsx)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--no-export", action="store_true", help="skip the Excel export")
    parser.add_argument(
        "--open-again", action="store_true", help="also time a second open of the same file"
    )
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from riskapp.gui.app import settle_heap
    from riskapp.gui.main_window import MainWindow
    from riskapp.gui.table_model import Facets

    window = MainWindow()
    window.ask_to_save = False
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    settle_heap()  # as riskapp.gui.app.run does once the window is up
    meter = StallMeter()
    results: dict[str, float] = {}

    # 0. the warm-up the app runs while the user picks a file (riskapp.gui.document)
    from riskapp.gui.document import start_warm_up

    t = time.perf_counter()
    warming = start_warm_up()
    if warming is not None:
        warming.join()
    results["warm_up_s"] = time.perf_counter() - t

    # 1. open: import + tag + score + advise + prepare the table
    meter.start()
    t = time.perf_counter()
    window.open_path(args.bom)
    outcome = wait(window.import_finished) or wait(window.import_failed)
    results["open_s"] = time.perf_counter() - t
    results["open_stall_ms"] = meter.stop()
    if window.analysis is None:
        print(f"could not open {args.bom}: {outcome}", file=sys.stderr)
        return 1
    n = len(window.analysis.scored.lines)
    results["lines"] = n
    if args.open_again:  # the same file again: the first analysis is let go meanwhile
        meter.start()
        t = time.perf_counter()
        window.open_path(args.bom)
        wait(window.import_finished)
        results["open_again_s"] = time.perf_counter() - t
        results["open_again_stall_ms"] = meter.stop()

    # 2. an edit: another scenario (re-tag, re-score, advise, refresh every view)
    meter.start()
    t = time.perf_counter()
    window.set_scenario("permits_denied_6m")
    wait(window.analysis_shown)
    results["rescore_s"] = time.perf_counter() - t
    results["rescore_stall_ms"] = meter.stop()

    # 3. sorting and filtering (on the GUI thread, by design: numpy over the prepared arrays)
    model = window.model
    for name in ("score", "description", "manufacturer", "band"):
        col = model.column_index(name)
        results[f"sort_{name}_ms"] = 1000 * timed(
            lambda c=col: window.table.sortByColumn(c, Qt.SortOrder.DescendingOrder)
        )
        results[f"sort_{name}_again_ms"] = 1000 * timed(
            lambda c=col: window.table.sortByColumn(c, Qt.SortOrder.AscendingOrder)
        )
    results["filter_text_ms"] = 1000 * timed(
        lambda: (window.filter_edit.setText("motor nema"), window.apply_filter())
    )
    results["filter_clear_ms"] = 1000 * timed(
        lambda: (window.filter_edit.setText(""), window.apply_filter())
    )
    results["filter_band_ms"] = 1000 * timed(
        lambda: window.set_facets(Facets(bands=frozenset({"High", "Critical"})))
    )
    results["filter_review_ms"] = 1000 * timed(lambda: window.set_facets(Facets(needs_review=True)))
    results["filter_none_ms"] = 1000 * timed(lambda: window.set_facets(Facets()))
    results["scroll_to_end_ms"] = 1000 * timed(lambda: window.table.scrollToBottom())

    # 4. export the Excel report
    if not args.no_export:
        target = Path(tempfile.mkdtemp(prefix="riskapp-bench-")) / "report.xlsx"
        meter.start()
        t = time.perf_counter()
        window.export("xlsx", str(target))
        wait(window.export_finished)
        results["export_s"] = time.perf_counter() - t
        results["export_stall_ms"] = meter.stop()
        box = getattr(window, "export_box", None)
        if box is not None:
            box.done(0)

    window.close()
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:>10,.{2 if key.endswith('_s') else 1}f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

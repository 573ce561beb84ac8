"""Worker: one route for results and errors, progress on the GUI thread, cancel, no leaks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QThread

from riskapp.core.errors import CancelledError, InputFileError
from riskapp.gui import workers
from riskapp.gui.workers import Worker

from .conftest import drain_workers

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


def add(a: int, b: int, *, on_progress: Progress, should_cancel: Cancel) -> int:
    for i in range(5):
        on_progress(i / 5, f"step {i}")
        time.sleep(0.06)  # longer than the progress throttle
    on_progress(1.0, "done")
    return a + b


def broken(path: str, *, on_progress: Progress, should_cancel: Cancel) -> None:
    raise InputFileError("The file is empty.", file=path)


def waits_for_cancel(*, on_progress: Progress, should_cancel: Cancel) -> str:
    on_progress(0.0, "waiting")
    deadline = time.monotonic() + 10
    while not should_cancel():
        if time.monotonic() > deadline:
            return "never cancelled"
        time.sleep(0.005)
    raise CancelledError()


def ignores_cancel(*, on_progress: Progress, should_cancel: Cancel) -> str:
    while not should_cancel():
        time.sleep(0.005)
    return "finished anyway"


def test_result_and_progress_arrive_on_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    gui_thread = QThread.currentThread()
    seen: list[tuple[float, str, bool]] = []
    worker = Worker(add, 2, b=3)
    worker.progress.connect(lambda f, m: seen.append((f, m, QThread.currentThread() is gui_thread)))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
        assert worker.is_running()
    assert blocker.args == [5]
    assert not worker.is_running()
    assert seen and all(on_gui for _, _, on_gui in seen)
    assert seen[-1][:2] == (1.0, "done")
    assert [f for f, _, _ in seen] == sorted(f for f, _, _ in seen)
    drain_workers()


def test_errors_take_the_same_route(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = Worker(broken, "bom.xlsx")
    finished: list[object] = []
    worker.finished.connect(finished.append)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    error = blocker.args[0]
    assert isinstance(error, InputFileError)
    assert str(error) == "bom.xlsx: The file is empty."
    assert not finished
    drain_workers()


def test_cancel_sets_should_cancel(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = Worker(waits_for_cancel)
    with qtbot.waitSignal(worker.progress, timeout=5000):
        worker.start()
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.cancel()
    assert worker.is_cancelled()
    assert isinstance(blocker.args[0], CancelledError)
    drain_workers()


def test_cancelled_work_that_returns_still_reports_cancelled(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker = Worker(ignores_cancel)
    worker.start()
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.cancel()
    assert isinstance(blocker.args[0], CancelledError)
    drain_workers()


def test_runs_once_and_leaves_no_threads(qtbot) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()

    def job(*, on_progress: Progress, should_cancel: Cancel) -> int:
        started.set()
        return 1

    worker = Worker(job)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert started.is_set()
    with pytest.raises(RuntimeError):
        worker.start()
    drain_workers()
    assert worker not in workers.active_workers()
    assert worker.wait(0)

"""Heavy work in a forked child: results (big frames in slices), errors, cancel, crashes."""

from __future__ import annotations

import os
import signal
import time
import types

import numpy as np
import pandas as pd
import pytest

from riskapp.core.errors import CancelledError, InputFileError
from riskapp.gui import forked, workers

pytestmark = pytest.mark.skipif(not forked.fork_available(), reason="no fork here")


def noop(*_args: object) -> None:
    pass


def never() -> bool:
    return False


def make_frame(n: int, *, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    on_progress(0.5, "half way")
    frame = pd.DataFrame(
        {
            "text": [f"line {i}" for i in range(n)],
            "lists": [(f"why {i}", "because") for i in range(n)],
            "score": np.arange(n, dtype=float) / 7,
            "qty": pd.array([i if i % 3 else None for i in range(n)], dtype="Int64"),
            "name": pd.Series([f"n{i}" for i in range(n)], dtype="str"),
        }
    )
    frame.columns = ["text", "lists", "score", "qty", "name"]
    return {
        "frame": frame,
        "alias": frame,  # the same object travels once
        "series": frame["name"],
        "objects": np.array([f"o{i}" for i in range(n)], dtype=object),
        "proxy": types.MappingProxyType({"a": 1}),
        "pid": os.getpid(),
    }


def test_big_results_come_back_whole() -> None:
    seen: list[tuple[float, str]] = []
    result = forked.run(
        make_frame, 25_000, on_progress=lambda f, m: seen.append((f, m)), should_cancel=never
    )
    expected = make_frame(25_000, on_progress=noop, should_cancel=never)
    assert result["pid"] != os.getpid(), "it ran in a child"
    pd.testing.assert_frame_equal(result["frame"], expected["frame"])
    assert result["alias"] is result["frame"]
    pd.testing.assert_series_equal(result["series"], expected["series"])
    assert result["objects"].tolist() == expected["objects"].tolist()
    assert isinstance(result["proxy"], types.MappingProxyType) and result["proxy"]["a"] == 1
    assert (0.5, "half way") in seen


@pytest.mark.parametrize("whole_rows", [10**6, 1000])
def test_text_columns_come_back_as_arrow_text(
    monkeypatch: pytest.MonkeyPatch, whole_rows: int
) -> None:
    """Arrow text travels as Arrow buffers (whole), or beyond ARROW_WHOLE_ROWS as Python
    strings in slices: either way the same column, dtype included, comes back."""
    monkeypatch.setattr(forked, "ARROW_WHOLE_ROWS", whole_rows)
    result = forked.run(make_frame, 8_000, on_progress=noop, should_cancel=never)
    expected = make_frame(8_000, on_progress=noop, should_cancel=never)
    pd.testing.assert_frame_equal(result["frame"], expected["frame"])
    assert result["frame"]["name"].dtype == expected["frame"]["name"].dtype


def shared_columns(n: int, *, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    lines = pd.DataFrame(
        {
            "score": np.arange(n, dtype=float),
            "text": np.array([f"t{i % 7}" for i in range(n)], dtype=object),
            "qty": np.arange(n, dtype=np.int64),
        }
    )
    shown = lines[["score", "text"]].copy(deep=False)  # as lines.prepare_analysis does
    shown["text"] = shown["text"].str.upper()  # a column of its own
    return {"lines": lines, "shown": shown, "raw": lines["score"].to_numpy()}


def test_columns_two_frames_share_travel_once() -> None:
    """The table's frame and raw arrays view the lines' columns: each travels once, and
    in the parent they share memory again; columns of their own stay their own."""
    result = forked.run(shared_columns, 20_000, on_progress=noop, should_cancel=never)
    expected = shared_columns(20_000, on_progress=noop, should_cancel=never)
    pd.testing.assert_frame_equal(result["lines"], expected["lines"])
    pd.testing.assert_frame_equal(result["shown"], expected["shown"])
    assert np.array_equal(result["raw"], expected["raw"])
    lines, shown = result["lines"], result["shown"]
    assert np.shares_memory(lines["score"].to_numpy(), shown["score"].to_numpy())
    assert np.shares_memory(lines["score"].to_numpy(), result["raw"])
    assert not np.shares_memory(lines["text"].to_numpy(), shown["text"].to_numpy())


def fails(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    raise InputFileError("the file is broken.", file="bom.xlsx", row=3)


def test_domain_errors_keep_their_message() -> None:
    with pytest.raises(InputFileError) as caught:
        forked.run(fails, on_progress=noop, should_cancel=never)
    assert str(caught.value) == "bom.xlsx, row 3: the file is broken."


def waits(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while not should_cancel() and time.monotonic() < deadline:
        time.sleep(0.01)
    raise CancelledError()


def test_cancel_reaches_the_child() -> None:
    start = time.monotonic()
    with pytest.raises(CancelledError):
        forked.run(waits, on_progress=noop, should_cancel=lambda: time.monotonic() - start > 0.3)
    assert time.monotonic() - start < 5


def dies(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_crashed_child_is_a_clear_error() -> None:
    with pytest.raises(forked.WorkerCrashed, match="stopped unexpectedly"):
        forked.run(dies, on_progress=noop, should_cancel=never)


def test_without_fork_it_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forked.FORK_ENV, "off")
    assert forked.run(make_frame, 10, on_progress=noop, should_cancel=never)["pid"] == os.getpid()


def test_dispose_frees_off_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    import weakref

    big = make_frame(30_000, on_progress=noop, should_cancel=never)
    probe = weakref.ref(big["frame"])
    shared = big["objects"]  # still held here: must not be emptied
    workers.dispose(big)
    del big
    qtbot.waitUntil(lambda: not workers.active_workers(), timeout=10_000)
    assert probe() is None
    assert shared[-1] == "o29999"


class _Probe:
    alive = 0

    def __init__(self) -> None:
        _Probe.alive += 1

    def __del__(self) -> None:
        _Probe.alive -= 1


def test_dispose_frees_big_object_arrays_a_slice_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Freed in slices with pauses between them, not in one step when the job ends (which
    held the GIL, and so the GUI thread, for 100-200 ms on a 100k-line analysis)."""
    n = 3 * workers.DISPOSE_CHUNK
    column = np.empty(n, dtype=object)
    column[:] = [_Probe() for _ in range(n)]
    frame = pd.DataFrame({"probe": column, "x": np.arange(n)})
    del column
    seen: list[int] = []
    monkeypatch.setattr(workers.time, "sleep", lambda _s: seen.append(_Probe.alive))
    holder = [{"analysis": frame}]
    del frame
    workers._release(holder, on_progress=noop, should_cancel=never)
    assert _Probe.alive == 0
    assert seen[:3] == [2 * workers.DISPOSE_CHUNK, workers.DISPOSE_CHUNK, 0]


def _pid(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    return os.getpid()


def test_no_fork_while_a_without_forks_job_runs() -> None:
    """A fork waits for a without_forks job (a child must not inherit it half done)."""
    import threading

    release = threading.Event()
    job = forked.without_forks(release.wait, "test-job")
    assert job is not None
    assert forked.without_forks(lambda: None, "second") is None, "one at a time"
    answers: list[object] = []
    runner = threading.Thread(
        target=lambda: answers.append(forked.run(_pid, on_progress=noop, should_cancel=never))
    )
    runner.start()
    runner.join(0.5)
    assert runner.is_alive() and not answers, "the fork waited for the job"
    release.set()
    runner.join(30)
    job.join(5)
    assert answers and answers[0] != os.getpid()
    # and a run waiting for the gate can still be cancelled
    hold = threading.Event()
    job = forked.without_forks(hold.wait, "test-job")
    start = time.monotonic()
    with pytest.raises(CancelledError):
        forked.run(_pid, on_progress=noop, should_cancel=lambda: time.monotonic() - start > 0.2)
    hold.set()
    assert job is not None
    job.join(5)


def test_a_fork_waits_for_a_without_forks_job_only_so_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    monkeypatch.setattr(forked, "NO_FORK_WAIT_S", 0.3)
    hold = threading.Event()
    job = forked.without_forks(hold.wait, "stuck-job")
    try:
        start = time.monotonic()
        child = forked.run(_pid, on_progress=noop, should_cancel=never)
        assert child != os.getpid() and time.monotonic() - start < 5
    finally:
        hold.set()
        assert job is not None
        job.join(5)
    assert forked.without_forks(lambda: None, "after") is not None, "the gate is free again"


def test_after_fork_runs_here_once_the_child_exists() -> None:
    calls: list[int] = []
    child = forked.run(
        _pid, on_progress=noop, should_cancel=never, after_fork=lambda: calls.append(os.getpid())
    )
    assert calls == [os.getpid()] and child != os.getpid()


def _import_handler(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    import builtins

    return builtins.__import__.__qualname__


def test_children_import_without_the_qt_import_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """PySide6 runs Python code on every import statement; a child (no Qt) does without."""
    import builtins

    import riskapp.gui

    hooked = builtins.__import__

    def __import__(*args, **kwargs):  # type: ignore[no-untyped-def]
        return hooked(*args, **kwargs)

    # the handler kept before PySide6 came (pytest-qt loads PySide6 before riskapp.gui)
    monkeypatch.setattr(riskapp.gui, "PLAIN_IMPORT", __import__)
    answer = forked.run(_import_handler, on_progress=noop, should_cancel=never)
    assert answer == __import__.__qualname__
    assert builtins.__import__ is hooked, "this process keeps its own"

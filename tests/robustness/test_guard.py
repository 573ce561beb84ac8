"""The guarded reader: whatever the parser does - crash, abort, eat memory, never finish -
the caller gets one domain error naming the limit, and this process carries on.

The misbehaving parser is simulated by patching ``guard.open_workbook`` before the fork
(the child inherits the patch); the real native failures are built with tests/robustness/
hostile.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import pickle
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskapp.core import guard
from riskapp.core.errors import CancelledError, InputFileError, LimitExceededError
from riskapp.core.readers import Limits, RawWorkbook, open_workbook
from tests.conftest import ROOT, SAMPLE_BOMS
from tests.robustness import hostile

SMALL_XLSX = SAMPLE_BOMS / "robot_arm.xlsx"
SMALL_CSV = SAMPLE_BOMS / "small_parts.csv"

needs_guard = pytest.mark.skipif(not guard.guard_available(), reason="no fork/rlimit here")


def _children() -> set[int]:
    """Live or unreaped children of this process (Linux)."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids.update(int(x) for x in (task / "children").read_text().split())
    return pids


@pytest.fixture
def misbehaving(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[..., Any]], None]:
    def install(fn: Callable[..., Any]) -> None:
        monkeypatch.setattr(guard, "open_workbook", fn)

    return install


def _segfault(path: Any, limits: Any, **_: Any) -> Any:
    return ctypes.string_at(0)


def _abort(path: Any, limits: Any, **_: Any) -> Any:
    os.abort()


def _rust_oom(path: Any, limits: Any, **_: Any) -> Any:
    os.write(2, b"memory allocation of 17179869184 bytes failed\n")
    os.abort()


def _huge_allocation(path: Any, limits: Any, **_: Any) -> Any:
    return bytearray(64 * 1024**3)


def _growing(path: Any, limits: Any, **_: Any) -> Any:
    blocks = []
    while True:
        blocks.append(bytearray(32 * 1024 * 1024))


def _endless(path: Any, limits: Any, **_: Any) -> Any:
    while True:
        time.sleep(0.01)


def _bug(path: Any, limits: Any, **_: Any) -> Any:
    return {}["a reader bug"]


class PanicException(BaseException):
    """What pyo3 raises for a Rust panic (a BaseException, so `except Exception` misses it)."""


def _panic(path: Any, limits: Any, **_: Any) -> Any:
    raise PanicException("called `Option::unwrap()` on a `None` value")


def _vanish(path: Any, limits: Any, **_: Any) -> Any:
    os._exit(3)


@needs_guard
@pytest.mark.parametrize(
    ("reader", "kind", "words"),
    [
        (_segfault, InputFileError, "crashed on this file (a memory fault)"),
        (_abort, InputFileError, "crashed on this file (an abort)"),
        (_rust_oom, LimitExceededError, "(setting: max memory)"),
        (_huge_allocation, LimitExceededError, "(setting: max memory)"),
        (_growing, LimitExceededError, "(setting: max memory)"),
        (_bug, InputFileError, "the reader failed on it (KeyError"),
        (_panic, InputFileError, "the reader failed on it (PanicException"),
        (_vanish, InputFileError, "the reading process stopped early"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v))[:24],
)
def test_a_misbehaving_reader_gives_one_domain_error(
    misbehaving: Callable[[Callable[..., Any]], None],
    reader: Callable[..., Any],
    kind: type[Exception],
    words: str,
) -> None:
    misbehaving(reader)
    before = _children()
    with pytest.raises(kind) as info:
        guard.open_workbook_guarded(SMALL_XLSX, Limits(max_memory_bytes=256 * 1024 * 1024))
    assert type(info.value) is kind
    assert words in str(info.value)
    assert str(info.value).startswith("robot_arm.xlsx: ")
    assert _children() <= before, "the reader child was left behind"


@needs_guard
def test_an_endless_read_is_stopped_at_the_time_limit(
    misbehaving: Callable[[Callable[..., Any]], None],
) -> None:
    misbehaving(_endless)
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match=r"longer than 1 s.*\(setting: max seconds\)"):
        guard.open_workbook_guarded(SMALL_XLSX, Limits(max_seconds=1.0))
    assert time.monotonic() - started < 5


@needs_guard
def test_cancel_stops_a_long_read_at_once(
    misbehaving: Callable[[Callable[..., Any]], None],
) -> None:
    misbehaving(_endless)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        guard.open_workbook_guarded(
            SMALL_XLSX, should_cancel=lambda: time.monotonic() - started > 0.3
        )
    assert time.monotonic() - started < 3


@needs_guard
def test_the_memory_of_a_runaway_read_stays_in_the_child(
    misbehaving: Callable[[Callable[..., Any]], None],
) -> None:
    def rss_mb() -> float:
        return (
            int(Path("/proc/self/statm").read_text().split()[1])
            * os.sysconf("SC_PAGE_SIZE")
            / 2**20
        )

    misbehaving(_growing)
    before = rss_mb()
    with pytest.raises(LimitExceededError):
        guard.open_workbook_guarded(SMALL_XLSX, Limits(max_memory_bytes=512 * 1024 * 1024))
    assert rss_mb() - before < 50


@needs_guard
def test_the_real_native_abort_is_contained(tmp_path: Path) -> None:
    """Cells at A1 and XFD1048576 with no <dimension>: calamine allocates the whole dense
    range and aborts the process. Unguarded that is the app; guarded, one sentence."""
    bomb = hostile.huge_dimension(tmp_path / "two_cells.xlsx", declared=False)
    with pytest.raises(LimitExceededError, match=r"\(setting: max memory\)"):
        guard.open_workbook_guarded(bomb)
    unguarded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from riskapp.core.readers import open_workbook; open_workbook(sys.argv[1])",
            str(bomb),
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert unguarded.returncode == -signal.SIGABRT, unguarded.stderr[-500:]


@pytest.mark.parametrize("path", [SMALL_XLSX, SMALL_CSV], ids=lambda p: p.name)
def test_guarded_and_in_process_reads_are_identical(path: Path) -> None:
    guarded = guard.open_workbook_guarded(path)
    direct = open_workbook(path)
    assert isinstance(guarded, RawWorkbook)
    # the guarded read arrives by column (packed for the pipe): same cells, same types
    for a, b in zip(guarded.sheets, direct.sheets, strict=True):
        grid_a, grid_b = a.grid(), b.grid()
        assert grid_a == grid_b
        assert [[type(v) for v in r] for r in grid_a] == [[type(v) for v in r] for r in grid_b]
        a.cells, a.columns, b.cells = [], None, []
    assert guarded == direct


@needs_guard
def test_the_guard_costs_little_on_a_small_file() -> None:
    """The overhead (fork, pipe, pickle) on a 10 kB workbook; reported in docs/robustness.md."""
    guard.open_workbook_guarded(SMALL_XLSX)  # warm caches
    child, inproc = [], []
    for _ in range(7):
        t = time.perf_counter()
        guard.open_workbook_guarded(SMALL_XLSX)
        child.append(time.perf_counter() - t)
        t = time.perf_counter()
        open_workbook(SMALL_XLSX)
        inproc.append(time.perf_counter() - t)
    overhead = statistics.median(child) - statistics.median(inproc)
    print(f"guard overhead on {SMALL_XLSX.name}: {overhead * 1000:.0f} ms")
    assert overhead < 0.25


@needs_guard
def test_stats_say_how_the_read_went() -> None:
    wb, stats = guard.read_guarded(SMALL_CSV)
    assert stats.mode == "child"
    assert stats.peak_rss_mb is not None and stats.added_mb is not None
    assert stats.added_mb < 100
    assert wb.file_format == "csv"


def test_in_process_fallback_still_gives_domain_errors(
    monkeypatch: pytest.MonkeyPatch, misbehaving: Callable[[Callable[..., Any]], None]
) -> None:
    monkeypatch.setenv(guard.GUARD_ENV, "off")
    assert not guard.guard_available()
    wb, stats = guard.read_guarded(SMALL_XLSX)
    assert stats.mode == "in-process" and wb.sheets
    misbehaving(_bug)
    with pytest.raises(InputFileError, match="the reader failed on it"):
        guard.open_workbook_guarded(SMALL_XLSX)
    misbehaving(_panic)
    with pytest.raises(InputFileError, match="PanicException"):
        guard.open_workbook_guarded(SMALL_XLSX)

    def out_of_memory(path: Any, limits: Any, **_: Any) -> Any:
        raise MemoryError

    misbehaving(out_of_memory)
    with pytest.raises(LimitExceededError, match=r"\(setting: max memory\)"):
        guard.open_workbook_guarded(SMALL_XLSX)


def test_errors_keep_their_place(tmp_path: Path) -> None:
    """A domain error raised in the child arrives whole: class, file, sheet, message."""
    path = hostile.huge_dimension(tmp_path / "dim.xlsx")
    with pytest.raises(LimitExceededError) as info:
        guard.open_workbook_guarded(path)
    assert info.value.location.file == str(path)
    assert "(setting: max cells)" in info.value.message


def test_only_the_readers_types_are_unpickled() -> None:
    for hostile_object in (Path("/etc/passwd"), os.system, subprocess.Popen):
        data = pickle.dumps(hostile_object)
        with pytest.raises(pickle.UnpicklingError):
            guard._Unpickler(io.BytesIO(data)).load()
    wb = open_workbook(SMALL_CSV)
    assert guard._Unpickler(io.BytesIO(pickle.dumps(("ok", wb)))).load()[1] == wb


@needs_guard
def test_reads_in_parallel_threads_do_not_disturb_each_other(
    misbehaving: Callable[[Callable[..., Any]], None],
) -> None:
    """The GUI reads a second BOM (a comparison) while the first is still being read; one
    of them crashing must not hold up or break the other."""
    from concurrent.futures import ThreadPoolExecutor

    real = open_workbook

    def reader(path: Any, limits: Any, **_: Any) -> Any:
        if Path(path).suffix == ".xlsx":
            time.sleep(1.5)
            return real(path, limits)
        os.abort()

    misbehaving(reader)

    def crash() -> float:
        started = time.monotonic()
        with pytest.raises(InputFileError, match="crashed"):
            guard.open_workbook_guarded(SMALL_CSV)
        return time.monotonic() - started

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(guard.open_workbook_guarded, SMALL_XLSX)
        time.sleep(0.2)
        crashed_after = pool.submit(crash).result(timeout=30)
        assert slow.result(timeout=30).sheets
    assert crashed_after < 1.0


@needs_guard
def test_garbage_from_the_child_is_refused(
    misbehaving: Callable[[Callable[..., Any]], None],
) -> None:
    """If the child sent anything but the reader's types (it never should), nothing is
    unpickled, the child is stopped and the message does not blame memory."""

    def smuggle(path: Any, limits: Any, **_: Any) -> Any:
        return RawWorkbook(str(path), "xlsx", [], notes=[Path("/etc/passwd")])  # type: ignore[list-item]

    misbehaving(smuggle)
    with pytest.raises(InputFileError) as info:
        guard.open_workbook_guarded(SMALL_XLSX)
    assert type(info.value) is InputFileError
    assert "stopped early" in info.value.message

"""Reading files from outside in a guarded child process.

A spreadsheet a buyer receives may be damaged or built to attack readers. The native parser
(calamine, in Rust) can be made to allocate without bound or abort the whole process, and a
Python-level parse can be made slow. So on Linux :func:`open_workbook_guarded` forks a child
that runs :func:`riskapp.core.readers.open_workbook` with

* a memory cap: ``RLIMIT_AS`` set to the child's address space at the fork plus
  ``Limits.max_memory_bytes``; an allocation beyond it fails inside the child only;
* a time limit: a watchdog thread kills the child after ``Limits.max_seconds`` (and at once
  when ``should_cancel()`` turns true, so a GUI Cancel button stops a long read);
* its own stderr: a Rust panic or abort message is captured, never shown as a traceback.

The child sends the :class:`RawWorkbook` (or the domain error) back through a pipe as a
pickle, read with an unpickler that only accepts the reader's own types. Whatever happens to
the child - killed, crashed, out of memory - the caller gets one :class:`InputFileError`
(or :class:`LimitExceededError` naming the limit) and the app carries on.

Why fork and not a fresh interpreter: fork costs a few milliseconds and needs no second
start-up of Python and the app (which a frozen, PyInstaller-built app cannot easily do);
the child does nothing but parse and write to a pipe, so the threads of the parent (Qt's,
the GUI's workers) are not needed in it. Elsewhere (Windows has no fork; macOS neither
enforces ``RLIMIT_AS`` nor forks safely with Cocoa loaded) the file is read in-process
after the same pre-checks (sizes, zip inflation, claimed dimensions, DTDs); the time limit
is then checked between sheets and while reading CSV. ``RISKAPP_PARSE_GUARD=off`` forces the
in-process read (for debugging). See docs/robustness.md.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import logging
import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, NoReturn

from riskapp.core.errors import (
    CancelledError,
    InputFileError,
    LimitExceededError,
    RiskappError,
    UsageError,
)
from riskapp.core.logsetup import Safe
from riskapp.core.readers import (
    Limits,
    RawWorkbook,
    memory_limit_message,
    open_workbook,
    time_limit_message,
)

log = logging.getLogger(__name__)

GUARD_ENV = "RISKAPP_PARSE_GUARD"
"""Set to ``off`` to read in-process even where the guard is available."""

_EXIT_FAILED = 70
_EXIT_MEMORY = 71
_STDERR_KEEP = 16_384
_POLL_SECONDS = 0.05
_DYING_SECONDS = 5.0  # a child whose pipe closed gets this long to finish exiting
_CRASH_SIGNALS = {
    signal.SIGSEGV: "a memory fault",
    signal.SIGABRT: "an abort",
    signal.SIGBUS: "a bus error",
    signal.SIGILL: "an illegal instruction",
    signal.SIGFPE: "an arithmetic fault",
}


@dataclass(frozen=True)
class ReadStats:
    """How one read went (for logs, benchmarks and tests)."""

    mode: str  # "child" or "in-process"
    seconds: float
    peak_rss_mb: float | None = None  # the child's peak resident memory (None in-process)
    base_rss_mb: float | None = None  # what it had at the fork, shared with this process

    @property
    def added_mb(self) -> float | None:
        """Memory the read itself took (the child's peak less what it inherited)."""
        if self.peak_rss_mb is None or self.base_rss_mb is None:
            return None
        return max(0.0, self.peak_rss_mb - self.base_rss_mb)


def guard_available() -> bool:
    """True where reads run in a forked child with a memory cap (Linux)."""
    if os.environ.get(GUARD_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def open_workbook_guarded(
    path: str | Path,
    limits: Limits | None = None,
    *,
    should_cancel: Callable[[], bool] | None = None,
) -> RawWorkbook:
    """Read a file from outside like :func:`open_workbook`, but so that a crash, runaway
    memory or endless parse in the reader cannot take this process down.

    Raises InputFileError (one clear sentence) for anything unreadable, LimitExceededError
    naming the setting for a limit hit (including max memory and max seconds), and
    CancelledError when ``should_cancel()`` turns true during the read. ``should_cancel``
    is polled from a watchdog thread, so it must be thread-safe (a flag read is).
    """
    return read_guarded(path, limits, should_cancel=should_cancel)[0]


def read_guarded(
    path: str | Path,
    limits: Limits | None = None,
    *,
    should_cancel: Callable[[], bool] | None = None,
) -> tuple[RawWorkbook, ReadStats]:
    """:func:`open_workbook_guarded` plus how the read went."""
    limits = limits or Limits()
    if should_cancel is not None and should_cancel():
        raise CancelledError()
    started = time.perf_counter()
    if guard_available():
        wb, peak, base = _read_in_child(Path(path), limits, should_cancel)
        stats = ReadStats("child", time.perf_counter() - started, peak, base)
    else:
        wb = _read_in_process(Path(path), limits)
        stats = ReadStats("in-process", time.perf_counter() - started)
        if should_cancel is not None and should_cancel():
            raise CancelledError()
    cells = sum(s.n_rows * s.n_cols for s in wb.sheets)
    log.info(
        "read %s: %s, %d sheet(s), %d cells in %.2f s (%s, reader added %s MB)",
        _name(path),
        Safe(wb.file_format),
        len(wb.sheets),
        cells,
        stats.seconds,
        Safe(stats.mode),
        round(stats.added_mb) if stats.added_mb is not None else None,
    )
    return wb, stats


# ------------------------------------------------------------------------- in-process


def _read_in_process(path: Path, limits: Limits) -> RawWorkbook:
    try:
        return open_workbook(path, limits)
    except RiskappError:
        raise
    except MemoryError:
        raise LimitExceededError(memory_limit_message(limits), file=str(path)) from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a reader bug or a Rust panic (pyo3's is a BaseException)
        log.info("reader failed on %s: %s", _name(path), Safe(type(exc).__name__), exc_info=True)
        raise InputFileError(_unexpected_message(_describe(exc)), file=str(path)) from None


def _name(path: str | Path) -> PurePath:
    """A file's name as the log may show it (see logsetup)."""
    return PurePath(Path(path).name)


def _unexpected_message(detail: str) -> str:
    return (
        f"the file could not be read: the reader failed on it ({detail}). It may be damaged "
        "or in an unusual form; open it in Excel or LibreOffice and save a fresh copy as .xlsx."
    )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0][:160] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# ----------------------------------------------------------------------------- child


def _read_in_child(
    path: Path, limits: Limits, should_cancel: Callable[[], bool] | None
) -> tuple[RawWorkbook, float, float]:
    # loaded before the fork, so that the child imports nothing
    import ctypes  # noqa: F401
    import resource  # noqa: F401

    import python_calamine  # noqa: F401

    with contextlib.suppress(ImportError):  # optional: xlsxparts.read_part
        from isal import isal_zlib  # noqa: F401

    name = str(path)
    base_mb = _resident_mb()
    data_r, data_w = os.pipe()
    err_r, err_w = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that fork() with threads alive may deadlock the child; ours
        # runs only the reader (no locks of other threads) and is killed at the deadline.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        os.close(data_r)
        os.close(err_r)
        _child_main(name, limits, data_w, err_w)
    os.close(data_w)
    os.close(err_w)
    watchdog = _Watchdog(pid, err_r, time.monotonic() + limits.max_seconds, should_cancel)
    watchdog.start()
    payload: Any = None
    load_error: BaseException | None = None
    try:
        with os.fdopen(data_r, "rb", buffering=1 << 20) as fh:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # millions of new lists: collecting during the load triples its time
            try:
                payload = _Unpickler(fh).load()
            except Exception as exc:  # truncated or garbled: the child died or was killed
                load_error = exc
            finally:
                if gc_was_enabled:
                    gc.enable()
    finally:
        if payload is None:
            # The pipe closed early: the child is dying (give it a moment to finish, its
            # exit status says why) - or we are leaving on Ctrl-C: it must not linger.
            if load_error is None or not _exits_within(pid, _DYING_SECONDS):
                watchdog.kill(None)
        # wait for the exit without reaping, so the watchdog can never signal a reused pid
        _wait_exited(pid)
        watchdog.stop()
        _, status, usage = os.wait4(pid, 0)
    peak_mb = usage.ru_maxrss / 1024
    if isinstance(payload, tuple) and len(payload) == 2:
        kind, body = payload
        if kind == "ok" and isinstance(body, RawWorkbook):
            # the sheets stay packed until used: sheet_frames builds the display text
            # from the compact form, and a sheet nobody looks at is never unpacked
            return body, peak_mb, base_mb
        if kind == "error" and isinstance(body, tuple):
            raise _rebuild_error(body)
        if kind == "crash":
            log.info("reader failed in the child on %s: %s", _name(path), body)
            raise InputFileError(_unexpected_message(str(body)), file=name)
    if watchdog.reason == "cancel":
        raise CancelledError()
    if watchdog.reason == "time":
        raise LimitExceededError(time_limit_message(limits), file=name)
    stderr = watchdog.stderr.decode("utf-8", "replace")
    if stderr.strip():
        log.info(
            "reader child on %s wrote %d bytes to stderr, first line: %s",
            _name(path),
            len(stderr),
            stderr.strip().splitlines()[0][:200],
        )
    if _out_of_memory(status, stderr, killed_by_us=watchdog.killed):
        raise LimitExceededError(memory_limit_message(limits), file=name)
    if os.WIFSIGNALED(status) and not watchdog.killed:
        sig = os.WTERMSIG(status)
        what = _CRASH_SIGNALS.get(signal.Signals(sig), f"signal {sig}")
        log.info("reader child crashed on %s with signal %d", _name(path), sig)
        raise InputFileError(
            f"the spreadsheet reader crashed on this file ({what}); it is damaged or built to "
            "attack spreadsheet readers. riskapp itself is unaffected. Open it in Excel or "
            "LibreOffice and save a fresh copy as .xlsx.",
            file=name,
        )
    log.info(
        "reader child on %s ended with status %d, payload %s",
        _name(path),
        os.waitstatus_to_exitcode(status),
        Safe(type(load_error).__name__ if load_error else type(payload).__name__),
    )
    raise InputFileError(_unexpected_message("the reading process stopped early"), file=name)


def _resident_mb() -> float:
    """This process's resident memory now (Linux), which a forked child starts with."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


def _out_of_memory(status: int, stderr: str, *, killed_by_us: bool) -> bool:
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _EXIT_MEMORY:
        return True
    text = stderr.lower()
    if "memory allocation of" in text or "out of memory" in text or "memoryerror" in text:
        return True
    # a SIGKILL we did not send: the kernel's OOM killer
    return not killed_by_us and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _exits_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _has_exited(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _has_exited(pid: int) -> bool:
    """True if the child has ended (not reaped: its pid stays ours until wait4)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _wait_exited(pid: int) -> None:
    while True:
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            return
        except ChildProcessError:
            return
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
            continue


def _child_main(name: str, limits: Limits, data_w: int, err_w: int) -> NoReturn:  # pragma: no cover
    """The child's whole life: read, send, exit. Never returns, never runs atexit hooks."""
    code = _EXIT_FAILED
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides
        faulthandler.disable()  # a crash here is reported by the parent, not dumped on a tty
        os.dup2(err_w, 2)
        os.close(err_w)
        _close_other_fds(keep={0, 1, 2, data_w})
        _die_with_parent()
        gc.disable()  # a short-lived process building millions of lists
        _cap_memory(limits.max_memory_bytes)
        payload: tuple[str, Any]
        try:
            wb = open_workbook(name, limits, packed=True, piece_setup=_piece_setup)
            for sheet in wb.sheets:
                sheet.pack()  # CSV sheets too: compact for the pipe; the parent unpacks
            payload = ("ok", wb)
        except RiskappError as exc:
            payload = ("error", _error_fields(exc))
        except MemoryError:
            os._exit(_EXIT_MEMORY)
        except (KeyboardInterrupt, SystemExit):
            os._exit(_EXIT_FAILED)
        except BaseException as exc:  # a reader bug or a Rust panic (pyo3's is a BaseException)
            payload = ("crash", _describe(exc))
        with os.fdopen(data_w, "wb", buffering=1 << 20) as fh:
            pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = True  # no memo: the grid has no shared or cyclic objects
            pickler.dump(payload)
        code = 0
    except MemoryError:
        code = _EXIT_MEMORY
    except BaseException:
        code = _EXIT_FAILED
    os._exit(code)


def _close_other_fds(keep: set[int]) -> None:  # pragma: no cover - runs in the child
    """Close what the child inherited (other readers' pipes, the log file, Qt's sockets):
    a pipe end held open here would keep another read from seeing its child die."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        fds = list(range(3, 1024))
    for fd in fds:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _piece_setup(keep: set[int]) -> None:  # pragma: no cover - runs in a piece's process
    """A piece of a big sheet parsed in a process of its own (see readers._Pieces): only
    its pipe and stderr stay open, and it dies with the reader child (the memory cap and
    ignored Ctrl-C it inherits)."""
    _close_other_fds(keep | {0, 1, 2})
    _die_with_parent()


def _cap_memory(budget: int) -> None:  # pragma: no cover - runs in the child
    import resource

    if budget <= 0:
        return
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        base = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        base = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = base + budget
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: if the thread that forked us dies (GUI killed), the child is killed too."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _error_fields(exc: RiskappError) -> tuple[str, str, str, str, int | None, str]:
    loc = exc.location
    return (type(exc).__name__, exc.message, loc.file, loc.sheet, loc.row, loc.column)


_ERROR_CLASSES: dict[str, type[RiskappError]] = {
    "InputFileError": InputFileError,
    "LimitExceededError": LimitExceededError,
    "UsageError": UsageError,
}


def _rebuild_error(fields: tuple[Any, ...]) -> RiskappError:
    kind, message, file, sheet, row, column = fields
    cls = _ERROR_CLASSES.get(str(kind), InputFileError)
    return cls(
        str(message),
        file=str(file),
        sheet=str(sheet),
        row=row if isinstance(row, int) else None,
        column=str(column),
    )


class _Unpickler(pickle.Unpickler):
    """Accepts only what the reader produces; anything else is refused, not imported."""

    _ALLOWED: frozenset[tuple[str, str]] = frozenset(
        {
            ("riskapp.core.readers", "RawWorkbook"),
            ("riskapp.core.readers", "RawSheet"),
            ("builtins", "set"),
            ("builtins", "frozenset"),
            ("datetime", "date"),
            ("datetime", "datetime"),
            ("datetime", "time"),
            ("datetime", "timedelta"),
            ("datetime", "timezone"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"unexpected type {module}.{name} from the reader")
        return super().find_class(module, name)


class _Watchdog(threading.Thread):
    """Drains the child's stderr; kills the child at the deadline or on cancel."""

    def __init__(
        self,
        pid: int,
        err_fd: int,
        deadline: float,
        should_cancel: Callable[[], bool] | None,
    ) -> None:
        super().__init__(name="riskapp-reader-watchdog", daemon=True)
        self.pid = pid
        self.err_fd: int | None = err_fd
        self.deadline = deadline
        self.should_cancel = should_cancel
        self.reason: str | None = None
        self.stderr = b""
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._killed = False

    @property
    def killed(self) -> bool:
        """True once this watchdog (or the reader leaving early) sent SIGKILL."""
        return self._killed

    def kill(self, reason: str | None) -> None:
        with self._lock:
            if self._killed:
                return
            self._killed = True
            if reason is not None and self.reason is None:
                self.reason = reason
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                if self.err_fd is not None:
                    ready, _, _ = select.select([self.err_fd], [], [], _POLL_SECONDS)
                    if ready:
                        self._drain()
                else:
                    self._stop_event.wait(_POLL_SECONDS)
                if self._killed:
                    continue
                if time.monotonic() > self.deadline:
                    self.kill("time")
                elif self.should_cancel is not None and self._cancelled():
                    self.kill("cancel")
        finally:
            if self.err_fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self.err_fd)
                self.err_fd = None

    def _drain(self) -> None:
        assert self.err_fd is not None
        try:
            data = os.read(self.err_fd, 65_536)
        except OSError:
            data = b""
        if not data:
            os.close(self.err_fd)
            self.err_fd = None
            return
        if len(self.stderr) < _STDERR_KEEP:
            self.stderr += data[: _STDERR_KEEP - len(self.stderr)]

    def _cancelled(self) -> bool:
        assert self.should_cancel is not None
        try:
            return bool(self.should_cancel())
        except Exception:
            return False

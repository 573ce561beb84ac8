"""Run a heavy core call in a forked child process so the GUI never waits for the GIL.

A worker *thread* keeps the window responsive only while the work releases Python's GIL.
Much of pandas does not: on a 100,000-line BOM single calls in import, tagging and the
report writer hold it for 0.2–2.5 s, and the GUI thread stalls that long (measured with
``benchmarks/bench_gui.py``). So on Linux the worker thread forks: the child inherits the
whole process (the analysis in memory, the cached reference data) without copying,
runs the core function, and sends back progress and the result through a pipe; the
thread only waits on the pipe. Large frames come back column by column, object columns in
slices of :data:`CHUNK_ROWS` rows, so unpickling them never holds the GIL for long.

Cancel: ``should_cancel()`` turning true sends SIGTERM; the child's ``should_cancel``
then answers True (the core stops at its next check and cleans up its temporary files);
a child that does not stop within :data:`KILL_AFTER_S` is killed.

Elsewhere (Windows has no fork; macOS must not fork a Cocoa process) or with
``RISKAPP_FORK=off`` the function simply runs in the calling thread. The child never
touches Qt and always ends with ``os._exit``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback
import types
import warnings
from collections.abc import Callable
from typing import Any

from riskapp.core.errors import CancelledError, RiskappError

log = logging.getLogger(__name__)

FORK_ENV = "RISKAPP_FORK"
CHUNK_BYTES = 64 * 1024
"""Object columns travel in slices of about this many pickled bytes (a few ms to unpickle
each: the time goes with the number of Python objects, which goes with the bytes)."""
FRAME_MIN_ROWS = 5_000
"""Frames with fewer rows travel inside the result pickle."""
ARROW_WHOLE_ROWS = 400_000
"""Arrow-backed text columns up to this many rows travel as Arrow buffers in one piece
(unpickling one takes ~2 ms per 100,000 rows, so the GUI never waits long for it)."""
KILL_AFTER_S = 10.0
PROGRESS_EVERY_S = 0.05
_HEADER = struct.Struct("!Q")


class WorkerCrashed(RiskappError):
    """The child process ended without an answer (crashed, killed, out of memory)."""


def fork_available() -> bool:
    """True where heavy work runs in a forked child (Linux, unless RISKAPP_FORK=off)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and os.environ.get(FORK_ENV, "on").strip().lower() not in ("off", "0", "no")
    )


_NO_FORK = threading.Lock()
"""Held while a :func:`without_forks` job runs: :func:`run` waits for it before forking."""


def without_forks(job: Callable[[], Any], name: str) -> threading.Thread | None:
    """Run *job* on a daemon thread during which :func:`run` forks nothing (it waits).

    For work that imports modules or fills caches: a child forked halfway through would
    inherit it half done (a module half imported, its lock held by a thread the child does
    not have). None, and nothing started, when such a job is already running.
    """
    if not _NO_FORK.acquire(blocking=False):
        return None

    def work() -> None:
        try:
            job()
        except Exception:  # pragma: no cover - a job reports its own failures
            log.warning("Background job %s failed", name, exc_info=True)
        finally:
            _NO_FORK.release()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


NO_FORK_WAIT_S = 30.0
"""A fork waits at most this long for a without_forks job (a warm-up takes ~1.3 s), then
goes ahead: better a child that may inherit a half-filled cache than a run that hangs."""


def _wait_for_forks(should_cancel: Callable[[], bool]) -> bool:
    """Wait until no without_forks job runs (True: the gate is held, release it after the
    fork), or give up after NO_FORK_WAIT_S (False). CancelledError when cancelled."""
    deadline = time.monotonic() + NO_FORK_WAIT_S
    while not _NO_FORK.acquire(timeout=0.05):
        if should_cancel():
            raise CancelledError()
        if time.monotonic() > deadline:
            log.warning("Forking while a background job still runs (waited %.0f s)", NO_FORK_WAIT_S)
            return False
    return True


def run(
    fn: Callable[..., Any],
    *args: Any,
    on_progress: Callable[[float, str], None],
    should_cancel: Callable[[], bool],
    after_fork: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """``fn(*args, on_progress=..., should_cancel=..., **kwargs)`` in a forked child when
    :func:`fork_available`, else right here; the result or the exception either way.
    *after_fork* is called in this process once the child exists (not when run here)."""
    if not fork_available():
        return fn(*args, on_progress=on_progress, should_cancel=should_cancel, **kwargs)
    held = _wait_for_forks(should_cancel)
    pid = -1
    try:
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock the child.
            # Ours only runs pure-Python/pandas code, never Qt, and leaves with os._exit.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child(write_fd, fn, args, kwargs)
    finally:
        if pid != 0 and held:
            _NO_FORK.release()
    os.close(write_fd)
    if after_fork is not None:
        try:
            after_fork()
        except Exception:  # the child runs on whatever happens here
            log.warning("after_fork failed", exc_info=True)
    try:
        return _parent(pid, read_fd, on_progress, should_cancel)
    finally:
        os.close(read_fd)


# --------------------------------------------------------------------------- the child


def _proxy(mapping: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(mapping)


def _plain_imports() -> None:
    """In a child, which never touches Qt: import statements without PySide6's handler."""
    import builtins

    from riskapp.gui import PLAIN_IMPORT

    if getattr(PLAIN_IMPORT, "__name__", "") == "__import__":  # kept before PySide6 came
        builtins.__import__ = PLAIN_IMPORT


def _child(fd: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    code = 0
    stop = [False]
    try:
        _plain_imports()
        signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        out = _Sender(fd)
        last = [0.0]

        def progress(fraction: float, message: str = "") -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or fraction >= 1.0:
                last[0] = now
                out.send(("progress", float(fraction), str(message)))

        try:
            result = fn(*args, on_progress=progress, should_cancel=lambda: stop[0], **kwargs)
        except BaseException as exc:
            out.send(("error", _portable_error(exc)))
        else:
            out.send_result(result)
    except BaseException:  # the pipe broke (the parent is gone) or pickling failed
        code = 1
        with contextlib.suppress(BaseException):
            sys.stderr.write(traceback.format_exc())
    finally:
        os._exit(code)


def _portable_error(exc: BaseException) -> BaseException:
    """The exception itself when it pickles, else a RuntimeError carrying its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        exc.__traceback_text__ = "".join(traceback.format_exception(exc))  # type: ignore[attr-defined]
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        error = RuntimeError(f"{type(exc).__name__}: {exc}")
        error.__traceback_text__ = text  # type: ignore[attr-defined]
        return error


class _Sender:
    """Writes length-prefixed pickles to the pipe; big frames column by column first."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.sent: set[int] = set()
        # arrays already sent, by the memory they view: a column shared by two frames
        # (the lines and the table's copy of them) travels once
        self.memory: dict[tuple[Any, ...], tuple[int, int, Any]] = {}

    def _sent_before(self, key: int, j: int, values: Any) -> bool:
        """Tell the parent to reuse an array it has already had (same memory), or note
        this one as sent."""
        where = _memory_of(values)
        if where is None:
            return False
        if where in self.memory:
            self.send(("same", key, j, *self.memory[where][:2]))
            return True
        # the array is kept: its memory must not be freed and reused by another during
        # the send (to_numpy may have made a copy)
        self.memory[where] = (key, j, values)
        return False

    def _write(self, payload: bytes) -> None:
        data = memoryview(_HEADER.pack(len(payload)) + payload)
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def send(self, message: Any) -> None:
        self._write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def send_result(self, result: Any) -> None:
        import io

        import pandas as pd

        sender = self

        import numpy as np

        class _Pickler(pickle.Pickler):
            def persistent_id(self, obj: Any) -> Any:
                if isinstance(obj, pd.DataFrame) and len(obj) >= FRAME_MIN_ROWS:
                    key = id(obj)
                    if key not in sender.sent:
                        sender.send_frame(key, obj)
                        sender.sent.add(key)
                    return ("frame", key)
                if isinstance(obj, pd.Series) and len(obj) >= FRAME_MIN_ROWS:
                    key = id(obj)
                    if key not in sender.sent:
                        sender.send_frame(key, obj.to_frame(), series=True)
                        sender.sent.add(key)
                    return ("frame", key)
                if type(obj) is np.ndarray and obj.ndim in (1, 2) and len(obj) >= FRAME_MIN_ROWS:
                    key = id(obj)
                    if key not in sender.sent:
                        sender.send_array(key, obj)
                        sender.sent.add(key)
                    return ("frame", key)
                return None

            def reducer_override(self, obj: Any) -> Any:
                if type(obj) is types.MappingProxyType:
                    return (_proxy, (dict(obj),))
                return NotImplemented

        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
        self._write(b"R" + buffer.getvalue())

    def send_array(self, key: int, array: Any) -> None:
        if self._sent_before(key, 0, array):
            self.send(("array", key))
            return
        step = _chunk_rows(array)
        for k, start in enumerate(range(0, len(array), step)):
            self.send(("column", key, 0, k, array[start : start + step]))
        self.send(("array", key))

    def send_frame(self, key: int, frame: Any, series: bool = False) -> None:
        import numpy as np
        import pandas as pd

        n = len(frame)
        rebuild: dict[int, Any] = {}
        for j in range(frame.shape[1]):
            column = frame.iloc[:, j]
            if isinstance(column.dtype, np.dtype):
                values = column.to_numpy()
            elif _arrow_backed(column.dtype) and n <= ARROW_WHOLE_ROWS:
                # Arrow buffers travel as they are, whole: ~2 ms a 100,000-row text column
                # to unpickle (as Python strings it took ~60 ms, plus turning them back)
                values = column.array
                self.send(("column", key, j, 0, values))
                continue
            elif isinstance(column.dtype, pd.StringDtype):
                # a very long text column: as Python strings in slices, turned back into
                # Arrow strings a slice at a time, so no single unpickle is long
                rebuild[j] = column.dtype
                values = column.to_numpy(dtype=object)
            else:
                values = column.array
            if j not in rebuild and self._sent_before(key, j, values):
                continue
            step = _chunk_rows(values)
            for k, start in enumerate(range(0, max(n, 1), step)):
                self.send(("column", key, j, k, values[start : start + step]))
        self.send(("frame", key, frame.columns, frame.index, frame.shape[1], rebuild, series))


def _memory_of(values: Any) -> tuple[Any, ...] | None:
    """Where a numpy array's data lives (address, shape, strides, type): two arrays with
    the same are the same values. None for other arrays and empty ones."""
    import numpy as np

    if type(values) is not np.ndarray or values.size == 0:
        return None
    return (
        values.__array_interface__["data"][0],
        values.shape,
        values.strides,
        values.dtype.str,
    )


def _arrow_backed(dtype: Any) -> bool:
    return getattr(dtype, "storage", None) == "pyarrow"


def _chunk_rows(values: Any) -> int:
    """Rows per slice: all of a numeric array, ~CHUNK_BYTES worth of an object one."""
    import numpy as np

    n = len(values)
    if not (isinstance(values, np.ndarray) and values.dtype.kind == "O") or n <= 1000:
        return max(n, 1)
    sample = len(pickle.dumps(values[:1000], protocol=pickle.HIGHEST_PROTOCOL))
    return int(min(max(1000 * CHUNK_BYTES // max(sample, 1), 500), 20_000))


# --------------------------------------------------------------------------- the parent


def _parent(
    pid: int,
    fd: int,
    on_progress: Callable[[float, str], None],
    should_cancel: Callable[[], bool],
) -> Any:
    buffer = bytearray()
    columns: dict[int, dict[int, list[Any]]] = {}
    frames: dict[int, Any] = {}
    received: dict[tuple[int, int], Any] = {}  # (frame or array, column) -> the array
    outcome: list[tuple[str, Any]] = []
    cancelled_at: float | None = None
    try:
        while True:
            if cancelled_at is None and should_cancel():
                cancelled_at = time.monotonic()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            elif cancelled_at is not None and time.monotonic() - cancelled_at > KILL_AFTER_S:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                break
            buffer += data
            while len(buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(buffer)
                if len(buffer) < _HEADER.size + size:
                    break
                payload = bytes(buffer[_HEADER.size : _HEADER.size + size])
                del buffer[: _HEADER.size + size]
                _handle(payload, columns, frames, outcome, on_progress, received)
    finally:
        _reap(pid)
    if outcome:
        kind, value = outcome[-1]
        if kind == "error":
            raise value
        return value
    if cancelled_at is not None:
        raise CancelledError()
    raise WorkerCrashed(
        "the work stopped unexpectedly (the process doing it ended without an answer). "
        "Your files were not changed; please try again."
    )


def _handle(
    payload: bytes,
    columns: dict[int, dict[int, list[Any]]],
    frames: dict[int, Any],
    outcome: list[tuple[str, Any]],
    on_progress: Callable[[float, str], None],
    received: dict[tuple[int, int], Any],
) -> None:
    if payload[:1] == b"R":
        outcome.append(("result", _load_result(payload[1:], frames)))
        return
    message = pickle.loads(payload)
    kind = message[0]
    if kind == "progress":
        on_progress(message[1], message[2])
    elif kind == "column":
        _, key, j, _k, values = message
        columns.setdefault(key, {}).setdefault(j, []).append(values)
    elif kind == "same":
        _, key, j, from_key, from_j = message
        columns.setdefault(key, {})[j] = [received[(from_key, from_j)]]
    elif kind == "frame":
        _, key, names, index, width, rebuild, series = message
        frame = _assemble(columns.pop(key, {}), names, index, width, rebuild, received, key)
        frames[key] = frame.iloc[:, 0] if series else frame
    elif kind == "array":
        import numpy as np

        chunks = columns.pop(message[1], {}).get(0, [])
        array = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        frames[message[1]] = received[(message[1], 0)] = array
    elif kind == "error":
        outcome.append(("error", message[1]))


def _assemble(
    parts: dict[int, list[Any]],
    names: Any,
    index: Any,
    width: int,
    rebuild: dict[int, Any],
    received: dict[tuple[int, int], Any],
    key: int,
) -> Any:
    """A frame from its columns, one block per column: no consolidation, which would copy
    (and for object columns touch) every value in one long step. Each column is noted in
    `received`, for later frames that share it."""
    import numpy as np
    import pandas as pd

    arrays = []
    for j in range(width):
        chunks = parts.get(j, [])
        if j in rebuild:
            chunks = [pd.array(c, dtype=rebuild[j]) for c in chunks]
        if len(chunks) == 1:
            arrays.append(chunks[0])
        elif isinstance(chunks[0], np.ndarray):
            arrays.append(np.concatenate(chunks))
        else:
            arrays.append(type(chunks[0])._concat_same_type(chunks))
        if isinstance(arrays[-1], np.ndarray):
            received[(key, j)] = arrays[-1]
    try:
        from pandas.api.internals import create_dataframe_from_blocks
    except ImportError:  # pandas < 3
        frame = pd.DataFrame(dict(enumerate(arrays)), index=index, copy=False)
        frame.columns = names
        return frame
    blocks = [
        (a.reshape(1, -1) if isinstance(a, np.ndarray) else a, np.array([j], dtype=np.intp))
        for j, a in enumerate(arrays)
    ]
    return create_dataframe_from_blocks(blocks, index=index, columns=names)


def _load_result(payload: bytes, frames: dict[int, Any]) -> Any:
    import io

    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> Any:
            kind, key = pid
            if kind != "frame" or key not in frames:
                raise pickle.UnpicklingError(f"unknown frame {pid!r}")
            return frames[key]

    return _Unpickler(io.BytesIO(payload)).load()


def _reap(pid: int) -> None:
    """Wait for the child (killing it if it is still there after its answer)."""
    deadline = time.monotonic() + 5.0
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            return
        time.sleep(0.01)

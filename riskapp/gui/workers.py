"""Run a core function off the GUI thread, with progress and cancel (after Picard/Orange).

Core functions know nothing of Qt: they take ``on_progress(fraction, message)`` and
``should_cancel()`` keyword arguments. :class:`Worker` runs any such function on
``QThreadPool.globalInstance()`` and hands *every* outcome — the result or the exception,
including :class:`~riskapp.core.errors.CancelledError` — back to the GUI thread through
one queued route, so the receiving widget only ever sees ``finished`` or ``failed``::

    worker = Worker(import_bom, path)
    worker.progress.connect(progress_bar_update)
    worker.finished.connect(show_lines)
    worker.failed.connect(show_error)
    worker.start()
    ...
    worker.cancel()   # should_cancel() now returns True; the function raises CancelledError

Threading rule (as in Picard's ``thread.py``): the pool thread never holds a strong
reference to a QObject. It posts to one long-lived dispatcher with a *weak* reference to
its Worker, and the Worker is kept alive by the GUI thread until its outcome is
delivered — so a Worker is always destroyed on the thread it lives in.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal, Slot

from riskapp.core.errors import CancelledError

log = logging.getLogger(__name__)

MIN_THREADS = 6
"""The pool runs at least this many jobs at once (analysis, comparison, export, clean-up)."""
PROGRESS_INTERVAL_S = 0.05
"""Progress reports closer together than this (same message) are dropped."""

_ACTIVE: set[Worker] = set()
"""Workers started and not yet delivered; keeps them alive while their thread runs."""


def active_workers() -> list[Worker]:
    """Workers whose outcome has not been delivered to the GUI thread yet."""
    return list(_ACTIVE)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until every worker thread has returned (True) or the timeout passed (False)."""
    deadline = time.monotonic() + timeout_ms / 1000
    for worker in list(_ACTIVE):
        remaining = max(0.0, deadline - time.monotonic())
        if not worker.wait(int(remaining * 1000)):
            return False
    return True


class _Dispatcher(QObject):
    """Lives on the GUI thread for the whole application; carries messages from pool threads."""

    progress = Signal(object, float, str)  # weakref to a Worker, fraction, message
    outcome = Signal(object, object, object)  # weakref to a Worker, result, error

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.outcome.connect(self._on_outcome, Qt.ConnectionType.QueuedConnection)

    @Slot(object, float, str)
    def _on_progress(self, ref: weakref.ref[Worker], fraction: float, message: str) -> None:
        worker = ref()
        if worker is not None:
            worker._deliver_progress(fraction, message)

    @Slot(object, object, object)
    def _on_outcome(self, ref: weakref.ref[Worker], result: object, error: object) -> None:
        worker = ref()
        if worker is not None:
            worker._deliver_outcome(result, error)


_dispatcher: _Dispatcher | None = None


def _get_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher(QCoreApplication.instance())
    return _dispatcher


class Worker(QObject):
    """Runs ``fn(*args, on_progress=..., should_cancel=..., **kwargs)`` in a pool thread.

    Create, connect and start it on the GUI thread.

    Signals (all emitted on the GUI thread):
        progress(float, str): fraction done in [0, 1] and a short message.
        finished(object): the function's return value.
        failed(object): the exception it raised; ``CancelledError`` after :meth:`cancel`.

    Exactly one of ``finished`` / ``failed`` is emitted per :meth:`start`.
    """

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._cancel = threading.Event()
        self._returned = threading.Event()
        self._started = False
        self._delivered = False

    # -- control from the GUI thread -----------------------------------------------------
    def start(self) -> None:
        """Queue the function on the global thread pool (once)."""
        if self._started:
            raise RuntimeError("a Worker runs once; make a new one")
        self._started = True
        _ACTIVE.add(self)
        pool = QThreadPool.globalInstance()
        if pool.maxThreadCount() < MIN_THREADS:
            # Most jobs wait on a child process; a queued analysis must not wait for them.
            pool.setMaxThreadCount(MIN_THREADS)
        task = _task(
            weakref.ref(self),
            _get_dispatcher(),
            self._fn,
            self._args,
            self._kwargs,
            self._cancel,
            self._returned,
        )
        QThreadPool.globalInstance().start(task)

    def cancel(self) -> None:
        """Ask the function to stop: from now on ``should_cancel()`` returns True."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def is_running(self) -> bool:
        """True from :meth:`start` until the outcome was delivered."""
        return self._started and not self._delivered

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the function returned in its thread (its signals may still be queued)."""
        if not self._started:
            return True
        return self._returned.wait(None if timeout_ms is None else timeout_ms / 1000)

    # -- back on the GUI thread (called by the dispatcher) -------------------------------
    def _deliver_progress(self, fraction: float, message: str) -> None:
        if not self._delivered:
            self.progress.emit(fraction, message)

    def _deliver_outcome(self, result: object, error: object) -> None:
        # The thread sets _returned right after posting; waiting for it (microseconds)
        # makes "delivered" imply "the pool thread is done with this worker".
        self._returned.wait(5.0)
        self._delivered = True
        _ACTIVE.discard(self)
        if error is None:
            self.finished.emit(result)
        else:
            if not isinstance(error, Exception):
                log.error("Worker %r stopped with %r", self._fn, error)
            self.failed.emit(error)


def _task(
    ref: weakref.ref[Worker],
    dispatcher: _Dispatcher,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    cancel: threading.Event,
    returned: threading.Event,
) -> Callable[[], None]:
    """The callable a pool thread runs: plain data, a weak Worker reference, the dispatcher."""
    last_time = [0.0]
    last_message = [""]

    def report_progress(fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if (
            message == last_message[0]
            and now - last_time[0] < PROGRESS_INTERVAL_S
            and fraction < 1.0
        ):
            return
        last_time[0], last_message[0] = now, message
        dispatcher.progress.emit(ref, float(min(max(fraction, 0.0), 1.0)), str(message))

    def run() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = fn(*args, on_progress=report_progress, should_cancel=cancel.is_set, **kwargs)
        except BaseException as exc:  # one route for every outcome, as in Picard
            error = exc
        if error is None and cancel.is_set():
            result, error = None, CancelledError()
        try:
            dispatcher.outcome.emit(ref, result, error)
        except RuntimeError:  # the application is gone: nobody is waiting any more
            pass
        finally:
            returned.set()

    return run


# --------------------------------------------------------------------------- disposal

DISPOSE_CHUNK = 5_000
"""Objects released per step when a big array is emptied (~1-4 ms of GIL each)."""
DISPOSE_PAUSE_S = 0.001
"""Pause after each step. Without it the GUI thread, which needs the GIL for every event it
hands to Python, waited behind step after step (stalls of 130 ms measured at 100k lines)."""


def _big_object_arrays(obj: Any, found: list[Any]) -> None:
    """Collect the large numpy object arrays reachable from *obj* (frames, dataclasses,
    containers), where freeing millions of Python objects would happen in one step."""
    # imported once here, not in the walk: PySide6 runs Python code for every import
    # statement, and thousands of them held up the GUI thread for ~100 ms
    import dataclasses

    import numpy as np
    import pandas as pd

    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > 6 or id(item) in seen:
            continue
        seen.add(id(item))
        inner: list[Any] = []
        if isinstance(item, np.ndarray):
            if item.dtype == object and item.size >= DISPOSE_CHUNK:
                found.append(item)
        elif isinstance(item, pd.DataFrame):
            inner = [getattr(block, "values", None) for block in item._mgr.blocks]
        elif isinstance(item, pd.Series):
            inner = [item._values]
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            inner = [getattr(item, f.name, None) for f in dataclasses.fields(item)]
        elif isinstance(item, (list, tuple)):
            inner = list(item[:200])
        elif isinstance(item, dict):
            inner = list(item.values())[:200]
        stack.extend((x, depth + 1) for x in reversed(inner))


def _release(holder: list[Any], *, on_progress: Any, should_cancel: Any) -> None:
    """Free what *holder* holds a slice at a time (runs in a pool thread)."""
    import sys

    arrays: list[Any] = []
    for i in range(len(holder)):  # no loop variable: it would keep the last object alive
        _big_object_arrays(holder[i], arrays)
    holder.clear()  # the containers go; the big arrays live on in `arrays`
    while arrays:
        array = arrays.pop()
        # Only an array nobody else holds may be emptied: 'array' + getrefcount's argument.
        if array.base is None and sys.getrefcount(array) <= 2 and array.flags.writeable:
            flat = array.reshape(-1) if array.flags.c_contiguous else None
            if flat is not None:
                for start in range(0, flat.shape[0], DISPOSE_CHUNK):
                    flat[start : start + DISPOSE_CHUNK] = None
                    time.sleep(DISPOSE_PAUSE_S)  # let the GUI thread have the GIL
                del flat
        del array


def dispose(*objects: Any) -> None:
    """Let go of big results (a previous analysis, old table data) off the GUI thread.

    Dropping the last reference to a 100,000-line analysis frees millions of Python
    objects in one step, which takes the GIL for a few hundred ms; done here it happens
    in a pool thread, a slice at a time. The caller must hold no other references.
    """
    holder = [o for o in objects if o is not None]
    if holder:
        Worker(_release, holder).start()

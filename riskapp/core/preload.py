"""Load the heavy modules (pandas, the pipeline) in the background while the app shows
its window, and keep every fork waiting until that is done.

The window needs none of them, and importing pandas takes ~0.7 s. But a process forked
while another thread is inside an import inherits that module's import lock, held by a
thread that does not exist in the child: the child would hang on its first import of that
module. So whoever forks (the GUI's worker, the guarded reader) first calls :func:`wait`.
The command line never preloads, and :func:`wait` returns at once there.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from collections.abc import Iterable

log = logging.getLogger(__name__)

WAIT_SECONDS = 120.0
"""A fork waits at most this long (a preload that hangs must not hang the app)."""

_idle = threading.Event()
_idle.set()


def begin() -> None:
    """From now on forks wait: call before anything can fork, then :func:`load`."""
    _idle.clear()


def load(modules: Iterable[str]) -> threading.Thread:
    """Import `modules` in a background thread; forks may go on once it is done (even if
    an import failed: that module is then imported again where it is needed)."""
    names = list(modules)
    _idle.clear()

    def work() -> None:
        try:
            for name in names:
                importlib.import_module(name)
            gc.freeze()  # as gui.app.settle_heap: keep these pages shared with forked workers
        except Exception:  # pragma: no cover - logged; the import is retried where needed
            log.info("preloading failed", exc_info=True)
        finally:
            _idle.set()

    thread = threading.Thread(target=work, name="riskapp-preload", daemon=True)
    thread.start()
    return thread


def wait(timeout: float = WAIT_SECONDS) -> bool:
    """Block until no preload is running (True), or `timeout` seconds (False)."""
    return _idle.wait(timeout)


def busy() -> bool:
    return not _idle.is_set()

"""Autosave and crash recovery.

Each running window owns a token and holds a :class:`QLockFile` ``<token>.lock`` in
:func:`riskapp.core.session.autosave_dir`; while the user has unsaved edits, the session
is written to ``<token>.riskapp`` beside it (atomically, a second after the last edit).
A clean close deletes both. After a crash or a kill the lock goes stale (its process is
gone), so the next start finds the autosave without a live owner and offers it back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from pathlib import Path

from PySide6.QtCore import QLockFile

from riskapp.core.errors import RiskappError
from riskapp.core.session import (
    SESSION_SUFFIX,
    Session,
    autosave_dir,
    load_session,
    save_session,
)

log = logging.getLogger(__name__)

NO_PROMPT_ENV = "RISKAPP_NO_AUTOSAVE_PROMPT"
"""Set (tests, kiosk installs) to skip the recovery question at start."""


class Autosaver:
    """One window's autosave file and the lock that says its owner is alive."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or autosave_dir()
        self.token = uuid.uuid4().hex[:12]
        self.path = self.folder / f"{self.token}{SESSION_SUFFIX}"
        self._lock: QLockFile | None = None

    def _ensure_lock(self) -> None:
        if self._lock is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(self.folder / f"{self.token}.lock"))
        lock.setStaleLockTime(0)  # only a dead owner makes it stale, never its age
        if lock.tryLock(0):
            self._lock = lock

    def write(self, session: Session) -> None:
        """Save *session* as this window's autosave (errors are logged, never raised)."""
        try:
            self._ensure_lock()
            save_session(self.path, session)
        except (OSError, RiskappError) as exc:
            log.warning("Autosave to %s failed: %s", self.path, exc)

    def discard(self) -> None:
        """Delete the autosave (the edits were saved or thrown away)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not delete the autosave %s: %s", self.path, exc)

    def close(self) -> None:
        """Delete the autosave and release the lock (a clean exit)."""
        self.discard()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def orphaned_autosaves(folder: Path | None = None) -> list[tuple[Path, Session]]:
    """Autosaves whose window is gone (crashed or killed), newest first, readable ones only.

    Unreadable autosaves are moved aside (``.broken``) so they are not offered again.
    """
    folder = folder or autosave_dir()
    if not folder.is_dir():
        return []
    found: list[tuple[float, Path, Session]] = []
    for path in folder.glob(f"*{SESSION_SUFFIX}"):
        lock = QLockFile(str(path.with_suffix(".lock")))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):  # its window is still running
            continue
        lock.unlock()
        try:
            session = load_session(path)
        except RiskappError as exc:
            log.warning("Autosave %s is unreadable: %s", path, exc)
            with contextlib.suppress(OSError):
                os.replace(path, path.with_suffix(".broken"))
            continue
        found.append((path.stat().st_mtime, path, session))
    return [(p, s) for _, p, s in sorted(found, key=lambda t: -t[0])]


def forget_autosave(path: Path) -> None:
    """Delete a recovered or refused autosave and its stale lock."""
    for p in (path, path.with_suffix(".lock")):
        try:
            p.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not delete %s: %s", p, exc)

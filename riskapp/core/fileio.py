"""Atomic writes: everything riskapp writes goes to a temporary file beside the target and is
renamed over it only when complete, so a failure never leaves a half-written file and an
existing file is never half-overwritten."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from riskapp.core.errors import RiskappError


class WriteError(RiskappError):
    """A file could not be written; the previous version (if any) is intact."""


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it over the target."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise WriteError(
            f"cannot write in this folder ({exc.strerror or exc}).", file=str(target)
        ) from None
    tmp_path = Path(tmp)
    _set_mode(tmp_path, target)
    try:
        yield tmp_path
        _fsync(tmp_path)
        os.replace(tmp_path, target)
        _remove_stale_temps(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise WriteError(
            f"the file could not be written ({exc.strerror or exc}); any previous version is "
            "unchanged. Is it open in another program, or is the disk full?",
            file=str(target),
        ) from None
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError) and not isinstance(exc, RiskappError):
            # writers such as xlsxwriter wrap the OSError (disk full) in their own type
            raise WriteError(
                f"the file could not be written ({cause.strerror or cause}); any previous "
                "version is unchanged. Is it open in another program, or is the disk full?",
                file=str(target),
            ) from None
        raise


STALE_TEMP_SECONDS = 3600.0
"""A temporary file of a write that was killed (power cut, SIGKILL) is removed by the next
write of the same target once it is this old (a younger one may be another write running)."""


def _remove_stale_temps(target: Path) -> None:
    import glob
    import time

    folder = target.parent if str(target.parent) else Path(".")
    cutoff = time.time() - STALE_TEMP_SECONDS
    for path in folder.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def _set_mode(tmp: Path, target: Path) -> None:
    """mkstemp makes files only the owner can read; give the result the mode the target has,
    or the one a normally created file would get (a report on a shared drive stays readable)."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Call writer(temp_path) and rename the result over target."""
    with atomic_path(target) as tmp:
        writer(tmp)

"""The log file: rotating, in the user's log folder, and free of BOM contents.

BOMs are confidential. The log is for support - what was opened, how big it was, how long
it took, what went wrong in the code - so it holds file names, paths and counts, never cell
values, headers, descriptions or sheet names. :class:`ConfidentialFilter` enforces that on
every record the file handler writes, whoever logged it:

* arguments of a log call are kept only when they are numbers, paths / file names, or
  wrapped in :class:`Safe` (a value the caller vouches for, like a format name); any other
  text becomes ``<text, N chars>``;
* quoted text in the message and in exception messages (``'...'``, ``"..."``, which is how
  Python's own errors show data) becomes ``<text, N chars>`` unless it is a file name;
* tracebacks keep their frames (code) and lose the data in their exception lines;
* a message is cut at 2,000 characters.

Where: ``$RISKAPP_USER_DIR/logs`` when that is set (tests, portable installs), else the
platform's user log folder (``platformdirs.user_log_dir("riskapp", "riskapp")``):
``~/.local/state/riskapp/log`` on Linux, ``%LOCALAPPDATA%\\riskapp\\riskapp\\Logs`` on
Windows, ``~/Library/Logs/riskapp`` on macOS. The file is ``riskapp.log``, rotated at 1 MB
with three old files kept.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

APP_NAME = "riskapp"
USER_DIR_ENV = "RISKAPP_USER_DIR"
LOG_FILE_NAME = "riskapp.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
MAX_MESSAGE_CHARS = 2_000
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_FILE_EXTS = (
    "xlsx|xlsm|xlsb|xls|xltx|xltm|ods|csv|tsv|txt|tab|json|toml|log|ini|riskapp|rsession|py|pdf|png"
)
_RE_FILE_NAME = re.compile(rf"^[^\n]{{1,255}}\.(?:{_FILE_EXTS})$", re.IGNORECASE)
# A quote that opens after a non-letter and closes before a non-letter (so "can't" and
# "buyer's" are not taken for quotes). Python's repr() of data always looks like this.
_RE_QUOTED = re.compile(
    r"""(?<![A-Za-z0-9])(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|‘([^’\n]*)’|“([^”\n]*)”|«([^»\n]*)»)(?![A-Za-z0-9])"""
)


_RE_PLACEHOLDER = re.compile(r"^<text, \d+ chars>$")


class Safe(str):
    """A log argument the caller vouches for (a format name, a mode): logged as it is."""

    __slots__ = ()


def log_dir() -> Path:
    """Where the log file goes: RISKAPP_USER_DIR/logs, else the platform's log folder."""
    user_dir = os.environ.get(USER_DIR_ENV, "").strip()
    if user_dir:
        return Path(user_dir) / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, APP_NAME))


def log_file() -> Path:
    return log_dir() / LOG_FILE_NAME


def _is_path_like(text: str) -> bool:
    if "\n" in text or len(text) > 1024:
        return False
    if _RE_FILE_NAME.match(text):
        return True
    return text.startswith(("/", "~/", "\\\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", text))


def _placeholder(text: str) -> str:
    return f"<text, {len(text)} chars>"


def redact_text(text: str) -> str:
    """Quoted text that is not a file name becomes ``<text, N chars>``."""

    def repl(m: re.Match[str]) -> str:
        inner = next(g for g in m.groups() if g is not None)
        if inner and _is_path_like(inner):
            return m.group(0)
        if _RE_PLACEHOLDER.match(inner):  # an argument redacted already, then repr()'d
            return inner
        return _placeholder(inner)

    return _RE_QUOTED.sub(repl, text)


def safe_arg(value: Any) -> Any:
    """What of one log-call argument may reach the file."""
    if value is None or isinstance(value, (bool, int, float, Safe)):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, str):
        return value if _is_path_like(value) else _placeholder(value)
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {redact_text(str(value))}"
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        with contextlib.suppress(Exception):
            return safe_arg(value.item())
    return f"<{type(value).__name__}>"


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def redact_traceback(exc_info: ExcInfo) -> str:
    """A traceback with its frames (code) but with data taken out of the exception lines."""
    lines: list[str] = []
    for chunk in traceback.format_exception(*exc_info):
        for line in chunk.rstrip("\n").split("\n"):
            if line.startswith((" ", "Traceback", "During handling", "The above exception")):
                lines.append(line)
            else:  # "SomeError: message" (or a continuation of a multi-line message)
                lines.append(redact_text(line)[:MAX_MESSAGE_CHARS])
    return "\n".join(lines)


class ConfidentialFilter(logging.Filter):
    """Rewrites each record so that it carries no BOM contents (see the module docstring).

    It changes the record in place (arguments merged into the message, traceback text
    redacted), so handlers that see the record after this one get the safe version too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_riskapp_redacted", False):
            return True
        try:
            args = record.args
            if isinstance(args, Mapping):
                message = str(record.msg) % {k: safe_arg(v) for k, v in args.items()}
            elif args:
                message = str(record.msg) % tuple(safe_arg(a) for a in args)
            else:
                message = str(record.msg)
        except Exception:
            message = f"<log message from {record.name} that could not be formatted>"
        message = redact_text(message)[:MAX_MESSAGE_CHARS]
        if record.exc_info and record.exc_info[0] is not None:
            exc_info: Any = record.exc_info
            message += "\n" + redact_traceback(exc_info)
        record.msg = message
        record.args = None
        record.exc_info = None
        record.exc_text = None
        setattr(record, "_riskapp_redacted", True)  # noqa: B010
        return True


def make_file_handler(path: Path | None = None, level: int = logging.INFO) -> logging.Handler:
    """A rotating file handler with the confidentiality filter; raises OSError if the folder
    cannot be made or the file cannot be opened."""
    path = path or log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        path.parent.chmod(0o700)  # file names and paths are only for this user
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False
    )
    with contextlib.suppress(OSError):
        path.chmod(0o600)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ConfidentialFilter())
    return handler


@contextlib.contextmanager
def logging_to_file(
    level: int = logging.INFO, console_level: int | None = None
) -> Iterator[Path | None]:
    """Log to the rotating file for the duration of the block; yields its path (None when
    the log folder cannot be written - the app runs on without a log file).

    ``console_level`` adds a stderr handler (filtered the same way) at that level. With
    it left None nothing reaches stderr, not even Python's last-resort handler, so a
    command-line user sees riskapp's one-line messages and never a traceback.
    """
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    path: Path | None = log_file()
    try:
        handlers.append(make_file_handler(path, level))
    except OSError:
        path = None
    if console_level is not None:
        console = logging.StreamHandler()
        console.setLevel(console_level)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        console.addFilter(ConfidentialFilter())
        handlers.append(console)
    elif not handlers:
        handlers.append(logging.NullHandler())
    old_level = root.level
    root.setLevel(min(old_level or logging.WARNING, level))
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield path
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(old_level)

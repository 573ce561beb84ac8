"""Typed settings registry over QSettings (after Picard's ``picard/options.py``).

Every setting is declared once, here, with its key, kind and default; code reads and
writes through :class:`Settings` with the declared object, never with a bare string::

    settings = Settings()
    volume = settings.get(DEFAULT_BUILD_VOLUME)   # int, 1000 unless the user changed it
    settings.set(CURRENCY, "EUR")

Stored settings carry :data:`SETTINGS_VERSION`. When a newer app opens older settings the
steps in :data:`UPGRADES` run in order (``UPGRADES[n]`` turns version *n* into *n + 1*).

Where they live: the platform's normal place (registry on Windows, ~/.config on Linux)
under organisation and application "riskapp"; when the environment variable
``RISKAPP_USER_DIR`` is set (tests, portable installs) an INI file in that folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

Kind = Literal["str", "int", "float", "bool", "str_list", "bytes"]

SETTINGS_VERSION = 1
"""Version of the stored layout; bump it and add a step to UPGRADES when keys change."""

VERSION_KEY = "settings_version"
ORGANIZATION = "riskapp"
APPLICATION = "riskapp"
USER_DIR_ENV = "RISKAPP_USER_DIR"
MAX_RECENT_FILES = 10


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One declared setting: where it is stored, what type it has, its default."""

    key: str
    kind: Kind
    default: T
    doc: str


REGISTRY: dict[str, Setting[Any]] = {}
"""Every declared setting by key."""


def declare(key: str, kind: Kind, default: T, doc: str) -> Setting[T]:
    """Declare a setting once; declaring the same key twice is a programming error."""
    if key in REGISTRY:
        raise ValueError(f"setting {key!r} declared twice")
    setting: Setting[T] = Setting(key, kind, default, doc)
    REGISTRY[key] = setting
    return setting


RECENT_FILES: Setting[list[str]] = declare(
    "files/recent", "str_list", [], "Recently opened BOM files, newest first (at most 10)."
)
LAST_DIRECTORY: Setting[str] = declare(
    "files/last_directory", "str", "", "Folder the Open dialog starts in."
)
WINDOW_GEOMETRY: Setting[bytes] = declare(
    "window/geometry", "bytes", b"", "Main window geometry (QWidget.saveGeometry)."
)
WINDOW_STATE: Setting[bytes] = declare(
    "window/state", "bytes", b"", "Main window docks and toolbars (QMainWindow.saveState)."
)
DEFAULT_BUILD_VOLUME: Setting[int] = declare(
    "defaults/build_volume", "int", 1000, "Planned units built per year for a new BOM."
)
CURRENCY: Setting[str] = declare(
    "defaults/currency", "str", "USD", "Currency assumed when a BOM states none (ISO code)."
)
REFERENCE_FOLDER: Setting[str] = declare(
    "reference/folder", "str", "", "Folder with an updated reference-data set ('' = built in)."
)
DEFAULT_EVALUATION_DATE: Setting[str] = declare(
    "defaults/evaluation_date",
    "str",
    "",
    "Evaluation date for a new BOM as YYYY-MM-DD ('' = the scenario's, usually today).",
)
DEFAULT_SCENARIO: Setting[str] = declare(
    "defaults/scenario", "str", "baseline", "Scenario preset a new BOM is analysed under."
)
THEME: Setting[str] = declare(
    "appearance/theme",
    "str",
    "system",
    "Colour scheme: 'system' (follow the system), 'light' or 'dark'.",
)
ASK_IMPORT_WHEN_UNCLEAR: Setting[bool] = declare(
    "import/ask_when_unclear",
    "bool",
    True,
    "Open the import dialog by itself when the layout of a file is not obvious.",
)
# safety limits for files from outside (riskapp.core.readers.Limits; docs/robustness.md);
# 0 = the built-in default
LIMIT_FILE_MB: Setting[int] = declare(
    "limits/max_file_mb", "int", 0, "Largest file read, MB (0 = built-in default)."
)
LIMIT_UNCOMPRESSED_MB: Setting[int] = declare(
    "limits/max_uncompressed_mb",
    "int",
    0,
    "Most a zip-based workbook may unpack to, MB (0 = built-in default).",
)
LIMIT_CELLS: Setting[int] = declare(
    "limits/max_cells", "int", 0, "Most cells in one sheet (0 = built-in default)."
)
LIMIT_SECONDS: Setting[int] = declare(
    "limits/max_seconds", "int", 0, "Longest time reading one file may take, s (0 = default)."
)
LIMIT_MEMORY_MB: Setting[int] = declare(
    "limits/max_memory_mb",
    "int",
    0,
    "Most memory the reader may add while parsing, MB (0 = built-in default).",
)
LIMIT_SETTINGS: tuple[tuple[Setting[int], str], ...] = (
    (LIMIT_FILE_MB, "max_file_bytes"),
    (LIMIT_UNCOMPRESSED_MB, "max_uncompressed_bytes"),
    (LIMIT_CELLS, "max_cells"),
    (LIMIT_SECONDS, "max_seconds"),
    (LIMIT_MEMORY_MB, "max_memory_bytes"),
)
"""(setting, Limits field); the settings hold what Limits.with_user_values takes"""


def limits_from(settings: Settings) -> Any:
    """The reader's safety limits with the user's changes (riskapp.core.readers.Limits)."""
    from riskapp.core.readers import Limits

    changes = {name: settings.get(setting) for setting, name in LIMIT_SETTINGS}
    return Limits().with_user_values({name: v for name, v in changes.items() if v > 0})


COMPARISON_SPLITTER: Setting[bytes] = declare(
    "window/comparison_splitter", "bytes", b"", "Comparison view splitter (QSplitter.saveState)."
)

UPGRADES: dict[int, Callable[[QSettings], None]] = {}
"""Upgrade steps: ``UPGRADES[n](qsettings)`` turns stored version n into n + 1."""


def _to_str(value: Any) -> str:
    return "" if value is None else str(value)


def _to_int(value: Any) -> int:
    return int(float(value))


def _to_float(value: Any) -> float:
    return float(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.strip().lower() in ("true", "1", "yes", "on"):
            return True
        if value.strip().lower() in ("false", "0", "no", "off", ""):
            return False
        raise ValueError(value)
    return bool(value)


def _to_str_list(value: Any) -> list[str]:
    # INI files give back a single-item list as a plain string and an empty one as None.
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and str(v)]
    raise ValueError(value)


def _to_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise ValueError(value)


_READERS: dict[str, Callable[[Any], Any]] = {
    "str": _to_str,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "str_list": _to_str_list,
    "bytes": _to_bytes,
}


def _for_storage(kind: Kind, value: Any) -> Any:
    if kind == "bytes":
        return QByteArray(bytes(value))
    if kind == "str_list":
        return [str(v) for v in value]
    return value


def settings_path() -> Path | None:
    """The INI file used when RISKAPP_USER_DIR is set, else None (platform default)."""
    user_dir = os.environ.get(USER_DIR_ENV, "").strip()
    return Path(user_dir) / "riskapp.ini" if user_dir else None


def open_qsettings() -> QSettings:
    """The QSettings store for this user (see the module docstring)."""
    path = settings_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.NativeFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


class Settings:
    """Typed access to the declared settings, upgraded to :data:`SETTINGS_VERSION` on open.

    A value that cannot be read as its declared type (edited by hand, written by another
    version) gives the default and a log message, never an exception.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings if qsettings is not None else open_qsettings()
        self._upgrade()

    # -- reading and writing -------------------------------------------------------------
    def get(self, setting: Setting[T]) -> T:
        """The stored value of *setting*, converted to its kind, or its default."""
        if not self.qsettings.contains(setting.key):
            return _copy(setting.default)
        raw = self.qsettings.value(setting.key)
        try:
            return cast(T, _READERS[setting.kind](raw))
        except (TypeError, ValueError):
            log.warning(
                "Setting %s has an unreadable value %r; using the default", setting.key, raw
            )
            return _copy(setting.default)

    def set(self, setting: Setting[T], value: T) -> None:
        """Store *value* for *setting* (checked against the declared kind)."""
        try:
            _READERS[setting.kind](value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{setting.key} expects {setting.kind}, got {value!r}") from exc
        self.qsettings.setValue(setting.key, _for_storage(setting.kind, value))

    def reset(self, setting: Setting[Any]) -> None:
        """Forget the stored value; :meth:`get` gives the default again."""
        self.qsettings.remove(setting.key)

    def sync(self) -> str | None:
        """Write pending changes to disk now; a sentence for the user when that failed
        (the file on disk is then unchanged and the new values last until riskapp closes)."""
        self.qsettings.sync()
        status = self.qsettings.status()
        if status == QSettings.Status.NoError:
            return None
        why = (
            "the folder is read-only or the disk is full"
            if status == QSettings.Status.AccessError
            else "the settings file is damaged"
        )
        return (
            f"Settings could not be saved to {self.qsettings.fileName()} ({why}); "
            "they apply until riskapp closes."
        )

    # -- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened files, newest first."""
        return self.get(RECENT_FILES)[:MAX_RECENT_FILES]

    def add_recent_file(self, path: str | os.PathLike[str]) -> list[str]:
        """Put *path* first in the recent list (no duplicates, at most 10); return the list."""
        text = os.path.normpath(os.path.abspath(os.fspath(path)))
        recent = [
            p for p in self.get(RECENT_FILES) if os.path.normcase(p) != os.path.normcase(text)
        ]
        recent = [text, *recent][:MAX_RECENT_FILES]
        self.set(RECENT_FILES, recent)
        return recent

    def clear_recent_files(self) -> None:
        """Empty the recent-files list."""
        self.set(RECENT_FILES, [])

    # -- versions ------------------------------------------------------------------------
    def stored_version(self) -> int:
        """The settings version found on disk (0 = none written yet)."""
        try:
            return _to_int(self.qsettings.value(VERSION_KEY, 0))
        except (TypeError, ValueError):
            return 0

    def _upgrade(self) -> None:
        version = self.stored_version()
        if version > SETTINGS_VERSION:
            log.info(
                "Settings were written by a newer riskapp (version %s > %s); leaving them as they are",
                version,
                SETTINGS_VERSION,
            )
            return
        while version < SETTINGS_VERSION:
            step = UPGRADES.get(version)
            if step is not None:
                log.info("Upgrading settings from version %s to %s", version, version + 1)
                step(self.qsettings)
            version += 1
        self.qsettings.setValue(VERSION_KEY, SETTINGS_VERSION)


def _copy(value: T) -> T:
    # Mutable defaults (lists) must not be shared between callers.
    return cast(T, list(value)) if isinstance(value, list) else value

"""A working session as a versioned JSON file (``.riskapp``): which BOM, how it was read,
what the user changed, which scenario — everything needed to get the same numbers again.

A session never holds the BOM itself, only its path and SHA-256, so a buyer can mail a
session with the BOM and the receiver sees the same analysis; :func:`source_changed`
tells when the BOM is no longer the file the session was made from. Files are written
atomically (:func:`riskapp.core.fileio.atomic_write_text`)::

    session = Session(source_path="bom.xlsx", overrides=(Override(...),), scenario="baseline")
    save_session("bom.riskapp", session)
    again = load_session("bom.riskapp")          # RiskappError with a clear sentence if bad
    options = session_options(again)             # AnalysisOptions for pipeline.analyse

The schema is :data:`SCHEMA_VERSION`; older files are upgraded on load by the steps in
:data:`UPGRADES`, newer ones are refused with a message that names the version.
Autosaves live in :func:`autosave_dir` (``$RISKAPP_USER_DIR/autosave`` or the platform's
user data folder); the desktop app writes them while the user works and offers them back
after a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from riskapp import __version__
from riskapp.core.errors import RiskappError
from riskapp.core.fileio import atomic_write_text
from riskapp.core.importer import ImportOptions
from riskapp.core.model import EXTRA_PREFIX, ImportResult
from riskapp.core.tagging import OVERRIDE_FIELDS, Override

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "SESSION_SUFFIX",
    "UPGRADES",
    "Session",
    "SessionError",
    "autosave_dir",
    "edited_scenarios_dir",
    "find_layout_mapping",
    "headers_signature",
    "import_signature",
    "list_autosaves",
    "load_session",
    "mappings_dir",
    "resolve_source",
    "save_layout_mapping",
    "save_session",
    "scenario_file",
    "session_options",
    "source_changed",
    "user_data_dir",
]

FORMAT = "riskapp-session"
SCHEMA_VERSION = 1
SESSION_SUFFIX = ".riskapp"
USER_DIR_ENV = "RISKAPP_USER_DIR"
MAX_SESSION_BYTES = 50 * 1024 * 1024
"""A session holds edits, not data: anything bigger is not a session file."""
OVERRIDE_SCOPES = frozenset({"line", "manufacturer", "supplier", "mpn", "ipn"})


class SessionError(RiskappError):
    """A session file cannot be read (not JSON, not a session, newer version, bad field)."""


@dataclass(frozen=True)
class Session:
    """What a session file holds. Everything but ``source_path`` has a default.

    ``scenario`` is a preset name or a scenario TOML path; ``scenario_changes`` are the
    parameters the user edited on top of it, as keyword arguments of
    :meth:`riskapp.core.scoring.Scenario.with_changes` (numbers, text, true/false and
    tables of them). ``accepted_advice`` None means "the recommended option of every
    line" (the default Potential grade); a tuple lists exactly the accepted
    (line index, option id) pairs.
    """

    source_path: str
    source_sha256: str = ""
    import_options: ImportOptions = field(default_factory=ImportOptions)
    overrides: tuple[Override, ...] = ()
    accepted_advice: tuple[tuple[int, str], ...] | None = None
    scenario: str = "baseline"
    scenario_changes: Mapping[str, Any] = field(default_factory=dict)
    build_volume: float | None = None
    evaluation_date: date | None = None
    compare_with: str | None = None
    reference_dir: str | None = None
    saved_at: datetime | None = None
    app_version: str = __version__
    schema_version: int = SCHEMA_VERSION

    def edits_equal(self, other: Session) -> bool:
        """True when both describe the same analysis (ignores when and by what saved)."""
        return _edit_key(self) == _edit_key(other)


def _edit_key(s: Session) -> tuple[Any, ...]:
    return (
        os.path.normcase(os.path.abspath(s.source_path)),
        s.import_options.sheets,
        s.import_options.header_row,
        sorted(s.import_options.mapping.items()),
        s.overrides,
        s.accepted_advice,
        s.scenario,
        json.dumps(_jsonable(dict(s.scenario_changes)), sort_keys=True),
        s.build_volume,
        s.evaluation_date,
        s.compare_with,
        s.reference_dir,
    )


# --------------------------------------------------------------------------- folders


def user_data_dir() -> Path:
    """riskapp's folder for the user's data: ``$RISKAPP_USER_DIR`` when set (tests,
    portable installs), else the platform's user data folder."""
    base = os.environ.get(USER_DIR_ENV, "").strip()
    if base:
        return Path(base)
    import platformdirs

    return Path(platformdirs.user_data_dir("riskapp", appauthor=False))


def autosave_dir() -> Path:
    """Where the desktop app keeps autosaved sessions."""
    return user_data_dir() / "autosave"


def edited_scenarios_dir() -> Path:
    """Where scenarios with user-edited parameters are written for the pipeline to read."""
    return user_data_dir() / "edited-scenarios"


def mappings_dir() -> Path:
    """Where column mappings saved "for files with the same layout" live."""
    return user_data_dir() / "mappings"


def list_autosaves() -> list[Path]:
    """Autosaved sessions, newest first."""
    folder = autosave_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"*{SESSION_SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


# --------------------------------------------------------------------------- writing


def _jsonable(value: Any) -> Any:
    """Scenario changes as plain JSON values (dates as ISO text, mappings as objects)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} cannot be saved in a session")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def session_to_dict(session: Session, *, relative_to: Path | None = None) -> dict[str, Any]:
    """The JSON object a session file holds."""
    source: dict[str, Any] = {"path": session.source_path, "sha256": session.source_sha256}
    if relative_to is not None:
        with contextlib.suppress(ValueError):  # ValueError: another drive on Windows
            source["relative_path"] = os.path.relpath(session.source_path, relative_to)
    io = session.import_options
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": session.app_version,
        "saved_at": (session.saved_at or datetime.now()).isoformat(timespec="seconds"),
        "source": source,
        "import": {
            "sheets": list(io.sheets),
            "header_row": io.header_row,
            "mapping": dict(io.mapping),
        },
        "overrides": [
            {"scope": o.scope, "key": o.key, "field": o.field, "value": o.value, "note": o.note}
            for o in session.overrides
        ],
        "accepted_advice": None
        if session.accepted_advice is None
        else [[int(i), str(o)] for i, o in session.accepted_advice],
        "scenario": {
            "name": session.scenario,
            "changes": _jsonable(dict(session.scenario_changes)),
            "build_volume": session.build_volume,
            "evaluation_date": session.evaluation_date.isoformat()
            if session.evaluation_date
            else None,
            "compare_with": session.compare_with,
        },
        "reference_dir": session.reference_dir,
    }


def save_session(path: str | Path, session: Session) -> Path:
    """Write *session* to *path* atomically (a failure leaves any old file intact).

    The BOM's path is stored as given and relative to the session's folder, so a
    session moved together with its BOM still finds it.
    """
    target = Path(path)
    data = session_to_dict(
        replace(session, saved_at=session.saved_at or datetime.now()),
        relative_to=target.parent.resolve(),
    )
    try:
        text = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)
    except ValueError as exc:
        raise SessionError(f"the session cannot be saved: {exc}.", file=target) from None
    atomic_write_text(target, text + "\n")
    return target


# --------------------------------------------------------------------------- reading

UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""``UPGRADES[n](data)`` turns a version-n session object into version n + 1."""


def _fail(path: Path, message: str) -> SessionError:
    return SessionError(message, file=str(path))


def _expect(value: Any, kinds: type | tuple[type, ...], what: str, path: Path) -> Any:
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        raise _fail(path, f"the session's {what} has the wrong type ({type(value).__name__}).")
    return value


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _parse_date(value: Any, what: str, path: Path) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(path, f"the session's {what} is not a date ({value!r}).") from None


def load_session(path: str | Path) -> Session:
    """Read a session file; :class:`SessionError` names the file and what is wrong."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_SESSION_BYTES:
            raise _fail(p, "this is too big to be a riskapp session file.")
        raw = p.read_bytes()
    except OSError as exc:
        raise _fail(p, f"the session file cannot be read ({exc.strerror or exc}).") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(p, "this is not a riskapp session file (it is not JSON text).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(p, "this is not a riskapp session file.")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(p, "the session file has no valid schema version.")
    if version > SCHEMA_VERSION:
        raise _fail(
            p,
            f"the session was saved by a newer riskapp (session format {version}; this "
            f"version reads up to {SCHEMA_VERSION}). Please update riskapp.",
        )
    while version < SCHEMA_VERSION:
        data = UPGRADES[version](data)
        version += 1
    return _from_dict(data, p)


def _from_dict(data: dict[str, Any], p: Path) -> Session:
    source = _expect(data.get("source"), dict, "source", p)
    source_path = _expect(source.get("path"), str, "source path", p)
    if not source_path:
        raise _fail(p, "the session does not say which BOM it belongs to.")
    relative = source.get("relative_path")
    if (
        isinstance(relative, str)
        and relative
        and not Path(source_path).exists()
        and (p.parent / relative).exists()
    ):
        source_path = str((p.parent / relative).resolve())
    sha = _expect(source.get("sha256", ""), str, "source hash", p)

    imp = _expect(data.get("import", {}), dict, "import options", p)
    sheets = _expect(imp.get("sheets", []), list, "sheet list", p)
    header_row = imp.get("header_row")
    if header_row is not None:
        header_row = _expect(header_row, int, "header row", p)
        if header_row < 1:
            raise _fail(p, f"the session's header row must be 1 or more, not {header_row}.")
    mapping = _expect(imp.get("mapping", {}), dict, "column mapping", p)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise _fail(p, "the session's column mapping must map field names to column letters.")
    import_options = ImportOptions(
        sheets=tuple(str(s) for s in sheets), header_row=header_row, mapping=dict(mapping)
    )

    overrides = []
    for k, item in enumerate(_expect(data.get("overrides", []), list, "override list", p)):
        item = _expect(item, dict, f"override {k + 1}", p)
        values = {name: item.get(name, "") for name in ("scope", "key", "field", "value", "note")}
        if not all(isinstance(v, str) for v in values.values()):
            raise _fail(p, f"override {k + 1} of the session has a field that is not text.")
        if values["scope"] not in OVERRIDE_SCOPES:
            raise _fail(
                p,
                f"override {k + 1} has an unknown scope '{values['scope']}' "
                f"(known: {', '.join(sorted(OVERRIDE_SCOPES))}).",
            )
        if values["field"] not in OVERRIDE_FIELDS:
            raise _fail(
                p,
                f"override {k + 1} sets an unknown field '{values['field']}' "
                f"(known: {', '.join(sorted(OVERRIDE_FIELDS))}).",
            )
        overrides.append(Override(**values))

    accepted_raw = data.get("accepted_advice")
    accepted: tuple[tuple[int, str], ...] | None = None
    if accepted_raw is not None:
        pairs = []
        for item in _expect(accepted_raw, list, "accepted advice", p):
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not isinstance(item[0], int)
                or isinstance(item[0], bool)
                or not isinstance(item[1], str)
            ):
                raise _fail(p, "the session's accepted advice must be [line, option] pairs.")
            pairs.append((int(item[0]), str(item[1])))
        accepted = tuple(pairs)

    scen = _expect(data.get("scenario", {}), dict, "scenario", p)
    name = _expect(scen.get("name", "baseline"), str, "scenario name", p) or "baseline"
    changes = _expect(scen.get("changes", {}), dict, "scenario changes", p)
    volume = scen.get("build_volume")
    if volume is not None:
        volume = float(_expect(volume, (int, float), "build volume", p))
        if not math.isfinite(volume) or volume <= 0:
            raise _fail(p, "the session's build volume must be a positive number.")
    compare = scen.get("compare_with")
    if compare is not None:
        compare = _expect(compare, str, "comparison scenario", p) or None
    reference_dir = data.get("reference_dir")
    if reference_dir is not None:
        reference_dir = _expect(reference_dir, str, "reference folder", p) or None
    saved_at = None
    if isinstance(data.get("saved_at"), str):
        try:
            saved_at = datetime.fromisoformat(data["saved_at"])
        except ValueError:
            saved_at = None
    return Session(
        source_path=source_path,
        source_sha256=sha,
        import_options=import_options,
        overrides=tuple(overrides),
        accepted_advice=accepted,
        scenario=name,
        scenario_changes=_restore_changes(changes),
        build_volume=volume,
        evaluation_date=_parse_date(scen.get("evaluation_date"), "evaluation date", p),
        compare_with=compare,
        reference_dir=reference_dir,
        saved_at=saved_at,
        app_version=str(data.get("app_version", "")),
        schema_version=SCHEMA_VERSION,
    )


def _restore_changes(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if isinstance(out.get("evaluation_date"), str):
        with contextlib.suppress(ValueError):
            out["evaluation_date"] = date.fromisoformat(out["evaluation_date"])
    return out


# --------------------------------------------------------------------------- using one


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_source(session: Session) -> Path:
    """The BOM file of a session (may not exist any more)."""
    return Path(session.source_path)


def source_changed(session: Session) -> bool:
    """True when the BOM is missing or its content differs from when the session was saved
    (a session saved without a hash counts as unchanged)."""
    path = resolve_source(session)
    if not path.is_file():
        return True
    if not session.source_sha256:
        return False
    try:
        return _sha256(path) != session.source_sha256
    except OSError:
        return True


def session_options(session: Session, *, reference_dir: str | None = None) -> Any:
    """The :class:`~riskapp.core.pipeline.AnalysisOptions` a session stands for.

    Edited scenario parameters are written as a scenario file in
    :func:`edited_scenarios_dir` (named by its content, so the same edits reuse one file)
    and the options point at it.
    """
    from riskapp.core.pipeline import AnalysisOptions

    folder = session.reference_dir or reference_dir
    return AnalysisOptions(
        import_options=session.import_options,
        scenario=scenario_file(session.scenario, session.scenario_changes, folder),
        build_volume=session.build_volume,
        evaluation_date=session.evaluation_date,
        overrides=session.overrides,
        reference_dir=folder,
        accepted_advice=session.accepted_advice,
    )


def scenario_file(
    scenario: str, changes: Mapping[str, Any], reference_dir: str | None = None
) -> str:
    """*scenario* itself when nothing was edited, else the path of a scenario file with
    the changes applied (written once per distinct content)."""
    if not changes:
        return scenario
    from riskapp.core.reference import load_reference
    from riskapp.core.scenarios import load_scenario, save_scenario, scenario_to_toml

    ref = load_reference(reference_dir)
    base = load_scenario(scenario, ref=ref)
    edited = base.with_changes(**dict(changes))
    if "name" not in changes:
        edited = edited.with_changes(name=f"{base.name}_edited")
    if "title" not in changes:
        edited = edited.with_changes(title=f"{base.title or base.name} (edited)")
    text = scenario_to_toml(edited, ref)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    stem = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in edited.name)[:40]
    target = edited_scenarios_dir() / f"{stem or 'scenario'}-{digest}.toml"
    if not target.is_file():
        save_scenario(edited, target, ref)
    return str(target)


# --------------------------------------------------------------------------- saved mappings


def headers_signature(headers: Iterable[str]) -> str:
    """The layout key of a table from its header texts (order and blanks do not matter)."""
    from riskapp.core.importer import layout_signature

    return layout_signature(sorted({str(h).strip() for h in headers if str(h).strip()}))


def import_signature(result: ImportResult) -> str:
    """The layout key of an imported file: the header texts of its tables, mapped or not
    (every column of a table is either mapped to a field or kept as an ``extra:`` one)."""
    headers = [m.header for t in result.report.tables for m in t.mapping]
    headers += [
        str(c).removeprefix(EXTRA_PREFIX)
        for c in result.lines.columns
        if str(c).startswith(EXTRA_PREFIX)
    ]
    return headers_signature(headers)


def save_layout_mapping(signature: str, options: ImportOptions) -> Path:
    """Remember sheet, header row and mapping for files whose layout has *signature*
    (the file format of :func:`riskapp.core.importer.load_mapping_file`)."""
    if not re.fullmatch(r"[0-9a-f]{6,64}", signature):
        raise SessionError(f"'{signature}' is not a layout signature.")
    target = mappings_dir() / f"{signature}.json"
    data = {
        "sheets": list(options.sheets),
        "header_row": options.header_row,
        "mapping": dict(options.mapping),
    }
    atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return target


def find_layout_mapping(signature: str) -> ImportOptions | None:
    """The saved import options for a layout, or None (a broken file counts as none)."""
    from riskapp.core.importer import load_mapping_file

    if not re.fullmatch(r"[0-9a-f]{6,64}", signature):
        return None
    path = mappings_dir() / f"{signature}.json"
    if not path.is_file():
        return None
    try:
        return load_mapping_file(path)
    except RiskappError:
        return None

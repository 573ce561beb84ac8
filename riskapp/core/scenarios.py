"""Named what-if scenarios as TOML files: list, load, save and copy them.

A scenario file sets only what differs from the defaults in
``resources/reference/scoring_parameters.csv``; everything else comes from there. The
built-in presets live in ``resources/scenarios/*.toml``; a user's own scenarios in the
user folder (``$RISKAPP_USER_DIR/scenarios`` or the platform's data folder). The format
is documented in docs/scoring.md ("Scenarios")::

    name = "permits_denied_6m"
    title = "Permits denied for six months"
    description = "..."
    references = ["..."]
    evaluation_date = "today"          # or a date: 2027-01-01
    permit_denied_days = 182
    [regime_overrides]                 # regime id -> in_force | suspended | lapsed
    [tariffs]                          # us_on_cn, cn_on_us (rates, 0.3 = 30 %)
    [price_factors]                    # element -> factor (Dy = 3.0)
    [weights]  [bands]  [grades]  [parameters]
    [sources]                          # setting -> public source of the value
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from riskapp.core.errors import UsageError
from riskapp.core.fileio import atomic_write_text
from riskapp.core.reference import Reference
from riskapp.core.regimes import OVERRIDE_VALUES, UNKNOWN_POLICIES
from riskapp.core.scoring import SCENARIO_TABLES, Scenario, default_scenario

__all__ = [
    "ScenarioInfo",
    "builtin_scenarios_dir",
    "copy_preset",
    "list_presets",
    "load_scenario",
    "save_scenario",
    "scenario_to_toml",
    "user_scenarios_dir",
]

USER_DIR_ENV = "RISKAPP_USER_DIR"
_TABLES = SCENARIO_TABLES
_SCALARS = (
    "name",
    "title",
    "description",
    "references",
    "evaluation_date",
    "build_volume",
    "unknown_policy",
    "permit_denied_days",
    "permit_days_left",
    "dfars_programme",
)
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ScenarioInfo:
    """One scenario file as a menu shows it."""

    name: str
    title: str
    description: str
    path: Path
    builtin: bool
    references: tuple[str, ...] = ()


def builtin_scenarios_dir() -> Path:
    """The presets shipped in ``riskapp.resources/scenarios``."""
    return Path(str(files("riskapp.resources") / "scenarios"))


def user_scenarios_dir() -> Path:
    """Where a user's own scenarios are saved (created on first save)."""
    base = os.environ.get(USER_DIR_ENV, "").strip()
    if base:
        return Path(base) / "scenarios"
    import platformdirs

    return Path(platformdirs.user_data_dir("riskapp", appauthor=False)) / "scenarios"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read the scenario ({exc.strerror or exc}).", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the scenario is not valid TOML ({exc}).", file=path) from None


def list_presets(user_folder: Path | None = None) -> list[ScenarioInfo]:
    """Built-in presets (baseline first) followed by the user's scenarios."""
    out: list[ScenarioInfo] = []
    folders = [(builtin_scenarios_dir(), True), (user_folder or user_scenarios_dir(), False)]
    for folder, builtin in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem)):
            try:
                data = _read_toml(path)
            except UsageError:
                continue  # a broken user file must not break the menu; loading it explains
            out.append(
                ScenarioInfo(
                    name=str(data.get("name", path.stem)),
                    title=str(data.get("title", path.stem.replace("_", " ").capitalize())),
                    description=str(data.get("description", "")),
                    path=path,
                    builtin=builtin,
                    references=tuple(str(r) for r in data.get("references", [])),
                )
            )
    return out


def _find(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() == ".toml" or os.sep in text or "/" in text:
        if not path.is_file():
            raise UsageError("the scenario file does not exist.", file=path)
        return path
    for folder in (user_scenarios_dir(), builtin_scenarios_dir()):
        candidate = folder / f"{text}.toml"
        if candidate.is_file():
            return candidate
    for info in list_presets():
        if info.name == text:
            return info.path
    known = ", ".join(sorted({i.name for i in list_presets()}))
    raise UsageError(f"unknown scenario '{text}'. Known scenarios: {known}.")


def _number(value: object, key: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"'{key}' must be a number, not {value!r}.", file=path)
    if not math.isfinite(value):
        raise UsageError(f"'{key}' must be a finite number, not {value!r}.", file=path)
    return float(value)


_TABLE_RANGES = {
    "weights": (0.0, math.inf, "0 or more"),
    "tariffs": (0.0, math.inf, "a rate of 0 or more (0.3 = 30 %)"),
    "price_factors": (1e-9, math.inf, "a factor above 0 (3.0 = three times the price)"),
    "bands": (0.0, 100.0, "a score from 0 to 100"),
    "grades": (0.0, 100.0, "a score from 0 to 100"),
}
"""What each numeric table's values may be (the parameters table is checked per key by
scoring_parameters.csv's users)."""


def _apply(base: Scenario, data: Mapping[str, Any], path: Path) -> Scenario:
    unknown = [k for k in data if k not in _SCALARS and k not in _TABLES]
    if unknown:
        raise UsageError(
            f"unknown setting '{unknown[0]}' (allowed: {', '.join((*_SCALARS, *_TABLES))}).",
            file=path,
        )
    changes: dict[str, Any] = {}
    for key in ("name", "title", "description", "unknown_policy"):
        if key in data:
            changes[key] = str(data[key])
    if "references" in data:
        refs = data["references"]
        changes["references"] = tuple(str(r) for r in (refs if isinstance(refs, list) else [refs]))
    if "evaluation_date" in data:
        value = data["evaluation_date"]
        if isinstance(value, date):
            changes["evaluation_date"] = value
        elif str(value).lower() in ("today", ""):
            changes["evaluation_date"] = None
        else:
            try:
                changes["evaluation_date"] = date.fromisoformat(str(value))
            except ValueError:
                raise UsageError(
                    f"evaluation_date must be a date (2027-01-01) or 'today', not {value!r}.",
                    file=path,
                ) from None
    for key in ("build_volume", "permit_denied_days", "permit_days_left"):
        if key in data:
            number = _number(data[key], key, path)
            if number < 0 or (key == "build_volume" and number == 0):
                raise UsageError(f"'{key}' must be positive.", file=path)
            changes[key] = number
    if "dfars_programme" in data:
        if not isinstance(data["dfars_programme"], bool):
            raise UsageError("dfars_programme must be true or false.", file=path)
        changes["dfars_programme"] = data["dfars_programme"]
    if "unknown_policy" in changes and changes["unknown_policy"] not in UNKNOWN_POLICIES:
        raise UsageError(f"unknown_policy must be one of {', '.join(UNKNOWN_POLICIES)}.", file=path)
    for table in _TABLES:
        if table not in data:
            continue
        values = data[table]
        if not isinstance(values, dict):
            raise UsageError(f"[{table}] must be a table of key = value lines.", file=path)
        if table in ("regime_overrides", "sources"):
            clean = {str(k): str(v) for k, v in values.items()}
            if table == "regime_overrides":
                bad = [v for v in clean.values() if v not in OVERRIDE_VALUES]
                if bad:
                    raise UsageError(
                        f"regime status '{bad[0]}' must be one of {', '.join(OVERRIDE_VALUES)}.",
                        file=path,
                    )
        else:
            clean_n = {str(k): _number(v, f"{table}.{k}", path) for k, v in values.items()}
            if table in _TABLE_RANGES:
                low, high, wanted = _TABLE_RANGES[table]
                for k, v in clean_n.items():
                    if not low <= v <= high:
                        raise UsageError(f"'{table}.{k}' must be {wanted}, not {v:g}.", file=path)
            current = getattr(base, table)
            if table in ("weights", "bands", "grades", "tariffs", "parameters"):
                strange = [k for k in clean_n if k not in current]
                if strange and table != "parameters":
                    raise UsageError(
                        f"unknown key '{strange[0]}' in [{table}] (known: {', '.join(current)}).",
                        file=path,
                    )
                if strange:
                    known_prefix = ("price_usd_per_kg_",)
                    if not all(k.startswith(known_prefix) for k in strange):
                        raise UsageError(
                            f"unknown parameter '{strange[0]}' in [parameters] (see "
                            "scoring_parameters.csv for the keys).",
                            file=path,
                        )
            changes[table] = clean_n
            continue
        changes[table] = clean
    return base.with_changes(**changes)


def load_scenario(
    name_or_path: str | Path = "baseline", *, ref: Reference | None = None, **overrides: Any
) -> Scenario:
    """A preset by name (user folder first, then built-in) or a TOML file by path, on top
    of the defaults of scoring_parameters.csv (``ref``'s user folder first). Keyword
    ``overrides`` replace fields afterwards (mappings are merged)."""
    path = _find(name_or_path)
    data = _read_toml(path)
    base = default_scenario(ref, name=str(data.get("name", path.stem)))
    scenario = _apply(base, data, path)
    sources = dict(scenario.sources)
    sources.setdefault("scenario_file", str(path))
    scenario = scenario.with_changes(sources=sources)
    return scenario.with_changes(**overrides) if overrides else scenario


# --------------------------------------------------------------------------- writing


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e15 else f"{value:.1f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def scenario_to_toml(scenario: Scenario, ref: Reference | None = None) -> str:
    """TOML text with the scenario's identity and every setting that differs from the
    defaults (so a saved scenario follows later updates of the reference data)."""
    base = default_scenario(ref, name=scenario.name)
    lines = [
        "# riskapp scenario: settings that differ from resources/reference/scoring_parameters.csv",
        f"name = {_toml_value(scenario.name)}",
        f"title = {_toml_value(scenario.title)}",
        f"description = {_toml_value(scenario.description)}",
        f"references = {_toml_value(list(scenario.references))}",
        "evaluation_date = "
        + (_toml_value(scenario.evaluation_date) if scenario.evaluation_date else '"today"'),
    ]
    for key in ("build_volume", "permit_denied_days", "permit_days_left"):
        value = getattr(scenario, key)
        if value != getattr(base, key):
            lines.append(f"{key} = {_toml_value(float(value))}")
    if scenario.unknown_policy is not None:
        lines.append(f"unknown_policy = {_toml_value(scenario.unknown_policy)}")
    if scenario.dfars_programme:
        lines.append("dfars_programme = true")
    for table in _TABLES:
        current: Mapping[str, Any] = getattr(scenario, table)
        default: Mapping[str, Any] = getattr(base, table)
        items = {k: v for k, v in current.items() if default.get(k) != v}
        if table == "sources":
            items = {k: v for k, v in items.items() if k != "scenario_file"}
        if not items:
            continue
        lines.append("")
        lines.append(f"[{table}]")
        for key, value in items.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_scenario(scenario: Scenario, path: str | Path, ref: Reference | None = None) -> Path:
    """Write the scenario as TOML, atomically (a failure leaves any old file intact)."""
    target = Path(path)
    if target.suffix.lower() != ".toml":
        target = target.with_suffix(".toml")
    atomic_write_text(target, scenario_to_toml(scenario, ref))
    return target


def copy_preset(
    name: str, new_name: str, folder: Path | None = None, ref: Reference | None = None
) -> Path:
    """Copy a preset under a new name into the user's scenarios folder (or ``folder``)
    so it can be edited; returns the new file. Refuses to overwrite an existing file."""
    if not _NAME.fullmatch(new_name):
        raise UsageError(
            f"'{new_name}' cannot be a scenario name; use letters, digits, '_', '-' or '.'."
        )
    target = (folder or user_scenarios_dir()) / f"{new_name}.toml"
    if target.exists():
        raise UsageError("a scenario with this name already exists.", file=target)
    scenario = load_scenario(name, ref=ref)
    copy = scenario.with_changes(
        name=new_name,
        title=f"{scenario.title} (copy)",
        references=(*scenario.references, f"copied from preset '{name}'"),
    )
    return save_scenario(copy, target, ref)

"""Per-line exposure score (0-100) with every factor kept, and the BOM roll-up.

The model is documented in docs/scoring.md. In short, for a rare-earth line::

    likelihood = f_china_share x (w_control f_control + w_permit_horizon f_permit_horizon
                                  + w_concentration f_concentration
                                  + w_substitutability f_substitutability) / sum(w)
    impact     = (w_grams f_grams + w_spend f_spend + w_single_source f_single_source
                  + w_criticality f_criticality) / sum(w)
    score      = 100 x likelihood x impact

Every factor is a named column in [0, 1]; every parameter comes from a :class:`Scenario`
whose defaults are read from ``resources/reference/scoring_parameters.csv`` (each row with
a public source or marked as an assumption). Lines that are not rare-earth lines score 0.
All work is on whole columns (numpy/pandas); the only Python loops run over the few
distinct values of a factor when its evidence sentence is written.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from riskapp.core.errors import ReferenceDataError, UsageError
from riskapp.core.reference import Reference, default_reference_dir, split_list
from riskapp.core.regimes import (
    PROCUREMENT_BAN,
    VALUE_RULE,
    RegimeStatus,
    dfars_in_force,
    element_conditions,
    kind_in_force,
    regime_statuses,
)

__all__ = [
    "BANDS",
    "FACTOR_COLUMNS",
    "GRADES",
    "IMPACT_FACTORS",
    "LIKELIHOOD_FACTORS",
    "NOT_EXPOSED",
    "SCORE_COLUMNS",
    "STAGES",
    "BomRollup",
    "Parameter",
    "Scenario",
    "ScoredBom",
    "compare",
    "default_scenario",
    "gc_paused",
    "grade_for",
    "load_advice_options",
    "load_scoring_parameters",
    "option_applicability",
    "re_symbols",
    "rollup",
    "score_bom",
    "score_lines",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet")
EXPORT_STAGES: tuple[str, ...] = ("separation", "metal", "magnet")  # controlled forms
LIKELIHOOD_FACTORS: tuple[str, ...] = (
    "control",
    "permit_horizon",
    "concentration",
    "substitutability",
)
IMPACT_FACTORS: tuple[str, ...] = ("grams", "spend", "single_source", "criticality")
FACTOR_COLUMNS: tuple[str, ...] = (
    "f_china_share",
    *(f"f_{name}" for name in LIKELIHOOD_FACTORS),
    *(f"f_{name}" for name in IMPACT_FACTORS),
)
BANDS: tuple[str, ...] = ("Low", "Medium", "High", "Critical")
NOT_EXPOSED = "Not exposed"
GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
SCORE_COLUMNS: tuple[str, ...] = (
    "units_per_year",
    "controlled_elements",
    "controlled_g_per_unit",
    "controlled_g_per_year",
    "dy_tb_g_per_year",
    "permit_needed",
    "permit_basis",
    "value_share",
    "spend_per_year",
    "spend_estimated",
    "cover_days",
    "tariff_us_on_cn_per_year",
    "tariff_cn_on_us_per_year",
    *FACTOR_COLUMNS,
    "likelihood",
    "impact",
    "score",
    "band",
    "score_evidence",
)

PARAMETERS_FILE = "scoring_parameters.csv"
ADVICE_OPTIONS_FILE = "advice_options.csv"
_PARAM_COLUMNS = ("key", "value", "unit", "description", "source", "status")
_OPTION_COLUMNS = (
    "option_id",
    "title",
    "change",
    "re_classes",
    "temp_classes",
    "archetypes",
    "exclude_archetypes",
    "qualification_months",
    "available_from",
    "removes_control",
    "producer_stage",
    "cost_note",
    "performance_note",
    "source",
    "status",
)
_STATUS = ("sourced", "assumption")
_DAYS_PER_MONTH = 365.25 / 12
_DAYS_PER_YEAR = 365.0
_EPS = 1e-12
_DIRECT_FORMAT_ROWS = 256


# =========================================================================== helpers (gc)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Scoring builds hundreds of thousands of short lists and strings (evidence); with a
    large tagged frame alive, every automatic collection walks all of it, which costs more
    than the work itself (~8x on 100,000 lines). Nothing built here forms cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# =========================================================================== data files


@dataclass(frozen=True)
class Parameter:
    """One row of scoring_parameters.csv (``value`` is a float when it reads as one)."""

    key: str
    value: float | str
    unit: str
    description: str
    source: str
    status: str
    line: int

    @property
    def number(self) -> float:
        if isinstance(self.value, str):
            raise ReferenceDataError(
                f"The scoring parameter '{self.key}' should be a number but is '{self.value}'.",
                file=PARAMETERS_FILE,
                row=self.line,
                column="value",
            )
        return self.value


def _data_path(filename: str, folder: str | Path | None) -> Path:
    if folder:
        candidate = Path(folder) / filename
        if candidate.is_file():
            return candidate
    return default_reference_dir() / filename


def _read_rows(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(CSV line, row) for every record; checks the header and the required cells."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ReferenceDataError(f"Cannot read the file ({exc.strerror}).", file=path) from None
    except UnicodeDecodeError:
        raise ReferenceDataError("The file is not UTF-8 text.", file=path) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ReferenceDataError("The file is empty.", file=path, row=1) from None
    for name in columns:
        if name not in header:
            raise ReferenceDataError(
                f"The required column '{name}' is missing.", file=path, row=1, column=name
            )
    rows: list[tuple[int, dict[str, str]]] = []
    end = 1
    for record in reader:
        start, end = end + 1, reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise ReferenceDataError(
                f"The row has {len(record)} cells but the header has {len(header)}.",
                file=path,
                row=start,
            )
        rows.append((start, {h: c.strip() for h, c in zip(header, record, strict=True)}))
    return rows


def _to_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


def load_scoring_parameters(folder: str | Path | None = None) -> Mapping[str, Parameter]:
    """The rows of scoring_parameters.csv by key (a user reference folder may replace it)."""
    return _load_parameters_cached(_file_key(_data_path(PARAMETERS_FILE, folder)))


@functools.lru_cache(maxsize=8)
def _load_parameters_cached(key: tuple[str, int, int]) -> Mapping[str, Parameter]:
    path = Path(key[0])
    out: dict[str, Parameter] = {}
    for line, row in _read_rows(path, _PARAM_COLUMNS):
        name = row["key"]
        if not name:
            raise ReferenceDataError("A parameter needs a key.", file=path, row=line, column="key")
        if name in out:
            raise ReferenceDataError(
                f"Duplicate key '{name}' (each must appear once).",
                file=path,
                row=line,
                column="key",
            )
        if row["status"] not in _STATUS:
            raise ReferenceDataError(
                f"'{row['status']}' is not allowed here; use one of: {', '.join(_STATUS)}.",
                file=path,
                row=line,
                column="status",
            )
        if not row["source"]:
            raise ReferenceDataError(
                "Every parameter needs a source.", file=path, row=line, column="source"
            )
        number = _to_float(row["value"])
        value: float | str = number if number is not None else row["value"]
        out[name] = Parameter(
            name, value, row["unit"], row["description"], row["source"], row["status"], line
        )
    return MappingProxyType(out)


def load_advice_options(folder: str | Path | None = None) -> pd.DataFrame:
    """advice_options.csv as a frame indexed by CSV line (lists kept as ';' text)."""
    return _load_options_cached(_file_key(_data_path(ADVICE_OPTIONS_FILE, folder))).copy()


@functools.lru_cache(maxsize=8)
def _load_options_cached(key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    rows = _read_rows(path, _OPTION_COLUMNS)
    seen: set[str] = set()
    records: list[dict[str, Any]] = []
    for line, row in rows:

        def fail(column: str, message: str, line: int = line) -> ReferenceDataError:
            return ReferenceDataError(message, file=path, row=line, column=column)

        if not row["option_id"] or row["option_id"] in seen:
            raise fail("option_id", f"The option_id '{row['option_id']}' is empty or repeated.")
        seen.add(row["option_id"])
        months = _to_float(row["qualification_months"])
        if months is None or months < 0:
            raise fail("qualification_months", "qualification_months must be a number >= 0.")
        available: date | None = None
        if row["available_from"]:
            try:
                available = date.fromisoformat(row["available_from"])
            except ValueError:
                raise fail("available_from", "available_from must be a date YYYY-MM-DD.") from None
        if row["removes_control"] not in ("true", "false"):
            raise fail("removes_control", "removes_control must be true or false.")
        if row["status"] not in _STATUS:
            raise fail("status", f"status must be one of: {', '.join(_STATUS)}.")
        kind = row["change"].split(":", 1)[0]
        if kind not in ("material", "temp_class", "fractions", "remove_magnet", "origin"):
            raise fail("change", f"Unknown change '{row['change']}'.")
        record: dict[str, Any] = dict(row)
        record["qualification_months"] = months
        record["available_from"] = available
        record["removes_control"] = row["removes_control"] == "true"
        record["line"] = line
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if not frame.empty:
        frame.index = pd.Index(frame.pop("line").to_numpy(dtype="int64"), name="line")
    return frame


# =========================================================================== scenario


SCENARIO_TABLES: tuple[str, ...] = (
    "regime_overrides",
    "tariffs",
    "price_factors",
    "weights",
    "bands",
    "grades",
    "parameters",
    "sources",
)
"""The Scenario fields that are tables (name → value), as kept in a scenario file."""


@dataclass(frozen=True)
class Scenario:
    """Every parameter of one scoring run, each with its source (see docs/scoring.md).

    Build one with :func:`default_scenario` (defaults from scoring_parameters.csv) or
    :func:`riskapp.core.scenarios.load_scenario`; change one with :meth:`with_changes`.
    ``evaluation_date=None`` means "today when scored". ``units_per_year`` of every line
    is recomputed as extended quantity (else quantity, else 1) x ``build_volume``, so the
    scenario is the one place the build volume is set.
    """

    name: str = "custom"
    title: str = ""
    description: str = ""
    evaluation_date: date | None = None
    build_volume: float = 1000.0
    regime_overrides: Mapping[str, str] = field(default_factory=dict)
    unknown_policy: str | None = None
    permit_denied_days: float = 0.0
    permit_days_left: float = 0.0
    tariffs: Mapping[str, float] = field(default_factory=dict)
    price_factors: Mapping[str, float] = field(default_factory=dict)
    dfars_programme: bool = False
    weights: Mapping[str, float] = field(default_factory=dict)
    bands: Mapping[str, float] = field(default_factory=dict)
    grades: Mapping[str, float] = field(default_factory=dict)
    parameters: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in SCENARIO_TABLES:
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "references", tuple(self.references))

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (mappings are merged into the current ones)."""
        merged: dict[str, Any] = {}
        for key, value in changes.items():
            current = getattr(self, key)
            if isinstance(current, Mapping) and isinstance(value, Mapping):
                merged[key] = {**current, **value}
            else:
                merged[key] = value
        return replace(self, **merged)

    def resolved_date(self) -> date:
        """The evaluation date, or today."""
        return self.evaluation_date or date.today()

    def param(self, key: str) -> float:
        """A numeric scoring parameter (UsageError naming the key if absent)."""
        try:
            return float(self.parameters[key])
        except KeyError:
            raise UsageError(
                f"The scenario '{self.name}' has no parameter '{key}'; add it to "
                f"{PARAMETERS_FILE} or the scenario's [parameters] table."
            ) from None

    def price_usd_per_g(self, symbol: str, shocked: bool = True) -> float:
        key = f"price_usd_per_kg_{symbol}"
        per_kg = self.parameters.get(key, self.parameters.get("price_usd_per_kg_default", 0.0))
        factor = self.price_factors.get(symbol, 1.0) if shocked else 1.0
        return float(per_kg) * float(factor) / 1000.0

    def describe(self) -> list[tuple[str, str, str]]:
        """(parameter, value, source) rows for a report's assumptions sheet."""
        rows: list[tuple[str, str, str]] = [
            ("scenario", self.name, "; ".join(self.references)),
            ("evaluation_date", str(self.evaluation_date or "today"), ""),
            ("build_volume", f"{self.build_volume:g}", self.sources.get("build_volume", "")),
            ("unknown_policy", self.unknown_policy or "reference default", ""),
            (
                "permit_denied_days",
                f"{self.permit_denied_days:g}",
                self.sources.get("permit_denied_days", ""),
            ),
            (
                "permit_days_left",
                f"{self.permit_days_left:g}",
                self.sources.get("permit_days_left", ""),
            ),
            ("dfars_programme", str(self.dfars_programme).lower(), ""),
        ]
        rows += [(f"regime:{k}", v, "scenario override") for k, v in self.regime_overrides.items()]
        for prefix, table in (
            ("tariff", self.tariffs),
            ("price_factor", self.price_factors),
            ("weight", self.weights),
            ("band", self.bands),
            ("grade", self.grades),
        ):
            for key, value in table.items():
                rows.append(
                    (f"{prefix}_{key}", f"{value:g}", self.sources.get(f"{prefix}_{key}", ""))
                )
        for key, value in self.parameters.items():
            rows.append((key, f"{value:g}", self.sources.get(key, "")))
        return rows


def _split_parameter(key: str) -> tuple[str, str] | None:
    """Which Scenario table a scoring_parameters.csv key belongs to, and its sub-key."""
    if key.startswith("weight_"):
        return "weights", key.removeprefix("weight_")
    if key.startswith("band_") and key.endswith("_from"):
        return "bands", key.removeprefix("band_").removesuffix("_from").capitalize()
    if key.startswith("grade_") and key.endswith("_below"):
        return "grades", key.removeprefix("grade_").removesuffix("_below").upper()
    if key.startswith("tariff_"):
        return "tariffs", key.removeprefix("tariff_")
    return None


def default_scenario(ref: Reference | None = None, name: str = "baseline") -> Scenario:
    """A scenario with every default from scoring_parameters.csv (user folder of ``ref``
    first), regimes as dated, evaluated today."""
    params = load_scoring_parameters(ref.folder if ref is not None else None)
    tables: dict[str, dict[str, float]] = {
        "weights": {},
        "bands": {},
        "grades": {},
        "tariffs": {},
        "parameters": {},
    }
    sources: dict[str, str] = {}
    for key, row in params.items():
        split = _split_parameter(key)
        table, sub = split if split else ("parameters", key)
        tables[table][sub] = row.number
        label = {"weights": "weight", "bands": "band", "grades": "grade", "tariffs": "tariff"}
        sources[f"{label[table]}_{sub}" if table in label else key] = (
            f"{row.source} [{row.status}; {PARAMETERS_FILE} line {row.line}]"
        )
    parameters = tables["parameters"]
    days_left = parameters.pop("permit_days_left", 0.0)
    volume = parameters.pop("build_volume", 1000.0)
    sources["permit_days_left"] = sources.pop("permit_days_left", "")
    sources["permit_denied_days"] = "no denial in this scenario"
    return Scenario(
        name=name,
        title=name.replace("_", " ").capitalize(),
        permit_days_left=days_left,
        build_volume=volume,
        weights=tables["weights"],
        bands=dict(sorted(tables["bands"].items(), key=lambda kv: kv[1])),
        grades=dict(sorted(tables["grades"].items(), key=lambda kv: kv[1])),
        tariffs=tables["tariffs"],
        parameters=parameters,
        sources=sources,
    )


def grade_for(bom_score: float, scenario: Scenario) -> str:
    """BOM grade A (best) .. F (worst) for a BOM score, from the scenario's thresholds."""
    for grade, upper in sorted(scenario.grades.items(), key=lambda kv: kv[1]):
        if bom_score < upper:
            return grade
    return GRADES[-1]


# =========================================================================== helpers


def re_symbols(ref: Reference) -> list[str]:
    """The rare-earth element symbols, in elements.csv order."""
    return list(_re_symbols(ref))


@functools.lru_cache(maxsize=8)
def _re_symbols(ref: Reference) -> tuple[str, ...]:
    elements = ref.elements
    return tuple(str(s) for s in elements.loc[elements["group"] != "non_re", "symbol"].tolist())


def _num(frame: pd.DataFrame, column: str, default: float = 0.0) -> FloatArray:
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=np.float64)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    return values


def _num_filled(frame: pd.DataFrame, column: str, default: float = 0.0) -> FloatArray:
    values = _num(frame, column, default)
    return np.where(np.isnan(values), default, values)


def _text(frame: pd.DataFrame, column: str) -> ObjArray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].to_numpy(dtype=object, na_value="")
    return np.where(pd.isna(values), "", values) if values.dtype == object else values


def _flag(frame: pd.DataFrame, column: str) -> BoolArray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    col = frame[column]
    if col.dtype == bool:
        return col.to_numpy(dtype=bool)
    text = col.fillna(False).astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "1.0"]).to_numpy(dtype=bool)


def _startswith(values: ObjArray, prefix: str) -> BoolArray:
    """str.startswith over an array with few distinct values (tested once per value; a
    missing value is one of them, not code -1, which would index the last)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) == 0:
        return np.zeros(len(values), dtype=bool)
    hits = np.array([str(u).startswith(prefix) for u in uniques], dtype=bool)
    return hits[codes]


def _log_scale(x: FloatArray, low: float, high: float) -> FloatArray:
    """log10(1 + x/low) / log10(1 + high/low), clipped to [0, 1]."""
    x = np.maximum(np.nan_to_num(x, nan=0.0), 0.0)
    return np.clip(np.log10(1.0 + x / low) / math.log10(1.0 + high / low), 0.0, 1.0)


def _fmt_mass(grams: float) -> str:
    if grams >= 1e6:
        return f"{grams / 1e6:,.2f} t"
    if grams >= 1e3:
        return f"{grams / 1e3:,.1f} kg"
    if grams >= 1:
        return f"{grams:,.1f} g"
    return f"{grams:.3g} g"


def _fmt_money(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _sentences(
    columns: Mapping[str, npt.NDArray[Any]],
    rows: npt.NDArray[np.intp],
    fmt: Callable[[Mapping[str, Any]], str],
) -> ObjArray:
    """One sentence per row of ``rows``, formatted once per distinct combination of values."""
    if len(rows) == 0:
        return np.empty(0, dtype=object)
    if len(rows) <= _DIRECT_FORMAT_ROWS:  # small frames: grouping costs more than it saves
        keys = list(columns)
        lists = [columns[k][rows].tolist() for k in keys]
        return np.array(
            [fmt(dict(zip(keys, values, strict=True))) for values in zip(*lists, strict=True)],
            dtype=object,
        )
    picked: dict[str, npt.NDArray[Any]] = {k: np.asarray(v)[rows] for k, v in columns.items()}
    frame = pd.DataFrame(picked)
    codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    names = list(picked)
    values = [picked[k][first].tolist() for k in names]
    texts = np.empty(len(first), dtype=object)
    rows_of_values = zip(*values, strict=True)
    texts[codes[first]] = [fmt(dict(zip(names, row, strict=True))) for row in rows_of_values]
    return texts[codes]


# =========================================================================== context


@dataclass(frozen=True)
class _Context:
    """Everything score_lines needs besides the lines, computed once per call."""

    on: date
    statuses: Mapping[str, RegimeStatus]
    symbols: list[str]
    licence_elements: list[str]  # controlled by an element licence in force
    licence_regimes: Mapping[str, list[str]]
    threshold_elements: set[str]  # judged by the practical Dy+Tb threshold in NdFeB
    threshold: float
    value_rule_elements: list[str]
    value_rule_threshold: float
    value_rule_ids: list[str]
    dfars_on: bool
    dfars_ndfeb: list[str]
    dfars_smco: list[str]
    dfars_countries: list[str]
    lead_days: float
    lead_working_days: float
    options: pd.DataFrame
    producers: pd.DataFrame


def _context(
    ref: Reference, scenario: Scenario, statuses: Mapping[str, RegimeStatus] | None
) -> _Context:
    on = scenario.resolved_date()
    key = (
        ref,
        on,
        tuple(sorted(scenario.regime_overrides.items())),
        scenario.unknown_policy,
        scenario.dfars_programme,
        scenario.param("calendar_days_per_working_day"),
    )
    if statuses is None:
        return _context_cached(*key)
    try:  # advice scores its trial lines against the same statuses: built once
        return _context_cached(*key, tuple(statuses.items()))
    except TypeError:  # unhashable statuses (not ours): built each time
        return _build_context(*key, statuses=statuses)


@functools.lru_cache(maxsize=32)
def _context_cached(
    ref: Reference,
    on: date,
    overrides: tuple[tuple[str, str], ...],
    unknown_policy: str | None,
    dfars_programme: bool,
    calendar_per_working_day: float,
    statuses: tuple[tuple[str, RegimeStatus], ...] | None = None,
) -> _Context:
    return _build_context(
        ref,
        on,
        overrides,
        unknown_policy,
        dfars_programme,
        calendar_per_working_day,
        statuses=dict(statuses) if statuses is not None else None,
    )


def _build_context(
    ref: Reference,
    on: date,
    overrides: tuple[tuple[str, str], ...],
    unknown_policy: str | None,
    dfars_programme: bool,
    calendar_per_working_day: float,
    statuses: Mapping[str, RegimeStatus] | None = None,
) -> _Context:
    if statuses is None:
        statuses = regime_statuses(ref, on, dict(overrides), unknown_policy)
    symbols = re_symbols(ref)
    cond = element_conditions(ref, statuses)
    licence_elements = [e for e in dict.fromkeys(cond["element"].tolist()) if e in symbols]
    licence_regimes: dict[str, list[str]] = {}
    for element, rid in zip(cond["element"].tolist(), cond["regime_id"].tolist(), strict=True):
        ids = licence_regimes.setdefault(str(element), [])
        if rid not in ids:
            ids.append(str(rid))
    threshold_elements = set(cond.loc[cond["condition"] == "ndfeb_containing_dy_tb", "element"])

    rows = ref.regime_elements
    vr_ids = kind_in_force(statuses, VALUE_RULE)
    vr_elements = [
        e
        for e in dict.fromkeys(rows.loc[rows["regime_id"].isin(vr_ids), "element"])
        if e in symbols
    ]
    regimes = ref.regimes.set_index("regime_id")
    vr_thresholds = [float(x) for x in regimes["threshold"].reindex(vr_ids).dropna().tolist()]
    vr_threshold = (
        min(vr_thresholds) if vr_thresholds else ref.permit_fact_float("value_rule_threshold")
    )

    dfars_on = dfars_programme and dfars_in_force(statuses)
    ban_ids = kind_in_force(statuses, PROCUREMENT_BAN)
    ban_rows = rows[rows["regime_id"].isin(ban_ids)]
    dfars_ndfeb = [str(e) for e in ban_rows.loc[ban_rows["condition"] == "ndfeb_magnet", "element"]]
    dfars_smco = [str(e) for e in ban_rows.loc[ban_rows["condition"] == "smco_magnet", "element"]]
    countries: list[str] = []
    for rule in regimes.loc[ban_ids, "rule"].tolist() if ban_ids else []:
        if str(rule).startswith("no_origin_in:"):
            countries += split_list(str(rule).split(":", 1)[1])
    working_days = ref.permit_fact_float("statutory_review_working_days")
    return _Context(
        on=on,
        statuses=statuses,
        symbols=symbols,
        licence_elements=licence_elements,
        licence_regimes=licence_regimes,
        threshold_elements=threshold_elements,
        threshold=ref.permit_fact_float("practical_dy_tb_threshold_wt"),
        value_rule_elements=vr_elements,
        value_rule_threshold=vr_threshold,
        value_rule_ids=vr_ids,
        dfars_on=dfars_on,
        dfars_ndfeb=dfars_ndfeb,
        dfars_smco=dfars_smco,
        dfars_countries=countries or ["CN"],
        lead_days=working_days * calendar_per_working_day,
        lead_working_days=working_days,
        options=load_advice_options(ref.folder),
        producers=ref.producers,
    )


# =========================================================================== per-line factors


def option_applicability(options: pd.DataFrame, lines: pd.DataFrame) -> BoolArray:
    """n_lines x n_options: does each option apply to each line (class, temperature class,
    archetype)? An empty list cell means "any"; a line without a temperature class passes
    a temperature filter (unknown class: the option is shown with its caveat)."""
    n, k = len(lines), len(options)
    out = np.zeros((n, k), dtype=bool)
    if n == 0 or k == 0:
        return out
    keys = pd.DataFrame(
        {
            "re_class": _text(lines, "re_class"),
            "temp_class": _text(lines, "temp_class"),
            "archetype": _text(lines, "archetype"),
        }
    )
    codes = keys.groupby(["re_class", "temp_class", "archetype"], sort=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    combos = keys.iloc[first].to_dict("records")
    table = np.zeros((len(first), k), dtype=bool)
    for j, (re_classes, temps, archetypes, excluded) in enumerate(
        zip(
            options["re_classes"].tolist(),
            options["temp_classes"].tolist(),
            options["archetypes"].tolist(),
            options["exclude_archetypes"].tolist(),
            strict=True,
        )
    ):
        rc, tc, ar, ex = (set(split_list(x)) for x in (re_classes, temps, archetypes, excluded))
        for i, combo in enumerate(combos):
            table[i, j] = (
                (not rc or combo["re_class"] in rc)
                and (not tc or not combo["temp_class"] or combo["temp_class"] in tc)
                and (not ar or combo["archetype"] in ar)
                and combo["archetype"] not in ex
            )
    lookup = np.empty(len(first), dtype=np.intp)
    lookup[codes[first]] = np.arange(len(first))
    return table[lookup[codes]]


def _months_until(on: date, available: object) -> float:
    if not isinstance(available, date):
        return 0.0
    return max(0.0, (available - on).days / _DAYS_PER_MONTH)


def _concentration(
    producers: pd.DataFrame, ctx: _Context, present: BoolArray, weights: FloatArray
) -> tuple[FloatArray, ObjArray]:
    """Stage-weighted HHI of the non-China producers able to supply the line's elements.

    A producer qualifies at a stage when it is producing or commissioning on the evaluation
    date and lists every element of the line that any producer of that stage lists (so an
    element nobody reports, such as Ce at the magnet stage, does not disqualify everyone).
    Shares are equal (capacities are incomplete), so HHI = 1/n; no producer = 1.
    Returns (factor, per-line count text such as 'mining 2, separation 2, metal 0, magnet 8').
    """
    bits = (present.astype(np.int64) << np.arange(present.shape[1], dtype=np.int64)).sum(axis=1)
    uniq, inverse = np.unique(bits, return_inverse=True)
    prod = producers
    dates = prod["status_date"]
    on_ts = pd.Timestamp(ctx.on)
    operating = prod["status"].isin(["producing", "commissioning"]) & (
        dates.isna() | (dates <= on_ts)
    )
    elements = [set(split_list(x)) for x in prod["elements"].tolist()]
    stage_of = prod["stage"].tolist()
    non_cn = (prod["country"] != "CN").tolist()
    ok = operating.tolist()
    vocab = {
        s: set().union(*[e for e, st in zip(elements, stage_of, strict=True) if st == s])
        for s in STAGES
    }
    values = np.zeros(len(uniq), dtype=np.float64)
    texts = np.empty(len(uniq), dtype=object)
    total_w = float(weights.sum())
    for u, code in enumerate(uniq.tolist()):
        key = {ctx.symbols[i] for i in range(len(ctx.symbols)) if code >> i & 1}
        parts: list[str] = []
        acc = 0.0
        for s_i, stage in enumerate(STAGES):
            need = key & vocab[stage]
            count = sum(
                1
                for e, st, nc, good in zip(elements, stage_of, non_cn, ok, strict=True)
                if st == stage and nc and good and e and need <= e
            )
            acc += weights[s_i] * (1.0 / count if count else 1.0)
            parts.append(f"{stage} {count}")
        values[u] = acc / total_w if total_w > 0 else 0.0
        texts[u] = ", ".join(parts)
    return values[inverse], texts[inverse]


def score_lines(
    tagged: pd.DataFrame,
    ref: Reference,
    scenario: Scenario,
    *,
    statuses: Mapping[str, RegimeStatus] | None = None,
    spend_total: float | None = None,
    with_evidence: bool = True,
) -> pd.DataFrame:
    """The tagged lines with the factor, score and evidence columns of SCORE_COLUMNS added.

    ``statuses`` (regime statuses) and ``spend_total`` (BOM spend at base prices, for
    f_spend) can be passed in to score modified lines against the same BOM (advice does
    this); by default both come from the call. ``with_evidence=False`` skips the
    evidence sentences (``score_evidence`` holds empty lists) for speed.
    Only rare-earth lines are scored; the others get zeros, so a BOM with a few magnet
    lines among 100,000 costs little more than its magnet lines.
    """
    with gc_paused():
        return _score_lines(tagged, ref, scenario, statuses, spend_total, with_evidence)


def _score_lines(
    tagged: pd.DataFrame,
    ref: Reference,
    scenario: Scenario,
    statuses: Mapping[str, RegimeStatus] | None,
    spend_total: float | None,
    with_evidence: bool,
) -> pd.DataFrame:
    ctx = _context(ref, scenario, statuses)
    # the previous score's columns go in one step (column by column, each removal rebuilt
    # the frame's blocks: ~60 ms a call on any BOM, and advice scores many times)
    stale = [c for c in SCORE_COLUMNS if c in tagged.columns and c != "units_per_year"]
    out = tagged.drop(columns=stale) if stale else tagged.copy(deep=False)
    n = len(out)

    # ---- every line: units per year (the scenario's build volume), price, spend, tariffs
    if "extended_quantity" in out.columns or "quantity" in out.columns:
        per_product = _num(out, "extended_quantity", np.nan)
        per_product = np.where(np.isnan(per_product), _num(out, "quantity", np.nan), per_product)
        per_product = np.where(np.isnan(per_product), 1.0, per_product)
        units = per_product * float(scenario.build_volume)
    else:
        units = _num_filled(out, "units_per_year", float(scenario.build_volume))
    units = np.maximum(units, 0.0)
    out["units_per_year"] = units
    unit_price = _num(out, "unit_price", np.nan)
    ext_price = _num(out, "ext_price", np.nan)
    qty_line = _num(out, "quantity", np.nan)
    from_ext = np.divide(
        ext_price, qty_line, out=np.full(n, np.nan), where=(qty_line > 0) & ~np.isnan(ext_price)
    )
    unit_cost = np.where(np.isnan(unit_price), from_ext, unit_price)
    price_known = ~np.isnan(unit_cost) & (unit_cost > 0)
    rare = _flag(out, "rare_earth")
    rows = np.nonzero(rare)[0]

    sub = out.iloc[rows]
    r = _score_rare(sub, ctx, scenario, units[rows], unit_cost[rows], price_known[rows])

    spend_base = np.where(price_known, unit_cost, 0.0) * units
    spend_base[rows] = r["spend_base"]
    spend = spend_base.copy()
    spend[rows] = r["spend"]
    total = float(spend_total) if spend_total is not None else float(spend_base.sum())
    share_r = np.divide(r["spend"], total, out=np.zeros(len(rows)), where=total > 0)
    lo, hi = scenario.param("spend_share_low"), scenario.param("spend_share_high")
    f_spend = np.clip(np.log10(np.maximum(share_r, _EPS) / lo) / math.log10(hi / lo), 0.0, 1.0)
    r["f_spend"] = np.where(share_r > 0, f_spend, 0.0)
    r["share"] = share_r

    # ---- combine
    w = scenario.weights
    w_like = np.array([w.get(k, 0.0) for k in LIKELIHOOD_FACTORS])
    w_imp = np.array([w.get(k, 0.0) for k in IMPACT_FACTORS])
    if w_like.sum() <= 0 or w_imp.sum() <= 0:
        raise UsageError(
            f"The scenario '{scenario.name}' has no positive likelihood or impact weights."
        )
    pressure = sum(w_like[i] * r[f"f_{k}"] for i, k in enumerate(LIKELIHOOD_FACTORS))
    r["likelihood"] = r["f_china_share"] * pressure / w_like.sum()
    r["impact"] = sum(w_imp[i] * r[f"f_{k}"] for i, k in enumerate(IMPACT_FACTORS)) / w_imp.sum()
    r["score"] = np.clip(100.0 * r["likelihood"] * r["impact"], 0.0, 100.0)
    band = np.full(len(rows), BANDS[0], dtype=object)
    for name in BANDS[1:]:
        band = np.where(r["score"] >= scenario.bands.get(name, math.inf), name, band)
    r["band"] = band

    def full(values: npt.NDArray[Any], fill: Any, dtype: Any = np.float64) -> npt.NDArray[Any]:
        arr = np.full(n, fill, dtype=dtype)
        arr[rows] = values
        return arr

    for name in (*FACTOR_COLUMNS, "likelihood", "impact", "score"):
        out[name] = full(r[name], 0.0)
    out["band"] = full(r["band"], NOT_EXPOSED, object)
    out["controlled_elements"] = full(r["ctrl"], "", object)
    out["controlled_g_per_unit"] = full(r["controlled_g_unit"], 0.0)
    out["controlled_g_per_year"] = full(r["controlled_g_unit"] * units[rows], 0.0)
    out["dy_tb_g_per_year"] = full(r["dy_tb_g_year"], 0.0)
    out["permit_needed"] = full(r["permit"], False, bool)
    out["permit_basis"] = full(r["basis"], "", object)
    out["value_share"] = full(r["value_share"], np.nan)
    out["spend_per_year"] = spend
    out["spend_estimated"] = ~price_known & (spend > 0)
    out["cover_days"] = full(r["cover"], np.nan)
    origin_comp = out["origin_component"] if "origin_component" in out.columns else None
    if origin_comp is not None:
        origin_comp = origin_comp.fillna("")
        is_cn = origin_comp.eq("CN").to_numpy(dtype=bool)
        unknown = origin_comp.eq("").to_numpy(dtype=bool)
        is_us = origin_comp.eq("US").to_numpy(dtype=bool)
    else:
        is_cn = is_us = np.zeros(n, dtype=bool)
        unknown = np.ones(n, dtype=bool)
    p_cn_comp = np.where(is_cn, 1.0, 0.0)
    p_cn_comp[rows] = np.where(unknown[rows], r["cn_magnet"], p_cn_comp[rows])
    out["tariff_us_on_cn_per_year"] = spend * p_cn_comp * scenario.tariffs.get("us_on_cn", 0.0)
    out["tariff_cn_on_us_per_year"] = spend * is_us * scenario.tariffs.get("cn_on_us", 0.0)

    if with_evidence:
        texts = _evidence(ctx=ctx, scenario=scenario, values=r)
        evidence: list[list[str]] = [["Not a rare-earth line: score 0."] for _ in range(n)]
        for k, row in enumerate(rows.tolist()):
            evidence[row] = texts[k]
        out["score_evidence"] = pd.Series(evidence, index=out.index, dtype=object)
    else:
        out["score_evidence"] = pd.Series([[] for _ in range(n)], index=out.index, dtype=object)
    return out


def _score_rare(
    sub: pd.DataFrame,
    ctx: _Context,
    scenario: Scenario,
    units: FloatArray,
    unit_cost: FloatArray,
    price_known: BoolArray,
) -> dict[str, npt.NDArray[Any]]:
    """Every factor of the rare-earth lines ``sub`` (f_spend is finished by the caller,
    which knows the BOM's total spend)."""
    m = len(sub)
    idx = np.arange(m)
    symbols = ctx.symbols
    col = {s: i for i, s in enumerate(symbols)}
    grams = np.zeros((m, len(symbols)))
    for i, s in enumerate(symbols):
        if f"g_{s}" in sub.columns:
            grams[:, i] = _num_filled(sub, f"g_{s}")
    grams = np.maximum(grams, 0.0)
    present = grams > 0

    re_class = _text(sub, "re_class")
    material = _text(sub, "material_id")
    is_ndfeb = _startswith(re_class, "ndfeb") | _startswith(material, "ndfeb")
    is_smco = (re_class == "smco") | _startswith(material, "sm")
    mass = _num_filled(sub, "magnet_mass_g")
    thr_cols = [col[e] for e in ctx.threshold_elements if e in col]
    if "dy_tb_fraction" in sub.columns:
        dytb = _num_filled(sub, "dy_tb_fraction")
    else:
        dytb = np.divide(grams[:, thr_cols].sum(axis=1), mass, out=np.zeros(m), where=mass > 0)

    # ---- control: element licences
    lic_cols = [col[e] for e in ctx.licence_elements]
    counted = present[:, lic_cols].copy()
    de_minimis = is_ndfeb & (dytb <= ctx.threshold)
    for j, element in enumerate(ctx.licence_elements):
        if element in ctx.threshold_elements:
            counted[:, j] &= ~de_minimis
    licence_hit = counted.any(axis=1)
    below = present[:, lic_cols].any(axis=1) & ~licence_hit

    cn = {s: np.clip(_num_filled(sub, f"cn_share_{s}", 1.0), 0.0, 1.0) for s in STAGES}
    cn_export = np.maximum.reduce([cn[s] for s in EXPORT_STAGES])

    # ---- control: value rule (No. 61)
    price_g = np.array([scenario.price_usd_per_g(s) for s in symbols])
    base_price_g = np.array([scenario.price_usd_per_g(s, shocked=False) for s in symbols])
    vr_cols = [col[e] for e in ctx.value_rule_elements]
    vr_content = grams[:, vr_cols] @ price_g[vr_cols] if vr_cols else np.zeros(m)
    cn_content = vr_content * cn_export
    value_share = np.divide(cn_content, unit_cost, out=np.full(m, np.nan), where=price_known)
    vr_hit = (
        (cn_content > 0)
        & (~price_known | (np.nan_to_num(value_share) >= ctx.value_rule_threshold))
        & bool(ctx.value_rule_ids)
    )
    permit_needed = (licence_hit & (cn_export > 0)) | (vr_hit & ~licence_hit)
    f_control = np.where(
        licence_hit,
        scenario.param("control_permit"),
        np.where(
            vr_hit,
            scenario.param("control_value_rule"),
            np.where(
                below,
                scenario.param("control_below_threshold"),
                scenario.param("control_uncontrolled"),
            ),
        ),
    )

    # ---- DFARS (defence programme)
    dfars_cols_n = [col[e] for e in ctx.dfars_ndfeb if e in col]
    dfars_cols_s = [col[e] for e in ctx.dfars_smco if e in col]
    covered = np.zeros(m, dtype=bool)
    p_banned = np.zeros(m)
    if ctx.dfars_on:
        covered = (is_ndfeb & present[:, dfars_cols_n].any(axis=1)) | (
            is_smco & present[:, dfars_cols_s].any(axis=1)
        )
        others = [c for c in ctx.dfars_countries if c != "CN"]
        stage_p = []
        for s in STAGES:
            origin = _text(sub, f"origin_{s}")
            stage_p.append(np.where(np.isin(origin, others), 1.0, cn[s]))
        stage_p.append(np.isin(_text(sub, "origin_component"), ctx.dfars_countries).astype(float))
        p_banned = np.maximum.reduce(stage_p)
        f_control = np.where(
            covered, np.maximum(f_control, scenario.param("control_dfars") * p_banned), f_control
        )

    # ---- China share along the stages
    stage_w = np.array([scenario.param(f"stage_weight_{s}") for s in STAGES])
    f_china = sum(stage_w[i] * cn[s] for i, s in enumerate(STAGES)) / float(stage_w.sum())

    # ---- permit horizon
    stock = _num(sub, "stock", np.nan)
    daily = units / _DAYS_PER_YEAR
    has_stock = ~np.isnan(stock) & (daily > 0)
    cover = np.where(
        has_stock,
        np.divide(np.nan_to_num(stock), daily, out=np.zeros(m), where=daily > 0),
        scenario.param("inventory_cover_days_default"),
    )
    gap = ctx.lead_days + scenario.permit_denied_days - scenario.permit_days_left - cover
    f_horizon = np.where(permit_needed, np.clip(gap / ctx.lead_days, 0.0, 1.0), 0.0)

    # ---- concentration of non-China supply
    f_conc, conc_text = _concentration(ctx.producers, ctx, present, stage_w)

    # ---- substitutability
    options = ctx.options
    f_subst = np.full(m, scenario.param("substitution_no_option"))
    best_option = np.full(m, "", dtype=object)
    best_months = np.full(m, np.nan)
    if len(options) and m:
        applies = option_applicability(options, sub)
        escapes = options["removes_control"].to_numpy(dtype=bool)
        months = np.array(
            [
                q + _months_until(ctx.on, a)
                for q, a in zip(
                    options["qualification_months"].tolist(),
                    options["available_from"].tolist(),
                    strict=True,
                )
            ]
        )
        cand = np.where(applies & escapes[None, :], months[None, :], np.inf)
        j = np.argmin(cand, axis=1)
        best = cand[idx, j]
        has = np.isfinite(best)
        f_subst = np.where(
            has, np.clip(best / scenario.param("substitution_months_full"), 0.0, 1.0), f_subst
        )
        best_option = np.where(has, options["title"].to_numpy(dtype=object)[j], "")
        best_months = np.where(has, best, np.nan)

    # ---- impact: grams
    controlled_g_unit = grams[:, lic_cols].sum(axis=1) if lic_cols else np.zeros(m)
    dfars_only = [c for c in dfars_cols_n + dfars_cols_s if c not in lic_cols]
    dfars_extra = (
        np.where(covered, grams[:, dfars_only].sum(axis=1), 0.0) if dfars_only else np.zeros(m)
    )
    exposed_g_year = (controlled_g_unit + dfars_extra) * units
    f_grams = _log_scale(
        exposed_g_year, scenario.param("grams_per_year_low"), scenario.param("grams_per_year_high")
    )
    dy_tb_cols = [col[e] for e in ("Dy", "Tb") if e in col]
    dy_tb_g_year = grams[:, dy_tb_cols].sum(axis=1) * units

    # ---- impact: spend (the caller turns it into a share of the BOM)
    spend_unit = np.where(price_known, unit_cost, grams @ base_price_g)
    spend_base = spend_unit * units
    spend = spend_base + (grams @ (price_g - base_price_g)) * units

    # ---- impact: single source, criticality
    single = _flag(sub, "single_source")
    f_single = np.where(
        single, scenario.param("single_source_yes"), scenario.param("single_source_no")
    )
    crit_raw = _num(sub, "criticality", np.nan)
    f_crit = np.clip(
        np.where(np.isnan(crit_raw), scenario.param("criticality_default"), crit_raw), 0.0, 1.0
    )

    lic_symbols = np.array(ctx.licence_elements, dtype=object)
    ctrl = _join_flags(present[:, lic_cols], lic_symbols)
    basis = np.full(m, "", dtype=object)
    basis = np.where(below, "controlled elements below the practical threshold", basis)
    basis = np.where(vr_hit & ~licence_hit, "value rule (No. 61)", basis)
    basis = np.where(licence_hit, "element licence", basis)
    basis = np.where(
        covered & (p_banned > 0), np.where(basis == "", "DFARS", basis + "; DFARS"), basis
    )
    return {
        "f_china_share": f_china,
        "f_control": f_control,
        "f_permit_horizon": f_horizon,
        "f_concentration": f_conc,
        "f_substitutability": f_subst,
        "f_grams": f_grams,
        "f_single_source": f_single,
        "f_criticality": f_crit,
        **{f"cn_{s}": cn[s] for s in STAGES},
        "licence_hit": licence_hit,
        "vr_hit": vr_hit,
        "below": below,
        "covered": covered,
        "p_banned": p_banned,
        "dytb": dytb,
        "is_ndfeb": is_ndfeb,
        "ctrl": ctrl,
        "value_share": value_share,
        "price_known": price_known,
        "permit": permit_needed,
        "cover": cover,
        "has_stock": has_stock,
        "conc_text": conc_text,
        "best_option": best_option,
        "best_months": best_months,
        "g_year": exposed_g_year,
        "controlled_g_unit": controlled_g_unit,
        "dy_tb_g_year": dy_tb_g_year,
        "spend_base": spend_base,
        "spend": spend,
        "single": single,
        "crit_set": ~np.isnan(crit_raw),
        "basis": basis,
    }


def _regime_label(status: RegimeStatus) -> str:
    """'CN_MOFCOM_57' or 'CN_MOFCOM_57 (status unknown since 2026-11-10 — confirm; ...)'."""
    if status.needs_confirmation:
        return f"{status.regime_id} ({status.note})"
    return status.regime_id


def _join_flags(bits: BoolArray, labels: ObjArray) -> ObjArray:
    """Per row, the labels whose flag is set, joined with ','."""
    n = bits.shape[0]
    if bits.shape[1] == 0:
        return np.full(n, "", dtype=object)
    codes = (bits.astype(np.int64) << np.arange(bits.shape[1], dtype=np.int64)).sum(axis=1)
    uniq, inverse = np.unique(codes, return_inverse=True)
    texts = np.array(
        [
            ",".join(str(labels[i]) for i in range(len(labels)) if code >> i & 1)
            for code in uniq.tolist()
        ],
        dtype=object,
    )
    return texts[inverse] if n else np.empty(0, dtype=object)


def _evidence(
    *,
    ctx: _Context,
    scenario: Scenario,
    values: Mapping[str, npt.NDArray[Any]],
) -> list[list[str]]:
    """One sentence per factor (value, how it was reached, where the numbers come from)."""
    rows = np.arange(len(values["score"]))
    p = scenario.param
    w = scenario.weights
    sw = "/".join(f"{p(f'stage_weight_{s}'):g}" for s in STAGES)
    v = {k: np.asarray(a) for k, a in values.items()}

    def r(name: str, digits: int = 3) -> npt.NDArray[Any]:
        return np.round(v[name].astype(float), digits)

    statuses = ctx.statuses

    def regimes_of(elements: str) -> str:
        ids = dict.fromkeys(
            rid for e in elements.split(",") if e for rid in ctx.licence_regimes.get(e, [])
        )
        return ", ".join(_regime_label(statuses[rid]) for rid in ids) or "-"

    score_tail = (
        f"likelihood = China share x weighted mean of control {w.get('control', 0):g}, permit "
        f"horizon {w.get('permit_horizon', 0):g}, concentration {w.get('concentration', 0):g}, "
        f"substitutability {w.get('substitutability', 0):g}; impact = weighted mean of grams "
        f"{w.get('grams', 0):g}, spend {w.get('spend', 0):g}, single source "
        f"{w.get('single_source', 0):g}, criticality {w.get('criticality', 0):g} (scenario "
        f"'{scenario.name}', weights from scoring_parameters.csv)."
    )

    def s_score(x: Mapping[str, Any]) -> str:
        return (
            f"Score {x['score']:.1f} ({x['band']}) = 100 x likelihood {x['likelihood']:.3f} "
            f"x impact {x['impact']:.3f}; " + score_tail
        )

    def s_china(x: Mapping[str, Any]) -> str:
        return (
            f"China share {x['f_china_share']:.3f}: stage-weighted mean of the China share of mining "
            f"{x['cn_mining']:.2f}, separation {x['cn_separation']:.2f}, metal {x['cn_metal']:.2f}, "
            f"magnet {x['cn_magnet']:.2f} (weights {sw}, scoring_parameters.csv stage_weight_*; known "
            "origins from tagging count 1 or 0, unknown stages take the global share of "
            "stage_shares.csv)."
        )

    def s_control(x: Mapping[str, Any]) -> str:
        value = f"Control {x['f_control']:.2f}: "
        ctrl = str(x["ctrl"])
        if x["licence_hit"]:
            if (
                x["is_ndfeb"]
                and x["dytb"] > ctx.threshold
                and set(ctrl.split(",")) & ctx.threshold_elements
            ):
                why = (
                    f"export licence needed - Dy+Tb {x['dytb'] * 100:.2f} % of the magnet is above the "
                    f"{ctx.threshold * 100:.1f} % practical threshold (permit_facts "
                    "practical_dy_tb_threshold_wt)"
                )
            else:
                why = "export licence needed for the controlled elements it contains"
            text = f"{why}; controlled: {ctrl} under {regimes_of(ctrl)} (regime_elements.csv)"
        elif x["vr_hit"]:
            share = (
                "unknown (no price: assumed above)"
                if not x["price_known"]
                else f"{x['value_share'] * 100:.2f} %"
            )
            text = (
                "licence needed under the value rule "
                f"{', '.join(_regime_label(statuses[r]) for r in ctx.value_rule_ids)}: China-origin "
                f"controlled content is {share} of the item's value (threshold "
                f"{ctx.value_rule_threshold * 100:.1f} %; element prices from scoring_parameters.csv)"
            )
        elif x["below"]:
            text = (
                f"controlled elements ({ctrl}) only below the {ctx.threshold * 100:.1f} % practical "
                "threshold - no licence in practice, but a composition test must show it"
            )
        else:
            text = "no element of this line is under an export licence in force"
        if x["covered"]:
            text += (
                f"; defence programme: DFARS 252.225-7052 bans China/Russia/North Korea/Iran origin, "
                f"probability {x['p_banned']:.2f} that a stage runs there"
            )
        return value + text + " (levels: scoring_parameters.csv control_*)."

    def s_horizon(x: Mapping[str, Any]) -> str:
        if not x["permit"]:
            return "Permit horizon 0.00: no Chinese permit needed for this line."
        cover_src = (
            "stock column / daily use"
            if x["has_stock"]
            else "default, scoring_parameters.csv inventory_cover_days_default"
        )
        return (
            f"Permit horizon {x['f_permit_horizon']:.2f}: uncovered days = re-permit lead "
            f"{ctx.lead_days:.0f} days ({ctx.lead_working_days:g} working days, permit_facts "
            f"statutory_review_working_days) + {scenario.permit_denied_days:g} days denied - "
            f"{scenario.permit_days_left:g} days of validity left - {x['cover']:.0f} days of inventory "
            f"({cover_src}), as a share of the lead time."
        )

    def s_conc(x: Mapping[str, Any]) -> str:
        return (
            f"Concentration {x['f_concentration']:.2f}: stage-weighted HHI of the non-China producers "
            f"operating on {ctx.on.isoformat()} that can supply this line's elements ({x['conc_text']}; "
            "producers.csv, equal shares, none = 1)."
        )

    def s_subst(x: Mapping[str, Any]) -> str:
        if not x["best_option"]:
            return (
                f"Substitutability {x['f_substitutability']:.2f}: no alternative without controlled "
                "content is known for this kind of part (advice_options.csv)."
            )
        return (
            f"Substitutability {x['f_substitutability']:.2f}: best alternative without Chinese "
            f"controlled content is '{x['best_option']}', about {x['best_months']:.0f} months to "
            f"qualify (advice_options.csv) / {p('substitution_months_full'):g} months "
            "(scoring_parameters.csv substitution_months_full)."
        )

    grams_tail = (
        f" of controlled elements per year, log scale from {p('grams_per_year_low'):g} g to "
        f"{_fmt_mass(p('grams_per_year_high'))} (scoring_parameters.csv grams_per_year_*)."
    )

    def s_grams(x: Mapping[str, Any]) -> str:
        return f"Grams {x['f_grams']:.2f}: {_fmt_mass(x['g_year'])}" + grams_tail

    spend_tail = (
        f" % of BOM spend, log scale from {p('spend_share_low') * 100:g} % to "
        f"{p('spend_share_high') * 100:g} % (scoring_parameters.csv spend_share_*)."
    )
    estimated = "no price: estimated from rare-earth content at reference prices"

    def s_spend(x: Mapping[str, Any]) -> str:
        how = "BOM price" if x["price_known"] else estimated
        return (
            f"Spend {x['f_spend']:.2f}: {_fmt_money(x['spend'])} per year ({how}) = "
            f"{x['share'] * 100:.3g}" + spend_tail
        )

    def s_single(x: Mapping[str, Any]) -> str:
        state = "flagged single-sourced" if x["single"] else "not flagged single-sourced"
        return f"Single source {x['f_single_source']:.2f}: {state} (scoring_parameters.csv single_source_*)."

    def s_crit(x: Mapping[str, Any]) -> str:
        state = (
            "the line's criticality (user-set 0-1; tagging gives 0.5 until the user decides)"
            if x["crit_set"]
            else "default (scoring_parameters.csv criticality_default)"
        )
        return f"Criticality {x['f_criticality']:.2f}: {state}."

    def cols(*names: str, rounded: Iterable[str] = ()) -> dict[str, npt.NDArray[Any]]:
        out = {k: v[k] for k in names}
        for k in rounded:
            out[k] = r(k)
        return out

    pieces = [
        _sentences(cols("band", rounded=("score", "likelihood", "impact")), rows, s_score),
        _sentences(
            cols(rounded=("f_china_share", "cn_mining", "cn_separation", "cn_metal", "cn_magnet")),
            rows,
            s_china,
        ),
        _sentences(
            cols(
                "licence_hit",
                "vr_hit",
                "below",
                "covered",
                "is_ndfeb",
                "ctrl",
                "price_known",
                rounded=("f_control", "dytb", "value_share", "p_banned"),
            ),
            rows,
            s_control,
        ),
        _sentences(
            cols("permit", "has_stock", rounded=("f_permit_horizon", "cover")), rows, s_horizon
        ),
        _sentences(cols("conc_text", rounded=("f_concentration",)), rows, s_conc),
        _sentences(
            cols("best_option", rounded=("f_substitutability", "best_months")), rows, s_subst
        ),
        _sentences(cols(rounded=("f_grams", "g_year")), rows, s_grams),
        _sentences(cols("price_known", rounded=("f_spend", "spend", "share")), rows, s_spend),
        _sentences(cols("single", rounded=("f_single_source",)), rows, s_single),
        _sentences(cols("crit_set", rounded=("f_criticality",)), rows, s_crit),
    ]
    return [list(texts) for texts in zip(*(piece.tolist() for piece in pieces), strict=True)]


# =========================================================================== roll-up


@dataclass(frozen=True)
class BomRollup:
    """What the whole BOM adds up to under one scenario."""

    scenario: str
    evaluation_date: date
    n_lines: int
    n_rare_earth: int
    n_permit_needed: int
    n_needs_review: int
    bom_score: float  # the worst line (one missing part stops the build)
    grade_actual: str
    controlled_kg_per_year: Mapping[str, float]
    re_kg_per_year: Mapping[str, float]
    china_share_by_stage: Mapping[str, float]  # mass-weighted over rare-earth grams per year
    spend_total: float
    spend_exposed: float
    spend_permit: float
    spend_estimated: float
    currency: str
    tariff: Mapping[str, float]
    lines_per_band: Mapping[str, int]
    top_contributors: pd.DataFrame
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Flat numbers for comparison and reports (no frames)."""
        out: dict[str, Any] = {
            "bom_score": self.bom_score,
            "grade_actual": self.grade_actual,
            "n_rare_earth": self.n_rare_earth,
            "n_permit_needed": self.n_permit_needed,
            "spend_total": self.spend_total,
            "spend_exposed": self.spend_exposed,
            "spend_permit": self.spend_permit,
        }
        out |= {f"tariff_{k}": v for k, v in self.tariff.items()}
        out |= {f"controlled_kg_{k}": v for k, v in self.controlled_kg_per_year.items()}
        out |= {f"china_share_{k}": v for k, v in self.china_share_by_stage.items()}
        out |= {f"lines_{k}": v for k, v in self.lines_per_band.items()}
        return out


def rollup(scored: pd.DataFrame, ref: Reference, scenario: Scenario) -> BomRollup:
    """Sum a scored line frame up to the BOM (see BomRollup)."""
    with gc_paused():
        return _rollup(scored, ref, scenario)


def _rollup(scored: pd.DataFrame, ref: Reference, scenario: Scenario) -> BomRollup:
    on = scenario.resolved_date()
    statuses = regime_statuses(ref, on, scenario.regime_overrides, scenario.unknown_policy)
    rare = _flag(scored, "rare_earth")
    units = _num_filled(scored, "units_per_year", 1.0)
    symbols = re_symbols(ref)
    licence = [
        e
        for e in dict.fromkeys(element_conditions(ref, statuses)["element"].tolist())
        if e in symbols
    ]
    kg: dict[str, float] = {}
    for s in symbols:
        total = float((np.where(rare, _num_filled(scored, f"g_{s}"), 0.0) * units).sum()) / 1000.0
        if total > 0:
            kg[s] = total
    controlled = {s: kg[s] for s in licence if s in kg}
    re_year = np.where(rare, _num_filled(scored, "re_g_per_unit"), 0.0) * units
    if not re_year.any():
        re_year = np.where(rare, sum(_num_filled(scored, f"g_{s}") for s in symbols), 0.0) * units
    mass = float(re_year.sum())
    china = {
        s: float((re_year * _num_filled(scored, f"cn_share_{s}", 1.0)).sum() / mass)
        if mass > 0
        else 0.0
        for s in STAGES
    }
    spend = _num_filled(scored, "spend_per_year")
    permit = _flag(scored, "permit_needed")
    estimated = _flag(scored, "spend_estimated")
    score = _num_filled(scored, "score")
    band = _text(scored, "band")
    per_band = {b: int((band == b).sum()) for b in (*BANDS, NOT_EXPOSED)}
    bom_score = float(score.max()) if len(score) else 0.0
    currency = ""
    if "currency" in scored.columns:
        counts = scored["currency"].dropna().astype(str)
        counts = counts[counts != ""]
        if len(counts):
            currency = str(counts.value_counts().index[0])

    # top contributors: score x (grams share, spend share)
    g_year = _num_filled(scored, "controlled_g_per_year")
    g_share = g_year / g_year.sum() if g_year.sum() > 0 else np.zeros(len(scored))
    s_exp = np.where(rare, spend, 0.0)
    s_share = s_exp / s_exp.sum() if s_exp.sum() > 0 else np.zeros(len(scored))
    weight = (
        scenario.param("pareto_weight_grams") * g_share
        + scenario.param("pareto_weight_spend") * s_share
    )
    contribution = score * weight
    total_c = float(contribution.sum())
    top_n = int(scenario.param("pareto_top_n"))
    order = np.argsort(-contribution, kind="stable")[:top_n]
    order = order[contribution[order] > 0]
    top = pd.DataFrame(
        {
            "line_index": scored.index.to_numpy()[order],
            "description": _text(scored, "description")[order],
            "score": score[order],
            "band": band[order],
            "weight": weight[order],
            "contribution": contribution[order],
            "cumulative_share": np.cumsum(contribution[order]) / total_c
            if total_c > 0
            else np.zeros(len(order)),
        }
    )
    notes = tuple(
        f"{s.regime_id}: {s.note}"
        for s in statuses.values()
        if s.needs_confirmation or s.overridden
    )
    rate_us, rate_cn = scenario.tariffs.get("us_on_cn", 0.0), scenario.tariffs.get("cn_on_us", 0.0)
    us_cost = _num_filled(scored, "tariff_us_on_cn_per_year")
    cn_cost = _num_filled(scored, "tariff_cn_on_us_per_year")
    tariff = {
        "us_on_cn_rate": rate_us,
        "cn_on_us_rate": rate_cn,
        "us_on_cn_cost_exposed": float(us_cost[rare].sum()),
        "us_on_cn_cost_all": float(us_cost.sum()),
        "cn_on_us_cost_exposed": float(cn_cost[rare].sum()),
        "cn_on_us_cost_all": float(cn_cost.sum()),
    }
    return BomRollup(
        scenario=scenario.name,
        evaluation_date=on,
        n_lines=len(scored),
        n_rare_earth=int(rare.sum()),
        n_permit_needed=int(permit.sum()),
        n_needs_review=int(_flag(scored, "needs_review").sum()),
        bom_score=bom_score,
        grade_actual=grade_for(bom_score, scenario),
        controlled_kg_per_year=MappingProxyType(controlled),
        re_kg_per_year=MappingProxyType(kg),
        china_share_by_stage=MappingProxyType(china),
        spend_total=float(spend.sum()),
        spend_exposed=float(spend[rare].sum()),
        spend_permit=float(spend[permit].sum()),
        spend_estimated=float(spend[estimated].sum()),
        currency=currency,
        tariff=MappingProxyType(tariff),
        lines_per_band=MappingProxyType(per_band),
        top_contributors=top,
        notes=notes,
    )


# =========================================================================== BOM


@dataclass(frozen=True, eq=False)
class ScoredBom:
    """A scored BOM: the lines with their factors, the roll-up and what produced them."""

    lines: pd.DataFrame
    rollup: BomRollup
    scenario: Scenario
    regimes: tuple[RegimeStatus, ...]
    evaluation_date: date

    def tagged(self) -> pd.DataFrame:
        """The tagged input again (score columns removed), e.g. to apply design changes."""
        drop = [c for c in SCORE_COLUMNS if c in self.lines.columns and c != "units_per_year"]
        return self.lines.drop(columns=drop)


def score_bom(
    tagged: pd.DataFrame,
    ref: Reference,
    scenario: Scenario,
    *,
    with_evidence: bool = True,
    spend_total: float | None = None,
) -> ScoredBom:
    """Score every line and roll the BOM up under one scenario.

    ``spend_total`` fixes the BOM spend f_spend is measured against (default: this BOM's).
    """
    on = scenario.resolved_date()
    if scenario.evaluation_date is None:
        scenario = replace(scenario, evaluation_date=on)  # one date for every part of the run
    statuses = regime_statuses(ref, on, scenario.regime_overrides, scenario.unknown_policy)
    lines = score_lines(
        tagged,
        ref,
        scenario,
        statuses=statuses,
        spend_total=spend_total,
        with_evidence=with_evidence,
    )
    return ScoredBom(
        lines=lines,
        rollup=rollup(lines, ref, scenario),
        scenario=scenario,
        regimes=tuple(statuses.values()),
        evaluation_date=on,
    )


def compare(a: ScoredBom, b: ScoredBom) -> tuple[pd.DataFrame, dict[str, tuple[Any, Any, Any]]]:
    """Line-by-line and BOM-level differences of the same BOM scored two ways (b - a).

    Lines are matched by index. The BOM dict maps each roll-up number to (a, b, b - a)
    (the delta is None for text values such as the grade).
    """
    columns = [
        "score",
        "likelihood",
        "impact",
        *FACTOR_COLUMNS,
        "controlled_g_per_year",
        "spend_per_year",
    ]
    la, lb = a.lines, b.lines
    common = la.index.intersection(lb.index)
    per_line = pd.DataFrame(index=common)
    if "description" in la.columns:
        per_line["description"] = la.loc[common, "description"]
    for column in columns:
        va = _num_filled(la.loc[common], column)
        vb = _num_filled(lb.loc[common], column)
        if column == "score":
            per_line["score_a"] = va
            per_line["score_b"] = vb
        per_line[f"delta_{column}"] = vb - va
    per_line["band_a"] = _text(la.loc[common], "band")
    per_line["band_b"] = _text(lb.loc[common], "band")
    per_line["band_changed"] = per_line["band_a"] != per_line["band_b"]

    da, db = a.rollup.as_dict(), b.rollup.as_dict()
    bom: dict[str, tuple[Any, Any, Any]] = {}
    for key in dict.fromkeys([*da, *db]):
        va_, vb_ = da.get(key, 0.0), db.get(key, 0.0)
        if isinstance(va_, str) or isinstance(vb_, str):
            bom[key] = (va_, vb_, None)
        else:
            bom[key] = (va_, vb_, float(vb_) - float(va_))
    bom["scenario"] = (a.scenario.name, b.scenario.name, None)
    bom["evaluation_date"] = (a.evaluation_date, b.evaluation_date, None)
    return per_line, bom

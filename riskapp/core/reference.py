"""Reference data: load, type and validate ``resources/reference/*.csv``.

The domain data (rare-earth elements, control regimes, magnet materials and grades,
component archetypes, producers, stage shares, countries, traps) lives in CSV files so a
user can update it without a new release. Every row carries a public ``source`` and a
``status`` (``sourced`` or ``assumption``). :func:`load_reference` reads the built-in set,
lets a user folder replace any of its files, checks everything, and returns a frozen
:class:`Reference` of typed pandas frames. Every frame's index is the CSV line number of
the row (header = line 1), so evidence can point back at the exact line.

A malformed file raises :class:`~riskapp.core.errors.ReferenceDataError` naming the file,
the line and the column. :func:`validate_reference` returns all problems instead.
The file format is documented in docs/reference-data.md.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from riskapp.core.errors import ReferenceDataError

__all__ = [
    "REFERENCE_FILES",
    "STATUS_VALUES",
    "ColumnSpec",
    "FileSpec",
    "Reference",
    "default_reference_dir",
    "load_reference",
    "split_list",
    "validate_reference",
]

ColumnKind = Literal["str", "float", "int", "date", "enum", "list", "regex"]

STATUS_VALUES: tuple[str, ...] = ("sourced", "assumption")
ELEMENT_GROUPS = ("light", "heavy", "other", "non_re")
REGIME_KINDS = ("element_licence", "value_rule", "technology", "procurement_ban")
FORMS = ("metal", "alloy", "oxide", "compound", "target", "magnet")
CONDITIONS = (
    "any",
    "ndfeb_containing_dy_tb",
    "smco_magnet",
    "ndfeb_magnet",
    "magnet_containing_element",
    "cn_origin_value_share",
)
RE_CLASSES = (
    "ndfeb_sintered",
    "ndfeb_bonded",
    "ndfeb_hot_deformed",
    "smco",
    "ferrite",
    "alnico",
)
PRODUCER_STAGES = ("mining", "separation", "metal", "magnet", "recycling")
PRODUCER_STATUS = ("producing", "commissioning", "planned")
SHARE_STAGES = ("mining", "separation", "metal", "magnet")
SHARE_GROUPS = ("all", "light", "heavy")
LIKELIHOODS = ("high", "medium", "low")
SCALE_RULES = ("none", "nema_frame", "stator_dxh", "per_mw", "per_kw", "diameter_mm", "dimensions")
OTHER_COUNTRY = "OTHER"  # stage_shares: the rest of the world
UNKNOWN_VERSION = "unknown"
SHARE_TOLERANCE = 0.01
FRACTION_SUM_MAX = 1.0001
REGEX_FLAGS = re.IGNORECASE

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a reference file: its type and whether a value is required."""

    name: str
    kind: ColumnKind = "str"
    required: bool = True
    choices: tuple[str, ...] = ()  # enum values, or allowed items of a list column
    min_value: float | None = None
    max_value: float | None = None
    pattern: str = ""  # full-match regex a str value must satisfy
    doc: str = ""


@dataclass(frozen=True)
class FileSpec:
    """One reference file: name, columns, unique key and the column holding the status."""

    attr: str
    filename: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    doc: str
    status_column: str = "status"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _src_status(status_column: str = "status") -> tuple[ColumnSpec, ...]:
    return (
        ColumnSpec("source", doc="Public source (domain + short title) or 'estimate: ...'."),
        ColumnSpec(status_column, "enum", choices=STATUS_VALUES, doc="sourced or assumption."),
    )


def _fraction(name: str, required: bool = True) -> ColumnSpec:
    return ColumnSpec(name, "float", required, min_value=0.0, max_value=1.0)


REFERENCE_FILES: Mapping[str, FileSpec] = MappingProxyType(
    {
        spec.attr: spec
        for spec in (
            FileSpec(
                "elements",
                "elements.csv",
                (
                    ColumnSpec("symbol", pattern=r"[A-Z][a-z]?"),
                    ColumnSpec("name"),
                    ColumnSpec("atomic_number", "int", min_value=1, max_value=118),
                    ColumnSpec("group", "enum", choices=ELEMENT_GROUPS),
                    *_src_status(),
                ),
                ("symbol",),
                "The 17 rare earths and the other elements of magnet alloys.",
            ),
            FileSpec(
                "regimes",
                "regimes.csv",
                (
                    ColumnSpec("regime_id", pattern=r"[A-Za-z0-9_]+"),
                    ColumnSpec("name"),
                    ColumnSpec("authority"),
                    ColumnSpec("jurisdiction", pattern=r"[A-Z]{2}"),
                    ColumnSpec("kind", "enum", choices=REGIME_KINDS),
                    ColumnSpec("announced", "date", False),
                    ColumnSpec("effective_from", "date", False),
                    ColumnSpec("suspended_from", "date", False),
                    ColumnSpec("suspended_until", "date", False),
                    ColumnSpec("ends_on", "date", False),
                    ColumnSpec("rule"),
                    ColumnSpec("threshold", "float", False, min_value=0.0),
                    ColumnSpec("threshold_unit", required=False),
                    ColumnSpec("notes", required=False),
                    *_src_status(),
                ),
                ("regime_id",),
                "Export-control and procurement regimes with their dates.",
            ),
            FileSpec(
                "regime_elements",
                "regime_elements.csv",
                (
                    ColumnSpec("regime_id"),
                    ColumnSpec("element"),
                    ColumnSpec("forms", "list", choices=FORMS),
                    ColumnSpec("condition", "enum", choices=CONDITIONS),
                    *_src_status(),
                ),
                ("regime_id", "element", "condition"),
                "Which elements, in which forms, each regime covers.",
            ),
            FileSpec(
                "permit_facts",
                "permit_facts.csv",
                (
                    ColumnSpec("key", pattern=r"[a-z0-9_]+"),
                    ColumnSpec("value"),
                    ColumnSpec("unit", required=False),
                    *_src_status(),
                ),
                ("key",),
                "Single facts about permits, thresholds and dates (value as text).",
            ),
            FileSpec(
                "materials",
                "materials.csv",
                (
                    ColumnSpec("material_id", pattern=r"[a-z0-9_]+"),
                    ColumnSpec("name"),
                    ColumnSpec("re_class", "enum", choices=RE_CLASSES),
                    ColumnSpec("density_g_cm3", "float", min_value=0.5, max_value=25.0),
                    ColumnSpec("max_temp_c", "float", False, min_value=-273.0, max_value=2000.0),
                    *_src_status(),
                ),
                ("material_id",),
                "Magnet materials with density and maximum operating temperature.",
            ),
            FileSpec(
                "material_fractions",
                "material_fractions.csv",
                (
                    ColumnSpec("material_id"),
                    ColumnSpec("element"),
                    _fraction("fraction_default"),
                    _fraction("fraction_min"),
                    _fraction("fraction_max"),
                    *_src_status(),
                ),
                ("material_id", "element"),
                "Mass fraction of each element per material (NdFeB base without Dy/Tb).",
            ),
            FileSpec(
                "temperature_classes",
                "temperature_classes.csv",
                (
                    ColumnSpec("temp_class", pattern=r"[A-Z]{1,3}"),
                    ColumnSpec("max_temp_c", "float", min_value=0.0, max_value=1000.0),
                    _fraction("dy_tb_min"),
                    _fraction("dy_tb_default"),
                    _fraction("dy_tb_max"),
                    _fraction("tb_share_default"),
                    *_src_status(),
                ),
                ("temp_class",),
                "NdFeB temperature classes (grade suffix) with their Dy+Tb content.",
            ),
            FileSpec(
                "energy_grades",
                "energy_grades.csv",
                (
                    ColumnSpec("grade", pattern=r"N\d{2}"),
                    ColumnSpec("bhmax_mgoe", "float", min_value=1.0, max_value=70.0),
                    ColumnSpec("br_t_min", "float", min_value=0.1, max_value=2.0),
                    ColumnSpec("temp_classes", "list", False),
                    *_src_status(),
                ),
                ("grade",),
                "NdFeB energy grades (N35..N55).",
            ),
            FileSpec(
                "producers",
                "producers.csv",
                (
                    ColumnSpec("producer_id", pattern=r"[a-z0-9_]+"),
                    ColumnSpec("name"),
                    ColumnSpec("aliases", "list", False),
                    ColumnSpec("country"),
                    ColumnSpec("stage", "enum", choices=PRODUCER_STAGES),
                    ColumnSpec("status", "enum", choices=PRODUCER_STATUS),
                    ColumnSpec("status_date", "date", False),
                    ColumnSpec("capacity_t_per_year", "float", False, min_value=0.0),
                    ColumnSpec("capacity_unit", required=False),
                    ColumnSpec("elements", "list", False),
                    ColumnSpec("notes", required=False),
                    *_src_status("data_status"),
                ),
                ("producer_id", "stage"),
                "Producers by company and supply-chain stage.",
                status_column="data_status",
            ),
            FileSpec(
                "stage_shares",
                "stage_shares.csv",
                (
                    ColumnSpec("stage", "enum", choices=SHARE_STAGES),
                    ColumnSpec("element_group", "enum", choices=SHARE_GROUPS),
                    ColumnSpec("country"),
                    _fraction("share"),
                    ColumnSpec("year", "int", min_value=1900, max_value=2100),
                    *_src_status(),
                ),
                ("stage", "element_group", "country"),
                "Country shares of each supply stage (sum to 1 per stage and group).",
            ),
            FileSpec(
                "countries",
                "countries.csv",
                (
                    ColumnSpec("code", pattern=r"[A-Z]{2}"),
                    ColumnSpec("name"),
                    ColumnSpec("aliases", "list", False),
                    ColumnSpec("wgi_scaled", "float", False, min_value=0.0, max_value=10.0),
                    *_src_status(),
                ),
                ("code",),
                "Countries (ISO 3166-1 alpha-2) with lower-case match aliases.",
            ),
            FileSpec(
                "archetypes",
                "archetypes.csv",
                (
                    ColumnSpec("archetype_id", pattern=r"[a-z0-9_]+"),
                    ColumnSpec("name"),
                    ColumnSpec("include_regex", "regex"),
                    ColumnSpec("exclude_regex", "regex", False),
                    ColumnSpec("priority", "int", min_value=-1000, max_value=1000),
                    ColumnSpec("re_likelihood", "enum", choices=LIKELIHOODS),
                    ColumnSpec("material_id"),
                    ColumnSpec("temp_class", required=False),
                    ColumnSpec("magnet_mass_g", "float", min_value=0.0),
                    ColumnSpec("magnet_mass_g_min", "float", min_value=0.0),
                    ColumnSpec("magnet_mass_g_max", "float", min_value=0.0),
                    ColumnSpec("scale_rule", "enum", choices=SCALE_RULES),
                    _fraction("confidence"),
                    *_src_status(),
                ),
                ("archetype_id",),
                "Component archetypes: text patterns -> magnet material and mass.",
            ),
            FileSpec(
                "archetype_sizes",
                "archetype_sizes.csv",
                (
                    ColumnSpec("archetype_id"),
                    ColumnSpec("size_rule", "enum", choices=SCALE_RULES[1:]),
                    ColumnSpec("size_value", "float", min_value=1e-12),
                    ColumnSpec("magnet_mass_g", "float", min_value=1e-12),
                    *_src_status(),
                ),
                ("archetype_id", "size_value"),
                "Size -> magnet mass points for scaling archetypes (log-log interpolation).",
            ),
            FileSpec(
                "traps",
                "traps.csv",
                (
                    ColumnSpec("pattern", "regex"),
                    ColumnSpec("reason"),
                    *_src_status(),
                ),
                ("pattern",),
                "Patterns that mean 'not a rare-earth magnet' (magnet wire, drivers, ...).",
            ),
            FileSpec(
                "part_series",
                "part_series.csv",
                (
                    ColumnSpec("pattern", "regex"),
                    ColumnSpec("series"),
                    ColumnSpec("archetype_id"),
                    *_src_status(),
                ),
                ("pattern",),
                "Part-number series that name a magnet product without a keyword "
                "(AM8031-0D20-0000: a Beckhoff AM8000 servomotor) -> archetype.",
            ),
        )
    }
)


def default_reference_dir() -> Path:
    """The built-in reference folder shipped in the ``riskapp.resources`` package."""
    return Path(str(files("riskapp.resources") / "reference"))


BUNDLED_SAMPLE = "robot_arm.xlsx"
"""The sample BOM shipped in ``riskapp.resources/samples`` (the self-test and the desktop
app's warm-up analyse it)."""


@contextlib.contextmanager
def bundled_sample() -> Iterator[Path]:
    """The bundled sample BOM as a file on disk (FileNotFoundError when it is missing)."""
    resource = files("riskapp.resources") / "samples" / BUNDLED_SAMPLE
    if not resource.is_file():
        raise FileNotFoundError(
            f"the bundled sample {BUNDLED_SAMPLE} is missing from riskapp.resources"
        )
    with as_file(resource) as sample:
        yield Path(sample)


def split_list(value: object) -> list[str]:
    """Split a ``;``-separated list cell into stripped, non-empty items."""
    if not isinstance(value, str):
        return []
    return [item.strip() for item in value.split(";") if item.strip()]


@dataclass(frozen=True, eq=False)
class Reference:
    """The loaded reference set: one typed DataFrame per file (index = CSV line number).

    Treat the frames as read-only: the default set is cached and shared.
    ``files`` maps each frame name to the CSV it was read from (user folder or built-in).
    """

    elements: pd.DataFrame
    regimes: pd.DataFrame
    regime_elements: pd.DataFrame
    permit_facts: pd.DataFrame
    materials: pd.DataFrame
    material_fractions: pd.DataFrame
    temperature_classes: pd.DataFrame
    energy_grades: pd.DataFrame
    producers: pd.DataFrame
    stage_shares: pd.DataFrame
    countries: pd.DataFrame
    archetypes: pd.DataFrame
    archetype_sizes: pd.DataFrame
    traps: pd.DataFrame
    part_series: pd.DataFrame
    version: str
    folder: str
    files: Mapping[str, str] = field(default_factory=dict)
    signature: tuple[object, ...] = ()
    """The files it was loaded from, with their modification times and sizes: two loads
    with the same signature hold the same data (also after pickling, which makes copies)."""

    def frame(self, name: str) -> pd.DataFrame:
        """The frame called ``name`` (one of :data:`REFERENCE_FILES`)."""
        if name not in REFERENCE_FILES:
            raise KeyError(name)
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def _fact_row(self, key: str) -> tuple[int, str]:
        facts = self.permit_facts
        hit = facts.index[facts["key"] == key]
        if len(hit) == 0:
            raise ReferenceDataError(
                f"The permit fact '{key}' is missing; add a row with this key.",
                file=self.files.get("permit_facts", "permit_facts.csv"),
                column="key",
            )
        line = int(hit[0])
        return line, str(facts.at[line, "value"])

    def permit_fact(self, key: str) -> str:
        """The ``value`` of permit fact ``key`` as text (ReferenceDataError if absent)."""
        return self._fact_row(key)[1]

    def permit_fact_float(self, key: str) -> float:
        """The ``value`` of permit fact ``key`` as a number (ReferenceDataError if not one)."""
        line, text = self._fact_row(key)
        number = _parse_float(text)
        if number is None:
            raise ReferenceDataError(
                f"The permit fact '{key}' should be a number but is '{text}'.",
                file=self.files.get("permit_facts", "permit_facts.csv"),
                row=line,
                column="value",
            )
        return number

    def assumptions(self) -> pd.DataFrame:
        """Every row marked ``assumption``, across all files.

        Columns: ``file`` (CSV name), ``line`` (CSV line), ``key`` (the row's key values
        joined with ' / '), ``source`` (what the estimate is based on).
        """
        parts: list[pd.DataFrame] = []
        for name, spec in REFERENCE_FILES.items():
            frame = self.frame(name)
            rows = frame[frame[spec.status_column] == "assumption"]
            if rows.empty:
                continue
            keys = rows[list(spec.key)].apply(
                lambda row: " / ".join(_cell_text(v) for v in row), axis=1
            )
            parts.append(
                pd.DataFrame(
                    {
                        "file": spec.filename,
                        "line": rows.index.to_numpy(dtype="int64"),
                        "key": keys.to_numpy(dtype=object),
                        "source": rows["source"].to_numpy(dtype=object),
                    }
                )
            )
        if not parts:
            return pd.DataFrame({"file": [], "line": [], "key": [], "source": []})
        return pd.concat(parts, ignore_index=True)


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --------------------------------------------------------------------------- loading


def load_reference(folder: str | Path | None = None) -> Reference:
    """Load, type and validate the reference data.

    ``folder=None`` loads the built-in set. A user folder may hold only some of the files;
    each missing file falls back to the built-in one, and cross-file checks run on the
    merged set. Raises :class:`ReferenceDataError` (file, line, column) on the first problem.
    Loads are cached by folder and file modification times.
    """
    default_dir = default_reference_dir()
    user_dir = _resolve_user_dir(folder)
    signature = _signature(default_dir) + (_signature(user_dir) if user_dir else ())
    return _load_cached(str(default_dir), str(user_dir) if user_dir else "", signature)


def validate_reference(folder: str | Path | None = None) -> list[ReferenceDataError]:
    """All problems of a reference folder (empty list = valid); never raises for bad data."""
    try:
        user_dir = _resolve_user_dir(folder)
    except ReferenceDataError as exc:
        return [exc]
    problems: list[ReferenceDataError] = []
    _build(default_reference_dir(), user_dir, problems)
    return problems


@functools.lru_cache(maxsize=8)
def _load_cached(default_dir: str, user_dir: str, signature: tuple[object, ...]) -> Reference:
    # the signature is part of the cache key: a changed file invalidates the entry
    problems: list[ReferenceDataError] = []
    reference = _build(Path(default_dir), Path(user_dir) if user_dir else None, problems)
    if problems or reference is None:
        first = problems[0]
        if len(problems) > 1:
            raise ReferenceDataError(
                f"{first.message} ({len(problems) - 1} more problem(s) in the reference data)",
                file=first.location.file,
                sheet=first.location.sheet,
                row=first.location.row,
                column=first.location.column,
            ) from first
        raise first
    return replace(reference, signature=signature)


def _resolve_user_dir(folder: str | Path | None) -> Path | None:
    if folder is None or str(folder) == "":
        return None
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ReferenceDataError("The reference-data folder does not exist.", file=path)
    path = path.resolve()
    if path == default_reference_dir().resolve():
        return None
    known = {spec.filename for spec in REFERENCE_FILES.values()}
    if not any((path / name).is_file() for name in known):
        raise ReferenceDataError(
            "The reference-data folder holds none of the reference files "
            f"(expected names such as {', '.join(sorted(known)[:3])}, ...).",
            file=path,
        )
    return path


def _signature(folder: Path) -> tuple[object, ...]:
    parts: list[object] = [str(folder)]
    for name in sorted([s.filename for s in REFERENCE_FILES.values()] + ["VERSION"]):
        try:
            stat = (folder / name).stat()
        except OSError:
            parts.append((name, None))
        else:
            parts.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(parts)


def _build(
    default_dir: Path, user_dir: Path | None, problems: list[ReferenceDataError]
) -> Reference | None:
    frames: dict[str, pd.DataFrame] = {}
    paths: dict[str, str] = {}
    broken: set[str] = set()
    for name, spec in REFERENCE_FILES.items():
        path = default_dir / spec.filename
        if user_dir is not None and (user_dir / spec.filename).is_file():
            path = user_dir / spec.filename
        paths[name] = str(path)
        before = len(problems)
        frame = _read_file(spec, path, problems)
        if frame is None or len(problems) > before:
            broken.add(name)
        if frame is not None:
            frames[name] = frame
    _cross_check(frames, paths, broken, problems)
    version = _read_version(default_dir, user_dir)
    if problems or len(frames) != len(REFERENCE_FILES):
        return None
    return Reference(
        **frames,
        version=version,
        folder=str(user_dir if user_dir is not None else default_dir),
        files=MappingProxyType(paths),
        signature=(),  # set by load_reference, which knows the files' times
    )


def _read_version(default_dir: Path, user_dir: Path | None) -> str:
    """The user folder's VERSION, else the built-in one (+custom when a user folder is used).

    A missing VERSION file is not an error (it reads 'unknown'): the data stay usable.
    """

    def read(folder: Path) -> str:
        try:
            return (folder / "VERSION").read_text(encoding="utf-8-sig").strip().splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            return ""

    if user_dir is not None:
        user_version = read(user_dir)
        if user_version:
            return user_version
    base = read(default_dir) or UNKNOWN_VERSION
    return f"{base}+custom" if user_dir is not None else base


def _read_file(
    spec: FileSpec, path: Path, problems: list[ReferenceDataError]
) -> pd.DataFrame | None:
    """Read one CSV as text, check it against its spec and return the typed frame."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(ReferenceDataError(f"Cannot read the file ({exc.strerror}).", file=path))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            ReferenceDataError(
                "The file is not UTF-8 text; save it as 'CSV UTF-8 (comma delimited)'.",
                file=path,
                row=_line_of_byte(raw, exc.start),
            )
        )
        return None
    header = text.lstrip().split("\n", 1)[0]
    if ";" in header and "," not in header:
        problems.append(
            ReferenceDataError(
                "The file looks semicolon-separated; save it comma-separated "
                "('CSV UTF-8 (comma delimited)').",
                file=path,
                row=1,
            )
        )
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        problems.append(ReferenceDataError(f"Not a readable CSV file: {exc}", file=path))
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.Index(_record_lines(text, len(frame)), name="line")
    for name in frame.columns:
        cells = frame[name].tolist()
        if any(cell != cell.strip() for cell in cells):
            frame[name] = [cell.strip() for cell in cells]

    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        hint = ""
        if len(frame.columns) == 1 and ";" in frame.columns[0]:
            hint = " The file looks semicolon-separated; save it comma-separated."
        for name in missing:
            problems.append(
                ReferenceDataError(
                    f"The required column '{name}' is missing.{hint}", file=path, row=1, column=name
                )
            )
        return None
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        problems.append(
            ReferenceDataError(
                f"The column '{duplicated[0]}' appears twice.",
                file=path,
                row=1,
                column=duplicated[0],
            )
        )
        return None

    for column in spec.columns:
        converted = _convert_column(frame[column.name], column, path, problems)
        if column.kind in ("float", "int", "date"):
            frame[column.name] = converted
    _check_unique(frame, spec.key, path, problems)
    return frame


def _record_lines(text: str, n_rows: int) -> list[int]:
    """1-based line where each data record starts (header = line 1), as pandas reads it."""
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text))
    previous_end = 0
    for record in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):  # pandas skips these
            continue
        lines.append(start)
    data_lines = lines[1:]  # drop the header record
    if len(data_lines) != n_rows:  # parsers disagree (odd quoting): fall back to positions
        return list(range(2, n_rows + 2))
    return data_lines


def _line_of_byte(raw: bytes, offset: int) -> int:
    """1-based line number of a byte offset (for encoding errors)."""
    return raw.count(b"\n", 0, offset) + 1


# --------------------------------------------------------------------------- per cell


def _parse_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_date(text: str) -> date | None:
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _compile(pattern: str) -> str | None:
    """Error text when ``pattern`` is not a usable regex, else None."""
    try:
        compiled = re.compile(pattern, REGEX_FLAGS)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    if compiled.search("") is not None:
        return "matches empty text, so it would match every line"
    return None


def _convert_column(
    values: pd.Series, column: ColumnSpec, path: Path, problems: list[ReferenceDataError]
) -> pd.Series:
    """Check every cell of one column and return it converted to its type."""

    def fail(line: int, message: str) -> None:
        problems.append(ReferenceDataError(message, file=path, row=line, column=column.name))

    lines = [int(x) for x in values.index]
    texts = [str(x) for x in values.tolist()]
    cells = [(line, text) for line, text in zip(lines, texts, strict=True) if text]
    if column.required:
        for line, text in zip(lines, texts, strict=True):
            if not text:
                fail(line, f"The column '{column.name}' needs a value here.")

    kind = column.kind
    if kind in ("float", "int"):
        numbers: dict[int, float] = {}
        for line, text in cells:
            number = _parse_float(text)
            if number is None:
                hint = " (use a dot as decimal separator)" if "," in text else ""
                fail(line, f"'{text}' is not a number{hint}.")
            elif kind == "int" and not number.is_integer():
                fail(line, f"'{text}' should be a whole number.")
            elif column.min_value is not None and number < column.min_value:
                fail(line, f"{text} is below the allowed minimum {column.min_value:g}.")
            elif column.max_value is not None and number > column.max_value:
                fail(line, f"{text} is above the allowed maximum {column.max_value:g}.")
            else:
                numbers[line] = number
        out = pd.Series(
            [numbers.get(x, math.nan) for x in lines], index=values.index, dtype="float64"
        )
        return out.astype("Int64") if kind == "int" else out
    if kind == "date":
        days: dict[int, date] = {}
        for line, text in cells:
            day = _parse_date(text)
            if day is None:
                fail(line, f"'{text}' is not a date in the form YYYY-MM-DD.")
            else:
                days[line] = day
        stamps = [pd.Timestamp(days[x]) if x in days else pd.NaT for x in lines]
        return pd.Series(stamps, index=values.index, dtype="datetime64[s]")
    if kind == "enum":
        allowed = set(column.choices)
        for line, text in cells:
            if text not in allowed:
                fail(
                    line, f"'{text}' is not allowed here; use one of: {', '.join(column.choices)}."
                )
    elif kind == "list" and column.choices:
        allowed = set(column.choices)
        for line, text in cells:
            bad = [item for item in split_list(text) if item not in allowed]
            if bad:
                fail(
                    line,
                    f"'{bad[0]}' is not allowed here; use ';'-separated items of: "
                    f"{', '.join(column.choices)}.",
                )
    elif kind == "regex":
        for line, text in cells:
            error = _compile(text)
            if error:
                fail(line, f"The pattern {error}.")
    elif column.pattern:
        regex = re.compile(column.pattern)
        for line, text in cells:
            if not regex.fullmatch(text):
                fail(line, f"'{text}' does not have the expected form ({column.pattern}).")
    return values


def _check_unique(
    frame: pd.DataFrame, key: tuple[str, ...], path: Path, problems: list[ReferenceDataError]
) -> None:
    dup = frame.duplicated(subset=list(key), keep="first")
    for line in frame.index[dup]:
        values = " / ".join(str(frame.at[line, k]) for k in key)
        problems.append(
            ReferenceDataError(
                f"Duplicate {' + '.join(key)} '{values}' (each must appear once).",
                file=path,
                row=int(line),
                column=key[-1],
            )
        )


# --------------------------------------------------------------------------- cross-file


def _cross_check(
    frames: Mapping[str, pd.DataFrame],
    paths: Mapping[str, str],
    broken: set[str],
    problems: list[ReferenceDataError],
) -> None:
    """Rules that span rows or files; each runs only when the files it needs are clean."""

    def usable(*names: str) -> bool:
        return all(n in frames and n not in broken for n in names)

    def problem(name: str, line: object, column: str, message: str) -> None:
        problems.append(
            ReferenceDataError(message, file=paths[name], row=int(str(line)), column=column)
        )

    def references(
        name: str,
        column: str,
        known: Iterable[str],
        what: str,
        extra: Callable[[str], bool] = lambda _v: False,
    ) -> None:
        allowed = set(known)
        for line, value in frames[name][column].items():
            if value and value not in allowed and not extra(value):
                problem(name, line, column, f"Unknown {what} '{value}'.")

    if usable("elements"):
        symbols = set(frames["elements"]["symbol"])
        for name, column in (("regime_elements", "element"), ("material_fractions", "element")):
            if usable(name):
                references(name, column, symbols, "element symbol")
        if usable("producers"):
            for line, text in frames["producers"]["elements"].items():
                for item in split_list(text):
                    if item not in symbols:
                        problem("producers", line, "elements", f"Unknown element symbol '{item}'.")
    if usable("regimes", "regime_elements"):
        references("regime_elements", "regime_id", frames["regimes"]["regime_id"], "regime_id")
    if usable("materials"):
        materials = set(frames["materials"]["material_id"])
        for name in ("material_fractions", "archetypes"):
            if usable(name):
                references(name, "material_id", materials, "material_id")
    if usable("temperature_classes"):
        classes = set(frames["temperature_classes"]["temp_class"])
        if usable("archetypes"):
            references("archetypes", "temp_class", classes, "temperature class")
        if usable("energy_grades"):
            for line, text in frames["energy_grades"]["temp_classes"].items():
                for item in split_list(text):
                    if item not in classes:
                        problem(
                            "energy_grades",
                            line,
                            "temp_classes",
                            f"Unknown temperature class '{item}'.",
                        )
    if usable("countries"):
        codes = set(frames["countries"]["code"])
        if usable("producers"):
            references("producers", "country", codes, "country code")
        if usable("stage_shares"):
            references(
                "stage_shares", "country", codes, "country code", extra=lambda v: v == OTHER_COUNTRY
            )
        _check_aliases(frames["countries"], "code", "countries", problem, unique=True)
    if usable("producers"):
        _check_aliases(frames["producers"], "producer_id", "producers", problem, unique=False)
    if usable("archetypes", "archetype_sizes"):
        rules = dict(
            zip(
                frames["archetypes"]["archetype_id"],
                frames["archetypes"]["scale_rule"],
                strict=True,
            )
        )
        references("archetype_sizes", "archetype_id", rules, "archetype_id")
        if usable("part_series"):
            references("part_series", "archetype_id", rules, "archetype_id")
        for line, archetype, rule in _rows(frames["archetype_sizes"], "archetype_id", "size_rule"):
            expected = rules.get(str(archetype))
            if expected is not None and rule != expected:
                problem(
                    "archetype_sizes",
                    line,
                    "size_rule",
                    f"'{rule}' does not match the archetype's scale_rule '{expected}'.",
                )

    if usable("material_fractions"):
        _check_ordered(frames["material_fractions"], "fraction", "material_fractions", problem)
        sums = frames["material_fractions"].groupby("material_id")["fraction_default"].sum()
        for material, total in sums.items():
            if total > FRACTION_SUM_MAX:
                rows = frames["material_fractions"]
                line = rows.index[rows["material_id"] == material][-1]
                problem(
                    "material_fractions",
                    line,
                    "fraction_default",
                    f"The default fractions of '{material}' add up to {total:.4f} (> 1).",
                )
    if usable("temperature_classes"):
        _check_ordered(frames["temperature_classes"], "dy_tb", "temperature_classes", problem)
    if usable("archetypes"):
        _check_ordered(frames["archetypes"], "magnet_mass_g", "archetypes", problem)
    if usable("stage_shares"):
        shares = frames["stage_shares"]
        totals: dict[tuple[str, str], float] = {}
        last_line: dict[tuple[str, str], int] = {}
        for line, stage, group, share in _rows(shares, "stage", "element_group", "share"):
            if not pd.isna(share):
                totals[(stage, group)] = totals.get((stage, group), 0.0) + share
                last_line[(stage, group)] = line
        for (stage, group), total in totals.items():
            if abs(total - 1.0) > SHARE_TOLERANCE:
                line = last_line[(stage, group)]
                problem(
                    "stage_shares",
                    line,
                    "share",
                    f"The shares of stage '{stage}', group '{group}' add up to {total:.3f}; "
                    f"they must add up to 1 (±{SHARE_TOLERANCE:g}). Use country OTHER "
                    "for the rest of the world.",
                )
    if usable("regimes"):
        columns = ("suspended_from", "suspended_until", "threshold", "threshold_unit")
        for line, start, end, threshold, unit in _rows(frames["regimes"], *columns):
            if pd.notna(start) and pd.notna(end) and end < start:
                problem(
                    "regimes", line, "suspended_until", "suspended_until is before suspended_from."
                )
            if pd.notna(threshold) and not unit:
                problem("regimes", line, "threshold_unit", "A threshold needs a threshold_unit.")


def _rows(frame: pd.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """(line, value, value, ...) per row: a fast, typed stand-in for iterrows."""
    return zip(frame.index.tolist(), *(frame[c].tolist() for c in columns), strict=True)


def _check_ordered(
    frame: pd.DataFrame, stem: str, name: str, problem: Callable[[str, object, str, str], None]
) -> None:
    """``<stem>_min <= <stem>_default <= <stem>_max`` (archetypes: value, _min, _max)."""
    if stem == "magnet_mass_g":
        low, mid, high = f"{stem}_min", stem, f"{stem}_max"
    else:
        low, mid, high = f"{stem}_min", f"{stem}_default", f"{stem}_max"
    for line, lo, va, hi in _rows(frame, low, mid, high):
        if pd.isna(lo) or pd.isna(va) or pd.isna(hi):
            continue
        if lo > va:
            problem(name, line, low, f"{low} ({lo:g}) is greater than {mid} ({va:g}).")
        elif va > hi:
            problem(name, line, high, f"{mid} ({va:g}) is greater than {high} ({hi:g}).")


def _check_aliases(
    frame: pd.DataFrame,
    id_column: str,
    name: str,
    problem: Callable[[str, object, str, str], None],
    *,
    unique: bool,
) -> None:
    """Aliases are lower case; with ``unique`` an alias may name one id only."""
    owner: dict[str, str] = {}
    for line, row_id, aliases in _rows(frame, id_column, "aliases"):
        for alias in split_list(aliases):
            key = alias.lower()
            if alias != key:
                problem(name, line, "aliases", f"The alias '{alias}' must be lower case.")
            first = owner.setdefault(key, str(row_id))
            if unique and first != row_id:
                problem(name, line, "aliases", f"The alias '{alias}' is also used by '{first}'.")

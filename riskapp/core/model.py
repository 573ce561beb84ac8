"""Canonical BOM columns and the small containers that travel between the stages.

A BOM line frame is a pandas DataFrame with the columns in :data:`LINE_COLUMNS`
(documented in docs/bom-format.md) plus, at the end, any unmapped source columns,
named ``extra:<header>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning", "info"]

ProgressCallback = Callable[[float, str], None]
"""Called with a fraction in [0, 1] and a short message."""

CancelCheck = Callable[[], bool]
"""Returns True when the user asked to stop."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Literal["str", "float", "int", "bool"]
    doc: str
    mappable: bool = True  # can a source column be mapped to it?


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("sheet", "str", "Source sheet name ('' for CSV).", False),
    FieldSpec(
        "row", "int", "Source row as Excel shows it (CSV: line where the record starts).", False
    ),
    FieldSpec(
        "table",
        "str",
        "Table the line came from, e.g. 'Sheet1!B2' (sheet!top-left header cell).",
        False,
    ),
    FieldSpec("description_column", "str", "Column letter of the description cell.", False),
    FieldSpec("category", "str", "Section/category heading the line sits under (carried down)."),
    FieldSpec("level", "int", "Level in a multi-level BOM (1 = top)."),
    FieldSpec("parent_row", "int", "Source row of the parent line in a multi-level BOM.", False),
    FieldSpec("has_children", "bool", "True for an assembly line that has lines under it.", False),
    FieldSpec("item", "str", "Item / position number."),
    FieldSpec("ref_des", "str", "Reference designators (R1,R2,...)."),
    FieldSpec("ipn", "str", "Internal part number."),
    FieldSpec("name", "str", "Short part name (joined into the description).", True),
    FieldSpec("description", "str", "Description of the part."),
    FieldSpec("manufacturer", "str", "Manufacturer name."),
    FieldSpec("mpn", "str", "Manufacturer part number."),
    FieldSpec("supplier", "str", "Supplier / distributor name."),
    FieldSpec("spn", "str", "Supplier part number."),
    FieldSpec("quantity", "float", "Quantity per parent assembly as stated (number)."),
    FieldSpec("quantity_text", "str", "Quantity cell exactly as written.", False),
    FieldSpec(
        "extended_quantity",
        "float",
        "Quantity per finished product (product of quantities down the tree).",
    ),
    FieldSpec("uom", "str", "Unit of measure (pcs, m, kg, ...)."),
    FieldSpec("unit_price", "float", "Unit price (number)."),
    FieldSpec("currency", "str", "Currency of the prices (ISO code)."),
    FieldSpec("ext_price", "float", "Extended price (number)."),
    FieldSpec("country_of_origin", "str", "Country of origin as written."),
    FieldSpec("material", "str", "Material or magnet grade as written."),
    FieldSpec("mass_g", "float", "Mass per unit in grams (converted from the stated unit).", False),
    FieldSpec(
        "magnet_mass_g",
        "float",
        "Stated magnet mass per unit in grams (a 'Magnet mass' column).",
        False,
    ),
    FieldSpec("stock", "float", "Stock on hand / inventory (units)."),
    FieldSpec("lead_time", "str", "Lead time as written."),
    FieldSpec("link", "str", "URL / hyperlink of the line."),
    FieldSpec("notes", "str", "Notes / remarks."),
    FieldSpec("hidden", "bool", "True when the source row or column is hidden.", False),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
MAPPABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.mappable)
NUMERIC_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.kind in ("float", "int"))
LINE_COLUMNS: tuple[str, ...] = FIELD_NAMES
EXTRA_PREFIX = "extra:"
RE_PARENT_HEADER = re.compile(
    r"(?:parent|übergeordnete?[sr]?|higher[- ]level|next[- ]higher|where[- ]used)\b"
)
"""A (lowercased) header about the parent in a flat parent/child list ('Parent', 'Parent
Item', 'Parent P/N', 'Parent Qty'): no field of the line itself; the import keeps it as an
extra column and multilevel links the lines by it."""


def empty_lines() -> pd.DataFrame:
    """An empty line frame with the canonical columns and dtypes."""
    return pd.DataFrame({f.name: pd.Series(dtype=_dtype(f.kind)) for f in FIELDS})


def _dtype(kind: str) -> str:
    return {"str": "object", "float": "float64", "int": "Int64", "bool": "bool"}[kind]


@dataclass(frozen=True)
class Issue:
    """One problem found in the user's data, with where it is and what it means."""

    severity: Severity
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }


@dataclass(frozen=True)
class FieldMatch:
    """How one canonical field was mapped to a source column."""

    field: str
    column: str  # column letter (spreadsheet) or letter of the CSV field position
    header: str
    confidence: float  # 0..1
    how: Literal["synonym", "fuzzy", "content", "user", "inferred"]


@dataclass
class TableInfo:
    """One BOM table found in a sheet."""

    sheet: str
    table_id: str
    header_row: int | None  # 1-based; None for an inferred header-less table
    first_col: str
    last_col: str
    description_column: str
    mapping: list[FieldMatch] = field(default_factory=list)
    n_lines: int = 0
    inferred: bool = False

    def mapping_dict(self) -> dict[str, str]:
        return {m.field: m.column for m in self.mapping}


@dataclass
class ImportReport:
    """Everything the import found out, for the user and for later stages."""

    file: str
    sha256: str = ""
    file_format: str = ""
    sheets: list[str] = field(default_factory=list)
    chosen_sheets: list[str] = field(default_factory=list)
    tables: list[TableInfo] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    n_lines: int = 0
    seconds: float = 0.0
    overflow: dict[str, int] = field(default_factory=dict)
    """Issues of a code beyond the importer's per-code cap: only counted (a 100,000-line file
    with a bad column does not build 100,000 messages)."""

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        sheet: str = "",
        row: int | None = None,
        column: str = "",
    ) -> None:
        self.issues.append(
            Issue(
                severity, code, message, self.file, sheet, None if row is None else int(row), column
            )
        )

    def count(self, severity: Severity) -> int:
        return sum(1 for i in self.issues if i.severity == severity)


@dataclass
class ImportResult:
    lines: pd.DataFrame
    report: ImportReport

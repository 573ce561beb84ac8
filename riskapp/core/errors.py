"""Domain errors: every one carries where it happened and a sentence a buyer understands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where in a user's file something happened (all parts optional)."""

    file: str = ""
    sheet: str = ""
    row: int | None = None  # 1-based, as Excel/LibreOffice shows it (CSV: line number)
    column: str = ""  # column letter(s) for spreadsheets, header name for CSV

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(Path(self.file).name)
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class RiskappError(Exception):
    """Base of every error meant to be shown to a user (never a traceback)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path = "",
        sheet: str = "",
        row: int | None = None,
        column: str = "",
    ) -> None:
        self.message = message
        self.location = Location(str(file) if file else "", sheet, row, column)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.location.describe()
        return f"{where}: {self.message}" if where else self.message


class InputFileError(RiskappError):
    """The file given to us cannot be read as a BOM (missing, unsupported, broken, too big)."""


class LimitExceededError(InputFileError):
    """A safety limit (size, cells, time, memory) was hit while reading a file."""


class ReferenceDataError(RiskappError):
    """A reference-data file is malformed (names file, row and column)."""


class UsageError(RiskappError):
    """The user asked for something that cannot be done (bad option, unknown scenario)."""

    exit_code = 1


class CancelledError(RiskappError):
    """Work was cancelled by the user."""

    exit_code = 3

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)

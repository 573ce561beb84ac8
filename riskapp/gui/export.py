"""Export jobs for the worker: the Excel report, the lines as CSV, the score document as JSON.

Each is a thin call into :mod:`riskapp.core.report` (atomic writes, formula-safe text);
the window picks the file, runs the job with progress and Cancel, and then offers to open
the file or its folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis

KINDS: dict[str, tuple[str, str, str]] = {
    "xlsx": ("Excel report", "Excel workbooks (*.xlsx)", ".xlsx"),
    "csv": ("lines as CSV", "CSV files (*.csv)", ".csv"),
    "json": ("scores as JSON", "JSON files (*.json)", ".json"),
}
"""kind -> (what it is, file-dialog filter, suffix)."""


def default_name(analysis: Analysis, kind: str) -> str:
    """The suggested file name: '<bom> risk report.xlsx', '<bom> lines.csv' ..."""
    stem = Path(analysis.path).stem
    return {
        "xlsx": f"{stem} risk report.xlsx",
        "csv": f"{stem} lines.csv",
        "json": f"{stem} scores.json",
    }[kind]


def export_job(
    kind: str,
    analysis: Analysis,
    target: str,
    comparison: Analysis | None = None,
    *,
    on_progress: Any,
    should_cancel: Any,
) -> Path:
    """Write one export of *analysis* to *target* (atomically, in a forked child where
    possible: see :mod:`riskapp.gui.forked`); returns the path."""
    from riskapp.gui import forked

    return forked.run(
        write_export,
        kind,
        analysis,
        target,
        comparison,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )


def write_export(
    kind: str,
    analysis: Analysis,
    target: str,
    comparison: Analysis | None = None,
    *,
    on_progress: Any,
    should_cancel: Any,
) -> Path:
    """The export itself (core calls only)."""
    from riskapp.core import report

    path = Path(target)
    if kind == "xlsx":
        return report.write_report(
            [analysis],
            path,
            comparison=[comparison] if comparison is not None else [],
            on_progress=on_progress,
            should_cancel=should_cancel,
        )
    on_progress(0.1, f"Writing {path.name}")
    if kind == "csv":
        report.write_lines_csv(analysis, path)
    elif kind == "json":
        report.write_json(report.score_document(analysis), path)
    else:
        raise ValueError(f"unknown export kind {kind!r}")
    on_progress(1.0, f"Saved {path.name}")
    return path

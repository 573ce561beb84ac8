"""The benchmark runner's read floor: both raw readers are measured and the floor is the faster
one (what the targets in docs/performance.md are measured against). No timings are asserted."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks.gen_bom import write_xlsx
from benchmarks.run import print_floors, read_floors


def test_floor_is_the_faster_of_the_raw_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(200, tmp_path / "bom.xlsx", seed=3)
    res = read_floors(path)
    assert len(res["read_floor_calamine_runs_s"]) == 3
    reads = [res["read_floor_calamine_s"]]
    if importlib.util.find_spec("fastexcel") is not None:
        assert len(res["read_floor_fastexcel_runs_s"]) == 3
        reads.append(res["read_floor_fastexcel_s"])
    else:
        assert "read_floor_fastexcel_s" not in res
    assert res["read_floor_s"] == min(reads) > 0
    print_floors(res, 2 * res["read_floor_s"])
    shown = capsys.readouterr().out
    assert "floor: python-calamine" in shown and "floor: fastexcel" in shown
    if len(reads) == 1:
        assert "not installed" in shown

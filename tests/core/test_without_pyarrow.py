"""The frozen app is built without pyarrow (installer/riskapp.spec): pandas then keeps
text as Python strings and every Arrow fast path must step aside. The same BOMs must give
the same lines, tags, scores and advice either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from riskapp.core.pipeline import analyse
from tests.conftest import REAL_BOMS, SAMPLE_BOMS

SCRIPT = """
import json, sys
sys.modules["pyarrow"] = None  # as in the frozen app: no pyarrow to import
import pandas as pd
assert pd.Series(["a"], dtype="str").dtype.storage == "python"
from riskapp.core import fastre
assert not fastre.have_arrow()
from riskapp.core.pipeline import analyse
sys.path.insert(0, sys.argv[1])
from tests.core.test_without_pyarrow import digest
print(json.dumps({p: digest(analyse(p)) for p in sys.argv[2:]}))
"""


def digest(analysis: Any) -> dict[str, Any]:
    lines = analysis.scored.lines
    return {
        "rows": [int(r) for r in lines["row"]],
        "description": [str(d) for d in lines["description"]],
        "quantity": [None if q != q else float(q) for q in lines["quantity"]],
        "rare_earth": [bool(r) for r in lines["rare_earth"]],
        "archetype": [str(a) for a in lines["archetype"]],
        "score": [round(float(s), 9) for s in lines["score"]],
        "band": [str(b) for b in lines["band"]],
        "advice": [str(o) for o in analysis.advice["option_id"]],
        "issues": sorted(str(i) for i in analysis.imported.report.issues),
    }


def test_same_results_without_pyarrow(tmp_path: Path) -> None:
    from benchmarks.gen_bom import write_xlsx

    files = [
        SAMPLE_BOMS / "robot_arm.xlsx",
        SAMPLE_BOMS / "ev_drive_unit.xlsx",
        write_xlsx(3000, tmp_path / "bom3000.xlsx", seed=11),  # big enough for the packed text
    ]
    if REAL_BOMS.is_dir():
        files += sorted(REAL_BOMS.glob("voron1_bom.*"))[:1]
    files = [f for f in files if Path(f).exists()]
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    without = json.loads(done.stdout.strip().splitlines()[-1])
    for f in files:
        assert without[str(f)] == digest(analyse(f)), f
    if len(files) < 3:
        pytest.skip("sample BOMs missing")

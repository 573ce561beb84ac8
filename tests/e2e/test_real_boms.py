"""The corpus test: real public BOMs with labels a careful human wrote (../shared/real_boms).

Every labelled line must be found at its sheet/row (and table column), with its description
and, where the label states one, its quantity; nothing else may become a line.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REAL_BOMS

pytestmark = pytest.mark.realboms

LABEL_FILES = sorted(REAL_BOMS.glob("*.labels.csv")) if REAL_BOMS.is_dir() else []


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _inspect_json(path: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "lines.json"
    proc = subprocess.run(
        [sys.executable, "-m", "riskapp", "inspect", str(path), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.skipif(not LABEL_FILES, reason="../shared/real_boms is absent")
@pytest.mark.parametrize("labels", LABEL_FILES, ids=lambda p: p.name.replace(".labels.csv", ""))
def test_every_labelled_line_is_found_and_nothing_else(labels: Path, tmp_path: Path) -> None:
    with labels.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    doc = _inspect_json(REAL_BOMS / rows[0]["file"], tmp_path)
    lines = doc["lines"]
    for line in lines:  # the contract's fields are there
        for key in (
            "sheet",
            "row",
            "description_column",
            "description",
            "quantity",
            "extended_quantity",
        ):
            assert key in line
    index: dict[tuple[str, int, str], dict] = {}  # type: ignore[type-arg]
    for line in lines:
        index.setdefault((line["sheet"], line["row"], line["description_column"]), line)
    problems = []
    matched = set()
    for lab in rows:
        row, _, col = lab["row"].partition("@")
        cands = [
            v
            for (s, r, c), v in index.items()
            if s == lab["sheet"] and r == int(row) and (not col or c == col)
        ]
        if not cands:
            problems.append(f"missing {lab['row']} {lab['description']!r}")
            continue
        got = cands[0]
        matched.add((got["sheet"], got["row"], got["description_column"]))
        want, have = _norm(lab["description"]), _norm(got["description"])
        if not (want in have or have in want):
            problems.append(
                f"description {lab['row']}: {lab['description']!r} vs {got['description']!r}"
            )
        if lab["qty"] and got["quantity"] != pytest.approx(float(lab["qty"])):
            problems.append(f"quantity {lab['row']}: {lab['qty']} vs {got['quantity']}")
    extra = [k for k in index if k not in matched]
    assert not problems, problems
    assert not extra, f"rows read as lines that are not BOM lines: {extra}"

"""Every file of calamine's own test corpus (../shared/oddsheets/calamine) through the CLI.

Each file runs as ``riskapp inspect FILE --json -`` in its own process, with a hard
timeout and its peak memory measured. The outcome must be a result (exit 0, JSON) or one
clear domain error (exit 2, ``riskapp: <file>: <sentence>``) - never a traceback, a crash,
a hang or more than 1 GB.

The whole corpus runs in forks of one warmed-up interpreter (cli_zygote.py: the same
``riskapp.__main__.main`` a fresh ``python -m riskapp`` runs, minus a second of start-up
per file), two at a time; the nastiest files also run as real ``python -m riskapp``
processes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ODDSHEETS
from tests.robustness.conftest import CliRun, CliZygote, assert_clean_outcome, run_cli

FILES = (
    sorted(p for p in ODDSHEETS.glob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    if ODDSHEETS.is_dir()
    else []
)
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Files read at once: the machine's two cores (timings then include some contention)."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not FILES, reason=f"oddsheets corpus not found at {ODDSHEETS}"),
]

# What a buyer must be told for the files whose outcome is known (others: result or error).
EXPECTED_ERROR = {
    "pass_protected.xlsx": "password",
    "pass_protected.xlsb": "password",
    "pass_protected.ods": "password",
    "issue_385.xls": "password",
    "issue_174.xlsx": "(setting: max cells)",
    "issue_594_dos.ods": "(setting: max cells)",
    "OOM_alloc3.xls": "damaged",
}
EXPECTED_RESULT = {
    "date_1904.xlsx",
    "date_1904.xls",
    "date_1904.xlsb",
    "merge_cells.xlsx",
    "merged_range.xlsx",
    "covered.ods",
    "inventory-table.xlsx",
    "header-row.xlsx",
    "temperature-table.xlsx",
}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, CliRun]:
    zygote = CliZygote()
    try:
        runs = zygote.run_many([["inspect", str(p), "--json", "-"] for p in FILES], workers=WORKERS)
    finally:
        zygote.close()
    return {p.name: run for p, run in zip(FILES, runs, strict=True)}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_oddsheet_gives_a_result_or_one_clear_error(
    path: Path, outcomes: dict[str, CliRun]
) -> None:
    run = outcomes[path.name]
    assert_clean_outcome(run, path)
    if path.name in EXPECTED_ERROR:
        assert run.returncode == 2, run.stdout[:300]
        assert EXPECTED_ERROR[path.name] in run.stderr
    if path.name in EXPECTED_RESULT:
        assert run.returncode == 0, run.stderr


def test_the_corpus_is_all_there() -> None:
    """The README promises xlsx, xlsm, xlsb, xls and ods files; all of them are tried."""
    kinds = {p.suffix for p in FILES}
    assert {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"} <= kinds
    assert len(FILES) >= 100


NASTIEST = [
    "OOM_alloc.xls",
    "issue_174.xlsx",
    "issue_594_dos.ods",
    "issue_666_panic.xlsb",
    "pass_protected.xlsx",
]


@pytest.mark.parametrize("name", NASTIEST)
def test_nastiest_files_through_a_real_cli_process(name: str) -> None:
    path = ODDSHEETS / name
    run = run_cli(["inspect", str(path), "--json", "-"])
    assert_clean_outcome(run, path)

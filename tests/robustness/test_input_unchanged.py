"""Files the user gives us are read-only to us: every input is hashed before and after
import, scoring, export and session save (in this process and through the CLI), the app
never opens it for writing, and nothing is left behind beside it."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskapp.core.pipeline import analyse
from riskapp.core.report import export_all, write_report
from tests.conftest import ODDSHEETS, SAMPLE_BOMS
from tests.robustness import hostile
from tests.robustness.conftest import run_cli

SAMPLES = ["robot_arm.xlsx", "small_parts.csv"]
ODD = ["pass_protected.xlsx", "OOM_alloc3.xls", "issue_174.xlsx"]


def fingerprint(path: Path) -> tuple[str, int, int, int]:
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns, st.st_mode


def snapshot(folder: Path) -> dict[str, tuple[str, int, int, int]]:
    return {p.name: fingerprint(p) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def inputs(tmp_path: Path) -> Iterator[Path]:
    """Copies of real BOMs and odd files (so a bug could never damage the originals)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in SAMPLES:
        shutil.copy2(SAMPLE_BOMS / name, folder / name)
    for name in ODD:
        if (ODDSHEETS / name).exists():
            shutil.copy2(ODDSHEETS / name, folder / name)
    hostile.zip_bomb(folder / "bomb.xlsx", inflated=200 * 1024 * 1024)
    yield folder


def _writes_to(path: Path, file: Any, mode: str = "r", flags: int = 0) -> bool:
    try:
        same = Path(os.fspath(file)).resolve() == path.resolve()
    except (TypeError, OSError):
        return False
    writing = any(c in mode for c in "wax+") or bool(
        flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC)
    )
    return same and writing


@pytest.mark.slow
def test_import_score_export_and_session_leave_every_input_as_it_was(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskapp.core.errors import RiskappError

    before = snapshot(inputs)
    out = tmp_path / "out"
    out.mkdir()
    # the reader runs in this process here, so every open() of the input is seen
    monkeypatch.setenv("RISKAPP_PARSE_GUARD", "off")
    opened_for_writing: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(_writes_to(inputs / n, file, mode) for n in before):
            opened_for_writing.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        if any(_writes_to(inputs / n, file, flags=flags) for n in before):
            opened_for_writing.append(f"os.open({file!r}, {flags:#x})")
        return real_os_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)

    written: set[str] = set()
    for name in before:
        path = inputs / name
        try:
            analysis = analyse(path)  # import, tag, score, advise
        except RiskappError:
            continue  # the hostile ones stop here, with a message
        export_all(analysis, out / path.stem)  # lines CSV and JSON
        # the report and a session saved right beside the BOM, as a buyer would
        beside = inputs / f"{path.stem}_{path.suffix[1:]}_report.xlsx"
        write_report([analysis], beside)
        written.add(beside.name)
        _save_session_beside(path, inputs, written)
    monkeypatch.undo()
    after = snapshot(inputs)
    assert not opened_for_writing
    assert {n: after[n] for n in before} == before
    assert set(after) - set(before) == written  # nothing else (no temp files) beside the BOMs
    assert len(written) >= 2 * len(SAMPLES)


def _save_session_beside(path: Path, folder: Path, written: set[str]) -> None:
    try:
        from riskapp.core.session import Session, save_session
    except ImportError:  # sessions are being built by another change
        return
    target = folder / f"{path.stem}_{path.suffix[1:]}.riskapp"
    save_session(target, Session(source_path=str(path)))
    written.add(target.name)


@pytest.mark.slow
def test_the_cli_leaves_every_input_as_it_was(inputs: Path, tmp_path: Path) -> None:
    before = snapshot(inputs)
    for name in ["robot_arm.xlsx", "bomb.xlsx"]:
        run = run_cli(
            [
                "score",
                str(inputs / name),
                "-o",
                str(tmp_path / f"{name}.report.xlsx"),
                "--csv",
                str(tmp_path / f"{name}.csv"),
                "--quiet",
            ],
            timeout=60,
        )
        assert run.returncode in (0, 2), run.stderr
    assert snapshot(inputs) == before

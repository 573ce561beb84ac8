"""Reports, sessions, saved mappings, scenarios and settings are written to a temporary
file and renamed over the target. Injected failures - disk full in the middle of a write,
permission denied, the target held open elsewhere, the process killed mid-write - leave
the previous file byte-for-byte intact, and the user is told in a sentence."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskapp.core import fileio
from riskapp.core.errors import RiskappError
from riskapp.core.fileio import atomic_write_text
from tests.conftest import ROOT, SAMPLE_BOMS
from tests.robustness.conftest import run_cli

OLD = "the previous version, complete\n"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------ what gets written


@pytest.fixture(scope="module")
def analysis() -> Any:
    from riskapp.core.pipeline import analyse

    return analyse(SAMPLE_BOMS / "small_parts.csv")


def _write_report(target: Path, analysis: Any) -> None:
    from riskapp.core.report import write_report

    write_report([analysis], target)


def _write_session(target: Path, analysis: Any) -> None:
    from riskapp.core.session import Session, save_session

    save_session(target, Session(source_path=str(SAMPLE_BOMS / "small_parts.csv")))


def _write_mapping(target: Path, analysis: Any) -> None:
    from riskapp.core.importer import ImportOptions
    from riskapp.core.session import save_layout_mapping

    os.environ["RISKAPP_USER_DIR"] = str(target.parent.parent)  # mappings_dir() = <dir>/mappings
    save_layout_mapping("abcdef012345", ImportOptions(mapping={"description": "C"}))


def _write_scenario(target: Path, analysis: Any) -> None:
    from riskapp.core.scenarios import save_scenario

    save_scenario(analysis.scenario, target)


def _write_json(target: Path, analysis: Any) -> None:
    from riskapp.core.report import score_document, write_json

    write_json(score_document(analysis), target)


WRITERS: dict[str, tuple[str, Callable[[Path, Any], None]]] = {
    "report": ("report.xlsx", _write_report),
    "session": ("work.riskapp", _write_session),
    "mapping": ("mappings/abcdef012345.json", _write_mapping),
    "scenario": ("my_scenario.toml", _write_scenario),
    "json": ("score.json", _write_json),
}


def target_for(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / "userdir" / WRITERS[kind][0]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(OLD)
    return target


# -------------------------------------------------------------------------- failures


class _FullDisk(io.FileIO):
    """A file that takes `budget` bytes and then reports the disk full (ENOSPC), once:
    later writes (a library's clean-up in __del__) are dropped quietly."""

    budget = 2048
    failed = False

    def write(self, data: Any) -> int:
        if self.failed:
            return len(data)
        room = self.budget - self.tell()
        if len(data) > room:
            super().write(bytes(data)[: max(room, 0)])
            self.failed = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def _disk_full(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real_open = io.open

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
        if (
            name
            and Path(name).parent == folder
            and name.endswith(".tmp")
            and any(c in mode for c in "wa+")
        ):
            raw = _FullDisk(name, "w")
            return (
                raw
                if "b" in mode and kwargs.get("buffering", -1) == 0
                else (
                    io.BufferedWriter(raw)
                    if "b" in mode
                    else io.TextIOWrapper(
                        io.BufferedWriter(raw), encoding=kwargs.get("encoding") or "utf-8"
                    )
                )
            )
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr("builtins.open", fake_open)
    real_write_bytes = Path.write_bytes

    def fake_write_bytes(self: Path, data: bytes) -> int:
        if self.parent == folder and self.name.endswith(".tmp"):
            real_write_bytes(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", fake_write_bytes)


def _permission_denied(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fileio.tempfile, "mkstemp", refuse)


def _target_open_elsewhere(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Windows will not replace a file another program holds open."""
    real_replace = os.replace

    def refuse(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(dst).parent == folder:
            raise PermissionError(
                errno.EACCES,
                "The process cannot access the file because it is being used by another process",
            )
        real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)


FAILURES = {
    "disk full": (_disk_full, "No space left on device"),
    "permission denied": (_permission_denied, "Permission denied"),
    "target open elsewhere": (_target_open_elsewhere, "open in another program"),
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_failed_write_keeps_the_previous_file_and_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    analysis: Any,
    kind: str,
    failure: str,
) -> None:
    target = target_for(tmp_path, kind)
    monkeypatch.setenv("RISKAPP_USER_DIR", str(tmp_path / "userdir"))
    before = sha(target)
    inject, words = FAILURES[failure]
    inject(monkeypatch, target.parent)
    with pytest.raises(RiskappError) as info:
        WRITERS[kind][1](target, analysis)
    monkeypatch.undo()
    assert sha(target) == before, "the previous file was damaged"
    assert leftovers(target.parent) == []
    message = str(info.value)
    assert message.startswith(target.name) and words in message, message
    assert "unchanged" in message or "cannot write" in message


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_successful_write_replaces_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analysis: Any, kind: str
) -> None:
    target = target_for(tmp_path, kind)
    monkeypatch.setenv("RISKAPP_USER_DIR", str(tmp_path / "userdir"))
    with target.open("rb") as reader:  # another program reading the old file (Linux allows)
        WRITERS[kind][1](target, analysis)
        assert reader.read() == OLD.encode()  # it keeps seeing the complete old version
    assert target.read_text(errors="replace") != OLD
    assert leftovers(target.parent) == []


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from riskapp.core.fileio import atomic_write_with

    def slow(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(b"half of the new ")
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
            fh.write(b"version")

    atomic_write_with(Path(sys.argv[1]), slow)
    """
)


def test_a_process_killed_mid_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_text(OLD)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "writing\n"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    proc.stdout.close()
    assert target.read_text() == OLD
    # the half-written temporary stays (nobody was left to delete it), hidden and named so
    # it can never be taken for the report; the next save works as usual
    stale = leftovers(tmp_path)
    assert stale and all(name.startswith(".report.xlsx.") for name in stale)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert leftovers(tmp_path) == stale  # young: it could be another write still running
    # once it is old, the next write of the same file clears it away
    old = fileio.STALE_TEMP_SECONDS + 60
    for name in stale:
        st = (tmp_path / name).stat()
        os.utime(tmp_path / name, (st.st_atime - old, st.st_mtime - old))
    (tmp_path / ".other.xlsx.abc.tmp").write_text("not ours")
    os.utime(tmp_path / ".other.xlsx.abc.tmp", (0, 0))
    atomic_write_text(target, "newer\n")
    assert leftovers(tmp_path) == [".other.xlsx.abc.tmp"]


KILLED_REPORT = textwrap.dedent(
    """
    import sys, time
    from riskapp.core import report
    from riskapp.core.pipeline import analyse

    analysis = analyse(sys.argv[1])
    real = report._assumptions_sheet

    def slow(w, a):
        real(w, a)
        print("writing", flush=True)
        time.sleep(60)

    report._assumptions_sheet = slow
    report.write_report([analysis], sys.argv[2])
    """
)


@pytest.mark.slow
def test_a_process_killed_while_writing_a_report(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    shutil.copy2(SAMPLE_BOMS / "robot_arm.xlsx", target)  # a previous 'report'
    before = sha(target)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_REPORT, str(SAMPLE_BOMS / "small_parts.csv"), str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "writing\n"
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert sha(target) == before


def test_the_cli_says_when_it_cannot_write_and_keeps_the_old_report(tmp_path: Path) -> None:
    """A folder the user may not write to: the CLI (run without root's override) says so in
    one line and the report already there is untouched."""
    out = tmp_path / "reports"
    out.mkdir()
    old = out / "report.xlsx"
    old.write_text(OLD)
    out.chmod(0o555)
    wrapper: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not installed")
        wrapper = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]
    try:
        run = run_cli(
            ["score", str(SAMPLE_BOMS / "small_parts.csv"), "-o", str(old), "--quiet"],
            wrapper=wrapper,
            timeout=60,
        )
    finally:
        out.chmod(0o755)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("riskapp: report.xlsx: cannot write in this folder")
    assert old.read_text() == OLD


SETTINGS_WRITER = textwrap.dedent(
    """
    from riskapp.gui.settings import CURRENCY, Settings
    s = Settings()
    s.set(CURRENCY, "JPY")
    problem = s.sync()
    print(s.qsettings.status().name)
    print(problem or "")
    """
)


def test_settings_in_a_read_only_folder_keep_their_previous_file(tmp_path: Path) -> None:
    """QSettings writes its INI file through a temporary and a rename (QSaveFile)."""
    pytest.importorskip("PySide6")
    from riskapp.gui import settings as cfg

    user = tmp_path / "user"
    user.mkdir()
    env = {**os.environ, cfg.USER_DIR_ENV: str(user), "QT_QPA_PLATFORM": "offscreen"}
    first = subprocess.run(
        [sys.executable, "-c", SETTINGS_WRITER],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n")[:2] == ["NoError", ""]
    ini = next(p for p in user.rglob("*") if p.is_file())
    before = sha(ini)
    wrapper: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not installed")
        wrapper = [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
    for folder in [ini.parent, *[p for p in ini.parents if user in p.parents or p == user]]:
        folder.chmod(0o555)
    ini.chmod(0o444)
    try:
        again = subprocess.run(
            [*wrapper, sys.executable, "-c", SETTINGS_WRITER.replace("JPY", "CHF")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        for p in [user, *user.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert "Traceback" not in again.stderr
    status, problem = again.stdout.strip().split("\n", 1)
    assert status == "AccessError", again.stdout + again.stderr
    assert "Settings could not be saved to" in problem and "read-only" in problem
    assert sha(ini) == before

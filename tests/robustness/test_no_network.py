"""riskapp makes no network connections: BOMs are confidential.

In this process every way to make a socket is replaced by one that records the attempt
and fails; import (in-process and through the guarded reader), scoring, export, session
save, the CLI and the desktop window then run. The CLI and the GUI also run as separate
processes under strace, which sees every socket() system call, from Python or from Qt.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_BOMS

BOMS = [SAMPLE_BOMS / "robot_arm.xlsx", SAMPLE_BOMS / "small_parts.csv"]


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{what}{args!r}")
            raise NetworkUsed(f"riskapp tried to use the network: {what}")

        return fail

    class NoSocket(socket.socket):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            attempts.append(f"socket.socket{args!r}")
            raise NetworkUsed("riskapp tried to create a socket")

    monkeypatch.setattr(socket, "socket", NoSocket)
    for name in (
        "create_connection",
        "create_server",
        "getaddrinfo",
        "gethostbyname",
        "socketpair",
        "fromfd",
    ):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    yield attempts
    assert attempts == []


@pytest.mark.slow
@pytest.mark.parametrize("guarded", [True, False], ids=["guarded-reader", "in-process-reader"])
def test_import_score_export_and_save_open_no_sockets(
    no_sockets: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guarded: bool
) -> None:
    from riskapp.core.importer import import_bom
    from riskapp.core.pipeline import analyse
    from riskapp.core.report import export_all, write_report
    from riskapp.core.session import Session, save_session

    if not guarded:
        monkeypatch.setenv("RISKAPP_PARSE_GUARD", "off")
    for bom in BOMS if guarded else BOMS[1:]:
        assert import_bom(bom).report.n_lines > 5  # a socket in the child would fail this
        analysis = analyse(bom)
        write_report([analysis], tmp_path / f"{bom.stem}.xlsx")
        export_all(analysis, tmp_path / bom.stem)
        save_session(tmp_path / f"{bom.stem}.riskapp", Session(source_path=str(bom)))
    assert no_sockets == []


@pytest.mark.slow
def test_the_cli_opens_no_sockets(no_sockets: list[str], tmp_path: Path) -> None:
    from riskapp.cli import run_cli

    code = run_cli(
        [
            "score",
            str(BOMS[1]),
            "-o",
            str(tmp_path / "r.xlsx"),
            "--json",
            str(tmp_path / "r.json"),
            "--quiet",
        ]
    )
    assert code == 0
    assert run_cli(["inspect", str(BOMS[0]), "--json", str(tmp_path / "i.json")]) == 0


@pytest.mark.slow
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_the_desktop_app_opens_no_sockets(no_sockets: list[str], qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("PySide6")
    from riskapp.gui import settings as cfg
    from riskapp.gui.main_window import MainWindow
    from tests.gui.conftest import close_dialogs, drain_workers

    settings = cfg.Settings()
    settings.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, False)
    window = MainWindow(settings)
    window.ask_to_save = False
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.import_finished, timeout=60_000):
            window.open_path(BOMS[0])
        outcome: list[str] = []
        window.export_finished.connect(lambda path: outcome.append("ok"))
        window.export_failed.connect(lambda message: outcome.append(f"failed: {message}"))
        window.export("xlsx", str(tmp_path / "gui_report.xlsx"))
        qtbot.waitUntil(lambda: bool(outcome), timeout=60_000)
        assert outcome == ["ok"]
        assert (tmp_path / "gui_report.xlsx").stat().st_size > 0
        close_dialogs(window)
    finally:
        window.close()
        drain_workers()


def _strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is not installed")
    probe = subprocess.run([path, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("strace cannot trace here (ptrace not permitted)")
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["score", str(BOMS[0]), "-o", "{tmp}/report.xlsx", "--quiet"],
        [str(BOMS[1]), "--quit-after-load"],  # the desktop app, offscreen
    ],
    ids=["cli-score", "gui"],
)
def test_no_socket_system_calls_at_all(tmp_path: Path, args: list[str]) -> None:
    strace = _strace()
    log = tmp_path / "strace.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [
            strace,
            "-f",
            "-qq",
            "-e",
            "trace=socket,socketpair,connect",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "riskapp",
            *[a.format(tmp=tmp_path) for a in args],
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    calls = [ln for ln in log.read_text().splitlines() if "socket" in ln or "connect(" in ln]
    assert calls == [], calls[:10]

"""Forked runs start warm: the app's own process fills the caches once (document.warm_up).

Without it every open and re-score compiled the tagging rules again in its child, whose
work is lost when it ends (a 48-line BOM re-scored in 1.0 s instead of 0.55 s).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from riskapp.core import tagging
from riskapp.core.session import Session
from riskapp.gui import document, forked

pytestmark = pytest.mark.skipif(not forked.fork_available(), reason="no fork here")

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "robot_arm.xlsx"


def noop(*_args: object) -> None:
    pass


def never() -> bool:
    return False


def _compiled_rule_sets(*, on_progress, should_cancel):  # type: ignore[no-untyped-def]
    return len(tagging._RULES_CACHE)


def _wait_for_warm_up() -> None:
    """A warm-up runs as a without_forks job: it is over when the gate is free."""
    assert forked._NO_FORK.acquire(timeout=120), "the warm-up ended"
    forked._NO_FORK.release()


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    _wait_for_warm_up()  # one started by an earlier test
    monkeypatch.setattr(document, "_WARMED", set())
    tagging._RULES_CACHE.clear()


@pytest.mark.usefixtures("cold")
def test_a_child_of_a_warm_process_finds_the_rules_compiled() -> None:
    assert forked.run(_compiled_rule_sets, on_progress=noop, should_cancel=never) == 0
    document.warm_up()
    assert "" in document._WARMED
    assert forked.run(_compiled_rule_sets, on_progress=noop, should_cancel=never) == 1


@pytest.mark.usefixtures("cold")
def test_a_cold_run_warms_this_process_once_its_child_is_forked() -> None:
    outcome = document.run_analysis(
        Session(source_path=str(SAMPLE)), None, on_progress=noop, should_cancel=never
    )
    assert len(outcome.analysis.scored.lines) > 0
    _wait_for_warm_up()
    assert "" in document._WARMED
    assert len(tagging._RULES_CACHE) == 1, "compiled here, for the next children"
    assert document.start_warm_up() is None, "warm already: nothing more to do"


@pytest.mark.usefixtures("cold")
def test_a_broken_reference_folder_does_not_stop_the_warm_up(tmp_path: Path) -> None:
    folder = str(tmp_path / "no such folder")
    document.warm_up(folder)  # logged, not raised: the run itself reports the problem
    assert folder in document._WARMED


@pytest.mark.usefixtures("cold")
def test_the_app_warms_up_while_the_user_picks_a_file(
    qapp, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from riskapp.gui import app

    started: list[str | None] = []
    monkeypatch.setattr(document, "start_warm_up", lambda folder=None: started.append(folder))
    args, _ = app._parse([])
    session = app._Session(qapp, args, None, own_app=False)
    try:
        qtbot.waitUntil(lambda: started == [None], timeout=5_000)
    finally:
        for window in session.windows:
            window.ask_to_save = False
            window.close()
            window.deleteLater()


WARM_UP_IMPORTS = """
import os, sys
if sys.argv[1] == "without-pyarrow":
    sys.modules["pyarrow"] = None  # as in the frozen app (installer/riskapp.spec)
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import riskapp.gui
from PySide6.QtWidgets import QApplication
app = QApplication([])
from riskapp.gui.main_window import MainWindow
window = MainWindow()
before = set(sys.modules)
from riskapp.gui import document
document.warm_up()
print(sorted(set(sys.modules) - before))
"""


@pytest.mark.parametrize("pyarrow", ["with-pyarrow", "without-pyarrow"])
def test_a_warm_up_imports_nothing_the_window_has_not(tmp_path: Path, pyarrow: str) -> None:
    """A warm-up runs on a background thread, where importing a module while the GUI
    thread runs Qt once crashed the process: the window imports all it needs first. The
    frozen app has no pyarrow: the window must open without it too."""
    import subprocess
    import sys

    env = {**os.environ, "RISKAPP_USER_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_IMPORTS, pyarrow],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr

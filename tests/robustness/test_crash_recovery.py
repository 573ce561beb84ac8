"""Crash recovery: the desktop app is killed (SIGKILL, no chance to clean up) after the
user made edits; the next start offers the autosave and recovers every edit.

The first run is a real app process (QApplication + MainWindow, offscreen) driven by a
small script that opens a BOM, makes edits the way the menus do, waits until the app has
autosaved by itself and then waits to be killed. The next start runs here, under pytest-qt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE_BOMS

pytest.importorskip("PySide6")

try:
    from riskapp.gui.autosave import orphaned_autosaves  # noqa: F401
    from riskapp.gui.main_window import MainWindow

    HAS_AUTOSAVE = hasattr(MainWindow, "offer_recovery") and hasattr(MainWindow, "autosave_now")
except ImportError:  # pragma: no cover - depends on the state of the GUI work
    HAS_AUTOSAVE = False

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HAS_AUTOSAVE, reason="the GUI has no autosave/recovery yet"),
    pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)"),
]

BOM = SAMPLE_BOMS / "robot_arm.xlsx"
COMPARED = ("overrides", "scenario", "import", "accepted_advice", "reference_dir")

FIRST_RUN = textwrap.dedent(
    """
    import json, sys, time
    from datetime import date
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0], "-platform", "offscreen"])
    from riskapp.core.session import load_session, session_to_dict
    from riskapp.core.tagging import Override
    from riskapp.gui import settings as cfg
    from riskapp.gui.main_window import MainWindow

    def wait(condition, what, timeout=90):
        end = time.monotonic() + timeout
        while not condition():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if time.monotonic() > end:
                print("TIMEOUT " + what, flush=True)
                sys.exit(3)
            time.sleep(0.01)

    settings = cfg.Settings()
    settings.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, False)
    window = MainWindow(settings)
    window.show()
    opened, failed = [], []
    window.import_finished.connect(opened.append)
    window.import_failed.connect(lambda path, message: failed.append(message))
    window.open_path(sys.argv[1])
    wait(lambda: opened or failed, "open")
    if failed:
        print("FAILED " + failed[0], flush=True)
        sys.exit(4)
    analysis = window.analysis
    first = analysis.scored.lines.iloc[0]
    key = f"{first['sheet']}!{first['row']}" if first["sheet"] else str(first["row"])

    # the edits a buyer makes, through the window's own edit commands
    window.add_overrides([Override("line", key, "magnet_mass_g", "12.5", "weighed on the bench")])
    window.add_overrides([Override("manufacturer", "Yaskawa", "single_source", "yes", "")])
    window.set_scenario("us_tariff_escalation")
    window.document.edit("Build volume", build_volume=4321.0)
    window.document.edit("Evaluation date", evaluation_date=date(2026, 12, 1))
    window.clear_accepted()

    # the app autosaves by itself a moment after the last edit
    def autosaved():
        try:
            return load_session(window.autosaver.path).edits_equal(window.document.state)
        except Exception:
            return False

    wait(autosaved, "autosave")
    print("READY " + json.dumps(session_to_dict(window.document.state), default=str), flush=True)
    while True:  # the user keeps working... until the process is killed
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.05)
    """
)


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc.get(k) for k in COMPARED}


def test_a_killed_app_recovers_every_edit_at_the_next_start(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from riskapp.core.session import autosave_dir, session_to_dict
    from riskapp.gui import settings as cfg
    from tests.gui.conftest import close_dialogs, drain_workers

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    errors = tmp_path / "first_run.stderr"
    with errors.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", FIRST_RUN, str(BOM)],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=ROOT,
            env=env,
            text=True,
        )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()  # the first run never ends by itself: it says READY
    finally:
        proc.send_signal(signal.SIGKILL)  # no close event, no clean-up, like a crash
        proc.wait(timeout=30)
        proc.stdout.close()
    assert line.startswith("READY "), line or errors.read_text()[-3000:]
    expected = json.loads(line[len("READY ") :])
    # the edits really are in what the killed app had on screen
    assert len(expected["overrides"]) == 2
    assert expected["scenario"]["name"] == "us_tariff_escalation"
    assert expected["scenario"]["build_volume"] == 4321.0
    assert expected["scenario"]["evaluation_date"] == "2026-12-01"
    assert expected["accepted_advice"] == []
    assert proc.returncode == -signal.SIGKILL
    assert list(autosave_dir().glob("*.riskapp")), "no autosave was left behind"

    # the next start
    settings = cfg.Settings()
    settings.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, False)
    window = MainWindow(settings)
    window.ask_to_save = False
    qtbot.addWidget(window)
    window.show()
    try:
        box = window.offer_recovery()
        assert box is not None, "the autosave of the killed app was not offered"
        assert BOM.name in box.text()
        recover = box.findChild(type(box.buttons()[0]), "recoverButton")
        with qtbot.waitSignal(window.import_finished, timeout=90_000):
            recover.click()
        qtbot.waitUntil(lambda: window.document.state is not None, timeout=10_000)
        recovered = session_to_dict(window.document.state)
        assert comparable(json.loads(json.dumps(recovered, default=str))) == comparable(expected)
        assert Path(recovered["source"]["path"]).resolve() == BOM.resolve()
        assert not window.document.undo_stack.isClean() or "*" in window.windowTitle()
        close_dialogs(window)
    finally:
        window.close()
        drain_workers()

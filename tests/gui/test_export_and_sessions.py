"""Export the report and re-read it; save and reopen a session; recover after a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from riskapp.core.session import load_session
from riskapp.core.tagging import Override
from riskapp.gui import settings as cfg
from riskapp.gui.main_window import MainWindow

from ..conftest import ROOT, SAMPLE_BOMS
from .conftest import IMPORT_TIMEOUT_MS, Opener, close_dialogs, line_of, wait_until_scored

EBIKE = SAMPLE_BOMS / "ebike.xlsx"


def export(window: MainWindow, qtbot, kind: str, path: Path) -> Path:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.export_finished, timeout=60_000) as blocker:
        window.export(kind, str(path))
    assert blocker.args == [str(path)]
    return path


def test_export_report_and_reread_it(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    open_bom(EBIKE)
    hub = line_of(main_window, "Rear hub motor")
    wait_until_scored(
        main_window,
        qtbot,
        lambda: main_window.add_overrides(
            [Override("line", "UB-250 BOM!7", "origin_magnet", "JP", "supplier declaration")]
        ),
    )
    report = export(main_window, qtbot, "xlsx", tmp_path / "ebike report.xlsx")
    box = main_window.export_box
    assert box.isVisible()
    assert box.findChild(QPushButton, "openExport") is not None
    assert box.findChild(QPushButton, "openExportFolder") is not None
    box.done(0)

    wb = CalamineWorkbook.from_path(str(report))
    assert {"Summary", "Lines", "Advice", "Assumptions"} <= set(wb.sheet_names)
    roll = main_window.analysis.scored.rollup  # type: ignore[union-attr]
    summary = [c for row in wb.get_sheet_by_name("Summary").to_python() for c in row if c != ""]
    assert roll.grade_actual in summary
    lines = wb.get_sheet_by_name("Lines").to_python()
    header = list(lines[0])
    body = lines[1:]
    assert len(body) == roll.n_lines
    desc = header.index("Description")
    hub_row = next(r for r in body if str(r[desc]).startswith("Rear hub motor"))
    assert "JP" in hub_row, "the user's origin reaches the report"
    score_col = next(i for i, h in enumerate(header) if str(h).lower().startswith("score"))
    assert float(hub_row[score_col]) == pytest.approx(
        float(main_window.analysis.scored.lines.loc[hub, "score"]),
        abs=0.05,  # type: ignore[union-attr]
    )

    csv_path = export(main_window, qtbot, "csv", tmp_path / "lines.csv")
    import csv

    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == roll.n_lines + 1
    json_path = export(main_window, qtbot, "json", tmp_path / "scores.json")
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert json.dumps(doc).count("Rear hub motor") >= 1


def test_export_failure_is_a_clear_message(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    blocker_file = tmp_path / "not a folder"
    blocker_file.write_text("x", encoding="utf-8")
    with qtbot.waitSignal(main_window.export_failed, timeout=30_000) as blocker:
        main_window.export("xlsx", str(blocker_file / "report.xlsx"))
    message = blocker.args[0]
    assert "report.xlsx" in message and "Traceback" not in message
    close_dialogs(main_window)


def test_save_and_reopen_a_session(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    bom = tmp_path / "ebike.xlsx"
    shutil.copy(EBIKE, bom)
    open_bom(bom)
    wait_until_scored(
        main_window,
        qtbot,
        lambda: main_window.add_overrides(
            [Override("line", "UB-250 BOM!7", "origin_magnet", "JP")]
        ),
    )
    wait_until_scored(main_window, qtbot, lambda: main_window.set_scenario("permits_denied_6m"))
    wait_until_scored(main_window, qtbot, main_window.clear_accepted)
    assert main_window.isWindowModified()
    grade = main_window.analysis.potential.grade_actual  # type: ignore[union-attr]
    session_file = tmp_path / "work.riskapp"
    assert main_window._write_session(str(session_file))
    assert not main_window.isWindowModified()
    assert main_window.windowTitle().startswith("work.riskapp")
    saved = load_session(session_file)
    assert saved.scenario == "permits_denied_6m"
    assert saved.accepted_advice == ()

    other = MainWindow(cfg.Settings())
    other.ask_to_save = False
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.import_finished, timeout=IMPORT_TIMEOUT_MS) as blocker:
        other.open_path(session_file)  # a double-click of the file does this
    assert blocker.args == [str(session_file)]
    assert other.session_path == str(session_file)
    assert other.analysis.scenario.name == "permits_denied_6m"  # type: ignore[union-attr]
    assert other.analysis.options.overrides == saved.overrides  # type: ignore[union-attr]
    assert other.analysis.potential.grade_actual == grade  # type: ignore[union-attr]
    assert not other.isWindowModified()
    assert other.settings.recent_files()[0] == str(session_file)

    # the BOM changes: the session still opens, with a warning
    from openpyxl import load_workbook

    wb = load_workbook(bom)
    wb.active["B40"] = "NdFeB magnet N52 20x10x5 mm"
    wb.save(bom)
    with qtbot.waitSignal(other.import_finished, timeout=IMPORT_TIMEOUT_MS):
        other.open_path(session_file)
    box = other.last_message_box
    assert box is not None and "changed since the session was saved" in box.text()
    box.done(0)
    other.close()


def test_a_session_with_an_unusable_override_opens_without_it(
    main_window: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A hand-edited session with a class typo: the BOM opens, the typo is left out of the
    analysis and of the state, and the window says which override and why."""
    from riskapp.core.session import Session, save_session

    good = Override("line", "UB-250 BOM!7", "origin_magnet", "JP")
    typo = Override("line", "UB-250 BOM!7", "re_class", "ndfeb_sinterd")
    session_file = save_session(
        tmp_path / "edited.riskapp",
        Session(source_path=str(EBIKE), overrides=(typo, good)),
    )
    with qtbot.waitSignal(main_window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        main_window.open_path(session_file)
    assert main_window.document.state.overrides == (good,)  # type: ignore[union-attr]
    lines = main_window.analysis.scored.lines  # type: ignore[union-attr]
    hub = lines.loc[line_of(main_window, "Rear hub motor")]
    assert bool(hub["rare_earth"]) and hub["re_class"] != "ndfeb_sinterd"
    box = main_window.last_message_box
    assert box is not None and "left out" in box.text()
    assert "'ndfeb_sinterd' is not a magnet class" in box.informativeText()
    box.done(0)
    assert not main_window.isWindowModified()  # the file on disk still has both


def test_a_broken_session_file_is_refused_clearly(main_window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "bad.riskapp"
    bad.write_text("{ not json", encoding="utf-8")
    failures: list[str] = []
    main_window.import_failed.connect(lambda p, m: failures.append(m))
    main_window.open_path(bad)
    assert failures and "bad.riskapp" in failures[0] and "not a riskapp session" in failures[0]
    box = main_window.last_message_box
    assert box is not None and box.findChild(QPushButton, "copyDetails") is None
    box.done(0)


CRASH = textwrap.dedent(
    """
    import os, signal, sys
    from PySide6.QtCore import QCoreApplication
    from riskapp.core.session import Session
    from riskapp.core.tagging import Override
    from riskapp.gui.autosave import Autosaver

    app = QCoreApplication([])
    saver = Autosaver()
    saver.write(Session(
        source_path=sys.argv[1],
        overrides=(Override("line", "UB-250 BOM!7", "origin_magnet", "JP"),),
        scenario="permits_denied_6m",
    ))
    print(saver.path, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)   # the crash: no clean-up at all
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_recover_the_autosave_after_a_crash(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    bom = tmp_path / "ebike.xlsx"
    shutil.copy(EBIKE, bom)
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, str(bom)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == -9, proc.stderr
    autosave = Path(proc.stdout.strip())
    assert autosave.exists()
    assert autosave.with_suffix(".lock").exists(), "the crash left its lock behind"

    window = MainWindow(cfg.Settings())
    window.ask_to_save = False
    qtbot.addWidget(window)
    window.show()
    box = window.offer_recovery()
    assert box is not None and "ebike.xlsx" in box.text()
    recover = box.findChild(QPushButton, "recoverButton")
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        recover.click()
    assert not autosave.exists(), "a recovered autosave is not offered again"
    assert window.analysis.scenario.name == "permits_denied_6m"  # type: ignore[union-attr]
    hub = line_of(window, "Rear hub motor")
    assert window.analysis.scored.lines.loc[hub, "origin_magnet"] == "JP"  # type: ignore[union-attr]
    assert window.isWindowModified(), "recovered work is still unsaved"
    assert window.autosaver.path.exists(), "and autosaved again by this window"
    assert window.offer_recovery() is None, "its own autosave is not an orphan"
    window.close()
    assert not window.autosaver.path.exists(), "a clean close leaves no autosave"


def test_autosave_follows_edits_and_is_not_offered_while_running(
    main_window: MainWindow, open_bom: Opener, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    assert not main_window.autosaver.path.exists(), "nothing to save before an edit"
    wait_until_scored(
        main_window,
        qtbot,
        lambda: main_window.add_overrides([Override("line", "UB-250 BOM!7", "grade", "N42SH")]),
    )
    main_window.autosave_now()
    assert load_session(main_window.autosaver.path).overrides[0].value == "N42SH"
    second = MainWindow(cfg.Settings())
    qtbot.addWidget(second)
    assert second.offer_recovery() is None, (
        "the first window is alive: its autosave is not an orphan"
    )
    second.close()
    wait_until_scored(main_window, qtbot, main_window.undo_action.trigger)
    main_window.autosave_now()
    assert not main_window.autosaver.path.exists(), "back to the file as it is: nothing to keep"

"""The main window as a buyer uses it: open a BOM, see its lines, filter, sort, recover."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

import riskapp
from riskapp.core import pipeline
from riskapp.core.model import ImportReport, Issue, TableInfo
from riskapp.gui import settings as cfg
from riskapp.gui.main_window import MainWindow

from .conftest import HEADER, IMPORT_TIMEOUT_MS, ROWS, Opener, drain_workers, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[2]


def shown_column(window: MainWindow, name: str) -> list[str]:
    model = window.model
    col = model.column_index(name)
    assert col >= 0, name
    return [model.display_text(r, col) for r in range(model.rowCount())]


def close_error_box(window: MainWindow) -> QMessageBox:
    box = window.last_message_box
    assert box is not None, "no error dialog was shown"
    assert box.isVisible()
    box.done(0)
    return box


def test_starts_empty_with_a_way_to_open(main_window: MainWindow) -> None:
    assert main_window.pages.currentWidget() is main_window.welcome
    assert main_window.windowTitle() == "riskapp"
    assert main_window.lines_label.text() == ""
    assert not main_window.reload_action.isEnabled()
    assert not main_window.progress_bar.isVisible()
    assert main_window.open_action.shortcut().toString() == "Ctrl+O"
    assert main_window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert main_window.reload_action.shortcut().toString() == "F5"


def test_open_csv_shows_its_lines(main_window: MainWindow, open_bom: Opener, bom_csv: Path) -> None:
    open_bom(bom_csv)
    assert main_window.model.rowCount() == len(ROWS)
    assert shown_column(main_window, "description") == [r[0] for r in ROWS]
    assert shown_column(main_window, "quantity") == [str(r[1]) for r in ROWS]
    assert shown_column(main_window, "manufacturer")[2] == "Würth"
    assert main_window.pages.currentIndex() == 1
    assert main_window.windowTitle().replace("[*]", "") == "small_bom.csv — riskapp"
    assert not main_window.isWindowModified()
    assert main_window.file_label.text() == "small_bom.csv"
    assert main_window.lines_label.text().startswith("5 lines · ")
    assert "small_bom.csv" in main_window.import_panel.summary.text()
    assert main_window.reload_action.isEnabled()
    assert not main_window.progress_bar.isVisible()
    # Visible columns start with what a buyer reads first.
    header = main_window.table.horizontalHeader()
    visible = [
        main_window.model.columns()[header.logicalIndex(v)]
        for v in range(header.count())
        if not header.isSectionHidden(header.logicalIndex(v))
    ]
    assert visible.index("description") < visible.index("quantity") < visible.index("manufacturer")
    assert "description_column" not in visible


def test_open_xlsx_shows_lines_and_mapping(
    main_window: MainWindow, open_bom: Opener, bom_xlsx: Path
) -> None:
    open_bom(bom_xlsx)
    assert main_window.model.rowCount() == len(ROWS)
    assert shown_column(main_window, "description")[0] == "NdFeB magnet N52 10x5 mm"
    assert set(shown_column(main_window, "sheet")) == {"BOM"}
    assert shown_column(main_window, "row") == ["2", "3", "4", "5", "6"]
    tree = main_window.import_panel.mapping
    assert tree.topLevelItemCount() >= 1
    table_item = tree.topLevelItem(0)
    assert "header row 1" in table_item.text(0)
    fields = {table_item.child(i).text(0) for i in range(table_item.childCount())}
    assert {"Description", "Qty", "Manufacturer"} <= fields
    confidences = [table_item.child(i).text(3) for i in range(table_item.childCount())]
    assert all(c.endswith("%") for c in confidences)


def test_lines_from_several_sheets_show_their_sheet(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path
) -> None:
    import openpyxl

    path = tmp_path / "two_sheets.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Motors"
    second = wb.create_sheet("Magnets")
    for sheet, rows in ((first, ROWS[:3]), (second, ROWS[2:])):
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    open_bom(path)
    assert set(shown_column(main_window, "sheet")) == {"Motors", "Magnets"}
    assert not main_window.table.isColumnHidden(main_window.model.column_index("sheet"))


def test_one_sheet_hides_the_sheet_column(
    main_window: MainWindow, open_bom: Opener, bom_xlsx: Path
) -> None:
    open_bom(bom_xlsx)
    assert main_window.table.isColumnHidden(main_window.model.column_index("sheet"))
    assert "BOM" in main_window.import_panel.summary.text()


def test_quick_filter_and_ctrl_f(
    main_window: MainWindow, open_bom: Opener, bom_csv: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(bom_csv)
    main_window.activateWindow()
    main_window.table.setFocus()
    main_window.find_action.trigger()
    assert QApplication.focusWidget() is main_window.filter_edit
    qtbot.keyClicks(main_window.filter_edit, "MOTOR")
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 2, timeout=3000)
    assert shown_column(main_window, "description") == [
        "Stepper motor NEMA 17",
        "BLDC gimbal motor GM4108",
    ]
    assert main_window.lines_label.text().startswith("2 of 5 lines")
    assert main_window.filter_count.text() == "2 of 5 shown"
    qtbot.keyClick(main_window.filter_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 5, timeout=3000)
    assert main_window.filter_edit.text() == ""


def test_sort_by_clicking_a_header(
    main_window: MainWindow, open_bom: Opener, bom_csv: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(bom_csv)
    header = main_window.table.horizontalHeader()
    col = main_window.model.column_index("quantity")
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    pos = QPoint(x, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    first = shown_column(main_window, "quantity")
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    second = shown_column(main_window, "quantity")
    numbers = sorted(r[1] for r in ROWS)
    assert {tuple(first), tuple(second)} == {
        tuple(str(n) for n in numbers),
        tuple(str(n) for n in reversed(numbers)),
    }
    assert main_window.model.sort_column() == col


def test_recent_files_are_remembered(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv")
    second = write_xlsx(tmp_path / "second.xlsx")
    open_bom(first)
    open_bom(second)
    assert main_window.settings.recent_files()[:2] == [str(second), str(first)]
    assert cfg.Settings().recent_files()[:2] == [str(second), str(first)]  # on disk
    main_window.recent_menu.aboutToShow.emit()
    labels = [a.text() for a in main_window.recent_menu.actions() if a.data()]
    assert labels == ["&1 second.xlsx", "&2 first.csv"]
    recent_first = next(a for a in main_window.recent_menu.actions() if a.data() == str(first))
    with open_bom.qtbot.waitSignal(main_window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        recent_first.trigger()
    assert main_window.current_path == str(first)
    assert main_window.settings.recent_files()[0] == str(first)


def test_garbage_file_shows_a_clear_error_and_the_app_goes_on(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path, bom_csv: Path
) -> None:
    garbage = tmp_path / "broken.xlsx"
    garbage.write_bytes(os.urandom(3000))
    message = open_bom.expect_failure(garbage)
    assert "broken.xlsx" in message
    assert "Traceback" not in message
    box = close_error_box(main_window)
    assert box.text() == message
    assert box.findChild(QPushButton, "copyDetails") is None  # a user error, not a bug
    assert main_window.settings.recent_files() == []
    open_bom(bom_csv)  # still works
    assert main_window.model.rowCount() == len(ROWS)


def test_missing_file_shows_an_error(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path
) -> None:
    message = open_bom.expect_failure(tmp_path / "nowhere.xlsx")
    assert "nowhere.xlsx" in message
    close_error_box(main_window)


def test_unexpected_error_is_logged_with_copy_details(
    main_window: MainWindow,
    open_bom: Opener,
    bom_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def buggy(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline, "import_bom", buggy)
    message = open_bom.expect_failure(bom_csv)
    assert "unexpected problem" in message
    assert "ZeroDivisionError" in caplog.text
    box = main_window.last_message_box
    assert box is not None
    assert "ZeroDivisionError" in box.detailedText()
    copy = box.findChild(QPushButton, "copyDetails")
    assert copy is not None
    copy.click()
    assert "ZeroDivisionError" in QGuiApplication.clipboard().text()
    assert box.isVisible()  # copying does not close the box
    close_error_box(main_window)


def slow_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make import_bom wait for Cancel before running the real importer."""
    real = pipeline.import_bom

    def wait_then_import(path: str, options: object = None, *, on_progress, should_cancel):  # type: ignore[no-untyped-def]
        on_progress(0.0, "Waiting…")
        deadline = time.monotonic() + 15
        while not should_cancel() and time.monotonic() < deadline:
            time.sleep(0.005)
        return real(path, options, on_progress=on_progress, should_cancel=should_cancel)

    monkeypatch.setattr(pipeline, "import_bom", wait_then_import)


def test_cancel_stops_the_import(
    main_window: MainWindow,
    bom_csv: Path,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    slow_import(monkeypatch)
    with qtbot.waitSignal(main_window.import_started, timeout=2000):
        main_window.open_path(bom_csv)
    assert main_window.is_importing()
    qtbot.waitUntil(main_window.progress_bar.isVisible, timeout=2000)
    assert main_window.cancel_button.isVisible()
    # progress reaches the status bar from the worker thread
    qtbot.waitUntil(lambda: main_window.statusBar().currentMessage() == "Waiting…", timeout=5000)
    with qtbot.waitSignal(main_window.import_failed, timeout=IMPORT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(main_window.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [str(bom_csv), ""]
    assert main_window.last_message_box is None  # cancelling is not an error
    assert not main_window.progress_bar.isVisible()
    assert not main_window.is_importing()
    assert main_window.pages.currentWidget() is main_window.welcome
    drain_workers()


def test_opening_another_file_replaces_a_running_import(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_import(monkeypatch)
    stale = write_csv(tmp_path / "stale.csv")
    main_window.open_path(stale)
    monkeypatch.undo()
    fresh = write_xlsx(tmp_path / "fresh.xlsx")
    failed: list[str] = []
    main_window.import_failed.connect(lambda p, m: failed.append(p))
    open_bom(fresh)
    drain_workers()
    assert main_window.current_path == str(fresh)
    assert failed == []  # the replaced import reports nothing
    assert main_window.settings.recent_files() == [str(fresh)]


def test_reload_reads_the_file_again(
    main_window: MainWindow, open_bom: Opener, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "bom.csv")
    open_bom(path)
    write_csv(path, HEADER, [*ROWS, ["Hall sensor", 3, "Allegro", "A1324", "Mouser"]])
    with qtbot.waitSignal(main_window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        main_window.reload_action.trigger()
    assert main_window.model.rowCount() == len(ROWS) + 1


def test_dropping_a_file_opens_it(main_window: MainWindow, bom_xlsx: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bom_xlsx))])
    pos = QPointF(main_window.rect().center())
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    main_window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(main_window.import_finished, timeout=IMPORT_TIMEOUT_MS) as blocker:
        main_window.dropEvent(drop)
    assert blocker.args == [str(bom_xlsx)]
    assert main_window.model.rowCount() == len(ROWS)

    text_only = QMimeData()
    text_only.setText("not a file")
    refused = QDragEnterEvent(
        pos,
        Qt.DropAction.CopyAction,
        text_only,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    main_window.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_issues_panel_lists_issues_and_jumps_to_the_line(
    main_window: MainWindow, open_bom: Opener, bom_xlsx: Path
) -> None:
    open_bom(bom_xlsx)
    report = ImportReport(file=str(bom_xlsx), sheets=["BOM"], chosen_sheets=["BOM"], n_lines=5)
    report.tables.append(TableInfo("BOM", "BOM!A1", 1, "A", "E", "A", n_lines=5))
    report.issues += [
        Issue(
            "warning", "qty_text", "Quantity 'two' is not a number.", str(bom_xlsx), "BOM", 4, "B"
        ),
        Issue("error", "bad", "Something is wrong.", str(bom_xlsx), "BOM", 3, "A"),
        Issue("info", "note", "Just so you know.", str(bom_xlsx)),
    ]
    panel = main_window.import_panel
    panel.set_report(report)
    issues = panel.issues_model
    assert issues.rowCount() == 3
    assert [issues.index(r, 0).data() for r in range(3)] == ["Error", "Warning", "Note"]
    assert issues.index(1, 4).data() == "Quantity 'two' is not a number."
    assert issues.index(1, 2).data() == "4"
    assert issues.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    assert panel.tabs.tabText(1) == "Issues (3)"
    main_window.filter_edit.setText("resistor")
    main_window.apply_filter()
    panel.issues.activated.emit(issues.index(1, 0))  # row 4 = the screws, filtered out
    current = main_window.table.currentIndex()
    assert current.isValid()
    assert (
        main_window.model.display_text(current.row(), main_window.model.column_index("row")) == "4"
    )
    assert main_window.filter_edit.text() == ""


def test_window_geometry_is_restored(qtbot, bom_csv: Path) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(700, 510)
    first.import_dock.hide()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (700, 510)
    assert not second.import_dock.isVisible()
    second.close()


def test_about_names_the_version_and_reference_data(main_window: MainWindow) -> None:
    from riskapp.core.reference import load_reference

    main_window.about_action.trigger()
    box = main_window.about_box
    assert box.isVisible()
    assert riskapp.__version__ in box.text()
    assert load_reference().version in box.text()
    box.done(0)


def test_copy_selected_lines(main_window: MainWindow, open_bom: Opener, bom_csv: Path) -> None:
    open_bom(bom_csv)
    main_window.table.selectRow(0)
    main_window.copy_selection()
    text = QGuiApplication.clipboard().text().splitlines()
    assert "Description" in text[0].split("\t")
    assert "NdFeB magnet N52 10x5 mm" in text[1].split("\t")


def app_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["RISKAPP_USER_DIR"] = str(tmp_path / "user")
    return env


def test_app_loads_a_file_takes_a_screenshot_and_quits(tmp_path: Path, bom_xlsx: Path) -> None:
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "riskapp.gui.app",
            "--quit-after-load",
            "--screenshot",
            str(shot),
            str(bom_xlsx),
        ],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 10_000
    assert "Traceback" not in proc.stderr
    recent = (tmp_path / "user" / "riskapp.ini").read_text(encoding="utf-8")
    assert "small_bom.xlsx" in recent


def test_app_exits_non_zero_when_the_file_cannot_be_read(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "riskapp.gui.app",
            "--quit-after-load",
            str(tmp_path / "missing.xlsx"),
        ],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    assert "missing.xlsx" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_in_process_quits_after_load(qapp, bom_csv: Path) -> None:  # type: ignore[no-untyped-def]
    from riskapp.gui.app import run

    assert run(["--quit-after-load", str(bom_csv)]) == 0
    drain_workers()

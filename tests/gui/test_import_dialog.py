"""The import dialog: see how the file is read, change a column, remember it for the layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from riskapp.gui import settings as cfg
from riskapp.gui.import_dialog import ImportDialog
from riskapp.gui.main_window import MainWindow, layout_unclear

from .conftest import IMPORT_TIMEOUT_MS, Opener, wait_until_scored, write_xlsx

HEADER = ["Description", "Qty", "Manufacturer", "Spare qty", "Supplier"]
ROWS = [
    ["NdFeB magnet N52 10x5 mm", 4, "Arnold Magnetics", 40, "Digi-Key"],
    ["Stepper motor NEMA 17", 2, "StepperOnline", 20, "Amazon"],
    ["M3x8 socket head screw", 20, "Würth", 200, "Würth"],
]


def quantities(window: MainWindow) -> list[str]:
    col = window.model.column_index("quantity")
    return [window.model.display_text(r, col) for r in range(window.model.rowCount())]


def open_dialog(window: MainWindow, qtbot) -> ImportDialog:  # type: ignore[no-untyped-def]
    window.import_options_action.trigger()
    dialog = window.import_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.detection is not None and not dialog.is_busy(), timeout=20_000)
    return dialog


def test_change_a_column_and_undo(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "bom.xlsx", HEADER, ROWS)
    open_bom(path)
    assert quantities(main_window) == ["4", "2", "20"]
    dialog = open_dialog(main_window, qtbot)
    assert dialog.isVisible()
    assert "header row 1" in dialog.tables.text()
    assert dialog.field_combos["quantity"].currentData() == "B"
    assert dialog.confidence_labels["quantity"].text().endswith("%")
    assert dialog.preview_model.rowCount() == len(ROWS) + 1
    header = dialog.preview_model.headerData(1, Qt.Orientation.Horizontal)
    assert header == "B · Qty"
    assert dialog.preview_model.data(
        dialog.preview_model.index(0, 0), Qt.ItemDataRole.FontRole
    ).bold()
    qtmodeltester.check(dialog.preview_model, force_py=False)

    dialog.set_field("quantity", "D")
    assert dialog.confidence_labels["quantity"].text() == "you"
    assert dialog.preview_model.headerData(3, Qt.Orientation.Horizontal) == "D · Qty"
    assert dialog.options().mapping == {"quantity": "D"}
    wait_until_scored(main_window, qtbot, dialog.accept)
    assert quantities(main_window) == ["40", "20", "200"]
    assert main_window.analysis.options.import_options.mapping == {"quantity": "D"}  # type: ignore[union-attr]
    tree = main_window.import_panel.mapping
    hows = {
        tree.topLevelItem(0).child(i).text(0): tree.topLevelItem(0).child(i).text(4)
        for i in range(tree.topLevelItem(0).childCount())
    }
    assert hows["Qty"] == "user"

    wait_until_scored(main_window, qtbot, main_window.undo_action.trigger)
    assert quantities(main_window) == ["4", "2", "20"]


def test_header_row_and_sheet_choice(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    path = tmp_path / "titled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Parts"
    ws.append(["Acme drive unit — parts list"])
    ws.append(["Revision C"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    other = wb.create_sheet("Notes")
    other.append(["Nothing here"])
    wb.save(path)
    open_bom(path)
    dialog = open_dialog(main_window, qtbot)
    assert dialog.sheet.count() == 3  # automatic + two sheets
    assert "header row 3" in dialog.tables.text()
    with qtbot.waitSignal(dialog.detected, timeout=20_000):
        dialog.set_header_row(4)  # a data row: the importer must take it as the header
    assert dialog.detection is not None and dialog.detection.forced_header == 4
    with qtbot.waitSignal(dialog.detected, timeout=20_000):
        dialog.set_header_row(None)
    with qtbot.waitSignal(dialog.detected, timeout=20_000):
        dialog.set_sheet("Notes")
    assert "Notes" in dialog.tables.text() and "(guessed)" in dialog.tables.text()
    with qtbot.waitSignal(dialog.detected, timeout=20_000):
        dialog.set_sheet("Parts")
    assert dialog.options().sheets == ("Parts",)
    dialog.reject()


def test_remembered_mapping_applies_to_the_next_file(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = write_xlsx(tmp_path / "first.xlsx", HEADER, ROWS)
    open_bom(first)
    dialog = open_dialog(main_window, qtbot)
    dialog.set_field("quantity", "D")
    dialog.remember.setChecked(True)
    wait_until_scored(main_window, qtbot, dialog.accept)

    second = write_xlsx(
        tmp_path / "second.xlsx", HEADER, [["Hall sensor", 3, "Allegro", 30, "Mouser"]]
    )
    open_bom(second)
    assert quantities(main_window) == ["30"]
    assert "saved column mapping" in main_window.statusBar().currentMessage()
    assert main_window.analysis.options.import_options.mapping == {"quantity": "D"}  # type: ignore[union-attr]


def test_unclear_layout_opens_the_dialog_by_itself(
    main_window: MainWindow, open_bom: Opener, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    main_window.settings.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, True)
    path = tmp_path / "headerless.csv"
    path.write_text(
        "NdFeB magnet N52 10x5 mm,4,Arnold Magnetics\nStepper motor NEMA 17,2,StepperOnline\n"
        "BLDC gimbal motor GM4108,1,T-Motor\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(main_window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        main_window.open_path(path)
    assert main_window.report is not None and layout_unclear(main_window.report)
    dialog = main_window.import_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.detection is not None and not dialog.is_busy(), timeout=20_000)
    dialog.reject()
    qtbot.waitUntil(lambda: main_window.import_dialog is None, timeout=5000)

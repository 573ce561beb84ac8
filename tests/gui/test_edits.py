"""A buyer corrects what the file got wrong, tries scenarios and accepts design options —
every edit re-scores at once, is marked, and undo/redo takes it back and forth."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from riskapp.core.tagging import Override
from riskapp.gui.main_window import TAB_COMPARISON, MainWindow
from riskapp.gui.table_model import MARKED_ROLE

from ..conftest import SAMPLE_BOMS
from .conftest import Opener, line_of, wait_until_scored

EBIKE = SAMPLE_BOMS / "ebike.xlsx"


def cell(
    window: MainWindow, line_index: int, column: str, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    frame = window.model.frame()
    assert frame is not None
    source = int(frame.index.get_indexer([line_index])[0])
    row = window.model.view_row(source)
    return window.model.data(window.model.index(row, window.model.column_index(column)), role)


def score_of(window: MainWindow, line_index: int) -> float:
    return float(window.analysis.scored.lines.loc[line_index, "score"])  # type: ignore[union-attr]


def test_override_origin_marks_the_cell_rescores_and_undoes(
    main_window: MainWindow, open_bom: Opener, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(EBIKE)
    hub = line_of(main_window, "Rear hub motor")
    main_window.select_line(hub)
    before = score_of(main_window, hub)
    assert cell(main_window, hub, "origin_magnet") == ""
    assert not main_window.isWindowModified()

    # through the dialog, as a user does it (F2 on the selected line)
    main_window.edit_line_action.trigger()
    dialog = main_window.override_dialog
    dialog.field.setCurrentIndex(dialog.field.findData("origin_magnet"))
    dialog.set_value("JP")
    assert dialog.overrides()[0] == Override("line", "UB-250 BOM!7", "origin_magnet", "JP", "")
    wait_until_scored(main_window, qtbot, dialog.accept)

    assert cell(main_window, hub, "origin_magnet") == "JP"
    assert cell(main_window, hub, "origin_magnet", MARKED_ROLE) is True
    assert cell(main_window, hub, "origin_mining", MARKED_ROLE) is False
    after = score_of(main_window, hub)
    assert after < before, "a Japanese magnet maker lowers the China share"
    assert main_window.isWindowModified()
    assert "set by you" in main_window.detail.origins.text()
    assert "Origin — magnet making" in main_window.detail.overrides_label.text()
    assert main_window.table.currentIndex().isValid(), "the line stays selected"
    assert main_window.detail.line_index == hub

    wait_until_scored(main_window, qtbot, main_window.undo_action.trigger)
    assert cell(main_window, hub, "origin_magnet") == ""
    assert cell(main_window, hub, "origin_magnet", MARKED_ROLE) is False
    assert score_of(main_window, hub) == pytest.approx(before)
    assert not main_window.isWindowModified()

    wait_until_scored(main_window, qtbot, main_window.redo_action.trigger)
    assert cell(main_window, hub, "origin_magnet") == "JP"
    assert score_of(main_window, hub) == pytest.approx(after)


def test_override_for_a_manufacturer_and_remove_it(
    main_window: MainWindow, open_bom: Opener, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(EBIKE)
    hub = line_of(main_window, "Rear hub motor")
    maker = str(main_window.analysis.scored.lines.loc[hub, "manufacturer"])  # type: ignore[union-attr]
    wait_until_scored(
        main_window,
        qtbot,
        lambda: main_window.add_overrides(
            [Override("manufacturer", maker.upper(), "criticality", "1")]
        ),
    )
    assert cell(main_window, hub, "criticality", MARKED_ROLE) is True
    assert float(main_window.analysis.scored.lines.loc[hub, "criticality"]) == 1.0  # type: ignore[union-attr]
    assert main_window.undo_action.text().startswith("&Undo Set Criticality")
    main_window.select_line(hub)
    wait_until_scored(main_window, qtbot, main_window.clear_selected_overrides)
    assert main_window.document.state.overrides == ()  # type: ignore[union-attr]
    assert cell(main_window, hub, "criticality", MARKED_ROLE) is False


def test_accepting_advice_changes_the_potential_grade(
    main_window: MainWindow, open_bom: Opener, qtbot
) -> None:  # type: ignore[no-untyped-def]
    open_bom(EBIKE)
    pot = main_window.analysis.potential  # type: ignore[union-attr]
    assert pot.grade_potential != pot.grade_actual, "the recommended options help by default"

    wait_until_scored(main_window, qtbot, main_window.clear_accepted_action.trigger)
    pot = main_window.analysis.potential  # type: ignore[union-attr]
    assert pot.grade_potential == pot.grade_actual
    assert main_window.dashboard.potential.letter.text() == pot.grade_actual

    # accept the best option of the worst line in the detail panel
    worst = int(main_window.analysis.scored.rollup.top_contributors["line_index"].iloc[0])  # type: ignore[union-attr]
    main_window.select_line(worst)
    detail = main_window.detail
    best = detail.advice_model.row(0)
    assert best["status"] != "Accepted"
    assert detail.accept_button.isEnabled()
    wait_until_scored(main_window, qtbot, detail.accept_button.click)
    pot = main_window.analysis.potential  # type: ignore[union-attr]
    assert pot.bom_score_potential < pot.bom_score_actual
    assert main_window.analysis.options.accepted_advice == ((worst, best["option_id"]),)  # type: ignore[union-attr]
    assert detail.advice_model.row(0)["status"] == "Accepted"
    assert detail.reject_button.isEnabled()

    wait_until_scored(main_window, qtbot, detail.reject_button.click)
    assert main_window.analysis.options.accepted_advice == ()  # type: ignore[union-attr]
    wait_until_scored(main_window, qtbot, main_window.undo_action.trigger)
    assert main_window.analysis.options.accepted_advice == ((worst, best["option_id"]),)  # type: ignore[union-attr]


def test_switch_scenario_edit_parameters_and_compare(
    main_window: MainWindow, open_bom: Opener, qtbot, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    open_bom(EBIKE)
    panel = main_window.scenario_panel
    assert panel.isEnabled()
    base_spend_tariff = main_window.analysis.scored.rollup.tariff["us_on_cn_cost_all"]  # type: ignore[union-attr]

    # a preset from the combo
    k = panel.preset.findData("us_tariff_escalation")
    assert k >= 0
    panel.preset.setCurrentIndex(k)
    wait_until_scored(main_window, qtbot, lambda: panel.preset.activated.emit(k))
    assert main_window.analysis.scenario.name == "us_tariff_escalation"  # type: ignore[union-attr]
    escalated = main_window.analysis.scored.rollup.tariff["us_on_cn_cost_all"]  # type: ignore[union-attr]
    assert escalated > base_spend_tariff
    assert panel.tariffs["us_on_cn"].value() > 30

    # a parameter typed in: one undoable edit, the scores follow
    panel.tariffs["us_on_cn"].setValue(50.0)
    wait_until_scored(main_window, qtbot, panel.flush)
    scenario = main_window.analysis.scenario  # type: ignore[union-attr]
    assert scenario.tariffs["us_on_cn"] == pytest.approx(0.5)
    assert "(edited)" in panel.description.text()
    assert main_window.document.state.scenario_changes == {"tariffs": {"us_on_cn": 0.5}}  # type: ignore[union-attr]
    wait_until_scored(main_window, qtbot, main_window.undo_action.trigger)
    assert main_window.analysis.scenario.tariffs["us_on_cn"] > 1.0  # type: ignore[union-attr]
    assert panel.tariffs["us_on_cn"].value() > 100

    # build volume scales the kilograms per year
    kg = sum(main_window.analysis.scored.rollup.controlled_kg_per_year.values())  # type: ignore[union-attr]
    panel.volume.setValue(panel.volume.value() * 2)
    wait_until_scored(main_window, qtbot, panel.flush)
    kg2 = sum(main_window.analysis.scored.rollup.controlled_kg_per_year.values())  # type: ignore[union-attr]
    assert kg2 == pytest.approx(2 * kg)

    # side by side with the baseline
    with qtbot.waitSignal(main_window.document.comparison_changed, timeout=30_000):
        k = panel.compare.findData("baseline")
        panel.compare.setCurrentIndex(k)
        panel.compare.activated.emit(k)
    assert main_window.document.comparison is not None
    main_window.view_comparison_action.trigger()
    assert main_window.tabs.currentIndex() == TAB_COMPARISON
    rows = main_window.comparison_view.model.rows()
    labels = [r[0] for r in rows]
    assert "BOM grade (actual)" in labels and "US tariff cost on CN lines / yr" in labels
    tariff_row = rows[labels.index("US tariff cost on CN lines / yr")]
    assert tariff_row[4] == -1, "the baseline (B) has the lower tariff: better"
    assert "baseline" in main_window.comparison_view.title.text().lower()
    qtmodeltester.check(main_window.comparison_view.model, force_py=False)


def test_a_failing_edit_is_explained_and_taken_back(
    main_window: MainWindow, open_bom: Opener, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from riskapp.core import pipeline
    from riskapp.core.errors import UsageError

    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    shown = main_window.analysis

    def refuse(*args: object, **kwargs: object) -> None:
        raise UsageError("the scenario 'nowhere' does not exist.")

    monkeypatch.setattr(pipeline, "reanalyse", refuse)
    with qtbot.waitSignal(main_window.document.failed, timeout=10_000):
        main_window.set_scenario("nowhere")
    box = main_window.last_message_box
    assert box is not None and "does not exist" in box.text()
    box.done(0)
    assert main_window.analysis is shown
    assert main_window.document.state.scenario == "baseline"  # type: ignore[union-attr]
    assert not main_window.undo_action.isEnabled()

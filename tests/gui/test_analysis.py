"""Opening BOMs shows them analysed: bands, scores, dashboard, detail — on the sample and
real BOMs — and every model passes Qt's model tester."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from riskapp.gui.main_window import TAB_DASHBOARD, MainWindow
from riskapp.gui.table_model import BAND_ROLE, BANDS, Facets

from ..conftest import REAL_BOMS, SAMPLE_BOMS
from .conftest import Opener, line_of

SAMPLES = sorted(SAMPLE_BOMS.glob("*.xlsx"))
REAL = [REAL_BOMS / "ironless_qdd_actuator_bom.xlsx", REAL_BOMS / "voron1_bom.ods"]


def shown(window: MainWindow, name: str) -> list[str]:
    col = window.model.column_index(name)
    assert col >= 0, name
    return [window.model.display_text(r, col) for r in range(window.model.rowCount())]


def check_analysed(window: MainWindow) -> None:
    """What a buyer checks first on any BOM: every line has a band, the grades are set."""
    analysis = window.analysis
    assert analysis is not None
    n = len(analysis.scored.lines)
    assert window.model.rowCount() == n
    bands = shown(window, "band")
    assert set(bands) <= set(BANDS)
    assert window.model.column_index("score") == 1
    data = window.dashboard.data()
    assert data.grade_actual in "ABCDEF" and data.grade_actual
    assert data.grade_potential in "ABCDEF" and data.grade_potential
    assert sum(int(b.segments[0].value) for b in data.bands.bars) == n
    assert window.actual.letter.text() if hasattr(window, "actual") else True
    assert window.dashboard.actual.letter.text() == data.grade_actual


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_boms_open_scored(main_window: MainWindow, open_bom: Opener, path: Path) -> None:
    open_bom(path)
    check_analysed(main_window)
    roll = main_window.analysis.scored.rollup  # type: ignore[union-attr]
    assert roll.n_rare_earth > 0, "every sample BOM has rare-earth lines"
    # the worst line is on top of the dashboard's top contributors and the table sorts to it
    col = main_window.model.column_index("score")
    main_window.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    assert float(main_window.model.display_text(0, col)) == pytest.approx(roll.bom_score, abs=0.05)
    assert main_window.model.data(main_window.model.index(0, 0), BAND_ROLE) != "Not exposed"


@pytest.mark.realboms
@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_real_boms_open_scored(main_window: MainWindow, open_bom: Opener, path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not here")
    open_bom(path)
    check_analysed(main_window)
    assert main_window.analysis.scored.rollup.n_rare_earth > 0  # type: ignore[union-attr]


def test_band_colours_and_detail_panel(main_window: MainWindow, open_bom: Opener, qtbot) -> None:  # type: ignore[no-untyped-def]
    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    hub = line_of(main_window, "Rear hub motor")
    assert main_window.select_line(hub)
    row = main_window.table.currentIndex().row()
    band = main_window.model.data(main_window.model.index(row, 0))
    assert band in ("Critical", "High", "Medium", "Low")
    background = main_window.model.data(
        main_window.model.index(row, 0), Qt.ItemDataRole.BackgroundRole
    )
    assert background is not None and background.color().name().upper() != "#000000"
    detail = main_window.detail
    assert detail.line_index == hub
    assert "Rear hub motor" in detail.title.text()
    assert "archetype" in detail.evidence.text().lower()
    factors = detail.factors_model.rows()
    assert [f[0] for f in factors][:2] == ["China share of supply", "Export control"]
    assert all(f[1] for f in factors), "every factor has a value"
    assert all(f[3] for f in factors), "every factor says how it was found"
    advice = [detail.advice_model.row(r) for r in range(detail.advice_model.rowCount())]
    assert advice, "a hub motor has design options"
    assert any(a["status"] == "Accepted" for a in advice)  # the recommended one by default
    assert all(a["score_after"] <= a["score_before"] + 1e-9 or not a["helps"] for a in advice)
    assert "Separation" in detail.origins.text()


def test_dashboard_charts_are_filled(main_window: MainWindow, open_bom: Opener) -> None:
    open_bom(SAMPLE_BOMS / "ev_drive_unit.xlsx")
    main_window.show_tab(TAB_DASHBOARD)
    data = main_window.dashboard.data()
    assert data.elements.bars, "controlled elements per year"
    assert data.stages.bars, "rare-earth mass by stage"
    assert data.top.bars, "top contributors"
    assert {b.label for b in data.bands.bars} == set(BANDS)
    # clicking a top contributor shows its line; clicking a band filters the table
    main_window.dashboard.top.bar_activated.emit(0)
    assert main_window.tabs.currentIndex() == 0
    assert main_window.detail.line_index is not None
    main_window.dashboard.bands.bar_activated.emit(BANDS.index("Not exposed"))
    assert set(shown(main_window, "band")) == {"Not exposed"}
    main_window.clear_filters()
    assert main_window.model.rowCount() == len(main_window.analysis.scored.lines)  # type: ignore[union-attr]


def test_facet_filters(main_window: MainWindow, open_bom: Opener) -> None:
    open_bom(SAMPLE_BOMS / "robot_arm.xlsx")
    total = main_window.model.rowCount()
    main_window.set_facets(Facets(bands=frozenset({"Not exposed"})))
    assert set(shown(main_window, "band")) == {"Not exposed"}
    main_window.set_facets(Facets(elements=frozenset({"Dy"})))
    dy = shown(main_window, "g_Dy")
    assert dy and all(v for v in dy)
    main_window.review_check.setChecked(True)
    flags = shown(main_window, "needs_review")
    assert all(f == "yes" for f in flags)
    assert main_window.facet_buttons["elements"].text() == "Element (1)"
    main_window.clear_filters()
    assert main_window.model.rowCount() == total
    assert not main_window.review_check.isChecked()
    # the menus offer what the BOM holds
    menu = main_window.facet_menus["origins"]
    assert any(a.data() == "?" for a in menu.actions())
    menu.actions()[0].setChecked(True)
    assert main_window.model.rowCount() < total


def test_status_bar_counts_and_selection_totals(main_window: MainWindow, open_bom: Opener) -> None:
    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    roll = main_window.analysis.scored.rollup  # type: ignore[union-attr]
    assert f"{roll.n_lines} lines" in main_window.lines_label.text()
    assert f"{roll.n_rare_earth} with rare earths" in main_window.lines_label.text()
    main_window.table.selectAll()
    text = main_window.selection_label.text()
    assert text.startswith(f"{roll.n_lines} selected")
    assert "kg controlled/yr" in text


def test_models_pass_the_model_tester(
    main_window: MainWindow, open_bom: Opener, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    open_bom(SAMPLE_BOMS / "ebike.xlsx")
    main_window.select_line(line_of(main_window, "Rear hub motor"))
    qtmodeltester.check(main_window.model, force_py=False)
    qtmodeltester.check(main_window.detail.factors_model, force_py=False)
    qtmodeltester.check(main_window.detail.advice_model, force_py=False)
    qtmodeltester.check(main_window.import_panel.issues_model, force_py=False)
    qtmodeltester.check(main_window.comparison_view.model, force_py=False)

"""Golden results on the sample BOMs (reviewed by hand; explained in sample_boms/README.md,
section 'Expected scores'). Evaluated on a fixed date so the regime statuses do not move."""

from __future__ import annotations

from datetime import date

import pytest

from riskapp.core.pipeline import AnalysisOptions, analyse
from tests.conftest import SAMPLE_BOMS

ON = date(2026, 11, 29)
# file: (grade actual, grade potential, band of the worst line, (sheet, row) of the top contributor,
#        controlled elements)
GOLDEN = {
    "robot_arm.xlsx": ("E", "B", "High", ("RX-10", 8), {"Dy", "Tb"}),
    "ev_drive_unit.xlsx": ("E", "A", "High", ("BOM", 10), {"Dy", "Tb", "Sm"}),
    "wind_nacelle.xlsx": ("E", "B", "High", ("Explosion", 9), {"Dy", "Tb"}),
    "ebike.xlsx": ("E", "A", "High", ("UB-250 BOM", 7), {"Dy", "Tb"}),
    "consumer_audio.xlsx": ("D", "A", "Medium", ("SP-8 Speaker", 15), {"Dy", "Tb"}),
    "server_rack.xlsx": ("D", "A", "Medium", None, {"Dy", "Tb"}),
    "stueckliste_pumpe.xlsx": ("D", "A", "Medium", ("Stückliste", 11), {"Dy", "Tb", "Sm"}),
    "kicad_pcb.csv": ("C", "A", "Medium", ("", 15), {"Dy", "Tb"}),
    "small_parts.csv": ("D", "A", "Medium", ("", 3), {"Dy", "Tb", "Sm"}),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_sample_bom_golden_result(name: str) -> None:
    grade, potential, band, top, controlled = GOLDEN[name]
    a = analyse(SAMPLE_BOMS / name, AnalysisOptions(evaluation_date=ON))
    r = a.scored.rollup
    assert a.potential.grade_actual == grade
    assert a.potential.grade_potential == potential
    lines = a.scored.lines
    worst = lines.loc[lines["score"].idxmax()]
    assert worst["band"] == band
    if top is not None:
        first = r.top_contributors.iloc[0]
        src = lines.loc[first["line_index"]]
        assert (src["sheet"], int(src["row"])) == top
    assert set(r.controlled_kg_per_year) == controlled
    # every non-rare-earth line scores 0 and every rare-earth line is above 0
    assert (lines.loc[~lines["rare_earth"].astype(bool), "score"] == 0).all()

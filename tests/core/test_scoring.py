"""Scoring: the worked example of docs/scoring.md, the invariants a buyer relies on
(property-tested), the roll-up and the comparison of two scenarios."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskapp.core.errors import ReferenceDataError
from riskapp.core.reference import Reference, default_reference_dir, load_reference
from riskapp.core.scoring import (
    FACTOR_COLUMNS,
    NOT_EXPOSED,
    SCORE_COLUMNS,
    Scenario,
    compare,
    default_scenario,
    grade_for,
    load_advice_options,
    load_scoring_parameters,
    re_symbols,
    score_bom,
    score_lines,
)

DAY = date(2026, 11, 29)  # the reference data's date: Nos. 57/61 'status unknown - confirm'
STAGES = ("mining", "separation", "metal", "magnet")
GLOBAL_HEAVY = {"mining": 0.692, "separation": 0.99, "metal": 0.99, "magnet": 0.92}

_REF = load_reference()
SYMBOLS = re_symbols(_REF)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return _REF


def scenario_on(day: date = DAY, **changes: Any) -> Scenario:
    return default_scenario(_REF).with_changes(evaluation_date=day, **changes)


def ndfeb(mass: float, dy_tb: float, tb_share: float = 0.1) -> dict[str, float]:
    """Element grams of a sintered NdFeB magnet as tagging computes them (materials data)."""
    return {
        "magnet_mass_g": mass,
        "g_Nd": 0.235 * mass,
        "g_Pr": 0.06 * mass,
        "g_Dy": dy_tb * (1 - tb_share) * mass,
        "g_Tb": dy_tb * tb_share * mass,
        "dy_tb_fraction": dy_tb,
    }


def line(**values: Any) -> dict[str, Any]:
    """One tagged BOM line (the contract of riskapp.core.tagging.tag_lines), not rare earth
    unless told otherwise."""
    row: dict[str, Any] = {
        "sheet": "BOM",
        "row": 2,
        "description": "",
        "manufacturer": "",
        "supplier": "",
        "mpn": "",
        "quantity": 1.0,
        "extended_quantity": 1.0,
        "unit_price": math.nan,
        "ext_price": math.nan,
        "currency": "USD",
        "stock": math.nan,
        "category": "",
        "has_children": False,
        "re_class": "none",
        "rare_earth": False,
        "re_probability": 0.0,
        "archetype": "",
        "material_id": "",
        "grade": "",
        "temp_class": "",
        "magnet_mass_g": 0.0,
        "dy_tb_fraction": 0.0,
        "units_per_year": 1000.0,
        "needs_review": False,
        "confidence": "high",
        "criticality": 0.5,
        "single_source": False,
    }
    for s in SYMBOLS:
        row[f"g_{s}"] = 0.0
    for stage in (*STAGES, "component"):
        row[f"origin_{stage}"] = ""
        row[f"origin_basis_{stage}"] = ""
    for stage in STAGES:
        row[f"cn_share_{stage}"] = 0.0
    row.update(values)
    row["re_g_per_unit"] = sum(row[f"g_{s}"] for s in SYMBOLS)
    if row["rare_earth"]:
        row["units_per_year"] = row["extended_quantity"] * 1000.0
    return row


def make_tagged(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    frame["evidence"] = pd.Series([["hand-made test line"] for _ in rows], dtype=object)
    return frame


def rotor_magnet(**values: Any) -> dict[str, Any]:
    """Worked example line 1: N42SH rotor magnet segment, 29 g, 48 per motor, JL MAG (CN)."""
    base = dict(
        row=2,
        description="Rotor magnet segment NdFeB N42SH 29 g",
        manufacturer="JL MAG",
        quantity=48.0,
        extended_quantity=48.0,
        unit_price=2.40,
        re_class="ndfeb_sintered",
        rare_earth=True,
        re_probability=1.0,
        archetype="loose_magnet",
        material_id="ndfeb_sintered",
        grade="N42SH",
        temp_class="SH",
        origin_magnet="CN",
        origin_component="CN",
        cn_share_mining=0.692,
        cn_share_separation=0.99,
        cn_share_metal=0.99,
        cn_share_magnet=1.0,
        **ndfeb(29.0, 0.035),
    )
    base.update(values)
    return line(**base)


def stepper(**values: Any) -> dict[str, Any]:
    """Worked example line 2: NEMA17 stepper, 3 per product, origin unknown."""
    base = dict(
        row=3,
        description="NEMA17 hybrid stepper motor 42x42x48",
        quantity=3.0,
        extended_quantity=3.0,
        unit_price=14.50,
        re_class="ndfeb_sintered",
        rare_earth=True,
        re_probability=0.9,
        archetype="hybrid_stepper",
        material_id="ndfeb_sintered",
        temp_class="H",
        needs_review=True,
        confidence="medium",
        **{f"cn_share_{s}": v for s, v in GLOBAL_HEAVY.items()},
        **ndfeb(12.0, 0.02),
    )
    base.update(values)
    return line(**base)


def screw() -> dict[str, Any]:
    return line(
        row=4,
        description="Socket head cap screw M3x8",
        quantity=40.0,
        extended_quantity=40.0,
        unit_price=0.02,
    )


def worked_example() -> pd.DataFrame:
    return make_tagged([rotor_magnet(), stepper(), screw()])


# --------------------------------------------------------------------------- worked example


def test_worked_example_of_docs_scoring_md(ref: Reference) -> None:
    """The numbers printed in docs/scoring.md, 'Worked example'."""
    bom = score_bom(worked_example(), ref, scenario_on())
    lines = bom.lines
    expected = {
        "units_per_year": [48000, 3000, 40000],
        "controlled_g_per_year": [48720.0, 720.0, 0.0],
        "f_china_share": [0.9637, 0.9357, 0.0],
        "f_control": [1.0, 1.0, 0.0],
        "f_permit_horizon": [0.5238, 0.5238, 0.0],
        "f_concentration": [0.4688, 0.4688, 0.0],
        "f_substitutability": [0.5, 0.3333, 0.0],
        "f_grams": [0.7813, 0.4763, 0.0],
        "f_spend": [1.0, 1.0, 0.0],
        "f_single_source": [0.5, 0.5, 0.0],
        "f_criticality": [0.5, 0.5, 0.0],
        "likelihood": [0.6758, 0.625, 0.0],
        "impact": [0.6985, 0.5917, 0.0],
        "score": [47.2, 36.98, 0.0],
    }
    for column, values in expected.items():
        digits = 2 if column == "score" else 4
        got = [round(float(v), digits) for v in lines[column]]
        assert got == values, column
    assert lines["band"].tolist() == ["High", "Medium", NOT_EXPOSED]
    assert lines["permit_needed"].tolist() == [True, True, False]
    assert lines["controlled_elements"].tolist() == ["Tb,Dy", "Tb,Dy", ""]
    assert [round(v, 4) for v in lines["value_share"][:2]] == [0.1527, 0.0059]
    assert lines["spend_per_year"].tolist() == pytest.approx([115200.0, 43500.0, 800.0])

    r = bom.rollup
    assert r.bom_score == pytest.approx(47.2019, abs=1e-4)
    assert r.grade_actual == "E"
    assert r.controlled_kg_per_year == pytest.approx({"Tb": 4.944, "Dy": 44.496})
    assert r.re_kg_per_year["Nd"] == pytest.approx(335.58)
    assert r.china_share_by_stage["separation"] == pytest.approx(0.99)
    assert r.china_share_by_stage["magnet"] == pytest.approx(0.99807, abs=1e-5)
    assert r.spend_total == pytest.approx(159500.0)
    assert r.spend_exposed == pytest.approx(158700.0)
    assert r.tariff["us_on_cn_cost_exposed"] == pytest.approx(46566.0)
    assert dict(r.lines_per_band) == {
        "Low": 0,
        "Medium": 1,
        "High": 1,
        "Critical": 0,
        NOT_EXPOSED: 1,
    }
    top = r.top_contributors
    assert top["line_index"].tolist() == [0, 1]
    assert top["cumulative_share"].round(4).tolist() == [0.8833, 1.0]


def test_every_score_keeps_its_evidence(ref: Reference) -> None:
    lines = score_lines(worked_example(), ref, scenario_on())
    evidence = lines["score_evidence"]
    assert len(evidence[0]) == 1 + len(FACTOR_COLUMNS)
    text = " ".join(evidence[0])
    assert "Score 47.2 (High)" in text
    assert "Dy+Tb 3.50 % of the magnet is above the 0.1 % practical threshold" in text
    assert "CN_MOFCOM_18" in text
    assert "63 days (45 working days" in text
    assert "48.7 kg of controlled elements per year" in text
    assert "stage_shares.csv" in text and "producers.csv" in text
    assert evidence[2] == ["Not a rare-earth line: score 0."]
    assert set(SCORE_COLUMNS) <= set(lines.columns)


def test_unknown_regime_status_is_named_where_it_matters(ref: Reference) -> None:
    ho_magnet = rotor_magnet(g_Ho=0.2)
    lines = score_lines(make_tagged([ho_magnet]), ref, scenario_on())
    control = next(s for s in lines["score_evidence"][0] if s.startswith("Control"))
    assert "CN_MOFCOM_57 (status unknown since 2026-11-10 — confirm" in control
    assert "Ho" in lines["controlled_elements"][0]


# --------------------------------------------------------------------------- behaviour


def test_non_rare_earth_lines_score_exactly_zero(ref: Reference) -> None:
    lines = score_lines(make_tagged([screw(), screw()]), ref, scenario_on())
    assert (lines["score"] == 0).all()
    assert (lines[list(FACTOR_COLUMNS)] == 0).all().all()
    assert (lines["band"] == NOT_EXPOSED).all()


def test_below_the_practical_threshold_no_permit(ref: Reference) -> None:
    low = rotor_magnet(temp_class="N", grade="N42", **ndfeb(29.0, 0.0008))
    lines = score_lines(make_tagged([low, rotor_magnet()]), ref, scenario_on(date(2025, 6, 1)))
    assert not lines["permit_needed"][0]
    assert lines["f_control"][0] == pytest.approx(0.3)
    assert lines["f_permit_horizon"][0] == 0
    assert lines["score"][0] < lines["score"][1]


def test_smco_needs_a_permit_for_samarium(ref: Reference) -> None:
    smco = line(
        description="SmCo ring",
        rare_earth=True,
        re_class="smco",
        material_id="sm2co17",
        magnet_mass_g=10.0,
        g_Sm=2.5,
        **{f"cn_share_{s}": 1.0 for s in STAGES},
    )
    lines = score_lines(make_tagged([smco]), ref, scenario_on(date(2025, 6, 1)))
    assert lines["permit_needed"][0]
    assert lines["controlled_elements"][0] == "Sm"
    before_april = score_lines(make_tagged([smco]), ref, scenario_on(date(2025, 3, 1)))
    assert not before_april["permit_needed"][0]
    assert before_april["score"][0] < lines["score"][0]


def test_stock_shortens_the_permit_gap(ref: Reference) -> None:
    with_stock = rotor_magnet(stock=48000.0 * 60 / 365)  # 60 days of use
    lines = score_lines(make_tagged([rotor_magnet(), with_stock]), ref, scenario_on())
    assert lines["cover_days"][1] == pytest.approx(60.0)
    assert lines["f_permit_horizon"][1] == pytest.approx(3 / 63)
    assert lines["score"][1] < lines["score"][0]


def test_build_volume_comes_from_the_scenario(ref: Reference) -> None:
    lines = score_lines(worked_example(), ref, scenario_on(build_volume=10.0))
    assert lines["units_per_year"].tolist() == [480.0, 30.0, 400.0]
    assert lines["controlled_g_per_year"][0] == pytest.approx(487.2)


def test_value_rule_catches_lines_without_element_licence(ref: Reference) -> None:
    # Gd is licensed under No. 18 but let the data say No. 18 has lapsed: only No. 61 is left
    gd = rotor_magnet(**ndfeb(29.0, 0.0), g_Gd=0.5)
    scenario = scenario_on(regime_overrides={"CN_MOFCOM_18": "lapsed", "CN_MOFCOM_57": "lapsed"})
    lines = score_lines(make_tagged([gd]), ref, scenario)
    assert lines["permit_basis"][0] == "value rule (No. 61)"
    assert lines["f_control"][0] == pytest.approx(0.8)
    assert lines["permit_needed"][0]


def test_dfars_programme_bans_chinese_magnets(ref: Reference) -> None:
    dfars = scenario_on(date(2027, 1, 1), dfars_programme=True)
    plain = scenario_on(date(2027, 1, 1))
    nd_only = rotor_magnet(**ndfeb(29.0, 0.0))  # no controlled element at all
    a = score_lines(make_tagged([nd_only]), ref, plain)
    b = score_lines(make_tagged([nd_only]), ref, dfars)
    assert a["f_control"][0] == pytest.approx(0.1)
    assert b["f_control"][0] == pytest.approx(1.0)
    assert "DFARS" in b["permit_basis"][0]
    outside = rotor_magnet(
        **ndfeb(29.0, 0.0), **{f"cn_share_{s}": 0.0 for s in STAGES}, origin_magnet="JP"
    )
    c = score_lines(make_tagged([outside]), ref, dfars)
    assert c["score"][0] == 0.0


def test_scores_do_not_depend_on_the_frame_index(ref: Reference) -> None:
    frame = worked_example()
    shuffled = frame.set_axis([10, 20, 30])
    a = score_lines(frame, ref, scenario_on())
    b = score_lines(shuffled, ref, scenario_on())
    assert b.index.tolist() == [10, 20, 30]
    assert a["score"].tolist() == b["score"].tolist()
    assert b["score_evidence"][10] == a["score_evidence"][0]


def test_grades_follow_the_data_thresholds(ref: Reference) -> None:
    sc = scenario_on()
    grades = [grade_for(x, sc) for x in (0, 9.9, 10, 25, 35, 45, 60, 99)]
    assert grades == ["A", "A", "B", "C", "D", "E", "F", "F"]


def test_compare_gives_line_and_bom_deltas(ref: Reference) -> None:
    tagged = worked_example()
    base = score_bom(tagged, ref, scenario_on())
    denied = score_bom(tagged, ref, scenario_on(permit_denied_days=182.0))
    per_line, bom = compare(base, denied)
    assert per_line["delta_f_permit_horizon"].round(4).tolist() == [0.4762, 0.4762, 0.0]
    assert (per_line["delta_score"][:2] > 0).all()
    assert per_line["delta_score"][2] == 0
    a, b, delta = bom["bom_score"]
    assert delta == pytest.approx(b - a) and delta > 0
    assert bom["grade_actual"][2] is None


# --------------------------------------------------------------------------- properties

CLASSES = ["ndfeb_sintered", "ndfeb_bonded", "ndfeb_gbd", "smco", "suspect"]
TEMPS = ["", "N", "M", "H", "SH", "UH", "EH"]
ARCHETYPES = ["", "hybrid_stepper", "loudspeaker", "ev_traction_motor", "loose_magnet"]
DAYS = [date(2025, 3, 1), date(2025, 6, 1), date(2026, 3, 1), DAY, date(2027, 2, 1)]

shares = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def tagged_lines(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(n):
        rare = draw(st.booleans())
        re_class = draw(st.sampled_from(CLASSES))
        mass = draw(st.floats(0.0, 5000.0, allow_nan=False))
        dy_tb = draw(st.sampled_from([0.0, 0.0005, 0.002, 0.02, 0.035, 0.07]))
        grams = ndfeb(mass, dy_tb) if re_class != "smco" else {"g_Sm": 0.25 * mass}
        extra = {}
        if draw(st.booleans()):
            extra[f"g_{draw(st.sampled_from(['Ho', 'Gd', 'Ce', 'Y']))}"] = draw(
                st.floats(0.0, 5.0, allow_nan=False)
            )
        rows.append(
            line(
                row=i + 2,
                description=f"line {i}",
                rare_earth=rare,
                re_class=re_class if rare else "none",
                material_id="sm2co17" if re_class == "smco" else "ndfeb_sintered",
                temp_class=draw(st.sampled_from(TEMPS)),
                archetype=draw(st.sampled_from(ARCHETYPES)),
                quantity=draw(st.sampled_from([1.0, 4.0, 48.0])),
                extended_quantity=draw(st.sampled_from([1.0, 4.0, 48.0, math.nan])),
                unit_price=draw(st.sampled_from([math.nan, 0.5, 14.5, 900.0])),
                stock=draw(st.sampled_from([math.nan, 0.0, 500.0, 1e6])),
                criticality=draw(st.sampled_from([0.0, 0.5, 1.0, math.nan])),
                single_source=draw(st.booleans()),
                origin_component=draw(st.sampled_from(["", "CN", "US", "JP"])),
                **{f"cn_share_{s}": draw(shares) for s in STAGES},
                **grams,
                **extra,
            )
        )
    return make_tagged(rows)


scenarios = st.builds(
    lambda day, dfars, denied, factor: scenario_on(
        day, dfars_programme=dfars, permit_denied_days=denied, price_factors={"Dy": factor}
    ),
    st.sampled_from(DAYS),
    st.booleans(),
    st.sampled_from([0.0, 182.0]),
    st.sampled_from([1.0, 3.0]),
)

PROPERTY = settings(max_examples=40, deadline=None)


@PROPERTY
@given(tagged=tagged_lines(), scenario=scenarios, data=st.data())
def test_raising_a_china_share_never_lowers_a_score(
    tagged: pd.DataFrame, scenario: Scenario, data: st.DataObject
) -> None:
    before = score_lines(tagged, _REF, scenario, with_evidence=False)
    i = data.draw(st.integers(0, len(tagged) - 1))
    stage = data.draw(st.sampled_from(STAGES))
    column = f"cn_share_{stage}"
    raised = tagged.copy()
    old = float(raised.at[i, column])
    raised.at[i, column] = data.draw(st.floats(old, 1.0, allow_nan=False))
    after = score_lines(raised, _REF, scenario, with_evidence=False)
    assert (after["score"].to_numpy() >= before["score"].to_numpy() - 1e-9).all()


@PROPERTY
@given(tagged=tagged_lines(), scenario=scenarios, data=st.data())
def test_unknown_origin_scores_at_least_known_non_china(
    tagged: pd.DataFrame, scenario: Scenario, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(tagged) - 1))
    known = tagged.copy()
    unknown = tagged.copy()
    for stage, share in GLOBAL_HEAVY.items():
        known.at[i, f"cn_share_{stage}"] = 0.0
        unknown.at[i, f"cn_share_{stage}"] = share
    a = score_lines(known, _REF, scenario, with_evidence=False)["score"][i]
    b = score_lines(unknown, _REF, scenario, with_evidence=False)["score"][i]
    assert b >= a - 1e-9


@PROPERTY
@given(tagged=tagged_lines(), scenario=scenarios, data=st.data())
def test_removing_dy_tb_never_raises_the_score(
    tagged: pd.DataFrame, scenario: Scenario, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(tagged) - 1))
    before = score_lines(tagged, _REF, scenario, with_evidence=False)["score"][i]
    cut = tagged.copy()
    cut.at[i, "g_Dy"] = 0.0
    cut.at[i, "g_Tb"] = 0.0
    cut.at[i, "dy_tb_fraction"] = 0.0
    after = score_lines(cut, _REF, scenario, with_evidence=False)["score"][i]
    assert after <= before + 1e-9


@PROPERTY
@given(tagged=tagged_lines(), scenario=scenarios)
def test_scores_are_bounded_deterministic_and_zero_without_rare_earth(
    tagged: pd.DataFrame, scenario: Scenario
) -> None:
    a = score_lines(tagged, _REF, scenario)
    b = score_lines(tagged, _REF, scenario)
    pd.testing.assert_frame_equal(a, b)
    scores = a["score"].to_numpy()
    assert ((scores >= 0) & (scores <= 100)).all()
    for column in FACTOR_COLUMNS:
        values = a[column].to_numpy()
        assert ((values >= 0) & (values <= 1)).all(), column
    rare = tagged["rare_earth"].to_numpy(dtype=bool)
    assert (scores[~rare] == 0).all()
    assert np.isfinite(scores).all()


# --------------------------------------------------------------------------- data files


def test_parameter_and_option_files_are_complete_and_sourced() -> None:
    params = load_scoring_parameters()
    assert all(p.source and p.status in ("sourced", "assumption") for p in params.values())
    options = load_advice_options()
    assert options["source"].str.len().gt(0).all()
    assert {"gbd_grade", "smco_swap", "iron_nitride", "recycled_magnet"} <= set(
        options["option_id"]
    )
    sc = default_scenario(_REF)
    assert set(sc.weights) == {
        "control",
        "permit_horizon",
        "concentration",
        "substitutability",
        "grams",
        "spend",
        "single_source",
        "criticality",
    }
    assert "scoring_parameters.csv line" in sc.sources["weight_control"]
    assert sc.build_volume == 1000.0


def test_a_broken_parameter_file_names_file_line_and_column(tmp_path: Path) -> None:
    original = (default_reference_dir() / "scoring_parameters.csv").read_text(encoding="utf-8")
    lines = original.splitlines()
    lines.append(lines[1])  # a duplicate key on the last line
    (tmp_path / "scoring_parameters.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_scoring_parameters(tmp_path)
    assert info.value.location.row == len(lines)
    assert info.value.location.column == "key"
    assert "scoring_parameters.csv" in str(info.value)
    (tmp_path / "advice_options.csv").write_text("option_id,title\nx,y\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="'change' is missing"):
        load_advice_options(tmp_path)


def test_startswith_reads_a_missing_value_as_no_match() -> None:
    from riskapp.core.scoring import _startswith

    values = np.array(["smco", None, "ndfeb_sintered", np.nan], dtype=object)
    assert _startswith(values, "ndfeb").tolist() == [False, False, True, False]

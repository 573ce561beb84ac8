"""Advice: ranked design and sourcing options per exposed line, each re-scored."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from riskapp.core.advice import ADVICE_COLUMNS, advise, apply_accepted, best_options, potential
from riskapp.core.reference import Reference, load_reference
from riskapp.core.scoring import ScoredBom, default_scenario, score_bom
from tests.core.test_scoring import (
    DAY,
    line,
    make_tagged,
    ndfeb,
    rotor_magnet,
    screw,
    stepper,
)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def scored(ref: Reference, rows: list[dict[str, object]], day: date = DAY) -> ScoredBom:
    scenario = default_scenario(ref).with_changes(evaluation_date=day)
    return score_bom(make_tagged(rows), ref, scenario)


def option(advice: pd.DataFrame, line_index: int, option_id: str) -> pd.Series:
    rows = advice[(advice["line_index"] == line_index) & (advice["option_id"] == option_id)]
    assert len(rows) == 1, (line_index, option_id)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def example(ref: Reference) -> tuple[ScoredBom, pd.DataFrame]:
    bom = scored(ref, [rotor_magnet(), stepper(), screw()])
    return bom, advise(bom, ref)


def test_advice_table_shape_and_ranks(example: tuple[ScoredBom, pd.DataFrame]) -> None:
    _, advice = example
    assert list(advice.columns) == list(ADVICE_COLUMNS)
    assert set(advice["line_index"]) == {0, 1}  # the screw is not exposed
    for _, rows in advice.groupby("line_index"):
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert bool(rows.iloc[0]["helps"])
        helping = rows[rows["helps"]]
        assert helping["score_after"].is_monotonic_increasing
    assert (advice["source"] != "").all() and advice["status"].isin(["sourced", "assumption"]).all()


def test_gbd_removes_most_dy_tb_on_an_sh_line(example: tuple[ScoredBom, pd.DataFrame]) -> None:
    bom, advice = example
    gbd = option(advice, 0, "gbd_grade")
    before = bom.lines.at[0, "dy_tb_g_per_year"]
    share = gbd["dy_tb_g_removed_per_year"] / before
    assert 0.75 <= share <= 0.95  # domain-facts 5: >=3 % -> <0.6 %, ~80 % less
    assert gbd["helps"]
    assert gbd["permit_needed_after"]  # 0.4 % Dy+Tb is still above the 0.1 % threshold
    assert gbd["note"].startswith("Still needs a Chinese export licence")
    assert "Dy" in gbd["removed_by_element"]


def test_smco_is_flagged_as_not_helping(example: tuple[ScoredBom, pd.DataFrame]) -> None:
    _, advice = example
    smco = option(advice, 0, "smco_swap")
    assert not smco["helps"]
    assert smco["score_after"] >= smco["score_before"]
    assert smco["note"].startswith("Does not help")
    assert "Sm controlled (CN_MOFCOM_18)" in smco["note"]
    assert "samarium" in smco["performance_note"].lower()


def test_accepted_advice_improves_the_potential_grade(
    ref: Reference, example: tuple[ScoredBom, pd.DataFrame]
) -> None:
    bom, advice = example
    result = potential(bom, ref)
    assert result.grade_actual == "E"
    assert result.grade_potential < result.grade_actual  # 'A' < 'E': better
    assert result.bom_score_potential < result.bom_score_actual
    assert set(result.accepted["option_id"]) <= set(advice["option_id"])
    only_gbd = advice[advice["option_id"] == "gbd_grade"]
    partial = potential(bom, ref, only_gbd)
    assert result.bom_score_potential <= partial.bom_score_potential < result.bom_score_actual


def test_apply_accepted_changes_only_the_chosen_lines(
    ref: Reference, example: tuple[ScoredBom, pd.DataFrame]
) -> None:
    bom, advice = example
    chosen = advice[(advice["option_id"] == "dy_free_hot_deformed") & (advice["line_index"] == 0)]
    tagged = bom.tagged()
    changed = apply_accepted(tagged, chosen, ref)
    assert changed.at[0, "g_Dy"] == 0 and changed.at[0, "material_id"] == "ndfeb_hot_deformed"
    assert changed.at[1, "g_Dy"] == tagged.at[1, "g_Dy"]
    assert tagged.at[0, "g_Dy"] > 0  # the input is not modified
    assert len(best_options(advice)) == 2


def test_several_options_for_one_line_apply_in_rank_order(
    ref: Reference, example: tuple[ScoredBom, pd.DataFrame]
) -> None:
    bom, advice = example
    both = advice[
        (advice["line_index"] == 0) & advice["option_id"].isin(["gbd_grade", "non_cn_magnet_maker"])
    ]
    changed = apply_accepted(bom.tagged(), both, ref, DAY)
    assert changed.at[0, "material_id"] == "ndfeb_gbd"
    assert changed.at[0, "cn_share_magnet"] == 0.0


def test_ferrite_for_a_loudspeaker_removes_the_exposure(ref: Reference) -> None:
    speaker = line(
        description="Loudspeaker 100 mm neodymium",
        rare_earth=True,
        re_class="ndfeb_sintered",
        material_id="ndfeb_sintered",
        archetype="loudspeaker",
        temp_class="N",
        unit_price=12.0,
        **{f"cn_share_{s}": 0.9 for s in ("mining", "separation", "metal", "magnet")},
        **ndfeb(40.0, 0.002),
    )
    bom = scored(ref, [speaker])
    advice = advise(bom, ref)
    ferrite = option(advice, 0, "ferrite_redesign")
    assert ferrite["score_after"] == 0 and ferrite["helps"]
    assert ferrite["controlled_g_removed_per_year"] == pytest.approx(80.0)  # 0.08 g x 1000
    niron = option(advice, 0, "iron_nitride")
    assert niron["lead_time_months"] > niron["qualification_months"]  # plant opens 2027


def test_traction_motor_gets_a_magnet_free_topology(ref: Reference) -> None:
    motor = rotor_magnet(description="EV traction motor 150 kW", archetype="ev_traction_motor")
    advice = advise(scored(ref, [motor]), ref)
    eesm = option(advice, 0, "magnet_free_topology")
    assert eesm["score_after"] == 0
    assert "EESM" in eesm["title"]


def test_non_china_chain_keeps_a_stage_nobody_outside_china_covers(
    ref: Reference, example: tuple[ScoredBom, pd.DataFrame]
) -> None:
    bom, advice = example
    chain = option(advice, 0, "non_cn_chain")
    assert "Lynas" in chain["producers"]
    changed = apply_accepted(bom.tagged(), advice[advice.index == chain.name], ref, DAY)
    assert changed.at[0, "cn_share_separation"] == 0.0
    assert changed.at[0, "cn_share_magnet"] == 0.0
    assert changed.at[0, "cn_share_metal"] == pytest.approx(0.99)  # no Dy/Tb metal outside CN
    assert "keeps its share" in changed.at[0, "origin_basis_metal"]
    assert chain["permit_needed_after"]


def test_magnet_makers_outside_china_are_listed_with_status(
    example: tuple[ScoredBom, pd.DataFrame],
) -> None:
    _, advice = example
    makers = option(advice, 0, "non_cn_magnet_maker")["producers"]
    assert (
        "Neo Performance Materials (Narva magnet plant) (EE, producing since 2025-09-19" in makers
    )
    assert "eVAC Magnetics (VAC) (US, commissioning since 2025-11-01)" in makers


def test_nothing_exposed_means_no_advice(ref: Reference) -> None:
    advice = advise(scored(ref, [screw()]), ref)
    assert advice.empty and list(advice.columns) == list(ADVICE_COLUMNS)
    assert potential(scored(ref, [screw()]), ref).grade_potential == "A"

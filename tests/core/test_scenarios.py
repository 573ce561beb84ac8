"""Scenario presets: they load, they differ as intended, and users can copy and save them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from riskapp.core.errors import UsageError
from riskapp.core.reference import Reference, load_reference
from riskapp.core.scenarios import (
    builtin_scenarios_dir,
    copy_preset,
    list_presets,
    load_scenario,
    save_scenario,
    user_scenarios_dir,
)
from riskapp.core.scoring import default_scenario, score_bom, score_lines
from tests.core.test_scoring import line, make_tagged, ndfeb, rotor_magnet, screw, stepper

PRESETS = {
    "baseline",
    "october_2025_rules",
    "permits_denied_6m",
    "us_tariff_escalation",
    "london_framework",
    "dfars_2027",
    "dy_tb_price_x3",
}
IN_WINDOW = date(2026, 3, 1)  # inside the No. 70 suspension


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def test_every_preset_is_listed_documented_and_loads(ref: Reference) -> None:
    infos = list_presets()
    builtin = [i for i in infos if i.builtin]
    assert {i.name for i in builtin} == PRESETS
    assert builtin[0].name == "baseline"
    for info in builtin:
        assert info.description and info.references, info.name
        scenario = load_scenario(info.name, ref=ref)
        assert scenario.name == info.name
        assert scenario.weights == default_scenario(ref).weights
        assert scenario.sources["scenario_file"].endswith(f"{info.name}.toml")


def test_baseline_is_the_defaults_evaluated_today(ref: Reference) -> None:
    baseline = load_scenario("baseline", ref=ref)
    defaults = default_scenario(ref)
    assert baseline.evaluation_date is None
    assert baseline.tariffs == defaults.tariffs == {"us_on_cn": 0.3, "cn_on_us": 0.1}
    assert not baseline.regime_overrides and not baseline.price_factors
    on_day = load_scenario("baseline", ref=ref, evaluation_date=IN_WINDOW)
    assert on_day.evaluation_date == IN_WINDOW


def test_october_2025_rules_control_holmium(ref: Reference) -> None:
    ho_magnet = make_tagged([rotor_magnet(**ndfeb(29.0, 0.0), g_Ho=0.5)])
    base = load_scenario("baseline", ref=ref, evaluation_date=IN_WINDOW)
    october = load_scenario("october_2025_rules", ref=ref, evaluation_date=IN_WINDOW)
    a = score_lines(ho_magnet, ref, base)
    b = score_lines(ho_magnet, ref, october)
    assert a["controlled_elements"][0] == ""
    assert b["controlled_elements"][0] == "Ho"
    assert b["permit_needed"][0] and not a["permit_needed"][0]
    assert b["score"][0] > a["score"][0]


def test_tariff_escalation_raises_the_tariff_cost(ref: Reference) -> None:
    tagged = make_tagged([rotor_magnet(), stepper(), screw()])
    cost = {
        name: score_bom(tagged, ref, load_scenario(name, ref=ref)).rollup.tariff[
            "us_on_cn_cost_exposed"
        ]
        for name in ("baseline", "london_framework", "us_tariff_escalation")
    }
    assert cost["baseline"] < cost["london_framework"] < cost["us_tariff_escalation"]
    assert cost["us_tariff_escalation"] == pytest.approx(cost["baseline"] * 145 / 30)


def test_denied_permits_raise_the_permit_factor(ref: Reference) -> None:
    tagged = make_tagged([rotor_magnet(), stepper(), screw()])
    base = score_lines(tagged, ref, load_scenario("baseline", ref=ref))
    denied = score_lines(tagged, ref, load_scenario("permits_denied_6m", ref=ref))
    assert (base["f_permit_horizon"][:2] < 1).all()
    assert (denied["f_permit_horizon"][:2] == 1).all()
    assert (denied["score"][:2] > base["score"][:2]).all()
    assert denied["score"][2] == 0


def test_dy_tb_price_x3_raises_the_impact_of_dy_lines_only(ref: Reference) -> None:
    housing = line(description="Aluminium housing", unit_price=5000.0)
    nd_only = rotor_magnet(description="N42 magnet", temp_class="N", **ndfeb(29.0, 0.0))
    tagged = make_tagged([rotor_magnet(), nd_only, housing])
    base = score_lines(tagged, ref, load_scenario("baseline", ref=ref))
    shock = score_lines(tagged, ref, load_scenario("dy_tb_price_x3", ref=ref))
    assert shock["impact"][0] > base["impact"][0]
    assert shock["spend_per_year"][0] > base["spend_per_year"][0]
    assert shock["impact"][1] == pytest.approx(base["impact"][1])
    assert shock["score"][2] == base["score"][2] == 0


def test_dfars_2027_bans_chinese_magnets_even_without_controlled_elements(
    ref: Reference,
) -> None:
    scenario = load_scenario("dfars_2027", ref=ref)
    assert scenario.evaluation_date == date(2027, 1, 1) and scenario.dfars_programme
    nd_only = make_tagged([rotor_magnet(**ndfeb(29.0, 0.0))])
    lines = score_lines(nd_only, ref, scenario)
    assert lines["f_control"][0] == pytest.approx(1.0)
    plain = score_lines(
        nd_only, ref, load_scenario("baseline", ref=ref, evaluation_date=date(2027, 1, 1))
    )
    assert lines["score"][0] > plain["score"][0]


def test_save_and_load_round_trip(ref: Reference, tmp_path: Path) -> None:
    scenario = load_scenario("dy_tb_price_x3", ref=ref).with_changes(
        name="my_case",
        title='Quotes "and" unicode — ✓',
        evaluation_date=date(2026, 12, 1),
        build_volume=250.0,
        permit_denied_days=30.0,
        unknown_policy="suspended",
        regime_overrides={"CN_MOFCOM_57": "in_force"},
        weights={"control": 0.5},
        parameters={"inventory_cover_days_default": 45.0},
    )
    path = save_scenario(scenario, tmp_path / "my_case", ref)
    assert path.suffix == ".toml"
    again = load_scenario(path, ref=ref)
    for field in (
        "name",
        "title",
        "description",
        "references",
        "evaluation_date",
        "build_volume",
        "permit_denied_days",
        "unknown_policy",
        "regime_overrides",
        "price_factors",
        "weights",
        "parameters",
        "tariffs",
    ):
        assert getattr(again, field) == getattr(scenario, field), field
    text = path.read_text(encoding="utf-8")
    assert "[price_factors]" in text and "weight_grams" not in text  # only differences


def test_copy_preset_into_the_user_folder(ref: Reference) -> None:
    path = copy_preset("permits_denied_6m", "denied_for_us", ref=ref)
    assert path.parent == user_scenarios_dir()
    assert load_scenario("denied_for_us", ref=ref).permit_denied_days == 182.0
    mine = [i for i in list_presets() if not i.builtin]
    assert [i.name for i in mine] == ["denied_for_us"]
    with pytest.raises(UsageError, match="already exists"):
        copy_preset("baseline", "denied_for_us", ref=ref)
    with pytest.raises(UsageError, match="cannot be a scenario name"):
        copy_preset("baseline", "../evil", ref=ref)
    assert (builtin_scenarios_dir() / "baseline.toml").is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\nbogus = 1\n", "unknown setting 'bogus'"),
        ("[regime_overrides]\nCN_MOFCOM_57 = 'maybe'\n", "must be one of"),
        ("[weights]\nluck = 0.5\n", "unknown key 'luck'"),
        ("permit_denied_days = 'long'\n", "must be a number"),
        ("evaluation_date = 'soon'\n", "evaluation_date must be a date"),
        ("name = \n", "not valid TOML"),
        # out of range: an infinite tariff made NaN money columns, a negative price factor
        # a negative spend
        ("[tariffs]\nus_on_cn = inf\n", "'tariffs.us_on_cn' must be a finite number"),
        ("[price_factors]\nDy = -3\n", "'price_factors.Dy' must be a factor above 0"),
        ("[weights]\ncontrol = -1\n", "'weights.control' must be 0 or more"),
        ("[bands]\nHigh = 150\n", "'bands.High' must be a score from 0 to 100"),
    ],
)
def test_bad_scenario_files_are_explained(
    ref: Reference, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as info:
        load_scenario(path, ref=ref)
    assert "bad.toml" in str(info.value)


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"Known scenarios: .*baseline"):
        load_scenario("no_such_thing")

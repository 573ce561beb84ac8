"""Reference data: the built-in set is complete and sourced, and every broken file is
reported with its file, line and column."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskapp.core.errors import ReferenceDataError
from riskapp.core.reference import (
    REFERENCE_FILES,
    STATUS_VALUES,
    Reference,
    default_reference_dir,
    load_reference,
    split_list,
    validate_reference,
)

REAL_BOMS = Path(__file__).resolve().parents[2].parent / "shared" / "real_boms"

Rows = list[list[str]]


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def read_rows(filename: str) -> Rows:
    with open(default_reference_dir() / filename, encoding="utf-8", newline="") as fh:
        return [list(r) for r in csv.reader(fh)]


def write_rows(folder: Path, filename: str, rows: Rows) -> Path:
    path = folder / filename
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def find(rows: Rows, **match: str) -> tuple[int, list[str]]:
    """(CSV line, row) of the first data row whose columns equal ``match``."""
    header = rows[0]
    for i, row in enumerate(rows[1:], start=2):
        if all(row[header.index(k)] == v for k, v in match.items()):
            return i, row
    raise AssertionError(f"no row with {match}")


def set_cell(rows: Rows, line: int, column: str, value: str) -> None:
    rows[line - 1][rows[0].index(column)] = value


def broken_copy(
    tmp_path: Path, filename: str, edit: Callable[[Rows], tuple[int, str]]
) -> tuple[Path, int, str]:
    """Write an edited copy of one built-in file into tmp_path; edit returns (line, column)."""
    rows = read_rows(filename)
    line, column = edit(rows)
    return write_rows(tmp_path, filename, rows), line, column


def expect_error(folder: Path, filename: str, line: int | None, column: str) -> ReferenceDataError:
    with pytest.raises(ReferenceDataError) as info:
        load_reference(folder)
    where = info.value.location
    assert Path(where.file).name == filename, str(info.value)
    assert where.row == line, str(info.value)
    assert where.column == column, str(info.value)
    # validate_reference reports the same problem without raising
    problems = validate_reference(folder)
    assert any(Path(p.location.file).name == filename and p.location.row == line for p in problems)
    return info.value


# ----------------------------------------------------------------- the built-in set


def test_default_set_loads_and_validates(ref: Reference) -> None:
    assert validate_reference() == []
    expected = (default_reference_dir() / "VERSION").read_text(encoding="utf-8").strip()
    assert ref.version == expected
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}-\d+", ref.version)
    for name in REFERENCE_FILES:
        frame = ref.frame(name)
        assert len(frame) > 0, name
        assert frame.index.name == "line"
        assert frame.index[0] == 2  # header is line 1


def test_csv_headers_match_the_spec_exactly() -> None:
    on_disk = {p.name for p in default_reference_dir().glob("*.csv")}
    # scoring and advice parameters are validated by their own modules (scoring.py)
    owned_elsewhere = {"scoring_parameters.csv", "advice_options.csv"}
    assert on_disk - owned_elsewhere == {spec.filename for spec in REFERENCE_FILES.values()}
    for spec in REFERENCE_FILES.values():
        assert tuple(read_rows(spec.filename)[0]) == spec.column_names, spec.filename


def test_every_row_has_a_source_and_a_status(ref: Reference) -> None:
    for name, spec in REFERENCE_FILES.items():
        frame = ref.frame(name)
        assert (frame["source"].str.len() > 0).all(), name
        assert set(frame[spec.status_column]) <= set(STATUS_VALUES), name


def test_assumptions_say_what_the_estimate_is_based_on(ref: Reference) -> None:
    table = ref.assumptions()
    assert list(table.columns) == ["file", "line", "key", "source"]
    total = sum(
        int((ref.frame(n)[s.status_column] == "assumption").sum())
        for n, s in REFERENCE_FILES.items()
    )
    assert len(table) == total > 0
    marked = table["source"].str.contains("estimate|unconfirmed", case=False, regex=True)
    assert marked.all(), table.loc[~marked, ["file", "key"]].to_string()
    facts = table[table["file"] == "permit_facts.csv"]
    assert "london_framework_horizon_days" in set(facts["key"])


def test_columns_are_typed(ref: Reference) -> None:
    assert ref.materials["density_g_cm3"].dtype == "float64"
    assert str(ref.elements["atomic_number"].dtype) == "Int64"
    assert str(ref.regimes["effective_from"].dtype).startswith("datetime64")
    assert ref.regimes.set_index("regime_id").at["CN_MOFCOM_18", "effective_from"] == (
        pd.Timestamp("2025-04-04")
    )
    assert ref.regimes.set_index("regime_id")["suspended_until"].isna()["CN_MOFCOM_18"]
    # part-number-like text stays text
    assert ref.permit_fact("cn_hs_rare_earth_magnet") == "8505111000"


# ----------------------------------------------------------------- domain facts


def test_n52_block_12x5x3_mm_holds_about_0_4_g_of_nd_and_pr(ref: Reference) -> None:
    density = float(ref.materials.set_index("material_id")["density_g_cm3"]["ndfeb_sintered"])
    mass_g = 1.2 * 0.5 * 0.3 * density  # cm3 x g/cm3
    assert mass_g == pytest.approx(1.35, abs=0.1)
    fractions = ref.material_fractions
    sintered = fractions[fractions["material_id"] == "ndfeb_sintered"].set_index("element")
    nd_pr = sintered.loc[["Nd", "Pr"], "fraction_default"].sum()
    assert 0.29 <= nd_pr <= 0.30
    assert mass_g * nd_pr == pytest.approx(0.4, abs=0.05)
    # heavy rare earths come from the temperature class, not the base composition
    assert sintered.loc[["Dy", "Tb"], "fraction_default"].sum() == 0


def test_announcement_18_and_57_element_lists(ref: Reference) -> None:
    links = ref.regime_elements
    ann18 = set(links.loc[links["regime_id"] == "CN_MOFCOM_18", "element"])
    ann57 = set(links.loc[links["regime_id"] == "CN_MOFCOM_57", "element"])
    assert ann18 == {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"}
    assert ann57 == {"Ho", "Er", "Tm", "Eu", "Yb"}
    regimes = ref.regimes.set_index("regime_id")
    assert regimes["suspended_from"].isna()["CN_MOFCOM_18"]  # No. 18 was never suspended
    for rid in ("CN_MOFCOM_57", "CN_MOFCOM_61", "CN_MOFCOM_62"):
        assert regimes.at[rid, "suspended_until"] == pd.Timestamp("2026-11-10")
    assert regimes.at["CN_MOFCOM_61", "threshold"] == pytest.approx(0.001)
    assert regimes.at["US_DFARS_252_225_7052", "effective_from"] == pd.Timestamp("2027-01-01")
    assert regimes.at["US_DFARS_252_225_7052", "rule"] == "no_origin_in:CN;RU;KP;IR"


def test_stage_shares(ref: Reference) -> None:
    shares = ref.stage_shares.set_index(["stage", "element_group", "country"])["share"]
    assert shares[("separation", "all", "CN")] == pytest.approx(0.92)
    assert shares[("mining", "all", "CN")] == pytest.approx(0.69, abs=0.01)
    assert shares[("separation", "heavy", "CN")] >= 0.99
    totals = ref.stage_shares.groupby(["stage", "element_group"])["share"].sum()
    assert ((totals - 1).abs() <= 0.01).all()


def test_permit_facts(ref: Reference) -> None:
    assert ref.permit_fact_float("statutory_review_working_days") == 45
    assert ref.permit_fact_float("practical_dy_tb_threshold_wt") == pytest.approx(0.001)
    assert ref.permit_fact("suspension_window_end") == "2026-11-10"
    with pytest.raises(ReferenceDataError, match="should be a number"):
        ref.permit_fact_float("suspension_window_end")
    with pytest.raises(ReferenceDataError, match="missing"):
        ref.permit_fact("no_such_fact")


def test_material_fraction_invariants(ref: Reference) -> None:
    f = ref.material_fractions
    assert (f["fraction_min"] <= f["fraction_default"]).all()
    assert (f["fraction_default"] <= f["fraction_max"]).all()
    assert (f.groupby("material_id")["fraction_default"].sum() <= 1.0001).all()
    assert set(ref.materials["material_id"]) == {
        "ndfeb_sintered",
        "ndfeb_bonded",
        "ndfeb_hot_deformed",
        "ndfeb_gbd",
        "smco5",
        "sm2co17",
        "ferrite",
        "alnico",
    }
    gbd = f[f["material_id"] == "ndfeb_gbd"].set_index("element")["fraction_default"]
    assert gbd[["Dy", "Tb"]].sum() < 0.006


def test_split_list() -> None:
    assert split_list(" N; M ;;H ") == ["N", "M", "H"]
    assert split_list("") == []
    assert split_list(float("nan")) == []


# ----------------------------------------------------------------- the regexes on examples


def classify(ref: Reference, text: str) -> str:
    """Trap or best archetype for a lower-cased text (what tagging is expected to do)."""
    text = text.lower()
    for pattern in ref.traps["pattern"]:
        if re.search(pattern, text, re.IGNORECASE):
            return "trap"
    best = ("none", -(10**9))
    columns = ["archetype_id", "include_regex", "exclude_regex", "priority"]
    for archetype, include, exclude, priority in ref.archetypes[columns].to_numpy().tolist():
        if not re.search(include, text, re.IGNORECASE):
            continue
        if exclude and re.search(exclude, text, re.IGNORECASE):
            continue
        if int(priority) > best[1]:
            best = (str(archetype), int(priority))
    return best[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.4mm Enameled Magnet Wire", "trap"),
        ("Kupferlackdraht 0,5 mm", "trap"),
        ("TMC2209 Stepper Motor Driver", "trap"),
        ("ODrive BLDC motor drivers | ODrive 3.6", "trap"),
        ("Gearbox 20:1 / Nema 17 20:1 EG precision planetary", "trap"),
        ("10010 Stator", "trap"),
        ("Non-magnetic stainless screw M3", "trap"),
        ("Induction motor 5.5 kW IE3", "trap"),
        ("N52 12x5x3mm", "loose_magnet"),
        ("N50 1/2 x 1/8 x 1/16in", "loose_magnet"),
        ("6x3mm Neodimium Magnet", "loose_magnet"),
        ("imán de neodimio 10x5", "loose_magnet"),
        ("NEMA17 Motor 17HS19-2004S", "hybrid_stepper"),
        ("Schrittmotor NEMA 17", "hybrid_stepper"),
        ("moteur pas à pas 42mm", "hybrid_stepper"),
        ("NEMA17 TR8x8 300mm Linear Stepper", "linear_stepper"),
        ("Motor | 9225 90 KV brishless motor", "bldc_outrunner"),
        ("Motor encoders | AMS AS5047P motor encoder", "magnetic_encoder_kit"),
        ("MG996R servo motors (4-pack)", "hobby_servo"),
        ("AC servo motor 400W", "industrial_servo_motor"),
        ("60x60x20 Fan (24V)", "bldc_fan"),
        ("Lautsprecher 8 Ohm", "loudspeaker"),
        ("haut-parleur 50 mm", "loudspeaker"),
        ("Traction motor 150 kW", "ev_traction_motor"),
        ("3 MW direct drive PMSG wind generator", "wind_generator_dd"),
        ("10kV ceramic capacitor", "none"),
        ("M3x8 SHCS", "none"),
    ],
)
def test_archetypes_and_traps_on_examples(ref: Reference, text: str, expected: str) -> None:
    assert classify(ref, text) == expected


@pytest.mark.realboms
@pytest.mark.skipif(not REAL_BOMS.is_dir(), reason="../shared/real_boms not present")
def test_archetypes_and_traps_agree_with_real_bom_labels(ref: Reference) -> None:
    wrong = []
    for labels in sorted(REAL_BOMS.glob("*.labels.csv")):
        with open(labels, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                tagged = classify(ref, row["description"]) not in ("trap", "none")
                label = row["re_label"]
                if (label in ("yes", "likely") and not tagged) or (label == "no" and tagged):
                    wrong.append(f"{labels.name}:{row['row']} {row['description']} ({label})")
    assert wrong == []


# ----------------------------------------------------------------- validation errors


def _drop_column(column: str) -> Callable[[Rows], tuple[int, str]]:
    def edit(rows: Rows) -> tuple[int, str]:
        i = rows[0].index(column)
        for row in rows:
            del row[i]
        return 1, column

    return edit


def _set(column: str, value: str, **match: str) -> Callable[[Rows], tuple[int, str]]:
    def edit(rows: Rows) -> tuple[int, str]:
        line, _ = find(rows, **match)
        set_cell(rows, line, column, value)
        return line, column

    return edit


def _duplicate(key_column: str, **match: str) -> Callable[[Rows], tuple[int, str]]:
    def edit(rows: Rows) -> tuple[int, str]:
        _, row = find(rows, **match)
        rows.append(list(row))
        return len(rows), key_column

    return edit


def _set_line(line: int, column: str, value: str) -> Callable[[Rows], tuple[int, str]]:
    def edit(rows: Rows) -> tuple[int, str]:
        set_cell(rows, line, column, value)
        return line, column

    return edit


def _duplicate_line(line: int, key_column: str) -> Callable[[Rows], tuple[int, str]]:
    def edit(rows: Rows) -> tuple[int, str]:
        rows.append(list(rows[line - 1]))
        return len(rows), key_column

    return edit


def _fraction_min_above_default(rows: Rows) -> tuple[int, str]:
    line, _ = find(rows, material_id="smco5", element="Sm")
    set_cell(rows, line, "fraction_min", "0.37")  # default 0.36
    return line, "fraction_min"


def _dy_tb_default_above_max(rows: Rows) -> tuple[int, str]:
    line, _ = find(rows, temp_class="H")
    set_cell(rows, line, "dy_tb_default", "0.05")  # max 0.03
    return line, "dy_tb_max"


def _mass_min_above_default(rows: Rows) -> tuple[int, str]:
    line, _ = find(rows, archetype_id="hybrid_stepper")
    set_cell(rows, line, "magnet_mass_g_min", "50")
    return line, "magnet_mass_g_min"


def _separation_shares_off(rows: Rows) -> tuple[int, str]:
    line, _ = find(rows, stage="separation", element_group="all", country="CN")
    set_cell(rows, line, "share", "0.80")
    header = rows[0]
    last = max(
        i
        for i, row in enumerate(rows[1:], start=2)
        if row[header.index("stage")] == "separation"
        and row[header.index("element_group")] == "all"
    )
    return last, "share"


def _fractions_over_one(rows: Rows) -> tuple[int, str]:
    line, _ = find(rows, material_id="alnico", element="Fe")
    set_cell(rows, line, "fraction_default", "0.6")
    set_cell(rows, line, "fraction_max", "0.7")
    header = rows[0]
    last = max(
        i for i, row in enumerate(rows[1:], start=2) if row[header.index("material_id")] == "alnico"
    )
    return last, "fraction_default"


CASES: list[tuple[str, str, Callable[[Rows], tuple[int, str]], str]] = [
    ("missing column", "elements.csv", _drop_column("status"), "required column"),
    ("empty value", "materials.csv", _set("name", "", material_id="ferrite"), "needs a value"),
    ("bad number", "materials.csv", _set("density_g_cm3", "7,5", material_id="ferrite"), "number"),
    (
        "bad date",
        "regimes.csv",
        _set("effective_from", "2025-13-01", regime_id="CN_MOFCOM_18"),
        "YYYY-MM-DD",
    ),
    (
        "date text",
        "regimes.csv",
        _set("suspended_until", "10 Nov 2026", regime_id="CN_MOFCOM_57"),
        "YYYY-MM-DD",
    ),
    ("enum", "regimes.csv", _set("kind", "embargo", regime_id="CN_MOFCOM_18"), "not allowed"),
    ("status", "elements.csv", _set("status", "confirmed", symbol="Nd"), "not allowed"),
    (
        "data_status",
        "producers.csv",
        _set("data_status", "maybe", producer_id="lynas", stage="mining"),
        "not allowed",
    ),
    (
        "empty source",
        "permit_facts.csv",
        _set("source", "", key="statutory_review_working_days"),
        "needs a value",
    ),
    (
        "fraction > 1",
        "material_fractions.csv",
        _set("fraction_max", "1.5", material_id="smco5", element="Sm"),
        "above the allowed maximum",
    ),
    (
        "fraction < 0",
        "stage_shares.csv",
        _set("share", "-0.1", stage="magnet", element_group="all", country="OTHER"),
        "below",
    ),
    ("min > default", "material_fractions.csv", _fraction_min_above_default, "greater than"),
    ("default > max", "temperature_classes.csv", _dy_tb_default_above_max, "greater than"),
    ("mass min > default", "archetypes.csv", _mass_min_above_default, "greater than"),
    ("fractions sum > 1", "material_fractions.csv", _fractions_over_one, "add up to"),
    ("shares sum", "stage_shares.csv", _separation_shares_off, "add up to"),
    (
        "bad regex",
        "archetypes.csv",
        _set("include_regex", "(motor", archetype_id="hybrid_stepper"),
        "regular expression",
    ),
    (
        "bad exclude regex",
        "archetypes.csv",
        _set("exclude_regex", "[a-", archetype_id="bldc_fan"),
        "regular expression",
    ),
    ("bad trap regex", "traps.csv", _set_line(2, "pattern", "magnet wire)"), "regular expression"),
    (
        "regex matches everything",
        "archetypes.csv",
        _set("include_regex", "motor|", archetype_id="hybrid_stepper"),
        "every line",
    ),
    (
        "unknown material",
        "archetypes.csv",
        _set("material_id", "unobtainium", archetype_id="hybrid_stepper"),
        "Unknown material_id",
    ),
    (
        "unknown temp class",
        "archetypes.csv",
        _set("temp_class", "ZZ", archetype_id="hybrid_stepper"),
        "Unknown temperature class",
    ),
    (
        "unknown element (regimes)",
        "regime_elements.csv",
        _set("element", "Xx", regime_id="CN_MOFCOM_57", element="Ho", condition="any"),
        "Unknown element",
    ),
    (
        "unknown element (fractions)",
        "material_fractions.csv",
        _set("element", "Nx", material_id="smco5", element="Sm"),
        "Unknown element",
    ),
    (
        "unknown regime",
        "regime_elements.csv",
        _set("regime_id", "CN_MOFCOM_99", regime_id="CN_MOFCOM_57", element="Ho", condition="any"),
        "Unknown regime_id",
    ),
    (
        "unknown form",
        "regime_elements.csv",
        _set("forms", "metal;powder", regime_id="CN_MOFCOM_57", element="Ho", condition="any"),
        "not allowed",
    ),
    (
        "unknown country",
        "producers.csv",
        _set("country", "XX", producer_id="lynas", stage="mining"),
        "Unknown country",
    ),
    (
        "unknown producer element",
        "producers.csv",
        _set("elements", "Nd;Qq", producer_id="lynas", stage="mining"),
        "Unknown element",
    ),
    (
        "size rule mismatch",
        "archetype_sizes.csv",
        _set("size_rule", "per_kw", archetype_id="hybrid_stepper", size_value="17"),
        "scale_rule",
    ),
    (
        "unknown grade class",
        "energy_grades.csv",
        _set("temp_classes", "N;QH", grade="N52"),
        "Unknown temperature class",
    ),
    ("alias used twice", "countries.csv", _set("aliases", "taiwan;china", code="TW"), "also used"),
    ("upper-case alias", "countries.csv", _set("aliases", "Germany", code="DE"), "lower case"),
    ("duplicate element", "elements.csv", _duplicate("symbol", symbol="Dy"), "Duplicate"),
    (
        "duplicate producer stage",
        "producers.csv",
        _duplicate("stage", producer_id="lynas", stage="mining"),
        "Duplicate",
    ),
    (
        "duplicate archetype",
        "archetypes.csv",
        _duplicate("archetype_id", archetype_id="loudspeaker"),
        "Duplicate",
    ),
    ("duplicate trap", "traps.csv", _duplicate_line(2, "pattern"), "Duplicate"),
    (
        "threshold without unit",
        "regimes.csv",
        _set("threshold_unit", "", regime_id="CN_MOFCOM_61"),
        "threshold_unit",
    ),
    ("int", "elements.csv", _set("atomic_number", "60.5", symbol="Nd"), "whole number"),
]


@pytest.mark.parametrize(("case", "filename", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_validation_names_file_line_and_column(
    tmp_path: Path,
    case: str,
    filename: str,
    edit: Callable[[Rows], tuple[int, str]],
    message: str,
) -> None:
    _, line, column = broken_copy(tmp_path, filename, edit)
    error = expect_error(tmp_path, filename, line, column)
    assert message in error.message, (case, error.message)


def test_line_numbers_count_multi_line_cells(tmp_path: Path) -> None:
    rows = read_rows("regimes.csv")
    line18, _ = find(rows, regime_id="CN_MOFCOM_18")
    set_cell(rows, line18, "notes", "first line\nsecond line\nthird line")
    line62, _ = find(rows, regime_id="CN_MOFCOM_62")
    set_cell(rows, line62, "kind", "embargo")
    write_rows(tmp_path, "regimes.csv", rows)
    expect_error(tmp_path, "regimes.csv", line62 + 2, "kind")  # two extra physical lines


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    text = (default_reference_dir() / "materials.csv").read_text(encoding="utf-8")
    (tmp_path / "materials.csv").write_bytes(
        text.replace("Hard ferrite", "Hart-Ferrit é").encode("cp1252")
    )
    with pytest.raises(ReferenceDataError, match="UTF-8") as info:
        load_reference(tmp_path)
    assert Path(info.value.location.file).name == "materials.csv"
    assert info.value.location.row is not None and info.value.location.row > 1


def test_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    rows = read_rows("countries.csv")
    with open(tmp_path / "countries.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows(rows)
    with pytest.raises(ReferenceDataError, match="semicolon"):
        load_reference(tmp_path)


def test_several_problems_are_counted(tmp_path: Path) -> None:
    rows = read_rows("elements.csv")
    for symbol in ("Nd", "Pr", "Dy"):
        line, _ = find(rows, symbol=symbol)
        set_cell(rows, line, "status", "guess")
    write_rows(tmp_path, "elements.csv", rows)
    with pytest.raises(ReferenceDataError, match="2 more problem"):
        load_reference(tmp_path)
    assert len(validate_reference(tmp_path)) == 3


# ----------------------------------------------------------------- user folders


def test_user_folder_overriding_one_file(tmp_path: Path, ref: Reference) -> None:
    rows = read_rows("permit_facts.csv")
    line, _ = find(rows, key="statutory_review_working_days")
    set_cell(rows, line, "value", "60")
    write_rows(tmp_path, "permit_facts.csv", rows)

    custom = load_reference(tmp_path)
    assert custom.permit_fact_float("statutory_review_working_days") == 60
    assert custom.folder == str(tmp_path.resolve())
    assert Path(custom.files["permit_facts"]).parent == tmp_path.resolve()
    assert Path(custom.files["elements"]).parent == default_reference_dir()
    pd.testing.assert_frame_equal(custom.archetypes, ref.archetypes)
    assert custom.version == f"{ref.version}+custom"

    (tmp_path / "VERSION").write_text("2027.01.15-1\n", encoding="utf-8")
    assert load_reference(tmp_path).version == "2027.01.15-1"


def test_user_file_is_checked_against_the_built_in_files(tmp_path: Path) -> None:
    rows = read_rows("materials.csv")
    line, _ = find(rows, material_id="ferrite")
    del rows[line - 1]
    write_rows(tmp_path, "materials.csv", rows)
    problems = validate_reference(tmp_path)
    files = {Path(p.location.file).name for p in problems}
    assert {"archetypes.csv", "material_fractions.csv"} <= files
    assert all("ferrite" in p.message for p in problems)


def test_changed_user_file_is_reloaded(tmp_path: Path) -> None:
    rows = read_rows("permit_facts.csv")
    line, _ = find(rows, key="individual_licence_days")
    path = write_rows(tmp_path, "permit_facts.csv", rows)
    first = load_reference(tmp_path)
    assert load_reference(tmp_path) is first  # cached

    set_cell(rows, line, "value", "180")
    write_rows(tmp_path, "permit_facts.csv", rows)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_reference(tmp_path).permit_fact_float("individual_licence_days") == 180


def test_default_load_is_cached() -> None:
    assert load_reference() is load_reference()
    assert load_reference(default_reference_dir()) is load_reference()


def test_missing_or_empty_user_folder(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="does not exist"):
        load_reference(tmp_path / "nope")
    with pytest.raises(ReferenceDataError, match="none of the reference files"):
        load_reference(tmp_path)
    assert len(validate_reference(tmp_path)) == 1


def test_docs_describe_every_file_and_column() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "reference-data.md").read_text(
        encoding="utf-8"
    )
    for spec in REFERENCE_FILES.values():
        assert f"### {spec.filename}" in doc, spec.filename
        for name in spec.column_names:
            assert f"`{name}`" in doc, (spec.filename, name)


def test_the_bundled_sample_is_a_file_beside_the_reference_data() -> None:
    """The self-test and the app's warm-up analyse it; both find it through this helper."""
    from riskapp.core.reference import BUNDLED_SAMPLE, bundled_sample

    with bundled_sample() as sample:
        assert sample.name == BUNDLED_SAMPLE and sample.is_file()
        assert sample.read_bytes()[:2] == b"PK"  # an xlsx (a zip)

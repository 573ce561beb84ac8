"""Tagging: what is in each line, how much, and from where."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from riskapp.core.model import empty_lines
from riskapp.core.reference import load_reference
from riskapp.core.tagging import Override, TagParams, tag_lines

REF = load_reference()


def bom(*rows: dict[str, object]) -> pd.DataFrame:
    base = empty_lines()
    recs = []
    for i, r in enumerate(rows, start=2):
        rec = {c: "" for c in base.columns if base[c].dtype == object}
        rec.update(
            {
                "sheet": "BOM",
                "row": i,
                "table": "BOM!A1",
                "description_column": "B",
                "quantity": 1.0,
                "extended_quantity": 1.0,
                "hidden": False,
                "has_children": False,
            }
        )
        rec.update(r)
        recs.append(rec)
    df = pd.DataFrame(recs)
    for c in base.columns:
        if c not in df:
            df[c] = base[c].iloc[:0].reindex(range(len(df)))
    return df[list(base.columns)]


def tag(*rows: dict[str, object], **params: object) -> pd.DataFrame:
    return tag_lines(bom(*rows), REF, TagParams(**params))  # type: ignore[arg-type]


def assert_tagged_as(text: str, archetype_or_class: str) -> None:
    """The line is tagged rare-earth bearing, with this archetype or class."""
    t = tag({"description": text})
    assert bool(t["rare_earth"].iloc[0]), t["evidence"].iloc[0]
    assert archetype_or_class in (t["archetype"].iloc[0], t["re_class"].iloc[0])


@pytest.mark.parametrize(
    ("text", "grade", "temp"),
    [
        ("N52 12x5x3mm", "N52", "N"),
        ("Rotor magnet N42SH 50x20x5", "N42SH", "SH"),
        ("Segment 45UH", "45UH", "UH"),
        ("Magnet 38H arc", "38H", "H"),
        ("N35H disc", "N35H", "H"),
    ],
)
def test_grade_parsing(text: str, grade: str, temp: str) -> None:
    t = tag({"description": text})
    assert t["grade"].iloc[0] == grade
    assert t["temp_class"].iloc[0] == temp
    assert t["rare_earth"].iloc[0]


@pytest.mark.parametrize(
    "text", ["Rim 28in double wall, 36H", "Front hub 36H, QR 100 mm", "NEMA17 bracket"]
)
def test_things_that_look_like_grades_are_not(text: str) -> None:
    assert not tag({"description": text})["rare_earth"].iloc[0]


def test_block_magnet_mass_and_ndpr() -> None:
    t = tag({"description": "N52 12x5x3mm"}).iloc[0]
    assert t["magnet_mass_g"] == pytest.approx(1.35, abs=0.01)
    assert t["g_Nd"] + t["g_Pr"] == pytest.approx(0.40, abs=0.02)
    assert t["confidence"] == "high"
    assert any("12 × 5 × 3 mm" in e for e in t["evidence"])


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("Neodymium disc magnet D6x3mm", math.pi / 4 * 36 * 3 / 1000 * 7.5),
        ("6x3mm Neodimium Magnet", math.pi / 4 * 36 * 3 / 1000 * 7.5),
        ("N50 1/2 x 1/8 x 1/16in", 12.7 * 3.175 * 1.5875 / 1000 * 7.5),
        ("NdFeB ring magnet 10x5x3 mm", math.pi / 4 * (100 - 25) * 3 / 1000 * 7.5),
    ],
)
def test_dimension_parsing(text: str, grams: float) -> None:
    assert tag({"description": text})["magnet_mass_g"].iloc[0] == pytest.approx(grams, rel=0.01)


def test_mass_column_and_archetype_scaling() -> None:
    t = tag(
        {"description": "Rotor magnet segment N42SH", "magnet_mass_g": 29.0},
        {"description": "NEMA 17 stepper motor 42x42x48mm"},
        {"description": "NEMA 23 stepper motor"},
        {"description": "BLDC outrunner 2207 1750KV"},
        {"description": "9225 90 KV brushless motor"},
    )
    m = t["magnet_mass_g"].tolist()
    assert m[0] == 29.0
    assert m[2] > m[1] > 0  # a bigger frame has a bigger magnet
    assert m[4] > m[3] > 0
    assert "stated" in t["magnet_mass_basis"].iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "0.4mm Enameled Magnet Wire",
        "Kupferlackdraht 0,5 mm",
        "Magnetic screwdriver set",
        "Non-magnetic stainless screw M3",
        "Magnet-free reluctance motor",
        "Planetary gearbox 10:1 NEMA17 (motor not included)",
        "Nema 17 20:1 EG precision planetary",
        "ODrive BLDC motor drivers",
        "TMC2209 Stepper Motor Driver",
        "ESC 4-in-1 45A",
        "10010 Stator",
        "Magnet bonding adhesive, 1K epoxy",
    ],
)
def test_traps_do_not_fire(text: str) -> None:
    t = tag({"description": text}).iloc[0]
    assert not t["rare_earth"], t["evidence"]


def test_ferrite_is_a_magnet_without_rare_earth() -> None:
    t = tag({"description": "8in woofer, ferrite magnet"}).iloc[0]
    assert not t["rare_earth"] and t["re_class"] == "ferrite"
    assert t["re_g_per_unit"] == 0


def test_smco_is_samarium() -> None:
    t = tag({"description": "Sm2Co17 disc magnet D10x5"}).iloc[0]
    assert t["rare_earth"] and t["re_class"] == "smco"
    assert t["g_Sm"] / t["magnet_mass_g"] == pytest.approx(0.25, abs=0.03)


def test_hobby_servo_is_a_suspect_not_a_rare_earth_line() -> None:
    t = tag({"description": "MG996R servo motors (4-pack)"}).iloc[0]
    assert not t["rare_earth"] and t["re_class"] == "suspect"
    assert t["confidence"] == "low" and t["needs_review"]


def test_high_temperature_grade_carries_dy_tb() -> None:
    t = tag({"description": "Magnet N42SH 10x10x5"}, {"description": "Magnet N42 10x10x5"})
    sh, n = t.iloc[0], t.iloc[1]
    assert sh["dy_tb_fraction"] > n["dy_tb_fraction"]
    assert (sh["g_Dy"] + sh["g_Tb"]) / sh["magnet_mass_g"] == pytest.approx(0.035, abs=0.001)
    # Dy+Tb replaces the same mass of Nd: total rare earth stays ~31 %
    assert sh["re_g_per_unit"] / sh["magnet_mass_g"] == pytest.approx(
        n["re_g_per_unit"] / n["magnet_mass_g"], abs=0.002
    )


def test_origin_resolution_order() -> None:
    base = {"description": "Rotor magnet N42SH 50x20x5 mm"}
    t = tag(
        dict(base),  # unknown: global shares
        dict(base, country_of_origin="Japan"),  # COO of a magnet part
        dict(base, manufacturer="JL MAG", country_of_origin="Japan"),  # producer wins
        dict(base, manufacturer="JL MAG", row=99),  # user override wins
        overrides=(Override("line", "BOM!99", "origin_magnet", "DE"),),
    )
    assert t["origin_magnet"].tolist() == ["", "JP", "CN", "DE"]
    assert t["cn_share_magnet"].iloc[0] == pytest.approx(0.92)
    assert t["cn_share_magnet"].iloc[1] == 0.0
    assert t["cn_share_magnet"].iloc[2] == 1.0
    assert "producers.csv" in t["origin_basis_magnet"].iloc[2]
    assert t["origin_basis_magnet"].iloc[3] == "set by the user"
    # unknown origin is never safer than a known non-China origin
    assert t["cn_share_separation"].iloc[0] >= t["cn_share_separation"].iloc[1]


def test_overrides_by_manufacturer_and_for_class_grade_mass() -> None:
    t = tag(
        {"description": "Custom motor", "manufacturer": "Acme"},
        {"description": "Custom motor", "manufacturer": "Other"},
        overrides=(
            Override("manufacturer", "acme", "re_class", "ndfeb_sintered"),
            Override("manufacturer", "acme", "magnet_mass_g", "50"),
            Override("manufacturer", "acme", "grade", "N45UH"),
        ),
    )
    assert t["rare_earth"].tolist() == [True, False]
    assert t["magnet_mass_g"].iloc[0] == 50
    assert t["temp_class"].iloc[0] == "UH"


def test_grams_per_year_use_extended_quantity_and_volume() -> None:
    t = tag({"description": "N52 12x5x3mm", "extended_quantity": 42.0}, build_volume=500).iloc[0]
    assert t["units_per_year"] == 42 * 500
    assert t["re_g_per_year"] == pytest.approx(t["re_g_per_unit"] * 21000)


def test_assembly_parent_is_not_counted_twice() -> None:
    t = tag(
        {
            "description": "Rotor assembly with NdFeB magnets N42SH",
            "row": 2,
            "has_children": True,
            "level": 1,
        },
        {"description": "Magnet segment N42SH 50x20x5", "row": 3, "parent_row": 2, "level": 2},
    )
    assert t["re_g_per_unit"].iloc[0] == 0 and t["re_g_per_unit"].iloc[1] > 0
    assert not t["rare_earth"].iloc[0] and t["rare_earth"].iloc[1]
    assert any("counted in the child lines" in e for e in t["evidence"].iloc[0])


def test_every_archetype_stays_inside_published_ranges() -> None:
    fr = REF.material_fractions
    tc = REF.temperature_classes.set_index("temp_class")
    for a in REF.archetypes.itertuples():
        t = tag(
            {"description": "part"},
            overrides=(Override("line", "BOM!2", "archetype", a.archetype_id),),
        ).iloc[0]
        if not t["rare_earth"]:
            continue
        mass = t["magnet_mass_g"]
        assert a.magnet_mass_g_min <= mass <= a.magnet_mass_g_max, a.archetype_id
        mat = fr[fr["material_id"] == t["material_id"]]
        for r in mat.itertuples():
            share = t[f"g_{r.element}"] / mass if f"g_{r.element}" in t else None
            if share is None or r.element in ("Dy", "Tb", "Nd"):
                continue
            assert r.fraction_min - 1e-9 <= share <= r.fraction_max + 1e-9, (
                a.archetype_id,
                r.element,
            )
        if t["temp_class"]:
            dytb = (t["g_Dy"] + t["g_Tb"]) / mass
            row = tc.loc[t["temp_class"]]
            assert row["dy_tb_min"] - 1e-9 <= dytb <= row["dy_tb_max"] + 1e-9, a.archetype_id


def test_empty_frame() -> None:
    t = tag_lines(empty_lines(), REF)
    assert "rare_earth" in t and len(t) == 0


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA])
def test_missing_texts_read_as_empty(missing: object) -> None:
    """A caller's frame may hold missing values where the importer writes '': a missing
    material must not take another line's material, a missing country must not crash."""
    rows = [
        {"description": "Bracket", "material": "N52SH", "country_of_origin": "Japan"},
        {"description": "Bracket", "material": missing, "country_of_origin": missing},
        {"description": "NdFeB magnet N42 20x10x5", "manufacturer": missing, "mpn": missing},
    ]
    out = tag(*rows)
    same = tag(
        rows[0],
        {"description": "Bracket", "material": "", "country_of_origin": ""},
        {"description": "NdFeB magnet N42 20x10x5", "manufacturer": "", "mpn": ""},
    )
    assert bool(out["rare_earth"].iloc[0]) and not bool(out["rare_earth"].iloc[1])
    assert out["grade"].iloc[1] == "" and out["origin_magnet"].iloc[1] == ""
    assert bool(out["rare_earth"].iloc[2]) and out["grade"].iloc[2] == "N42"
    for column in ("rare_earth", "grade", "re_g_per_unit", "origin_magnet", "confidence"):
        assert out[column].tolist() == same[column].tolist(), column


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("re_class", "ndfeb_sintered", True),
        ("re_class", "none", True),
        ("re_class", "ndfeb_sinterd", False),  # a typo would zero a magnet line
        ("archetype", "no_such_archetype", False),
        ("grade", "n42sh", True),
        ("grade", "strong", False),
        ("magnet_mass_g", "12.5", True),
        ("magnet_mass_g", "-3", False),
        ("magnet_mass_g", "a lot", False),
        ("criticality", "0.7", True),
        ("criticality", "7", False),
        ("single_source", "Yes", True),
        ("single_source", "maybe", False),
        ("origin_magnet", "Japan", True),
        ("origin_magnet", "CN", True),
        ("origin_magnet", "", True),  # empty: origin unknown
        ("origin_magnet", "Germny", False),
    ],
)
def test_override_values_are_checked(field: str, value: str, ok: bool) -> None:
    from riskapp.core.tagging import override_problem

    problem = override_problem(Override("line", "BOM!2", field, value), REF)
    assert (problem is None) == ok, problem
    if not ok:
        assert repr(value) in problem  # type: ignore[operator]


def test_a_known_archetype_is_accepted() -> None:
    from riskapp.core.tagging import override_problem

    archetype = str(REF.archetypes["archetype_id"].iloc[0])
    assert override_problem(Override("line", "2", "archetype", archetype), REF) is None


def test_overrides_that_match_no_line_are_found() -> None:
    from riskapp.core.tagging import overrides_matched

    lines = bom({"description": "NdFeB magnet N42 20x10x5", "manufacturer": "Arnold"})
    overrides = [
        Override("manufacturer", "arnold ", "grade", "N52"),
        Override("manufacturer", "Nobody", "grade", "N52"),
        Override("line", "BOM!2", "re_class", "none"),
        Override("line", "BOM!99", "re_class", "none"),
    ]
    assert overrides_matched(lines, overrides) == [True, False, True, False]


def test_tagging_leaves_out_override_values_it_cannot_use() -> None:
    """A hand-edited session can carry a value no dialog or override file lets through:
    a class with a typo must not turn a magnet line into 'not a rare earth'."""
    from riskapp.core.tagging import usable_overrides

    magnet = {"description": "NdFeB magnet N42 20x10x5", "manufacturer": "Arnold"}
    typo = Override("line", "BOM!2", "re_class", "ndfeb_sinterd")
    good = Override("manufacturer", "arnold", "grade", "N52")
    usable, ignored = usable_overrides([typo, good], REF)
    assert usable == (good,)
    assert len(ignored) == 1 and "override 1" in ignored[0] and "'ndfeb_sinterd'" in ignored[0]

    t = tag(magnet, overrides=(typo, good))
    assert bool(t["rare_earth"].iloc[0])
    assert t["re_class"].iloc[0] == "ndfeb_sintered"
    assert t["grade"].iloc[0] == "N52"  # the usable override still applies
    assert t.equals(tag(magnet, overrides=(good,)))


@pytest.mark.parametrize(
    ("text", "archetype_or_class"),
    [
        # Chinese, Japanese, Korean
        ("钕铁硼磁铁 N35 20x10x2", "ndfeb_sintered"),
        ("ネオジム磁石 φ10×5", "ndfeb_sintered"),
        ("钐钴磁铁 2:17", "smco"),
        ("轮毂电机 350W 36V 10寸", "ebike_hub_motor"),
        ("无刷电机 48V 500W", "bldc_outrunner"),
        ("ブラシレスDCモーター 24V 60W", "bldc_outrunner"),
        ("ステッピングモーター 42角", "hybrid_stepper"),
        ("步进电机 57", "hybrid_stepper"),
        ("リニアモーター", "linear_motor"),
        ("扬声器 8Ω 2W", "loudspeaker"),
        ("永磁同步电机 15kW", "industrial_servo_motor"),
        ("ACサーボモータ 400W", "industrial_servo_motor"),
        # German and English words buyers write
        ("Dauermagnet", "generic_magnet"),
        ("Permanentmagnet", "generic_magnet"),
        ("Polrad / Magnetring", "generic_magnet"),
        ("PM-Synchronmotor 4 kW", "industrial_servo_motor"),
        ("Synchronmotor mit Permanentmagneten 4 kW", "industrial_servo_motor"),
        ("EC-Motor 24V 100W", "bldc_outrunner"),
        ("Drohnenmotor", "bldc_outrunner"),
        ("Electric oil pump 12 V, 200 W, integrated controller", "bldc_outrunner"),
        ("Magnetic drive pump", "holding_magnet"),
        ("Absolute encoder, magnetic, multi-turn", "magnetic_encoder_kit"),
    ],
)
def test_words_in_more_languages_find_the_magnets(text: str, archetype_or_class: str) -> None:
    assert_tagged_as(text, archetype_or_class)


@pytest.mark.parametrize(
    "text",
    [
        "フェライトコア",  # a ferrite core, not a magnet
        "铁氧体磁环",  # ferrite ring (EMI)
        "漆包线 0.6mm",  # enamelled wire
        "EC-Lüfter 24V 120mm",  # a fan: 'possible', flagged for review, not counted
        "Generator speed encoder, incremental, magnetic tape + sensor head",  # ferrite tape
        "Magnetventil 24V DC",
    ],
)
def test_the_new_words_leave_these_alone(text: str) -> None:
    assert not bool(tag({"description": text})["rare_earth"].iloc[0])


@pytest.mark.parametrize(
    "text",
    [
        "Servo drive SINAMICS S210 1AC 230V",
        "Servoverstärker 400 W",
        "Frequenzumrichter 1,1 kW",
        "VFD 2.2 kW 400 V",
        "Variateur de vitesse ATV320",
    ],
)
def test_servo_drives_and_frequency_inverters_are_electronics(text: str) -> None:
    t = tag({"description": text})
    assert not bool(t["rare_earth"].iloc[0])
    assert not bool(t["needs_review"].iloc[0])


def test_a_servo_motor_with_its_drive_built_in_keeps_its_magnets() -> None:
    assert bool(
        tag({"description": "Servo motor 400W with integrated servo drive"})["rare_earth"].iloc[0]
    )


@pytest.mark.parametrize(
    ("text", "rare"),
    [
        ("BLDC-Motor: Stator, bewickelt", False),  # the stator of a BLDC motor: windings only
        ("Wound stator 12N14P for outrunner", False),
        ("Outrunner motor 2207 stator 22mm", True),  # a motor named by its stator size
        ("BLDC motor 24V", True),
    ],
)
def test_a_wound_stator_named_after_its_motor_has_no_magnets(text: str, rare: bool) -> None:
    assert bool(tag({"description": text})["rare_earth"].iloc[0]) is rare


@pytest.mark.parametrize(
    ("text", "archetype_or_class"),
    [
        # engineers' and distributors' abbreviations
        ("SPKR 8OHM 2W 28MM", "loudspeaker"),
        ("LDSPKR 8R 1W", "loudspeaker"),
        ("STPR MTR 42MM 1.8DEG", "hybrid_stepper"),
        ("SRV MTR 400W", "industrial_servo_motor"),
        ("SERVO MTR AC 750W W/ BRAKE", "industrial_servo_motor"),
        ("BL MOTOR 18V", "bldc_outrunner"),
        ("MAG NEO 10X5X2", "ndfeb_sintered"),
        ("RARE EARTH MAG DISC", "ndfeb_sintered"),
        ("ROTOR ASSY IPM 8P", "industrial_servo_motor"),
        ("IPMSM 100KW", "industrial_servo_motor"),
        ("DISK DRIVE SATA 4TB", "hard_disk_drive"),
        ("ENC MAG ABS 17BIT", "magnetic_encoder_kit"),
        ("MAG COUPLING 5NM", "holding_magnet"),
        ("1404 3800KV", "bldc_outrunner"),
        ("0802 19000KV", "bldc_outrunner"),
        ("MN5008 KV340", "bldc_outrunner"),
        # Polish and Czech
        ("Głośnik 4 Ω", "loudspeaker"),
        ("Reproduktor 8 Ω", "loudspeaker"),
        ("Bezkartáčový motor 24 V", "bldc_outrunner"),
        ("Enkoder magnetyczny", "magnetic_encoder_kit"),
        # an explicit permanent-magnet motor driving a fan is the motor, not a fan
        (
            "Motor síncrono de imanes permanentes IE5 3 kW (ventilador impulsión)",
            "industrial_servo_motor",
        ),
    ],
)
def test_abbreviations_and_more_languages_find_the_magnets(
    text: str, archetype_or_class: str
) -> None:
    assert_tagged_as(text, archetype_or_class)


@pytest.mark.parametrize(
    "text",
    [
        "MTR MOUNT NEMA17",
        "WIRE MAGNET 30AWG",
        "IC MAGNETIC ENCODER 12BIT 8SOIC",
        "Magnetic encoder IC angle sensor 14bit",
        "HDD carrier tray 3.5in",
        "SPKR GRILLE",
        "SPKR CABLE 2M",
        "MAG CERAMIC C8 BLOCK",
        "Sterownik silnika krokowego",
        "MAG welding wire",
        "CAP CER 10UF 25V X7R 1206",
    ],
)
def test_abbreviated_accessories_chips_and_ferrite_are_left_alone(text: str) -> None:
    assert not bool(tag({"description": text})["rare_earth"].iloc[0])


@pytest.mark.parametrize(
    ("text", "archetype", "series"),
    [
        ("AM8031-0D20-0000", "industrial_servo_motor", "Beckhoff AM8000"),
        ("MPL-B330P-MJ72AA", "industrial_servo_motor", "Allen-Bradley"),
        ("R88M-K40030T-S2 ACCURAX G5", "industrial_servo_motor", "Omron"),
        ("2232S024BX4 3692 24V", "bldc_outrunner", "FAULHABER"),
        ("EC 45 FLAT 50W 24V HALL SENSORS", "bldc_outrunner", "maxon"),
        ("PKP246D23A2 2-PHASE 1.8DEG", "hybrid_stepper", "Oriental Motor"),
        ("ST4000NM000A 4TB SATA 7200", "hard_disk_drive", "hard disk drive"),
        ("WD40EFZX RED PLUS 4TB", "hard_disk_drive", "hard disk drive"),
    ],
)
def test_a_part_number_series_names_its_product(text: str, archetype: str, series: str) -> None:
    t = tag({"description": text})
    assert bool(t["rare_earth"].iloc[0]), t["evidence"].iloc[0]
    assert t["archetype"].iloc[0] == archetype
    assert any(series in e and "part_series.csv line" in e for e in t["evidence"].iloc[0])


def test_a_part_number_series_is_read_from_the_mpn_column_too() -> None:
    t = tag({"description": "Servo", "mpn": "AKM52G-ANCNR-00"})
    assert t["archetype"].iloc[0] == "industrial_servo_motor"


@pytest.mark.parametrize(
    "text",
    [
        "SGM2019-3.3YN5G/TR LDO 3.3V",  # SG Micro, not Yaskawa SGM
        "CMP401GSZ comparator",  # ADI, not SEW CMP
        "BLE112-A-V1 Bluetooth module",  # Silicon Labs, not Oriental BLE
        "NEO-6M GPS module",  # u-blox, no neodymium
        "USB HUB 4 PORT 100W PD",
        "WD-40 spray 400ml",
        "FERRITE RING R38 N30 MATERIAL",  # EPCOS N30 is a ferrite material
        "SUPERCONDUCTING MAGNET MRI 1.5T",
        "HALL SENSOR A3144 FOR BLDC MOTOR",  # the sensor, sold for a motor
        "MAGNET, PERMANENT, CERAMIC 8, 1X1X0.25",
        "FORKLIFT AC TRACTION MOTOR 48V 5KW",
        "FRAMELESS GLASS DOOR 2000MM",
        "TL18 IRONLESS LINEAR MOTOR COIL UNIT",  # the magnets are on the track
        "SCREW, M3, HDD MOUNTING",  # ERP noun first: a screw
        "CABLE, HEADSET EXTENSION",
        "HDD MOUNTING KIT",
        "STATOR ASSY, FRAMELESS MOTOR",  # the stator of the motor
        "Receiver wire assy, 4-cond, L2",
        "ENCODER, ABS, MAGNETIC, OFF-AXIS, 20BIT, READHEAD ONLY",
    ],
)
def test_look_alike_numbers_and_words_are_left_alone(text: str) -> None:
    t = tag({"description": text})
    assert not bool(t["rare_earth"].iloc[0]), t["evidence"].iloc[0]


@pytest.mark.parametrize(
    ("text", "archetype_or_class"),
    [
        ("BLDC MOTOR 24V W/ HALL SENSORS", "bldc_outrunner"),  # the Hall sensors are the motor's
        ("VACODYM 745 TP 10X5X2 BLOCK", "ndfeb_sintered"),
        ("NEOREC 53B BLK 20X10X4", "ndfeb_sintered"),
        ("VACOMAX 225 HR RING 12/6X3", "smco"),
        ("SM-CO BONDED RING", "smco"),
        ("MQU-F COMPRESSION BONDED RING 10 POLE", "ndfeb_bonded"),
        ("DISC 20X5 BHMAX 50MGOE", "ndfeb_sintered"),
        ("HF108 NEO 1IN EXIT", "loudspeaker"),
        ("KBMS-17H01-A00 FRAMELESS", "industrial_servo_motor"),
        ("ROBOT JOINT MODULE FRAMELESS TORQUE MTR", "industrial_servo_motor"),
        ("U8 LITE KV100", "bldc_outrunner"),
        ("G020 FRONT HUB 250W 36V", "ebike_hub_motor"),
        ("M600 MID DRIVE 48V 500W", "ebike_hub_motor"),
        ("EPS MOTOR COLUMN ASSIST 12V", "industrial_servo_motor"),
        ("KSN140D58UFZ DC INVERTER ROTARY COMP", "industrial_servo_motor"),
        ("OIS ACTUATOR 10.5X10.5", "camera_vcm"),
        ("2600 RCVR HEARING AID", "headphone_driver"),
        ("DIAMETRIC MAG 6X2.5MM FOR AS5047", "loose_magnet"),
        ("IHSS57-36-20 INTEG EASY SERVO", "hybrid_stepper"),
        ("57HS22 2.2NM 4A", "hybrid_stepper"),
        ("CONNECTOR, MAGNETIC, 5 PIN POGO NDFEB", "ndfeb_sintered"),  # noun first, but a magnet
        ("MICRO DC MOTOR, 6MM, PRECIOUS METAL BRUSH", "coreless_dc_motor"),
        ("DVD-RW DRIVE, SLIM, SATA", "optical_or_tape_drive"),
        ("LTO-9 TAPE DRIVE, HH, SAS", "optical_or_tape_drive"),
        ("CAMERA MODULE 5MP, AUTOFOCUS (VCM)", "camera_vcm"),
        ("SERVO, AUTOPILOT, PITCH", "industrial_servo_motor"),
        ("MOTOR, PROPULSION, AXIAL FLUX", "industrial_servo_motor"),
        ("VIB MTR ERM 4MM CYL", "vibration_motor"),
        ("RECEIVER UNIT 80dB, RIC, L2 RIGHT", "headphone_driver"),
        ("RAB-32257-000 TRANSDUCER", "headphone_driver"),
        ("ST2400MM0129 DRIVE ASSY", "hard_disk_drive"),
        # Turkish, Portuguese, Swedish, Dutch, Vietnamese
        ("Fırçasız DC motor 24V", "bldc_outrunner"),
        ("Neodyum mıknatıs 10x5", "ndfeb_sintered"),
        ("Motor de passo NEMA 17", "hybrid_stepper"),
        ("Borstlös likströmsmotor", "bldc_outrunner"),
        ("Borstelloze motor 36V", "bldc_outrunner"),
        ("Động cơ không chổi than 48V", "bldc_outrunner"),
    ],
)
def test_trade_names_properties_and_product_words_find_the_magnets(
    text: str, archetype_or_class: str
) -> None:
    assert_tagged_as(text, archetype_or_class)


@pytest.mark.parametrize(
    ("text", "archetype_or_class"),
    [
        ("Синхронный двигатель с постоянными магнитами 5 кВт", "industrial_servo_motor"),
        ("Бесколлекторный двигатель 24 В", "bldc_outrunner"),
        ("Неодимовый магнит 10х5", "ndfeb_sintered"),
        ("Шаговый двигатель 1,8°", "hybrid_stepper"),
        ("Безщітковий двигун 36 В", "bldc_outrunner"),
    ],
)
def test_russian_and_ukrainian_words_find_the_magnets(text: str, archetype_or_class: str) -> None:
    assert_tagged_as(text, archetype_or_class)


def test_the_dimensions_of_a_russian_line_use_the_cyrillic_x() -> None:
    t = tag({"description": "Магнит неодимовый N42 10х5х2"})
    assert t["magnet_mass_g"].iloc[0] == pytest.approx(10 * 5 * 2 * 7.5e-3, rel=0.05)


@pytest.mark.parametrize(
    "text",
    [
        "Pin lithium / 72V 38Ah LFP",  # ampere-hours, not the grade 38AH
        "Ferriet magneet 10x5",
        "Kilit, elektromıknatıslı",
        "Электромагнит 24 В",
        "Магнит кольцевой ферритовый",
        "Феритовий магніт",
    ],
)
def test_batteries_and_ferrite_and_electromagnets_in_more_languages(text: str) -> None:
    assert not bool(tag({"description": text})["rare_earth"].iloc[0])


def test_sizes_no_magnet_has_are_the_products_and_the_typical_mass_is_used() -> None:
    t = tag({"description": "NdFeB magnet 300x600"})  # a 318 kg disc: no single magnet is
    assert t["magnet_mass_g"].iloc[0] == pytest.approx(1.0)
    assert "taken as the product's size" in t["magnet_mass_basis"].iloc[0]
    assert t["confidence"].iloc[0] == "medium"


def test_sizes_below_one_without_a_unit_are_inches() -> None:
    t = tag({"description": "MAG RARE EARTH 0.5X0.25"})
    assert t["magnet_mass_g"].iloc[0] == pytest.approx(6.03, rel=0.02)  # 12.7 x 6.35 mm disc


def test_a_fractional_inch_driver_size_is_read_whole() -> None:
    five_eighths = tag({"description": "ND16FA-6 5/8IN NEO DOME TWEETER"})
    one_inch = tag({"description": "NEO DOME TWEETER 1IN"})
    assert five_eighths["magnet_mass_g"].iloc[0] < one_inch["magnet_mass_g"].iloc[0]


def test_a_power_in_megawatts_scales_a_kilowatt_archetype_and_the_other_way_round() -> None:
    big = tag({"description": "POD PROPULSION PMSM 5MW"})
    small = tag({"description": "PMSM motor 5 kW"})
    assert big["magnet_mass_g"].iloc[0] > small["magnet_mass_g"].iloc[0]  # within the range
    assert "scaled from '5mw'" in big["magnet_mass_basis"].iloc[0]
    wind = tag({"description": "Direct drive PMSG wind generator 850 kW"})
    assert "850 kw" in wind["magnet_mass_basis"].iloc[0]


@pytest.mark.parametrize(
    ("text", "archetype"),
    [
        (
            "Spindle motor, built-in synchronous, NdFeB rotor sleeve, 15 kW",
            "industrial_servo_motor",
        ),
        ("Generator SmCo 2 kW", "industrial_servo_motor"),
        ("Rotor magnet for motor, NdFeB N42SH 50x20x5", "loose_magnet"),  # the magnet itself
    ],
)
def test_a_motor_that_names_its_magnet_material_is_a_pm_machine(text: str, archetype: str) -> None:
    t = tag({"description": text})
    assert t["archetype"].iloc[0] == archetype
    assert bool(t["rare_earth"].iloc[0])

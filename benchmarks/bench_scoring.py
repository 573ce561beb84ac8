"""Speed of scoring and advice on a synthetic tagged BOM (no import, no tagging).

    python benchmarks/bench_scoring.py [lines] [rare-earth share ...]
    python benchmarks/bench_scoring.py 100000 0.05 0.25 1.0

Builds a seeded tagged frame with the columns riskapp.core.tagging.tag_lines produces
(rare-earth lines: NdFeB of every temperature class, bonded NdFeB, SmCo; archetypes
that trigger every advice option; known, unknown and non-China origins; prices, stock
and criticality partly missing) and times score_bom (with evidence), advise and the
potential grade. Target: score_bom + advise well under 2 s for 100,000 lines.
"""

from __future__ import annotations

import sys
import time
from datetime import date

import numpy as np
import pandas as pd

from riskapp.core.advice import advise, best_options, potential
from riskapp.core.reference import Reference, load_reference
from riskapp.core.scoring import default_scenario, re_symbols, score_bom

STAGES = ("mining", "separation", "metal", "magnet")
TEMPS = np.array(["N", "M", "H", "SH", "UH", "EH", ""])
ARCHETYPES = np.array(
    [
        "hybrid_stepper",
        "loudspeaker",
        "ev_traction_motor",
        "loose_magnet",
        "industrial_servo_motor",
        "bldc_fan",
        "hard_disk_drive",
        "",
    ]
)


def synthetic_tagged(ref: Reference, n: int, re_share: float, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    symbols = re_symbols(ref)
    rare = rng.random(n) < re_share
    kind = rng.choice(["ndfeb_sintered", "ndfeb_bonded", "smco"], size=n, p=[0.8, 0.1, 0.1])
    temp = rng.choice(TEMPS, size=n)
    classes = ref.temperature_classes.set_index("temp_class")
    dy_tb = pd.Series(temp).map(classes["dy_tb_default"]).fillna(0.0).to_numpy()
    dy_tb = np.where(kind == "ndfeb_sintered", dy_tb, 0.0)
    mass = np.where(rare, rng.lognormal(2.0, 1.5, n), 0.0)
    frame = pd.DataFrame(
        {
            "sheet": "BOM",
            "row": np.arange(n) + 5,
            "description": np.where(rare, "Magnet part", "Other part"),
            "manufacturer": "",
            "supplier": "",
            "mpn": "",
            "quantity": rng.choice([1.0, 2.0, 4.0, 8.0], n),
            "extended_quantity": rng.choice([1.0, 2.0, 4.0, 8.0, np.nan], n),
            "unit_price": np.where(rng.random(n) < 0.8, rng.uniform(0.01, 250, n), np.nan),
            "ext_price": np.nan,
            "currency": "USD",
            "stock": np.where(rng.random(n) < 0.3, rng.uniform(0, 5000, n), np.nan),
            "category": "",
            "has_children": False,
            "re_class": np.where(rare, kind, "none"),
            "rare_earth": rare,
            "re_probability": np.where(rare, 0.9, 0.0),
            "archetype": np.where(rare, rng.choice(ARCHETYPES, n), ""),
            "material_id": np.where(rare, np.where(kind == "smco", "sm2co17", kind), ""),
            "grade": "",
            "temp_class": np.where(rare & (kind == "ndfeb_sintered"), temp, ""),
            "magnet_mass_g": mass,
            "dy_tb_fraction": np.where(rare, dy_tb, 0.0),
            "needs_review": False,
            "confidence": "medium",
            "criticality": np.where(rng.random(n) < 0.9, 0.5, 1.0),
            "single_source": rng.random(n) < 0.1,
        }
    )
    grams = {s: np.zeros(n) for s in symbols}
    ndfeb = rare & (kind != "smco")
    grams["Nd"] = np.where(ndfeb, 0.235 * mass, 0.0)
    grams["Pr"] = np.where(ndfeb, 0.06 * mass, 0.0)
    grams["Dy"] = np.where(ndfeb, 0.9 * dy_tb * mass, 0.0)
    grams["Tb"] = np.where(ndfeb, 0.1 * dy_tb * mass, 0.0)
    grams["Sm"] = np.where(rare & (kind == "smco"), 0.25 * mass, 0.0)
    for s in symbols:
        frame[f"g_{s}"] = grams[s]
    frame["re_g_per_unit"] = sum(grams.values())
    frame["units_per_year"] = frame["extended_quantity"].fillna(1.0) * 1000.0
    origin = rng.choice(["CN", "", "JP", "DE"], size=(n, 5), p=[0.4, 0.4, 0.1, 0.1])
    heavy = dy_tb > 0
    global_share = {"mining": 0.692, "separation": 0.92, "metal": 0.94, "magnet": 0.92}
    for k, stage in enumerate((*STAGES, "component")):
        frame[f"origin_{stage}"] = np.where(rare, origin[:, k], "")
        frame[f"origin_basis_{stage}"] = ""
        if stage in STAGES:
            unknown = np.where(
                heavy & (stage in ("separation", "metal")), 0.99, global_share[stage]
            )
            share = np.where(origin[:, k] == "CN", 1.0, np.where(origin[:, k] == "", unknown, 0.0))
            frame[f"cn_share_{stage}"] = np.where(rare, share, 0.0)
    frame["evidence"] = pd.Series([[] for _ in range(n)], dtype=object)
    return frame


def run(n: int, re_share: float, ref: Reference) -> dict[str, float]:
    tagged = synthetic_tagged(ref, n, re_share)
    scenario = default_scenario(ref).with_changes(evaluation_date=date(2026, 11, 29))
    score_bom(tagged.head(50), ref, scenario)  # warm caches (reference, options)
    clock = time.perf_counter
    cpu = time.process_time
    t0, c0 = clock(), cpu()
    scored = score_bom(tagged, ref, scenario)
    t1 = clock()
    advice = advise(scored, ref)
    t2, c2 = clock(), cpu()
    pot = potential(scored, ref, best_options(advice))
    t3 = clock()
    return {
        "re_lines": float(tagged["rare_earth"].sum()),
        "advice_rows": float(len(advice)),
        "score_bom_s": t1 - t0,
        "advise_s": t2 - t1,
        "score_plus_advise_s": t2 - t0,
        "score_plus_advise_cpu_s": c2 - c0,
        "potential_s": t3 - t2,
        "grade": float(ord(scored.rollup.grade_actual)),
        "grade_potential": float(ord(pot.grade_potential)),
    }


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 100_000
    shares = [float(x) for x in argv[2:]] or [0.05, 0.25, 1.0]
    ref = load_reference()
    print(f"{n:,} lines (wall-clock seconds; CPU seconds of this process in brackets)")
    for share in shares:
        r = run(n, share, ref)
        print(
            f"  rare-earth share {share:>5.0%}: {int(r['re_lines']):>7,} RE lines, "
            f"{int(r['advice_rows']):>7,} advice rows | score_bom {r['score_bom_s']:.2f} s, "
            f"advise {r['advise_s']:.2f} s, total {r['score_plus_advise_s']:.2f} s "
            f"(CPU {r['score_plus_advise_cpu_s']:.2f} s) | "
            f"potential grade {r['potential_s']:.2f} s "
            f"({chr(int(r['grade']))} -> {chr(int(r['grade_potential']))})"
        )


if __name__ == "__main__":
    main(sys.argv)

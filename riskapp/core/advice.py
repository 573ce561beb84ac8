"""Design and sourcing options that reduce a line's exposure, each re-scored.

The options are data (``resources/reference/advice_options.csv``, each with a source and a
status): grain-boundary-diffused grades, a lower temperature class, Dy-free hot-deformed or
Ce/La-substituted NdFeB, ferrite for low-energy uses, magnet-free motor topologies, iron
nitride, non-China magnet makers and separators, recycled magnets, and the SmCo "way out"
that is not one (samarium is controlled too). For every exposed line and every option
that applies to it, :func:`advise` applies the change to a copy of the tagged line,
scores it again with :func:`riskapp.core.scoring.score_lines` (same scenario, same BOM
spend) and reports the controlled grams removed, the score after and whether it helps.
:func:`apply_accepted` applies chosen options to the tagged lines, and :func:`potential`
gives the BOM grade reachable with them (Z2Data's "potential risk grade" idea).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.reference import Reference, load_reference, split_list
from riskapp.core.regimes import controlled_elements, regime_statuses
from riskapp.core.scoring import (
    BANDS,
    NOT_EXPOSED,
    ScoredBom,
    gc_paused,
    load_advice_options,
    option_applicability,
    re_symbols,
    score_bom,
    score_lines,
)

__all__ = [
    "ADVICE_COLUMNS",
    "Potential",
    "advise",
    "apply_accepted",
    "apply_option",
    "best_options",
    "potential",
]

ADVICE_COLUMNS: tuple[str, ...] = (
    "line_index",
    "description",
    "option_id",
    "title",
    "rank",
    "helps",
    "score_before",
    "score_after",
    "score_delta",
    "band_after",
    "permit_needed_after",
    "controlled_g_removed_per_year",
    "dy_tb_g_removed_per_year",
    "removed_by_element",
    "qualification_months",
    "available_from",
    "lead_time_months",
    "note",
    "cost_note",
    "performance_note",
    "producers",
    "applies_to",
    "source",
    "status",
)
_DAYS_PER_MONTH = 365.25 / 12
_SUFFIX = re.compile(r"(SH|UH|EH|AH|TH|H|M)$")


# --------------------------------------------------------------------------- changes


def _fractions(ref: Reference, material_id: str) -> dict[str, float]:
    rows = ref.material_fractions
    hit = rows[rows["material_id"] == material_id]
    return {str(e): float(f) for e, f in zip(hit["element"], hit["fraction_default"], strict=True)}


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Element-wise equal (NaN equals NaN), whatever the dtypes."""
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    try:
        return bool(pd.Series(a, dtype=object).equals(pd.Series(b, dtype=object)))
    except (TypeError, ValueError):
        return False


def _floats(column: pd.Series) -> np.ndarray:
    """A numeric column as floats, missing or text values as 0."""
    try:
        values = column.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(values, nan=0.0)


def _grams_now(frame: pd.DataFrame, symbols: list[str]) -> dict[str, np.ndarray]:
    """The g_<element> columns as floats (missing or text values as 0), read in one go."""
    try:
        block = frame[[f"g_{s}" for s in symbols]].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):  # a column with text in it: one at a time
        return {s: _floats(frame[f"g_{s}"]) for s in symbols}
    block = np.nan_to_num(block, nan=0.0)
    return {s: block[:, i] for i, s in enumerate(symbols)}


def _density(ref: Reference) -> dict[str, float]:
    m = ref.materials
    return {str(k): float(v) for k, v in zip(m["material_id"], m["density_g_cm3"], strict=True)}


def _set_grams(frame: pd.DataFrame, symbols: list[str], grams: Mapping[str, np.ndarray]) -> None:
    n = len(frame)
    zeros = np.zeros(n)
    values = {
        s: np.broadcast_to(np.asarray(grams.get(s, zeros), dtype=float), (n,)) for s in symbols
    }
    for s in symbols:
        frame[f"g_{s}"] = values[s]
    total = np.sum([values[s] for s in symbols], axis=0) if symbols else zeros
    frame["re_g_per_unit"] = total
    mass = frame["magnet_mass_g"].to_numpy(dtype=float, na_value=0.0)
    dytb = values.get("Dy", zeros) + values.get("Tb", zeros)
    frame["dy_tb_fraction"] = np.divide(dytb, mass, out=np.zeros(n), where=mass > 0)
    frame["rare_earth"] = total > 0


def apply_option(
    lines: pd.DataFrame, option: Mapping[Any, Any], ref: Reference, on: date | None = None
) -> pd.DataFrame:
    """A copy of ``lines`` with one advice option's change applied to every row.

    A sourcing change (``origin:<stages>``) moves a stage out of China only where
    producers.csv lists a non-China producer of that stage (or of ``recycling`` for a
    recycling option), operating on day ``on`` (default today), that lists all the rare
    earths of the line; other stages keep their share and say why in their basis column.
    """
    out = lines.copy(deep=False)
    if out.empty:
        return out
    symbols = re_symbols(ref)
    for s in symbols:
        if f"g_{s}" not in out.columns:
            out[f"g_{s}"] = 0.0
    if "magnet_mass_g" not in out.columns:
        out["magnet_mass_g"] = 0.0
    change = str(option["change"])
    kind, _, arg = change.partition(":")
    title = str(option.get("title", option.get("option_id", "")))
    mass = _floats(out["magnet_mass_g"])
    current = _grams_now(out, symbols)

    if kind == "remove_magnet":
        out["magnet_mass_g"] = 0.0
        _set_grams(out, symbols, {})
        out["re_class"] = "none"
        out["material_id"] = ""
        out["temp_class"] = ""
        out["grade"] = ""
    elif kind == "material":
        materials = ref.materials.set_index("material_id")
        density = _density(ref)
        fractions = _fractions(ref, arg)
        old = out.get("material_id", pd.Series("", index=out.index)).fillna("").astype(str)
        old_density = old.map(density).fillna(density.get(arg, 1.0)).to_numpy(dtype=float)
        new_mass = mass * density.get(arg, 1.0) / old_density  # same magnet volume
        out["magnet_mass_g"] = new_mass
        grams = {s: new_mass * fractions.get(s, 0.0) for s in symbols}
        _set_grams(out, symbols, grams)
        out["re_class"] = str(materials.at[arg, "re_class"]) if arg in materials.index else arg
        out["material_id"] = arg
        if not str(out["re_class"].iloc[0]).startswith("ndfeb"):
            out["temp_class"] = ""
            out["grade"] = ""
    elif kind == "fractions":
        grams = dict(current)
        for item in split_list(arg):
            element, _, value = item.partition("=")
            grams[element.strip()] = mass * float(value)
        _set_grams(out, symbols, grams)
    elif kind == "temp_class":
        classes = ref.temperature_classes.sort_values("max_temp_c")
        order = [str(c) for c in classes["temp_class"]]
        lower = {order[i]: order[i - 1] for i in range(1, len(order))}
        info = classes.set_index("temp_class")
        old_tc = out.get("temp_class", pd.Series("", index=out.index)).fillna("").astype(str)
        new_tc = old_tc.map(lower).fillna(old_tc)
        dytb = new_tc.map(info["dy_tb_default"]).fillna(0.0).to_numpy(dtype=float)
        tb = new_tc.map(info["tb_share_default"]).fillna(0.0).to_numpy(dtype=float)
        changed = (new_tc != old_tc).to_numpy()
        grams = dict(current)
        grams["Dy"] = np.where(changed, mass * dytb * (1 - tb), current.get("Dy", 0.0))
        grams["Tb"] = np.where(changed, mass * dytb * tb, current.get("Tb", 0.0))
        _set_grams(out, symbols, grams)
        out["temp_class"] = new_tc.to_numpy()
        if "grade" in out.columns:
            grade = out["grade"].fillna("").astype(str)
            suffix = new_tc.where(new_tc != "N", "")
            out["grade"] = [
                _SUFFIX.sub("", g) + sfx if g else g for g, sfx in zip(grade, suffix, strict=True)
            ]
    elif kind == "origin":
        day = on or date.today()
        producer_stage = str(option.get("producer_stage", "") or "")
        present = np.column_stack([current[s] > 0 for s in symbols])
        bits = (present.astype(np.int64) << np.arange(len(symbols), dtype=np.int64)).sum(axis=1)
        uniq, inverse = np.unique(bits, return_inverse=True)
        for stage in split_list(arg):
            check = "recycling" if producer_stage == "recycling" else stage
            feasible = np.array(
                [
                    bool(
                        _suppliers(
                            ref, check, {symbols[i] for i in range(len(symbols)) if c >> i & 1}, day
                        )
                    )
                    for c in uniq.tolist()
                ],
                dtype=bool,
            )[inverse]
            share_col = f"cn_share_{stage}"
            old_share = (
                pd.to_numeric(out[share_col], errors="coerce").fillna(1.0).to_numpy(dtype=float)
                if share_col in out.columns
                else np.ones(len(out))
            )
            out[share_col] = np.where(feasible, 0.0, old_share)
            if f"origin_{stage}" in out.columns:
                out[f"origin_{stage}"] = np.where(
                    feasible, "", out[f"origin_{stage}"].astype(object)
                )
            out[f"origin_basis_{stage}"] = np.where(
                feasible,
                f"advice: {title} (outside China)",
                f"advice: {title} - no non-China {check} producer in producers.csv lists these "
                "elements, so this stage keeps its share",
            )
    else:
        raise ValueError(f"unknown change '{change}'")
    return out


# --------------------------------------------------------------------------- advice


def _suppliers(ref: Reference, stage: str, elements: set[str], on: date) -> list[str]:
    return list(_suppliers_cached(ref, stage, frozenset(elements), on))


@functools.lru_cache(maxsize=1024)
def _suppliers_cached(
    ref: Reference, stage: str, elements: frozenset[str], on: date
) -> tuple[str, ...]:
    """Ids of the non-China producers of ``stage`` operating on ``on`` that list every
    rare earth in ``elements`` that any producer of the stage lists."""
    prod = ref.producers
    at_stage = prod[prod["stage"] == stage]
    vocab: set[str] = set()
    for listed in at_stage["elements"].tolist():
        vocab |= set(split_list(listed))
    need = elements & vocab
    on_ts = pd.Timestamp(on)
    out: list[str] = []
    for pid, country, status, when, listed in zip(
        at_stage["producer_id"],
        at_stage["country"],
        at_stage["status"],
        at_stage["status_date"],
        at_stage["elements"],
        strict=True,
    ):
        have = set(split_list(listed))
        operating = status in ("producing", "commissioning") and (pd.isna(when) or when <= on_ts)
        if country != "CN" and operating and have and need <= have:
            out.append(str(pid))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _producers_text(ref: Reference, stage: str, elements: str, on: date, limit: int = 10) -> str:
    """Non-China producers of a stage able to supply ``elements`` (status and capacity)."""
    if not stage:
        return ""
    prod = ref.producers
    rows = prod[(prod["stage"] == stage) & (prod["country"] != "CN")]
    need = set(split_list(elements.replace(",", ";")))
    parts: list[tuple[int, float, str]] = []
    for name, country, status, when, capacity, unit, listed in zip(
        rows["name"],
        rows["country"],
        rows["status"],
        rows["status_date"],
        rows["capacity_t_per_year"],
        rows["capacity_unit"],
        rows["elements"],
        strict=True,
    ):
        have = set(split_list(listed))
        if need and not need <= have:
            continue
        when_text = ""
        if pd.notna(when):
            day = pd.Timestamp(when).date()
            when_text = f" {'since' if day <= on else 'from'} {day.isoformat()}"
        cap = f", {capacity:,.0f} {unit}/yr" if pd.notna(capacity) else ""
        order = {"producing": 0, "commissioning": 1, "planned": 2}.get(str(status), 3)
        cap_value = float(capacity) if pd.notna(capacity) else 0.0
        parts.append((order, -cap_value, f"{name} ({country}, {status}{when_text}{cap})"))
    parts.sort()
    texts = [p[2] for p in parts]
    if not texts:
        return "no non-China producer in producers.csv lists these elements at this stage"
    more = f"; and {len(texts) - limit} more in producers.csv" if len(texts) > limit else ""
    return "; ".join(texts[:limit]) + more


def advise(scored: ScoredBom, ref: Reference, *, min_score: float = 0.0) -> pd.DataFrame:
    """One row per exposed line x applicable option, ranked per line (see ADVICE_COLUMNS).

    ``helps`` is True when the option lowers the line's score by at least the scenario's
    ``advice_min_improvement``; options that do not help (SmCo: samarium is controlled)
    stay in the table with a note saying why. Rank 1 is the best helping option.
    """
    with gc_paused():
        return _advise(scored, ref, min_score)


def _advise(scored: ScoredBom, ref: Reference, min_score: float) -> pd.DataFrame:
    scenario = scored.scenario
    on = scored.evaluation_date
    lines = scored.lines
    options = load_advice_options(ref.folder)
    score = pd.to_numeric(lines["score"], errors="coerce").fillna(0.0).to_numpy()
    rare = lines["rare_earth"].fillna(False).astype(bool).to_numpy()
    exposed = np.nonzero(rare & (score > min_score))[0]
    if len(exposed) == 0 or options.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ADVICE_COLUMNS})
    base = _inputs(lines).iloc[exposed]
    applies = option_applicability(options, base)
    statuses = regime_statuses(ref, on, scenario.regime_overrides, scenario.unknown_policy)
    licences = controlled_elements(ref, statuses)
    spend_total = float(pd.to_numeric(lines["spend_per_year"], errors="coerce").fillna(0.0).sum())
    spend_total -= _price_shock_delta(scored)

    parts: list[pd.DataFrame] = []
    option_rows = options.reset_index().to_dict("records")
    for j, option in enumerate(option_rows):
        rows = np.nonzero(applies[:, j])[0]
        if len(rows) == 0:
            continue
        changed = apply_option(base.iloc[rows], option, ref, on)
        changed["_pos"] = exposed[rows]
        changed["_option"] = j
        parts.append(changed)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ADVICE_COLUMNS})
    trial = pd.concat(parts, ignore_index=True)
    after = score_lines(
        trial, ref, scenario, statuses=statuses, spend_total=spend_total, with_evidence=False
    )
    pos = trial["_pos"].to_numpy()
    opt = trial["_option"].to_numpy()
    symbols = re_symbols(ref)
    controlled = list(
        dict.fromkeys(
            e
            for text in lines["controlled_elements"].iloc[exposed].unique().tolist()
            for e in str(text).split(",")
            if e in symbols
        )
    )
    units = pd.to_numeric(lines["units_per_year"], errors="coerce").fillna(0.0).to_numpy()[pos]
    removed: dict[str, np.ndarray] = {}
    for e in controlled:
        before_g = pd.to_numeric(lines[f"g_{e}"], errors="coerce").fillna(0.0).to_numpy()[pos]
        after_g = after[f"g_{e}"].to_numpy(dtype=float)
        removed[e] = (before_g - after_g) * units
    zeros = np.zeros(len(trial))
    removed_total = np.sum([*removed.values(), zeros], axis=0)
    dy_tb_removed = np.sum([*(removed[e] for e in ("Dy", "Tb") if e in removed), zeros], axis=0)
    score_before = score[pos]
    score_after = after["score"].to_numpy(dtype=float)
    threshold = scenario.param("advice_min_improvement")
    helps = (score_before - score_after) >= threshold

    months_wait = np.array(
        [
            max(0.0, (a - on).days / _DAYS_PER_MONTH) if isinstance(a, date) else 0.0
            for a in options["available_from"].tolist()
        ]
    )[opt]
    qual = options["qualification_months"].to_numpy(dtype=float)[opt]
    permit_after = after["permit_needed"].to_numpy(dtype=bool)
    ctrl_after = after["controlled_elements"].to_numpy(dtype=object)
    ctrl_before = lines["controlled_elements"].iloc[pos].to_numpy(dtype=object)

    # notes and producer lists: formatted once per distinct combination
    keys = pd.DataFrame(
        {
            "helps": helps,
            "permit": permit_after,
            "ctrl": ctrl_after,
            "before": ctrl_before,
            "option": opt,
        }
    )
    codes = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    notes = np.empty(len(first), dtype=object)
    producers = np.empty(len(first), dtype=object)
    for code, row in zip(codes[first], first, strict=True):
        option = option_rows[int(opt[row])]
        ctrl = str(ctrl_after[row])
        regime_ids = list(
            dict.fromkeys(rid for e in ctrl.split(",") if e for rid in licences.get(e, []))
        )
        if permit_after[row]:
            why = f"{ctrl} controlled ({', '.join(regime_ids)})" if ctrl else "value rule"
            note = f"Still needs a Chinese export licence: {why}."
        else:
            note = "No Chinese export licence needed after the change."
        if not helps[row]:
            note = "Does not help: " + note[0].lower() + note[1:]
        notes[code] = note
        producers[code] = _producers_text(
            ref, str(option["producer_stage"]), str(ctrl_before[row]), on
        )
    by_element = _removed_text(removed, controlled, len(trial))
    # rank per line: helping options first, then lowest score after, then shortest lead time
    lead = qual + months_wait
    order = np.lexsort((lead, score_after, ~helps, pos))
    pos_sorted = pos[order]
    starts = np.r_[0, np.nonzero(np.diff(pos_sorted))[0] + 1]
    counts = np.diff(np.r_[starts, len(pos_sorted)])
    rank = np.arange(len(order)) - np.repeat(starts, counts) + 1
    opt_sorted = opt[order]

    def categorical(texts: np.ndarray, take: np.ndarray) -> pd.Categorical:
        """Text repeated over many rows as a categorical (cheap for 100,000s of rows)."""
        categories, inverse = np.unique(texts.astype(str), return_inverse=True)
        flat = np.asarray(inverse, dtype=np.int64).reshape(-1)
        return pd.Categorical.from_codes(flat[take], pd.Index(categories.tolist()))

    def per_option(values: np.ndarray) -> pd.Categorical:
        return categorical(values, opt_sorted)

    def per_code(texts: np.ndarray) -> pd.Categorical:
        return categorical(texts, codes[order])

    description = (
        lines["description"].iloc[pos_sorted].fillna("").astype(str).to_numpy()
        if "description" in lines.columns
        else np.full(len(order), "", dtype=object)
    )
    result = pd.DataFrame(
        {
            "line_index": lines.index.to_numpy()[pos_sorted],
            "description": description,
            "option_id": per_option(options["option_id"].to_numpy(dtype=object)),
            "title": per_option(options["title"].to_numpy(dtype=object)),
            "rank": rank,
            "helps": helps[order],
            "score_before": score_before[order],
            "score_after": score_after[order],
            "score_delta": (score_after - score_before)[order],
            "band_after": pd.Categorical(
                after["band"].to_numpy(dtype=object)[order], categories=[*BANDS, NOT_EXPOSED]
            ),
            "permit_needed_after": permit_after[order],
            "controlled_g_removed_per_year": removed_total[order],
            "dy_tb_g_removed_per_year": dy_tb_removed[order],
            "removed_by_element": by_element[order],
            "qualification_months": qual[order],
            "available_from": options["available_from"].to_numpy(dtype=object)[opt_sorted],
            "lead_time_months": lead[order],
            "note": per_code(notes),
            "cost_note": per_option(options["cost_note"].to_numpy(dtype=object)),
            "performance_note": per_option(options["performance_note"].to_numpy(dtype=object)),
            "producers": per_code(producers),
            "applies_to": per_option(_applies_text(options)),
            "source": per_option(options["source"].to_numpy(dtype=object)),
            "status": per_option(options["status"].to_numpy(dtype=object)),
        }
    )
    return result[list(ADVICE_COLUMNS)]


_INPUT_COLUMNS = frozenset(
    {
        "description",
        "quantity",
        "extended_quantity",
        "unit_price",
        "ext_price",
        "stock",
        "re_class",
        "rare_earth",
        "archetype",
        "material_id",
        "grade",
        "temp_class",
        "magnet_mass_g",
        "re_g_per_unit",
        "dy_tb_fraction",
        "units_per_year",
        "criticality",
        "single_source",
    }
)
_INPUT_PREFIXES = ("g_", "cn_share_", "origin_")
_CHANGED_PREFIXES = ("g_", "cn_share_", "origin_")
_CHANGED_COLUMNS = frozenset(
    {
        "re_class",
        "rare_earth",
        "material_id",
        "grade",
        "temp_class",
        "magnet_mass_g",
        "re_g_per_unit",
        "dy_tb_fraction",
    }
)


def _inputs(lines: pd.DataFrame) -> pd.DataFrame:
    """Only the columns scoring and the changes read (re-scoring copies less)."""
    keep = [
        c
        for c in lines.columns
        if (c in _INPUT_COLUMNS or c.startswith(_INPUT_PREFIXES))
        and not c.startswith("origin_basis_")
    ]
    return lines[keep]


def _price_shock_delta(scored: ScoredBom) -> float:
    """Spend added by the scenario's price factors (so advice compares at base prices)."""
    scenario = scored.scenario
    if not scenario.price_factors:
        return 0.0
    lines = scored.lines
    rare = lines["rare_earth"].fillna(False).astype(bool).to_numpy()
    units = pd.to_numeric(lines["units_per_year"], errors="coerce").fillna(0.0).to_numpy()
    delta = np.zeros(len(lines))
    for symbol in scenario.price_factors:
        column = f"g_{symbol}"
        if column in lines.columns:
            grams = pd.to_numeric(lines[column], errors="coerce").fillna(0.0).to_numpy()
            per_g = scenario.price_usd_per_g(symbol) - scenario.price_usd_per_g(symbol, False)
            delta += grams * per_g
    return float((delta * units)[rare].sum())


def _removed_text(removed: Mapping[str, np.ndarray], elements: list[str], n: int) -> np.ndarray:
    """'Dy 42.5 kg, Tb 696.0 g per year' per row (negative = added), formatted once per
    distinct combination of the displayed values."""
    if not elements or n == 0:
        return np.full(n, "", dtype=object)
    keys = pd.DataFrame({e: _display_round(removed[e]) for e in elements})
    codes = keys.groupby(elements, sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    texts = np.empty(len(first), dtype=object)
    for code, row in zip(codes[first].tolist(), keys.to_numpy()[first].tolist(), strict=True):
        items = [_fmt_removed(e, g) for e, g in zip(elements, row, strict=True) if g != 0]
        texts[code] = ", ".join(items) + " per year" if items else ""
    return texts[codes]


def _display_round(grams: np.ndarray) -> np.ndarray:
    """Grams rounded as displayed: 0.1 g below a kilogram, 0.1 kg above."""
    return np.where(np.abs(grams) >= 1e3, np.round(grams, -2), np.round(grams, 1))


def _fmt_removed(element: str, grams: float) -> str:
    size = abs(grams)
    text = f"{element} {size / 1e3:,.1f} kg" if size >= 1e3 else f"{element} {size:,.1f} g"
    return text + " added" if grams < 0 else text


def _applies_text(options: pd.DataFrame) -> np.ndarray:
    out = []
    for rc, tc, ar in zip(
        options["re_classes"], options["temp_classes"], options["archetypes"], strict=True
    ):
        parts = [p for p in (rc, tc and f"classes {tc}", ar and f"parts {ar}") if p]
        out.append("; ".join(str(p) for p in parts).replace(";", ", ") or "any rare-earth line")
    return np.asarray(out, dtype=object)


def best_options(advice_rows: pd.DataFrame) -> pd.DataFrame:
    """The rank-1 option of every line where it helps (the default accepted set)."""
    if advice_rows.empty:
        return advice_rows
    mask = (advice_rows["rank"] == 1) & advice_rows["helps"].astype(bool)
    return advice_rows[mask]


def apply_accepted(
    tagged: pd.DataFrame,
    advice_rows: pd.DataFrame,
    ref: Reference | None = None,
    on: date | None = None,
) -> pd.DataFrame:
    """The tagged lines with the accepted options applied (``line_index`` + ``option_id``
    per row; several options for one line are applied in rank order). ``on`` is the
    evaluation date for sourcing options (default today)."""
    with gc_paused():
        return _apply_accepted(tagged, advice_rows, ref, on)


def _apply_accepted(
    tagged: pd.DataFrame, advice_rows: pd.DataFrame, ref: Reference | None, on: date | None
) -> pd.DataFrame:
    ref = ref if ref is not None else load_reference()
    out = tagged.copy(deep=False)
    if advice_rows.empty:
        return out
    options = load_advice_options(ref.folder).set_index("option_id")
    accepted = advice_rows.copy()
    if "rank" in accepted.columns:
        accepted = accepted.sort_values(["line_index", "rank"], kind="stable")
    accepted["_round"] = accepted.groupby("line_index").cumcount()
    unknown = set(accepted["option_id"]) - set(options.index)
    if unknown:
        raise ValueError(f"unknown advice option '{sorted(unknown)[0]}'")
    # work on the affected lines only, then write each changed column back once
    targets = pd.Index(pd.unique(accepted["line_index"]))
    positions = out.index.get_indexer(targets)
    if (positions < 0).any():
        raise ValueError("advice rows name lines that are not in the tagged frame")
    work = _inputs(out).iloc[positions].reset_index(drop=True)
    for column in ("grade", "origin_component"):
        if column in out.columns and column not in work.columns:
            work[column] = out[column].iloc[positions].to_numpy()
    slot = pd.Series(np.arange(len(targets)), index=targets)
    touched: set[str] = set()
    for _, batch in accepted.groupby("_round", sort=True):
        # within a round every line appears once, so the options do not interact: collect
        # their changes column by column and write each column into `work` once
        pending: dict[str, np.ndarray] = {}
        for option_id, rows in batch.groupby("option_id", sort=False):
            option = {"option_id": option_id, **options.loc[option_id].to_dict()}
            at = slot.loc[rows["line_index"].tolist()].to_numpy()
            changed = apply_option(work.iloc[at], option, ref, on)
            for column in changed.columns:
                if column not in _CHANGED_COLUMNS and not column.startswith(_CHANGED_PREFIXES):
                    continue
                new = changed[column].to_numpy()
                values = pending.get(column)
                if values is None:
                    if column in work.columns:
                        values = work[column].to_numpy(copy=True)
                    else:
                        values = np.full(len(work), np.nan, dtype=object)
                if values.dtype != object and new.dtype != values.dtype:
                    values = values.astype(object)
                values[at] = new
                pending[column] = values
        for column, values in pending.items():
            work[column] = values
            touched.add(column)
    # only the columns a change can touch, through numpy (a frame assigned through .loc
    # trips over nullable Int64 columns such as the import's `level`)
    for column in sorted(touched):
        new = work[column].to_numpy()
        if _set_texts(out, column, positions, new):
            continue
        if column in out.columns:
            values = out[column].to_numpy(copy=True)
            if values.dtype != object and new.dtype != values.dtype:
                values = values.astype(object)
            if _same(values[positions], new):
                continue
        else:
            values = np.full(len(out), np.nan, dtype=object)
        values[positions] = new
        out[column] = values
    return out


def _set_texts(out: pd.DataFrame, column: str, positions: np.ndarray, new: np.ndarray) -> bool:
    """Write Python strings into a text column at `positions` without turning the whole
    column into Python objects and back (what the general path costs: ~0.1 s per column at
    100,000 lines); the column ends up as the general path leaves it. False (nothing done)
    for anything else."""
    if column not in out.columns or not isinstance(out[column].dtype, pd.StringDtype):
        return False
    if pd.api.types.infer_dtype(new, skipna=True) != "string":  # texts, and NaN where none
        return False
    current = out[column].iloc[positions].to_numpy(dtype=object)
    if _same(current, new):
        return True
    updated = out[column].copy()
    updated.iloc[positions] = new
    out[column] = updated
    return True


@dataclass(frozen=True, eq=False)
class Potential:
    """The BOM grade with accepted advice (Z2Data-style actual vs potential grade)."""

    grade_actual: str
    grade_potential: str
    bom_score_actual: float
    bom_score_potential: float
    accepted: pd.DataFrame
    scored: ScoredBom


def potential(
    scored: ScoredBom,
    ref: Reference,
    accepted: pd.DataFrame | None = None,
    *,
    with_evidence: bool = False,
) -> Potential:
    """Apply ``accepted`` advice rows (default: the best helping option per line) and
    score the BOM again under the same scenario and BOM spend (without evidence sentences
    unless asked: the potential is a what-if, its lines are rarely read one by one)."""
    if accepted is None:
        accepted = best_options(advise(scored, ref))
    tagged = apply_accepted(scored.lines, accepted, ref, scored.evaluation_date)
    spend_total = float(
        pd.to_numeric(scored.lines["spend_per_year"], errors="coerce").fillna(0.0).sum()
    )
    spend_total -= _price_shock_delta(scored)
    after = score_bom(
        tagged, ref, scored.scenario, spend_total=spend_total, with_evidence=with_evidence
    )
    return Potential(
        grade_actual=scored.rollup.grade_actual,
        grade_potential=after.rollup.grade_actual,
        bom_score_actual=scored.rollup.bom_score,
        bom_score_potential=after.rollup.bom_score,
        accepted=accepted,
        scored=after,
    )

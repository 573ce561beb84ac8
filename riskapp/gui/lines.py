"""Turn an :class:`~riskapp.core.pipeline.Analysis` into what the lines table shows.

Runs in the worker thread with the analysis (pure numpy/pandas, no widgets): picks and
orders the columns a buyer reads (band, score, class, archetype, grams per element,
origin per stage, supplier, quantity ...), formats them once, marks the cells the user
overrode, and builds the arrays the facet filters use. Nothing here decides a number:
every value comes from the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from riskapp.gui.table_model import (
    BANDS,
    FacetData,
    PreparedLines,
    ordered_columns,
    prepare_lines,
)

if TYPE_CHECKING:
    import pandas as pd

    from riskapp.core.pipeline import Analysis
    from riskapp.core.tagging import Override

STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet", "component")
ORIGIN_COLUMNS: tuple[str, ...] = tuple(f"origin_{s}" for s in STAGES)
STAGE_LABELS: dict[str, str] = {
    "mining": "Mining",
    "separation": "Separation",
    "metal": "Metal / alloy",
    "magnet": "Magnet making",
    "component": "Component",
}

FIRST_COLUMNS: tuple[str, ...] = (
    "band",
    "score",
    "description",
    "quantity",
    "re_class",
    "archetype",
    "grade",
    "magnet_mass_g",
)
"""Shown first, in this order; the element grams follow, then :data:`AFTER_ELEMENTS`."""

AFTER_ELEMENTS: tuple[str, ...] = (
    "controlled_g_per_year",
    *ORIGIN_COLUMNS,
    "confidence",
    "needs_review",
    "manufacturer",
    "mpn",
    "supplier",
    "unit_price",
    "criticality",
    "single_source",
    "permit_needed",
    "controlled_elements",
    "likelihood",
    "impact",
    "f_china_share",
    "f_control",
    "f_permit_horizon",
    "f_concentration",
    "f_substitutability",
    "f_grams",
    "f_spend",
    "f_single_source",
    "f_criticality",
    "units_per_year",
    "spend_per_year",
)

HIDDEN_BY_DEFAULT: frozenset[str] = frozenset(
    {
        "likelihood",
        "impact",
        "f_china_share",
        "f_control",
        "f_permit_horizon",
        "f_concentration",
        "f_substitutability",
        "f_grams",
        "f_spend",
        "f_single_source",
        "f_criticality",
        "units_per_year",
        "spend_per_year",
        "controlled_elements",
        "single_source",
        "criticality",
        "description_column",
        "quantity_text",
        "hidden",
        "parent_row",
        "has_children",
        "level",
        "table",
    }
)
"""Columns the table starts with hidden (the header menu shows them)."""

LEFT_OUT: frozenset[str] = frozenset(
    {
        "evidence",
        "score_evidence",
        "re_probability",
        "material_id",
        "temp_class",
        "magnet_mass_basis",
        "re_g_per_unit",
        "re_g_per_year",
        "dy_tb_fraction",
        "controlled_g_per_unit",
        "dy_tb_g_per_year",
        "value_share",
        "spend_estimated",
        "cover_days",
        "tariff_us_on_cn_per_year",
        "tariff_cn_on_us_per_year",
        "permit_basis",
        "rare_earth",
        "mass_g",
    }
)
"""Analysis columns the table does not show (the detail panel and the report do)."""

LABELS: dict[str, str] = {
    "band": "Band",
    "score": "Score",
    "re_class": "Class",
    "archetype": "Part type",
    "grade": "Grade",
    "magnet_mass_g": "Magnet g",
    "controlled_g_per_year": "Controlled g/yr",
    "origin_mining": "Mined in",
    "origin_separation": "Separated in",
    "origin_metal": "Metal from",
    "origin_magnet": "Magnet from",
    "origin_component": "Part from",
    "confidence": "Confidence",
    "needs_review": "Review",
    "criticality": "Criticality",
    "single_source": "Single source",
    "permit_needed": "Permit",
    "controlled_elements": "Controlled",
    "likelihood": "Likelihood",
    "impact": "Impact",
    "f_china_share": "China share",
    "f_control": "Control",
    "f_permit_horizon": "Permit horizon",
    "f_concentration": "Concentration",
    "f_substitutability": "Substitutability",
    "f_grams": "Grams factor",
    "f_spend": "Spend factor",
    "f_single_source": "Single-source factor",
    "f_criticality": "Criticality factor",
    "units_per_year": "Units/yr",
    "spend_per_year": "Spend/yr",
}

TOOLTIPS: dict[str, str] = {
    "band": "Exposure band from the score: Critical, High, Medium, Low — or Not exposed.",
    "score": "Exposure score 0–100 = 100 × likelihood × impact (see the detail panel).",
    "re_class": "Magnet material class the line was tagged with (set it with Edit › Override).",
    "archetype": "Kind of part recognised from the text (motor, speaker, loose magnet …).",
    "grade": "Magnet grade found or set (N42SH …).",
    "magnet_mass_g": "Rare-earth magnet mass per unit, in grams.",
    "controlled_g_per_year": "Grams per year of elements under export control, at the build volume.",
    "origin_mining": "Country where the rare earths were mined ('' = unknown: global shares used).",
    "origin_separation": "Country of separation/refining ('' = unknown: global shares used).",
    "origin_metal": "Country of metal/alloy making ('' = unknown: global shares used).",
    "origin_magnet": "Country where the magnet was made ('' = unknown: global shares used).",
    "origin_component": "Country of origin of the part itself.",
    "confidence": "How sure the rare-earth answer is (high / medium / low).",
    "needs_review": "Low confidence or unknown origin: please confirm.",
    "criticality": "How critical the line is to the product, 0–1 (you can set it).",
    "permit_needed": "A Chinese export permit is needed for this line's material.",
    "likelihood": "Likelihood of disruption, 0–1.",
    "impact": "Impact of a disruption, 0–1.",
}

CLASS_LABELS: dict[str, str] = {
    "ndfeb_sintered": "NdFeB sintered",
    "ndfeb_bonded": "NdFeB bonded",
    "ndfeb_hot_deformed": "NdFeB hot-deformed",
    "ndfeb_gbd": "NdFeB (GBD)",
    "smco": "SmCo",
    "ferrite": "Ferrite",
    "alnico": "AlNiCo",
    "suspect": "Suspect — review",
    "none": "",
}
"""Words for the class ids of riskapp.core.tagging (an unknown id shows as itself)."""

OVERRIDE_FIELDS: tuple[str, ...] = (
    "origin_mining",
    "origin_separation",
    "origin_metal",
    "origin_magnet",
    "origin_component",
    "re_class",
    "archetype",
    "grade",
    "magnet_mass_g",
    "criticality",
    "single_source",
)
"""Fields a user can override (riskapp.core.tagging.OVERRIDE_FIELDS), in menu order."""

FIELD_LABELS: dict[str, str] = {
    "origin_mining": "Origin — mining",
    "origin_separation": "Origin — separation / refining",
    "origin_metal": "Origin — metal / alloy",
    "origin_magnet": "Origin — magnet making",
    "origin_component": "Origin — component",
    "re_class": "Magnet class",
    "archetype": "Part type",
    "grade": "Magnet grade",
    "magnet_mass_g": "Magnet mass (g per unit)",
    "criticality": "Criticality (0–1)",
    "single_source": "Single source (yes/no)",
}


def element_columns(lines: pd.DataFrame) -> list[str]:
    """``g_<El>`` columns with any grams, heaviest total first."""
    import pandas as pd

    found = []
    for column in lines.columns:
        name = str(column)
        if name.startswith("g_"):
            values = pd.to_numeric(lines[name], errors="coerce").fillna(0.0).to_numpy(float)
            total = float(values.sum())
            if total > 0:
                found.append((total, name))
    return [name for _, name in sorted(found, key=lambda t: -t[0])]


def table_columns(lines: pd.DataFrame) -> list[str]:
    """The analysed columns the table shows, in order."""
    present = [str(c) for c in lines.columns]
    taken: set[str] = set()
    out: list[str] = []

    def add(name: str) -> None:
        if name in present and name not in taken:
            taken.add(name)
            out.append(name)

    for name in FIRST_COLUMNS:
        add(name)
    for name in element_columns(lines):
        add(name)
    for name in AFTER_ELEMENTS:
        add(name)
    for name in ordered_columns(present):
        if name in LEFT_OUT or name.startswith(("g_", "origin_basis_", "cn_share_", "f_")):
            continue
        add(name)
    return out


def override_marks(lines: pd.DataFrame, overrides: Sequence[Override]) -> dict[str, np.ndarray]:
    """Per overridden field, which lines carry a user value (bool per line)."""
    if not overrides or lines.empty:
        return {}
    # The matching rules (line keys, case-insensitive manufacturer ...) live in core.
    from riskapp.core.tagging import _override_frame

    frame = _override_frame(lines, tuple(overrides))
    return {name: series.notna().to_numpy(dtype=bool) for name, series in frame.items()}


def prepare_analysis(analysis: Analysis, overrides: Sequence[Override] = ()) -> PreparedLines:
    """Format an analysis for :class:`~riskapp.gui.table_model.LinesTableModel`."""
    import pandas as pd

    lines = analysis.scored.lines
    columns = table_columns(lines)
    # a selection, not a copy: the table's frame shares the lines' columns (pandas copies
    # a column only when it is written), so they also travel back from the worker once
    shown = lines[columns].copy(deep=False)
    names = dict(
        zip(
            analysis.reference.archetypes["archetype_id"].astype(str),
            analysis.reference.archetypes["name"].astype(str),
            strict=False,
        )
    )
    for column, words in (("archetype", names), ("re_class", CLASS_LABELS)):
        if column in shown.columns:
            ids = shown[column].astype(object).where(shown[column].notna(), "")
            shown[column] = ids.map(words).where(ids.isin(list(words)), ids).astype(object)

    prepared = prepare_lines(shown, columns)
    # How numbers read best (formatted when shown: table_model.format_number).
    formats = dict(prepared.formats)
    for name in columns:
        if name not in formats:
            continue
        if name == "score":
            formats[name] = "fixed1"
        elif name in ("likelihood", "impact", "criticality") or name.startswith("f_"):
            formats[name] = "fixed2"
        elif name.startswith("g_") or name in ("magnet_mass_g", "controlled_g_per_year"):
            formats[name] = "grams"
        elif name in ("spend_per_year", "units_per_year"):
            formats[name] = "thousands"

    n = len(lines)
    band = (
        lines["band"].astype(object).where(lines["band"].notna(), "").to_numpy(dtype=object)
        if "band" in lines.columns
        else np.full(n, "", dtype=object)
    )
    severity = {b: float(len(BANDS) - i) for i, b in enumerate(BANDS)}
    band_key = pd.Series(band, dtype=object).map(severity).to_numpy(dtype=float, na_value=np.nan)

    def text(column: str) -> np.ndarray:
        if column not in lines.columns:
            return np.full(n, "", dtype=object)
        return lines[column].astype(object).where(lines[column].notna(), "").to_numpy(dtype=object)

    def flag(column: str) -> np.ndarray:
        if column not in lines.columns:
            return np.zeros(n, dtype=bool)
        return lines[column].fillna(False).astype(bool).to_numpy()

    elements = {
        name.removeprefix("g_"): pd.to_numeric(lines[name], errors="coerce")
        .fillna(0.0)
        .to_numpy(float)
        > 0
        for name in element_columns(lines)
    }
    origins = (
        np.column_stack([text(c) for c in ORIGIN_COLUMNS])
        if n
        else np.zeros((0, len(ORIGIN_COLUMNS)), dtype=object)
    )
    re_class = text("re_class")
    rare_earth = flag("rare_earth")
    facets = FacetData(
        band=band,
        re_class=re_class,
        elements=elements,
        origins=origins,
        rare_earth=rare_earth,
        needs_review=flag("needs_review"),
        choices=facet_choices(band, re_class, elements, origins, rare_earth),
    )
    empty = [
        (not bool(np.isfinite(r).any())) if r is not None else (d is None or not any(d))
        for d, r in zip(prepared.display, prepared.raw, strict=True)
    ]
    labels = dict(LABELS)
    for name in columns:
        if name.startswith("g_"):
            labels[name] = f"{name.removeprefix('g_')} g"
    tooltips: dict[str, Any] = dict(TOOLTIPS)
    for name in columns:
        if name.startswith("g_"):
            tooltips[name] = f"Grams of {name.removeprefix('g_')} per unit of this line."
    return PreparedLines(
        frame=prepared.frame,
        columns=prepared.columns,
        display=prepared.display,
        raw=prepared.raw,
        hidden=prepared.hidden,
        haystack=prepared.haystack,
        band=band,
        marked=override_marks(lines, overrides),
        sort_keys={"band": band_key},
        facets=facets,
        labels=labels,
        tooltips=tooltips,
        empty=empty,
        formats=formats,
    )


def facet_choices(
    band: np.ndarray,
    re_class: np.ndarray,
    elements: dict[str, np.ndarray],
    origins: np.ndarray,
    rare_earth: np.ndarray,
) -> dict[str, list[tuple[str, str, int]]]:
    """What each facet menu offers: (value, label, number of lines), most lines first."""
    import pandas as pd

    from riskapp.gui.table_model import UNKNOWN_ORIGIN

    bands = pd.Series(band, dtype=object).value_counts()
    classes = pd.Series(re_class, dtype=object).value_counts()
    known = origins[origins != ""] if origins.size else np.array([], dtype=object)
    countries = pd.Series(known, dtype=object).value_counts()
    unknown = int((rare_earth & (origins == "").any(axis=1)).sum()) if origins.size else 0
    return {
        "bands": [(b, b, int(bands.get(b, 0))) for b in BANDS],
        "elements": [(el, el, int(hit.sum())) for el, hit in elements.items()],
        "classes": [
            (str(c), CLASS_LABELS.get(str(c), str(c)) or "No rare earth", int(n))
            for c, n in classes.items()
            if str(c)
        ],
        "origins": [(str(c), str(c), int(n)) for c, n in countries.items()]
        + [(UNKNOWN_ORIGIN, "Unknown (rare-earth lines)", unknown)],
    }

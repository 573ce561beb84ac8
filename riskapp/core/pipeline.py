"""The main job as one call: file -> import -> tag -> score -> advise.

The CLI and the GUI both call :func:`analyse` (and :func:`reanalyse` after an edit), so they
give identical numbers. Long work reports progress and honours cancellation through plain
callbacks; nothing here knows about Qt.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from riskapp import __version__
from riskapp.core.advice import Potential, advise, best_options, potential
from riskapp.core.errors import CancelledError, UsageError
from riskapp.core.importer import ImportOptions, import_bom
from riskapp.core.model import CancelCheck, ImportResult, ProgressCallback
from riskapp.core.reference import Reference, load_reference
from riskapp.core.scoring import Scenario, ScoredBom, score_bom
from riskapp.core.tagging import Override, TagParams, tag_lines
from riskapp.core.tagging import prepare as prepare_tagging


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything besides the file that decides the numbers."""

    import_options: ImportOptions = field(default_factory=ImportOptions)
    scenario: str = "baseline"  # preset name or path of a scenario TOML file
    build_volume: float | None = None  # finished units per year (None: the scenario's)
    evaluation_date: date | None = None  # None: the scenario's, else today
    overrides: tuple[Override, ...] = ()
    reference_dir: str | None = None
    accepted_advice: tuple[tuple[int, str], ...] | None = None  # (line index, option id)


@dataclass(frozen=True, eq=False)
class Analysis:
    """One BOM analysed under one scenario."""

    path: str
    options: AnalysisOptions
    imported: ImportResult
    reference: Reference
    scenario: Scenario
    tagged: pd.DataFrame
    scored: ScoredBom
    advice: pd.DataFrame
    potential: Potential
    seconds: dict[str, float]
    version: str = __version__

    @property
    def name(self) -> str:
        return Path(self.path).stem


def resolve_scenario(options: AnalysisOptions, ref: Reference) -> Scenario:
    """The scenario named in the options with the build volume and date applied."""
    from riskapp.core.scenarios import load_scenario

    changes: dict[str, Any] = {}
    if options.build_volume is not None:
        if options.build_volume <= 0:
            raise UsageError("the build volume must be a positive number of units per year.")
        changes["build_volume"] = float(options.build_volume)
    if options.evaluation_date is not None:
        changes["evaluation_date"] = options.evaluation_date
    scenario = load_scenario(options.scenario, ref=ref)
    return scenario.with_changes(**changes) if changes else scenario


def analyse(
    path: str | Path,
    options: AnalysisOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> Analysis:
    """Import, tag, score and advise one BOM file."""
    options = options or AnalysisOptions()
    progress = on_progress or (lambda f, m: None)
    cancelled = should_cancel or (lambda: False)
    t0 = time.perf_counter()
    ref = load_reference(options.reference_dir)
    scenario = resolve_scenario(options, ref)

    def import_progress(f: float, m: str) -> None:
        progress(0.6 * f, m)

    # the tagging rules are built while the file is read (the reader leaves a core idle)
    rules = threading.Thread(target=prepare_tagging, args=(ref,), daemon=True)
    rules.start()
    try:
        imported = import_bom(
            path, options.import_options, on_progress=import_progress, should_cancel=cancelled
        )
    finally:
        rules.join()
    seconds = {"import": time.perf_counter() - t0}
    return _analyse_imported(
        str(path), imported, ref, scenario, options, seconds, progress, cancelled
    )


def reanalyse(
    analysis: Analysis,
    options: AnalysisOptions,
    *,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> Analysis:
    """Tag, score and advise again after the user changed overrides, scenario or advice
    (the import is kept unless the import options changed)."""
    progress = on_progress or (lambda f, m: None)
    cancelled = should_cancel or (lambda: False)
    if options.import_options != analysis.options.import_options:
        return analyse(analysis.path, options, on_progress=on_progress, should_cancel=should_cancel)
    ref = load_reference(options.reference_dir)
    scenario = resolve_scenario(options, ref)
    return _analyse_imported(
        analysis.path,
        analysis.imported,
        ref,
        scenario,
        options,
        {"import": 0.0},
        progress,
        cancelled,
        previous=analysis,
    )


def _same_reference(a: Reference, b: Reference) -> bool:
    """The same reference data (the desktop app's analyses come back from a worker process
    as copies of the loaded set)."""
    return a is b or (bool(a.signature) and a.signature == b.signature)


def tag_params(scenario: Scenario, options: AnalysisOptions) -> TagParams:
    """What tagging reads besides the lines and the reference data."""
    return TagParams(
        build_volume=scenario.build_volume or TagParams().build_volume,
        evaluation_date=scenario.resolved_date(),
        overrides=options.overrides,
    )


def _analyse_imported(
    path: str,
    imported: ImportResult,
    ref: Reference,
    scenario: Scenario,
    options: AnalysisOptions,
    seconds: dict[str, float],
    progress: ProgressCallback,
    cancelled: CancelCheck,
    previous: Analysis | None = None,
) -> Analysis:
    if cancelled():
        raise CancelledError()
    progress(0.62, "Finding the rare earths")
    t = time.perf_counter()
    params = tag_params(scenario, options)
    if (
        previous is not None
        and previous.imported is imported
        and _same_reference(previous.reference, ref)
        and tag_params(previous.scenario, previous.options) == params
    ):
        # the same lines, reference data and tagging inputs (a scenario, tariff or advice
        # edit): the previous tags stand (scoring replaces any score columns they carry)
        tagged = previous.tagged
    else:
        tagged = tag_lines(imported.lines, ref, params)
    seconds["tag"] = time.perf_counter() - t
    if cancelled():
        raise CancelledError()
    progress(0.8, "Scoring")
    t = time.perf_counter()
    scored = score_bom(tagged, ref, scenario)
    seconds["score"] = time.perf_counter() - t
    if cancelled():
        raise CancelledError()
    progress(0.9, "Looking for ways to need less")
    t = time.perf_counter()
    advice = advise(scored, ref)
    accepted = _accepted_rows(advice, options.accepted_advice)
    pot = potential(scored, ref, best_options(advice) if accepted is None else accepted)
    seconds["advice"] = time.perf_counter() - t
    progress(1.0, f"Analysed {len(tagged):,} lines")
    return Analysis(path, options, imported, ref, scenario, tagged, scored, advice, pot, seconds)


def _accepted_rows(
    advice: pd.DataFrame, accepted: tuple[tuple[int, str], ...] | None
) -> pd.DataFrame | None:
    """None means 'the best helping option per line' (the default Potential grade)."""
    if accepted is None or advice.empty:
        return None
    keys = set(accepted)
    mask = [
        (int(li), str(oid)) in keys
        for li, oid in zip(advice["line_index"], advice["option_id"], strict=True)
    ]
    return advice[mask]


def with_scenario(options: AnalysisOptions, scenario: str) -> AnalysisOptions:
    return replace(options, scenario=scenario)

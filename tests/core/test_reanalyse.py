"""Re-analysing after an edit gives what analysing afresh with the edit gives.

A re-analysis keeps the import, and keeps the tags when nothing tagging reads changed (a
scenario, tariff or advice edit); an override or another build volume tags again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from riskapp.core import pipeline, tagging
from riskapp.core.pipeline import AnalysisOptions, analyse, reanalyse
from riskapp.core.tagging import Override

SAMPLE = Path(__file__).resolve().parents[2] / "sample_boms" / "robot_arm.xlsx"
DAY = pd.Timestamp("2026-11-30").date()


def _same(a: pipeline.Analysis, b: pipeline.Analysis) -> None:
    pd.testing.assert_frame_equal(a.scored.lines, b.scored.lines)
    pd.testing.assert_frame_equal(a.tagged, b.tagged)
    pd.testing.assert_frame_equal(a.advice, b.advice)
    pd.testing.assert_frame_equal(a.potential.scored.lines, b.potential.scored.lines)
    assert a.scored.rollup.bom_score == b.scored.rollup.bom_score
    assert a.scored.rollup.grade_actual == b.scored.rollup.grade_actual
    pd.testing.assert_frame_equal(
        a.scored.rollup.top_contributors, b.scored.rollup.top_contributors
    )
    assert a.potential.grade_potential == b.potential.grade_potential


@pytest.fixture(scope="module")
def first() -> pipeline.Analysis:
    return analyse(SAMPLE, AnalysisOptions(evaluation_date=DAY))


EDITS = {
    "scenario": {"scenario": "permits_denied_6m"},
    "build volume": {"build_volume": 25_000.0},
    "override": {"overrides": (Override("line", "BOM:5", "re_class", "ndfeb_sintered"),)},
    "evaluation date": {"evaluation_date": pd.Timestamp("2027-06-01").date()},
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_re_analysis_equals_a_fresh_one(
    first: pipeline.Analysis, edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = replace(first.options, **EDITS[edit])
    calls = _counting_tags(monkeypatch)
    again = reanalyse(first, options)
    fresh = analyse(SAMPLE, options)
    _same(again, fresh)
    # tagging reads the build volume, the overrides and the date (not the scenario's rest)
    assert len(calls) == (1 if edit == "scenario" else 2)


def test_tags_carried_by_a_scored_frame_give_theagain(first: pipeline.Analysis) -> None:
    """The desktop app keeps one frame (the scored lines) for tagged and scored."""
    shared = replace(first, tagged=first.scored.lines)
    options = replace(first.options, scenario="permits_denied_6m")
    again = reanalyse(shared, options)
    fresh = analyse(SAMPLE, options)
    pd.testing.assert_frame_equal(again.scored.lines, fresh.scored.lines)
    pd.testing.assert_frame_equal(again.advice, fresh.advice)
    assert again.potential.bom_score_potential == fresh.potential.bom_score_potential


def _counting_tags(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    tag_lines = tagging.tag_lines

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return tag_lines(*args, **kwargs)

    monkeypatch.setattr(pipeline, "tag_lines", counting)
    return calls


def test_tags_stand_for_a_copy_of_the_reference_data(
    first: pipeline.Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desktop app's analyses come back from a worker as copies (pickled)."""
    copy = replace(first, reference=replace(first.reference))
    assert copy.reference is not first.reference
    options = replace(first.options, scenario="permits_denied_6m")
    calls = _counting_tags(monkeypatch)
    again = reanalyse(copy, options)
    assert calls == []
    pd.testing.assert_frame_equal(again.scored.lines, analyse(SAMPLE, options).scored.lines)


def test_other_reference_data_tag_again(
    first: pipeline.Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = replace(first, reference=replace(first.reference, signature=("edited",)))
    calls = _counting_tags(monkeypatch)
    reanalyse(changed, replace(first.options, scenario="permits_denied_6m"))
    assert calls == [1]

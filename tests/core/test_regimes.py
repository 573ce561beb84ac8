"""Regime status by date: what a buyer sees on a given day, and what scoring treats as law."""

from __future__ import annotations

from datetime import date

import pytest

from riskapp.core.reference import Reference, load_reference
from riskapp.core.regimes import (
    RegimeOverrideError,
    controlled_elements,
    default_unknown_policy,
    dfars_in_force,
    element_conditions,
    regime_statuses,
    value_rule_in_force,
)

HEAVY_18 = {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"}
ANN_57 = {"Ho", "Er", "Tm", "Eu", "Yb"}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def test_before_april_2025_nothing_is_controlled(ref: Reference) -> None:
    statuses = regime_statuses(ref, date(2025, 3, 1))
    assert statuses["CN_MOFCOM_18"].status == "not_yet"
    assert "Dy" not in controlled_elements(ref, statuses)
    assert not value_rule_in_force(statuses)


def test_june_2025_announcement_18_only(ref: Reference) -> None:
    statuses = regime_statuses(ref, date(2025, 6, 1))
    controlled = controlled_elements(ref, statuses)
    assert set(controlled) == HEAVY_18
    assert controlled["Dy"] == ["CN_MOFCOM_18"]
    assert "Ho" not in controlled
    assert statuses["CN_MOFCOM_57"].status == "not_yet"
    assert statuses["CN_MOFCOM_57"].until == date(2025, 11, 8)


def test_inside_the_no_70_window_57_and_61_are_suspended(ref: Reference) -> None:
    statuses = regime_statuses(ref, date(2026, 3, 1))
    s57 = statuses["CN_MOFCOM_57"]
    assert s57.status == "suspended"
    assert not s57.treated_in_force
    assert s57.note == "suspended by MOFCOM/GAC Announcement No. 70 until 2026-11-10"
    assert s57.since == date(2025, 11, 7)
    assert "Ho" not in controlled_elements(ref, statuses)
    assert not value_rule_in_force(statuses)
    assert statuses["CN_MOFCOM_18"].status == "in_force"
    # the last day of the window is still suspended
    assert regime_statuses(ref, date(2026, 11, 10))["CN_MOFCOM_57"].status == "suspended"


def test_after_the_window_the_status_is_unknown_and_scored_pessimistically(
    ref: Reference,
) -> None:
    assert default_unknown_policy(ref) == "in_force"
    statuses = regime_statuses(ref, date(2026, 11, 29))
    s57 = statuses["CN_MOFCOM_57"]
    assert s57.status == "unknown_since"
    assert s57.since == date(2026, 11, 10)
    assert s57.note.startswith("status unknown since 2026-11-10 — confirm")
    assert "scored as in force" in s57.note
    assert s57.treated_in_force and s57.needs_confirmation
    controlled = controlled_elements(ref, statuses)
    assert set(controlled) == HEAVY_18 | ANN_57
    assert value_rule_in_force(statuses)


def test_optimistic_policy_for_unknown_status(ref: Reference) -> None:
    statuses = regime_statuses(ref, date(2026, 11, 29), unknown_policy="suspended")
    assert statuses["CN_MOFCOM_57"].status == "unknown_since"
    assert not statuses["CN_MOFCOM_57"].treated_in_force
    assert "scored as suspended" in statuses["CN_MOFCOM_57"].note
    assert set(controlled_elements(ref, statuses)) == HEAVY_18


def test_user_override_wins_over_dates(ref: Reference) -> None:
    statuses = regime_statuses(
        ref, date(2026, 3, 1), overrides={"CN_MOFCOM_57": "in_force", "CN_MOFCOM_18": "lapsed"}
    )
    assert statuses["CN_MOFCOM_57"].treated_in_force
    assert statuses["CN_MOFCOM_57"].overridden
    assert "set to in force by the scenario" in statuses["CN_MOFCOM_57"].note
    assert statuses["CN_MOFCOM_18"].status == "lapsed"
    assert set(controlled_elements(ref, statuses)) == ANN_57


def test_dfars_from_2027(ref: Reference) -> None:
    assert not dfars_in_force(regime_statuses(ref, date(2026, 12, 31)))
    assert dfars_in_force(regime_statuses(ref, date(2027, 1, 1)))


def test_bad_overrides_are_explained(ref: Reference) -> None:
    with pytest.raises(RegimeOverrideError, match="CN_MOFCOM_99"):
        regime_statuses(ref, date(2026, 1, 1), overrides={"CN_MOFCOM_99": "in_force"})
    with pytest.raises(RegimeOverrideError, match="must be one of"):
        regime_statuses(ref, date(2026, 1, 1), overrides={"CN_MOFCOM_18": "maybe"})
    with pytest.raises(RegimeOverrideError, match="policy"):
        regime_statuses(ref, date(2026, 1, 1), unknown_policy="guess")


def test_element_conditions_carry_their_reference_line(ref: Reference) -> None:
    rows = element_conditions(ref, regime_statuses(ref, date(2025, 6, 1)))
    smco = rows[(rows["element"] == "Sm") & (rows["condition"] == "smco_magnet")]
    assert len(smco) == 1
    line = int(smco["line"].iloc[0])
    assert ref.regime_elements.at[line, "condition"] == "smco_magnet"

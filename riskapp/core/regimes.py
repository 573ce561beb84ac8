"""Which control regimes are in force on a given day, from the dated reference data.

``regimes.csv`` holds each regime with the dates that matter (``announced``,
``effective_from``, ``suspended_from``, ``suspended_until``, ``ends_on``).
:func:`regime_statuses` turns them into one :class:`RegimeStatus` per regime for a
chosen day. Nothing about "today" is hard-coded: the caller passes the day.

A suspension window that has ended with no later decision recorded in the data (a later
``suspended_until`` or an ``ends_on``) is **not** guessed: the regime is
``unknown_since`` the end of the window, shown as "status unknown since … — confirm",
and scored under ``unknown_policy`` (default from permit fact
``lapsed_suspension_default``: the pessimistic ``in_force``). The user may override any
regime's status per regime id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from riskapp.core.errors import RiskappError
from riskapp.core.reference import Reference

__all__ = [
    "OVERRIDE_VALUES",
    "STATUS_VALUES",
    "UNKNOWN_POLICIES",
    "RegimeOverrideError",
    "RegimeStatus",
    "controlled_elements",
    "default_unknown_policy",
    "dfars_in_force",
    "element_conditions",
    "kind_in_force",
    "regime_statuses",
    "value_rule_in_force",
]

Status = Literal["in_force", "suspended", "not_yet", "lapsed", "unknown_since"]

STATUS_VALUES: tuple[str, ...] = ("in_force", "suspended", "not_yet", "lapsed", "unknown_since")
OVERRIDE_VALUES: tuple[str, ...] = ("in_force", "suspended", "lapsed")
UNKNOWN_POLICIES: tuple[str, ...] = ("in_force", "suspended", "lapsed")
UNKNOWN_POLICY_FACT = "lapsed_suspension_default"

ELEMENT_LICENCE = "element_licence"
VALUE_RULE = "value_rule"
PROCUREMENT_BAN = "procurement_ban"

_WORDS = {
    "in_force": "in force",
    "suspended": "suspended",
    "lapsed": "lapsed",
    "not_yet": "not yet in force",
}
# "suspended by MOFCOM/GAC Announcement No. 70 of 7 Nov 2025" -> "MOFCOM/GAC Announcement No. 70"
_SUSPENDED_BY = re.compile(r"suspended by ([^;,()]*?No\.\s*\d+)", re.IGNORECASE)


class RegimeOverrideError(RiskappError):
    """A scenario names a regime or a status the reference data does not know."""


@dataclass(frozen=True)
class RegimeStatus:
    """The status of one regime on one day, in words and as the flag scoring uses.

    ``since`` is the day the status began (None when unknown or not applicable);
    ``until`` the day it is next due to change according to the data (None if none).
    """

    regime_id: str
    name: str
    kind: str
    status: Status
    since: date | None
    note: str
    treated_in_force: bool
    until: date | None = None
    overridden: bool = False
    source: str = ""
    line: int = 0  # regimes.csv line

    @property
    def needs_confirmation(self) -> bool:
        """True when the data cannot tell the status (the user should confirm it)."""
        return self.status == "unknown_since" and not self.overridden


def default_unknown_policy(ref: Reference) -> str:
    """How a regime whose suspension ended with no later record is scored (data default)."""
    return ref.permit_fact(UNKNOWN_POLICY_FACT)


def _day(value: object) -> date | None:
    if not isinstance(value, date) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def _suspender(notes: str) -> str:
    match = _SUSPENDED_BY.search(notes or "")
    return match.group(1).strip() if match else ""


def _dated_status(
    *,
    on: date,
    announced: date | None,
    effective: date | None,
    sus_from: date | None,
    sus_until: date | None,
    ends_on: date | None,
    suspender: str,
    unknown_policy: str,
) -> tuple[Status, date | None, date | None, str, bool]:
    """(status, since, until, note, treated_in_force) from the dates alone."""
    start = effective or announced
    by = f" by {suspender}" if suspender else ""
    if ends_on is not None and on >= ends_on:
        return "lapsed", ends_on, None, f"lapsed on {ends_on.isoformat()}", False
    if start is not None and on < start:
        note = f"not yet in force (effective {start.isoformat()})"
        if sus_from is not None and sus_from <= on and (sus_until is None or on <= sus_until):
            until_text = f" until {sus_until.isoformat()}" if sus_until else ""
            note += f"; suspended{by}{until_text}"
        return "not_yet", None, start, note, False
    if sus_from is not None and on >= sus_from and (sus_until is None or on <= sus_until):
        until_text = f" until {sus_until.isoformat()}" if sus_until else " with no end date"
        return "suspended", sus_from, sus_until, f"suspended{by}{until_text}", False
    if sus_from is not None and sus_until is not None and on > sus_until:
        treated = unknown_policy == "in_force"
        scored = _WORDS.get(unknown_policy, unknown_policy)
        note = (
            f"status unknown since {sus_until.isoformat()} — confirm; "
            f"the suspension{by} ran until {sus_until.isoformat()} and no later decision is "
            f"recorded; scored as {scored}"
        )
        return "unknown_since", sus_until, None, note, treated
    until = ends_on
    if sus_from is not None and on < sus_from:
        until = sus_from
    since_text = f" since {start.isoformat()}" if start else ""
    note = f"in force{since_text}"
    if until is not None:
        note += f" (data: {'suspended' if until == sus_from else 'ends'} from {until.isoformat()})"
    return "in_force", start, until, note, True


def regime_statuses(
    ref: Reference,
    on: date,
    overrides: Mapping[str, str] | None = None,
    unknown_policy: str | None = None,
) -> dict[str, RegimeStatus]:
    """The status of every regime of ``ref.regimes`` on day ``on``, keyed by regime id.

    ``overrides`` maps a regime id to ``in_force``, ``suspended`` or ``lapsed`` and wins
    over the dates. ``unknown_policy`` (``in_force``/``suspended``/``lapsed``; default:
    permit fact ``lapsed_suspension_default``) decides how an ``unknown_since`` regime is
    scored. Raises :class:`RegimeOverrideError` for an unknown regime id or value.
    """
    policy = unknown_policy if unknown_policy is not None else default_unknown_policy(ref)
    if policy not in UNKNOWN_POLICIES:
        raise RegimeOverrideError(
            f"The policy for regimes of unknown status must be one of "
            f"{', '.join(UNKNOWN_POLICIES)}, not '{policy}'."
        )
    regimes = ref.regimes
    known = set(regimes["regime_id"])
    overrides = dict(overrides or {})
    for regime_id, value in overrides.items():
        if regime_id not in known:
            raise RegimeOverrideError(
                f"The scenario overrides regime '{regime_id}', which is not in the reference "
                f"data (known: {', '.join(sorted(known))})."
            )
        if value not in OVERRIDE_VALUES:
            raise RegimeOverrideError(
                f"The status '{value}' set for regime '{regime_id}' must be one of "
                f"{', '.join(OVERRIDE_VALUES)}."
            )

    out: dict[str, RegimeStatus] = {}
    columns: tuple[str, ...] = ("regime_id", "name", "kind", "announced", "effective_from")
    columns += ("suspended_from", "suspended_until", "ends_on", "notes", "source")
    rows = zip(regimes.index.tolist(), *(regimes[c].tolist() for c in columns), strict=True)
    for line, rid, name, kind, ann, eff, sfrom, suntil, ends, notes, source in rows:
        status, since, until, note, treated = _dated_status(
            on=on,
            announced=_day(ann),
            effective=_day(eff),
            sus_from=_day(sfrom),
            sus_until=_day(suntil),
            ends_on=_day(ends),
            suspender=_suspender(str(notes)),
            unknown_policy=policy,
        )
        overridden = False
        if rid in overrides:
            wanted = overrides[rid]
            overridden = True
            note = f"set to {_WORDS[wanted]} by the scenario (the data says: {note})"
            status = wanted  # type: ignore[assignment]
            treated = wanted == "in_force"
            since, until = None, None
        out[str(rid)] = RegimeStatus(
            regime_id=str(rid),
            name=str(name),
            kind=str(kind),
            status=status,
            since=since,
            note=note,
            treated_in_force=treated,
            until=until,
            overridden=overridden,
            source=str(source),
            line=int(line),
        )
    return out


def kind_in_force(statuses: Mapping[str, RegimeStatus], kind: str) -> list[str]:
    """Ids of the regimes of ``kind`` that are treated as in force."""
    return [s.regime_id for s in statuses.values() if s.kind == kind and s.treated_in_force]


def element_conditions(ref: Reference, statuses: Mapping[str, RegimeStatus]) -> pd.DataFrame:
    """Rows of ``regime_elements`` whose element-licence regime is treated in force.

    Columns: regime_id, element, forms, condition, source, line (regime_elements.csv line).
    """
    active = set(kind_in_force(statuses, ELEMENT_LICENCE))
    rows = ref.regime_elements
    hit = rows[rows["regime_id"].isin(active)]
    out = hit[["regime_id", "element", "forms", "condition", "source"]].copy()
    out["line"] = hit.index.to_numpy(dtype="int64")
    return out.reset_index(drop=True)


def controlled_elements(
    ref: Reference, statuses: Mapping[str, RegimeStatus]
) -> dict[str, list[str]]:
    """Element symbol -> ids of the element-licence regimes in force that control it.

    Any condition counts (the per-line conditions such as the practical Dy+Tb threshold
    are applied by scoring). Ids are in reference-data order, without repeats.
    """
    out: dict[str, list[str]] = {}
    rows = element_conditions(ref, statuses)
    for element, regime_id in zip(
        rows["element"].tolist(), rows["regime_id"].tolist(), strict=True
    ):
        ids = out.setdefault(str(element), [])
        if regime_id not in ids:
            ids.append(str(regime_id))
    return out


def value_rule_in_force(statuses: Mapping[str, RegimeStatus]) -> bool:
    """True when an extraterritorial value rule (Announcement No. 61) is treated in force."""
    return bool(kind_in_force(statuses, VALUE_RULE))


def dfars_in_force(statuses: Mapping[str, RegimeStatus]) -> bool:
    """True when a procurement ban (DFARS 252.225-7052 magnets) is treated in force."""
    return bool(kind_in_force(statuses, PROCUREMENT_BAN))

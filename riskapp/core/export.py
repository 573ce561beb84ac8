"""Plain exports of line frames for other systems (JSON records, CSV)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from riskapp.core.model import EXTRA_PREFIX


def _clean(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.floating, float)):
        f = float(v)
        if math.isnan(f) or math.isinf(f):
            return None
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def lines_to_records(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per line; unmapped source columns go under `extra`."""
    extras = [c for c in lines.columns if c.startswith(EXTRA_PREFIX)]
    base = [c for c in lines.columns if c not in extras]
    records = []
    cols = {c: lines[c].tolist() for c in lines.columns}
    for i in range(len(lines)):
        rec = {c: _clean(cols[c][i]) for c in base}
        if extras:
            rec["extra"] = {
                c[len(EXTRA_PREFIX) :]: cols[c][i] for c in extras if cols[c][i] not in ("", None)
            }
        records.append(rec)
    return records

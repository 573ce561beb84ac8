"""Multi-level BOMs: levels from a level column ('1', '2', '.1', '..2'), outline numbers in the
item column ('1.2.3') or indented descriptions -> parent links and extended quantities
(the product of quantities down the tree)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_RE_DOTTED_LEVEL = re.compile(r"^\s*(\.*)\s*(\d+)\s*$")
_RE_OUTLINE = re.compile(r"^\s*\d+(?:\.\d+)+\.?\s*$|^\s*\d+\s*$")


def parse_level(text: str) -> float:
    """'2' -> 2; '..2' -> 2; '...' -> 3; '' -> NaN."""
    t = str(text or "").strip()
    if not t:
        return np.nan
    m = _RE_DOTTED_LEVEL.match(t)
    if m:
        return float(m.group(2))
    if re.fullmatch(r"\.+", t):
        return float(len(t))
    try:
        v = float(t.replace(",", "."))
    except ValueError:
        return np.nan
    return v if v.is_integer() else np.nan


def _levels_for_table(group: pd.DataFrame) -> pd.Series | None:
    lv = group["level"].astype(str)
    if lv.str.strip().ne("").any():
        codes, uniq = pd.factorize(lv)  # a few distinct level texts
        parsed = np.array([parse_level(u) for u in uniq] + [np.nan], dtype="float64")
        levels = pd.Series(parsed[codes], index=group.index)
        if levels.notna().mean() >= 0.5 and levels.nunique() >= 2:
            return levels.ffill()
    items = group["item"].astype(str).str.strip()
    outline = items.str.fullmatch(_RE_OUTLINE)
    if (
        items.ne("").any()
        and outline.mean() >= 0.8
        and items.str.contains(".", regex=False).mean() >= 0.3
    ):
        return items.str.rstrip(".").str.count(r"\.").astype(float) + 1
    return None


def _parents_below(lv: np.ndarray) -> bool:
    """Levels that start deep and end on the top level, never more than one level deeper
    than the next line: assemblies written after their parts (Excel's grouping with summary
    rows below the detail)."""
    known = lv[~np.isnan(lv)]
    if len(known) < 3 or known[0] == known.min() or known[-1] != known.min():
        return False
    return bool((np.diff(known[::-1]) <= 1).all())


def _walk(levels: np.ndarray, qty: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extended quantity, the position of each line's parent (-1 for top-level lines) and
    which lines have children, for lines in file order with their levels.

    A line's parent is the nearest line above it with a lower level (what a stack of open
    parents gives); a line without a level is on the level of the line above. Vectorised:
    for every level, the last line seen on it, carried down the lines."""
    n = len(levels)
    lv = pd.Series(levels).ffill().fillna(1.0).to_numpy(dtype=float)
    parent = np.full(n, -1, dtype=np.int64)
    positions = np.arange(n)
    distinct = np.unique(lv)
    for v in distinct:
        # the last line above each line (not itself) whose level is v
        seen = np.where(lv == v, positions, -1)
        last_above = np.concatenate(([-1], np.maximum.accumulate(seen)[:-1]))
        deeper = lv > v
        parent = np.where(deeper, np.maximum(parent, last_above), parent)
    ext = np.asarray(qty, dtype=float).copy()
    for v in distinct:  # parents are on lower levels, so they are done first
        rows = np.nonzero((lv == v) & (parent >= 0))[0]
        ext[rows] = qty[rows] * ext[parent[rows]]
    has_child = np.zeros(n, dtype=bool)
    has_child[parent[parent >= 0]] = True
    return ext, parent, has_child


def link_levels(lines: pd.DataFrame) -> pd.DataFrame:
    """Fill `level`, `parent_row`, `has_children` and `extended_quantity` for every table."""
    lines = lines.copy(deep=False)  # the four columns are replaced, never written into
    level_out = pd.Series(np.nan, index=lines.index, dtype="float64")
    parent_out = pd.Series(np.nan, index=lines.index, dtype="float64")
    ext_out = lines["extended_quantity"].astype("float64").copy()
    children = pd.Series(False, index=lines.index)
    for _, group in lines.groupby("table", sort=False):
        levels = _levels_for_table(group)
        qty = group["quantity"].astype("float64")
        stated_ext = group["extended_quantity"].astype("float64")
        if levels is None:
            ext_out.loc[group.index] = stated_ext.where(stated_ext.notna(), qty)
            continue
        # normalise so the top level is 1
        base = levels.min()
        lv = (levels - base + 1).to_numpy()
        q = qty.fillna(1.0).to_numpy()
        rows = group["row"].to_numpy()
        idx = group.index.to_numpy()
        if _parents_below(lv):
            # Excel's 'summary rows below detail': each assembly follows its parts
            ext, pp, has_child = _walk(lv[::-1].copy(), q[::-1].copy())
            n = len(lv)
            ext, has_child = ext[::-1], has_child[::-1]
            pp = np.where(pp[::-1] >= 0, n - 1 - pp[::-1], -1)
        else:
            ext, pp, has_child = _walk(lv, q)
        parents = np.where(pp >= 0, rows[np.maximum(pp, 0)], np.nan)
        level_out.loc[idx] = lv
        parent_out.loc[idx] = parents
        children.loc[idx] = has_child
        computed = pd.Series(ext, index=idx).where(qty.notna().to_numpy(), np.nan)
        ext_out.loc[idx] = stated_ext.where(stated_ext.notna(), computed)
    lines["level"] = level_out.astype("Int64")
    lines["parent_row"] = parent_out.astype("Int64")
    lines["has_children"] = children.astype(bool)
    lines["extended_quantity"] = ext_out
    return lines

"""Multi-level BOMs: levels from a level column ('1', '2', '.1', '..2'), outline numbers in the
item column ('1.2.3') or indented descriptions -> parent links and extended quantities
(the product of quantities down the tree)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from riskapp.core.model import EXTRA_PREFIX, RE_PARENT_HEADER

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


_Tree = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Per line of a table: level (1 = top), position of its parent (-1: none), extended
quantity, and whether it has children."""


_KEY_COLUMNS = ("ipn", "mpn", "item", "name")
"""Where a line's own part number is, for a parent column to point at."""


def _linked_by_parent(group: pd.DataFrame) -> _Tree | None:
    """A flat parent/child list ('Parent | Component | Qty per'): each line names its parent's
    part number, and the parent is a line of the same table (or the product, named by no
    line). Levels, parent positions, extended quantities and which lines have children, or
    None when the table has no such column or a fifth of its lines do not point at a line."""
    parent_cols = [
        c
        for c in group.columns
        if str(c).startswith(EXTRA_PREFIX)
        and RE_PARENT_HEADER.match(str(c)[len(EXTRA_PREFIX) :].strip().lower())
    ]
    if not parent_cols or len(group) < 3:
        return None
    parents = group[parent_cols[0]].astype(str).str.strip().str.lower().to_numpy(dtype=object)
    best: np.ndarray | None = None
    for key_col in _KEY_COLUMNS:
        if key_col not in group.columns:
            continue
        keys = group[key_col].astype(str).str.strip().str.lower().to_numpy(dtype=object)
        at: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k and k not in ("nan", "none"):
                at.setdefault(k, i)
        pos = np.array([at.get(p, -1) if p else -1 for p in parents], dtype=np.int64)
        pos = np.where(pos == np.arange(len(pos)), -1, pos)
        if best is None or (pos >= 0).sum() > (best >= 0).sum():
            best = pos
    if best is None or (best >= 0).mean() < 0.2:
        return None
    n = len(best)
    depth = np.full(n, -1, dtype=np.int64)
    for i in range(n):  # walk up to a known depth; a loop is cut where it closes
        chain, j = [], i
        while j >= 0 and depth[j] < 0 and j not in chain:
            chain.append(j)
            j = int(best[j])
        d = depth[j] + 1 if j >= 0 and depth[j] >= 0 else 0
        for k in reversed(chain):
            depth[k] = d
            d += 1
    # a link that closes a loop is cut: its line stays at the top of the loop
    best = np.where((best >= 0) & (depth[np.maximum(best, 0)] < depth), best, -1)
    q = group["quantity"].astype("float64").fillna(1.0).to_numpy()
    ext = q.copy()
    for i in np.argsort(depth, kind="stable"):
        if best[i] >= 0:
            ext[i] = q[i] * ext[best[i]]
    has_child = np.zeros(n, dtype=bool)
    has_child[best[best >= 0]] = True
    return (depth + 1).astype(float), best, ext, has_child


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


def _tree_by_levels(group: pd.DataFrame, qty: pd.Series) -> _Tree | None:
    """The tree a table's levels (level column or outline item numbers) give, or None."""
    levels = _levels_for_table(group)
    if levels is None:
        return None
    lv = (levels - levels.min() + 1).to_numpy()  # the top level is 1
    q = qty.fillna(1.0).to_numpy()
    if _parents_below(lv):
        # Excel's 'summary rows below detail': each assembly follows its parts
        ext, pp, has_child = _walk(lv[::-1].copy(), q[::-1].copy())
        n = len(lv)
        return lv, np.where(pp[::-1] >= 0, n - 1 - pp[::-1], -1), ext[::-1], has_child[::-1]
    ext, pp, has_child = _walk(lv, q)
    return lv, pp, ext, has_child


def link_levels(lines: pd.DataFrame) -> pd.DataFrame:
    """Fill `level`, `parent_row`, `has_children` and `extended_quantity` for every table."""
    lines = lines.copy(deep=False)  # the four columns are replaced, never written into
    level_out = pd.Series(np.nan, index=lines.index, dtype="float64")
    parent_out = pd.Series(np.nan, index=lines.index, dtype="float64")
    ext_out = lines["extended_quantity"].astype("float64").copy()
    children = pd.Series(False, index=lines.index)
    for _, group in lines.groupby("table", sort=False):
        qty = group["quantity"].astype("float64")
        stated_ext = group["extended_quantity"].astype("float64")
        tree = _tree_by_levels(group, qty) or _linked_by_parent(group)
        if tree is None:
            ext_out.loc[group.index] = stated_ext.where(stated_ext.notna(), qty)
            continue
        lv, pp, ext, has_child = tree
        rows = group["row"].to_numpy()
        idx = group.index.to_numpy()
        level_out.loc[idx] = lv
        parent_out.loc[idx] = np.where(pp >= 0, rows[np.maximum(pp, 0)], np.nan)
        children.loc[idx] = has_child
        computed = pd.Series(ext, index=idx).where(qty.notna().to_numpy(), np.nan)
        ext_out.loc[idx] = stated_ext.where(stated_ext.notna(), computed)
    lines["level"] = level_out.astype("Int64")
    lines["parent_row"] = parent_out.astype("Int64")
    lines["has_children"] = children.astype(bool)
    lines["extended_quantity"] = ext_out
    return lines

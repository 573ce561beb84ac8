"""The vectorised level walk gives what a stack of open parents gives, line by line."""

from __future__ import annotations

import random

import numpy as np

from riskapp.core.multilevel import _walk


def stack_walk(levels: list[float], qty: list[float]) -> tuple[list[float], list[int], list[bool]]:
    """The plain definition: a line's parent is the open line above it on a lower level; a
    line without a level is on the level of the line above."""
    stack: list[tuple[float, int, float]] = []
    ext, parent, has_child = [0.0] * len(levels), [-1] * len(levels), [False] * len(levels)
    for i, level in enumerate(levels):
        if level != level:
            level = stack[-1][0] if stack else 1.0
        while stack and stack[-1][0] >= level:
            stack.pop()
        if stack:
            _, p, p_ext = stack[-1]
            parent[i], has_child[p], ext[i] = p, True, qty[i] * p_ext
        else:
            ext[i] = qty[i]
        stack.append((level, i, ext[i]))
    return ext, parent, has_child


def test_vectorised_walk_matches_the_stack_walk() -> None:
    rng = random.Random(8)
    choices = [1.0, 2.0, 3.0, 4.0, 2.5, 0.0, 7.0, float("nan")]
    for _ in range(800):
        n = rng.randint(0, 30)
        levels = [rng.choice(choices) for _ in range(n)]
        qty = [rng.choice([1.0, 2.0, 0.5, 4.0]) for _ in range(n)]
        ext, parent, has_child = _walk(np.array(levels, dtype=float), np.array(qty))
        want_ext, want_parent, want_child = stack_walk(levels, qty)
        assert np.allclose(ext, want_ext), levels
        assert parent.tolist() == want_parent, levels
        assert has_child.tolist() == want_child, levels

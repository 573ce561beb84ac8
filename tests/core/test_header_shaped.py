"""layout._header_shaped counts spaces with Arrow where it can: it must say what
the patterns it replaces say (at most 6 spaces, no five digits as Python's \\d finds them)
on every kind of text, digits of other scripts and odd spaces included."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest

from riskapp.core.layout import _header_shaped

_PIECES = [*"abc 0123456789 xé-/#", "٣", "۱", "१", "๓", "１", "\u00a0", "\u3000", "\t", "\n", "  "]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", " " * 6, " " * 7, "1234", "12345", "1 2 3 4 5", "١٢٣٤٥", "Qty", "Part No."]
    while len(out) < n:
        out.append("".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30))))
    return out


@pytest.mark.parametrize(("n", "seed"), [(200, 1), (6000, 2), (6000, 3)])
def test_header_shaped_is_what_the_patterns_say(n: int, seed: int) -> None:
    texts = _texts(n, seed)
    expected = np.array(
        [t.count(" ") <= 6 and not re.search(r"(?:\d\D*){5}", t) for t in texts], dtype=bool
    )
    got = _header_shaped(pd.Series(texts, dtype="str"))
    assert got.tolist() == expected.tolist()

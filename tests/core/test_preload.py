"""Background preloading, and forks that wait for it (riskapp.core.preload)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from riskapp.core import guard, preload
from tests.conftest import SAMPLE_BOMS


@pytest.fixture(autouse=True)
def idle_afterwards() -> Iterator[None]:
    yield
    preload._idle.set()


def test_wait_returns_at_once_when_nothing_preloads() -> None:
    assert not preload.busy()
    started = time.perf_counter()
    assert preload.wait(5.0)
    assert time.perf_counter() - started < 0.5


def test_begin_holds_forks_until_the_load_is_done() -> None:
    preload.begin()
    assert preload.busy()
    assert not preload.wait(0.05)
    thread = preload.load(["json", "riskapp.core.fastre"])
    thread.join(10)
    assert preload.wait(1.0) and not preload.busy()


def test_a_failed_import_does_not_keep_forks_waiting() -> None:
    thread = preload.load(["riskapp.no_such_module"])
    thread.join(10)
    assert preload.wait(1.0)


@pytest.mark.skipif(not guard.guard_available(), reason="no reader child on this platform")
def test_the_guarded_read_waits_for_the_preload() -> None:
    preload.begin()
    result: list[object] = []
    reader = threading.Thread(
        target=lambda: result.append(guard.open_workbook_guarded(SAMPLE_BOMS / "robot_arm.xlsx"))
    )
    reader.start()
    time.sleep(0.3)
    assert reader.is_alive() and not result  # still waiting: no fork during an import
    preload.load([])
    reader.join(30)
    assert result and result[0].sheets  # type: ignore[attr-defined]

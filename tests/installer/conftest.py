"""Installer tests: when the slow ones run, and the numbers they report.

Tests marked ``installer`` build and install a real package (minutes, root). They run when
asked for — ``make installer-test`` sets RISKAPP_INSTALLER_TESTS=1, or ``pytest -m
installer`` — and are skipped, with that reason, in a plain ``make test``. Whatever they
measure (build time, sizes, start time, self-test output) is printed at the end of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPORT_KEY = pytest.StashKey[dict[str, str]]()


def installer_tests_requested(config: pytest.Config) -> bool:
    markexpr = str(config.getoption("markexpr", "") or "")
    return os.environ.get("RISKAPP_INSTALLER_TESTS") == "1" or (
        "installer" in markexpr and "not installer" not in markexpr
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if installer_tests_requested(config):
        return
    skip = pytest.mark.skip(
        reason="builds and installs the .deb (minutes, root): run `make installer-test`"
    )
    for item in items:
        if HERE in Path(item.path).parents and item.get_closest_marker("installer"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def installer_report(pytestconfig: pytest.Config) -> dict[str, str]:
    """Name -> text of what the installer tests measured, printed after the run."""
    return pytestconfig.stash.setdefault(REPORT_KEY, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report = terminalreporter.config.stash.get(REPORT_KEY, {})
    if not report:
        return
    terminalreporter.section("installer measurements")
    width = max(len(name) for name in report)
    for name, text in report.items():
        lines = text.rstrip().splitlines() or [""]
        terminalreporter.write_line(f"{name:<{width}}  {lines[0]}")
        for line in lines[1:]:
            terminalreporter.write_line(f"{'':<{width}}  {line}")

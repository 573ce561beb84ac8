"""Shared helpers for the robustness tests: a measured CLI run, the 200 MB CSV.

``run_cli`` starts ``python -m riskapp ...`` and reaps it with ``os.wait4``, so each run
reports its own wall time and peak memory (``ru_maxrss`` of the CLI process and of the
reader child it waited for; a forked child's pages are shared, so the peak of the largest
process - not a sum - is the honest figure).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.conftest import ROOT
from tests.robustness import hostile

CLI_TIMEOUT = 20.0
"""Seconds a CLI run may take. The bar is 10 s; this slow shared 2-core machine runs the
corpus three at a time, so 20 s (documented in docs/robustness.md) absorbs the contention."""
MEMORY_CAP_MB = 1024.0
"""Peak resident memory any one run may reach (the issue's 1 GB)."""

FUZZ_PROFILE = settings(
    database=None,  # no .hypothesis folder in the project
    deadline=None,  # every example forks a reader; the first ones also warm caches
    derandomize=True,  # the suite is reproducible; HYPOTHESIS_PROFILE=explore for new seeds
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
EXPLORE = os.environ.get("HYPOTHESIS_PROFILE", "") == "explore"


def fuzz_settings(max_examples: int) -> settings:
    """Settings for one fuzz test (applied per test, so other suites keep their own)."""
    if EXPLORE:
        return settings(FUZZ_PROFILE, derandomize=False, max_examples=2_000)
    return settings(FUZZ_PROFILE, max_examples=max_examples)


@dataclass(frozen=True)
class CliRun:
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_cli(
    args: Sequence[str],
    *,
    timeout: float = CLI_TIMEOUT,
    env: dict[str, str] | None = None,
    wrapper: Sequence[str] = (),
) -> CliRun:
    """Run ``python -m riskapp ARGS`` (behind ``wrapper``, e.g. setpriv) with a hard
    timeout; measure time and peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [*wrapper, sys.executable, "-m", "riskapp", *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                killed = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return CliRun(
            None if killed else proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


_RE_ONE_LINE = re.compile(r"^riskapp: (?P<file>[^\n:]+): (?P<sentence>[^\n]+)\n?$")


def assert_clean_outcome(run: CliRun, file: Path) -> None:
    """Exit 0 with JSON, or exit 2 with one line 'riskapp: <file>: <sentence>'."""
    assert not run.timed_out, f"{file.name}: no answer within {CLI_TIMEOUT:.0f} s"
    assert "Traceback" not in run.stderr and "panicked" not in run.stderr, run.stderr
    assert run.peak_mb < MEMORY_CAP_MB, f"{file.name}: {run.peak_mb:.0f} MB"
    assert run.returncode in (0, 2), (run.returncode, run.stderr[-2000:])
    if run.returncode == 0:
        assert run.stdout.lstrip().startswith("{"), run.stdout[:200]
        return
    m = _RE_ONE_LINE.match(run.stderr)
    assert m, f"not one clear line: {run.stderr!r}"
    assert m.group("file") == file.name
    assert m.group("sentence")[-1] in ".)", m.group("sentence")


@pytest.fixture(scope="session")
def csv_200mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200 MB CSV BOM (short rows: about 28 million cells), made once per run."""
    return hostile.big_csv(tmp_path_factory.mktemp("big") / "bom_200mb.csv", 200 * 1024 * 1024)


class CliZygote:
    """Runs CLI commands in forks of one warmed-up interpreter (see cli_zygote.py)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.robustness.cli_zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
            encoding="utf-8",
        )

    def run(self, args: Sequence[str], timeout: float = CLI_TIMEOUT) -> CliRun:
        return self.run_many([args], timeout)[0]

    def run_many(
        self, jobs: Sequence[Sequence[str]], timeout: float = CLI_TIMEOUT, workers: int = 1
    ) -> list[CliRun]:
        """Run the commands, `workers` at a time; results in the order of `jobs`."""
        import json

        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"jobs": [list(a) for a in jobs], "timeout": timeout, "workers": workers}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return [
            CliRun(a["returncode"], a["stdout"], a["stderr"], a["seconds"], a["peak_mb"])
            for a in json.loads(self.proc.stdout.readline())
        ]

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()

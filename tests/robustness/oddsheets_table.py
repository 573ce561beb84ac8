"""Print the oddsheets results table for docs/robustness.md.

    python -m tests.robustness.oddsheets_table [--real]   # --real: one fresh process per file

Each file runs through ``riskapp inspect FILE --json -`` one at a time (in forks of a
warmed-up interpreter, or with --real as fresh ``python -m riskapp`` processes) and the
table gives the outcome, wall seconds and peak resident memory of the run.
"""

from __future__ import annotations

import re
import sys

from tests.conftest import ODDSHEETS
from tests.robustness.conftest import CliRun, CliZygote, run_cli


def outcome(run: CliRun) -> str:
    if run.timed_out:
        return "TIMEOUT"
    if run.returncode == 0:
        return "result"
    if run.returncode == 2:
        text = run.stderr.strip()
        text = re.sub(r"^riskapp: [^:]+: ", "", text)
        return f"error: {text}"
    return f"exit {run.returncode}: {run.stderr.strip()[:200]}"


def short(text: str, n: int = 110) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def main(argv: list[str]) -> int:
    real = "--real" in argv
    files = sorted(p for p in ODDSHEETS.glob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    zygote = None if real else CliZygote()
    print("| file | outcome | s | peak MB |")
    print("|---|---|---:|---:|")
    try:
        for path in files:
            args = ["inspect", str(path), "--json", "-"]
            run = run_cli(args) if zygote is None else zygote.run(args)  # one at a time
            print(
                f"| {path.name} | {short(outcome(run))} | {run.seconds:.2f} | {run.peak_mb:.0f} |",
                flush=True,
            )
    finally:
        if zygote is not None:
            zygote.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

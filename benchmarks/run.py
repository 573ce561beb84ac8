"""Speed and memory benchmarks (`make bench`): riskapp's stages against the naive way a script
would do it and against the floor (the fastest raw read/write of the same cells), measured
side by side in the same run — these machines are noisy, so compare the ratios.

    python benchmarks/run.py                 # 10k and 100k lines (and 100k with 25k parts)
    python benchmarks/run.py --sizes 1000000 # 1M lines (peak memory of `riskapp score`)
    python benchmarks/run.py --naive-write   # also time DataFrame.to_excel (slow)

Results are printed as a table and written to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gen_bom import write_xlsx  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"


FLOOR_RUNS = 3  # the raw read floor: best of 3
ANALYSE_RUNS = 3  # pipeline.analyse as the app runs it: best of 3 (import + tag + score)


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def read_floor_calamine(path: Path) -> float:
    """python-calamine, the parser riskapp reads with: every cell as a Python value."""
    import python_calamine as pc

    t = time.perf_counter()
    wb = pc.CalamineWorkbook.from_path(str(path))
    wb.get_sheet_by_index(0).to_python()
    return time.perf_counter() - t


def read_floor_fastexcel(path: Path) -> float | None:
    """fastexcel (the `bench` extra), if installed: the sheet as Arrow columns, each column of
    one type (cells of another type are converted to it). None when not installed."""
    try:
        import fastexcel  # type: ignore[import-not-found]
    except ImportError:
        return None
    t = time.perf_counter()
    fastexcel.read_excel(str(path)).load_sheet(0, header_row=None).to_arrow()
    return time.perf_counter() - t


def read_floors(path: Path) -> dict[str, Any]:
    """Both raw reads, best of FLOOR_RUNS each; the floor is the faster of the two."""
    res: dict[str, Any] = {}
    res["read_floor_calamine_runs_s"] = [read_floor_calamine(path) for _ in range(FLOOR_RUNS)]
    res["read_floor_calamine_s"] = min(res["read_floor_calamine_runs_s"])
    fastexcel_runs = [read_floor_fastexcel(path) for _ in range(FLOOR_RUNS)]
    if None not in fastexcel_runs:
        res["read_floor_fastexcel_runs_s"] = fastexcel_runs
        res["read_floor_fastexcel_s"] = min(t for t in fastexcel_runs if t is not None)
    res["read_floor_s"] = min(
        res["read_floor_calamine_s"], res.get("read_floor_fastexcel_s", float("inf"))
    )
    return res


def read_naive(path: Path) -> float:
    import pandas as pd

    t = time.perf_counter()
    pd.read_excel(path, engine="openpyxl", header=3)
    return time.perf_counter() - t


def write_floor(records: list[list[Any]], headers: list[str], target: Path) -> float:
    import xlsxwriter

    t = time.perf_counter()
    wb = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    ws = wb.add_worksheet("Lines")
    ws.write_row(0, 0, headers)
    for i, rec in enumerate(records, start=1):
        ws.write_row(i, 0, rec)
    wb.close()
    return time.perf_counter() - t


def write_naive(records: list[list[Any]], headers: list[str], target: Path) -> float:
    import pandas as pd

    frame = pd.DataFrame(records, columns=headers)
    t = time.perf_counter()
    frame.to_excel(target, index=False, engine="openpyxl")
    return time.perf_counter() - t


def stage_run(path: Path, out_dir: Path, naive_write: bool) -> dict[str, Any]:
    """Everything for one BOM size, in this process."""
    from riskapp.core.advice import advise
    from riskapp.core.importer import import_bom
    from riskapp.core.pipeline import AnalysisOptions, analyse
    from riskapp.core.reference import load_reference
    from riskapp.core.report import _records, line_columns, write_report
    from riskapp.core.scenarios import load_scenario
    from riskapp.core.scoring import score_bom
    from riskapp.core.tagging import TagParams, element_symbols, tag_lines

    res: dict[str, Any] = {}
    # the floor at its best (the first read also warms the page cache and calamine)
    res.update(read_floors(path))
    ref = load_reference()
    scenario = load_scenario("baseline", ref=ref)
    res["import_s"], imported = timed(import_bom, path)
    res["tag_s"], tagged = timed(
        tag_lines, imported.lines, ref, TagParams(build_volume=scenario.build_volume or 1000.0)
    )
    res["score_s"], scored = timed(score_bom, tagged, ref, scenario)
    res["advice_s"], _ = timed(advise, scored, ref)
    # the stages as the app runs them (pipeline.analyse: the tagging rules are built in a
    # thread while the file is read), best of ANALYSE_RUNS like the floor
    runs = []
    for _ in range(ANALYSE_RUNS):
        seconds, analysis = timed(analyse, path, AnalysisOptions())
        runs.append((seconds, dict(analysis.seconds)))
    res["analyse_runs_s"] = [r[0] for r in runs]
    res["analyse_s"], res["pipeline_stages_s"] = min(
        runs, key=lambda r: r[1]["import"] + r[1]["tag"] + r[1]["score"]
    )
    target = out_dir / "report.xlsx"
    res["report_s"], _ = timed(write_report, [analysis], target)
    cols = line_columns(element_symbols(ref), analysis.scored.lines)
    records = _records(analysis.scored.lines, cols)
    headers = [c.header for c in cols]
    res["cells_written"] = len(records) * len(cols)
    res["write_floor_s"] = write_floor(records, headers, out_dir / "floor.xlsx")
    if naive_write:
        res["write_naive_s"] = write_naive(records, headers, out_dir / "naive.xlsx")
    res["lines"] = len(imported.lines)
    res["rare_earth_lines"] = int(tagged["rare_earth"].sum())
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


# the generated files are trusted: the safety limits are raised so 1M lines may be read
TRUSTED_LIMITS = (
    "--max-cells=100000000",
    "--max-file-mb=2000",
    "--max-uncompressed-mb=20000",
    "--max-seconds=3600",
    "--max-memory-mb=16000",
)


def cli_run(path: Path, out_dir: Path) -> dict[str, Any]:
    """The whole `riskapp score` in a child process: wall time and its peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "riskapp",
            "score",
            str(path),
            "-o",
            str(out_dir / "cli.xlsx"),
            "--quiet",
            *TRUSTED_LIMITS,
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "score_cli_s": wall,
        "score_cli_ok": proc.returncode == 0,
        "score_cli_peak_mb": max(peak, before) / 1024,
        "score_cli_stderr": proc.stderr[-500:],
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument(
        "--parts",
        type=int,
        default=25_000,
        help="also run the 100k size with this many parts of their own (0: do not)",
    )
    ap.add_argument("--naive-write", action="store_true", help="also time DataFrame.to_excel")
    ap.add_argument("--no-naive-read", action="store_true", help="skip pandas.read_excel(openpyxl)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:  # one size in a fresh process, result as JSON on stdout
        path = Path(args.child)
        with tempfile.TemporaryDirectory() as tmp:
            res = stage_run(path, Path(tmp), args.naive_write)
        print(json.dumps(res))
        return 0
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    # the fixed-part BOMs (18 parts, as in every pass so far), and the 100k one again with
    # parts of their own: most lines then have a text no other line has, as in real exports
    datasets: list[tuple[int, int | None]] = [(n, None) for n in args.sizes]
    if args.parts and 100_000 in args.sizes:
        datasets.append((100_000, args.parts))
    for n, parts in datasets:
        path = DATA / (f"bom_{n}_parts{parts}.xlsx" if parts else f"bom_{n}.xlsx")
        if not path.exists():
            print(f"generating {path} ...", file=sys.stderr)
            write_xlsx(n, path, parts=parts)
        cmd = [sys.executable, __file__, "--child", str(path)] + (
            ["--naive-write"] if args.naive_write else []
        )
        res: dict[str, Any] = {"size": n, "parts": parts}
        if n < 1_000_000:  # at 1M lines only the whole CLI run (time and peak memory)
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            res |= json.loads(proc.stdout.strip().splitlines()[-1])
            if not args.no_naive_read:
                res["read_naive_s"] = read_naive(path)
        with tempfile.TemporaryDirectory() as tmp:
            res |= cli_run(path, Path(tmp))
        rows.append(res)
        print_table([res])
    doc = {
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "results": rows,
    }
    (RESULTS / "latest.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    print(f"\nwritten {RESULTS / 'latest.json'}")
    return 0


def print_table(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        n, parts = r["size"], r.get("parts")
        print(f"\n== {n:,} lines" + (f", {parts:,} parts of their own" if parts else "") + " ==")
        if "import_s" in r:
            floor = r["read_floor_s"]
            its = r["import_s"] + r["tag_s"] + r["score_s"]
            print(
                f"{'stage':<28}{'seconds':>9}{'naive':>9}{'floor':>9}{'vs naive':>10}{'vs floor':>10}"
            )
            naive = r.get("read_naive_s")
            print(
                f"{'import':<28}{r['import_s']:9.2f}{(naive or 0):9.2f}{floor:9.2f}{(naive or 0) / r['import_s']:9.1f}x{r['import_s'] / floor:9.2f}x"
            )
            print(f"{'tag':<28}{r['tag_s']:9.2f}")
            print(f"{'score':<28}{r['score_s']:9.2f}")
            print(f"{'advice':<28}{r['advice_s']:9.2f}")
            print(
                f"{'import+tag+score':<28}{its:9.2f}{(naive or 0):9.2f}{floor:9.2f}{(naive or 0) / its:9.1f}x{its / floor:9.2f}x"
            )
            wn = r.get("write_naive_s")
            print(
                f"{'report export':<28}{r['report_s']:9.2f}{(wn or 0):9.2f}{r['write_floor_s']:9.2f}{((wn or 0) / r['report_s']):9.1f}x{r['report_s'] / r['write_floor_s']:9.2f}x   ({r['cells_written']:,} Lines cells)"
            )
            stages = r.get("pipeline_stages_s") or {}
            if stages:
                its_app = stages["import"] + stages["tag"] + stages["score"]
                print(
                    f"{'  as the app runs it, best':<28}{its_app:9.2f}{(naive or 0):9.2f}{floor:9.2f}{(naive or 0) / its_app:9.1f}x{its_app / floor:9.2f}x   (best of {len(r.get('analyse_runs_s') or [1])} pipeline.analyse runs: import {stages['import']:.2f} + tag {stages['tag']:.2f} + score {stages['score']:.2f})"
                )
            print(f"{'peak memory (stages)':<28}{r['peak_rss_mb']:9.0f} MB")
            print_floors(r, its_app if stages else its)
        print(
            f"{'riskapp score (whole CLI)':<28}{r['score_cli_s']:9.2f}   peak {r['score_cli_peak_mb']:.0f} MB   ok={r['score_cli_ok']}"
        )


def print_floors(r: dict[str, Any], its: float) -> None:
    """The two raw reads the floor is taken from, and import+tag+score against each."""
    floors = [("python-calamine", r.get("read_floor_calamine_s"))]
    floors.append(("fastexcel", r.get("read_floor_fastexcel_s")))
    for name, t in floors:
        if t is None:
            print(f"{'  floor: ' + name:<28}   not installed (pip install -e '.[bench]')")
        else:
            print(
                f"{'  floor: ' + name:<28}{t:9.2f}   import+tag+score is {its / t:.2f}x this read"
            )


if __name__ == "__main__":
    sys.exit(main())

"""The command line: `riskapp inspect BOM`, `riskapp score BOM ...` and friends.

Exit codes: 0 ok, 1 usage error, 2 input error (unreadable file, bad data), 3 cancelled,
4 unexpected internal error (logged).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from riskapp import __version__
from riskapp.core.errors import RiskappError

SUBCOMMANDS = ("inspect", "score", "scenarios", "reference")

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_CANCELLED, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 1, not argparse's 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="riskapp",
        description="Rare-earth export-control risk for bills of materials. Without a "
        "subcommand, opens the desktop app.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  riskapp inspect bom.xlsx\n  riskapp inspect bom.csv --json -\n",
    )
    p.add_argument("--version", action="version", version=f"riskapp {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    ins = sub.add_parser(
        "inspect",
        help="show how a BOM file is read: sheets, header rows, tables, column mapping, issues",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  riskapp inspect bom.xlsx\n  riskapp inspect bom.ods --json lines.json\n"
        "  riskapp inspect bom.xlsx --sheet BOM --header-row 3\n",
    )
    _add_import_args(ins)
    ins.add_argument(
        "--json", metavar="PATH", help="write the imported lines as JSON ('-' = stdout)"
    )
    ins.add_argument(
        "--lines", type=int, default=0, metavar="N", help="also print the first N lines"
    )

    sc = sub.add_parser(
        "score",
        help="score one or many BOMs and write the Excel report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  riskapp score bom.xlsx -o report.xlsx\n"
        "  riskapp score bom.xlsx --scenario baseline --scenario us_tariff_escalation\n"
        "  riskapp score a.xlsx b.ods -o portfolio.xlsx --volume 5000\n"
        "  riskapp score bom.csv --json - --date 2026-12-01\n",
    )
    sc.add_argument("boms", nargs="+", metavar="BOM", help="BOM file(s)")
    sc.add_argument("-o", "--output", metavar="REPORT.xlsx", help="write the Excel report here")
    sc.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME|FILE",
        help="scenario preset or TOML file (repeat to compare; the first is the main one)",
    )
    sc.add_argument("--volume", type=float, metavar="N", help="finished units built per year")
    sc.add_argument("--date", metavar="YYYY-MM-DD", help="evaluation date (default: today)")
    sc.add_argument("--mapping", metavar="FILE", help="JSON column mapping {field: column letter}")
    sc.add_argument(
        "--overrides", metavar="FILE", help="CSV/JSON of overrides (scope,key,field,value)"
    )
    sc.add_argument("--sheet", action="append", default=[], help="read this sheet (repeatable)")
    sc.add_argument("--header-row", type=int, metavar="N", help="the header is on row N (1-based)")
    sc.add_argument(
        "--json", metavar="PATH", help="write the scored lines and roll-up as JSON ('-' = stdout)"
    )
    sc.add_argument("--csv", metavar="PATH", help="also write the scored lines as CSV")
    sc.add_argument("--reference-dir", metavar="DIR", help="use an updated reference-data folder")
    sc.add_argument("--quiet", action="store_true", help="do not print the roll-up")
    _add_limit_args(sc)

    sub.add_parser("scenarios", help="list the scenario presets")

    rf = sub.add_parser(
        "reference",
        help="show, validate or export the reference data",
        epilog="examples:\n  riskapp reference\n  riskapp reference --validate my_reference/\n"
        "  riskapp reference --export copy_here/\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rf.add_argument(
        "--validate", metavar="DIR", nargs="?", const="", help="check a reference folder"
    )
    rf.add_argument("--export", metavar="DIR", help="copy the built-in reference files to DIR")
    return p


def _add_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("bom", help="BOM file (.xlsx .xlsm .xlsb .xls .ods .csv .tsv .txt)")
    p.add_argument("--sheet", action="append", default=[], help="read this sheet (repeatable)")
    p.add_argument("--header-row", type=int, metavar="N", help="the header is on row N (1-based)")
    p.add_argument("--mapping", metavar="FILE", help="JSON column mapping {field: column letter}")
    _add_limit_args(p)


_LIMIT_ARGS = (  # (flag, Limits field, what it limits; MB for the byte limits)
    ("max-file-mb", "max_file_bytes", "largest file read, MB"),
    ("max-uncompressed-mb", "max_uncompressed_bytes", "what a workbook unpacks to, MB"),
    ("max-cells", "max_cells", "cells in one sheet, rows x columns"),
    ("max-seconds", "max_seconds", "time to read one file, s"),
    ("max-memory-mb", "max_memory_bytes", "memory the reader may add, MB"),
)


def _add_limit_args(p: argparse.ArgumentParser) -> None:
    """The safety limits for untrusted files (docs/robustness.md), raisable for big exports."""
    from riskapp.core.readers import Limits

    default = Limits()
    g = p.add_argument_group("safety limits (raise them for very large files you trust)")
    for flag, name, what in _LIMIT_ARGS:
        g.add_argument(
            f"--{flag}",
            type=float,
            metavar="N",
            help=f"{what} (default {default.user_value(name):,.0f})",
        )


def _limits(args: argparse.Namespace) -> Any:
    from riskapp.core.errors import UsageError
    from riskapp.core.readers import Limits

    changes: dict[str, float] = {}
    for flag, name, _ in _LIMIT_ARGS:
        value = getattr(args, flag.replace("-", "_"), None)
        if value is None:
            continue
        if not value > 0:
            raise UsageError(f"--{flag} must be above 0.")
        changes[name] = value
    return Limits().with_user_values(changes)


def _import_options(args: argparse.Namespace) -> Any:
    from riskapp.core.importer import ImportOptions, load_mapping_file

    base = load_mapping_file(args.mapping) if args.mapping else ImportOptions()
    return ImportOptions(
        sheets=tuple(args.sheet) or base.sheets,
        header_row=args.header_row or base.header_row,
        mapping=base.mapping,
        limits=_limits(args),
    )


def _progress(fraction: float, message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{fraction * 100:5.1f} % {message[:60]:<60}")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_cli(argv: list[str]) -> int:
    """Run a subcommand with a rotating log file (no BOM contents in it, see logsetup)."""
    from riskapp.core.logsetup import logging_to_file

    with logging_to_file():
        return _run_cli(argv)


def _run_cli(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "inspect":
            return cmd_inspect(args)
        if args.command == "score":
            return cmd_score(args)
        if args.command == "scenarios":
            return cmd_scenarios()
        if args.command == "reference":
            return cmd_reference(args)
    except RiskappError as exc:
        print(f"riskapp: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("riskapp: cancelled.", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as exc:  # last line of defence: one sentence, details in the log
        import logging
        import traceback

        logging.getLogger("riskapp").error("unexpected error\n%s", traceback.format_exc())
        print(
            f"riskapp: internal error ({type(exc).__name__}: {exc}). Please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_USAGE


def line_records(lines: Any) -> list[dict[str, Any]]:
    """JSON-ready records of the imported lines (the `inspect --json` contract)."""
    from riskapp.core.export import lines_to_records

    return lines_to_records(lines)


def write_json(doc: dict[str, Any], target: str) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    from riskapp.core.fileio import atomic_write_text

    atomic_write_text(Path(target), text + "\n")


def cmd_inspect(args: argparse.Namespace) -> int:
    from riskapp.core.importer import import_bom

    result = import_bom(args.bom, _import_options(args), on_progress=_progress)
    rep = result.report
    if args.json:
        doc = {
            "riskapp_version": __version__,
            "file": rep.file,
            "sha256": rep.sha256,
            "sheets": rep.chosen_sheets,
            "tables": [
                {
                    "sheet": t.sheet,
                    "table": t.table_id,
                    "header_row": t.header_row,
                    "columns": f"{t.first_col}:{t.last_col}",
                    "description_column": t.description_column,
                    "mapping": {
                        m.field: {
                            "column": m.column,
                            "header": m.header,
                            "confidence": m.confidence,
                            "how": m.how,
                        }
                        for m in t.mapping
                    },
                    "lines": t.n_lines,
                }
                for t in rep.tables
            ],
            "issues": [i.as_dict() for i in rep.issues],
            "lines": line_records(result.lines),
        }
        write_json(doc, args.json)
        if args.json == "-":
            return EXIT_OK
    print(f"File:    {rep.file}")
    print(f"Format:  {rep.file_format}   sha256 {rep.sha256[:16]}…")
    print(f"Sheets:  {', '.join(repr(s) for s in rep.sheets)}")
    print(f"Read:    {', '.join(repr(s) for s in rep.chosen_sheets)}")
    for t in rep.tables:
        hdr = f"header row {t.header_row}" if t.header_row else "no header (inferred)"
        print(f"\nTable {t.table_id}: {hdr}, columns {t.first_col}–{t.last_col}, {t.n_lines} lines")
        for m in t.mapping:
            print(
                f"  {m.field:<18} ← {m.column:<3} {m.header[:40]!r:<44} {m.confidence:4.2f} ({m.how})"
            )
    print(f"\nLines:   {rep.n_lines}")
    errors, warnings, infos = rep.count("error"), rep.count("warning"), rep.count("info")
    print(f"Issues:  {errors} errors, {warnings} warnings, {infos} notes")
    for i in rep.issues[:50]:
        where = ", ".join(
            x
            for x in (
                i.sheet and f"sheet {i.sheet!r}",
                i.row and f"row {i.row}",
                i.column and f"col {i.column}",
            )
            if x
        )
        print(f"  [{i.severity}] {where}: {i.message}")
    if len(rep.issues) > 50:
        print(f"  … {len(rep.issues) - 50} more (use --json for all)")
    if args.lines:
        cols = [
            "sheet",
            "row",
            "description_column",
            "description",
            "quantity",
            "extended_quantity",
            "category",
        ]
        print(result.lines[cols].head(args.lines).to_string())
    return EXIT_OK


def _parse_date(text: str | None) -> Any:
    if not text:
        return None
    from datetime import date

    from riskapp.core.errors import UsageError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date; write it as YYYY-MM-DD.") from None


def load_overrides(path: str, ref: Any = None) -> tuple[Any, ...]:
    """Overrides from CSV (scope,key,field,value[,note]) or JSON (a list of such objects).
    With *ref* (the reference data) each value is checked too (tagging.override_problem)."""
    import csv as _csv

    from riskapp.core.errors import UsageError
    from riskapp.core.session import OVERRIDE_SCOPES
    from riskapp.core.tagging import OVERRIDE_FIELDS, Override, override_problem

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(
            f"the overrides file cannot be read ({exc.strerror or exc}).", file=path
        ) from None
    rows: list[dict[str, Any]]
    is_json = p.suffix.lower() == ".json"
    if is_json:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"the overrides file is not valid JSON ({exc}).", file=path) from None
        rows = data.get("overrides", []) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UsageError(
                "the overrides file must hold a list of objects with scope, key, field and "
                'value (or {"overrides": [such objects]}).',
                file=path,
            )
    else:
        reader = _csv.DictReader(text.splitlines())
        rows = list(reader)
        missing = [
            c for c in ("scope", "key", "field", "value") if c not in (reader.fieldnames or [])
        ]
        if reader.fieldnames and missing:
            raise UsageError(
                f"the overrides file has no {', '.join(missing)} column; its first row must be "
                "the header scope,key,field,value (and optionally note).",
                file=path,
                row=1,
            )
    out = []
    for i, r in enumerate(rows, start=1 if is_json else 2):
        # CSV: the sheet row (the header is row 1); JSON: the object's place in the list
        where: dict[str, Any] = {"file": path} if is_json else {"file": path, "row": i}
        which = f"override {i} " if is_json else "override "
        scope, key, fld, value = (
            str(r.get(k, "") or "").strip() for k in ("scope", "key", "field", "value")
        )
        if scope not in OVERRIDE_SCOPES or fld not in OVERRIDE_FIELDS:
            raise UsageError(
                f"{which}has scope '{scope}' and field '{fld}'; scopes are "
                f"{', '.join(sorted(OVERRIDE_SCOPES))} and fields are "
                f"{', '.join(sorted(OVERRIDE_FIELDS))}.",
                **where,
            )
        override = Override(scope, key, fld, value, str(r.get("note", "") or ""))
        problem = override_problem(override, ref) if ref is not None else None
        if problem:
            column: dict[str, Any] = {} if is_json else {"column": "value"}
            raise UsageError(f"{which}for {fld}: {problem}", **where, **column)
        out.append(override)
    return tuple(out)


def _warn_unmatched(overrides: tuple[Any, ...], analyses: list[Any], path: str) -> None:
    """Say which overrides apply to no line of any BOM (a key with a typo, another sheet)."""
    from riskapp.core.tagging import overrides_matched

    if not overrides:
        return
    matched = [False] * len(overrides)
    for a in analyses:
        hits = overrides_matched(a.imported.lines, overrides)
        matched = [m or h for m, h in zip(matched, hits, strict=True)]
    for o, m in zip(overrides, matched, strict=True):
        if not m:
            print(
                f"riskapp: note: {path}: the override {o.scope} '{o.key}' ({o.field}) matches no "
                "line.",
                file=sys.stderr,
            )


def cmd_score(args: argparse.Namespace) -> int:
    from riskapp.core.pipeline import AnalysisOptions, analyse, reanalyse
    from riskapp.core.reference import load_reference
    from riskapp.core.report import export_all, score_document, write_lines_csv, write_report

    scenarios = args.scenario or ["baseline"]
    overrides = (
        load_overrides(args.overrides, load_reference(args.reference_dir)) if args.overrides else ()
    )
    base = AnalysisOptions(
        import_options=_import_options(args),
        scenario=scenarios[0],
        build_volume=args.volume,
        evaluation_date=_parse_date(args.date),
        overrides=overrides,
        reference_dir=args.reference_dir,
    )
    analyses = []
    for path in args.boms:
        analyses.append(analyse(path, base, on_progress=_progress))
    main = analyses[0]
    _warn_unmatched(overrides, analyses, args.overrides)
    others = [reanalyse(main, replace_scenario(base, s)) for s in scenarios[1:]]
    if args.output:
        write_report(analyses, args.output, comparison=others, on_progress=_progress)
    if args.csv:
        write_lines_csv(main, args.csv)
    if args.json:
        if len(analyses) == 1:
            doc = score_document(main)
            if others:
                doc["scenario_comparison"] = [_delta_doc(main, o) for o in others]
        else:
            doc = {"riskapp_version": __version__, "boms": [score_document(a) for a in analyses]}
        write_json(doc, args.json)
        if args.json == "-":
            return EXIT_OK
    if not args.quiet:
        for a in analyses:
            _print_rollup(a)
        for o in others:
            _print_delta(main, o)
        if args.output:
            print(f"\nReport written to {args.output}")
    _ = export_all  # exports beside the report are offered by the GUI
    return EXIT_OK


def replace_scenario(options: Any, scenario: str) -> Any:
    from dataclasses import replace

    return replace(options, scenario=scenario)


def _delta_doc(a: Any, b: Any) -> dict[str, Any]:
    from riskapp.core.report import _json_clean
    from riskapp.core.scoring import compare

    per_line, bom = compare(a.scored, b.scored)
    changed = (
        per_line[per_line["delta_score"].abs() > 1e-9]
        if "delta_score" in per_line
        else per_line.iloc[:0]
    )
    return {
        "scenario": b.scenario.name,
        "bom": _json_clean({k: {"a": v[0], "b": v[1], "delta": v[2]} for k, v in bom.items()}),
        "lines": [
            {
                "sheet": a.scored.lines.at[i, "sheet"],
                "row": int(a.scored.lines.at[i, "row"]),
                "delta_score": float(d),
            }
            for i, d in changed["delta_score"].items()
        ],
    }


def _print_rollup(a: Any) -> None:
    r = a.scored.rollup
    print(f"\n{a.name}  —  scenario '{a.scenario.name}', evaluated {a.scored.evaluation_date}")
    print(
        f"  BOM grade: {a.potential.grade_actual} (potential with advice: {a.potential.grade_potential}); worst line score {r.bom_score:.0f}"
    )
    print(
        f"  Lines: {r.n_lines:,}; rare-earth bearing {r.n_rare_earth:,}; needing a permit {r.n_permit_needed:,}; to review {r.n_needs_review:,}"
    )
    if r.re_kg_per_year:
        parts = ", ".join(
            f"{k} {v:,.3f}" for k, v in sorted(r.re_kg_per_year.items(), key=lambda x: -x[1])
        )
        print(f"  Rare earths, kg/year: {parts}")
    if r.controlled_kg_per_year:
        parts = ", ".join(
            f"{k} {v:,.3f}"
            for k, v in sorted(r.controlled_kg_per_year.items(), key=lambda x: -x[1])
        )
        print(f"  Controlled elements, kg/year: {parts}")
    if r.n_rare_earth:
        print(
            "  Share through China: "
            + ", ".join(f"{k} {v:.0%}" for k, v in r.china_share_by_stage.items())
        )
    cur = r.currency or ""
    print(
        f"  Spend/year {r.spend_total:,.2f} {cur}; on rare-earth lines {r.spend_exposed:,.2f}; on permit lines {r.spend_permit:,.2f}"
    )
    print("  Lines per band: " + ", ".join(f"{k} {v}" for k, v in r.lines_per_band.items()))
    top = r.top_contributors.head(5)
    if len(top):
        print("  Top contributors:")
        for t in top.itertuples():
            src = a.scored.lines.loc[t.line_index]
            where = f"{src['sheet']}!{src['row']}" if src["sheet"] else f"line {src['row']}"
            print(f"    {where:<14} {t.score:5.1f} {t.band:<8} {str(t.description)[:60]}")
    for n in r.notes:
        print(f"  Note: {n}")


def _print_delta(a: Any, b: Any) -> None:
    from riskapp.core.scoring import compare

    per_line, bom = compare(a.scored, b.scored)
    print(f"\nScenario '{b.scenario.name}' compared with '{a.scenario.name}':")
    for k, (x, y, d) in bom.items():
        if d is None:
            if x != y:
                print(f"  {k:<32} {x} -> {y}")
        elif abs(float(d)) > 1e-9:
            print(f"  {k:<32} {float(x):,.4g} -> {float(y):,.4g} ({float(d):+,.4g})")
    if "delta_score" in per_line:
        moved = per_line[per_line["delta_score"].abs() > 1e-9]
        print(f"  {len(moved)} line(s) change score")


def cmd_scenarios() -> int:
    from riskapp.core.scenarios import list_presets

    for info in list_presets():
        print(f"{info.name:<28} {info.description}")
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    import shutil

    from riskapp.core.reference import (
        REFERENCE_FILES,
        default_reference_dir,
        load_reference,
        validate_reference,
    )

    if args.export:
        target = Path(args.export)
        target.mkdir(parents=True, exist_ok=True)
        for f in sorted(default_reference_dir().iterdir()):
            if f.is_file():
                shutil.copy2(f, target / f.name)
        print(f"Reference data copied to {target}")
        return EXIT_OK
    if args.validate is not None:
        problems = validate_reference(args.validate or None)
        for p in problems:
            print(f"riskapp: {p}", file=sys.stderr)
        if problems:
            return EXIT_INPUT
        print("Reference data is valid.")
        return EXIT_OK
    ref = load_reference()
    print(f"Reference data version {ref.version} in {ref.folder}")
    for spec in REFERENCE_FILES.values():
        frame = ref.frame(spec.attr)
        n_asm = 0
        col = spec.status_column
        if col in frame.columns:
            n_asm = int((frame[col] == "assumption").sum())
        print(f"  {spec.filename:<28} {len(frame):4d} rows, {n_asm:3d} assumptions")
    return EXIT_OK

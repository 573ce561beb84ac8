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

SUBCOMMANDS = ("inspect",)

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
    return p


def _add_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("bom", help="BOM file (.xlsx .xlsm .xlsb .xls .ods .csv .tsv .txt)")
    p.add_argument("--sheet", action="append", default=[], help="read this sheet (repeatable)")
    p.add_argument("--header-row", type=int, metavar="N", help="the header is on row N (1-based)")
    p.add_argument("--mapping", metavar="FILE", help="JSON column mapping {field: column letter}")


def _import_options(args: argparse.Namespace) -> Any:
    from riskapp.core.importer import ImportOptions, load_mapping_file

    base = load_mapping_file(args.mapping) if args.mapping else ImportOptions()
    return ImportOptions(
        sheets=tuple(args.sheet) or base.sheets,
        header_row=args.header_row or base.header_row,
        mapping=base.mapping,
    )


def _progress(fraction: float, message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{fraction * 100:5.1f} % {message[:60]:<60}")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_cli(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "inspect":
            return cmd_inspect(args)
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

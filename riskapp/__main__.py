"""Entry point: `riskapp` with a subcommand runs the CLI, without one it opens the desktop app;
`riskapp --self-test` checks an installation (riskapp.selftest)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--self-test":
        from riskapp.selftest import main as self_test

        return self_test(args[1:])
    from riskapp.cli import SUBCOMMANDS, run_cli

    if args and (args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")):
        return run_cli(args)
    from riskapp.gui.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())

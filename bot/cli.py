"""The `alignbot` command line: one console script, one subcommand per job."""

from __future__ import annotations

import argparse
import sys

from bot import cli_db, cli_propose, cli_sandbox, cli_serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="alignbot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_propose.register(subparsers)
    cli_db.register(subparsers)
    cli_serve.register(subparsers)
    cli_sandbox.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

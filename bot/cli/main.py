"""The `alignbot` command line: one console script, one subcommand per job."""

from __future__ import annotations

import argparse

from bot.cli import db, judge, propose, sandbox, serve, transfer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="alignbot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    propose.register(subparsers)
    db.register(subparsers)
    serve.register(subparsers)
    sandbox.register(subparsers)
    transfer.register(subparsers)
    judge.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)

"""`alignbot judge train FILE` / `alignbot judge eval FILE`: the judge without Slack.

`train` builds rule books from labelled outputs (two calls) and writes them to a file; `eval`
scores held-out labelled outputs with those rule books and prints accuracy, precision, recall,
F1 and the calls spent, so a team can see how far to trust the scores on its proposals.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from alignment.files import InputFileError, load_labelled
from alignment.judge import JudgeError, LabelledOutput, build_judge
from alignment.judge_eval import evaluate_judge, judge_from_dict, judge_to_dict
from alignment.models import ModelClient, ModelError
from bot.cli.engine import configured_model
from bot.config import ConfigError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
FILE_HELP = (
    "labelled outputs, one JSON object a line: "
    '{"output": "...", "label": "good"|"bad", "inputs": {...}, "template": "..."} '
    "(inputs and template optional)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("judge", help="build and measure a judge", description=__doc__)
    actions = parser.add_subparsers(dest="judge_command", required=True)
    train = actions.add_parser("train", help="build rule books from labelled outputs")
    train.add_argument("file", metavar="FILE", help=FILE_HELP)
    train.add_argument("-o", "--output", metavar="RULES", help="write the judge here (JSON)")
    evaluate = actions.add_parser("eval", help="measure a judge on held-out labelled outputs")
    evaluate.add_argument("file", metavar="FILE", help=FILE_HELP)
    evaluate.add_argument("--rules", required=True, metavar="RULES", help="from `judge train`")
    for sub in (train, evaluate):
        sub.add_argument(
            "--model", help="alignment model (default: $ALIGNBOT_ALIGN_MODEL or offline)"
        )
        sub.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def _fail(message: str, code: int) -> int:
    print(f"alignbot judge: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    try:
        labelled = load_labelled(args.file)
        model = configured_model(args.model)
    except (InputFileError, ConfigError, ModelError) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    if args.judge_command == "train":
        return _train(args, labelled, model)
    return _eval(args, labelled, model)


def _train(args: argparse.Namespace, labelled: list[LabelledOutput], model: ModelClient) -> int:
    try:
        judge = build_judge(labelled, model)
    except JudgeError as exc:
        return _fail(str(exc), EXIT_FAILED)
    document = judge_to_dict(judge)
    if args.output:
        Path(args.output).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    summary = {
        "examples": len(labelled),
        "training_accuracy": judge.accuracy,
        "calls": len(judge.calls),
        "rules": {label: len(rules) for label, rules in judge.rule_books.items()},
    }
    if args.json:
        print(json.dumps({**summary, "judge": document}, indent=2, ensure_ascii=False))
        return 0
    print(f"Judge built from {len(labelled)} labelled outputs with {len(judge.calls)} calls.")
    print(f"Agreement with those labels, scored blind: {judge.accuracy:.0%}")
    for label, rules in judge.rule_books.items():
        print(f"\n{label}:")
        print("\n".join(f"  - {rule}" for rule in rules))
    if args.output:
        print(f"\nwrote {args.output}")
    return 0


def _eval(args: argparse.Namespace, labelled: list[LabelledOutput], model: ModelClient) -> int:
    try:
        judge = judge_from_dict(json.loads(Path(args.rules).read_text(encoding="utf-8")), model)
    except OSError as exc:
        return _fail(f"cannot read {args.rules}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    except (json.JSONDecodeError, ValueError) as exc:
        return _fail(f"{args.rules}: {exc}", EXIT_BAD_INPUT)
    try:
        result = evaluate_judge(judge, labelled)
    except JudgeError as exc:
        return _fail(str(exc), EXIT_FAILED)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print(f"{result.examples} labelled outputs, {result.calls} calls (good is the positive class)")
    print(f"accuracy  {result.accuracy:.3f}")
    print(f"precision {result.precision:.3f}")
    print(f"recall    {result.recall:.3f}")
    print(f"f1        {result.f1:.3f}")
    return 0

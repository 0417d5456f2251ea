"""`alignbot propose`: the alignment engine without Slack (template and feedback files in,
proposal out)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from alignment.examples import EXAMPLES
from alignment.files import InputFileError, load_feedback, load_principles, load_template
from alignment.models import ModelError
from alignment.principles import MutationOp, Principle
from alignment.proposer import ProposalFailed, ProposalResult, propose
from alignment.vocabulary import Workflow
from bot.cli.engine import configured_model
from bot.config import ConfigError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "propose",
        help="propose a new template from a template file and a feedback file",
        description="Run the alignment engine on files: prints the proposed template, a unified "
        "diff and the principle changes with the feedback ids they came from.",
    )
    parser.add_argument(
        "template_file",
        nargs="?",
        metavar="TEMPLATE_FILE",
        help="the prompt template, with {{name}} placeholders",
    )
    parser.add_argument(
        "feedback_file",
        nargs="?",
        metavar="FEEDBACK_JSONL",
        help='feedback, one JSON object a line: {"id", "kind", "author", "text", '
        '"label", "output", "inputs", "agreement", "created_at"}',
    )
    parser.add_argument(
        "--principles",
        metavar="FILE",
        help="current principles: one a line, plain text or JSON {id, text}",
    )
    parser.add_argument(
        "--workflow",
        choices=[w.value for w in Workflow],
        help="principles (distill, then rewrite) or direct (default: principles)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="alignment model: offline, gemini/<model> or openai/<model> "
        "(default: $ALIGNBOT_ALIGN_MODEL or offline)",
    )
    parser.add_argument(
        "--budget-tokens",
        type=int,
        default=6000,
        help="cap on the feedback sent to the model (default 6000)",
    )
    parser.add_argument(
        "--format-string",
        action="store_true",
        help="TEMPLATE_FILE uses {name} placeholders (Python str.format, as model-alignment "
        "does); they are imported as {{name}}",
    )
    parser.add_argument("--json", action="store_true", help="print the proposal as JSON")
    parser.add_argument(
        "--example",
        nargs="?",
        const="grocery",
        choices=sorted(EXAMPLES),
        help="run a bundled example (default: grocery) with the offline model",
    )
    parser.set_defaults(func=run)  # fmt: skip


def _fail(message: str, code: int) -> int:
    print(f"alignbot propose: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    if args.example:
        if args.template_file or args.feedback_file:
            return _fail("--example takes no TEMPLATE_FILE or FEEDBACK_JSONL", EXIT_BAD_INPUT)
        example = EXAMPLES[args.example]
        template_path, feedback_path = example.template_path, example.feedback_path
        workflow = args.workflow or example.workflow
        model_name = args.model
    else:
        if not args.template_file or not args.feedback_file:
            return _fail(
                "give TEMPLATE_FILE and FEEDBACK_JSONL, or --example (see --help)", EXIT_BAD_INPUT
            )
        template_path, feedback_path = Path(args.template_file), Path(args.feedback_file)
        workflow = args.workflow or Workflow.PRINCIPLES
        model_name = args.model
    if args.budget_tokens < 100:
        return _fail("--budget-tokens must be at least 100", EXIT_BAD_INPUT)
    try:
        template = load_template(template_path, format_string=args.format_string)
        feedback = load_feedback(feedback_path)
        principles = load_principles(args.principles) if args.principles else []
    except InputFileError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    try:
        model = configured_model(model_name or ("offline" if args.example else None))
    except (ConfigError, ModelError) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    try:
        result = propose(
            template, feedback, principles,
            workflow=Workflow(workflow), model=model, budget_tokens=args.budget_tokens,
        )  # fmt: skip
    except ProposalFailed as exc:
        return _fail(f"no proposal: {exc.reason}", EXIT_FAILED)
    if args.json:
        print(json.dumps(to_json(result, principles, model.name), indent=2, ensure_ascii=False))
    else:
        source = f"the bundled example {args.example!r}" if args.example else str(template_path)
        print(to_text(result, principles, model.name, source))
    return 0


def _mutation_json(m) -> dict:
    return {
        "op": m.op.value,
        "principle_id": m.principle_id or m.extra.get("provisional_id"),
        "text": m.text,
        "feedback_ids": list(m.feedback_ids),
        "reason": m.reason,
    }


def to_json(result: ProposalResult, before: list[Principle], model: str) -> dict:
    return {
        "model": model,
        "workflow": result.workflow.value,
        "template": result.template.text,
        "variables": list(result.template.variables),
        "rationale": result.rationale,
        "diff": result.diff,
        "mutations": [_mutation_json(m) for m in result.mutations],
        "principles_after": [
            {
                "id": p.id,
                "text": p.text,
                "origin": p.origin.value,
                "feedback_ids": list(p.feedback_ids),
            }
            for p in result.principles_after
        ],
        "used_feedback_ids": result.used_feedback_ids,
        "calls": [asdict(c) for c in result.calls],
    }


def to_text(result: ProposalResult, before: list[Principle], model: str, source: str) -> str:
    old_text = {p.id: p.text for p in before}
    lines = [f"Proposal for {source} (workflow: {result.workflow.value}, model: {model})", ""]
    lines += ["Rationale:", f"  {result.rationale}", ""]
    if result.workflow is Workflow.PRINCIPLES:
        lines.append("Principle changes:")
        if not result.mutations:
            lines.append("  (none)")
        for m in result.mutations:
            ident = m.principle_id or m.extra.get("provisional_id", "")
            cited = ", ".join(m.feedback_ids)
            if m.op is MutationOp.RETIRE:
                text = old_text.get(m.principle_id or "", "")
                lines.append(f"  - retire {ident}: {text}  [from feedback {cited}]")
            else:
                sign = "+ add   " if m.op is MutationOp.ADD else "~ edit  "
                lines.append(f"  {sign}{ident}: {m.text}  [from feedback {cited}]")
        lines += ["", "Active principles after approval:"]
        lines += [f"  {p.id}: {p.text}" for p in result.principles_after] or ["  (none)"]
        lines.append("")
    shown = [f"  {line}".rstrip() for line in result.template.text.splitlines()]
    lines += ["Proposed template:", *shown]
    lines += ["", "Diff:", result.diff.rstrip("\n"), ""]
    lines.append(f"Feedback used: {', '.join(result.used_feedback_ids) or '(none)'}")
    calls = ", ".join(
        f"{c.purpose} ({c.input_tokens} tokens in, {c.output_tokens} out)" for c in result.calls
    )
    lines.append(f"Model calls: {len(result.calls)}: {calls}")
    return "\n".join(lines)

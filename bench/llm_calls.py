"""LLM calls and prompt size per proposal as feedback grows: alignbot vs model-alignment 0.3.

    .venv/bin/python bench/llm_calls.py [--sizes 1,10,100,1000] [--budget 6000]
                                        [--ma-python /tmp/ma/bin/python]

Ours: `propose` on the offline model behind a counting wrapper (the offline model answers the
same structured requests as a real one, so calls and prompts are the real ones). Theirs:
model-alignment 0.3 driven through a counting ModelHelper in its own virtualenv (it pins
TensorFlow/keras-nlp, which stay out of ours): every critique goes through `critique_response`
(principles workflow) or `update_model_description_from_feedback` (direct), then
`update_model_description_from_principles`. Tokens are estimated as characters / 4 for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alignment import Feedback, FeedbackKind, LLMRequest, LLMResponse, Template, get_model, propose

TEMPLATE = "Write a grocery list for a dinner party where the main dish is {{dish}}."
OUTPUT = "Produce: 2 onions, 4 carrots\nMeat: 2 kg chicken\nWine: 1 bottle red Burgundy\n" * 2


def critique(i: int) -> str:
    return f"no ingredient number {i} in the list: our guests cannot eat it"


class Counting:
    def __init__(self, inner) -> None:
        self.inner, self.name = inner, inner.name
        self.calls = 0
        self.chars = 0

    def generate(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        self.chars += len(request.system) + len(request.prompt)
        return self.inner.generate(request)


def ours(n: int, workflow: str, budget: int) -> dict:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    feedback = [
        Feedback(f"c{i}", FeedbackKind.CRITIQUE, f"user{i % 9}", critique(i), output=OUTPUT,
                 inputs={"dish": "coq au vin"}, created_at=start + timedelta(seconds=i))
        for i in range(n)
    ]  # fmt: skip
    model = Counting(get_model("offline"))
    result = propose(Template(TEMPLATE), feedback, [], workflow=workflow, model=model,
                     budget_tokens=budget)  # fmt: skip
    return {
        "calls": model.calls,
        "chars": model.chars,
        "sent": len(result.used_feedback_ids),
        "added": sum(1 for m in result.mutations if m.op.value == "add"),
    }


THEIRS = r'''
import json, sys
from model_alignment import single_run, model_helper
from model_alignment.alignable_model_calls import ConversationTurn

sizes = [int(s) for s in sys.argv[1].split(",")]
TEMPLATE, OUTPUT = sys.argv[2], sys.argv[3]

class Counting(model_helper.ModelHelper):
    """Answers like a cooperative model: 'add' for every mutation choice, one principle per
    critique, and a description that grows by that principle per edit."""
    def __init__(self):
        self.calls = 0; self.chars = 0; self.principles = []; self.edits = 0; self.desc = TEMPLATE
    def predict(self, prompt, temperature, stop_sequences=None, candidate_count=1,
                max_output_tokens=None):
        self.calls += 1; self.chars += len(prompt)
        if stop_sequences == ["}"]:
            p = f"Do not include ingredient {len(self.principles)} in the list"
            self.principles.append(p); return p
        if stop_sequences == ["<END_PROMPT>"]:
            self.edits += 1
            return "<BEGIN_PROMPT>" + TEMPLATE + " " + " ".join(self.principles[: self.edits])
        if prompt.startswith("You are an expert PROMPT reviser"):
            self.desc += " Do not include the ingredient this feedback names."
            return "<PROMPT>" + self.desc + "</PROMPT>"
        return "1"

def critique(i):
    return f"no ingredient number {i} in the list: our guests cannot eat it"

def setup(helper):
    run = single_run.AlignableSingleRun(helper)
    run.set_model_description(TEMPLATE.replace("{{dish}}", "{dish}"))
    user, model = ConversationTurn(), ConversationTurn()
    user.is_user, user.vars = True, {"dish": "coq au vin"}
    user.text = TEMPLATE.replace("{{dish}}", "coq au vin")
    model.is_user, model.text = False, OUTPUT
    run.data.conversations.append([user, model]); run.current_convo_idx = 0
    return run

out = {}
for n in sizes:
    h = Counting(); run = setup(h)
    for i in range(n):
        run.critique_response(critique(i))
    run.update_model_description_from_principles()
    out[f"principles/{n}"] = {"calls": h.calls, "chars": h.chars}
    h = Counting(); run = setup(h)
    for i in range(n):
        run.update_model_description_from_feedback(critique(i))
    out[f"direct/{n}"] = {"calls": h.calls, "chars": h.chars}
print("RESULT " + json.dumps(out))
'''


def theirs(sizes: list[int], python: str) -> dict | str:
    if not Path(python).exists():
        return (
            f"{python} not found (python3.11 -m venv /tmp/ma && "
            "/tmp/ma/bin/pip install model-alignment==0.3)"
        )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.run(
        [python, "-c", THEIRS, ",".join(map(str, sizes)), TEMPLATE, OUTPUT],
        capture_output=True, text=True, timeout=1800, env=env,
    )  # fmt: skip
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return "model-alignment run failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--budget", type=int, default=6000, help="our feedback token budget")
    parser.add_argument("--ma-python", default=os.environ.get("MA_PYTHON", "/tmp/ma/bin/python"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    other = theirs(sizes, args.ma_python)
    print(f"feedback = N critiques on one run, each asking to drop a different ingredient;"
          f" our budget {args.budget} tokens; tokens ~ chars/4\n")  # fmt: skip
    head = (f"{'workflow':<10} {'N':>5} | {'ours calls':>10} {'prompt chars':>12}"
            f" {'~tokens':>8} {'sent':>5} | {'m-a 0.3 calls':>13} {'prompt chars':>13}"
            f" {'~tokens':>10}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for workflow in ("principles", "direct"):
        for n in sizes:
            mine = ours(n, workflow, args.budget)
            row = (f"{workflow:<10} {n:>5} | {mine['calls']:>10} {mine['chars']:>12,}"
                   f" {mine['chars'] // 4:>8,} {mine['sent']:>5} |")  # fmt: skip
            if isinstance(other, dict):
                t = other[f"{workflow}/{n}"]
                row += f" {t['calls']:>13} {t['chars']:>13,} {t['chars'] // 4:>10,}"
            else:
                row += " (see below)"
            print(row)
    if not isinstance(other, dict):
        print(f"\nmodel-alignment 0.3 not measured: {other}")
        print(
            "From its code: principles workflow = 2 calls per critique (mutation choice + "
            "principle) + 1 per principle to rewrite the prompt = 3N; direct = N."
        )


if __name__ == "__main__":
    main()

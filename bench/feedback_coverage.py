"""How many distinct requests among the pending feedback reach the distill call.

    .venv/bin/python bench/feedback_coverage.py [--sizes 100,1000,10000] [--budget 6000]

Pending feedback is drawn from 50 distinct requests, each written in varied words (eight
phrasings, fillers, case and punctuation), each about the same output as in the app. Coverage is
the share of the distinct requests present whose own wording is in the distill prompt (read from
the request the model gets); credited is the share of items a principle from that prompt can
cite (grouped items are credited through their group). "before" is the selection as it was at
commit 0fefee3 (loaded from git, so it is the real code), "after" the grouped selection; both
run through `propose` on the offline model with the same budget, and the calls are counted.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alignment import Feedback, FeedbackKind, LLMRequest, LLMResponse, Template, get_model, propose
from alignment import proposer as proposer_module
from alignment.datablocks import read_blocks
from alignment.feedback_groups import group_feedback
from alignment.models.base import ModelClient

AVOID = [
    "alcohol",
    "peanuts",
    "shellfish",
    "gluten",
    "pork",
    "dairy",
    "sugar",
    "caffeine",
    "soy",
    "eggs",
    "mushrooms",
    "cilantro",
    "garlic",
    "onions",
    "sesame",
    "anchovies",
    "olives",
    "raisins",
    "coconut",
    "tofu",
    "beef",
    "lamb",
    "veal",
    "duck",
    "rabbit",
    "chili",
    "mayonnaise",
    "ketchup",
    "margarine",
    "lard",
]
ADD = [
    "prices", "quantities", "metric units", "aisle order", "servings count", "a budget total",
    "substitutes", "seasonal produce", "store brands", "organic options", "a prep timeline",
    "leftover ideas", "allergy warnings", "calorie counts", "storage tips", "a checklist format",
    "bulk buying advice", "wine-free drinks", "a kids menu", "dessert items",
]  # fmt: skip
AVOID_WAYS = [
    "no {x} please", "Please don't include {x}.", "Remove the {x} from the list",
    "{x} should not be there", "we can't have {x}, leave it out", "avoid {x}",
    "Without {x}, thanks", "drop the {x}, our guests don't eat it",
]  # fmt: skip
ADD_WAYS = [
    "add {x}", "include {x} please", "it needs {x}", "could you show {x}?",
    "I'd like to see {x}", "{x} would help a lot", "Please put {x} in", "also give {x}",
]  # fmt: skip
FILLERS = ["", "", "Honestly, ", "Hmm - ", "Team says: "]
ENDINGS = ["", "", "!", " thanks!", " :)"]
OUTPUT = (
    "Produce: 2 onions, 4 carrots, 1 bunch of thyme\nMeat: 2 kg chicken, 200 g bacon\n"
    "Drinks: 1 bottle red Burgundy\nPantry: flour, butter, stock"
)  # the output each item is about, sent with it as in the app
REQUESTS = [(x, AVOID_WAYS) for x in AVOID] + [(x, ADD_WAYS) for x in ADD]
assert len(REQUESTS) == 50


def feedback(n: int, seed: int = 7) -> tuple[list[Feedback], dict[str, int]]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items, request_of = [], {}
    for i in range(n):
        r = rng.randrange(len(REQUESTS)) if i >= len(REQUESTS) else i % len(REQUESTS)
        subject, ways = REQUESTS[r]
        text = rng.choice(FILLERS) + rng.choice(ways).format(x=subject) + rng.choice(ENDINGS)
        text = text.upper() if rng.random() < 0.05 else text
        fid = f"f{i}"
        items.append(
            Feedback(fid, FeedbackKind.CRITIQUE, f"user{i % 23}", text, output=OUTPUT,
                     inputs={"dish": "coq au vin"}, agreement=rng.choice([0, 0, 0, 1, 2]),
                     created_at=start + timedelta(seconds=i))
        )  # fmt: skip
        request_of[fid] = r
    return items, request_of


ROOT = Path(__file__).resolve().parent.parent


def old_select() -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", "0fefee3:alignment/feedback_batch.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    module = types.ModuleType("feedback_batch_0fefee3")
    exec(compile(source, "feedback_batch@0fefee3", "exec"), module.__dict__)
    return module


class Counting:
    def __init__(self, inner: ModelClient) -> None:
        self.inner, self.name, self.calls, self.chars = inner, inner.name, 0, 0
        self.sent_ids: list[str] = []

    def generate(self, request: LLMRequest) -> LLMResponse:
        if request.purpose == "distill":
            self.sent_ids = [e["id"] for e in read_blocks(request.prompt)["feedback"]]
        self.calls += 1
        self.chars += len(request.system) + len(request.prompt)
        return self.inner.generate(request)


def run(n: int, budget: int, *, before: bool) -> dict[str, float]:
    items, request_of = feedback(n)
    saved = proposer_module.select
    if before:
        old = old_select()

        class Old:
            def __init__(self, sent: list) -> None:
                self.sent = sent
                self.used_ids = [f.id for f, _ in sent]

            def credited(self, cited: list[str]) -> tuple[str, ...]:
                return tuple(cited)

        proposer_module.select = lambda fb, b: Old(old.select(fb, b))  # type: ignore[assignment]
    model = Counting(get_model("offline"))
    began = time.perf_counter()
    try:
        result = propose(Template("Write a grocery list for {{dish}}."), items, [],
                         workflow="principles", model=model, budget_tokens=budget)  # fmt: skip
    finally:
        proposer_module.select = saved
    seconds = time.perf_counter() - began
    present = set(request_of.values())
    credited = set(result.used_feedback_ids)
    worded = {request_of[i] for i in model.sent_ids}  # requests whose own words are in the prompt
    groups = group_feedback(items)
    mixed = sum(1 for g in groups if len({request_of[m.id] for m in g.members}) > 1)
    return {
        "mixed": mixed,
        "sent": len(model.sent_ids),
        "coverage": len(worded) / len(present),
        "credited": len(credited) / n,
        "calls": model.calls,
        "prompt_chars": model.chars,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--budget", type=int, default=6000)
    args = parser.parse_args()
    print(f"budget {args.budget} tokens; 50 distinct requests in varied words\n")
    print("| pending items | entries sent before / after | coverage before | coverage after |"
          " items credited before | items credited after | calls before / after |"
          " prompt chars before / after | seconds after |"
          " groups mixing two requests |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        b = run(n, args.budget, before=True)
        a = run(n, args.budget, before=False)
        print(f"| {n} | {b['sent']} / {a['sent']} |"
              f" {b['coverage']:.0%} | {a['coverage']:.0%} | {b['credited']:.1%} |"
              f" {a['credited']:.1%} | {b['calls']} / {a['calls']} |"
              f" {b['prompt_chars']:,} / {a['prompt_chars']:,} | {a['seconds']:.2f} |"
              f" {a['mixed']} |")  # fmt: skip


if __name__ == "__main__":
    main()

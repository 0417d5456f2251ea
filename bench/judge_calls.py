"""Model calls to build a judge and to classify outputs: alignbot vs model-alignment's Labeler.

    .venv/bin/python bench/judge_calls.py [--sizes 20,100,1000]

Ours is measured: `build_judge` and `evaluate_judge` on the offline model behind a counting
wrapper (the offline model answers the same structured requests a real one gets). The library's
figures are counted from its code (`model_alignment/labeler.py`, defaults: 3 incorrect
predictions sampled per step, 2 mutations tried for each, every candidate scored one call per
example on 100 validation examples, one call per classified example); the error rate decides how
many examples it classifies before it has found its 3 mistakes, so it is a parameter here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alignment import (
    Label,
    LabelledOutput,
    LLMRequest,
    LLMResponse,
    ModelClient,
    build_judge,
    get_model,
)
from alignment.judge_eval import evaluate_judge

GOOD = ["A fresh salad with vegetables", "Roasted vegetables and herbs", "Lentil soup, fresh bread"]
BAD = ["Pair it with beer and whisky", "Serve with red wine", "Add a shot of rum"]


class Counting:
    def __init__(self, inner: ModelClient) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def generate(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        return self.inner.generate(request)


def examples(n: int) -> list[LabelledOutput]:
    rows = []
    for i in range(n):
        good = i % 2 == 0
        text = (GOOD if good else BAD)[i % 3] + f" (variant {i})"
        rows.append(LabelledOutput({"dish": "dinner"}, text, Label.GOOD if good else Label.BAD))
    return rows


def library_step(error_rate: float, n_incorrect: int = 3, n_mutations: int = 2,
                 n_validation: int = 100) -> int:  # fmt: skip
    finding = round(n_incorrect / error_rate)  # one classification call per example tried
    per_mistake = 1 + n_mutations + n_mutations * 1.5  # feedback, choose, execute (ADD 1, EDIT 2)
    candidates = n_incorrect * n_mutations
    return int(finding + n_incorrect * per_mistake + candidates * n_validation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,100,1000")
    args = parser.parse_args()
    print("| labelled examples | ours: build (calls) | ours: classify all (calls) |"
          " library: 1 training step | library: classify all |")  # fmt: skip
    print("|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        model = Counting(get_model("offline"))
        judge = build_judge(examples(n), model)
        built = model.calls
        evaluate_judge(judge, examples(n))
        classify = model.calls - built
        print(f"| {n} | {built} | {classify} | ~{library_step(0.25)} (25% errors) | {n} |")
    print("\nPer 100 classified examples: ours", -(-100 // 25), "calls; the library 100.")
    print("Per training step: ours 2 (the whole build); the library",
          f"{library_step(0.5)}–{library_step(0.1)} (50%–10% errors).")  # fmt: skip


if __name__ == "__main__":
    main()

"""How well a judge agrees with labels it was not built from, and how its rule books travel.

The library's classifier spends about 600 model calls per training step; here building costs two
calls and classifying costs one call per batch of `BATCH` outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignment.feedback import Label
from alignment.judge import Judge, JudgeError, LabelledOutput, build_judge
from alignment.models.base import ModelClient

BATCH = 25  # outputs scored per call: the prompt stays small, calls grow as N / BATCH
FORMAT = "alignbot.judge/1"


@dataclass(frozen=True)
class JudgeMetrics:
    """`good` is the positive class: precision is the share of outputs called good that were."""

    examples: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    calls: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "examples": self.examples,
            "accuracy": round(self.accuracy, 4),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "calls": self.calls,
        }


def metrics(predicted_good: Sequence[bool], labels: Sequence[Label], calls: int) -> JudgeMetrics:
    pairs = list(zip(predicted_good, (lb is Label.GOOD for lb in labels), strict=True))
    tp = sum(1 for p, a in pairs if p and a)
    fp = sum(1 for p, a in pairs if p and not a)
    fn = sum(1 for p, a in pairs if not p and a)
    right = sum(1 for p, a in pairs if p == a)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return JudgeMetrics(
        len(pairs), right / len(pairs) if pairs else 0.0, precision, recall, f1, calls
    )


def evaluate_judge(judge: Judge, labelled: Sequence[LabelledOutput]) -> JudgeMetrics:
    """Score every output (BATCH per call) and compare with its label (score ≥ 0.5 is good)."""
    before = len(judge.calls)
    scores: list[float] = []
    for start in range(0, len(labelled), BATCH):
        chunk = labelled[start : start + BATCH]
        scores.extend(judge.score_many([(e.inputs, e.output) for e in chunk]))
    return metrics(
        [s >= 0.5 for s in scores], [e.label for e in labelled], len(judge.calls) - before
    )


def judge_to_dict(judge: Judge) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "rule_books": judge.rule_books,
        "hard_cases": judge.hard_cases,
        "training_accuracy": judge.accuracy,
    }


def judge_from_dict(data: Any, model: ModelClient) -> Judge:
    """A judge from `judge_to_dict`'s document; ValueError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a judge file (expected format {FORMAT!r})")
    books = data.get("rule_books")
    if (
        not isinstance(books, dict)
        or not books
        or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(r, str) for r in v)
            for k, v in books.items()
        )
    ):
        raise ValueError("rule_books must map each label to a list of rules")
    cases = data.get("hard_cases") or []
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise ValueError("hard_cases must be a list of objects")
    return Judge(
        model=model, rule_books=books, hard_cases=cases, accuracy=data.get("training_accuracy")
    )


HOLD_OUT_EVERY = 4  # every 4th labelled run (oldest first) is held out: a quarter, spread in time


@dataclass(frozen=True)
class Agreement:
    """A judge built from part of the team's labels, measured on the part it never saw."""

    judge: Judge
    metrics: JudgeMetrics  # on the held-out runs
    trained_on: int
    build_calls: int
    eval_calls: int

    @property
    def calls(self) -> int:
        return self.build_calls + self.eval_calls


def hold_out(
    labelled: Sequence[LabelledOutput], every: int = HOLD_OUT_EVERY
) -> tuple[list[LabelledOutput], list[LabelledOutput]]:
    """(build, held out): every `every`-th item is held out; at least one is."""
    if len(labelled) < 2:
        raise JudgeError(
            f"measuring the judge needs at least 2 labelled runs (one to build from, one to "
            f"check against); there are {len(labelled)}"
        )
    held_idx = {i for i in range(len(labelled)) if i % every == every - 1} or {len(labelled) - 1}
    build = [e for i, e in enumerate(labelled) if i not in held_idx]
    held = [e for i, e in enumerate(labelled) if i in held_idx]
    return build, held


def measure_agreement(labelled: Sequence[LabelledOutput], model: ModelClient) -> Agreement:
    """Build a judge from the labels not held out and score it on the held-out ones.

    Raises JudgeError when there are too few labels, or the part built from lacks 👍 or 👎."""
    build, held = hold_out(labelled)
    judge = build_judge(build, model)
    build_calls = len(judge.calls)
    result = evaluate_judge(judge, held)
    return Agreement(judge, result, len(build), build_calls, result.calls)

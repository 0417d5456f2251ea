"""Before a proposal is posted: run old and new templates on a few recent inputs, side by side.

Samples are the inputs that drew critique first, then the most recent. A judge, when there is one,
scores every output in one batched call; its score informs people, it approves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alignment.feedback import aware
from alignment.judge import Judge
from alignment.models.base import ModelClient
from alignment.runner import run_template
from alignment.template import Template
from alignment.usage import CallStats


@dataclass(frozen=True)
class SampleRun:
    inputs: Mapping[str, str]
    output: str
    critiqued: bool
    created_at: datetime


@dataclass(frozen=True)
class EvaluationRow:
    """One sample input run on the base template (before) and the proposed one (after)."""

    inputs: dict[str, str]
    before: str
    after: str
    score_before: float | None = None  # judge score in [0, 1]; None when there is no judge yet
    score_after: float | None = None


@dataclass
class Evaluation:
    rows: list[EvaluationRow]
    calls: list[CallStats] = field(default_factory=list)

    def _mean(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.rows if getattr(r, attr) is not None]
        return sum(values) / len(values) if values else None

    @property
    def mean_before(self) -> float | None:
        return self._mean("score_before")

    @property
    def mean_after(self) -> float | None:
        return self._mean("score_after")


def pick_samples(runs: Sequence[SampleRun], limit: int = 3) -> list[dict[str, str]]:
    """Distinct inputs: critiqued runs first, most recent first within each group."""
    ranked = sorted(runs, key=lambda r: (r.critiqued, aware(r.created_at)), reverse=True)
    chosen: list[dict[str, str]] = []
    for run in ranked:
        inputs = {str(k): str(v) for k, v in run.inputs.items()}
        if inputs not in chosen:
            chosen.append(inputs)
        if len(chosen) >= limit:
            break
    return chosen


def evaluate(
    old: Template,
    new: Template,
    samples: Sequence[Mapping[str, str]],
    target: ModelClient,
    judge: Judge | None = None,
) -> Evaluation:
    """Samples missing one of the templates' variables are skipped. ModelError propagates."""
    usable = [dict(s) for s in samples if all(v in s for v in (*old.variables, *new.variables))]
    calls: list[CallStats] = []
    pairs: list[tuple[dict[str, str], str, str]] = []
    for inputs in usable:
        before = run_template(old, inputs, target)
        after = run_template(new, inputs, target)
        calls += [before.stats, after.stats]
        pairs.append((inputs, before.output, after.output))
    scores: list[float | None] = [None] * (2 * len(pairs))
    if judge is not None and pairs:
        judged_from = len(judge.calls)
        items = [(i, o) for i, b, a in pairs for o in (b, a)]
        scores = list(judge.score_many(items))
        calls += judge.calls[judged_from:]
    rows = [
        EvaluationRow(inputs, before, after, scores[2 * n], scores[2 * n + 1])
        for n, (inputs, before, after) in enumerate(pairs)
    ]
    return Evaluation(rows=rows, calls=calls)
